#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# kubectl mesh-proxy logs: the istio-proxy container's log through pods/log,
# Envoy access log records decoded from Istio's default text and JSON
# formats, everything else passed through.

load test_helper/common
load test_helper/fake-server
load test_helper/mesh-proxy

setup() {
	_common_setup
	OUT="$BATS_TEST_TMPDIR/out"
}

teardown() {
	fake_stop
}

# own_log POD LINES: a fixture cluster whose POD (bookinfo) logs LINES in istio-proxy.
own_log() {
	mkdir -p "$BATS_TEST_TMPDIR/data/logs/bookinfo/$1"
	printf '%s\n' "$2" >"$BATS_TEST_TMPDIR/data/logs/bookinfo/$1/istio-proxy.log"
	start_proxy_server alice --data "$BATS_TEST_TMPDIR/data"
}

@test "logs: Istio's default text format decoded; the proxy's own lines pass through unchanged" {
	start_proxy_server alice
	mesh_proxy 0 logs "$RATINGS.bookinfo"
	diff -u - "$OUT" <<'EOF'
2025-01-01T00:01:05.104112Z	info	Version 1.24.2-0d3e40b8e5f1b0a0b1c0f1e8c6b3a0a6c1e7f0d2-Clean
2025-01-01T00:01:06.215908Z	info	Envoy proxy is ready
2025-01-01T00:02:00.118Z GET ratings:9080/ratings/0 HTTP/1.1 200 cluster=inbound|9080|| host=10.244.0.12:9080 duration=3ms
2025-01-01T00:02:03.409Z GET ratings.bookinfo:9080/ratings/0 HTTP/1.1 403 denied by AuthorizationPolicy bookinfo/ratings-deny-legacy rule 0 cluster=inbound|9080|| host=- duration=0ms
2025-01-01T00:02:05.001Z POST ratings:9080/ratings/0 HTTP/1.1 403 denied: no ALLOW policy matched cluster=inbound|9080|| host=- duration=0ms
2025-01-01T00:02:09.498Z GET ratings:9080/ratings/1 HTTP/1.1 503 URX,UF (upstream retry limit exceeded; upstream connection failure) reason=upstream_reset_before_response_started{remote_connection_failure} transport_failure="delayed connect error: 111" cluster=inbound|9080|| host=10.244.0.12:9080 duration=1ms
2025-01-01T00:02:15.010Z GET ratings:9080/ratings/2 HTTP/1.1 504 UT (upstream request timeout) reason=response_timeout cluster=inbound|9080|| host=10.244.0.12:9080 duration=15002ms
2025-01-01T00:02:36.290Z TCP 10.244.0.12:40110 -> 10.96.30.40:27017 cluster=outbound|27017||mongodb.bookinfo.svc.cluster.local host=10.244.0.30:27017 duration=5003ms
2025-01-01T00:02:44.000315Z	warning	envoy config external/envoy/source/extensions/config_subscription/grpc/grpc_stream.h:155	StreamAggregatedResources gRPC config stream to xds-grpc closed: 13, 	thread=14
EOF
	assert_output ''
	run fake_requests
	assert_output - <<EOF
GET /api/v1/namespaces/bookinfo/pods/$RATINGS 200
GET /api/v1/namespaces/bookinfo/pods/$RATINGS/log?container=istio-proxy 200
EOF
}

@test "logs: Istio's default JSON format decoded (null for nothing, numbers as numbers)" {
	start_proxy_server alice
	mesh_proxy 0 logs "$REVIEWS" -n bookinfo
	diff -u - "$OUT" <<'EOF'
2025-01-01T00:01:06.215908Z	info	Envoy proxy is ready
2025-01-01T00:02:00.116Z GET ratings:9080/ratings/0 HTTP/1.1 200 cluster=outbound|9080||ratings.bookinfo.svc.cluster.local host=10.244.0.12:9080 duration=4ms
2025-01-01T00:02:09.478Z GET ratings:9080/ratings/1 HTTP/1.1 503 URX,UF (upstream retry limit exceeded; upstream connection failure) reason=upstream_reset_before_response_started{remote_connection_failure} transport_failure="delayed connect error: 111" cluster=outbound|9080||ratings.bookinfo.svc.cluster.local host=10.244.0.12:9080 duration=31ms
2025-01-01T00:02:19.999Z GET ratings:9080/ratings/3 HTTP/1.1 503 UH (no healthy upstream hosts) reason=no_healthy_upstream cluster=outbound|9080|v2|ratings.bookinfo.svc.cluster.local host=- duration=0ms
2025-01-01T00:02:24.998Z GET details:9080/details/0 HTTP/1.1 404 NR (no route or filter chain matched) reason=route_not_found cluster=- host=- duration=0ms
{"level":"warn","time":"2025-01-01T00:02:31.000000Z","scope":"envoy upstream","msg":"DNS resolution for mongodb.external.svc failed"}
2025-01-01T00:02:34.986Z GET ratings:9080/ratings/4 HTTP/1.1 503 UC (upstream connection terminated) reason=upstream_reset_before_response_started{connection_termination} cluster=outbound|9080||ratings.bookinfo.svc.cluster.local host=10.244.0.12:9080 duration=12ms
2025-01-01T00:02:37.995Z GET reviews:9080/reviews/0 HTTP/1.1 0 DC (downstream connection terminated) reason=downstream_remote_disconnect cluster=inbound|9080|| host=10.244.0.13:9080 duration=2005ms
2025-01-01T00:02:49.998Z GET ratings:9080/ratings/5 HTTP/1.1 503 UF (upstream connection failure) reason=upstream_reset_before_response_started{remote_connection_failure|TLS_error:|268435581:SSL_routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end} transport_failure="TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end" cluster=outbound|9080||ratings.bookinfo.svc.cluster.local host=10.244.0.12:9080 duration=2ms
EOF
}

@test "logs --status: a class or a code keeps only those records, and no other line" {
	start_proxy_server alice
	mesh_proxy 0 logs "$REVIEWS.bookinfo" --status 5xx
	run cut -d' ' -f5 "$OUT"
	assert_output $'503\n503\n503\n503'
	mesh_proxy 0 logs "$RATINGS.bookinfo" --status 4xx
	run cut -d' ' -f2-6 "$OUT"
	assert_output $'GET ratings.bookinfo:9080/ratings/0 HTTP/1.1 403 denied\nPOST ratings:9080/ratings/0 HTTP/1.1 403 denied:'
	mesh_proxy 0 logs "$REVIEWS.bookinfo" --status 404
	run cat "$OUT"
	assert_output '2025-01-01T00:02:24.998Z GET details:9080/details/0 HTTP/1.1 404 NR (no route or filter chain matched) reason=route_not_found cluster=- host=- duration=0ms'
	mesh_proxy 0 logs "$REVIEWS.bookinfo" --status 0
	run wc -l <"$OUT"
	assert_output 1
	mesh_proxy 0 logs "$RATINGS.bookinfo" --status 2xx
	run wc -l <"$OUT"
	assert_output 1
	mesh_proxy 0 logs "$RATINGS.bookinfo" --status 302
	[ ! -s "$OUT" ]
}

@test "logs -o json: one object per line, Istio's keys, response flags and RBAC denials decoded" {
	start_proxy_server alice
	mesh_proxy 0 logs "$RATINGS.bookinfo" -o json
	run jq -c 'select(.unparsed == null) | [.response_code, .duration, .upstream_cluster, .upstream_host, .flags, .denial]' "$OUT"
	assert_output - <<'EOF'
[200,3,"inbound|9080||","10.244.0.12:9080",[],null]
[403,0,"inbound|9080||",null,[],{"namespace":"bookinfo","policy":"ratings-deny-legacy","rule":0,"message":"denied by AuthorizationPolicy bookinfo/ratings-deny-legacy rule 0"}]
[403,0,"inbound|9080||",null,[],{"namespace":null,"policy":null,"rule":null,"message":"denied: no ALLOW policy matched"}]
[503,1,"inbound|9080||","10.244.0.12:9080",[{"flag":"URX","meaning":"upstream retry limit exceeded"},{"flag":"UF","meaning":"upstream connection failure"}],null]
[504,15002,"inbound|9080||","10.244.0.12:9080",[{"flag":"UT","meaning":"upstream request timeout"}],null]
[0,5003,"outbound|27017||mongodb.bookinfo.svc.cluster.local","10.244.0.30:27017",[],null]
EOF
	run jq -r 'select(.unparsed) | .unparsed' "$OUT"
	assert_line --index 1 $'2025-01-01T00:01:06.215908Z\tinfo\tEnvoy proxy is ready'
	run head -3 "$OUT"
	assert_line --index 2 '{"start_time":"2025-01-01T00:02:00.118Z","method":"GET","path":"/ratings/0","protocol":"HTTP/1.1","response_code":200,"response_flags":null,"response_code_details":"via_upstream","connection_termination_details":null,"upstream_transport_failure_reason":null,"bytes_received":0,"bytes_sent":48,"duration":3,"upstream_service_time":2,"x_forwarded_for":null,"user_agent":"Go-http-client/1.1","request_id":"6f4c1a2e-3b7d-4e8f-9a1c-2d5e8f1b3c7a","authority":"ratings:9080","upstream_host":"10.244.0.12:9080","upstream_cluster":"inbound|9080||","upstream_local_address":"127.0.0.6:45193","downstream_local_address":"10.244.0.12:9080","downstream_remote_address":"10.244.0.13:52814","requested_server_name":"outbound_.9080_._.ratings.bookinfo.svc.cluster.local","route_name":"default","flags":[],"denial":null}'
	mesh_proxy 0 logs "$REVIEWS.bookinfo" -o json --status 503
	run jq -r '[.response_code_details, .upstream_transport_failure_reason] | @tsv' "$OUT"
	assert_output - <<'EOF'
upstream_reset_before_response_started{remote_connection_failure}	delayed connect error: 111
no_healthy_upstream	
upstream_reset_before_response_started{connection_termination}	
upstream_reset_before_response_started{remote_connection_failure|TLS_error:|268435581:SSL_routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end}	TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end
EOF
}

@test "logs: every one of Envoy's response flags has its words" {
	local flag line
	line='[2025-01-01T00:03:00.000Z] "GET / HTTP/1.1" 503 FLAGS - - "-" 0 0 1 - "-" "curl/8.5.0" "id" "ratings:9080" "-" inbound|9080|| - 10.244.0.12:9080 10.244.0.20:4000 - default'
	own_log "$RATINGS" "${line/FLAGS/UH,UF,UO,NR,URX,NC,DT,DC,LH,UT,LR,UR,UC,DI,FI,RL,UAEX,RLSE,IH,SI,DPE,UPE,UMSDR,RFCF,NFCF,OM,DF,DO,DR,XYZ}"
	mesh_proxy 0 logs "$RATINGS.bookinfo" -o json
	run jq -r '.flags[] | "\(.flag) \(.meaning)"' "$OUT"
	assert_output - <<'EOF'
UH no healthy upstream hosts
UF upstream connection failure
UO upstream overflow (circuit breaker)
NR no route or filter chain matched
URX upstream retry limit exceeded
NC upstream cluster not found
DT maximum request or connection duration exceeded
DC downstream connection terminated
LH local service failed its health check
UT upstream request timeout
LR connection reset locally
UR upstream remote reset
UC upstream connection terminated
DI delayed by fault injection
FI aborted by fault injection
RL rate limited locally
UAEX denied by the external authorization service
RLSE rate limit service error
IH invalid value in a strictly checked request header
SI stream idle timeout
DPE downstream HTTP protocol error
UPE upstream HTTP protocol error
UMSDR upstream request reached its maximum stream duration
RFCF response served by the cache filter
NFCF no filter configuration found
OM terminated by the overload manager
DF DNS resolution failed
DO dropped by the cluster's drop_overloads
DR downstream remote reset
XYZ null
EOF
	mesh_proxy 0 logs "$RATINGS.bookinfo"
	run cut -d' ' -f5-8 "$OUT"
	assert_output '503 UH,UF,UO,NR,URX,NC,DT,DC,LH,UT,LR,UR,UC,DI,FI,RL,UAEX,RLSE,IH,SI,DPE,UPE,UMSDR,RFCF,NFCF,OM,DF,DO,DR,XYZ (no healthy'
	run grep -o 'downstream remote reset; unknown flag)' "$OUT"
	assert_output 'downstream remote reset; unknown flag)'
}

@test "logs: the 1.3-1.8 text format, a network RBAC denial, and lines in other formats" {
	own_log "$RATINGS" '[2020-05-01T10:00:00.000Z] "GET /ratings/0 HTTP/1.1" 200 - "-" "-" 0 48 3 2 "-" "curl/7.68.0" "id-1" "ratings:9080" "127.0.0.1:9080" inbound|9080|http|ratings.bookinfo.svc.cluster.local 127.0.0.1:40000 10.244.0.12:9080 10.244.0.20:50000 outbound_.9080_._.ratings.bookinfo.svc.cluster.local default
[2025-01-01T00:04:00.000Z] "- - -" 0 - - rbac_access_denied_matched_policy[ns[bookinfo]-policy[mongo-deny]-rule[1]] "-" 0 0 0 - "-" "-" "-" "-" "-" inbound|27017|| - 10.244.0.12:27017 10.244.0.21:50001 - -
[2025-01-01T00:04:01.000Z] "GET /ratings/0 HTTP/1.1" 200 custom format
[2025-01-01T00:04:02.000Z] "GET /ratings/0 HTTP/1.1" 200 - via_upstream - "-" 0 48 3 2 "-" "curl
{"start_time": "2025-01-01T00:04:03.000Z", "bytes_sent": 10}
{"start_time": "2025-01-01T00:04:03.000Z", "response_code": "200", "upstream_cluster": "-", "method": "GET", "path": "/x", "duration": "7"}
{not json
plain text'
	mesh_proxy 0 logs "$RATINGS.bookinfo"
	diff -u - "$OUT" <<'EOF'
2020-05-01T10:00:00.000Z GET ratings:9080/ratings/0 HTTP/1.1 200 cluster=inbound|9080|http|ratings.bookinfo.svc.cluster.local host=127.0.0.1:9080 duration=3ms
2025-01-01T00:04:00.000Z TCP 10.244.0.21:50001 -> 10.244.0.12:27017 denied by AuthorizationPolicy bookinfo/mongo-deny rule 1 cluster=inbound|27017|| host=- duration=0ms
[2025-01-01T00:04:01.000Z] "GET /ratings/0 HTTP/1.1" 200 custom format
[2025-01-01T00:04:02.000Z] "GET /ratings/0 HTTP/1.1" 200 - via_upstream - "-" 0 48 3 2 "-" "curl
{"start_time": "2025-01-01T00:04:03.000Z", "bytes_sent": 10}
2025-01-01T00:04:03.000Z GET /x - 200 cluster=- host=- duration=7ms
{not json
plain text
EOF
}

@test "logs --tail and --since become tailLines and sinceSeconds" {
	local recent old
	old=$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%S.000000000Z)
	recent=$(date -u -d '-10 minutes' +%Y-%m-%dT%H:%M:%S.000000000Z)
	own_log "$RATINGS" "$old [2025-01-01T00:05:00.000Z] \"GET /old HTTP/1.1\" 200 - via_upstream - \"-\" 0 1 1 1 \"-\" \"curl\" \"a\" \"ratings:9080\" \"10.244.0.12:9080\" inbound|9080|| - 10.244.0.12:9080 10.244.0.20:1 - default
$recent [2025-01-01T00:06:00.000Z] \"GET /new HTTP/1.1\" 503 UF - - \"-\" 0 1 1 - \"-\" \"curl\" \"b\" \"ratings:9080\" \"10.244.0.12:9080\" inbound|9080|| - 10.244.0.12:9080 10.244.0.20:2 - default"
	mesh_proxy 0 logs "$RATINGS.bookinfo" --since 1h
	run cat "$OUT"
	assert_output '2025-01-01T00:06:00.000Z GET ratings:9080/new HTTP/1.1 503 UF (upstream connection failure) cluster=inbound|9080|| host=10.244.0.12:9080 duration=1ms'
	mesh_proxy 0 logs "$RATINGS.bookinfo" --tail 1
	run cut -d' ' -f3 "$OUT"
	assert_output 'ratings:9080/new'
	mesh_proxy 0 logs "$RATINGS.bookinfo" --since 90m30s --tail 0
	[ ! -s "$OUT" ]
	run fake_requests
	assert_line "GET /api/v1/namespaces/bookinfo/pods/$RATINGS/log?container=istio-proxy&sinceSeconds=3600 200"
	assert_line "GET /api/v1/namespaces/bookinfo/pods/$RATINGS/log?container=istio-proxy&tailLines=1 200"
	assert_line "GET /api/v1/namespaces/bookinfo/pods/$RATINGS/log?container=istio-proxy&tailLines=0&sinceSeconds=5430 200"
}

@test "logs: a workload picks its pod; no sidecar, no pod and no permission are clear errors" {
	start_proxy_server alice
	mesh_proxy 0 logs svc/ratings.bookinfo --tail 1
	run cat "$OUT"
	assert_output --partial 'StreamAggregatedResources gRPC config stream to xds-grpc closed'
	mesh_proxy 2 logs "$LEGACY.legacy"
	assert_output "error: pod \"$LEGACY\" has no istio-proxy sidecar container"
	mesh_proxy 2 logs nope.bookinfo
	assert_output 'Error from server (NotFound): pods "nope" not found'
	fake_stop
	start_forbidding 'bob get pods/log'
	mesh_proxy 2 logs "$RATINGS.bookinfo"
	assert_output "Error from server (Forbidden): pods \"$RATINGS\" is forbidden: User \"bob\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"bookinfo\""
	[ ! -s "$OUT" ]
}

@test "logs: bytes that are not UTF-8 are kept in text and replaced in JSON" {
	own_log "$RATINGS" $'[2025-01-01T00:07:00.000Z] "GET /\xff HTTP/1.1" 200 - via_upstream - "-" 0 1 1 1 "-" "agent\xfe" "c" "ratings:9080" "10.244.0.12:9080" inbound|9080|| - 10.244.0.12:9080 10.244.0.20:3 - default\nraw \xff line'
	mesh_proxy 0 logs "$RATINGS.bookinfo"
	run cat "$OUT"
	assert_line --index 0 $'2025-01-01T00:07:00.000Z GET ratings:9080/\xff HTTP/1.1 200 cluster=inbound|9080|| host=10.244.0.12:9080 duration=1ms'
	assert_line --index 1 $'raw \xff line'
	mesh_proxy 0 logs "$RATINGS.bookinfo" -o json
	run jq -r '.path // .unparsed, .user_agent // empty' "$OUT"
	assert_output $'/?\nagent?\nraw ? line'
}

@test "logs: usage errors" {
	start_proxy_server alice
	mesh_proxy 2 logs "$RATINGS.bookinfo" --status 6xx
	assert_output $'error: invalid --status "6xx": give a code (503) or a class (4xx, 5xx)\nSee \'kubectl mesh-proxy logs -h\' for help and examples.'
	mesh_proxy 2 logs "$RATINGS.bookinfo" --status 5000
	assert_output --partial 'error: invalid --status "5000"'
	mesh_proxy 2 logs "$RATINGS.bookinfo" --since 5
	assert_output $'error: invalid --since "5": give a duration with its unit (30s, 5m, 2h)\nSee \'kubectl mesh-proxy logs -h\' for help and examples.'
	mesh_proxy 2 logs "$RATINGS.bookinfo" --tail -2
	assert_output $'error: --tail must be -1 (all) or a number of lines\nSee \'kubectl mesh-proxy logs -h\' for help and examples.'
	mesh_proxy 2 logs "$RATINGS.bookinfo" -o yaml
	assert_output --partial 'error: unable to match a printer suitable for the output format "yaml"'
	mesh_proxy 2 logs
	assert_output --partial 'error: missing arguments: usage: kubectl mesh-proxy logs'
	run fake_requests
	assert_output ''
}
