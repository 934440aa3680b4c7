/* SPDX-License-Identifier: Apache-2.0 */
/* config endpoints: istioctl proxy-config endpoint, from Envoy's /clusters?format=json. */
#include "configdump.h"
#include "tabwriter.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct host_row {
	char *address;
	long long port;
	const char *cluster, *status;
	int failed_outlier;
};

/* The host's IP; unix://path for a pipe; envoy://listener/id for an internal address. */
static char *host_address(json_t *host)
{
	json_t *addr = pb_get(host, "address");
	if (json_is_object(pb_get(addr, "socket_address")))
		return xstrdup(pb_str(addr, "socket_address.address"));
	if (json_is_object(pb_get(addr, "pipe")))
		return xasprintf("unix://%s", pb_str(addr, "pipe.path"));
	if (json_is_object(pb_get(addr, "envoy_internal_address")))
		return xasprintf("envoy://%s/%s",
				 pb_str(addr, "envoy_internal_address.server_listener_name"),
				 pb_str(addr, "envoy_internal_address.endpoint_id"));
	return xstrdup("unknown");
}

static struct host_row *new_row(json_t *host, const char *cluster)
{
	struct host_row *r = xcalloc(1, sizeof(*r));
	r->address = host_address(host);
	r->port = pb_int(host, "address.socket_address.port_value", 0);
	r->cluster = cluster;
	r->status = config_health_status(host, "health_status.eds_health_status");
	r->failed_outlier = pb_bool(host, "health_status.failed_outlier_check");
	return r;
}

/* EndpointFilter.Verify of istioctl's clusters writer (the address without its port). */
static int row_matches(const struct config_filter *f, const struct host_row *r)
{
	if (f->address && *f->address && strcasecmp(r->address, f->address))
		return 0;
	if (f->port && r->port != f->port)
		return 0;
	if (f->cluster && *f->cluster && strcasecmp(r->cluster, f->cluster))
		return 0;
	if (f->status && *f->status && strcasecmp(r->status, f->status))
		return 0;
	return 1;
}

static int row_less(const void *a, const void *b, void *ctx)
{
	const struct host_row *x = a, *y = b;
	int c = strcmp(x->address, y->address);
	(void)ctx;
	if (c)
		return c < 0;
	if (x->port != y->port)
		return x->port < y->port;
	return strcmp(x->cluster, y->cluster) < 0;
}

static void print_table(struct host_row **rows, size_t n, struct strbuf *out)
{
	struct tabwriter *tw = tabwriter_new(0, 5);
	size_t i;

	tabwriter_puts(tw, "ENDPOINT\tSTATUS\tOUTLIER CHECK\tCLUSTER\n");
	for (i = 0; i < n; i++) {
		const struct host_row *r = rows[i];
		if (r->port)
			tabwriter_printf(tw, "%s:%lld\t", r->address, r->port);
		else
			tabwriter_printf(tw, "%s\t", r->address);
		tabwriter_printf(tw, "%s\t%s\t%s\n", r->status, r->failed_outlier ? "FAILED" : "OK",
				 r->cluster);
	}
	tabwriter_flush(tw, out);
	tabwriter_free(tw);
}

int config_endpoints(const struct config_view *v, struct strbuf *out, struct strbuf *err)
{
	struct config_list list = CONFIG_LIST_INIT(v, out);
	json_t *dump = jspan_json(v->dump->root, err), *cs, *host;
	struct host_row **rows = NULL;
	size_t n = 0, alloc = 0, i, j;

	if (!dump)
		return -1;
	json_array_foreach(pb_get(dump, "cluster_statuses"), i, cs) {
		const char *name = pb_str(cs, "name");
		int listed = 0;
		json_array_foreach(pb_get(cs, "host_statuses"), j, host) {
			struct host_row *r = new_row(host, name);
			if (!row_matches(&v->f, r)) {
				free(r->address);
				free(r);
				continue;
			}
			/* -o json|yaml: every cluster with at least one matching host, whole. */
			if (!listed++ && v->format != CONFIG_TABLE) {
				json_t *msg = pbjson_message(cs, 0);
				config_list_add(&list, msg);
				json_decref(msg);
			}
			ALLOC_GROW(rows, n + 1, alloc);
			rows[n++] = r;
		}
	}
	if (v->format == CONFIG_TABLE) {
		go_sort_slice((void **)rows, n, row_less, NULL);
		print_table(rows, n, out);
	} else {
		config_list_end(&list);
	}
	for (i = 0; i < n; i++) {
		free(rows[i]->address);
		free(rows[i]);
	}
	free(rows);
	json_decref(dump);
	return 0;
}
