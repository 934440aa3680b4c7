/* SPDX-License-Identifier: Apache-2.0 */
/* config clusters: istioctl proxy-config cluster, read straight from the dump's text. */
#include "configdump.h"
#include "tabwriter.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/*
 * The hot path of the whole command: a sidecar in a large mesh has
 * tens of thousands of clusters.  Rows are built from spans (name, type
 * and metadata only) without parsing the clusters into trees; only
 * -o json|yaml parses the clusters it prints.
 */
struct cluster_row {
	struct jspan span;       /* the Cluster message */
	char *name;
	struct subset_key key;
	const char *type;
	char *rule;              /* DESTINATION RULE */
};

struct clusters {
	struct cluster_row **rows;
	size_t nr, alloc;
};

static const char *const discovery_types[] = {
	"STATIC", "STRICT_DNS", "LOGICAL_DNS", "EDS", "ORIGINAL_DST",
};

static const char *cluster_type(struct jspan v)
{
	struct strbuf name = STRBUF_INIT;
	const char *type = discovery_types[0];
	size_t i;

	if (jspan_kind(v) == '0') {
		long long n;
		char buf[24];
		snprintf(buf, sizeof(buf), "%.*s", (int)(v.len < 23 ? v.len : 23), v.p);
		if (!go_atoi(buf, &n) && n >= 0 && (size_t)n < ARRAY_SIZE(discovery_types))
			type = discovery_types[n];
		return type;
	}
	jspan_string(v, &name);
	for (i = 0; i < ARRAY_SIZE(discovery_types); i++)
		if (!strcmp(name.buf, discovery_types[i]))
			type = discovery_types[i];
	strbuf_release(&name);
	return type;
}

/* describeManagement on the metadata span: filter_metadata.istio.config. */
static char *cluster_rule(struct jspan metadata)
{
	static const char *const path[] = { "filter_metadata", "istio", NULL };
	struct strbuf out = STRBUF_INIT, config = STRBUF_INIT;
	struct jspan istio, v;

	if (jspan_path(metadata, path, &istio) && jspan_get(istio, "config", &v)) {
		jspan_string(v, &config);
		config_describe_path(&out, config.buf);
	}
	strbuf_release(&config);
	return strbuf_detach(&out, NULL);
}

static void add_row(struct clusters *cs, struct jspan cluster)
{
	struct cluster_row *r = xcalloc(1, sizeof(*r));
	struct strbuf name = STRBUF_INIT;
	struct jiter it;
	struct jspan key, val;

	r->span = cluster;
	r->type = discovery_types[0];
	jiter_init(&it, cluster);
	while (jiter_member(&it, &key, &val)) {
		if (jspan_key_is(key, "name"))
			jspan_string(val, &name);
		else if (jspan_key_is(key, "type"))
			r->type = cluster_type(val);
		else if (jspan_key_is(key, "metadata") && !r->rule)
			r->rule = cluster_rule(val);
	}
	r->name = strbuf_detach(&name, NULL);
	if (!r->rule)
		r->rule = xstrdup("");
	subset_key_parse(&r->key, r->name);
	ALLOC_GROW(cs->rows, cs->nr + 1, cs->alloc);
	cs->rows[cs->nr++] = r;
}

static void collect(struct clusters *cs, struct jspan section, const char *list)
{
	struct jspan arr, elem, cluster;
	struct jiter it;

	if (!jspan_get(section, list, &arr) || jspan_kind(arr) != '[')
		return;
	jiter_init(&it, arr);
	while (jiter_element(&it, &elem))
		if (jspan_get(elem, "cluster", &cluster) && jspan_kind(cluster) == '{')
			add_row(cs, cluster);
}

static int row_less(const void *a, const void *b, void *ctx)
{
	(void)ctx;
	return subset_key_less(&((const struct cluster_row *)a)->key,
			       &((const struct cluster_row *)b)->key);
}

/* istioctl's ClusterFilter.Verify: substrings of the full cluster name. */
static int row_matches(const struct config_filter *f, const char *name)
{
	if (f->fqdn && *f->fqdn && !strstr(name, f->fqdn))
		return 0;
	if (f->direction && *f->direction && !strstr(name, f->direction))
		return 0;
	if (f->subset && *f->subset && !strstr(name, f->subset))
		return 0;
	if (f->port) {
		char p[32];
		snprintf(p, sizeof(p), "|%ld|", f->port);
		if (!strstr(name, p))
			return 0;
	}
	return 1;
}

static void print_row(struct tabwriter *tw, const struct cluster_row *r, int with_type)
{
	const char *name = r->name;
	int parsed = r->key.parsed;

	if (with_type && parsed)
		tabwriter_printf(tw, "cluster/%s\t", name);
	if (parsed)
		tabwriter_printf(tw, "%s\t%lld\t%s\t%s\t%s\t%s\n", r->key.host, r->key.port,
				 *r->key.subset ? r->key.subset : "-", r->key.direction, r->type, r->rule);
	else if (with_type && *name)
		tabwriter_printf(tw, "cluster/%s\tcluster/%s\t-\t-\t-\t%s\t%s\n", name, name, r->type,
				 r->rule);
	else
		tabwriter_printf(tw, "%s\t-\t-\t-\t%s\t%s\n", name, r->type, r->rule);
}

static void print_table(const struct config_view *v, struct clusters *cs, struct strbuf *out)
{
	struct tabwriter *tw = tabwriter_new(0, 5);
	size_t i;

	tabwriter_puts(tw, v->with_type ? "NAME\tSERVICE FQDN\tPORT\tSUBSET\tDIRECTION\tTYPE\tDESTINATION RULE\n" :
					  "SERVICE FQDN\tPORT\tSUBSET\tDIRECTION\tTYPE\tDESTINATION RULE\n");
	for (i = 0; i < cs->nr; i++)
		if (row_matches(&v->f, cs->rows[i]->name))
			print_row(tw, cs->rows[i], v->with_type);
	tabwriter_flush(tw, out);
	tabwriter_free(tw);
}

static int print_dump(const struct config_view *v, struct clusters *cs, struct strbuf *out,
		      struct strbuf *err)
{
	struct config_list list = CONFIG_LIST_INIT(v, out);
	size_t i;

	for (i = 0; i < cs->nr; i++) {
		json_t *c, *msg;
		if (!row_matches(&v->f, cs->rows[i]->name))
			continue;
		c = jspan_json(cs->rows[i]->span, err);
		if (!c)
			return -1;
		msg = pbjson_message(c, 1);
		config_list_add(&list, msg);
		json_decref(msg);
		json_decref(c);
	}
	config_list_end(&list);
	return 0;
}

static void release(struct clusters *cs)
{
	size_t i;
	for (i = 0; i < cs->nr; i++) {
		free(cs->rows[i]->name);
		free(cs->rows[i]->rule);
		subset_key_release(&cs->rows[i]->key);
		free(cs->rows[i]);
	}
	free(cs->rows);
}

int config_clusters(const struct config_view *v, struct strbuf *out, struct strbuf *err)
{
	struct clusters cs = { NULL, 0, 0 };
	struct jspan section;
	int r = 0;

	if (config_dump_section(v->dump, DUMP_TYPE("ClustersConfigDump"), &section, err))
		return -1;
	collect(&cs, section, "dynamic_active_clusters");
	collect(&cs, section, "static_clusters");
	if (!cs.nr) {
		strbuf_addstr(err, "no clusters found");
		return -1;
	}
	go_sort_slice((void **)cs.rows, cs.nr, row_less, NULL);
	if (v->format == CONFIG_TABLE)
		print_table(v, &cs, out);
	else
		r = print_dump(v, &cs, out, err);
	release(&cs);
	return r;
}
