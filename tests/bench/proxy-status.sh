#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 5 figures: `kubectl mesh-proxy status` over 1,000 proxies connected to
# two istiods, served by the local fake API server (/debug/syncz through
# port-forward).  Target: under 1 s.
#
# The ratio printed is against `kubectl get pods -A -o json` on the same
# server, which holds the 1,000 sidecar pods those proxies run in: the cost
# of merely listing the pods behind the proxies with kubectl, the closest
# thing to a status command kubectl has.  A ratio at or below 1.00 means the
# whole status (two istiods asked side by side, 1,000 rows computed, sorted
# and printed) costs no more than that listing.
set -eu
. "$(dirname "$0")/lib.sh"
bench_init "$@"
bench_need jq kubectl

data=$BENCH_TMP

# Two istiods, 1,000 sidecar pods in 40 namespaces, and each istiod's
# /debug/syncz with the half of the proxies connected to it: five types,
# mostly synced, some stale, a few never sent.
jq -n '{apiVersion: "v1", kind: "List", items: (
	[{apiVersion: "v1", kind: "Namespace", metadata: {name: "istio-system"}}] +
	[range(40) as $n | {apiVersion: "v1", kind: "Namespace", metadata: {name: "ns-\($n)"}}] +
	[range(2) as $d | {apiVersion: "v1", kind: "Pod",
		metadata: {name: "istiod-5d8c7b9f4-\($d)", namespace: "istio-system",
			labels: {app: "istiod", istio: "pilot", "istio.io/rev": "default"}},
		spec: {containers: [{name: "discovery", image: "docker.io/istio/pilot:1.24.2"}]},
		status: {phase: "Running", podIP: "10.244.0.\(5 + $d)"}}] +
	[range(1000) as $i | {apiVersion: "v1", kind: "Pod",
		metadata: {name: "app-\($i % 500)-7d4b9c6f5-\($i)", namespace: "ns-\($i % 40)",
			labels: {app: "app-\($i % 500)", "security.istio.io/tlsMode": "istio"}},
		spec: {nodeName: "node-\($i % 20)", containers: [{name: "app", image: "registry.example.com/app:1.4"},
			{name: "istio-proxy", image: "docker.io/istio/proxyv2:1.24.2"}]},
		status: {phase: "Running", podIP: "10.1.\($i / 256 | floor).\($i % 256)"}}])}' >"$data/cluster.json"
for d in 0 1; do
	dir="$data/proxy/istio-system/istiod-5d8c7b9f4-$d/15014"
	mkdir -p "$dir"
	jq -n --argjson d "$d" '[range(1000) as $i | select($i % 2 == $d) |
		(if $i % 10 == 3 then "n41" else "n42" end) as $acked |
		{cluster_id: "Kubernetes", proxy: "app-\($i % 500)-7d4b9c6f5-\($i).ns-\($i % 40)",
		 proxy_type: "sidecar", istio_version: "1.24.2",
		 resources: ({
			"type.googleapis.com/envoy.config.cluster.v3.Cluster": {sent: "n42", acked: $acked, sentTime: "2026-11-01T08:00:05.120Z"},
			"type.googleapis.com/envoy.config.listener.v3.Listener": {sent: "n42", acked: "n42", sentTime: "2026-11-01T08:00:05.130Z"},
			"type.googleapis.com/envoy.config.route.v3.RouteConfiguration": {sent: "n42", acked: "n42", sentTime: "2026-11-01T08:00:05.140Z"},
			"type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment": {sent: "n42", acked: $acked, sentTime: "2026-11-01T08:00:05.150Z"}}
			+ (if $i % 50 == 0 then {"type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig": {}} else {} end))}]' \
		>"$dir/debug%2Fsyncz"
done
echo "fixture: 2 istiods, $(jq -s 'map(length) | add' "$data"/proxy/istio-system/*/15014/debug%2Fsyncz) proxies, $(cat "$data"/proxy/istio-system/*/15014/debug%2Fsyncz | wc -c) bytes of /debug/syncz; 1,002 pods"

bench_fake_start "$data"
rows=$("$MESH_BUILD/bin/kubectl-mesh_proxy" status | wc -l)
[ "$rows" = 1001 ] || { echo "bench: status printed $rows lines, not 1001" >&2; exit 2; }
bench_best ours 5 "$MESH_BUILD/bin/kubectl-mesh_proxy" status
bench_best wide 5 "$MESH_BUILD/bin/kubectl-mesh_proxy" status -o wide
bench_best theirs 5 sh -c 'kubectl get pods -A -o json >/dev/null'
read -r os om <<<"$ours"
read -r ws wm <<<"$wide"
read -r ks km <<<"$theirs"
echo "kubectl-mesh_proxy status          ${os} s   peak RSS $(mib "$om") MiB   (target < 1 s)"
echo "kubectl-mesh_proxy status -o wide  ${ws} s   peak RSS $(mib "$wm") MiB"
echo "kubectl get pods -A -o json        ${ks} s   peak RSS $(mib "$km") MiB"
echo "time ratio status/kubectl: $(ratio "$os" "$ks")   (target <= 1.00)"
