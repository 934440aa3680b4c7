#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Fidelity of the fake API server, checked with the real kubectl.

load test_helper/common
load test_helper/fake-server

PP=productpage-v1-6b746f74dc-4xk2p

setup() {
	_common_setup
	need_kubectl
	export KUBECTL_COMMAND_HEADERS=true
}

teardown() {
	fake_stop
}

# Replace the trailing AGE cell of each table row by <age>.
strip_age() {
	sed -E 's/[0-9]+[smhdy]([0-9]+[smhd])?$/<age>/'
}

start_as_alice() {
	fake_start "$@"
	fake_kubeconfig_token alice
}

@test "kubectl get pods -A -o json returns the fixture pods" {
	start_as_alice
	kubectl get pods -A -o json >"$BATS_TEST_TMPDIR/served.json"
	run jq -r '.kind, .apiVersion, (.items | length)' "$BATS_TEST_TMPDIR/served.json"
	assert_output $'List\nv1\n5'
	kubectl create --dry-run=client --validate=false -R -f "$FAKE_DATA" -o json |
		jq -s -S '[.[] | select(.kind == "Pod")] | sort_by(.metadata.namespace, .metadata.name)' \
		>"$BATS_TEST_TMPDIR/want.json"
	jq -S '[.items[] | del(.metadata.uid, .metadata.resourceVersion, .metadata.creationTimestamp)]' \
		"$BATS_TEST_TMPDIR/served.json" >"$BATS_TEST_TMPDIR/got.json"
	run diff "$BATS_TEST_TMPDIR/want.json" "$BATS_TEST_TMPDIR/got.json"
	assert_success
	run jq -r '.items[0].metadata | .creationTimestamp, (.uid | test("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")), (.resourceVersion | tonumber > 1000)' \
		"$BATS_TEST_TMPDIR/served.json"
	assert_output $'2025-01-01T00:00:00Z\ntrue\ntrue'
}

@test "list items of built-in kinds carry no kind; CRD items and single GETs do" {
	start_as_alice
	run kubectl get --raw /api/v1/namespaces/bookinfo/pods
	assert_success
	run jq -c '[.kind, .apiVersion, .items[0].kind, (.metadata | keys)]' <<<"$output"
	assert_output '["PodList","v1",null,["resourceVersion"]]'
	run kubectl get --raw /apis/security.istio.io/v1beta1/namespaces/bookinfo/authorizationpolicies
	run jq -c '[.kind, .apiVersion, .items[0].kind, .items[0].apiVersion]' <<<"$output"
	assert_output '["AuthorizationPolicyList","security.istio.io/v1beta1","AuthorizationPolicy","security.istio.io/v1beta1"]'
	run kubectl get --raw "/api/v1/namespaces/bookinfo/pods/$PP"
	run jq -c '[.kind, .apiVersion, .metadata.name]' <<<"$output"
	assert_output '["Pod","v1","productpage-v1-6b746f74dc-4xk2p"]'
}

@test "kubectl get ns prints the server-side table" {
	start_as_alice
	run --separate-stderr kubectl get ns
	assert_success
	run strip_age <<<"$output"
	assert_output - <<'EOF'
NAME           STATUS   AGE
bookinfo       Active   <age>
default        Active   <age>
istio-system   Active   <age>
legacy         Active   <age>
EOF
}

@test "kubectl get pods -A prints ready containers, status and restarts" {
	start_as_alice
	run --separate-stderr kubectl get pods -A
	assert_success
	run strip_age <<<"$output"
	assert_output - <<'EOF'
NAMESPACE      NAME                              READY   STATUS    RESTARTS   AGE
bookinfo       productpage-v1-6b746f74dc-4xk2p   2/2     Running   0          <age>
bookinfo       ratings-v1-7c9bd4b87f-9wxzv       2/2     Running   0          <age>
bookinfo       reviews-v1-5fd6d4f8f8-t8kqz       2/2     Running   0          <age>
istio-system   istiod-7d4f8b9c6d-x2x9z           1/1     Running   0          <age>
legacy         legacy-app-5d8f7c6b4-m7kzn        1/1     Running   0          <age>
EOF
}

@test "short names resolve through discovery: pa, dr, svc" {
	start_as_alice
	run --separate-stderr kubectl get pa -A
	assert_success
	run strip_age <<<"$output"
	assert_output - <<'EOF'
NAMESPACE      NAME      MODE         AGE
istio-system   default   STRICT       <age>
legacy         default   PERMISSIVE   <age>
EOF
	run --separate-stderr kubectl get dr -n bookinfo -o name
	assert_output 'destinationrule.networking.istio.io/reviews'
	run --separate-stderr kubectl get svc -n istio-system -o name
	assert_output 'service/istiod'
}

@test "--istio v1beta1 serves the istio kinds in v1beta1 only" {
	start_as_alice --istio v1beta1
	run --separate-stderr kubectl get pa -n legacy default -o jsonpath='{.apiVersion} {.spec.mtls.mode}'
	assert_output 'security.istio.io/v1beta1 PERMISSIVE'
	run --separate-stderr kubectl get --raw /apis/security.istio.io
	assert_output '{"kind":"APIGroup","apiVersion":"v1","name":"security.istio.io","versions":[{"groupVersion":"security.istio.io/v1beta1","version":"v1beta1"}],"preferredVersion":{"groupVersion":"security.istio.io/v1beta1","version":"v1beta1"}}'
}

@test "--istio none: the istio groups do not exist" {
	start_as_alice --istio none
	run --separate-stderr kubectl get pa -A
	assert_failure 1
	assert_equal "$stderr" 'error: the server doesn'\''t have a resource type "pa"'
	run --separate-stderr kubectl get --raw /apis/security.istio.io/v1
	assert_failure 1
	assert_equal "$stderr" 'Error from server (NotFound): the server could not find the requested resource'
}

@test "kubectl --chunk-size pages with limit and continue" {
	start_as_alice
	run --separate-stderr kubectl get pods -A --chunk-size=2 -o name
	assert_success
	assert_output - <<'EOF'
pod/productpage-v1-6b746f74dc-4xk2p
pod/ratings-v1-7c9bd4b87f-9wxzv
pod/reviews-v1-5fd6d4f8f8-t8kqz
pod/istiod-7d4f8b9c6d-x2x9z
pod/legacy-app-5d8f7c6b4-m7kzn
EOF
	run jq -r 'select(.path == "/api/v1/pods") | .query | sub("continue=[^&]+"; "continue=TOKEN")' "$FAKE_LOG"
	assert_output $'limit=2\ncontinue=TOKEN&limit=2\ncontinue=TOKEN&limit=2'
}

@test "label and field selectors filter lists" {
	start_as_alice
	run --separate-stderr kubectl get pods -A -l 'app in (ratings,reviews),version=v1,!missing' -o name
	assert_output $'pod/ratings-v1-7c9bd4b87f-9wxzv\npod/reviews-v1-5fd6d4f8f8-t8kqz'
	run --separate-stderr kubectl get pods -A --field-selector 'metadata.namespace!=bookinfo,status.phase=Running' -o name
	assert_output $'pod/istiod-7d4f8b9c6d-x2x9z\npod/legacy-app-5d8f7c6b4-m7kzn'
	run --separate-stderr kubectl get pods --field-selector spec.foo=x
	assert_failure 1
	assert_equal "$stderr" 'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "spec.foo=x": field label not supported: spec.foo'
}

@test "a malformed label selector is refused with apimachinery's text" {
	start_as_alice
	run --separate-stderr kubectl get pods -l 'app=a b'
	assert_failure 1
	assert_equal "$stderr" "Error from server (BadRequest): Unable to find \"/v1, Resource=pods\" that match label selector \"app=a b\", field selector \"\": found 'b', expected: ',' or 'end of string'"
	run --separate-stderr kubectl get pods -l '-app'
	assert_failure 1
	assert_regex "$stderr" "label selector \"-app\", field selector \"\": unable to parse requirement: <nil>: Invalid value: \"-app\": name part must consist of alphanumeric characters"
}

@test "client certificate, token, basic and exec-plugin auth all work" {
	fake_start
	fake_kubeconfig_cert alice
	run --separate-stderr kubectl get ns default -o name
	assert_output 'namespace/default'
	fake_kubeconfig_token bob
	run --separate-stderr kubectl get ns default -o name
	assert_output 'namespace/default'
	fake_kubeconfig_basic bob bob-pw
	run --separate-stderr kubectl get ns default -o name
	assert_output 'namespace/default'
	fake_kubeconfig_exec tok-alice
	run --separate-stderr kubectl get ns default -o name
	assert_output 'namespace/default'
	run jq -c 'select(.path == "/api/v1/namespaces/default") | [.user, .groups]' "$FAKE_LOG"
	assert_output - <<'EOF'
["alice",["system:masters","system:authenticated"]]
["bob",["devs","system:authenticated"]]
["bob",["devs","system:authenticated"]]
["alice",["system:masters","system:authenticated"]]
EOF
}

# Go-quoted "Response Body" of kubectl -v=10, unquoted.
response_body() {
	sed -n 's/.*"Response Body" body="\(.*\)"$/\1/p' <<<"$1" | sed 's/\\"/"/g'
}

@test "a wrong token is Unauthorized, with a real Status body" {
	fake_start
	fake_kubeconfig_token alice wrong-token
	run --separate-stderr kubectl get --raw /api/v1/namespaces/default/pods
	assert_failure 1
	assert_equal "$stderr" 'error: You must be logged in to the server (Unauthorized)'
	run --separate-stderr kubectl get --raw /api/v1/namespaces -v=10
	run response_body "$stderr"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}'
	# Discovery comes first; client-go renders its 401 generically.
	run --separate-stderr kubectl get pods
	assert_failure 1
	assert_equal "${stderr##*$'\n'}" 'error: You must be logged in to the server (the server has asked for the client to provide credentials)'
}

@test "a client certificate from another CA fails the handshake" {
	fake_start
	fake_kubeconfig_cert rogue
	run --separate-stderr kubectl get pods
	assert_failure 1
	assert_regex "$stderr" 'remote error: tls: unknown certificate authority'
}

@test "kubectl get pod nope is NotFound" {
	start_as_alice
	run --separate-stderr kubectl get pod nope
	assert_failure 1
	assert_equal "$stderr" 'Error from server (NotFound): pods "nope" not found'
	run --separate-stderr kubectl get pod nope -n nowhere
	assert_equal "$stderr" 'Error from server (NotFound): namespaces "nowhere" not found'
	run --separate-stderr kubectl get dr nope -n bookinfo
	assert_equal "$stderr" 'Error from server (NotFound): destinationrules.networking.istio.io "nope" not found'
}

@test "a 429 with Retry-After is retried by kubectl" {
	start_as_alice
	fake_fault 'GET /api/v1/namespaces/bookinfo/pods status=429,retry-after=1 1'
	run --separate-stderr kubectl get pods -n bookinfo -o name
	assert_success
	assert_equal "$stderr" ''
	assert_equal "${#lines[@]}" 3
	run fake_requests 'select(.path == "/api/v1/namespaces/bookinfo/pods")'
	assert_output $'GET /api/v1/namespaces/bookinfo/pods?limit=500 429\nGET /api/v1/namespaces/bookinfo/pods?limit=500 200'
}

@test "status faults without Retry-After fail with the Status message" {
	start_as_alice
	fake_fault '/api/v1/namespaces/bookinfo/pods status=503'
	run --separate-stderr kubectl get pods -n bookinfo
	assert_failure 1
	assert_equal "$stderr" 'Error from server (ServiceUnavailable): the server is currently unable to handle the request'
}

@test "a warning fault prints kubectl's Warning line" {
	start_as_alice
	fake_fault '* warning=policy/v1beta1 is deprecated'
	run --separate-stderr kubectl get ns default -o name
	assert_success
	assert_output 'namespace/default'
	assert_equal "$stderr" 'Warning: policy/v1beta1 is deprecated'
}

@test "an html fault looks like a proxy error page to kubectl" {
	start_as_alice
	fake_fault 'GET /api/v1/namespaces/default/pods html=502 1'
	run --separate-stderr kubectl get pods -o name
	assert_failure 1
	assert_regex "$stderr" '^Error from server \(InternalError\): an error on the server \("<html>.*502 Bad Gateway.*"\) has prevented the request from succeeding \(get pods\)$'
}

@test "expire faults: kubectl prints the pages it has, then Expired" {
	start_as_alice
	fake_fault '/api/v1/pods expire 1'
	run --separate-stderr kubectl get pods -A --chunk-size=2 -o name
	assert_failure 1
	assert_output $'pod/productpage-v1-6b746f74dc-4xk2p\npod/ratings-v1-7c9bd4b87f-9wxzv'
	assert_equal "$stderr" 'Error from server (Expired): The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.'
}

@test "expire-inconsistent carries a continue token that finishes the list" {
	start_as_alice
	fake_fault '/api/v1/pods expire-inconsistent 1'
	kubectl get --raw '/api/v1/pods?limit=2' >"$BATS_TEST_TMPDIR/p1"
	cont=$(jq -r .metadata.continue "$BATS_TEST_TMPDIR/p1")
	run --separate-stderr kubectl get --raw "/api/v1/pods?limit=2&continue=$cont" -v=10
	assert_failure 1
	body=$(response_body "$stderr")
	run jq -c '[.code, .reason, (.metadata.continue | length > 0)]' <<<"$body"
	assert_output '[410,"Expired",true]'
	inconsistent=$(jq -r .metadata.continue <<<"$body")
	run --separate-stderr kubectl get --raw "/api/v1/pods?limit=10&continue=$inconsistent"
	run jq -r '.items[].metadata.name' <<<"$output"
	assert_output $'reviews-v1-5fd6d4f8f8-t8kqz\nistiod-7d4f8b9c6d-x2x9z\nlegacy-app-5d8f7c6b4-m7kzn'
}

@test "a continue token older than --continue-ttl is Expired" {
	start_as_alice --continue-ttl 0
	kubectl get --raw '/api/v1/pods?limit=2' >"$BATS_TEST_TMPDIR/p1"
	cont=$(jq -r .metadata.continue "$BATS_TEST_TMPDIR/p1")
	sleep 1.1
	run --separate-stderr kubectl get --raw "/api/v1/pods?limit=2&continue=$cont"
	assert_failure 1
	assert_regex "$stderr" '^Error from server \(Expired\): The provided continue parameter is too old'
}

@test "a forbid rule gives the API server's Forbidden message" {
	printf '%s\n' 'bob list pods bookinfo' 'bob get namespaces' 'bob create pods/portforward *' \
		'alice impersonate users' >"$BATS_TEST_TMPDIR/forbid"
	fake_start --forbid "$BATS_TEST_TMPDIR/forbid"
	fake_kubeconfig_token bob
	run --separate-stderr kubectl get pods -n bookinfo
	assert_failure 1
	assert_equal "$stderr" 'Error from server (Forbidden): pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "bookinfo"'
	run --separate-stderr kubectl get ns legacy
	assert_equal "$stderr" 'Error from server (Forbidden): namespaces "legacy" is forbidden: User "bob" cannot get resource "namespaces" in API group "" in the namespace "legacy"'
	run --separate-stderr kubectl get pods -n legacy -o name
	assert_output 'pod/legacy-app-5d8f7c6b4-m7kzn'
	fake_kubeconfig_token alice
	run --separate-stderr kubectl get pods --as=carol
	assert_equal "$stderr" 'Error from server (Forbidden): users "carol" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope'
}

@test "impersonation switches the user and is logged" {
	start_as_alice
	run --separate-stderr kubectl get ns default -o name --as=bob --as-group=devs --as-group=qa
	assert_output 'namespace/default'
	run jq -c 'select(.path == "/api/v1/namespaces/default") | [.user, .impersonate_user, .impersonate_groups, .headers["impersonate-group"]]' "$FAKE_LOG"
	assert_output '["alice","bob",["devs","qa"],"devs, qa"]'
}

@test "kubectl get --raw /version" {
	start_as_alice --server-version v1.31.2
	run --separate-stderr kubectl get --raw /version
	assert_output - <<'EOF'
{
  "major": "1",
  "minor": "31",
  "gitVersion": "v1.31.2",
  "gitCommit": "59526cd4867447956156ae3a602fcbac10a2c335",
  "gitTreeState": "clean",
  "buildDate": "2025-04-22T16:57:16Z",
  "goVersion": "go1.23.6",
  "compiler": "gc",
  "platform": "linux/amd64"
}
EOF
	run --separate-stderr kubectl get --raw /readyz
	assert_output 'ok'
}

@test "kubectl logs serves the fixture log with its options" {
	start_as_alice
	run --separate-stderr kubectl logs -n bookinfo "$PP"
	assert_success
	assert_output - <<'EOF'
INFO:root:start at port 9080
INFO:werkzeug: * Running on all addresses (0.0.0.0)
INFO:werkzeug:127.0.0.6 - - "GET /productpage HTTP/1.1" 200 -
EOF
	run --separate-stderr kubectl logs -n bookinfo "$PP" -c istio-proxy --timestamps --tail=1
	assert_output '2025-01-01T00:01:06.000000000Z info	Envoy proxy is ready'
	run --separate-stderr kubectl logs -n bookinfo "$PP" --limit-bytes=8
	assert_output 'INFO:roo'
	run --separate-stderr kubectl logs -n bookinfo reviews-v1-5fd6d4f8f8-t8kqz --previous
	assert_failure 1
	assert_equal "$stderr" 'Error from server (BadRequest): previous terminated container "reviews" in pod "reviews-v1-5fd6d4f8f8-t8kqz" not found'
	run --separate-stderr kubectl get --raw "/api/v1/namespaces/bookinfo/pods/$PP/log"
	assert_equal "$stderr" 'Error from server (BadRequest): a container name must be specified for pod productpage-v1-6b746f74dc-4xk2p, choose one of: [istio-init productpage istio-proxy]'
}

@test "gzip is used when kubectl asks for it, and not with --disable-compression" {
	start_as_alice
	kubectl get pods -A -o json >/dev/null
	kubectl get pods -A -o json --disable-compression >/dev/null
	run jq -c 'select(.path == "/api/v1/pods") | [.headers["accept-encoding"], .content_encoding]' "$FAKE_LOG"
	assert_output $'["gzip","gzip"]\n[null,null]'
}

@test "requests are logged with every header, lower-case" {
	start_as_alice
	kubectl get ns default -o name >/dev/null
	run jq -r 'select(.path == "/api/v1/namespaces/default") | .headers | [.["user-agent"], .["kubectl-command"], .authorization, .accept] | .[]' "$FAKE_LOG"
	assert_line --index 0 --regexp '^kubectl/v1\.32\.[0-9]+ \(linux/amd64\) kubernetes/[0-9a-f]+$'
	assert_line --index 1 'kubectl get'
	assert_line --index 2 'Bearer tok-alice'
	assert_line --index 3 'application/json'
}

@test "credentials never go to a plain-http server" {
	start_as_alice --plain-http
	run --separate-stderr kubectl get --raw /api/v1/namespaces/default
	assert_failure 1
	assert_equal "$stderr" 'error: You must be logged in to the server (Unauthorized)'
	run jq -c '[.user, (.headers | has("authorization"))]' "$FAKE_LOG"
	assert_output $'[null,false]\n[null,false]'
}

@test "--allow-anonymous serves requests without credentials as system:anonymous" {
	start_as_alice --plain-http --allow-anonymous
	run --separate-stderr kubectl get ns default -o name
	assert_output 'namespace/default'
	run jq -c 'select(.path == "/api/v1/namespaces/default") | [.user, .groups, (.headers | has("authorization"))]' "$FAKE_LOG"
	assert_output '["system:anonymous",["system:unauthenticated"],false]'
}

@test "truncate and close faults break the response" {
	start_as_alice
	fake_fault 'GET /api/v1/namespaces/bookinfo/pods truncate'
	run --separate-stderr kubectl get pods -n bookinfo -o name
	assert_failure 1
	assert_regex "$stderr" 'unexpected EOF'
	: >"$FAKE_FAULTS"
	fake_fault 'GET /api/v1/namespaces/legacy/pods close'
	run --separate-stderr kubectl get pods -n legacy -o name
	assert_failure 1
	assert_regex "$stderr" 'EOF'
}

@test "slow faults delay the answer" {
	start_as_alice
	fake_fault 'GET /api/v1/namespaces/default slow=700'
	start=$(date +%s%N)
	run --separate-stderr kubectl get ns default -o name
	elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
	assert_output 'namespace/default'
	[ "$elapsed" -ge 700 ]
}

@test "10,000 pods load and are served in 500-item pages" {
	jq -n '{apiVersion: "v1", kind: "List", items: [range(10000) as $i | {apiVersion: "v1", kind: "Pod",
		metadata: {name: "pod-\($i)", namespace: "ns-\($i % 10)", labels: {app: "app-\($i % 7)"}},
		spec: {nodeName: "node-1", containers: [{name: "app", image: "nginx:1.27"},
			{name: "istio-proxy", image: "docker.io/istio/proxyv2:1.24.2"}]},
		status: {phase: "Running", podIP: "10.1.\($i / 256 | floor).\($i % 256)"}}]}' \
		>"$BATS_TEST_TMPDIR/pods.json"
	mkdir "$BATS_TEST_TMPDIR/big"
	mv "$BATS_TEST_TMPDIR/pods.json" "$BATS_TEST_TMPDIR/big/"
	FAKE_DATA="$BATS_TEST_TMPDIR/big" start_as_alice
	run sed -E 's/.* ([0-9]+) objects loaded in ([0-9.]+)s.*/\1 \2/' "$FAKE_DIR/stderr"
	read -r count secs <<<"$output"
	assert_equal "$count" 10000
	run --separate-stderr kubectl get pods -A -o name
	assert_equal "${#lines[@]}" 10000
	run jq -s '[.[] | select(.path == "/api/v1/pods")] | length' "$FAKE_LOG"
	assert_output 20
}

@test "a later --data directory overrides objects of the same name" {
	mkdir "$BATS_TEST_TMPDIR/override"
	cat >"$BATS_TEST_TMPDIR/override/pa.json" <<'JSON'
{"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
 "metadata": {"name": "default", "namespace": "legacy"}, "spec": {"mtls": {"mode": "DISABLE"}}}
JSON
	start_as_alice --data "$BATS_TEST_TMPDIR/override"
	run --separate-stderr kubectl get pa -A -o jsonpath='{range .items[*]}{.metadata.namespace} {.spec.mtls.mode}{"\n"}{end}'
	assert_output $'istio-system STRICT\nlegacy DISABLE'
}

@test "objects of a kind the server does not serve stop it at startup" {
	mkdir "$BATS_TEST_TMPDIR/bad"
	printf 'apiVersion: v1\nkind: Event\nmetadata:\n  name: x\n' >"$BATS_TEST_TMPDIR/bad/event.yaml"
	run "$FAKE_APISERVER" --plain-http --data "$BATS_TEST_TMPDIR/bad" --port-file "$BATS_TEST_TMPDIR/port"
	assert_failure 2
	assert_output "fake-apiserver: $BATS_TEST_TMPDIR/bad/event.yaml: v1 Event is not a kind fake-apiserver serves (add a row to discovery.c)"
}
