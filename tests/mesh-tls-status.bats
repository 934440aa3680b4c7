#!/usr/bin/env bats
# kubectl mesh-tls status: the server's effective mode per port and the
# DestinationRule each client namespace uses (offline, and live).

load test_helper/common

setup() {
	_common_setup
	FX="$MESH_ROOT/tests/fixtures/tls"
	EX="$MESH_ROOT/examples"
}

@test "status svc/: every port of every endpoint and the rule each client namespace uses (text)" {
	run -0 kubectl mesh-tls status svc/payments.shop -f "$EX/mesh"
	assert_output - <<'OUT'
POD                             PROXY     PORT   MODE         POLICY                 NOTE
shop/payments-5d9c7b8f6-m3x9t   sidecar   9090   PERMISSIVE   istio-system/default   <none>

SERVICE                  CLIENT NAMESPACES          DESTINATION RULE   SELECTOR   TLS
svc/payments.shop:8080   istio-system,legacy,shop   shop/payments      <none>     auto mTLS
OUT
}

@test "status deploy/: the mode after mesh-wide STRICT (S1, S6) and -n for the namespace" {
	run -0 kubectl mesh-tls status deploy/payments -n shop -f "$EX/mesh" -f "$EX/incident/mesh-wide-strict.yaml"
	assert_line --index 1 "shop/payments-5d9c7b8f6-m3x9t   sidecar   9090   STRICT   istio-system/default   <none>"
}

@test "status S11: a pod without sidecar has a computed mode that nothing enforces" {
	run -0 kubectl mesh-tls status svc/billing.legacy -f "$EX/mesh" -f "$EX/incident/mesh-wide-mtls-rule.yaml"
	assert_output - <<'OUT'
POD                              PROXY   PORT   MODE         POLICY                 NOTE
legacy/billing-6f8d9c7b5-r2v4l   none    8080   PERMISSIVE   istio-system/default   not enforced: no proxy (S11)

SERVICE                   CLIENT NAMESPACES          DESTINATION RULE               SELECTOR   TLS
svc/billing.legacy:8080   istio-system,legacy,shop   istio-system/mtls-everywhere   <none>     ISTIO_MUTUAL
OUT
}

@test "status D1, D4, D9, D11: per client namespace, per port; selector and root-private rules" {
	run -0 kubectl mesh-tls status svc/web.app -f "$FX/base.yaml" -f "$FX/d9-selector.yaml" -f "$FX/d4-root-private.yaml" -f "$FX/d11-port-level.yaml"
	assert_output - <<'OUT'
POD         PROXY     PORT   MODE         POLICY      NOTE
app/web-1   sidecar   8080   PERMISSIVE   (default)   <none>
app/web-1   sidecar   9000   PERMISSIVE   (default)   <none>

SERVICE            CLIENT NAMESPACES   DESTINATION RULE       SELECTOR    TLS
svc/web.app:80     istio-system        istio-system/private   <none>      DISABLE
svc/web.app:80     app,legacy          app/web                <none>      ISTIO_MUTUAL
svc/web.app:80     client              client/sleep-only      app=sleep   DISABLE
svc/web.app:9000   istio-system        istio-system/private   <none>      DISABLE
svc/web.app:9000   app,legacy          app/web                <none>      auto mTLS
svc/web.app:9000   client              client/sleep-only      app=sleep   DISABLE
OUT
}

@test "status S6, H4 -o json: port-level modes, policy and enforcement per port" {
	run -0 kubectl mesh-tls status pod/web-1.app -f "$FX/base.yaml" -f "$FX/s6-port-level.yaml" -f "$FX/h4-exclude-inbound.yaml" -o json
	assert_equal "$(jq -c '.pods' <<<"$output")" '[{"ambient":false,"pod":"app/web-1","ports":[{"enforced":false,"mode":"DISABLE","note":"not enforced: excluded from the sidecar (H4)","policy":"app/web-ports","port":8080},{"enforced":true,"mode":"PERMISSIVE","note":null,"policy":"app/web-ports","port":9000}],"sidecar":true}]'
	assert_equal "$(jq -c '[.services[].service, .services[0].ports[].port]' <<<"$output")" '["app/web",80,9000]'
}

@test "status M1, M2: an ambient pod; ztunnel ignores DISABLE; no rule anywhere shows *" {
	run -0 kubectl mesh-tls status pod/a-1.amb -f "$FX/base.yaml" -f "$FX/m-ambient.yaml" -f "$FX/m2-disable.yaml"
	assert_output - <<'OUT'
POD       PROXY     PORT   MODE      POLICY      NOTE
amb/a-1   ambient   8080   DISABLE   amb/a-off   ztunnel ignores DISABLE: acts as PERMISSIVE (M2)

SERVICE        CLIENT NAMESPACES   DESTINATION RULE   SELECTOR   TLS
svc/a.amb:80   *                   <none>             <none>     auto mTLS
OUT
}

@test "status -o yaml lists the rules with their source (D14)" {
	run -0 kubectl mesh-tls status svc/billing -n legacy -f "$EX/mesh" -f "$EX/incident/mesh-wide-mtls-rule.yaml" -o yaml
	assert_line "      source: dr istio-system/mtls-everywhere"
	assert_line "      tls: ISTIO_MUTUAL"
}

@test "status bad input: a missing service or pod, a wrong kind, exit 2" {
	run -2 --separate-stderr kubectl mesh-tls status svc/nope.shop -f "$EX/mesh"
	assert_equal "$stderr" 'error: service "nope" not found in namespace "shop"'
	run -2 --separate-stderr kubectl mesh-tls status pod/nope -n shop -f "$EX/mesh"
	assert_equal "$stderr" 'error: pod "nope" not found in namespace "shop"'
	run -2 --separate-stderr kubectl mesh-tls status foo/x -f "$EX/mesh"
	assert_equal "$stderr" "error: TARGET must be pod/NAME, deploy/NAME, sts/NAME, ds/NAME or svc/NAME (NAME.NAMESPACE also works), got \"foo/x\"
See 'kubectl mesh-tls status -h' for help and examples."
}

@test "status live against the API server: same answer, NotFound in kubectl's words" {
	load test_helper/fake-server
	FAKE_DATA="$EX/mesh" fake_start
	fake_kubeconfig_token alice
	run -0 kubectl mesh-tls status svc/payments.shop -f "$EX/mesh"
	local offline="$output"
	run -0 kubectl mesh-tls status svc/payments -n shop
	assert_equal "$output" "$offline"
	run -2 --separate-stderr kubectl mesh-tls status svc/nope -n shop
	assert_equal "$stderr" 'Error from server (NotFound): services "nope" not found'
	fake_stop
}

@test "status -f JSON: the pre-filter keeps every DestinationRule, so the table is the same" {
	run -0 kubectl mesh-tls status svc/web.app -f "$FX/base.yaml" -f "$FX/mesh-strict.yaml" -f "$FX/d9-selector.yaml" -f "$FX/d4-root-private.yaml" -f "$FX/p3-mixed.yaml" -f "$FX/d2-export-elsewhere.yaml"
	local from_yaml="$output"
	run -0 kubectl mesh-tls status svc/web.app -f "$FX/json-mesh.json"
	assert_equal "$output" "$from_yaml"
	assert_line "svc/web.app:80     client              client/sleep-only      app=sleep   DISABLE"
}
