#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The API client (common/kube*.c) against the fake API server, through
# "test-common kube": authentication, headers, paging, retries, error
# texts, TLS, warnings, the verbose log and concurrency.

load test_helper/common
load test_helper/fake-server

setup() {
	_common_setup
}

teardown() {
	fake_stop
}

kube() {
	"$TEST_COMMON" kube "$@"
}

start_as_alice() {
	fake_start "$@"
	fake_kubeconfig_token alice
}

# The logged requests as "METHOD PATH?QUERY STATUS", continue tokens elided.
requests() {
	fake_requests "$@" | sed -E 's/continue=[^& ]+/continue=TOKEN/'
}

# Add a field under the cluster of the kubeconfig fake_kubeconfig_* wrote.
cluster_field() {
	sed -i "s|^    server: .*|&\n    $1|" "$KUBECONFIG"
}

set_server() {
	sed -i "s|^    server: .*|    server: $1|" "$KUBECONFIG"
}

set_ca() {
	sed -i "s|^    certificate-authority: .*|    certificate-authority: $1|" "$KUBECONFIG"
}

# One field of every logged request, one line each.
logged() {
	jq -r "$1" "$FAKE_LOG"
}

PODS=$'bookinfo/productpage-v1-6b746f74dc-4xk2p\nbookinfo/ratings-v1-7c9bd4b87f-9wxzv\nbookinfo/reviews-v1-5fd6d4f8f8-t8kqz\nistio-system/istiod-7d4f8b9c6d-x2x9z\nlegacy/legacy-app-5d8f7c6b4-m7kzn'

# ---- authentication ----

@test "a bearer token authenticates; GET prints the object" {
	start_as_alice
	run -0 kube get /api/v1/namespaces/default
	run jq -r '.kind + " " + .metadata.name' <<<"$output"
	assert_output 'Namespace default'
	run logged '[.user, .headers.authorization] | join(" ")'
	assert_output 'alice Bearer tok-alice'
}

@test "a client certificate authenticates, with no Authorization header" {
	fake_start
	fake_kubeconfig_cert bob
	run -0 kube list /api/v1/namespaces/bookinfo/pods
	assert_line --index 0 'kind=PodList items=3 pages=1 retries=0'
	run logged '[.user, (.headers | has("authorization"))] | map(tostring) | join(" ")'
	assert_output 'bob false'
}

@test "basic auth sends the username and password" {
	fake_start
	fake_kubeconfig_basic bob bob-pw
	run -0 kube get /api/v1/namespaces/default
	run logged '[.user, .headers.authorization] | join(" ")'
	assert_output "bob Basic $(printf bob:bob-pw | base64)"
}

@test "an exec plugin runs once for a whole batch" {
	fake_start
	fake_kubeconfig_exec tok-bob
	sed -i "2i echo run >>'$FAKE_DIR/exec-runs'" "$FAKE_DIR/exec-credential.sh"
	run -0 kube batch /api/v1/namespaces /api/v1/namespaces/bookinfo/pods /version
	assert_output - <<'EOF'
/api/v1/namespaces status=200 pages=1 retries=0 items=4
/api/v1/namespaces/bookinfo/pods status=200 pages=1 retries=0 items=3
/version status=200 pages=1 retries=0 object
EOF
	run logged '.user'
	assert_output $'bob\nbob\nbob'
	run cat "$FAKE_DIR/exec-runs"
	assert_output 'run'
}

@test "a 401 on an exec credential re-runs the plugin once and retries" {
	fake_start
	fake_kubeconfig_exec unused
	cat >"$FAKE_DIR/exec-credential.sh" <<EOF
#!/bin/sh
echo run >>'$FAKE_DIR/exec-runs'
tok=tok-bob
[ "\$(wc -l <'$FAKE_DIR/exec-runs')" = 1 ] && tok=tok-stale
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\n' "\$tok"
EOF
	run -0 kube batch /api/v1/namespaces /api/v1/namespaces/bookinfo/pods
	assert_output - <<'EOF'
/api/v1/namespaces status=200 pages=1 retries=1 items=4
/api/v1/namespaces/bookinfo/pods status=200 pages=1 retries=1 items=3
EOF
	run cat "$FAKE_DIR/exec-runs"
	assert_output $'run\nrun'
	run logged '.status'
	assert_output $'401\n401\n200\n200'
}

@test "an exec plugin that keeps failing auth gives up after one re-run" {
	fake_start
	fake_kubeconfig_exec tok-stale
	run --separate-stderr -2 kube list /api/v1/namespaces
	assert_equal "$stderr" 'error: You must be logged in to the server (Unauthorized)'
	run logged '.status'
	assert_output $'401\n401'
}

@test "a failing exec plugin is reported as kubectl does" {
	fake_start
	fake_kubeconfig_exec unused
	printf '#!/bin/sh\nexit 3\n' >"$FAKE_DIR/exec-credential.sh"
	run --separate-stderr -2 kube get /version
	assert_equal "$stderr" "Unable to connect to the server: getting credentials: exec: executable $FAKE_DIR/exec-credential.sh failed with exit code 3"
}

@test "a wrong token is Unauthorized, in kubectl's words" {
	fake_start
	fake_kubeconfig_token alice tok-nope
	run --separate-stderr -2 kube list /api/v1/pods
	assert_output ''
	assert_equal "$stderr" 'error: You must be logged in to the server (Unauthorized)'
}

@test "credentials never go to a plain-http server, and exec never runs for one" {
	start_as_alice --plain-http
	run --separate-stderr -2 kube get /api/v1/namespaces/default
	assert_equal "$stderr" 'error: You must be logged in to the server (Unauthorized)'
	fake_kubeconfig_exec tok-bob
	sed -i "2i echo run >>'$FAKE_DIR/exec-runs'" "$FAKE_DIR/exec-credential.sh"
	run -2 kube get /api/v1/namespaces/default
	assert [ ! -e "$FAKE_DIR/exec-runs" ]
	run logged '.headers | has("authorization")'
	assert_output $'false\nfalse'
}

# ---- headers ----

@test "--as, --as-group and --as-uid become Impersonate headers" {
	start_as_alice
	run -0 kube --as bob --as-group devs --as-group qa --as-uid 1234 get /api/v1/namespaces/default
	run logged '[.impersonate_user, (.impersonate_groups | join(",")), .headers["impersonate-group"], .headers["impersonate-uid"]] | join("|")'
	assert_output 'bob|devs,qa|devs, qa|1234'
}

@test "User-Agent, Accept and gzip by default" {
	start_as_alice
	run -0 kube list /api/v1/pods
	arch=$(uname -m | sed 's/^x86_64$/amd64/; s/^aarch64$/arm64/')
	run logged '[.headers["user-agent"], .headers.accept, .headers["accept-encoding"], .content_encoding] | join("|")'
	assert_output "kubectl-mesh/$(cat "$MESH_ROOT/VERSION") (linux/$arch)|application/json|gzip|gzip"
}

@test "a User-Agent override; --disable-compression drops Accept-Encoding" {
	start_as_alice
	run -0 kube --user-agent 'mesh-test/1' --disable-compression list /api/v1/pods
	run logged '[.headers["user-agent"], (.headers | has("accept-encoding")), (has("content_encoding"))] | map(tostring) | join("|")'
	assert_output 'mesh-test/1|false|false'
}

@test "--request-timeout is also sent as timeout= in Go's duration format" {
	start_as_alice
	run -0 kube --request-timeout 5 list /api/v1/pods
	run -0 kube --request-timeout 1500ms list /api/v1/pods
	run -0 kube --request-timeout 90s get /version
	run requests
	assert_output - <<'EOF'
GET /api/v1/pods?limit=500&timeout=5s 200
GET /api/v1/pods?limit=500&timeout=1.5s 200
GET /version?timeout=1m30s 200
EOF
}

@test "a path prefix in the server URL is kept for every request" {
	start_as_alice
	set_server "$FAKE_URL/k8s/clusters/c-1/"
	run -2 kube list /api/v1/pods
	run logged '.path'
	assert_output '/k8s/clusters/c-1/api/v1/pods'
}

# ---- paging ----

@test "--limit pages through the list with continue tokens" {
	start_as_alice
	run -0 kube --limit 2 list /api/v1/pods
	assert_output "kind=PodList items=5 pages=3 retries=0
$PODS"
	run requests
	assert_output - <<'EOF'
GET /api/v1/pods?limit=2 200
GET /api/v1/pods?limit=2&continue=TOKEN 200
GET /api/v1/pods?limit=2&continue=TOKEN 200
EOF
}

@test "the paged result is one List with the first page's metadata and no continue" {
	start_as_alice
	run -0 kube --limit 2 --paginate get /api/v1/pods
	run jq -c '[.kind, .apiVersion, (.metadata | keys), (.items | length)]' <<<"$output"
	assert_output '["PodList","v1",["resourceVersion"],5]'
}

@test "the item filter sees each item and can drop or trim it" {
	start_as_alice
	run -0 kube --limit 2 --drop-prefix ratings list /api/v1/pods
	assert_output - <<'EOF'
kind=PodList items=4 pages=3 retries=0
bookinfo/productpage-v1-6b746f74dc-4xk2p
bookinfo/reviews-v1-5fd6d4f8f8-t8kqz
istio-system/istiod-7d4f8b9c6d-x2x9z
legacy/legacy-app-5d8f7c6b4-m7kzn
EOF
}

@test "410 Expired while paging falls back to one full unpaged list" {
	start_as_alice
	fake_fault '/api/v1/pods expire'
	run -0 kube --limit 2 list /api/v1/pods
	assert_output "kind=PodList items=5 pages=2 retries=1
$PODS"
	run requests
	assert_output - <<'EOF'
GET /api/v1/pods?limit=2 200
GET /api/v1/pods?limit=2&continue=TOKEN 410
GET /api/v1/pods 200
EOF
}

# ---- retries ----

@test "429 with Retry-After is retried after the wait" {
	start_as_alice
	fake_fault 'GET /api/v1/namespaces/bookinfo/pods status=429,retry-after=1 1'
	run --separate-stderr -0 kube list /api/v1/namespaces/bookinfo/pods
	assert_line --index 0 'kind=PodList items=3 pages=1 retries=1'
	assert_equal "$stderr" ''
	run requests
	assert_output $'GET /api/v1/namespaces/bookinfo/pods?limit=500 429\nGET /api/v1/namespaces/bookinfo/pods?limit=500 200'
}

@test "retries stop after 10 by default, or after --max-retries" {
	start_as_alice
	fake_fault 'GET /api/v1/namespaces/bookinfo/pods status=429,retry-after=0'
	run --separate-stderr -2 kube list /api/v1/namespaces/bookinfo/pods
	assert_equal "$stderr" 'Error from server (TooManyRequests): Too many requests, please try again later.'
	run jq -s length "$FAKE_LOG"
	assert_output 11
	: >"$FAKE_LOG"
	run -2 kube --max-retries 2 batch /api/v1/namespaces/bookinfo/pods
	assert_line --index 0 '/api/v1/namespaces/bookinfo/pods status=429 pages=0 retries=2 failed'
	run jq -s length "$FAKE_LOG"
	assert_output 3
}

@test "a 5xx with Retry-After is retried too" {
	start_as_alice
	fake_fault 'GET /api/v1/namespaces/legacy/pods status=503,retry-after=0 2'
	run -0 kube batch /api/v1/namespaces/legacy/pods
	assert_output '/api/v1/namespaces/legacy/pods status=200 pages=1 retries=2 items=1'
}

@test "500 without Retry-After fails at once with the Status message" {
	start_as_alice
	fake_fault 'GET /api/v1/namespaces/bookinfo/pods status=500'
	run --separate-stderr -2 kube list /api/v1/namespaces/bookinfo/pods
	assert_output ''
	assert_equal "$stderr" 'Error from server (InternalError): Internal error occurred: injected fault'
	run requests
	assert_output 'GET /api/v1/namespaces/bookinfo/pods?limit=500 500'
}

@test "a retry that would end past --request-timeout is not made" {
	start_as_alice
	fake_fault 'GET /api/v1/namespaces/bookinfo/pods status=503,retry-after=5'
	run --separate-stderr -2 kube --request-timeout 2s list /api/v1/namespaces/bookinfo/pods
	assert_equal "$stderr" 'Error from server (ServiceUnavailable): the server is currently unable to handle the request'
	run requests
	assert_output 'GET /api/v1/namespaces/bookinfo/pods?limit=500&timeout=2s 503'
}

@test "a connection closed before any answer is retried, then reported as EOF" {
	start_as_alice
	fake_fault 'GET /api/v1/namespaces/legacy/pods close 1'
	run -0 kube batch /api/v1/namespaces/legacy/pods
	assert_output '/api/v1/namespaces/legacy/pods status=200 pages=1 retries=1 items=1'
	fake_fault 'GET /api/v1/namespaces/bookinfo/pods close'
	run --separate-stderr -2 kube --max-retries 1 list /api/v1/namespaces/bookinfo/pods
	assert_equal "$stderr" 'Unable to connect to the server: EOF'
}

# ---- error texts ----

@test "an html 502 from a proxy becomes kubectl's InternalError text" {
	start_as_alice
	fake_fault 'GET /api/v1/namespaces/default/pods html=502'
	run --separate-stderr -2 kube list /api/v1/namespaces/default/pods
	assert_equal "$stderr" 'Error from server (InternalError): an error on the server ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>") has prevented the request from succeeding (get pods)'
}

@test "non-Status 503 and 404 bodies get apimachinery's generic texts" {
	start_as_alice
	fake_fault 'GET /api/v1/namespaces/default/pods html=503 1'
	fake_fault 'GET /api/v1/namespaces/default/pods html=404 1'
	run --separate-stderr -2 kube list /api/v1/namespaces/default/pods
	assert_equal "$stderr" 'Error from server (ServiceUnavailable): the server is currently unable to handle the request (get pods)'
	run --separate-stderr -2 kube --what 'get pods x' get /api/v1/namespaces/default/pods
	assert_equal "$stderr" 'Error from server (NotFound): the server could not find the requested resource (get pods x)'
}

@test "a Status body keeps its own message" {
	start_as_alice
	run --separate-stderr -2 kube get /api/v1/namespaces/bookinfo/pods/nope
	assert_equal "$stderr" 'Error from server (NotFound): pods "nope" not found'
}

@test "a truncated body is an error, never a partial list" {
	start_as_alice
	fake_fault 'GET /api/v1/pods truncate'
	run --separate-stderr -2 kube list /api/v1/pods
	assert_output ''
	assert_equal "$stderr" 'error: unexpected error when reading response body. Please retry. Original error: unexpected EOF'
	run --separate-stderr -2 kube --disable-compression list /api/v1/pods
	assert_output ''
	assert_equal "$stderr" 'error: unexpected error when reading response body. Please retry. Original error: unexpected EOF'
}

@test "a 200 body that is not JSON is an error naming the request; raw keeps it" {
	start_as_alice
	log=/api/v1/namespaces/bookinfo/pods/productpage-v1-6b746f74dc-4xk2p/log?container=istio-proxy
	run --separate-stderr -2 kube get "$log"
	assert_output ''
	assert_equal "$stderr" "error: unable to decode the response to get log: '[' or '{' expected near 'info' (line 1, column 4)"
	run -0 kube --raw get "$log"
	assert_line --index 0 $'info\tVersion 1.24.2-0d3e40b8e5f1b0a0b1c0f1e8c6b3a0a6c1e7f0d2-Clean'
}

@test "a request body goes out with its method and Content-Type" {
	start_as_alice
	run --separate-stderr -2 kube --method POST --data '{"kind":"Pod"}' get /api/v1/namespaces/default/pods
	assert_equal "$stderr" 'Error from server (MethodNotAllowed): the server does not allow this method on the requested resource'
	run logged '[.method, .headers["content-type"], .headers["content-length"], (.headers | has("expect"))] | map(tostring) | join(" ")'
	assert_output 'POST application/json 14 false'
}

@test "a body larger than the cap fails instead of growing" {
	start_as_alice
	run --separate-stderr -2 kube --body-cap 1000 list /api/v1/pods
	assert_output ''
	assert_equal "$stderr" 'error: the response to get pods is larger than the 1000-byte limit'
	run --separate-stderr -2 kube --body-cap 1000 --limit 1 list /api/v1/pods
	assert_equal "$stderr" 'error: the response to get pods is larger than the 1000-byte limit'
}

@test "a slow answer fails at --request-timeout with kubectl's text" {
	start_as_alice
	fake_fault 'GET /api/v1/namespaces/default/pods slow=5000'
	run --separate-stderr -2 kube --request-timeout 1s list /api/v1/namespaces/default/pods
	assert_output ''
	assert_equal "$stderr" 'Unable to connect to the server: net/http: request canceled (Client.Timeout exceeded while awaiting headers)'
}

@test "a batch does not run past --request-timeout" {
	start_as_alice
	# Generous margins: the fast request must finish on a loaded machine.
	fake_fault 'GET /api/v1/namespaces/default/pods slow=30000'
	run --separate-stderr -2 kube --request-timeout 4 batch /api/v1/namespaces /api/v1/namespaces/default/pods
	assert_output - <<'EOF'
/api/v1/namespaces status=200 pages=1 retries=0 items=4
/api/v1/namespaces/default/pods status=0 pages=0 retries=0 failed
EOF
	assert_equal "$stderr" 'Unable to connect to the server: net/http: request canceled (Client.Timeout exceeded while awaiting headers)'
}

@test "connection refused gets kubectl's text" {
	start_as_alice
	set_server https://127.0.0.1:1
	run --separate-stderr -2 kube get /version
	assert_equal "$stderr" 'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?'
}

# ---- TLS ----

@test "a server certificate from another CA fails verification as Go words it" {
	start_as_alice
	set_ca "$FAKE_PKI/other-ca.pem"
	run --separate-stderr -2 kube get /version
	assert_equal "$stderr" 'Unable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown authority'
}

@test "--insecure-skip-tls-verify skips verification" {
	start_as_alice
	set_ca "$FAKE_PKI/other-ca.pem"
	run -0 kube --insecure-skip-tls-verify get /version
	run jq -r .gitVersion <<<"$output"
	assert_output v1.32.4
}

@test "tls-server-name is checked against the certificate; Host stays the URL's" {
	start_as_alice
	cluster_field 'tls-server-name: kubernetes.default.svc'
	run -0 kube get /version
	run logged '.headers.host'
	assert_output "127.0.0.1:$FAKE_PORT"
	sed -i 's/kubernetes.default.svc/wrong.example/' "$KUBECONFIG"
	run --separate-stderr -2 kube get /version
	assert_equal "$stderr" 'Unable to connect to the server: tls: failed to verify certificate: x509: certificate is valid for localhost, kubernetes.default.svc, not wrong.example'
}

@test "a server reached by a name not in its certificate" {
	start_as_alice
	cluster_field 'tls-server-name: 127.0.0.3'
	run --separate-stderr -2 kube get /version
	assert_equal "$stderr" 'Unable to connect to the server: tls: failed to verify certificate: x509: certificate is valid for 127.0.0.1, ::1, not 127.0.0.3'
}

# ---- proxies ----

@test "HTTPS_PROXY is not used for a loopback server, as in Go" {
	start_as_alice
	HTTPS_PROXY=http://127.0.0.1:1 https_proxy=http://127.0.0.1:1 run -0 kube get /version
}

@test "the kubeconfig proxy-url is used" {
	start_as_alice
	cluster_field 'proxy-url: http://127.0.0.1:1'
	run --separate-stderr -2 kube get /version
	assert_equal "$stderr" "The connection to the server 127.0.0.1:$FAKE_PORT was refused - did you specify the right host or port?"
}

# ---- warnings and the verbose log ----

@test "Warning headers are printed once per text" {
	start_as_alice
	fake_fault '* warning=policy/v1beta1 is deprecated'
	fake_fault '/version warning=another thing'
	run --separate-stderr -0 kube batch /api/v1/namespaces /version /api/v1/pods
	assert_equal "$stderr" $'Warning: policy/v1beta1 is deprecated\nWarning: another thing'
}

@test "-v=6 logs each request in klog's format" {
	start_as_alice
	run --separate-stderr -0 kube -v 6 --limit 3 list /api/v1/pods
	assert_equal "${#stderr_lines[@]}" 2
	assert_regex "${stderr_lines[0]}" "^I[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} +[0-9]+ kube\.c:[0-9]+\] GET https://127\.0\.0\.1:$FAKE_PORT/api/v1/pods\?limit=3 200 OK in [0-9]+ milliseconds$"
	assert_regex "${stderr_lines[1]}" "\] GET https://127\.0\.0\.1:$FAKE_PORT/api/v1/pods\?limit=3&continue=[A-Za-z0-9_-]+ 200 OK in [0-9]+ milliseconds$"
}

@test "-v=7 and up log request headers with the credential masked" {
	start_as_alice
	run --separate-stderr -0 kube -v 7 get /version
	assert_regex "$stderr" '\]     Authorization: Bearer <masked>'
	assert_regex "$stderr" '\]     User-Agent: kubectl-mesh/'
	fake_kubeconfig_basic bob bob-pw
	run --separate-stderr -0 kube -v 9 get /version
	assert_regex "$stderr" '\]     Authorization: Basic <masked>'
	refute_regex "$stderr" "bob-pw|$(printf bob:bob-pw | base64)"
}

@test "-v=9 never shows the token, not even on failures and retries" {
	start_as_alice
	fake_fault 'GET /api/v1/namespaces/bookinfo/pods status=429,retry-after=0 1'
	run --separate-stderr -0 kube -v 9 --limit 2 batch /api/v1/pods /api/v1/namespaces/bookinfo/pods
	assert_regex "$stderr" 'Response Headers:'
	assert_regex "$stderr" 'Response Body: \{"kind":"PodList"'
	refute_regex "$stderr" 'tok-alice'
	fake_kubeconfig_token alice tok-secret-wrong
	run --separate-stderr -2 kube -v 9 get /version
	refute_regex "$stderr" 'tok-secret-wrong'
	assert_regex "$stderr" 'Authorization: Bearer <masked>'
}

# ---- concurrency ----

@test "8 lists in one batch run side by side" {
	start_as_alice
	fake_fault 'GET /api/v1/ slow=1000'
	run -0 kube batch /api/v1/pods /api/v1/namespaces /api/v1/services /api/v1/configmaps \
		/api/v1/secrets /api/v1/namespaces/bookinfo/pods \
		/api/v1/namespaces/bookinfo/services /api/v1/namespaces/legacy/pods
	assert_equal "${#lines[@]}" 8
	refute_output --partial failed
	# Every request reached the server before the first one could be
	# answered (each answer waits 1 s): they overlapped.
	run jq -s '[.[].time] | (max - min) < 1' "$FAKE_LOG"
	assert_output true
	run jq -s 'length' "$FAKE_LOG"
	assert_output 8
}
