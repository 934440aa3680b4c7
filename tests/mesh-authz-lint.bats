#!/usr/bin/env bats
# kubectl mesh-authz lint: the mistakes of the course's troubleshooting
# tables and more, offline.  Each test names the section of
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


# lint_json ARGS...: run lint -o json; $findings and $output get "severity name: message" lines.
lint_json() {
	run kubectl mesh-authz lint "$@" -o json
	findings=$(printf '%s' "$output" | jq -r '.findings[] | "\(.severity) \(.name): \(.message)"')
	output=$findings
	mapfile -t lines <<<"$findings"
}

@test "§2.2 §5.3 §11.2 the example mesh: four warnings with their fixes, exit 0" {
	run kubectl mesh-authz lint -A -f "$X/mesh"
	assert_success
	assert_output - <<-'OUT'
	warning  AuthorizationPolicy shop/orders-admin-internal
	         rule 0: spec.rules[0].from[0].source.notNamespaces also matches plaintext callers, which have no identity: this DENY blocks every caller without a sidecar (§5.1)
	         fix: if plaintext callers should get through, add principals: ["*"] to the same source
	warning  AuthorizationPolicy shop/payments-allow-orders
	         spec.rules[1].from[0].source.namespaces: no pod of namespace legacy runs a sidecar, so their calls carry no mTLS identity and never match (§5.1-§5.3)
	         fix: inject a sidecar into those pods, or match them with ipBlocks instead
	warning  AuthorizationPolicy shop/payments-allow-orders
	         it is the only ALLOW policy of the pods behind svc/payments.shop: it turns on deny-by-default, and every caller that matches none of its rules now gets 403 (§2.2)
	         fix: make sure every current caller matches a rule (kubectl mesh-authz who-can --what-if), or add rules for them
	warning  RequestAuthentication shop/frontend-jwt
	         no AuthorizationPolicy requires a JWT for the workloads it selects: requests without a token are accepted (§11.2, §11.5)
	         fix: add an AuthorizationPolicy: DENY with notRequestPrincipals: ["*"], or ALLOW with requestPrincipals

	4 findings: 0 errors, 4 warnings, 0 info
	OUT
}

@test "§11.5 a RequestAuthentication backed by a policy that requires a JWT is not reported" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: require-jwt, namespace: shop}
	spec:
	  selector: {matchLabels: {app: frontend}}
	  action: DENY
	  rules:
	  - from: [{source: {notRequestPrincipals: ["*"]}}]
	EOF
	lint_json -n shop -f "$X/mesh" -f "$T/p.yaml"
	assert_success
	refute_line --partial "warning frontend-jwt:"
}

@test "§3.6 spec: {} and rules: [] deny every request unless another ALLOW policy matches" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: deny-all, namespace: bar}
	spec: {}
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: allow-nothing, namespace: bar}
	spec:
	  rules: []
	EOF
	lint_json -n bar -f "$M" -f "$T/p.yaml"
	assert_success
	assert_equal "$findings" "$(cat <<-'OUT'
	warning allow-nothing: rules: [] allows nothing: it matches nothing but turns on deny-by-default, so every request to the workloads it selects is denied unless another ALLOW policy matches (§3.6)
	warning deny-all: spec: {} denies all traffic: it matches nothing but turns on deny-by-default, so every request to the workloads it selects is denied unless another ALLOW policy matches (§3.6)
	OUT
	)"
}

@test "§5.1 §5.2 §5.3 §6.4 principals with spiffe://, and principals, namespaces and service accounts that exist nowhere" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: names, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  rules:
	  - from: [{source: {principals: ["spiffe://cluster.local/ns/foo/sa/sleep", cluster.local/ns/foo/sa/sleeep, other.td/ns/a/sa/b, "cluster.local/ns/*/sa/sleep"]}}]
	  - from: [{source: {namespaces: [fooo, "ba*"]}}]
	  - from: [{source: {serviceAccounts: [bar/ghost, sleep]}}]
	EOF
	lint_json -n foo -f "$M" -f "$T/p.yaml"
	assert_failure 1
	assert_equal "$findings" "$(cat <<-'OUT'
	error names: spec.rules[0].from[0].source.principals: "spiffe://cluster.local/ns/foo/sa/sleep" never matches: principals are written without spiffe:// (§5.1)
	warning names: spec.rules[0].from[0].source.principals: service account foo/sleeep exists nowhere
	warning names: spec.rules[0].from[0].source.principals: trust domain "other.td" in "other.td/ns/a/sa/b" is neither the mesh's (cluster.local) nor an alias; such callers are refused at the mTLS handshake (§6.4)
	error names: spec.rules[0].from[0].source.principals: "cluster.local/ns/*/sa/sleep" never matches: a "*" inside a principal is literal (§5.1)
	warning names: spec.rules[1].from[0].source.namespaces: namespace "fooo" exists nowhere
	warning names: spec.rules[2].from[0].source.serviceAccounts: service account bar/ghost exists nowhere
	warning names: it is the only ALLOW policy of the pods behind svc/httpbin.foo: it turns on deny-by-default, and every caller that matches none of its rules now gets 403 (§2.2)
	OUT
	)"
}

@test "§8.2 §8.3 HTTP-only fields on TCP ports: ALLOW rules are dropped, DENY rules widen" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: db, namespace: foo}
	spec:
	  selector: {matchLabels: {app: db}}
	  rules:
	  - to: [{operation: {methods: [GET]}}]
	  - from: [{source: {namespaces: [foo]}}]
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: db-deny, namespace: foo}
	spec:
	  selector: {matchLabels: {app: db}}
	  action: DENY
	  rules:
	  - to: [{operation: {paths: [/admin]}}]
	  - from: [{source: {namespaces: [bar]}}]
	    to: [{operation: {methods: [DELETE]}}]
	EOF
	lint_json -n foo -f "$M" -f "$T/p.yaml"
	assert_failure 1
	assert_equal "$findings" "$(cat <<-'OUT'
	warning db: rule 0 uses HTTP-only fields; on TCP port 5432 istiod drops the whole rule, so those connections are denied (§8.2)
	warning db: it is the only ALLOW policy of the pods behind svc/db.foo: it turns on deny-by-default, and every caller that matches none of its rules now gets 403 (§2.2)
	error db-deny: rule 0 uses only HTTP-only fields; on TCP port 5432 they are removed and the rule denies every connection (§8.3)
	warning db-deny: rule 1 uses HTTP-only fields; on TCP port 5432 they are removed and the rest of the rule denies every connection it describes (§8.3)
	OUT
	)"
}

@test "§1.3 §1.4 selectors that match no pod, targetRefs on sidecars, RequestAuthentications selecting nothing" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: nginx, namespace: foo}
	spec:
	  selector: {matchLabels: {app: nginx}}
	  action: DENY
	  rules: [{}]
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: by-ref, namespace: foo}
	spec:
	  targetRefs: [{kind: Service, group: "", name: web}]
	  action: DENY
	  rules: [{}]
	---
	apiVersion: security.istio.io/v1
	kind: RequestAuthentication
	metadata: {name: unused, namespace: foo}
	spec:
	  selector: {matchLabels: {app: nothing}}
	  jwtRules: [{issuer: https://idp.example.com}]
	EOF
	lint_json -n foo -f "$M" -f "$T/p.yaml"
	assert_success
	assert_equal "$findings" "$(cat <<-'OUT'
	warning by-ref: targetRefs attach only to gateways and waypoints; sidecars ignore this policy completely (§1.4)
	warning nginx: the selector matches no pod in its namespace
	warning unused: it selects no pod
	OUT
	)"
}

@test "§7.3 §7.4 §4.2 lower-case methods, paths without a leading /, wildcards Istio reads literally" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: ops, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  action: DENY
	  rules:
	  - to: [{operation: {methods: [get, "P*T"], paths: ["api/*", "*admin*", "/a*b"], notHosts: ["*"]}}]
	EOF
	lint_json -n foo -f "$M" -f "$T/p.yaml"
	assert_failure 1
	assert_equal "$findings" "$(cat <<-'OUT'
	error ops: spec.rules[0].to[0].operation.notHosts: ["*"] can never be satisfied on HTTP: every request has one (§4.3)
	warning ops: spec.rules[0].to[0].operation.methods: "get" is case-sensitive and clients send methods in upper case (§7.3)
	warning ops: spec.rules[0].to[0].operation.methods: the "*" in "P*T" is literal, not a wildcard (§4.2)
	error ops: spec.rules[0].to[0].operation.paths: "api/*" never matches: paths always start with / (§7.4)
	warning ops: spec.rules[0].to[0].operation.paths: "*admin*" is a suffix match on "admin*", not a "contains" match (§4.2)
	warning ops: spec.rules[0].to[0].operation.paths: the "*" in "/a*b" is literal, not a wildcard (§4.2)
	OUT
	)"
}

@test "§5.1 §5.3 DENY with notPrincipals or notNamespaces also blocks plaintext callers" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: only-productpage, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  action: DENY
	  rules:
	  - from: [{source: {notPrincipals: [cluster.local/ns/foo/sa/sleep]}}]
	  - from: [{source: {principals: ["*"], notNamespaces: [foo]}}]
	EOF
	lint_json -n foo -f "$M" -f "$T/p.yaml"
	assert_success
	assert_equal "$findings" 'warning only-productpage: rule 0: spec.rules[0].from[0].source.notPrincipals also matches plaintext callers, which have no identity: this DENY blocks every caller without a sidecar (§5.1)'
}

@test "§11.1 requestPrincipals with no RequestAuthentication" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: require-jwt, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  action: DENY
	  rules:
	  - from: [{source: {notRequestPrincipals: ["*"]}}]
	EOF
	lint_json -n foo -f "$M" -f "$T/p.yaml"
	assert_failure 1
	assert_equal "$findings" 'error require-jwt: it uses requestPrincipals or request.auth conditions, but no RequestAuthentication selects its workloads, so no JWT ever counts: negated JWT fields match every request (§11.1)'
}

@test "§3.7 §9.1 §13 what istiod's validation rejects: bad CIDRs, unknown keys, ports, DENY without rules, bad dry-run, CUSTOM identity fields, selector wildcards" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata:
	  name: invalid
	  namespace: foo
	  annotations: {istio.io/dry-run: "maybe"}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  action: DENY
	  rules:
	  - from: [{source: {ipBlocks: [10.0.0.0/33], serviceAccounts: [sleep], principals: [x]}}]
	  - when:
	    - key: request.header[x]
	      values: [z]
	  - to: [{operation: {ports: ["http"]}}]
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: deny-nothing, namespace: foo}
	spec:
	  action: DENY
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: ext, namespace: foo}
	spec:
	  selector: {matchLabels: {app: "web*"}}
	  action: CUSTOM
	  provider: {name: opa}
	  rules:
	  - from: [{source: {namespaces: [bar]}}]
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: everything, namespace: foo}
	spec:
	  selector: {}
	  action: AUDIT
	  rules: [{}]
	EOF
	lint_json -n foo -f "$M" -f "$T/p.yaml"
	assert_failure 1
	assert_equal "$findings" "$(cat <<-'OUT'
	error deny-nothing: a DENY policy without rules is meaningless (it never matches) (istiod's validation rejects it)
	warning everything: a selector without labels selects every workload of its namespace (§1.3)
	error ext: spec.selector.matchLabels: "app: web*": no wildcards and no empty keys (istiod's validation rejects it)
	error ext: spec.rules[0].from[0].source.namespaces: a CUSTOM policy may not use identity or JWT fields (istiod's validation rejects it)
	warning ext: the selector matches no pod in its namespace
	error invalid: annotation istio.io/dry-run: "maybe" is not a boolean; the policy is enforced (istiod's validation rejects it)
	error invalid: spec.rules[0].from[0].source.ipBlocks: "10.0.0.0/33" is not an IP address or CIDR (istiod's validation rejects it)
	error invalid: spec.rules[0].from[0].source: serviceAccounts cannot be combined with principals or namespaces (istiod's validation rejects it)
	error invalid: spec.rules[1].when[0].values: unknown condition key "request.header[x]" (istiod's validation rejects it)
	error invalid: spec.rules[2].to[0].operation.ports: "http" is not a port number (0-65535) (istiod's validation rejects it)
	OUT
	)"
}

@test "§2.3 ALLOW rules a DENY makes moot" {
	pol p.yaml <<-'EOF'
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: deny-admin, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  action: DENY
	  rules:
	  - to: [{operation: {paths: ["/admin/*"]}}]
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: admins, namespace: foo}
	spec:
	  selector: {matchLabels: {app: httpbin}}
	  rules:
	  - to: [{operation: {paths: ["/admin/*"]}}]
	EOF
	lint_json -n foo -f "$M" -f "$T/p.yaml"
	assert_line --partial "warning admins: rule 0 is moot: foo/deny-admin rule 0 denies every request it allows (DENY is checked before ALLOW, §2.3)"
}

@test "§1.2 a policy in istio-system is not mesh-wide when the root namespace is elsewhere" {
	pol p.yaml <<-'EOF'
	apiVersion: v1
	kind: ConfigMap
	metadata: {name: istio, namespace: istio-system}
	data:
	  mesh: "rootNamespace: mesh-root\n"
	---
	apiVersion: security.istio.io/v1
	kind: AuthorizationPolicy
	metadata: {name: mesh-deny, namespace: istio-system}
	spec:
	  action: DENY
	  rules:
	  - to: [{operation: {paths: [/debug]}}]
	EOF
	lint_json -n istio-system -f "$M" -f "$T/p.yaml"
	assert_equal "$findings" 'warning mesh-deny: it is not mesh-wide: the root namespace is mesh-root, so it applies only to the istio-system namespace (§1.2)'
}

@test "-n limits the findings to one namespace; -o json has findings and a summary; a clean namespace" {
	run kubectl mesh-authz lint -n legacy -f "$X/mesh"
	assert_success
	assert_output "No problems found."
	run kubectl mesh-authz lint -n shop -f "$X/mesh" -o json
	assert_success
	assert_equal "$(printf '%s' "$output" | jq -c '{namespace, summary, keys: (.findings[0] | keys)}')" \
		'{"namespace":"shop","summary":{"errors":0,"info":0,"warnings":4},"keys":["fix","kind","message","name","namespace","severity"]}'
}

@test "builder testdata: the validation errors in allow-full-rule and the never-match rules" {
	need_fixtures
	lint_json -A -f "$W/workload.yaml" -f "$B/http/allow-full-rule-in.yaml"
	assert_failure 1
	assert_line 'error httpbin-1: spec.rules[1].to[0].operation.notMethods: ["*"] can never be satisfied on HTTP: every request has one (§4.3)'
	assert_line 'error httpbin-1: this source never matches: namespaces needs an mTLS identity and notPrincipals: ["*"] excludes every one (§5.1, §5.3)'
	assert_line 'warning httpbin-1: rule 1 uses HTTP-only fields; on TCP ports 8080, 9090 istiod drops the whole rule, so those connections are denied (§8.2)'
	assert_line 'warning httpbin-1: spec.rules[1].to[0].operation.ports: no selected pod listens on port 90 (§7.2)'
	refute_line --partial 'port 8000'
}

@test "live: lint -n bookinfo against the cluster" {
	fake_start
	fake_kubeconfig_token alice
	lint_json -n bookinfo
	assert_success
	assert_equal "$findings" "$(cat <<-'OUT'
	warning productpage-viewer: spec.rules[0].from[0].source.principals: service account istio-system/istio-ingressgateway-service-account exists nowhere
	warning productpage-viewer: it is the only ALLOW policy of the pods behind svc/productpage.bookinfo: it turns on deny-by-default, and every caller that matches none of its rules now gets 403 (§2.2)
	OUT
	)"
}
