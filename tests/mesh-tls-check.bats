#!/usr/bin/env bats
# kubectl mesh-tls check: every client x service port pair, policy findings,
# and --what-if, the pre-flight check for the course module's incident.

load test_helper/common

setup() {
	_common_setup
	FX="$MESH_ROOT/tests/fixtures/tls"
	EX="$MESH_ROOT/examples"
}

@test "check -A on the example mesh: nothing broken, exit 0" {
	run -0 kubectl mesh-tls check -A -f "$EX/mesh"
	assert_output - <<'OUT'
No broken pairs, no plaintext against STRICT, no policy findings.

Summary: 16 pairs (4 client workloads x 4 service ports): 9 MTLS, 7 PLAINTEXT, 0 BROKEN; 0 plaintext against STRICT
OUT
}

@test "check --what-if: mesh-wide STRICT would break billing (the course module's incident), exit 1" {
	run -1 kubectl mesh-tls check -A -f "$EX/mesh" --what-if "$EX/incident/mesh-wide-strict.yaml"
	assert_output - <<'OUT'
VERDICT CHANGES (3)
CLIENT                  SERVICE                  BEFORE      AFTER    REASON
deploy/billing.legacy   svc/frontend.shop:80     PLAINTEXT   BROKEN   legacy/billing-6f8d9c7b5-r2v4l sends plaintext: the client has no sidecar and is not in ambient (H1, M1); shop/frontend-5d9c7b8f6-k7w2p requires mTLS on port 8080: STRICT from istio-system/default (W1)
deploy/billing.legacy   svc/orders.shop:8080     PLAINTEXT   BROKEN   legacy/billing-6f8d9c7b5-r2v4l sends plaintext: the client has no sidecar and is not in ambient (H1, M1); shop/orders-5d9c7b8f6-q4n8s requires mTLS on port 8080: STRICT from istio-system/default (W1)
deploy/billing.legacy   svc/payments.shop:8080   PLAINTEXT   BROKEN   legacy/billing-6f8d9c7b5-r2v4l sends plaintext: the client has no sidecar and is not in ambient (H1, M1); shop/payments-5d9c7b8f6-m3x9t requires mTLS on port 9090: STRICT from istio-system/default (W1)

Before: 16 pairs (4 client workloads x 4 service ports): 9 MTLS, 7 PLAINTEXT, 0 BROKEN; 0 plaintext against STRICT
After:  16 pairs (4 client workloads x 4 service ports): 9 MTLS, 4 PLAINTEXT, 3 BROKEN; 4 plaintext against STRICT
OUT
}

@test "check --what-if the other way: a mesh-wide ISTIO_MUTUAL rule would break calls to billing (A1)" {
	run -1 kubectl mesh-tls check -A -f "$EX/mesh" --what-if "$EX/incident/mesh-wide-mtls-rule.yaml" -o json
	assert_equal "$(jq -c '.summary | [.changed, .new_broken, .before.broken, .after.broken]' <<<"$output")" '[3,3,0,3]'
	assert_equal "$(jq -c '.changes[] | [.clients, .service, .before.verdict, .after.verdict, .after.client_mode, .after.server_mode, .after.endpoint]' <<<"$output")" '[["deploy/frontend.shop","deploy/orders.shop","deploy/payments.shop"],"svc/billing.legacy:8080","PLAINTEXT","BROKEN","ISTIO_MUTUAL","PERMISSIVE","legacy/billing-6f8d9c7b5-r2v4l"]'
}

@test "check --what-if with nothing that changes a verdict, exit 0" {
	run -0 kubectl mesh-tls check -A -f "$EX/mesh" --what-if "$EX/mesh/shop.yaml"
	assert_line --index 0 "No verdict changes."
}

@test "check --what-if: a new pod changes other pairs (P3) and brings pairs without BEFORE; bad files exit 2" {
	run -0 kubectl mesh-tls check -A -f "$FX/base.yaml" --what-if "$FX/p3-mixed.yaml" -o json
	assert_equal "$(jq -c '[.changes[] | [.clients, .service, .before.verdict, .after.verdict]]' <<<"$output")" '[[["pod/sleep-1.client","pod/web-1.app"],"svc/web.app:80","MTLS","PLAINTEXT"],[["pod/web-2.app"],"svc/web.app:80",null,"PLAINTEXT"],[["pod/sleep-1.client","pod/web-1.app"],"svc/web.app:9000","MTLS","PLAINTEXT"],[["pod/web-2.app"],"svc/web.app:9000",null,"PLAINTEXT"]]'
	assert_equal "$(jq -c '.summary | [.changed, .new_broken, .before.pairs, .after.pairs]' <<<"$output")" '[6,0,6,8]'
	run -2 --separate-stderr kubectl mesh-tls check -A -f "$FX/base.yaml" --what-if "$FX/nope.yaml"
	assert_equal "$stderr" "error: the path \"$FX/nope.yaml\" does not exist"
	run -2 --separate-stderr kubectl mesh-tls check -A -f "$FX/base.yaml" --what-if "$FX/bad-pa-mode.yaml"
	assert_equal "$stderr" 'error: PeerAuthentication app/x: unknown mtls mode "STRIKT"'
}

@test "check: rows group clients and services failing alike; the policy mistakes (S3, S5, S8, H2, A1/W1), exit 1" {
	run -1 kubectl mesh-tls check -A -f "$FX/base.yaml" -f "$FX/check-findings.yaml"
	assert_output - <<'OUT'
BROKEN (2)
CLIENTS                              SERVICES                           CLIENT MODE            SERVER MODE   REASON
pod/curl-1.legacy, pod/stale-1.app   svc/web.app:80, svc/web.app:9000   PLAINTEXT_NO_SIDECAR   STRICT        legacy/curl-1 sends plaintext: the client has no sidecar and is not in ambient (H1, M1); app/web-1 requires mTLS on port 8080: STRICT from app/default (W1)
pod/sleep-1.client                   svc/web.app:80, svc/web.app:9000   DISABLE                STRICT        client/sleep-1 sends plaintext: tls DISABLE in DestinationRule client/web wins over auto mTLS (A1); app/web-1 requires mTLS on port 8080: STRICT from app/default (W1)

POLICY FINDINGS (5)
RULE     OBJECT                                       FINDING
A1, W1   DestinationRule client/web                   sets tls DISABLE for svc/web.app:80, whose endpoint app/web-1 runs STRICT (app/default) (and 1 more service port)
H2       pod/stale-1.app                              namespace label istio-injection=enabled asks for a sidecar but pod app/stale-1 runs without one (created before the label?): restart it
S3       PeerAuthentication istio-system/web-strict   a policy with a selector in the root namespace selects nothing
S5       PeerAuthentication app/second                two namespace-level policies: this one is ignored, app/default is older and wins
S8       PeerAuthentication app/default               portLevelMtls without a selector is ignored (the API server rejects it)

Summary: 8 pairs (4 client workloads x 2 service ports): 2 MTLS, 0 PLAINTEXT, 6 BROKEN; 0 plaintext against STRICT
OUT
}

@test "check S1: a mesh-wide-looking policy outside the root namespace" {
	run -0 kubectl mesh-tls check -A -f "$FX/base.yaml" -f "$FX/check-root-elsewhere.yaml" -o json
	assert_equal "$(jq -c '.findings' <<<"$output")" '[{"message":"looks mesh-wide but the root namespace is istio-config: it applies to namespace istio-system only","object":"PeerAuthentication istio-system/default","rule":"S1"}]'
}

@test "check S11: plaintext against a STRICT intent is listed; -n keeps the pairs touching the namespace" {
	run -1 kubectl mesh-tls check -n legacy -f "$FX/base.yaml" -f "$FX/s11-nonmesh-strict.yaml"
	assert_line --index 0 "BROKEN (1)"
	assert_line "PLAINTEXT AGAINST STRICT (1)"
	assert_line "pod/curl-1.legacy   svc/plain.app:80   PLAINTEXT_NO_SIDECAR   STRICT        legacy/curl-1 sends plaintext: the client has no sidecar and is not in ambient (H1, M1); app/plain-1 has no proxy, so its computed mode STRICT (istio-system/default) is not enforced (S11)"
	assert_line "Summary: 3 pairs (1 client workload x 3 service ports): 0 MTLS, 1 PLAINTEXT, 2 BROKEN; 1 plaintext against STRICT"
}

@test "check -o json: summary counts, rows with every client and the deciding endpoint" {
	run -1 kubectl mesh-tls check -A -f "$FX/base.yaml" -f "$FX/p3-mixed.yaml" -f "$FX/mesh-strict.yaml" -f "$FX/p3-no-endpoints.yaml" -o json
	assert_equal "$(jq -c '.summary' <<<"$output")" '{"broken":4,"mtls":0,"no_endpoints":1,"pairs":8,"plaintext":4,"plaintext_strict":4,"service_ports":2,"workloads":4}'
	assert_equal "$(jq -c '[.broken[] | [.clients, .services, .verdict, .endpoint]]' <<<"$output")" '[[["pod/curl-1.legacy","pod/web-2.app"],["svc/web.app:80","svc/web.app:9000"],"BROKEN","app/web-1"]]'
	assert_equal "$(jq -c '[.plaintext_strict[] | [.clients, .services, .endpoint]]' <<<"$output")" '[[["pod/sleep-1.client","pod/web-1.app"],["svc/web.app:80","svc/web.app:9000"],"app/web-2"]]'
}

@test "check: clients that behave alike are grouped (ambient M3, no sidecar), so a row names several" {
	run -1 kubectl mesh-tls check -A -f "$FX/base.yaml" -f "$FX/m-ambient.yaml" -o json
	assert_equal "$(jq -c '[.broken[] | select(.services[0] == "svc/a.amb:80") | .clients]' <<<"$output")" '[["pod/b-1.amb","pod/curl-1.legacy"]]'
}

@test "check live against the API server: the incident caught before it is applied" {
	load test_helper/fake-server
	FAKE_DATA="$EX/mesh" fake_start
	fake_kubeconfig_token alice
	run -1 kubectl mesh-tls check -A -f "$EX/mesh" --what-if "$EX/incident/mesh-wide-strict.yaml"
	local offline="$output"
	run -1 kubectl mesh-tls check -A --what-if "$EX/incident/mesh-wide-strict.yaml"
	assert_equal "$output" "$offline"
	run -0 kubectl mesh-tls check -A
	assert_line "Summary: 16 pairs (4 client workloads x 4 service ports): 9 MTLS, 7 PLAINTEXT, 0 BROKEN; 0 plaintext against STRICT"
	fake_stop
}
