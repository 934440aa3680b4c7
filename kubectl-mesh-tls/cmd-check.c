/* SPDX-License-Identifier: Apache-2.0 */
/* check: every client x service port pair, policy mistakes, and --what-if pre-flight diffs. */
#include "commands.h"
#include "table.h"
#include "xalloc.h"

#include <string.h>

const struct cli_option cmd_tls_check_options[] = {
	{ "what-if", 0, CLI_STRINGS, offsetof(struct check_opts, what_if), "FILE",
	  "Evaluate the mesh as if these manifests were applied and print only the pairs whose verdict changes; repeatable",
	  0, COMPLETE_FILE, NULL, 0 },
	CLI_OPT_END
};

static long long num(json_t *obj, const char *key)
{
	return (long long)json_integer_value(json_object_get(obj, key));
}

/* "a, b, c (+4 more)": at most three names. */
static char *names_cell(json_t *names)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, n = json_array_size(names);

	for (i = 0; i < n && i < 3; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", json_string_value(json_array_get(names, i)));
	if (n > 3)
		strbuf_addf(&sb, " (+%zu more)", n - 3);
	return strbuf_detach(&sb, NULL);
}

static const char *plural(long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void print_rows(struct cli *cli, const char *title, json_t *rows)
{
	static const char *const headers[] = { "CLIENTS", "SERVICES", "CLIENT MODE", "SERVER MODE",
					       "REASON", NULL };
	struct table *t;
	json_t *row;
	size_t i;

	if (!json_array_size(rows))
		return;
	fprintf(cli->out, "%s (%zu)\n", title, json_array_size(rows));
	t = table_new(headers);
	json_array_foreach(rows, i, row) {
		char *clients = names_cell(json_object_get(row, "clients"));
		char *services = names_cell(json_object_get(row, "services"));
		table_add(t, clients, services, tls_str(row, "client_mode"), tls_str(row, "server_mode"),
			  tls_str(row, "reason"));
		free(clients);
		free(services);
	}
	table_print(t, cli->out, cli->opts.no_headers);
	table_free(t);
	fputc('\n', cli->out);
}

static void print_findings(struct cli *cli, json_t *findings)
{
	static const char *const headers[] = { "RULE", "OBJECT", "FINDING", NULL };
	struct table *t;
	json_t *f;
	size_t i;

	if (!json_array_size(findings))
		return;
	fprintf(cli->out, "POLICY FINDINGS (%zu)\n", json_array_size(findings));
	t = table_new(headers);
	json_array_foreach(findings, i, f)
		table_add(t, tls_str(f, "rule"), tls_str(f, "object"), tls_str(f, "message"));
	table_print(t, cli->out, cli->opts.no_headers);
	table_free(t);
	fputc('\n', cli->out);
}

static void print_summary(FILE *out, const char *lead, json_t *s)
{
	fprintf(out, "%s%lld %s (%lld client %s x %lld service %s): %lld MTLS, %lld PLAINTEXT, %lld BROKEN; %lld plaintext against STRICT",
		lead, num(s, "pairs"), plural(num(s, "pairs"), "pair", "pairs"), num(s, "workloads"),
		plural(num(s, "workloads"), "workload", "workloads"), num(s, "service_ports"),
		plural(num(s, "service_ports"), "port", "ports"), num(s, "mtls"), num(s, "plaintext"),
		num(s, "broken"), num(s, "plaintext_strict"));
	if (num(s, "no_endpoints"))
		fprintf(out, "; %lld service %s without endpoints", num(s, "no_endpoints"),
			plural(num(s, "no_endpoints"), "port", "ports"));
	fputc('\n', out);
}

static void print_check(struct cli *cli, json_t *doc)
{
	if (!json_array_size(json_object_get(doc, "broken")) &&
	    !json_array_size(json_object_get(doc, "plaintext_strict")) &&
	    !json_array_size(json_object_get(doc, "findings")))
		fputs("No broken pairs, no plaintext against STRICT, no policy findings.\n\n", cli->out);
	print_rows(cli, "BROKEN", json_object_get(doc, "broken"));
	print_rows(cli, "PLAINTEXT AGAINST STRICT", json_object_get(doc, "plaintext_strict"));
	print_findings(cli, json_object_get(doc, "findings"));
	print_summary(cli->out, "Summary: ", json_object_get(doc, "summary"));
}

static const char *side_verdict(json_t *side)
{
	return json_is_object(side) ? tls_str(side, "verdict") : "-";
}

static void print_diff(struct cli *cli, json_t *doc)
{
	static const char *const headers[] = { "CLIENT", "SERVICE", "BEFORE", "AFTER", "REASON",
					       NULL };
	json_t *rows = json_object_get(doc, "changes"), *row, *s = json_object_get(doc, "summary");
	struct table *t;
	size_t i;

	if (!json_array_size(rows)) {
		fputs("No verdict changes.\n", cli->out);
	} else {
		fprintf(cli->out, "VERDICT CHANGES (%zu)\n", json_array_size(rows));
		t = table_new(headers);
		json_array_foreach(rows, i, row) {
			json_t *after = json_object_get(row, "after");
			json_t *why = json_is_object(after) ? after : json_object_get(row, "before");
			char *clients = names_cell(json_object_get(row, "clients"));
			table_add(t, clients, tls_str(row, "service"), side_verdict(json_object_get(row, "before")),
				  side_verdict(after), tls_str(why, "reason"));
			free(clients);
		}
		table_print(t, cli->out, cli->opts.no_headers);
		table_free(t);
	}
	fputc('\n', cli->out);
	print_summary(cli->out, "Before: ", json_object_get(s, "before"));
	print_summary(cli->out, "After:  ", json_object_get(s, "after"));
}

/*
 * Print doc with print_table, or as -o json/yaml asks; the exit code is
 * MESH_EXIT_NO when summary.KEY is not zero.  Takes doc's reference.
 */
static int print_doc(struct cli *cli, json_t *doc, void (*print_table)(struct cli *, json_t *),
		     const char *key)
{
	int r = num(json_object_get(doc, "summary"), key) ? MESH_EXIT_NO : MESH_EXIT_OK;

	if (cli->format == OUTF_TABLE)
		print_table(cli, doc);
	else
		cli_print_value(cli, doc);
	json_decref(doc);
	return r;
}

static int what_if(struct cli *cli, struct objset *base, struct tls_mesh *before,
		   const struct strlist *files, const char *scope)
{
	struct objset *set = NULL;
	struct tls_mesh *after = cli_load_what_if(cli, base, files, &set) ? NULL : tls_index(cli, set);
	int r = MESH_EXIT_ERROR;

	if (after)
		r = print_doc(cli, tls_check_diff(before, after, scope), print_diff, "new_broken");
	tls_mesh_free(after);
	objset_free(set);
	return r;
}

int cmd_tls_check(struct cli *cli, void *opts_, int argc, char **argv)
{
	struct check_opts *opts = opts_;
	const char *scope = cli->opts.all_namespaces ? NULL : cli_namespace(cli);
	struct objset *set;
	struct tls_mesh *mesh;
	int r;

	(void)argc;
	(void)argv;
	r = tls_load(cli, 0, NULL, 0, &set, &mesh);
	if (r)
		return r;
	if (opts->what_if.n)
		r = what_if(cli, set, mesh, &opts->what_if, scope);
	else
		r = print_doc(cli, tls_check(mesh, scope), print_check, "broken");
	tls_mesh_free(mesh);
	objset_free(set);
	return r;
}
