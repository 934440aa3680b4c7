#!/usr/bin/env bats
# Behaviour every binary shares: help, flags, errors and exit codes, and
# `version` through the real kubectl against the fake HTTPS API server
# with each authentication form.

load test_helper/common
load test_helper/fake-server

setup() {
	_common_setup
}

teardown() {
	fake_stop
}

@test "each binary runs through kubectl under its plugin name" {
	need_kubectl
	for p in mesh-tls mesh-authz mesh-proxy; do
		run -0 kubectl "$p" version --client
		assert_output "Client Version: v$(cat "$MESH_ROOT/VERSION")"
	done
}

@test "--version prints the client version, before or after a subcommand" {
	run -0 kubectl-mesh_authz --version
	assert_output "Client Version: v$(cat "$MESH_ROOT/VERSION")"
	run -0 kubectl-mesh_proxy version --version
	assert_output "Client Version: v$(cat "$MESH_ROOT/VERSION")"
}

@test "top-level help lists the commands and the exit codes" {
	run -0 kubectl-mesh_tls --help
	assert_line "  inventory   Summarise the objects and mesh settings the plugin sees"
	assert_line "  version     Print the client, server and Istio control-plane versions"
	assert_line "  3   undetermined: an external authorizer decides"
	assert_line 'Use "kubectl mesh-tls COMMAND --help" for more information about a command.'
	run -0 kubectl-mesh_tls help
	assert_line "  version     Print the client, server and Istio control-plane versions"
}

@test "a plugin run without arguments prints its help and succeeds" {
	run -0 --separate-stderr kubectl-mesh_proxy
	assert_line "Usage:"
	assert_line "  kubectl mesh-proxy COMMAND [options]"
}

@test "command help has kubectl's layout: description, examples, options, usage" {
	run -0 kubectl-mesh_authz version -h
	assert_output - <<'OUT'
Print the version of this plugin, of the Kubernetes API server (GET
/version) and of the Istio control plane (the image tag of each
istiod pod, per revision).

Examples:
  # Print every version
  kubectl mesh-authz version

  # Print only the plugin's own version, without contacting the cluster
  kubectl mesh-authz version --client

Options:
    --client=false:
	Print only the plugin's own version, without contacting the cluster.

Exit status:
  0   success, "yes", or nothing found
  1   "no", or problems found
  2   error: usage, kubeconfig, API or input
  3   undetermined: an external authorizer decides

Usage:
  kubectl mesh-authz version [--client] [-o json|yaml] [options]

Use "kubectl mesh-authz options" for a list of global command-line options (applies to all commands).
OUT
	run -0 kubectl-mesh_authz help version
	assert_line "  kubectl mesh-authz version [--client] [-o json|yaml] [options]"
}

@test "options lists kubectl's global flags" {
	run -0 kubectl-mesh_tls options
	assert_line "The following options can be passed to any command of kubectl mesh-tls:"
	for f in kubeconfig context cluster user server token request-timeout \
		certificate-authority client-certificate client-key insecure-skip-tls-verify \
		tls-server-name namespace all-namespaces as as-group output filename v help version; do
		assert_output --partial -- "--$f="
	done
	assert_line "    -n, --namespace='':"
	assert_line "    -v, --v=0:"
}

@test "an unknown command is an error with exit 2" {
	run -2 --separate-stderr kubectl-mesh_tls nope
	assert_equal "$stderr" $'error: unknown command "nope" for "kubectl mesh-tls"\nRun \'kubectl mesh-tls --help\' for usage.'
	assert_output ""
}

@test "flag errors are pflag's, with a usage hint, and exit 2" {
	run -2 --separate-stderr kubectl-mesh_tls version --bogus
	assert_equal "$stderr" $'error: unknown flag: --bogus\nSee \'kubectl mesh-tls version --help\' for usage.'
	run -2 --separate-stderr kubectl-mesh_tls version -x
	assert_equal "$stderr" $'error: unknown shorthand flag: \'x\' in -x\nSee \'kubectl mesh-tls version --help\' for usage.'
	run -2 --separate-stderr kubectl-mesh_tls -n
	assert_equal "$stderr" $'error: flag needs an argument: \'n\' in -n\nSee \'kubectl mesh-tls --help\' for usage.'
	run -2 --separate-stderr kubectl-mesh_tls version --namespace
	assert_equal "$stderr" $'error: flag needs an argument: --namespace\nSee \'kubectl mesh-tls version --help\' for usage.'
	run -2 --separate-stderr kubectl-mesh_tls version --client=maybe
	assert_equal "$stderr" $'error: invalid argument "maybe" for "--client" flag: strconv.ParseBool: parsing "maybe": invalid syntax\nSee \'kubectl mesh-tls version --help\' for usage.'
	run -2 --separate-stderr kubectl-mesh_tls version -v=loud
	assert_equal "$stderr" $'error: invalid argument "loud" for "\'v\' in -v" flag: strconv.ParseInt: parsing "loud": invalid syntax\nSee \'kubectl mesh-tls version --help\' for usage.'
}

@test "pflag syntax: -n x, -nx, -n=x, --namespace x, --namespace=x" {
	for form in "-n x" "-nx" "-n=x" "--namespace x" "--namespace=x"; do
		# shellcheck disable=SC2086
		run -0 kubectl-mesh_tls inventory -f "$MESH_ROOT/examples/mesh" $form -o json
		assert_equal "$(jq -r .namespace <<<"$output")" "x"
	done
}

@test "global flags may come before the subcommand" {
	run -0 kubectl-mesh_tls -n shop -f "$MESH_ROOT/examples/mesh" inventory -o json
	assert_equal "$(jq -r .namespace <<<"$output")" "shop"
}

@test "an output format the command does not offer is refused" {
	run -2 --separate-stderr kubectl-mesh_tls version -o wide
	assert_equal "$stderr" 'error: unable to match a printer suitable for the output format "wide", allowed formats are: json,yaml'
}

@test "extra positional arguments are a usage error" {
	run -2 --separate-stderr kubectl-mesh_tls version extra
	assert_equal "$stderr" $'error: kubectl mesh-tls version takes no arguments, got 1\nSee \'kubectl mesh-tls version -h\' for help and examples.'
}

@test "--request-timeout must be an integer or a duration" {
	run -2 --separate-stderr kubectl-mesh_tls --request-timeout=abc version
	assert_equal "$stderr" "error: Invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)"
}

@test "inventory offline: counts per kind, mesh config and sidecars of the example mesh" {
	run -0 kubectl-mesh_tls inventory -A -f "$MESH_ROOT/examples/mesh"
	assert_line --index 0 "KIND                    NAMESPACES   COUNT"
	assert_line "Namespace               -            3"
	assert_line "PeerAuthentication      1            1"
	assert_line "Mesh config: istio-system/istio (root namespace istio-system, trust domain cluster.local, auto mTLS on)"
	assert_line "Pods with a sidecar: 3 of 5"
	run -0 kubectl-mesh_tls inventory -n legacy -f "$MESH_ROOT/examples/mesh" -o json
	assert_equal "$(jq -c '[.kinds[] | select(.kind=="Pod" or .kind=="Service") | .count]' <<<"$output")" "[1,1]"
	assert_equal "$(jq -c '.sidecars' <<<"$output")" '{"pods":1,"withSidecar":0}'
}

@test "inventory --no-headers drops the table header" {
	run -0 kubectl-mesh_tls inventory -A -f "$MESH_ROOT/examples/mesh" --no-headers
	assert_line --index 0 "Namespace               -   3"
}

@test "version -f reads the Istio version from the istiod pods in the files" {
	run -0 kubectl-mesh_proxy version -f "$MESH_ROOT/examples/mesh"
	assert_output $'Client Version: v'"$(cat "$MESH_ROOT/VERSION")"$'\nIstio Version: 1.24.2'
}

@test "version live through kubectl: token authentication" {
	need_kubectl
	fake_start
	fake_kubeconfig_token alice
	run -0 kubectl mesh-tls version
	assert_output $'Client Version: v'"$(cat "$MESH_ROOT/VERSION")"$'\nServer Version: v1.32.4\nIstio Version: 1.24.2'
	run -0 kubectl mesh-tls version -o json
	assert_equal "$(jq -c '[.serverVersion.gitVersion, .istioVersion]' <<<"$output")" '["v1.32.4",[{"pods":1,"revision":"default","version":"1.24.2"}]]'
}

@test "version live through kubectl: client certificate, basic auth and exec plugin" {
	need_kubectl
	fake_start
	fake_kubeconfig_cert alice
	run -0 kubectl mesh-authz version
	assert_line "Server Version: v1.32.4"
	fake_kubeconfig_basic bob bob-pw
	run -0 kubectl mesh-proxy version
	assert_line "Server Version: v1.32.4"
	fake_kubeconfig_exec tok-alice
	run -0 kubectl mesh-tls version
	assert_line "Istio Version: 1.24.2"
	assert_equal "$(jq -r 'select(.path=="/version") | .user' "$FAKE_LOG" | sort -u | tr '\n' ' ')" "alice bob "
}

@test "version live: --token on the command line overrides the kubeconfig" {
	need_kubectl
	fake_start
	fake_kubeconfig_token alice wrong-token
	run -2 --separate-stderr kubectl mesh-tls version
	assert_equal "$stderr" "error: You must be logged in to the server (Unauthorized)"
	assert_output "Client Version: v$(cat "$MESH_ROOT/VERSION")"
	run -0 kubectl mesh-tls version --token tok-bob
	assert_line "Server Version: v1.32.4"
}

@test "version live: a forbidden istiod lookup prints what is known, then kubectl's error" {
	need_kubectl
	fake_start --forbid <(echo "bob list pods istio-system")
	fake_kubeconfig_token bob
	run -2 --separate-stderr kubectl mesh-tls version
	assert_output $'Client Version: v'"$(cat "$MESH_ROOT/VERSION")"$'\nServer Version: v1.32.4'
	assert_equal "$stderr" 'Error from server (Forbidden): pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "istio-system"'
}

@test "version live: impersonation headers reach the server" {
	fake_start
	fake_kubeconfig_token alice
	run -0 kubectl-mesh_tls version --as carol --as-group g1 --as-group g2
	assert_equal "$(jq -c 'select(.path=="/version") | [.impersonate_user, .impersonate_groups]' "$FAKE_LOG")" '["carol",["g1","g2"]]'
}

@test "no kubeconfig at all: kubectl's localhost:8080 message, exit 2" {
	rm -f "$KUBECONFIG"
	run -2 --separate-stderr kubectl-mesh_tls version
	assert_equal "$stderr" "The connection to the server localhost:8080 was refused - did you specify the right host or port?"
}

@test "a missing --kubeconfig file is an error, exit 2" {
	run -2 --separate-stderr kubectl-mesh_tls version --kubeconfig "$BATS_TEST_TMPDIR/nope"
	assert_equal "$stderr" "error: stat $BATS_TEST_TMPDIR/nope: no such file or directory"
}

@test "a server whose certificate the CA does not vouch for is refused" {
	fake_start
	fake_kubeconfig_token alice
	run -2 --separate-stderr kubectl-mesh_tls version --certificate-authority "$FAKE_PKI/other-ca.pem"
	assert_equal "$stderr" "Unable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown authority"
}

@test "a stdout write error is reported, not ignored" {
	[ -w /dev/full ] || skip "/dev/full is not available"
	run -2 --separate-stderr sh -c 'kubectl-mesh_tls version --client >/dev/full'
	assert_equal "$stderr" "error: write error on standard output: No space left on device"
}

@test "faults through a plugin: 429 with Retry-After is retried and succeeds" {
	fake_start
	fake_kubeconfig_token alice
	fake_fault 'GET /version status=429,retry-after=1 1'
	run -0 --separate-stderr kubectl-mesh_tls version
	assert_line "Server Version: v1.32.4"
	assert_equal "$stderr" ""
	assert_equal "$(jq -s '[.[] | select(.path=="/version") | .status] | map(tostring) | join(" ")' -r "$FAKE_LOG")" "429 200"
}

@test "faults through a plugin: a 500 without Retry-After fails at once with exit 2" {
	fake_start
	fake_kubeconfig_token alice
	fake_fault 'GET /version status=500'
	run -2 --separate-stderr kubectl-mesh_tls version
	assert_equal "$stderr" "Error from server (InternalError): Internal error occurred: injected fault"
}

@test "faults through a plugin: a truncated page fails the whole list; no partial table" {
	fake_start
	fake_kubeconfig_token alice
	fake_fault 'GET /api/v1/pods truncate'
	run -2 --separate-stderr kubectl-mesh_tls inventory -A
	assert_output ""
	assert_equal "$stderr" "error: unexpected error when reading response body. Please retry. Original error: unexpected EOF"
}

@test "faults through a plugin: a slow server and --request-timeout end in time with exit 2" {
	fake_start
	fake_kubeconfig_token alice
	fake_fault 'GET /version slow=5000'
	run -2 --separate-stderr kubectl-mesh_tls version --request-timeout=1s
	assert_output "Client Version: v$(cat "$MESH_ROOT/VERSION")"
	assert_equal "$stderr" "Unable to connect to the server: net/http: request canceled (Client.Timeout exceeded while awaiting headers)"
}

@test "faults through a plugin: Istio missing from the cluster is named as such" {
	fake_start --istio none
	fake_kubeconfig_token alice
	run -2 --separate-stderr kubectl-mesh_tls inventory -A
	assert_output ""
	assert_equal "$stderr" "error: Istio is not installed in this cluster: the server has no security.istio.io API group"
}

@test "faults through a plugin: warnings from the server reach stderr once" {
	fake_start
	fake_kubeconfig_token alice
	fake_fault 'GET / warning="policy/v1beta1 is deprecated"'
	run -0 --separate-stderr kubectl-mesh_tls version
	assert_equal "$stderr" "Warning: policy/v1beta1 is deprecated"
}

@test "credentials never go to a plain-http server" {
	fake_start --plain-http --allow-anonymous
	fake_kubeconfig_token alice
	run -0 kubectl-mesh_tls version -v=9
	assert_line "Server Version: v1.32.4"
	assert_equal "$(jq -s '[.[] | .headers.authorization // empty] | length' "$FAKE_LOG")" "0"
	refute_output --partial "tok-alice"
}

@test "-v=9 never prints the token" {
	fake_start
	fake_kubeconfig_token alice
	run -0 kubectl-mesh_tls version -v=9
	assert_output --partial "Authorization: Bearer <masked>"
	refute_output --partial "tok-alice"
}
