/* SPDX-License-Identifier: Apache-2.0 */
/* Istio's protocol for a port: appProtocol, then the port name's prefix, then sniffing. */
#include "authz_priv.h"
#include "labels.h"

#include <string.h>
#include <strings.h>

static const char *const protocols[] = {
	"TCP", "UDP", "GRPC", "GRPC-Web", "HTTP", "HTTP_PROXY", "HTTP2", "HTTPS", "TLS",
	"Mongo", "Redis", "MySQL",
};

/* protocol.Parse: case-insensitive; NULL for "unsupported". */
static const char *parse_protocol(const char *name, size_t len)
{
	size_t i;
	for (i = 0; i < ARRAY_SIZE(protocols); i++)
		if (strlen(protocols[i]) == len && !strncasecmp(protocols[i], name, len))
			return protocols[i];
	return NULL;
}

const char *authz_port_protocol(json_t *port)
{
	const char *app = json_string_value(json_object_get(port, "appProtocol"));
	const char *name = app ? app : json_string_value(json_object_get(port, "name"));
	const char *proto = json_string_value(json_object_get(port, "protocol"));
	json_t *num = json_object_get(port, "port");
	json_int_t n;
	const char *p;

	if (proto && !strcmp(proto, "UDP"))
		return "UDP";
	if (!num)
		num = json_object_get(port, "containerPort");
	n = json_integer_value(num);
	if (app && !strcmp(app, "kubernetes.io/h2c"))
		return "HTTP2";
	if (name && !strncasecmp(name, "grpc-web", 8))
		return "GRPC-Web";
	p = name ? parse_protocol(name, strcspn(name, "-")) : NULL;
	if (!p && (n == 25 || n == 53 || n == 3306 || n == 27017))
		return "TCP";
	return p;
}

int authz_protocol_is_http(const char *protocol)
{
	static const char *const http[] = { "HTTP", "HTTP2", "GRPC", "GRPC-Web", "HTTP_PROXY" };
	size_t i;
	for (i = 0; protocol && i < ARRAY_SIZE(http); i++)
		if (!strcmp(protocol, http[i]))
			return 1;
	return 0;
}

json_t *authz_pod_port(json_t *ports, long port)
{
	json_t *e;
	size_t i;
	json_array_foreach(ports, i, e)
		if (json_integer_value(json_object_get(e, "port")) == port)
			return e;
	return NULL;
}

static json_t *port_entry(json_t *out, long port)
{
	json_t *e = authz_pod_port(out, port);

	if (e)
		return e;
	e = json_pack("{s:I, s:n, s:b, s:n, s:n}", "port", (json_int_t)port, "protocol", "http", 1,
		      "service", "service_port");
	json_array_append_new(out, e);
	return e;
}

/* The first Service (in the order given) that forwards to the port decides its protocol. */
static void service_ports(json_t *out, json_t *pod, json_t *svc)
{
	json_t *sel = obj_path(svc, "spec.selector"), *sp;
	size_t i;

	if (!json_object_size(sel) || !labels_contain(obj_labels(pod), sel))
		return;
	json_array_foreach(obj_path(svc, "spec.ports"), i, sp) {
		long tp = obj_target_port(sp, pod);
		json_t *e;
		const char *proto;
		if (tp < 0)
			continue;
		e = port_entry(out, tp);
		if (json_is_string(json_object_get(e, "service")))
			continue;
		proto = authz_port_protocol(sp);
		json_object_set_new(e, "protocol", proto ? json_string(proto) : json_null());
		json_object_set_new(e, "http", json_boolean(!proto || authz_protocol_is_http(proto)));
		json_object_set_new(e, "service", json_string(obj_name(svc)));
		json_object_set(e, "service_port", json_object_get(sp, "port"));
		if (json_is_string(json_object_get(sp, "name")))
			json_object_set(e, "port_name", json_object_get(sp, "name"));
		if (json_is_string(json_object_get(sp, "appProtocol")))
			json_object_set(e, "app_protocol", json_object_get(sp, "appProtocol"));
	}
}

json_t *authz_pod_ports(json_t *pod, json_t *services)
{
	json_t *out = json_array(), *c, *p, *svc;
	size_t i, j;

	json_array_foreach(obj_path(pod, "spec.containers"), i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		if (name && !strcmp(name, "istio-proxy"))
			continue;
		json_array_foreach(json_object_get(c, "ports"), j, p)
			if (json_is_integer(json_object_get(p, "containerPort")))
				port_entry(out, (long)json_integer_value(json_object_get(p, "containerPort")));
	}
	json_array_foreach(services, i, svc)
		service_ports(out, pod, svc);
	return out;
}

int pod_has_sidecar(json_t *pod)
{
	return obj_annotation(pod, "sidecar.istio.io/status") || obj_pod_has_istio_proxy(pod);
}
