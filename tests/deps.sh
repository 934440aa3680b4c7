#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Make sure the Debian packages for building (and testing) are present.
# As root they are installed with apt-get; otherwise the exact command
# to run is printed and the script fails.
set -eu

build_pkgs="gcc make pkg-config libcurl4-openssl-dev libssl-dev libjansson-dev libyaml-dev"
test_pkgs="bats bats-support bats-assert zlib1g-dev openssl jq ca-certificates"

case "${1:-build}" in
build) want="$build_pkgs" ;;
test) want="$build_pkgs $test_pkgs" ;;
*) echo "usage: tests/deps.sh build|test" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1 &&
		  apt-get install -y -q --no-install-recommends $missing >/dev/null; }
	exit 0
fi
echo "error: missing packages:$missing" >&2
echo "run: sudo apt-get install -y$missing" >&2
exit 2
