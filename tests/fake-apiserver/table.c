/* SPDX-License-Identifier: Apache-2.0 */
/* Server-side meta.k8s.io/v1 Table responses, the way `kubectl get` asks for them. */
#include <string.h>
#include <time.h>

#include "fake.h"
#include "labels.h"
#include "objects.h"
#include "rfc3339.h"
#include "xalloc.h"

int table_wanted(const struct request *req)
{
	const char *accept = request_header(req, "accept");

	return accept && strstr(accept, "as=Table") && strstr(accept, "g=meta.k8s.io");
}

/* ---- cells ---- */

static const char *str_at(json_t *obj, const char *path, const char *dflt)
{
	const char *s = json_string_value(obj_path(obj, path));

	return s ? s : dflt;
}

static long long int_at(json_t *obj, const char *path, long long dflt)
{
	json_t *v = obj_path(obj, path);

	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

static json_t *age_cell(json_t *obj)
{
	const char *ts = str_at(obj, "metadata.creationTimestamp", NULL);
	struct strbuf out = STRBUF_INIT;
	json_t *cell;
	time_t created;

	if (!ts || rfc3339_parse(ts, strlen(ts), RFC3339_GO, &created))
		return json_string("<unknown>");
	human_duration(&out, (long long)(time(NULL) - created));
	cell = json_string(out.buf);
	strbuf_release(&out);
	return cell;
}

/* "k=v,k2=v2" of a string map in key order, or "<none>". */
static json_t *map_cell(json_t *map)
{
	char *text = labels_text(map);
	json_t *v = json_string(*text ? text : "<none>");
	free(text);
	return v;
}

/* The named field of every element of arr joined with ",". */
static json_t *join_cell(json_t *arr, const char *field)
{
	struct strbuf out = STRBUF_INIT;
	json_t *e, *cell;
	size_t i;

	json_array_foreach(arr, i, e)
		strbuf_addf(&out, "%s%s", i ? "," : "", str_at(e, field, ""));
	cell = json_string(out.buf);
	strbuf_release(&out);
	return cell;
}

/* ---- per-kind rows ---- */

static void pod_cells(json_t *row, json_t *pod)
{
	json_t *statuses = obj_path(pod, "status.containerStatuses");
	const char *reason = str_at(pod, "status.reason", str_at(pod, "status.phase", ""));
	long long restarts = 0;
	size_t ready = 0, i = json_array_size(statuses);

	while (i-- > 0) {
		json_t *cs = json_array_get(statuses, i);
		json_t *term = obj_path(cs, "state.terminated");

		restarts += int_at(cs, "restartCount", 0);
		if (str_at(cs, "state.waiting.reason", NULL))
			reason = str_at(cs, "state.waiting.reason", NULL);
		else if (str_at(term, "reason", NULL))
			reason = str_at(term, "reason", NULL);
		else if (term)
			reason = "Error";
		else if (obj_path(cs, "state.running") &&
			 json_is_true(json_object_get(cs, "ready")))
			ready++;
	}
	if (obj_path(pod, "metadata.deletionTimestamp"))
		reason = "Terminating";
	json_array_append_new(row, json_sprintf("%zu/%zu", ready,
			      json_array_size(obj_path(pod, "spec.containers"))));
	json_array_append_new(row, json_string(reason));
	json_array_append_new(row, json_sprintf("%lld", restarts));
	json_array_append_new(row, age_cell(pod));
	json_array_append_new(row, json_string(str_at(pod, "status.podIP", "<none>")));
	json_array_append_new(row, json_string(str_at(pod, "spec.nodeName", "<none>")));
	json_array_append_new(row, json_string(str_at(pod, "status.nominatedNodeName", "<none>")));
	json_array_append_new(row, json_string("<none>"));
}

static json_t *ports_cell(json_t *svc)
{
	struct strbuf out = STRBUF_INIT;
	json_t *p, *cell;
	size_t i;

	json_array_foreach(obj_path(svc, "spec.ports"), i, p) {
		strbuf_addf(&out, "%s%lld", i ? "," : "", int_at(p, "port", 0));
		if (int_at(p, "nodePort", 0))
			strbuf_addf(&out, ":%lld", int_at(p, "nodePort", 0));
		strbuf_addf(&out, "/%s", str_at(p, "protocol", "TCP"));
	}
	cell = json_string(out.len ? out.buf : "<none>");
	strbuf_release(&out);
	return cell;
}

static void service_cells(json_t *row, json_t *svc)
{
	json_t *ingress = obj_path(svc, "status.loadBalancer.ingress");
	const char *type = str_at(svc, "spec.type", "ClusterIP");

	json_array_append_new(row, json_string(type));
	json_array_append_new(row, json_string(str_at(svc, "spec.clusterIP", "<none>")));
	if (!strcmp(type, "ExternalName"))
		json_array_append_new(row, json_string(str_at(svc, "spec.externalName", "<none>")));
	else if (json_array_size(ingress))
		json_array_append_new(row, join_cell(ingress, "ip"));
	else
		json_array_append_new(row, json_string("<none>"));
	json_array_append_new(row, ports_cell(svc));
	json_array_append_new(row, age_cell(svc));
	json_array_append_new(row, map_cell(obj_path(svc, "spec.selector")));
}

static void deployment_cells(json_t *row, json_t *d)
{
	json_t *containers = obj_path(d, "spec.template.spec.containers");

	json_array_append_new(row, json_sprintf("%lld/%lld", int_at(d, "status.readyReplicas", 0),
			      int_at(d, "spec.replicas", 1)));
	json_array_append_new(row, json_integer(int_at(d, "status.updatedReplicas", 0)));
	json_array_append_new(row, json_integer(int_at(d, "status.availableReplicas", 0)));
	json_array_append_new(row, age_cell(d));
	json_array_append_new(row, join_cell(containers, "name"));
	json_array_append_new(row, join_cell(containers, "image"));
	json_array_append_new(row, map_cell(obj_path(d, "spec.selector.matchLabels")));
}

static void crd_cells(json_t *row, json_t *obj, const char *columns)
{
	const char *p = columns;

	while (p && *p) {
		const char *eq = strchr(p, '=');
		/* "Mode=.spec.mtls.mode": a JSONPath, read without its leading dot */
		const char *from = eq + 1 + (eq[1] == '.');
		const char *end = strchr(p, ';');
		char *path = end ? xstrndup(from, (size_t)(end - from)) : xstrdup(from);
		json_t *v = obj_path(obj, path);

		if (json_is_array(v) || json_is_object(v)) {
			char *text = json_dumps(v, JSON_COMPACT);

			json_array_append_new(row, json_string(text));
			free(text);
		} else {
			json_array_append_new(row, v ? json_deep_copy(v) : json_null());
		}
		free(path);
		p = end ? end + 1 : NULL;
	}
	json_array_append_new(row, age_cell(obj));
}

/* ---- columns ---- */

static void add_column(json_t *cols, const char *name, const char *type,
		       const char *format, int priority)
{
	json_t *c = json_object();

	json_object_set_new(c, "name", json_string(name));
	json_object_set_new(c, "type", json_string(type));
	json_object_set_new(c, "format", json_string(format));
	json_object_set_new(c, "description", json_string(""));
	json_object_set_new(c, "priority", json_integer(priority));
	json_array_append_new(cols, c);
}

/* "Name:type:priority,..." */
static void add_columns(json_t *cols, const char *spec)
{
	char *copy = xstrdup(spec), *p = copy;

	while (p && *p) {
		char *next = strchr(p, ',');
		char *type, *prio;

		if (next)
			*next++ = '\0';
		type = strchr(p, ':');
		*type++ = '\0';
		prio = strchr(type, ':');
		*prio++ = '\0';
		add_column(cols, p, type, "", *prio - '0');
		p = next;
	}
	free(copy);
}

static json_t *columns_for(const struct resource_def *res)
{
	json_t *cols = json_array();
	const char *p = res->printer_columns;

	add_column(cols, "Name", "string", "name", 0);
	switch (res->table) {
	case TABLE_POD:
		add_columns(cols, "Ready:string:0,Status:string:0,Restarts:string:0,"
			    "Age:string:0,IP:string:1,Node:string:1,"
			    "Nominated Node:string:1,Readiness Gates:string:1");
		break;
	case TABLE_NAMESPACE:
		add_columns(cols, "Status:string:0,Age:string:0");
		break;
	case TABLE_SERVICE:
		add_columns(cols, "Type:string:0,Cluster-IP:string:0,External-IP:string:0,"
			    "Port(s):string:0,Age:string:0,Selector:string:1");
		break;
	case TABLE_DEPLOYMENT:
		add_columns(cols, "Ready:string:0,Up-to-date:integer:0,Available:integer:0,"
			    "Age:string:0,Containers:string:1,Images:string:1,Selector:string:1");
		break;
	case TABLE_CRD:
		while (p && *p) {
			const char *eq = strchr(p, '=');
			char *name = xstrndup(p, (size_t)(eq - p));

			add_column(cols, name, "string", "", 0);
			free(name);
			p = strchr(eq, ';');
			if (p)
				p++;
		}
		add_column(cols, "Age", "date", "", 0);
		break;
	case TABLE_GENERIC:
		add_columns(cols, "Age:string:0");
		break;
	}
	return cols;
}

static json_t *row_cells(const struct resource_def *res, json_t *obj)
{
	json_t *row = json_array();

	json_array_append_new(row, json_string(str_at(obj, "metadata.name", "")));
	switch (res->table) {
	case TABLE_POD:
		pod_cells(row, obj);
		break;
	case TABLE_NAMESPACE:
		json_array_append_new(row, json_string(str_at(obj, "status.phase", "Active")));
		json_array_append_new(row, age_cell(obj));
		break;
	case TABLE_SERVICE:
		service_cells(row, obj);
		break;
	case TABLE_DEPLOYMENT:
		deployment_cells(row, obj);
		break;
	case TABLE_CRD:
		crd_cells(row, obj, res->printer_columns);
		break;
	case TABLE_GENERIC:
		json_array_append_new(row, age_cell(obj));
		break;
	}
	return row;
}

/* The row's object per includeObject (None, Object, default Metadata). */
static void append_row_object(struct strbuf *out, const struct request *req,
			      const struct resource_def *res, const char *version,
			      const struct object *o)
{
	char *include = request_param(req, "includeObject");
	char *meta;

	if (include && !strcmp(include, "None")) {
		free(include);
		return;
	}
	strbuf_addstr(out, ",\"object\":");
	if (include && !strcmp(include, "Object")) {
		object_append(out, o, res, version, 1);
	} else {
		meta = json_dumps(json_object_get(o->json, "metadata"), JSON_COMPACT);
		strbuf_addf(out, "{\"kind\":\"PartialObjectMetadata\","
			    "\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":%s}", meta);
		free(meta);
	}
	free(include);
}

void table_render(struct strbuf *out, const struct request *req,
		  const struct resource_def *res, const char *version,
		  struct object **objs, size_t nr, const char *list_meta)
{
	json_t *cols = columns_for(res);
	char *text = json_dumps(cols, JSON_COMPACT);
	size_t i;

	strbuf_addf(out, "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\","
		    "\"metadata\":%s,\"columnDefinitions\":%s,\"rows\":[", list_meta, text);
	free(text);
	json_decref(cols);
	for (i = 0; i < nr; i++) {
		json_t *cells = row_cells(res, objs[i]->json);

		text = json_dumps(cells, JSON_COMPACT);
		strbuf_addf(out, "%s{\"cells\":%s", i ? "," : "", text);
		free(text);
		json_decref(cells);
		append_row_object(out, req, res, version, objs[i]);
		strbuf_addch(out, '}');
	}
	strbuf_addstr(out, "]}");
}
