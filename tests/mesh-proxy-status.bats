#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# kubectl mesh-proxy status: istiod's /debug/syncz from every istiod (through
# the fake API server's port-forward and exec), printed byte for byte as
# istioctl proxy-status prints its goldens; and status POD, istiod's config
# for one proxy against the proxy's own.

load test_helper/common
load test_helper/fake-server
load test_helper/mesh-proxy

GOLDEN="$MESH_FIXTURES/istio/istioctl/pkg/writer/pilot/testdata"
COMPARE="$MESH_FIXTURES/istio/istioctl/pkg/writer/compare/testdata"
PS="$BATS_TEST_DIRNAME/fixtures/proxy-status"
NOT_CONNECTED=$'Proxy not connected to this Pilot instance. It may be connected to another instance.\n'
HEADER='NAME     CLUSTER     ISTIOD     VERSION     SUBSCRIBED TYPES'

setup() {
	_common_setup
	OUT="$BATS_TEST_TMPDIR/out"
}

teardown() {
	fake_stop
}

# golden_cluster SCENARIO: the istiod1 control plane of istioctl's tests,
# with the istiods and /debug/syncz answers of tests/fixtures/proxy-status/SCENARIO.
golden_cluster() {
	FAKE_DATA="$PS/control-plane" start_proxy_server alice --data "$PS/$1"
}

# syncz ISTIOD TEXT: what an istiod of the default fixture cluster answers.
syncz() {
	serve_text istio-system "$1" 15014 'debug%2Fsyncz' "$2"
}

# ---- istioctl's goldens ----

@test "status: istioctl's multi-pilot golden, four istiods asked at once" {
	need_fixtures
	golden_cluster multi-pilot
	mesh_proxy 0 status
	diff -u "$GOLDEN/multiXdsStatusMultiPilot.txt" "$OUT"
	assert_output ''
	run fake_requests
	assert_line --index 0 'GET /api/v1/namespaces/istio-system/pods?labelSelector=app%3Distiod&fieldSelector=status.phase%3DRunning 200'
	for n in 1 2 3 4; do
		assert_line "GET /api/v1/namespaces/istio-system/pods/istiod$n 200"
		assert_line "GET /api/v1/namespaces/istio-system/pods/istiod$n/portforward?ports=15014 101"
	done
}

@test "status: istioctl's single-pilot golden, two proxies of one istiod" {
	need_fixtures
	golden_cluster single-pilot
	mesh_proxy 0 status
	diff -u "$GOLDEN/multiXdsStatusSinglePilot.txt" "$OUT"
}

@test "status -o wide: istioctl's --verbosity 1 golden, a column per type" {
	need_fixtures
	golden_cluster one-proxy
	mesh_proxy 0 status -o wide
	diff -u "$GOLDEN/multiXdsStatusMultiPilot_verbose.txt" "$OUT"
}

@test "status -o json: istioctl's golden, jsonpb with the node metadata indented deeper" {
	need_fixtures
	golden_cluster one-proxy
	mesh_proxy 0 status -o json
	diff -u "$GOLDEN/multiXdsStatusSinglePilot.json" "$OUT"
}

@test "status -o yaml: istioctl's golden, and its blank line at the end" {
	need_fixtures
	golden_cluster one-proxy
	mesh_proxy 0 status -o yaml
	diff -u "$GOLDEN/multiXdsStatusSinglePilot.yaml" "$OUT"
}

@test "status -n foo -o yaml: istioctl's namespace golden (plus the newline its test trims)" {
	need_fixtures
	golden_cluster namespace
	mesh_proxy 0 status -n foo -o yaml
	diff -u <(cat "$GOLDEN/multiXdsStatusSingleNamespace.yaml"; echo) "$OUT"
	mesh_proxy 0 status -n bar
	diff -u - "$OUT" <<EOF
NAME       CLUSTER      ISTIOD      VERSION     SUBSCRIBED TYPES
proxy2     cluster1     istiod1     1.20        5 (CDS,LDS,EDS,RDS,ECDS)
EOF
}

# ---- namespaces, empty answers, the control plane ----

@test "status -n: proxies of other namespaces are left out of the table and of -o json" {
	start_proxy_server alice
	mesh_proxy 0 status
	diff -u - "$OUT" <<EOF
NAME                                         CLUSTER        ISTIOD                      VERSION     SUBSCRIBED TYPES
productpage-v1-6b746f74dc-4xk2p.bookinfo     Kubernetes     istiod-7d4f8b9c6d-x2x9z     1.24.2      4 (CDS,LDS,EDS,RDS)
ratings-v1-7c9bd4b87f-9wxzv.bookinfo         Kubernetes     istiod-7d4f8b9c6d-x2x9z     1.24.2      4 (CDS,LDS,EDS,RDS)
EOF
	mesh_proxy 0 status -n default
	assert_equal "$(cat "$OUT")" "$HEADER"
	# istioctl (#59377) prints every proxy with -o json whatever -n says
	mesh_proxy 0 status -n default -o json
	diff -u - "$OUT" <<'EOF'
{
    "versionInfo": "1.24.2",
    "typeUrl": "type.googleapis.com/envoy.service.status.v3.ClientConfig",
    "controlPlane": {
        "identifier": "{\"Component\":\"istiod\",\"ID\":\"istiod-7d4f8b9c6d-x2x9z\",\"Info\":{\"version\":\"1.24.2\",\"revision\":\"\",\"golang_version\":\"\",\"status\":\"\",\"tag\":\"\"}}"
    }
}
EOF
	mesh_proxy 0 status -n bookinfo -o json
	run jq -r '.resources[] | "\(.node.id) \(.node.metadata.NAMESPACE)"' "$OUT"
	assert_output $'productpage-v1-6b746f74dc-4xk2p.bookinfo bookinfo\nratings-v1-7c9bd4b87f-9wxzv.bookinfo bookinfo'
}

@test "status: an istiod with no proxies prints the header only" {
	syncz "$ISTIOD" '[]'
	start_proxy_server alice
	mesh_proxy 0 status
	assert_equal "$(cat "$OUT")" "$HEADER"
	run cat -A "$OUT"
	assert_output "$HEADER\$"
}

@test "status: no running istiod is an error naming the namespace; --revision and -i select" {
	start_proxy_server alice
	mesh_proxy 2 status -i foo
	assert_output 'error: no running Istio pods in "foo"'
	mesh_proxy 2 status --revision canary
	assert_output 'error: no running Istio pods in "istio-system"'
	[ ! -s "$OUT" ]
	mesh_proxy 0 status --revision default
	run fake_requests
	assert_line 'GET /api/v1/namespaces/istio-system/pods?labelSelector=app%3Distiod%2Cistio.io%2Frev%3Dcanary&fieldSelector=status.phase%3DRunning 200'
	assert_line 'GET /api/v1/namespaces/istio-system/pods?labelSelector=app%3Distiod%2Cistio.io%2Frev%3Ddefault&fieldSelector=status.phase%3DRunning 200'
}

@test "status: an istiod that is down is an error naming it, and nothing is printed" {
	mkdir -p "$BATS_TEST_TMPDIR/down/proxy"
	FAKE_DATA="$PS/control-plane" start_proxy_server alice
	mesh_proxy 2 status
	assert_output --partial 'error: istiod "istiod1" did not answer: port-forward to pod istio-system/istiod1 port 15014: error forwarding port 15014 to pod '
	assert_output --partial 'connect: connection refused'
	[ ! -s "$OUT" ]
	# port-forward forbidden and pilot-discovery failing too: both reasons
	fake_stop
	printf '%s\n' 'bob get pods/portforward' >"$BATS_TEST_TMPDIR/forbid"
	FAKE_DATA="$PS/control-plane" start_proxy_server bob --forbid "$BATS_TEST_TMPDIR/forbid"
	mesh_proxy 2 status
	assert_output 'error: istiod "istiod1" did not answer: Error from server (Forbidden): pods "istiod1" is forbidden: User "bob" cannot get resource "pods/portforward" in API group "" in the namespace "istio-system"
exec in pod istio-system/istiod1 (container discovery): command terminated with exit code 255: Error: Get "http://127.0.0.1:15014/debug/syncz": dial tcp 127.0.0.1:15014: connect: connection refused'
	[ ! -s "$OUT" ]
}

@test "status: with one of several istiods failing, the rest is printed and said to be incomplete, exit 2" {
	need_fixtures
	mkdir -p "$BATS_TEST_TMPDIR/data"
	ln -s "$PS/multi-pilot/istiods.yaml" "$BATS_TEST_TMPDIR/data/istiods.yaml"
	for n in 1 2 4; do
		serve istio-system "istiod$n" 15014 'debug%2Fsyncz' "$PS/multi-pilot/proxy/istio-system/istiod$n/15014/debug%2Fsyncz"
	done
	FAKE_DATA="$PS/control-plane" start_proxy_server alice --data "$BATS_TEST_TMPDIR/data"
	mesh_proxy 2 status
	diff -u <(grep -v proxy3 "$GOLDEN/multiXdsStatusMultiPilot.txt") "$OUT"
	assert_output --partial 'error: the status above is incomplete: istiod "istiod3" did not answer: port-forward to pod istio-system/istiod3 port 15014: error forwarding port 15014'
	assert_equal "${#stderr_lines[@]}" 1
	mesh_proxy 2 status -o json
	run jq -r '.controlPlane.identifier | fromjson | .ID' "$OUT"
	assert_output $'istiod1\nistiod2\nistiod4'
}

@test "status: an answer that is not a syncz list names the istiod" {
	syncz "$ISTIOD" '<html>Unauthorized</html>'
	start_proxy_server alice
	mesh_proxy 2 status
	assert_output "error: istiod \"$ISTIOD\" answered /debug/syncz with something that is not JSON: '[' or '{' expected near '<' at line 1, column 1"
	syncz "$ISTIOD" '{"error": "forbidden"}'
	mesh_proxy 2 status
	assert_output "error: istiod \"$ISTIOD\" answered /debug/syncz with JSON that is not a list of proxies"
	syncz "$ISTIOD" '[{"proxy": "a.bookinfo", "resources": {}}, 7]'
	mesh_proxy 2 status
	assert_output "error: istiod \"$ISTIOD\" answered /debug/syncz with a list whose item 1 is not an object"
	[ ! -s "$OUT" ]
}

@test "status: forbidden port-forward falls back to pilot-discovery; both forbidden names both" {
	start_forbidding 'bob get pods/portforward'
	mesh_proxy 0 status
	run wc -l <"$OUT"
	assert_output 3
	run fake_requests
	assert_line "GET /api/v1/namespaces/istio-system/pods/$ISTIOD/exec?command=pilot-discovery&command=request&command=GET&command=debug%2Fsyncz&container=discovery&stderr=true&stdout=true 101"
	fake_stop
	start_forbidding 'bob get pods/portforward' 'bob get pods/exec'
	mesh_proxy 2 status
	assert_output "error: istiod \"$ISTIOD\" did not answer: Error from server (Forbidden): pods \"$ISTIOD\" is forbidden: User \"bob\" cannot get resource \"pods/portforward\" in API group \"\" in the namespace \"istio-system\"
Error from server (Forbidden): pods \"$ISTIOD\" is forbidden: User \"bob\" cannot get resource \"pods/exec\" in API group \"\" in the namespace \"istio-system\""
}

# ---- how each status is computed ----

@test "status -o wide: SYNCED, STALE, ERROR with istiod's send time as an age; NOT SENT; IGNORED" {
	local h3 d10 m25
	h3=$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%S.250Z)
	d10=$(date -u -d '-10 days' +%Y-%m-%dT%H:%M:%SZ)
	m25=$(date -u -d '-25 minutes' +%Y-%m-%dT%H:%M:%S.5Z)
	syncz "$ISTIOD" '[{"cluster_id":"Kubernetes","proxy":"ratings-v1-7c9bd4b87f-9wxzv.bookinfo","proxy_type":"sidecar","istio_version":"1.24.2","resources":{
	  "type.googleapis.com/envoy.config.cluster.v3.Cluster":{"sent":"n7","acked":"n7","sentTime":"'"$h3"'"},
	  "type.googleapis.com/envoy.config.listener.v3.Listener":{"sent":"n7","acked":"n6","sentTime":"'"$d10"'"},
	  "type.googleapis.com/envoy.config.route.v3.RouteConfiguration":{"sent":"n7","acked":"n6","sentTime":"'"$m25"'","lastError":"route: duplicate virtual host"},
	  "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment":{"sentTime":"0001-01-01T00:00:00Z"},
	  "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret":{"sent":"s1","acked":"s1"}}}]'
	start_proxy_server alice
	mesh_proxy 0 status -o wide
	diff -u - "$OUT" <<EOF
NAME                                     CLUSTER        CDS             ECDS        EDS          LDS             RDS             SDS        ISTIOD                      VERSION
ratings-v1-7c9bd4b87f-9wxzv.bookinfo     Kubernetes     SYNCED (3h)     IGNORED     NOT SENT     STALE (10d)     ERROR (25m)     SYNCED     istiod-7d4f8b9c6d-x2x9z     1.24.2
EOF
	mesh_proxy 0 status
	run tail -1 "$OUT"
	assert_output 'ratings-v1-7c9bd4b87f-9wxzv.bookinfo     Kubernetes     istiod-7d4f8b9c6d-x2x9z     1.24.2      5 (CDS,LDS,EDS,RDS,SDS)'
	mesh_proxy 0 status -o json
	run jq -c '.resources[0].genericXdsConfigs[]' "$OUT"
	assert_output - <<EOF
{"typeUrl":"type.googleapis.com/envoy.config.cluster.v3.Cluster","lastUpdated":"${h3%Z}Z","configStatus":"SYNCED"}
{"typeUrl":"type.googleapis.com/envoy.config.listener.v3.Listener","lastUpdated":"$d10","configStatus":"STALE"}
{"typeUrl":"type.googleapis.com/envoy.config.route.v3.RouteConfiguration","lastUpdated":"${m25%.5Z}.500Z","configStatus":"ERROR","errorState":{"details":"route: duplicate virtual host"}}
{"typeUrl":"type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment","configStatus":"NOT_SENT"}
{"typeUrl":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret","configStatus":"SYNCED"}
EOF
}

@test "status: an istiod before 1.23 (no per-type resources) reports the five types from its nonces" {
	syncz "$ISTIOD" '[{"cluster_id":"Kubernetes","proxy":"productpage-v1-6b746f74dc-4xk2p.bookinfo","istio_version":"1.22.3","cluster_sent":"a","cluster_acked":"a","listener_sent":"b","listener_acked":"a","endpoint_sent":"c"},
	 {"cluster_id":"Kubernetes","proxy":"ztunnel-x8k2p.istio-system","proxy_type":"ztunnel","istio_version":"1.22.3"}]'
	start_proxy_server alice
	mesh_proxy 0 status -o wide
	diff -u - "$OUT" <<EOF
NAME                                         CLUSTER        CDS         ECDS         EDS         LDS         RDS          ISTIOD                      VERSION
productpage-v1-6b746f74dc-4xk2p.bookinfo     Kubernetes     SYNCED      NOT SENT     STALE       STALE       NOT SENT     istiod-7d4f8b9c6d-x2x9z     1.22.3
ztunnel-x8k2p.istio-system                   Kubernetes     IGNORED     IGNORED      IGNORED     IGNORED     IGNORED      istiod-7d4f8b9c6d-x2x9z     1.22.3
EOF
	mesh_proxy 0 status
	run tail -2 "$OUT"
	assert_output $'productpage-v1-6b746f74dc-4xk2p.bookinfo     Kubernetes     istiod-7d4f8b9c6d-x2x9z     1.22.3      5 (CDS,LDS,EDS,RDS,ECDS)\nztunnel-x8k2p.istio-system                   Kubernetes     istiod-7d4f8b9c6d-x2x9z     1.22.3      0'
}

@test "status: usage errors" {
	start_proxy_server alice
	mesh_proxy 2 status --file x.json
	assert_output $'error: --file needs a POD: it replaces that pod\'s Envoy config dump\nSee \'kubectl mesh-proxy status -h\' for help and examples.'
	mesh_proxy 2 status "$PP.bookinfo" -o json
	assert_output $'error: status POD prints a comparison; it takes no -o\nSee \'kubectl mesh-proxy status -h\' for help and examples.'
	mesh_proxy 2 status -o name
	assert_output --partial 'error: unable to match a printer suitable for the output format "name"'
}

# ---- status POD: istiod's config against Envoy's ----

# The productpage sidecar holds ENVOY; the istiod of the fixture cluster holds ISTIOD for it.
compare_setup() {
	serve bookinfo "$PP" 15000 config_dump "$1"
	serve istio-system "$ISTIOD" 15014 'debug%2Fconfig_dump' "$2"
	start_proxy_server alice
}

@test "status POD: istiod's dump and the proxy's agree: three Match lines, RDS load time in local time" {
	need_fixtures
	compare_setup "$COMPARE/configdump.json" "$COMPARE/configdump.json"
	TZ=UTC mesh_proxy 0 status "$PP.bookinfo"
	diff -u - "$OUT" <<'EOF'
Clusters Match
Listeners Match
Routes Match (RDS last loaded at Mon, 04 Mar 2024 08:37:44 UTC)
EOF
	TZ=Europe/Paris mesh_proxy 0 status "$PP" -n bookinfo
	run tail -1 "$OUT"
	assert_output 'Routes Match (RDS last loaded at Mon, 04 Mar 2024 09:37:44 CET)'
	run fake_requests
	assert_line "GET /api/v1/namespaces/bookinfo/pods/$PP/portforward?ports=15000 101"
	assert_line "GET /api/v1/namespaces/istio-system/pods/$ISTIOD/portforward?ports=15014 101"
}

@test "status POD: ports changed and fields dropped: three Don't Match sections with unified diffs, exit 1" {
	need_fixtures
	compare_setup "$COMPARE/configdump_diff.json" "$COMPARE/configdump.json"
	TZ=UTC mesh_proxy 1 status "$PP.bookinfo"
	run grep -E '^(Clusters|Listeners|Routes) ' "$OUT"
	assert_output $'Clusters Don\'t Match\nListeners Don\'t Match\nRoutes Don\'t Match (RDS last loaded at Mon, 04 Mar 2024 08:37:44 UTC)'
	run sed -n 1,12p "$OUT"
	assert_output - <<'EOF'
Clusters Don't Match
--- Istiod Clusters
+++ Envoy Clusters
@@ -1,24 +1,14 @@
 {
     "dynamicActiveClusters": [
         {
             "cluster": {
                 "@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
-                "name": "inbound-vip|9080|http|ratings.default.svc.cluster.local",
+                "name": "inbound-vip|9999|http|ratings.default.svc.cluster.local",
                 "type": "EDS",
EOF
	run grep -c '^@@ ' "$OUT"
	assert_output 5
	# every changed line: the 9080 -> 9999 renames, and the fields the diff copy drops
	run grep -E '^[-+] ' "$OUT"
	assert_output - <<'EOF'
-                "name": "inbound-vip|9080|http|ratings.default.svc.cluster.local",
+                "name": "inbound-vip|9999|http|ratings.default.svc.cluster.local",
-                "edsClusterConfig": {
-                    "edsConfig": {
-                        "ads": {
-                        },
-                        "initialFetchTimeout": "0s",
-                        "resourceApiVersion": "V3"
-                    },
-                    "serviceName": "inbound-vip|9080|http|ratings.default.svc.cluster.local"
-                },
-                                        "useRemoteAddress": false,
-                                        "statPrefix": "inbound_0.0.0.0_9080",
+                                        "statPrefix": "inbound_0.0.0.0_9999",
-                "name": "inbound-vip|9080|http|reviews-v3.default.svc.cluster.local",
+                "name": "inbound-vip|9999|http|reviews-v3.default.svc.cluster.local",
-                                        "maxStreamDuration": "0s",
EOF
	# jsonpb's empty message: "{", an empty line, "}"
	run grep -c -x -- '-' "$OUT"
	assert_output 1
	# each diff is followed by an empty line, as istioctl's Fprintln of the diff text
	run grep -c '^$' "$OUT"
	assert_output 3
}

@test "status POD --file: Envoy's side from a saved dump; the pod is not contacted" {
	need_fixtures
	serve istio-system "$ISTIOD" 15014 'debug%2Fconfig_dump' "$COMPARE/configdump.json"
	start_proxy_server alice
	TZ=UTC mesh_proxy 1 status "$PP.bookinfo" --file "$COMPARE/configdump_diff.json"
	run grep -c "Don't Match" "$OUT"
	assert_output 3
	TZ=UTC mesh_proxy 0 status "$PP.bookinfo" -f - <"$COMPARE/configdump.json"
	run cat "$OUT"
	assert_line --index 0 'Clusters Match'
	run fake_requests
	refute_output --partial "pods/$PP"
}

@test "status POD: istiods are asked in turn until one has the proxy connected" {
	need_fixtures
	serve bookinfo "$PP" 15000 config_dump "$COMPARE/configdump.json"
	serve_text istio-system "$ISTIOD" 15014 'debug%2Fconfig_dump' "$NOT_CONNECTED"
	serve_text istio-system "$ISTIOD" 15014 'debug%2Fconfig_dump.status' 404
	serve istio-system istiod2 15014 'debug%2Fconfig_dump' "$COMPARE/configdump.json"
	start_proxy_server alice --data "$PS/multi-pilot"
	TZ=UTC mesh_proxy 0 status "$PP.bookinfo"
	run head -1 "$OUT"
	assert_output 'Clusters Match'
	run fake_requests
	assert_line "GET /api/v1/namespaces/istio-system/pods/$ISTIOD/portforward?ports=15014 101"
	assert_line 'GET /api/v1/namespaces/istio-system/pods/istiod2/portforward?ports=15014 101'
	refute_line 'GET /api/v1/namespaces/istio-system/pods/istiod3/portforward?ports=15014 101'
}

@test "status POD: a proxy no istiod knows, and an istiod that fails, are errors" {
	need_fixtures
	serve bookinfo "$PP" 15000 config_dump "$COMPARE/configdump.json"
	serve_text istio-system "$ISTIOD" 15014 'debug%2Fconfig_dump' "$NOT_CONNECTED"
	serve_text istio-system "$ISTIOD" 15014 'debug%2Fconfig_dump.status' 404
	start_forbidding 'bob get pods/portforward'
	# through exec, pilot-discovery prints a 404's body and succeeds
	mesh_proxy 2 status "$PP.bookinfo"
	assert_output "error: $PP.bookinfo is not connected to any istiod in \"istio-system\" (asked $ISTIOD)"
	[ ! -s "$OUT" ]
	fake_stop
	serve_text istio-system "$ISTIOD" 15014 'debug%2Fconfig_dump.status' 500
	start_proxy_server alice
	mesh_proxy 2 status "$PP.bookinfo"
	assert_output "error: istiod \"$ISTIOD\" did not answer: port-forward to pod istio-system/$ISTIOD port 15014: GET /debug/config_dump?proxyID=$PP.bookinfo answered 500 Internal Server Error: Proxy not connected to this Pilot instance. It may be connected to another instance."
}

@test "status POD: a pod without a sidecar, or a ztunnel pod, gets a clear error" {
	mkdir -p "$BATS_TEST_TMPDIR/data"
	cat >"$BATS_TEST_TMPDIR/data/ztunnel.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: ztunnel-x8k2p
  namespace: istio-system
  labels:
    app: ztunnel
spec:
  containers:
  - name: istio-proxy
    image: docker.io/istio/ztunnel:1.24.2
status:
  phase: Running
EOF
	start_proxy_server alice --data "$BATS_TEST_TMPDIR/data"
	mesh_proxy 2 status "$LEGACY.legacy"
	assert_output "error: pod \"$LEGACY\" has no istio-proxy sidecar container"
	mesh_proxy 2 status ztunnel-x8k2p.istio-system
	assert_output 'error: Sync diff is not available for ztunnel pod ztunnel-x8k2p.istio-system'
}

@test "status POD: a truncated dump from either side is an error with its origin" {
	need_fixtures
	head -c 3000 "$COMPARE/configdump.json" >"$BATS_TEST_TMPDIR/trunc.json"
	compare_setup "$BATS_TEST_TMPDIR/trunc.json" "$COMPARE/configdump.json"
	mesh_proxy 2 status "$PP.bookinfo"
	assert_output --regexp "^error: the config dump of pod bookinfo/$PP is not valid JSON: unexpected end of JSON input at line [0-9]+, column [0-9]+\$"
	fake_stop
	compare_setup "$COMPARE/configdump.json" "$BATS_TEST_TMPDIR/trunc.json"
	mesh_proxy 2 status "$PP.bookinfo"
	assert_output --regexp "^error: the config dump istiod \"$ISTIOD\" holds for $PP.bookinfo is not valid JSON: unexpected end of JSON input at line [0-9]+, column [0-9]+\$"
}
