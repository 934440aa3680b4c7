/* SPDX-License-Identifier: Apache-2.0 */
/* lint: mistakes in AuthorizationPolicies and RequestAuthentications, with the fix. */
#include "commands.h"
#include "xalloc.h"

#include <string.h>

const struct cli_option cmd_lint_options[] = { CLI_OPT_END };

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_t *summary(json_t *findings)
{
	size_t i, errors = 0, warnings = 0, infos = 0;
	json_t *f;

	json_array_foreach(findings, i, f) {
		const char *s = str(f, "severity");
		errors += !strcmp(s, "error");
		warnings += !strcmp(s, "warning");
		infos += !strcmp(s, "info");
	}
	return json_pack("{s:I, s:I, s:I}", "errors", (json_int_t)errors, "warnings",
			 (json_int_t)warnings, "info", (json_int_t)infos);
}

static void print_text(struct cli *cli, json_t *findings, json_t *sum)
{
	json_int_t errors = json_integer_value(json_object_get(sum, "errors"));
	json_int_t warnings = json_integer_value(json_object_get(sum, "warnings"));
	json_int_t infos = json_integer_value(json_object_get(sum, "info"));
	json_t *f;
	size_t i;

	json_array_foreach(findings, i, f) {
		fprintf(cli->out, "%-8s %s %s/%s\n", str(f, "severity"), str(f, "kind"),
			str(f, "namespace"), str(f, "name"));
		fprintf(cli->out, "%-8s %s\n%-8s fix: %s\n", "", str(f, "message"), "", str(f, "fix"));
	}
	if (!json_array_size(findings)) {
		fputs("No problems found.\n", cli->out);
		return;
	}
	fprintf(cli->out, "\n%zu finding%s: %lld error%s, %lld warning%s, %lld info\n",
		json_array_size(findings), json_array_size(findings) == 1 ? "" : "s",
		(long long)errors, errors == 1 ? "" : "s", (long long)warnings,
		warnings == 1 ? "" : "s", (long long)infos);
}

int cmd_lint(struct cli *cli, void *opts, int argc, char **argv)
{
	static const unsigned kinds = OBJ_BIT(OBJ_NAMESPACE) | OBJ_BIT(OBJ_POD) |
		OBJ_BIT(OBJ_SERVICE) | OBJ_BIT(OBJ_SERVICEACCOUNT) |
		OBJ_BIT(OBJ_AUTHORIZATIONPOLICY) | OBJ_BIT(OBJ_REQUESTAUTHENTICATION);
	const char *ns = cli->opts.all_namespaces ? NULL : cli_namespace(cli);
	struct authz_engine *e;
	struct objset *set;
	json_t *findings, *sum;
	int r;

	(void)opts;
	(void)argc;
	(void)argv;
	r = cli_load_objects(cli, kinds, NULL, &set);
	if (r)
		return r;
	e = authz_engine_new(set);
	findings = authz_lint(e, set, ns);
	sum = summary(findings);
	if (cli->format == OUTF_TABLE) {
		print_text(cli, findings, sum);
	} else {
		json_t *doc = json_pack("{s:s?, s:O, s:O}", "namespace", ns, "findings", findings,
					"summary", sum);
		cli_print_value(cli, doc);
		json_decref(doc);
	}
	r = json_integer_value(json_object_get(sum, "errors")) ? MESH_EXIT_NO : MESH_EXIT_OK;
	json_decref(sum);
	json_decref(findings);
	authz_engine_free(e);
	objset_free(set);
	return r;
}
