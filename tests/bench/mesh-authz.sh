#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 4 figures: kubectl mesh-authz on a generated mesh of 10,000 service
# accounts and 2,000 AuthorizationPolicies with mixed rules.  Offline: can-i
# (< 50 ms), who-can over every identity (< 500 ms), lint -A (< 2 s), peak
# RSS (< 300 MiB).  Live: can-i against the fake API server holding the
# same objects, and its ratio to kubectl's bare fetch of policies, pods and
# service accounts.
set -eu
MESH_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MESH_BUILD=$(cd "${1:-$MESH_ROOT/build}" && pwd)
. "$MESH_ROOT/tests/bench/lib.sh"
bench_need /usr/bin/time time
trap 'bench_fake_stop; rm -rf "$GEN"' EXIT
GEN=$(mktemp -d)
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
}' >"$GEN/mesh.json"

count() { grep -o "\"kind\":\"$1\"" "$GEN/mesh.json" | wc -l; }
echo "== generated mesh: $(count ServiceAccount) service accounts, $(count AuthorizationPolicy) AuthorizationPolicies, $(count Pod) pods, $(count Service) services ($(du -h "$GEN/mesh.json" | cut -f1) of JSON)"

report() {
	# report LABEL "SECONDS KB" TARGET_MS
	local ms
	ms=$(awk -v s="${2%% *}" 'BEGIN { printf "%.0f", s * 1000 }')
	printf '%-34s %6s ms   peak RSS %6s MiB   (target < %s ms, < 300 MiB)\n' "$1" "$ms" "$(mib "${2##* }")" "$3"
}

TARGET="--to svc/svc-3.ns-042"
bench_best r 5 "$BIN" can-i GET /api/v1/items $TARGET --from sa/sa-07.ns-017 --from-ip 10.42.1.1 -f "$GEN/mesh.json"
report "can-i (offline)" "$r" 50
bench_best r 3 "$BIN" who-can GET /api/v1/items $TARGET -f "$GEN/mesh.json"
report "who-can, every identity (offline)" "$r" 500
# lint exits 1 when it finds errors, as it does here.
lint() { "$BIN" lint -A -f "$GEN/mesh.json"; [ $? -le 1 ]; }
bench_best r 3 bash -c "$(declare -f lint); BIN=$BIN GEN=$GEN lint"
report "lint -A (offline)" "$r" 2000

if ! command -v kubectl >/dev/null 2>&1; then
	echo "== live: kubectl is not installed; skipped"
	exit 0
fi
mkdir -p "$GEN/data"
mv "$GEN/mesh.json" "$GEN/data/mesh.json"
bench_fake_start "$GEN/data"
bench_best live 5 "$BIN" can-i GET /api/v1/items $TARGET --from sa/sa-07.ns-017 --from-ip 10.42.1.1
bench_best kube 5 kubectl get authorizationpolicies,pods,serviceaccounts -A -o json
echo "== live, against the fake API server"
report "can-i (live)" "$live" 50
printf '%-34s %6s ms\n' "kubectl get ap,pods,sa -A -o json" "$(awk -v s="${kube%% *}" 'BEGIN { printf "%.0f", s * 1000 }')"
echo "can-i / kubectl bare fetch: $(ratio "${live%% *}" "${kube%% *}") (below 1 beats kubectl)"
