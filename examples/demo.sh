#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make demo: run the plugins on the bundled example mesh, offline, the way
# a user would (through kubectl when it is installed).
set -u
bin=$(cd "${1:-build/bin}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
PATH="$bin:$PATH"
export PATH
cd "$here/.."

run() {
	printf '\n$ %s\n' "$*"
	"$@"
	printf '[exit %d]\n' "$?"
}

if command -v kubectl >/dev/null 2>&1; then
	k() { kubectl "$@"; }
	K=kubectl
else
	k() { p=$1; shift; "kubectl-$(echo "$p" | tr - _)" "$@"; }
	K=k
fi

echo "kubectl-mesh demo: the example mesh in examples/mesh (shop, legacy, istio-system)"
run $K mesh-tls version --client
run $K mesh-tls version -f examples/mesh
run $K mesh-tls inventory -A -f examples/mesh

echo
echo "== kubectl mesh-tls: how each call is secured today"
run $K mesh-tls check -A -f examples/mesh
run $K mesh-tls trace deploy/billing.legacy svc/payments.shop:8080 -f examples/mesh
run $K mesh-tls status svc/payments.shop -f examples/mesh

echo
echo "== The course module's incident, caught before it is applied: mesh-wide STRICT"
echo "   while legacy/billing (no sidecar) still calls the shop"
run $K mesh-tls check -A -f examples/mesh --what-if examples/incident/mesh-wide-strict.yaml
run $K mesh-tls trace deploy/billing.legacy svc/payments.shop:8080 -f examples/mesh -f examples/incident/mesh-wide-strict.yaml

echo
echo "== The other way round: a mesh-wide DestinationRule forcing ISTIO_MUTUAL"
echo "   while the shop still calls legacy/billing"
run $K mesh-tls check -A -f examples/mesh --what-if examples/incident/mesh-wide-mtls-rule.yaml
run $K mesh-tls trace deploy/payments.shop svc/billing.legacy:8080 -f examples/mesh -f examples/incident/mesh-wide-mtls-rule.yaml
# --- kubectl mesh-authz (issue 4) ---
echo
echo "== kubectl mesh-authz: who may call payments, and why billing's calls fail"
run $K mesh-authz can-i POST /charge --to svc/payments.shop --from deploy/orders.shop -f examples/mesh
run $K mesh-authz can-i GET /invoices/7 --to svc/payments.shop --from deploy/billing.legacy -f examples/mesh --explain
run $K mesh-authz who-can --to svc/payments.shop -f examples/mesh
run $K mesh-authz explain svc/payments.shop -f examples/mesh
run $K mesh-authz lint -A -f examples/mesh
echo
echo "== Reviewing a policy change before merging it: who gains and who loses access"
run $K mesh-authz who-can GET /invoices/7 --to svc/payments.shop -f examples/mesh --what-if examples/authz/payments-v2.yaml
# --- end kubectl mesh-authz ---
# --- kubectl mesh-proxy (issue 5) ---
echo
echo "== kubectl mesh-proxy: what the payments sidecar holds, from a saved Envoy config dump"
echo "   (live: kubectl mesh-proxy config clusters deploy/payments.shop)"
run $K mesh-proxy config clusters -f examples/proxy/payments-config_dump.json
run $K mesh-proxy config listeners -f examples/proxy/payments-config_dump.json --port 15006
run $K mesh-proxy config routes -f examples/proxy/payments-config_dump.json --name 8080
run $K mesh-proxy config rbac -f examples/proxy/payments-config_dump.json
# --- end kubectl mesh-proxy ---
exit 0
