/* SPDX-License-Identifier: Apache-2.0 */
/* status POD: istiod's config for a proxy against the proxy's own, as istioctl's comparator prints it. */
#include "status.h"
#include "configdump.h"
#include "proxy.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define V3(type) "type.googleapis.com/envoy.config." type

/* Delete a proto field in either spelling. */
static void pb_del(json_t *obj, const char *field)
{
	struct strbuf camel = STRBUF_INIT;

	json_object_del(obj, field);
	pb_camel(&camel, field);
	json_object_del(obj, camel.buf);
	strbuf_release(&camel);
}

/* Replace a proto field's value under the spelling the object already uses. */
static void pb_set(json_t *obj, const char *field, json_t *value)
{
	struct strbuf camel = STRBUF_INIT;

	pb_camel(&camel, field);
	json_object_set_new(obj, json_object_get(obj, camel.buf) ? camel.buf : field, value);
	strbuf_release(&camel);
}

/* A copy of an Any with its type URL set to type (first, as jsonpb writes it). */
static json_t *retyped(json_t *any, const char *type)
{
	json_t *out = json_object(), *v;
	const char *k;

	json_object_set_new(out, "@type", json_string(type));
	json_object_foreach(any, k, v)
		if (strcmp(k, "@type"))
			json_object_set(out, k, v);
	return out;
}

/* Sorting entries by the name of the message at a path, as sort.Slice does. */
static int name_less(const void *a, const void *b, void *path)
{
	return strcmp(pb_str(a, path), pb_str(b, path)) < 0;
}

static json_t *sorted_by(json_t *list, const char *path)
{
	void **v = xcalloc(json_array_size(list) + 1, sizeof(*v));
	json_t *out = json_array(), *e;
	size_t i;

	json_array_foreach(list, i, e)
		v[i] = e;
	go_sort_slice(v, json_array_size(list), name_less, (void *)path);
	for (i = 0; i < json_array_size(list); i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

/* A config dump holding list, sorted by path, as field (left out when empty); takes list. */
static json_t *dump_of(json_t *list, const char *path, const char *field)
{
	json_t *sorted = sorted_by(list, path), *dump = json_object();

	if (json_array_size(sorted))
		json_object_set(dump, field, sorted);
	json_decref(sorted);
	json_decref(list);
	return dump;
}

/* A copy of a dump entry with its Any `field` retyped to type and its version fields dropped. */
static json_t *stripped(json_t *entry, const char *field, const char *type)
{
	json_t *c = json_deep_copy(entry);

	pb_set(c, field, retyped(pb_get(entry, field), type));
	pb_del(c, "version_info");
	pb_del(c, "last_updated");
	return c;
}

/* GetDynamicClusterDump(true): active clusters sorted by name, versions stripped. */
static json_t *dynamic_clusters(json_t *section)
{
	json_t *dac = json_array(), *e;
	size_t i;

	json_array_foreach(pb_get(section, "dynamic_active_clusters"), i, e)
		json_array_append_new(dac, stripped(e, "cluster", V3("cluster.v3.Cluster")));
	return dump_of(dac, "cluster.name", "dynamic_active_clusters");
}

/* GetDynamicListenerDump(true): active listeners by name, draining state, versions and names dropped. */
static json_t *dynamic_listeners(json_t *section)
{
	json_t *dal = json_array(), *e;
	size_t i;

	json_array_foreach(pb_get(section, "dynamic_listeners"), i, e) {
		json_t *l, *active = pb_get(e, "active_state");
		if (!active)
			continue;
		l = json_deep_copy(e);
		pb_del(l, "draining_state");
		pb_del(l, "name");
		pb_set(l, "active_state", stripped(active, "listener", V3("listener.v3.Listener")));
		json_array_append_new(dal, l);
	}
	return dump_of(dal, "active_state.listener.name", "dynamic_listeners");
}

/* GetDynamicRouteDump(true): route configurations and their virtual hosts by name, versions stripped. */
static json_t *dynamic_routes(json_t *section)
{
	json_t *drc = json_array(), *e;
	size_t i;

	json_array_foreach(pb_get(section, "dynamic_route_configs"), i, e) {
		json_t *r = stripped(e, "route_config", V3("route.v3.RouteConfiguration"));
		json_t *vhosts = pb_get(pb_get(r, "route_config"), "virtual_hosts");

		if (json_is_array(vhosts)) {
			json_t *vs = sorted_by(vhosts, "name");
			json_array_clear(vhosts);
			json_array_extend(vhosts, vs);
			json_decref(vs);
		}
		json_array_append_new(drc, r);
	}
	return dump_of(drc, "route_config.name", "dynamic_route_configs");
}

typedef json_t *(*section_fn)(json_t *section);

/* One side of a comparison: the stripped section as jsonpb indents it, or the error text. */
static void side_text(const struct config_dump *d, const char *type, section_fn fn,
		      struct strbuf *out)
{
	json_t *section = config_dump_section_json(d, type, out), *dump, *pb;

	if (!section)
		return;
	dump = fn(section);
	pb = pbjson_message(dump, 0);
	gojson_jsonpb(out, pb);
	json_decref(pb);
	json_decref(dump);
	json_decref(section);
}

/* The newest last_updated of Envoy's dynamic route configurations, as " (RDS last loaded at ...)". */
static void rds_loaded(const struct config_dump *envoy, struct strbuf *out)
{
	json_t *section = config_dump_section_json(envoy, DUMP_TYPE("RoutesConfigDump"), NULL), *e;
	time_t newest = 0, t;
	long nanos;
	size_t i;
	char when[64];
	struct tm tm;

	json_array_foreach(pb_get(section, "dynamic_route_configs"), i, e)
		if (!rfc3339_parse_nanos(pb_str(e, "last_updated"), &t, &nanos) && t > newest)
			newest = t;
	json_decref(section);
	if (newest <= 0)
		return;
	localtime_r(&newest, &tm);
	strftime(when, sizeof(when), "%a, %d %b %Y %H:%M:%S %Z", &tm);
	strbuf_addf(out, " (RDS last loaded at %s)", when);
}

static int compare_section(const struct config_dump *istiod, const struct config_dump *envoy,
			   const char *title, const char *type, section_fn fn, struct strbuf *out)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, diff = STRBUF_INIT, loaded = STRBUF_INIT;
	char *from = xasprintf("Istiod %s", title), *to = xasprintf("Envoy %s", title);
	int differ;

	side_text(envoy, type, fn, &b);
	side_text(istiod, type, fn, &a);
	unified_diff(&diff, a.buf, b.buf, from, to, 7);
	if (!strcmp(title, "Routes"))
		rds_loaded(envoy, &loaded);
	differ = diff.len != 0;
	strbuf_addf(out, "%s %s%s\n", title, differ ? "Don't Match" : "Match", loaded.buf);
	if (differ)
		strbuf_addf(out, "%s\n", diff.buf);
	free(from);
	free(to);
	strbuf_release(&a);
	strbuf_release(&b);
	strbuf_release(&diff);
	strbuf_release(&loaded);
	return differ;
}

int status_compare(const struct config_dump *istiod, const struct config_dump *envoy,
		   struct strbuf *out)
{
	return compare_section(istiod, envoy, "Clusters", DUMP_TYPE("ClustersConfigDump"),
			       dynamic_clusters, out) +
	       compare_section(istiod, envoy, "Listeners", DUMP_TYPE("ListenersConfigDump"),
			       dynamic_listeners, out) +
	       compare_section(istiod, envoy, "Routes", DUMP_TYPE("RoutesConfigDump"),
			       dynamic_routes, out);
}
