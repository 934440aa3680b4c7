/* SPDX-License-Identifier: Apache-2.0 */
/* Request info as the API server derives it, the request pipeline and dispatch. */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fake.h"
#include "xalloc.h"

static void split_path(struct reqinfo *ri, const char *path)
{
	size_t alloc = 0;

	while (*path) {
		const char *end;

		while (*path == '/')
			path++;
		if (!*path)
			break;
		end = strchr(path, '/');
		if (!end)
			end = path + strlen(path);
		ALLOC_GROW(ri->parts, ri->nr_parts + 1, alloc);
		ri->parts[ri->nr_parts++] = xstrndup(path, (size_t)(end - path));
		path = end;
	}
}

static void resource_verb(struct reqinfo *ri, const struct request *req)
{
	const char *m = req->method;
	const char *verb;

	if (!strcmp(m, "GET") || !strcmp(m, "HEAD"))
		verb = ri->name ? "get" :
		       request_param_true(req, "watch") ? "watch" : "list";
	else if (!strcmp(m, "POST"))
		verb = "create";
	else if (!strcmp(m, "PUT"))
		verb = "update";
	else if (!strcmp(m, "PATCH"))
		verb = "patch";
	else if (!strcmp(m, "DELETE"))
		verb = ri->name ? "delete" : "deletecollection";
	else
		verb = "";
	snprintf(ri->verb, sizeof(ri->verb), "%s", verb);
}

/* Fill resource, namespace, name and subresource from the parts after the group version. */
static void resource_parts(struct reqinfo *ri, char **rest, size_t n)
{
	if (!strcmp(rest[0], "namespaces") && n > 1) {
		ri->namespace = xstrdup(rest[1]);
		if (n > 2 && strcmp(rest[2], "status") && strcmp(rest[2], "finalize")) {
			rest += 2;
			n -= 2;
		}
	}
	ri->resource = xstrdup(rest[0]);
	if (n > 1)
		ri->name = xstrdup(rest[1]);
	if (n > 2)
		ri->subresource = xstrdup(rest[2]);
}

void reqinfo_parse(struct reqinfo *ri, const struct request *req)
{
	size_t skip = 0;
	size_t i;

	memset(ri, 0, sizeof(*ri));
	split_path(ri, req->path);
	if (ri->nr_parts && !strcmp(ri->parts[0], "api")) {
		ri->prefix = xstrdup("api");
		ri->group = xstrdup("");
		if (ri->nr_parts > 1)
			ri->version = xstrdup(ri->parts[1]);
		skip = 2;
	} else if (ri->nr_parts && !strcmp(ri->parts[0], "apis")) {
		ri->prefix = xstrdup("apis");
		if (ri->nr_parts > 2) {
			ri->group = xstrdup(ri->parts[1]);
			ri->version = xstrdup(ri->parts[2]);
		}
		skip = 3;
	}
	if (ri->prefix && ri->nr_parts > skip) {
		ri->is_resource = 1;
		resource_parts(ri, ri->parts + skip, ri->nr_parts - skip);
		resource_verb(ri, req);
	} else {
		snprintf(ri->verb, sizeof(ri->verb), "%s", req->method);
		for (i = 0; ri->verb[i]; i++)
			ri->verb[i] = (char)(ri->verb[i] | 0x20);
	}
}

void reqinfo_release(struct reqinfo *ri)
{
	size_t i;

	for (i = 0; i < ri->nr_parts; i++)
		free(ri->parts[i]);
	free(ri->parts);
	free(ri->prefix);
	free(ri->group);
	free(ri->version);
	free(ri->resource);
	free(ri->subresource);
	free(ri->namespace);
	free(ri->name);
	memset(ri, 0, sizeof(*ri));
}

/* ---- non-resource paths ---- */

static void respond_version(const struct server *srv, struct response *resp)
{
	const char *v = srv->server_version;
	unsigned major = 0, minor = 0;
	json_t *doc = json_object();
	char *text;

	if (sscanf(v, "v%u.%u", &major, &minor) != 2) {
		major = 1;
		minor = 32;
	}
	json_object_set_new(doc, "major", json_sprintf("%u", major));
	json_object_set_new(doc, "minor", json_sprintf("%u", minor));
	json_object_set_new(doc, "gitVersion", json_string(v));
	json_object_set_new(doc, "gitCommit",
			    json_string("59526cd4867447956156ae3a602fcbac10a2c335"));
	json_object_set_new(doc, "gitTreeState", json_string("clean"));
	json_object_set_new(doc, "buildDate", json_string("2025-04-22T16:57:16Z"));
	json_object_set_new(doc, "goVersion", json_string("go1.23.6"));
	json_object_set_new(doc, "compiler", json_string("gc"));
	json_object_set_new(doc, "platform", json_string("linux/amd64"));
	text = json_dumps(doc, JSON_INDENT(2));
	response_json(resp, 200, text);
	free(text);
	json_decref(doc);
}

static void handle_nonresource(const struct server *srv, const struct request *req,
			       const struct reqinfo *ri, struct response *resp)
{
	if (strcmp(req->method, "GET")) {
		respond_not_found_path(resp);
	} else if (!strcmp(req->path, "/version")) {
		respond_version(srv, resp);
	} else if (!strcmp(req->path, "/healthz") || !strcmp(req->path, "/readyz") ||
		   !strcmp(req->path, "/livez")) {
		resp->content_type = "text/plain; charset=utf-8";
		strbuf_addstr(&resp->body, "ok");
		resp->no_gzip = 1;
	} else if (discovery_handle(srv, ri, resp) < 0) {
		respond_not_found_path(resp);
	}
}

/* ---- resources ---- */

static void method_not_allowed(struct response *resp)
{
	respond_status(resp, 405, "MethodNotAllowed",
		       "the server does not allow this method on the requested resource",
		       json_object(), NULL);
}

static int is_upgrade(const struct request *req)
{
	const char *conn = request_header(req, "connection");

	return conn && strcasestr(conn, "upgrade") && request_header(req, "upgrade");
}

/* pods/{name}/{sub}; returns 1 when an upgrade handler took the connection. */
static int handle_subresource(struct server *srv, struct conn *c,
			      const struct request *req, const struct reqinfo *ri,
			      const struct resource_def *res, struct response *resp)
{
	const char *ns = (res->flags & RES_NAMESPACED) ? ri->namespace : "";
	struct object *o = store_find(store_bucket(&srv->store, res), ns, ri->name);
	const char *sub = ri->subresource;
	upgrade_fn fn;

	if (!o) {
		respond_not_found_object(resp, res->group, res->resource, ri->name);
	} else if (!strcmp(sub, "exec") || !strcmp(sub, "portforward")) {
		fn = upgrade_lookup(srv, sub);
		if (fn && is_upgrade(req)) {
			resp->code = fn(srv, c, req, o->json);
			return 1;
		}
		respond_bad_request(resp, "Upgrade request required");
	} else if (strcmp(req->method, "GET")) {
		method_not_allowed(resp);
	} else if (!strcmp(sub, "log")) {
		handle_pod_log(srv, req, ri, o, resp);
	} else {
		handle_get(srv, req, ri, res, resp);
	}
	return 0;
}

static int handle_resource(struct server *srv, struct conn *c,
			   const struct request *req, const struct reqinfo *ri,
			   struct response *resp)
{
	const struct resource_def *res;
	int namespaced;

	res = resource_lookup(srv, ri->group, ri->version, ri->resource);
	if (!res) {
		respond_not_found_path(resp);
		return 0;
	}
	namespaced = res->flags & RES_NAMESPACED;
	if ((namespaced && ri->name && !ri->namespace) ||
	    (!namespaced && ri->namespace && strcmp(res->resource, "namespaces")) ||
	    (ri->subresource && !resource_has_subresource(res, ri->subresource))) {
		respond_not_found_path(resp);
		return 0;
	}
	if (ri->subresource)
		return handle_subresource(srv, c, req, ri, res, resp);
	if (strcmp(req->method, "GET") || !strcmp(ri->verb, "watch"))
		method_not_allowed(resp);
	else if (ri->name)
		handle_get(srv, req, ri, res, resp);
	else
		handle_list(srv, req, ri, res, resp);
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0)
		;
}

int router_handle(struct server *srv, struct conn *c, struct request *req,
		  struct response *resp)
{
	struct fault_effect eff;
	struct reqinfo ri;
	int upgraded = 0;

	memset(&eff, 0, sizeof(eff));
	strbuf_init(&eff.warnings, 0);
	reqinfo_parse(&ri, req);
	if (srv->have_faults)
		faults_apply(&srv->faults, req, &eff, resp);
	if (eff.slow_ms)
		sleep_ms(eff.slow_ms);
	if (eff.terminal)
		goto out;
	req->ws = eff.ws;
	if (auth_authenticate(srv, req, resp) < 0 ||
	    auth_authorize(srv, req, &ri, resp) < 0 ||
	    ws_authorize_create(srv, req, &ri, resp) < 0)
		goto out;
	if (ri.is_resource)
		upgraded = handle_resource(srv, c, req, &ri, resp);
	else
		handle_nonresource(srv, req, &ri, resp);
out:
	strbuf_add(&resp->headers, eff.warnings.buf, eff.warnings.len);
	if (eff.truncate && resp->mode == RESP_NORMAL)
		resp->mode = RESP_TRUNCATE;
	fault_effect_release(&eff);
	reqinfo_release(&ri);
	return upgraded;
}
