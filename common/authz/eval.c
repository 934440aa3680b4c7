/* SPDX-License-Identifier: Apache-2.0 */
/* One request against the policies in scope: the decision procedure of §2 with a trace. */
#include "authz_priv.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void trace_step(json_t *trace, const char *phase, const struct policy *p, long rule,
		const char *field, const char *result, const char *fmt, ...)
{
	struct strbuf why = STRBUF_INIT;
	va_list ap;

	if (!trace)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&why, fmt, ap);
	va_end(ap);
	json_array_append_new(trace, json_pack("{s:s, s:s?, s:o, s:s?, s:s, s:s}", "phase", phase,
					       "policy", p ? p->id : NULL, "rule",
					       rule >= 0 ? json_integer(rule) : json_null(), "field",
					       field, "result", result, "why", why.buf));
	strbuf_release(&why);
}

void ev_init(struct ev *ev, const struct authz_scope *s, const struct authz_request *r,
	     json_t *trace)
{
	const struct authz_engine *e = s->e;
	const char *rem = r->remote_ip ? r->remote_ip : r->source_ip;

	memset(ev, 0, sizeof(*ev));
	ev->s = s;
	ev->r = r;
	ev->trace = trace;
	if (r->principal) {
		ev->peer.kind = PEER_PRINCIPAL;
		ev->peer.san = xasprintf("spiffe://%s", r->principal);
	} else if (r->peer_td) {
		ev->peer.kind = r->peer_ns ? PEER_NS : PEER_TD;
		ev->peer.td = r->peer_td;
		ev->peer.ns = r->peer_ns;
	} else {
		ev->peer.kind = PEER_PLAINTEXT;
	}
	ev->atom_val = xmalloc(e->natoms ? e->natoms : 1);
	memset(ev->atom_val, -1, e->natoms ? e->natoms : 1);
	ev->have_src = r->source_ip && !cidr_parse(&ev->src, r->source_ip);
	ev->have_rem = rem && !cidr_parse(&ev->rem, rem);
	ev->have_dst = r->dest_ip && !cidr_parse(&ev->dst, r->dest_ip);
	ev->have_assume = r->assume_ip && !cidr_parse(&ev->assume, r->assume_ip);
	ev->jwt_free = (r->free & AUTHZ_FREE_JWT) && s->nra;
}

void ev_release(struct ev *ev)
{
	free(ev->peer.san);
	free(ev->atom_val);
	free(ev->path);
	free(ev->path_header);
	json_decref(ev->claims);
}

static enum tri tri_not(enum tri t)
{
	return t == TRI_UNKNOWN ? t : t == TRI_TRUE ? TRI_FALSE : TRI_TRUE;
}

static const char *tri_word(enum tri t)
{
	return t == TRI_TRUE ? "matched" : t == TRI_FALSE ? "failed" : "unknown";
}

/* --- one value of a field --- */

static enum tri atom_value(struct ev *ev, size_t a)
{
	if (ev->atom_val[a] < 0)
		ev->atom_val[a] = (signed char)atom_match(&ev->s->e->atoms[a], &ev->peer);
	return (enum tri)ev->atom_val[a];
}

static enum tri peer_value(struct ev *ev, const struct value *v)
{
	enum tri r = TRI_FALSE, t;
	size_t i;
	for (i = 0; i < v->natoms; i++) {
		t = atom_value(ev, v->atoms[i]);
		if (t == TRI_TRUE)
			return t;
		if (t == TRI_UNKNOWN)
			r = t;
	}
	return r;
}

/* A JSON claim value against a string matcher: a string, or any string of a list (§10). */
static int claim_matches(json_t *claim, const struct strm *m)
{
	json_t *e;
	size_t i;

	if (json_is_string(claim))
		return strm_match(m, json_string_value(claim));
	json_array_foreach(claim, i, e)
		if (json_is_string(e) && strm_match(m, json_string_value(e)))
			return 1;
	return 0;
}

static json_t *claim_at(json_t *claims, char *const *path, size_t n)
{
	size_t i;
	for (i = 0; claims && i < n; i++)
		claims = json_object_get(claims, path[i]);
	return claims;
}

static enum tri request_principal_value(struct ev *ev, const struct value *v)
{
	const char *iss = claim_string(ev->claims, "iss");
	const char *sub = claim_string(ev->claims, "sub");

	if (ev->r->assume_rp && ev->jwt_free)
		return strcmp(v->raw, ev->r->assume_rp) ? TRI_UNKNOWN : TRI_TRUE;
	if (ev->jwt_free)
		return TRI_UNKNOWN;
	return iss && sub && strm_match(&v->m, iss) && strm_match(&v->m2, sub) ? TRI_TRUE : TRI_FALSE;
}

static enum tri ip_value(struct ev *ev, const struct field *f, const struct value *v)
{
	const struct cidr *ip = f->attr == A_SOURCE_IP ? &ev->src :
				f->attr == A_REMOTE_IP ? &ev->rem : &ev->dst;
	int have = f->attr == A_SOURCE_IP ? ev->have_src :
		   f->attr == A_REMOTE_IP ? ev->have_rem : ev->have_dst;

	if (!v->ip.family)
		return TRI_FALSE;
	if (f->attr != A_DEST_IP && !have && ev->have_assume) {
		if (cidr_contains(&v->ip, &ev->assume))
			return TRI_TRUE;
		return cidr_overlaps(&v->ip, &ev->assume) ? TRI_UNKNOWN : TRI_FALSE;
	}
	if (!have)
		return TRI_UNKNOWN;
	return cidr_contains(&v->ip, ip) ? TRI_TRUE : TRI_FALSE;
}

/* The value of a request header as Envoy's header matcher sees it; NULL when absent. */
static const char *header_value(struct ev *ev, const char *name, int *free_attr)
{
	const struct authz_request *r = ev->r;
	const char *key;
	json_t *v;

	*free_attr = 0;
	if (!strcmp(name, ":method")) {
		*free_attr = r->free & AUTHZ_FREE_METHOD;
		return r->method;
	}
	if (!strcmp(name, ":path")) {
		*free_attr = r->free & AUTHZ_FREE_PATH;
		return ev->path_header;
	}
	if (!strcmp(name, ":authority") || !strcmp(name, "host")) {
		*free_attr = r->free & AUTHZ_FREE_HOST;
		return r->host;
	}
	if (!strcmp(name, ":scheme"))
		return "http";
	*free_attr = r->free & AUTHZ_FREE_HEADERS;
	json_object_foreach(r->headers, key, v)
		if (!strcasecmp(key, name))
			return json_string_value(v);
	return NULL;
}

/* The value a string-valued attribute has, or *unknown. */
static const char *string_attr(struct ev *ev, const struct field *f, int *unknown)
{
	const struct authz_request *r = ev->r;

	*unknown = 0;
	switch (f->attr) {
	case A_SNI:
		*unknown = r->free & AUTHZ_FREE_SNI;
		return r->sni;
	case A_HOST:
		*unknown = r->free & AUTHZ_FREE_HOST;
		return r->host;
	case A_METHOD:
		*unknown = r->free & AUTHZ_FREE_METHOD;
		return r->method;
	case A_PATH:
		*unknown = r->free & AUTHZ_FREE_PATH;
		return ev->path;
	case A_HEADER:
		return header_value(ev, f->key, unknown);
	default:
		return NULL;
	}
}

static enum tri value_match(struct ev *ev, const struct field *f, const struct value *v)
{
	const char *s;
	int unknown;

	switch (f->attr) {
	case A_PRINCIPAL:
	case A_NAMESPACE:
	case A_SERVICE_ACCOUNT:
	case A_TRUST_DOMAIN:
		return peer_value(ev, v);
	case A_REQ_PRINCIPAL:
		return request_principal_value(ev, v);
	case A_AUDIENCES:
	case A_PRESENTER:
	case A_CLAIM:
		if (ev->jwt_free)
			return TRI_UNKNOWN;
		return claim_matches(f->attr == A_CLAIM ? claim_at(ev->claims, f->path, f->npath) :
				     json_object_get(ev->claims, f->attr == A_AUDIENCES ? "aud" : "azp"),
				     &v->m) ? TRI_TRUE : TRI_FALSE;
	case A_SOURCE_IP:
	case A_REMOTE_IP:
	case A_DEST_IP:
		return ip_value(ev, f, v);
	case A_PORT:
		return v->port >= 0 && v->port == ev->r->port ? TRI_TRUE : TRI_FALSE;
	case A_METADATA:
		return TRI_FALSE;
	default:
		s = string_attr(ev, f, &unknown);
		if (unknown)
			return TRI_UNKNOWN;
		return strm_match(&v->m, s) ? TRI_TRUE : TRI_FALSE;
	}
}

/* --- the "why" of a field, for the trace --- */

static void quote_values(struct strbuf *sb, const struct field *f)
{
	size_t i;
	strbuf_addch(sb, '[');
	for (i = 0; i < f->nv; i++)
		strbuf_addf(sb, "%s\"%s\"", i ? ", " : "", f->v[i].raw);
	strbuf_addch(sb, ']');
}

static void peer_side(struct strbuf *sb, const struct ev *ev)
{
	if (ev->peer.kind == PEER_PRINCIPAL)
		strbuf_addf(sb, "peer \"%s\"", ev->peer.san);
	else if (ev->peer.kind == PEER_PLAINTEXT)
		strbuf_addstr(sb, "plaintext caller (no mTLS identity)");
	else
		strbuf_addstr(sb, "the peer");
}

static void jwt_side(struct strbuf *sb, const struct ev *ev, const struct field *f)
{
	json_t *c;

	if (!ev->claims) {
		strbuf_addstr(sb, f->attr == A_REQ_PRINCIPAL ?
			      "no request principal (no JWT that counts)" : "no JWT that counts");
	} else if (f->attr == A_REQ_PRINCIPAL) {
		if (!claim_string(ev->claims, "iss") || !claim_string(ev->claims, "sub"))
			strbuf_addstr(sb, "no request principal (the JWT lacks iss or sub)");
		else
			strbuf_addf(sb, "request principal \"%s/%s\"", claim_string(ev->claims, "iss"),
				    claim_string(ev->claims, "sub"));
	} else if (!(c = f->attr == A_CLAIM ? claim_at(ev->claims, f->path, f->npath) :
		     json_object_get(ev->claims, f->attr == A_AUDIENCES ? "aud" : "azp"))) {
		strbuf_addstr(sb, "claim absent");
	} else {
		char *t = json_dumps(c, JSON_COMPACT | JSON_ENCODE_ANY);
		strbuf_addf(sb, "claim %s", t);
		free(t);
	}
}

static void ip_side(struct strbuf *sb, const struct ev *ev, const struct field *f)
{
	const struct authz_request *r = ev->r;
	const char *ip = f->attr == A_SOURCE_IP ? r->source_ip :
			 f->attr == A_DEST_IP ? r->dest_ip : r->remote_ip ? r->remote_ip : r->source_ip;

	strbuf_addf(sb, "%s IP %s", f->attr == A_SOURCE_IP ? "source" :
		    f->attr == A_DEST_IP ? "destination" : "remote", ip ? ip : "unknown");
}

/* What the request offers for the attribute: "\"GET\"", "plaintext caller (...)". */
static void request_side(struct strbuf *sb, struct ev *ev, const struct field *f)
{
	const char *s;
	int unknown;

	if (ATTR_IS_PEER(f->attr))
		peer_side(sb, ev);
	else if (f->attr >= A_REQ_PRINCIPAL && f->attr <= A_CLAIM)
		jwt_side(sb, ev, f);
	else if (f->attr == A_SOURCE_IP || f->attr == A_REMOTE_IP || f->attr == A_DEST_IP)
		ip_side(sb, ev, f);
	else if (f->attr == A_PORT)
		strbuf_addf(sb, "port %d", ev->r->port);
	else if (f->attr == A_METADATA)
		strbuf_addf(sb, "metadata of filter %s (not known offline; taken as absent)", f->key);
	else if ((s = string_attr(ev, f, &unknown)))
		strbuf_addf(sb, "\"%s\"", s);
	else
		strbuf_addstr(sb, "absent");
}

static void field_why(struct strbuf *sb, struct ev *ev, const struct field *f, enum tri raw,
		      enum tri res)
{
	request_side(sb, ev, f);
	if (raw == TRI_UNKNOWN)
		strbuf_addstr(sb, ": not known");
	else if (raw == TRI_TRUE)
		strbuf_addstr(sb, " matches ");
	else
		strbuf_addstr(sb, " matches none of ");
	if (raw != TRI_UNKNOWN)
		quote_values(sb, f);
	if (f->negated && res != TRI_UNKNOWN)
		strbuf_addstr(sb, res == TRI_TRUE ? " (negated: satisfied)" : " (negated: fails)");
}

/* --- fields, clauses, rules --- */

struct rule_ctx {
	struct ev *ev;
	const char *phase;
	const struct policy *p;
	long idx;
	int strip_http;          /* DENY/AUDIT/CUSTOM on TCP: HTTP-only attributes removed (§8.3) */
};

/* "from[0].source.principals": the field's place inside its rule. */
static const char *field_label(const struct field *f)
{
	const char *p;
	if (skip_prefix(f->name, "spec.rules[", &p) && (p = strstr(p, "].")))
		return p + 2;
	return f->name;
}

static enum tri eval_field(struct rule_ctx *rc, const struct field *f, struct strbuf *cond)
{
	struct ev *ev = rc->ev;
	struct strbuf why = STRBUF_INIT;
	enum tri raw = TRI_FALSE, res, t;
	size_t i;

	if (rc->strip_http && f->http_only) {
		trace_step(ev->trace, rc->phase, rc->p, rc->idx, field_label(f), "removed",
			   "HTTP-only attribute, removed from the rule on TCP");
		return TRI_TRUE;
	}
	for (i = 0; i < f->nv && raw != TRI_TRUE; i++) {
		t = value_match(ev, f, &f->v[i]);
		if (t != TRI_FALSE)
			raw = t;
	}
	res = f->negated ? tri_not(raw) : raw;
	if (res == TRI_UNKNOWN)
		describe_field(cond, f);
	if (ev->trace) {
		field_why(&why, ev, f, raw, res);
		trace_step(ev->trace, rc->phase, rc->p, rc->idx, field_label(f), tri_word(res), "%s",
			   why.buf);
	}
	strbuf_release(&why);
	return res;
}

/* AND of fields; cond gets the unknown ones joined with " and ". */
static enum tri eval_and(struct rule_ctx *rc, const struct field *f, size_t n, struct strbuf *cond)
{
	struct strbuf one = STRBUF_INIT;
	enum tri r = TRI_TRUE, t;
	size_t i;

	for (i = 0; i < n; i++) {
		strbuf_reset(&one);
		t = eval_field(rc, &f[i], &one);
		if (t == TRI_FALSE) {
			r = t;
			break;
		}
		if (t == TRI_UNKNOWN) {
			strbuf_addf(cond, "%s%s", r == TRI_UNKNOWN ? " and " : "", one.buf);
			r = t;
		}
	}
	if (r == TRI_FALSE)
		strbuf_reset(cond);
	strbuf_release(&one);
	return r;
}

/* OR of clauses (from or to entries). */
static enum tri eval_or(struct rule_ctx *rc, const struct clause *cl, size_t n, struct strbuf *cond)
{
	struct strbuf one = STRBUF_INIT, all = STRBUF_INIT;
	enum tri r = TRI_FALSE, t;
	size_t i, unknowns = 0;

	for (i = 0; i < n && r != TRI_TRUE; i++) {
		strbuf_reset(&one);
		t = eval_and(rc, cl[i].f, cl[i].nf, &one);
		if (t == TRI_TRUE)
			r = t;
		else if (t == TRI_UNKNOWN) {
			strbuf_addf(&all, "%s(%s)", unknowns++ ? " or " : "", one.buf);
			r = t;
		}
	}
	if (r == TRI_UNKNOWN && unknowns == 1)
		strbuf_add(cond, all.buf + 1, all.len - 2);
	else if (r == TRI_UNKNOWN)
		strbuf_addstr(cond, all.buf);
	strbuf_release(&one);
	strbuf_release(&all);
	return r;
}

/* ALLOW rules with an HTTP-only attribute are dropped on TCP (§8.2). */
static int rule_dropped_on_tcp(const struct policy *p, const struct rule *r, int as_deny)
{
	return p->action == ACT_ALLOW && !as_deny && r->http_only;
}

static enum tri and_cond(enum tri acc, enum tri t, struct strbuf *cond, const struct strbuf *part)
{
	if (acc == TRI_FALSE || t == TRI_FALSE)
		return TRI_FALSE;
	if (t == TRI_UNKNOWN)
		strbuf_addf(cond, "%s%s", cond->len ? " and " : "", part->buf);
	return acc == TRI_UNKNOWN || t == TRI_UNKNOWN ? TRI_UNKNOWN : TRI_TRUE;
}

enum tri ev_rule(struct ev *ev, const struct scoped_rule *sr, const char *phase,
		 struct strbuf *cond)
{
	const struct rule *r = &sr->p->rules[sr->idx];
	struct rule_ctx rc = { ev, phase, sr->p, (long)sr->idx, 0 };
	struct strbuf part = STRBUF_INIT;
	enum tri res = TRI_TRUE;
	int tcp = ev->r->proto == AUTHZ_TCP;

	strbuf_reset(cond);
	if (r->null_rule) {
		trace_step(ev->trace, phase, sr->p, rc.idx, NULL, "skipped", "null rule: istiod skips it");
		return TRI_FALSE;
	}
	if (r->untranslatable) {
		trace_step(ev->trace, phase, sr->p, rc.idx, NULL, "skipped",
			   "istiod cannot translate it (%s) and skips the rule", r->untranslatable);
		return TRI_FALSE;
	}
	if (tcp && rule_dropped_on_tcp(sr->p, r, sr->as_deny)) {
		trace_step(ev->trace, phase, sr->p, rc.idx, NULL, "dropped",
			   "ALLOW rule with an HTTP-only attribute on a TCP port: istiod drops the whole rule (§8.2)");
		return TRI_FALSE;
	}
	rc.strip_http = tcp;
	if (r->has_from && r->nfrom) {
		strbuf_reset(&part);
		res = and_cond(res, eval_or(&rc, r->from, r->nfrom, &part), cond, &part);
	}
	if (res != TRI_FALSE && r->has_to && r->nto) {
		strbuf_reset(&part);
		res = and_cond(res, eval_or(&rc, r->to, r->nto, &part), cond, &part);
	}
	if (res != TRI_FALSE && r->nwhen) {
		strbuf_reset(&part);
		res = and_cond(res, eval_and(&rc, r->when, r->nwhen, &part), cond, &part);
	}
	if (res == TRI_FALSE)
		strbuf_reset(cond);
	trace_step(ev->trace, phase, sr->p, rc.idx, NULL, tri_word(res), "%s",
		   res == TRI_TRUE ? "every condition of the rule holds" :
		   res == TRI_FALSE ? "the rule does not match" : cond->buf);
	strbuf_release(&part);
	return res;
}
