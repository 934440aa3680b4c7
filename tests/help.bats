#!/usr/bin/env bats
# Every binary x subcommand: -h has a synopsis, options and examples; each
# documented flag exists, and each existing flag is documented.

load test_helper/common

setup() {
	_common_setup
}

# The flags a help text lists in its Options section.
documented_flags() {
	sed -n '/^Options:$/,/^Exit status:$/p' | grep -oE '^    (-[A-Za-z], )?--[a-z0-9-]+' |
		grep -oE -- '--[a-z0-9-]+' | sort -u
}

# The commands a binary offers (from its completion of the first word).
commands_of() {
	"kubectl-mesh_$1" __complete "" | grep -v '^:' | cut -f1
}

check_binary() {
	local b=$1 c f problems=""
	local globals
	globals=$("kubectl-mesh_$b" options | documented_flags_all)
	for c in $(commands_of "$b"); do
		help=$("kubectl-mesh_$b" "$c" -h) || problems+="$c: -h failed"$'\n'
		grep -q '^Usage:$' <<<"$help" || problems+="$c: no Usage section"$'\n'
		grep -q "^  kubectl mesh-$b $c" <<<"$help" || problems+="$c: no synopsis"$'\n'
		grep -q '^Examples:$' <<<"$help" || problems+="$c: no Examples section"$'\n'
		grep -q "^  kubectl mesh-$b $c" <<<"$(sed -n '/^Examples:$/,/^Options:$/p' <<<"$help")" ||
			problems+="$c: no example runs the command"$'\n'
		documented=$(documented_flags <<<"$help")
		existing=$("kubectl-mesh_$b" __complete "$c" -- | grep -v '^:' | cut -f1 | sort -u)
		# Each documented flag is accepted by the parser.
		for f in $documented; do
			out=$("kubectl-mesh_$b" "$c" "$f=1" -h 2>&1) ||
				problems+="$c: documented $f is refused: $(head -1 <<<"$out")"$'\n'
		done
		# Each flag of the command (beyond the global ones) is documented.
		for f in $(comm -23 <(echo "$existing") <(echo "$globals")); do
			grep -qx -- "$f" <<<"$documented" || problems+="$c: $f is not documented"$'\n'
		done
	done
	[ -z "$problems" ] || { echo "$problems"; return 1; }
}

documented_flags_all() {
	grep -oE '^    (-[A-Za-z], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+' | sort -u
}

@test "mesh-tls: every subcommand's help documents exactly its flags" {
	check_binary tls
}

@test "mesh-authz: every subcommand's help documents exactly its flags" {
	check_binary authz
}

@test "mesh-proxy: every subcommand's help documents exactly its flags" {
	check_binary proxy
}

@test "global flags are documented by 'options' and accepted everywhere" {
	for f in $(kubectl-mesh_tls options | documented_flags_all); do
		case $f in --help | --version) continue ;; esac
		run kubectl-mesh_tls version "$f=1" -h
		assert_success
	done
}

@test "a man page per binary is generated from the same text" {
	for b in tls authz proxy; do
		run -0 sh -c "kubectl-mesh_$b __man | sed 's/\\\\-/-/g'"
		assert_line --index 0 --regexp "^\.TH KUBECTL-MESH-${b^^} 1 "
		assert_line ".SH SYNOPSIS"
		assert_line ".SH GLOBAL OPTIONS"
		assert_line ".SH EXIT STATUS"
		for c in $(commands_of "$b"); do
			assert_line --regexp "^\.SS \"kubectl mesh-$b $c( |\")"
		done
		if command -v groff >/dev/null; then
			"kubectl-mesh_$b" __man | groff -man -Tutf8 -ww >/dev/null 2>"$BATS_TEST_TMPDIR/groff.err"
			assert_equal "$(cat "$BATS_TEST_TMPDIR/groff.err")" ""
		fi
	done
}
