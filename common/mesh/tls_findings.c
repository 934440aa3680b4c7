/* SPDX-License-Identifier: Apache-2.0 */
/* Policy mistakes that check reports: misplaced, ignored and duplicate policies; injection drift. */
#include "mesh/tls_priv.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* "deploy/billing.legacy" from the pod's controller (ReplicaSet names carry the template hash). */
char *tls_workload_name(const struct tls_pod *p)
{
	json_t *refs = obj_path(p->obj, "metadata.ownerReferences"), *r, *owner = NULL;
	const char *hash = obj_label(p->obj, "pod-template-hash"), *kind, *name;
	size_t i, len;

	json_array_foreach(refs, i, r)
		if (!owner || json_is_true(json_object_get(r, "controller")))
			owner = r;
	kind = json_string_value(json_object_get(owner, "kind"));
	name = json_string_value(json_object_get(owner, "name"));
	if (!kind || !name)
		return xasprintf("pod/%s.%s", p->name, p->ns->name);
	len = strlen(name);
	if (!strcmp(kind, "ReplicaSet") && hash && strrchr(name, '-') && strrchr(name, '-') != name)
		len = (size_t)(strrchr(name, '-') - name); /* "<deployment>-<pod-template-hash>" */
	if (len < strlen(name))
		return xasprintf("deploy/%.*s.%s", (int)len, name, p->ns->name);
	if (!strcmp(kind, "StatefulSet"))
		return xasprintf("sts/%s.%s", name, p->ns->name);
	if (!strcmp(kind, "DaemonSet"))
		return xasprintf("ds/%s.%s", name, p->ns->name);
	if (!strcmp(kind, "ReplicaSet"))
		return xasprintf("rs/%s.%s", name, p->ns->name);
	if (!strcmp(kind, "Job"))
		return xasprintf("job/%s.%s", name, p->ns->name);
	return xasprintf("pod/%s.%s", p->name, p->ns->name);
}

static int in_scope(const char *ns, const char *scope)
{
	return !scope || !strcmp(ns, scope);
}

static void add(json_t *out, const char *rule, const char *object, char *message)
{
	json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "rule", rule, "object", object,
					     "message", message));
	free(message);
}

static void add_pa(json_t *out, const char *rule, const struct tls_pa *pa, char *message)
{
	char *obj = xasprintf("PeerAuthentication %s/%s", pa->ns, pa->name);
	add(out, rule, obj, message);
	free(obj);
}

/* S1: a selector-less policy in a control-plane namespace that is not the root. */
static int control_plane_ns(const struct tls_ns *ns)
{
	size_t i;
	if (!strcmp(ns->name, "istio-system"))
		return 1;
	for (i = 0; i < ns->npods; i++) {
		const char *app = obj_label(ns->pods[i]->obj, "app");
		if (app && !strcmp(app, "istiod"))
			return 1;
	}
	return 0;
}

static void duplicates(json_t *out, const char *level, const struct tls_pa *const *v, size_t n)
{
	size_t i;
	for (i = 1; i < n; i++)
		add_pa(out, "S5", v[i],
		       xasprintf("two %s policies: this one is ignored, %s/%s %s and wins", level,
				 v[0]->ns, v[0]->name,
				 v[0]->created < v[i]->created ? "is older" :
								 "has the same age and a name that sorts first"));
}

static void pa_findings(const struct tls_mesh *m, const struct tls_pa *pa, json_t *out)
{
	const struct tls_ns *ns = tls_ns_get(m, pa->ns);

	if (pa->level == TLS_PA_NAMESPACE && control_plane_ns(ns))
		add_pa(out, "S1", pa,
		       xasprintf("looks mesh-wide but the root namespace is %s: it applies to namespace %s only",
				 m->root, pa->ns));
	if (pa->has_port_map && (pa->level == TLS_PA_MESH || pa->level == TLS_PA_NAMESPACE))
		add_pa(out, "S8", pa,
		       xstrdup("portLevelMtls without a selector is ignored (the API server rejects it)"));
	if (pa->level == TLS_PA_IGNORED)
		add_pa(out, "S3", pa,
		       xstrdup("a policy with a selector in the root namespace selects nothing"));
}

void tls_policy_findings(const struct tls_mesh *m, const char *scope, json_t *out)
{
	size_t i;

	for (i = 0; i < m->npas; i++)
		if (in_scope(m->pas[i].ns, scope))
			pa_findings(m, &m->pas[i], out);
	if (in_scope(m->root, scope))
		duplicates(out, "mesh-level", m->mesh_pas, m->nmesh_pas);
	for (i = 0; i < m->nns; i++)
		if (in_scope(m->nss[i].name, scope))
			duplicates(out, "namespace-level", m->nss[i].ns_pas, m->nss[i].nns_pas);
}

/* H2: what the injection webhook would do for this pod today; NULL when it would not inject. */
static const char *predicted(const struct tls_pod *p)
{
	json_t *ns = p->ns->obj;
	const char *label = obj_label(p->obj, "sidecar.istio.io/inject");
	const char *ann = obj_annotation(p->obj, "sidecar.istio.io/inject");
	const char *inj = ns ? obj_label(ns, "istio-injection") : NULL;
	const char *explicit = label ? label : ann;

	if (p->host_network || (explicit && !strcmp(explicit, "false")))
		return NULL;
	if (inj)
		return !strcmp(inj, "enabled") ? "namespace label istio-injection=enabled" : NULL;
	if (ns && obj_label(ns, "istio.io/rev"))
		return "namespace label istio.io/rev";
	if (obj_label(p->obj, "istio.io/rev"))
		return "pod label istio.io/rev";
	if (label && !strcmp(label, "true"))
		return "pod label sidecar.istio.io/inject=true";
	return NULL;
}

void tls_injection_findings(const struct tls_mesh *m, const char *scope, json_t *out)
{
	json_t *seen = json_object();
	size_t i;

	for (i = 0; i < m->npods; i++) {
		const struct tls_pod *p = &m->pods[i];
		const char *why = predicted(p);
		int sidecar = p->proxy == TLS_PROXY_SIDECAR;
		char *wl;

		if (p->terminal || !in_scope(p->ns->name, scope) || !why == !sidecar ||
		    (!sidecar && p->proxy == TLS_PROXY_AMBIENT))
			continue;
		wl = tls_workload_name(p);
		if (!json_object_get(seen, wl)) {
			json_object_set_new(seen, wl, json_true());
			if (why)
				add(out, "H2", wl,
				    xasprintf("%s asks for a sidecar but pod %s/%s runs without one (created before the label?): restart it",
					      why, p->ns->name, p->name));
			else
				add(out, "H2", wl,
				    xasprintf("pod %s/%s runs a sidecar but no injection label asks for one (manual injection, or a removed label): new pods will start without it",
					      p->ns->name, p->name));
		}
		free(wl);
	}
	json_decref(seen);
}
