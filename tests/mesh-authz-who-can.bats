#!/usr/bin/env bats
# kubectl mesh-authz who-can: every identity that can make a call, offline,
# and --what-if.  Each test names the section of authz-semantics.md it checks.

load test_helper/common
load test_helper/fake-server
load test_helper/authz

setup() {
	_authz_setup
}

teardown() {
	fake_stop
}


mixed_policies() {
	pol p.yaml <<-'EOF'
	apiVersion: v1
	kind: ConfigMap
	metadata: {name: istio, namespace: istio-system}
	data:
	  mesh: |
	    caCertificates:
	    - pem: "-----BEGIN CERTIFICATE-----"
	      trustDomains: [other.td, partner.example]
	---
	apiVersion: security.istio.io/v1
	kind: RequestAuthentication
	metadata: {name: jwt, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  jwtRules:
	  - issuer: https://idp.example.com
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: allow, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  rules:
	  - from: [{source: {namespaces: [foo]}}]
	    to: [{operation: {methods: [GET]}}]
	  - from: [{source: {requestPrincipals: ["https://idp.example.com/*"]}}]
	  - from: [{source: {ipBlocks: [10.0.0.0/8]}}]
	    to: [{operation: {paths: [/health]}}]
	  - from: [{source: {principals: [other.td/ns/x/sa/y]}}]
	  - from: [{source: {trustDomains: [partner.example]}}]
	    to: [{operation: {paths: ["/partner/*"]}}]
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: deny, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  action: DENY
	  rules:
	  - to: [{operation: {paths: ["/admin/*"]}}]
	    when:
	    - key: request.headers[x-debug]
	      values: ["1"]
	EOF
}

@test "§2.2 who-can lists the identities that can call, with the deciding policy and rule" {
	run kubectl mesh-authz who-can POST /charge --to svc/payments.shop -f "$X/mesh"
	assert_success
	assert_output - <<-'OUT'
	IDENTITY                          DECISION   POLICY                              CONDITION
	cluster.local/ns/shop/sa/orders   ALLOW      shop/payments-allow-orders rule 0   -
	OUT
}

@test "§5.3 without METHOD and PATH the operation becomes a condition; service accounts without sidecars are marked" {
	run kubectl mesh-authz who-can --to svc/payments.shop -f "$X/mesh"
	assert_success
	assert_output - <<-'OUT'
	IDENTITY                             DECISION   POLICY                              CONDITION
	cluster.local/ns/legacy/sa/billing   ALLOW      shop/payments-allow-orders rule 1   only for method GET and for path /invoices/* (its pods run no sidecar: their calls are plaintext)
	cluster.local/ns/shop/sa/orders      ALLOW      shop/payments-allow-orders rule 0   only for method POST and for path /charge or /refund/*
	OUT
}

@test "§5.5 §5.6 §2.3 conditions: a JWT, an IP range, an open method, and a DENY that applies only sometimes" {
	mixed_policies
	run kubectl mesh-authz who-can GET /admin/x --to svc/httpbin.foo -f "$M" -f "$T/p.yaml"
	assert_success
	assert_line '(plaintext)                         ALLOW      foo/allow rule 1   only with a JWT from issuer https://idp.example.com; unless with header x-debug: 1'
	assert_line 'cluster.local/ns/foo/sa/sleep       ALLOW      foo/allow rule 0   unless with header x-debug: 1'
	run kubectl mesh-authz who-can --to svc/httpbin.foo -f "$M" -f "$T/p.yaml"
	assert_line 'cluster.local/ns/bar/sa/sleep       ALLOW      foo/allow rule 1   only with a JWT from issuer https://idp.example.com or (from 10.0.0.0/8 and for path /health); unless for path /admin/* and with header x-debug: 1'
}

@test "§5.1 §5.4 §5.5 §5.6 identity classes no service account holds: principals, trust domains, JWT principals, IP ranges" {
	mixed_policies
	run kubectl mesh-authz who-can GET /health --to svc/httpbin.foo -f "$M" -f "$T/p.yaml"
	assert_success
	assert_line 'other.td/ns/x/sa/y                  ALLOW      foo/allow rule 3   -'
	assert_line 'trust-domain:partner.example        ALLOW      foo/allow rule 0   only from namespace foo or with a JWT from issuer https://idp.example.com or from 10.0.0.0/8'
	assert_line 'jwt:https://idp.example.com/*       ALLOW      foo/allow rule 1   -'
	assert_line 'ip:10.0.0.0/8                       ALLOW      foo/allow rule 2   -'
	run kubectl mesh-authz who-can GET /partner/a --to svc/httpbin.foo -f "$M" -f "$T/p.yaml"
	assert_line 'trust-domain:partner.example        ALLOW      foo/allow rule 4   -'
}

@test "§11.1 JWT principals are no identity class when no RequestAuthentication selects the workload" {
	mixed_policies
	sed -i '/kind: RequestAuthentication/,/^---$/d' "$T/p.yaml"
	run kubectl mesh-authz who-can GET /health --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" -o json
	assert_success
	assert_equal "$(printf '%s' "$output" | jq -c '[.identities[] | select(.kind == "jwt")]')" '[]'
	assert_equal "$(printf '%s' "$output" | jq -c '[.identities[] | select(.kind == "plaintext") | .condition]')" '["only from 10.0.0.0/8"]'
}

@test "-o json: the request, every identity that can call and how many cannot" {
	run kubectl mesh-authz who-can POST /charge --to svc/payments.shop -f "$X/mesh" -o json
	assert_success
	assert_equal "$(printf '%s' "$output" | jq -c '{target, method, path, denied, protocol}')" \
		'{"target":"svc/payments.shop","method":"POST","path":"/charge","denied":5,"protocol":{"port":9090,"protocol":"HTTP","why":"Service payments port name \"http-api\""}}'
	assert_equal "$(printf '%s' "$output" | jq -c '.identities')" \
		'[{"allowed":true,"condition":null,"decision":"ALLOW","identity":"cluster.local/ns/shop/sa/orders","kind":"serviceaccount","namespace":"shop","policy":"shop/payments-allow-orders","rule":0,"service_account":"orders","sidecar":true}]'
}

@test "§9 CUSTOM: identities whose calls go to the authorizer are listed as CUSTOM" {
	need_fixtures
	run kubectl mesh-authz who-can GET /httpbin1 --to svc/httpbin.foo --port 80 -f "$W/workload.yaml" \
		-f "$B/http/custom-simple-http-in.yaml" -f "$W/mesh-grpc.yaml" -o json
	assert_success
	assert_equal "$(printf '%s' "$output" | jq -c '[.identities[] | .decision] | unique')" '["CUSTOM"]'
	assert_equal "$(printf '%s' "$output" | jq -c '[.identities[] | .identity]')" \
		'["cluster.local/ns/foo/sa/httpbin","cluster.local/ns/foo/sa/sleep","cluster.local/ns/my-ns/sa/my-sa","(plaintext)"]'
}

@test "§5.2 builder allow-full-rule: serviceAccounts no object holds become identities" {
	need_fixtures
	run kubectl mesh-authz who-can GET / --to svc/httpbin.foo --port 80 -f "$W/workload.yaml" \
		-f "$B/http/allow-full-rule-in.yaml"
	assert_success
	assert_output - <<-'OUT'
	IDENTITY                          DECISION   POLICY                 CONDITION
	cluster.local/ns/my-ns/sa/my-sa   ALLOW      foo/httpbin-1 rule 0   -
	cluster.local/ns/foo/sa/sa-only   ALLOW      foo/httpbin-1 rule 0   -
	OUT
}

@test "§8.2 on a TCP port only rules without HTTP-only fields count" {
	need_fixtures
	run kubectl mesh-authz who-can --to svc/httpbin.foo --port 8080 -f "$W/workload.yaml" \
		-f "$B/tcp/allow-both-http-tcp-in.yaml" -o json
	assert_success
	assert_equal "$(printf '%s' "$output" | jq -c '[.identities[] | .identity]')" '[]'
	run kubectl mesh-authz who-can --to svc/httpbin.foo --port 80 --protocol tcp -f "$W/workload.yaml" \
		-f "$B/tcp/allow-both-http-tcp-in.yaml" -o json
	assert_equal "$(printf '%s' "$output" | jq -c '[.identities[] | [.identity, .rule, .condition]]')" \
		'[["namespace:ns-1",3,null]]'
}

@test "--what-if shows who gains and who loses access" {
	run kubectl mesh-authz who-can GET /invoices/1 --to svc/payments.shop -f "$X/mesh" \
		--what-if "$X/authz/payments-v2.yaml"
	assert_success
	assert_output - <<-'OUT'
	CHANGE    IDENTITY                                  BEFORE                                      AFTER
	gains     cluster.local/ns/istio-system/sa/istiod   DENY                                        ALLOW (shop/payments-allow-orders rule 1); only from 10.244.2.0/24
	gains     cluster.local/ns/shop/sa/frontend         DENY                                        ALLOW (shop/payments-allow-orders rule 2)
	gains     cluster.local/ns/shop/sa/orders           DENY                                        ALLOW (shop/payments-allow-orders rule 1); only from 10.244.2.0/24
	gains     cluster.local/ns/shop/sa/payments         DENY                                        ALLOW (shop/payments-allow-orders rule 1); only from 10.244.2.0/24
	gains     (plaintext)                               DENY                                        ALLOW (shop/payments-allow-orders rule 1); only from 10.244.2.0/24
	gains     ip:10.244.2.0/24                          -                                           ALLOW (shop/payments-allow-orders rule 1)
	changes   cluster.local/ns/legacy/sa/billing        ALLOW (shop/payments-allow-orders rule 1)   ALLOW (shop/payments-allow-orders rule 1); only from 10.244.2.0/24
	OUT
}

@test "--what-if -o json: gains, loses and changes with the answers before and after" {
	pol lock.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: payments-allow-orders, namespace: shop}
	spec: {}
	EOF
	run kubectl mesh-authz who-can POST /charge --to svc/payments.shop -f "$X/mesh" --what-if "$T/lock.yaml" -o json
	assert_success
	assert_equal "$(printf '%s' "$output" | jq -c '{gains, changes, loses: [.loses[] | {identity, before: .before.decision, after: .after.decision}]}')" \
		'{"gains":[],"changes":[],"loses":[{"identity":"cluster.local/ns/shop/sa/orders","before":"ALLOW","after":"DENY"}]}'
}

@test "nobody can call: an empty table and a note on stderr" {
	need_fixtures
	run --separate-stderr kubectl mesh-authz who-can DELETE / --to svc/httpbin.foo --port 80 -f "$W/workload.yaml" \
		-f "$B/http/allow-nil-rule-in.yaml"
	assert_success
	assert_output ""
	assert_equal "$stderr" "No identity can make this call."
}

@test "bad input: --to is required and must name a target; --what-if files must exist" {
	run kubectl mesh-authz who-can -f "$M"
	assert_failure 2
	assert_line "error: --to is required"
	run kubectl mesh-authz who-can --to sa/sleep -f "$M"
	assert_failure 2
	assert_line 'error: --to: invalid target "sa/sleep": expected pod/NAME, deploy/NAME, sts/NAME, ds/NAME or svc/NAME'
	run kubectl mesh-authz who-can --to svc/httpbin.foo -f "$M" --what-if "$T/missing.yaml"
	assert_failure 2
	assert_output "error: the path \"$T/missing.yaml\" does not exist"
}

@test "live: who-can reads every service account and pod, and the target's policies" {
	fake_start
	fake_kubeconfig_token alice
	run kubectl mesh-authz who-can GET /productpage --to svc/productpage.bookinfo
	assert_success
	assert_output - <<-'OUT'
	IDENTITY                                                                DECISION   POLICY                               CONDITION
	cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account   ALLOW      bookinfo/productpage-viewer rule 0   -
	OUT
}
