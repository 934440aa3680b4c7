#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 3 figures: kubectl mesh-tls on a generated mesh of 10,000 pods,
# 3,000 services, 1,000 PeerAuthentications and 1,000 DestinationRules.
# Offline: check -A (whole process < 2 s, peak RSS < 300 MiB) and trace
# (< 50 ms).  Live: check -A against the fake API server holding the same
# objects, and its ratio to kubectl's bare fetch of those kinds.
set -eu
. "$(dirname "$0")/lib.sh"
bench_init "$@"
BENCH_WIDTH=30
BIN="$MESH_BUILD/bin/kubectl-mesh_tls"

# 100 namespaces: most inject sidecars (a few pods opted out, a few
# excluding port 9000 outbound), every tenth is legacy (no sidecar), every
# twentieth from the tenth is ambient.  Per namespace: 30 services (named
# and numeric targetPorts, some with a second and third port), 100 pods
# spread over them, a namespace policy (STRICT or PERMISSIVE) and nine
# workload policies (STRICT, PERMISSIVE, UNSET, DISABLE; some with
# portLevelMtls), ten DestinationRules (short, exact cross-namespace and
# wildcard hosts; ISTIO_MUTUAL, load-balancer-only and port-level DISABLE
# policies; exportTo ".", a workloadSelector; subsets).
awk -v pods=10000 -v services=3000 -v pas=1000 -v drs=1000 '
function q(s) { return "\"" s "\"" }
function sep() { if (n++) printf(",\n") }
function nsname(i) { return sprintf("ns-%03d", i) }
function kind_of(i) { return i % 10 == 7 ? "legacy" : (i % 20 == 9 ? "ambient" : "mesh") }
function ts(i) { return sprintf("2026-01-%02dT%02d:%02d:00Z", 1 + i % 28, i % 24, i % 60) }

function namespace(i,    k, labels) {
	k = kind_of(i)
	labels = q("kubernetes.io/metadata.name") ":" q(nsname(i))
	if (k == "mesh")
		labels = labels "," q("istio-injection") ":" q("enabled")
	if (k == "ambient")
		labels = labels "," q("istio.io/dataplane-mode") ":" q("ambient")
	sep()
	printf("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":%s,\"labels\":{%s}}}", q(nsname(i)), labels)
}

function service(i, s,    ports) {
	ports = "{\"name\":\"http\",\"port\":80,\"targetPort\":\"http\"}"
	if (s % 5 == 0)
		ports = ports ",{\"name\":\"tcp-data\",\"port\":9000,\"targetPort\":9000}"
	if (s % 7 == 3)
		ports = ports ",{\"name\":\"grpc\",\"port\":7070}"
	sep()
	printf("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"svc-%02d\",\"namespace\":%s},\"spec\":{\"selector\":{\"app\":\"svc-%02d\"},\"clusterIP\":\"10.96.%d.%d\",\"ports\":[%s]}}",
	       s, q(nsname(i)), s, i, s, ports)
}

function pod(i, p, nsvc,    s, k, sidecar, labels, ann, containers, hash) {
	s = p % nsvc
	k = kind_of(i)
	sidecar = k == "mesh" && p % 23 != 5
	hash = sprintf("%05x%04x", i * 7 + s, s * 13 + 7)
	labels = "\"app\":\"svc-" sprintf("%02d", s) "\",\"version\":\"v" (1 + p % 2) "\",\"pod-template-hash\":" q(hash)
	if (sidecar)
		labels = labels ",\"security.istio.io/tlsMode\":\"istio\",\"service.istio.io/canonical-name\":\"svc-" sprintf("%02d", s) "\""
	if (k == "mesh" && !sidecar)
		labels = labels ",\"sidecar.istio.io/inject\":\"false\""
	ann = ""
	if (sidecar)
		ann = "\"sidecar.istio.io/status\":\"{\\\"containers\\\":[\\\"istio-proxy\\\"],\\\"revision\\\":\\\"default\\\"}\""
	if (sidecar && p % 41 == 3)
		ann = ann ",\"traffic.sidecar.istio.io/excludeOutboundPorts\":\"9000\""
	containers = "{\"name\":\"app\",\"image\":\"registry.example.com/app:1.0\",\"ports\":[{\"name\":\"http\",\"containerPort\":8080},{\"name\":\"data\",\"containerPort\":9000},{\"name\":\"grpc\",\"containerPort\":7070}]}"
	if (sidecar)
		containers = containers ",{\"name\":\"istio-proxy\",\"image\":\"docker.io/istio/proxyv2:1.24.2\",\"ports\":[{\"name\":\"http-envoy-prom\",\"containerPort\":15090}]}"
	sep()
	printf("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"svc-%02d-%s-p%03d\",\"namespace\":%s,\"labels\":{%s},\"annotations\":{%s},\"creationTimestamp\":%s,\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"svc-%02d-%s\",\"uid\":\"u\",\"controller\":true}]},\"spec\":{\"serviceAccountName\":\"svc-%02d\",\"containers\":[%s]},\"status\":{\"phase\":\"Running\",\"podIP\":\"10.%d.%d.%d\"}}",
	       s, hash, p, q(nsname(i)), labels, ann, q(ts(p)), s, hash, s, containers, 1 + i, int(p / 250), p % 250)
}

function pa(i, j, nsvc,    spec, mode, name) {
	mode = j % 4 == 0 ? "STRICT" : (j % 4 == 1 ? "PERMISSIVE" : (j % 4 == 2 ? "UNSET" : "DISABLE"))
	if (j == 0) {
		name = "default"
		spec = "{\"mtls\":{\"mode\":\"" (i % 3 == 0 ? "STRICT" : "PERMISSIVE") "\"}}"
	} else {
		name = sprintf("svc-%02d-mtls", (j * 3) % nsvc)
		spec = "{\"selector\":{\"matchLabels\":{\"app\":\"svc-" sprintf("%02d", (j * 3) % nsvc) "\"}},\"mtls\":{\"mode\":\"" mode "\"}"
		if (j % 3 == 0)
			spec = spec ",\"portLevelMtls\":{\"9000\":{\"mode\":\"PERMISSIVE\"}}"
		spec = spec "}"
	}
	sep()
	printf("{\"apiVersion\":\"security.istio.io/v1\",\"kind\":\"PeerAuthentication\",\"metadata\":{\"name\":%s,\"namespace\":%s,\"creationTimestamp\":%s},\"spec\":%s}",
	       q(name), q(nsname(i)), q(ts(i + j)), spec)
}

function dr(i, j, nsvc,    host, tp, extra, s, name) {
	s = (j * 7) % nsvc
	name = sprintf("svc-%02d-%d", s, j)
	host = sprintf("svc-%02d", s)
	if (j == 5)
		host = "*." nsname(i) ".svc.cluster.local"
	if (j == 6)
		host = sprintf("svc-%02d.%s.svc.cluster.local", s, nsname((i + 1) % 100))
	tp = j % 3 == 0 ? "{\"tls\":{\"mode\":\"ISTIO_MUTUAL\"}}" : (j % 3 == 1 ? "{\"loadBalancer\":{\"simple\":\"LEAST_REQUEST\"}}" : "{\"connectionPool\":{\"tcp\":{\"maxConnections\":100}},\"portLevelSettings\":[{\"port\":{\"number\":9000},\"tls\":{\"mode\":\"DISABLE\"}}]}")
	extra = ""
	if (j == 8)
		extra = ",\"exportTo\":[\".\"]"
	if (j == 9)
		extra = ",\"workloadSelector\":{\"matchLabels\":{\"app\":\"svc-01\"}}"
	sep()
	printf("{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"DestinationRule\",\"metadata\":{\"name\":%s,\"namespace\":%s,\"creationTimestamp\":%s},\"spec\":{\"host\":%s,\"trafficPolicy\":%s,\"subsets\":[{\"name\":\"v1\",\"labels\":{\"version\":\"v1\"}},{\"name\":\"v2\",\"labels\":{\"version\":\"v2\"}}]%s}}",
	       q(name), q(nsname(i)), q(ts(j)), q(host), tp, extra)
}

BEGIN {
	nns = 100
	nsvc = int(services / nns)
	npod = int(pods / nns)
	npa = int(pas / nns)
	ndr = int(drs / nns)
	printf("{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[\n")
	sep()
	printf("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"istio-system\"}}")
	sep()
	printf("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"istio\",\"namespace\":\"istio-system\"},\"data\":{\"mesh\":\"rootNamespace: istio-system\\ntrustDomain: cluster.local\\n\"}}")
	for (i = 0; i < nns; i++) {
		namespace(i)
		for (s = 0; s < nsvc; s++)
			service(i, s)
		for (p = 0; p < npod; p++)
			pod(i, p, nsvc)
		for (j = 0; j < npa; j++)
			pa(i, j, nsvc)
		for (j = 0; j < ndr; j++)
			dr(i, j, nsvc)
	}
	printf("\n]}\n")
}
' >"$BENCH_TMP/mesh.json"

echo "== generated mesh: $(bench_count Pod) pods, $(bench_count Service) services, $(bench_count PeerAuthentication) PeerAuthentications, $(bench_count DestinationRule) DestinationRules ($(du -h "$BENCH_TMP/mesh.json" | cut -f1) of JSON)"

# check exits 1 when a pair is BROKEN, as many are here.
check() { "$BIN" check -A "$@"; [ $? -le 1 ]; }
bench_best r 3 bash -c "$(declare -f check); BIN=$BIN check -f $BENCH_TMP/mesh.json"
bench_report "check -A (offline)" "$r" 2000
"$BIN" check -A -f "$BENCH_TMP/mesh.json" -o json >"$BENCH_TMP/check.json" || true
echo "   $(grep -o '"pairs": [0-9]*' "$BENCH_TMP/check.json" | head -1 | cut -d' ' -f2) client x service port pairs"

# trace: a sidecar client of ns-003 calling a service of ns-004.
POD=svc-00-000150007-p000.ns-003
bench_best r 5 "$BIN" trace "pod/$POD" svc/svc-02.ns-004:80 -f "$BENCH_TMP/mesh.json"
bench_report "trace (offline)" "$r" 50

bench_live_start
bench_best live 3 bash -c "$(declare -f check); BIN=$BIN check"
bench_best kube 3 kubectl get pods,services,peerauthentications,destinationrules -A -o json
bench_live_report "check -A" "check -A (live)" "$live" 2000 "kubectl get pods,services,pa,dr -A -o json" "$kube"
