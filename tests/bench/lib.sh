# SPDX-License-Identifier: Apache-2.0
# Shared pieces of the benchmark scripts: their start, tools, timing and
# reporting, and a fake API server run outside bats.  Sourced by each
# script, which then calls bench_init "$@".

MESH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# bench_need TOOL[:PACKAGE]...: make sure each tool exists, installing its
# Debian package (named as the tool unless given) with apt-get as root.
bench_need() {
	local _t _cmd _pkg
	for _t in "$@"; do
		_cmd=${_t%%:*}
		_pkg=${_t#*:}
		command -v "$_cmd" >/dev/null 2>&1 && continue
		if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$_pkg" >/dev/null 2>&1
		fi
		command -v "$_cmd" >/dev/null 2>&1 || { echo "bench: $_cmd is missing (apt-get install $_pkg)" >&2; exit 2; }
	done
}

# bench_init [BUILD_DIR]: what every script starts with.  Sets MESH_BUILD
# (the build to measure, default build/), makes sure /usr/bin/time is
# there, and makes BENCH_TMP, a scratch directory that is removed, with
# the fake API server stopped, when the script exits.
bench_init() {
	MESH_BUILD=$(cd "${1:-$MESH_ROOT/build}" && pwd)
	bench_need /usr/bin/time:time
	BENCH_TMP=$(mktemp -d)
	trap 'bench_fake_stop; rm -rf "$BENCH_TMP"' EXIT
}

# bench_time OUTVAR CMD...: run once; OUTVAR gets "SECONDS MAXRSS_KB" from /usr/bin/time.
bench_time() {
	local _var=$1 _tf
	shift
	_tf=$(mktemp)
	/usr/bin/time -f '%e %M' -o "$_tf" "$@" >/dev/null 2>"$_tf.err" || {
		echo "bench: command failed: $*" >&2
		cat "$_tf.err" >&2
		rm -f "$_tf" "$_tf.err"
		exit 2
	}
	eval "$_var=\"\$(tail -n 1 \"\$_tf\")\""
	rm -f "$_tf" "$_tf.err"
}

# bench_best OUTVAR N CMD...: the fastest of N runs, "SECONDS MAXRSS_KB".
bench_best() {
	local _var=$1 _n=$2 _i _r _best=""
	shift 2
	for _i in $(seq "$_n"); do
		bench_time _r "$@"
		if [ -z "$_best" ] || awk -v a="${_r%% *}" -v b="${_best%% *}" 'BEGIN{exit !(a<b)}'; then
			_best=$_r
		fi
	done
	eval "$_var=\"\$_best\""
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.2f", a / b }'; }
# ms "SECONDS KB": the seconds of a bench_time result, in whole milliseconds.
ms() { awk -v s="${1%% *}" 'BEGIN { printf "%.0f", s * 1000 }'; }

# The generated-mesh benchmarks (mesh-tls.sh, mesh-authz.sh) write their
# objects to $BENCH_TMP/mesh.json and label their rows BENCH_WIDTH wide.

# bench_count KIND: how many objects of KIND the generated mesh holds.
bench_count() { grep -o "\"kind\":\"$1\"" "$BENCH_TMP/mesh.json" | wc -l; }

# bench_report LABEL "SECONDS KB" TARGET_MS: one row of time and peak RSS.
bench_report() {
	printf '%-*s %6s ms   peak RSS %6s MiB   (target < %s ms, < 300 MiB)\n' "$BENCH_WIDTH" "$1" \
		"$(ms "$2")" "$(mib "${2##* }")" "$3"
}

# bench_live_start: serve the generated mesh from the fake API server, or,
# without kubectl to compare with, say so and end the script.
bench_live_start() {
	if ! command -v kubectl >/dev/null 2>&1; then
		echo "== live: kubectl is not installed; skipped"
		exit 0
	fi
	mkdir -p "$BENCH_TMP/data"
	mv "$BENCH_TMP/mesh.json" "$BENCH_TMP/data/mesh.json"
	bench_fake_start "$BENCH_TMP/data"
}

# bench_live_report CMD LABEL "SECONDS KB" TARGET_MS KUBECTL_LABEL "SECONDS KB":
# our command against the fake API server, kubectl's fetch of the same
# kinds, and the ratio of the two.
bench_live_report() {
	echo "== live, against the fake API server"
	bench_report "$2" "$3" "$4"
	printf '%-*s %6s ms\n' "$BENCH_WIDTH" "$5" "$(ms "$6")"
	echo "$1 / kubectl bare fetch: $(ratio "${3%% *}" "${6%% *}") (below 1 beats kubectl)"
}

# Start the fake API server on DATA_DIR with token auth; sets BENCH_DIR,
# FAKE_PID and KUBECONFIG.  bench_fake_stop ends it.
bench_fake_start() {
	BENCH_DIR=$(mktemp -d)
	"$MESH_ROOT/tests/lib/certs.sh" "$BENCH_DIR/pki" >/dev/null
	echo "tok-bench bench system:masters" >"$BENCH_DIR/tokens"
	"$MESH_BUILD/tests/fake-apiserver" --cert "$BENCH_DIR/pki/server.pem" \
		--key "$BENCH_DIR/pki/server.key" --data "$1" --port-file "$BENCH_DIR/port" \
		--tokens "$BENCH_DIR/tokens" "${@:2}" 2>"$BENCH_DIR/server.err" &
	FAKE_PID=$!
	for _ in $(seq 600); do
		[ -s "$BENCH_DIR/port" ] && break
		sleep 0.05
	done
	[ -s "$BENCH_DIR/port" ] || { cat "$BENCH_DIR/server.err" >&2; exit 2; }
	export KUBECONFIG="$BENCH_DIR/kubeconfig"
	cat >"$KUBECONFIG" <<KC
apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster:
    server: https://127.0.0.1:$(cat "$BENCH_DIR/port")
    certificate-authority: $BENCH_DIR/pki/ca.pem
contexts:
- name: bench
  context: {cluster: bench, user: bench}
current-context: bench
users:
- name: bench
  user: {token: tok-bench}
KC
	export HOME="$BENCH_DIR/home"
	mkdir -p "$HOME"
}

bench_fake_stop() {
	[ -n "${FAKE_PID:-}" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
	[ -n "${BENCH_DIR:-}" ] && rm -rf "$BENCH_DIR"
	unset FAKE_PID BENCH_DIR
}
