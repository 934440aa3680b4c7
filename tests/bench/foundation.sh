#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 2 figures: --help start-up time, stripped binary sizes, and listing
# 10,000 pods (paged) from the local fake API server against kubectl.
set -eu
. "$(dirname "$0")/lib.sh"
bench_init "$@"
bench_need jq kubectl

echo "== start-up: --help (mean of 500 runs)"
for b in tls authz proxy; do
	bin="$MESH_BUILD/bin/kubectl-mesh_$b"
	start=$(date +%s%N)
	for _ in $(seq 500); do "$bin" --help >/dev/null; done
	end=$(date +%s%N)
	awk -v ns=$((end - start)) -v b="$b" 'BEGIN { printf "kubectl-mesh_%-6s --help   %.2f ms   (target < 5 ms)\n", b, ns / 500 / 1e6 }'
done

echo "== stripped binary size"
tmp=$BENCH_TMP/strip
mkdir "$tmp"
for b in tls authz proxy; do
	strip -o "$tmp/$b" "$MESH_BUILD/bin/kubectl-mesh_$b"
	sz=$(stat -c %s "$tmp/$b")
	awk -v s="$sz" -v b="$b" 'BEGIN { printf "kubectl-mesh_%-6s %8d bytes = %.2f MiB   (target < 1 MiB)\n", b, s, s / 1048576 }'
done

echo "== listing 10,000 pods from the fake API server (500-item pages)"
data=$BENCH_TMP/data
mkdir "$data"
# Realistic pods: sidecar-injected, with managedFields, volumes, env and conditions (~5 KB each).
jq -n '{apiVersion: "v1", kind: "List", items: [range(10000) as $i | {apiVersion: "v1", kind: "Pod",
	metadata: {name: "app-\($i % 500)-7d4b9c6f5-\($i)", namespace: "ns-\($i % 40)",
		labels: {app: "app-\($i % 500)", version: "v\($i % 3)", "pod-template-hash": "7d4b9c6f5",
			"security.istio.io/tlsMode": "istio", "service.istio.io/canonical-name": "app-\($i % 500)"},
		annotations: {"sidecar.istio.io/status": "{\"initContainers\":[\"istio-init\"],\"containers\":[\"istio-proxy\"],\"volumes\":[\"istio-envoy\",\"istio-data\",\"istio-podinfo\",\"istio-token\",\"istiod-ca-cert\"],\"revision\":\"default\"}",
			"prometheus.io/path": "/stats/prometheus", "prometheus.io/port": "15020", "prometheus.io/scrape": "true"},
		ownerReferences: [{apiVersion: "apps/v1", kind: "ReplicaSet", name: "app-\($i % 500)-7d4b9c6f5", uid: "9f1c2d3e-\($i)", controller: true, blockOwnerDeletion: true}],
		managedFields: [{manager: "kube-controller-manager", operation: "Update", apiVersion: "v1", time: "2026-11-01T08:00:00Z", fieldsType: "FieldsV1",
			fieldsV1: {"f:metadata": {"f:labels": {".": {}, "f:app": {}, "f:version": {}}, "f:ownerReferences": {".": {}}}, "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {".": {}, "f:image": {}, "f:name": {}, "f:ports": {}}}}}},
			{manager: "kubelet", operation: "Update", apiVersion: "v1", time: "2026-11-01T08:00:05Z", fieldsType: "FieldsV1", subresource: "status",
			fieldsV1: {"f:status": {"f:conditions": {}, "f:containerStatuses": {}, "f:podIP": {}, "f:podIPs": {}, "f:phase": {}}}}]},
	spec: {serviceAccountName: "app-\($i % 500)", nodeName: "node-\($i % 20)",
		initContainers: [{name: "istio-init", image: "docker.io/istio/proxyv2:1.24.2", args: ["istio-iptables", "-p", "15001", "-z", "15006", "-u", "1337"]}],
		containers: [{name: "app", image: "registry.example.com/app:1.4.\($i % 9)", ports: [{name: "http", containerPort: 8080, protocol: "TCP"}],
				env: [{name: "LOG_LEVEL", value: "info"}, {name: "POD_NAME", valueFrom: {fieldRef: {fieldPath: "metadata.name"}}}],
				resources: {requests: {cpu: "100m", memory: "128Mi"}}, volumeMounts: [{name: "kube-api-access", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true}]},
			{name: "istio-proxy", image: "docker.io/istio/proxyv2:1.24.2", args: ["proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local"],
				ports: [{name: "http-envoy-prom", containerPort: 15090, protocol: "TCP"}],
				env: [{name: "ISTIO_META_CLUSTER_ID", value: "Kubernetes"}, {name: "PILOT_CERT_PROVIDER", value: "istiod"}, {name: "CA_ADDR", value: "istiod.istio-system.svc:15012"}],
				resources: {requests: {cpu: "10m", memory: "40Mi"}, limits: {cpu: "2", memory: "1Gi"}}}],
		volumes: [{name: "istio-envoy", emptyDir: {medium: "Memory"}}, {name: "istio-data", emptyDir: {}}, {name: "kube-api-access", projected: {sources: [{serviceAccountToken: {expirationSeconds: 3607, path: "token"}}]}}]},
	status: {phase: "Running", hostIP: "10.0.0.\($i % 20)", podIP: "10.\($i / 65536 | floor).\($i / 256 % 256 | floor).\($i % 256)",
		podIPs: [{ip: "10.\($i / 65536 | floor).\($i / 256 % 256 | floor).\($i % 256)"}],
		conditions: [{type: "Initialized", status: "True"}, {type: "Ready", status: "True"}, {type: "ContainersReady", status: "True"}, {type: "PodScheduled", status: "True"}],
		containerStatuses: [{name: "app", ready: true, restartCount: 0, image: "registry.example.com/app:1.4.\($i % 9)", started: true, state: {running: {startedAt: "2026-11-01T08:00:04Z"}}},
			{name: "istio-proxy", ready: true, restartCount: 0, image: "docker.io/istio/proxyv2:1.24.2", started: true, state: {running: {startedAt: "2026-11-01T08:00:03Z"}}}]}}]}' >"$data/pods.json"
echo "fixture: $(jq '.items | length' "$data/pods.json") pods, $(( $(stat -c %s "$data/pods.json") / 1048576 )) MiB of JSON"
bench_fake_start "$data"
bench_best ours 3 "$MESH_BUILD/bin/kubectl-mesh_tls" inventory -A
bench_best theirs 3 sh -c 'kubectl get pods -A -o json >/dev/null'
read -r os om <<<"$ours"
read -r ks km <<<"$theirs"
echo "kubectl-mesh_tls inventory -A  ${os} s   peak RSS $(mib "$om") MiB   (target < 100 MiB)"
echo "kubectl get pods -A -o json    ${ks} s   peak RSS $(mib "$km") MiB"
echo "time ratio ours/kubectl: $(ratio "$os" "$ks")   (target <= 1.00)"
