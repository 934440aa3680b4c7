#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The WebSocket client (common/websocket.c, http1.c) and the pod streams
# on top of it (common/podstream.c: exec, port-forward GETs, the Envoy
# and istiod debug endpoints) against the fake API server, through
# "test-common ws".

load test_helper/common
load test_helper/fake-server

PP=productpage-v1-6b746f74dc-4xk2p
RATINGS=ratings-v1-7c9bd4b87f-9wxzv
REVIEWS=reviews-v1-5fd6d4f8f8-t8kqz
ISTIOD=istiod-7d4f8b9c6d-x2x9z
LEGACY=legacy-app-5d8f7c6b4-m7kzn
SERVER_INFO="$BATS_TEST_DIRNAME/fixtures/cluster/proxy/bookinfo/$PP/15000/server_info"
SYNCZ="$BATS_TEST_DIRNAME/fixtures/cluster/proxy/istio-system/$ISTIOD/15014/debug%2Fsyncz"

setup() {
	_common_setup
}

teardown() {
	fake_stop
}

ws() {
	"$TEST_COMMON" ws "$@"
}

start_as() {
	local user=$1
	shift
	fake_start "$@"
	fake_kubeconfig_token "$user"
}

# forbid RULE...: start the server for bob with these --forbid rules.
start_forbidden() {
	printf '%s\n' "$@" >"$BATS_TEST_TMPDIR/forbid"
	start_as bob --forbid "$BATS_TEST_TMPDIR/forbid" ${SERVER_VERSION:+--server-version "$SERVER_VERSION"}
}

# proxy_fixture NS POD PORT NAME SOURCE: serve SOURCE as NAME on the pod's
# port, from the --proxy-dir $BATS_TEST_TMPDIR/proxy (a link: shared
# fixtures are used in place, never copied).
proxy_fixture() {
	local dir="$BATS_TEST_TMPDIR/proxy/$1/$2/$3"
	mkdir -p "$dir"
	ln -sf "$5" "$dir/$4"
}

# The pod's uid as the fake server derives it.
pod_uid() {
	"$TEST_COMMON" kube get "/api/v1/namespaces/$1/pods/$2" | jq -r .metadata.uid
}

# The kubelet's text for a port nothing listens on.
refused_text() {
	local uid sandbox
	uid=$(pod_uid "$1" "$2")
	sandbox=${uid//-/}
	printf 'error forwarding port %s to pod %s, uid : failed to execute portforward in network namespace "/var/run/netns/cni-%s": failed to connect to localhost:%s inside namespace "%s", IPv4: dial tcp4 127.0.0.1:%s: connect: connection refused IPv6 dial tcp6 [::1]:%s: connect: connection refused' \
		"$3" "$sandbox" "$uid" "$3" "$sandbox" "$3" "$3"
}

# start_with_big NS POD PORT NAME: alice's server, serving about 4 MB of
# text ($BATS_TEST_TMPDIR/big) as NAME on the pod's port.
start_with_big() {
	head -c 3000000 /dev/urandom | base64 -w 76 >"$BATS_TEST_TMPDIR/big"
	proxy_fixture "$1" "$2" "$3" "$4" "$BATS_TEST_TMPDIR/big"
	start_as alice --proxy-dir "$BATS_TEST_TMPDIR/proxy"
}

# ---- exec ----

@test "exec over v5: stdout, stderr and the exit code of the status channel" {
	start_as alice
	run -0 --separate-stderr ws exec bookinfo "$PP" istio-proxy pilot-agent request GET server_info
	assert_output "$(cat "$SERVER_INFO")"
	assert_equal "$stderr" 'exit code 0'
	run fake_requests
	assert_output "GET /api/v1/namespaces/bookinfo/pods/$PP/exec?command=pilot-agent&command=request&command=GET&command=server_info&container=istio-proxy&stderr=true&stdout=true 101"
	run jq -r '.headers | .upgrade, .connection, ."sec-websocket-version", ."sec-websocket-protocol"' "$FAKE_LOG"
	assert_output $'websocket\nUpgrade\n13\nv5.channel.k8s.io, v4.channel.k8s.io, channel.k8s.io'
	# 16 random bytes, base64: 22 characters and "==".
	run jq -r '.headers."sec-websocket-key" | test("^[A-Za-z0-9+/]{22}==$")' "$FAKE_LOG"
	assert_output true
}

@test "exec: the server's choice of v5 shows in the -v 8 log" {
	start_as alice
	run -0 --separate-stderr ws -v 8 exec bookinfo "$PP" istio-proxy pilot-agent request GET server_info
	[[ "$stderr" == *'    Sec-WebSocket-Protocol: v5.channel.k8s.io'* ]]
	[[ "$stderr" == *"GET $FAKE_URL/api/v1/namespaces/bookinfo/pods/$PP/exec?"*' 101 Switching Protocols in '* ]]
	[[ "$stderr" == *'Authorization: Bearer <masked>'* ]]
	[[ "$stderr" != *tok-alice* ]]
}

@test "exec falls back to v4 on a server older than 1.30" {
	start_as alice --server-version v1.29.9
	run -0 --separate-stderr ws -v 8 exec bookinfo "$PP" istio-proxy pilot-agent request GET server_info
	assert_output "$(cat "$SERVER_INFO")"
	[[ "$stderr" == *'    Sec-WebSocket-Protocol: v4.channel.k8s.io'* ]]
	[[ "$stderr" == *$'\nexit code 0' ]]
}

@test "exec: a non-zero exit comes back as the code, with the command's stderr" {
	start_as alice
	for version in v1.32.4 v1.29.9; do
		fake_stop
		start_as alice --server-version "$version"
		run -0 --separate-stderr ws exec bookinfo "$RATINGS" istio-proxy pilot-agent request GET server_info
		assert_output ''
		assert_equal "$stderr" $'Error: Get "http://localhost:15000/server_info": dial tcp 127.0.0.1:15000: connect: connection refused\nexit code 255'
	done
}

@test "exec: a command that cannot start is the server's InternalError" {
	start_as alice
	run -2 --separate-stderr ws exec bookinfo "$PP" istio-proxy pilot-discovery request GET /debug/syncz
	assert_output ''
	assert_equal "$stderr" 'error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "4b825dc642cb6eb9a060e54bf8d69288fbee4904": OCI runtime exec failed: exec failed: unable to start container process: exec: "pilot-discovery": executable file not found in $PATH: unknown'
}

@test "exec: an unknown container is the API server's BadRequest" {
	start_as alice
	run -2 --separate-stderr ws exec bookinfo "$PP" nope pilot-agent request GET server_info
	assert_equal "$stderr" "Error from server (BadRequest): container nope is not valid for pod $PP"
}

@test "exec: several megabytes of output arrive whole" {
	start_with_big bookinfo "$PP" 15000 big
	ws exec bookinfo "$PP" istio-proxy pilot-agent request GET big >"$BATS_TEST_TMPDIR/got" 2>"$BATS_TEST_TMPDIR/err"
	{ cat "$BATS_TEST_TMPDIR/big"; echo; } | cmp - "$BATS_TEST_TMPDIR/got"
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output 'exit code 0'
}

@test "exec: output past the body cap fails, and nothing is printed" {
	start_with_big bookinfo "$PP" 15000 big
	run -2 --separate-stderr ws --body-cap 100000 exec bookinfo "$PP" istio-proxy pilot-agent request GET big
	assert_output ''
	assert_equal "$stderr" "error: exec in pod bookinfo/$PP (container istio-proxy): the command's output is larger than the 100000-byte limit"
}

# ---- port-forward ----

@test "port-forward GET: the body byte for byte, and the HTTP status" {
	start_as alice
	run -0 --separate-stderr ws get bookinfo "$PP" 15000 /server_info
	assert_output "$(cat "$SERVER_INFO")"
	assert_equal "$stderr" 'HTTP 200'
	ws get bookinfo "$PP" 15000 /server_info 2>/dev/null | cmp - "$SERVER_INFO"
	run fake_requests
	assert_output - <<EOF
GET /api/v1/namespaces/bookinfo/pods/$PP/portforward?ports=15000 101
GET /api/v1/namespaces/bookinfo/pods/$PP/portforward?ports=15000 101
EOF
	run jq -r '.headers."sec-websocket-protocol"' "$FAKE_LOG"
	assert_output $'v4.channel.k8s.io\nv4.channel.k8s.io'
	# The server checks that every client frame is masked.
	run grep -c 'protocol error' "$FAKE_DIR/stderr"
	assert_output 0
}

@test "port-forward GET: an answer that is not 200 is returned with its status" {
	start_as alice
	run -0 --separate-stderr ws get bookinfo "$PP" 15000 /nope
	assert_output 'invalid path. admin commands are:'
	assert_equal "$stderr" 'HTTP 404'
	run -0 --separate-stderr ws get istio-system "$ISTIOD" 15014 /debug/nope
	assert_output '404 page not found'
	assert_equal "$stderr" 'HTTP 404'
}

@test "port-forward GET: several megabytes with Content-Length (Envoy) and chunked (Go)" {
	start_with_big bookinfo "$PP" 15000 big
	proxy_fixture istio-system "$ISTIOD" 15014 'debug%2Fbig' "$BATS_TEST_TMPDIR/big"
	ws get bookinfo "$PP" 15000 /big 2>/dev/null | cmp - "$BATS_TEST_TMPDIR/big"
	ws get istio-system "$ISTIOD" 15014 /debug/big 2>/dev/null | cmp - "$BATS_TEST_TMPDIR/big"
	run -0 --separate-stderr ws get istio-system "$ISTIOD" 15014 /debug/syncz
	assert_output "$(cat "$SYNCZ")"
}

@test "port-forward GET: a body past the cap fails, and nothing is printed" {
	start_with_big istio-system "$ISTIOD" 15014 big
	run -2 --separate-stderr ws --body-cap 100000 get istio-system "$ISTIOD" 15014 /big
	assert_output ''
	assert_equal "$stderr" "error: port-forward to pod istio-system/$ISTIOD port 15014: the response body is larger than the 100000-byte limit"
}

@test "port-forward GET: a port nothing listens on is the kubelet's error" {
	start_as alice
	run -2 --separate-stderr ws get bookinfo "$REVIEWS" 15000 /server_info
	assert_output ''
	assert_equal "$stderr" "error: port-forward to pod bookinfo/$REVIEWS port 15000: $(refused_text bookinfo "$REVIEWS" 15000)"
}

@test "port-forward GET of a pod that does not exist" {
	start_as alice
	run -2 --separate-stderr ws get bookinfo nope 15000 /server_info
	assert_equal "$stderr" 'Error from server (NotFound): pods "nope" not found'
}

# ---- the debug endpoints: port-forward, exec fallback, refusals ----

@test "Envoy admin and istiod debug through port-forward" {
	start_as alice
	run -0 --separate-stderr ws debug bookinfo "$PP" envoy /server_info
	assert_output "$(cat "$SERVER_INFO")"
	run -0 --separate-stderr ws debug istio-system "$ISTIOD" istiod /debug/syncz
	assert_output "$(cat "$SYNCZ")"
	run fake_requests
	assert_output - <<EOF
GET /api/v1/namespaces/bookinfo/pods/$PP 200
GET /api/v1/namespaces/bookinfo/pods/$PP/portforward?ports=15000 101
GET /api/v1/namespaces/istio-system/pods/$ISTIOD 200
GET /api/v1/namespaces/istio-system/pods/$ISTIOD/portforward?ports=15014 101
EOF
}

@test "a real config dump from the shared fixtures, served in place" {
	[ -f "$MESH_FIXTURES/istio/istioctl/pkg/proxyconfig/testdata/config_dump.json" ] ||
		skip "no shared fixtures"
	proxy_fixture bookinfo "$PP" 15000 config_dump \
		"$MESH_FIXTURES/istio/istioctl/pkg/proxyconfig/testdata/config_dump.json"
	start_as alice --proxy-dir "$BATS_TEST_TMPDIR/proxy"
	ws debug bookinfo "$PP" envoy '/config_dump?include_eds=true' |
		cmp - "$MESH_FIXTURES/istio/istioctl/pkg/proxyconfig/testdata/config_dump.json"
	run -0 ws debug bookinfo "$PP" envoy /server_info
	assert_output "$(cat "$SERVER_INFO")"
}

@test "a debug answer that is not 2xx is an error naming the path" {
	start_as alice
	run -2 --separate-stderr ws debug bookinfo "$PP" envoy /nope
	assert_output ''
	assert_equal "$stderr" "error: port-forward to pod bookinfo/$PP port 15000: GET /nope answered 404 Not Found: invalid path. admin commands are:"
}

@test "forbidden port-forward falls back to exec of pilot-agent and pilot-discovery" {
	start_forbidden 'bob get pods/portforward'
	run -0 --separate-stderr ws debug bookinfo "$PP" envoy /server_info
	assert_output "$(cat "$SERVER_INFO")"
	assert_equal "$stderr" ''
	run -0 --separate-stderr ws debug istio-system "$ISTIOD" istiod /debug/syncz
	assert_output "$(cat "$SYNCZ")"
	run fake_requests
	assert_output - <<EOF
GET /api/v1/namespaces/bookinfo/pods/$PP 200
GET /api/v1/namespaces/bookinfo/pods/$PP/portforward?ports=15000 403
GET /api/v1/namespaces/bookinfo/pods/$PP/exec?command=pilot-agent&command=request&command=GET&command=server_info&container=istio-proxy&stderr=true&stdout=true 101
GET /api/v1/namespaces/istio-system/pods/$ISTIOD 200
GET /api/v1/namespaces/istio-system/pods/$ISTIOD/portforward?ports=15014 403
GET /api/v1/namespaces/istio-system/pods/$ISTIOD/exec?command=pilot-discovery&command=request&command=GET&command=debug%2Fsyncz&container=discovery&stderr=true&stdout=true 101
EOF
}

@test "both forbidden: the error names both missing permissions" {
	start_forbidden 'bob get pods/portforward' 'bob get pods/exec'
	run -2 --separate-stderr ws debug bookinfo "$PP" envoy /server_info
	assert_output ''
	assert_equal "$stderr" "Error from server (Forbidden): pods \"$PP\" is forbidden: User \"bob\" cannot get resource \"pods/portforward\" in API group \"\" in the namespace \"bookinfo\"
Error from server (Forbidden): pods \"$PP\" is forbidden: User \"bob\" cannot get resource \"pods/exec\" in API group \"\" in the namespace \"bookinfo\""
}

@test "Kubernetes 1.35 also wants create for the upgrade, and the error says so" {
	SERVER_VERSION=v1.35.0 start_forbidden 'bob create pods/portforward' 'bob create pods/exec'
	run -2 --separate-stderr ws debug bookinfo "$PP" envoy /server_info
	assert_equal "$stderr" "Error from server (Forbidden): pods \"$PP\" is forbidden: User \"bob\" cannot create resource \"pods/portforward\" in API group \"\" in the namespace \"bookinfo\"
Error from server (Forbidden): pods \"$PP\" is forbidden: User \"bob\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"bookinfo\""
	# Before 1.35 the GET upgrade needs only get.
	fake_stop
	SERVER_VERSION=v1.34.1 start_forbidden 'bob create pods/portforward' 'bob create pods/exec'
	run -0 ws debug bookinfo "$PP" envoy /server_info
	assert_output "$(cat "$SERVER_INFO")"
}

@test "exec fallback that fails too reports both errors" {
	start_forbidden 'bob get pods/portforward'
	run -2 --separate-stderr ws debug bookinfo "$RATINGS" envoy /server_info
	assert_equal "$stderr" "Error from server (Forbidden): pods \"$RATINGS\" is forbidden: User \"bob\" cannot get resource \"pods/portforward\" in API group \"\" in the namespace \"bookinfo\"
exec in pod bookinfo/$RATINGS (container istio-proxy): command terminated with exit code 255: Error: Get \"http://localhost:15000/server_info\": dial tcp 127.0.0.1:15000: connect: connection refused"
}

@test "a port that does not listen does not fall back to exec" {
	start_as alice
	run -2 --separate-stderr ws debug bookinfo "$REVIEWS" envoy /server_info
	local got=$stderr
	run fake_requests
	assert_output - <<EOF
GET /api/v1/namespaces/bookinfo/pods/$REVIEWS 200
GET /api/v1/namespaces/bookinfo/pods/$REVIEWS/portforward?ports=15000 101
EOF
	assert_equal "$got" "error: port-forward to pod bookinfo/$REVIEWS port 15000: $(refused_text bookinfo "$REVIEWS" 15000)"
}

@test "a pod without a sidecar is a clear error before any stream" {
	start_as alice
	run -2 --separate-stderr ws debug legacy "$LEGACY" envoy /config_dump
	assert_equal "$stderr" "error: pod \"$LEGACY\" has no istio-proxy sidecar container"
	run -2 --separate-stderr ws debug bookinfo "$PP" istiod /debug/syncz
	assert_equal "$stderr" "error: pod \"$PP\" has no discovery container"
	run -2 --separate-stderr ws debug bookinfo nope envoy /config_dump
	assert_equal "$stderr" 'Error from server (NotFound): pods "nope" not found'
	run fake_requests
	assert_output - <<EOF
GET /api/v1/namespaces/legacy/pods/$LEGACY 200
GET /api/v1/namespaces/bookinfo/pods/$PP 200
GET /api/v1/namespaces/bookinfo/pods/nope 404
EOF
}

@test "a native sidecar (init container, restartPolicy Always) counts; a pod not running does not" {
	mkdir -p "$BATS_TEST_TMPDIR/data"
	cat >"$BATS_TEST_TMPDIR/data/pods.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: native-1
  namespace: bookinfo
spec:
  initContainers:
  - name: istio-proxy
    image: docker.io/istio/proxyv2:1.24.2
    restartPolicy: Always
  containers:
  - name: app
    image: app
status:
  phase: Running
---
apiVersion: v1
kind: Pod
metadata:
  name: pending-1
  namespace: bookinfo
spec:
  containers:
  - name: istio-proxy
    image: docker.io/istio/proxyv2:1.24.2
status:
  phase: Pending
EOF
	proxy_fixture bookinfo native-1 15000 server_info "$SERVER_INFO"
	start_as alice --data "$BATS_TEST_TMPDIR/data" --proxy-dir "$BATS_TEST_TMPDIR/proxy"
	run -0 ws debug bookinfo native-1 envoy /server_info
	assert_output "$(cat "$SERVER_INFO")"
	run -2 --separate-stderr ws debug bookinfo pending-1 envoy /server_info
	assert_equal "$stderr" 'error: pod "pending-1" is not running (phase Pending)'
}

# ---- never hang, never partial ----

@test "a connection dropped mid-stream is an error, not partial output" {
	start_as alice
	fake_fault 'exec ws-close'
	fake_fault 'portforward ws-close'
	run -2 --separate-stderr ws exec bookinfo "$PP" istio-proxy pilot-agent request GET server_info
	assert_output ''
	assert_equal "$stderr" "error: exec in pod bookinfo/$PP (container istio-proxy): unexpected EOF"
	run -2 --separate-stderr ws get bookinfo "$PP" 15000 /server_info
	assert_output ''
	assert_equal "$stderr" "error: port-forward to pod bookinfo/$PP port 15000: unexpected EOF"
	run -2 --separate-stderr ws debug bookinfo "$PP" envoy /server_info
	assert_output ''
	assert_equal "$stderr" "error: port-forward to pod bookinfo/$PP port 15000: unexpected EOF"
}

@test "a slow upgrade and a stalled stream end at --request-timeout" {
	start_as alice
	fake_fault 'exec slow=5000 1'
	run -2 --separate-stderr timeout 4 "$TEST_COMMON" ws --request-timeout 1s exec bookinfo "$PP" istio-proxy pilot-agent request GET server_info
	assert_equal "$stderr" 'Unable to connect to the server: net/http: request canceled (Client.Timeout exceeded while awaiting headers)'
	fake_fault 'portforward ws-stall=5000'
	run -2 --separate-stderr timeout 4 "$TEST_COMMON" ws --request-timeout 1500ms get bookinfo "$PP" 15000 /server_info
	assert_output ''
	assert_equal "$stderr" "error: port-forward to pod bookinfo/$PP port 15000: the request timeout (1.5s) ran out before the stream ended"
}

@test "a server ping is answered with a pong" {
	start_as alice
	fake_fault 'exec ws-ping'
	fake_fault 'portforward ws-ping'
	run -0 --separate-stderr ws exec bookinfo "$PP" istio-proxy pilot-agent request GET server_info
	assert_output "$(cat "$SERVER_INFO")"
	run -0 --separate-stderr ws get bookinfo "$PP" 15000 /server_info
	assert_output "$(cat "$SERVER_INFO")"
	run grep -c 'no pong' "$FAKE_DIR/stderr"
	assert_output 0
}

# ---- the API client's connection: TLS, credentials, errors ----

@test "tls-server-name: the WebSocket goes to the URL's address, checked against the name" {
	start_as alice
	sed -i "s|^    server: .*|&\n    tls-server-name: kubernetes.default.svc|" "$KUBECONFIG"
	run -0 --separate-stderr ws get bookinfo "$PP" 15000 /server_info
	assert_output "$(cat "$SERVER_INFO")"
	run jq -r '.headers.host' "$FAKE_LOG"
	assert_output "127.0.0.1:$FAKE_PORT"
}

@test "client certificates, exec plugins and path prefixes carry over to WebSockets" {
	fake_start
	fake_kubeconfig_cert alice
	run -0 ws get bookinfo "$PP" 15000 /server_info
	fake_kubeconfig_exec tok-bob
	run -0 ws get bookinfo "$PP" 15000 /server_info
	run jq -r '.user' "$FAKE_LOG"
	assert_output $'alice\nbob'
	sed -i "s|^    server: .*|&/k8s/clusters/c-1|" "$KUBECONFIG"
	run -2 --separate-stderr ws get bookinfo "$PP" 15000 /server_info
	run jq -r '.path' "$FAKE_LOG"
	assert_line --index 2 "/k8s/clusters/c-1/api/v1/namespaces/bookinfo/pods/$PP/portforward"
}

@test "a 401 on an exec credential re-runs the plugin once for the upgrade" {
	fake_start
	fake_kubeconfig_exec unused
	cat >"$FAKE_DIR/exec-credential.sh" <<EOF
#!/bin/sh
echo run >>'$FAKE_DIR/exec-runs'
tok=tok-alice
[ "\$(wc -l <'$FAKE_DIR/exec-runs')" = 1 ] && tok=tok-stale
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\n' "\$tok"
EOF
	run -0 --separate-stderr ws get bookinfo "$PP" 15000 /server_info
	assert_output "$(cat "$SERVER_INFO")"
	run jq -r '.status' "$FAKE_LOG"
	assert_output $'401\n101'
}

@test "transport failures are the API client's texts" {
	start_as alice
	fake_kubeconfig_token alice tok-wrong
	run -2 --separate-stderr ws get bookinfo "$PP" 15000 /server_info
	assert_equal "$stderr" 'error: You must be logged in to the server (Unauthorized)'
	fake_stop
	run -2 --separate-stderr ws exec bookinfo "$PP" istio-proxy pilot-agent request GET server_info
	assert_equal "$stderr" "The connection to the server 127.0.0.1:$FAKE_PORT was refused - did you specify the right host or port?"
}

@test "proxy-url: the WebSocket goes through an HTTP CONNECT proxy" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	start_as alice
	cat >"$BATS_TEST_TMPDIR/proxy.py" <<'EOF'
import socket, sys, threading
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    finally:
        b.close()
def serve(c):
    head = b""
    while b"\r\n\r\n" not in head:
        head += c.recv(4096)
    target = head.split()[1].decode()
    open(sys.argv[2], "a").write(head.split(b"\r\n")[0].decode() + "\n")
    host, port = target.rsplit(":", 1)
    u = socket.create_connection((host, int(port)))
    c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
    pipe(c, u)
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
	python3 "$BATS_TEST_TMPDIR/proxy.py" "$BATS_TEST_TMPDIR/proxy-port" "$BATS_TEST_TMPDIR/proxy-log" 3>&- &
	local proxy_pid=$!
	for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/proxy-port" ] && break; sleep 0.05; done
	sed -i "s|^    server: .*|&\n    proxy-url: http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/proxy-port")|" "$KUBECONFIG"
	run -0 --separate-stderr ws get bookinfo "$PP" 15000 /server_info
	kill "$proxy_pid"
	assert_output "$(cat "$SERVER_INFO")"
	run cat "$BATS_TEST_TMPDIR/proxy-log"
	assert_output "CONNECT 127.0.0.1:$FAKE_PORT HTTP/1.1"
}
