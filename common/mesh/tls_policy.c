/* SPDX-License-Identifier: Apache-2.0 */
/* PeerAuthentication: validation, levels and the server mode of a workload port (S1-S12). */
#include "mesh/tls_priv.h"
#include "labels.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

void tls_warn_unknown(struct strbuf *warn, const char *who, const char *path, json_t *obj,
		      const char *const *known)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		const char *const *k;
		for (k = known; *k && strcmp(*k, key); k++)
			;
		if (!*k)
			strbuf_addf(warn, "%s: unknown field \"%s.%s\"\n", who, path, key);
	}
}

/* 1 when labels is absent or an object of strings. */
static int labels_valid(json_t *labels)
{
	const char *k;
	json_t *v;

	if (!labels || json_is_null(labels))
		return 1;
	if (!json_is_object(labels))
		return 0;
	json_object_foreach(labels, k, v)
		if (!json_is_string(v))
			return 0;
	return 1;
}

static int parse_smode(json_t *mtls, enum tls_smode *out, const char *who, const char *where,
		       struct strbuf *err)
{
	static const char *const names[] = { "UNSET", "PERMISSIVE", "STRICT", "DISABLE" };
	json_t *mode = json_object_get(mtls, "mode");
	size_t i;

	*out = TLS_SM_UNSET;
	if (!mode || json_is_null(mode))
		return 0;
	if (!json_is_string(mode)) {
		strbuf_setf(err, "%s: mtls mode%s must be a string", who, where);
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(json_string_value(mode), names[i])) {
			*out = (enum tls_smode)i;
			return 0;
		}
	strbuf_setf(err, "%s: unknown mtls mode \"%s\"%s", who, json_string_value(mode), where);
	return -1;
}

static int parse_port_key(const char *key)
{
	char *end;
	long v = strtol(key, &end, 10);
	return (*key && !*end && v > 0 && v < 65536) ? (int)v : -1;
}

static int parse_port_map(struct tls_pa *pa, json_t *map, const char *who, struct strbuf *warn,
			  struct strbuf *err)
{
	static const char *const known[] = { "mode", NULL };
	const char *key;
	json_t *v;

	if (!map || json_is_null(map))
		return 0;
	if (!json_is_object(map)) {
		strbuf_setf(err, "%s: portLevelMtls must be a map of ports", who);
		return -1;
	}
	pa->has_port_map = 1;
	pa->ports = xcalloc(json_object_size(map) + 1, sizeof(*pa->ports));
	json_object_foreach(map, key, v) {
		struct tls_port_mode *pm = &pa->ports[pa->nports];
		char *where;
		int r;

		pm->port = parse_port_key(key);
		if (pm->port < 0) {
			strbuf_setf(err, "%s: portLevelMtls key \"%s\" is not a port number", who, key);
			return -1;
		}
		if (!json_is_object(v) && !json_is_null(v)) {
			strbuf_setf(err, "%s: portLevelMtls %s must be an object", who, key);
			return -1;
		}
		where = xasprintf(" for port %s", key);
		r = parse_smode(v, &pm->mode, who, where, err);
		free(where);
		if (r)
			return -1;
		if (json_is_object(v)) {
			char *path = xasprintf("spec.portLevelMtls.%s", key);
			tls_warn_unknown(warn, who, path, v, known);
			free(path);
		}
		pa->nports++;
	}
	return 0;
}

int tls_parse_selector(json_t *sel, const char *field, const char *who, json_t **out,
		       struct strbuf *warn, struct strbuf *err)
{
	static const char *const known[] = { "matchLabels", NULL };
	char path[64];
	json_t *ml;

	*out = NULL;
	if (!sel || json_is_null(sel))
		return 0;
	if (!json_is_object(sel)) {
		strbuf_setf(err, "%s: %s must be an object", who, field);
		return -1;
	}
	snprintf(path, sizeof(path), "spec.%s", field);
	tls_warn_unknown(warn, who, path, sel, known);
	ml = json_object_get(sel, "matchLabels");
	if (!labels_valid(ml)) {
		strbuf_setf(err, "%s: %s.matchLabels must map strings to strings", who, field);
		return -1;
	}
	*out = tls_has_selector(ml) ? ml : NULL;
	return 0;
}

int tls_pa_parse(struct tls_pa *pa, json_t *obj, const char *root, struct strbuf *warn,
		 struct strbuf *err)
{
	static const char *const known_spec[] = { "selector", "mtls", "portLevelMtls", NULL };
	static const char *const known_mtls[] = { "mode", NULL };
	json_t *spec = json_object_get(obj, "spec"), *mtls;
	char *who;
	int r = -1;

	memset(pa, 0, sizeof(*pa));
	pa->obj = obj;
	pa->ns = obj_namespace(obj);
	pa->name = obj_name(obj);
	pa->created = obj_created(obj);
	who = xasprintf("PeerAuthentication %s/%s", pa->ns, pa->name);
	if (spec && !json_is_object(spec) && !json_is_null(spec)) {
		strbuf_setf(err, "%s: spec must be an object", who);
		goto out;
	}
	tls_warn_unknown(warn, who, "spec", spec, known_spec);
	mtls = json_object_get(spec, "mtls");
	if (mtls && !json_is_object(mtls) && !json_is_null(mtls)) {
		strbuf_setf(err, "%s: mtls must be an object", who);
		goto out;
	}
	if (json_is_object(mtls))
		tls_warn_unknown(warn, who, "spec.mtls", mtls, known_mtls);
	if (tls_parse_selector(json_object_get(spec, "selector"), "selector", who, &pa->selector, warn,
			       err) ||
	    parse_smode(mtls, &pa->mode, who, "", err) ||
	    parse_port_map(pa, json_object_get(spec, "portLevelMtls"), who, warn, err))
		goto out;
	if (!strcmp(pa->ns, root))
		pa->level = pa->selector ? TLS_PA_IGNORED : TLS_PA_MESH;
	else
		pa->level = pa->selector ? TLS_PA_WORKLOAD : TLS_PA_NAMESPACE;
	r = 0;
out:
	free(who);
	return r;
}

void tls_pa_release(struct tls_pa *pa)
{
	free(pa->ports);
}

/* S5: oldest first; ties by name, then namespace. */
static int cmp_pa(const void *a, const void *b)
{
	const struct tls_pa *x = *(const struct tls_pa *const *)a;
	const struct tls_pa *y = *(const struct tls_pa *const *)b;
	int c;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->ns, y->ns);
}

void tls_pa_sort(const struct tls_pa **v, size_t n)
{
	if (n > 1)
		qsort((void *)v, n, sizeof(*v), cmp_pa);
}

const struct tls_pa *tls_pa_workload_winner(const struct tls_ns *ns, json_t *labels)
{
	size_t i;
	for (i = 0; ns && i < ns->nwl_pas; i++)
		if (labels_contain(labels, ns->wl_pas[i]->selector))
			return ns->wl_pas[i];
	return NULL;
}

/* --- S6/S7 with the steps that explain them --- */

struct compose {
	enum tls_smode mode;
	const struct tls_pa *policy;
	struct tls_steps *steps;
};

static void losers(struct tls_steps *steps, const char *what, const struct tls_pa *const *v,
		   size_t n, const struct tls_pa *winner, json_t *labels)
{
	size_t i;
	for (i = 0; i < n; i++) {
		char *ref;
		if (v[i] == winner || (labels && !labels_contain(labels, v[i]->selector)))
			continue;
		ref = tls_obj_ref(v[i]->obj);
		if (winner->created < v[i]->created)
			tls_step_add(steps, "server", what, ref, "S5",
				     "PeerAuthentication ignored: %s/%s is older", winner->ns,
				     winner->name);
		else
			tls_step_add(steps, "server", what, ref, "S5",
				     "PeerAuthentication ignored: same age as %s/%s, whose name sorts first",
				     winner->ns, winner->name);
		free(ref);
	}
}

/* One level of S6: a winner sets the mode unless UNSET (S7). */
static void apply_level(struct compose *c, const char *what, const struct tls_pa *pa,
			const char *none_text)
{
	char *ref;

	if (!pa) {
		tls_step_add(c->steps, "server", what, "-", "S7", "%s: inherits %s", none_text,
			     tls_smode_name(c->mode));
		return;
	}
	ref = tls_obj_ref(pa->obj);
	if (pa->mode == TLS_SM_UNSET) {
		tls_step_add(c->steps, "server", what, ref, "S7",
			     "PeerAuthentication mode UNSET: inherits %s", tls_smode_name(c->mode));
	} else {
		c->mode = pa->mode;
		c->policy = pa;
		tls_step_add(c->steps, "server", what, ref, "S1, S6", "PeerAuthentication mode %s",
			     tls_smode_name(pa->mode));
	}
	if (pa->has_port_map && pa->level != TLS_PA_WORKLOAD)
		tls_step_add(c->steps, "server", what, ref, "S8",
			     "portLevelMtls ignored: only a policy with a selector may set it");
	free(ref);
}

static const struct tls_port_mode *port_entry(const struct tls_pa *pa, int port)
{
	size_t i;
	for (i = 0; pa && i < pa->nports; i++)
		if (pa->ports[i].port == port)
			return &pa->ports[i];
	return NULL;
}

static void apply_port(struct compose *c, const struct tls_pa *wl, int port, int svc_port)
{
	const struct tls_port_mode *pm = port_entry(wl, port);
	char portname[16];
	char *ref;

	snprintf(portname, sizeof(portname), "%d", port);
	if (!pm) {
		if (svc_port && svc_port != port && port_entry(wl, svc_port))
			tls_step_add(c->steps, "server", "port", portname, "S9",
				     "portLevelMtls has %d, the service port, not target port %d: no match, %s",
				     svc_port, port, tls_smode_name(c->mode));
		else
			tls_step_add(c->steps, "server", "port", portname, "S6",
				     "no portLevelMtls entry for target port %d: %s", port,
				     tls_smode_name(c->mode));
		return;
	}
	ref = tls_obj_ref(wl->obj);
	if (pm->mode == TLS_SM_UNSET) {
		tls_step_add(c->steps, "server", "port", ref, "S7",
			     "portLevelMtls %d: UNSET, inherits %s", port, tls_smode_name(c->mode));
	} else {
		c->mode = pm->mode;
		c->policy = wl;
		tls_step_add(c->steps, "server", "port", ref, "S6, S9", "portLevelMtls %d: %s", port,
			     tls_smode_name(pm->mode));
	}
	free(ref);
}

/* The fast path, for check: no steps. */
static enum tls_smode compose_quiet(const struct tls_mesh *m, const struct tls_pod *p, int port,
				    const struct tls_pa **policy)
{
	const struct tls_pa *levels[3];
	const struct tls_port_mode *pm;
	enum tls_smode mode = TLS_SM_PERMISSIVE;
	size_t i;

	*policy = NULL;
	levels[0] = m->nmesh_pas ? m->mesh_pas[0] : NULL;
	levels[1] = p->ns->nns_pas ? p->ns->ns_pas[0] : NULL;
	levels[2] = p->wl_pa;
	for (i = 0; i < 3; i++)
		if (levels[i] && levels[i]->mode != TLS_SM_UNSET) {
			mode = levels[i]->mode;
			*policy = levels[i];
		}
	pm = port_entry(p->wl_pa, port);
	if (pm && pm->mode != TLS_SM_UNSET) {
		mode = pm->mode;
		*policy = p->wl_pa;
	}
	return mode;
}

enum tls_smode tls_server_mode(const struct tls_mesh *m, const struct tls_pod *p, int port,
			       int svc_port, const struct tls_pa **policy, struct tls_steps *steps)
{
	struct compose c = { TLS_SM_PERMISSIVE, NULL, steps };
	const struct tls_ns *ns = p->ns;
	const struct tls_pa *mesh = m->nmesh_pas ? m->mesh_pas[0] : NULL;
	const struct tls_pa *nsp = ns->nns_pas ? ns->ns_pas[0] : NULL;
	char *none;

	if (!steps)
		return compose_quiet(m, p, port, policy);
	none = xasprintf("no mesh-level PeerAuthentication in %s", m->root);
	apply_level(&c, "mesh", mesh, none);
	if (mesh)
		losers(steps, "mesh", m->mesh_pas, m->nmesh_pas, mesh, NULL);
	free(none);
	none = xasprintf("no namespace-level PeerAuthentication in %s", ns->name);
	apply_level(&c, "namespace", nsp, none);
	if (nsp)
		losers(steps, "namespace", ns->ns_pas, ns->nns_pas, nsp, NULL);
	free(none);
	apply_level(&c, "workload", p->wl_pa, "no workload-level PeerAuthentication selects the pod");
	if (p->wl_pa)
		losers(steps, "workload", ns->wl_pas, ns->nwl_pas, p->wl_pa, obj_labels(p->obj));
	apply_port(&c, p->wl_pa, port, svc_port);
	*policy = c.policy;
	return c.mode;
}

enum tls_smode tls_gate_mode(const struct tls_mesh *m, const struct tls_ns *ns,
			     const struct tls_pa **policy)
{
	const struct tls_pa *nsp = ns && ns->nns_pas ? ns->ns_pas[0] : NULL;
	const struct tls_pa *mesh = m->nmesh_pas ? m->mesh_pas[0] : NULL;

	*policy = NULL;
	if (nsp && nsp->mode != TLS_SM_UNSET) {
		*policy = nsp;
		return nsp->mode;
	}
	if (mesh && mesh->mode != TLS_SM_UNSET) {
		*policy = mesh;
		return mesh->mode;
	}
	return TLS_SM_PERMISSIVE;
}
