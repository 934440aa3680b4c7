/* SPDX-License-Identifier: Apache-2.0 */
/* status output: istioctl proxy-status's table, its per-type table, and its JSON and YAML. */
#include "status.h"
#include "configdump.h"
#include "proxy.h"
#include "tabwriter.h"
#include "xalloc.h"
#include "yamljson.h"

#include <stdlib.h>
#include <string.h>

#define CLIENT_CONFIG "type.googleapis.com/envoy.service.status.v3.ClientConfig"

static const char *const status_names[] = { "UNKNOWN", "SYNCED", "NOT_SENT", "STALE", "ERROR" };

/* The four types istioctl lists first, in its order; the rest follow by type URL. */
static const char *const lead_types[] = { "CDS", "LDS", "EDS", "RDS" };

static int lead_rank(const char *type_url)
{
	const char *name = xds_short_type(type_url);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lead_types); i++)
		if (!strcmp(name, lead_types[i]))
			return (int)i;
	return (int)ARRAY_SIZE(lead_types);
}

static int cmp_subscribed(const void *x, const void *y)
{
	const struct xds_state *a = *(const struct xds_state *const *)x;
	const struct xds_state *b = *(const struct xds_state *const *)y;
	int ra = lead_rank(a->type_url), rb = lead_rank(b->type_url);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	return strcmp(a->type_url, b->type_url);
}

/* SUBSCRIBED TYPES: "N (CDS,LDS,...)" over the types that are not IGNORED, or "0". */
static void subscribed(struct strbuf *out, const struct proxy_row *row)
{
	const struct xds_state **on = xcalloc(row->ntypes + 1, sizeof(*on));
	size_t n = 0, i;

	for (i = 0; i < row->ntypes; i++)
		if (row->types[i].status != XDS_UNKNOWN)
			on[n++] = &row->types[i];
	qsort(on, n, sizeof(*on), cmp_subscribed);
	strbuf_addf(out, "%zu", n);
	for (i = 0; i < n; i++)
		strbuf_addf(out, "%s%s", i ? "," : " (", xds_short_type(on[i]->type_url));
	if (n)
		strbuf_addch(out, ')');
	free(on);
}

static int row_less(const void *a, const void *b, void *ctx)
{
	(void)ctx;
	return strcmp(((const struct proxy_row *)a)->id, ((const struct proxy_row *)b)->id) < 0;
}

static const struct proxy_row **sorted_rows(const struct status_set *set)
{
	const struct proxy_row **rows = xcalloc(set->n + 1, sizeof(*rows));
	size_t i;

	for (i = 0; i < set->n; i++)
		rows[i] = &set->rows[i];
	go_sort_slice((void **)rows, set->n, row_less, NULL);
	return rows;
}

static void print_table(const struct status_set *set, struct strbuf *out)
{
	const struct proxy_row **rows = sorted_rows(set);
	struct tabwriter *tw = tabwriter_new(0, 5);
	struct strbuf types = STRBUF_INIT;
	size_t i;

	tabwriter_puts(tw, "NAME\tCLUSTER\tISTIOD\tVERSION\tSUBSCRIBED TYPES\n");
	for (i = 0; i < set->n; i++) {
		strbuf_reset(&types);
		subscribed(&types, rows[i]);
		tabwriter_printf(tw, "%s\t%s\t%s\t%s\t%s\n", rows[i]->id, rows[i]->cluster,
				 rows[i]->istiod->name, rows[i]->version, types.buf);
	}
	tabwriter_flush(tw, out);
	tabwriter_free(tw);
	strbuf_release(&types);
	free(rows);
}

/* ---- -o wide: one column per type ---- */

static int cmp_url(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The type columns: every type seen and the five istioctl always shows, by type URL. */
static const char **type_columns(const struct status_set *set, size_t *n)
{
	static const char *const always[] = {
		"type.googleapis.com/envoy.config.cluster.v3.Cluster",
		"type.googleapis.com/envoy.config.listener.v3.Listener",
		"type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
		"type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
		"type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig",
	};
	json_t *seen = json_object();
	const char **cols, *url;
	json_t *v;
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(always); i++)
		json_object_set_new(seen, always[i], json_true());
	for (i = 0; i < set->n; i++)
		for (j = 0; j < set->rows[i].ntypes; j++)
			json_object_set_new(seen, set->rows[i].types[j].type_url, json_true());
	cols = xcalloc(json_object_size(seen) + 1, sizeof(*cols));
	*n = 0;
	json_object_foreach(seen, url, v)
		cols[(*n)++] = xstrdup(url);
	qsort(cols, *n, sizeof(*cols), cmp_url);
	json_decref(seen);
	return cols;
}

static void status_cell(struct strbuf *out, const struct proxy_row *row, const char *url, time_t now)
{
	const struct xds_state *st = NULL;
	size_t i;

	for (i = 0; i < row->ntypes && !st; i++)
		if (!strcmp(row->types[i].type_url, url))
			st = &row->types[i];
	if (!st || st->status == XDS_UNKNOWN) {
		strbuf_addstr(out, "IGNORED");
		return;
	}
	if (st->status == XDS_NOT_SENT) {
		strbuf_addstr(out, "NOT SENT");
		return;
	}
	strbuf_addstr(out, status_names[st->status]);
	if (st->has_time) {
		strbuf_addstr(out, " (");
		human_duration(out, (long long)(now - st->sent));
		strbuf_addch(out, ')');
	}
}

static void print_wide(const struct status_set *set, time_t now, struct strbuf *out)
{
	const struct proxy_row **rows = sorted_rows(set);
	struct tabwriter *tw = tabwriter_new(0, 5);
	struct strbuf line = STRBUF_INIT;
	size_t ncols, i, j;
	const char **cols = type_columns(set, &ncols);

	strbuf_addstr(&line, "NAME\tCLUSTER\t");
	for (j = 0; j < ncols; j++)
		strbuf_addf(&line, "%s\t", xds_short_type(cols[j]));
	strbuf_addstr(&line, "ISTIOD\tVERSION\n");
	tabwriter_write(tw, line.buf, line.len);
	for (i = 0; i < set->n; i++) {
		strbuf_reset(&line);
		strbuf_addf(&line, "%s\t%s\t", rows[i]->id, rows[i]->cluster);
		for (j = 0; j < ncols; j++) {
			status_cell(&line, rows[i], cols[j], now);
			strbuf_addch(&line, '\t');
		}
		strbuf_addf(&line, "%s\t%s\n", rows[i]->istiod->name, rows[i]->version);
		tabwriter_write(tw, line.buf, line.len);
	}
	tabwriter_flush(tw, out);
	tabwriter_free(tw);
	strbuf_release(&line);
	for (j = 0; j < ncols; j++)
		free((char *)cols[j]);
	free(cols);
	free(rows);
}

/* ---- -o json and -o yaml: istiod's DiscoveryResponse ---- */

/* A google.protobuf.Timestamp as jsonpb writes it: UTC, 0, 3, 6 or 9 fraction digits. */
static json_t *timestamp_json(time_t secs, long nanos)
{
	struct strbuf sb = STRBUF_INIT;
	struct tm tm;
	char date[32];
	json_t *v;

	gmtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	strbuf_addstr(&sb, date);
	if (nanos % 1000000 == 0 && nanos)
		strbuf_addf(&sb, ".%03ld", nanos / 1000000);
	else if (nanos % 1000 == 0 && nanos)
		strbuf_addf(&sb, ".%06ld", nanos / 1000);
	else if (nanos)
		strbuf_addf(&sb, ".%09ld", nanos);
	strbuf_addch(&sb, 'Z');
	v = json_string(sb.buf);
	strbuf_release(&sb);
	return v;
}

/* envoy.service.status.v3.ClientConfig.GenericXdsConfig, fields in proto order. */
static json_t *generic_config(const struct xds_state *st)
{
	json_t *c = json_object();

	json_object_set_new(c, "typeUrl", json_string(st->type_url));
	if (st->has_time)
		json_object_set_new(c, "lastUpdated", timestamp_json(st->sent, st->nanos));
	if (st->status != XDS_UNKNOWN)
		json_object_set_new(c, "configStatus", json_string(status_names[st->status]));
	if (st->error)
		json_object_set_new(c, "errorState", json_pack("{s:s}", "details", st->error));
	return c;
}

static void set_nonempty(json_t *obj, const char *key, const char *value)
{
	if (value && *value)
		json_object_set_new(obj, key, json_string(value));
}

static json_t *client_config(const struct proxy_row *row)
{
	json_t *c = json_object(), *node = json_object(), *meta = json_object();
	json_t *configs = json_array();
	size_t i;

	json_object_set_new(c, "@type", json_string(CLIENT_CONFIG));
	json_object_set_new(node, "id", json_string(row->id));
	set_nonempty(meta, "CLUSTER_ID", row->cluster);
	set_nonempty(meta, "ISTIO_VERSION", row->version);
	set_nonempty(meta, "NAMESPACE", row->namespace);
	if (json_object_size(meta))
		json_object_set(node, "metadata", meta);
	json_decref(meta);
	json_object_set_new(c, "node", node);
	for (i = 0; i < row->ntypes; i++)
		json_array_append_new(configs, generic_config(&row->types[i]));
	if (json_array_size(configs))
		json_object_set(c, "genericXdsConfigs", configs);
	json_decref(configs);
	return c;
}

/* The control plane identifier istiod puts in every response. */
static json_t *control_plane(const struct istiod *d)
{
	json_t *id = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}}", "Component", "istiod",
			       "ID", d->name, "Info", "version", d->version, "revision", "",
			       "golang_version", "", "status", "", "tag", "");
	char *text = json_dumps(id, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_t *cp = json_pack("{s:s}", "identifier", text);

	free(text);
	json_decref(id);
	return cp;
}

static json_t *discovery_response(const struct status_set *set, const struct istiod *d)
{
	json_t *resp = json_object(), *resources = json_array();
	size_t i;

	set_nonempty(resp, "versionInfo", d->version);
	for (i = 0; i < set->n; i++)
		if (set->rows[i].istiod == d)
			json_array_append_new(resources, client_config(&set->rows[i]));
	if (json_array_size(resources))
		json_object_set(resp, "resources", resources);
	json_decref(resources);
	json_object_set_new(resp, "typeUrl", json_string(CLIENT_CONFIG));
	json_object_set_new(resp, "controlPlane", control_plane(d));
	return resp;
}

void status_print(struct cli *cli, const struct status_set *set,
		  const struct istiod *const *d, size_t nd, time_t now, struct strbuf *out)
{
	size_t i;

	if (cli->format == OUTF_TABLE) {
		print_table(set, out);
		return;
	}
	if (cli->format == OUTF_WIDE) {
		print_wide(set, now, out);
		return;
	}
	for (i = 0; i < nd; i++) {
		json_t *resp = discovery_response(set, d[i]);
		if (cli->format == OUTF_JSON)
			gojson_jsonpb(out, resp);
		else
			yamljson_emit(out, resp);
		strbuf_addch(out, '\n');
		json_decref(resp);
	}
}
