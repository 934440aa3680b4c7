# SPDX-License-Identifier: Apache-2.0
# Shared pieces of the benchmark scripts: tools, timing, and a fake API
# server run outside bats.  Sourced; expects MESH_ROOT and MESH_BUILD.

bench_need() {
	# bench_need CMD PACKAGE: make sure a tool exists (apt-get as root).
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1
	fi
	command -v "$1" >/dev/null 2>&1 || { echo "bench: $1 is missing (apt-get install $2)" >&2; exit 2; }
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
