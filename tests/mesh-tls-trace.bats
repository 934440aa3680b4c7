#!/usr/bin/env bats
# kubectl mesh-tls trace: one scenario per rule of tls-semantics.md, offline
# (-f) through the real kubectl, plus the bad-input errors and a live run
# against the fake API server.

load test_helper/common

setup() {
	_common_setup
	FX="$MESH_ROOT/tests/fixtures/tls"
	EX="$MESH_ROOT/examples"
}

# trace FIXTURE... -- ARGS...: trace on base.yaml plus the fixtures, as JSON.
trace_json() {
	local files=(-f "$FX/base.yaml")
	while [ "$1" != -- ]; do
		files+=(-f "$FX/$1.yaml")
		shift
	done
	shift
	run kubectl mesh-tls trace "$@" "${files[@]}" -o json
}

# The documented fields of the last JSON output on one line.
fields() {
	jq -c '[.verdict, .client.mode, .client.source, .server.mode, .server.policy, .server.target_port]' <<<"$output"
}

# The steps of the last JSON output (common and per endpoint) as text lines.
steps() {
	jq -r '(.steps + ([.server.endpoints[].steps] | add // []))[] | "\(.side) \(.step) \(.object): \(.detail) (\(.rule))"' <<<"$output"
}

@test "trace: the incident's call as it works today (example mesh, text)" {
	run -0 kubectl mesh-tls trace deploy/billing.legacy svc/payments.shop:8080 -f "$EX/mesh"
	assert_output - <<'OUT'
SIDE     STEP        OBJECT                            DECISION
target   service     shop/payments                     port 8080 "http-api" (HTTP), targetPort "http" (resolved per pod) (P1, P2)
target   host        payments.shop.svc.cluster.local   the name DestinationRules match (P4)
client   pod         legacy/billing-6f8d9c7b5-r2v4l    no sidecar, not in ambient (H1, M1)
server   pod         shop/payments-5d9c7b8f6-m3x9t     sidecar istio-proxy; targetPort "http" is port 9090 (H1, M1, P1)
server   mesh        istio-system/default              PeerAuthentication mode PERMISSIVE (S1, S6)
server   namespace   -                                 no namespace-level PeerAuthentication in shop: inherits PERMISSIVE (S7)
server   workload    -                                 no workload-level PeerAuthentication selects the pod: inherits PERMISSIVE (S7)
server   port        9090                              no portLevelMtls entry for target port 9090: PERMISSIVE (S6)
server   mode        istio-system/default              PERMISSIVE, enforced by the sidecar (S10, W2)
client   mode        legacy/billing-6f8d9c7b5-r2v4l    PLAINTEXT_NO_SIDECAR: the client has no sidecar and is not in ambient (H1, M1)

Verdict:  PLAINTEXT
Reason:   legacy/billing-6f8d9c7b5-r2v4l sends plaintext: the client has no sidecar and is not in ambient (H1, M1); shop/payments-5d9c7b8f6-m3x9t accepts it in PERMISSIVE mode (istio-system/default, W2)
Fix:      for mTLS: inject a sidecar into legacy/billing-6f8d9c7b5-r2v4l (label namespace legacy istio-injection=enabled and restart the pod)
OUT
}

@test "trace: the incident after mesh-wide STRICT: BROKEN with curl's exit 56 (W1, W5), exit 1" {
	run -1 kubectl mesh-tls trace deploy/billing.legacy svc/payments.shop:8080 -f "$EX/mesh" -f "$EX/incident/mesh-wide-strict.yaml"
	assert_line --index 5 "server   mesh        istio-system/default              PeerAuthentication mode STRICT (S1, S6)"
	assert_line "Verdict:  BROKEN"
	assert_line "Reason:   legacy/billing-6f8d9c7b5-r2v4l sends plaintext: the client has no sidecar and is not in ambient (H1, M1); shop/payments-5d9c7b8f6-m3x9t requires mTLS on port 9090: STRICT from istio-system/default (W1)"
	assert_line "Symptom:  TCP reset / EOF: curl prints status 000 and exits 56 (\"Recv failure: Connection reset by peer\"); the server sidecar logs NR filter_chain_not_found"
	assert_line "Fix:      inject a sidecar into legacy/billing-6f8d9c7b5-r2v4l (label namespace legacy istio-injection=enabled and restart the pod), or let port 9090 accept plaintext: a PeerAuthentication in shop selecting app=payments with portLevelMtls 9090: PERMISSIVE"
}

@test "trace: the incident the other way: a mesh-wide ISTIO_MUTUAL rule toward billing (A1, W5)" {
	run -1 kubectl mesh-tls trace deploy/payments.shop svc/billing.legacy:8080 -f "$EX/mesh" -f "$EX/incident/mesh-wide-mtls-rule.yaml" -o json
	assert_equal "$(fields)" '["BROKEN","ISTIO_MUTUAL","dr istio-system/mtls-everywhere","PERMISSIVE","istio-system/default",8080]'
	assert_equal "$(jq -r .symptom <<<"$output")" 'HTTP 503 "upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: TLS error: ... WRONG_VERSION_NUMBER" (client flags UF,URX); the application may log a 400 or a garbage request'
	assert_equal "$(jq -r .fix <<<"$output")" "remove tls.mode ISTIO_MUTUAL from DestinationRule istio-system/mtls-everywhere (auto mTLS then sends plaintext to pods without a sidecar), or inject a sidecar into legacy/billing-6f8d9c7b5-r2v4l"
	assert_equal "$(steps | grep 'client dr')" "client dr shop: client namespace: no DestinationRule for billing.legacy.svc.cluster.local (D1)
client dr legacy: service namespace: no DestinationRule for billing.legacy.svc.cluster.local (D1)
client dr istio-system/mtls-everywhere: wildcard host *.local matches, found in the root namespace istio-system (D1, D5)"
}

@test "trace -o json: the documented vocabulary and nothing else at the top" {
	trace_json -- pod/sleep-1.client svc/web.app:80
	[ "$status" -eq 0 ]
	assert_equal "$(jq -c 'keys' <<<"$output")" '["client","fix","reason","server","steps","symptom","verdict"]'
	assert_equal "$(jq -c '.client | keys' <<<"$output")" '["ambient","mode","sidecar","source","workload"]'
	assert_equal "$(jq -c '.server | keys' <<<"$output")" '["endpoints","mode","policy","port","service","target_port"]'
	assert_equal "$(jq -c '.server.endpoints[0] | keys' <<<"$output")" '["ambient","client","enforced","fix","mode","pod","policy","reason","sidecar","steps","symptom","target_port","verdict"]'
	assert_equal "$(jq -c '[.client.workload, .client.sidecar, .server.service, .server.port, .symptom, .fix]' <<<"$output")" '["client/sleep-1",true,"app/web",80,null,null]'
}

@test "trace -o yaml prints the same document as YAML" {
	run -0 kubectl mesh-tls trace pod/sleep-1.client svc/web.app:80 -f "$FX/base.yaml" -o yaml
	assert_line "verdict: MTLS"
	assert_line "  source: auto-mtls"
}

# --- P: resolving the target ---

@test "P1: a named targetPort is resolved on the pod; server.port stays the service port" {
	trace_json -- pod/sleep-1.client svc/web.app:http
	assert_equal "$(jq -c '[.server.port, .server.target_port]' <<<"$output")" '[80,8080]'
	assert_equal "$(steps | grep '^server pod')" 'server pod app/web-1: sidecar istio-proxy; targetPort "http" is port 8080 (H1, M1, P1)'
}

@test "P1: a port without targetPort forwards to the same number" {
	trace_json p1-direct -- pod/sleep-1.client svc/direct.app:8080
	assert_equal "$(fields)" '["MTLS","ISTIO_MUTUAL","auto-mtls","PERMISSIVE",null,8080]'
	assert_equal "$(steps | grep 'target service')" 'target service app/direct: port 8080 "http" (HTTP), no targetPort: the same number (P1, P2)'
}

@test "P3: endpoints are judged one by one; the verdict is the worst (text names it)" {
	run -1 kubectl mesh-tls trace pod/curl-1.legacy svc/web.app:80 -f "$FX/base.yaml" -f "$FX/p3-mixed.yaml" -f "$FX/mesh-strict.yaml"
	assert_line "server   verdict     app/web-1                   BROKEN (P3)"
	assert_line "server   verdict     app/web-2                   PLAINTEXT (P3)"
	assert_line "server   mode        istio-system/default        STRICT, not enforced: no proxy on the server (S10, S11)"
	assert_line "Endpoint: app/web-1 (the worst of 2)"
}

@test "P3: auto mTLS gives mTLS to the sidecar endpoint and plaintext to the other" {
	trace_json p3-mixed -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(jq -c '[.server.endpoints[] | [.pod, .verdict, .client.mode]]' <<<"$output")" '[["app/web-1","MTLS","ISTIO_MUTUAL"],["app/web-2","PLAINTEXT","DISABLE"]]'
	assert_equal "$(fields)" '["PLAINTEXT","DISABLE","auto-mtls","PERMISSIVE",null,8080]'
}

@test "P3: a Service without endpoints is BROKEN (no healthy upstream)" {
	run -1 kubectl mesh-tls trace pod/sleep-1.client svc/ghost.app:80 -f "$FX/base.yaml" -f "$FX/p3-no-endpoints.yaml"
	assert_line "Reason:   service app/ghost has no endpoints: no running pod in app matches its selector app=ghost (P3)"
	assert_line 'Symptom:  HTTP 503 "no healthy upstream" (flag UH) from a sidecar client; connection refused or a timeout without one'
}

@test "P4, D6: DestinationRules match the FQDN; a short host means the rule's own namespace" {
	trace_json d6-short-host -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(fields)" '["MTLS","ISTIO_MUTUAL","auto-mtls","PERMISSIVE",null,8080]'
	assert_equal "$(steps | grep 'target host')" 'target host web.app.svc.cluster.local: the name DestinationRules match (P4)'
	assert_equal "$(steps | grep -c 'no DestinationRule for web.app.svc.cluster.local')" 3
}

# --- H: who has a proxy ---

@test "H1: an istio-proxy native sidecar (initContainers) is a sidecar" {
	trace_json h1-native-sidecar -- pod/native-1.client svc/web.app:80
	assert_equal "$(jq -c '[.client.sidecar, .client.mode]' <<<"$output")" '[true,"ISTIO_MUTUAL"]'
}

@test "H1, M1: a pod without sidecar sends PLAINTEXT_NO_SIDECAR (source no-sidecar)" {
	trace_json -- pod/curl-1.legacy svc/web.app:80
	assert_equal "$(fields)" '["PLAINTEXT","PLAINTEXT_NO_SIDECAR","no-sidecar","PERMISSIVE",null,8080]'
}

@test "H3: a sidecar pod labelled tlsMode=disabled gets plaintext; STRICT makes it BROKEN (503 UC)" {
	trace_json h3-label-disabled -- pod/sleep-1.client svc/web.app:80
	[ "$status" -eq 1 ]
	assert_equal "$(fields)" '["BROKEN","DISABLE","auto-mtls","STRICT","istio-system/default",8080]'
	assert_equal "$(jq -r .symptom <<<"$output")" 'HTTP 503 "upstream connect error or disconnect/reset before headers. reset reason: connection termination" (client flags UC, URX after retries); the server sidecar logs NR filter_chain_not_found'
	assert_equal "$(jq -r .fix <<<"$output" | cut -d, -f1)" 'remove the label security.istio.io/tlsMode=disabled from app/web-1 (the injector then sets istio)'
}

@test "H3: a pod without sidecar that carries tlsMode=istio receives mTLS it cannot handle" {
	trace_json h3-copied-label -- pod/sleep-1.client svc/copy.app:80
	[ "$status" -eq 1 ]
	assert_equal "$(fields)" '["BROKEN","ISTIO_MUTUAL","auto-mtls","PERMISSIVE",null,8080]'
	assert_equal "$(jq -r .fix <<<"$output")" 'remove the label security.istio.io/tlsMode=istio from app/copy-1: it has no sidecar (H3)'
}

@test "H4: an excluded outbound port behaves like a client without sidecar" {
	trace_json h4-exclude-outbound -- pod/sleep-1.client svc/web.app:80
	[ "$status" -eq 1 ]
	assert_equal "$(fields)" '["BROKEN","PLAINTEXT_NO_SIDECAR","no-sidecar","STRICT","istio-system/default",8080]'
	assert_equal "$(steps | grep 'client pod -')" 'client pod -: port 80 is in traffic.sidecar.istio.io/excludeOutboundPorts: the sidecar is bypassed (H4)'
}

@test "H4: an excluded inbound port hands auto mTLS to the application" {
	trace_json h4-exclude-inbound -- pod/sleep-1.client svc/web.app:80
	[ "$status" -eq 1 ]
	assert_equal "$(fields)" '["BROKEN","ISTIO_MUTUAL","auto-mtls","PERMISSIVE",null,8080]'
	assert_equal "$(jq -c '.server.endpoints[0].enforced' <<<"$output")" false
	assert_equal "$(steps | grep 'server mode')" 'server mode -: PERMISSIVE, not enforced: port 8080 is in traffic.sidecar.istio.io/excludeInboundPorts (H4, S11)'
}

@test "H6, A2: a sidecar with auto mTLS off and no rule sends plaintext (source none)" {
	trace_json h6-auto-off -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(fields)" '["PLAINTEXT","DISABLE","none","PERMISSIVE",null,8080]'
	assert_equal "$(steps | grep 'auto-mtls')" 'client auto-mtls meshConfig: enableAutoMtls is false: no DestinationRule tls means plaintext (A2, H6)'
}

# --- S: which PeerAuthentication applies ---

@test "S1: a selector-less policy is namespace-level whatever its name" {
	trace_json s1-namespace-strict -- pod/curl-1.legacy svc/web.app:80
	[ "$status" -eq 1 ]
	assert_equal "$(fields)" '["BROKEN","PLAINTEXT_NO_SIDECAR","no-sidecar","STRICT","app/not-default",8080]'
	assert_equal "$(steps | grep 'server namespace')" 'server namespace app/not-default: PeerAuthentication mode STRICT (S1, S6)'
}

@test "S2: a policy in the client's namespace never affects the server" {
	trace_json s2-client-namespace -- pod/curl-1.legacy svc/web.app:80
	assert_equal "$(fields)" '["PLAINTEXT","PLAINTEXT_NO_SIDECAR","no-sidecar","PERMISSIVE",null,8080]'
}

@test "S3: a selector policy in the root namespace selects nothing" {
	trace_json s3-root-selector -- pod/curl-1.legacy svc/web.app:80
	assert_equal "$(fields)" '["PLAINTEXT","PLAINTEXT_NO_SIDECAR","no-sidecar","PERMISSIVE",null,8080]'
}

@test "S4: selector {} and matchLabels {} are namespace-level and compete under S5" {
	trace_json s4-empty-selector -- pod/curl-1.legacy svc/web.app:80
	assert_equal "$(fields)" '["PLAINTEXT","PLAINTEXT_NO_SIDECAR","no-sidecar","DISABLE","app/b-empty-labels",8080]'
	assert_equal "$(steps | grep 'server namespace')" 'server namespace app/b-empty-labels: PeerAuthentication mode DISABLE (S1, S6)
server namespace app/a-empty-selector: PeerAuthentication ignored: app/b-empty-labels is older (S5)'
}

@test "S5: oldest namespace-level policy wins, ties by name" {
	trace_json s5-tie -- pod/curl-1.legacy svc/web.app:80
	assert_equal "$(fields)" '["PLAINTEXT","PLAINTEXT_NO_SIDECAR","no-sidecar","DISABLE","app/a-disable",8080]'
	assert_equal "$(steps | grep 'S5')" 'server namespace app/b-strict: PeerAuthentication ignored: same age as app/a-disable, whose name sorts first (S5)'
}

@test "S5: of two workload-level policies selecting the pod, the oldest wins" {
	trace_json s5-workload -- pod/curl-1.legacy svc/web.app:80
	assert_equal "$(fields)" '["PLAINTEXT","PLAINTEXT_NO_SIDECAR","no-sidecar","PERMISSIVE","app/old-permissive",8080]'
	assert_equal "$(steps | grep 'S5')" 'server workload app/new-strict: PeerAuthentication ignored: app/old-permissive is older (S5)'
}

@test "S6: mesh, namespace, workload, then port: the port entry decides target port 8080 only" {
	trace_json s6-port-level -- pod/curl-1.legacy svc/web.app:80
	assert_equal "$(fields)" '["PLAINTEXT","PLAINTEXT_NO_SIDECAR","no-sidecar","DISABLE","app/web-ports",8080]'
	assert_equal "$(steps | grep 'server port')" 'server port app/web-ports: portLevelMtls 8080: DISABLE (S6, S9)'
	trace_json s6-port-level -- pod/curl-1.legacy svc/web.app:9000
	assert_equal "$(fields)" '["PLAINTEXT","PLAINTEXT_NO_SIDECAR","no-sidecar","PERMISSIVE","app/web-ports",9000]'
}

@test "S7: UNSET inherits at namespace, workload and port level" {
	trace_json s7-unset -- pod/curl-1.legacy svc/web.app:80
	assert_equal "$(fields)" '["BROKEN","PLAINTEXT_NO_SIDECAR","no-sidecar","STRICT","istio-system/default",8080]'
	assert_equal "$(steps | grep 'UNSET')" 'server namespace app/default: PeerAuthentication mode UNSET: inherits STRICT (S7)
server workload app/web-unset: PeerAuthentication mode UNSET: inherits STRICT (S7)
server port app/web-unset: portLevelMtls 8080: UNSET, inherits STRICT (S7)'
}

@test "S7, S10: a mesh policy without mode leaves PERMISSIVE and the policy is null" {
	trace_json s7-mesh-unset -- pod/curl-1.legacy svc/web.app:80
	assert_equal "$(fields)" '["PLAINTEXT","PLAINTEXT_NO_SIDECAR","no-sidecar","PERMISSIVE",null,8080]'
}

@test "S8: portLevelMtls on a namespace-level policy is dropped" {
	trace_json s8-port-no-selector -- pod/curl-1.legacy svc/web.app:80
	assert_equal "$(fields)" '["BROKEN","PLAINTEXT_NO_SIDECAR","no-sidecar","STRICT","app/default",8080]'
	assert_equal "$(steps | grep 'S8')" 'server namespace app/default: portLevelMtls ignored: only a policy with a selector may set it (S8)'
}

@test "S9: a portLevelMtls key equal to the service port does not match the target port" {
	trace_json s9-service-port-key -- pod/curl-1.legacy svc/web.app:80
	assert_equal "$(fields)" '["BROKEN","PLAINTEXT_NO_SIDECAR","no-sidecar","STRICT","app/web",8080]'
	assert_equal "$(steps | grep 'S9')" 'server port 8080: portLevelMtls has 80, the service port, not target port 8080: no match, STRICT (S9)'
}

@test "S11: STRICT on a pod without sidecar is computed but not enforced: PLAINTEXT" {
	trace_json s11-nonmesh-strict -- pod/sleep-1.client svc/plain.app:80
	assert_equal "$(fields)" '["PLAINTEXT","DISABLE","auto-mtls","STRICT","istio-system/default",8080]'
	assert_equal "$(jq -r .reason <<<"$output")" 'client/sleep-1 sends plaintext: auto mTLS: the server pod has no security.istio.io/tlsMode label (A4, H3); app/plain-1 has no proxy, so its computed mode STRICT (istio-system/default) is not enforced (S11)'
}

# --- D: which DestinationRule applies ---

@test "D1: the client namespace's rule wins over the service namespace's" {
	trace_json d1-client-namespace -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(fields)" '["PLAINTEXT","DISABLE","dr client/web","PERMISSIVE",null,8080]'
}

@test "D1: then the service namespace, before the root namespace" {
	trace_json d1-service-namespace -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(fields)" '["MTLS","ISTIO_MUTUAL","dr app/web","PERMISSIVE",null,8080]'
	trace_json d1-root -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(fields)" '["PLAINTEXT","DISABLE","dr istio-system/default","PERMISSIVE",null,8080]'
}

@test "D2: a rule exported only elsewhere is not used in its own namespace" {
	trace_json d2-export-elsewhere -- pod/tester-1.app svc/web.app:80
	assert_equal "$(fields)" '["MTLS","ISTIO_MUTUAL","auto-mtls","PERMISSIVE",null,8080]'
	trace_json d2-export-elsewhere -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(fields)" '["PLAINTEXT","DISABLE","dr app/web","PERMISSIVE",null,8080]'
}

@test "D3: the most specific rule is not exported: the step yields nothing, the wildcard is not tried" {
	trace_json d3-not-exported -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(fields)" '["MTLS","ISTIO_MUTUAL","auto-mtls","PERMISSIVE",null,8080]'
	assert_equal "$(steps | grep D3)" 'client dr app: service namespace: the most specific rule for web.app.svc.cluster.local is not exported to client (D3)'
}

@test "D4: a private rule in the root namespace applies only to clients there" {
	trace_json d4-root-private -- pod/probe-1.istio-system svc/web.app:80
	assert_equal "$(fields)" '["PLAINTEXT","DISABLE","dr istio-system/private","PERMISSIVE",null,8080]'
	trace_json d4-root-private -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(fields)" '["MTLS","ISTIO_MUTUAL","auto-mtls","PERMISSIVE",null,8080]'
}

@test "D5: an exact host beats wildcards; the longest wildcard beats shorter ones" {
	trace_json d5-wildcards -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(fields)" '["MTLS","ISTIO_MUTUAL","dr client/wild-app","PERMISSIVE",null,8080]'
	trace_json d5-wildcards d5-exact -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(fields)" '["PLAINTEXT","DISABLE","dr client/exact","PERMISSIVE",null,8080]'
}

@test "D7: two rules for one host merge; the newer tls is dropped, its subsets kept" {
	trace_json d7-merge -- pod/sleep-1.client svc/web.app:80 --subset v2
	assert_equal "$(fields)" '["MTLS","ISTIO_MUTUAL","auto-mtls","PERMISSIVE",null,8080]'
	assert_equal "$(steps | grep D7)" 'client dr app/web-new: merged into the same rule: its subsets are added, its trafficPolicy only if none yet (D7)'
}

@test "D8: rules with different exportTo stay apart; the newest visible one is used" {
	trace_json d8-export-differs -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(fields)" '["MTLS","ISTIO_MUTUAL","dr app/b","PERMISSIVE",null,8080]'
}

@test "D9: a workloadSelector rule applies to the clients it selects" {
	trace_json d9-selector -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(fields)" '["PLAINTEXT","DISABLE","dr client/sleep-only","PERMISSIVE",null,8080]'
}

@test "D10: a selector rule that does not select the client still stops the lookup" {
	trace_json d9-selector -- pod/other-1.client svc/web.app:80
	assert_equal "$(fields)" '["MTLS","ISTIO_MUTUAL","auto-mtls","PERMISSIVE",null,8080]'
	assert_equal "$(steps | grep D10)" 'client dr client: client namespace has rules for web.app.svc.cluster.local but none applies to this client: the lookup stops here (D10)'
}

@test "D11: a port-level entry replaces the top-level policy, tls included" {
	trace_json d11-port-level -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(fields)" '["MTLS","ISTIO_MUTUAL","dr app/web","PERMISSIVE",null,8080]'
	trace_json d11-port-level -- pod/sleep-1.client svc/web.app:9000
	assert_equal "$(fields)" '["MTLS","ISTIO_MUTUAL","auto-mtls","PERMISSIVE",null,9000]'
	assert_equal "$(steps | grep 'client port')" 'client port app/web: portLevelSettings 9000 replaces the top-level policy: no tls (D11, P2)
client port app/web: endpoint metadata still reads the top-level tls ISTIO_MUTUAL (D12)'
}

@test "D12: top-level DISABLE with a port entry lacking tls: endpoints marked plaintext" {
	trace_json d12-top-disable -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(fields)" '["PLAINTEXT","DISABLE","dr app/web","PERMISSIVE",null,8080]'
	assert_equal "$(steps | grep 'client mode')" 'client mode app/web: DISABLE: endpoint metadata reads tls DISABLE from DestinationRule app/web (D12)'
}

@test "D13: a subset's tls applies only to calls routed to it; its port entry clears it" {
	trace_json d13-subset -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(fields)" '["MTLS","ISTIO_MUTUAL","dr app/web","PERMISSIVE",null,8080]'
	trace_json d13-subset -- pod/sleep-1.client svc/web.app:80 --subset v1
	assert_equal "$(fields)" '["PLAINTEXT","DISABLE","dr app/web","PERMISSIVE",null,8080]'
	assert_equal "$(jq -r .server.subset <<<"$output")" v1
	trace_json d13-subset -- pod/sleep-1.client svc/web.app:80 --subset v2
	assert_equal "$(fields)" '["MTLS","ISTIO_MUTUAL","dr app/web","PERMISSIVE",null,8080]'
	assert_equal "$(steps | grep D13)" 'client subset app/web: subset v2 sets no tls for port 80: the rule'"'"'s policy stays (D13)'
}

@test "D14: client.source names the rule, auto-mtls, no-sidecar, ztunnel or none" {
	trace_json d1-root -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(jq -r .client.source <<<"$output")" "dr istio-system/default"
	trace_json -- pod/curl-1.legacy svc/web.app:80
	assert_equal "$(jq -r .client.source <<<"$output")" "no-sidecar"
	trace_json m-ambient -- pod/c-1.amb svc/a.amb:80
	assert_equal "$(jq -r .client.source <<<"$output")" "ztunnel"
}

@test "D15: SIMPLE with credentialName on a rule without selector: the sidecar sends plaintext" {
	trace_json d15-credential -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(fields)" '["PLAINTEXT","DISABLE","dr app/web","PERMISSIVE",null,8080]'
}

# --- A: what the sidecar sends ---

@test "A1: ISTIO_MUTUAL toward a pod without sidecar is BROKEN (WRONG_VERSION_NUMBER)" {
	trace_json a1-mutual-to-plain -- pod/sleep-1.client svc/plain.app:80
	[ "$status" -eq 1 ]
	assert_equal "$(fields)" '["BROKEN","ISTIO_MUTUAL","dr app/plain","PERMISSIVE",null,8080]'
}

@test "A1: tls DISABLE toward a STRICT server is BROKEN (503 connection termination)" {
	trace_json a1-disable-to-strict -- pod/sleep-1.client svc/web.app:80
	[ "$status" -eq 1 ]
	assert_equal "$(fields)" '["BROKEN","DISABLE","dr app/web","STRICT","istio-system/default",8080]'
	assert_equal "$(jq -r .fix <<<"$output" | cut -d, -f1)" 'remove tls.mode DISABLE from DestinationRule app/web (auto mTLS then decides) or set it to ISTIO_MUTUAL'
}

@test "A3: namespace DISABLE plus workload STRICT breaks sidecar clients" {
	trace_json a3-namespace-disable -- pod/sleep-1.client svc/web.app:80
	[ "$status" -eq 1 ]
	assert_equal "$(fields)" '["BROKEN","DISABLE","auto-mtls","STRICT","app/web-strict",8080]'
	assert_equal "$(steps | grep A3)" 'client auto-mtls app/default: service namespace/mesh mode DISABLE: plaintext for the whole service (A3)
client mode client/sleep-1: DISABLE: auto mTLS sees mode DISABLE at namespace/mesh level (app/default) for the whole service (A3)'
}

@test "A4: a workload-level DISABLE turns auto mTLS off for that endpoint" {
	trace_json a4-workload-disable -- pod/sleep-1.client svc/web.app:80
	assert_equal "$(fields)" '["PLAINTEXT","DISABLE","auto-mtls","DISABLE","app/web-off",8080]'
}

@test "A5: a headless service is all-or-nothing: plaintext to all, BROKEN at the STRICT endpoint" {
	trace_json a5-headless -- pod/sleep-1.client svc/db.app:5432
	[ "$status" -eq 1 ]
	assert_equal "$(fields)" '["BROKEN","DISABLE","auto-mtls","STRICT","app/db-strict",5432]'
	assert_equal "$(jq -c '[.server.endpoints[] | [.pod, .verdict]]' <<<"$output")" '[["app/db-0","BROKEN"],["app/db-1","PLAINTEXT"]]'
	assert_equal "$(jq -r .symptom <<<"$output")" 'connection reset/closed, no HTTP status; the server sidecar logs NR filter_chain_not_found'
}

# --- W: wire behaviour ---

@test "W2: SIMPLE TLS to a PERMISSIVE sidecar breaks on HTTP ports, reaches the app on TCP ports" {
	trace_json w2-simple -- pod/sleep-1.client svc/web.app:80
	[ "$status" -eq 1 ]
	assert_equal "$(fields)" '["BROKEN","SIMPLE","dr app/web","PERMISSIVE",null,8080]'
	trace_json w2-simple -- pod/sleep-1.client svc/web.app:9000
	[ "$status" -eq 0 ]
	assert_equal "$(fields)" '["PLAINTEXT","SIMPLE","dr app/web","PERMISSIVE",null,9000]'
}

@test "W3: Istio mTLS to a DISABLE sidecar: 503 and the server's 400 DPE" {
	trace_json w3-mutual-to-disable -- pod/sleep-1.client svc/web.app:80
	[ "$status" -eq 1 ]
	assert_equal "$(fields)" '["BROKEN","ISTIO_MUTUAL","dr app/web","DISABLE","app/web-off",8080]'
	assert_equal "$(jq -r .symptom <<<"$output")" 'HTTP 503 "upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: TLS error: ... WRONG_VERSION_NUMBER" (client flags UF,URX); the server sidecar logs 400 with flag DPE'
}

# --- M: ambient ---

@test "M1: a pod is ambient through its namespace label unless it opts out" {
	trace_json m-ambient -- pod/c-1.amb svc/web.app:80
	assert_equal "$(jq -c '[.client.sidecar, .client.ambient]' <<<"$output")" '[false,true]'
	trace_json m-ambient -- pod/b-1.amb svc/web.app:80
	assert_equal "$(jq -c '[.client.sidecar, .client.ambient, .client.mode]' <<<"$output")" '[false,false,"PLAINTEXT_NO_SIDECAR"]'
}

@test "M2: ambient STRICT rejects plaintext at the destination ztunnel" {
	trace_json m-ambient -- pod/curl-1.legacy svc/a.amb:80
	[ "$status" -eq 1 ]
	assert_equal "$(fields)" '["BROKEN","PLAINTEXT_NO_SIDECAR","no-sidecar","STRICT","amb/default",8080]'
	assert_equal "$(jq -r .symptom <<<"$output")" 'connection reset by the destination ztunnel, which logs a policy rejection of a non-HBONE connection'
}

@test "M2: DISABLE is ignored by ztunnel and acts as PERMISSIVE" {
	trace_json m-ambient m2-disable -- pod/curl-1.legacy svc/a.amb:80
	assert_equal "$(fields)" '["PLAINTEXT","PLAINTEXT_NO_SIDECAR","no-sidecar","DISABLE","amb/a-off",8080]'
	assert_equal "$(steps | grep 'server mode')" 'server mode amb/a-off: DISABLE, enforced by ztunnel (DISABLE is ignored: acts as PERMISSIVE) (S10, M2)'
}

@test "M3: ztunnel to ztunnel is HBONE, whatever the policy" {
	trace_json m-ambient -- pod/c-1.amb svc/a.amb:80
	assert_equal "$(fields)" '["MTLS","HBONE","ztunnel","STRICT","amb/default",8080]'
}

@test "M4: a sidecar tunnels to an ambient endpoint over HBONE" {
	trace_json m-ambient -- pod/sleep-1.client svc/a.amb:80
	assert_equal "$(fields)" '["MTLS","HBONE","auto-mtls","STRICT","amb/default",8080]'
}

@test "M5, W4: ztunnel sends HBONE only to tunnel-capable sidecars; plaintext to others breaks STRICT" {
	trace_json m-ambient -- pod/c-1.amb svc/tunnel.app:80
	assert_equal "$(fields)" '["MTLS","HBONE","ztunnel","PERMISSIVE",null,8080]'
	trace_json m-ambient s1-namespace-strict -- pod/c-1.amb svc/web.app:80
	[ "$status" -eq 1 ]
	assert_equal "$(fields)" '["BROKEN","DISABLE","ztunnel","STRICT","app/not-default",8080]'
}

@test "M6: an ambient client reaches a non-mesh destination in plaintext" {
	trace_json m-ambient -- pod/c-1.amb svc/curl.legacy:80
	assert_equal "$(fields)" '["PLAINTEXT","DISABLE","ztunnel","PERMISSIVE",null,8080]'
}

# --- workloads ---

@test "trace deploy/: every pod is traced and the worst kept; -n applies without NAME.NS" {
	run -0 kubectl mesh-tls trace deploy/orders svc/payments:http-api -n shop -f "$EX/mesh" -o json
	assert_equal "$(fields)" '["MTLS","ISTIO_MUTUAL","auto-mtls","PERMISSIVE","istio-system/default",9090]'
	assert_equal "$(jq -r .client.workload <<<"$output")" "shop/orders-5d9c7b8f6-q4n8s"
}

# --- bad input ---

@test "bad input: a missing pod, deployment or service (offline wording), exit 2" {
	run -2 --separate-stderr kubectl mesh-tls trace pod/nope.legacy svc/payments.shop:8080 -f "$EX/mesh"
	assert_equal "$stderr" 'error: pod "nope" not found in namespace "legacy"'
	assert_output ""
	run -2 --separate-stderr kubectl mesh-tls trace deploy/nope.legacy svc/payments.shop:8080 -f "$EX/mesh"
	assert_equal "$stderr" 'error: deployment "nope" not found in namespace "legacy"'
	run -2 --separate-stderr kubectl mesh-tls trace deploy/billing.legacy svc/nope.shop:8080 -f "$EX/mesh"
	assert_equal "$stderr" 'error: service "nope" not found in namespace "shop"'
}

@test "bad input: a port the service does not have, exit 2" {
	run -2 --separate-stderr kubectl mesh-tls trace deploy/billing.legacy svc/payments.shop:9999 -f "$EX/mesh"
	assert_equal "$stderr" 'error: service "payments" has no port 9999 (ports: 8080)'
}

@test "bad input: a subset no DestinationRule defines, exit 2" {
	run -2 --separate-stderr kubectl mesh-tls trace deploy/orders.shop svc/payments.shop:8080 --subset v3 -f "$EX/mesh"
	assert_equal "$stderr" 'error: no DestinationRule defines subset "v3" for host payments.shop.svc.cluster.local'
	run -2 --separate-stderr kubectl mesh-tls trace deploy/billing.legacy svc/payments.shop:8080 --subset v3 -f "$EX/mesh"
	assert_equal "$stderr" 'error: no DestinationRule defines subset "v3" for host payments.shop.svc.cluster.local'
	run -0 kubectl mesh-tls trace deploy/orders.shop svc/payments.shop:8080 --subset v1 -f "$EX/mesh"
}

@test "bad input: a malformed policy or rule, exit 2" {
	run -2 --separate-stderr kubectl mesh-tls trace pod/curl-1.legacy svc/web.app:80 -f "$FX/base.yaml" -f "$FX/bad-pa-mode.yaml"
	assert_equal "$stderr" 'error: PeerAuthentication app/x: unknown mtls mode "STRIKT"'
	run -2 --separate-stderr kubectl mesh-tls trace pod/curl-1.legacy svc/web.app:80 -f "$FX/base.yaml" -f "$FX/bad-dr-mode.yaml"
	assert_equal "$stderr" 'error: DestinationRule app/x: unknown tls mode "ISTIO_MUTAL"'
}

@test "bad input: FROM and TO must name the right kinds, exit 2" {
	run -2 --separate-stderr kubectl mesh-tls trace svc/web.app pod/curl-1.legacy -f "$FX/base.yaml"
	assert_equal "$stderr" "error: FROM must be pod/NAME, deploy/NAME, sts/NAME or ds/NAME (NAME.NAMESPACE also works), got \"svc/web.app\"
See 'kubectl mesh-tls trace -h' for help and examples."
	run -2 --separate-stderr kubectl mesh-tls trace pod/curl-1.legacy svc/web.app -f "$FX/base.yaml"
	assert_equal "$stderr" "error: TO must be svc/NAME:PORT (NAME.NAMESPACE also works), got \"svc/web.app\"
See 'kubectl mesh-tls trace -h' for help and examples."
}

@test "unknown fields in policies are tolerated, with a warning at -v=1" {
	run -0 --separate-stderr kubectl mesh-tls trace pod/sleep-1.client svc/web.app:80 -f "$FX/base.yaml" -f "$FX/unknown-fields.yaml" -o json
	assert_equal "$stderr" ""
	run -0 --separate-stderr kubectl mesh-tls trace pod/sleep-1.client svc/web.app:80 -f "$FX/base.yaml" -f "$FX/unknown-fields.yaml" -o json -v=1
	assert_equal "$stderr" 'Warning: PeerAuthentication app/extra-fields: unknown field "spec.foo"
Warning: DestinationRule app/extra-tls: unknown field "spec.trafficPolicy.tls.bogus"'
	assert_equal "$(jq -r .client.source <<<"$output")" "dr app/extra-tls"
}

# --- live ---

@test "trace live against the API server prints what the offline trace prints" {
	load test_helper/fake-server
	FAKE_DATA="$EX/mesh" fake_start
	fake_kubeconfig_token alice
	run -0 kubectl mesh-tls trace deploy/billing.legacy svc/payments.shop:8080 -f "$EX/mesh"
	local offline="$output"
	run -0 kubectl mesh-tls trace deploy/billing.legacy svc/payments.shop:8080
	assert_equal "$output" "$offline"
	assert_equal "$(fake_requests 'select(.path | test("pods|services"))' | sort)" "GET /api/v1/namespaces/legacy/pods?limit=500 200
GET /api/v1/namespaces/legacy/services?limit=500 200
GET /api/v1/namespaces/shop/pods?limit=500 200
GET /api/v1/namespaces/shop/services?limit=500 200"
	run -2 --separate-stderr kubectl mesh-tls trace pod/nope.legacy svc/payments.shop:8080
	assert_equal "$stderr" 'Error from server (NotFound): pods "nope" not found'
	fake_stop
}

@test "trace -f JSON: the pre-filter reads only what the call needs and answers the same" {
	local yaml=(-f "$FX/base.yaml" -f "$FX/mesh-strict.yaml" -f "$FX/d9-selector.yaml" -f "$FX/d4-root-private.yaml" -f "$FX/p3-mixed.yaml" -f "$FX/d2-export-elsewhere.yaml")
	local call
	for call in "pod/sleep-1.client svc/web.app:80" "pod/other-1.client svc/web.app:80" "pod/probe-1.istio-system svc/web.app:80" "pod/curl-1.legacy svc/web.app:80" "pod/tester-1.app svc/web.app:80"; do
		run kubectl mesh-tls trace $call "${yaml[@]}" -o json
		local from_yaml="$output"
		run kubectl mesh-tls trace $call -f "$FX/json-mesh.json" -o json
		assert_equal "$output" "$from_yaml"
	done
	run -1 kubectl mesh-tls trace pod/curl-1.legacy svc/web.app:80 -f "$FX/json-mesh.json"
	assert_line "Verdict:  BROKEN"
	printf '{"apiVersion": "v1", "kind": "List", "items": [{"kind": "Pod",' >"$BATS_TEST_TMPDIR/cut.json"
	run -2 --separate-stderr kubectl mesh-tls trace pod/curl-1.legacy svc/web.app:80 -f "$BATS_TEST_TMPDIR/cut.json"
	assert_equal "$stderr" "error: error parsing $BATS_TEST_TMPDIR/cut.json: json: line 1 column 62: string or '}' expected near end of file"
}
