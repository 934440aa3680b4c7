#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 4 figures: kubectl mesh-authz on a generated mesh of 10,000 service
# accounts and 2,000 AuthorizationPolicies with mixed rules.  Offline: can-i
# (< 50 ms), who-can over every identity (< 500 ms), lint -A (< 2 s), peak
# RSS (< 300 MiB).  Live: can-i against the fake API server holding the
# same objects, and its ratio to kubectl's bare fetch of policies, pods and
# service accounts.
set -eu
. "$(dirname "$0")/lib.sh"
bench_init "$@"
BENCH_WIDTH=34
BIN="$MESH_BUILD/bin/kubectl-mesh_authz"

# 200 namespaces x 50 service accounts, 10 workloads (pod + Service) per
# namespace, 1,980 namespaced policies (ALLOW by principals, namespaces and
# serviceAccounts with methods and paths, DENY with notNamespaces, JWT rules
# backed by a RequestAuthentication in every fourth namespace, ipBlocks,
# header conditions, AUDIT and dry-run) and 20 root-namespace policies.
awk -v nss=200 -v sas=50 -v wls=10 -v nspol=1980 -v rootpol=20 '
function q(s) { return "\"" s "\"" }
function ns(i) { return sprintf("ns-%03d", i) }
function sa(i, j) { return "cluster.local/ns/" ns(i) "/sa/" sprintf("sa-%02d", j) }
function item(s) { printf("%s%s\n", n++ ? "," : "", s) }
function meta(name, nsn) { return "\"metadata\":{\"name\":" q(name) (nsn == "" ? "" : ",\"namespace\":" q(nsn)) "}" }
function ap(name, nsn, body) {
	item("{\"apiVersion\":\"security.istio.io/v1\",\"kind\":\"AuthorizationPolicy\"," meta(name, nsn) ",\"spec\":{" body "}}")
}
function sel(k) { return "\"selector\":{\"matchLabels\":{\"app\":" q(sprintf("svc-%d", k)) "}}" }
function principals(i, k,    s, m) {
	s = ""
	for (m = 0; m < 4; m++)
		s = s (m ? "," : "") q(sa((i + k * 7 + m * 13) % nss, (k * 11 + m * 3) % sas))
	return "[" s "]"
}
function policy(i, p,    k, body, r) {
	k = (i * 3 + p) % (wls / 2)
	r = (i + p) % 9
	if (r == 0)
		body = sel(k) ",\"rules\":[{\"from\":[{\"source\":{\"principals\":" principals(i, p) "}}],\"to\":[{\"operation\":{\"methods\":[\"GET\",\"POST\"],\"paths\":[\"/api/*\"]}}]}]"
	else if (r == 1)
		body = sel(k) ",\"rules\":[{\"from\":[{\"source\":{\"namespaces\":[" q(ns((i + 1) % nss)) "," q(ns((i + 17) % nss)) "]}}],\"to\":[{\"operation\":{\"ports\":[\"8080\"],\"methods\":[\"GET\"]}}]}]"
	else if (r == 2)
		body = sel(k) ",\"action\":\"DENY\",\"rules\":[{\"from\":[{\"source\":{\"notNamespaces\":[" q(ns(i)) "]}}],\"to\":[{\"operation\":{\"paths\":[\"/admin/*\"]}}]}]"
	else if (r == 3)
		body = sel(k) ",\"rules\":[{\"from\":[{\"source\":{\"requestPrincipals\":[\"https://idp.example.com/*\"]}}],\"to\":[{\"operation\":{\"methods\":[\"GET\"]}}]}]"
	else if (r == 4)
		body = sel(k) ",\"rules\":[{\"from\":[{\"source\":{\"ipBlocks\":[\"10." (i % 250) ".0.0/16\"]}}]},{\"to\":[{\"operation\":{\"paths\":[\"/healthz\",\"/metrics\"]}}]}]"
	else if (r == 5)
		body = sel(k) ",\"rules\":[{\"from\":[{\"source\":{\"serviceAccounts\":[" q(sprintf("sa-%02d", p % sas)) "," q(ns((i + 3) % nss) "/sa-01") "]}}],\"when\":[{\"key\":\"request.headers[x-tenant]\",\"values\":[" q("t" p) "]}]}]"
	else if (r == 6)
		body = sel(k) ",\"action\":\"DENY\",\"rules\":[{\"from\":[{\"source\":{\"principals\":" principals(i + 5, p) "}}],\"to\":[{\"operation\":{\"methods\":[\"DELETE\"]}}]}]"
	else if (r == 7)
		body = sel(k) ",\"action\":\"AUDIT\",\"rules\":[{\"to\":[{\"operation\":{\"paths\":[\"/api/v1/*\"]}}]}]"
	else
		body = sel(k) ",\"rules\":[{\"from\":[{\"source\":{\"principals\":[" q(sa(i, p % sas)) "]}}],\"when\":[{\"key\":\"request.auth.claims[groups]\",\"values\":[\"admins\"]}]}]"
	ap(sprintf("pol-%d", p), ns(i), body)
}
BEGIN {
	printf("{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[\n")
	item("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\"," meta("istio-system", "") "}")
	item("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\"," meta("istio", "istio-system") ",\"data\":{\"mesh\":\"rootNamespace: istio-system\\ntrustDomain: cluster.local\\n\"}}")
	for (i = 0; i < nss; i++) {
		item("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\"," meta(ns(i), "") "}")
		for (j = 0; j < sas; j++)
			item("{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\"," meta(sprintf("sa-%02d", j), ns(i)) "}")
		for (k = 0; k < wls; k++) {
			item("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":" q(sprintf("svc-%d-7d9c6b5f4-%05d", k, i)) ",\"namespace\":" q(ns(i)) \
			     ",\"labels\":{\"app\":" q(sprintf("svc-%d", k)) ",\"version\":\"v1\",\"security.istio.io/tlsMode\":\"istio\"}" \
			     ",\"annotations\":{\"sidecar.istio.io/status\":\"{}\"}},\"spec\":{\"serviceAccountName\":" q(sprintf("sa-%02d", k)) \
			     ",\"containers\":[{\"name\":\"app\",\"image\":\"registry.example.com/app:1\",\"ports\":[{\"name\":\"http\",\"containerPort\":8080}]}," \
			     "{\"name\":\"istio-proxy\",\"image\":\"docker.io/istio/proxyv2:1.24.2\"}]},\"status\":{\"phase\":\"Running\",\"podIP\":\"10." (i % 250) "." k ".1\"}}")
			item("{\"apiVersion\":\"v1\",\"kind\":\"Service\"," meta(sprintf("svc-%d", k), ns(i)) ",\"spec\":{\"selector\":{\"app\":" q(sprintf("svc-%d", k)) "},\"ports\":[{\"name\":\"http\",\"port\":80,\"targetPort\":8080}]}}")
		}
		if (i % 4 == 0)
			item("{\"apiVersion\":\"security.istio.io/v1\",\"kind\":\"RequestAuthentication\"," meta("jwt", ns(i)) ",\"spec\":{\"jwtRules\":[{\"issuer\":\"https://idp.example.com\"}]}}")
	}
	for (p = 0; p < nspol; p++)
		policy(p % nss, int(p / nss))
	for (p = 0; p < rootpol; p++) {
		if (p % 2)
			ap(sprintf("mesh-%02d", p), "istio-system", sel(p % wls) ",\"action\":\"DENY\",\"rules\":[{\"to\":[{\"operation\":{\"paths\":[" q("/internal/" p "/*") "]}}]}]")
		else
			ap(sprintf("mesh-%02d", p), "istio-system", "\"action\":\"AUDIT\",\"rules\":[{\"from\":[{\"source\":{\"namespaces\":[" q(ns(p)) "]}}]}]")
	}
	printf("]}\n")
}' >"$BENCH_TMP/mesh.json"

echo "== generated mesh: $(bench_count ServiceAccount) service accounts, $(bench_count AuthorizationPolicy) AuthorizationPolicies, $(bench_count Pod) pods, $(bench_count Service) services ($(du -h "$BENCH_TMP/mesh.json" | cut -f1) of JSON)"

TARGET="--to svc/svc-3.ns-042"
bench_best r 5 "$BIN" can-i GET /api/v1/items $TARGET --from sa/sa-07.ns-017 --from-ip 10.42.1.1 -f "$BENCH_TMP/mesh.json"
bench_report "can-i (offline)" "$r" 50
bench_best r 3 "$BIN" who-can GET /api/v1/items $TARGET -f "$BENCH_TMP/mesh.json"
bench_report "who-can, every identity (offline)" "$r" 500
# lint exits 1 when it finds errors, as it does here.
lint() { "$BIN" lint -A -f "$BENCH_TMP/mesh.json"; [ $? -le 1 ]; }
bench_best r 3 bash -c "$(declare -f lint); BIN=$BIN BENCH_TMP=$BENCH_TMP lint"
bench_report "lint -A (offline)" "$r" 2000

bench_live_start
bench_best live 5 "$BIN" can-i GET /api/v1/items $TARGET --from sa/sa-07.ns-017 --from-ip 10.42.1.1
bench_best kube 5 kubectl get authorizationpolicies,pods,serviceaccounts -A -o json
bench_live_report "can-i" "can-i (live)" "$live" 50 "kubectl get ap,pods,sa -A -o json" "$kube"
