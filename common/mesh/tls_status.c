/* SPDX-License-Identifier: Apache-2.0 */
/* status: a server's effective mode per port, and the DestinationRule each client namespace uses. */
#include "mesh/tls_priv.h"
#include "labels.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static void add_port(int **v, size_t *n, int port)
{
	size_t i;
	if (port <= 0)
		return;
	for (i = 0; i < *n; i++)
		if ((*v)[i] == port)
			return;
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = port;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Container ports (the proxy's own excluded) and every target port a Service sends to. */
static size_t pod_ports(const struct tls_pod *p, int **out)
{
	json_t *c, *cp, *sp;
	size_t i, j, n = 0;

	*out = NULL;
	json_array_foreach(obj_path(p->obj, "spec.containers"), i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		if (name && !strcmp(name, "istio-proxy"))
			continue;
		json_array_foreach(json_object_get(c, "ports"), j, cp)
			add_port(out, &n, (int)json_integer_value(json_object_get(cp, "containerPort")));
	}
	for (i = 0; i < p->ns->nsvcs; i++) {
		json_t *svc = p->ns->svcs[i], *sel = obj_path(svc, "spec.selector");
		if (!tls_has_selector(sel) || !labels_contain(obj_labels(p->obj), sel))
			continue;
		json_array_foreach(obj_path(svc, "spec.ports"), j, sp)
			add_port(out, &n, obj_target_port(sp, p->obj));
	}
	if (n > 1)
		qsort(*out, n, sizeof(**out), cmp_int);
	return n;
}

static const char *port_note(const struct tls_pod *p, int port, enum tls_smode mode)
{
	if (p->proxy == TLS_PROXY_SIDECAR && tls_ports_has(&p->excl_in, port))
		return "not enforced: excluded from the sidecar (H4)";
	if (p->proxy == TLS_PROXY_NONE)
		return "not enforced: no proxy (S11)";
	if (p->proxy == TLS_PROXY_AMBIENT && mode == TLS_SM_DISABLE)
		return "ztunnel ignores DISABLE: acts as PERMISSIVE (M2)";
	return NULL;
}

static json_t *pod_status(const struct tls_mesh *m, const struct tls_pod *p)
{
	json_t *ports = json_array();
	int *v;
	size_t n = pod_ports(p, &v), i;

	for (i = 0; i < n; i++) {
		const struct tls_pa *pol;
		enum tls_smode mode = tls_server_mode(m, p, v[i], 0, &pol, NULL);
		const char *note = port_note(p, v[i], mode);
		json_t *row = json_pack("{s:i, s:s, s:b, s:s?}", "port", v[i], "mode",
					tls_smode_name(mode), "enforced", !note || p->proxy == TLS_PROXY_AMBIENT,
					"note", note);
		json_object_set_new(row, "policy", pol ? json_pack("s++", pol->ns, "/", pol->name) :
							 json_null());
		json_array_append_new(ports, row);
	}
	free(v);
	return json_pack("{s:s++, s:b, s:b, s:o}", "pod", p->ns->name, "/", p->name, "sidecar",
			 p->proxy == TLS_PROXY_SIDECAR, "ambient", p->proxy == TLS_PROXY_AMBIENT,
			 "ports", ports);
}

/* --- DestinationRules seen from each client namespace --- */

static json_t *rule_row(const struct tls_dr_entry *e, int port, json_t *selector)
{
	struct tls_client_tls ct;
	const struct tls_dr *head = e->members[0];
	json_t *row;

	tls_client_policy(e, port, NULL, &ct, NULL);
	row = json_pack("{s:[], s:s++}", "client_namespaces", "rule", head->ns, "/", head->name);
	if (selector) {
		char *text = labels_text(selector);
		json_object_set_new(row, "selector", json_string(text));
		free(text);
	} else {
		json_object_set_new(row, "selector", json_null());
	}
	if (ct.tls.set && ct.cred_ignored)
		json_object_set_new(row, "tls", json_string("DISABLE"));
	else
		json_object_set_new(row, "tls", ct.tls.set ? json_string(tls_cmode_name(ct.tls.mode)) :
							   json_null());
	json_object_set_new(row, "source", ct.tls.set ? json_pack("s+++", "dr ", ct.tls_from->ns,
								   "/", ct.tls_from->name) :
							json_string("auto-mtls"));
	return row;
}

/* Merge a row into rows when rule, selector and tls agree; append the namespace. */
static void add_row(json_t *rows, json_t *row, const char *ns)
{
	json_t *r;
	size_t i;

	json_array_foreach(rows, i, r) {
		if (json_equal(json_object_get(r, "rule"), json_object_get(row, "rule")) &&
		    json_equal(json_object_get(r, "selector"), json_object_get(row, "selector")) &&
		    json_equal(json_object_get(r, "tls"), json_object_get(row, "tls"))) {
			json_array_append_new(json_object_get(r, "client_namespaces"), json_string(ns));
			json_decref(row);
			return;
		}
	}
	json_array_append_new(json_object_get(row, "client_namespaces"), json_string(ns));
	json_array_append_new(rows, row);
}

/* Selector rules of a client namespace for the host (D9): one row each. */
static void selector_rows(const struct tls_mesh *m, const struct tls_ns *ns, const char *host,
			  int port, json_t *rows)
{
	size_t i;
	for (i = 0; i < ns->nsel_drs; i++) {
		const struct tls_dr *dr = ns->sel_drs[i];
		struct tls_dr_entry e = { 0 };
		const struct tls_dr *one[1];

		if (!tls_host_matches(dr->host, dr->wildcard, host))
			continue;
		one[0] = dr;
		e.members = one;
		e.nmembers = 1;
		e.tp_from = dr->tp.present ? dr : NULL;
		add_row(rows, rule_row(&e, port, dr->selector), ns->name);
	}
	(void)m;
}

static json_t *rules_for(const struct tls_mesh *m, json_t *svc, int port)
{
	json_t *rows = json_array(), *row;
	char *host = tls_service_host(svc);
	json_t *nolabels = json_object();
	const struct tls_ns *sns = tls_ns_get(m, obj_namespace(svc));
	uint64_t hash = tls_host_hash(host);
	size_t i;

	for (i = 0; i < m->nns; i++) {
		const struct tls_ns *ns = &m->nss[i];
		const struct tls_dr_entry *e;

		selector_rows(m, ns, host, port, rows);
		e = tls_dr_resolve(m, ns, nolabels, sns, host, hash, NULL);
		if (e)
			add_row(rows, rule_row(e, port, NULL), ns->name);
	}
	json_decref(nolabels);
	free(host);
	json_array_foreach(rows, i, row)
		tls_json_sort(json_object_get(row, "client_namespaces"), tls_cmp_json_strings);
	return rows;
}

static json_t *service_status(const struct tls_mesh *m, json_t *svc)
{
	json_t *ports = json_array(), *sp, *out;
	char *host = tls_service_host(svc);
	size_t i;

	json_array_foreach(obj_path(svc, "spec.ports"), i, sp) {
		int port = (int)json_integer_value(json_object_get(sp, "port"));
		json_t *tp = json_object_get(sp, "targetPort");
		json_t *row = json_pack("{s:i, s:s?, s:o}", "port", port, "name",
					json_string_value(json_object_get(sp, "name")),
					"destination_rules", rules_for(m, svc, port));
		json_object_set_new(row, "target_port", tp ? json_copy(tp) : json_integer(port));
		json_array_append_new(ports, row);
	}
	out = json_pack("{s:s++, s:s, s:o}", "service", obj_namespace(svc), "/", obj_name(svc),
			"host", host, "ports", ports);
	free(host);
	return out;
}

json_t *tls_status(struct tls_mesh *m, json_t *pods, json_t *services)
{
	json_t *pout = json_array(), *sout = json_array(), *obj;
	size_t i;

	json_array_foreach(pods, i, obj) {
		struct tls_pod *p = tls_pod_of(m, obj);
		if (p)
			json_array_append_new(pout, pod_status(m, p));
	}
	json_array_foreach(services, i, obj)
		json_array_append_new(sout, service_status(m, obj));
	return json_pack("{s:o, s:o}", "pods", pout, "services", sout);
}
