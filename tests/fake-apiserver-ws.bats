#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The fake API server's pods/exec and pods/portforward over WebSocket,
# checked with the real kubectl (1.32 execs over WebSocket v5) and raw
# handshakes.

load test_helper/common
load test_helper/fake-server

PP=productpage-v1-6b746f74dc-4xk2p
RATINGS=ratings-v1-7c9bd4b87f-9wxzv
ISTIOD=istiod-7d4f8b9c6d-x2x9z
SERVER_INFO="$BATS_TEST_DIRNAME/fixtures/cluster/proxy/bookinfo/$PP/15000/server_info"
SYNCZ="$BATS_TEST_DIRNAME/fixtures/cluster/proxy/istio-system/$ISTIOD/15014/debug%2Fsyncz"

setup() {
	_common_setup
	need_kubectl
}

teardown() {
	fake_stop
}

start_as() {
	local user=$1
	shift
	fake_start "$@"
	fake_kubeconfig_token "$user"
}

# The logged upgrade requests: "METHOD PATH STATUS UPGRADE PROTOCOLS".
upgrades() {
	jq -r 'select(.headers.upgrade) | "\(.method) \(.path) \(.status) \(.headers.upgrade) \(.headers["sec-websocket-protocol"])"' "$FAKE_LOG"
}

# An upgrade request sent by curl; prints the answer's head (curl waits
# for more after a 101, so it is cut off after 2 s).
raw_upgrade() {
	curl -s -i --max-time 2 --cacert "$FAKE_PKI/ca.pem" -H 'Authorization: Bearer tok-alice' \
		-H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
		-H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' -H "Sec-WebSocket-Protocol: $2" \
		"$FAKE_URL$1" | tr -d '\r' | sed '/^$/q'
}

@test "kubectl exec over WebSocket v5 prints the fixture" {
	start_as alice
	run -0 --separate-stderr kubectl exec -n bookinfo "$PP" -c istio-proxy -- pilot-agent request GET server_info
	assert_output "$(cat "$SERVER_INFO")"
	assert_equal "$stderr" ''
	run upgrades
	assert_output "GET /api/v1/namespaces/bookinfo/pods/$PP/exec 101 websocket v5.channel.k8s.io"
	run -0 --separate-stderr kubectl exec -n istio-system "$ISTIOD" -c discovery -- pilot-discovery request GET debug/syncz
	assert_output "$(cat "$SYNCZ")"
}

@test "kubectl exec: a non-zero exit propagates with the command's stderr" {
	start_as alice
	run -255 --separate-stderr kubectl exec -n bookinfo "$RATINGS" -c istio-proxy -- pilot-agent request GET server_info
	assert_output ''
	assert_equal "$stderr" 'Error: Get "http://localhost:15000/server_info": dial tcp 127.0.0.1:15000: connect: connection refused
command terminated with exit code 255'
}

@test "kubectl exec: an unknown program is the kubelet's InternalError" {
	start_as alice
	run -1 --separate-stderr kubectl exec -n bookinfo "$PP" -c istio-proxy -- nope
	assert_equal "$stderr" 'error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "4b825dc642cb6eb9a060e54bf8d69288fbee4904": OCI runtime exec failed: exec failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown'
}

@test "kubectl exec: a forbidden exec is kubectl's Forbidden error" {
	printf '%s\n' 'bob get pods/exec' 'bob create pods/exec' >"$BATS_TEST_TMPDIR/forbid"
	start_as bob --forbid "$BATS_TEST_TMPDIR/forbid"
	run -1 --separate-stderr kubectl exec -n bookinfo "$PP" -c istio-proxy -- pilot-agent request GET server_info
	assert_output ''
	assert_equal "$stderr" "Error from server (Forbidden): pods \"$PP\" is forbidden: User \"bob\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"bookinfo\""
	# The WebSocket upgrade is refused as "get"; kubectl then tries SPDY, a "create".
	run upgrades
	assert_output - <<EOF
GET /api/v1/namespaces/bookinfo/pods/$PP/exec 403 websocket v5.channel.k8s.io
POST /api/v1/namespaces/bookinfo/pods/$PP/exec 403 SPDY/3.1 null
EOF
}

@test "the upgrade needs create as well from Kubernetes 1.35 on" {
	printf '%s\n' 'bob create pods/exec' >"$BATS_TEST_TMPDIR/forbid"
	start_as bob --forbid "$BATS_TEST_TMPDIR/forbid" --server-version v1.34.2
	run -0 --separate-stderr kubectl exec -n bookinfo "$PP" -c istio-proxy -- pilot-agent request GET server_info
	assert_output "$(cat "$SERVER_INFO")"
	fake_stop
	start_as bob --forbid "$BATS_TEST_TMPDIR/forbid" --server-version v1.35.0
	run -1 --separate-stderr kubectl exec -n bookinfo "$PP" -c istio-proxy -- pilot-agent request GET server_info
	assert_equal "$stderr" "Error from server (Forbidden): pods \"$PP\" is forbidden: User \"bob\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"bookinfo\""
}

@test "kubectl exec: the container is checked before the upgrade" {
	start_as alice
	run -1 --separate-stderr kubectl exec -n bookinfo "$PP" -c nope -- pilot-agent request GET server_info
	assert_equal "$stderr" "Error from server (BadRequest): container nope is not valid for pod $PP"
}

@test "kubectl exec against a server older than 1.30 uses SPDY, which the fake refuses" {
	start_as alice --server-version v1.29.3
	run -1 --separate-stderr kubectl exec -n bookinfo "$PP" -c istio-proxy -- pilot-agent request GET server_info
	assert_equal "$stderr" 'Error from server (BadRequest): the fake API server serves pods/exec over WebSocket only (v5.channel.k8s.io, v4.channel.k8s.io, channel.k8s.io)'
}

@test "the handshake answers RFC 6455's sample key; unknown protocols get a bare 403" {
	start_as alice
	run raw_upgrade "/api/v1/namespaces/bookinfo/pods/$PP/portforward?ports=15000" v4.channel.k8s.io
	assert_line --index 0 'HTTP/1.1 101 Switching Protocols'
	assert_line 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo='
	assert_line 'Sec-WebSocket-Protocol: v4.channel.k8s.io'
	# kubectl port-forward's SPDY tunnel is not spoken here: refused as the kubelet refuses it.
	run -0 raw_upgrade "/api/v1/namespaces/bookinfo/pods/$PP/portforward?ports=15000" SPDY/3.1+portforward.k8s.io
	assert_output 'HTTP/1.1 403 Forbidden'
	run -0 raw_upgrade "/api/v1/namespaces/bookinfo/pods/$PP/exec?command=x&container=istio-proxy&stdout=true" v4.base64.channel.k8s.io
	assert_output 'HTTP/1.1 403 Forbidden'
}

@test "kubectl logs still works next to the upgrade handlers" {
	start_as alice
	run -0 --separate-stderr kubectl logs -n bookinfo "$PP" -c istio-proxy --tail=1
	assert_output $'info\tEnvoy proxy is ready'
}
