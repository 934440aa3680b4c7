#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make bench: run every benchmark script and print its figures.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
status=0
for s in "$here"/*.sh; do
	case $(basename "$s") in lib.sh | run.sh) continue ;; esac
	echo "### $(basename "$s")"
	"$s" "$build" || status=1
	echo
done
exit $status
