#!/usr/bin/env bats
# kubeconfig loading, merging, flag overrides, in-cluster config, exec
# credential plugins and the oidc auth-provider, checked against what
# kubectl (client-go v0.32 clientcmd) does.

load test_helper/common

setup() {
	_common_setup
	unset KUBERNETES_MASTER KUBECTL_MESH_EXEC_TIMEOUT
	unset PLUGIN_RECORD PLUGIN_MODE PLUGIN_REPLY PLUGIN_EXIT PLUGIN_STDERR
	# never the real service account of a CI pod
	export KUBECTL_MESH_SA_DIR="$BATS_TEST_TMPDIR/sa"
	# exec plugins decide on interactivity from stdin: no terminal here
	exec </dev/null
	FIX="$(fixture kubeconfig)"
	W="$BATS_TEST_TMPDIR"
	PLUGIN="$FIX/bin/exec-plugin"
	CA_PEM='-----BEGIN CERTIFICATE----- (87 bytes)'
	CERT_PEM='-----BEGIN CERTIFICATE----- (79 bytes)'
	KEY_PEM='-----BEGIN PRIVATE KEY----- (71 bytes)'
	CA_B64=LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClkyRXRZMlZ5ZEdsbWFXTmhkR1V0Wm05eUxYUmxjM1J6Ci0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K
	cd "$W"
}

teardown() {
	if [ -n "${ISSUER_PID:-}" ]; then
		kill "$ISSUER_PID" 2>/dev/null || true
	fi
}

kc() {
	"$TEST_COMMON" kubeconfig "$@"
}

# load_fails 'YAML (printf format)' 'MESSAGE': loading it fails with the message
load_fails() {
	printf -- "$1" >bad.yaml
	run -2 kc --kubeconfig bad.yaml
	assert_output "error: error loading config file \"bad.yaml\": $2"
}

# write FILE, the YAML on stdin
write() {
	mkdir -p "$(dirname "$1")"
	cat >"$1"
}

# A one-cluster, one-user kubeconfig at $KUBECONFIG: the cluster stanza
# body is $1 and the user stanza body $2 (each YAML at 4-space indent).
simple_config() {
	write "$KUBECONFIG" <<-EOF
	apiVersion: v1
	kind: Config
	clusters:
	- name: c1
	  cluster:
	    server: https://c1.example:6443
	$1
	users:
	- name: u1
	  user:
	$2
	contexts:
	- name: ctx
	  context: {cluster: c1, user: u1}
	current-context: ctx
	EOF
}

# A user stanza running the test plugin with API version $1 and extra lines $2.
plugin_config() {
	simple_config "${3:-}" "    exec:
      apiVersion: client.authentication.k8s.io/$1
      command: $PLUGIN
$2"
}

# An unsigned JWT whose exp claim is $1.
jwt() {
	local h p
	h=$(printf '{"alg":"none"}' | base64 -w0 | tr '+/' '-_' | tr -d '=')
	p=$(printf '{"exp":%s,"sub":"me"}' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '=')
	printf '%s.%s.sig' "$h" "$p"
}

# A user with the oidc auth-provider; $1 are extra config lines.
oidc_config() {
	simple_config "" "    auth-provider:
      name: oidc
      config:
        client-id: kubectl
        client-secret: s3cret
$1"
}

# Start the test issuer: start_issuer IDTOKEN [STATUS]; sets $ISSUER.
start_issuer() {
	"$TEST_COMMON" kubeconfig oidc-issuer "$W/issuer.port" "$W/issuer.log" "$@" 3>&- &
	ISSUER_PID=$!
	for _ in $(seq 100); do
		[ -s "$W/issuer.port" ] && break
		sleep 0.05
	done
	ISSUER="http://127.0.0.1:$(cat "$W/issuer.port")"
}

# Service-account files for in-cluster config.
service_account() {
	mkdir -p "$KUBECTL_MESH_SA_DIR"
	printf 'sa-token\n' >"$KUBECTL_MESH_SA_DIR/token"
	cp "$FIX/pki/ca.pem" "$KUBECTL_MESH_SA_DIR/ca.crt"
	printf 'sa-ns\n' >"$KUBECTL_MESH_SA_DIR/namespace"
	export KUBERNETES_SERVICE_HOST=10.96.0.1 KUBERNETES_SERVICE_PORT=443
}

# ---- locating and loading files ----

@test "kubeconfig: with nothing configured the server is http://localhost:8080" {
	run -0 kc
	assert_output - <<-'OUT'
	{
	    "namespace": "default",
	    "server": "http://localhost:8080"
	}
	OUT
}

@test "kubeconfig: KUBERNETES_MASTER replaces the default server" {
	KUBERNETES_MASTER=http://127.0.0.1:9999 run -0 kc
	assert_output - <<-'OUT'
	{
	    "namespace": "default",
	    "server": "http://127.0.0.1:9999"
	}
	OUT
}

@test "kubeconfig: ~/.kube/config is read when KUBECONFIG is unset or empty" {
	simple_config "" "    token: home-token"
	unset KUBECONFIG
	run -0 kc
	assert_line '    "token": "<token: 10 bytes>",'
	KUBECONFIG= run -0 kc
	assert_line '    "token": "<token: 10 bytes>",'
}

@test "kubeconfig: --kubeconfig must exist" {
	run -2 kc --kubeconfig "$W/nope"
	assert_output "error: stat $W/nope: no such file or directory"
}

@test "kubeconfig: --kubeconfig replaces KUBECONFIG" {
	export KUBECONFIG="$FIX/b.yaml"
	run -0 kc --kubeconfig "$FIX/a.yaml" --context shared
	assert_line '    "server": "https://a.example:6443",'
}

@test "kubeconfig: missing files in KUBECONFIG are skipped" {
	KUBECONFIG="$W/missing:$FIX/b.yaml" run -0 kc
	assert_line '    "context": "b-ctx",'
}

@test "kubeconfig: empty and repeated KUBECONFIG entries are dropped" {
	printf 'clusters: 1\n' >bad.yaml
	KUBECONFIG=":bad.yaml::bad.yaml:" run -2 kc
	assert_output 'error: error loading config file "bad.yaml": json: cannot unmarshal number into Go struct field Config.clusters of type []v1.NamedCluster'
}

@test "kubeconfig: every broken file is reported" {
	printf 'clusters: 1\n' >bad1.yaml
	printf 'users: {}\n' >bad2.yaml
	KUBECONFIG="bad1.yaml:$FIX/a.yaml:bad2.yaml" run -2 kc
	assert_output - <<-'OUT'
	error: error loading config file "bad1.yaml": json: cannot unmarshal number into Go struct field Config.clusters of type []v1.NamedCluster
	error loading config file "bad2.yaml": json: cannot unmarshal object into Go struct field Config.users of type []v1.NamedAuthInfo
	OUT
}

@test "kubeconfig: an empty file is an empty config" {
	: >empty.yaml
	run -0 kc --kubeconfig empty.yaml
	assert_output - <<-'OUT'
	{
	    "namespace": "default",
	    "server": "http://localhost:8080"
	}
	OUT
}

@test "kubeconfig: a directory cannot be read" {
	mkdir dir
	run -2 kc --kubeconfig dir
	assert_output 'error: error loading config file "dir": read dir: is a directory'
}

@test "kubeconfig: YAML syntax errors name the file" {
	load_fails 'clusters:\n- name: a\n  cluster: {server: x\n' \
		"yaml: line 3: did not find expected ',' or '}'"
}

@test "kubeconfig: fields of the wrong type give encoding/json's message" {
	load_fails 'clusters:\n- name: a\n  cluster:\n    server: 6443\n' \
		'json: cannot unmarshal number into Go struct field Cluster.clusters.cluster.server of type string'
	load_fails 'users:\n- name: u\n  user:\n    exec:\n      provideClusterInfo: "yes"\n' \
		'json: cannot unmarshal string into Go struct field ExecConfig.users.user.exec.provideClusterInfo of type bool'
	load_fails 'users:\n- name: u\n  user:\n    as-groups: [a, [b]]\n' \
		'json: cannot unmarshal array into Go struct field AuthInfo.users.user.as-groups of type string'
}

@test "kubeconfig: a document that is not a mapping is rejected" {
	load_fails '- a\n' \
		'couldn'"'"'t get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\"apiVersion,omitempty\""; Kind string "json:\"kind,omitempty\"" }'
}

@test "kubeconfig: only kind Config of version v1 is accepted" {
	load_fails 'apiVersion: v2\nkind: Config\n' \
		'no kind "Config" is registered for version "v2"'
	load_fails 'apiVersion: v1\nkind: Pod\n' \
		'no kind "Pod" is registered for version "v1"'
}

@test "kubeconfig: a duplicate name inside one file is a load error" {
	load_fails 'clusters:\n- name: c\n  cluster: {server: https://one}\n- name: c\n' \
		'error converting *[]NamedCluster into *map[string]*api.Cluster: duplicate name "c" in list'
	load_fails 'users:\n- name: u\n- name: v\n- name: u\n' \
		'error converting *[]NamedAuthInfo into *map[string]*api.AuthInfo: duplicate name "u" in list'
	load_fails 'contexts:\n- name: x\n- name: x\n' \
		'error converting *[]NamedContext into *map[string]*api.Context: duplicate name "x" in list'
	load_fails 'clusters:\n- name: c\n  cluster:\n    extensions: [{name: e}, {name: e}]\n' \
		'error converting *[]NamedExtension into *map[string]runtime.Object: duplicate name "e" in list'
}

@test "kubeconfig: the same name in two files is not an error" {
	KUBECONFIG="$FIX/a.yaml:$FIX/b.yaml" run -0 kc
}

# ---- merging ----

@test "merge: the first file defining a name wins the whole entry (a:b)" {
	KUBECONFIG="$FIX/a.yaml:$FIX/b.yaml" run -0 kc --context shared
	assert_output - <<-'OUT'
	{
	    "cluster": "shared",
	    "context": "shared",
	    "namespace": "from-a",
	    "server": "https://a.example:6443",
	    "token": "<token: 12 bytes>",
	    "user": "shared"
	}
	OUT
}

@test "merge: the first file defining a name wins the whole entry (b:a)" {
	KUBECONFIG="$FIX/b.yaml:$FIX/a.yaml" run -0 kc --context shared
	assert_output - <<-'OUT'
	{
	    "cluster": "shared",
	    "context": "shared",
	    "namespace": "default",
	    "password": "<password: 6 bytes>",
	    "server": "https://b.example:6443",
	    "tls-server-name": "b.internal",
	    "user": "shared",
	    "username": "b-user"
	}
	OUT
}

@test "merge: current-context is the first non-empty one" {
	KUBECONFIG="$FIX/a.yaml:$FIX/b.yaml" run -0 kc
	assert_line '    "context": "b-ctx",'
	assert_line '    "server": "https://only-b.example:6443",'
	assert_line '    "token": "<token: 12 bytes>",'
	write c.yaml <<-'EOF'
	current-context: shared
	EOF
	KUBECONFIG="c.yaml:$FIX/b.yaml" run -0 kc
	assert_line '    "context": "shared",'
	KUBECONFIG="$FIX/b.yaml:c.yaml" run -0 kc
	assert_line '    "context": "b-ctx",'
}

@test "merge: kubeconfig_load_merged lists every name once, sorted" {
	KUBECONFIG="$FIX/b.yaml:$FIX/a.yaml" run -0 kc merged
	assert_output - <<-'OUT'
	{
	    "clusters": [
	        {
	            "cluster": {
	                "server": "https://only-a.example:6443"
	            },
	            "name": "only-a"
	        },
	        {
	            "cluster": {
	                "server": "https://only-b.example:6443"
	            },
	            "name": "only-b"
	        },
	        {
	            "cluster": {
	                "server": "https://b.example:6443",
	                "tls-server-name": "b.internal"
	            },
	            "name": "shared"
	        }
	    ],
	    "contexts": [
	        {
	            "context": {
	                "cluster": "only-b",
	                "user": "shared"
	            },
	            "name": "b-ctx"
	        },
	        {
	            "context": {
	                "cluster": "shared",
	                "user": "shared"
	            },
	            "name": "shared"
	        }
	    ],
	    "current-context": "b-ctx",
	    "users": [
	        {
	            "name": "shared",
	            "user": {
	                "password": "<secret: 6 bytes>",
	                "username": "b-user"
	            }
	        }
	    ]
	}
	OUT
}

@test "merge: kubeconfig_load_merged reports load errors" {
	run -2 kc merged --kubeconfig "$W/nope"
	assert_output "error: stat $W/nope: no such file or directory"
}

# ---- paths and *-data ----

@test "paths: relative paths resolve against the stanza's file, not the working directory" {
	mkdir elsewhere && cd elsewhere
	run -0 kc --kubeconfig "$FIX/rel/config"
	assert_output - <<-OUT
	{
	    "ca": "$CA_PEM",
	    "cert": "$CERT_PEM",
	    "cluster": "rel",
	    "context": "cert",
	    "key": "$KEY_PEM",
	    "namespace": "default",
	    "server": "https://rel.example:6443",
	    "user": "cert"
	}
	OUT
}

@test "paths: tokenFile is relative to its file, read and trimmed" {
	run -0 kc --kubeconfig "$FIX/rel/config" --context tokenfile
	assert_line '    "token": "<token: 15 bytes>",'
	assert_line "    \"token-file\": \"$FIX/rel/token\","
}

@test "paths: a stanza's paths use its own file even when the context is elsewhere" {
	KUBECONFIG="$FIX/split/contexts.yaml:$FIX/split/users/users.yaml" run -0 kc
	assert_output - <<-OUT
	{
	    "cluster": "split",
	    "context": "split",
	    "namespace": "default",
	    "server": "https://split.example:6443",
	    "token": "<token: 11 bytes>",
	    "token-file": "$FIX/split/users/token",
	    "user": "split"
	}
	OUT
}

@test "paths: an exec command with a slash is resolved, a bare name is not" {
	run -0 kc --kubeconfig "$FIX/rel/config" --context plugin
	assert_line "        \"command\": \"$FIX/bin/exec-plugin\","
	run -0 kc --kubeconfig "$FIX/rel/config" --context bare
	assert_line '        "command": "exec-plugin",'
}

@test "paths: a relative kubeconfig path resolves from the working directory" {
	cp -r "$FIX/rel" "$FIX/pki" "$FIX/bin" .
	run -0 kc --kubeconfig rel/config --context tokenfile
	assert_line "    \"token-file\": \"$W/rel/token\","
}

@test "paths: command-line file flags are relative to the working directory" {
	cp "$FIX/pki/ca.pem" my-ca.pem
	simple_config "" "    token: t"
	run -0 kc --certificate-authority my-ca.pem
	assert_line "    \"ca\": \"$CA_PEM\","
	run -2 kc --certificate-authority nope.pem
	assert_output 'error: unable to read certificate-authority nope.pem for c1 due to open nope.pem: no such file or directory'
}

@test "data: *-data fields are base64 with line breaks allowed" {
	simple_config "    certificate-authority-data: |
      ${CA_B64:0:40}
      ${CA_B64:40}" "    client-certificate-data: $(base64 -w0 "$FIX/pki/client.crt")
    client-key-data: $(base64 -w0 "$FIX/pki/client.key")"
	run -0 kc
	assert_output - <<-OUT
	{
	    "ca": "$CA_PEM",
	    "cert": "$CERT_PEM",
	    "cluster": "c1",
	    "context": "ctx",
	    "key": "$KEY_PEM",
	    "namespace": "default",
	    "server": "https://c1.example:6443",
	    "user": "u1"
	}
	OUT
}

@test "data: bad base64 fails the load with Go's offset" {
	simple_config "    certificate-authority-data: YWJjZA" ""
	run -2 kc
	assert_output "error: error loading config file \"$KUBECONFIG\": illegal base64 data at input byte 4"
	simple_config "" "    client-key-data: abc!"
	run -2 kc
	assert_output "error: error loading config file \"$KUBECONFIG\": illegal base64 data at input byte 3"
	simple_config "" "    client-certificate-data: YW Jj"
	run -2 kc
	assert_output "error: error loading config file \"$KUBECONFIG\": illegal base64 data at input byte 2"
	simple_config "" "    client-certificate-data: YQ=x"
	run -2 kc
	assert_output "error: error loading config file \"$KUBECONFIG\": illegal base64 data at input byte 2"
}

@test "data: a stanza nobody uses is still decoded at load time" {
	write "$KUBECONFIG" <<-'EOF'
	clusters:
	- name: used
	  cluster: {server: https://used}
	- name: unused
	  cluster: {certificate-authority-data: "!"}
	EOF
	run -2 kc --cluster used
	assert_output "error: error loading config file \"$KUBECONFIG\": illegal base64 data at input byte 0"
}

# ---- validation ----

@test "validation: certificate-authority together with certificate-authority-data" {
	simple_config "    certificate-authority: $FIX/pki/ca.pem
    certificate-authority-data: $CA_B64" "    token: t"
	run -2 kc
	assert_output 'error: certificate-authority-data and certificate-authority are both specified for c1. certificate-authority-data will override.'
}

@test "validation: an unreadable certificate-authority" {
	simple_config "    certificate-authority: /nonexistent/ca.pem" "    token: t"
	run -2 kc
	assert_output 'error: unable to read certificate-authority /nonexistent/ca.pem for c1 due to open /nonexistent/ca.pem: no such file or directory'
}

@test "validation: client-certificate together with client-certificate-data" {
	simple_config "" "    client-certificate: $FIX/pki/client.crt
    client-certificate-data: $(base64 -w0 "$FIX/pki/client.crt")
    client-key: $FIX/pki/client.key"
	run -2 kc
	assert_output 'error: client-cert-data and client-cert are both specified for u1. client-cert-data will override.'
}

@test "validation: client-key together with client-key-data" {
	simple_config "" "    client-certificate: $FIX/pki/client.crt
    client-key: $FIX/pki/client.key
    client-key-data: $(base64 -w0 "$FIX/pki/client.key")"
	run -2 kc
	assert_output 'error: client-key-data and client-key are both specified for u1; client-key-data will override'
}

@test "validation: a certificate without a key" {
	simple_config "" "    client-certificate: $FIX/pki/client.crt"
	run -2 kc
	assert_output 'error: client-key-data or client-key must be specified for u1 to use the clientCert authentication method.'
}

@test "validation: an unreadable client certificate and key are both reported" {
	simple_config "" "    client-certificate: /nonexistent/c.crt
    client-key: /nonexistent/c.key"
	run -2 kc
	assert_output - <<-'OUT'
	Error in configuration: 
	* unable to read client-cert /nonexistent/c.crt for u1 due to open /nonexistent/c.crt: no such file or directory
	* unable to read client-key /nonexistent/c.key for u1 due to open /nonexistent/c.key: no such file or directory
	OUT
}

@test "validation: a token together with basic auth" {
	simple_config "" "    token: t
    username: admin
    password: pw"
	run -2 kc
	assert_output 'error: more than one authentication method found for u1; found [token basicAuth], only one is allowed'
}

@test "validation: a token together with a client certificate is allowed" {
	simple_config "" "    token: t
    client-certificate: $FIX/pki/client.crt
    client-key: $FIX/pki/client.key"
	run -0 kc
	assert_line "    \"cert\": \"$CERT_PEM\","
	assert_line '    "token": "<token: 1 bytes>",'
}

@test "validation: as-groups or as-uid without as" {
	simple_config "" "    as-groups: [g]"
	run -2 kc
	assert_output 'error: requesting uid, groups or user-extra for u1 without impersonating a user'
	run -2 kc --as-uid 42
	assert_output 'error: requesting uid, groups or user-extra for u1 without impersonating a user'
}

@test "validation: an exec stanza without command or apiVersion lists every problem" {
	simple_config "" "    exec:
      env: [{value: x}]"
	run -2 kc
	assert_output - <<-'OUT'
	Error in configuration: 
	* command must be specified for u1 to use exec authentication plugin
	* apiVersion must be specified for u1 to use exec authentication plugin
	* env variable name must be specified for u1 to use exec authentication plugin
	* interactiveMode must be specified for u1 to use exec authentication plugin
	OUT
}

@test "validation: v1 exec requires interactiveMode; v1beta1 defaults to IfAvailable" {
	plugin_config v1 ""
	run -2 kc
	assert_output 'error: interactiveMode must be specified for u1 to use exec authentication plugin'
	plugin_config v1beta1 ""
	run -0 kc
	assert_line '        "interactiveMode": "IfAvailable"'
}

@test "validation: an unknown interactiveMode" {
	plugin_config v1 "      interactiveMode: Sometimes"
	run -2 kc
	assert_output 'error: invalid interactiveMode for u1: "Sometimes"'
}

@test "validation: exec together with an auth-provider" {
	simple_config "" "    auth-provider: {name: oidc}
    exec: {command: x, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}"
	run -2 kc
	assert_output 'error: authProvider cannot be provided in combination with an exec plugin for u1'
}

@test "validation: exec v1alpha1 is no longer accepted" {
	plugin_config v1alpha1 ""
	run -2 kc
	assert_output 'error: exec plugin: invalid apiVersion "client.authentication.k8s.io/v1alpha1"'
}

@test "validation: proxy-url must be http, https or socks5" {
	simple_config "    proxy-url: ftp://proxy:21" "    token: t"
	run -2 kc
	assert_output 'error: invalid '"'"'proxy-url'"'"' "ftp://proxy:21" for cluster "c1": unsupported scheme "ftp", must be http, https, or socks5'
	# like Go's url.Parse, "proxy.example" is taken for a scheme
	simple_config "    proxy-url: proxy.example:3128" "    token: t"
	run -2 kc
	assert_output 'error: invalid '"'"'proxy-url'"'"' "proxy.example:3128" for cluster "c1": unsupported scheme "proxy.example", must be http, https, or socks5'
	simple_config "    proxy-url: http://proxy:port" "    token: t"
	run -2 kc
	assert_output 'error: invalid '"'"'proxy-url'"'"' "http://proxy:port" for cluster "c1": could not parse: http://proxy:port'
	simple_config "    proxy-url: SOCKS5://127.0.0.1:1080" "    token: t"
	run -0 kc
	assert_line '    "proxy-url": "SOCKS5://127.0.0.1:1080",'
}

@test "validation: a current-context naming nothing" {
	write "$KUBECONFIG" <<-'EOF'
	current-context: gone
	EOF
	run -2 kc
	assert_output 'Error in configuration: context was not found for specified context: gone'
}

# ---- flags ----

@test "flags: --context picks the context; unknown ones are configuration errors" {
	export KUBECONFIG="$FIX/a.yaml:$FIX/b.yaml"
	run -0 kc --context shared
	assert_line '    "context": "shared",'
	run -2 kc --context nope
	assert_output 'Error in configuration: context was not found for specified context: nope'
}

@test "flags: --cluster and --user replace the context's references" {
	export KUBECONFIG="$FIX/a.yaml:$FIX/b.yaml"
	run -0 kc --context shared --cluster only-a
	assert_line '    "cluster": "only-a",'
	assert_line '    "server": "https://only-a.example:6443",'
	run -2 kc --cluster nope
	assert_output 'error: no server found for cluster "nope"'
	run -2 kc --user nope
	assert_output 'error: auth info "nope" does not exist'
}

@test "flags: with -n the missing names are reported as client-go's getters do" {
	export KUBECONFIG="$FIX/a.yaml"
	run -2 kc --context nope -n x
	assert_output 'error: context "nope" does not exist'
	run -2 kc --cluster nope -n x
	assert_output 'error: cluster "nope" does not exist'
}

@test "flags: individual flags override single fields" {
	simple_config "    tls-server-name: kube.internal" "    token: from-file"
	run -0 kc --token from-flag-1 --as admin --as-group g1 --as-group g2 --as-uid 7 --disable-compression
	assert_output - <<-'OUT'
	{
	    "cluster": "c1",
	    "context": "ctx",
	    "disable-compression": true,
	    "impersonate-groups": [
	        "g1",
	        "g2"
	    ],
	    "impersonate-uid": "7",
	    "impersonate-user": "admin",
	    "namespace": "default",
	    "server": "https://c1.example:6443",
	    "tls-server-name": "kube.internal",
	    "token": "<token: 11 bytes>",
	    "user": "u1"
	}
	OUT
}

@test "flags: kubeconfig impersonation and disable-compression" {
	simple_config "    disable-compression: true" "    as: sa
    as-groups: [a, b]"
	run -0 kc --disable-compression=false
	assert_line '    "disable-compression": true,'
	assert_line '    "impersonate-user": "sa",'
	assert_line '        "a",'
}

@test "flags: --server discards the kubeconfig tls-server-name" {
	simple_config "    tls-server-name: kube.internal" "    token: t"
	run -0 kc --server https://10.1.1.1:6443
	assert_line '    "server": "https://10.1.1.1:6443",'
	refute_line --partial 'tls-server-name'
	run -0 kc --server https://10.1.1.1:6443 --tls-server-name other.internal
	assert_line '    "tls-server-name": "other.internal",'
	run -0 kc --tls-server-name other.internal
	assert_line '    "tls-server-name": "other.internal",'
}

@test "flags: --insecure-skip-tls-verify clears the kubeconfig CA" {
	simple_config "    certificate-authority-data: $CA_B64" "    token: t"
	run -0 kc --insecure-skip-tls-verify
	assert_line '    "insecure": true,'
	refute_line --partial '"ca"'
	run -0 kc --insecure-skip-tls-verify=false
	assert_line "    \"ca\": \"$CA_PEM\","
	refute_line --partial '"insecure"'
}

@test "flags: --certificate-authority clears insecure and the CA data" {
	simple_config "    insecure-skip-tls-verify: true" "    token: t"
	run -0 kc
	assert_line '    "insecure": true,'
	run -0 kc --certificate-authority "$FIX/pki/ca.pem"
	assert_line "    \"ca\": \"$CA_PEM\","
	refute_line --partial '"insecure"'
}

@test "flags: insecure together with a CA is refused" {
	simple_config "" "    token: t"
	run -2 kc --insecure-skip-tls-verify --certificate-authority "$FIX/pki/ca.pem"
	assert_output 'error: specifying a root certificates file with the insecure flag is not allowed'
	simple_config "    insecure-skip-tls-verify: true
    certificate-authority-data: $CA_B64" "    token: t"
	run -2 kc
	assert_output 'error: specifying a root certificates file with the insecure flag is not allowed'
}

@test "flags: basic auth from flags" {
	simple_config "" ""
	run -0 kc --username admin --password secret
	assert_output - <<-'OUT'
	{
	    "cluster": "c1",
	    "context": "ctx",
	    "namespace": "default",
	    "password": "<password: 6 bytes>",
	    "server": "https://c1.example:6443",
	    "user": "u1",
	    "username": "admin"
	}
	OUT
}

@test "flags: --client-certificate next to kubeconfig certificate data conflicts" {
	simple_config "" "    client-certificate-data: $(base64 -w0 "$FIX/pki/client.crt")
    client-key-data: $(base64 -w0 "$FIX/pki/client.key")"
	run -2 kc --client-certificate "$FIX/pki/client.crt"
	assert_output 'error: client-cert-data and client-cert are both specified for u1. client-cert-data will override.'
}

@test "flags: a token or a client certificate suppresses the exec plugin" {
	plugin_config v1 "      interactiveMode: Never"
	run -0 kc
	assert_line '    "exec": {'
	run -0 kc --token flag-token
	refute_line --partial '"exec"'
	run -0 kc --client-certificate "$FIX/pki/client.crt" --client-key "$FIX/pki/client.key"
	refute_line --partial '"exec"'
	assert_line "    \"cert\": \"$CERT_PEM\","
	run -0 kc --username u --password p
	refute_line --partial '"exec"'
}

@test "flags: an http server gets no credentials and no TLS settings" {
	simple_config "    tls-server-name: kube.internal
    certificate-authority-data: $CA_B64
    proxy-url: http://proxy:3128" "    token: t
    as: admin"
	run -0 kc --server http://127.0.0.1:8001
	assert_output - <<-'OUT'
	{
	    "cluster": "c1",
	    "context": "ctx",
	    "impersonate-user": "admin",
	    "namespace": "default",
	    "proxy-url": "http://proxy:3128",
	    "server": "http://127.0.0.1:8001",
	    "user": "u1"
	}
	OUT
}

@test "flags: a server path is kept without its query" {
	simple_config "" "    token: t"
	run -0 kc --server 'https://rancher.example/k8s/clusters/c-1?x=y'
	assert_line '    "server": "https://rancher.example/k8s/clusters/c-1",'
}

@test "flags: a cluster without a server falls back to the default server" {
	write "$KUBECONFIG" <<-'EOF'
	clusters:
	- name: c
	  cluster: {tls-server-name: x}
	contexts:
	- name: ctx
	  context: {cluster: c}
	current-context: ctx
	EOF
	run -0 kc
	assert_line '    "server": "http://localhost:8080"'
}

# ---- tokens ----

@test "token: a missing tokenFile is an error for https servers only" {
	simple_config "" "    tokenFile: /nonexistent/token"
	run -2 kc
	assert_output 'error: open /nonexistent/token: no such file or directory'
	run -0 kc --server http://127.0.0.1:8001
}

@test "token: a kubeconfig token wins over tokenFile and is not re-read" {
	simple_config "" "    token: inline
    tokenFile: $FIX/rel/token"
	run -0 kc
	assert_line '    "token": "<token: 6 bytes>",'
	refute_line --partial 'token-file'
}

# ---- namespace and in-cluster ----

@test "namespace: -n wins over the context namespace" {
	export KUBECONFIG="$FIX/a.yaml"
	run -0 kc --context shared
	assert_line '    "namespace": "from-a",'
	refute_line --partial 'namespace-explicit'
	run -0 kc --context shared -n other
	assert_line '    "namespace": "other",'
	assert_line '    "namespace-explicit": true,'
	run -0 kc --context shared -nthird
	assert_line '    "namespace": "third",'
	run -0 kc --context shared --namespace=fourth
	assert_line '    "namespace": "fourth",'
}

@test "in-cluster: used when nothing else is configured" {
	service_account
	run -0 kc
	assert_output - <<-OUT
	{
	    "ca": "$CA_PEM",
	    "in-cluster": true,
	    "namespace": "sa-ns",
	    "server": "https://10.96.0.1:443",
	    "token": "<token: 8 bytes>",
	    "token-file": "$KUBECTL_MESH_SA_DIR/token"
	}
	OUT
}

@test "in-cluster: POD_NAMESPACE comes before the service-account namespace" {
	service_account
	POD_NAMESPACE=pod-ns run -0 kc
	assert_line '    "namespace": "pod-ns",'
	rm "$KUBECTL_MESH_SA_DIR/namespace"
	run -0 kc
	assert_line '    "namespace": "default",'
}

@test "in-cluster: an IPv6 service host gets brackets" {
	service_account
	KUBERNETES_SERVICE_HOST=fd00::1 run -0 kc
	assert_line '    "server": "https://[fd00::1]:443",'
}

@test "in-cluster: needs the host, the port and the token file" {
	service_account
	rm "$KUBECTL_MESH_SA_DIR/token"
	run -0 kc
	assert_line '    "server": "http://localhost:8080"'
	service_account
	KUBERNETES_SERVICE_PORT= run -0 kc
	assert_line '    "server": "http://localhost:8080"'
}

@test "in-cluster: an unreadable ca.crt means the system roots" {
	service_account
	rm "$KUBECTL_MESH_SA_DIR/ca.crt"
	run -0 kc
	refute_line --partial '"ca"'
	assert_line '    "in-cluster": true,'
}

@test "in-cluster: --token and --certificate-authority still apply" {
	service_account
	cp "$FIX/pki/client.crt" other-ca.pem
	run -0 kc --token flag-token --certificate-authority other-ca.pem
	assert_output - <<-OUT
	{
	    "ca": "$CERT_PEM",
	    "in-cluster": true,
	    "namespace": "sa-ns",
	    "server": "https://10.96.0.1:443",
	    "token": "<token: 10 bytes>"
	}
	OUT
}

@test "in-cluster: a kubeconfig context without a namespace still takes the SA namespace" {
	service_account
	simple_config "" "    token: t"
	run -0 kc
	assert_line '    "namespace": "sa-ns",'
	assert_line '    "server": "https://c1.example:6443",'
	refute_line --partial 'in-cluster'
}

@test "in-cluster: a context namespace wins, even when it is default" {
	service_account
	export KUBECONFIG="$FIX/a.yaml"
	run -0 kc --context shared
	assert_line '    "namespace": "from-a",'
	write "$W/ns.yaml" <<-'EOF'
	contexts:
	- name: c
	  context: {namespace: default}
	current-context: c
	EOF
	KUBECONFIG="$W/ns.yaml" run -0 kc
	assert_line '    "namespace": "default",'
	assert_line '    "in-cluster": true,'
}

@test "in-cluster: impersonation makes the config non-default" {
	service_account
	run -0 kc --as someone
	assert_output - <<-'OUT'
	{
	    "impersonate-user": "someone",
	    "namespace": "sa-ns",
	    "server": "http://localhost:8080"
	}
	OUT
}

# ---- exec credential plugins ----

@test "exec: a v1 plugin gets its arguments and KUBERNETES_EXEC_INFO" {
	plugin_config v1 "      args: [--flag, two words]
      interactiveMode: Never"
	export PLUGIN_RECORD="$W/rec"
	run -0 kc exec --exec-info "$W/rec.info"
	assert_output - <<-'OUT'
	{
	    "credential": {
	        "token": "<token: 12 bytes>"
	    },
	    "execInfo": {
	        "apiVersion": "client.authentication.k8s.io/v1",
	        "kind": "ExecCredential",
	        "spec": {
	            "interactive": false
	        }
	    }
	}
	OUT
	run -0 cat "$W/rec.info"
	assert_output '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}'
	[ "$(tail -c 1 "$W/rec.info" | od -An -c | tr -d ' ')" = '\n' ]
	run -0 cat "$W/rec.args"
	assert_output - <<-'OUT'
	--flag
	two words
	OUT
	run -0 cat "$W/rec.stdin"
	assert_output /dev/null
}

@test "exec: a v1beta1 plugin without a terminal is not interactive" {
	plugin_config v1beta1 ""
	export PLUGIN_RECORD="$W/rec"
	export PLUGIN_REPLY='{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"beta"}}'
	run -0 kc exec
	assert_output - <<-'OUT'
	{
	    "credential": {
	        "token": "<token: 4 bytes>"
	    }
	}
	OUT
	run -0 cat "$W/rec.info"
	assert_output '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false}}'
	run -0 cat "$W/rec.stdin"
	assert_output /dev/null
}

@test "exec: the stanza's env replaces inherited variables; KUBERNETES_EXEC_INFO is ours" {
	plugin_config v1 "      interactiveMode: Never
      env:
      - {name: SHARED, value: from-stanza}
      - {name: ONLY_STANZA, value: 'a=b'}
      - {name: SHARED, value: last-wins}"
	export PLUGIN_RECORD="$W/rec" SHARED=from-parent ONLY_PARENT=kept KUBERNETES_EXEC_INFO=stale
	run -0 kc exec
	run -0 grep -E '^(SHARED|ONLY_STANZA|ONLY_PARENT|KUBERNETES_EXEC_INFO)=' "$W/rec.env"
	assert_output - <<-'OUT'
	KUBERNETES_EXEC_INFO={"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}
	ONLY_PARENT=kept
	ONLY_STANZA=a=b
	SHARED=last-wins
	OUT
}

@test "exec: provideClusterInfo sends the cluster, with the CA file as data" {
	plugin_config v1 "      interactiveMode: Never
      provideClusterInfo: true" "    certificate-authority: $FIX/pki/ca.pem
    tls-server-name: kube.internal
    proxy-url: socks5://127.0.0.1:1080
    disable-compression: true
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {zone: b, audience: [x, {k2: 1, k1: 2}]}
    - name: other
      extension: {ignored: true}"
	export PLUGIN_RECORD="$W/rec"
	run -0 kc exec
	run -0 cat "$W/rec.info"
	assert_output '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"cluster":{"server":"https://c1.example:6443","tls-server-name":"kube.internal","certificate-authority-data":"'"$CA_B64"'","proxy-url":"socks5://127.0.0.1:1080","disable-compression":true,"config":{"audience":["x",{"k1":2,"k2":1}],"zone":"b"}},"interactive":false}}'
}

@test "exec: provideClusterInfo without an extension sends a null config" {
	plugin_config v1 "      interactiveMode: Never
      provideClusterInfo: true" "    insecure-skip-tls-verify: true"
	export PLUGIN_RECORD="$W/rec"
	run -0 kc exec
	run -0 cat "$W/rec.info"
	assert_output '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"cluster":{"server":"https://c1.example:6443","insecure-skip-tls-verify":true,"config":null},"interactive":false}}'
}

@test "exec: interactiveMode Always needs a terminal" {
	plugin_config v1 "      interactiveMode: Always"
	run -2 kc exec
	assert_output 'error: exec plugin cannot support interactive mode: standard input must be a terminal'
}

@test "exec: on a terminal, IfAvailable and Always pass stdin; Never does not" {
	command -v script >/dev/null || skip "script(1) is not installed"
	export PLUGIN_RECORD="$W/rec"
	for mode in IfAvailable Always Never; do
		plugin_config v1 "      interactiveMode: $mode"
		rm -f "$W/rec.stdin" "$W/rec.info"
		script -qec "$TEST_COMMON kubeconfig exec" /dev/null >/dev/null
		run -0 cat "$W/rec.info"
		if [ "$mode" = Never ]; then
			assert_output '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}'
			run -0 cat "$W/rec.stdin"
			assert_output /dev/null
		else
			assert_output '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":true}}'
			run -0 cat "$W/rec.stdin"
			assert_output --regexp '^/dev/pts/[0-9]+$'
		fi
	done
}

@test "exec: a client certificate reply and its expiry" {
	plugin_config v1 "      interactiveMode: Never"
	export PLUGIN_REPLY='{"apiVersion":"client.authentication.k8s.io/v1","status":{"clientCertificateData":"-----BEGIN CERTIFICATE-----\nY2xpZW50LWNlcnRpZmljYXRl\n-----END CERTIFICATE-----\n","clientKeyData":"-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n","expirationTimestamp":"2030-01-02T03:04:05+01:00"}}'
	run -0 kc exec
	assert_output - <<-OUT
	{
	    "credential": {
	        "cert": "$CERT_PEM",
	        "expiry": 1893549845,
	        "key": "-----BEGIN PRIVATE KEY----- (56 bytes)"
	    }
	}
	OUT
}

@test "exec: the reply's apiVersion must match the configured one" {
	plugin_config v1beta1 ""
	run -2 kc exec
	assert_output 'error: exec plugin is configured to use API version client.authentication.k8s.io/v1beta1, plugin returned version client.authentication.k8s.io/v1'
	PLUGIN_REPLY='{"status":{"token":"x"}}' run -2 kc exec
	assert_output 'error: exec plugin is configured to use API version client.authentication.k8s.io/v1beta1, plugin returned version client.authentication.k8s.io/__internal'
	PLUGIN_REPLY='{"apiVersion":"example.com/v9","status":{"token":"x"}}' run -2 kc exec
	assert_output 'error: decoding stdout: no kind "ExecCredential" is registered for version "example.com/v9"'
}

@test "exec: replies without a usable status" {
	plugin_config v1 "      interactiveMode: Never"
	PLUGIN_REPLY='{"apiVersion":"client.authentication.k8s.io/v1"}' run -2 kc exec
	assert_output "error: exec plugin didn't return a status field"
	PLUGIN_REPLY='{"apiVersion":"client.authentication.k8s.io/v1","status":{}}' run -2 kc exec
	assert_output "error: exec plugin didn't return a token or cert/key pair"
	PLUGIN_REPLY='{"apiVersion":"client.authentication.k8s.io/v1","status":{"clientKeyData":"k"}}' run -2 kc exec
	assert_output 'error: exec plugin returned only certificate or key, not both'
	PLUGIN_REPLY='{"apiVersion":"client.authentication.k8s.io/v1","status":{"token":7}}' run -2 kc exec
	assert_output 'error: decoding stdout: json: cannot unmarshal number into Go struct field ExecCredentialStatus.status.token of type string'
	PLUGIN_REPLY='{"apiVersion":"client.authentication.k8s.io/v1","status":{"token":"t","expirationTimestamp":"soon"}}' run -2 kc exec
	assert_output 'error: decoding stdout: parsing time "soon" as "2006-01-02T15:04:05Z07:00": not an RFC 3339 time'
	PLUGIN_REPLY='[1, 2' run -2 kc exec
	assert_output --partial 'error: decoding stdout: json: '
	refute_output --partial '[1, 2'
}

@test "exec: a missing executable names it and adds the install hint" {
	simple_config "" "    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: no-such-plugin
      interactiveMode: Never
      installHint: |
        Install it with:
          brew install no-such-plugin"
	run -2 kc exec
	assert_output - <<-'OUT'
	error: exec: executable no-such-plugin not found

	It looks like you are trying to use a client-go credential plugin that is not installed.

	To learn more about this feature, consult the documentation available at:
	      https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins

	Install it with:
	  brew install no-such-plugin
	OUT
}

@test "exec: control characters in the install hint are escaped" {
	simple_config "" "    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: no-such-plugin
      interactiveMode: Never
      installHint: \"\\e[31mred\\e[0m\""
	run -2 kc exec
	assert_line 'U+001B[31mredU+001B[0m'
}

@test "exec: a bare name is searched on PATH, but never in a relative entry" {
	simple_config "" "    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: exec-plugin
      interactiveMode: Never"
	PATH="$FIX/bin:$PATH" run -0 kc exec
	assert_line '        "token": "<token: 12 bytes>"'
	cp "$PLUGIN" ./exec-plugin
	PATH=".:$FIX/bin:$PATH" run -2 kc exec
	assert_line 'error: exec: executable exec-plugin not found'
	PATH="/nonexistent:" run -2 kc exec
	assert_line 'error: exec: executable exec-plugin not found'
	PATH="/nonexistent:$FIX/bin" run -0 kc exec
}

@test "exec: a missing path is reported by fork/exec" {
	simple_config "" "    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/nope
      interactiveMode: Never"
	run -2 kc exec
	assert_output "error: exec: fork/exec $HOME/.kube/bin/nope: no such file or directory"
}

@test "exec: a failing plugin reports its exit code; its stderr passes through" {
	plugin_config v1 "      interactiveMode: Never"
	PLUGIN_MODE=exit PLUGIN_EXIT=3 PLUGIN_STDERR='plugin says no' run -2 --separate-stderr kc exec
	assert_output ''
	[ "$stderr" = "plugin says no
error: exec: executable $PLUGIN failed with exit code 3" ]
}

@test "exec: a plugin that hangs is stopped at the timeout" {
	plugin_config v1 "      interactiveMode: Never"
	KUBECTL_MESH_EXEC_TIMEOUT=1 PLUGIN_MODE=hang run -2 kc exec
	assert_output "error: exec: executable $PLUGIN did not finish within 1 seconds"
}

@test "exec: a plugin that floods stdout is stopped at 1 MiB" {
	plugin_config v1 "      interactiveMode: Never"
	PLUGIN_MODE=flood run -2 kc exec
	assert_output "error: exec: executable $PLUGIN wrote more than 1048576 bytes to stdout"
}

# ---- auth-providers ----

@test "oidc: a valid id-token is the bearer token" {
	oidc_config "        idp-issuer-url: https://issuer.example
        id-token: $(jwt 4102444800)
        refresh-token: r1
        idp-certificate-authority-data: $CA_B64"
	run -0 kc
	assert_output - <<-OUT
	{
	    "cluster": "c1",
	    "context": "ctx",
	    "namespace": "default",
	    "oidc": {
	        "client-id": "kubectl",
	        "client-secret": "<secret: 6 bytes>",
	        "id-token": "<token: 63 bytes>",
	        "idp-ca": "$CA_PEM",
	        "issuer": "https://issuer.example",
	        "kubeconfig": "$KUBECONFIG",
	        "refresh-token": "<token: 2 bytes>",
	        "user": "u1"
	    },
	    "server": "https://c1.example:6443",
	    "token": "<token: 63 bytes>",
	    "user": "u1"
	}
	OUT
}

@test "oidc: an expired id-token without a refresh-token fails" {
	oidc_config "        idp-issuer-url: https://issuer.example
        id-token: $(jwt 1000)"
	run -2 kc
	assert_output 'Unable to connect to the server: No valid id-token, and cannot refresh without refresh-token'
	oidc_config "        idp-issuer-url: https://issuer.example
        id-token: $(jwt $(( $(date +%s) + 5 )))"
	run -2 kc
	assert_output 'Unable to connect to the server: No valid id-token, and cannot refresh without refresh-token'
}

@test "oidc: an expired id-token is refreshed and written back" {
	start_issuer "$(jwt 4102444800)"
	oidc_config "        idp-issuer-url: $ISSUER/
        id-token: $(jwt 1000)
        refresh-token: refresh-1"
	run -0 kc
	assert_line '    "token": "<token: 63 bytes>",'
	run -0 cat "$W/issuer.log"
	assert_output 'POST /token auth=Basic a3ViZWN0bDpzM2NyZXQ= body=grant_type=refresh_token&refresh_token=refresh-1'
	# Rewritten whole as kubectl writes a kubeconfig (go-yaml v2: keys sorted, sequences at their key's indentation).
	run -0 cat "$KUBECONFIG"
	assert_output - <<-OUT
	apiVersion: v1
	clusters:
	- cluster:
	    server: https://c1.example:6443
	  name: c1
	contexts:
	- context:
	    cluster: c1
	    user: u1
	  name: ctx
	current-context: ctx
	kind: Config
	users:
	- name: u1
	  user:
	    auth-provider:
	      config:
	        client-id: kubectl
	        client-secret: s3cret
	        id-token: $(jwt 4102444800)
	        idp-issuer-url: $ISSUER/
	        refresh-token: refresh-2
	      name: oidc
	OUT
	[ ! -e "$KUBECONFIG.lock" ]
	run -0 kc
	run -0 wc -l <"$W/issuer.log"
	assert_output 1
}

@test "oidc: a refused refresh tries both client authentication styles" {
	start_issuer "$(jwt 4102444800)" 400
	oidc_config "        idp-issuer-url: $ISSUER
        id-token: $(jwt 1000)
        refresh-token: refresh-1"
	run -2 kc
	assert_output 'Unable to connect to the server: failed to refresh token: oauth2: "invalid_grant" "refresh token expired"'
	run -0 cat "$W/issuer.log"
	assert_output - <<-'OUT'
	POST /token auth=Basic a3ViZWN0bDpzM2NyZXQ= body=grant_type=refresh_token&refresh_token=refresh-1
	POST /token auth=- body=client_id=kubectl&client_secret=s3cret&grant_type=refresh_token&refresh_token=refresh-1
	OUT
}

@test "oidc: a refresh reply without an id_token" {
	start_issuer -
	oidc_config "        idp-issuer-url: $ISSUER
        refresh-token: refresh-1"
	run -2 kc
	assert_output 'Unable to connect to the server: token response did not contain an id_token, either the scope "openid" wasn'"'"'t requested upon login, or the provider doesn'"'"'t support id_tokens as part of the refresh response'
}

@test "oidc: an unreachable issuer" {
	oidc_config "        idp-issuer-url: http://127.0.0.1:1
        id-token: $(jwt 1000)
        refresh-token: r"
	run -2 kc
	assert_output --partial 'Unable to connect to the server: Get "http://127.0.0.1:1/.well-known/openid-configuration": '
}

@test "oidc: configuration problems" {
	oidc_config "        id-token: x"
	run -2 kc
	assert_output 'error: Must provide idp-issuer-url'
	simple_config "" "    auth-provider: {name: oidc, config: {idp-issuer-url: https://i}}"
	run -2 kc
	assert_output 'error: Must provide client-id'
	oidc_config "        idp-issuer-url: https://i
        id-token: not-a-jwt"
	run -2 kc
	assert_output 'Unable to connect to the server: ID Token is not a valid JWT'
	oidc_config "        idp-issuer-url: https://i
        idp-certificate-authority-data: '!!'"
	run -2 kc
	assert_output 'error: illegal base64 data at input byte 0'
}

@test "oidc: a bearer token in the stanza takes precedence" {
	oidc_config "        idp-issuer-url: https://issuer.example
        id-token: $(jwt 1000)
    token: static"
	run -0 kc
	assert_line '    "token": "<token: 6 bytes>",'
	refute_line --partial '"oidc"'
}

@test "auth-provider: gcp, azure and unknown providers" {
	simple_config "" "    auth-provider: {name: gcp}"
	run -2 kc
	assert_output - <<-'OUT'
	error: The gcp auth plugin has been removed.
	Please use the "gke-gcloud-auth-plugin" kubectl/client-go credential plugin instead.
	See https://cloud.google.com/blog/products/containers-kubernetes/kubectl-auth-changes-in-gke for further details
	OUT
	simple_config "" "    auth-provider: {name: azure}"
	run -2 kc
	assert_output - <<-'OUT'
	error: The azure auth plugin has been removed.
	Please use the https://github.com/Azure/kubelogin kubectl/client-go credential plugin instead.
	See https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins for further details
	OUT
	simple_config "" "    auth-provider: {name: openstack}"
	run -2 kc
	assert_output 'error: no Auth Provider found for name "openstack"'
}
