#!/usr/bin/env bats
# kubectl mesh-proxy config: istioctl proxy-config's tables, JSON and YAML,
# byte for byte against istioctl's own golden files, from saved dumps; and
# the same read live from a sidecar through the fake API server.

load test_helper/common
load test_helper/fake-server
load test_helper/mesh-proxy

PC="$MESH_FIXTURES/istio/istioctl/pkg/proxyconfig/testdata"
CD="$MESH_FIXTURES/istio/istioctl/pkg/writer/envoy/configdump/testdata"
AUTHZ="$MESH_FIXTURES/istio/istioctl/pkg/authz/testdata"

setup() {
	_common_setup
	need_fixtures
	OUT="$BATS_TEST_TMPDIR/out"
}

teardown() {
	fake_stop
}

# Run the plugin with stdout in $OUT (bats' $output would drop trailing
# newlines and spaces) and stderr in $output; assert the exit status.
config() {
	local want=$1
	shift
	run --separate-stderr -"$want" bash -c 'out=$1; shift; kubectl mesh-proxy config "$@" > "$out"' _ "$OUT" "$@"
	output=$stderr
}

# The golden with VALID CERT turned to false for each certificate whose
# NOT AFTER (RFC 3339, UTC) has passed: istioctl compares with the clock.
golden_now() {
	local now line
	now=$(date -u +%s)
	while IFS= read -r line || [ -n "$line" ]; do
		local t
		t=$(grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z' <<<"$line" | head -1)
		if [ -n "$t" ] && [ "$(date -u -d "$t" +%s)" -le "$now" ]; then
			line=${line/ true      / false     }
		fi
		printf '%s\n' "$line"
	done <"$1"
}

# istioctl x authz check's golden, inline in its authz_test.go.
authz_check_golden() {
	printf '%s\n' \
		'ACTION   AuthorizationPolicy         RULES' \
		'ALLOW    _anonymous_match_nothing_   1' \
		'ALLOW    httpbin.default             1' \
		'CUSTOM   ext-authz.default           1'
}

# --- istioctl's goldens ---

@test "config all: istioctl's summary golden, byte for byte (trailing spaces included)" {
	config 0 all -f "$PC/config_dump.json"
	golden_now "$PC/config_dump_summary.txt" >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
}

@test "config all --with-headers: the section titles golden" {
	config 0 all -f "$PC/config_dump.json" --with-headers
	golden_now "$PC/config_dump_summary_withheaders.txt" >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
}

@test "config bootstrap -o json: jsonpb, with its deeper indentation of Struct values (camelCase dump)" {
	config 0 bootstrap -f "$CD/configdump.json" -o json
	diff -u "$CD/bootstrapdump.json" "$OUT"
}

@test "config bootstrap: the version summary golden (istioctl's -o short)" {
	config 0 bootstrap -f "$CD/configdump.json"
	diff -u "$CD/versionsummary.txt" "$OUT"
}

@test "config ecds: table golden, sorted by type then name over every EcdsConfigDump" {
	config 0 ecds -f "$CD/ecds/configdump.json"
	diff -u "$CD/ecds/output.txt" "$OUT"
}

@test "config ecds -o yaml: golden (go-yaml quoting: '@type', timestamps, numbers as strings)" {
	config 0 ecds -f "$CD/ecds/configdump.json" -o yaml
	diff -u "$CD/ecds/output.yaml" "$OUT"
}

@test "config ecds -o json: golden (istioctl's test re-indents protojson; we print that form)" {
	config 0 ecds -f "$CD/ecds/configdump.json" -o json
	diff -u "$CD/ecds/output.json" "$OUT"
}

@test "config eds: table, json and yaml goldens without a filter" {
	config 0 eds -f "$CD/endpoint/configdump.json"
	diff -u "$CD/endpoint/emptyfilter_output.txt" "$OUT"
	config 0 eds -f "$CD/endpoint/configdump.json" -o json
	diff -u "$CD/endpoint/emptyfilter_output.json" "$OUT"
	config 0 eds -f "$CD/endpoint/configdump.json" -o yaml
	diff -u "$CD/endpoint/emptyfilter_output.yaml" "$OUT"
}

@test "config eds --port 8080: table, json and yaml goldens" {
	config 0 eds -f "$CD/endpoint/configdump.json" --port 8080
	diff -u "$CD/endpoint/portfilter_output.txt" "$OUT"
	config 0 eds -f "$CD/endpoint/configdump.json" --port 8080 -o json
	diff -u "$CD/endpoint/portfilter_output.json" "$OUT"
	config 0 eds -f "$CD/endpoint/configdump.json" --port 8080 -o yaml
	diff -u "$CD/endpoint/portfilter_output.yaml" "$OUT"
}

@test "config routes: the three route goldens (gateway routes, PathPrefix, VirtualService names)" {
	local d
	for d in empty-gateway istio-gateway-http-route-prefix k8s-gateway-http-route-path-prefix; do
		config 0 routes -f "$CD/routes/$d/configdump.json"
		diff -u "$CD/routes/$d/output.txt" "$OUT"
	done
}

@test "config secrets: istio golden (warming first, expired and valid certificates)" {
	config 0 secrets -f "$CD/secret/istio/config_dump.json"
	golden_now "$CD/secret/istio/output" >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
}

@test "config secrets: SPIRE golden (one row per trust domain, TRUST DOMAIN column, 40-digit serials)" {
	config 0 secrets -f "$CD/secret/spire/config_dump.json"
	golden_now "$CD/secret/spire/output" >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
}

@test "config rbac: istioctl x authz check's golden, CUSTOM from the ext_authz shadow rules" {
	config 0 rbac -f "$AUTHZ/configdump.yaml"
	authz_check_golden >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
}

# --- tables and filters beyond the goldens ---

@test "config clusters: subset-key names parsed, others shown whole; rows end in the padded empty cell" {
	config 0 clusters -f "$PC/config_dump.json"
	printf '%s\n' \
		'SERVICE FQDN                          PORT     SUBSET     DIRECTION       TYPE       DESTINATION RULE' \
		'agent                                 -        -          -               STATIC     ' \
		'httpbin.default.svc.cluster.local     8000     http       inbound-vip     EDS        ' \
		'prometheus_stats                      -        -          -               STATIC     ' >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
}

@test "config clusters: --fqdn, --port, --subset and --direction are substrings of the whole name" {
	config 0 c -f "$PC/config_dump.json" --port 8000 --subset http --direction inbound --fqdn httpbin
	printf '%s\n' \
		'SERVICE FQDN                          PORT     SUBSET     DIRECTION       TYPE     DESTINATION RULE' \
		'httpbin.default.svc.cluster.local     8000     http       inbound-vip     EDS      ' >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
	config 0 clusters -f "$PC/config_dump.json" --fqdn nothing-like-this
	printf '%s\n' 'SERVICE FQDN     PORT     SUBSET     DIRECTION     TYPE     DESTINATION RULE' >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
}

@test "config clusters: DESTINATION RULE from the Istio metadata, in a lowerCamelCase dump too" {
	config 0 clusters -f "$MESH_FIXTURES/istio/istioctl/pkg/describe/testdata/describe/http_config.json"
	printf '%s\n' \
		'SERVICE FQDN                              PORT     SUBSET     DIRECTION     TYPE     DESTINATION RULE' \
		'productpage.default.svc.cluster.local     9080     v1         outbound      EDS      productpage.default' >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
	printf '%s\n' '{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","staticClusters":[{"cluster":{"name":"outbound|80|v2|web.prod.svc.cluster.local","type":"STRICT_DNS","metadata":{"filterMetadata":{"istio":{"config":"/apis/networking.istio.io/v1/namespaces/prod/destination-rule/web"}}}}},{"cluster":{"name":"outbound_.80_.v1_.web.prod.svc.cluster.local","type":1,"metadata":{"filterMetadata":{"istio":{"config":"/apis/other/v1/x"}}}}}]}]}' >"$BATS_TEST_TMPDIR/c.json"
	config 0 clusters -f "$BATS_TEST_TMPDIR/c.json"
	printf '%s\n' \
		'SERVICE FQDN                                     PORT     SUBSET     DIRECTION     TYPE           DESTINATION RULE' \
		'outbound_.80_.v1_.web.prod.svc.cluster.local     -        -          -             STRICT_DNS     <unknown>' \
		'web.prod.svc.cluster.local                       80       v2         outbound      STRICT_DNS     web.prod' >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
}

@test "config clusters -o json|yaml with nothing selected: an empty list" {
	config 0 clusters -f "$PC/config_dump.json" --fqdn nothing-like-this -o json
	printf '[]\n' >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
	config 0 clusters -f "$PC/config_dump.json" --fqdn nothing-like-this -o yaml
	printf '[]\n\n' >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
}

@test "config clusters -o json: the filtered Cluster messages, camelCase, without their @type" {
	config 0 clusters -f "$PC/config_dump.json" --fqdn prometheus -o json
	run jq -c '.' "$OUT"
	assert_output '[{"name":"prometheus_stats","type":"STATIC","connectTimeout":"0.250s","loadAssignment":{"clusterName":"prometheus_stats","endpoints":[{"lbEndpoints":[{"endpoint":{"address":{"socketAddress":{"address":"127.0.0.1","portValue":15000}}}}]}]}}]'
	run head -2 "$OUT"
	assert_output '[
    {'
}

@test "config clusters -o yaml: the same clusters through JSONToYAML, with the final blank line" {
	config 0 clusters -f "$PC/config_dump.json" --fqdn prometheus -o yaml
	printf '%s\n' \
		'- connectTimeout: 0.250s' \
		'  loadAssignment:' \
		'    clusterName: prometheus_stats' \
		'    endpoints:' \
		'    - lbEndpoints:' \
		'      - endpoint:' \
		'          address:' \
		'            socketAddress:' \
		'              address: 127.0.0.1' \
		'              portValue: 15000' \
		'  name: prometheus_stats' \
		'  type: STATIC' \
		'' >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
}

@test "config listeners: verbose rows per filter chain; --verbose=false gives the TYPE summary" {
	config 0 listeners -f "$PC/config_dump.json"
	printf '%s\n' \
		'ADDRESSES PORT  MATCH DESTINATION' \
		'          0     ALL   Cluster: inbound-vip|8100|http|httpbin.default.svc.cluster.local' \
		'          0     ALL   Cluster: inbound-vip|8000|http|httpbin.default.svc.cluster.local' \
		'          0     ALL   Cluster: encap' \
		'          0     ALL   Cluster: encap' \
		'0.0.0.0   15021 ALL   Inline Route: /healthz/ready*' >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
	config 0 l -f "$PC/config_dump.json" --verbose=false
	printf '%s\n' 'ADDRESSES PORT  TYPE' '          0     HTTP+TCP' '0.0.0.0   15021 HTTP' >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
}

@test "config listeners: --port, --address and --type (case-insensitive) select listeners" {
	config 0 listeners -f "$AUTHZ/configdump.yaml" --verbose=false --port 443 --type tcp
	printf '%s\n' 'ADDRESSES     PORT TYPE' '10.108.65.203 443  TCP' '10.96.0.1     443  TCP' '10.98.166.148 443  TCP' >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
	config 0 listeners -f "$AUTHZ/configdump.yaml" --address 10.96.0.10 --verbose=false
	printf '%s\n' 'ADDRESSES  PORT TYPE' '10.96.0.10 53   TCP' '10.96.0.10 9153 HTTP+TCP' >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
}

@test "config listeners: SNI, transport, ALPN names and address matches in MATCH" {
	config 0 listeners -f "$AUTHZ/configdump.yaml" --port 15006
	printf '%s\n' \
		'ADDRESSES PORT  MATCH                                                                                         DESTINATION' \
		'0.0.0.0   15006 Addr: *:15006                                                                                 Non-HTTP/Non-TCP' \
		'0.0.0.0   15006 Trans: tls; App: istio-http/1.0,istio-http/1.1,istio-h2; Addr: 0.0.0.0/0                      InboundPassthroughClusterIpv4' \
		'0.0.0.0   15006 Trans: raw_buffer; App: http/1.1,h2c; Addr: 0.0.0.0/0                                         InboundPassthroughClusterIpv4' \
		'0.0.0.0   15006 Trans: tls; App: TCP TLS; Addr: 0.0.0.0/0                                                     InboundPassthroughClusterIpv4' \
		'0.0.0.0   15006 Trans: raw_buffer; Addr: 0.0.0.0/0                                                            InboundPassthroughClusterIpv4' \
		'0.0.0.0   15006 Trans: tls; Addr: 0.0.0.0/0                                                                   InboundPassthroughClusterIpv4' \
		'0.0.0.0   15006 Trans: tls; App: istio,istio-peer-exchange,istio-http/1.0,istio-http/1.1,istio-h2; Addr: *:80 Cluster: inbound|80||' \
		'0.0.0.0   15006 Trans: raw_buffer; Addr: *:80                                                                 Cluster: inbound|80||' >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
}

# Sixteen chains of one listener: more than 12, so Go's sort.Slice is a
# pattern-defeating quicksort and equal DESTINATIONs come out in its order
# (checked against Go's own sort.Slice), not in dump order.
@test "config listeners: filter chains in Go's unstable sort order for equal destinations" {
	local clusters=(a b a c b a PassthroughCluster d a b c a InboundPassthroughClusterIpv4 b a a) i chains=
	for i in "${!clusters[@]}"; do
		chains+="${chains:+,}{\"filter_chain_match\":{\"destination_port\":$((1000 + i))},\"filters\":[{\"name\":\"envoy.filters.network.tcp_proxy\",\"typed_config\":{\"cluster\":\"${clusters[$i]}\"}}]}"
	done
	printf '{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","static_listeners":[{"listener":{"address":{"socket_address":{"address":"0.0.0.0","port_value":15006}},"filter_chains":[%s]}}]}]}\n' \
		"$chains" >"$BATS_TEST_TMPDIR/l.json"
	config 0 listeners -f "$BATS_TEST_TMPDIR/l.json"
	run cut -c17- "$OUT"
	assert_output 'MATCH        DESTINATION
Addr: *:1006 PassthroughCluster
Addr: *:1012 InboundPassthroughClusterIpv4
Addr: *:1007 Cluster: d
Addr: *:1010 Cluster: c
Addr: *:1003 Cluster: c
Addr: *:1004 Cluster: b
Addr: *:1009 Cluster: b
Addr: *:1001 Cluster: b
Addr: *:1013 Cluster: b
Addr: *:1005 Cluster: a
Addr: *:1000 Cluster: a
Addr: *:1008 Cluster: a
Addr: *:1002 Cluster: a
Addr: *:1011 Cluster: a
Addr: *:1014 Cluster: a
Addr: *:1015 Cluster: a'
}

# istioctl's route comparator is "Atoi(a) < Atoi(b), false when either is
# not a number": with more than 12 routes only a port of pdqsort gives
# istioctl's order (checked against Go's own sort.Slice).
@test "config routes: istioctl's order of numeric and non-numeric route names" {
	local names=(9080 '' 15010 80 http.8080 443 15014 8080 'inbound|9080||' 3000 abc 9090 15012 53 '' 7070 8443 20 9 100 blackhole 15001 15006 81) n rcs=
	for n in "${names[@]}"; do
		rcs+="${rcs:+,}{\"route_config\":{\"name\":\"$n\",\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"]}]}}"
	done
	printf '{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[%s]}]}\n' \
		"$rcs" >"$BATS_TEST_TMPDIR/r.json"
	config 0 routes -f "$BATS_TEST_TMPDIR/r.json" --verbose=false
	run awk '{ print $1 }' "$OUT"
	# (awk shows the VIRTUAL HOSTS count, 1, for the two unnamed configurations)
	assert_output "$(printf '%s\n' NAME 9 20 53 80 81 100 443 3000 7070 8080 8443 9080 9090 15001 15006 15010 15012 1 abc 'inbound|9080||' blackhole 15014 http.8080 1)"
	config 0 routes -f "$BATS_TEST_TMPDIR/r.json"
	run sed -n 2p "$OUT"
	assert_output '9                  vh             *           /*        404'
}

@test "config routes: VIRTUAL SERVICE from each route's Istio metadata" {
	config 0 routes -f "$MESH_FIXTURES/istio/istioctl/pkg/describe/testdata/describe/http_config.json"
	run sed -n '1,3p' "$OUT"
	assert_output 'NAME          VHOST NAME     DOMAINS     MATCH                 VIRTUAL SERVICE
http.8080     *:80           *           /productpage          bookinfo.default
http.8080     *:80           *           /static*              bookinfo.default'
}

@test "config routes: --name selects one route configuration; -o json prints it without @type" {
	config 0 routes -f "$CD/routes/istio-gateway-http-route-prefix/configdump.json" --name http.8080 --verbose=false
	printf '%s\n' 'NAME          VIRTUAL HOSTS' 'http.8080     1' >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
	config 0 routes -f "$CD/routes/istio-gateway-http-route-prefix/configdump.json" --name http.8080 -o json
	run jq -r '.[0] | [.name, .virtualHosts[0].routes[0].match.prefix, (has("@type") | tostring)] | join(" ")' "$OUT"
	assert_output 'http.8080 /get false'
}

@test "config routes: domains are shortened as istioctl does (ports, short IPv6 and .svc forms dropped)" {
	printf '%s\n' '{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[{"route_config":{"name":"9080","virtual_hosts":[{"name":"reviews.default.svc.cluster.local:9080","domains":["reviews.default.svc.cluster.local","reviews.default.svc.cluster.local:9080","reviews","reviews:9080","reviews.default.svc","reviews.default","10.96.1.2","10.96.1.2:9080","[fd00::1]","[fd00:10:96::7fc7]","[fd00:10:96::7fc7]:9080"],"routes":[{"match":{"prefix":"/"},"route":{"cluster":"outbound|9080||reviews.default.svc.cluster.local"},"metadata":{"filter_metadata":{"istio":{"config":"/apis/networking.istio.io/v1/namespaces/default/virtual-service/reviews"}}}},{"match":{"safe_regex":{"regex":"/api/.*"}},"route":{"cluster":"x"}},{"match":{"path":"/exact"},"route":{"cluster":"PassthroughCluster"}}]}]}}]}]}' >"$BATS_TEST_TMPDIR/r.json"
	config 0 routes -f "$BATS_TEST_TMPDIR/r.json"
	printf '%s\n' \
		'NAME     VHOST NAME                                 DOMAINS                                  MATCH             VIRTUAL SERVICE' \
		'9080     reviews.default.svc.cluster.local:9080     reviews, reviews.default + 2 more...     /*                reviews.default' \
		'9080     reviews.default.svc.cluster.local:9080     reviews, reviews.default + 2 more...     regex /api/.*     ' >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
}

endpoints_dump() {
	cat >"$BATS_TEST_TMPDIR/clusters.json" <<'EOF'
{"cluster_statuses":[
 {"name":"outbound|9080||reviews.default.svc.cluster.local","host_statuses":[
  {"address":{"socket_address":{"address":"10.0.0.9","port_value":9080}},"health_status":{"eds_health_status":"HEALTHY"},"weight":1},
  {"address":{"socket_address":{"address":"10.0.0.10","port_value":9080}},"health_status":{"eds_health_status":"UNHEALTHY","failed_outlier_check":true},"weight":1}]},
 {"name":"sds-grpc","host_statuses":[{"address":{"pipe":{"path":"./var/run/secrets/workload-spiffe-uds/socket"}},"health_status":{"eds_health_status":"HEALTHY"}}]},
 {"name":"inbound-vip|8000|http|httpbin.default.svc.cluster.local","hostStatuses":[{"address":{"envoyInternalAddress":{"serverListenerName":"connect_originate","endpointId":"10.0.0.5:80"}},"healthStatus":{"edsHealthStatus":"DRAINING"}}]},
 {"name":"agent","added_via_api":false,"host_statuses":[{"address":{"socket_address":{"address":"127.0.0.1","port_value":15020}},"health_status":{}}]}
]}
EOF
}

@test "config endpoints: Envoy's /clusters?format=json, sorted by address string, port, cluster" {
	endpoints_dump
	config 0 endpoints -f "$BATS_TEST_TMPDIR/clusters.json"
	printf '%s\n' \
		'ENDPOINT                                                STATUS        OUTLIER CHECK     CLUSTER' \
		'10.0.0.10:9080                                          UNHEALTHY     FAILED            outbound|9080||reviews.default.svc.cluster.local' \
		'10.0.0.9:9080                                           HEALTHY       OK                outbound|9080||reviews.default.svc.cluster.local' \
		'127.0.0.1:15020                                         UNKNOWN       OK                agent' \
		'envoy://connect_originate/10.0.0.5:80                   DRAINING      OK                inbound-vip|8000|http|httpbin.default.svc.cluster.local' \
		'unix://./var/run/secrets/workload-spiffe-uds/socket     HEALTHY       OK                sds-grpc' >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
}

@test "config endpoints: --address (IP only), --port, --cluster and --status, case-insensitive" {
	endpoints_dump
	config 0 ep -f "$BATS_TEST_TMPDIR/clusters.json" --status unhealthy
	run awk 'NR > 1 { print $1 }' "$OUT"
	assert_output '10.0.0.10:9080'
	config 0 ep -f "$BATS_TEST_TMPDIR/clusters.json" --address 10.0.0.9 --port 9080 --cluster OUTBOUND\|9080\|\|reviews.default.svc.cluster.local
	run awk 'NR > 1 { print $1 }' "$OUT"
	assert_output '10.0.0.9:9080'
	config 0 ep -f "$BATS_TEST_TMPDIR/clusters.json" --address 10.0.0.9:9080
	run cat "$OUT"
	assert_output 'ENDPOINT     STATUS     OUTLIER CHECK     CLUSTER'
}

@test "config endpoints -o json: each cluster with a matching host, whole and camelCase" {
	endpoints_dump
	config 0 endpoints -f "$BATS_TEST_TMPDIR/clusters.json" --status draining -o json
	run jq -c '.' "$OUT"
	assert_output '[{"name":"inbound-vip|8000|http|httpbin.default.svc.cluster.local","hostStatuses":[{"address":{"envoyInternalAddress":{"serverListenerName":"connect_originate","endpointId":"10.0.0.5:80"}},"healthStatus":{"edsHealthStatus":"DRAINING"}}]}]'
}

@test "config endpoints: an empty /clusters answer prints the header only" {
	echo '{}' >"$BATS_TEST_TMPDIR/empty.json"
	config 0 endpoints -f "$BATS_TEST_TMPDIR/empty.json"
	run cat "$OUT"
	assert_output 'ENDPOINT     STATUS     OUTLIER CHECK     CLUSTER'
}

@test "config eds: --cluster and --status filter endpoints; a dump without EDS gives the header" {
	config 0 eds -f "$CD/endpoint/configdump.json" --cluster 'outbound|53||kube-dns.kube-system.svc.cluster.local' --status healthy
	printf '%s\n' \
		'NAME              STATUS      LOCALITY     CLUSTER' \
		'10.244.0.8:53     HEALTHY                  outbound|53||kube-dns.kube-system.svc.cluster.local' \
		'10.244.0.3:53     HEALTHY                  outbound|53||kube-dns.kube-system.svc.cluster.local' >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
	config 0 eds -f "$CD/configdump.json"
	run cat "$OUT"
	assert_output 'NAME     STATUS     LOCALITY     CLUSTER'
}

# A certificate made now, valid for two days, in a dump of our own.
secret_dump() {
	local dir=$BATS_TEST_TMPDIR
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$dir/k.pem" \
		-out "$dir/c.pem" -days 2 -subj /O=mesh -set_serial 0x1f -addext basicConstraints=CA:FALSE \
		-addext 'subjectAltName=URI:spiffe://example.org/ns/default/sa/web' 2>/dev/null
	printf '{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.SecretsConfigDump","dynamic_active_secrets":[{"name":"default","version_info":"uninitialized","secret":{"@type":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret","name":"default","tls_certificate":{"certificate_chain":{"inline_bytes":"%s"}}}}]}]}\n' \
		"$(base64 -w0 "$dir/c.pem")" >"$dir/s.json"
}

@test "config secrets: a current certificate is valid; the trust domain comes from its SPIFFE URI" {
	secret_dump
	config 0 secrets -f "$BATS_TEST_TMPDIR/s.json"
	local after before
	after=$(date -u -d "$(openssl x509 -in "$BATS_TEST_TMPDIR/c.pem" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
	before=$(date -u -d "$(openssl x509 -in "$BATS_TEST_TMPDIR/c.pem" -noout -startdate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
	printf '%s\n' \
		'RESOURCE NAME     TYPE           STATUS     VALID CERT     SERIAL NUMBER                        NOT AFTER                NOT BEFORE               TRUST DOMAIN' \
		"default           Cert Chain     ACTIVE     true           0000000000000000000000000000001f     $after     $before     example.org" >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
}

@test "config secrets: no active or warming secrets" {
	echo '{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.SecretsConfigDump"}]}' >"$BATS_TEST_TMPDIR/s.json"
	config 0 secrets -f "$BATS_TEST_TMPDIR/s.json"
	run cat "$OUT"
	assert_output 'No active or warming secrets found.'
}

@test "config secrets -o json: jsonpb of the SecretsConfigDump" {
	config 0 secrets -f "$CD/secret/istio/config_dump.json" -o json
	run jq -r '[.dynamicActiveSecrets[].name, .dynamicWarmingSecrets[0].versionInfo] | join(" ")' "$OUT"
	assert_output 'default ROOTCA uninitialized'
	run head -3 "$OUT"
	assert_output '{
    "dynamicActiveSecrets": [
        {'
}

@test "config all -o json prints the dump as it is, plus a newline; -o yaml converts it whole" {
	config 0 all -f "$CD/ecds/configdump.json" -o json
	cmp <(cat "$CD/ecds/configdump.json"; echo) "$OUT"
	config 0 all -f "$CD/configdump.json" -o yaml
	run sed -n '1,4p' "$OUT"
	assert_output "configs:
- '@type': type.googleapis.com/envoy.admin.v3.BootstrapConfigDump
  bootstrap:
    node:"
}

@test "config: the dump can come from standard input (-f -) or the global --filename" {
	run --separate-stderr -0 bash -c 'kubectl mesh-proxy config routes -f - < "$1" > "$2"' _ "$CD/routes/empty-gateway/configdump.json" "$OUT"
	diff -u "$CD/routes/empty-gateway/output.txt" "$OUT"
	config 0 routes --filename "$CD/routes/empty-gateway/configdump.json"
	diff -u "$CD/routes/empty-gateway/output.txt" "$OUT"
}

# --- errors ---

@test "config: a truncated or non-JSON dump is an error with its position, exit 2" {
	head -c 5000 "$PC/config_dump.json" >"$BATS_TEST_TMPDIR/trunc.json"
	config 2 clusters -f "$BATS_TEST_TMPDIR/trunc.json"
	assert_output "error: the config dump in \"$BATS_TEST_TMPDIR/trunc.json\" is not valid JSON: unexpected end of JSON input at line 151, column 19"
	echo 'configs: []' >"$BATS_TEST_TMPDIR/bad.json"
	config 2 clusters -f "$BATS_TEST_TMPDIR/bad.json"
	assert_output "error: the config dump in \"$BATS_TEST_TMPDIR/bad.json\" is not valid JSON: invalid character 'c' looking for beginning of value at line 1, column 1"
	printf '{"configs": [1,]}' >"$BATS_TEST_TMPDIR/bad.json"
	config 2 clusters -f "$BATS_TEST_TMPDIR/bad.json"
	assert_output "error: the config dump in \"$BATS_TEST_TMPDIR/bad.json\" is not valid JSON: invalid character ']' looking for beginning of value at line 1, column 16"
	run --separate-stderr -2 bash -c 'printf "{\"a\": \"b" | kubectl mesh-proxy config clusters -f -'
	assert_equal "$stderr" 'error: the config dump on standard input is not valid JSON: unexpected end of JSON input at line 1, column 9'
	assert_equal "$output" ''
}

@test "config: dumps that are not config dumps, and missing sections" {
	echo '[]' >"$BATS_TEST_TMPDIR/a.json"
	config 2 clusters -f "$BATS_TEST_TMPDIR/a.json"
	assert_output "error: the config dump in \"$BATS_TEST_TMPDIR/a.json\" is not an Envoy config dump: the top-level value is not an object"
	echo '{"configs": {}}' >"$BATS_TEST_TMPDIR/a.json"
	config 2 clusters -f "$BATS_TEST_TMPDIR/a.json"
	assert_output "error: the config dump in \"$BATS_TEST_TMPDIR/a.json\" is not an Envoy config dump: \"configs\" is not a list"
	config 2 routes -f "$CD/ecds/configdump.json"
	assert_output 'error: config dump has no configuration type type.googleapis.com/envoy.admin.v3.RoutesConfigDump'
	config 2 listeners -f "$CD/ecds/configdump.json"
	assert_output 'error: listener dump: config dump has no configuration type type.googleapis.com/envoy.admin.v3.ListenersConfigDump'
	echo '{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump"}]}' >"$BATS_TEST_TMPDIR/a.json"
	config 2 clusters -f "$BATS_TEST_TMPDIR/a.json"
	assert_output 'error: no clusters found'
}

@test "config all: the tables printed before a failing section stay, then the error" {
	config 2 all -f "$CD/configdump.json"
	assert_output 'error: config dump has no configuration type type.googleapis.com/envoy.admin.v3.ClustersConfigDump'
	diff -u "$CD/versionsummary.txt" <(head -3 "$OUT")
	run wc -l <"$OUT"
	assert_output 4
}

@test "config: missing files and directories" {
	config 2 clusters -f "$BATS_TEST_TMPDIR/none.json"
	assert_output "error: the path \"$BATS_TEST_TMPDIR/none.json\" does not exist"
	config 2 clusters -f "$BATS_TEST_TMPDIR"
	assert_output "error: read $BATS_TEST_TMPDIR: is a directory"
}

@test "config: neither a pod nor --file is a usage error" {
	config 2 clusters
	assert_output $'error: give a pod (POD[.NAMESPACE] or TYPE/NAME[.NAMESPACE]) or a saved dump with --file\nSee \'kubectl mesh-proxy config -h\' for help and examples.'
}

@test "config: usage errors (type, pod, flags that do not apply, -o) exit 2" {
	config 2 bogus -f "$PC/config_dump.json"
	assert_output $'error: unknown configuration type "bogus"; use one of clusters, listeners, routes, endpoints, secrets, bootstrap, ecds, all, rbac\nSee \'kubectl mesh-proxy config -h\' for help and examples.'
	config 2 clusters mypod -f "$PC/config_dump.json"
	assert_output $'error: give either a pod or --file, not both\nSee \'kubectl mesh-proxy config -h\' for help and examples.'
	config 2 clusters deploy/
	assert_output $'error: invalid pod "deploy/": expected [TYPE/]NAME[.NAMESPACE]\nSee \'kubectl mesh-proxy config -h\' for help and examples.'
	config 2 secrets --fqdn x -f "$PC/config_dump.json"
	assert_output $'error: --fqdn does not apply to config secrets\nSee \'kubectl mesh-proxy config -h\' for help and examples.'
	config 2 clusters --cluster x -f "$PC/config_dump.json"
	assert_output $'error: --cluster does not apply to config clusters\nSee \'kubectl mesh-proxy config -h\' for help and examples.'
	config 2 rbac -o yaml -f "$AUTHZ/configdump.yaml"
	assert_output $'error: config rbac prints a table only; it takes no -o\nSee \'kubectl mesh-proxy config -h\' for help and examples.'
	config 2 routes --verbose=maybe -f "$PC/config_dump.json"
	assert_output $'error: invalid argument "maybe" for "--verbose" flag: strconv.ParseBool: parsing "maybe": invalid syntax\nSee \'kubectl mesh-proxy config --help\' for usage.'
	config 2 clusters -o wide -f "$PC/config_dump.json"
	assert_output 'error: unable to match a printer suitable for the output format "wide", allowed formats are: json,yaml'
}

@test "config --verbose is a boolean, true by default: bare, =true and =false" {
	config 0 listeners -f "$PC/config_dump.json"
	cp "$OUT" "$BATS_TEST_TMPDIR/default"
	config 0 listeners --verbose -f "$PC/config_dump.json"
	cmp "$BATS_TEST_TMPDIR/default" "$OUT"
	config 0 listeners --verbose=true -f "$PC/config_dump.json"
	cmp "$BATS_TEST_TMPDIR/default" "$OUT"
	config 0 listeners --verbose=false -f "$PC/config_dump.json"
	run head -1 "$OUT"
	assert_output 'ADDRESSES PORT  TYPE'
	run kubectl mesh-proxy config -h
	assert_output --partial '--verbose=true'
	# false on a type without a verbose view is refused, as a filter that does not apply
	config 2 secrets --verbose=false -f "$PC/config_dump.json"
	assert_output $'error: --verbose does not apply to config secrets\nSee \'kubectl mesh-proxy config -h\' for help and examples.'
}

# --- live, from the pod's Envoy admin API ---

@test "config clusters POD: live output is byte-identical to the same dump read with -f" {
	serve bookinfo "$PP" 15000 config_dump "$PC/config_dump.json"
	start_proxy_server alice
	config 0 clusters -f "$PC/config_dump.json"
	cp "$OUT" "$BATS_TEST_TMPDIR/offline"
	config 0 clusters "$PP.bookinfo"
	cmp "$BATS_TEST_TMPDIR/offline" "$OUT"
	assert_output ''
	run fake_requests
	assert_output - <<EOF
GET /api/v1/namespaces/bookinfo/pods/$PP 200
GET /api/v1/namespaces/bookinfo/pods/$PP/portforward?ports=15000 101
EOF
}

@test "config TYPE POD: every type and output format live equals -f on the same dump" {
	local type fmt
	serve bookinfo "$PP" 15000 config_dump "$PC/config_dump.json"
	serve bookinfo "$RATINGS" 15000 config_dump "$CD/ecds/configdump.json"
	start_proxy_server alice
	config 0 ecds "$RATINGS.bookinfo"
	diff -u "$CD/ecds/output.txt" "$OUT"
	for type in clusters listeners routes secrets bootstrap all; do
		for fmt in '' json yaml; do
			config 0 "$type" -f "$PC/config_dump.json" ${fmt:+-o "$fmt"}
			cp "$OUT" "$BATS_TEST_TMPDIR/offline"
			config 0 "$type" "$PP" -n bookinfo ${fmt:+-o "$fmt"}
			cmp "$BATS_TEST_TMPDIR/offline" "$OUT"
		done
	done
	config 0 listeners "$PP.bookinfo" --port 9080 --verbose=false
	cp "$OUT" "$BATS_TEST_TMPDIR/live"
	config 0 listeners -f "$PC/config_dump.json" --port 9080 --verbose=false
	cmp "$BATS_TEST_TMPDIR/live" "$OUT"
}

@test "config endpoints POD: Envoy's /clusters?format=json, live" {
	cat >"$BATS_TEST_TMPDIR/clusters.json" <<'EOF'
{"cluster_statuses":[{"name":"outbound|9080||reviews.bookinfo.svc.cluster.local","host_statuses":[{"address":{"socket_address":{"address":"10.244.0.13","port_value":9080}},"health_status":{"eds_health_status":"HEALTHY"}}]}]}
EOF
	serve bookinfo "$PP" 15000 'clusters%3Fformat=json' "$BATS_TEST_TMPDIR/clusters.json"
	start_proxy_server alice
	config 0 endpoints "$PP.bookinfo"
	printf '%s\n' \
		'ENDPOINT             STATUS      OUTLIER CHECK     CLUSTER' \
		'10.244.0.13:9080     HEALTHY     OK                outbound|9080||reviews.bookinfo.svc.cluster.local' >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
}

@test "config rbac POD: the AuthorizationPolicies in the sidecar's RBAC filters, live" {
	serve bookinfo "$PP" 15000 config_dump "$AUTHZ/configdump.yaml"
	start_proxy_server alice
	config 0 rbac "$PP.bookinfo"
	authz_check_golden >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
}

@test "config POD: TYPE/NAME picks the workload's pod; -n and the context namespace apply" {
	serve bookinfo "$PP" 15000 config_dump "$AUTHZ/configdump.yaml"
	start_proxy_server alice
	config 0 rbac svc/productpage.bookinfo
	run head -1 "$OUT"
	assert_output 'ACTION   AuthorizationPolicy         RULES'
	: >"$FAKE_LOG"
	config 0 rbac service/productpage -n bookinfo
	run fake_requests
	assert_output - <<EOF
GET /api/v1/namespaces/bookinfo/services/productpage 200
GET /api/v1/namespaces/bookinfo/pods 200
GET /api/v1/namespaces/bookinfo/pods/$PP 200
GET /api/v1/namespaces/bookinfo/pods/$PP/portforward?ports=15000 101
EOF
	sed -i 's/^  context:$/&\n    namespace: bookinfo/' "$KUBECONFIG"
	config 0 rbac "$PP"
	config 2 rbac deploy/productpage-v1
	assert_output 'Error from server (NotFound): deployments.apps "productpage-v1" not found'
	config 2 rbac svc/legacy-app.legacy
	assert_output 'error: pod "legacy-app-5d8f7c6b4-m7kzn" has no istio-proxy sidecar container'
	config 2 rbac configmap/istio
	assert_output $'error: cannot read a sidecar from "configmap/istio": TYPE must be pod, deployment, statefulset, daemonset or service\nSee \'kubectl mesh-proxy config -h\' for help and examples.'
}

@test "config POD: forbidden port-forward falls back to pilot-agent through exec" {
	serve bookinfo "$PP" 15000 config_dump "$PC/config_dump.json"
	start_forbidding 'bob get pods/portforward'
	config 0 clusters "$PP.bookinfo"
	cp "$OUT" "$BATS_TEST_TMPDIR/live"
	config 0 clusters -f "$PC/config_dump.json"
	cmp "$BATS_TEST_TMPDIR/live" "$OUT"
	run fake_requests
	assert_line --index 1 "GET /api/v1/namespaces/bookinfo/pods/$PP/portforward?ports=15000 403"
	assert_line --index 2 "GET /api/v1/namespaces/bookinfo/pods/$PP/exec?command=pilot-agent&command=request&command=GET&command=config_dump%3Fmask%3Ddynamic_active_clusters%2Cdynamic_warming_clusters%2Cstatic_clusters&container=istio-proxy&stderr=true&stdout=true 101"
}

@test "config POD: with port-forward and exec both forbidden the error names both permissions" {
	serve bookinfo "$PP" 15000 config_dump "$PC/config_dump.json"
	start_forbidding 'bob get pods/portforward' 'bob get pods/exec'
	config 2 clusters "$PP.bookinfo"
	assert_output "Error from server (Forbidden): pods \"$PP\" is forbidden: User \"bob\" cannot get resource \"pods/portforward\" in API group \"\" in the namespace \"bookinfo\"
Error from server (Forbidden): pods \"$PP\" is forbidden: User \"bob\" cannot get resource \"pods/exec\" in API group \"\" in the namespace \"bookinfo\""
	[ ! -s "$OUT" ]
}

@test "config POD: a pod without a sidecar, or that does not exist, is a clear error at once" {
	start_proxy_server alice
	config 2 clusters "$LEGACY.legacy"
	assert_output "error: pod \"$LEGACY\" has no istio-proxy sidecar container"
	config 2 clusters nope.bookinfo
	assert_output 'Error from server (NotFound): pods "nope" not found'
	run fake_requests
	assert_output - <<EOF
GET /api/v1/namespaces/legacy/pods/$LEGACY 200
GET /api/v1/namespaces/bookinfo/pods/nope 404
EOF
}

@test "config POD: an Envoy that answers 503, and one whose admin port does not listen" {
	serve_text bookinfo "$PP" 15000 config_dump $'server is not ready yet\n'
	serve_text bookinfo "$PP" 15000 config_dump.status 503
	start_proxy_server alice
	config 2 clusters "$PP.bookinfo"
	assert_output "error: port-forward to pod bookinfo/$PP port 15000: GET /config_dump?mask=dynamic_active_clusters,dynamic_warming_clusters,static_clusters answered 503 Service Unavailable: server is not ready yet"
	[ ! -s "$OUT" ]
	config 2 clusters "$REVIEWS.bookinfo"
	assert_output --partial "error: port-forward to pod bookinfo/$REVIEWS port 15000: error forwarding port 15000 to pod "
	assert_output --partial 'connect: connection refused'
}

@test "config POD: a truncated or non-JSON dump from the pod is an error with its position" {
	head -c 5000 "$PC/config_dump.json" >"$BATS_TEST_TMPDIR/trunc.json"
	serve bookinfo "$PP" 15000 config_dump "$BATS_TEST_TMPDIR/trunc.json"
	serve_text bookinfo "$RATINGS" 15000 config_dump 'upstream connect error or disconnect/reset before headers'
	serve_text bookinfo "$RATINGS" 15000 'clusters%3Fformat=json' '{"cluster_statuses": ['
	start_proxy_server alice
	config 2 clusters "$PP.bookinfo"
	assert_output "error: the config dump of pod bookinfo/$PP is not valid JSON: unexpected end of JSON input at line 151, column 19"
	config 2 listeners "$RATINGS.bookinfo"
	assert_output "error: the config dump of pod bookinfo/$RATINGS is not valid JSON: invalid character 'u' looking for beginning of value at line 1, column 1"
	config 2 endpoints "$RATINGS.bookinfo"
	assert_output "error: the /clusters answer of pod bookinfo/$RATINGS is not valid JSON: unexpected end of JSON input at line 1, column 23"
	[ ! -s "$OUT" ]
}

# details_pod NAME VERSION PHASE [READY-SINCE]: a pod of app details, ready since READY-SINCE when given.
details_pod() {
	local ready='[{type: Ready, status: "False"}]'
	[ -n "${4:-}" ] && ready="[{type: Ready, status: \"True\", lastTransitionTime: \"$4\"}]"
	cat <<EOF
---
apiVersion: v1
kind: Pod
metadata:
  name: $1
  namespace: bookinfo
  labels: {app: details, version: $2}
spec:
  nodeName: node-1
  containers: [{name: istio-proxy, image: docker.io/istio/proxyv2:1.24.2}]
status:
  phase: $3
  conditions: $ready
EOF
}

@test "config deploy/NAME: the pod kubectl logs would pick (scheduled, running, ready, ready longest)" {
	mkdir -p "$BATS_TEST_TMPDIR/data"
	{
		cat <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: details-v1
  namespace: bookinfo
spec:
  selector:
    matchLabels:
      app: details
    matchExpressions:
    - key: version
      operator: In
      values: [v1]
EOF
		details_pod details-v1-a-pending v1 Pending
		details_pod details-v1-b-not-ready v1 Running
		details_pod details-v1-c-ready-later v1 Running 2025-01-02T00:00:00Z
		details_pod details-v1-d-ready-first v1 Running 2025-01-01T00:00:00Z
		details_pod details-v2-other-version v2 Running 2024-01-01T00:00:00Z
	} >"$BATS_TEST_TMPDIR/data/details.yaml"
	serve bookinfo details-v1-d-ready-first 15000 config_dump "$AUTHZ/configdump.yaml"
	start_proxy_server alice --data "$BATS_TEST_TMPDIR/data"
	config 0 rbac deploy/details-v1.bookinfo
	authz_check_golden >"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT"
	run fake_requests
	assert_output - <<'EOF'
GET /apis/apps/v1/namespaces/bookinfo/deployments/details-v1 200
GET /api/v1/namespaces/bookinfo/pods 200
GET /api/v1/namespaces/bookinfo/pods/details-v1-d-ready-first 200
GET /api/v1/namespaces/bookinfo/pods/details-v1-d-ready-first/portforward?ports=15000 101
EOF
	config 2 rbac sts/details-v1.bookinfo
	assert_output 'Error from server (NotFound): statefulsets.apps "details-v1" not found'
}
