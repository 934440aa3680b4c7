#!/usr/bin/env bats
# The object set from -f inputs: documents, Lists, directories, stdin,
# kubectl's error texts, pruning, and the mesh config.

load test_helper/common
load test_helper/fake-server

setup() {
	_common_setup
	cd "$MESH_ROOT/tests/fixtures/objects"
}

teardown() {
	fake_stop
}

# Start the fake API server (ARGS as fake_start) with alice's kubeconfig.
live() {
	fake_start "$@"
	fake_kubeconfig_token alice
}

# The requests the server saw, sorted: a batch runs concurrently.
requests() {
	fake_requests | sort
}

DEFAULT_MESH='mesh {"defaultDestinationRuleExportTo":["*"],"enableAutoMtls":true,"extensionProviders":[],"rootNamespace":"istio-system","source":null,"trustDomain":"cluster.local","trustDomainAliases":[]}'

@test "multi-document YAML: every kind, Istio objects at any served version" {
	run -0 "$TEST_COMMON" objects -f multi.yaml
	assert_output - <<-OUT
	Namespace 1
	Pod 1
	Service 1
	PeerAuthentication 1
	DestinationRule 1
	AuthorizationPolicy 1
	ignored 1
	Namespace/shop
	Pod/shop/web-1
	Service/shop/web
	PeerAuthentication/shop/default
	DestinationRule/shop/web
	AuthorizationPolicy/shop/allow-web
	$DEFAULT_MESH
	OUT
}

@test "JSON stream and kind: List; -n fills in missing namespaces" {
	run -0 "$TEST_COMMON" objects -n prod -f stream.json -f list.yaml
	assert_output - <<-OUT
	ServiceAccount 1
	ConfigMap 1
	Deployment 1
	StatefulSet 1
	DaemonSet 1
	RequestAuthentication 1
	ignored 1
	ServiceAccount/shop/web
	ConfigMap/prod/settings
	Deployment/shop/web
	StatefulSet/data/db
	DaemonSet/kube-system/agent
	RequestAuthentication/shop/jwt
	$DEFAULT_MESH
	OUT
}

@test "a top-level JSON array (jq's usual output) is read as its elements" {
	printf '%s' '[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}},[{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"s","namespace":"a"}}]]' \
		>"$BATS_TEST_TMPDIR/arr.json"
	run -0 "$TEST_COMMON" objects -f "$BATS_TEST_TMPDIR/arr.json"
	assert_output - <<-OUT
	Namespace 1
	ServiceAccount 1
	ignored 0
	Namespace/a
	ServiceAccount/a/s
	$DEFAULT_MESH
	OUT
}

@test "objects without a namespace land in default when -n is not given" {
	run -0 "$TEST_COMMON" objects -f list.yaml
	assert_line ConfigMap/default/settings
}

@test "a cluster-scoped object loses a namespace it should not have" {
	printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  namespace: y\n' >"$BATS_TEST_TMPDIR/ns.yaml"
	run -0 "$TEST_COMMON" objects --dump -f "$BATS_TEST_TMPDIR/ns.yaml"
	assert_output '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"}}'
}

@test "kubectl get -o yaml output: pods pruned, other kinds whole but for last-applied" {
	run -0 "$TEST_COMMON" objects --dump -f get-o-yaml.yaml
	assert_output - <<-'OUT'
	{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"sidecar.istio.io/status":"{\"containers\":[\"istio-proxy\"]}"},"creationTimestamp":"2024-05-01T10:00:00Z","labels":{"app":"api"},"name":"api-0","namespace":"shop","uid":"7b0c1d2e-0000-4000-8000-000000000001"},"spec":{"containers":[{"image":"api:2","name":"api"}],"nodeName":"node-1","serviceAccountName":"api"},"status":{"phase":"Running","podIP":"10.0.0.7"}}
	{"apiVersion":"v1","kind":"Service","metadata":{"name":"api","namespace":"shop","resourceVersion":"4712"},"spec":{"clusterIP":"10.96.0.10"}}
	OUT
}

@test "an API PodList: items take kind and apiVersion from the list; unread fields are pruned" {
	run -0 "$TEST_COMMON" objects --dump -f api-podlist.json
	assert_output - <<-'OUT'
	{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"traffic.sidecar.istio.io/excludeInboundPorts":"9090"},"creationTimestamp":"2024-05-01T10:00:00Z","labels":{"app":"cart","security.istio.io/tlsMode":"istio"},"name":"cart-5d8f9-abcde","namespace":"shop","ownerReferences":[{"apiVersion":"apps/v1","blockOwnerDeletion":true,"controller":true,"kind":"ReplicaSet","name":"cart-5d8f9","uid":"rs-uid"}],"uid":"11111111-2222-3333-4444-555555555555"},"spec":{"containers":[{"image":"cart:3","name":"cart","ports":[{"containerPort":8080,"protocol":"TCP"}]}],"hostNetwork":false,"initContainers":[{"image":"proxyv2:1.22","name":"istio-proxy","ports":[{"containerPort":15090,"name":"http-envoy-prom","protocol":"TCP"}],"restartPolicy":"Always"}],"nodeName":"node-2","serviceAccount":"cart","serviceAccountName":"cart"},"status":{"containerStatuses":[{"image":"cart:3","name":"cart","ready":true}],"hostIP":"192.168.1.2","phase":"Running","podIP":"10.1.0.5","podIPs":[{"ip":"10.1.0.5"}]}}
	{"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"app":"cart"},"name":"cart-5d8f9-fghij","namespace":"shop"},"spec":{"containers":[{"image":"cart:3","name":"cart"}]}}
	OUT
}

@test "managedFields are dropped from every kind" {
	printf '{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"n","managedFields":[{"manager":"m"}],"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}","keep":"me"}}}' \
		>"$BATS_TEST_TMPDIR/svc.json"
	run -0 "$TEST_COMMON" objects --dump -f "$BATS_TEST_TMPDIR/svc.json"
	assert_output '{"apiVersion":"v1","kind":"Service","metadata":{"annotations":{"keep":"me"},"name":"s","namespace":"n"}}'
}

@test "directories: .yaml, .yml and .json files in name order, subdirectories only with -R" {
	run -0 "$TEST_COMMON" objects -f dir
	assert_output - <<-OUT
	ServiceAccount 3
	ignored 0
	ServiceAccount/default/a
	ServiceAccount/default/b
	ServiceAccount/default/c
	$DEFAULT_MESH
	OUT
	run -0 "$TEST_COMMON" objects -R -f dir/
	assert_output - <<-OUT
	ServiceAccount 4
	ignored 0
	ServiceAccount/default/a
	ServiceAccount/default/b
	ServiceAccount/default/c
	ServiceAccount/default/d
	$DEFAULT_MESH
	OUT
}

@test "a file named explicitly is read whatever its extension" {
	printf 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: txt\n' >"$BATS_TEST_TMPDIR/manifest.txt"
	run -0 "$TEST_COMMON" objects -f "$BATS_TEST_TMPDIR/manifest.txt"
	assert_line ServiceAccount/default/txt
}

@test "stdin: -f - reads the standard input" {
	run -0 "$TEST_COMMON" objects -n prod -f - <dir/a.yaml
	assert_line ServiceAccount/prod/a
}

@test "stdin errors name STDIN as kubectl does" {
	run -2 "$TEST_COMMON" objects -f - <errors/syntax.yaml
	assert_output 'error: error parsing STDIN: error converting YAML to JSON: yaml: line 5: mapping values are not allowed in this context'
}

@test "a later document replaces an earlier one with the same kind, namespace and name" {
	run -0 "$TEST_COMMON" objects --dump -f later-wins.yaml
	assert_output - <<-'OUT'
	{"apiVersion":"security.istio.io/v1beta1","kind":"PeerAuthentication","metadata":{"name":"default","namespace":"shop"},"spec":{"mtls":{"mode":"STRICT"}}}
	{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"other","namespace":"shop"},"spec":{}}
	OUT
}

@test "a later file replaces objects of an earlier one; others stay" {
	printf 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n  labels: {v: "2"}\n' >"$BATS_TEST_TMPDIR/a2.yaml"
	run -0 "$TEST_COMMON" objects --dump -f dir -f "$BATS_TEST_TMPDIR/a2.yaml"
	assert_output - <<-'OUT'
	{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"labels":{"v":"2"},"name":"a","namespace":"default"}}
	{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"b","namespace":"default"}}
	{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"c","namespace":"default"}}
	OUT
}

@test "kinds the suite does not read are counted and dropped, including other groups and versions" {
	cat >"$BATS_TEST_TMPDIR/other.yaml" <<-'EOF'
	apiVersion: extensions/v1beta1
	kind: Deployment
	metadata: {name: old}
	---
	apiVersion: security.istio.io/v1alpha1
	kind: PeerAuthentication
	metadata: {name: pa}
	---
	apiVersion: example.com/v1
	kind: Pod
	metadata: {name: fake}
	---
	apiVersion: v1
	kind: Secret
	metadata: {name: s}
	EOF
	run -0 "$TEST_COMMON" objects -f "$BATS_TEST_TMPDIR/other.yaml"
	assert_output - <<-OUT
	ignored 4
	$DEFAULT_MESH
	OUT
}

@test "error: a path that does not exist (the first of several)" {
	run -2 "$TEST_COMMON" objects -f dir -f nothere.yaml -f gone.yaml
	assert_output 'error: the path "nothere.yaml" does not exist'
}

@test "error: a directory without manifests" {
	mkdir "$BATS_TEST_TMPDIR/empty"
	touch "$BATS_TEST_TMPDIR/empty/README.md"
	run -2 "$TEST_COMMON" objects -f "$BATS_TEST_TMPDIR/empty"
	assert_output "error: error reading [$BATS_TEST_TMPDIR/empty]: recognized file extensions are [.json .yaml .yml]"
}

@test "error: YAML syntax, worded as kubectl's" {
	run -2 "$TEST_COMMON" objects -f errors/syntax.yaml
	assert_output 'error: error parsing errors/syntax.yaml: error converting YAML to JSON: yaml: line 5: mapping values are not allowed in this context'
}

@test "error: line numbers count from the start of the failing document" {
	run -2 "$TEST_COMMON" objects -f errors/syntax-second.yaml
	assert_output 'error: error parsing errors/syntax-second.yaml: error converting YAML to JSON: yaml: line 5: mapping values are not allowed in this context'
}

@test "error: a file in a directory is named by its joined path" {
	mkdir "$BATS_TEST_TMPDIR/m"
	cp errors/syntax.yaml "$BATS_TEST_TMPDIR/m/bad.yaml"
	run -2 "$TEST_COMMON" objects -f "$BATS_TEST_TMPDIR/m/"
	assert_output "error: error parsing $BATS_TEST_TMPDIR/m/bad.yaml: error converting YAML to JSON: yaml: line 5: mapping values are not allowed in this context"
	cd "$BATS_TEST_TMPDIR/m"
	run -2 "$TEST_COMMON" objects -f .
	assert_output 'error: error parsing bad.yaml: error converting YAML to JSON: yaml: line 5: mapping values are not allowed in this context'
}

@test "error: text after a document separator" {
	run -2 "$TEST_COMMON" objects -f errors/separator.yaml
	assert_output 'error: error parsing errors/separator.yaml: invalid Yaml document separator: kind: Pod'
}

@test "error: malformed JSON" {
	run -2 "$TEST_COMMON" objects -f errors/bad.json
	assert_output "error: error parsing errors/bad.json: json: line 1 column 21: string or '}' expected near ','"
}

@test "error: an object without kind or apiVersion" {
	run -2 "$TEST_COMMON" objects -f errors/no-kind.yaml
	assert_output "error: unable to decode \"errors/no-kind.yaml\": Object 'Kind' is missing in '{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"a\"}}'"
	run -2 "$TEST_COMMON" objects -f errors/no-apiversion.yaml
	assert_output "error: unable to decode \"errors/no-apiversion.yaml\": Object 'apiVersion' is missing in '{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}'"
	run -2 "$TEST_COMMON" objects -f errors/list-item-no-kind.yaml
	assert_output "error: unable to decode \"errors/list-item-no-kind.yaml\": Object 'Kind' is missing in '{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"a\"}}'"
}

@test "error: an object without a name names its file" {
	run -2 "$TEST_COMMON" objects -f errors/no-name.yaml
	assert_output 'error: error validating "errors/no-name.yaml": Pod: resource name may not be empty'
}

@test "mesh config: from the istio ConfigMap in istio-system" {
	run -0 "$TEST_COMMON" objects -f mesh/istio.yaml
	assert_line 'mesh {"defaultDestinationRuleExportTo":["."],"enableAutoMtls":false,"extensionProviders":[{"envoyExtAuthzGrpc":{"port":9191,"service":"opa.opa.svc.cluster.local"},"name":"opa"}],"rootNamespace":"mesh-root","source":"istio-system/istio","trustDomain":"example.org","trustDomainAliases":["old.example.org"]}'
}

@test "mesh config: a revision reads istio-<revision>; the default revision reads istio" {
	run -0 "$TEST_COMMON" objects -f mesh/istio.yaml -f mesh/istio-canary.yaml --revision canary
	assert_line 'mesh {"defaultDestinationRuleExportTo":["*"],"enableAutoMtls":true,"extensionProviders":[],"rootNamespace":"istio-system","source":"istio-system/istio-canary","trustDomain":"canary.local","trustDomainAliases":[]}'
	run -0 "$TEST_COMMON" objects -f mesh/istio.yaml -f mesh/istio-canary.yaml --revision default
	assert_line --partial '"source":"istio-system/istio",'
	run -0 "$TEST_COMMON" objects -f mesh/istio.yaml --revision canary
	assert_line "$DEFAULT_MESH"
}

@test "mesh config: another Istio namespace is also the default root namespace" {
	run -0 "$TEST_COMMON" objects -f mesh/custom-ns.yaml --istio-namespace istio-control
	assert_line 'mesh {"defaultDestinationRuleExportTo":["*"],"enableAutoMtls":true,"extensionProviders":[],"rootNamespace":"istio-control","source":"istio-control/istio","trustDomain":"cluster.local","trustDomainAliases":[]}'
	run -0 "$TEST_COMMON" objects -f mesh/custom-ns.yaml
	assert_line "$DEFAULT_MESH"
}

@test "mesh config: errors in data.mesh" {
	run -2 "$TEST_COMMON" objects -f mesh/bad-yaml.yaml
	assert_output 'error: error parsing the mesh config in ConfigMap istio-system/istio: yaml: line 2: mapping values are not allowed in this context'
	run -2 "$TEST_COMMON" objects -f mesh/bad-type.yaml
	assert_output 'error: error parsing the mesh config in ConfigMap istio-system/istio: enableAutoMtls must be true or false'
}

@test "kind names: Kind, resource, singular, short name and resource.group, any case" {
	run -0 "$TEST_COMMON" objects kind Pod pods po PO deploy deployment deployments \
		deployments.apps deployments.v1.apps pa PeerAuthentication.security.istio.io \
		destinationrules.v1alpha3.networking.istio.io dr ap ra ns svc sa cm sts ds \
		pods.apps destinationrules.v1alpha1.networking.istio.io replicasets
	assert_output - <<-'OUT'
	Pod Pod
	pods Pod
	po Pod
	PO Pod
	deploy Deployment
	deployment Deployment
	deployments Deployment
	deployments.apps Deployment
	deployments.v1.apps Deployment
	pa PeerAuthentication
	PeerAuthentication.security.istio.io PeerAuthentication
	destinationrules.v1alpha3.networking.istio.io DestinationRule
	dr DestinationRule
	ap AuthorizationPolicy
	ra RequestAuthentication
	ns Namespace
	svc Service
	sa ServiceAccount
	cm ConfigMap
	sts StatefulSet
	ds DaemonSet
	pods.apps -
	destinationrules.v1alpha1.networking.istio.io -
	replicasets -
	OUT
}

@test "lookup by kind, namespace and name; the namespace is ignored for cluster-scoped kinds" {
	run -0 "$TEST_COMMON" objects -f multi.yaml --get pod/shop/web-1
	assert_output 'Pod shop/web-1 created 0 labels {"app":"web"}'
	run -0 "$TEST_COMMON" objects -f multi.yaml --get pod/other/web-1
	assert_output '(none)'
	run -0 "$TEST_COMMON" objects -f multi.yaml --get namespaces/anything/shop
	assert_output 'Namespace shop created 0 labels {"istio-injection":"enabled"}'
	run -0 "$TEST_COMMON" objects -f multi.yaml --get svc/shop/web
	assert_output 'Service shop/web created 0 labels (null)'
}

@test "accessors: dotted paths with array indexes, labels and annotations" {
	run -0 "$TEST_COMMON" objects -f api-podlist.json --get po/shop/cart-5d8f9-abcde \
		--path spec.containers.0.name --path status.podIPs --path spec.nope \
		--path spec.containers.x --path spec.containers.7 --label app --label nope \
		--annotation traffic.sidecar.istio.io/excludeInboundPorts --annotation nope
	assert_output - <<-'OUT'
	Pod shop/cart-5d8f9-abcde created 1714557600 labels {"app":"cart","security.istio.io/tlsMode":"istio"}
	path spec.containers.0.name "cart"
	path status.podIPs [{"ip":"10.1.0.5"}]
	path spec.nope (null)
	path spec.containers.x (null)
	path spec.containers.7 (null)
	label app cart
	label nope (null)
	annotation traffic.sidecar.istio.io/excludeInboundPorts 9090
	annotation nope (null)
	OUT
}

@test "creationTimestamp: RFC 3339 with offsets and fractions; 0 when malformed" {
	local ts want
	while read -r ts want; do
		printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  creationTimestamp: "%s"\n' "$ts" \
			>"$BATS_TEST_TMPDIR/c.yaml"
		run -0 "$TEST_COMMON" objects -f "$BATS_TEST_TMPDIR/c.yaml" --get cm/default/c
		assert_output "ConfigMap default/c created $want labels (null)"
	done <<-'EOF'
	2024-05-01T10:00:00Z 1714557600
	2024-05-01t10:00:00z 1714557600
	2024-05-01T12:30:00+02:30 1714557600
	2024-05-01T05:00:00-05:00 1714557600
	2024-05-01T10:00:00.123456789Z 1714557600
	2024-05-01 0
	2024-05-01T10:00:00 0
	2024-05-01T10:00:00.Z 0
	2024-13-01T10:00:00Z 0
	2024-05-01T10:00:00Zjunk 0
	EOF
}

@test "fetch: lists in one namespace or all, a single get, Istio kinds at v1, mesh config" {
	live
	run -0 "$TEST_COMMON" objects --query pods bookinfo - - 0 --query svc - - - 0 \
		--query pa - - - 0 --query cm istio-system istio - 0 --query dr - - - 0
	assert_output - <<-'OUT'
	loaded Pod Service ConfigMap PeerAuthentication DestinationRule
	Pod 3
	Service 5
	ConfigMap 1
	PeerAuthentication 2
	DestinationRule 1
	ignored 0
	Pod/bookinfo/productpage-v1-6b746f74dc-4xk2p
	Pod/bookinfo/ratings-v1-7c9bd4b87f-9wxzv
	Pod/bookinfo/reviews-v1-5fd6d4f8f8-t8kqz
	Service/bookinfo/productpage
	Service/bookinfo/ratings
	Service/bookinfo/reviews
	Service/istio-system/istiod
	Service/legacy/legacy-app
	ConfigMap/istio-system/istio
	PeerAuthentication/istio-system/default
	PeerAuthentication/legacy/default
	DestinationRule/bookinfo/reviews
	mesh {"defaultDestinationRuleExportTo":["*"],"enableAutoMtls":true,"extensionProviders":[],"rootNamespace":"istio-system","source":"istio-system/istio","trustDomain":"cluster.local","trustDomainAliases":[]}
	OUT
	run -0 requests
	assert_output - <<-'OUT'
	GET /api/v1/namespaces/bookinfo/pods?limit=500 200
	GET /api/v1/namespaces/istio-system/configmaps/istio 200
	GET /api/v1/services?limit=500 200
	GET /apis/networking.istio.io/v1/destinationrules?limit=500 200
	GET /apis/security.istio.io/v1/peerauthentications?limit=500 200
	OUT
}

@test "fetch: pods from the API are pruned as file input is" {
	live
	run -0 "$TEST_COMMON" objects --dump --query pods bookinfo ratings-v1-7c9bd4b87f-9wxzv - 0
	assert_output '{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"kubectl.kubernetes.io/default-container":"ratings","kubectl.kubernetes.io/default-logs-container":"ratings","sidecar.istio.io/status":"{\"initContainers\":[\"istio-init\"],\"containers\":[\"istio-proxy\"],\"volumes\":[\"istio-envoy\",\"istio-data\",\"istio-podinfo\",\"istio-token\",\"istiod-ca-cert\"],\"imagePullSecrets\":null,\"revision\":\"default\"}"},"creationTimestamp":"2025-01-01T00:00:00Z","labels":{"app":"ratings","pod-template-hash":"7c9bd4b87f","security.istio.io/tlsMode":"istio","service.istio.io/canonical-name":"ratings","service.istio.io/canonical-revision":"v1","version":"v1"},"name":"ratings-v1-7c9bd4b87f-9wxzv","namespace":"bookinfo","uid":"b20f4763-a26c-4c0e-9a33-4b039e9e9568"},"spec":{"containers":[{"image":"docker.io/istio/examples-bookinfo-ratings-v1:1.20.2","name":"ratings","ports":[{"containerPort":9080,"protocol":"TCP"}]},{"image":"docker.io/istio/proxyv2:1.24.2","name":"istio-proxy","ports":[{"containerPort":15090,"name":"http-envoy-prom","protocol":"TCP"}]}],"initContainers":[{"image":"docker.io/istio/proxyv2:1.24.2","name":"istio-init"}],"nodeName":"node-1","serviceAccountName":"bookinfo-ratings"},"status":{"containerStatuses":[{"image":"docker.io/istio/proxyv2:1.24.2","name":"istio-proxy","ready":true},{"image":"docker.io/istio/examples-bookinfo-ratings-v1:1.20.2","name":"ratings","ready":true}],"phase":"Running","podIP":"10.244.0.12"}}'
}

@test "fetch: a label selector goes to the server" {
	live
	run -0 "$TEST_COMMON" objects --query pods - - 'app in (ratings,reviews)' 0
	assert_line Pod/bookinfo/ratings-v1-7c9bd4b87f-9wxzv
	assert_line Pod/bookinfo/reviews-v1-5fd6d4f8f8-t8kqz
	assert_line 'Pod 2'
	run -0 requests
	assert_output 'GET /api/v1/pods?labelSelector=app%20in%20%28ratings%2Creviews%29&limit=500 200'
}

@test "fetch: a missing object is no error when optional, kubectl's NotFound otherwise" {
	live
	run -0 "$TEST_COMMON" objects --query pods bookinfo nope - 1 --query ns - bookinfo - 0
	assert_output - <<-'OUT'
	loaded Namespace Pod
	Namespace 1
	ignored 0
	Namespace/bookinfo
	mesh {"defaultDestinationRuleExportTo":["*"],"enableAutoMtls":true,"extensionProviders":[],"rootNamespace":"istio-system","source":null,"trustDomain":"cluster.local","trustDomainAliases":[]}
	OUT
	run -2 "$TEST_COMMON" objects --query ns - bookinfo - 0 --query pods bookinfo nope - 0
	assert_output 'Error from server (NotFound): pods "nope" not found'
}

@test "fetch: Istio kinds fall back to v1beta1 after asking the group which versions it serves" {
	live --istio v1beta1
	run -0 "$TEST_COMMON" objects --query pa - - - 0 --query dr bookinfo - - 0 \
		--query ap bookinfo nope - 1 --query ra - - - 0
	assert_output - <<-'OUT'
	loaded PeerAuthentication DestinationRule AuthorizationPolicy RequestAuthentication
	PeerAuthentication 2
	DestinationRule 1
	ignored 0
	PeerAuthentication/istio-system/default
	PeerAuthentication/legacy/default
	DestinationRule/bookinfo/reviews
	mesh {"defaultDestinationRuleExportTo":["*"],"enableAutoMtls":true,"extensionProviders":[],"rootNamespace":"istio-system","source":null,"trustDomain":"cluster.local","trustDomainAliases":[]}
	OUT
	run -0 requests
	assert_output - <<-'OUT'
	GET /apis/networking.istio.io 200
	GET /apis/networking.istio.io/v1/namespaces/bookinfo/destinationrules?limit=500 404
	GET /apis/networking.istio.io/v1beta1/namespaces/bookinfo/destinationrules?limit=500 200
	GET /apis/security.istio.io 200
	GET /apis/security.istio.io/v1/namespaces/bookinfo/authorizationpolicies/nope 404
	GET /apis/security.istio.io/v1/peerauthentications?limit=500 404
	GET /apis/security.istio.io/v1/requestauthentications?limit=500 404
	GET /apis/security.istio.io/v1beta1/namespaces/bookinfo/authorizationpolicies/nope 404
	GET /apis/security.istio.io/v1beta1/peerauthentications?limit=500 200
	GET /apis/security.istio.io/v1beta1/requestauthentications?limit=500 200
	OUT
	run -0 "$TEST_COMMON" objects --dump --query dr bookinfo reviews - 0
	assert_output --partial '{"apiVersion":"networking.istio.io/v1beta1","kind":"DestinationRule",'
}

@test "fetch: a missing Istio object at a served version is a plain NotFound" {
	live
	run -2 "$TEST_COMMON" objects --query ap bookinfo nope - 0
	assert_output 'Error from server (NotFound): authorizationpolicies.security.istio.io "nope" not found'
	run -0 requests
	assert_output - <<-'OUT'
	GET /apis/security.istio.io 200
	GET /apis/security.istio.io/v1/namespaces/bookinfo/authorizationpolicies/nope 404
	OUT
}

@test "fetch: a cluster without Istio's API groups" {
	live --istio none
	run -2 "$TEST_COMMON" objects --query pods - - - 0 --query dr - - - 0 --query pa - - - 0
	assert_output 'error: Istio is not installed in this cluster: the server has no networking.istio.io API group'
}

@test "fetch: the first failure in query order is reported" {
	live
	fake_fault '/api/v1/services status=403'
	fake_fault '/api/v1/namespaces/bookinfo/pods status=500'
	run -2 "$TEST_COMMON" objects --query svc - - - 0 --query pods bookinfo - - 0
	assert_output 'Error from server (Forbidden): injected fault'
	run -2 "$TEST_COMMON" objects --query pods bookinfo - - 0 --query svc - - - 0
	assert_output 'Error from server (InternalError): Internal error occurred: injected fault'
}
