/* SPDX-License-Identifier: Apache-2.0 */
/* What the client path sends to one endpoint: sidecar, auto mTLS, ztunnel or nothing (A, H, M rules). */
#include "mesh/tls_priv.h"
#include "xalloc.h"

#include <string.h>

static void set(struct tls_decision *d, enum tls_cmode mode, enum tls_cause cause,
		const struct tls_dr *dr)
{
	d->mode = mode;
	d->cause = cause;
	d->dr = dr;
}

/* M3, M5, M6: ztunnel on the client side. */
static void decide_ambient(const struct tls_ep *ep, struct tls_decision *d)
{
	const struct tls_pod *s = ep->pod;
	int hbone = s->proxy == TLS_PROXY_AMBIENT || (s->proxy == TLS_PROXY_SIDECAR && s->tunnel);
	set(d, hbone ? TLS_CM_HBONE : TLS_CM_DISABLE, TLS_CAUSE_ZTUNNEL, NULL);
}

/* A2-A5, D12: a sidecar with no DestinationRule tls for this port. */
static void decide_auto(const struct tls_mesh *m, const struct tls_client_ctx *c,
			const struct tls_ep *ep, struct tls_decision *d)
{
	const struct tls_client_tls *ct = &c->ct;

	if (!m->auto_mtls)
		set(d, TLS_CM_DISABLE, TLS_CAUSE_AUTO_OFF, NULL);
	else if (c->gate == TLS_SM_DISABLE)
		set(d, TLS_CM_DISABLE, TLS_CAUSE_GATE, NULL);
	else if (c->headless)
		set(d, c->headless_all_istio ? TLS_CM_ISTIO_MUTUAL : TLS_CM_DISABLE,
		    TLS_CAUSE_HEADLESS, NULL);
	else if (ct->meta_set && ct->meta_mode != TLS_CM_ISTIO_MUTUAL)
		set(d, TLS_CM_DISABLE, TLS_CAUSE_META, ct->meta_from);
	else if (!ep->pod->istio_label)
		set(d, TLS_CM_DISABLE, TLS_CAUSE_LABEL, NULL);
	else if (!ct->meta_set && ep->mode == TLS_SM_DISABLE)
		set(d, TLS_CM_DISABLE, TLS_CAUSE_EP_DISABLE, NULL);
	else
		set(d, TLS_CM_ISTIO_MUTUAL, TLS_CAUSE_AUTO, NULL);
}

void tls_client_decide(const struct tls_mesh *m, const struct tls_client_ctx *c,
		       const struct tls_ep *ep, struct tls_decision *d)
{
	const struct tls_client_tls *ct = &c->ct;

	memset(d, 0, sizeof(*d));
	if (c->proxy == TLS_PROXY_NONE)
		set(d, TLS_CM_PLAINTEXT_NO_SIDECAR, TLS_CAUSE_NO_PROXY, NULL);
	else if (c->excluded)
		set(d, TLS_CM_PLAINTEXT_NO_SIDECAR, TLS_CAUSE_EXCLUDED, NULL);
	else if (c->proxy == TLS_PROXY_AMBIENT)
		decide_ambient(ep, d);
	else if (ep->pod->proxy == TLS_PROXY_AMBIENT)
		set(d, TLS_CM_HBONE, TLS_CAUSE_HBONE, ct->tls.set ? ct->tls_from : NULL);
	else if (c->no_service)
		set(d, TLS_CM_DISABLE, TLS_CAUSE_PASSTHROUGH, NULL);
	else if (ct->tls.set && ct->cred_ignored)
		set(d, TLS_CM_DISABLE, TLS_CAUSE_DR_CRED, ct->tls_from);
	else if (ct->tls.set)
		set(d, ct->tls.mode, TLS_CAUSE_DR, ct->tls_from);
	else
		decide_auto(m, c, ep, d);
}

char *tls_client_source(const struct tls_mesh *m, const struct tls_decision *d)
{
	switch (d->cause) {
	case TLS_CAUSE_NO_PROXY:
	case TLS_CAUSE_EXCLUDED:
		return xstrdup("no-sidecar");
	case TLS_CAUSE_ZTUNNEL:
		return xstrdup("ztunnel");
	case TLS_CAUSE_AUTO_OFF:
	case TLS_CAUSE_PASSTHROUGH:
		return xstrdup("none");
	case TLS_CAUSE_DR:
	case TLS_CAUSE_DR_CRED:
	case TLS_CAUSE_META:
		return xasprintf("dr %s/%s", d->dr->ns, d->dr->name);
	case TLS_CAUSE_HBONE:
		if (d->dr)
			return xasprintf("dr %s/%s", d->dr->ns, d->dr->name);
		return xstrdup(m->auto_mtls ? "auto-mtls" : "none");
	default:
		return xstrdup("auto-mtls");
	}
}

static char *dr_ref(const struct tls_decision *d)
{
	return d->dr ? xasprintf("DestinationRule %s/%s", d->dr->ns, d->dr->name) :
		       xstrdup("no DestinationRule");
}

static const char *ztunnel_text(const struct tls_ep *ep, const struct tls_decision *d)
{
	if (d->mode == TLS_CM_HBONE)
		return ep->pod->proxy == TLS_PROXY_AMBIENT ?
			       "ztunnel to ztunnel is always HBONE" :
			       "the server sidecar takes HBONE (networking.istio.io/tunnel=http)";
	if (ep->pod->proxy == TLS_PROXY_SIDECAR)
		return "ztunnel sends plaintext to a sidecar without networking.istio.io/tunnel=http";
	return "ztunnel sends plaintext to a destination outside the mesh";
}

const char *tls_cause_rule(const struct tls_ep *ep, const struct tls_decision *d)
{
	switch (d->cause) {
	case TLS_CAUSE_NO_PROXY:
		return "H1, M1";
	case TLS_CAUSE_EXCLUDED:
		return "H4";
	case TLS_CAUSE_ZTUNNEL:
		if (d->mode == TLS_CM_HBONE)
			return ep->pod->proxy == TLS_PROXY_AMBIENT ? "M3" : "M5, W4";
		return ep->pod->proxy == TLS_PROXY_SIDECAR ? "M5" : "M6";
	case TLS_CAUSE_DR:
		return "A1";
	case TLS_CAUSE_DR_CRED:
		return "D15";
	case TLS_CAUSE_AUTO_OFF:
		return "A2, H6";
	case TLS_CAUSE_GATE:
		return "A3";
	case TLS_CAUSE_HEADLESS:
		return "A5";
	case TLS_CAUSE_META:
		return "D12";
	case TLS_CAUSE_LABEL:
		return "A4, H3";
	case TLS_CAUSE_EP_DISABLE:
		return "A4";
	case TLS_CAUSE_HBONE:
		return "M4";
	case TLS_CAUSE_PASSTHROUGH:
		return "P3";
	default:
		return "A4, H3";
	}
}

static char *label_text(const struct tls_pod *p)
{
	if (!p->tls_label)
		return xstrdup("auto mTLS: the server pod has no security.istio.io/tlsMode label");
	return xasprintf("auto mTLS: the server pod's label security.istio.io/tlsMode is \"%s\", not istio",
			 p->tls_label);
}

static char *policy_text(const char *fmt, const struct tls_pa *pa)
{
	return xasprintf(fmt, pa ? pa->ns : "-", pa ? pa->name : "-");
}

char *tls_cause_text(const struct tls_client_ctx *c, const struct tls_ep *ep,
		     const struct tls_decision *d)
{
	char *ref = dr_ref(d), *out;
	int inner = d->dr && c->ct.tls.set &&
		    (c->ct.tls.mode == TLS_CM_SIMPLE || c->ct.tls.mode == TLS_CM_MUTUAL);

	switch (d->cause) {
	case TLS_CAUSE_NO_PROXY:
		out = xstrdup("the client has no sidecar and is not in ambient");
		break;
	case TLS_CAUSE_EXCLUDED:
		out = xasprintf("port %d is in the client's traffic.sidecar.istio.io/excludeOutboundPorts",
				c->port);
		break;
	case TLS_CAUSE_ZTUNNEL:
		out = xstrdup(ztunnel_text(ep, d));
		break;
	case TLS_CAUSE_DR:
		out = xasprintf("tls %s in %s wins over auto mTLS", tls_cmode_name(d->mode), ref);
		break;
	case TLS_CAUSE_DR_CRED:
		out = xasprintf("%s sets credentialName without workloadSelector: no TLS is built",
				ref);
		break;
	case TLS_CAUSE_AUTO_OFF:
		out = xstrdup("no DestinationRule tls and enableAutoMtls is false");
		break;
	case TLS_CAUSE_GATE:
		out = policy_text("auto mTLS sees mode DISABLE at namespace/mesh level (%s/%s) for the whole service",
				  c->gate_policy);
		break;
	case TLS_CAUSE_HEADLESS:
		out = xstrdup(d->mode == TLS_CM_ISTIO_MUTUAL ?
				      "headless service: every endpoint is labelled tlsMode=istio" :
				      "headless service with no endpoint or one not labelled tlsMode=istio: plaintext to all");
		break;
	case TLS_CAUSE_META:
		out = xasprintf("endpoint metadata reads tls %s from %s", tls_cmode_name(c->ct.meta_mode),
				ref);
		break;
	case TLS_CAUSE_LABEL:
		out = label_text(ep->pod);
		break;
	case TLS_CAUSE_EP_DISABLE:
		out = policy_text("auto mTLS: the endpoint's own mode is DISABLE (%s/%s)", ep->policy);
		break;
	case TLS_CAUSE_HBONE:
		out = xstrdup(inner ? "the sidecar tunnels to an ambient endpoint, the rule's TLS inside (assuming an ambient-enabled control plane)" :
				      "the sidecar tunnels to an ambient endpoint (assuming an ambient-enabled control plane)");
		break;
	case TLS_CAUSE_PASSTHROUGH:
		out = xstrdup("no Service forwards to this port: the sidecar passes the pod IP call through");
		break;
	default:
		out = xstrdup("auto mTLS: the server pod is labelled tlsMode=istio and its mode is not DISABLE");
		break;
	}
	free(ref);
	return out;
}

void tls_client_step(const struct tls_client_ctx *c, const struct tls_ep *ep,
		     const struct tls_decision *d, struct tls_steps *steps)
{
	char *why = tls_cause_text(c, ep, d);
	char *obj = d->dr ? tls_obj_ref(d->dr->obj) : tls_obj_ref(c->pod->obj);

	tls_step_add(steps, "client", "mode", obj, tls_cause_rule(ep, d), "%s: %s",
		     tls_cmode_name(d->mode), why);
	free(obj);
	free(why);
}
