/* SPDX-License-Identifier: Apache-2.0 */
/* status: every proxy's sync state from the istiods, or one proxy's config against istiod's. */
#include "commands.h"
#include "cli_priv.h"
#include "configdump.h"
#include "proxy.h"
#include "status.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * istiod's 404 for a proxy connected elsewhere.  Through exec,
 * pilot-discovery prints a 404's body and succeeds.
 */
#define NOT_CONNECTED "Proxy not connected to this Pilot instance"
#define NOT_CONNECTED_404 "answered 404 Not Found: " NOT_CONNECTED

const struct cli_option status_options[] = {
	{ "file", 'f', CLI_STRING, offsetof(struct status_opts, file), "FILE",
	  "With POD: compare istiod's config with this saved Envoy config dump (- for standard input) instead of the pod's own",
	  0, COMPLETE_FILE, NULL, 0 },
	CLI_OPT_END
};

/* ---- every proxy ---- */

/* failed is 1 when istiod could not be read, 2 when its answer was not a syncz list. */
static void report_missing(const struct istiod *d, const struct debug_job *job, int partial)
{
	const char *lead = partial ? "the status above is incomplete: " : "";

	if (job->failed == 2)
		fail("%s%s", lead, job->err.buf);
	else
		fail("%sistiod \"%s\" did not answer: %s", lead, d->name, job->err.buf);
}

static int print_status(struct cli *cli, struct istiod *d, size_t nd, struct debug_job *jobs,
			const char *ns)
{
	struct status_set set = { NULL, 0, 0, NULL };
	const struct istiod **answered = xcalloc(nd + 1, sizeof(*answered));
	struct strbuf out = STRBUF_INIT;
	size_t i, na = 0;
	int r = 0;

	for (i = 0; i < nd; i++) {
		if (!jobs[i].failed &&
		    status_add_syncz(&set, &d[i], jobs[i].body.buf, jobs[i].body.len, ns, &jobs[i].err))
			jobs[i].failed = 2;
		if (!jobs[i].failed)
			answered[na++] = &d[i];
	}
	if (na)
		status_print(cli, &set, answered, na, time(NULL), &out);
	fwrite(out.buf, 1, out.len, cli->out);
	fflush(cli->out);
	for (i = 0; i < nd; i++) {
		if (jobs[i].failed) {
			report_missing(&d[i], &jobs[i], na > 0);
			r = MESH_EXIT_ERROR;
		}
	}
	status_set_release(&set);
	strbuf_release(&out);
	free(answered);
	return r;
}

static int status_all(struct cli *cli)
{
	const char *ns = cli->opts.namespace && *cli->opts.namespace ? cli->opts.namespace : NULL;
	struct strbuf path = STRBUF_INIT;
	struct debug_job *jobs;
	struct istiod *d;
	size_t nd, i;
	int r = istiods_list(cli, &d, &nd);

	if (r)
		return r;
	strbuf_addstr(&path, "/debug/syncz");
	if (ns) {
		strbuf_addstr(&path, "?namespace=");
		kube_query_escape(&path, ns);
	}
	jobs = xcalloc(nd, sizeof(*jobs));
	for (i = 0; i < nd; i++) {
		strbuf_init(&jobs[i].body, 0);
		strbuf_init(&jobs[i].err, 0);
		jobs[i].pod = d[i].name;
		jobs[i].ep = &d[i].ep;
	}
	debug_get_all(cli, cli_istio_namespace(cli), path.buf, jobs, nd);
	r = print_status(cli, d, nd, jobs, ns);
	for (i = 0; i < nd; i++)
		debug_job_release(&jobs[i]);
	free(jobs);
	istiods_free(d, nd);
	strbuf_release(&path);
	return r;
}

/* ---- one proxy: istiod's config against Envoy's ---- */

/* Parse body as a config dump from origin; prints the error. */
static int parse_dump(struct config_dump *dump, struct strbuf *body, const char *origin)
{
	struct strbuf err = STRBUF_INIT;
	size_t len;
	char *buf = strbuf_detach(body, &len);
	int r = config_dump_from_buffer(dump, buf, len, origin, &err) ? fail("%s", err.buf) : 0;

	strbuf_release(&err);
	return r;
}

/* Envoy's side: the saved dump, or the pod's /config_dump. */
static int envoy_side(struct cli *cli, const char *file, const char *ns, const char *pod,
		      struct config_dump *dump)
{
	struct strbuf body = STRBUF_INIT, err = STRBUF_INIT;
	char *origin;
	int r;

	if (file) {
		r = config_dump_read(dump, file, &err) ? fail("%s", err.buf) : 0;
		strbuf_release(&err);
		return r;
	}
	r = envoy_admin_get(cli, ns, pod, "/config_dump", &body);
	origin = xasprintf("the config dump of pod %s/%s", ns, pod);
	if (!r)
		r = parse_dump(dump, &body, origin);
	free(origin);
	strbuf_release(&body);
	return r;
}

/* istiod's side: ask each istiod in turn until one has the proxy connected. */
static int istiod_side(struct cli *cli, const char *ns, const char *pod, struct config_dump *dump)
{
	struct strbuf path = STRBUF_INIT, body = STRBUF_INIT, err = STRBUF_INIT, asked = STRBUF_INIT;
	struct kube_client *c;
	struct istiod *d;
	size_t nd, i;
	int r = istiods_list(cli, &d, &nd), found = 0;

	if (!r)
		r = cli_client(cli, &c);
	strbuf_addf(&path, "/debug/config_dump?proxyID=");
	kube_query_escape(&path, pod);
	strbuf_addch(&path, '.');
	kube_query_escape(&path, ns);
	for (i = 0; !r && !found && i < nd; i++) {
		strbuf_reset(&err);
		if (kube_pod_debug_get(c, cli_istio_namespace(cli), d[i].name, &d[i].ep, path.buf, &body,
				       &err)) {
			if (!strstr(err.buf, NOT_CONNECTED_404))
				r = fail("istiod \"%s\" did not answer: %s", d[i].name, err.buf);
		} else if (!starts_with(body.buf, NOT_CONNECTED)) {
			char *origin = xasprintf("the config dump istiod \"%s\" holds for %s.%s",
						 d[i].name, pod, ns);
			r = parse_dump(dump, &body, origin);
			free(origin);
			found = 1;
		}
		strbuf_addf(&asked, "%s%s", i ? ", " : "", d[i].name);
	}
	if (!r && !found)
		r = fail("%s.%s is not connected to any istiod in \"%s\" (asked %s)", pod, ns,
			 cli_istio_namespace(cli), asked.buf);
	istiods_free(d, nd);
	strbuf_release(&path);
	strbuf_release(&body);
	strbuf_release(&err);
	strbuf_release(&asked);
	return r;
}

/* istioctl refuses the diff for ztunnel, which holds no Envoy configuration. */
static int refuse_ztunnel(struct cli *cli, const char *ns, const char *pod)
{
	struct strbuf path = STRBUF_INIT, err = STRBUF_INIT;
	struct kube_client *c;
	json_t *obj = NULL;
	const char *app;
	int r = cli_client(cli, &c);

	strbuf_addf(&path, "/api/v1/namespaces/%s/pods/", ns);
	kube_query_escape(&path, pod);
	if (!r && kube_get(c, path.buf, &obj, NULL, &err))
		r = report_error(err.buf);
	app = json_string_value(json_object_get(json_object_get(json_object_get(obj, "metadata"),
								"labels"), "app"));
	if (!r && app && !strcmp(app, "ztunnel"))
		r = fail("Sync diff is not available for ztunnel pod %s.%s", pod, ns);
	json_decref(obj);
	strbuf_release(&path);
	strbuf_release(&err);
	return r;
}

static int status_one(struct cli *cli, const struct status_opts *o, const char *arg)
{
	struct config_dump envoy, istiod;
	struct pod_ref ref;
	struct strbuf out = STRBUF_INIT;
	char *ns = NULL, *pod = NULL;
	int r;

	memset(&envoy, 0, sizeof(envoy));
	memset(&istiod, 0, sizeof(istiod));
	r = pod_ref_parse(cli, arg, &ref);
	if (!r && cli->format != OUTF_TABLE)
		r = cli_usage_error(cli, "status POD prints a comparison; it takes no -o");
	if (!r)
		r = pod_ref_resolve(cli, &ref, &ns, &pod);
	if (!r && !o->file)
		r = refuse_ztunnel(cli, ns, pod);
	if (!r)
		r = envoy_side(cli, o->file, ns, pod, &envoy);
	if (!r)
		r = istiod_side(cli, ns, pod, &istiod);
	if (!r) {
		r = status_compare(&istiod, &envoy, &out) ? MESH_EXIT_NO : 0;
		fwrite(out.buf, 1, out.len, cli->out);
	}
	config_dump_release(&envoy);
	config_dump_release(&istiod);
	pod_ref_release(&ref);
	strbuf_release(&out);
	free(ns);
	free(pod);
	return r;
}

int cmd_proxy_status(struct cli *cli, void *opts, int argc, char **argv)
{
	struct status_opts *o = opts;

	if (argc == 0 && o->file)
		return cli_usage_error(cli, "--file needs a POD: it replaces that pod's Envoy config dump");
	return argc ? status_one(cli, o, argv[0]) : status_all(cli);
}
