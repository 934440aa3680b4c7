/* SPDX-License-Identifier: Apache-2.0 */
/* Tracing one call end to end: target, client side, each endpoint, verdict; and its JSON. */
#include "mesh/tls_priv.h"
#include "labels.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

void tls_step_add(struct tls_steps *s, const char *side, const char *what, const char *object,
		  const char *rule, const char *fmt, ...)
{
	struct tls_step *st;
	va_list ap;

	if (!s)
		return;
	ALLOC_GROW(s->v, s->n + 1, s->alloc);
	st = &s->v[s->n++];
	st->side = side;
	st->what = what;
	st->object = xstrdup(object);
	st->rule = rule;
	va_start(ap, fmt);
	st->text = xvasprintf(fmt, ap);
	va_end(ap);
}

void tls_steps_release(struct tls_steps *s)
{
	size_t i;
	for (i = 0; i < s->n; i++) {
		free(s->v[i].object);
		free(s->v[i].text);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

json_t *tls_steps_json(const struct tls_steps *s)
{
	json_t *a = json_array();
	size_t i;
	for (i = 0; i < s->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s}", "side", s->v[i].side,
						   "step", s->v[i].what, "object", s->v[i].object,
						   "detail", s->v[i].text, "rule", s->v[i].rule));
	return a;
}

/* --- Endpoints (P1, P3) and their server mode (S rules) --- */

static const char *proxy_words(const struct tls_pod *p)
{
	switch (p->proxy) {
	case TLS_PROXY_SIDECAR:
		return "sidecar istio-proxy";
	case TLS_PROXY_AMBIENT:
		return "no sidecar, captured by ztunnel";
	default:
		return p->host_network ? "hostNetwork pod, no proxy: out of scope of this analysis (H5)" :
					 "no sidecar, not in ambient";
	}
}

static void endpoint_pod_step(struct tls_steps *st, const struct tls_pod *p, json_t *sp, int tp)
{
	json_t *target = json_object_get(sp, "targetPort");
	char *ref = tls_obj_ref(p->obj);

	if (json_is_string(target))
		tls_step_add(st, "server", "pod", ref, "H1, M1, P1", "%s; targetPort \"%s\" is port %d",
			     proxy_words(p), json_string_value(target), tp);
	else
		tls_step_add(st, "server", "pod", ref, "H1, M1, P1", "%s; target port %d", proxy_words(p),
			     tp);
	free(ref);
}

size_t tls_endpoints(const struct tls_mesh *m, json_t *svc, json_t *sp, struct tls_ep **out,
		     struct tls_steps **steps)
{
	struct tls_pod **pods;
	size_t n = tls_service_pods(m, svc, &pods), i, k = 0;
	int svc_port = (int)json_integer_value(json_object_get(sp, "port"));

	*out = xcalloc(n ? n : 1, sizeof(**out));
	if (steps)
		*steps = xcalloc(n ? n : 1, sizeof(**steps));
	for (i = 0; i < n; i++) {
		struct tls_ep *ep = &(*out)[k];
		struct tls_steps *st = steps ? &(*steps)[k] : NULL;
		int tp = obj_target_port(sp, pods[i]->obj);

		if (tp < 0)
			continue; /* a named port the pod does not have: not an endpoint */
		ep->pod = pods[i];
		ep->target_port = tp;
		ep->excluded = pods[i]->proxy == TLS_PROXY_SIDECAR &&
			       tls_ports_has(&pods[i]->excl_in, tp);
		if (st)
			endpoint_pod_step(st, pods[i], sp, tp);
		ep->mode = tls_server_mode(m, pods[i], tp, svc_port, &ep->policy, st);
		k++;
	}
	free(pods);
	return k;
}

static void enforcement_step(struct tls_steps *st, const struct tls_ep *ep)
{
	char *ref = ep->policy ? tls_obj_ref(ep->policy->obj) : xstrdup("-");
	const char *sm = tls_smode_name(ep->mode);

	if (ep->pod->proxy == TLS_PROXY_SIDECAR && ep->excluded)
		tls_step_add(st, "server", "mode", ref, "H4, S11",
			     "%s, not enforced: port %d is in traffic.sidecar.istio.io/excludeInboundPorts",
			     sm, ep->target_port);
	else if (ep->pod->proxy == TLS_PROXY_SIDECAR)
		tls_step_add(st, "server", "mode", ref,
			     ep->mode == TLS_SM_STRICT ? "S10, W1" :
			     ep->mode == TLS_SM_DISABLE ? "S10, W3" : "S10, W2",
			     "%s, enforced by the sidecar", sm);
	else if (ep->pod->proxy == TLS_PROXY_AMBIENT)
		tls_step_add(st, "server", "mode", ref, "S10, M2", "%s, enforced by ztunnel%s", sm,
			     ep->mode == TLS_SM_DISABLE ? " (DISABLE is ignored: acts as PERMISSIVE)" : "");
	else
		tls_step_add(st, "server", "mode", ref, "S10, S11",
			     "%s, not enforced: no proxy on the server", sm);
	free(ref);
}

/* --- The client side (H, D, A rules) --- */

static void client_pod_step(struct tls_steps *st, const struct tls_pod *p)
{
	char *ref = tls_obj_ref(p->obj);
	tls_step_add(st, "client", "pod", ref, p->proxy == TLS_PROXY_SIDECAR ? "H1" : "H1, M1", "%s",
		     proxy_words(p));
	free(ref);
}

static void gate_step(const struct tls_mesh *m, struct tls_client_ctx *c, struct tls_steps *st)
{
	char *ref;

	if (!st || c->ct.tls.set)
		return;
	if (!m->auto_mtls) {
		tls_step_add(st, "client", "auto-mtls", "meshConfig", "A2, H6",
			     "enableAutoMtls is false: no DestinationRule tls means plaintext");
		return;
	}
	ref = c->gate_policy ? tls_obj_ref(c->gate_policy->obj) : xstrdup("-");
	tls_step_add(st, "client", "auto-mtls", ref, c->gate == TLS_SM_DISABLE ? "A3" : "A3, A4",
		     "service namespace/mesh mode %s: %s", tls_smode_name(c->gate),
		     c->gate == TLS_SM_DISABLE ? "plaintext for the whole service" :
						 "decided per endpoint");
	free(ref);
}

static int all_istio(const struct tls_ep *ep, size_t nep)
{
	size_t i;
	if (!nep)
		return 0;
	for (i = 0; i < nep; i++)
		if (!ep[i].pod->istio_label)
			return 0;
	return 1;
}

static int subset_error(const struct tls_mesh *m, const struct tls_client_ctx *c, const char *host,
			const char *subset, struct strbuf *err)
{
	const struct tls_dr *head = c->ct.entry ? c->ct.entry->members[0] : NULL;

	if (head && tls_dr_any_subset(m, host, subset))
		strbuf_setf(err, "DestinationRule %s/%s, which the client uses for %s, defines no subset \"%s\"",
			    head->ns, head->name, host, subset);
	else
		strbuf_setf(err, "no DestinationRule defines subset \"%s\" for host %s", subset, host);
	return -1;
}

void tls_svc_info_init(const struct tls_mesh *m, struct tls_svc_info *si, json_t *svc, int port,
		       const struct tls_ep *ep, size_t nep)
{
	memset(si, 0, sizeof(*si));
	si->svc = svc;
	si->port = port;
	si->sp = obj_service_port(svc, port);
	si->host = tls_service_host(svc);
	si->host_hash = tls_host_hash(si->host);
	si->sns = tls_ns_get(m, obj_namespace(svc));
	si->http = tls_port_is_http(si->sp);
	si->headless = tls_service_headless(svc);
	si->gate = tls_gate_mode(m, si->sns, &si->gate_policy);
	si->all_istio = all_istio(ep, nep);
}

void tls_svc_info_release(struct tls_svc_info *si)
{
	free(si->host);
	memset(si, 0, sizeof(*si));
}

static int prepare_sidecar(const struct tls_mesh *m, struct tls_client_ctx *c,
			   const struct tls_svc_info *si, const char *subset, struct tls_steps *st,
			   struct strbuf *err)
{
	const struct tls_pod *p = c->pod;
	const struct tls_dr_entry *e;
	const struct tls_subset_ref *sub = NULL;

	e = tls_dr_resolve(m, p->ns, p->labels, si->sns, si->host, si->host_hash, st);
	c->ct.entry = e;
	if (subset && !(sub = tls_dr_subset(e, subset)))
		return subset_error(m, c, si->host, subset, err);
	tls_client_policy(e, c->port, sub, &c->ct, st);
	c->gate = si->gate;
	c->gate_policy = si->gate_policy;
	gate_step(m, c, st);
	c->headless = !c->ct.tls.set && (si->headless || c->ct.passthrough);
	c->headless_all_istio = si->all_istio;
	if (c->headless && st && m->auto_mtls && c->gate != TLS_SM_DISABLE)
		tls_step_add(st, "client", "auto-mtls", "-", "A5", "%s: all-or-nothing, %s",
			     si->headless ? "headless service" : "PASSTHROUGH load balancer",
			     si->all_istio ? "every endpoint is labelled tlsMode=istio" :
					     "an endpoint is not labelled tlsMode=istio (or none exists)");
	return 0;
}

int tls_client_prepare(const struct tls_mesh *m, struct tls_client_ctx *c, const struct tls_pod *p,
		       const struct tls_svc_info *si, const char *subset, struct tls_steps *st,
		       struct strbuf *err)
{
	memset(c, 0, sizeof(*c));
	c->pod = p;
	c->port = si->port;
	c->proxy = p->proxy;
	c->http = si->http;
	if (st)
		client_pod_step(st, p);
	if (p->proxy == TLS_PROXY_SIDECAR && tls_ports_has(&p->excl_out, si->port)) {
		c->excluded = 1;
		if (st)
			tls_step_add(st, "client", "pod", "-", "H4",
				     "port %d is in traffic.sidecar.istio.io/excludeOutboundPorts: the sidecar is bypassed",
				     si->port);
	}
	if (p->proxy == TLS_PROXY_SIDECAR && !c->excluded)
		return prepare_sidecar(m, c, si, subset, st, err);
	if (subset && !tls_dr_any_subset(m, si->host, subset))
		return subset_error(m, c, si->host, subset, err);
	return 0;
}

/* --- One call --- */

static void target_steps(struct tls_steps *st, json_t *svc, json_t *sp)
{
	json_t *target = json_object_get(sp, "targetPort");
	const char *name = json_string_value(json_object_get(sp, "name"));
	char *ref = tls_obj_ref(svc), *host = tls_service_host(svc), *tp;

	if (json_is_string(target))
		tp = xasprintf("targetPort \"%s\" (resolved per pod)", json_string_value(target));
	else if (json_is_integer(target))
		tp = xasprintf("targetPort %lld", (long long)json_integer_value(target));
	else
		tp = xstrdup("no targetPort: the same number");
	tls_step_add(st, "target", "service", ref, "P1, P2", "port %lld%s%s%s (%s), %s",
		     (long long)json_integer_value(json_object_get(sp, "port")), name ? " \"" : "",
		     name ? name : "", name ? "\"" : "", tls_port_is_http(sp) ? "HTTP" : "TCP", tp);
	tls_step_add(st, "target", "host", host, "P4", "the name DestinationRules match%s",
		     tls_service_headless(svc) ? "; headless service (clusterIP None)" : "");
	free(tp);
	free(ref);
	free(host);
}

static void fill_endpoint(struct tls_mesh *m, struct tls_client_ctx *c, json_t *svc,
			  const struct tls_ep *ep, struct tls_steps *st, struct tls_endpoint *e)
{
	struct tls_decision d;
	enum tls_case k;

	tls_client_decide(m, c, ep, &d);
	k = tls_judge(c, ep, &d);
	e->pod = ep->pod->obj;
	e->target_port = ep->target_port;
	e->proxy = ep->pod->proxy;
	e->mode = ep->mode;
	e->policy = ep->policy ? ep->policy->obj : NULL;
	e->enforced = ep->pod->proxy != TLS_PROXY_NONE && !ep->excluded;
	e->client_mode = d.mode;
	e->client_source = tls_client_source(m, &d);
	e->verdict = tls_case_verdict(k);
	tls_explain(m, c, svc, ep, &d, k, e);
	e->steps = *st;
	memset(st, 0, sizeof(*st));
	enforcement_step(&e->steps, ep);
	tls_client_step(c, ep, &d, &e->steps);
}

static void no_endpoints(struct tls_trace *t, json_t *svc)
{
	json_t *sel = obj_path(svc, "spec.selector");
	char *labels = tls_has_selector(sel) ? labels_text(sel) : NULL;

	t->verdict = TLS_BROKEN;
	if (labels)
		t->none_reason = xasprintf("service %s/%s has no endpoints: no running pod in %s matches its selector %s (P3)",
					   obj_namespace(svc), obj_name(svc), obj_namespace(svc), labels);
	else
		t->none_reason = xasprintf("service %s/%s has no selector, so no pod endpoints (P3)",
					   obj_namespace(svc), obj_name(svc));
	t->reason = t->none_reason;
	t->symptom = "HTTP 503 \"no healthy upstream\" (flag UH) from a sidecar client; connection refused or a timeout without one";
	t->fix = "start pods that match the service's selector, or correct spec.selector";
	free(labels);
}

static void pick_worst(struct tls_trace *t)
{
	size_t i;
	t->worst = 0;
	for (i = 1; i < t->nendpoints; i++)
		if (t->endpoints[i].verdict > t->endpoints[t->worst].verdict)
			t->worst = i;
	t->verdict = t->endpoints[t->worst].verdict;
	t->reason = t->endpoints[t->worst].reason;
	t->symptom = t->endpoints[t->worst].symptom;
	t->fix = t->endpoints[t->worst].fix;
}

static void verdict_steps(struct tls_trace *t)
{
	size_t i;
	if (t->nendpoints < 2)
		return;
	for (i = 0; i < t->nendpoints; i++) {
		char *ref = tls_obj_ref(t->endpoints[i].pod);
		tls_step_add(&t->endpoints[i].steps, "server", "verdict", ref, "P3", "%s",
			     tls_verdict_name(t->endpoints[i].verdict));
		free(ref);
	}
}

int tls_trace_call(struct tls_mesh *m, json_t *client_pod, json_t *service, int port,
		   const char *subset, struct tls_trace *out, struct strbuf *err)
{
	json_t *sp = obj_service_port(service, port);
	struct tls_pod *p = tls_pod_of(m, client_pod);
	struct tls_client_ctx c;
	struct tls_svc_info si;
	struct tls_steps *epsteps = NULL;
	struct tls_ep *eps = NULL;
	size_t n, i;
	int r;

	memset(out, 0, sizeof(*out));
	out->client = client_pod;
	out->service = service;
	out->port = port;
	out->subset = xstrdup_or_null(subset);
	out->client_proxy = p->proxy;
	target_steps(&out->steps, service, sp);
	n = tls_endpoints(m, service, sp, &eps, &epsteps);
	tls_svc_info_init(m, &si, service, port, eps, n);
	r = tls_client_prepare(m, &c, p, &si, subset, &out->steps, err);
	if (!r) {
		out->endpoints = xcalloc(n ? n : 1, sizeof(*out->endpoints));
		out->nendpoints = n;
	}
	for (i = 0; i < n; i++) {
		if (!r)
			fill_endpoint(m, &c, service, &eps[i], &epsteps[i], &out->endpoints[i]);
		tls_steps_release(&epsteps[i]);
	}
	free(epsteps);
	free(eps);
	tls_svc_info_release(&si);
	if (r) {
		tls_trace_release(out);
		return -1;
	}
	if (n) {
		pick_worst(out);
		verdict_steps(out);
	} else {
		no_endpoints(out, service);
	}
	return 0;
}

void tls_trace_release(struct tls_trace *t)
{
	size_t i;
	for (i = 0; i < t->nendpoints; i++) {
		struct tls_endpoint *e = &t->endpoints[i];
		free(e->client_source);
		free(e->reason);
		free(e->symptom);
		free(e->fix);
		tls_steps_release(&e->steps);
	}
	free(t->endpoints);
	free(t->subset);
	free(t->none_reason);
	tls_steps_release(&t->steps);
	memset(t, 0, sizeof(*t));
}

int tls_trace_pods(struct tls_mesh *m, json_t *pods, json_t *service, int port,
		   const char *subset, struct tls_trace *out, struct strbuf *err)
{
	struct tls_trace t;
	json_t *pod;
	size_t i;

	memset(out, 0, sizeof(*out));
	json_array_foreach(pods, i, pod) {
		if (tls_trace_call(m, pod, service, port, subset, &t, err)) {
			if (i)
				tls_trace_release(out);
			return -1;
		}
		if (i && t.verdict <= out->verdict) {
			tls_trace_release(&t);
			continue;
		}
		if (i)
			tls_trace_release(out);
		*out = t;
	}
	return 0;
}

/* --- JSON (S10, D14 vocabulary) --- */

static json_t *owned_string(char *s)
{
	json_t *v = json_string(s);
	free(s);
	return v;
}

static json_t *ref_or_null(json_t *obj)
{
	return obj ? owned_string(tls_obj_ref(obj)) : json_null();
}

static json_t *endpoint_json(const struct tls_endpoint *e)
{
	json_t *pol = e->policy ? owned_string(tls_obj_ref(e->policy)) : json_null();
	return json_pack("{s:o, s:b, s:b, s:i, s:s, s:o, s:b, s:{s:s, s:s}, s:s, s:s, s:s?, s:s?, s:o}",
			 "pod", owned_string(tls_obj_ref(e->pod)), "sidecar",
			 e->proxy == TLS_PROXY_SIDECAR, "ambient", e->proxy == TLS_PROXY_AMBIENT,
			 "target_port", e->target_port, "mode", tls_smode_name(e->mode), "policy",
			 pol, "enforced", e->enforced, "client", "mode",
			 tls_cmode_name(e->client_mode), "source", e->client_source, "verdict",
			 tls_verdict_name(e->verdict), "reason", e->reason, "symptom", e->symptom,
			 "fix", e->fix, "steps", tls_steps_json(&e->steps));
}

json_t *tls_trace_json(const struct tls_trace *t)
{
	const struct tls_endpoint *w = t->nendpoints ? &t->endpoints[t->worst] : NULL;
	json_t *eps = json_array(), *client, *server;
	size_t i;

	for (i = 0; i < t->nendpoints; i++)
		json_array_append_new(eps, endpoint_json(&t->endpoints[i]));
	client = json_pack("{s:o, s:b, s:b}", "workload", owned_string(tls_obj_ref(t->client)),
			   "sidecar", t->client_proxy == TLS_PROXY_SIDECAR, "ambient",
			   t->client_proxy == TLS_PROXY_AMBIENT);
	json_object_set_new(client, "mode", w ? json_string(tls_cmode_name(w->client_mode)) : json_null());
	json_object_set_new(client, "source", w ? json_string(w->client_source) : json_null());
	server = json_pack("{s:o, s:i, s:o}", "service", owned_string(tls_obj_ref(t->service)),
			   "port", t->port, "endpoints", eps);
	json_object_set_new(server, "target_port", w ? json_integer(w->target_port) : json_null());
	json_object_set_new(server, "mode", w ? json_string(tls_smode_name(w->mode)) : json_null());
	json_object_set_new(server, "policy", w ? ref_or_null(w->policy) : json_null());
	if (t->subset)
		json_object_set_new(server, "subset", json_string(t->subset));
	return json_pack("{s:s, s:s, s:s?, s:s?, s:o, s:o, s:o}", "verdict",
			 tls_verdict_name(t->verdict), "reason", t->reason, "symptom", t->symptom,
			 "fix", t->fix, "client", client, "server", server, "steps",
			 tls_steps_json(&t->steps));
}

/* --- For mesh-authz --- */

static json_t *service_for(const struct tls_mesh *m, const struct tls_pod *sp, int target_port,
			   int *port)
{
	json_t *best = NULL;
	size_t i, j;

	for (i = 0; i < sp->ns->nsvcs; i++) {
		json_t *svc = sp->ns->svcs[i], *p;
		json_t *sel = obj_path(svc, "spec.selector");
		if (!tls_has_selector(sel) || !labels_contain(obj_labels(sp->obj), sel) ||
		    (best && strcmp(obj_name(svc), obj_name(best)) >= 0))
			continue;
		json_array_foreach(obj_path(svc, "spec.ports"), j, p)
			if (obj_target_port(p, sp->obj) == target_port) {
				best = svc;
				*port = (int)json_integer_value(json_object_get(p, "port"));
				break;
			}
	}
	(void)m;
	return best;
}

int tls_peer_has_identity(struct tls_mesh *m, json_t *client_pod, json_t *server_pod,
			  int target_port)
{
	struct tls_pod *cp = tls_pod_of(m, client_pod), *sp = tls_pod_of(m, server_pod);
	struct strbuf err = STRBUF_INIT;
	struct tls_trace t;
	int port = 0, yes = 0;
	json_t *svc;
	size_t i;

	if (!cp || !sp)
		return 0;
	svc = service_for(m, sp, target_port, &port);
	if (svc) {
		if (!tls_trace_call(m, client_pod, svc, port, NULL, &t, &err)) {
			for (i = 0; i < t.nendpoints; i++)
				if (t.endpoints[i].pod == server_pod &&
				    t.endpoints[i].target_port == target_port)
					yes = t.endpoints[i].verdict == TLS_MTLS &&
					      (t.endpoints[i].client_mode == TLS_CM_ISTIO_MUTUAL ||
					       t.endpoints[i].client_mode == TLS_CM_HBONE);
			tls_trace_release(&t);
		}
	} else {
		struct tls_client_ctx c = { 0 };
		struct tls_ep ep = { 0 };
		struct tls_decision d;

		c.pod = cp;
		c.port = target_port;
		c.proxy = cp->proxy;
		c.excluded = cp->proxy == TLS_PROXY_SIDECAR && tls_ports_has(&cp->excl_out, target_port);
		c.no_service = 1;
		ep.pod = sp;
		ep.target_port = target_port;
		ep.excluded = sp->proxy == TLS_PROXY_SIDECAR && tls_ports_has(&sp->excl_in, target_port);
		ep.mode = tls_server_mode(m, sp, target_port, 0, &ep.policy, NULL);
		tls_client_decide(m, &c, &ep, &d);
		yes = tls_case_verdict(tls_judge(&c, &ep, &d)) == TLS_MTLS &&
		      (d.mode == TLS_CM_ISTIO_MUTUAL || d.mode == TLS_CM_HBONE);
	}
	strbuf_release(&err);
	return yes;
}
