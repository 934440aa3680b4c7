#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make dist: build reproducible release archives for linux-amd64 and the
# Krew manifests for them, all from krew/plugin.yaml.in.
#
#   krew/dist.sh BUILD_DIR VERSION OUT_DIR
#
# Writes OUT_DIR/kubectl-mesh-<p>_v<VERSION>_linux-amd64.tar.gz for each
# plugin, krew/<plugin>.yaml (the real sha256 for linux-amd64), and
# krew/release/<plugin>.yaml: the same manifest for linux-amd64,
# linux-arm64, darwin-amd64 and darwin-arm64 in krew-release-bot's
# template form, for a release pipeline to fill.
set -eu
build=$1
version=v$2
out=$3
top=$(cd "$(dirname "$0")/.." && pwd)
krew="$top/krew"
release_url=${RELEASE_URL:-https://github.com/kubectl-mesh/kubectl-mesh/releases/download}
homepage=${HOMEPAGE:-https://github.com/kubectl-mesh/kubectl-mesh}
# Reproducible archives: fixed times, owners and order.
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || echo 0)}

mkdir -p "$out" "$krew/release"

short() {
	case $1 in
	tls) echo "Trace why an Istio call is mTLS, plaintext or broken" ;;
	authz) echo "Evaluate Istio AuthorizationPolicy as Envoy does" ;;
	proxy) echo "Istio proxy status, Envoy config and access logs" ;;
	esac
}

description() {
	case $1 in
	tls) cat <<'D'
Answers "is the call from this pod to that service mTLS, plaintext or
broken, and why?" the way Istio decides it: from the server's
PeerAuthentication (mesh, namespace, workload, port) to the client's
DestinationRule, auto mTLS or missing sidecar. It gives a verdict, the
symptom you would see and the smallest fix, checks a whole mesh for
broken pairs, and evaluates a change before you apply it (--what-if).
Works live through your kubeconfig, or offline on manifests.
D
		;;
	authz) cat <<'D'
Evaluates Istio AuthorizationPolicy and RequestAuthentication the way
the sidecar's Envoy does: can a caller make a request (yes or no, and
why), who can call a workload, what its policies say in plain words,
and what is wrong with them. Works live through your kubeconfig, or
offline on manifests.
D
		;;
	proxy) cat <<'D'
Shows what the Istio control plane and the Envoy sidecars hold: proxy
sync status from istiod, a sidecar's live configuration (clusters,
listeners, routes, endpoints, secrets and more) in istioctl's tables,
and decoded access logs.
D
		;;
	esac
}

# fill TEMPLATE: replace the @WORD@ markers from the environment of this shell.
fill() {
	sed -e "s|@NAME@|$name|g" -e "s|@VERSION@|$version|g" -e "s|@BINNAME@|$bin|g" \
		-e "s|@HOMEPAGE@|$homepage|g" -e "s|@SHORT@|$(short "$p")|g" "$1"
}

platforms() {
	# platforms MODE: "real" (linux-amd64 with its sha256) or "template" (all four).
	if [ "$1" = real ]; then
		set -- linux/amd64
	else
		set -- linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
		mode=template
	fi
	for pa in "$@"; do
		os=${pa%/*}
		arch=${pa#*/}
		file="kubectl-mesh-${p}_${version}_${os}-${arch}.tar.gz"
		if [ "${mode:-real}" = template ]; then
			uri_sha="{{addURIAndSha \"$release_url/{{ .TagName }}/kubectl-mesh-${p}_{{ .TagName }}_${os}-${arch}.tar.gz\" .TagName }}"
		else
			uri_sha="uri: $release_url/$version/$file\\
    sha256: $sha"
		fi
		fill "$krew/platform.yaml.in" | sed -e "s|@OS@|$os|" -e "s|@ARCH@|$arch|" \
			-e "s|@URI_AND_SHA@|$uri_sha|"
	done
	mode=
}

manifest() {
	# manifest MODE > FILE
	desc=$(description "$p" | sed 's/^/    /')
	plat=$(platforms "$1")
	fill "$krew/plugin.yaml.in" | grep -v '^#' | awk -v d="$desc" -v pl="$plat" '
		$0 == "@DESCRIPTION@" { print d; next }
		$0 == "@PLATFORMS@" { print pl; next }
		{ print }'
}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
for p in tls authz proxy; do
	name=mesh-$p
	bin=mesh_$p
	dir="$stage/$p"
	mkdir -p "$dir"
	strip -o "$dir/kubectl-$bin" "$build/bin/kubectl-$bin"
	cp "$top/completions/kubectl_complete-$bin" "$top/LICENSE" "$dir/"
	chmod 0755 "$dir/kubectl-$bin" "$dir/kubectl_complete-$bin"
	chmod 0644 "$dir/LICENSE"
	archive="$out/kubectl-mesh-${p}_${version}_linux-amd64.tar.gz"
	tar -C "$dir" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
		--format=ustar -cf - kubectl-$bin kubectl_complete-$bin LICENSE | gzip -n -9 >"$archive"
	sha=$(sha256sum "$archive" | cut -d' ' -f1)
	manifest real >"$krew/$name.yaml"
	manifest template >"$krew/release/$name.yaml"
	echo "$archive $sha"
done
