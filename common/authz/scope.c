/* SPDX-License-Identifier: Apache-2.0 */
/* The engine over an object set, and which policies apply to a workload (§1). */
#include "authz_priv.h"
#include "labels.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* --- extension providers (§9) --- */

/* The status codes Envoy's StatusCode enum knows (statusOnError). */
static int envoy_status_code(long c)
{
	static const short codes[] = {
		0, 100, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304,
		305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413,
		414, 415, 416, 417, 421, 422, 423, 424, 426, 428, 429, 431, 500, 501, 502, 503, 504,
		505, 506, 507, 508, 510, 511,
	};
	size_t i;
	for (i = 0; i < ARRAY_SIZE(codes); i++)
		if (codes[i] == c)
			return 1;
	return 0;
}

/* Why istiod cannot build an ext_authz filter from cfg, or NULL. */
static char *provider_problem(json_t *cfg, int http)
{
	json_t *port = json_object_get(cfg, "port");
	const char *svc = json_string_value(json_object_get(cfg, "service"));
	const char *status = json_string_value(json_object_get(cfg, "statusOnError"));
	const char *prefix = json_string_value(json_object_get(cfg, "pathPrefix"));
	json_int_t p = json_is_integer(port) ? json_integer_value(port) : 0;
	char *end;

	if (p < 1 || p > 65535)
		return xasprintf("port must be in the range [1, 65535], found: %lld", (long long)p);
	if (!svc || !*svc)
		return xstrdup("service must not be empty");
	if (status && *status) {
		long code = strtol(status, &end, 10);
		if (*end || !envoy_status_code(code))
			return xasprintf("unsupported statusOnError %s", status);
	}
	if (http && prefix && *prefix && prefix[0] != '/')
		return xasprintf("pathPrefix must begin with `/`, found: \"%s\"", prefix);
	return NULL;
}

static void load_providers(struct authz_engine *e, json_t *list)
{
	json_t *p;
	size_t i;

	e->providers = xcalloc(json_array_size(list) + 1, sizeof(*e->providers));
	json_array_foreach(list, i, p) {
		struct provider *pv = &e->providers[e->nproviders];
		json_t *http = json_object_get(p, "envoyExtAuthzHttp");
		json_t *grpc = json_object_get(p, "envoyExtAuthzGrpc");
		const char *key;
		json_t *v;

		if (!json_is_string(json_object_get(p, "name")))
			continue;
		pv->name = xstrdup(json_string_value(json_object_get(p, "name")));
		if (http || grpc) {
			pv->type = xstrdup(http ? "envoyExtAuthzHttp" : "envoyExtAuthzGrpc");
			pv->invalid = provider_problem(http ? http : grpc, http != NULL);
		} else {
			json_object_foreach(p, key, v)
				if (strcmp(key, "name"))
					pv->type = xstrdup(key);
			pv->invalid = xasprintf("%s is not an external authorization provider",
						pv->type ? pv->type : "it");
		}
		e->nproviders++;
	}
}

const struct provider *engine_provider(const struct authz_engine *e, const char *name)
{
	size_t i;
	for (i = 0; name && i < e->nproviders; i++)
		if (!strcmp(e->providers[i].name, name))
			return &e->providers[i];
	return NULL;
}

/* --- the engine --- */

static enum path_norm norm_of(json_t *raw)
{
	const char *n = json_string_value(json_object_get(json_object_get(raw, "pathNormalization"),
							  "normalization"));
	if (!n || !strcmp(n, "DEFAULT") || !strcmp(n, "BASE"))
		return NORM_BASE;
	if (!strcmp(n, "NONE"))
		return NORM_NONE;
	if (!strcmp(n, "MERGE_SLASHES"))
		return NORM_MERGE_SLASHES;
	if (!strcmp(n, "DECODE_AND_MERGE_SLASHES"))
		return NORM_DECODE_AND_MERGE_SLASHES;
	return NORM_BASE;
}

static void accept_td(struct authz_engine *e, const char *td)
{
	e->accepted = xreallocarray(e->accepted, e->naccepted + 1, sizeof(*e->accepted));
	e->accepted[e->naccepted++] = xstrdup(td);
}

static void load_mesh(struct authz_engine *e, const struct mesh_config *m)
{
	json_t *ca, *td;
	size_t i, j;
	char **a;

	e->root_ns = xstrdup(m->root_namespace);
	e->bundle = xcalloc(2, sizeof(*e->bundle));
	e->bundle[e->nbundle++] = xstrdup(m->trust_domain);
	for (a = m->trust_domain_aliases; a && *a; a++) {
		e->bundle = xreallocarray(e->bundle, e->nbundle + 1, sizeof(*e->bundle));
		e->bundle[e->nbundle++] = xstrdup(*a);
	}
	for (i = 0; i < e->nbundle; i++)
		accept_td(e, e->bundle[i]);
	json_array_foreach(json_object_get(m->raw, "caCertificates"), i, ca)
		json_array_foreach(json_object_get(ca, "trustDomains"), j, td)
			if (json_is_string(td))
				accept_td(e, json_string_value(td));
	e->norm = norm_of(m->raw);
	load_providers(e, m->extension_providers);
}

/* Namespace, then creation time, then name (§1.5). */
static int policy_cmp(const void *a, const void *b)
{
	const struct policy *x = a, *y = b;
	int c = strcmp(x->ns, y->ns);
	if (c)
		return c;
	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	c = strcmp(x->name, y->name);
	return c ? c : (x->order < y->order ? -1 : 1);
}

static json_t *ns_bucket(struct authz_engine *e, const char *ns)
{
	json_t *b = json_object_get(e->by_ns, ns);
	if (!b) {
		b = json_pack("{s:[], s:[]}", "p", "r");
		json_object_set_new(e->by_ns, ns, b);
	}
	return b;
}

struct authz_engine *authz_engine_new(const struct objset *set)
{
	struct authz_engine *e = xcalloc(1, sizeof(*e));
	json_t *aps = objset_list(set, OBJ_AUTHORIZATIONPOLICY);
	json_t *ras = objset_list(set, OBJ_REQUESTAUTHENTICATION);
	json_t *obj;
	size_t i;

	e->set = set;
	e->atom_index = json_object();
	e->by_ns = json_object();
	load_mesh(e, objset_mesh(set));
	e->pol = xcalloc(json_array_size(aps) + 1, sizeof(*e->pol));
	json_array_foreach(aps, i, obj) {
		e->pol[i].order = i;
		policy_compile(e, &e->pol[i], obj);
	}
	e->npol = json_array_size(aps);
	if (e->npol)
		qsort(e->pol, e->npol, sizeof(*e->pol), policy_cmp);
	for (i = 0; i < e->npol; i++)
		json_array_append_new(json_object_get(ns_bucket(e, e->pol[i].ns), "p"),
				      json_integer((json_int_t)i));
	e->ra = xcalloc(json_array_size(ras) + 1, sizeof(*e->ra));
	json_array_foreach(ras, i, obj) {
		reqauthn_compile(&e->ra[i], obj);
		json_array_append_new(json_object_get(ns_bucket(e, e->ra[i].ns), "r"),
				      json_integer((json_int_t)i));
	}
	e->nra = json_array_size(ras);
	return e;
}

void authz_engine_free(struct authz_engine *e)
{
	size_t i;
	if (!e)
		return;
	for (i = 0; i < e->npol; i++)
		policy_release(&e->pol[i]);
	for (i = 0; i < e->nra; i++)
		reqauthn_release(&e->ra[i]);
	for (i = 0; i < e->natoms; i++) {
		free(e->atoms[i].s);
		free(e->atoms[i].s2);
	}
	for (i = 0; i < e->nbundle; i++)
		free(e->bundle[i]);
	for (i = 0; i < e->naccepted; i++)
		free(e->accepted[i]);
	free(e->accepted);
	for (i = 0; i < e->nproviders; i++) {
		free(e->providers[i].name);
		free(e->providers[i].type);
		free(e->providers[i].invalid);
	}
	free(e->providers);
	free(e->bundle);
	free(e->atoms);
	free(e->pol);
	free(e->ra);
	free(e->root_ns);
	json_decref(e->atom_index);
	json_decref(e->by_ns);
	free(e);
}

/* --- selection (§1.3, §1.4) --- */

static int target_ref_selects(json_t *refs, const char *obj_ns, const struct authz_workload *w)
{
	const char *gw = json_string_value(json_object_get(w->labels,
							   "gateway.networking.k8s.io/gateway-name"));
	json_t *ref;
	size_t i;

	if (!gw || strcmp(obj_ns, w->ns))
		return 0;
	json_array_foreach(refs, i, ref) {
		const char *kind = json_string_value(json_object_get(ref, "kind"));
		const char *name = json_string_value(json_object_get(ref, "name"));
		const char *ns = json_string_value(json_object_get(ref, "namespace"));
		if (kind && !strcmp(kind, "Gateway") && name && !strcmp(name, gw) &&
		    (!ns || !strcmp(ns, w->ns)))
			return 1;
	}
	return 0;
}

int scope_selects(json_t *match_labels, int has_selector, int has_target_ref, json_t *target_refs,
		  const char *obj_ns, const struct authz_workload *w)
{
	if (has_target_ref)
		return target_ref_selects(target_refs, obj_ns, w);
	if (!has_selector)
		return 1;
	return labels_contain(w->labels, match_labels);
}

static void scope_add_policy(struct authz_scope *s, const struct policy *p)
{
	s->pol = xreallocarray(s->pol, s->npol + 1, sizeof(*s->pol));
	s->pol[s->npol++] = p;
}

static void scope_add_ra(struct authz_scope *s, const struct reqauthn *ra)
{
	s->ra = xreallocarray(s->ra, s->nra + 1, sizeof(*s->ra));
	s->ra[s->nra++] = ra;
}

/*
 * Policies and RequestAuthentications of one candidate namespace.  A
 * malformed one is an error, or skipped when err is NULL (lint).
 */
static int scope_namespace(struct authz_scope *s, const char *ns, const struct authz_workload *w,
			   struct strbuf *err)
{
	const struct authz_engine *e = s->e;
	json_t *b = json_object_get(e->by_ns, ns), *v;
	size_t i;

	json_array_foreach(json_object_get(b, "p"), i, v) {
		const struct policy *p = &e->pol[json_integer_value(v)];
		if (!scope_selects(p->match_labels, p->has_selector, p->has_target_ref, p->target_refs,
				   p->ns, w))
			continue;
		if (p->broken && !err)
			continue;
		if (p->broken) {
			strbuf_addstr(err, p->broken);
			return -1;
		}
		scope_add_policy(s, p);
	}
	json_array_foreach(json_object_get(b, "r"), i, v) {
		const struct reqauthn *ra = &e->ra[json_integer_value(v)];
		if (!scope_selects(ra->match_labels, ra->has_selector, ra->has_target_ref,
				   ra->target_refs, ra->ns, w))
			continue;
		if (ra->broken && !err)
			continue;
		if (ra->broken) {
			strbuf_addstr(err, ra->broken);
			return -1;
		}
		scope_add_ra(s, ra);
	}
	return 0;
}

/* §9.4: which provider the CUSTOM rules go to, or why they are DENY rules. */
static void scope_custom(struct authz_scope *s)
{
	size_t i;

	for (i = 0; i < s->npol; i++) {
		const struct policy *p = s->pol[i];
		if (p->action != ACT_CUSTOM)
			continue;
		if (!s->custom_provider) {
			s->custom_provider = xstrdup(p->provider ? p->provider : "");
		} else if (strcmp(s->custom_provider, p->provider ? p->provider : "") &&
			   !s->custom_as_deny) {
			s->custom_as_deny = xasprintf(
				"the workload has CUSTOM policies for more than one provider (\"%s\" and \"%s\"), "
				"which needs PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS; istiod turns every CUSTOM rule into a DENY rule",
				s->custom_provider, p->provider ? p->provider : "");
		}
	}
	if (!s->custom_provider || s->custom_as_deny)
		return;
	s->provider = engine_provider(s->e, s->custom_provider);
	if (!s->provider)
		s->custom_as_deny = xasprintf("extension provider \"%s\" is not defined in the mesh config; "
					      "istiod turns its CUSTOM rules into DENY rules",
					      s->custom_provider);
	else if (s->provider->invalid)
		s->custom_as_deny = xasprintf("extension provider \"%s\" is invalid (%s); istiod turns "
					      "its CUSTOM rules into DENY rules",
					      s->custom_provider, s->provider->invalid);
}

static void scope_collect_field_atoms(struct authz_scope *s, json_t *seen, const struct field *f)
{
	size_t i, j;
	char key[32];

	if (!ATTR_IS_PEER(f->attr))
		return;
	for (i = 0; i < f->nv; i++)
		for (j = 0; j < f->v[i].natoms; j++) {
			snprintf(key, sizeof(key), "%zu", f->v[i].atoms[j]);
			if (json_object_get(seen, key))
				continue;
			json_object_set_new(seen, key, json_true());
			s->atoms = xreallocarray(s->atoms, s->natoms + 1, sizeof(*s->atoms));
			s->atoms[s->natoms++] = f->v[i].atoms[j];
		}
}

static void scope_collect_clauses(struct authz_scope *s, json_t *seen, const struct clause *cl,
				  size_t n)
{
	size_t i, j;
	for (i = 0; i < n; i++)
		for (j = 0; j < cl[i].nf; j++)
			scope_collect_field_atoms(s, seen, &cl[i].f[j]);
}

/* The identity atoms the scope's rules test, for who-can's grouping. */
static void scope_atoms(struct authz_scope *s)
{
	json_t *seen = json_object();
	size_t i, j, k;

	for (i = 0; i < s->npol; i++)
		for (j = 0; j < s->pol[i]->nrules; j++) {
			const struct rule *r = &s->pol[i]->rules[j];
			scope_collect_clauses(s, seen, r->from, r->nfrom);
			for (k = 0; k < r->nwhen; k++)
				scope_collect_field_atoms(s, seen, &r->when[k]);
		}
	json_decref(seen);
}

struct authz_scope *authz_scope_new(const struct authz_engine *e, const struct authz_workload *w,
				    struct strbuf *err)
{
	struct authz_scope *s = xcalloc(1, sizeof(*s));

	s->e = e;
	if (scope_namespace(s, e->root_ns, w, err) ||
	    (strcmp(w->ns, e->root_ns) && scope_namespace(s, w->ns, w, err))) {
		authz_scope_free(s);
		return NULL;
	}
	scope_custom(s);
	scope_atoms(s);
	return s;
}

void authz_scope_free(struct authz_scope *s)
{
	if (!s)
		return;
	free(s->pol);
	free(s->ra);
	free(s->custom_provider);
	free(s->custom_as_deny);
	free(s->atoms);
	free(s);
}
