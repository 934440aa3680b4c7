/* SPDX-License-Identifier: Apache-2.0 */
/* test-common kubeconfig: resolve, merge and run exec plugins, printing redacted JSON. */
#include "compat.h"
#include "test-common.h"
#include "kubeconfig.h"
#include "strbuf.h"
#include "usage.h"
#include "xalloc.h"
#include "yamljson.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * Usage:
 *   test-common kubeconfig [flags]                 resolve and print the config
 *   test-common kubeconfig merged [--kubeconfig F] print kubeconfig_load_merged()
 *   test-common kubeconfig exec [--exec-info F] [flags]
 *                                                  run the exec plugin; print the
 *                                                  credential and the JSON in F
 *   test-common kubeconfig oidc-issuer PORTFILE LOGFILE IDTOKEN [STATUS]
 *                                                  serve discovery and /token
 * flags are kubectl's connection flags, as --flag=value or --flag value.
 * Secrets print as "<token: N bytes>", PEM blocks as their first line
 * and length.  Errors go to stderr as kubectl prints them; exit 2.
 */

struct flag_def {
	const char *name;
	char shorthand;
	size_t offset; /* of the field in struct kubeconfig_flags, for kinds 0 and 1 */
	int kind;      /* 0 string, 1 tri-state bool, 2 --as-group, 3 --exec-info */
};

#define STR_FLAG(n, s, f) { n, s, offsetof(struct kubeconfig_flags, f), 0 }
#define BOOL_FLAG(n, f) { n, 0, offsetof(struct kubeconfig_flags, f), 1 }

static const struct flag_def flag_defs[] = {
	STR_FLAG("kubeconfig", 0, kubeconfig),
	STR_FLAG("context", 0, context),
	STR_FLAG("cluster", 0, cluster),
	STR_FLAG("user", 0, user),
	STR_FLAG("server", 's', server),
	STR_FLAG("token", 0, token),
	STR_FLAG("certificate-authority", 0, certificate_authority),
	STR_FLAG("client-certificate", 0, client_certificate),
	STR_FLAG("client-key", 0, client_key),
	STR_FLAG("tls-server-name", 0, tls_server_name),
	STR_FLAG("namespace", 'n', namespace),
	STR_FLAG("username", 0, username),
	STR_FLAG("password", 0, password),
	STR_FLAG("as", 0, as),
	STR_FLAG("as-uid", 0, as_uid),
	BOOL_FLAG("insecure-skip-tls-verify", insecure_skip_tls_verify),
	BOOL_FLAG("disable-compression", disable_compression),
	{ "as-group", 0, 0, 2 },
	{ "exec-info", 0, 0, 3 },
};

static const struct flag_def *find_flag(const char *arg, const char **inline_value)
{
	size_t i, n;
	const char *name;

	*inline_value = NULL;
	if (arg[0] == '-' && arg[1] && arg[1] != '-') {
		for (i = 0; i < ARRAY_SIZE(flag_defs); i++)
			if (flag_defs[i].shorthand == arg[1]) {
				*inline_value = arg[2] ? arg + 2 + (arg[2] == '=') : NULL;
				return &flag_defs[i];
			}
		return NULL;
	}
	if (!skip_prefix(arg, "--", &name))
		return NULL;
	n = strcspn(name, "=");
	for (i = 0; i < ARRAY_SIZE(flag_defs); i++)
		if (strlen(flag_defs[i].name) == n && !strncmp(flag_defs[i].name, name, n)) {
			*inline_value = name[n] ? name + n + 1 : NULL;
			return &flag_defs[i];
		}
	return NULL;
}

static int set_flag(struct kc_args *a, const struct flag_def *d, const char *value)
{
	char *base = (char *)&a->fl;

	if (d->kind == 0)
		*(const char **)(base + d->offset) = value;
	else if (d->kind == 1)
		*(int *)(base + d->offset) = !value || !strcmp(value, "true");
	else if (d->kind == 3)
		a->exec_info = value;
	else if (a->fl.nr_as_groups < ARRAY_SIZE(a->groups))
		a->groups[a->fl.nr_as_groups++] = value;
	else
		return -1;
	return 0;
}

int kc_args_parse_one(struct kc_args *a, int argc, char **argv, int *i)
{
	const char *value;
	const struct flag_def *d = find_flag(argv[*i], &value);

	if (!d)
		return 0;
	if (!value && d->kind != 1) {
		if (++*i == argc) {
			fprintf(stderr, "flag needs an argument: %s\n", argv[*i - 1]);
			return -1;
		}
		value = argv[*i];
	}
	(*i)++;
	a->fl.as_groups = a->groups;
	return set_flag(a, d, value) ? -1 : 1;
}

static int parse_flags(struct kc_args *a, int argc, char **argv)
{
	int i = 0, r;

	while (i < argc) {
		r = kc_args_parse_one(a, argc, argv, &i);
		if (!r)
			fprintf(stderr, "test-common kubeconfig: unknown flag '%s'\n", argv[i]);
		if (r <= 0)
			return -1;
	}
	return 0;
}

/* ---- printing ---- */

static void set_str(json_t *obj, const char *key, const char *value)
{
	if (value)
		json_object_set_new(obj, key, json_string(value));
}

static void set_secret(json_t *obj, const char *key, const char *what, const char *value)
{
	char *marker;
	if (!value)
		return;
	marker = xasprintf("<%s: %zu bytes>", what, strlen(value));
	json_object_set_new(obj, key, json_string(marker));
	free(marker);
}

static void set_pem(json_t *obj, const char *key, const struct strbuf *pem)
{
	char *marker;
	if (!pem->len)
		return;
	marker = xasprintf("%.*s (%zu bytes)", (int)strcspn(pem->buf, "\n"), pem->buf, pem->len);
	json_object_set_new(obj, key, json_string(marker));
	free(marker);
}

static void set_flag_true(json_t *obj, const char *key, int value)
{
	if (value)
		json_object_set_new(obj, key, json_true());
}

static json_t *strv_json(char **v)
{
	json_t *arr = json_array();
	while (v && *v)
		json_array_append_new(arr, json_string(*v++));
	return arr;
}

static json_t *exec_json(const struct kube_exec *e)
{
	json_t *o = json_object();
	set_str(o, "command", e->command);
	json_object_set_new(o, "args", strv_json(e->args));
	json_object_set_new(o, "env", strv_json(e->env));
	set_str(o, "apiVersion", e->api_version);
	set_str(o, "interactiveMode", e->interactive_mode);
	set_flag_true(o, "provideClusterInfo", e->provide_cluster_info);
	set_str(o, "installHint", e->install_hint);
	if (e->cluster_config)
		json_object_set(o, "config", e->cluster_config);
	return o;
}

static json_t *oidc_json(const struct kube_oidc *o)
{
	json_t *j = json_object();
	set_secret(j, "id-token", "token", o->id_token);
	set_secret(j, "refresh-token", "token", o->refresh_token);
	set_str(j, "issuer", o->issuer_url);
	set_str(j, "client-id", o->client_id);
	set_secret(j, "client-secret", "secret", o->client_secret);
	if (o->idp_ca_pem) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addstr(&sb, o->idp_ca_pem);
		set_pem(j, "idp-ca", &sb);
		strbuf_release(&sb);
	}
	set_str(j, "kubeconfig", o->kubeconfig_path);
	set_str(j, "user", o->user_name);
	return j;
}

static json_t *config_json(const struct kube_config *c)
{
	json_t *o = json_object();
	set_str(o, "context", c->context);
	set_str(o, "cluster", c->cluster_name);
	set_str(o, "user", c->user_name);
	set_str(o, "server", c->server);
	set_str(o, "tls-server-name", c->tls_server_name);
	set_flag_true(o, "insecure", c->insecure);
	set_pem(o, "ca", &c->ca_pem);
	set_str(o, "proxy-url", c->proxy_url);
	set_flag_true(o, "disable-compression", c->disable_compression);
	set_pem(o, "cert", &c->cert_pem);
	set_pem(o, "key", &c->key_pem);
	set_secret(o, "token", "token", c->token);
	set_str(o, "token-file", c->token_file);
	set_str(o, "username", c->username);
	set_secret(o, "password", "password", c->password);
	if (c->exec)
		json_object_set_new(o, "exec", exec_json(c->exec));
	if (c->oidc)
		json_object_set_new(o, "oidc", oidc_json(c->oidc));
	set_str(o, "impersonate-user", c->impersonate_user);
	if (c->impersonate_groups)
		json_object_set_new(o, "impersonate-groups", strv_json(c->impersonate_groups));
	set_str(o, "impersonate-uid", c->impersonate_uid);
	set_str(o, "namespace", c->namespace);
	set_flag_true(o, "namespace-explicit", c->namespace_explicit);
	set_flag_true(o, "in-cluster", c->in_cluster);
	return o;
}

static int print_json(json_t *v)
{
	struct strbuf sb = STRBUF_INIT;
	yamljson_dump_json(&sb, v);
	fwrite(sb.buf, 1, sb.len, stdout);
	strbuf_release(&sb);
	json_decref(v);
	return 0;
}

/* Secrets in a merged kubeconfig, replaced wherever they appear. */
static void redact_tree(json_t *v)
{
	static const char *const secret_keys[] = {
		"token", "password", "client-key-data", "id-token", "refresh-token", "client-secret",
	};
	const char *key;
	json_t *e;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			redact_tree(e);
		return;
	}
	json_object_foreach(v, key, e) {
		for (i = 0; i < ARRAY_SIZE(secret_keys); i++)
			if (!strcmp(key, secret_keys[i]) && json_is_string(e))
				break;
		if (i < ARRAY_SIZE(secret_keys))
			set_secret(v, key, "secret", json_string_value(e));
		else
			redact_tree(e);
	}
}

static int cmd_merged(struct kc_args *a)
{
	struct strbuf err = STRBUF_INIT;
	json_t *merged = kubeconfig_load_merged(a->fl.kubeconfig, &err);
	int ret;

	if (!merged) {
		ret = report_error(err.buf);
		strbuf_release(&err);
		return ret;
	}
	strbuf_release(&err);
	redact_tree(merged);
	return print_json(merged);
}

static json_t *credential_json(const struct exec_credential *cred, const char *info_file)
{
	json_t *o = json_object(), *c = json_object(), *info;
	json_error_t jerr;

	set_secret(c, "token", "token", cred->token);
	set_pem(c, "cert", &cred->cert_pem);
	set_pem(c, "key", &cred->key_pem);
	if (cred->expiry)
		json_object_set_new(c, "expiry", json_integer((json_int_t)cred->expiry));
	json_object_set_new(o, "credential", c);
	info = info_file ? json_load_file(info_file, 0, &jerr) : NULL;
	if (info)
		json_object_set_new(o, "execInfo", info);
	return o;
}

static int cmd_resolve(struct kc_args *a, int run_exec)
{
	struct kube_config cfg;
	struct exec_credential cred = EXEC_CREDENTIAL_INIT;
	struct strbuf err = STRBUF_INIT;
	int ret = 0;

	if (kubeconfig_resolve(&a->fl, &cfg, &err))
		ret = report_error(err.buf);
	else if (!run_exec)
		print_json(config_json(&cfg));
	else if (exec_credential_get(&cfg, &cred, &err))
		ret = report_error(err.buf);
	else
		print_json(credential_json(&cred, a->exec_info));
	exec_credential_release(&cred);
	kube_config_release(&cfg);
	strbuf_release(&err);
	return ret;
}

/* ---- a tiny OIDC issuer for the refresh tests ---- */

struct issuer {
	int port;
	const char *log;
	const char *id_token; /* "-" leaves id_token out of the reply */
	int status;
};

static void http_send(int fd, int status, const char *body)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
		    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		    status, status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request",
		    strlen(body), body);
	if (write(fd, sb.buf, sb.len) < 0)
		perror("write");
	strbuf_release(&sb);
}

/* Read one request; returns the header block with the body after it. */
static int read_request(int fd, struct strbuf *req, const char **body)
{
	char buf[4096];
	const char *end, *cl;
	ssize_t n;

	while (!(end = strstr(req->buf, "\r\n\r\n"))) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0 || strbuf_add(req, buf, (size_t)n))
			return -1;
	}
	*body = end + 4;
	cl = strcasestr(req->buf, "\r\ncontent-length:");
	n = cl ? strtol(cl + 17, NULL, 10) : 0;
	while ((ssize_t)strlen(*body) < n) {
		ssize_t got = read(fd, buf, sizeof(buf));
		size_t off = (size_t)(*body - req->buf);
		if (got <= 0 || strbuf_add(req, buf, (size_t)got))
			return -1;
		*body = req->buf + off;
	}
	return 0;
}

static void log_token_request(const struct issuer *is, const char *req, const char *body)
{
	FILE *f = fopen(is->log, "a");
	const char *auth = strcasestr(req, "\r\nauthorization: ");
	if (!f)
		return;
	fprintf(f, "POST /token auth=%.*s body=%s\n", auth ? (int)strcspn(auth + 17, "\r") : 1,
		auth ? auth + 17 : "-", body);
	fclose(f);
}

static void serve_one(const struct issuer *is, int fd)
{
	struct strbuf req = STRBUF_INIT, reply = STRBUF_INIT;
	const char *body;

	if (read_request(fd, &req, &body)) {
		strbuf_release(&req);
		return;
	}
	if (starts_with(req.buf, "GET /.well-known/openid-configuration ")) {
		strbuf_addf(&reply, "{\"issuer\":\"http://127.0.0.1:%d\","
			    "\"token_endpoint\":\"http://127.0.0.1:%d/token\"}", is->port, is->port);
		http_send(fd, 200, reply.buf);
	} else if (starts_with(req.buf, "POST /token ")) {
		log_token_request(is, req.buf, body);
		if (is->status != 200)
			strbuf_addstr(&reply, "{\"error\":\"invalid_grant\","
				      "\"error_description\":\"refresh token expired\"}");
		else if (strcmp(is->id_token, "-"))
			strbuf_addf(&reply, "{\"access_token\":\"access-2\",\"token_type\":\"Bearer\","
				    "\"refresh_token\":\"refresh-2\",\"id_token\":\"%s\"}", is->id_token);
		else
			strbuf_addstr(&reply, "{\"access_token\":\"access-2\",\"token_type\":\"Bearer\"}");
		http_send(fd, is->status, reply.buf);
	} else {
		http_send(fd, 404, "{}");
	}
	strbuf_release(&req);
	strbuf_release(&reply);
}

static int write_port(const char *path, int port)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int ret = -1;

	if (f) {
		fprintf(f, "%d\n", port);
		if (!fclose(f) && !rename(tmp, path))
			ret = 0;
	}
	free(tmp);
	return ret;
}

static int cmd_issuer(int argc, char **argv)
{
	struct issuer is = { 0, NULL, NULL, 200 };
	struct sockaddr_in sa = { 0 };
	socklen_t len = sizeof(sa);
	int s = socket(AF_INET, SOCK_STREAM, 0), c;

	if (argc < 4 || s < 0)
		return fail("usage: kubeconfig oidc-issuer PORTFILE LOGFILE IDTOKEN [STATUS]");
	is.log = argv[2];
	is.id_token = argv[3];
	if (argc > 4)
		is.status = atoi(argv[4]);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 8) ||
	    getsockname(s, (struct sockaddr *)&sa, &len))
		return fail("cannot listen: %s", strerror(errno));
	is.port = ntohs(sa.sin_port);
	if (write_port(argv[1], is.port))
		return fail("cannot write %s", argv[1]);
	while ((c = accept(s, NULL, NULL)) >= 0) {
		serve_one(&is, c);
		close(c);
	}
	return 0;
}

int cmd__kubeconfig(int argc, char **argv)
{
	struct kc_args a = KC_ARGS_INIT;
	const char *mode = argc > 1 ? argv[1] : "";
	int skip = !strcmp(mode, "merged") || !strcmp(mode, "exec");

	if (!strcmp(mode, "oidc-issuer"))
		return cmd_issuer(argc - 1, argv + 1);
	if (parse_flags(&a, argc - 1 - skip, argv + 1 + skip))
		return MESH_EXIT_ERROR;
	if (!strcmp(mode, "merged"))
		return cmd_merged(&a);
	return cmd_resolve(&a, !strcmp(mode, "exec"));
}
