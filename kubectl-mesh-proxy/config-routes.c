/* SPDX-License-Identifier: Apache-2.0 */
/* config routes: istioctl proxy-config route (and the route part of `all`). */
#include "configdump.h"
#include "tabwriter.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* describeRouteDomains: a short list of the domains without ports. */
static int domain_listed(json_t *list, const char *d)
{
	json_t *e;
	size_t i;
	json_array_foreach(list, i, e)
		if (!strcmp(json_string_value(e), d))
			return 1;
	return 0;
}

/* unexpandDomains: drop "x.svc.cluster.local" and "x.svc" when "x" is listed too. */
static int expanded_duplicate(json_t *list, const char *d)
{
	static const char *const suffixes[] = { ".svc.cluster.local", ".svc" };
	size_t k;

	for (k = 0; k < ARRAY_SIZE(suffixes); k++) {
		if (ends_with(d, suffixes[k]) && strlen(d) > strlen(suffixes[k])) {
			char *stripped = xstrndup(d, strlen(d) - strlen(suffixes[k]));
			int found = domain_listed(list, stripped);
			free(stripped);
			if (found)
				return 1;
		}
	}
	return 0;
}

static int colons(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == ':';
	return n;
}

static void describe_domains(struct strbuf *out, json_t *domains)
{
	json_t *without_port = json_array(), *kept = json_array(), *e;
	size_t i, n;

	if (json_array_size(domains) <= 1) {
		if (json_is_string(json_array_get(domains, 0)))
			strbuf_addstr(out, json_string_value(json_array_get(domains, 0)));
		json_decref(without_port);
		json_decref(kept);
		return;
	}
	json_array_foreach(domains, i, e) {
		const char *d = json_is_string(e) ? json_string_value(e) : "";
		/* Keep names without a port, and bracketed IPv6 addresses without one. */
		if (!strchr(d, ':') || (colons(d) > 2 && ends_with(d, "]")))
			json_array_append_new(without_port, json_string(d));
	}
	json_array_foreach(without_port, i, e)
		if (!expanded_duplicate(without_port, json_string_value(e)))
			json_array_append(kept, e);
	n = json_array_size(kept);
	for (i = 0; i < n && i < 2; i++)
		strbuf_addf(out, "%s%s", i ? ", " : "", json_string_value(json_array_get(kept, i)));
	if (n > 2)
		strbuf_addf(out, " + %zu more...", n - 2);
	json_decref(without_port);
	json_decref(kept);
}

static int is_passthrough(json_t *route)
{
	return !strcmp(pb_str(route, "route.cluster"), "PassthroughCluster");
}

static void print_vhost(struct tabwriter *tw, const char *name, json_t *vh)
{
	struct strbuf domains = STRBUF_INIT, cell = STRBUF_INIT;
	json_t *routes = pb_get(vh, "routes"), *route;
	size_t i;

	describe_domains(&domains, pb_get(vh, "domains"));
	json_array_foreach(routes, i, route) {
		if (is_passthrough(route))
			continue;
		strbuf_reset(&cell);
		tabwriter_printf(tw, "%s\t%s\t%s\t", name, pb_str(vh, "name"), domains.buf);
		config_describe_route_match(&cell, pb_get(route, "match"));
		strbuf_addch(&cell, '\t');
		config_describe_management(&cell, pb_get(route, "metadata"));
		strbuf_addch(&cell, '\n');
		tabwriter_write(tw, cell.buf, cell.len);
	}
	if (!json_array_size(routes))
		tabwriter_printf(tw, "%s\t%s\t%s\t/*\t404\n", name, pb_str(vh, "name"), domains.buf);
	strbuf_release(&domains);
	strbuf_release(&cell);
}

static void print_table(const struct config_view *v, json_t *routes, struct strbuf *out)
{
	struct tabwriter *tw = tabwriter_new(0, 5);
	struct strbuf name = STRBUF_INIT;
	json_t *rc, *vh;
	size_t i, j;

	tabwriter_puts(tw, v->f.verbose ? "NAME\tVHOST NAME\tDOMAINS\tMATCH\tVIRTUAL SERVICE\n" :
					  "NAME\tVIRTUAL HOSTS\n");
	json_array_foreach(routes, i, rc) {
		strbuf_reset(&name);
		strbuf_addf(&name, "%s%s", v->with_type ? "route/" : "", pb_str(rc, "name"));
		if (!v->f.verbose) {
			tabwriter_printf(tw, "%s\t%zu\n", name.buf,
					 json_array_size(pb_get(rc, "virtual_hosts")));
			continue;
		}
		json_array_foreach(pb_get(rc, "virtual_hosts"), j, vh)
			print_vhost(tw, name.buf, vh);
	}
	tabwriter_flush(tw, out);
	tabwriter_free(tw);
	strbuf_release(&name);
}

/* The comparator of retrieveSortedRouteSlice: numeric names only, else "not less". */
static int route_less(const void *a, const void *b, void *ctx)
{
	long long x, y;
	(void)ctx;
	if (go_atoi(pb_str(a, "name"), &x) || go_atoi(pb_str(b, "name"), &y))
		return 0;
	return x < y;
}

/* Route configurations, dynamic then static, sorted as istioctl sorts them. */
static json_t *load_routes(const struct config_view *v, struct strbuf *err)
{
	static const char *const lists[] = { "dynamic_route_configs", "static_route_configs" };
	json_t *dump = config_dump_section_json(v->dump, DUMP_TYPE("RoutesConfigDump"), err);
	json_t *all, *e, **sorted;
	size_t k, i, n;

	if (!dump)
		return NULL;
	all = json_array();
	for (k = 0; k < ARRAY_SIZE(lists); k++)
		json_array_foreach(pb_get(dump, lists[k]), i, e)
			if (json_is_object(pb_get(e, "route_config")))
				json_array_append(all, pb_get(e, "route_config"));
	json_decref(dump);
	n = json_array_size(all);
	if (!n) {
		json_decref(all);
		strbuf_addstr(err, "no routes found");
		return NULL;
	}
	sorted = xcalloc(n, sizeof(*sorted));
	for (i = 0; i < n; i++)
		sorted[i] = json_incref(json_array_get(all, i));
	go_sort_slice((void **)sorted, n, route_less, NULL);
	json_array_clear(all);
	for (i = 0; i < n; i++)
		json_array_append_new(all, sorted[i]);
	free(sorted);
	return all;
}

int config_routes(const struct config_view *v, struct strbuf *out, struct strbuf *err)
{
	struct config_list list = CONFIG_LIST_INIT(v, out);
	json_t *routes = load_routes(v, err), *kept, *rc;
	size_t i;

	if (!routes)
		return -1;
	kept = json_array();
	json_array_foreach(routes, i, rc)
		if (!v->f.name || !*v->f.name || !strcmp(v->f.name, pb_str(rc, "name")))
			json_array_append(kept, rc);
	if (v->format == CONFIG_TABLE) {
		print_table(v, kept, out);
	} else {
		json_array_foreach(kept, i, rc) {
			json_t *msg = pbjson_message(rc, 1);
			config_list_add(&list, msg);
			json_decref(msg);
		}
		config_list_end(&list);
	}
	json_decref(kept);
	json_decref(routes);
	return 0;
}
