# SPDX-License-Identifier: Apache-2.0
# Helpers for the kubectl mesh-proxy suites that talk to the fake API
# server.  Source after common.bash and fake-server.bash.
#
#   serve NS POD PORT NAME SOURCE   serve SOURCE (linked, never copied) as
#                                   NAME on the pod's port, from the
#                                   --proxy-dir $BATS_TEST_TMPDIR/proxy
#   serve_text NS POD PORT NAME TEXT   the same for a file written here
#   start_proxy_server USER [ARGS...]  fake_start with that --proxy-dir and a
#                                   token kubeconfig for USER (alice, bob)
#   start_forbidding RULE...        bob's server with these --forbid rules
#   mesh_proxy WANT ARGS...         run kubectl mesh-proxy ARGS, assert exit
#                                   status WANT; stdout in $OUT (trailing
#                                   spaces kept), stderr in $output

PP=productpage-v1-6b746f74dc-4xk2p
RATINGS=ratings-v1-7c9bd4b87f-9wxzv
REVIEWS=reviews-v1-5fd6d4f8f8-t8kqz
ISTIOD=istiod-7d4f8b9c6d-x2x9z
LEGACY=legacy-app-5d8f7c6b4-m7kzn

serve() {
	local dir="$BATS_TEST_TMPDIR/proxy/$1/$2/$3"
	mkdir -p "$dir"
	ln -sf "$5" "$dir/$4"
}

serve_text() {
	local dir="$BATS_TEST_TMPDIR/proxy/$1/$2/$3"
	mkdir -p "$dir"
	printf '%s' "$5" >"$dir/$4"
}

start_proxy_server() {
	local user=$1
	shift
	mkdir -p "$BATS_TEST_TMPDIR/proxy"
	fake_start --proxy-dir "$BATS_TEST_TMPDIR/proxy" "$@"
	fake_kubeconfig_token "$user"
}

start_forbidding() {
	printf '%s\n' "$@" >"$BATS_TEST_TMPDIR/forbid"
	start_proxy_server bob --forbid "$BATS_TEST_TMPDIR/forbid"
}

mesh_proxy() {
	local want=$1
	shift
	OUT="$BATS_TEST_TMPDIR/out"
	run --separate-stderr -"$want" bash -c 'out=$1; shift; kubectl mesh-proxy "$@" >"$out"' _ "$OUT" "$@"
	output=$stderr
}
