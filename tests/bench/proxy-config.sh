#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 5 figures: `config clusters -f` on a 100 MB Envoy config dump against
# jq extracting the cluster names from the same file; time and peak RSS.
set -eu
. "$(dirname "$0")/lib.sh"
bench_init "$@"
bench_need jq

fixture=$MESH_ROOT/../shared/fixtures/istio/istioctl/pkg/proxyconfig/testdata/config_dump.json
[ -r "$fixture" ] || { echo "bench: $fixture is missing" >&2; exit 2; }
data=$BENCH_TMP

# Copies of the fixture's clusters (dynamic and static, renamed -N), as
# dynamic_active_clusters of its ClustersConfigDump, pretty-printed as
# Envoy prints them.  One probe run sizes a copy; the real run aims at 100 MB.
grow() {
	jq --argjson n "$1" '.configs |= map(if ."@type" == "type.googleapis.com/envoy.admin.v3.ClustersConfigDump"
		then .dynamic_active_clusters = [range($n) as $i | (.dynamic_active_clusters[], .static_clusters[])
			| .cluster.name += "-\($i)"] else . end)' "$fixture" >"$2"
}
grow 100 "$data/probe.json"
base=$(stat -c %s "$fixture")
per_copy=$(( ($(stat -c %s "$data/probe.json") - base) / 100 ))
copies=$(( (100 * 1000 * 1000 - base) / per_copy ))
grow "$copies" "$data/dump.json"
size=$(stat -c %s "$data/dump.json")
clusters=$(( copies * 3 ))
echo "fixture: $clusters clusters, $size bytes ($(mib $((size / 1024))) MiB) of JSON"

bench_best ours 3 "$MESH_BUILD/bin/kubectl-mesh_proxy" config clusters -f "$data/dump.json"
bench_best theirs 3 jq -c '.configs[] | select(."@type"|test("Clusters")) | .dynamic_active_clusters[].cluster.name' "$data/dump.json"
read -r os om <<<"$ours"
read -r js jm <<<"$theirs"
echo "kubectl-mesh_proxy config clusters -f   ${os} s   peak RSS $(mib "$om") MiB"
echo "jq (cluster names only)                 ${js} s   peak RSS $(mib "$jm") MiB"
echo "time ratio ours/jq: $(ratio "$os" "$js")   (target <= 1.00)"
echo "peak RSS / file size: $(ratio $((om * 1024)) "$size")   (target < 3.00)"
