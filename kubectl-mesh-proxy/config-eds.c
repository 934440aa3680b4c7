/* SPDX-License-Identifier: Apache-2.0 */
/* config eds: istioctl's hidden proxy-config eds, the ENDPOINTS part of `all`. */
#include "configdump.h"
#include "tabwriter.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct cla {
	json_t *msg;             /* ClusterLoadAssignment, lb_endpoints already filtered */
	struct subset_key key;
};

/* One address of an endpoint: ip:port, a pipe path, envoy://listener/id, or "unknown". */
static void format_address(struct strbuf *out, json_t *addr)
{
	if (json_is_object(pb_get(addr, "socket_address")))
		strbuf_addf(out, "%s:%lld", pb_str(addr, "socket_address.address"),
			    pb_int(addr, "socket_address.port_value", 0));
	else if (json_is_object(pb_get(addr, "pipe")))
		strbuf_addstr(out, pb_str(addr, "pipe.path"));
	else if (json_is_object(pb_get(addr, "envoy_internal_address")))
		strbuf_addf(out, "envoy://%s/%s",
			    pb_str(addr, "envoy_internal_address.server_listener_name"),
			    pb_str(addr, "envoy_internal_address.endpoint_id"));
	else
		strbuf_addstr(out, "unknown");
}

/* Every address of an LbEndpoint, main one first, as a new array of strings. */
static json_t *endpoint_addresses(json_t *lbe)
{
	json_t *out = json_array(), *extra;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	format_address(&sb, pb_path(lbe, "endpoint.address"));
	json_array_append_new(out, json_string(sb.buf));
	json_array_foreach(pb_path(lbe, "endpoint.additional_addresses"), i, extra) {
		strbuf_reset(&sb);
		format_address(&sb, pb_get(extra, "address"));
		json_array_append_new(out, json_string(sb.buf));
	}
	strbuf_release(&sb);
	return out;
}

static const char *health(json_t *lbe)
{
	return config_health_status(lbe, "health_status");
}

static int endpoint_matches(const struct config_filter *f, json_t *lbe, const char *cluster)
{
	if (f->address && *f->address) {
		json_t *addrs = endpoint_addresses(lbe), *a;
		size_t i;
		int found = 0;
		json_array_foreach(addrs, i, a)
			found |= !strcasecmp(json_string_value(a), f->address);
		json_decref(addrs);
		if (!found)
			return 0;
	}
	if (f->port && pb_int(lbe, "endpoint.address.socket_address.port_value", 0) != f->port)
		return 0;
	if (f->cluster && *f->cluster && strcasecmp(cluster, f->cluster))
		return 0;
	if (f->status && *f->status && strcasecmp(health(lbe), f->status))
		return 0;
	return 1;
}

/* The key under which obj holds the snake_case field, in the spelling it uses; NULL if none. */
static const char *field_key(json_t *obj, const char *field)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
		if (pb_name_is(k, strlen(k), field))
			return k;
	return NULL;
}

/* Keep the matching lb_endpoints of every locality, in place; returns how many were kept. */
static size_t filter_cla(const struct config_filter *f, json_t *cla)
{
	json_t *group;
	size_t i, kept = 0;

	json_array_foreach(pb_get(cla, "endpoints"), i, group) {
		const char *key = field_key(group, "lb_endpoints");
		json_t *keep = json_array(), *lbe;
		size_t j;

		json_array_foreach(pb_get(group, "lb_endpoints"), j, lbe)
			if (endpoint_matches(f, lbe, pb_str(cla, "cluster_name")))
				json_array_append(keep, lbe);
		kept += json_array_size(keep);
		/* Replacing keeps the field's place; an empty list is not printed at all. */
		if (key && json_array_size(keep))
			json_object_set(group, key, keep);
		else if (key)
			json_object_del(group, key);
		json_decref(keep);
	}
	return kept;
}

static int cla_less(const void *a, const void *b, void *ctx)
{
	(void)ctx;
	return subset_key_less(&((const struct cla *)a)->key, &((const struct cla *)b)->key);
}

static void locality(struct strbuf *out, json_t *l)
{
	const char *zone = pb_str(l, "zone"), *sub = pb_str(l, "sub_zone");
	strbuf_addstr(out, pb_str(l, "region"));
	if (*zone) {
		strbuf_addf(out, "/%s", zone);
		if (*sub)
			strbuf_addf(out, "/%s", sub);
	}
}

static void print_table(const struct config_view *v, struct cla **clas, size_t n,
			struct strbuf *out)
{
	struct tabwriter *tw = tabwriter_new(0, 5);
	struct strbuf row = STRBUF_INIT;
	size_t i, j, k;

	tabwriter_puts(tw, "NAME\tSTATUS\tLOCALITY\tCLUSTER\n");
	for (i = 0; i < n; i++) {
		json_t *group, *lbe;
		json_array_foreach(pb_get(clas[i]->msg, "endpoints"), j, group) {
			json_array_foreach(pb_get(group, "lb_endpoints"), k, lbe) {
				json_t *addrs = endpoint_addresses(lbe), *a;
				size_t m;
				strbuf_reset(&row);
				strbuf_addstr(&row, v->with_type ? "endpoint/" : "");
				json_array_foreach(addrs, m, a)
					strbuf_addf(&row, "%s%s", m ? "," : "", json_string_value(a));
				strbuf_addf(&row, "\t%s\t", health(lbe));
				locality(&row, pb_get(group, "locality"));
				strbuf_addf(&row, "\t%s\n", pb_str(clas[i]->msg, "cluster_name"));
				tabwriter_write(tw, row.buf, row.len);
				json_decref(addrs);
			}
		}
	}
	tabwriter_flush(tw, out);
	tabwriter_free(tw);
	strbuf_release(&row);
}

/* Filtered CLAs of the EndpointsConfigDump (none when the dump has no such section). */
static int load_clas(const struct config_view *v, struct cla ***out, size_t *n, struct strbuf *err)
{
	static const char *const lists[] = { "dynamic_endpoint_configs", "static_endpoint_configs" };
	struct jspan section;
	json_t *dump, *e;
	size_t k, i, alloc = 0;

	/* Without ?include_eds there is no such section: nothing to show, not an error. */
	if (config_dump_section(v->dump, DUMP_TYPE("EndpointsConfigDump"), &section, NULL))
		return 0;
	dump = jspan_json(section, err);
	if (!dump)
		return -1;
	for (k = 0; k < ARRAY_SIZE(lists); k++) {
		json_array_foreach(pb_get(dump, lists[k]), i, e) {
			json_t *msg = pb_get(e, "endpoint_config");
			struct cla *c;
			if (!json_is_object(msg) || !filter_cla(&v->f, msg))
				continue;
			c = xcalloc(1, sizeof(*c));
			c->msg = json_incref(msg);
			subset_key_parse(&c->key, pb_str(msg, "cluster_name"));
			ALLOC_GROW(*out, *n + 1, alloc);
			(*out)[(*n)++] = c;
		}
	}
	json_decref(dump);
	return 0;
}

int config_eds(const struct config_view *v, struct strbuf *out, struct strbuf *err)
{
	struct cla **clas = NULL;
	size_t n = 0, i;

	if (load_clas(v, &clas, &n, err))
		return -1;
	go_sort_slice((void **)clas, n, cla_less, NULL);
	if (v->format == CONFIG_TABLE) {
		print_table(v, clas, n, out);
	} else {
		struct config_list list = CONFIG_LIST_INIT(v, out);
		for (i = 0; i < n; i++) {
			json_t *msg = pbjson_message(clas[i]->msg, 1);
			config_list_add(&list, msg);
			json_decref(msg);
		}
		config_list_end(&list);
	}
	for (i = 0; i < n; i++) {
		json_decref(clas[i]->msg);
		subset_key_release(&clas[i]->key);
		free(clas[i]);
	}
	free(clas);
	return 0;
}
