/* SPDX-License-Identifier: Apache-2.0 */
/* What the flags name: targets and sources, their pods and ports, and loading objects. */
#include "commands.h"
#include "labels.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

int authz_fail(struct strbuf *err)
{
	report_error(err->buf);
	strbuf_release(err);
	return MESH_EXIT_ERROR;
}

/* --- references --- */

static const char *short_name(enum obj_kind k)
{
	switch (k) {
	case OBJ_DEPLOYMENT:
		return "deploy";
	case OBJ_STATEFULSET:
		return "sts";
	case OBJ_DAEMONSET:
		return "ds";
	case OBJ_SERVICE:
		return "svc";
	case OBJ_SERVICEACCOUNT:
		return "sa";
	default:
		return "pod";
	}
}

static void expected(struct strbuf *err, unsigned allowed)
{
	static const enum obj_kind order[] = { OBJ_POD, OBJ_DEPLOYMENT, OBJ_STATEFULSET,
					       OBJ_DAEMONSET, OBJ_SERVICE, OBJ_SERVICEACCOUNT };
	size_t i, n = 0, total = 0;

	for (i = 0; i < ARRAY_SIZE(order); i++)
		total += !!(allowed & OBJ_BIT(order[i]));
	strbuf_addstr(err, "expected ");
	for (i = 0; i < ARRAY_SIZE(order); i++)
		if (allowed & OBJ_BIT(order[i]))
			strbuf_addf(err, "%s%s/NAME", n++ ? (n == total ? " or " : ", ") : "",
				    short_name(order[i]));
}

int ref_parse(const char *flag, const char *text, const char *def_ns, unsigned allowed,
	      struct ref *out, struct strbuf *err)
{
	const char *slash = strchr(text, '/');
	char *word;
	int k;

	memset(out, 0, sizeof(*out));
	word = slash ? xstrndup(text, (size_t)(slash - text)) : xstrdup("");
	k = *word ? obj_kind_lookup(word) : -1;
	free(word);
	if (!slash || !slash[1] || k < 0 || !(allowed & OBJ_BIT(k)) || strchr(slash + 1, '/')) {
		strbuf_addf(err, "%s%sinvalid %s \"%s\": ", flag ? flag : "", flag ? ": " : "",
			    allowed & OBJ_BIT(OBJ_SERVICE) ? "target" : "source", text);
		expected(err, allowed);
		return -1;
	}
	out->kind = (enum obj_kind)k;
	cli_split_name_ns(slash + 1, &out->name, &out->ns);
	if (!out->ns)
		out->ns = xstrdup(def_ns);
	return 0;
}

void ref_release(struct ref *r)
{
	free(r->name);
	free(r->ns);
	memset(r, 0, sizeof(*r));
}

static void not_found(struct strbuf *err, enum obj_kind k, const char *name, const char *ns,
		      int live)
{
	const struct obj_kind_info *ki = obj_kind_info(k);
	if (live)
		strbuf_addf(err, "Error from server (NotFound): %s%s%s \"%s\" not found", ki->resource,
			    *ki->group ? "." : "", ki->group, name);
	else
		strbuf_addf(err, "%s \"%s\" not found in namespace \"%s\"", ki->singular, name, ns);
}

/* --- pods --- */

static int terminal(json_t *pod)
{
	const char *phase = json_string_value(obj_path(pod, "status.phase"));
	return phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"));
}

json_t *namespace_services(const struct objset *set, const char *ns)
{
	json_t *out = json_array(), *svc;
	size_t i;
	json_array_foreach(objset_list(set, OBJ_SERVICE), i, svc)
		if (!strcmp(obj_namespace(svc), ns))
			json_array_append(out, svc);
	return out;
}

static int pod_cmp(const void *a, const void *b)
{
	return strcmp(obj_name(*(json_t *const *)a), obj_name(*(json_t *const *)b));
}

/* Pods of ns the selector picks (matchLabels/matchExpressions, or a Service's map). */
static json_t *selected_pods(const struct objset *set, const char *ns, json_t *sel, int svc_map)
{
	json_t *pods = objset_list(set, OBJ_POD), *pod, **v, *out = json_array();
	size_t i, n = 0;

	v = xcalloc(json_array_size(pods) + 1, sizeof(*v));
	json_array_foreach(pods, i, pod) {
		struct strbuf e = STRBUF_INIT;
		int ok;
		if (strcmp(obj_namespace(pod), ns) || terminal(pod))
			continue;
		ok = svc_map ? json_object_size(sel) && labels_contain(obj_labels(pod), sel) :
			       label_selector_matches(sel, obj_labels(pod), &e) == 1;
		strbuf_release(&e);
		if (ok)
			v[n++] = pod;
	}
	if (n)
		qsort(v, n, sizeof(*v), pod_cmp);
	for (i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

json_t *workload_pods(const struct objset *set, const struct ref *ref, int live, struct strbuf *err)
{
	json_t *obj = objset_get(set, ref->kind, ref->ns, ref->name);

	if (!obj) {
		not_found(err, ref->kind, ref->name, ref->ns, live);
		return NULL;
	}
	if (ref->kind == OBJ_POD)
		return json_pack("[O]", obj);
	return selected_pods(set, ref->ns, obj_path(obj, "spec.selector"), 0);
}

/* A stand-in pod from a workload's template: its labels and containers. */
static json_t *template_pod(json_t *obj)
{
	json_t *meta = json_pack("{s:s, s:s, s:O?}", "name", obj_name(obj), "namespace",
				 obj_namespace(obj), "labels", obj_path(obj, "spec.template.metadata.labels"));
	return json_pack("{s:o, s:O?}", "metadata", meta, "spec", obj_path(obj, "spec.template.spec"));
}

/* One representative per distinct label set, in name order. */
static json_t *distinct_labels(json_t *pods)
{
	json_t *seen = json_object(), *out = json_array(), *pod;
	size_t i;

	json_array_foreach(pods, i, pod) {
		char *key = json_dumps(obj_labels(pod) ? obj_labels(pod) : json_object(),
				       JSON_COMPACT | JSON_SORT_KEYS);
		if (!json_object_get(seen, key)) {
			json_object_set_new(seen, key, json_true());
			json_array_append(out, pod);
		}
		free(key);
	}
	json_decref(seen);
	return out;
}

/* --- ports --- */

static void list_ports(struct strbuf *sb, json_t *ports, const char *key)
{
	json_t *p;
	size_t i;
	json_array_foreach(ports, i, p)
		strbuf_addf(sb, "%s%lld", i ? ", " : "", (long long)json_integer_value(json_object_get(p, key)));
}

static int is_number(const char *s)
{
	return *s && !s[strspn(s, "0123456789")];
}

/* The port of a list (Service spec.ports or pod ports) a --port picks; NULL with err. */
static json_t *pick_port(json_t *ports, const char *key, const char *text, const char *what,
			 struct strbuf *err)
{
	json_t *p;
	size_t i;

	if (!text) {
		if (json_array_size(ports) == 1)
			return json_array_get(ports, 0);
		strbuf_addf(err, "%s %s", what, json_array_size(ports) ? "has several ports (" :
			    "declares no ports: give --port");
		if (json_array_size(ports)) {
			list_ports(err, ports, key);
			strbuf_addstr(err, "): give --port");
		}
		return NULL;
	}
	json_array_foreach(ports, i, p)
		if ((is_number(text) && json_integer_value(json_object_get(p, key)) == atol(text)) ||
		    (json_is_string(json_object_get(p, "name")) &&
		     !strcmp(json_string_value(json_object_get(p, "name")), text)))
			return p;
	return NULL;
}

/* Protocol of a Service port, with the reason. */
static void service_protocol(struct endpoint *ep, json_t *sp, const char *svc_name)
{
	const char *app = json_string_value(json_object_get(sp, "appProtocol"));
	const char *name = json_string_value(json_object_get(sp, "name"));

	ep->protocol = authz_port_protocol(sp);
	if (ep->protocol && app)
		ep->proto_source = xasprintf("Service %s port %lld appProtocol \"%s\"", svc_name,
					     (long long)json_integer_value(json_object_get(sp, "port")), app);
	else if (ep->protocol && name)
		ep->proto_source = xasprintf("Service %s port name \"%s\"", svc_name, name);
	else if (ep->protocol)
		ep->proto_source = xasprintf("well-known port %lld",
					     (long long)json_integer_value(json_object_get(sp, "port")));
	else
		ep->proto_source = xasprintf("Service %s port %lld declares no protocol: Istio sniffs it",
					     svc_name, (long long)json_integer_value(json_object_get(sp, "port")));
}

static void endpoint_init(struct endpoint *ep, const struct objset *set, json_t *pod, int templated)
{
	json_t *svcs = namespace_services(set, obj_namespace(pod));

	ep->pod = json_incref(pod);
	ep->templated = templated;
	ep->ports = authz_pod_ports(pod, svcs);
	ep->desc = templated ? xasprintf("the pod template of %s.%s", obj_name(pod), obj_namespace(pod)) :
			       xasprintf("pod/%s.%s", obj_name(pod), obj_namespace(pod));
	json_decref(svcs);
}

/* A workload endpoint's port: --port or the only one; protocol from the Service forwarding to it. */
static int workload_port(struct endpoint *ep, const struct objset *set, const char *text,
			 const char *what, struct strbuf *err)
{
	json_t *e;
	long port;

	if (text && !strcmp(text, PORT_ANY)) {
		ep->proto_source = xstrdup("");
		return 0;
	}
	if (text && !is_number(text)) {
		port = obj_container_port(ep->pod, text);
		if (port < 0) {
			strbuf_addf(err, "%s has no port named \"%s\" (ports: ", what, text);
			list_ports(err, ep->ports, "port");
			strbuf_addch(err, ')');
			return -1;
		}
	} else if (text) {
		port = atol(text);
		if (port < 1 || port > 65535) {
			strbuf_addf(err, "--port: %s is not a port number", text);
			return -1;
		}
	} else {
		if (!(e = pick_port(ep->ports, "port", NULL, what, err)))
			return -1;
		port = (long)json_integer_value(json_object_get(e, "port"));
	}
	ep->port = (int)port;
	e = authz_pod_port(ep->ports, port);
	if (e && json_is_string(json_object_get(e, "service"))) {
		ep->svc = objset_get(set, OBJ_SERVICE, obj_namespace(ep->pod),
				     json_string_value(json_object_get(e, "service")));
		ep->svc_port = (int)json_integer_value(json_object_get(e, "service_port"));
	}
	if (ep->svc) {
		service_protocol(ep, obj_service_port(ep->svc, ep->svc_port), obj_name(ep->svc));
	} else {
		ep->proto_source = xasprintf("no Service forwards to port %d: Istio sniffs the protocol",
					     ep->port);
	}
	return 0;
}

static int add_workload_endpoints(struct target *t, const struct objset *set, json_t *pods,
				  json_t *tmpl, const char *port, const char *what, struct strbuf *err)
{
	json_t *reps = json_array_size(pods) ? distinct_labels(pods) : json_pack("[O]", tmpl), *pod;
	size_t i;
	int r = 0;

	t->ep = xcalloc(json_array_size(reps) + 1, sizeof(*t->ep));
	json_array_foreach(reps, i, pod) {
		struct endpoint *ep = &t->ep[t->nep++];
		endpoint_init(ep, set, pod, !json_array_size(pods));
		if ((r = workload_port(ep, set, port, what, err)))
			break;
	}
	json_decref(reps);
	return r;
}

static int add_service_endpoints(struct target *t, const struct objset *set, json_t *svc,
				 const char *port, const char *what, int live, struct strbuf *err)
{
	int any = port && !strcmp(port, PORT_ANY);
	json_t *sp = any ? NULL : pick_port(obj_path(svc, "spec.ports"), "port", port, what, err);
	json_t *pods, *reps, *pod;
	size_t i;
	int r = 0;

	if (!sp && !any) {
		if (!err->len) {
			strbuf_addf(err, "%s has no port %s (ports: ", what, port);
			list_ports(err, obj_path(svc, "spec.ports"), "port");
			strbuf_addch(err, ')');
		}
		return -1;
	}
	pods = selected_pods(set, obj_namespace(svc), obj_path(svc, "spec.selector"), 1);
	if (!json_array_size(pods)) {
		strbuf_addf(err, "%s selects no running pod%s", what, live ? "" : " in the files");
		json_decref(pods);
		return -1;
	}
	reps = distinct_labels(pods);
	t->ep = xcalloc(json_array_size(reps) + 1, sizeof(*t->ep));
	json_array_foreach(reps, i, pod) {
		struct endpoint *ep = &t->ep[t->nep++];
		long tp = any ? 0 : obj_target_port(sp, pod);
		endpoint_init(ep, set, pod, 0);
		ep->svc = svc;
		if (any) {
			ep->proto_source = xstrdup("");
			continue;
		}
		ep->svc_port = (int)json_integer_value(json_object_get(sp, "port"));
		ep->port = (int)tp;
		service_protocol(ep, sp, obj_name(svc));
		if (tp < 0) {
			strbuf_addf(err, "%s port %d targets port \"%s\", which %s does not declare",
				    what, ep->svc_port,
				    json_string_value(json_object_get(sp, "targetPort")), ep->desc);
			r = -1;
			break;
		}
	}
	json_decref(reps);
	json_decref(pods);
	return r;
}

int target_resolve(const struct objset *set, const struct ref *ref, const char *port, int live,
		   struct target *t, struct strbuf *err)
{
	json_t *obj = objset_get(set, ref->kind, ref->ns, ref->name), *pods, *tmpl;
	char *what;
	int r;

	memset(t, 0, sizeof(*t));
	t->ref.kind = ref->kind;
	t->ref.name = xstrdup(ref->name);
	t->ref.ns = xstrdup(ref->ns);
	if (!obj) {
		not_found(err, ref->kind, ref->name, ref->ns, live);
		return -1;
	}
	what = xasprintf("%s \"%s\"", obj_kind_info(ref->kind)->singular, ref->name);
	if (ref->kind == OBJ_SERVICE) {
		r = add_service_endpoints(t, set, obj, port, what, live, err);
	} else {
		pods = workload_pods(set, ref, live, err);
		tmpl = ref->kind == OBJ_POD ? NULL : template_pod(obj);
		r = add_workload_endpoints(t, set, pods, tmpl, port, what, err);
		json_decref(pods);
		json_decref(tmpl);
	}
	free(what);
	return r;
}

void target_release(struct target *t)
{
	size_t i;
	for (i = 0; i < t->nep; i++) {
		json_decref(t->ep[i].pod);
		json_decref(t->ep[i].ports);
		free(t->ep[i].proto_source);
		free(t->ep[i].desc);
	}
	free(t->ep);
	ref_release(&t->ref);
}

const char *const protocol_words[] = { "http", "tcp", NULL };

/* --- request pieces --- */

int parse_protocol_flag(struct cli *cli, const char *text, int *proto)
{
	*proto = -1;
	if (!text)
		return 0;
	if (!strcmp(text, "http"))
		*proto = AUTHZ_HTTP;
	else if (!strcmp(text, "tcp"))
		*proto = AUTHZ_TCP;
	else
		return cli_usage_error(cli, "--protocol: \"%s\" is not http or tcp", text);
	return 0;
}

int parse_method_path(struct cli *cli, int argc, char **argv, const char **method,
		      const char **path)
{
	*method = argc > 0 ? argv[0] : NULL;
	*path = argc > 1 ? argv[1] : NULL;
	if (*method && !**method)
		return cli_usage_error(cli, "METHOD must not be empty");
	if (*path && (*path)[0] != '/')
		return cli_usage_error(cli, "PATH \"%s\" must start with /", *path);
	return 0;
}

enum authz_proto endpoint_proto(const struct endpoint *ep, int forced, const char *method,
				struct strbuf *why)
{
	if (forced >= 0) {
		strbuf_addstr(why, "--protocol");
		return (enum authz_proto)forced;
	}
	strbuf_addstr(why, ep->proto_source);
	if (ep->protocol)
		return authz_protocol_is_http(ep->protocol) ? AUTHZ_HTTP : AUTHZ_TCP;
	strbuf_addstr(why, method ? "; sniffed as HTTP" : "; sniffed as TCP (no METHOD given)");
	return method ? AUTHZ_HTTP : AUTHZ_TCP;
}

char *default_host(const struct endpoint *ep)
{
	const char *ip = json_string_value(obj_path(ep->pod, "status.podIP"));
	if (ep->svc)
		return ep->svc_port == 80 ? xstrdup(obj_name(ep->svc)) :
		       xasprintf("%s:%d", obj_name(ep->svc), ep->svc_port);
	return ip ? xasprintf("%s:%d", ip, ep->port) : NULL;
}
