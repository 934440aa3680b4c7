/* SPDX-License-Identifier: Apache-2.0 */
/* explain: the policies of a workload in evaluation order, read as plain English. */
#include "commands.h"
#include "labels.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void print_ports(FILE *f, json_t *ports)
{
	json_t *p;
	size_t i;

	fputs("Ports:", f);
	if (!json_array_size(ports))
		fputs(" none declared", f);
	json_array_foreach(ports, i, p) {
		const char *proto = str(p, "protocol");
		fprintf(f, "%s %lld %s", i ? "," : "", (long long)json_integer_value(json_object_get(p, "port")),
			proto ? proto : "(sniffed)");
		if (str(p, "service"))
			fprintf(f, " (svc/%s port %lld)", str(p, "service"),
				(long long)json_integer_value(json_object_get(p, "service_port")));
	}
	fputc('\n', f);
}

static void print_rule(FILE *f, json_t *r)
{
	fprintf(f, "    rule %lld: %s\n", (long long)json_integer_value(json_object_get(r, "index")),
		str(r, "text"));
	if (str(r, "never"))
		fprintf(f, "            NEVER MATCHES: %s\n", str(r, "never"));
	if (str(r, "moot"))
		fprintf(f, "            MOOT: %s denies every request this rule allows\n", str(r, "moot"));
	if (str(r, "tcp"))
		fprintf(f, "            TCP: %s\n", str(r, "tcp"));
}

static void print_phase(FILE *f, json_t *phase)
{
	json_t *p, *r;
	size_t i, j;

	fprintf(f, "%s\n", str(phase, "action"));
	if (!json_array_size(json_object_get(phase, "policies")))
		fputs("  (none)\n", f);
	json_array_foreach(json_object_get(phase, "policies"), i, p) {
		fprintf(f, "  %s", str(p, "policy"));
		if (str(p, "provider"))
			fprintf(f, " (provider %s)", str(p, "provider"));
		fputc('\n', f);
		if (str(p, "note"))
			fprintf(f, "    %s\n", str(p, "note"));
		json_array_foreach(json_object_get(p, "rules"), j, r)
			print_rule(f, r);
	}
}

static void print_workload(FILE *f, json_t *w)
{
	json_t *ra, *phase;
	size_t i;

	fprintf(f, "%s (%s)\n", str(w, "workload"), str(w, "labels"));
	print_ports(f, json_object_get(w, "ports"));
	fprintf(f, "Root namespace: %s\n", str(w, "root_namespace"));
	fputs("RequestAuthentication:", f);
	if (!json_array_size(json_object_get(w, "jwt")))
		fputs(" none (JWTs are not inspected)", f);
	json_array_foreach(json_object_get(w, "jwt"), i, ra) {
		json_t *iss;
		size_t j;
		fprintf(f, "%s %s (issuers", i ? ";" : "", str(ra, "requestAuthentication"));
		json_array_foreach(json_object_get(ra, "issuers"), j, iss)
			fprintf(f, "%s %s", j ? "," : "", json_string_value(iss));
		fputc(')', f);
	}
	fprintf(f, "\nDeny-by-default: %s\n\n", json_is_true(json_object_get(w, "default_deny")) ?
		"yes (an enforced ALLOW policy applies: requests no ALLOW rule matches get 403)" :
		"no (no enforced ALLOW policy)");
	json_array_foreach(json_object_get(w, "phases"), i, phase)
		print_phase(f, phase);
}

static int explain_endpoint(const struct authz_engine *e, const struct objset *set,
			    const struct endpoint *ep, json_t *out)
{
	struct authz_workload w = { obj_namespace(ep->pod), obj_labels(ep->pod) };
	struct strbuf err = STRBUF_INIT;
	struct authz_scope *s = authz_scope_new(e, &w, &err);
	json_t *doc;
	char *labels;

	if (!s)
		return authz_fail(&err);
	doc = authz_explain(s, ep->ports);
	labels = labels_text(obj_labels(ep->pod));
	json_object_set_new(doc, "workload", json_string(ep->desc));
	json_object_set_new(doc, "labels", json_string(labels));
	json_object_set(doc, "ports", ep->ports);
	json_object_set_new(doc, "root_namespace", json_string(objset_mesh(set)->root_namespace));
	json_array_append_new(out, doc);
	free(labels);
	authz_scope_free(s);
	return 0;
}

int cmd_explain(struct cli *cli, void *opts, int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	struct objset *set = NULL;
	struct authz_engine *e = NULL;
	struct ref ref;
	struct target t = { { 0 }, NULL, 0 };
	json_t *workloads = json_array(), *w;
	size_t i;
	int r;

	(void)opts;
	(void)argc;
	if (ref_parse(NULL, argv[0], cli_namespace(cli), REF_TARGETS, &ref, &err)) {
		r = cli_usage_error(cli, "%s", err.buf);
		goto out;
	}
	r = load_for_target(cli, ref.ns, NULL, 0, OBJ_BIT(ref.kind), 0, &set);
	if (!r && target_resolve(set, &ref, PORT_ANY, !cli_offline(cli), &t, &err))
		r = authz_fail(&err);
	if (!r)
		e = authz_engine_new(set);
	for (i = 0; !r && i < t.nep; i++)
		r = explain_endpoint(e, set, &t.ep[i], workloads);
	if (!r && cli->format == OUTF_TABLE) {
		json_array_foreach(workloads, i, w) {
			if (i)
				fputc('\n', cli->out);
			print_workload(cli->out, w);
		}
	} else if (!r) {
		json_t *doc = json_pack("{s:s, s:O}", "target", argv[0], "workloads", workloads);
		cli_print_value(cli, doc);
		json_decref(doc);
	}
	ref_release(&ref);
out:
	strbuf_release(&err);
	target_release(&t);
	authz_engine_free(e);
	objset_free(set);
	json_decref(workloads);
	return r;
}
