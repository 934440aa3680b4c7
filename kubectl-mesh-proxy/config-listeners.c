/* SPDX-License-Identifier: Apache-2.0 */
/* config listeners: istioctl proxy-config listener (and the listener part of `all`). */
#include "configdump.h"
#include "tabwriter.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HCM_FILTER "envoy.filters.network.http_connection_manager"
#define TCP_FILTER "envoy.filters.network.tcp_proxy"

struct listener {
	json_t *msg;           /* the Listener */
	char *address;         /* main socket address or pipe path */
	char *addresses;       /* main and additional addresses, joined with "," */
	long long port;
	const char *type;
};

struct chain_row {
	char *match, *destination;
};

static void join_strings(struct strbuf *out, json_t *list, const char *sep)
{
	json_t *e;
	size_t i;
	json_array_foreach(list, i, e) {
		if (i)
			strbuf_addstr(out, sep);
		if (json_is_string(e))
			strbuf_addstr(out, json_string_value(e));
	}
}

/* Whether any string inside v contains BlackHoleCluster (istioctl looks at the proto bytes). */
static int mentions_black_hole(json_t *v)
{
	const char *k;
	json_t *e;
	size_t i;

	if (json_is_string(v))
		return strstr(json_string_value(v), "BlackHoleCluster") != NULL;
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if (mentions_black_hole(e))
				return 1;
	}
	if (json_is_object(v)) {
		json_object_foreach(v, k, e)
			if (mentions_black_hole(e))
				return 1;
	}
	return 0;
}

/* filter_chains followed by default_filter_chain, as a new array (of new references). */
static json_t *filter_chains(json_t *l)
{
	json_t *all = json_array(), *def = pb_get(l, "default_filter_chain"), *c;
	size_t i;

	json_array_foreach(pb_get(l, "filter_chains"), i, c)
		json_array_append(all, c);
	if (json_is_object(def))
		json_array_append(all, def);
	return all;
}

static int is_filter(json_t *filter, const char *name)
{
	return !strcmp(pb_str(filter, "name"), name);
}

/* retrieveListenerType: HTTP, TCP, HTTP+TCP or UNKNOWN. */
static const char *listener_type(json_t *l)
{
	json_t *chains = filter_chains(l), *chain, *filter;
	size_t i, j;
	int http = 0, tcp = 0;

	json_array_foreach(chains, i, chain) {
		json_array_foreach(pb_get(chain, "filters"), j, filter) {
			if (is_filter(filter, HCM_FILTER))
				http++;
			else if (is_filter(filter, TCP_FILTER) &&
				 !mentions_black_hole(pb_get(filter, "typed_config")))
				tcp++;
		}
	}
	json_decref(chains);
	if (http)
		return tcp ? "HTTP+TCP" : "HTTP";
	return tcp ? "TCP" : "UNKNOWN";
}

static char *main_address(json_t *l)
{
	json_t *addr = pb_get(l, "address");
	if (json_is_object(pb_get(addr, "socket_address")))
		return xstrdup(pb_str(addr, "socket_address.address"));
	if (json_is_object(pb_get(addr, "pipe")))
		return xstrdup(pb_str(addr, "pipe.path"));
	return xstrdup("");
}

static struct listener *new_listener(json_t *msg)
{
	struct listener *l = xcalloc(1, sizeof(*l));
	struct strbuf all = STRBUF_INIT;
	json_t *extra;
	size_t i;

	l->msg = msg;
	l->address = main_address(msg);
	l->port = pb_int(msg, "address.socket_address.port_value", 0);
	l->type = listener_type(msg);
	strbuf_addstr(&all, l->address);
	json_array_foreach(pb_get(msg, "additional_addresses"), i, extra)
		strbuf_addf(&all, ",%s", pb_str(extra, "address.socket_address.address"));
	l->addresses = strbuf_detach(&all, NULL);
	return l;
}

static void free_listener(struct listener *l)
{
	json_decref(l->msg);
	free(l->address);
	free(l->addresses);
	free(l);
}

/* ListenerFilter.Verify */
static int listener_matches(const struct config_filter *f, const struct listener *l)
{
	if (f->address && *f->address) {
		json_t *extra;
		size_t i;
		int found = !strcasecmp(l->address, f->address);
		json_array_foreach(pb_get(l->msg, "additional_addresses"), i, extra)
			found |= !strcasecmp(pb_str(extra, "address.socket_address.address"), f->address);
		if (!found)
			return 0;
	}
	if (f->port && l->port != f->port)
		return 0;
	if (f->type && *f->type && strcasecmp(l->type, f->type))
		return 0;
	return 1;
}

/* ---- the MATCH column ---- */

/* Whether a JSON list of strings is exactly the NULL-terminated want (reflect.DeepEqual). */
static int strings_equal(json_t *list, const char *const *want)
{
	size_t i, n = json_array_size(list);
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(list, i));
		if (!want[i] || !s || strcmp(s, want[i]))
			return 0;
	}
	return !want[n];
}

static void describe_alpn(struct strbuf *out, json_t *alpn)
{
	static const char *const http_tls[] = { "http/1.0", "http/1.1", "h2c", "istio-http/1.0",
						"istio-http/1.1", "istio-h2", NULL };
	static const char *const istio_plain[] = { "istio", "istio-http/1.0", "istio-http/1.1",
						   "istio-h2", NULL };
	static const char *const tcp_tls[] = { "istio-peer-exchange", "istio", NULL };
	static const char *const http[] = { "http/1.0", "http/1.1", "h2c", NULL };

	if (strings_equal(alpn, http_tls))
		strbuf_addstr(out, "App: HTTP TLS");
	else if (strings_equal(alpn, istio_plain))
		strbuf_addstr(out, "App: Istio HTTP Plain");
	else if (strings_equal(alpn, tcp_tls))
		strbuf_addstr(out, "App: TCP TLS");
	else if (strings_equal(alpn, http))
		strbuf_addstr(out, "App: HTTP");
	else {
		strbuf_addstr(out, "App: ");
		join_strings(out, alpn, ",");
	}
}

static void next_part(struct strbuf *out)
{
	if (out->len)
		strbuf_addstr(out, "; ");
}

/* getMatches(filter_chain_match) */
static char *describe_chain_match(json_t *m)
{
	struct strbuf out = STRBUF_INIT, port = STRBUF_INIT;
	json_t *ranges = pb_get(m, "prefix_ranges"), *r;
	size_t i;

	if (json_array_size(pb_get(m, "server_names"))) {
		strbuf_addstr(&out, "SNI: ");
		join_strings(&out, pb_get(m, "server_names"), ",");
	}
	if (*pb_str(m, "transport_protocol")) {
		next_part(&out);
		strbuf_addf(&out, "Trans: %s", pb_str(m, "transport_protocol"));
	}
	if (json_array_size(pb_get(m, "application_protocols"))) {
		next_part(&out);
		describe_alpn(&out, pb_get(m, "application_protocols"));
	}
	if (pb_get(m, "destination_port"))
		strbuf_addf(&port, ":%lld", pb_int(m, "destination_port", 0));
	if (json_array_size(ranges)) {
		next_part(&out);
		strbuf_addstr(&out, "Addr: ");
		json_array_foreach(ranges, i, r)
			strbuf_addf(&out, "%s%s/%lld", i ? "," : "", pb_str(r, "address_prefix"),
				    pb_int(r, "prefix_len", 0));
		strbuf_addstr(&out, port.buf);
	} else if (port.len) {
		next_part(&out);
		strbuf_addf(&out, "Addr: *%s", port.buf);
	}
	if (!out.len)
		strbuf_addstr(&out, "ALL");
	strbuf_release(&port);
	return strbuf_detach(&out, NULL);
}

/* ---- the DESTINATION column ---- */

static int domains_are_wildcard(json_t *vhost)
{
	json_t *d = pb_get(vhost, "domains");
	const char *first = json_string_value(json_array_get(d, 0));
	return json_array_size(d) == 1 && first && !strcmp(first, "*");
}

/* getMatchAllCluster: one vhost for "*" with one route for prefix "/" to one cluster. */
static int match_all_cluster(struct strbuf *out, json_t *rc)
{
	json_t *vhosts = pb_get(rc, "virtual_hosts"), *vh, *route, *cluster;

	if (json_array_size(vhosts) != 1)
		return 0;
	vh = json_array_get(vhosts, 0);
	if (!domains_are_wildcard(vh) || json_array_size(pb_get(vh, "routes")) != 1)
		return 0;
	route = json_array_get(pb_get(vh, "routes"), 0);
	cluster = pb_path(route, "route.cluster");
	if (strcmp(pb_str(route, "match.prefix"), "/") || !json_is_string(cluster))
		return 0;
	if (strstr(json_string_value(cluster), "Cluster"))
		strbuf_addstr(out, json_string_value(cluster));
	else
		strbuf_addf(out, "Cluster: %s", json_string_value(cluster));
	return 1;
}

static void describe_inline_routes(struct strbuf *out, json_t *rc)
{
	json_t *vh, *route;
	size_t i, j;

	if (match_all_cluster(out, rc))
		return;
	strbuf_addstr(out, "Inline Route: ");
	json_array_foreach(pb_get(rc, "virtual_hosts"), i, vh) {
		if (i)
			strbuf_addstr(out, "; ");
		if (!domains_are_wildcard(vh)) {
			join_strings(out, pb_get(vh, "domains"), "/");
			strbuf_addch(out, ' ');
		}
		json_array_foreach(pb_get(vh, "routes"), j, route) {
			if (j)
				strbuf_addstr(out, ", ");
			config_describe_route_match(out, pb_get(route, "match"));
		}
	}
}

/* getFilterType */
static char *describe_chain_destination(json_t *chain)
{
	struct strbuf out = STRBUF_INIT;
	json_t *filter;
	size_t i;

	json_array_foreach(pb_get(chain, "filters"), i, filter) {
		json_t *config = pb_get(filter, "typed_config");
		if (is_filter(filter, HCM_FILTER)) {
			if (pb_get(config, "route_config"))
				describe_inline_routes(&out, pb_get(config, "route_config"));
			else if (*pb_str(config, "rds.route_config_name"))
				strbuf_addf(&out, "Route: %s", pb_str(config, "rds.route_config_name"));
			else
				strbuf_addstr(&out, "HTTP");
			return strbuf_detach(&out, NULL);
		}
		if (is_filter(filter, TCP_FILTER) && !mentions_black_hole(config)) {
			const char *cluster = pb_str(config, "cluster");
			strbuf_addf(&out, "%s%s", strstr(cluster, "Cluster") ? "" : "Cluster: ", cluster);
			return strbuf_detach(&out, NULL);
		}
	}
	return xstrdup("Non-HTTP/Non-TCP");
}

/* ---- printing ---- */

static int destination_greater(const void *a, const void *b, void *ctx)
{
	(void)ctx;
	return strcmp(((const struct chain_row *)a)->destination,
		      ((const struct chain_row *)b)->destination) > 0;
}

static void print_chains(struct tabwriter *tw, const struct listener *l, int with_type)
{
	json_t *chains = filter_chains(l->msg), *chain;
	size_t i, n = json_array_size(chains);
	struct chain_row *rows = xcalloc(n + 1, sizeof(*rows));
	struct chain_row **order = xcalloc(n + 1, sizeof(*order));

	json_array_foreach(chains, i, chain) {
		rows[i].match = describe_chain_match(pb_get(chain, "filter_chain_match"));
		rows[i].destination = describe_chain_destination(chain);
		order[i] = &rows[i];
	}
	go_sort_slice((void **)order, n, destination_greater, NULL);
	for (i = 0; i < n; i++) {
		if (with_type)
			tabwriter_printf(tw, "listener/%s\t", pb_str(l->msg, "name"));
		tabwriter_printf(tw, "%s\t%lld\t%s\t%s\n", l->addresses, l->port, order[i]->match,
				 order[i]->destination);
	}
	for (i = 0; i < n; i++) {
		free(rows[i].match);
		free(rows[i].destination);
	}
	free(order);
	free(rows);
	json_decref(chains);
}

static void print_table(const struct config_view *v, struct listener **ls, size_t n,
			struct strbuf *out)
{
	struct tabwriter *tw = tabwriter_new(0, 1);
	size_t i;

	tabwriter_printf(tw, "%sADDRESSES\tPORT\t%s\n", v->with_type ? "NAME\t" : "",
			 v->f.verbose ? "MATCH\tDESTINATION" : "TYPE");
	for (i = 0; i < n; i++) {
		if (v->f.verbose) {
			print_chains(tw, ls[i], v->with_type);
			continue;
		}
		if (v->with_type)
			tabwriter_printf(tw, "listener/%s\t", pb_str(ls[i]->msg, "name"));
		tabwriter_printf(tw, "%s\t%lld\t%s\n", ls[i]->addresses, ls[i]->port, ls[i]->type);
	}
	tabwriter_flush(tw, out);
	tabwriter_free(tw);
}

static int listener_less(const void *a, const void *b, void *ctx)
{
	const struct listener *x = a, *y = b;
	int c;
	(void)ctx;
	if (x->port != y->port)
		return x->port < y->port;
	c = strcmp(x->address, y->address);
	if (c)
		return c < 0;
	return strcmp(x->type, y->type) < 0;
}

/* Every active listener, as istioctl's retrieveSortedListenerSlice. */
static int load_listeners(const struct config_view *v, struct listener ***out, size_t *n,
			  struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	json_t *all = config_active_listeners(v->dump, &why), *l;
	size_t i;

	if (!all) {
		strbuf_addf(err, "listener dump: %s", why.buf);
		strbuf_release(&why);
		return -1;
	}
	*out = xcalloc(json_array_size(all) + 1, sizeof(**out));
	json_array_foreach(all, i, l)
		(*out)[(*n)++] = new_listener(json_incref(l));
	json_decref(all);
	if (!*n) {
		strbuf_addstr(err, "no listeners found");
		return -1;
	}
	return 0;
}

int config_listeners(const struct config_view *v, struct strbuf *out, struct strbuf *err)
{
	struct listener **ls = NULL, **kept;
	size_t n = 0, nk = 0, i;
	int r = load_listeners(v, &ls, &n, err);

	kept = xcalloc(n + 1, sizeof(*kept));
	for (i = 0; !r && i < n; i++)
		if (listener_matches(&v->f, ls[i]))
			kept[nk++] = ls[i];
	if (!r && v->format != CONFIG_TABLE) {
		/* -o json|yaml: the filtered listeners in dump order. */
		struct config_list list = CONFIG_LIST_INIT(v, out);
		for (i = 0; i < nk; i++) {
			json_t *msg = pbjson_message(kept[i]->msg, 1);
			config_list_add(&list, msg);
			json_decref(msg);
		}
		config_list_end(&list);
	} else if (!r) {
		go_sort_slice((void **)kept, nk, listener_less, NULL);
		print_table(v, kept, nk, out);
	}
	for (i = 0; i < n; i++)
		free_listener(ls[i]);
	free(ls);
	free(kept);
	return r;
}
