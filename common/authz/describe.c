/* SPDX-License-Identifier: Apache-2.0 */
/* Fields and rules read back as plain English, for conditions and explain. */
#include "authz_priv.h"
#include "xalloc.h"

#include <string.h>

void describe_values(struct strbuf *sb, const struct field *f)
{
	size_t i;
	for (i = 0; i < f->nv; i++)
		strbuf_addf(sb, "%s%s", i ? " or " : "", f->v[i].raw);
}

static void join_path(struct strbuf *sb, const struct field *f)
{
	size_t i;
	for (i = 0; i < f->npath; i++)
		strbuf_addf(sb, "%s%s", i ? "." : "", f->path[i]);
}

/* requestPrincipals: "a valid JWT", "a JWT from issuer X", "JWT principal X/Y". */
static void describe_request_principals(struct strbuf *sb, const struct field *f)
{
	size_t i;

	strbuf_addstr(sb, f->negated ? "without " : "with ");
	for (i = 0; i < f->nv; i++) {
		const char *raw = f->v[i].raw;
		size_t len = strlen(raw);
		if (i)
			strbuf_addstr(sb, " or ");
		if (!strcmp(raw, "*"))
			strbuf_addstr(sb, "a valid JWT");
		else if (len > 2 && ends_with(raw, "/*") && !strchr(raw, '*')[1])
			strbuf_addf(sb, "a JWT from issuer %.*s", (int)(len - 2), raw);
		else
			strbuf_addf(sb, "JWT principal %s", raw);
	}
}

/* The noun and the positive / negative lead-in of each attribute. */
struct phrase {
	const char *yes, *no;
};

static const struct phrase phrases[] = {
	[A_PRINCIPAL] = { "from principal ", "not from principal " },
	[A_NAMESPACE] = { "from namespace ", "not from namespace " },
	[A_SERVICE_ACCOUNT] = { "from service account ", "not from service account " },
	[A_TRUST_DOMAIN] = { "from trust domain ", "not from trust domain " },
	[A_REQ_PRINCIPAL] = { "", "" },
	[A_AUDIENCES] = { "with JWT audience ", "without JWT audience " },
	[A_PRESENTER] = { "with JWT presenter ", "without JWT presenter " },
	[A_CLAIM] = { "with JWT claim ", "without JWT claim " },
	[A_SOURCE_IP] = { "from ", "not from " },
	[A_REMOTE_IP] = { "from client IP ", "not from client IP " },
	[A_DEST_IP] = { "to IP ", "not to IP " },
	[A_PORT] = { "on port ", "not on port " },
	[A_SNI] = { "with SNI ", "without SNI " },
	[A_HOST] = { "for host ", "not for host " },
	[A_METHOD] = { "for method ", "not for method " },
	[A_PATH] = { "for path ", "not for path " },
	[A_HEADER] = { "with header ", "without header " },
	[A_METADATA] = { "with Envoy metadata ", "without Envoy metadata " },
};

static int all_star(const struct field *f)
{
	return f->nv == 1 && !strcmp(f->v[0].raw, "*");
}

void describe_field(struct strbuf *sb, const struct field *f)
{
	const struct phrase *ph = &phrases[f->attr];

	switch (f->attr) {
	case A_REQ_PRINCIPAL:
		describe_request_principals(sb, f);
		return;
	case A_PRINCIPAL:
		if (all_star(f)) {
			strbuf_addstr(sb, f->negated ? "from a caller without mTLS identity" :
						       "from any mTLS identity");
			return;
		}
		break;
	case A_HEADER:
		strbuf_addf(sb, "%s%s", f->negated ? ph->no : ph->yes, f->key);
		if (!all_star(f)) {
			strbuf_addstr(sb, ": ");
			describe_values(sb, f);
		}
		return;
	case A_CLAIM:
		strbuf_addstr(sb, f->negated ? ph->no : ph->yes);
		join_path(sb, f);
		strbuf_addstr(sb, " = ");
		describe_values(sb, f);
		return;
	case A_METADATA:
		strbuf_addf(sb, "%s%s[%s] = ", f->negated ? ph->no : ph->yes, f->key,
			    f->npath ? f->path[0] : "");
		describe_values(sb, f);
		return;
	default:
		break;
	}
	strbuf_addstr(sb, f->negated ? ph->no : ph->yes);
	describe_values(sb, f);
}

static void describe_clause(struct strbuf *sb, const struct clause *cl)
{
	size_t i;
	for (i = 0; i < cl->nf; i++) {
		if (i)
			strbuf_addstr(sb, ", ");
		describe_field(sb, &cl->f[i]);
	}
}

static void describe_alternatives(struct strbuf *sb, const struct clause *cl, size_t n)
{
	size_t i;
	if (n == 1) {
		describe_clause(sb, &cl[0]);
		return;
	}
	for (i = 0; i < n; i++) {
		strbuf_addstr(sb, i ? " or (" : "(");
		describe_clause(sb, &cl[i]);
		strbuf_addch(sb, ')');
	}
}

static const char *verb(const struct policy *p)
{
	switch (p->action) {
	case ACT_ALLOW:
		return "allow";
	case ACT_DENY:
		return "deny";
	case ACT_AUDIT:
		return "audit";
	case ACT_CUSTOM:
	case ACT__COUNT:
		break;
	}
	return "ask the external authorizer about";
}

void describe_rule(struct strbuf *sb, const struct policy *p, const struct rule *r)
{
	size_t parts = 0, i;

	strbuf_addf(sb, "%s ", verb(p));
	if (r->null_rule) {
		strbuf_addstr(sb, "nothing (null rule)");
		return;
	}
	if ((!r->has_from || !r->nfrom) && (!r->has_to || !r->nto) && !r->nwhen) {
		strbuf_addstr(sb, "every request");
		return;
	}
	strbuf_addstr(sb, "requests ");
	if (r->has_from && r->nfrom) {
		describe_alternatives(sb, r->from, r->nfrom);
		parts++;
	}
	if (r->has_to && r->nto) {
		if (parts++)
			strbuf_addstr(sb, ", ");
		describe_alternatives(sb, r->to, r->nto);
	}
	for (i = 0; i < r->nwhen; i++) {
		if (parts++)
			strbuf_addstr(sb, ", ");
		describe_field(sb, &r->when[i]);
	}
}
