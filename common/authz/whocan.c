/* SPDX-License-Identifier: Apache-2.0 */
/* who-can: every identity against one workload, grouped by the policy atoms they match. */
#include "authz_priv.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

enum id_kind { ID_SA, ID_PLAINTEXT, ID_PRINCIPAL, ID_NAMESPACE, ID_TRUST_DOMAIN, ID_JWT, ID_IP };

static const char *const kind_names[] = {
	"serviceaccount", "plaintext", "principal", "namespace", "trustdomain", "jwt", "ip",
};

struct identity {
	enum id_kind kind;
	char *name;             /* how the row reads */
	char *value;            /* principal, trust domain, JWT principal or CIDR */
	char *ns, *sa;          /* ID_SA */
	int pods, sidecars;     /* ID_SA: pods running as it, and how many have a sidecar */
	size_t group;
};

struct ids {
	struct identity *v;
	size_t n, alloc;
	json_t *seen;           /* name -> 1 */
};

static struct identity *ids_add(struct ids *l, enum id_kind kind, char *name, const char *value,
				const char *ns, const char *sa)
{
	json_t *idx = json_object_get(l->seen, name);
	struct identity *id;

	if (idx) {
		free(name);
		return &l->v[json_integer_value(idx)];
	}
	json_object_set_new(l->seen, name, json_integer((json_int_t)l->n));
	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	id = &l->v[l->n++];
	memset(id, 0, sizeof(*id));
	id->kind = kind;
	id->name = name;
	id->value = xstrdup_or_null(value);
	id->ns = xstrdup_or_null(ns);
	id->sa = xstrdup_or_null(sa);
	return id;
}

static struct identity *add_sa(struct ids *l, const char *td, const char *ns, const char *sa)
{
	char *p = xasprintf("%s/ns/%s/sa/%s", td, ns, sa);
	struct identity *id = ids_add(l, ID_SA, xstrdup(p), p, ns, sa);
	free(p);
	return id;
}

/* Service accounts: the objects, and the ones pods run as. */
static void collect_sas(struct ids *l, const struct objset *set, const char *td)
{
	json_t *o;
	size_t i;

	json_array_foreach(objset_list(set, OBJ_SERVICEACCOUNT), i, o)
		add_sa(l, td, obj_namespace(o), obj_name(o));
	json_array_foreach(objset_list(set, OBJ_POD), i, o) {
		const char *sa = json_string_value(obj_path(o, "spec.serviceAccountName"));
		struct identity *id = add_sa(l, td, obj_namespace(o), sa && *sa ? sa : "default");
		id->pods++;
		id->sidecars += pod_has_sidecar(o);
	}
}

/* "td/ns/NS/sa/SA" with no wildcard: fills ns and sa (new strings). */
static int split_principal(const char *p, char **td, char **ns, char **sa)
{
	const char *a = strchr(p, '/'), *b, *c, *d;

	if (strchr(p, '*') || !a || !starts_with(a, "/ns/"))
		return -1;
	b = a + 4;
	c = strchr(b, '/');
	if (!c || !starts_with(c, "/sa/") || strchr(c + 4, '/') || !c[4] || c == b)
		return -1;
	d = c + 4;
	*td = xstrndup(p, (size_t)(a - p));
	*ns = xstrndup(b, (size_t)(c - b));
	*sa = xstrdup(d);
	return 0;
}

static int in_bundle(const struct authz_engine *e, const char *td)
{
	size_t i;
	for (i = 0; i < e->nbundle; i++)
		if (!strcmp(e->bundle[i], td))
			return 1;
	return 0;
}

/* A principal value that no service account holds becomes its own row. */
static void class_principal(struct ids *l, const struct authz_engine *e, const char *value)
{
	size_t n, i;
	char **vals = principal_expand(e, value, &n);

	for (i = 0; i < n; i++) {
		char *td, *ns, *sa, *key;
		if (split_principal(vals[i], &td, &ns, &sa)) {
			free(vals[i]);
			continue;
		}
		key = xasprintf("%s/ns/%s/sa/%s", e->bundle[0], ns, sa);
		if (!(in_bundle(e, td) && json_object_get(l->seen, key)) &&
		    !json_object_get(l->seen, vals[i]))
			ids_add(l, ID_PRINCIPAL, xstrdup(vals[i]), vals[i], NULL, NULL);
		free(key);
		free(td);
		free(ns);
		free(sa);
		free(vals[i]);
	}
	free(vals);
}

/* Some service account of the namespace is a row already. */
static int namespace_held(const struct ids *l, const char *ns)
{
	size_t i;
	for (i = 0; i < l->n; i++)
		if (l->v[i].kind == ID_SA && !strcmp(l->v[i].ns, ns))
			return 1;
	return 0;
}

/* serviceAccounts: NS/NAME no service account object or pod holds. */
static void class_service_account(struct ids *l, const struct authz_engine *e, const struct value *v)
{
	const struct atom *a = v->natoms ? &e->atoms[v->atoms[0]] : NULL;
	char *p;

	if (!a || strchr(a->s, '*') || strchr(a->s2, '*'))
		return;
	p = xasprintf("%s/ns/%s/sa/%s", e->bundle[0], a->s, a->s2);
	if (!json_object_get(l->seen, p))
		ids_add(l, ID_PRINCIPAL, xstrdup(p), p, NULL, NULL);
	free(p);
}

static void class_field(struct ids *l, const struct authz_engine *e, const struct field *f, int jwt)
{
	size_t i;

	for (i = 0; i < f->nv; i++) {
		const char *v = f->v[i].raw;
		switch (f->attr) {
		case A_PRINCIPAL:
			class_principal(l, e, v);
			break;
		case A_NAMESPACE:
			if (!strchr(v, '*') && *v && !namespace_held(l, v))
				ids_add(l, ID_NAMESPACE, xasprintf("namespace:%s", v), v, NULL, NULL);
			break;
		case A_TRUST_DOMAIN:
			if (!strchr(v, '*') && *v && !in_bundle(e, v))
				ids_add(l, ID_TRUST_DOMAIN, xasprintf("trust-domain:%s", v), v, NULL, NULL);
			break;
		case A_SERVICE_ACCOUNT:
			class_service_account(l, e, &f->v[i]);
			break;
		case A_REQ_PRINCIPAL:
			if (jwt)
				ids_add(l, ID_JWT, xasprintf("jwt:%s", v), v, NULL, NULL);
			break;
		case A_SOURCE_IP:
		case A_REMOTE_IP:
			if (f->v[i].ip.family)
				ids_add(l, ID_IP, xasprintf("ip:%s", v), v, NULL, NULL);
			break;
		default:
			break;
		}
	}
}

static void class_clauses(struct ids *l, const struct authz_engine *e, const struct clause *cl,
			  size_t n, int jwt)
{
	size_t i, j;
	for (i = 0; i < n; i++)
		for (j = 0; j < cl[i].nf; j++)
			class_field(l, e, &cl[i].f[j], jwt);
}

/* The identity classes the policies in scope name (JWT ones only when a token can count). */
static void collect_classes(struct ids *l, const struct authz_scope *s)
{
	size_t i, j, k;

	for (i = 0; i < s->npol; i++)
		for (j = 0; j < s->pol[i]->nrules; j++) {
			const struct rule *r = &s->pol[i]->rules[j];
			class_clauses(l, s->e, r->from, r->nfrom, s->nra > 0);
			for (k = 0; k < r->nwhen; k++)
				class_field(l, s->e, &r->when[k], s->nra > 0);
		}
}

/* --- grouping --- */

/* Which scope atoms a service account's identity matches: "0110...". */
static char *signature(const struct authz_scope *s, const char *principal)
{
	struct peer p = { PEER_PRINCIPAL, NULL, NULL, NULL };
	char *sig = xmalloc(s->natoms + 1);
	size_t i;

	p.san = xasprintf("spiffe://%s", principal);
	for (i = 0; i < s->natoms; i++)
		sig[i] = atom_match(&s->e->atoms[s->atoms[i]], &p) == TRI_TRUE ? '1' : '0';
	sig[s->natoms] = 0;
	free(p.san);
	return sig;
}

static void request_for(const struct identity *id, const struct authz_request *tmpl,
			const char *td, struct authz_request *r)
{
	*r = *tmpl;
	r->principal = NULL;
	r->peer_td = r->peer_ns = NULL;
	r->source_ip = r->remote_ip = NULL;
	r->sni = NULL;
	r->headers = NULL;
	r->claims = NULL;
	r->jwt_invalid = 0;
	r->assume_rp = r->assume_ip = NULL;
	r->free |= AUTHZ_FREE_HEADERS | AUTHZ_FREE_JWT | AUTHZ_FREE_SOURCE_IP |
		   AUTHZ_FREE_REMOTE_IP | AUTHZ_FREE_SNI;
	if (!tmpl->host)
		r->free |= AUTHZ_FREE_HOST;
	if (!tmpl->dest_ip)
		r->free |= AUTHZ_FREE_DEST_IP;
	switch (id->kind) {
	case ID_SA:
	case ID_PRINCIPAL:
		r->principal = id->value;
		break;
	case ID_TRUST_DOMAIN:
		r->peer_td = id->value;
		break;
	case ID_NAMESPACE:
		r->peer_td = td;
		r->peer_ns = id->value;
		break;
	case ID_JWT:
		r->assume_rp = id->value;
		break;
	case ID_IP:
		r->assume_ip = id->value;
		break;
	case ID_PLAINTEXT:
		break;
	}
}

static json_t *row(const struct identity *id, const struct authz_result *res)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:s?, s:o, s:s?}", "identity", id->name,
			      "kind", kind_names[id->kind], "decision",
			      authz_decision_name(res->decision), "allowed",
			      res->decision != AUTHZ_DENY, "policy", res->policy, "rule",
			      res->rule >= 0 ? json_integer(res->rule) : json_null(), "condition",
			      res->condition);
	if (id->kind == ID_SA) {
		json_object_set_new(o, "namespace", json_string(id->ns));
		json_object_set_new(o, "service_account", json_string(id->sa));
		json_object_set_new(o, "sidecar", id->pods ? json_boolean(id->sidecars > 0) : json_null());
	}
	return o;
}

static int row_cmp(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *kx = json_string_value(json_object_get(x, "kind"));
	const char *ky = json_string_value(json_object_get(y, "kind"));
	size_t i, ix = 0, iy = 0;

	for (i = 0; i < ARRAY_SIZE(kind_names); i++) {
		if (!strcmp(kx, kind_names[i]))
			ix = i;
		if (!strcmp(ky, kind_names[i]))
			iy = i;
	}
	if (ix != iy)
		return ix < iy ? -1 : 1;
	return strcmp(json_string_value(json_object_get(x, "identity")),
		      json_string_value(json_object_get(y, "identity")));
}

static json_t *sorted(json_t **rows, size_t n)
{
	json_t *out = json_array();
	size_t i;
	if (n)
		qsort(rows, n, sizeof(*rows), row_cmp);
	for (i = 0; i < n; i++)
		json_array_append_new(out, rows[i]);
	return out;
}

static void ids_release(struct ids *l)
{
	size_t i;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].value);
		free(l->v[i].ns);
		free(l->v[i].sa);
	}
	free(l->v);
	json_decref(l->seen);
}

json_t *authz_who_can(const struct authz_scope *s, const struct objset *set,
		      const struct authz_request *tmpl)
{
	struct ids l = { NULL, 0, 0, json_object() };
	json_t *groups = json_object(), **rows, *out;
	struct authz_result *res;
	struct authz_request r;
	size_t i, ngroups = 0;

	collect_sas(&l, set, s->e->bundle[0]);
	ids_add(&l, ID_PLAINTEXT, xstrdup("(plaintext)"), NULL, NULL, NULL);
	collect_classes(&l, s);
	res = xcalloc(l.n + 1, sizeof(*res));
	rows = xcalloc(l.n + 1, sizeof(*rows));
	for (i = 0; i < l.n; i++) {
		struct identity *id = &l.v[i];
		char *sig = id->kind == ID_SA ? signature(s, id->value) : NULL;
		json_t *g = sig ? json_object_get(groups, sig) : NULL;

		if (g) {
			id->group = (size_t)json_integer_value(g);
		} else {
			id->group = ngroups++;
			if (sig)
				json_object_set_new(groups, sig, json_integer((json_int_t)id->group));
			request_for(id, tmpl, s->e->bundle[0], &r);
			authz_evaluate(s, &r, 0, &res[id->group]);
		}
		free(sig);
		rows[i] = row(id, &res[id->group]);
	}
	out = sorted(rows, l.n);
	for (i = 0; i < ngroups; i++)
		authz_result_release(&res[i]);
	free(res);
	free(rows);
	json_decref(groups);
	ids_release(&l);
	return out;
}
