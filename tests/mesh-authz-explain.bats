#!/usr/bin/env bats
# kubectl mesh-authz explain: a workload's policies in evaluation order, read
# as plain English, with dead and moot rules marked.  Offline.  Each test
# names the section of authz-semantics.md it checks.

load test_helper/common
load test_helper/fake-server
load test_helper/authz

setup() {
	_authz_setup
}

teardown() {
	fake_stop
}


@test "§1.5 §2.1 the example mesh: a workload, its ports, its policies in evaluation order" {
	run kubectl mesh-authz explain svc/payments.shop -f "$X/mesh"
	assert_success
	assert_output - <<-'OUT'
	pod/payments-5d9c7b8f6-m3x9t.shop (app=payments,pod-template-hash=5d9c7b8f6,security.istio.io/tlsMode=istio,service.istio.io/canonical-name=payments,version=v1)
	Ports: 9090 HTTP (svc/payments port 8080)
	Root namespace: istio-system
	RequestAuthentication: none (JWTs are not inspected)
	Deny-by-default: yes (an enforced ALLOW policy applies: requests no ALLOW rule matches get 403)

	CUSTOM
	  (none)
	DENY
	  (none)
	ALLOW
	  shop/payments-allow-orders
	    rule 0: allow requests from principal cluster.local/ns/shop/sa/orders, for method POST, for path /charge or /refund/*
	    rule 1: allow requests from namespace legacy, for method GET, for path /invoices/*
	AUDIT
	  (none)
	OUT
}

@test "§1.5 root-namespace policies come first, then the workload's namespace, each by creation time" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: b-newer, namespace: foo, creationTimestamp: "2026-02-01T00:00:00Z"}
	spec:
	  rules:
	  - to: [{operation: {methods: [GET]}}]
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: a-older, namespace: foo, creationTimestamp: "2026-01-01T00:00:00Z"}
	spec:
	  rules:
	  - to: [{operation: {methods: [POST]}}]
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: z-mesh, namespace: istio-system, creationTimestamp: "2026-03-01T00:00:00Z"}
	spec:
	  rules:
	  - from: [{source: {namespaces: [istio-system]}}]
	EOF
	run kubectl mesh-authz explain deploy/httpbin.foo -f "$M" -f "$T/p.yaml" -o json
	assert_success
	assert_equal "$(printf '%s' "$output" | jq -c '[.workloads[0].phases[2].policies[].policy]')" \
		'["istio-system/z-mesh","foo/a-older","foo/b-newer"]'
}

@test "§5.1 §7.3 §7.2 §11.1 §4.3 §5.3 rules that can never match are marked, with the reason" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: allow, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  rules:
	  - from: [{source: {principals: ["spiffe://cluster.local/ns/foo/sa/sleep"]}}]
	  - to: [{operation: {methods: [get]}}]
	  - from: [{source: {requestPrincipals: ["*"]}}]
	  - to: [{operation: {ports: ["9999"]}}]
	  - to: [{operation: {notMethods: ["*"]}}]
	  - from: [{source: {namespaces: [bar], notPrincipals: ["*"]}}]
	  - to: [{operation: {paths: [api/v1]}}]
	EOF
	run kubectl mesh-authz explain deploy/httpbin.foo -f "$M" -f "$T/p.yaml"
	assert_success
	assert_output --partial - <<-'OUT'
	ALLOW
	  foo/allow
	    rule 0: allow requests from principal spiffe://cluster.local/ns/foo/sa/sleep
	            NEVER MATCHES: spec.rules[0].from[0].source.principals: principals are written without spiffe://
	    rule 1: allow requests for method get
	            NEVER MATCHES: spec.rules[1].to[0].operation.methods: methods are case-sensitive and clients send them in upper case
	    rule 2: allow requests with a valid JWT
	            NEVER MATCHES: spec.rules[2].from[0].source.requestPrincipals: no RequestAuthentication selects the workload, so no JWT counts
	    rule 3: allow requests on port 9999
	            NEVER MATCHES: spec.rules[3].to[0].operation.ports: the workload has no such port
	    rule 4: allow requests not for method *
	            NEVER MATCHES: spec.rules[4].to[0].operation.notMethods: every HTTP request has a method, a path and a host, so a "*" under a not-field never lets one through
	    rule 5: allow requests from a caller without mTLS identity, from namespace bar
	            NEVER MATCHES: namespaces needs an mTLS identity and notPrincipals: ["*"] excludes every one
	    rule 6: allow requests for path api/v1
	            NEVER MATCHES: spec.rules[6].to[0].operation.paths: paths always start with /
	OUT
}

@test "§2.3 ALLOW rules a DENY rule covers are marked moot" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: deny-admin, namespace: foo}
	spec:
	  action: DENY
	  rules:
	  - to: [{operation: {paths: ["/admin/*", "/debug/*"]}}]
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: allow, namespace: foo}
	spec:
	  rules:
	  - from: [{source: {principals: [cluster.local/ns/foo/sa/sleep]}}]
	    to: [{operation: {methods: [GET], paths: ["/admin/*"]}}]
	  - to: [{operation: {paths: ["/admin/*", "/public/*"]}}]
	EOF
	run kubectl mesh-authz explain pod/httpbin-5b8d6f7c9-abcde.foo -f "$M" -f "$T/p.yaml"
	assert_success
	assert_output --partial - <<-'OUT'
	ALLOW
	  foo/allow
	    rule 0: allow requests from principal cluster.local/ns/foo/sa/sleep, for method GET, for path /admin/*
	            MOOT: foo/deny-admin rule 0 denies every request this rule allows
	    rule 1: allow requests for path /admin/* or /public/*
	AUDIT
	OUT
}

@test "§8.2 §8.3 builder tcp cases: on the workload's TCP ports ALLOW rules are dropped, DENY rules lose fields" {
	need_fixtures
	run kubectl mesh-authz explain svc/httpbin.foo -f "$W/workload.yaml" -f "$B/tcp/allow-both-http-tcp-in.yaml" -o json
	assert_success
	assert_equal "$(printf '%s' "$output" | jq -c '[.workloads[0].phases[2].policies[0].rules[] | .tcp]')" \
		'[null,"on TCP ports 8080, 9090 the whole rule is dropped (§8.2)",null,null]'
	assert_equal "$(printf '%s' "$output" | jq -c '[.workloads[0].phases[2].policies[0].rules[] | .never]')" \
		'["spec.rules[0].from[0].source.requestPrincipals: no RequestAuthentication selects the workload, so no JWT counts",null,"spec.rules[2].from[0].source.requestPrincipals: no RequestAuthentication selects the workload, so no JWT counts",null]'
	run kubectl mesh-authz explain svc/httpbin.foo -f "$W/workload.yaml" -f "$B/tcp/deny-both-http-tcp-in.yaml"
	assert_line "    rule 1: deny requests for method GET"
	assert_line "            TCP: on TCP ports 8080, 9090 its HTTP-only fields are removed, leaving a rule that matches every connection (§8.3)"
	assert_line "    rule 3: deny requests from namespace ns-1, for method GET"
	assert_line "            TCP: on TCP ports 8080, 9090 its HTTP-only fields are removed and the rest of the rule still applies (§8.3)"
	assert_line "Ports: 80 HTTP (svc/httpbin port 80), 8080 TCP (svc/httpbin port 8080), 9090 TCP (svc/httpbin port 9090), 9000 (sniffed)"
}

@test "§3.6 §9.4 §12 allow-nothing, dry-run and CUSTOM-as-DENY policies carry a note" {
	need_fixtures
	run kubectl mesh-authz explain pod/httpbin-7d9c6b5f4-x1y2z.foo -f "$W/workload.yaml" \
		-f "$B/http/allow-nil-rule-in.yaml" -f "$B/http/audit-full-rule-in.yaml" \
		-f "$B/http/custom-simple-http-in.yaml" -f "$W/mesh-invalid.yaml"
	assert_success
	assert_line "Deny-by-default: yes (an enforced ALLOW policy applies: requests no ALLOW rule matches get 403)"
	assert_output --partial - <<-'OUT'
	  foo/httpbin-2 (provider default)
	    extension provider "default" is invalid (port must be in the range [1, 65535], found: 999999); istiod turns its CUSTOM rules into DENY rules
	    rule 0: ask the external authorizer about requests for path /httpbin2
	            TCP: on TCP ports 8080, 9090 its HTTP-only fields are removed, leaving a rule that matches every connection (§8.3)
	DENY
	OUT
	assert_output --partial - <<-'OUT'
	ALLOW
	  foo/allow-none
	    no rules: matches nothing, but turns on deny-by-default (allow-nothing)
	AUDIT
	  foo/audit-all
	    rule 0: audit every request
	OUT
	run kubectl mesh-authz explain pod/httpbin-7d9c6b5f4-x1y2z.foo -f "$W/workload.yaml" -f "$B/http/dry-run-allow-in.yaml"
	assert_line "Deny-by-default: no (no enforced ALLOW policy)"
	assert_line "    dry-run (istio.io/dry-run): logged only, never changes the decision"
}

@test "§1.6 §11 the RequestAuthentications that select the workload and their issuers" {
	run kubectl mesh-authz explain deploy/frontend.shop -f "$X/mesh"
	assert_success
	assert_line "RequestAuthentication: shop/frontend-jwt (issuers https://auth.shop.example)"
}

@test "-o json: workloads with their phases, rules, marks and the RequestAuthentications" {
	run kubectl mesh-authz explain svc/payments.shop -f "$X/mesh" -o json
	assert_success
	assert_equal "$(printf '%s' "$output" | jq -c '{target, w: (.workloads[0] | {workload, default_deny, jwt, root_namespace, actions: [.phases[].action]})}')" \
		'{"target":"svc/payments.shop","w":{"workload":"pod/payments-5d9c7b8f6-m3x9t.shop","default_deny":true,"jwt":[],"root_namespace":"istio-system","actions":["CUSTOM","DENY","ALLOW","AUDIT"]}}'
	assert_equal "$(printf '%s' "$output" | jq -c '.workloads[0].phases[2].policies[0].rules[1]')" \
		'{"index":1,"moot":null,"never":null,"tcp":null,"text":"allow requests from namespace legacy, for method GET, for path /invoices/*"}'
}

@test "bad input: a target of an unknown kind, or one that does not exist" {
	run kubectl mesh-authz explain configmap/istio -f "$M"
	assert_failure 2
	assert_line 'error: invalid target "configmap/istio": expected pod/NAME, deploy/NAME, sts/NAME, ds/NAME or svc/NAME'
	run kubectl mesh-authz explain deploy/nope.foo -f "$M"
	assert_failure 2
	assert_output 'error: deployment "nope" not found in namespace "foo"'
	run kubectl mesh-authz explain -f "$M"
	assert_failure 2
	assert_line 'error: missing arguments: usage: kubectl mesh-authz explain TARGET'
}

@test "live: explain a Service of the cluster" {
	fake_start
	fake_kubeconfig_token alice
	run kubectl mesh-authz explain svc/productpage -n bookinfo
	assert_success
	assert_line "Ports: 9080 HTTP (svc/productpage port 9080)"
	assert_line "    rule 0: allow requests from principal cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account, for method GET"
}
