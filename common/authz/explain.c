/* SPDX-License-Identifier: Apache-2.0 */
/* explain: the policies of a workload read back, with dead and moot rules marked. */
#include "authz_priv.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const action_words[ACT__COUNT] = { "ALLOW", "DENY", "AUDIT", "CUSTOM" };

static int value_in(const struct field *f, const char *raw);

/* --- values and fields that can never match --- */

static int has_lower(const char *s)
{
	for (; *s; s++)
		if (islower((unsigned char)*s))
			return 1;
	return 0;
}

/* Why one positive value can never match, or NULL. */
static const char *value_never(const struct field *f, const struct value *v, int jwt)
{
	const char *raw = v->raw;
	size_t len = strlen(raw);

	switch (f->attr) {
	case A_PRINCIPAL:
		if (starts_with(raw, "spiffe://"))
			return "principals are written without spiffe://";
		if (len > 1 && strchr(raw + 1, '*') && strchr(raw + 1, '*') < raw + len - 1)
			return "a \"*\" inside a principal is literal";
		if (len > 2 && raw[0] == '*' && raw[len - 1] == '*')
			return "\"*x*\" is a suffix match on \"x*\", and identities do not end with \"*\"";
		return NULL;
	case A_REQ_PRINCIPAL:
	case A_AUDIENCES:
	case A_PRESENTER:
	case A_CLAIM:
		return jwt ? NULL : "no RequestAuthentication selects the workload, so no JWT counts";
	case A_METHOD:
		return has_lower(raw) && strcmp(raw, "*") ?
			"methods are case-sensitive and clients send them in upper case" : NULL;
	case A_PATH:
		return raw[0] != '/' && raw[0] != '*' ? "paths always start with /" : NULL;
	default:
		return NULL;
	}
}

/* Why a negated field always fails on HTTP ("*" on an attribute every request has). */
static const char *negation_never(const struct field *f)
{
	size_t i;
	for (i = 0; i < f->nv; i++)
		if (!strcmp(f->v[i].raw, "*") &&
		    (f->attr == A_METHOD || f->attr == A_PATH || f->attr == A_HOST))
			return "every HTTP request has a method, a path and a host, so a \"*\" under a not-field never lets one through";
	return NULL;
}

static int port_known(json_t *ports, long port)
{
	json_t *p;
	size_t i;
	if (!json_array_size(ports))
		return 1;
	json_array_foreach(ports, i, p)
		if (json_integer_value(json_object_get(p, "port")) == port)
			return 1;
	return 0;
}

/* A field that can never be satisfied: the reason (new string) or NULL. */
static char *field_never(const struct field *f, int jwt, json_t *ports)
{
	const char *why = NULL;
	size_t i, dead = 0;

	if (f->negated) {
		why = negation_never(f);
		return why ? xasprintf("%s: %s", f->name, why) : NULL;
	}
	for (i = 0; i < f->nv; i++) {
		const char *w = value_never(f, &f->v[i], jwt);
		if (!w && f->attr == A_PORT && !port_known(ports, f->v[i].port))
			w = "the workload has no such port";
		if (w) {
			why = w;
			dead++;
		}
	}
	return f->nv && dead == f->nv ? xasprintf("%s: %s", f->name, why) : NULL;
}

char *clause_contradiction(const struct clause *cl)
{
	const struct field *plain = NULL, *mtls = NULL;
	size_t i;

	for (i = 0; i < cl->nf; i++) {
		const struct field *f = &cl->f[i];
		if (!ATTR_IS_PEER(f->attr))
			continue;
		if (f->negated && f->attr == A_PRINCIPAL && value_in(f, "*"))
			plain = f;
		else if (!f->negated)
			mtls = f;
	}
	if (!plain || !mtls)
		return NULL;
	return xasprintf("%s needs an mTLS identity and %s: [\"*\"] excludes every one",
			 strrchr(mtls->name, '.') + 1, strrchr(plain->name, '.') + 1);
}

static char *clause_never(const struct clause *cl, int jwt, json_t *ports)
{
	size_t i;
	char *why = clause_contradiction(cl);

	if (why)
		return why;
	for (i = 0; i < cl->nf; i++)
		if ((why = field_never(&cl->f[i], jwt, ports)))
			return why;
	return NULL;
}

/* Every alternative is dead: the first reason. */
static char *alternatives_never(const struct clause *cl, size_t n, int jwt, json_t *ports)
{
	char *first = NULL, *why;
	size_t i;

	for (i = 0; i < n; i++) {
		why = clause_never(&cl[i], jwt, ports);
		if (!why) {
			free(first);
			return NULL;
		}
		if (first)
			free(why);
		else
			first = why;
	}
	return first;
}

static int all_tcp(json_t *ports)
{
	json_t *p;
	size_t i;
	if (!json_array_size(ports))
		return 0;
	json_array_foreach(ports, i, p)
		if (json_is_true(json_object_get(p, "http")))
			return 0;
	return 1;
}

/* Why a rule can never match (new string), or NULL. */
static char *rule_never(const struct policy *p, const struct rule *r, int jwt, json_t *ports)
{
	char *why;
	size_t i;

	if (r->null_rule)
		return xstrdup("a null rule: istiod skips it");
	if (r->untranslatable)
		return xasprintf("istiod cannot translate it and skips it: %s", r->untranslatable);
	if (p->action == ACT_ALLOW && r->http_only && all_tcp(ports))
		return xstrdup("it uses HTTP-only attributes and every port of the workload is TCP, where istiod drops the whole ALLOW rule");
	if (r->has_from && r->nfrom && (why = alternatives_never(r->from, r->nfrom, jwt, ports)))
		return why;
	if (r->has_to && r->nto && (why = alternatives_never(r->to, r->nto, jwt, ports)))
		return why;
	for (i = 0; i < r->nwhen; i++)
		if ((why = field_never(&r->when[i], jwt, ports)))
			return why;
	return NULL;
}

/* --- ALLOW rules a DENY rule makes moot --- */

static int value_in(const struct field *f, const char *raw)
{
	size_t i;
	for (i = 0; i < f->nv; i++)
		if (!strcmp(f->v[i].raw, raw))
			return 1;
	return 0;
}

static int same_key(const struct field *a, const struct field *b)
{
	size_t i;
	if (a->attr != b->attr || a->negated != b->negated || a->npath != b->npath)
		return 0;
	if ((a->key || b->key) && (!a->key || !b->key || strcmp(a->key, b->key)))
		return 0;
	for (i = 0; i < a->npath; i++)
		if (strcmp(a->path[i], b->path[i]))
			return 0;
	return 1;
}

/* Whatever satisfies narrow also satisfies wide (same attribute, values nested). */
static int field_implies(const struct field *narrow, const struct field *wide)
{
	const struct field *sub = narrow->negated ? wide : narrow;
	const struct field *sup = narrow->negated ? narrow : wide;
	size_t i;

	if (!same_key(narrow, wide) || !narrow->nv)
		return 0;
	for (i = 0; i < sub->nv; i++)
		if (!value_in(sup, sub->v[i].raw))
			return 0;
	return 1;
}

/* Every field of d is implied by some field of a. */
static int fields_cover(const struct field *d, size_t nd, const struct field *a, size_t na)
{
	size_t i, j;
	for (i = 0; i < nd; i++) {
		for (j = 0; j < na; j++)
			if (field_implies(&a[j], &d[i]))
				break;
		if (j == na)
			return 0;
	}
	return 1;
}

/* Every alternative of a is covered by one of d; no d means "any". */
static int alternatives_cover(const struct clause *d, size_t nd, int d_has,
			      const struct clause *a, size_t na, int a_has)
{
	size_t i, j;

	if (!d_has || !nd)
		return 1;
	if (!a_has || !na)
		return 0;
	for (i = 0; i < na; i++) {
		for (j = 0; j < nd; j++)
			if (fields_cover(d[j].f, d[j].nf, a[i].f, a[i].nf))
				break;
		if (j == nd)
			return 0;
	}
	return 1;
}

static int rule_covers(const struct rule *d, const struct rule *a)
{
	if (d->null_rule || d->untranslatable)
		return 0;
	return alternatives_cover(d->from, d->nfrom, d->has_from, a->from, a->nfrom, a->has_from) &&
	       alternatives_cover(d->to, d->nto, d->has_to, a->to, a->nto, a->has_to) &&
	       fields_cover(d->when, d->nwhen, a->when, a->nwhen);
}

/* The enforced DENY rule that denies everything the ALLOW rule allows ("ns/name rule i"). */
char *rule_moot(const struct authz_scope *s, const struct rule *a)
{
	size_t i, j;

	for (i = 0; i < s->npol; i++) {
		const struct policy *d = s->pol[i];
		int as_deny = d->action == ACT_CUSTOM && s->custom_as_deny;
		if ((d->action != ACT_DENY && !as_deny) || d->dry_run)
			continue;
		for (j = 0; j < d->nrules; j++)
			if (rule_covers(&d->rules[j], a))
				return xasprintf("%s rule %zu", d->id, j);
	}
	return NULL;
}

static int clauses_all_http(const struct clause *cl, size_t n)
{
	size_t i, j;
	for (i = 0; i < n; i++)
		for (j = 0; j < cl[i].nf; j++)
			if (!cl[i].f[j].http_only)
				return 0;
	return 1;
}

int rule_all_http(const struct rule *r)
{
	size_t i;
	for (i = 0; i < r->nwhen; i++)
		if (!r->when[i].http_only)
			return 0;
	return clauses_all_http(r->from, r->nfrom) && clauses_all_http(r->to, r->nto);
}

/* TCP ports where the rule is dropped (ALLOW) or loses its HTTP-only fields. */
static char *rule_tcp_note(const struct policy *p, const struct rule *r, json_t *ports)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *port;
	size_t i, n = 0;
	char *out;

	if (!r->http_only)
		return NULL;
	json_array_foreach(ports, i, port)
		if (!json_is_true(json_object_get(port, "http")))
			strbuf_addf(&sb, "%s%lld", n++ ? ", " : "",
				    (long long)json_integer_value(json_object_get(port, "port")));
	if (!n) {
		strbuf_release(&sb);
		return NULL;
	}
	out = xasprintf(p->action == ACT_ALLOW ? "on TCP port%s %s the whole rule is dropped (§8.2)" :
			rule_all_http(r) ?
			"on TCP port%s %s its HTTP-only fields are removed, leaving a rule that matches every connection (§8.3)" :
			"on TCP port%s %s its HTTP-only fields are removed and the rest of the rule still applies (§8.3)",
			n > 1 ? "s" : "", sb.buf);
	strbuf_release(&sb);
	return out;
}

static json_t *rule_json(const struct authz_scope *s, const struct policy *p, size_t i,
			 json_t *ports)
{
	const struct rule *r = &p->rules[i];
	struct strbuf text = STRBUF_INIT;
	char *never, *moot = NULL, *tcp;
	json_t *o;

	describe_rule(&text, p, r);
	never = rule_never(p, r, s->nra > 0, ports);
	if (!never && p->action == ACT_ALLOW && !p->dry_run)
		moot = rule_moot(s, r);
	tcp = never ? NULL : rule_tcp_note(p, r, ports);
	o = json_pack("{s:I, s:s, s:s?, s:s?, s:s?}", "index", (json_int_t)i, "text", text.buf,
		      "never", never, "moot", moot, "tcp", tcp);
	strbuf_release(&text);
	free(never);
	free(moot);
	free(tcp);
	return o;
}

static json_t *policy_json(const struct authz_scope *s, const struct policy *p, json_t *ports)
{
	json_t *rules = json_array();
	const char *note = NULL;
	size_t i;

	for (i = 0; i < p->nrules; i++)
		json_array_append_new(rules, rule_json(s, p, i, ports));
	if (!p->nrules)
		note = p->action == ACT_ALLOW && !p->dry_run ?
			"no rules: matches nothing, but turns on deny-by-default (allow-nothing)" :
			"no rules: matches nothing";
	else if (p->dry_run)
		note = "dry-run (istio.io/dry-run): logged only, never changes the decision";
	else if (p->action == ACT_CUSTOM && s->custom_as_deny)
		note = s->custom_as_deny;
	return json_pack("{s:s, s:s, s:b, s:s?, s:s?, s:o}", "policy", p->id, "action",
			 action_words[p->action], "dry_run", p->dry_run, "provider", p->provider,
			 "note", note, "rules", rules);
}

static json_t *jwt_json(const struct authz_scope *s)
{
	json_t *out = json_array();
	size_t i, j;

	for (i = 0; i < s->nra; i++) {
		json_t *iss = json_array();
		for (j = 0; j < s->ra[i]->nrules; j++)
			json_array_append_new(iss, json_string(s->ra[i]->rules[j].issuer));
		json_array_append_new(out, json_pack("{s:s, s:o}", "requestAuthentication",
						     s->ra[i]->id, "issuers", iss));
	}
	return out;
}

json_t *authz_explain(const struct authz_scope *s, json_t *ports)
{
	static const enum authz_action order[] = { ACT_CUSTOM, ACT_DENY, ACT_ALLOW, ACT_AUDIT };
	json_t *phases = json_array();
	size_t i, k;
	int default_deny = 0;

	for (k = 0; k < ARRAY_SIZE(order); k++) {
		json_t *pols = json_array();
		for (i = 0; i < s->npol; i++) {
			if (s->pol[i]->action != order[k])
				continue;
			if (order[k] == ACT_ALLOW && !s->pol[i]->dry_run)
				default_deny = 1;
			json_array_append_new(pols, policy_json(s, s->pol[i], ports));
		}
		json_array_append_new(phases, json_pack("{s:s, s:o}", "action", action_words[order[k]],
							"policies", pols));
	}
	return json_pack("{s:o, s:b, s:o}", "phases", phases, "default_deny", default_deny, "jwt",
			 jwt_json(s));
}
