/* SPDX-License-Identifier: Apache-2.0 */
/* config bootstrap and config ecds: the bootstrap's versions, the extension configs. */
#include "configdump.h"
#include "tabwriter.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Envoy's version string from node.user_agent_build_version, "0.0.0" when absent. */
static void envoy_version(struct strbuf *out, json_t *node)
{
	static const char *const parts[] = { "revision.status", "build.type", "ssl.version" };
	json_t *build = pb_get(node, "user_agent_build_version");
	json_t *meta = pb_get(build, "metadata");
	const char *label = pb_str(meta, "build.label");
	size_t i;

	strbuf_addf(out, "%lld.%lld.%lld", pb_int(build, "version.major_number", 0),
		    pb_int(build, "version.minor_number", 0), pb_int(build, "version.patch", 0));
	if (*label)
		strbuf_addf(out, "-%s", label);
	for (i = 0; i < ARRAY_SIZE(parts); i++) {
		json_t *v = json_object_get(meta, parts[i]);
		if (json_is_string(v) && *json_string_value(v))
			strbuf_addf(out, "/%s", json_string_value(v));
	}
}

/* istioctl's version summary (proxy-config bootstrap -o short), tabwriter padding 1. */
static void print_versions(json_t *dump, struct strbuf *out)
{
	struct tabwriter *tw = tabwriter_new(0, 1);
	struct strbuf envoy = STRBUF_INIT;
	json_t *node = pb_path(dump, "bootstrap.node");
	json_t *meta = pb_get(node, "metadata");
	const char *istio = pb_str(meta, "ISTIO_VERSION");
	const char *sha = pb_str(meta, "ISTIO_PROXY_SHA"), *colon = strchr(sha, ':');

	if (*istio)
		tabwriter_printf(tw, "Istio Version:\t%s\n", istio);
	if (colon) {
		const char *end = strchr(colon + 1, ':');
		tabwriter_printf(tw, "Istio Proxy Version:\t%.*s\n",
				 (int)(end ? (size_t)(end - colon - 1) : strlen(colon + 1)), colon + 1);
	} else if (*sha) {
		tabwriter_printf(tw, "Istio Proxy Version:\t%s\n", sha);
	}
	envoy_version(&envoy, node);
	tabwriter_printf(tw, "Envoy Version:\t%s\n", envoy.buf);
	tabwriter_flush(tw, out);
	tabwriter_free(tw);
	strbuf_release(&envoy);
}

int config_bootstrap(const struct config_view *v, struct strbuf *out, struct strbuf *err)
{
	json_t *dump = config_dump_section_json(v->dump, DUMP_TYPE("BootstrapConfigDump"), err);

	if (!dump)
		return -1;
	if (v->format == CONFIG_TABLE) {
		print_versions(dump, out);
	} else {
		json_t *msg = pbjson_message(dump, 1);
		config_print_jsonpb(v, msg, out);
		json_decref(msg);
	}
	json_decref(dump);
	return 0;
}

/* ---- ecds ---- */

static const char *ecds_type(json_t *filter)
{
	return pb_str(pb_get(pb_get(filter, "ecds_filter"), "typed_config"), "@type");
}

static int ecds_less(const void *a, const void *b, void *ctx)
{
	int c = strcmp(ecds_type((json_t *)a), ecds_type((json_t *)b));
	(void)ctx;
	if (c)
		return c < 0;
	return strcmp(pb_str(a, "ecds_filter.name"), pb_str(b, "ecds_filter.name")) < 0;
}

static void print_ecds_table(json_t *filters, struct strbuf *out)
{
	struct tabwriter *tw = tabwriter_new(0, 5);
	size_t i, n = json_array_size(filters);
	json_t **sorted = xcalloc(n + 1, sizeof(*sorted));

	for (i = 0; i < n; i++)
		sorted[i] = json_array_get(filters, i);
	go_sort_slice((void **)sorted, n, ecds_less, NULL);
	tabwriter_puts(tw, "ECDS NAME\tTYPE\n");
	for (i = 0; i < n; i++) {
		const char *type = ecds_type(sorted[i]);
		skip_prefix(type, "type.googleapis.com/", &type);
		tabwriter_printf(tw, "%s\t%s\n", pb_str(sorted[i], "ecds_filter.name"), type);
	}
	tabwriter_flush(tw, out);
	tabwriter_free(tw);
	free(sorted);
}

int config_ecds(const struct config_view *v, struct strbuf *out, struct strbuf *err)
{
	json_t *filters = json_array(), *f;
	size_t i, j, found = 0;

	/* Every EcdsConfigDump (HTTP and listener filters come separately), in order. */
	for (i = 0; i < v->dump->nsections; i++) {
		json_t *dump;
		if (strcmp(v->dump->sections[i].type, DUMP_TYPE("EcdsConfigDump")))
			continue;
		found++;
		dump = jspan_json(v->dump->sections[i].body, err);
		if (!dump) {
			json_decref(filters);
			return -1;
		}
		json_array_foreach(pb_get(dump, "ecds_filters"), j, f)
			json_array_append(filters, f);
		json_decref(dump);
	}
	if (!found) {
		json_decref(filters);
		strbuf_addstr(err, "config dump has no configuration type " DUMP_TYPE("EcdsConfigDump"));
		return -1;
	}
	if (v->format == CONFIG_TABLE) {
		print_ecds_table(filters, out);
	} else {
		json_t *dump = json_pack("{s:O}", "ecds_filters", filters);
		json_t *msg = pbjson_message(dump, 1);
		config_print_message(v, msg, out);
		json_decref(msg);
		json_decref(dump);
	}
	json_decref(filters);
	return 0;
}
