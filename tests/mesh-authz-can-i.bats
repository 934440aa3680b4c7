#!/usr/bin/env bats
# kubectl mesh-authz can-i: one request against the policies, offline.
# Ground truth: istiod's authz builder testdata (each *-in.yaml and the
# Envoy RBAC its *-out*.yaml shows), evaluated for the same workload
# (foo, app=httpbin, version=v1).  Each test names the section of
# authz-semantics.md it checks.

load test_helper/common
load test_helper/fake-server
load test_helper/authz

setup() {
	_authz_setup
}

teardown() {
	fake_stop
}

# httpbin ARGS...: can-i against the builder workload on its HTTP port 80.
httpbin() {
	run kubectl mesh-authz can-i "$@" --to pod/httpbin-7d9c6b5f4-x1y2z.foo -f "$W/workload.yaml"
}

# summary: the decision fields of the -o json output just run.
summary() {
	printf '%s' "$output" | jq -c '{allowed, decision, policy, rule, http_status}'
}

@test "§3.6 builder allow-empty-rule: rules: [{}] allows every request" {
	need_fixtures
	httpbin GET /anything --port 80 -f "$B/http/allow-empty-rule-in.yaml"
	assert_success
	assert_output "yes"
	httpbin GET / --port 80 -f "$B/http/allow-empty-rule-in.yaml" -o json
	assert_success
	assert_equal "$(summary)" '{"allowed":true,"decision":"ALLOW","policy":"foo/allow-all","rule":0,"http_status":200}'
}

@test "§3.6 builder allow-nil-rule: an ALLOW policy without rules still turns on deny-by-default" {
	need_fixtures
	httpbin GET / --port 80 -f "$B/http/allow-nil-rule-in.yaml" --from-principal cluster.local/ns/foo/sa/sleep -o json
	assert_failure 1
	assert_equal "$(summary)" '{"allowed":false,"decision":"DENY","policy":null,"rule":null,"http_status":403}'
	assert_equal "$(printf '%s' "$output" | jq -r .reason)" "RBAC: access denied: no rule of the 1 enforced ALLOW policy matches"
}

@test "§5.2 builder allow-full-rule rule 0: serviceAccounts, bare names in the policy's namespace, no partial names" {
	need_fixtures
	for p in cluster.local/ns/my-ns/sa/my-sa cluster.local/ns/foo/sa/sa-only \
		cluster.local/ns/foo/extra/sa/sa-only/x other-td/ns/my-ns/sa/my-sa; do
		httpbin GET / --port 80 -f "$B/http/allow-full-rule-in.yaml" --from-principal "$p" --skip-trust-domain-check
		assert_success
		assert_output "yes"
	done
	for p in cluster.local/ns/my-ns/sa/my-sa-not cluster.local/ns/foo/sa/sa-only-v2 \
		cluster.local/ns/bar/sa/sa-only cluster.local/ns/foo/sa/sleep; do
		httpbin GET / --port 80 -f "$B/http/allow-full-rule-in.yaml" --from-principal "$p"
		assert_failure 1
		assert_output "no"
	done
	httpbin GET / --port 80 -f "$B/http/allow-full-rule-in.yaml" --plaintext
	assert_failure 1
}

@test "§4.3 builder allow-full-rule rule 1: notPrincipals [\"*\"] fails every mTLS caller, and the rule never matches" {
	need_fixtures
	httpbin GET /exact --port 80 -f "$B/http/allow-full-rule-in.yaml" --from-principal principal --skip-trust-domain-check --explain
	assert_failure 1
	assert_line "            from[0].source.principals: matched: peer \"spiffe://principal\" matches [\"principal\", \"principal-prefix-*\", \"*-suffix-principal\", \"*\"]"
	assert_line "            from[0].source.notPrincipals: failed: peer \"spiffe://principal\" matches [\"not-principal\", \"not-principal-prefix-*\", \"*-not-suffix-principal\", \"*\"] (negated: fails)"
	assert_line "DECISION  DENY: RBAC: access denied: no rule of the 1 enforced ALLOW policy matches"
}

@test "§4.3 builder allow-path and allow-host-before-111: \"*\" under notPaths or notHosts denies every request" {
	need_fixtures
	for path in /exact /prefix/a /a/suffix /path/template/x; do
		httpbin GET "$path" --port 80 -f "$B/http/allow-path-in.yaml"
		assert_failure 1
		assert_output "no"
	done
	httpbin GET / --port 80 --host example.com -f "$B/http/allow-host-before-111-in.yaml"
	assert_failure 1
	assert_output "no"
}

@test "§2.2 §12 builder audit-full-rule: AUDIT matches but never changes the decision" {
	need_fixtures
	httpbin GET / --port 80 -f "$B/http/audit-full-rule-in.yaml" --explain
	assert_success
	assert_line "AUDIT     foo/audit-all rule 0: matched: every condition of the rule holds"
	assert_line "DECISION  ALLOW: no enforced ALLOW policy applies: allowed by default"
}

@test "§9 builder custom-grpc-provider: a matching CUSTOM rule leaves the answer to the authorizer" {
	need_fixtures
	httpbin GET /httpbin1 --port 80 -f "$B/http/custom-simple-http-in.yaml" -f "$W/mesh-grpc.yaml"
	assert_failure 3
	assert_output - <<-'OUT'
	Warning: undetermined: the external authorizer "default" decides: foo/httpbin-1 rule 0 matches
	no
	OUT
	httpbin GET /httpbin2 --port 80 -f "$B/http/custom-simple-http-in.yaml" -f "$W/mesh-grpc.yaml" -o json
	assert_failure 3
	assert_equal "$(summary)" '{"allowed":false,"decision":"CUSTOM","policy":"foo/httpbin-2","rule":0,"http_status":null}'
	httpbin GET /other --port 80 -f "$B/http/custom-simple-http-in.yaml" -f "$W/mesh-grpc.yaml"
	assert_success
	assert_output "yes"
}

@test "§9.4 builder custom-bad-invalid-config: an invalid provider turns CUSTOM rules into DENY rules" {
	need_fixtures
	httpbin GET /httpbin1 --port 80 -f "$B/http/custom-simple-http-in.yaml" -f "$W/mesh-invalid.yaml" -o json
	assert_failure 1
	assert_equal "$(summary)" '{"allowed":false,"decision":"DENY","policy":"foo/httpbin-1","rule":0,"http_status":403}'
	httpbin GET /httpbin1 --port 80 -f "$B/http/custom-simple-http-in.yaml" -f "$W/mesh-invalid.yaml" --explain
	assert_line "CUSTOM    extension provider \"default\" is invalid (port must be in the range [1, 65535], found: 999999); istiod turns its CUSTOM rules into DENY rules"
	httpbin GET /other --port 80 -f "$B/http/custom-simple-http-in.yaml" -f "$W/mesh-invalid.yaml"
	assert_success
}

@test "§9.4 builder custom-bad-multiple-providers: two providers turn every CUSTOM rule into a DENY rule" {
	need_fixtures
	for path in /httpbin1 /httpbin2; do
		httpbin GET "$path" --port 80 -f "$B/http/custom-bad-multiple-providers-in.yaml" -f "$W/mesh-http.yaml"
		assert_failure 1
		assert_output "no"
	done
	httpbin GET /other --port 80 -f "$B/http/custom-bad-multiple-providers-in.yaml" -f "$W/mesh-http.yaml"
	assert_success
}

@test "§2.3 builder deny-and-allow: a DENY match wins; otherwise one ALLOW rule must match" {
	need_fixtures
	httpbin GET / --port 80 -f "$B/http/deny-and-allow-in.yaml" --from-principal deny --skip-trust-domain-check -o json
	assert_failure 1
	assert_equal "$(summary)" '{"allowed":false,"decision":"DENY","policy":"foo/httpbin-deny","rule":0,"http_status":403}'
	httpbin GET / --port 80 -f "$B/http/deny-and-allow-in.yaml" --from-principal allow --skip-trust-domain-check -o json
	assert_success
	assert_equal "$(summary)" '{"allowed":true,"decision":"ALLOW","policy":"foo/httpbin-allow","rule":0,"http_status":200}'
	httpbin GET / --port 80 -f "$B/http/deny-and-allow-in.yaml" --from-principal cluster.local/ns/foo/sa/sleep
	assert_failure 1
}

@test "§3.6 builder deny-empty-rule: DENY with rules: [{}] denies every request" {
	need_fixtures
	httpbin DELETE /x --port 80 -f "$B/http/deny-empty-rule-in.yaml" --from-principal allow
	assert_failure 1
	assert_output "no"
}

@test "§12 builder dry-run-allow-and-deny and dry-run-allow: dry-run policies never decide" {
	need_fixtures
	httpbin GET /deny --port 80 -f "$B/http/dry-run-allow-and-deny-in.yaml" --explain
	assert_success
	assert_line "DENY      foo/httpbin-2: dry-run: istio.io/dry-run: its rules are only logged and never change the decision (§12)"
	assert_line "DENY      foo/httpbin-2 rule 0: matched: every condition of the rule holds"
	assert_line "DECISION  ALLOW: no enforced ALLOW policy applies: allowed by default"
	httpbin GET /other --port 80 -f "$B/http/dry-run-allow-in.yaml"
	assert_success
	assert_output "yes"
}

@test "§12 builder dry-run-mix: only the enforced ALLOW policy counts" {
	need_fixtures
	httpbin GET /another --port 80 -f "$B/http/dry-run-mix-in.yaml"
	assert_success
	httpbin GET /allow --port 80 -f "$B/http/dry-run-mix-in.yaml"
	assert_failure 1
}

@test "§3.1 §2.3 builder multiple-policies: ALLOW policies from one namespace are ORed" {
	need_fixtures
	local mp="$B/http/multiple-policies-in.yaml"
	httpbin DELETE /x --port 9000 --protocol http -f "$mp" --from-ip 192.0.2.1
	assert_failure 1
	httpbin DELETE /x --port 9000 --protocol http -f "$mp"
	assert_failure 2
	assert_output "error: the answer depends on what the request leaves open: only from 1.2.3.4 or 5.6.7.0/24; give --from-ip, --remote-ip or --dest-ip"
	httpbin GET /x --port 9000 --protocol http -f "$mp" -o json
	assert_equal "$(summary)" '{"allowed":true,"decision":"ALLOW","policy":"foo/httpbin-1","rule":0,"http_status":200}'
	httpbin DELETE /v2 --port 9000 --protocol http -f "$mp" -o json
	assert_equal "$(summary)" '{"allowed":true,"decision":"ALLOW","policy":"foo/httpbin-2","rule":0,"http_status":200}'
	httpbin DELETE /x --port 9000 --protocol http --host HTTPBIN.ORG -f "$mp" -o json
	assert_equal "$(summary)" '{"allowed":true,"decision":"ALLOW","policy":"foo/httpbin-3","rule":0,"http_status":200}'
	httpbin DELETE /x --port 80 -f "$mp" -o json
	assert_equal "$(summary)" '{"allowed":true,"decision":"ALLOW","policy":"foo/httpbin-4","rule":0,"http_status":200}'
	httpbin DELETE /x --port 9000 --protocol http --from-principal principals2 --skip-trust-domain-check -o json -f "$mp"
	assert_equal "$(summary)" '{"allowed":true,"decision":"ALLOW","policy":"foo/httpbin-5","rule":0,"http_status":200}'
	httpbin DELETE /x --port 9000 --protocol http --from-principal principals3 --skip-trust-domain-check -f "$mp" --from-ip 192.0.2.1
	assert_failure 1
	httpbin DELETE /x --port 9000 --protocol http --from-principal cluster.local/ns/namespaces1/sa/x -o json -f "$mp"
	assert_equal "$(summary)" '{"allowed":true,"decision":"ALLOW","policy":"foo/httpbin-7","rule":0,"http_status":200}'
	httpbin DELETE /x --port 9000 --protocol http --from-ip 5.6.7.200 -o json -f "$mp"
	assert_equal "$(summary)" '{"allowed":true,"decision":"ALLOW","policy":"foo/httpbin-8","rule":0,"http_status":200}'
	httpbin DELETE /x --port 9000 --protocol http --header x-ABC:abc2 -o json -f "$mp"
	assert_equal "$(summary)" '{"allowed":true,"decision":"ALLOW","policy":"foo/httpbin-9","rule":0,"http_status":200}'
	httpbin DELETE /x --port 9000 --protocol http --header X-abc:ABC2 -f "$mp" --from-ip 192.0.2.1
	assert_failure 1
	httpbin DELETE /x --port 9000 --protocol http --from-ip 5.6.8.1 -f "$mp"
	assert_failure 1
}

@test "§6.1 §6.2 builder trust-domain-one-alias: a cluster.local principal matches the trust domain and its alias" {
	need_fixtures
	for p in 'td1/ns/rule[0]/sa/from[0]-principal[0]' 'cluster.local/ns/rule[0]/sa/from[0]-principal[0]'; do
		httpbin 'rule[0]-to[0]-method[0]' / --port 80 -f "$B/http/simple-policy-td-aliases-in.yaml" \
			-f "$W/mesh-td1-one-alias.yaml" --from-principal "$p"
		assert_success
	done
	httpbin 'rule[0]-to[0]-method[0]' / --port 80 -f "$B/http/simple-policy-td-aliases-in.yaml" \
		-f "$W/mesh-td1-one-alias.yaml" --from-principal 'td2/ns/rule[0]/sa/from[0]-principal[0]'
	assert_failure 1
	httpbin 'rule[1]-to[0]-method[0]' / --port 80 -f "$B/http/simple-policy-td-aliases-in.yaml" \
		-f "$W/mesh-td1-one-alias.yaml" --from-principal 'td1/ns/rule[0]/sa/from[0]-principal[0]'
	assert_failure 1
}

@test "§6.2 builder trust-domain-multiple-aliases: a value naming an alias expands to every trust domain" {
	need_fixtures
	for p in 'td1/ns/rule[0]/sa/from[0]-principal[0]' 'some-td/ns/rule[0]/sa/from[0]-principal[0]'; do
		httpbin GET / --port 80 -f "$B/http/simple-policy-multiple-td-aliases-in.yaml" \
			-f "$W/mesh-td1-two-aliases.yaml" --from-principal "$p"
		assert_success
	done
	httpbin GET / --port 80 -f "$B/http/simple-policy-multiple-td-aliases-in.yaml" \
		-f "$W/mesh-td1-two-aliases.yaml" --from-principal 'td1/ns/rule[0]/sa/from[1]-principal[0]'
	assert_failure 1
}

@test "§6.2 builder trust-domain-wildcard-in-principal: principals [\"*\"] is any mTLS identity, never plaintext" {
	need_fixtures
	httpbin GET / --port 80 -f "$B/http/simple-policy-principal-with-wildcard-in.yaml" \
		-f "$W/mesh-td1-foobar.yaml" --from-principal anything/at/all --skip-trust-domain-check
	assert_success
	httpbin GET / --port 80 -f "$B/http/simple-policy-principal-with-wildcard-in.yaml" \
		-f "$W/mesh-td1-foobar.yaml" --plaintext
	assert_failure 1
}

@test "§6.2 builder trust-domain-aliases-in-source-principal: source.principal [\"*\"] with namespaces" {
	need_fixtures
	httpbin GET / --port 80 -f "$B/http/td-aliases-source-principal-in.yaml" -f "$W/mesh-new-td.yaml" \
		--from-principal old-td/ns/istio-system/sa/istio-ingressgateway
	assert_success
	httpbin GET / --port 80 -f "$B/http/td-aliases-source-principal-in.yaml" -f "$W/mesh-new-td.yaml" \
		--from-principal new-td/ns/foo/sa/all-td
	assert_failure 1
}

@test "§5.4 builder trust-domains-field: trustDomains, notTrustDomains, and negations match plaintext" {
	need_fixtures
	for p in cluster.local/ns/a/sa/b another.local/ns/a/sa/b elsewhere/ns/a/sa/b; do
		httpbin GET / --port 80 -f "$B/http/trust-domains-in.yaml" --from-principal "$p" --skip-trust-domain-check
		assert_success
	done
	for p in untrusted/ns/a/sa/b badly/ns/a/sa/b; do
		httpbin GET / --port 80 -f "$B/http/trust-domains-in.yaml" --from-principal "$p" --skip-trust-domain-check
		assert_failure 1
	done
	httpbin GET / --port 80 -f "$B/http/trust-domains-in.yaml" --plaintext -o json
	assert_success
	assert_equal "$(summary)" '{"allowed":true,"decision":"ALLOW","policy":"foo/httpbin","rule":0,"http_status":200}'
}

@test "§3.2 builder single-policy: a principal without /ns/ never satisfies namespaces in the same source" {
	need_fixtures
	httpbin 'rule[0]-to[0]-method[1]' /x --port 9001 --protocol http --skip-trust-domain-check \
		--host 'rule[0]-to[0]-host[1]' --from-principal 'rule[0]-from[0]-principal[1]' \
		--from-ip 10.0.0.1 --remote-ip 172.16.10.10 --dest-ip 10.10.10.10 --header X-header:header \
		-f "$B/http/single-policy-in.yaml"
	assert_failure 1
	assert_output "no"
}

@test "§8.2 builder tcp/allow-both-http-tcp: ALLOW rules with an HTTP-only field are dropped on TCP" {
	need_fixtures
	local p="$B/tcp/allow-both-http-tcp-in.yaml"
	httpbin --port 80 --protocol tcp -f "$p" --from-principal cluster.local/ns/ns-1/sa/x -o json
	assert_success
	assert_equal "$(summary)" '{"allowed":true,"decision":"ALLOW","policy":"foo/httpbin-deny","rule":3,"http_status":200}'
	httpbin --port 8080 -f "$p" --from-principal cluster.local/ns/ns-1/sa/x --explain
	assert_failure 1
	assert_line "ALLOW     foo/httpbin-deny rule 1: dropped: ALLOW rule with an HTTP-only attribute on a TCP port: istiod drops the whole rule (§8.2)"
	httpbin --port 9090 -f "$p" --from-principal cluster.local/ns/ns-2/sa/x
	assert_failure 1
	httpbin GET / --port 8080 --protocol http -f "$p" --from-principal cluster.local/ns/ns-1/sa/x
	assert_success
}

@test "§8.2 builder tcp/allow-only-http: when every ALLOW rule is dropped, every TCP connection is denied" {
	need_fixtures
	httpbin --port 9090 -f "$B/tcp/allow-only-http-in.yaml" --from-principal cluster.local/ns/ns-1/sa/x
	assert_failure 1
	assert_output "no"
	httpbin GET / --port 80 --host EXAMPLE.com -f "$B/tcp/allow-only-http-in.yaml" --from-principal cluster.local/ns/ns-1/sa/x
	assert_success
	assert_output "yes"
}

@test "§8.3 builder tcp/deny-both-http-tcp: DENY rules lose their HTTP-only fields on TCP" {
	need_fixtures
	local p="$B/tcp/deny-both-http-tcp-in.yaml"
	httpbin --port 9090 -f "$p" --plaintext --from-ip 192.0.2.1 --explain
	assert_failure 1
	assert_line "DENY      foo/httpbin-deny rule 1: matched: every condition of the rule holds"
	assert_line "            to[0].operation.methods: removed: HTTP-only attribute, removed from the rule on TCP"
	assert_line "JWT       none: a TCP port has no JWT filter (§2.1)"
	httpbin POST /x --port 9000 -f "$p" --plaintext --from-ip 192.0.2.1
	assert_success
	httpbin GET /x --port 9000 -f "$p" --plaintext --from-ip 192.0.2.1 -o json
	assert_failure 1
	assert_equal "$(summary)" '{"allowed":false,"decision":"DENY","policy":"foo/httpbin-deny","rule":1,"http_status":403}'
	httpbin POST /x --port 80 -f "$p" --plaintext --from-ip 192.0.2.1 -o json
	assert_equal "$(summary)" '{"allowed":false,"decision":"DENY","policy":"foo/httpbin-deny","rule":9,"http_status":403}'
}

@test "§9.3 builder tcp/custom-both-http-tcp and custom-only-http: gRPC providers apply on TCP, HTTP providers do not" {
	need_fixtures
	httpbin --port 8080 -f "$B/tcp/custom-both-http-tcp-in.yaml" -f "$W/mesh-grpc.yaml" --from-ip 192.0.2.1 -o json
	assert_failure 3
	assert_equal "$(summary)" '{"allowed":false,"decision":"CUSTOM","policy":"foo/httpbin-deny","rule":0,"http_status":null}'
	httpbin --port 8080 -f "$B/tcp/custom-only-http-in.yaml" -f "$W/mesh-http.yaml" --explain
	assert_success
	assert_line "CUSTOM    none: extension provider \"default\" is an HTTP provider, which has no TCP form: CUSTOM policies do not apply to this TCP port (§9.3)"
}

@test "§12 builder tcp/dry-run-mix and tcp/audit-both-http-tcp: dry-run and AUDIT do not decide on TCP" {
	need_fixtures
	httpbin --port 9000 --protocol tcp -f "$B/tcp/dry-run-mix-in.yaml"
	assert_success
	httpbin --port 80 --protocol tcp -f "$B/tcp/dry-run-mix-in.yaml"
	assert_failure 1
	httpbin --port 80 --protocol tcp -f "$B/tcp/audit-both-http-tcp-in.yaml"
	assert_success
}

@test "§1.1 only the root namespace's and the workload's namespace's policies apply" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: deny-all, namespace: bar}
	spec:
	  action: DENY
	  rules: [{}]
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: mesh-deny-delete, namespace: istio-system}
	spec:
	  action: DENY
	  rules:
	  - to: [{operation: {methods: [DELETE]}}]
	EOF
	run kubectl mesh-authz can-i GET /get --to svc/httpbin.foo -f "$M" -f "$T/p.yaml"
	assert_success
	run kubectl mesh-authz can-i DELETE /get --to deploy/httpbin -n foo -f "$M" -f "$T/p.yaml" -o json
	assert_failure 1
	assert_equal "$(summary)" '{"allowed":false,"decision":"DENY","policy":"istio-system/mesh-deny-delete","rule":0,"http_status":403}'
}

@test "§1.2 the root namespace comes from the mesh config; istio-system is then ordinary" {
	pol p.yaml <<-'EOF'
	apiVersion: v1
	kind: ConfigMap
	metadata: {name: istio, namespace: istio-system}
	data:
	  mesh: "rootNamespace: mesh-root\n"
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: deny-all, namespace: istio-system}
	spec:
	  action: DENY
	  rules: [{}]
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: deny-delete, namespace: mesh-root}
	spec:
	  action: DENY
	  rules:
	  - to: [{operation: {methods: [DELETE]}}]
	EOF
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml"
	assert_success
	run kubectl mesh-authz can-i DELETE / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" -o json
	assert_equal "$(summary)" '{"allowed":false,"decision":"DENY","policy":"mesh-root/deny-delete","rule":0,"http_status":403}'
}

@test "§1.3 §1.4 selectors are subset tests, root-namespace selectors reach every namespace, targetRefs never attach to sidecars" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: deny-v1, namespace: istio-system}
	spec:
	  selector: {matchLabels: {version: v1}}
	  action: DENY
	  rules:
	  - to: [{operation: {paths: [/v1-only]}}]
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: deny-v2, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin, version: v2}}
	  action: DENY
	  rules: [{}]
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: deny-by-ref, namespace: foo}
	spec:
	  targetRefs: [{kind: Service, group: "", name: httpbin}]
	  action: DENY
	  rules: [{}]
	EOF
	run kubectl mesh-authz can-i GET /v1-only --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" -o json
	assert_failure 1
	assert_equal "$(summary)" '{"allowed":false,"decision":"DENY","policy":"istio-system/deny-v1","rule":0,"http_status":403}'
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" --explain
	assert_success
	assert_line "SCOPE     istio-system/deny-v1 (DENY)"
}

@test "§4.1 §4.2 prefix and suffix wildcards; a*b is literal; *x* is a suffix match on x*" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: paths, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  rules:
	  - to: [{operation: {paths: ["/api/*", "*.png", "/a*b", "*mid*"]}}]
	EOF
	for path in /api/ /api/v1/x /img/logo.png /a*b /x/mid*; do
		run kubectl mesh-authz can-i GET "$path" --to svc/httpbin.foo -f "$M" -f "$T/p.yaml"
		assert_success
		assert_output "yes"
	done
	for path in /api /apiv2 /axb /a/b /x/mid/y /x/middle; do
		run kubectl mesh-authz can-i GET "$path" --to svc/httpbin.foo -f "$M" -f "$T/p.yaml"
		assert_failure 1
		assert_output "no"
	done
}

@test "§4.4 §7.1 hosts are case-insensitive and include the port; methods and header values are case-sensitive" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: hosts, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  rules:
	  - to: [{operation: {hosts: [httpbin.example.com], methods: [GET]}}]
	    when:
	    - key: request.headers[X-Tenant]
	      values: [blue]
	EOF
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" --host HTTPBIN.Example.COM --header x-tenant:blue
	assert_success
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" --host httpbin.example.com:8000 --header x-tenant:blue
	assert_failure 1
	run kubectl mesh-authz can-i get / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" --host httpbin.example.com --header x-tenant:blue
	assert_failure 1
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" --host httpbin.example.com --header x-tenant:Blue --explain
	assert_failure 1
	assert_line '            when[0].values: failed: "Blue" matches none of ["blue"]'
}

@test "§5.1 principals written with spiffe:// never match; an infix * is literal" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: spiffe, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  rules:
	  - from: [{source: {principals: ["spiffe://cluster.local/ns/foo/sa/sleep", "cluster.local/ns/*/sa/sleep"]}}]
	EOF
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" --from sa/sleep.foo --explain
	assert_failure 1
	assert_line '            from[0].source.principals: failed: peer "spiffe://cluster.local/ns/foo/sa/sleep" matches none of ["spiffe://cluster.local/ns/foo/sa/sleep", "cluster.local/ns/*/sa/sleep"]'
}

@test "§5.2 bare serviceAccounts in a root-namespace policy name the root namespace" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: mesh-allow, namespace: istio-system}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  rules:
	  - from: [{source: {serviceAccounts: [sleep, bar/sleep]}}]
	EOF
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" --from sa/sleep.foo
	assert_failure 1
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" --from-principal cluster.local/ns/istio-system/sa/sleep
	assert_success
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" --from sa/sleep.bar
	assert_success
}

@test "§5.3 namespaces need mTLS; a DENY with notNamespaces also denies plaintext callers" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: only-foo, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  action: DENY
	  rules:
	  - from: [{source: {notNamespaces: [foo]}}]
	EOF
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" --from pod/sleep-7f9c8d6b5-klmno.foo
	assert_success
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" --from pod/sleep-7f9c8d6b5-pqrst.bar
	assert_failure 1
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" --from pod/client-5d4c3b2a1-uvwxy.legacy --explain
	assert_failure 1
	assert_line '            from[0].source.notNamespaces: matched: plaintext caller (no mTLS identity) matches none of ["foo"] (negated: satisfied)'
}

@test "§5.6 §5.7 ipBlocks match the direct peer, remoteIpBlocks the original client" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: ips, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  rules:
	  - from: [{source: {ipBlocks: [10.1.0.0/16], remoteIpBlocks: ["203.0.113.0/24", "2001:db8::/32"]}}]
	EOF
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" --from pod/sleep-7f9c8d6b5-klmno.foo --remote-ip 203.0.113.9
	assert_success
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" --from-ip 10.1.200.1 --remote-ip 2001:db8::1
	assert_success
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" --from pod/sleep-7f9c8d6b5-klmno.foo
	assert_failure 1
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" --from-ip 203.0.113.9
	assert_failure 1
}

@test "§7.2 ports are workload ports: Service port 80 reaches container port 8080" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: ports, namespace: foo}
	spec:
	  selector: {matchLabels: {app: web}}
	  rules:
	  - to: [{operation: {ports: ["8080"]}}]
	EOF
	run kubectl mesh-authz can-i GET / --to svc/web.foo -f "$M" -f "$T/p.yaml" --explain
	assert_success
	assert_line '            to[0].operation.ports: matched: port 8080 matches ["8080"]'
	sed -i 's/"8080"/"80"/' "$T/p.yaml"
	run kubectl mesh-authz can-i GET / --to svc/web.foo -f "$M" -f "$T/p.yaml"
	assert_failure 1
}

@test "§7.4 paths: the query is stripped, dot segments and %2e removed, case kept; templates" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: paths, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  rules:
	  - to: [{operation: {paths: [/public, "/files/{*}/raw", "/store/{**}/cart"]}}]
	EOF
	for path in '/public?x=1' '/admin/../public' '/x/%2e%2e/public' '/files/a.txt/raw' '/store//cart' '/store/a/b/cart'; do
		run kubectl mesh-authz can-i GET "$path" --to svc/httpbin.foo -f "$M" -f "$T/p.yaml"
		assert_success
	done
	for path in /Public /public/ /files//raw /files/a/b/raw /store/cart; do
		run kubectl mesh-authz can-i GET "$path" --to svc/httpbin.foo -f "$M" -f "$T/p.yaml"
		assert_failure 1
	done
	run kubectl mesh-authz can-i GET '/x%00' --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" -o json
	assert_failure 1
	assert_equal "$(printf '%s' "$output" | jq -c '{http_status, reason}')" '{"http_status":400,"reason":"Envoy rejects the request: the path holds %00, which Envoy rejects with 400"}'
	run kubectl mesh-authz can-i GET //public --to svc/httpbin.foo -f "$M" -f "$T/p.yaml"
	assert_failure 1
	pol merge.yaml <<-'EOF'
	apiVersion: v1
	kind: ConfigMap
	metadata: {name: istio, namespace: istio-system}
	data:
	  mesh: "pathNormalization:\n  normalization: MERGE_SLASHES\n"
	EOF
	run kubectl mesh-authz can-i GET //public --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" -f "$T/merge.yaml"
	assert_success
}

@test "§8 the protocol comes from the Service port name; --protocol overrides; without METHOD a sniffed port is TCP" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: get-only, namespace: foo}
	spec:
	  selector: {matchLabels: {app: db}}
	  rules:
	  - to: [{operation: {methods: [GET]}}]
	EOF
	run kubectl mesh-authz can-i GET / --to svc/db.foo -f "$M" -f "$T/p.yaml" --explain
	assert_failure 1
	assert_line 'REQUEST   a TCP connection to pod/db-0.foo port 5432 (Service db port name "tcp-postgres"); source IP unknown'
	run kubectl mesh-authz can-i GET / --to svc/db.foo -f "$M" -f "$T/p.yaml" --protocol http
	assert_success
}

# jwt CLAIMS-JSON: an unsigned token carrying the claims.
jwt() {
	local h p
	h=$(printf '{"alg":"RS256","typ":"JWT"}' | base64 -w0 | tr '+/' '-_' | tr -d '=')
	p=$(printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '=')
	printf '%s.%s.c2lnbmF0dXJl' "$h" "$p"
}

jwt_policies() {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: RequestAuthentication
	metadata: {name: jwt, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  jwtRules:
	  - issuer: https://idp.example.com/
	    jwksUri: https://idp.example.com/jwks
	  - issuer: partner
	    audiences: [httpbin]
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: jwt, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  rules:
	  - from: [{source: {requestPrincipals: ["https://idp.example.com//alice"]}}]
	  - from: [{source: {requestPrincipals: ["partner/*"]}}]
	    when:
	    - key: request.auth.claims[groups]
	      values: [admins]
	    - key: request.auth.claims[scope]
	      values: [write]
	  - to: [{operation: {paths: [/nested]}}]
	    when:
	    - key: request.auth.claims[realm][role]
	      values: [ops]
	  - to: [{operation: {paths: [/dotted]}}]
	    when:
	    - key: request.auth.claims[a.b]
	      values: ["1"]
	EOF
}

@test "§5.5 requestPrincipals split at the last /: an issuer URL ending in / works" {
	jwt_policies
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" \
		--jwt "$(jwt '{"iss":"https://idp.example.com/","sub":"alice"}')" -o json
	assert_success
	assert_equal "$(summary)" '{"allowed":true,"decision":"ALLOW","policy":"foo/jwt","rule":0,"http_status":200}'
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" \
		--jwt-claims '{"iss":"https://idp.example.com/","sub":"bob"}'
	assert_failure 1
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" \
		--jwt-claims '{"iss":"https://idp.example.com/"}' --explain
	assert_failure 1
	assert_line '            from[0].source.requestPrincipals: failed: no request principal (the JWT lacks iss or sub) matches none of ["https://idp.example.com//alice"]'
}

@test "§10 conditions: list claims, space-delimited scope, nested claims, claims[a.b] is one name, numbers never match" {
	jwt_policies
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" \
		--jwt-claims '{"iss":"partner","sub":"x","aud":["httpbin"],"groups":["dev","admins"],"scope":"read write"}' -o json
	assert_success
	assert_equal "$(summary)" '{"allowed":true,"decision":"ALLOW","policy":"foo/jwt","rule":1,"http_status":200}'
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" \
		--jwt-claims '{"iss":"partner","sub":"x","aud":"httpbin","groups":"admins","scope":"read"}'
	assert_failure 1
	run kubectl mesh-authz can-i GET /nested --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" \
		--jwt-claims '{"iss":"https://idp.example.com/","sub":"z","realm":{"role":"ops"}}'
	assert_success
	run kubectl mesh-authz can-i GET /dotted --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" \
		--jwt-claims '{"iss":"https://idp.example.com/","sub":"z","a.b":"1"}'
	assert_success
	run kubectl mesh-authz can-i GET /dotted --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" \
		--jwt-claims '{"iss":"https://idp.example.com/","sub":"z","a":{"b":"1"}}'
	assert_failure 1
	run kubectl mesh-authz can-i GET /dotted --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" \
		--jwt-claims '{"iss":"https://idp.example.com/","sub":"z","a.b":1}'
	assert_failure 1
}

@test "§11.3 a token that fails verification, an unknown issuer or a wrong audience is a 401 before DENY and ALLOW" {
	jwt_policies
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" \
		--jwt "$(jwt '{"iss":"https://idp.example.com/","sub":"alice"}')" --jwt-invalid -o json
	assert_failure 1
	assert_equal "$(summary)" '{"allowed":false,"decision":"DENY","policy":null,"rule":null,"http_status":401}'
	assert_equal "$(printf '%s' "$output" | jq -r .reason)" "Jwt verification fails: the token fails verification"
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" \
		--jwt-claims '{"iss":"https://evil.example.com/","sub":"alice"}' -o json
	assert_equal "$(printf '%s' "$output" | jq -r '[.http_status, .reason] | join(" ")')" \
		"401 Jwt verification fails: issuer \"https://evil.example.com/\" is not configured by RequestAuthentication foo/jwt"
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" \
		--jwt-claims '{"iss":"partner","sub":"x","aud":"other"}' -o json
	assert_equal "$(printf '%s' "$output" | jq -r '[.http_status, .reason] | join(" ")')" \
		"401 Jwt verification fails: the token's audience is not one the RequestAuthentication accepts"
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" \
		--jwt-claims '{"iss":"https://idp.example.com/","sub":"alice","exp":1000}' -o json
	assert_equal "$(printf '%s' "$output" | jq -r '[.http_status, .reason] | join(" ")')" \
		"401 Jwt verification fails: the token expired (exp 1000)"
}

@test "§11.1 §11.2 without a RequestAuthentication a token is not inspected; without a token there is no principal" {
	pol require-jwt.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: require-jwt, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  action: DENY
	  rules:
	  - from: [{source: {notRequestPrincipals: ["*"]}}]
	EOF
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/require-jwt.yaml" \
		--jwt-claims '{"iss":"https://idp.example.com/","sub":"alice"}' --jwt-invalid --explain
	assert_failure 1
	assert_line "JWT       ignored: no RequestAuthentication selects the workload: the token is not inspected (§11.1)"
	assert_line "DECISION  DENY: RBAC: access denied: foo/require-jwt rule 0 matches (DENY)"
	jwt_policies
	cat "$T/p.yaml" >"$T/both.yaml"
	run kubectl mesh-authz can-i GET /nested --to svc/httpbin.foo -f "$M" -f "$T/both.yaml" -f "$T/require-jwt.yaml" --explain
	assert_failure 1
	assert_line "JWT       none: no token: accepted without a request principal (§11.2; RequestAuthentication foo/jwt)"
	run kubectl mesh-authz can-i GET /nested --to svc/httpbin.foo -f "$M" -f "$T/both.yaml" -f "$T/require-jwt.yaml" \
		--jwt-claims '{"iss":"https://idp.example.com/","sub":"z","realm":{"role":"ops"}}'
	assert_success
}

@test "§2.3 §9.1 CUSTOM: the authorizer decides only when the local policies would allow" {
	pol p.yaml <<-'EOF'
	apiVersion: v1
	kind: ConfigMap
	metadata: {name: istio, namespace: istio-system}
	data:
	  mesh: |
	    extensionProviders:
	    - name: opa
	      envoyExtAuthzGrpc: {service: opa.foo.svc.cluster.local, port: 9191}
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: ext, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  action: CUSTOM
	  provider: {name: opa}
	  rules:
	  - to: [{operation: {paths: ["/admin/*"]}}]
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: deny-delete, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  action: DENY
	  rules:
	  - to: [{operation: {methods: [DELETE]}}]
	EOF
	run kubectl mesh-authz can-i GET /admin/users --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" -o json
	assert_failure 3
	assert_equal "$(summary)" '{"allowed":false,"decision":"CUSTOM","policy":"foo/ext","rule":0,"http_status":null}'
	assert_equal "$(printf '%s' "$output" | jq -r .reason)" 'the external authorizer "opa" decides: foo/ext rule 0 matches'
	run kubectl mesh-authz can-i DELETE /admin/users --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" -o json
	assert_failure 1
	assert_equal "$(summary)" '{"allowed":false,"decision":"DENY","policy":"foo/deny-delete","rule":0,"http_status":403}'
	run kubectl mesh-authz can-i GET /public --to svc/httpbin.foo -f "$M" -f "$T/p.yaml"
	assert_success
}

@test "--from a workload: kubectl mesh-tls's verdict decides whether the caller has an identity" {
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" --from pod/client-5d4c3b2a1-uvwxy.legacy --explain
	assert_success
	assert_line 'CALLER    plaintext: pod/client-5d4c3b2a1-uvwxy.legacy calls pod/httpbin-5b8d6f7c9-abcde.foo port 8000 without an mTLS identity (kubectl mesh-tls: legacy/client-5d4c3b2a1-uvwxy sends plaintext: the client has no sidecar and is not in ambient (H1, M1); foo/httpbin-5b8d6f7c9-abcde accepts it in PERMISSIVE mode (the default, W2))'
	run kubectl mesh-authz can-i GET / --to deploy/httpbin.foo -f "$M" --from pod/sleep-7f9c8d6b5-pqrst.bar --explain
	assert_success
	assert_line 'CALLER    cluster.local/ns/bar/sa/sleep: pod/sleep-7f9c8d6b5-pqrst.bar presents its mTLS identity to pod/httpbin-5b8d6f7c9-abcde.foo port 8000 (kubectl mesh-tls)'
}

@test "--explain prints every phase, policy, rule and field" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: allow-sleep, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  rules:
	  - from: [{source: {principals: [cluster.local/ns/foo/sa/sleep]}}]
	    to: [{operation: {methods: [GET], paths: ["/status/*"]}}]
	EOF
	run kubectl mesh-authz can-i GET /status/200 --to svc/httpbin.foo -f "$M" -f "$T/p.yaml" --from sa/sleep.foo --from-ip 10.1.0.5 --explain
	assert_success
	assert_output - <<-'OUT'
	REQUEST   GET /status/200 to pod/httpbin-5b8d6f7c9-abcde.foo port 8000; HTTP (Service httpbin port name "http"); host "httpbin:8000"; source IP 10.1.0.5; SNI outbound_.8000_._.httpbin.foo.svc.cluster.local
	CALLER    cluster.local/ns/foo/sa/sleep (sa/sleep.foo)
	SCOPE     foo/allow-sleep (ALLOW)
	CUSTOM    none: no CUSTOM policy applies
	JWT       none: no RequestAuthentication selects the workload (§11.1)
	DENY      none: no DENY policy applies
	ALLOW     foo/allow-sleep rule 0: matched: every condition of the rule holds
	            from[0].source.principals: matched: peer "spiffe://cluster.local/ns/foo/sa/sleep" matches ["cluster.local/ns/foo/sa/sleep"]
	            to[0].operation.methods: matched: "GET" matches ["GET"]
	            to[0].operation.paths: matched: "/status/200" matches ["/status/*"]
	AUDIT     none: no AUDIT policy applies
	DECISION  ALLOW: allowed by foo/allow-sleep rule 0
	OUT
}

@test "-o json carries exactly the documented fields and the trace steps" {
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" --plaintext -o json
	assert_success
	assert_equal "$(printf '%s' "$output" | jq -c 'keys')" '["allowed","decision","http_status","policy","reason","rule","trace"]'
	assert_equal "$(printf '%s' "$output" | jq -c '[.trace[] | .phase]')" '["REQUEST","CALLER","SCOPE","CUSTOM","JWT","DENY","ALLOW","AUDIT","DECISION"]'
	assert_equal "$(printf '%s' "$output" | jq -c '.trace[0] | keys')" '["field","phase","policy","result","rule","why"]'
}

@test "--port: the only port is the default; several ports are an error that lists them" {
	run kubectl mesh-authz can-i --to pod/httpbin-7d9c6b5f4-x1y2z.foo -f "$W/workload.yaml"
	assert_failure 2
	assert_output 'error: pod "httpbin-7d9c6b5f4-x1y2z" has several ports (80, 8080, 9090, 9000): give --port'
	run kubectl mesh-authz can-i --to svc/httpbin.foo -f "$W/workload.yaml" --port 1234
	assert_failure 2
	assert_output 'error: service "httpbin" has no port 1234 (ports: 80, 8080, 9090)'
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$W/workload.yaml" --port http
	assert_success
}

@test "bad input: unknown targets, flags, JWTs and IPs are errors with exit 2" {
	run kubectl mesh-authz can-i GET / --to httpbin -f "$M"
	assert_failure 2
	assert_output - <<-'OUT'
	error: --to: invalid target "httpbin": expected pod/NAME, deploy/NAME, sts/NAME, ds/NAME or svc/NAME
	See 'kubectl mesh-authz can-i -h' for help and examples.
	OUT
	run kubectl mesh-authz can-i GET / --to svc/nope.foo -f "$M"
	assert_failure 2
	assert_output 'error: service "nope" not found in namespace "foo"'
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" --jwt not.a.jwt
	assert_failure 2
	assert_line 'error: --jwt: not a JWT: the header is not a JSON object'
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" --jwt abc
	assert_line 'error: --jwt: not a JWT: expected 3 dot-separated parts, got 1'
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" --jwt 'eyJhbGciOiJub25lIn0.e30$.x'
	assert_line 'error: --jwt: not a JWT: the payload is not base64url: illegal character at byte 3'
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" --jwt 'eyJhbGciOiJub25lIn0.WzFd.'
	assert_line 'error: --jwt: not a JWT: the payload is not a JSON object'
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" --from-ip 10.0.0.0/33
	assert_failure 2
	assert_line 'error: --from-ip: "10.0.0.0/33" is not an IP address (a CIDR is not allowed here)'
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" --remote-ip 300.1.2.3
	assert_line 'error: --remote-ip: "300.1.2.3" is not an IP address'
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" --frm sa/sleep
	assert_failure 2
	assert_line 'error: unknown flag: --frm'
	run kubectl mesh-authz can-i GET relative --to svc/httpbin.foo -f "$M"
	assert_failure 2
	assert_line 'error: PATH "relative" must start with /'
	run kubectl mesh-authz can-i GET / -f "$M"
	assert_line 'error: --to is required'
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" --from sa/nobody.foo
	assert_failure 2
	assert_output 'error: serviceaccount "nobody" not found in namespace "foo"'
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" --from sa/sleep.foo --from-principal x
	assert_line 'error: --from and --from-principal cannot be combined'
}

@test "bad input: malformed policy YAML and a malformed policy in scope are errors with exit 2" {
	printf 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x, namespace: foo\n' >"$T/bad.yaml"
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/bad.yaml"
	assert_failure 2
	assert_output --partial 'error: error parsing '
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: broken, namespace: foo}
	spec:
	  rules:
	  - from: [{source: {principals: cluster.local/ns/foo/sa/sleep}}]
	EOF
	run kubectl mesh-authz can-i GET / --to svc/httpbin.foo -f "$M" -f "$T/p.yaml"
	assert_failure 2
	assert_output 'error: AuthorizationPolicy foo/broken: spec.rules[0].from[0].source.principals: expected a list of strings'
	run kubectl mesh-authz can-i GET / --to svc/web.bar -f "$M" -f "$T/p.yaml"
	assert_failure 2
	assert_output 'error: service "web" not found in namespace "bar"'
}

@test "§1.1 §1.2 -f JSON files (API lists, arrays, streams) give the same answers; only the namespaces that matter are read" {
	J="$(fixture authz/json)"
	run kubectl mesh-authz can-i GET / --to svc/httpbin -n foo -f "$J/pods.json" -f "$J/objects.json" \
		-f "$J/policies.json" --from pod/sleep-7f9c8d6b5-pqrst.bar --explain
	assert_success
	assert_line "SCOPE     mesh-root/mesh-deny-delete (DENY), foo/allow-bar (ALLOW)"
	assert_line "CALLER    cluster.local/ns/bar/sa/sleep: pod/sleep-7f9c8d6b5-pqrst.bar presents its mTLS identity to pod/httpbin-5b8d6f7c9-abcde.foo port 8000 (kubectl mesh-tls)"
	run kubectl mesh-authz can-i DELETE / --to svc/httpbin -n foo -f "$J/pods.json" -f "$J/objects.json" \
		-f "$J/policies.json" --from sa/sleep.bar -o json
	assert_failure 1
	assert_equal "$(summary)" '{"allowed":false,"decision":"DENY","policy":"mesh-root/mesh-deny-delete","rule":0,"http_status":403}'
	printf '{"apiVersion":"v1","kind":"List","items":[{"kind":"Pod"' >"$T/broken.json"
	run kubectl mesh-authz can-i GET / --to svc/httpbin -n foo -f "$J/pods.json" -f "$T/broken.json"
	assert_failure 2
	assert_output "error: error parsing $T/broken.json: json: line 1 column 55: '}' expected near end of file"
}

@test "live: only the target's namespace and the root namespace are read" {
	fake_start
	fake_kubeconfig_token alice
	run kubectl mesh-authz can-i GET /productpage --to svc/productpage -n bookinfo \
		--from-principal cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account
	assert_success
	assert_output "yes"
	run fake_requests
	assert_equal "$(printf '%s\n' "$output" | sort)" "$(cat <<-'OUT'
	GET /api/v1/namespaces/bookinfo/pods?limit=500 200
	GET /api/v1/namespaces/bookinfo/services?limit=500 200
	GET /api/v1/namespaces/istio-system/configmaps/istio 200
	GET /apis/security.istio.io/v1/namespaces/bookinfo/authorizationpolicies?limit=500 200
	GET /apis/security.istio.io/v1/namespaces/bookinfo/requestauthentications?limit=500 200
	GET /apis/security.istio.io/v1/namespaces/istio-system/authorizationpolicies?limit=500 200
	GET /apis/security.istio.io/v1/namespaces/istio-system/requestauthentications?limit=500 200
	OUT
	)"
}

@test "live: --from a pod under mesh-wide STRICT mTLS presents its identity; NotFound in kubectl's words" {
	fake_start
	fake_kubeconfig_token alice
	run kubectl mesh-authz can-i GET / --to svc/productpage.bookinfo --from pod/reviews-v1-5fd6d4f8f8-t8kqz.bookinfo --explain
	assert_failure 1
	assert_line "CALLER    cluster.local/ns/bookinfo/sa/bookinfo-reviews: pod/reviews-v1-5fd6d4f8f8-t8kqz.bookinfo presents its mTLS identity to pod/productpage-v1-6b746f74dc-4xk2p.bookinfo port 9080 (kubectl mesh-tls)"
	assert_line "DECISION  DENY: RBAC: access denied: no rule of the 1 enforced ALLOW policy matches"
	run kubectl mesh-authz can-i GET / --to deploy/reviews-v1.bookinfo
	assert_failure 2
	assert_output 'Error from server (NotFound): deployments.apps "reviews-v1" not found'
}

@test "§6.4 callers outside the mesh's trust domains fail the mTLS handshake before any policy; caCertificates trust domains pass" {
	need_fixtures
	httpbin GET / --port 80 -f "$B/http/trust-domains-in.yaml" --from-principal another.local/ns/a/sa/b -o json
	assert_failure 1
	assert_equal "$(summary)" '{"allowed":false,"decision":"DENY","policy":null,"rule":null,"http_status":null}'
	assert_equal "$(printf '%s' "$output" | jq -r .reason)" \
		"the mTLS handshake fails: the client certificate's trust domain \"another.local\" is not the mesh's (cluster.local), an alias or a caCertificates trust domain (§6.4)"
	pol ca.yaml <<-'EOF'
	apiVersion: v1
	kind: ConfigMap
	metadata: {name: istio, namespace: istio-system}
	data:
	  mesh: |
	    caCertificates:
	    - pem: "-----BEGIN CERTIFICATE-----"
	      trustDomains: [another.local]
	EOF
	httpbin GET / --port 80 -f "$B/http/trust-domains-in.yaml" -f "$T/ca.yaml" --from-principal another.local/ns/a/sa/b
	assert_success
	httpbin GET / --port 80 -f "$B/http/trust-domains-in.yaml" -f "$T/ca.yaml" --from-principal elsewhere/ns/a/sa/b --explain
	assert_failure 1
	assert_line 'TLS       rejected: the mTLS handshake fails: the client certificate'"'"'s trust domain "elsewhere" is not the mesh'"'"'s (cluster.local), an alias or a caCertificates trust domain (§6.4)'
}
