/* SPDX-License-Identifier: Apache-2.0 */
/* logs: a sidecar's access log, one decoded record per line. */
#include "commands.h"
#include "accesslog.h"
#include "cli_priv.h"
#include "kube.h"
#include "objects.h"
#include "proxy.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define SIDECAR "istio-proxy"

const struct cli_option logs_options[] = {
	{ "tail", 0, CLI_INT, offsetof(struct logs_opts, tail), "N",
	  "Only the last N lines of the log (-1: all)", -1, COMPLETE_NONE, NULL, 0 },
	{ "since", 0, CLI_STRING, offsetof(struct logs_opts, since), "DURATION",
	  "Only lines newer than DURATION (5s, 2m, 3h)", 0, COMPLETE_NONE, NULL, 0 },
	{ "status", 0, CLI_STRING, offsetof(struct logs_opts, status), "CODE",
	  "Only requests answered with CODE (503) or a class of codes (4xx, 5xx)", 0,
	  COMPLETE_NONE, NULL, 0 },
	CLI_OPT_END
};

/* --status: a code, or a class "4xx"; *lo and *hi bound the codes kept. */
static int parse_status(const char *text, long *lo, long *hi)
{
	size_t len = strlen(text);
	char *end;
	long v;

	if (len == 3 && text[0] >= '1' && text[0] <= '5' && !strcmp(text + 1, "xx")) {
		*lo = (text[0] - '0') * 100;
		*hi = *lo + 99;
		return 0;
	}
	v = strtol(text, &end, 10);
	if (!len || len > 3 || *end || !isdigit((unsigned char)*text))
		return -1;
	*lo = *hi = v;
	return 0;
}

/* --since as kubectl takes it (a Go duration, its unit required), rounded up to seconds. */
static int parse_since(const char *text, long *secs)
{
	long ms;

	if (strspn(text, "0123456789") == strlen(text))
		return -1;
	ms = cli_parse_timeout(text);
	if (ms < 0)
		return -1;
	*secs = (ms + 999) / 1000;
	return 0;
}

/* The pod must run the sidecar (a native sidecar counts). */
static int check_sidecar(struct kube_client *c, const char *ns, const char *pod)
{
	struct strbuf path = STRBUF_INIT, err = STRBUF_INIT;
	json_t *obj = NULL, *ct;
	const char *lists[] = { "spec.containers", "spec.initContainers" };
	size_t i, j;
	int r = MESH_EXIT_ERROR;

	strbuf_addf(&path, "/api/v1/namespaces/%s/pods/", ns);
	kube_query_escape(&path, pod);
	if (kube_get(c, path.buf, &obj, NULL, &err)) {
		report_error(err.buf);
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(lists) && r; i++) {
		json_array_foreach(obj_path(obj, lists[i]), j, ct) {
			const char *name = json_string_value(json_object_get(ct, "name"));
			const char *restart = json_string_value(json_object_get(ct, "restartPolicy"));
			if (name && !strcmp(name, SIDECAR) && (!i || (restart && !strcmp(restart, "Always"))))
				r = 0;
		}
	}
	if (r)
		fail("pod \"%s\" has no " SIDECAR " sidecar container", pod);
out:
	json_decref(obj);
	strbuf_release(&path);
	strbuf_release(&err);
	return r;
}

static int fetch_log(struct cli *cli, const struct logs_opts *o, long since, const char *ns,
		     const char *pod, struct strbuf *body)
{
	struct kube_req req;
	struct kube_client *c;
	int r = cli_client(cli, &c);

	if (!r)
		r = check_sidecar(c, ns, pod);
	if (r)
		return r;
	kube_req_init(&req, "/api/v1/namespaces/%s/pods/%s/log?container=" SIDECAR, ns, pod);
	if (o->tail >= 0) {
		char *p = xasprintf("%s&tailLines=%ld", req.path, o->tail);
		free(req.path);
		req.path = p;
	}
	if (since > 0) {
		char *p = xasprintf("%s&sinceSeconds=%ld", req.path, since);
		free(req.path);
		req.path = p;
	}
	req.raw = 1;
	req.accept = "*/*";
	req.what = "get pods/log";
	if (kube_run(c, &req, 1))
		r = report_error(req.err.buf);
	else
		strbuf_add(body, req.body.buf, req.body.len);
	kube_req_release(&req);
	return r;
}

struct filter {
	int on;
	long lo, hi;
};

/* One line of the log: decoded, kept or dropped by --status, else passed through. */
static void print_line(struct cli *cli, const char *line, size_t len, const struct filter *f,
		       struct strbuf *out)
{
	struct access_record rec;
	int parsed = !access_record_parse(&rec, line, len);
	long code = parsed ? access_record_code(&rec) : -1;

	if (f->on && (!parsed || code < f->lo || code > f->hi)) {
		if (parsed)
			access_record_release(&rec);
		return;
	}
	if (cli->format == OUTF_JSON) {
		json_t *obj = parsed ? access_record_json(&rec) : access_unparsed_json(line, len);
		char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
		strbuf_addstr(out, text);
		free(text);
		json_decref(obj);
	} else if (parsed) {
		access_record_text(out, &rec);
	} else {
		strbuf_add(out, line, len);
	}
	strbuf_addch(out, '\n');
	if (parsed)
		access_record_release(&rec);
}

int cmd_proxy_logs(struct cli *cli, void *opts, int argc, char **argv)
{
	struct logs_opts *o = opts;
	struct strbuf body = STRBUF_INIT, out = STRBUF_INIT;
	struct filter f = { 0, 0, 0 };
	struct pod_ref ref;
	char *ns = NULL, *pod = NULL;
	const char *p, *end;
	long since = 0;
	int r;

	(void)argc;
	if (o->status && parse_status(o->status, &f.lo, &f.hi))
		return cli_usage_error(cli, "invalid --status \"%s\": give a code (503) or a class (4xx, 5xx)",
				       o->status);
	f.on = o->status != NULL;
	if (o->since && parse_since(o->since, &since))
		return cli_usage_error(cli, "invalid --since \"%s\": give a duration with its unit (30s, 5m, 2h)",
				       o->since);
	if (o->tail < -1)
		return cli_usage_error(cli, "--tail must be -1 (all) or a number of lines");
	r = pod_ref_parse(cli, argv[0], &ref);
	if (!r)
		r = pod_ref_resolve(cli, &ref, &ns, &pod);
	if (!r)
		r = fetch_log(cli, o, since, ns, pod, &body);
	for (p = body.buf, end = body.buf + body.len; !r && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		print_line(cli, p, len, &f, &out);
		p += len + (nl != NULL);
	}
	fwrite(out.buf, 1, out.len, cli->out);
	pod_ref_release(&ref);
	strbuf_release(&body);
	strbuf_release(&out);
	free(ns);
	free(pod);
	return r;
}
