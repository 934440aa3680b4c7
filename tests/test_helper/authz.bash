# SPDX-License-Identifier: Apache-2.0
# Shared setup of the kubectl mesh-authz bats files.  Source after
# common.bash and fake-server.bash.
#
#   B  istiod's authz builder testdata (ground truth), in place
#   W  our copies of its workload context (tests/fixtures/authz/builder)
#   M  the small mesh the builder cases run in (tests/fixtures/authz/mesh.yaml)
#   X  the bundled example mesh
#   T  a scratch directory for policies written by a test (see pol)

_authz_setup() {
	_common_setup
	B="$MESH_FIXTURES/istio/pilot/pkg/security/authz/builder/testdata"
	W="$(fixture authz/builder)"
	M="$(fixture authz/mesh.yaml)"
	X="$MESH_ROOT/examples"
	T="$BATS_TEST_TMPDIR"
}

# pol NAME: write stdin to $T/NAME.
pol() {
	cat >"$T/$1"
}
