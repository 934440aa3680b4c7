/* SPDX-License-Identifier: Apache-2.0 */
/* The verdict matrix (section 8), the wire symptoms (W1-W5) and the smallest fix. */
#include "mesh/tls_priv.h"
#include "labels.h"
#include "xalloc.h"

#include <string.h>

enum enforcer { BY_APP, BY_SIDECAR, BY_ZTUNNEL };

static enum enforcer enforcer_of(const struct tls_ep *ep)
{
	if (ep->pod->proxy == TLS_PROXY_SIDECAR)
		return ep->excluded ? BY_APP : BY_SIDECAR;
	return ep->pod->proxy == TLS_PROXY_AMBIENT ? BY_ZTUNNEL : BY_APP;
}

static int is_plain(enum tls_cmode m)
{
	return m == TLS_CM_DISABLE || m == TLS_CM_PLAINTEXT_NO_SIDECAR;
}

static enum tls_case judge_sidecar(const struct tls_client_ctx *c, const struct tls_ep *ep,
				   const struct tls_decision *d)
{
	int from_sidecar = d->mode == TLS_CM_DISABLE && d->cause != TLS_CAUSE_ZTUNNEL;

	if (d->mode == TLS_CM_ISTIO_MUTUAL)
		return ep->mode == TLS_SM_DISABLE ? TLS_C_MTLS_DISABLE : TLS_C_MTLS;
	if (is_plain(d->mode)) {
		if (ep->mode != TLS_SM_STRICT)
			return TLS_C_PLAIN_ACCEPTED;
		return from_sidecar ? TLS_C_PLAIN_STRICT_SIDECAR : TLS_C_PLAIN_STRICT_RAW;
	}
	if (ep->mode == TLS_SM_STRICT)
		return TLS_C_TLS_STRICT;
	if (!c->http)
		return TLS_C_APP_TLS;
	return ep->mode == TLS_SM_DISABLE ? TLS_C_TLS_HTTP_DISABLE : TLS_C_TLS_HTTP_PERMISSIVE;
}

enum tls_case tls_judge(const struct tls_client_ctx *c, const struct tls_ep *ep,
			const struct tls_decision *d)
{
	if (d->mode == TLS_CM_HBONE)
		return TLS_C_HBONE;
	switch (enforcer_of(ep)) {
	case BY_SIDECAR:
		return judge_sidecar(c, ep, d);
	case BY_ZTUNNEL:
		if (is_plain(d->mode))
			return ep->mode == TLS_SM_STRICT ? TLS_C_PLAIN_AMBIENT_STRICT :
							   TLS_C_PLAIN_ACCEPTED;
		return d->mode == TLS_CM_ISTIO_MUTUAL ? TLS_C_MTLS_NO_PROXY : TLS_C_APP_TLS;
	default:
		if (is_plain(d->mode))
			return TLS_C_PLAIN_APP;
		if (d->mode == TLS_CM_ISTIO_MUTUAL)
			return TLS_C_MTLS_NO_PROXY;
		return c->http ? TLS_C_TLS_PLAIN_APP : TLS_C_APP_TLS;
	}
}

enum tls_verdict tls_case_verdict(enum tls_case k)
{
	switch (k) {
	case TLS_C_MTLS:
	case TLS_C_HBONE:
		return TLS_MTLS;
	case TLS_C_PLAIN_APP:
	case TLS_C_PLAIN_ACCEPTED:
	case TLS_C_APP_TLS:
		return TLS_PLAINTEXT;
	default:
		return TLS_BROKEN;
	}
}

/* --- Words --- */

struct words {
	const struct tls_mesh *m;
	const struct tls_client_ctx *c;
	json_t *svc;
	const struct tls_ep *ep;
	const struct tls_decision *d;
	char *client, *server, *policy, *dr, *host, *sel, *why;
};

static void words_init(struct words *w)
{
	const struct tls_ep *ep = w->ep;
	json_t *sel = obj_path(w->svc, "spec.selector");

	w->client = tls_obj_ref(w->c->pod->obj);
	w->server = tls_obj_ref(ep->pod->obj);
	w->policy = ep->policy ? xasprintf("%s/%s", ep->policy->ns, ep->policy->name) :
				 xstrdup("the default");
	w->dr = w->d->dr ? xasprintf("%s/%s", w->d->dr->ns, w->d->dr->name) : xstrdup("-");
	w->host = w->svc ? tls_service_host(w->svc) : xstrdup(ep->pod->name);
	w->sel = tls_has_selector(sel) ? labels_text(sel) : labels_text(obj_labels(ep->pod->obj));
	{
		char *why = tls_cause_text(w->c, ep, w->d);
		w->why = xasprintf("%s (%s)", why, tls_cause_rule(ep, w->d));
		free(why);
	}
}

static void words_release(struct words *w)
{
	free(w->client);
	free(w->server);
	free(w->policy);
	free(w->dr);
	free(w->host);
	free(w->sel);
	free(w->why);
}

static char *reason(const struct words *w, enum tls_case k)
{
	const struct tls_ep *ep = w->ep;
	const char *sm = tls_smode_name(ep->mode), *cm = tls_cmode_name(w->d->mode);
	const char *noproxy = ep->excluded ?
		"excludes the target port from its sidecar (H4)" : "has no sidecar";

	switch (k) {
	case TLS_C_MTLS:
		return xasprintf("%s sends Istio mTLS: %s; the sidecar of %s accepts it (%s from %s, %s)",
				 w->client, w->why, w->server, sm, w->policy,
				 ep->mode == TLS_SM_STRICT ? "W1" : "W2");
	case TLS_C_HBONE:
		return xasprintf("%s reaches %s over HBONE, which is mTLS: %s", w->client, w->server,
				 w->why);
	case TLS_C_PLAIN_APP:
		return xasprintf("%s sends plaintext: %s; %s %s, so its computed mode %s (%s) is not enforced (S11)",
				 w->client, w->why, w->server, ep->excluded ? noproxy : "has no proxy",
				 sm, w->policy);
	case TLS_C_PLAIN_ACCEPTED:
		return xasprintf("%s sends plaintext: %s; %s accepts it in %s mode (%s, %s)", w->client,
				 w->why, w->server, sm, w->policy,
				 ep->pod->proxy == TLS_PROXY_AMBIENT ? "M2" :
				 ep->mode == TLS_SM_DISABLE	     ? "W3" : "W2");
	case TLS_C_APP_TLS:
		return xasprintf("%s originates %s TLS, not Istio mTLS: %s; it reaches the application of %s on port %d, which must serve TLS (W2)",
				 w->client, cm, w->why, w->server, ep->target_port);
	case TLS_C_PLAIN_STRICT_SIDECAR:
	case TLS_C_PLAIN_STRICT_RAW:
		return xasprintf("%s sends plaintext: %s; %s requires mTLS on port %d: STRICT from %s (W1)",
				 w->client, w->why, w->server, ep->target_port, w->policy);
	case TLS_C_PLAIN_AMBIENT_STRICT:
		return xasprintf("%s sends plaintext: %s; the ztunnel of %s enforces STRICT from %s (M2)",
				 w->client, w->why, w->server, w->policy);
	case TLS_C_MTLS_NO_PROXY:
		return xasprintf("%s sends Istio mTLS: %s; %s %s to terminate it", w->client, w->why,
				 w->server, noproxy);
	case TLS_C_MTLS_DISABLE:
		return xasprintf("%s sends Istio mTLS: %s; the sidecar of %s runs DISABLE on port %d from %s (W3)",
				 w->client, w->why, w->server, ep->target_port, w->policy);
	case TLS_C_TLS_STRICT:
		return xasprintf("%s originates %s TLS without the mesh certificate: %s; %s requires Istio mTLS: STRICT from %s (W1)",
				 w->client, cm, w->why, w->server, w->policy);
	case TLS_C_TLS_HTTP_PERMISSIVE:
		return xasprintf("%s originates %s TLS: %s; on an HTTP port the PERMISSIVE sidecar of %s has no chain for TLS that is not Istio's (W2)",
				 w->client, cm, w->why, w->server);
	case TLS_C_TLS_HTTP_DISABLE:
		return xasprintf("%s originates %s TLS: %s; on an HTTP port the DISABLE sidecar of %s parses the ClientHello as HTTP (W3)",
				 w->client, cm, w->why, w->server);
	default:
		return xasprintf("%s originates %s TLS: %s; the application of %s serves plain HTTP on port %d",
				 w->client, cm, w->why, w->server, ep->target_port);
	}
}

#define RESET_503 "HTTP 503 \"upstream connect error or disconnect/reset before headers. reset reason: "
#define NO_STATUS "connection reset/closed, no HTTP status"

static char *symptom(const struct words *w, enum tls_case k)
{
	int http = w->c->http;

	switch (k) {
	case TLS_C_PLAIN_STRICT_SIDECAR:
		return xstrdup(http ? RESET_503 "connection termination\" (client flags UC, URX after retries); the server sidecar logs NR filter_chain_not_found" :
				      NO_STATUS "; the server sidecar logs NR filter_chain_not_found");
	case TLS_C_PLAIN_STRICT_RAW:
		return xstrdup("TCP reset / EOF: curl prints status 000 and exits 56 (\"Recv failure: Connection reset by peer\"); the server sidecar logs NR filter_chain_not_found");
	case TLS_C_PLAIN_AMBIENT_STRICT:
		return xstrdup("connection reset by the destination ztunnel, which logs a policy rejection of a non-HBONE connection");
	case TLS_C_MTLS_NO_PROXY:
		return xstrdup(http ? RESET_503 "connection failure, transport failure reason: TLS error: ... WRONG_VERSION_NUMBER\" (client flags UF,URX); the application may log a 400 or a garbage request" :
				      NO_STATUS " (TLS error WRONG_VERSION_NUMBER, client flags UF,URX); the application receives TLS bytes");
	case TLS_C_MTLS_DISABLE:
		return xstrdup(http ? RESET_503 "connection failure, transport failure reason: TLS error: ... WRONG_VERSION_NUMBER\" (client flags UF,URX); the server sidecar logs 400 with flag DPE" :
				      NO_STATUS "; the server sidecar hands the TLS bytes to the application");
	case TLS_C_TLS_STRICT:
		return xstrdup(http ? "HTTP 503 with a TLS handshake failure (certificate required); the server's inbound chain logs a handshake failure" :
				      NO_STATUS ": TLS handshake failure (certificate required) on the server's inbound chain");
	case TLS_C_TLS_HTTP_PERMISSIVE:
		return xstrdup(RESET_503 "connection termination\"; the server sidecar logs NR filter_chain_not_found");
	case TLS_C_TLS_HTTP_DISABLE:
		return xstrdup("the server sidecar answers 400 with flag DPE: its HTTP codec cannot parse a TLS ClientHello");
	case TLS_C_TLS_PLAIN_APP:
		return xstrdup("HTTP 503 from the client sidecar (TLS handshake failure); the application may log a 400 or a garbage request");
	default:
		return NULL;
	}
}

/* How to make the client side send mTLS, by cause. */
static char *client_fix(const struct words *w)
{
	const struct tls_decision *d = w->d;
	const struct tls_pod *s = w->ep->pod;

	switch (d->cause) {
	case TLS_CAUSE_NO_PROXY:
		return xasprintf("inject a sidecar into %s (label namespace %s istio-injection=enabled and restart the pod)",
				 w->client, w->c->pod->ns->name);
	case TLS_CAUSE_EXCLUDED:
		return xasprintf("remove %d from traffic.sidecar.istio.io/excludeOutboundPorts on %s",
				 w->c->port, w->client);
	case TLS_CAUSE_ZTUNNEL:
		return xasprintf("label the pods of %s networking.istio.io/tunnel=http (an HBONE-capable sidecar)",
				 w->server);
	case TLS_CAUSE_DR:
		return xasprintf("remove tls.mode %s from DestinationRule %s (auto mTLS then decides) or set it to ISTIO_MUTUAL",
				 tls_cmode_name(d->mode), w->dr);
	case TLS_CAUSE_DR_CRED:
		return xasprintf("add a workloadSelector to DestinationRule %s, or use tls.mode ISTIO_MUTUAL",
				 w->dr);
	case TLS_CAUSE_AUTO_OFF:
		return xasprintf("add a DestinationRule for %s with tls.mode ISTIO_MUTUAL, or set enableAutoMtls: true",
				 w->host);
	case TLS_CAUSE_GATE:
		return xasprintf("add a DestinationRule for %s with tls.mode ISTIO_MUTUAL, or do not use DISABLE at namespace/mesh level (istio/istio#56084)",
				 w->host);
	case TLS_CAUSE_HEADLESS:
		return xasprintf("give every endpoint of the headless service a sidecar, or add a DestinationRule for %s with tls.mode ISTIO_MUTUAL",
				 w->host);
	case TLS_CAUSE_META:
		return xasprintf("set tls explicitly in the portLevelSettings entry for port %d of DestinationRule %s",
				 w->c->port, w->dr);
	case TLS_CAUSE_LABEL:
		if (s->proxy != TLS_PROXY_SIDECAR)
			return xasprintf("inject a sidecar into %s", w->server);
		return xasprintf("remove the label security.istio.io/tlsMode=%s from %s (the injector then sets istio)",
				 s->tls_label ? s->tls_label : "", w->server);
	case TLS_CAUSE_EP_DISABLE:
		return xasprintf("set PERMISSIVE or STRICT instead of DISABLE in PeerAuthentication %s",
				 w->policy);
	default:
		return xasprintf("call %s through a Service", w->server);
	}
}

static char *relax_server(const struct words *w, const char *lead)
{
	return xasprintf("%s, or let port %d accept plaintext: a PeerAuthentication in %s selecting %s with portLevelMtls %d: PERMISSIVE",
			 lead, w->ep->target_port, w->ep->pod->ns->name, w->sel, w->ep->target_port);
}

static char *mtls_to_plain_fix(const struct words *w)
{
	const struct tls_ep *ep = w->ep;

	if (ep->excluded)
		return xasprintf("remove %d from traffic.sidecar.istio.io/excludeInboundPorts on %s, or set tls.mode DISABLE for port %d in a DestinationRule for %s",
				 ep->target_port, w->server, w->c->port, w->host);
	if (w->d->cause == TLS_CAUSE_DR)
		return xasprintf("remove tls.mode ISTIO_MUTUAL from DestinationRule %s (auto mTLS then sends plaintext to pods without a sidecar), or inject a sidecar into %s",
				 w->dr, w->server);
	return xasprintf("remove the label security.istio.io/tlsMode=istio from %s: it has no sidecar (H3)",
			 w->server);
}

static char *fix(const struct words *w, enum tls_case k)
{
	char *lead, *out;

	switch (k) {
	case TLS_C_MTLS:
	case TLS_C_HBONE:
		return NULL;
	case TLS_C_PLAIN_APP:
		if (w->ep->excluded)
			return xasprintf("for mTLS: remove %d from traffic.sidecar.istio.io/excludeInboundPorts on %s",
					 w->ep->target_port, w->server);
		return xasprintf("for mTLS: inject a sidecar into %s", w->server);
	case TLS_C_PLAIN_ACCEPTED:
		lead = client_fix(w);
		out = xasprintf("for mTLS: %s", lead);
		free(lead);
		return out;
	case TLS_C_APP_TLS:
	case TLS_C_TLS_STRICT:
	case TLS_C_TLS_HTTP_PERMISSIVE:
	case TLS_C_TLS_HTTP_DISABLE:
		return xasprintf("%suse tls.mode ISTIO_MUTUAL in DestinationRule %s for port %d (the sidecar's own certificates)",
				 k == TLS_C_APP_TLS ? "for Istio mTLS: " : "", w->dr, w->c->port);
	case TLS_C_TLS_PLAIN_APP:
		return xasprintf("remove tls.mode %s from DestinationRule %s: the application serves plaintext",
				 tls_cmode_name(w->d->mode), w->dr);
	case TLS_C_PLAIN_STRICT_SIDECAR:
	case TLS_C_PLAIN_STRICT_RAW:
	case TLS_C_PLAIN_AMBIENT_STRICT:
		lead = client_fix(w);
		out = relax_server(w, lead);
		free(lead);
		return out;
	case TLS_C_MTLS_NO_PROXY:
		return mtls_to_plain_fix(w);
	default:
		if (w->d->cause == TLS_CAUSE_DR)
			return xasprintf("remove tls.mode ISTIO_MUTUAL from DestinationRule %s, or set PERMISSIVE instead of DISABLE in PeerAuthentication %s",
					 w->dr, w->policy);
		return xasprintf("set PERMISSIVE instead of DISABLE in PeerAuthentication %s", w->policy);
	}
}

void tls_explain(const struct tls_mesh *m, const struct tls_client_ctx *c, json_t *svc,
		 const struct tls_ep *ep, const struct tls_decision *d, enum tls_case k,
		 struct tls_endpoint *e)
{
	struct words w = { m, c, svc, ep, d, NULL, NULL, NULL, NULL, NULL, NULL, NULL };

	words_init(&w);
	e->reason = reason(&w, k);
	e->symptom = symptom(&w, k);
	e->fix = fix(&w, k);
	words_release(&w);
}
