/* SPDX-License-Identifier: Apache-2.0 */
/* lint: the mistakes the course's troubleshooting tables list, and more. */
#include "authz_priv.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* A pod as lint sees it. */
struct lpod {
	json_t *obj;
	const char *ns;
	struct authz_scope *scope;  /* shared between pods with the same namespace and labels */
	json_t *ports;              /* authz_pod_ports() */
	int sidecar;
	int exposed;                /* a Service selects it */
};

struct lint {
	const struct authz_engine *e;
	const struct objset *set;
	const char *only_ns;
	json_t *out;
	struct lpod *pods;
	size_t npods;
	json_t *scopes;             /* "ns\x1flabels" -> index into owned */
	struct authz_scope **owned;
	size_t nowned;
	json_t *pol_pods;           /* policy index -> [pod indexes] */
	json_t *ra_pods;            /* RequestAuthentication index -> [pod indexes] */
	json_t *sas;                /* "ns/sa" -> {"pods": n, "sidecars": n} */
	json_t *nss;                /* ns -> {"pods": n, "sidecars": n} */
	int have_pods, have_sas, have_nss;
};

static void finding(struct lint *l, const char *severity, const char *kind, const char *ns,
		    const char *name, const char *fix, const char *fmt, ...) MESH_PRINTF(7, 8);
static void finding(struct lint *l, const char *severity, const char *kind, const char *ns,
		    const char *name, const char *fix, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	json_array_append_new(l->out, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "severity",
						severity, "kind", kind, "namespace", ns, "name", name,
						"message", msg.buf, "fix", fix));
	strbuf_release(&msg);
}

#define AP "AuthorizationPolicy"
#define RA "RequestAuthentication"

/* "Kind ns/name: what" without the object, which the finding names. */
static const char *without_object(const char *msg)
{
	const char *p = strstr(msg, ": ");
	return p ? p + 2 : msg;
}

/* --- the picture of the cluster --- */

static void count(json_t *map, const char *key, int sidecar)
{
	json_t *e = json_object_get(map, key);
	if (!e) {
		e = json_pack("{s:i, s:i}", "pods", 0, "sidecars", 0);
		json_object_set_new(map, key, e);
	}
	json_object_set_new(e, "pods", json_integer(json_integer_value(json_object_get(e, "pods")) + 1));
	if (sidecar)
		json_object_set_new(e, "sidecars",
				    json_integer(json_integer_value(json_object_get(e, "sidecars")) + 1));
}

static json_t *services_by_ns(const struct objset *set)
{
	json_t *by = json_object(), *svc;
	size_t i;

	json_array_foreach(objset_list(set, OBJ_SERVICE), i, svc) {
		json_t *a = json_object_get(by, obj_namespace(svc));
		if (!a) {
			a = json_array();
			json_object_set_new(by, obj_namespace(svc), a);
		}
		json_array_append(a, svc);
	}
	return by;
}

static struct authz_scope *pod_scope(struct lint *l, json_t *pod)
{
	struct authz_workload w = { obj_namespace(pod), obj_labels(pod) };
	char *labels = json_dumps(obj_labels(pod) ? obj_labels(pod) : json_object(),
				  JSON_COMPACT | JSON_SORT_KEYS);
	char *key = xasprintf("%s\x1f%s", w.ns, labels);
	json_t *idx = json_object_get(l->scopes, key);
	struct authz_scope *s = NULL;

	if (idx) {
		s = l->owned[json_integer_value(idx)];
	} else {
		s = authz_scope_new(l->e, &w, NULL);
		l->owned = xreallocarray(l->owned, l->nowned + 1, sizeof(*l->owned));
		l->owned[l->nowned] = s;
		json_object_set_new(l->scopes, key, json_integer((json_int_t)l->nowned++));
	}
	free(labels);
	free(key);
	return s;
}

static void push_index(json_t *map, size_t key, size_t value)
{
	char k[32];
	json_t *a;

	snprintf(k, sizeof(k), "%zu", key);
	a = json_object_get(map, k);
	if (!a) {
		a = json_array();
		json_object_set_new(map, k, a);
	}
	json_array_append_new(a, json_integer((json_int_t)value));
}

static json_t *indexes(json_t *map, size_t key)
{
	char k[32];
	snprintf(k, sizeof(k), "%zu", key);
	return json_object_get(map, k);
}

static void load_pod(struct lint *l, json_t *pod, json_t *svcs, size_t idx)
{
	struct lpod *p = &l->pods[idx];
	const char *sa = json_string_value(obj_path(pod, "spec.serviceAccountName"));
	char *key = xasprintf("%s/%s", obj_namespace(pod), sa && *sa ? sa : "default");
	json_t *port;
	size_t i;

	p->obj = pod;
	p->ns = obj_namespace(pod);
	p->sidecar = pod_has_sidecar(pod);
	p->ports = authz_pod_ports(pod, json_object_get(svcs, p->ns));
	json_array_foreach(p->ports, i, port)
		p->exposed |= json_is_string(json_object_get(port, "service"));
	p->scope = pod_scope(l, pod);
	count(l->nss, p->ns, p->sidecar);
	count(l->sas, key, p->sidecar);
	free(key);
	if (!p->scope)
		return;
	for (i = 0; i < p->scope->npol; i++)
		push_index(l->pol_pods, (size_t)(p->scope->pol[i] - l->e->pol), idx);
	for (i = 0; i < p->scope->nra; i++)
		push_index(l->ra_pods, (size_t)(p->scope->ra[i] - l->e->ra), idx);
}

static void load(struct lint *l)
{
	json_t *pods = objset_list(l->set, OBJ_POD), *svcs = services_by_ns(l->set), *o;
	unsigned loaded = objset_loaded(l->set);
	size_t i;

	l->have_pods = !!(loaded & OBJ_BIT(OBJ_POD));
	l->have_sas = !!(loaded & OBJ_BIT(OBJ_SERVICEACCOUNT));
	l->have_nss = !!(loaded & OBJ_BIT(OBJ_NAMESPACE));
	l->pods = xcalloc(json_array_size(pods) + 1, sizeof(*l->pods));
	l->npods = json_array_size(pods);
	json_array_foreach(pods, i, o)
		load_pod(l, o, svcs, i);
	json_array_foreach(objset_list(l->set, OBJ_SERVICEACCOUNT), i, o) {
		char *key = xasprintf("%s/%s", obj_namespace(o), obj_name(o));
		if (!json_object_get(l->sas, key))
			json_object_set_new(l->sas, key, json_pack("{s:i, s:i}", "pods", 0, "sidecars", 0));
		free(key);
	}
	json_array_foreach(objset_list(l->set, OBJ_NAMESPACE), i, o)
		if (!json_object_get(l->nss, obj_name(o)))
			json_object_set_new(l->nss, obj_name(o), json_pack("{s:i, s:i}", "pods", 0,
									   "sidecars", 0));
	json_decref(svcs);
}

/* --- checks on one value --- */

static int infix_star(const char *v)
{
	size_t len = strlen(v);
	const char *star = len > 2 ? strchr(v + 1, '*') : NULL;
	return star && star < v + len - 1;
}

static void check_principal_value(struct lint *l, const struct policy *p, const struct field *f,
				  const char *v)
{
	if (starts_with(v, "spiffe://"))
		finding(l, "error", AP, p->ns, p->name, "drop the spiffe:// prefix",
			"%s: \"%s\" never matches: principals are written without spiffe:// (§5.1)",
			f->name, v);
	else if (infix_star(v) && !(v[0] == '*' && ends_with(v, "*")))
		finding(l, "error", AP, p->ns, p->name,
			"use namespaces or serviceAccounts, or a suffix such as \"*/sa/NAME\"",
			"%s: \"%s\" never matches: a \"*\" inside a principal is literal (§5.1)", f->name, v);
}

/* Wildcards Istio does not treat the way they read (§4.2). */
static void check_wildcards(struct lint *l, const struct policy *p, const struct field *f,
			    const char *v)
{
	size_t len = strlen(v);

	if (f->attr == A_NAMESPACE || f->attr == A_SOURCE_IP || f->attr == A_REMOTE_IP ||
	    f->attr == A_DEST_IP || f->attr == A_PORT || (f->attr == A_PATH && strstr(v, "{*")))
		return;
	if (len > 2 && v[0] == '*' && v[len - 1] == '*')
		finding(l, "warning", AP, p->ns, p->name,
			"Istio has no \"contains\" match: list the exact values, or use one leading or trailing \"*\"",
			"%s: \"%s\" is a suffix match on \"%s\", not a \"contains\" match (§4.2)", f->name,
			v, v + 1);
	else if (infix_star(v) && f->attr != A_PRINCIPAL)
		finding(l, "warning", AP, p->ns, p->name,
			"only a single leading or trailing \"*\" is a wildcard: list the values instead",
			"%s: the \"*\" in \"%s\" is literal, not a wildcard (§4.2)", f->name, v);
}

static int lower_method(const char *v)
{
	for (; *v; v++)
		if (islower((unsigned char)*v))
			return 1;
	return 0;
}

static void check_value(struct lint *l, const struct policy *p, const struct field *f,
			const char *v)
{
	if (f->attr == A_PRINCIPAL)
		check_principal_value(l, p, f, v);
	check_wildcards(l, p, f, v);
	if (f->attr == A_METHOD && lower_method(v))
		finding(l, "warning", AP, p->ns, p->name, "write methods in upper case",
			"%s: \"%s\" is case-sensitive and clients send methods in upper case (§7.3)", f->name, v);
	if (f->attr == A_PATH && v[0] != '/' && v[0] != '*')
		finding(l, "error", AP, p->ns, p->name, "start the path with /",
			"%s: \"%s\" never matches: paths always start with / (§7.4)", f->name, v);
	if (f->negated && !strcmp(v, "*") &&
	    (f->attr == A_METHOD || f->attr == A_PATH || f->attr == A_HOST))
		finding(l, "error", AP, p->ns, p->name, "remove the \"*\" from the not-field",
			"%s: [\"*\"] can never be satisfied on HTTP: every request has one (§4.3)", f->name);
}

/* --- existence and sidecars of named identities --- */

static json_t *sa_entry(struct lint *l, const char *ns, const char *sa)
{
	char *key = xasprintf("%s/%s", ns, sa);
	json_t *e = json_object_get(l->sas, key);
	free(key);
	return e;
}

static void no_sidecar(struct lint *l, const struct policy *p, const struct field *f,
		       const char *what, json_t *e)
{
	if (!f->negated && e && json_integer_value(json_object_get(e, "pods")) &&
	    !json_integer_value(json_object_get(e, "sidecars")))
		finding(l, "warning", AP, p->ns, p->name,
			"inject a sidecar into those pods, or match them with ipBlocks instead",
			"%s: no pod of %s runs a sidecar, so their calls carry no mTLS identity and never match (§5.1-§5.3)",
			f->name, what);
}

static void check_named_sa(struct lint *l, const struct policy *p, const struct field *f,
			   const char *ns, const char *sa)
{
	json_t *e = sa_entry(l, ns, sa);
	char *what = xasprintf("service account %s/%s", ns, sa);

	if (!e && l->have_sas && l->have_pods)
		finding(l, "warning", AP, p->ns, p->name, "check the namespace and the name",
			"%s: %s exists nowhere", f->name, what);
	no_sidecar(l, p, f, what, e);
	free(what);
}

static int foreign_td(const struct authz_engine *e, const char *td)
{
	size_t i;
	if (!strcmp(td, "cluster.local"))
		return 0;
	for (i = 0; i < e->nbundle; i++)
		if (!strcmp(td, e->bundle[i]))
			return 0;
	return 1;
}

static void check_principal_exists(struct lint *l, const struct policy *p, const struct field *f,
				   const char *v)
{
	char *td, *ns, *sa, *slash;

	if (strchr(v, '*') || starts_with(v, "spiffe://"))
		return;
	td = xstrdup(v);
	slash = strchr(td, '/');
	if (!slash || !skip_prefix(slash, "/ns/", (const char **)&ns) || !(sa = strstr(ns, "/sa/")) ||
	    strchr(sa + 4, '/')) {
		free(td);
		return;
	}
	*slash = 0;
	*sa = 0;
	if (foreign_td(l->e, td))
		finding(l, "warning", AP, p->ns, p->name,
			"use the mesh trust domain (cluster.local means it), or add the domain to trustDomainAliases",
			"%s: trust domain \"%s\" in \"%s\" is neither the mesh's (%s) nor an alias; such callers are refused at the mTLS handshake (§6.4)",
			f->name, td, v, l->e->bundle[0]);
	else
		check_named_sa(l, p, f, ns, sa + 4);
	free(td);
}

static void check_namespace_exists(struct lint *l, const struct policy *p, const struct field *f,
				   const char *v)
{
	json_t *e;
	char *what;

	if (strchr(v, '*'))
		return;
	e = json_object_get(l->nss, v);
	if (!e && l->have_nss && l->have_pods)
		finding(l, "warning", AP, p->ns, p->name, "check the namespace name",
			"%s: namespace \"%s\" exists nowhere", f->name, v);
	what = xasprintf("namespace %s", v);
	no_sidecar(l, p, f, what, e);
	free(what);
}

static void check_field(struct lint *l, const struct policy *p, const struct field *f)
{
	size_t i;

	for (i = 0; i < f->nv; i++) {
		const char *v = f->v[i].raw;
		check_value(l, p, f, v);
		if (f->attr == A_PRINCIPAL)
			check_principal_exists(l, p, f, v);
		else if (f->attr == A_NAMESPACE)
			check_namespace_exists(l, p, f, v);
		else if (f->attr == A_SERVICE_ACCOUNT && f->v[i].natoms)
			check_named_sa(l, p, f, l->e->atoms[f->v[i].atoms[0]].s,
				       l->e->atoms[f->v[i].atoms[0]].s2);
	}
}

static void for_each_field(struct lint *l, const struct policy *p, const struct rule *r,
			   void (*fn)(struct lint *, const struct policy *, const struct field *))
{
	size_t i, j;
	for (i = 0; i < r->nfrom; i++)
		for (j = 0; j < r->from[i].nf; j++)
			fn(l, p, &r->from[i].f[j]);
	for (i = 0; i < r->nto; i++)
		for (j = 0; j < r->to[i].nf; j++)
			fn(l, p, &r->to[i].f[j]);
	for (i = 0; i < r->nwhen; i++)
		fn(l, p, &r->when[i]);
}

/* --- checks on one policy --- */

static void check_contradictions(struct lint *l, const struct policy *p, const struct rule *r)
{
	size_t i;
	for (i = 0; i < r->nfrom; i++) {
		char *why = clause_contradiction(&r->from[i]);
		if (why)
			finding(l, "error", AP, p->ns, p->name,
				"split the source: one for mTLS callers, one for plaintext callers",
				"this source never matches: %s (§5.1, §5.3)", why);
		free(why);
	}
}

/* DENY with a negated identity field and no positive one in the same source (§5.1, §5.3). */
static void check_deny_negation(struct lint *l, const struct policy *p, const struct rule *r,
				size_t ri)
{
	size_t i, j;

	for (i = 0; i < r->nfrom; i++) {
		const struct field *neg = NULL;
		int positive = 0;
		for (j = 0; j < r->from[i].nf; j++) {
			const struct field *f = &r->from[i].f[j];
			if (!ATTR_IS_PEER(f->attr))
				continue;
			if (f->negated && !neg)
				neg = f;
			positive |= !f->negated;
		}
		if (neg && !positive)
			finding(l, "warning", AP, p->ns, p->name,
				"if plaintext callers should get through, add principals: [\"*\"] to the same source",
				"rule %zu: %s also matches plaintext callers, which have no identity: this DENY blocks every caller without a sidecar (§5.1)",
				ri, neg->name);
	}
}

static int rule_uses_jwt(const struct rule *r)
{
	size_t i, j;
	for (i = 0; i < r->nfrom; i++)
		for (j = 0; j < r->from[i].nf; j++)
			if (r->from[i].f[j].attr == A_REQ_PRINCIPAL)
				return 1;
	for (i = 0; i < r->nwhen; i++)
		if (r->when[i].attr >= A_REQ_PRINCIPAL && r->when[i].attr <= A_CLAIM)
			return 1;
	return 0;
}

static void check_jwt_without_ra(struct lint *l, const struct policy *p, json_t *pods)
{
	json_t *v;
	size_t i, uses = 0;

	for (i = 0; i < p->nrules; i++)
		uses |= (size_t)rule_uses_jwt(&p->rules[i]);
	if (!uses || !json_array_size(pods))
		return;
	json_array_foreach(pods, i, v)
		if (l->pods[json_integer_value(v)].scope->nra)
			return;
	finding(l, "error", AP, p->ns, p->name,
		"add a RequestAuthentication for the issuer that selects the same workloads",
		"it uses requestPrincipals or request.auth conditions, but no RequestAuthentication selects its workloads, so no JWT ever counts: %s (§11.1)",
		p->action == ACT_ALLOW ? "those rules never match" :
		"negated JWT fields match every request");
}

/* Ports of the selected pods: "tcp" (explicitly non-HTTP) and all. */
static void pod_ports(struct lint *l, json_t *pods, json_t *tcp, json_t *all)
{
	json_t *v, *port;
	size_t i, j;

	json_array_foreach(pods, i, v)
		json_array_foreach(l->pods[json_integer_value(v)].ports, j, port) {
			char key[16];
			snprintf(key, sizeof(key), "%lld",
				 (long long)json_integer_value(json_object_get(port, "port")));
			json_object_set_new(all, key, json_true());
			if (!json_is_true(json_object_get(port, "http")))
				json_object_set_new(tcp, key, json_true());
		}
}

static void keys_text(struct strbuf *sb, json_t *set)
{
	const char *k;
	json_t *v;
	size_t n = 0;
	json_object_foreach(set, k, v)
		strbuf_addf(sb, "%s%s", n++ ? ", " : "", k);
}

static void check_tcp(struct lint *l, const struct policy *p, json_t *tcp)
{
	struct strbuf ports = STRBUF_INIT;
	size_t i;

	const char *plural = json_object_size(tcp) > 1 ? "s" : "";

	if (!json_object_size(tcp))
		return;
	keys_text(&ports, tcp);
	for (i = 0; i < p->nrules; i++) {
		if (!p->rules[i].http_only)
			continue;
		if (p->action == ACT_ALLOW)
			finding(l, "warning", AP, p->ns, p->name,
				"put HTTP-only fields in rules that name the HTTP ports (ports: [...]), or name the TCP ports in a rule without them",
				"rule %zu uses HTTP-only fields; on TCP port%s %s istiod drops the whole rule, so those connections are denied (§8.2)",
				i, plural, ports.buf);
		else if (p->action != ACT_AUDIT && rule_all_http(&p->rules[i]))
			finding(l, "error", AP, p->ns, p->name,
				"add ports: [...] naming the HTTP ports to the rule",
				"rule %zu uses only HTTP-only fields; on TCP port%s %s they are removed and the rule %s every connection (§8.3)",
				i, plural, ports.buf, p->action == ACT_DENY ? "denies" : "matches");
		else if (p->action != ACT_AUDIT)
			finding(l, "warning", AP, p->ns, p->name,
				"add ports: [...] naming the HTTP ports to the rule",
				"rule %zu uses HTTP-only fields; on TCP port%s %s they are removed and the rest of the rule %s every connection it describes (§8.3)",
				i, plural, ports.buf, p->action == ACT_DENY ? "denies" : "matches");
	}
	strbuf_release(&ports);
}

static void check_ports_exist(struct lint *l, const struct policy *p, json_t *all)
{
	size_t i, j, k, m;

	if (!json_object_size(all))
		return;
	for (i = 0; i < p->nrules; i++)
		for (j = 0; j < p->rules[i].nto; j++)
			for (k = 0; k < p->rules[i].to[j].nf; k++) {
				const struct field *f = &p->rules[i].to[j].f[k];
				if (f->attr != A_PORT || f->negated)
					continue;
				for (m = 0; m < f->nv; m++) {
					char key[16];
					snprintf(key, sizeof(key), "%ld", f->v[m].port);
					if (f->v[m].port >= 0 && !json_object_get(all, key))
						finding(l, "warning", AP, p->ns, p->name,
							"ports are the workload's container ports, not Service ports",
							"%s: no selected pod listens on port %s (§7.2)", f->name,
							f->v[m].raw);
				}
			}
}

/* §2.2: an ALLOW policy that alone switches workloads behind a Service to deny-by-default. */
static void check_default_deny(struct lint *l, const struct policy *p, json_t *pods)
{
	json_t *svcs = json_object(), *v, *port;
	struct strbuf sb = STRBUF_INIT;
	size_t i, j, k;

	if (p->action != ACT_ALLOW || p->dry_run)
		goto out;
	json_array_foreach(pods, i, v) {
		const struct lpod *pod = &l->pods[json_integer_value(v)];
		size_t allows = 0;
		for (k = 0; k < pod->scope->npol; k++)
			allows += pod->scope->pol[k]->action == ACT_ALLOW && !pod->scope->pol[k]->dry_run;
		if (allows != 1 || !pod->exposed)
			continue;
		json_array_foreach(pod->ports, j, port)
			if (json_is_string(json_object_get(port, "service"))) {
				char *key = xasprintf("svc/%s.%s", json_string_value(json_object_get(port, "service")),
						      pod->ns);
				json_object_set_new(svcs, key, json_true());
				free(key);
			}
	}
	if (!json_object_size(svcs))
		goto out;
	keys_text(&sb, svcs);
	finding(l, "warning", AP, p->ns, p->name,
		"make sure every current caller matches a rule (kubectl mesh-authz who-can --what-if), or add rules for them",
		"it is the only ALLOW policy of the pods behind %s: it turns on deny-by-default, and every caller that matches none of its rules now gets 403 (§2.2)",
		sb.buf);
out:
	strbuf_release(&sb);
	json_decref(svcs);
}

/* ALLOW rules that a DENY rule makes moot on every selected pod. */
static void check_moot(struct lint *l, const struct policy *p, json_t *pods)
{
	size_t i;
	json_t *v;

	if (p->action != ACT_ALLOW || p->dry_run || !json_array_size(pods))
		return;
	for (i = 0; i < p->nrules; i++) {
		char *moot = NULL;
		size_t k;
		json_array_foreach(pods, k, v) {
			free(moot);
			moot = rule_moot(l->pods[json_integer_value(v)].scope, &p->rules[i]);
			if (!moot)
				break;
		}
		if (moot)
			finding(l, "warning", AP, p->ns, p->name, "narrow the DENY rule, or drop the ALLOW rule",
				"rule %zu is moot: %s denies every request it allows (DENY is checked before ALLOW, §2.3)",
				i, moot);
		free(moot);
	}
}

static void check_selection(struct lint *l, const struct policy *p, json_t *pods)
{
	if (p->has_target_ref && !json_array_size(pods))
		finding(l, "warning", AP, p->ns, p->name, "use a selector to reach sidecar workloads",
			"targetRefs attach only to gateways and waypoints; sidecars ignore this policy completely (§1.4)");
	else if (p->has_selector && json_object_size(p->match_labels) && l->have_pods &&
		 !json_array_size(pods))
		finding(l, "warning", AP, p->ns, p->name, "check the selector's labels against the pods",
			"the selector matches no pod%s", strcmp(p->ns, l->e->root_ns) ?
			" in its namespace" : "");
	if (p->has_selector && !json_object_size(p->match_labels))
		finding(l, "warning", AP, p->ns, p->name, "name labels, or drop the selector",
			"a selector without labels selects every workload %s (§1.3)",
			strcmp(p->ns, l->e->root_ns) ? "of its namespace" : "of the mesh");
	if (!strcmp(p->ns, "istio-system") && strcmp(l->e->root_ns, "istio-system") && !p->has_selector)
		finding(l, "warning", AP, p->ns, p->name, "move it to the root namespace",
			"it is not mesh-wide: the root namespace is %s, so it applies only to the istio-system namespace (§1.2)",
			l->e->root_ns);
}

static void check_policy(struct lint *l, size_t idx)
{
	const struct policy *p = &l->e->pol[idx];
	json_t *pods = indexes(l->pol_pods, idx), *tcp, *all, *pr;
	size_t i;

	if (p->broken) {
		finding(l, "error", AP, p->ns, p->name, "fix the manifest; the API server rejects it",
			"%s", without_object(p->broken));
		return;
	}
	json_array_foreach(p->problems, i, pr)
		finding(l, "error", AP, p->ns, p->name, json_string_value(json_object_get(pr, "fix")),
			"%s (istiod's validation rejects it)", json_string_value(json_object_get(pr, "message")));
	if (p->action == ACT_ALLOW && !p->dry_run && !p->nrules)
		finding(l, "warning", AP, p->ns, p->name,
			"add rules for the traffic to allow; keep it only as a deliberate deny-all",
			"%s: it matches nothing but turns on deny-by-default, so every request to the workloads it selects is denied unless another ALLOW policy matches (§3.6)",
			p->rules_present ? "rules: [] allows nothing" : "spec: {} denies all traffic");
	for (i = 0; i < p->nrules; i++) {
		for_each_field(l, p, &p->rules[i], check_field);
		check_contradictions(l, p, &p->rules[i]);
		if (p->action == ACT_DENY)
			check_deny_negation(l, p, &p->rules[i], i);
	}
	check_selection(l, p, pods);
	tcp = json_object();
	all = json_object();
	pod_ports(l, pods, tcp, all);
	check_tcp(l, p, tcp);
	check_ports_exist(l, p, all);
	json_decref(tcp);
	json_decref(all);
	check_jwt_without_ra(l, p, pods);
	check_default_deny(l, p, pods);
	check_moot(l, p, pods);
}

/* --- RequestAuthentication --- */

static int requires_jwt(const struct policy *p)
{
	size_t i, j, k;

	if (p->dry_run || (p->action != ACT_ALLOW && p->action != ACT_DENY))
		return 0;
	for (i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];
		for (j = 0; j < r->nfrom; j++)
			for (k = 0; k < r->from[j].nf; k++)
				if (r->from[j].f[k].attr == A_REQ_PRINCIPAL &&
				    r->from[j].f[k].negated == (p->action == ACT_DENY))
					return 1;
		for (j = 0; j < r->nwhen; j++)
			if (r->when[j].attr == A_REQ_PRINCIPAL &&
			    r->when[j].negated == (p->action == ACT_DENY))
				return 1;
	}
	return 0;
}

static void check_ra(struct lint *l, size_t idx)
{
	const struct reqauthn *ra = &l->e->ra[idx];
	json_t *pods = indexes(l->ra_pods, idx), *v;
	size_t i, k;

	if (ra->broken) {
		finding(l, "error", RA, ra->ns, ra->name, "fix the manifest; the API server rejects it",
			"%s", without_object(ra->broken));
		return;
	}
	if (!json_array_size(pods)) {
		if (l->have_pods && (ra->has_selector || ra->has_target_ref))
			finding(l, "warning", RA, ra->ns, ra->name, "check the selector's labels against the pods",
				"it selects no pod");
		return;
	}
	json_array_foreach(pods, i, v) {
		const struct authz_scope *s = l->pods[json_integer_value(v)].scope;
		for (k = 0; k < s->npol; k++)
			if (requires_jwt(s->pol[k]))
				return;
	}
	finding(l, "warning", RA, ra->ns, ra->name,
		"add an AuthorizationPolicy: DENY with notRequestPrincipals: [\"*\"], or ALLOW with requestPrincipals",
		"no AuthorizationPolicy requires a JWT for the workloads it selects: requests without a token are accepted (§11.2, §11.5)");
}

/* --- output --- */

struct ranked {
	json_t *f;
	size_t seq;
};

/* By object, then in the order found. */
static int finding_cmp(const void *a, const void *b)
{
	static const char *const keys[] = { "namespace", "kind", "name" };
	const struct ranked *x = a, *y = b;
	size_t i;
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		int c = strcmp(json_string_value(json_object_get(x->f, keys[i])),
			       json_string_value(json_object_get(y->f, keys[i])));
		if (c)
			return c;
	}
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static json_t *sorted_findings(json_t *in)
{
	size_t n = json_array_size(in), i;
	struct ranked *v = xcalloc(n + 1, sizeof(*v));
	json_t *out = json_array();

	for (i = 0; i < n; i++) {
		v[i].f = json_array_get(in, i);
		v[i].seq = i;
	}
	if (n)
		qsort(v, n, sizeof(*v), finding_cmp);
	for (i = 0; i < n; i++)
		json_array_append(out, v[i].f);
	free(v);
	return out;
}

static void lint_release(struct lint *l)
{
	size_t i;
	for (i = 0; i < l->npods; i++)
		json_decref(l->pods[i].ports);
	for (i = 0; i < l->nowned; i++)
		authz_scope_free(l->owned[i]);
	free(l->owned);
	free(l->pods);
	json_decref(l->scopes);
	json_decref(l->pol_pods);
	json_decref(l->ra_pods);
	json_decref(l->sas);
	json_decref(l->nss);
	json_decref(l->out);
}

json_t *authz_lint(const struct authz_engine *e, const struct objset *set, const char *ns)
{
	struct lint l = { e, set, ns, json_array(), NULL, 0, json_object(), NULL, 0, json_object(),
			  json_object(), json_object(), json_object(), 0, 0, 0 };
	json_t *out;
	size_t i;

	load(&l);
	for (i = 0; i < e->npol; i++)
		if (!ns || !strcmp(e->pol[i].ns, ns))
			check_policy(&l, i);
	for (i = 0; i < e->nra; i++)
		if (!ns || !strcmp(e->ra[i].ns, ns))
			check_ra(&l, i);
	out = sorted_findings(l.out);
	lint_release(&l);
	return out;
}
