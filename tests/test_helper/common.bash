# SPDX-License-Identifier: Apache-2.0
# Shared setup for every bats file: isolated HOME and KUBECONFIG, the
# freshly built binaries first on PATH, and the bats libraries.

bats_require_minimum_version 1.5.0

: "${MESH_ROOT:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
: "${MESH_BUILD:=$MESH_ROOT/build}"
# istio/istio's fixtures are used in place, beside the clone (../shared).
if [ -z "${MESH_FIXTURES:-}" ]; then
	for _d in "$MESH_ROOT/../shared/fixtures" /work/shared/fixtures; do
		if [ -d "$_d/istio" ]; then
			MESH_FIXTURES=$(cd "$_d" && pwd)
			break
		fi
	done
	unset _d
fi
export MESH_ROOT MESH_BUILD MESH_FIXTURES

TEST_COMMON="$MESH_BUILD/tests/test-common"
FAKE_APISERVER="$MESH_BUILD/tests/fake-apiserver"

_common_setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	export KUBECONFIG="$HOME/.kube/config"
	export PATH="$MESH_BUILD/bin:$PATH"
	# libcurl would proxy loopback; kubectl would not. Keep tests hermetic.
	unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy NO_PROXY no_proxy ALL_PROXY all_proxy
	unset KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT POD_NAMESPACE
	export NO_COLOR=1
	# Without a real kubectl, `kubectl mesh-x ...` runs the plugin directly,
	# as kubectl itself would; tests of kubectl's own behaviour skip.
	if ! type -P kubectl >/dev/null; then
		kubectl() { local p=$1; shift; "kubectl-${p//-/_}" "$@"; }
		export -f kubectl
	fi
}

# Tests of what kubectl itself does (dispatch, completion, plugin list).
need_kubectl() {
	type -P kubectl >/dev/null || skip "kubectl is not installed"
}

# Tests that read istio/istio's fixtures skip, saying why, where they are absent.
need_fixtures() {
	[ -n "${MESH_FIXTURES:-}" ] && [ -d "$MESH_FIXTURES/istio" ] ||
		skip "istio/istio's fixtures (../shared/fixtures) are not beside this clone"
}

# Fixture files shipped in tests/fixtures.
fixture() {
	printf '%s/tests/fixtures/%s' "$MESH_ROOT" "$1"
}
