/* SPDX-License-Identifier: Apache-2.0 */
/* Indexing an object set for mTLS resolution: namespaces, pods, services, policies. */
#include "mesh/tls_priv.h"
#include "labels.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const verdict_names[] = { "MTLS", "PLAINTEXT", "BROKEN" };
static const char *const smode_names[] = { "UNSET", "PERMISSIVE", "STRICT", "DISABLE" };
static const char *const cmode_names[] = { "ISTIO_MUTUAL", "DISABLE", "SIMPLE", "MUTUAL",
					   "PLAINTEXT_NO_SIDECAR", "HBONE" };

const char *tls_verdict_name(enum tls_verdict v)
{
	return verdict_names[v];
}

const char *tls_smode_name(enum tls_smode m)
{
	return smode_names[m];
}

const char *tls_cmode_name(enum tls_cmode m)
{
	return cmode_names[m];
}

char *tls_obj_ref(json_t *obj)
{
	return xasprintf("%s/%s", obj_namespace(obj) ? obj_namespace(obj) : "", obj_name(obj));
}

int tls_cmp_json_strings(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

void tls_json_sort(json_t *arr, int (*cmp)(const void *, const void *))
{
	size_t n = json_array_size(arr), i;
	json_t **v = xcalloc(n + 1, sizeof(*v));

	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), cmp);
	json_array_clear(arr);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
}

int tls_ports_has(const struct tls_ports *p, int port)
{
	size_t i;
	for (i = 0; i < p->n; i++)
		if (p->v[i] == port)
			return 1;
	return 0;
}

/* "8080, 9090" (an exclusion annotation) into a port list; junk is skipped. */
static void parse_ports(struct tls_ports *p, const char *text)
{
	size_t alloc = 0;
	while (text && *text) {
		char *end;
		long v = strtol(text, &end, 10);
		if (end != text && v > 0 && v < 65536) {
			ALLOC_GROW(p->v, p->n + 1, alloc);
			p->v[p->n++] = (int)v;
		}
		text = strchr(end, ',');
		if (text)
			text++;
	}
}

int tls_has_selector(json_t *match_labels)
{
	return json_is_object(match_labels) && json_object_size(match_labels) > 0;
}

static int label_is(json_t *obj, const char *key, const char *value)
{
	const char *v = obj_label(obj, key);
	return v && !strcmp(v, value);
}

/* M1: captured by ztunnel (labels, or the CNI's redirection mark). */
static int pod_is_ambient(json_t *pod, json_t *ns)
{
	const char *mode = obj_label(pod, "istio.io/dataplane-mode");
	const char *mark = obj_annotation(pod, "ambient.istio.io/redirection");

	if (mark && !strcmp(mark, "enabled"))
		return 1;
	if (mode)
		return !strcmp(mode, "ambient");
	return ns && label_is(ns, "istio.io/dataplane-mode", "ambient");
}

static void classify_pod(struct tls_pod *p, json_t *obj, struct tls_ns *ns)
{
	const char *phase = json_string_value(obj_path(obj, "status.phase"));

	p->obj = obj;
	p->name = obj_name(obj);
	p->labels = obj_labels(obj);
	p->ns = ns;
	p->host_network = json_is_true(obj_path(obj, "spec.hostNetwork"));
	if (obj_pod_has_istio_proxy(obj)) /* H1: a regular or native (init) sidecar */
		p->proxy = TLS_PROXY_SIDECAR;
	else if (!p->host_network && pod_is_ambient(obj, ns->obj))
		p->proxy = TLS_PROXY_AMBIENT;
	else
		p->proxy = TLS_PROXY_NONE;
	p->tls_label = obj_label(obj, "security.istio.io/tlsMode");
	p->istio_label = p->tls_label && !strcmp(p->tls_label, "istio");
	p->tunnel = label_is(obj, "networking.istio.io/tunnel", "http");
	p->terminal = phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"));
	parse_ports(&p->excl_out, obj_annotation(obj, "traffic.sidecar.istio.io/excludeOutboundPorts"));
	parse_ports(&p->excl_in, obj_annotation(obj, "traffic.sidecar.istio.io/excludeInboundPorts"));
}

struct tls_ns *tls_ns_get(const struct tls_mesh *m, const char *name)
{
	json_t *ix = name ? json_object_get(m->ns_by_name, name) : NULL;
	return ix ? &m->nss[json_integer_value(ix)] : NULL;
}

struct tls_pod *tls_pod_of(const struct tls_mesh *m, json_t *pod)
{
	struct strbuf key = STRBUF_INIT;
	json_t *ix;

	strbuf_addf(&key, "%s/%s", obj_namespace(pod), obj_name(pod));
	ix = json_object_get(m->pod_by_key, key.buf);
	strbuf_release(&key);
	return ix ? &m->pods[json_integer_value(ix)] : NULL;
}

/* --- Building --- */

static void note_ns(json_t *names, const char *name)
{
	if (name && !json_object_get(names, name))
		json_object_set_new(names, name, json_integer((json_int_t)json_object_size(names)));
}

static void collect_namespaces(struct tls_mesh *m)
{
	static const enum obj_kind kinds[] = { OBJ_POD, OBJ_SERVICE, OBJ_PEERAUTHENTICATION,
					       OBJ_DESTINATIONRULE };
	json_t *obj;
	size_t i, k;

	m->ns_by_name = json_object();
	json_array_foreach(objset_list(m->set, OBJ_NAMESPACE), i, obj)
		note_ns(m->ns_by_name, obj_name(obj));
	note_ns(m->ns_by_name, m->root);
	for (k = 0; k < ARRAY_SIZE(kinds); k++)
		json_array_foreach(objset_list(m->set, kinds[k]), i, obj)
			note_ns(m->ns_by_name, obj_namespace(obj));
	m->nns = json_object_size(m->ns_by_name);
	m->nss = xcalloc(m->nns ? m->nns : 1, sizeof(*m->nss));
	{
		const char *name;
		json_t *ix;
		json_object_foreach(m->ns_by_name, name, ix) {
			struct tls_ns *ns = &m->nss[json_integer_value(ix)];
			ns->name = name;
			ns->obj = objset_get(m->set, OBJ_NAMESPACE, NULL, name);
		}
	}
}

static void add_pods(struct tls_mesh *m)
{
	json_t *list = objset_list(m->set, OBJ_POD), *obj;
	struct strbuf key = STRBUF_INIT;
	size_t i;

	m->npods = json_array_size(list);
	m->pods = xcalloc(m->npods ? m->npods : 1, sizeof(*m->pods));
	m->pod_by_key = json_object();
	json_array_foreach(list, i, obj) {
		struct tls_ns *ns = tls_ns_get(m, obj_namespace(obj));
		struct tls_pod *p = &m->pods[i];

		classify_pod(p, obj, ns);
		ALLOC_GROW(ns->pods, ns->npods + 1, ns->apods);
		ns->pods[ns->npods++] = p;
		strbuf_reset(&key);
		strbuf_addf(&key, "%s/%s", ns->name, p->name);
		json_object_set_new(m->pod_by_key, key.buf, json_integer((json_int_t)i));
	}
	strbuf_release(&key);
}

static void add_services(struct tls_mesh *m)
{
	json_t *obj;
	size_t i;

	json_array_foreach(objset_list(m->set, OBJ_SERVICE), i, obj) {
		struct tls_ns *ns = tls_ns_get(m, obj_namespace(obj));
		ALLOC_GROW(ns->svcs, ns->nsvcs + 1, ns->asvcs);
		ns->svcs[ns->nsvcs++] = obj;
	}
}

static void push_pa(const struct tls_pa ***v, size_t *n, const struct tls_pa *pa)
{
	*v = xreallocarray((void *)*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = pa;
}

static int add_policies(struct tls_mesh *m, struct strbuf *warn, struct strbuf *err)
{
	json_t *list = objset_list(m->set, OBJ_PEERAUTHENTICATION), *obj;
	size_t i;

	m->npas = json_array_size(list);
	m->pas = xcalloc(m->npas ? m->npas : 1, sizeof(*m->pas));
	json_array_foreach(list, i, obj) {
		struct tls_pa *pa = &m->pas[i];
		struct tls_ns *ns;

		if (tls_pa_parse(pa, obj, m->root, warn, err))
			return -1;
		ns = tls_ns_get(m, pa->ns);
		if (pa->level == TLS_PA_MESH)
			push_pa(&m->mesh_pas, &m->nmesh_pas, pa);
		else if (pa->level == TLS_PA_NAMESPACE)
			push_pa(&ns->ns_pas, &ns->nns_pas, pa);
		else if (pa->level == TLS_PA_WORKLOAD)
			push_pa(&ns->wl_pas, &ns->nwl_pas, pa);
		else
			push_pa(&ns->other_pas, &ns->nother_pas, pa);
	}
	tls_pa_sort(m->mesh_pas, m->nmesh_pas);
	for (i = 0; i < m->nns; i++) {
		struct tls_ns *ns = &m->nss[i];
		tls_pa_sort(ns->ns_pas, ns->nns_pas);
		tls_pa_sort(ns->wl_pas, ns->nwl_pas);
	}
	for (i = 0; i < m->npods; i++)
		m->pods[i].wl_pa = tls_pa_workload_winner(m->pods[i].ns, obj_labels(m->pods[i].obj));
	return 0;
}

static int export_names_ns(const struct tls_dr *dr, const char *ns)
{
	size_t i;
	for (i = 0; i < dr->nexport; i++)
		if (!strcmp(dr->export_to[i], ns))
			return 1;
	return 0;
}

/* D1-D4: the per-namespace indexes, built in Istio's order (selector rules first, then age). */
static void index_rule(struct tls_mesh *m, const struct tls_dr *dr)
{
	struct tls_ns *ns = tls_ns_get(m, dr->ns);
	size_t i;

	ns->ndrs++;
	ns->dr_relevant = 1;
	if (dr->selector) {
		ns->sel_drs = xreallocarray((void *)ns->sel_drs, ns->nsel_drs + 1, sizeof(*ns->sel_drs));
		ns->sel_drs[ns->nsel_drs++] = dr;
	}
	if (tls_dr_visible_local(dr) && strcmp(dr->ns, m->root))
		tls_dr_index_add(&ns->local, dr);
	if (!dr->private_only)
		tls_dr_index_add(&ns->exported, dr);
	else if (!strcmp(dr->ns, m->root))
		tls_dr_index_add(&m->root_local, dr);
	for (i = 0; i < m->nns; i++)
		if (export_names_ns(dr, m->nss[i].name))
			m->nss[i].dr_relevant = m->nss[i].export_named = 1;
}

static int add_rules(struct tls_mesh *m, struct strbuf *warn, struct strbuf *err)
{
	json_t *list = objset_list(m->set, OBJ_DESTINATIONRULE), *obj;
	struct tls_dr **order;
	size_t i;

	m->ndrs = json_array_size(list);
	m->drs = xcalloc(m->ndrs ? m->ndrs : 1, sizeof(*m->drs));
	json_array_foreach(list, i, obj)
		if (tls_dr_parse(&m->drs[i], obj, m->default_export_private, warn, err))
			return -1;
	order = xcalloc(m->ndrs ? m->ndrs : 1, sizeof(*order));
	for (i = 0; i < m->ndrs; i++)
		order[i] = &m->drs[i];
	tls_dr_sort(order, m->ndrs);
	for (i = 0; i < m->ndrs; i++)
		index_rule(m, order[i]);
	free(order);
	m->root_ns->dr_relevant = 1;
	return 0;
}

static int default_export_is_private(const struct mesh_config *mc)
{
	char **e = mc->default_dr_export_to;
	return e && e[0] && !strcmp(e[0], ".") && !e[1];
}

struct tls_mesh *tls_mesh_new(const struct objset *set, struct strbuf *warnings,
			      struct strbuf *err)
{
	struct tls_mesh *m = xcalloc(1, sizeof(*m));
	const struct mesh_config *mc = objset_mesh(set);
	struct strbuf scratch = STRBUF_INIT;

	m->set = set;
	m->root = mc->root_namespace;
	m->auto_mtls = mc->enable_auto_mtls;
	m->default_export_private = default_export_is_private(mc);
	collect_namespaces(m);
	m->root_ns = tls_ns_get(m, m->root);
	add_pods(m);
	add_services(m);
	if (add_policies(m, warnings ? warnings : &scratch, err) ||
	    add_rules(m, warnings ? warnings : &scratch, err)) {
		tls_mesh_free(m);
		m = NULL;
	}
	strbuf_release(&scratch);
	return m;
}

static void release_ns(struct tls_ns *ns)
{
	free(ns->pods);
	free(ns->svcs);
	free((void *)ns->ns_pas);
	free((void *)ns->wl_pas);
	free((void *)ns->other_pas);
	free((void *)ns->sel_drs);
	tls_dr_index_release(&ns->local);
	tls_dr_index_release(&ns->exported);
}

void tls_mesh_free(struct tls_mesh *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nns; i++)
		release_ns(&m->nss[i]);
	for (i = 0; i < m->npods; i++) {
		free(m->pods[i].excl_out.v);
		free(m->pods[i].excl_in.v);
	}
	for (i = 0; i < m->npas; i++)
		tls_pa_release(&m->pas[i]);
	for (i = 0; i < m->ndrs; i++)
		tls_dr_release(&m->drs[i]);
	tls_dr_index_release(&m->root_local);
	free((void *)m->mesh_pas);
	free(m->nss);
	free(m->pods);
	free(m->pas);
	free(m->drs);
	json_decref(m->ns_by_name);
	json_decref(m->pod_by_key);
	free(m);
}

/* --- Services and ports (P1-P4) --- */

size_t tls_service_pods(const struct tls_mesh *m, json_t *svc, struct tls_pod ***out)
{
	struct tls_ns *ns = tls_ns_get(m, obj_namespace(svc));
	json_t *sel = obj_path(svc, "spec.selector");
	size_t i, n = 0;

	*out = NULL;
	if (!ns || !tls_has_selector(sel))
		return 0;
	*out = xcalloc(ns->npods ? ns->npods : 1, sizeof(**out));
	for (i = 0; i < ns->npods; i++)
		if (!ns->pods[i]->terminal && labels_contain(ns->pods[i]->labels, sel))
			(*out)[n++] = ns->pods[i];
	return n;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* Istio's protocol selection: appProtocol, else the port name's prefix. */
int tls_port_is_http(json_t *sp)
{
	static const char *const http[] = { "http", "http2", "grpc", "grpc-web", "h2c",
					    "kubernetes.io/h2c" };
	const char *proto = json_string_value(json_object_get(sp, "appProtocol"));
	const char *name = json_string_value(json_object_get(sp, "name"));
	size_t len, i;

	if (!proto)
		proto = name;
	if (!proto)
		return 0;
	len = proto == name && strchr(proto, '-') ? (size_t)(strchr(proto, '-') - proto) :
						    strlen(proto);
	for (i = 0; i < ARRAY_SIZE(http); i++)
		if (strlen(http[i]) == len && !strncasecmp(proto, http[i], len))
			return 1;
	return 0;
}

int tls_service_headless(json_t *svc)
{
	const char *ip = json_string_value(obj_path(svc, "spec.clusterIP"));
	return ip && !strcmp(ip, "None");
}

char *tls_service_host(json_t *svc)
{
	return xasprintf("%s.%s.svc." TLS_DOMAIN, obj_name(svc), obj_namespace(svc));
}

int tls_service_port(json_t *service, const char *text, struct strbuf *err)
{
	json_t *sp;
	size_t i;

	json_array_foreach(obj_path(service, "spec.ports"), i, sp) {
		const char *name = json_string_value(json_object_get(sp, "name"));
		int port = (int)json_integer_value(json_object_get(sp, "port"));
		if ((all_digits(text) && atoi(text) == port) || (name && !strcmp(name, text)))
			return port;
	}
	strbuf_setf(err, "service \"%s\" has no port %s (ports: ", obj_name(service), text);
	json_array_foreach(obj_path(service, "spec.ports"), i, sp)
		strbuf_addf(err, "%s%lld", i ? ", " : "",
			    (long long)json_integer_value(json_object_get(sp, "port")));
	strbuf_addch(err, ')');
	return -1;
}

/* --- Finding what the user named --- */

static const char *api_resource(enum obj_kind k)
{
	switch (k) {
	case OBJ_DEPLOYMENT:
		return "deployments.apps";
	case OBJ_STATEFULSET:
		return "statefulsets.apps";
	case OBJ_DAEMONSET:
		return "daemonsets.apps";
	default:
		return obj_kind_info(k)->resource;
	}
}

static void not_found(enum obj_kind k, const char *ns, const char *name, int live,
		      struct strbuf *err)
{
	if (live)
		strbuf_setf(err, "Error from server (NotFound): %s \"%s\" not found",
			    api_resource(k), name);
	else
		strbuf_setf(err, "%s \"%s\" not found in namespace \"%s\"",
			    obj_kind_info(k)->singular, name, ns);
}

static int cmp_pod_names(const void *a, const void *b)
{
	return strcmp(obj_name(*(json_t *const *)a), obj_name(*(json_t *const *)b));
}

static json_t *sorted_array(json_t **v, size_t n)
{
	json_t *out = json_array();
	size_t i;
	if (n)
		qsort(v, n, sizeof(*v), cmp_pod_names);
	for (i = 0; i < n; i++)
		json_array_append(out, v[i]);
	return out;
}

json_t *tls_workload_pods(const struct tls_mesh *m, enum obj_kind kind, const char *ns,
			  const char *name, int live, struct strbuf *err)
{
	struct tls_ns *nsp = tls_ns_get(m, ns);
	json_t *obj = objset_get(m->set, kind, ns, name), *sel, *out;
	json_t **found;
	size_t i, n = 0;

	if (!obj) {
		not_found(kind, ns, name, live, err);
		return NULL;
	}
	if (kind == OBJ_POD)
		return sorted_array(&obj, 1);
	sel = obj_path(obj, "spec.selector");
	found = xcalloc(nsp && nsp->npods ? nsp->npods : 1, sizeof(*found));
	for (i = 0; nsp && i < nsp->npods; i++) {
		struct strbuf e = STRBUF_INIT;
		if (!nsp->pods[i]->terminal &&
		    label_selector_matches(sel, obj_labels(nsp->pods[i]->obj), &e) == 1)
			found[n++] = nsp->pods[i]->obj;
		strbuf_release(&e);
	}
	out = n ? sorted_array(found, n) : NULL;
	if (!n)
		strbuf_setf(err, "%s \"%s\" in namespace \"%s\" has no pods",
			    obj_kind_info(kind)->singular, name, ns);
	free(found);
	return out;
}

json_t *tls_find_service(const struct tls_mesh *m, const char *ns, const char *name, int live,
			 struct strbuf *err)
{
	json_t *svc = objset_get(m->set, OBJ_SERVICE, ns, name);
	if (!svc)
		not_found(OBJ_SERVICE, ns, name, live, err);
	return svc;
}
