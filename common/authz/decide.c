/* SPDX-License-Identifier: Apache-2.0 */
/* The decision procedure (§2): CUSTOM, JWT, DENY, ALLOW and AUDIT, and the outcome. */
#include "authz_priv.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static const char *const action_words[ACT__COUNT] = { "ALLOW", "DENY", "AUDIT", "CUSTOM" };

const char *authz_decision_name(enum authz_decision d)
{
	return d == AUTHZ_ALLOW ? "ALLOW" : d == AUTHZ_DENY ? "DENY" : "CUSTOM";
}

/* What one phase found. */
struct phase_out {
	enum tri res;
	const struct policy *p;     /* the first matching (or undetermined) policy */
	long rule;
	json_t *conds;              /* undetermined rules' conditions (ORed), or NULL */
	size_t enforced;            /* enforced policies taking part */
	size_t policies;
};

/* Which policies take part in a phase: DENY also runs CUSTOM rules turned into DENY (§9.4). */
static int in_phase(const struct authz_scope *s, const struct policy *p, enum authz_action act,
		    int *as_deny)
{
	*as_deny = 0;
	if (p->action == act)
		return act != ACT_CUSTOM || !s->custom_as_deny;
	if (act == ACT_DENY && p->action == ACT_CUSTOM && s->custom_as_deny) {
		*as_deny = 1;
		return 1;
	}
	return 0;
}

static void phase_note(struct phase_out *o, const struct policy *p, long rule, enum tri t,
		       const struct strbuf *cond)
{
	if (t == TRI_TRUE && o->res != TRI_TRUE) {
		o->res = t;
		o->p = p;
		o->rule = rule;
	} else if (t == TRI_UNKNOWN && o->res != TRI_TRUE) {
		if (o->res == TRI_FALSE) {
			o->p = p;
			o->rule = rule;
		}
		o->res = t;
		if (!o->conds)
			o->conds = json_array();
		json_array_append_new(o->conds, json_string(cond->buf));
	}
}

static void run_policy(struct ev *ev, const struct policy *p, int as_deny, const char *phase,
		       struct phase_out *o)
{
	struct strbuf cond = STRBUF_INIT;
	size_t i;

	o->policies++;
	if (!p->dry_run)
		o->enforced++;
	if (!p->nrules)
		trace_step(ev->trace, phase, p, -1, NULL, "failed",
			   "the policy has no rules: it never matches%s",
			   p->action == ACT_ALLOW && !p->dry_run ? ", but it still turns on deny-by-default" : "");
	if (as_deny)
		trace_step(ev->trace, phase, p, -1, NULL, "info",
			   "a CUSTOM policy evaluated as DENY (see CUSTOM)");
	if (p->dry_run)
		trace_step(ev->trace, phase, p, -1, NULL, "dry-run",
			   "istio.io/dry-run: its rules are only logged and never change the decision (§12)");
	for (i = 0; i < p->nrules; i++) {
		struct scoped_rule sr = { p, i, as_deny };
		enum tri t = ev_rule(ev, &sr, phase, &cond);
		if (!p->dry_run)
			phase_note(o, p, (long)i, t, &cond);
	}
	strbuf_release(&cond);
}

static void run_phase(struct ev *ev, enum authz_action act, struct phase_out *o)
{
	const struct authz_scope *s = ev->s;
	const char *phase = action_words[act];
	size_t i;
	int as_deny;

	o->res = TRI_FALSE;
	o->rule = -1;
	for (i = 0; i < s->npol; i++)
		if (in_phase(s, s->pol[i], act, &as_deny))
			run_policy(ev, s->pol[i], as_deny, phase, o);
	if (!o->policies)
		trace_step(ev->trace, phase, NULL, -1, NULL, "none", "no %s policy applies", phase);
}

/* §9.3: an HTTP provider has no TCP form. */
static int custom_skipped(struct ev *ev)
{
	const struct authz_scope *s = ev->s;

	if (s->custom_as_deny) {
		trace_step(ev->trace, "CUSTOM", NULL, -1, NULL, "info", "%s", s->custom_as_deny);
		return 1;
	}
	if (ev->r->proto == AUTHZ_TCP && s->provider && !strcmp(s->provider->type, "envoyExtAuthzHttp")) {
		trace_step(ev->trace, "CUSTOM", NULL, -1, NULL, "none",
			   "extension provider \"%s\" is an HTTP provider, which has no TCP form: CUSTOM policies do not apply to this TCP port (§9.3)",
			   s->provider->name);
		return 1;
	}
	return 0;
}

static void scope_step(struct ev *ev)
{
	const struct authz_scope *s = ev->s;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < s->npol; i++)
		strbuf_addf(&sb, "%s%s (%s%s)", i ? ", " : "", s->pol[i]->id,
			    action_words[s->pol[i]->action], s->pol[i]->dry_run ? ", dry-run" : "");
	trace_step(ev->trace, "SCOPE", NULL, -1, NULL, "info", "%s",
		   s->npol ? sb.buf : "no AuthorizationPolicy applies to the workload");
	strbuf_release(&sb);
}

static void set_result(struct authz_result *out, enum authz_decision d, int status,
		       const struct policy *p, long rule, char *reason)
{
	out->decision = d;
	out->http_status = status;
	free(out->policy);
	out->policy = p ? xstrdup(p->id) : NULL;
	out->rule = p ? (int)rule : -1;
	free(out->reason);
	out->reason = reason;
}

/* HTTP paths: normalize once (§7.4); 0, or -1 when Envoy answers 400. */
static int prepare_path(struct ev *ev, struct authz_result *out)
{
	const struct authz_request *r = ev->r;
	struct strbuf err = STRBUF_INIT;
	const char *q;

	if (r->proto != AUTHZ_HTTP || !r->path || (r->free & AUTHZ_FREE_PATH))
		return 0;
	ev->path = path_normalize(r->path, ev->s->e->norm, &err);
	if (!ev->path) {
		set_result(out, AUTHZ_DENY, 400, NULL, -1, xasprintf("Envoy rejects the request: %s", err.buf));
		trace_step(ev->trace, "DECISION", NULL, -1, NULL, "DENY", "%s", out->reason);
		strbuf_release(&err);
		return -1;
	}
	q = strchr(r->path, '?');
	ev->path_header = xasprintf("%s%.*s", ev->path, q ? (int)strcspn(q, "#") : 0, q ? q : "");
	strbuf_release(&err);
	return 0;
}

/* "lead A or (B and C)": alternatives, parenthesized when compound. */
static void alternatives(struct strbuf *sb, const char *lead, json_t *conds)
{
	json_t *c;
	size_t i, n = json_array_size(conds);

	strbuf_addf(sb, "%s%s", sb->len ? "; " : "", lead);
	json_array_foreach(conds, i, c) {
		const char *t = json_string_value(c);
		int paren = n > 1 && (strstr(t, " and ") || strstr(t, " or "));
		strbuf_addf(sb, "%s%s%s%s", i ? " or " : "", paren ? "(" : "", t, paren ? ")" : "");
	}
}

/* The conditions an allowed answer still depends on. */
static void conditions(struct authz_result *out, const struct phase_out *custom,
		       const struct phase_out *deny, const struct phase_out *allow)
{
	struct strbuf sb = STRBUF_INIT;

	if (allow->res == TRI_UNKNOWN)
		alternatives(&sb, "only ", allow->conds);
	if (deny->res == TRI_UNKNOWN)
		alternatives(&sb, "unless ", deny->conds);
	if (custom->res == TRI_UNKNOWN)
		alternatives(&sb, "the external authorizer decides when ", custom->conds);
	if (sb.len) {
		out->undetermined = 1;
		out->condition = strbuf_detach(&sb, NULL);
	}
	strbuf_release(&sb);
}

static void decide(struct ev *ev, struct authz_result *out, struct phase_out *custom,
		   struct phase_out *deny, struct phase_out *allow)
{
	if (deny->res == TRI_TRUE) {
		set_result(out, AUTHZ_DENY, 403, deny->p, deny->rule,
			   xasprintf("RBAC: access denied: %s rule %ld matches (%s)", deny->p->id,
				     deny->rule, deny->p->action == ACT_CUSTOM ?
				     "a CUSTOM rule turned into DENY" : "DENY"));
	} else if (allow->enforced && allow->res == TRI_FALSE) {
		set_result(out, AUTHZ_DENY, 403, NULL, -1,
			   xasprintf("RBAC: access denied: no rule of the %zu enforced ALLOW %s matches",
				     allow->enforced, allow->enforced == 1 ? "policy" : "policies"));
	} else if (custom->res == TRI_TRUE) {
		set_result(out, AUTHZ_CUSTOM, 0, custom->p, custom->rule,
			   xasprintf("the external authorizer \"%s\" decides: %s rule %ld matches",
				     ev->s->custom_provider, custom->p->id, custom->rule));
		out->provider = xstrdup(ev->s->custom_provider);
	} else if (allow->enforced) {
		set_result(out, AUTHZ_ALLOW, 200, allow->p, allow->rule,
			   xasprintf("allowed by %s rule %ld", allow->p->id, allow->rule));
	} else {
		set_result(out, AUTHZ_ALLOW, 200, NULL, -1,
			   xstrdup(ev->s->npol ? "no enforced ALLOW policy applies: allowed by default" :
				   "no AuthorizationPolicy applies to the workload: allowed"));
	}
	if (out->decision != AUTHZ_DENY)
		conditions(out, custom, deny, allow);
}

static void release_phase(struct phase_out *o)
{
	json_decref(o->conds);
}

/* §6.4: the inbound mTLS filter chain only accepts the mesh's trust domains. */
static int handshake_refused(struct ev *ev, struct authz_result *out)
{
	const struct authz_engine *e = ev->s->e;
	const char *td = ev->peer.td;
	size_t i, len = 0;

	if (ev->r->skip_td_check || ev->peer.kind == PEER_PLAINTEXT)
		return 0;
	if (ev->peer.kind == PEER_PRINCIPAL) {
		td = ev->peer.san + strlen("spiffe://");
		len = strcspn(td, "/");
	}
	for (i = 0; i < e->naccepted; i++)
		if (ev->peer.kind == PEER_PRINCIPAL ?
		    strlen(e->accepted[i]) == len && !strncmp(td, e->accepted[i], len) && td[len] == '/' :
		    !strcmp(td, e->accepted[i]))
			return 0;
	set_result(out, AUTHZ_DENY, 0, NULL, -1,
		   xasprintf("the mTLS handshake fails: the client certificate's trust domain \"%.*s\" is not the mesh's (%s), an alias or a caCertificates trust domain (§6.4)",
			     ev->peer.kind == PEER_PRINCIPAL ? (int)len : (int)strlen(td), td, e->bundle[0]));
	trace_step(ev->trace, "TLS", NULL, -1, NULL, "rejected", "%s", out->reason);
	trace_step(ev->trace, "DECISION", NULL, -1, NULL, "DENY", "%s", out->reason);
	return 1;
}

/* The whole procedure of §2 on a prepared state; out is zeroed. */
static void ev_decide(struct ev *ev, struct authz_result *out)
{
	struct phase_out custom = { 0 }, deny = { 0 }, allow = { 0 }, audit = { 0 };
	struct strbuf why = STRBUF_INIT;

	scope_step(ev);
	if (handshake_refused(ev, out) || prepare_path(ev, out))
		goto done;
	if (!custom_skipped(ev))
		run_phase(ev, ACT_CUSTOM, &custom);
	if (jwt_phase(ev, &why)) {
		set_result(out, AUTHZ_DENY, 401, NULL, -1,
			   xasprintf("Jwt verification fails: %s%s", why.buf, custom.res == TRI_TRUE ?
				     " (the external authorizer is asked first and may answer instead)" : ""));
	} else {
		run_phase(ev, ACT_DENY, &deny);
		run_phase(ev, ACT_ALLOW, &allow);
		run_phase(ev, ACT_AUDIT, &audit);
		decide(ev, out, &custom, &deny, &allow);
	}
	trace_step(ev->trace, "DECISION", NULL, -1, NULL, authz_decision_name(out->decision), "%s%s%s",
		   out->reason, out->condition ? "; " : "", out->condition ? out->condition : "");
done:
	release_phase(&custom);
	release_phase(&deny);
	release_phase(&allow);
	release_phase(&audit);
	strbuf_release(&why);
}

int authz_evaluate(const struct authz_scope *s, const struct authz_request *r, int want_trace,
		   struct authz_result *out)
{
	struct ev ev;

	memset(out, 0, sizeof(*out));
	out->rule = -1;
	if (want_trace)
		out->trace = json_array();
	ev_init(&ev, s, r, out->trace);
	ev_decide(&ev, out);
	ev_release(&ev);
	return 0;
}

void authz_result_release(struct authz_result *res)
{
	free(res->policy);
	free(res->reason);
	free(res->provider);
	free(res->condition);
	json_decref(res->trace);
	memset(res, 0, sizeof(*res));
	res->rule = -1;
}
