/* SPDX-License-Identifier: Apache-2.0 */
/* who-can: every identity that can make a call, and what a policy change would do to them. */
#include "commands.h"
#include "table.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

const struct cli_option cmd_who_can_options[] = {
	TARGET_OPTIONS(struct who_can_opts),
	{ "what-if", 0, CLI_STRINGS, offsetof(struct who_can_opts, what_if), "FILE",
	  "Apply these manifests on top and show who gains and who loses access; repeatable", 0,
	  COMPLETE_FILE, NULL, 0 },
	CLI_OPT_END
};

struct who {
	struct cli *cli;
	struct who_can_opts *o;
	const char *method, *path;
	int forced_proto;
	struct ref ref;
};

static int rank(const char *decision)
{
	return !strcmp(decision, "DENY") ? 2 : !strcmp(decision, "CUSTOM") ? 1 : 0;
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Keep, per identity, the worst answer over the kinds of pods behind the target. */
static void merge_rows(json_t *acc, json_t *rows)
{
	json_t *by = json_object(), *row, *old;
	size_t i;

	json_array_foreach(acc, i, row)
		json_object_set(by, str(row, "identity"), row);
	json_array_foreach(rows, i, row) {
		old = json_object_get(by, str(row, "identity"));
		if (!old)
			json_array_append(acc, row);
		else if (rank(str(row, "decision")) > rank(str(old, "decision")))
			json_object_update(old, row);
	}
	json_decref(by);
}

static int endpoint_rows(struct who *w, const struct authz_engine *e, const struct objset *set,
			 const struct endpoint *ep, json_t *acc, json_t *info)
{
	struct authz_workload wl = { obj_namespace(ep->pod), obj_labels(ep->pod) };
	struct strbuf err = STRBUF_INIT, why = STRBUF_INIT;
	struct authz_request r;
	struct authz_scope *s = authz_scope_new(e, &wl, &err);
	json_t *rows;

	if (!s)
		return authz_fail(&err);
	memset(&r, 0, sizeof(r));
	r.proto = endpoint_proto(ep, w->forced_proto, w->method, &why);
	r.port = ep->port;
	r.dest_ip = ep->templated ? NULL : json_string_value(obj_path(ep->pod, "status.podIP"));
	if (r.proto == AUTHZ_HTTP) {
		r.method = w->method;
		r.path = w->path;
		r.free |= (w->method ? 0 : AUTHZ_FREE_METHOD) | (w->path ? 0 : AUTHZ_FREE_PATH);
	}
	rows = authz_who_can(s, set, &r);
	merge_rows(acc, rows);
	if (!json_object_get(info, "protocol"))
		json_object_set_new(info, "protocol", json_pack("{s:s, s:s, s:i}", "protocol",
					r.proto == AUTHZ_HTTP ? "HTTP" : "TCP", "why", why.buf, "port", ep->port));
	json_decref(rows);
	authz_scope_free(s);
	strbuf_release(&why);
	return 0;
}

/* Every identity's answer for one object set (new array in *rows). */
static int rows_for(struct who *w, const struct objset *set, json_t **rows, json_t *info)
{
	struct strbuf err = STRBUF_INIT;
	struct authz_engine *e;
	struct target t;
	size_t i;
	int r;

	if (target_resolve(set, &w->ref, w->o->port, !cli_offline(w->cli), &t, &err)) {
		target_release(&t);
		return authz_fail(&err);
	}
	e = authz_engine_new(set);
	*rows = json_array();
	for (i = 0, r = 0; !r && i < t.nep; i++)
		r = endpoint_rows(w, e, set, &t.ep[i], *rows, info);
	authz_engine_free(e);
	target_release(&t);
	return r;
}

/* --- output --- */

static char *policy_cell(json_t *row)
{
	json_t *rule = json_object_get(row, "rule");
	if (!str(row, "policy"))
		return xstrdup(!strcmp(str(row, "decision"), "DENY") ? "no ALLOW rule matches" : "default");
	return json_is_integer(rule) ? xasprintf("%s rule %lld", str(row, "policy"),
						 (long long)json_integer_value(rule)) :
	       xstrdup(str(row, "policy"));
}

/* The condition, and a note for service accounts whose pods call as plaintext. */
static char *condition_cell(json_t *row)
{
	const char *cond = str(row, "condition");
	int plain = json_is_false(json_object_get(row, "sidecar"));

	if (!plain)
		return xstrdup(cond ? cond : "-");
	return xasprintf("%s%s(its pods run no sidecar: their calls are plaintext)", cond ? cond : "",
			 cond ? " " : "");
}

static void print_rows(struct who *w, json_t *rows)
{
	static const char *const headers[] = { "IDENTITY", "DECISION", "POLICY", "CONDITION", NULL };
	struct table *t = table_new(headers);
	json_t *row;
	size_t i;

	json_array_foreach(rows, i, row) {
		char *pol = policy_cell(row);
		char *cond = condition_cell(row);
		table_add(t, str(row, "identity"), str(row, "decision"), pol, cond);
		free(pol);
		free(cond);
	}
	if (table_rows(t))
		table_print(t, w->cli->out, w->cli->opts.no_headers);
	else
		fprintf(stderr, "No identity can make this call.\n");
	table_free(t);
}

static json_t *allowed_only(json_t *rows, size_t *denied)
{
	json_t *out = json_array(), *row;
	size_t i;

	*denied = 0;
	json_array_foreach(rows, i, row) {
		if (json_is_true(json_object_get(row, "allowed")))
			json_array_append(out, row);
		else
			(*denied)++;
	}
	return out;
}

static int print_who(struct who *w, json_t *rows, json_t *info)
{
	size_t denied;
	json_t *allowed = allowed_only(rows, &denied);

	if (w->cli->format == OUTF_TABLE) {
		print_rows(w, allowed);
	} else {
		json_object_set(info, "identities", allowed);
		json_object_set_new(info, "denied", json_integer((json_int_t)denied));
		cli_print_value(w->cli, info);
	}
	json_decref(allowed);
	return 0;
}

/* "DENY", or "ALLOW by ns/x rule 0; only ...". */
static char *answer_text(json_t *row)
{
	char *pol;
	char *out;

	if (!row)
		return xstrdup("-");
	if (!json_is_true(json_object_get(row, "allowed")))
		return xstrdup("DENY");
	pol = policy_cell(row);
	out = xasprintf("%s (%s)%s%s", str(row, "decision"), pol, str(row, "condition") ? "; " : "",
			str(row, "condition") ? str(row, "condition") : "");
	free(pol);
	return out;
}

static int same_answer(json_t *a, json_t *b)
{
	static const char *const keys[] = { "decision", "policy", "condition" };
	size_t i;
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (!json_equal(json_object_get(a, keys[i]), json_object_get(b, keys[i])))
			return 0;
	return json_equal(json_object_get(a, "rule"), json_object_get(b, "rule"));
}

/* gains / loses / changes between two row sets. */
static json_t *diff(json_t *before, json_t *after)
{
	json_t *by = json_object(), *out = json_pack("{s:[], s:[], s:[]}", "gains", "loses", "changes");
	json_t *row, *old, *null = json_null();
	size_t i;

	json_array_foreach(before, i, row)
		json_object_set(by, str(row, "identity"), row);
	json_array_foreach(after, i, row) {
		int was, is = json_is_true(json_object_get(row, "allowed"));
		const char *key;
		old = json_object_get(by, str(row, "identity"));
		was = old && json_is_true(json_object_get(old, "allowed"));
		key = !was && is ? "gains" : was && !is ? "loses" :
		      was && is && !same_answer(old, row) ? "changes" : NULL;
		if (key)
			json_array_append_new(json_object_get(out, key),
					      json_pack("{s:s, s:s, s:O, s:O}", "identity", str(row, "identity"),
							"kind", str(row, "kind"), "before", old ? old : null,
							"after", row));
		if (old)
			json_object_del(by, str(row, "identity"));
	}
	json_array_foreach(before, i, row)
		if (json_object_get(by, str(row, "identity")) && json_is_true(json_object_get(row, "allowed")))
			json_array_append_new(json_object_get(out, "loses"),
					      json_pack("{s:s, s:s, s:O, s:O}", "identity", str(row, "identity"),
							"kind", str(row, "kind"), "before", row, "after", null));
	json_decref(by);
	return out;
}

static void print_diff(struct who *w, json_t *d)
{
	static const char *const headers[] = { "CHANGE", "IDENTITY", "BEFORE", "AFTER", NULL };
	static const char *const keys[] = { "gains", "loses", "changes" };
	static const char *const words[] = { "gains", "loses", "changes" };
	struct table *t = table_new(headers);
	json_t *e;
	size_t k, i;

	for (k = 0; k < ARRAY_SIZE(keys); k++)
		json_array_foreach(json_object_get(d, keys[k]), i, e) {
			char *b = answer_text(json_is_null(json_object_get(e, "before")) ? NULL :
					      json_object_get(e, "before"));
			char *a = answer_text(json_is_null(json_object_get(e, "after")) ? NULL :
					      json_object_get(e, "after"));
			table_add(t, words[k], str(e, "identity"), b, a);
			free(b);
			free(a);
		}
	if (table_rows(t))
		table_print(t, w->cli->out, w->cli->opts.no_headers);
	else
		fprintf(stderr, "No identity gains or loses access.\n");
	table_free(t);
}

static int what_if(struct who *w, const struct objset *base, json_t *before, json_t *info)
{
	struct objset *after_set;
	json_t *after, *d;
	int r = cli_load_what_if(w->cli, base, &w->o->what_if, &after_set);

	if (r)
		return r;
	r = rows_for(w, after_set, &after, info);
	if (!r) {
		d = diff(before, after);
		if (w->cli->format == OUTF_TABLE) {
			print_diff(w, d);
		} else {
			json_object_update(info, d);
			cli_print_value(w->cli, info);
		}
		json_decref(d);
		json_decref(after);
	}
	objset_free(after_set);
	return r;
}

int cmd_who_can(struct cli *cli, void *opts, int argc, char **argv)
{
	struct who w = { cli, opts, NULL, NULL, -1, { 0 } };
	struct strbuf err = STRBUF_INIT;
	struct objset *set = NULL;
	json_t *rows = NULL, *info;
	int r;

	if ((r = parse_method_path(cli, argc, argv, &w.method, &w.path)) ||
	    (r = parse_protocol_flag(cli, w.o->protocol, &w.forced_proto)))
		return r;
	if (!w.o->to)
		return cli_usage_error(cli, "--to is required");
	if (ref_parse("--to", w.o->to, cli_namespace(cli), REF_TARGETS, &w.ref, &err)) {
		r = cli_usage_error(cli, "%s", err.buf);
		strbuf_release(&err);
		return r;
	}
	info = json_pack("{s:s, s:s?, s:s?}", "target", w.o->to, "method", w.method, "path", w.path);
	r = load_for_target(cli, w.ref.ns, NULL, 0, OBJ_BIT(w.ref.kind), LOAD_EVERYTHING, &set);
	if (!r)
		r = rows_for(&w, set, &rows, info);
	if (!r && w.o->what_if.n)
		r = what_if(&w, set, rows, info);
	else if (!r)
		r = print_who(&w, rows, info);
	json_decref(rows);
	json_decref(info);
	objset_free(set);
	ref_release(&w.ref);
	return r;
}
