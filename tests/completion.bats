#!/usr/bin/env bats
# Shell completion through the real kubectl (>= 1.26), which runs the
# kubectl_complete-* helpers from completions/, against the fake API server.

load test_helper/common
load test_helper/fake-server

setup() {
	_common_setup
	need_kubectl
	export PATH="$MESH_ROOT/completions:$PATH"
}

teardown() {
	fake_stop
}

# complete WORDS...: kubectl's candidates (stdout only; kubectl's [Debug] lines go to stderr).
complete() {
	run -0 --separate-stderr kubectl __complete "$@"
}

@test "subcommands, with descriptions, filtered by the typed prefix" {
	complete mesh-tls v
	assert_output $'version\tPrint the client, server and Istio control-plane versions\n:4'
	run -0 --separate-stderr kubectl __completeNoDesc mesh-tls v
	assert_output $'version\n:4'
}

@test "the dash-named helpers answer the same as the underscore-named ones" {
	for p in tls authz proxy; do
		a=$("$MESH_ROOT/completions/kubectl_complete-mesh_$p" "")
		b=$("$MESH_ROOT/completions/kubectl_complete-mesh-$p" "")
		assert_equal "$b" "$a"
		[ -n "$a" ]
	done
}

@test "flags of the command and kubectl's global flags" {
	complete mesh-tls version --cli
	assert_output - <<-'OUT'
	--client	Print only the plugin's own version, without contacting the cluster
	--client-certificate	Path to a client certificate file for TLS
	--client-key	Path to a client key file for TLS
	:4
	OUT
	complete mesh-tls inventory --all
	assert_output $'--all-namespaces\tWork across all namespaces\n:4'
}

@test "output formats are the ones the command prints" {
	complete mesh-tls version -o ""
	assert_output $'json\nyaml\n:4'
	complete mesh-tls version --output=j
	assert_output $'--output=json\n:4'
}

@test "file flags fall back to the shell's file completion" {
	complete mesh-tls inventory -f ""
	assert_output ":0"
}

@test "contexts come from the kubeconfig" {
	mkdir -p "$(dirname "$KUBECONFIG")"
	cat >"$KUBECONFIG" <<-'EOF'
	apiVersion: v1
	kind: Config
	clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
	users: [{name: u, user: {}}]
	contexts: [{name: prod, context: {cluster: c, user: u}}, {name: staging, context: {cluster: c, user: u}}]
	current-context: prod
	EOF
	complete mesh-authz version --context ""
	assert_output $'prod\nstaging\n:4'
}

@test "namespaces and pods come live from the cluster" {
	fake_start
	fake_kubeconfig_token alice
	complete mesh-tls inventory -n ""
	assert_output $'bookinfo\ndefault\nistio-system\nlegacy\n:4'
	complete mesh-tls inventory -n book
	assert_output $'bookinfo\n:4'
}

@test "kubectl mesh-authz can-i --to: kinds first, then live names of the kind" {
	fake_start
	fake_kubeconfig_token alice
	complete mesh-authz can-i --to ""
	assert_output $'pod/\ndeploy/\nsts/\nds/\nsvc/\n:6'
	complete mesh-authz can-i -n bookinfo --to svc/
	assert_output $'svc/productpage\nsvc/ratings\nsvc/reviews\n:4'
	complete mesh-authz can-i --namespace=bookinfo --to pod/product
	assert_line --index 0 --regexp '^pod/productpage-v1-'
	assert_line --index 1 ':4'
}

@test "an unreachable cluster gives no candidates and no error text" {
	fake_start
	fake_kubeconfig_token alice wrong-token
	complete mesh-tls inventory -n ""
	assert_output ":4"
	fake_stop
	complete mesh-tls inventory -n ""
	assert_output ":4"
}
