/* SPDX-License-Identifier: Apache-2.0 */
/* can-i: would the sidecar let this caller make this request? */
#include "commands.h"
#include "mesh/tls.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define OPT(name, sh, type, field, arg, help, comp) \
	{ name, sh, type, offsetof(struct can_i_opts, field), arg, help, 0, comp, NULL, 0 }

const struct cli_option cmd_can_i_options[] = {
	TARGET_OPTIONS(struct can_i_opts),
	OPT("from", 0, CLI_STRING, from, "SOURCE",
	    "The caller: pod/NAME, deploy/NAME, sts/NAME, ds/NAME or sa/NAME; a workload's mTLS state decides whether it has an identity",
	    COMPLETE_WORKLOAD),
	OPT("from-principal", 0, CLI_STRING, from_principal, "PRINCIPAL",
	    "The caller's mTLS identity, e.g. cluster.local/ns/X/sa/Y", COMPLETE_NONE),
	OPT("plaintext", 0, CLI_BOOL, plaintext, NULL,
	    "The caller has no mTLS identity (no sidecar, or mTLS off)", COMPLETE_NONE),
	OPT("from-ip", 0, CLI_STRING, from_ip, "IP",
	    "The direct peer's IP (default: the --from pod's IP)", COMPLETE_NONE),
	OPT("remote-ip", 0, CLI_STRING, remote_ip, "IP",
	    "The original client IP from X-Forwarded-For or PROXY protocol (default: --from-ip)",
	    COMPLETE_NONE),
	OPT("host", 0, CLI_STRING, host, "HOST",
	    "The Host/:authority header as sent (default: SERVICE or SERVICE:PORT)", COMPLETE_NONE),
	OPT("header", 0, CLI_STRINGS, headers, "NAME:VALUE", "A request header; repeatable",
	    COMPLETE_NONE),
	OPT("sni", 0, CLI_STRING, sni, "NAME",
	    "The TLS SNI (default: Istio's outbound SNI for mTLS callers, none for plaintext)",
	    COMPLETE_NONE),
	OPT("dest-ip", 0, CLI_STRING, dest_ip, "IP",
	    "The IP the connection was addressed to (default: the pod IP)", COMPLETE_NONE),
	OPT("jwt", 0, CLI_STRING, jwt, "TOKEN",
	    "A JWT sent as a bearer token; the payload is decoded, not verified", COMPLETE_NONE),
	OPT("jwt-claims", 0, CLI_STRING, jwt_claims, "JSON",
	    "The JWT payload as a JSON object, instead of --jwt", COMPLETE_NONE),
	OPT("jwt-invalid", 0, CLI_BOOL, jwt_invalid, NULL,
	    "The token fails verification (signature, expiry...)", COMPLETE_NONE),
	OPT("skip-trust-domain-check", 0, CLI_BOOL, skip_td_check, NULL,
	    "Let callers from any trust domain past the mTLS handshake, as istiod's PILOT_SKIP_VALIDATE_TRUST_DOMAIN=true does",
	    COMPLETE_NONE),
	OPT("explain", 0, CLI_BOOL, explain, NULL,
	    "Show the whole evaluation: every phase, policy, rule and field, and why", COMPLETE_NONE),
	CLI_OPT_END
};

/* Everything can-i works out before evaluating. */
struct can_i {
	struct cli *cli;
	struct can_i_opts *o;
	const char *method, *path;
	int forced_proto;
	struct objset *set;
	struct authz_engine *engine;
	struct tls_mesh *tls;
	struct target target;
	struct ref from;
	int has_from;
	json_t *from_pods;
	json_t *headers;
	json_t *claims;
	char *principal;        /* --from-principal or sa/ */
};

/* --- flags --- */

static int check_ip(struct cli *cli, const char *flag, const char *v)
{
	if (!v || authz_valid_ip(v))
		return 0;
	return cli_usage_error(cli, "%s: \"%s\" is not an IP address%s", flag, v,
			       strchr(v, '/') ? " (a CIDR is not allowed here)" : "");
}

static int parse_headers(struct can_i *c)
{
	size_t i;

	c->headers = json_object();
	for (i = 0; i < c->o->headers.n; i++) {
		const char *h = c->o->headers.v[i], *colon = strchr(h, ':');
		char *name;
		json_t *old;
		if (!colon || colon == h)
			return cli_usage_error(c->cli, "--header: \"%s\" is not NAME:VALUE", h);
		name = xstrndup(h, (size_t)(colon - h));
		colon++;
		while (*colon == ' ')
			colon++;
		old = json_object_get(c->headers, name);
		if (old)
			json_object_set_new(c->headers, name, json_sprintf("%s,%s", json_string_value(old), colon));
		else
			json_object_set_new(c->headers, name, json_string(colon));
		free(name);
	}
	return 0;
}

static int parse_jwt(struct can_i *c)
{
	struct strbuf err = STRBUF_INIT;
	json_error_t jerr;

	if (c->o->jwt && c->o->jwt_claims)
		return cli_usage_error(c->cli, "--jwt and --jwt-claims cannot be combined");
	if (c->o->jwt_invalid && !c->o->jwt && !c->o->jwt_claims)
		return cli_usage_error(c->cli, "--jwt-invalid needs --jwt or --jwt-claims");
	if (c->o->jwt) {
		c->claims = authz_jwt_decode(c->o->jwt, &err);
		if (!c->claims) {
			int r = cli_usage_error(c->cli, "--jwt: not a JWT: %s", err.buf);
			strbuf_release(&err);
			return r;
		}
	} else if (c->o->jwt_claims) {
		c->claims = json_loads(c->o->jwt_claims, 0, &jerr);
		if (!json_is_object(c->claims))
			return cli_usage_error(c->cli, "--jwt-claims: not a JSON object%s%s",
					       c->claims ? "" : ": ", c->claims ? "" : jerr.text);
	}
	return 0;
}

static int parse_flags(struct can_i *c, int argc, char **argv)
{
	struct can_i_opts *o = c->o;
	struct strbuf err = STRBUF_INIT;
	int r;

	if ((r = parse_method_path(c->cli, argc, argv, &c->method, &c->path)) ||
	    (r = parse_protocol_flag(c->cli, o->protocol, &c->forced_proto)))
		return r;
	if (!o->to)
		return cli_usage_error(c->cli, "--to is required");
	if (o->from && o->from_principal)
		return cli_usage_error(c->cli, "--from and --from-principal cannot be combined");
	if (o->plaintext && o->from_principal)
		return cli_usage_error(c->cli, "--plaintext and --from-principal cannot be combined");
	if ((r = check_ip(c->cli, "--from-ip", o->from_ip)) ||
	    (r = check_ip(c->cli, "--remote-ip", o->remote_ip)) ||
	    (r = check_ip(c->cli, "--dest-ip", o->dest_ip)) || (r = parse_headers(c)) ||
	    (r = parse_jwt(c)))
		return r;
	if (ref_parse("--to", o->to, cli_namespace(c->cli), REF_TARGETS, &c->target.ref, &err) ||
	    (o->from && ref_parse("--from", o->from, cli_namespace(c->cli), REF_SOURCES, &c->from, &err))) {
		r = cli_usage_error(c->cli, "%s", err.buf);
		strbuf_release(&err);
		return r;
	}
	c->has_from = o->from != NULL;
	return 0;
}

/* --- the caller --- */

static int sa_exists(const struct objset *set, const char *ns, const char *name)
{
	json_t *pod;
	size_t i;

	if (objset_get(set, OBJ_SERVICEACCOUNT, ns, name))
		return 1;
	json_array_foreach(objset_list(set, OBJ_POD), i, pod) {
		const char *sa = json_string_value(obj_path(pod, "spec.serviceAccountName"));
		if (!strcmp(obj_namespace(pod), ns) && !strcmp(sa && *sa ? sa : "default", name))
			return 1;
	}
	return 0;
}

static char *pod_principal(const struct objset *set, json_t *pod)
{
	const char *sa = json_string_value(obj_path(pod, "spec.serviceAccountName"));
	return xasprintf("%s/ns/%s/sa/%s", objset_mesh(set)->trust_domain, obj_namespace(pod),
			 sa && *sa ? sa : "default");
}

static int resolve_from(struct can_i *c)
{
	struct strbuf err = STRBUF_INIT;
	const char *p = c->o->from_principal;

	if (p) {
		skip_prefix(p, "spiffe://", &p);
		c->principal = xstrdup(p);
		return 0;
	}
	if (!c->has_from)
		return 0;
	if (c->from.kind == OBJ_SERVICEACCOUNT) {
		if (!sa_exists(c->set, c->from.ns, c->from.name)) {
			strbuf_addf(&err, cli_offline(c->cli) ? "serviceaccount \"%s\" not found in namespace \"%s\"" :
				    "Error from server (NotFound): serviceaccounts \"%s\" not found", c->from.name,
				    c->from.ns);
			return authz_fail(&err);
		}
		c->principal = xasprintf("%s/ns/%s/sa/%s", objset_mesh(c->set)->trust_domain,
					 c->from.ns, c->from.name);
		return 0;
	}
	c->from_pods = workload_pods(c->set, &c->from, !cli_offline(c->cli), &err);
	if (c->from_pods && !json_array_size(c->from_pods))
		strbuf_addf(&err, "--from %s: the workload has no pods", c->o->from);
	if (!c->from_pods || !json_array_size(c->from_pods))
		return authz_fail(&err);
	return 0;
}

/* For the explanation only: kubectl mesh-tls's reason for the call's verdict. */
static void tls_reason(struct can_i *c, json_t *client, const struct endpoint *ep, struct strbuf *why)
{
	struct strbuf err = STRBUF_INIT;
	struct tls_trace t;
	size_t i;

	if (ep->svc && !tls_trace_call(c->tls, client, ep->svc, ep->svc_port, NULL, &t, &err)) {
		for (i = 0; i < t.nendpoints; i++)
			if (t.endpoints[i].pod == ep->pod && t.endpoints[i].reason)
				strbuf_addf(why, ": %s", t.endpoints[i].reason);
		tls_trace_release(&t);
	}
	strbuf_release(&err);
}

/*
 * The one place that decides whether a workload caller has an mTLS
 * identity towards the server pod: kubectl mesh-tls's resolution.
 */
static int peer_identity(struct can_i *c, const struct endpoint *ep, char **principal,
			 struct strbuf *why)
{
	struct strbuf err = STRBUF_INIT;
	json_t *client = json_array_get(c->from_pods, 0);

	if (ep->templated) {
		strbuf_addf(&err, "%s has no pods: cannot tell whether %s calls it with an mTLS identity; use --from-principal or --plaintext",
			    c->o->to, c->o->from);
		return authz_fail(&err);
	}
	if (!c->tls && !(c->tls = tls_mesh_new(c->set, NULL, &err)))
		return authz_fail(&err);
	if (tls_peer_has_identity(c->tls, client, ep->pod, ep->port)) {
		*principal = pod_principal(c->set, client);
		strbuf_addf(why, "%s: pod/%s.%s presents its mTLS identity to %s port %d (kubectl mesh-tls)",
			    *principal, obj_name(client), obj_namespace(client), ep->desc, ep->port);
	} else {
		strbuf_addf(why, "plaintext: pod/%s.%s calls %s port %d without an mTLS identity (kubectl mesh-tls",
			    obj_name(client), obj_namespace(client), ep->desc, ep->port);
		tls_reason(c, client, ep, why);
		strbuf_addch(why, ')');
	}
	return 0;
}

static int caller(struct can_i *c, const struct endpoint *ep, char **principal, struct strbuf *why)
{
	*principal = NULL;
	if (c->o->plaintext) {
		strbuf_addstr(why, "plaintext (--plaintext): no mTLS identity");
		return 0;
	}
	if (c->principal) {
		*principal = xstrdup(c->principal);
		strbuf_addf(why, "%s (%s)", c->principal, c->o->from ? c->o->from : "--from-principal");
		return 0;
	}
	if (c->from_pods)
		return peer_identity(c, ep, principal, why);
	strbuf_addstr(why, "plaintext: no --from, --from-principal or --plaintext given");
	return 0;
}

/* --- one endpoint --- */

static void step(json_t *trace, size_t at, const char *phase, const char *why)
{
	json_array_insert_new(trace, at, json_pack("{s:s, s:n, s:n, s:n, s:s, s:s}", "phase", phase,
						   "policy", "rule", "field", "result", "info", "why", why));
}

static char *outbound_sni(const struct endpoint *ep)
{
	if (!ep->svc)
		return NULL;
	return xasprintf("outbound_.%d_._.%s.%s.svc.cluster.local", ep->svc_port, obj_name(ep->svc),
			 obj_namespace(ep->svc));
}

struct call {
	struct authz_request r;
	char *principal, *host, *sni;
	const char *source_ip;
	struct strbuf request, caller;
};

static void describe_request(struct can_i *c, const struct endpoint *ep, struct call *k,
			     const struct strbuf *proto_why)
{
	if (k->r.proto == AUTHZ_HTTP)
		strbuf_addf(&k->request, "%s %s%s to %s port %d; HTTP (%s); host \"%s\"", k->r.method,
			    k->r.path, c->method ? "" : " (no METHOD given)", ep->desc, ep->port,
			    proto_why->buf, k->r.host ? k->r.host : "");
	else
		strbuf_addf(&k->request, "a TCP connection to %s port %d (%s)", ep->desc, ep->port,
			    proto_why->buf);
	strbuf_addf(&k->request, "; source IP %s", k->r.source_ip ? k->r.source_ip : "unknown");
	if (k->r.sni)
		strbuf_addf(&k->request, "; SNI %s", k->r.sni);
}

static int build_call(struct can_i *c, const struct endpoint *ep, struct call *k)
{
	struct strbuf proto_why = STRBUF_INIT;
	json_t *client = c->from_pods ? json_array_get(c->from_pods, 0) : NULL;
	int r;

	memset(k, 0, sizeof(*k));
	strbuf_init(&k->request, 0);
	strbuf_init(&k->caller, 0);
	if ((r = caller(c, ep, &k->principal, &k->caller)))
		return r;
	k->r.proto = endpoint_proto(ep, c->forced_proto, c->method, &proto_why);
	k->r.principal = k->principal;
	k->r.source_ip = c->o->from_ip ? c->o->from_ip :
			 json_string_value(obj_path(client, "status.podIP"));
	k->r.remote_ip = c->o->remote_ip;
	k->r.dest_ip = c->o->dest_ip ? c->o->dest_ip :
		       ep->templated ? NULL : json_string_value(obj_path(ep->pod, "status.podIP"));
	k->r.port = ep->port;
	k->r.headers = c->headers;
	k->r.claims = c->claims;
	k->r.jwt_invalid = c->o->jwt_invalid;
	k->r.skip_td_check = c->o->skip_td_check;
	k->sni = c->o->sni ? xstrdup(c->o->sni) : k->principal ? outbound_sni(ep) : NULL;
	k->r.sni = k->sni;
	if (k->r.proto == AUTHZ_HTTP) {
		k->host = c->o->host ? xstrdup(c->o->host) : default_host(ep);
		k->r.method = c->method ? c->method : "GET";
		k->r.path = c->path ? c->path : "/";
		k->r.host = k->host;
	}
	describe_request(c, ep, k, &proto_why);
	strbuf_release(&proto_why);
	return 0;
}

static void call_release(struct call *k)
{
	free(k->principal);
	free(k->host);
	free(k->sni);
	strbuf_release(&k->request);
	strbuf_release(&k->caller);
}

static int evaluate(struct can_i *c, const struct endpoint *ep, struct authz_result *res)
{
	struct authz_workload w = { obj_namespace(ep->pod), obj_labels(ep->pod) };
	struct strbuf err = STRBUF_INIT;
	struct authz_scope *s;
	struct call k;
	int r = build_call(c, ep, &k);

	if (r) {
		call_release(&k);
		return r;
	}
	s = authz_scope_new(c->engine, &w, &err);
	if (!s) {
		call_release(&k);
		return authz_fail(&err);
	}
	authz_evaluate(s, &k.r, 1, res);
	step(res->trace, 0, "REQUEST", k.request.buf);
	step(res->trace, 1, "CALLER", k.caller.buf);
	authz_scope_free(s);
	call_release(&k);
	return 0;
}

static int rank(enum authz_decision d)
{
	return d == AUTHZ_DENY ? 2 : d == AUTHZ_CUSTOM ? 1 : 0;
}

/* Every kind of pod behind the target; the first worst answer decides. */
static int evaluate_all(struct can_i *c, struct authz_result *out)
{
	struct authz_result res;
	size_t i, pick = 0;
	int r;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < c->target.nep; i++) {
		if ((r = evaluate(c, &c->target.ep[i], &res))) {
			authz_result_release(out);
			return r;
		}
		if (!i || rank(res.decision) > rank(out->decision)) {
			authz_result_release(out);
			*out = res;
			pick = i;
		} else {
			authz_result_release(&res);
		}
	}
	if (c->target.nep > 1) {
		char *why = xasprintf("%s stands for %zu kinds of pods; %s gives the answer shown",
				      c->o->to, c->target.nep, c->target.ep[pick].desc);
		step(out->trace, 0, "TARGET", why);
		free(why);
	}
	return 0;
}

/* --- output --- */

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void print_step(FILE *f, json_t *s, int field_level)
{
	const char *result = str(s, "result");
	json_t *rule = json_object_get(s, "rule");

	if (field_level) {
		fprintf(f, "%-10s  %s: %s: %s\n", "", str(s, "field"), result, str(s, "why"));
		return;
	}
	fprintf(f, "%-10s", str(s, "phase"));
	if (str(s, "policy"))
		fprintf(f, "%s", str(s, "policy"));
	if (json_is_integer(rule))
		fprintf(f, " rule %lld", (long long)json_integer_value(rule));
	if (str(s, "policy"))
		fputs(": ", f);
	if (strcmp(result, "info"))
		fprintf(f, "%s: ", result);
	fprintf(f, "%s\n", str(s, "why"));
}

/* The trace as text; field steps are printed under the rule they belong to. */
static void print_explain(FILE *f, json_t *trace)
{
	json_t *pending = json_array(), *s, *p;
	size_t i, j;

	json_array_foreach(trace, i, s) {
		if (str(s, "field")) {
			json_array_append(pending, s);
			continue;
		}
		print_step(f, s, 0);
		json_array_foreach(pending, j, p)
			print_step(f, p, 1);
		json_array_clear(pending);
	}
	json_decref(pending);
}

static int exit_code(const struct authz_result *res)
{
	return res->decision == AUTHZ_ALLOW ? MESH_EXIT_OK :
	       res->decision == AUTHZ_CUSTOM ? MESH_EXIT_UNDETERMINED : MESH_EXIT_NO;
}

static void print_result(struct can_i *c, struct authz_result *res)
{
	json_t *doc;

	if (c->cli->format == OUTF_JSON || c->cli->format == OUTF_YAML) {
		doc = json_pack("{s:b, s:s, s:s?, s:o, s:o, s:s, s:O}", "allowed",
				res->decision == AUTHZ_ALLOW, "decision", authz_decision_name(res->decision),
				"policy", res->policy, "rule",
				res->rule >= 0 ? json_integer(res->rule) : json_null(), "http_status",
				res->http_status ? json_integer(res->http_status) : json_null(), "reason",
				res->reason, "trace", res->trace);
		cli_print_value(c->cli, doc);
		json_decref(doc);
	} else if (c->o->explain) {
		print_explain(c->cli->out, res->trace);
	} else {
		fputs(res->decision == AUTHZ_ALLOW ? "yes\n" : "no\n", c->cli->out);
		if (res->decision == AUTHZ_CUSTOM)
			warning("undetermined: %s", res->reason);
	}
}

static void can_i_release(struct can_i *c)
{
	target_release(&c->target);
	ref_release(&c->from);
	json_decref(c->from_pods);
	json_decref(c->headers);
	json_decref(c->claims);
	free(c->principal);
	if (c->tls)
		tls_mesh_free(c->tls);
	authz_engine_free(c->engine);
	objset_free(c->set);
}

static int load(struct can_i *c)
{
	const char *extra[1];
	struct strbuf err = STRBUF_INIT;
	struct ref to = c->target.ref;
	int r;

	extra[0] = c->has_from ? c->from.ns : NULL;
	r = load_for_target(c->cli, to.ns, extra, c->has_from ? 1 : 0,
			    OBJ_BIT(to.kind) | (c->has_from ? OBJ_BIT(c->from.kind) : 0),
			    c->has_from && c->from.kind != OBJ_SERVICEACCOUNT ? LOAD_TLS : 0, &c->set);
	if (r)
		return r;
	memset(&c->target.ref, 0, sizeof(c->target.ref));
	r = target_resolve(c->set, &to, c->o->port, !cli_offline(c->cli), &c->target, &err);
	ref_release(&to);
	if (r)
		return authz_fail(&err);
	strbuf_release(&err);
	return 0;
}

int cmd_can_i(struct cli *cli, void *opts, int argc, char **argv)
{
	struct can_i c = { 0 };
	struct authz_result res = { 0 };
	int r;

	c.cli = cli;
	c.o = opts;
	r = parse_flags(&c, argc, argv);
	if (!r)
		r = load(&c);
	if (!r)
		r = resolve_from(&c);
	if (!r) {
		c.engine = authz_engine_new(c.set);
		r = evaluate_all(&c, &res);
	}
	if (!r && res.undetermined) {
		struct strbuf err = STRBUF_INIT;
		strbuf_addf(&err, "the answer depends on what the request leaves open: %s; give --from-ip, --remote-ip or --dest-ip",
			    res.condition);
		r = authz_fail(&err);
	} else if (!r) {
		print_result(&c, &res);
		r = exit_code(&res);
	}
	authz_result_release(&res);
	can_i_release(&c);
	return r;
}
