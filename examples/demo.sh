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
exit 0
