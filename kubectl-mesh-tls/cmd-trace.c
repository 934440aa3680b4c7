/* SPDX-License-Identifier: Apache-2.0 */
/* trace: the whole path of one call, each step with the object that decided it, and a verdict. */
#include "commands.h"
#include "table.h"
#include "xalloc.h"

#include <string.h>

const struct cli_option cmd_tls_trace_options[] = {
	{ "subset", 0, CLI_STRING, offsetof(struct trace_opts, subset), "NAME",
	  "Trace the call as a VirtualService routes it to this DestinationRule subset", 0,
	  COMPLETE_NONE, NULL, 0 },
	CLI_OPT_END
};

static void add_steps(struct table *t, const struct tls_steps *s)
{
	size_t i;
	for (i = 0; i < s->n; i++) {
		char *text = xasprintf("%s (%s)", s->v[i].text, s->v[i].rule);
		table_add(t, s->v[i].side, s->v[i].what, s->v[i].object, text);
		free(text);
	}
}

static void print_text(struct cli *cli, const struct tls_trace *t)
{
	static const char *const headers[] = { "SIDE", "STEP", "OBJECT", "DECISION", NULL };
	struct table *tab = table_new(headers);
	size_t i;

	add_steps(tab, &t->steps);
	for (i = 0; i < t->nendpoints; i++)
		add_steps(tab, &t->endpoints[i].steps);
	table_print(tab, cli->out, cli->opts.no_headers);
	table_free(tab);
	fprintf(cli->out, "\nVerdict:  %s\n", tls_verdict_name(t->verdict));
	if (t->nendpoints > 1)
		fprintf(cli->out, "Endpoint: %s/%s (the worst of %zu)\n",
			obj_namespace(t->endpoints[t->worst].pod), obj_name(t->endpoints[t->worst].pod),
			t->nendpoints);
	fprintf(cli->out, "Reason:   %s\n", t->reason);
	if (t->symptom)
		fprintf(cli->out, "Symptom:  %s\n", t->symptom);
	if (t->fix)
		fprintf(cli->out, "Fix:      %s\n", t->fix);
}

/* Live: only the namespaces of the two ends (and every policy). */
static int load(struct cli *cli, const struct tls_ref *from, const struct tls_ref *to,
		struct objset **set, struct tls_mesh **mesh)
{
	const char *nss[3];
	nss[0] = from->ns;
	nss[1] = to->ns;
	nss[2] = NULL;
	return tls_load(cli, OBJ_BIT(from->kind), nss, 0, set, mesh);
}

static int run(struct cli *cli, struct tls_mesh *mesh, const struct tls_ref *from,
	       const struct tls_ref *to, const char *subset)
{
	struct strbuf err = STRBUF_INIT;
	json_t *pods = tls_ref_pods(cli, mesh, from), *svc;
	struct tls_trace t;
	int port, r = MESH_EXIT_ERROR;

	if (!pods)
		goto out;
	svc = tls_find_service(mesh, to->ns, to->name, !cli_offline(cli), &err);
	if (!svc || (port = tls_service_port(svc, to->port, &err)) < 0 ||
	    tls_trace_pods(mesh, pods, svc, port, subset, &t, &err)) {
		report_error(err.buf);
		goto out;
	}
	if (cli->format == OUTF_TABLE) {
		print_text(cli, &t);
	} else {
		json_t *doc = tls_trace_json(&t);
		cli_print_value(cli, doc);
		json_decref(doc);
	}
	r = t.verdict == TLS_BROKEN ? MESH_EXIT_NO : MESH_EXIT_OK;
	tls_trace_release(&t);
out:
	json_decref(pods);
	strbuf_release(&err);
	return r;
}

int cmd_tls_trace(struct cli *cli, void *opts_, int argc, char **argv)
{
	struct trace_opts *opts = opts_;
	struct tls_ref from, to;
	struct objset *set = NULL;
	struct tls_mesh *mesh = NULL;
	int r;

	(void)argc;
	r = tls_parse_ref(cli, "FROM", argv[0],
			  OBJ_BIT(OBJ_POD) | OBJ_BIT(OBJ_DEPLOYMENT) | OBJ_BIT(OBJ_STATEFULSET) |
				  OBJ_BIT(OBJ_DAEMONSET),
			  0, &from);
	if (r)
		return r;
	r = tls_parse_ref(cli, "TO", argv[1], OBJ_BIT(OBJ_SERVICE), 1, &to);
	if (!r)
		r = load(cli, &from, &to, &set, &mesh);
	if (!r)
		r = run(cli, mesh, &from, &to, opts->subset);
	tls_mesh_free(mesh);
	objset_free(set);
	tls_ref_release(&from);
	tls_ref_release(&to);
	return r;
}
