/* SPDX-License-Identifier: Apache-2.0 */
/* istiod's /debug/syncz read into proxy rows, with each xDS type's status computed as istiod does. */
#include "status.h"
#include "proxy.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define TYPE_PREFIX "type.googleapis.com/"

static const struct {
	const char *url, *name;
} short_types[] = {
	{ TYPE_PREFIX "envoy.config.cluster.v3.Cluster", "CDS" },
	{ TYPE_PREFIX "envoy.config.listener.v3.Listener", "LDS" },
	{ TYPE_PREFIX "envoy.config.route.v3.RouteConfiguration", "RDS" },
	{ TYPE_PREFIX "envoy.config.endpoint.v3.ClusterLoadAssignment", "EDS" },
	{ TYPE_PREFIX "envoy.extensions.transport_sockets.tls.v3.Secret", "SDS" },
	{ TYPE_PREFIX "istio.networking.nds.v1.NameTable", "NDS" },
	{ TYPE_PREFIX "istio.mesh.v1alpha1.ProxyConfig", "PCDS" },
	{ TYPE_PREFIX "envoy.config.core.v3.TypedExtensionConfig", "ECDS" },
	{ TYPE_PREFIX "istio.workload.Address", "WDS" },
	{ TYPE_PREFIX "istio.workload.Workload", "WDS" },
	{ TYPE_PREFIX "istio.security.Authorization", "WADS" },
};

const char *xds_short_type(const char *type_url)
{
	size_t i;
	for (i = 0; i < ARRAY_SIZE(short_types); i++)
		if (!strcmp(short_types[i].url, type_url))
			return short_types[i].name;
	return type_url;
}

/*
 * What istiod <= 1.22 reported for a connection, from the nonces its
 * syncz still carries: the five types in its order, NOT_SENT (UNKNOWN
 * for ztunnel) for a type nothing was sent of.
 */
static const struct {
	const char *url, *field;
} legacy_types[] = {
	{ TYPE_PREFIX "envoy.config.listener.v3.Listener", "listener" },
	{ TYPE_PREFIX "envoy.config.route.v3.RouteConfiguration", "route" },
	{ TYPE_PREFIX "envoy.config.endpoint.v3.ClusterLoadAssignment", "endpoint" },
	{ TYPE_PREFIX "envoy.config.cluster.v3.Cluster", "cluster" },
	{ TYPE_PREFIX "envoy.config.core.v3.TypedExtensionConfig", "extensionconfig" },
};

static const char *str_field(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

static enum xds_status nonce_status(const char *sent, const char *acked, int ztunnel)
{
	if (!*sent)
		return ztunnel ? XDS_UNKNOWN : XDS_NOT_SENT;
	return !strcmp(sent, acked) ? XDS_SYNCED : XDS_STALE;
}

static void legacy_states(struct proxy_row *row, json_t *entry)
{
	int ztunnel = !strcmp(str_field(entry, "proxy_type"), "ztunnel");
	size_t i;

	row->types = xcalloc(ARRAY_SIZE(legacy_types), sizeof(*row->types));
	for (i = 0; i < ARRAY_SIZE(legacy_types); i++) {
		char *sent = xasprintf("%s_sent", legacy_types[i].field);
		char *acked = xasprintf("%s_acked", legacy_types[i].field);
		struct xds_state *st = &row->types[row->ntypes++];

		st->type_url = legacy_types[i].url;
		st->status = nonce_status(str_field(entry, sent), str_field(entry, acked), ztunnel);
		free(sent);
		free(acked);
	}
}

/* debugSyncStatus: a NACK is ERROR, then NOT_SENT, SYNCED, STALE by the nonces. */
static void resource_state(struct xds_state *st, const char *url, json_t *res)
{
	const char *error = str_field(res, "lastError"), *when = str_field(res, "sentTime");

	st->type_url = url;
	st->status = *error ? XDS_ERROR :
		     nonce_status(str_field(res, "sent"), str_field(res, "acked"), 0);
	st->error = *error ? error : NULL;
	/* Go's zero time (year 1) means it was never sent. */
	st->has_time = *when && !rfc3339_parse_nanos(when, &st->sent, &st->nanos) && st->sent > 0;
}

static void resource_states(struct proxy_row *row, json_t *resources)
{
	const char *url;
	json_t *res;

	row->types = xcalloc(json_object_size(resources) + 1, sizeof(*row->types));
	json_object_foreach(resources, url, res)
		resource_state(&row->types[row->ntypes++], url, res);
}

/* The namespace of a proxy ID "name.namespace"; NULL without a dot. */
static char *id_namespace(const char *id)
{
	const char *dot = strrchr(id, '.');
	return dot && dot[1] ? xstrdup(dot + 1) : NULL;
}

static int add_entry(struct status_set *set, const struct istiod *d, json_t *entry,
		     const char *ns)
{
	struct proxy_row *row;
	json_t *resources = json_object_get(entry, "resources");
	char *pns;

	if (!json_is_object(entry))
		return -1;
	pns = id_namespace(str_field(entry, "proxy"));
	if (!pns && ns)
		pns = xstrdup(ns);
	if (ns && strcmp(pns, ns)) {
		free(pns);
		return 0;
	}
	ALLOC_GROW(set->rows, set->n + 1, set->alloc);
	row = &set->rows[set->n++];
	memset(row, 0, sizeof(*row));
	row->id = str_field(entry, "proxy");
	row->cluster = str_field(entry, "cluster_id");
	row->version = str_field(entry, "istio_version");
	row->namespace = pns;
	row->istiod = d;
	if (json_is_object(resources))
		resource_states(row, resources);
	else
		legacy_states(row, entry);
	return 0;
}

/* Forget the rows from index mark on (an answer that turned out bad half-way). */
static void drop_rows(struct status_set *set, size_t mark)
{
	while (set->n > mark) {
		set->n--;
		free(set->rows[set->n].namespace);
		free(set->rows[set->n].types);
	}
}

int status_add_syncz(struct status_set *set, const struct istiod *d, const char *text,
		     size_t len, const char *ns, struct strbuf *err)
{
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, 0, &jerr), *entry;
	size_t i, mark = set->n;

	if (!doc) {
		strbuf_addf(err, "istiod \"%s\" answered /debug/syncz with something that is not JSON: %s at line %d, column %d",
			    d->name, jerr.text, jerr.line, jerr.column);
		return -1;
	}
	if (!set->docs)
		set->docs = json_array();
	json_array_append_new(set->docs, doc);
	if (!json_is_array(doc)) {
		strbuf_addf(err, "istiod \"%s\" answered /debug/syncz with JSON that is not a list of proxies",
			    d->name);
		return -1;
	}
	json_array_foreach(doc, i, entry) {
		if (add_entry(set, d, entry, ns)) {
			strbuf_addf(err, "istiod \"%s\" answered /debug/syncz with a list whose item %zu is not an object",
				    d->name, i);
			drop_rows(set, mark);
			return -1;
		}
	}
	return 0;
}

void status_set_release(struct status_set *set)
{
	drop_rows(set, 0);
	free(set->rows);
	json_decref(set->docs);
	memset(set, 0, sizeof(*set));
}
