# SPDX-License-Identifier: Apache-2.0
# Start and stop the fake API server, and write kubeconfigs for it.
# Source after common.bash.  Every test that calls fake_start must call
# fake_stop from teardown.
#
#   fake_certs                   PKI in $FAKE_PKI (once per bats file)
#   fake_start [ARGS...]         start; exports FAKE_PORT FAKE_URL FAKE_LOG
#                                FAKE_FAULTS FAKE_DIR FAKE_PID
#   fake_stop                    stop it (safe to call twice)
#   fake_fault 'MATCH ACTION [COUNT]'   append a line to the faults file
#   fake_requests [JQ-FILTER]    "METHOD PATH[?QUERY] STATUS" per logged request
#   fake_kubeconfig_token USER [TOKEN]
#   fake_kubeconfig_cert USER    alice, bob, or rogue (signed by another CA)
#   fake_kubeconfig_basic USER PASSWORD
#   fake_kubeconfig_exec TOKEN   an exec plugin printing an ExecCredential
#   fake_kubeconfig_none         no credentials at all (kubectl itself then
#                                prompts for a username; plugins do not)
#
# Credentials the server accepts by default: tokens tok-alice (alice,
# system:masters) and tok-bob (bob, devs); basic alice/alice-pw and
# bob/bob-pw; certificates alice.pem and bob.pem.  FAKE_DATA (default
# tests/fixtures/cluster) is the first --data directory; more --data
# arguments override objects of the same name.

: "${FAKE_DATA:=$MESH_ROOT/tests/fixtures/cluster}"

fake_certs() {
	FAKE_PKI="$BATS_FILE_TMPDIR/pki"
	export FAKE_PKI
	[ -f "$FAKE_PKI/rogue.pem" ] && return 0
	rm -rf "$FAKE_PKI.tmp"
	"$MESH_ROOT/tests/lib/certs.sh" "$FAKE_PKI.tmp" &&
		mv "$FAKE_PKI.tmp" "$FAKE_PKI"
}

_fake_scheme() {
	local a
	for a in "$@"; do
		[ "$a" = --plain-http ] && { echo http; return; }
	done
	echo https
}

fake_start() {
	local i
	fake_certs || return 1
	FAKE_DIR="$BATS_TEST_TMPDIR/fake"
	mkdir -p "$FAKE_DIR"
	FAKE_LOG="$FAKE_DIR/requests.log"
	FAKE_FAULTS="$FAKE_DIR/faults"
	: >"$FAKE_FAULTS"
	rm -f "$FAKE_DIR/port"
	printf '%s\n' "tok-alice alice system:masters" "tok-bob bob devs" >"$FAKE_DIR/tokens"
	printf '%s\n' "alice alice-pw system:masters" "bob bob-pw devs" >"$FAKE_DIR/basic"
	"$FAKE_APISERVER" --cert "$FAKE_PKI/server.pem" --key "$FAKE_PKI/server.key" \
		--client-ca "$FAKE_PKI/ca.pem" --data "$FAKE_DATA" \
		--port-file "$FAKE_DIR/port" --tokens "$FAKE_DIR/tokens" \
		--basic "$FAKE_DIR/basic" --log "$FAKE_LOG" --faults "$FAKE_FAULTS" \
		"$@" </dev/null >"$FAKE_DIR/stdout" 2>"$FAKE_DIR/stderr" 3>&- &
	FAKE_PID=$!
	for i in $(seq 200); do
		[ -s "$FAKE_DIR/port" ] && break
		if ! kill -0 "$FAKE_PID" 2>/dev/null; then
			cat "$FAKE_DIR/stderr" >&2
			unset FAKE_PID
			return 1
		fi
		sleep 0.05
	done
	FAKE_PORT=$(cat "$FAKE_DIR/port")
	FAKE_URL="$(_fake_scheme "$@")://127.0.0.1:$FAKE_PORT"
	export FAKE_DIR FAKE_LOG FAKE_FAULTS FAKE_PORT FAKE_URL FAKE_PID
}

fake_stop() {
	[ -n "${FAKE_PID:-}" ] || return 0
	kill "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
	unset FAKE_PID
	return 0
}

fake_fault() {
	printf '%s\n' "$1" >>"$FAKE_FAULTS"
}

fake_requests() {
	jq -r "${1:-.} | \"\\(.method) \\(.path)\\(if .query != \"\" then \"?\" + .query else \"\" end) \\(.status)\"" "$FAKE_LOG"
}

# _fake_kubeconfig USER-YAML: one cluster "fake", one context, current.
_fake_kubeconfig() {
	mkdir -p "$(dirname "$KUBECONFIG")"
	cat >"$KUBECONFIG" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: $FAKE_URL
    certificate-authority: $FAKE_PKI/ca.pem
contexts:
- name: fake
  context:
    cluster: fake
    user: fake-user
current-context: fake
users:
- name: fake-user
  user:
$1
EOF
}

fake_kubeconfig_token() {
	_fake_kubeconfig "    token: ${2:-tok-$1}"
}

fake_kubeconfig_cert() {
	_fake_kubeconfig "    client-certificate: $FAKE_PKI/$1.pem
    client-key: $FAKE_PKI/$1.key"
}

fake_kubeconfig_basic() {
	_fake_kubeconfig "    username: $1
    password: $2"
}

fake_kubeconfig_exec() {
	local plugin="$FAKE_DIR/exec-credential.sh"
	cat >"$plugin" <<EOF
#!/bin/sh
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\n' '$1'
EOF
	chmod +x "$plugin"
	_fake_kubeconfig "    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: $plugin
      interactiveMode: Never"
}

fake_kubeconfig_none() {
	_fake_kubeconfig "    {}"
}
