#!/usr/bin/env bats
# make krew-test: the release archives unpacked into a throwaway Krew root
# laid out as Krew does it, run through the real kubectl, and the
# manifests checked against Krew's validation rules.

load test_helper/common

setup_file() {
	export DIST="$BATS_FILE_TMPDIR/dist"
	# A build of its own, so a sanitizer build is never what gets shipped.
	make -s -C "$MESH_ROOT" dist DIST_OUT="$DIST" >"$BATS_FILE_TMPDIR/dist.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/dist.log" >&3; return 1; }
}

setup() {
	_common_setup
	VERSION=v$(cat "$MESH_ROOT/VERSION")
}

# krew_install ROOT PLUGIN: what `kubectl krew install` does with our archive.
krew_install() {
	local root=$1 name=$2 bin=kubectl-${2//-/_}
	local store="$root/store/$name/$VERSION"
	mkdir -p "$store" "$root/bin" "$root/receipts"
	tar -C "$store" -xzf "$DIST/kubectl-${name}_${VERSION}_linux-amd64.tar.gz"
	ln -s "$store/$bin" "$root/bin/$bin"
	cp "$MESH_ROOT/krew/$name.yaml" "$root/receipts/$name.yaml"
}

# manifest_json FILE: the manifest as JSON (parsed by our own YAML reader).
manifest_json() {
	"$TEST_COMMON" yaml one <"$1"
}

@test "archives hold regular files only, with exec bits, and no path tricks" {
	for p in tls authz proxy; do
		a="$DIST/kubectl-mesh-${p}_${VERSION}_linux-amd64.tar.gz"
		run -0 tar -tvzf "$a"
		assert_equal "${#lines[@]}" 3
		assert_line --regexp "^-rwxr-xr-x 0/0 .* kubectl-mesh_$p\$"
		assert_line --regexp "^-rwxr-xr-x 0/0 .* kubectl_complete-mesh_$p\$"
		assert_line --regexp "^-rw-r--r-- 0/0 .* LICENSE\$"
		refute_output --regexp '(^l|^h|\.\./| /)'
	done
}

@test "the archives are reproducible: a second build elsewhere gives the same bytes" {
	first=$(sha256sum "$DIST"/*.tar.gz | cut -d' ' -f1)
	make -s -C "$MESH_ROOT" dist DIST_BUILD="$BATS_TEST_TMPDIR/build" \
		DIST_OUT="$BATS_TEST_TMPDIR/again" >/dev/null 2>&1
	second=$(sha256sum "$BATS_TEST_TMPDIR/again"/*.tar.gz | cut -d' ' -f1)
	assert_equal "$second" "$first"
}

@test "the binaries link jansson and libyaml statically, and libcurl only by soname at run time" {
	tmp="$BATS_TEST_TMPDIR/x"
	mkdir "$tmp"
	tar -C "$tmp" -xzf "$DIST/kubectl-mesh-tls_${VERSION}_linux-amd64.tar.gz"
	run -0 ldd "$tmp/kubectl-mesh_tls"
	refute_output --partial libjansson
	refute_output --partial libyaml
	refute_output --partial libcurl
	run -0 strings "$tmp/kubectl-mesh_tls"
	assert_line "libcurl.so.4"
}

@test "each manifest follows Krew's validation rules" {
	for name in mesh-tls mesh-authz mesh-proxy; do
		m="$MESH_ROOT/krew/$name.yaml"
		json=$(manifest_json "$m")
		# apiVersion, kind, name pattern, name equals the file name, no reserved names
		assert_equal "$(jq -r .apiVersion <<<"$json")" "krew.googlecontainertools.github.com/v1alpha2"
		assert_equal "$(jq -r .kind <<<"$json")" "Plugin"
		assert_equal "$(jq -r .metadata.name <<<"$json")" "$name"
		[[ $(jq -r .metadata.name <<<"$json") =~ ^[A-Za-z0-9_-]+$ ]]
		! [[ ${name^^} =~ ^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])$ ]]
		# version: leading v, semver
		[[ $(jq -r .spec.version <<<"$json") =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$ ]]
		# shortDescription: non-empty, one line, short enough for the index bot
		short=$(jq -r .spec.shortDescription <<<"$json")
		[ -n "$short" ] && [ "${#short}" -le 55 ]
		assert_equal "$(jq '.spec.shortDescription | test("[\r\n]")' <<<"$json")" "false"
		[ -n "$(jq -r .spec.description <<<"$json")" ]
		# caveats name the completion helper
		assert_equal "$(jq --arg b "kubectl_complete-${name//-/_}" '.spec.caveats | contains($b)' <<<"$json")" "true"
		# platforms: at least one; each with uri, lower-case sha256, bin, files with from/to and LICENSE
		assert_equal "$(jq '.spec.platforms | length > 0' <<<"$json")" "true"
		assert_equal "$(jq '[.spec.platforms[] | (.uri | length > 0) and (.sha256 | test("^[a-f0-9]{64}$")) and (.bin | length > 0)] | all' <<<"$json")" "true"
		assert_equal "$(jq '[.spec.platforms[] | (.files | length > 0) and ([.files[] | has("from") and has("to")] | all) and ([.files[].from] | index("LICENSE") != null)] | all' <<<"$json")" "true"
		# selectors: only os/arch, a supported pair, no pair twice
		assert_equal "$(jq '[.spec.platforms[].selector | (keys == ["matchLabels"]) and ((.matchLabels | keys) - ["arch","os"] == [])] | all' <<<"$json")" "true"
		assert_equal "$(jq '[.spec.platforms[].selector.matchLabels | "\(.os)/\(.arch)"] | map(IN("linux/amd64","linux/arm64","linux/386","linux/arm","linux/ppc64le","darwin/amd64","darwin/arm64","darwin/386","windows/amd64","windows/386","windows/arm64")) | all' <<<"$json")" "true"
		assert_equal "$(jq '[.spec.platforms[].selector.matchLabels | "\(.os)/\(.arch)"] | length == (unique | length)' <<<"$json")" "true"
	done
}

@test "the manifests carry the real sha256 of the archives" {
	for name in mesh-tls mesh-authz mesh-proxy; do
		want=$(sha256sum "$DIST/kubectl-${name}_${VERSION}_linux-amd64.tar.gz" | cut -d' ' -f1)
		got=$(manifest_json "$MESH_ROOT/krew/$name.yaml" | jq -r '.spec.platforms[] | select(.selector.matchLabels == {os: "linux", arch: "amd64"}) | .sha256')
		assert_equal "$got" "$want"
	done
}

@test "the release templates cover linux and darwin on amd64 and arm64 for the release bot" {
	for name in mesh-tls mesh-authz mesh-proxy; do
		run -0 grep -c 'addURIAndSha' "$MESH_ROOT/krew/release/$name.yaml"
		assert_output 4
		for pair in linux-amd64 linux-arm64 darwin-amd64 darwin-arm64; do
			run -0 grep -c "kubectl-${name}_{{ .TagName }}_${pair}.tar.gz" "$MESH_ROOT/krew/release/$name.yaml"
			assert_output 1
		done
	done
}

@test "installed into a Krew root, kubectl lists the plugins and runs them" {
	need_kubectl
	root="$BATS_TEST_TMPDIR/krew"
	for name in mesh-tls mesh-authz mesh-proxy; do
		krew_install "$root" "$name"
	done
	# Only the Krew bin directory: nothing from the build tree.
	run -0 env PATH="$root/bin:$(dirname "$(command -v kubectl)"):/usr/bin:/bin" kubectl plugin list
	assert_line "$root/bin/kubectl-mesh_authz"
	assert_line "$root/bin/kubectl-mesh_proxy"
	assert_line "$root/bin/kubectl-mesh_tls"
	run -0 env PATH="$root/bin:$(dirname "$(command -v kubectl)"):/usr/bin:/bin" kubectl mesh-authz --help
	assert_line "  kubectl mesh-authz COMMAND [options]"
	run -0 env PATH="$root/bin:$(dirname "$(command -v kubectl)"):/usr/bin:/bin" kubectl mesh-tls version --client
	assert_output "Client Version: $VERSION"
}

@test "the completion helper shipped in the archive works once linked as the caveat says" {
	need_kubectl
	root="$BATS_TEST_TMPDIR/krew"
	krew_install "$root" mesh-tls
	ln -s "$root/store/mesh-tls/$VERSION/kubectl_complete-mesh_tls" "$root/bin/"
	run -0 --separate-stderr env PATH="$root/bin:$(dirname "$(command -v kubectl)"):/usr/bin:/bin" \
		kubectl __complete mesh-tls vers
	assert_output $'version\tPrint the client, server and Istio control-plane versions\n:4'
}
