/* SPDX-License-Identifier: Apache-2.0 */
/* test-common ws: exec, port-forward GETs and the debug-endpoint fallback against a server. */
#include "cli_priv.h"
#include "kube.h"
#include "kube_priv.h"
#include "kubeconfig.h"
#include "podstream.h"
#include "test-common.h"
#include "usage.h"

#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"usage: test-common ws [connection flags] [--request-timeout T] [-v N] [--body-cap BYTES]\n"
	"       (exec NS POD CONTAINER ARG... | get NS POD PORT PATH |\n"
	"        debug NS POD (envoy|istiod) PATH)\n"
	"  exec:  the command's stdout on stdout, its stderr then \"exit code N\" on stderr\n"
	"  get:   the body on stdout, \"HTTP <status>\" on stderr\n"
	"  debug: the body on stdout\n"
	"  A failure prints the error as a plugin would and exits 2.\n";

struct ws_test_opts {
	struct kc_args kc;
	struct kube_client_opts client;
	long body_cap;
};

/* Options that take a value; the words used, 0 when unknown or invalid. */
static int parse_valued(struct ws_test_opts *o, const char *name, const char *v)
{
	if (!strcmp(name, "--request-timeout"))
		o->client.timeout_ms = cli_parse_timeout(v);
	else if (!strcmp(name, "-v"))
		o->client.verbosity = atoi(v);
	else if (!strcmp(name, "--body-cap"))
		o->body_cap = strtol(v, NULL, 10);
	else
		return 0;
	return o->client.timeout_ms < 0 ? 0 : 2;
}

/* The index of the command word, or -1 after printing usage. */
static int parse_opts(struct ws_test_opts *o, int argc, char **argv)
{
	static const struct {
		const char *cmd;
		int min_args;
	} cmds[] = { { "exec", 4 }, { "get", 4 }, { "debug", 4 } };
	int i = 1;
	size_t k;

	while (i < argc && argv[i][0] == '-') {
		int kc = kc_args_parse_one(&o->kc, argc, argv, &i), used = 0;

		if (kc > 0)
			continue;
		if (!kc && i + 1 < argc)
			used = parse_valued(o, argv[i], argv[i + 1]);
		if (!used)
			break;
		i += used;
	}
	for (k = 0; i < argc && k < ARRAY_SIZE(cmds); k++)
		if (!strcmp(argv[i], cmds[k].cmd) && argc - i - 1 >= cmds[k].min_args &&
		    (k == 0 || argc - i - 1 == cmds[k].min_args))
			return i;
	fputs(usage_text, stderr);
	return -1;
}

static int run_exec(struct kube_client *c, char **argv, struct strbuf *err)
{
	struct strbuf out = STRBUF_INIT, err_out = STRBUF_INIT;
	int code = 0, ret;

	ret = kube_pod_exec(c, argv[1], argv[2], argv[3], (const char *const *)argv + 4, &out,
			    &err_out, &code, err);
	if (!ret) {
		fwrite(out.buf, 1, out.len, stdout);
		fwrite(err_out.buf, 1, err_out.len, stderr);
		fprintf(stderr, "exit code %d\n", code);
	}
	strbuf_release(&out);
	strbuf_release(&err_out);
	return ret;
}

static int run_get(struct kube_client *c, char **argv, struct strbuf *err)
{
	struct strbuf body = STRBUF_INIT;
	long status = 0;
	int ret = kube_pod_http_get(c, argv[1], argv[2], atoi(argv[3]), argv[4], &status, &body, err);

	if (!ret) {
		fwrite(body.buf, 1, body.len, stdout);
		fprintf(stderr, "HTTP %ld\n", status);
	}
	strbuf_release(&body);
	return ret;
}

static int run_debug(struct kube_client *c, char **argv, struct strbuf *err)
{
	const struct pod_endpoint *ep = !strcmp(argv[3], "envoy") ? &kube_envoy_admin :
					!strcmp(argv[3], "istiod") ? &kube_istiod_debug : NULL;
	struct strbuf body = STRBUF_INIT;
	int ret;

	if (!ep) {
		strbuf_addf(err, "unknown endpoint \"%s\": use envoy or istiod", argv[3]);
		return -1;
	}
	ret = kube_pod_debug_get(c, argv[1], argv[2], ep, argv[4], &body, err);
	if (!ret)
		fwrite(body.buf, 1, body.len, stdout);
	strbuf_release(&body);
	return ret;
}

static int run(struct kube_client *c, char **argv, struct strbuf *err)
{
	if (!strcmp(argv[0], "exec"))
		return run_exec(c, argv, err);
	if (!strcmp(argv[0], "get"))
		return run_get(c, argv, err);
	return run_debug(c, argv, err);
}

/* The client the flags describe, or NULL with err set. */
static struct kube_client *open_client(struct ws_test_opts *o, struct kube_config *cfg,
				       struct strbuf *err)
{
	struct kube_client *c = NULL;

	if (!kubeconfig_resolve(&o->kc.fl, cfg, err))
		c = kube_client_new(cfg, &o->client, err);
	if (c && o->body_cap > 0)
		c->body_cap = (size_t)o->body_cap;
	return c;
}

int cmd__ws(int argc, char **argv)
{
	struct ws_test_opts o = { .kc = KC_ARGS_INIT };
	struct kube_config cfg;
	struct kube_client *c;
	struct strbuf err = STRBUF_INIT;
	int at = parse_opts(&o, argc, argv), ret;

	if (at < 0)
		return MESH_EXIT_ERROR;
	memset(&cfg, 0, sizeof(cfg));
	c = open_client(&o, &cfg, &err);
	ret = !c || run(c, argv + at, &err) ? report_error(err.buf) : MESH_EXIT_OK;
	fflush(stdout);
	kube_client_free(c);
	kube_config_release(&cfg);
	strbuf_release(&err);
	return ret;
}
