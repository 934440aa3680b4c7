/* SPDX-License-Identifier: Apache-2.0 */
/* inventory: what the plugin sees, per kind, and the mesh settings in force. */
#include "cli_priv.h"
#include "objects.h"
#include "table.h"
#include "xalloc.h"

#include <string.h>

const struct cli_option cmd_inventory_options[] = { CLI_OPT_END };

static int in_scope(json_t *obj, enum obj_kind k, const char *ns)
{
	const char *ons;
	if (!ns || !obj_kind_info(k)->namespaced)
		return 1;
	ons = obj_namespace(obj);
	return ons && !strcmp(ons, ns);
}

static json_t *kind_summary(const struct objset *set, enum obj_kind k, const char *ns,
			    json_t *sidecars)
{
	json_t *namespaces = json_object();
	json_t *obj, *row;
	size_t i, count = 0, meshed = 0;

	json_array_foreach(objset_list(set, k), i, obj) {
		if (!in_scope(obj, k, ns))
			continue;
		count++;
		if (obj_namespace(obj))
			json_object_set_new(namespaces, obj_namespace(obj), json_true());
		if (k == OBJ_POD && obj_pod_has_istio_proxy(obj)) /* H1: a sidecar */
			meshed++;
	}
	if (k == OBJ_POD)
		json_object_set_new(sidecars, "withSidecar", json_integer((json_int_t)meshed));
	row = json_pack("{s:s, s:I}", "kind", obj_kind_info(k)->kind, "count", (json_int_t)count);
	if (obj_kind_info(k)->namespaced)
		json_object_set_new(row, "namespaces",
				    json_integer((json_int_t)json_object_size(namespaces)));
	json_decref(namespaces);
	return row;
}

static json_t *mesh_summary(const struct mesh_config *m)
{
	json_t *aliases = json_array();
	char **a;
	for (a = m->trust_domain_aliases; a && *a; a++)
		json_array_append_new(aliases, json_string(*a));
	return json_pack("{s:s?, s:s, s:s, s:o, s:b, s:I}", "source", m->source,
			 "rootNamespace", m->root_namespace, "trustDomain", m->trust_domain,
			 "trustDomainAliases", aliases, "enableAutoMtls", m->enable_auto_mtls,
			 "extensionProviders",
			 (json_int_t)json_array_size(m->extension_providers));
}

static void print_table(struct cli *cli, json_t *doc)
{
	static const char *const headers[] = { "KIND", "NAMESPACES", "COUNT", NULL };
	struct table *t = table_new(headers);
	json_t *mesh = json_object_get(doc, "mesh");
	json_t *row;
	size_t i;

	json_array_foreach(json_object_get(doc, "kinds"), i, row) {
		char *count = xasprintf("%lld", (long long)json_integer_value(json_object_get(row, "count")));
		char *nss = json_object_get(row, "namespaces") ?
			xasprintf("%lld", (long long)json_integer_value(json_object_get(row, "namespaces"))) :
			xstrdup("-");
		table_add(t, json_string_value(json_object_get(row, "kind")), nss, count);
		free(count);
		free(nss);
	}
	table_print(t, cli->out, cli->opts.no_headers);
	table_free(t);
	fprintf(cli->out, "\nMesh config: %s (root namespace %s, trust domain %s, auto mTLS %s)\n",
		json_is_string(json_object_get(mesh, "source")) ?
			json_string_value(json_object_get(mesh, "source")) :
			"Istio defaults",
		json_string_value(json_object_get(mesh, "rootNamespace")),
		json_string_value(json_object_get(mesh, "trustDomain")),
		json_is_true(json_object_get(mesh, "enableAutoMtls")) ? "on" : "off");
	fprintf(cli->out, "Pods with a sidecar: %lld of %lld\n",
		(long long)json_integer_value(json_object_get(json_object_get(doc, "sidecars"), "withSidecar")),
		(long long)json_integer_value(json_object_get(json_object_get(doc, "sidecars"), "pods")));
}

int cmd_inventory(struct cli *cli, void *opts, int argc, char **argv)
{
	const char *ns = cli->opts.all_namespaces ? NULL : cli_namespace(cli);
	json_t *doc, *kinds, *sidecars;
	struct objset *set;
	int k, r;

	(void)opts;
	(void)argc;
	(void)argv;
	r = cli_load_objects(cli, OBJ_ALL, ns, &set);
	if (r)
		return r;
	kinds = json_array();
	sidecars = json_object();
	for (k = 0; k < OBJ__COUNT; k++) {
		json_t *row = kind_summary(set, (enum obj_kind)k, ns, sidecars);
		if (k == OBJ_POD)
			json_object_set(sidecars, "pods", json_object_get(row, "count"));
		json_array_append_new(kinds, row);
	}
	doc = json_pack("{s:s, s:s?, s:o, s:o, s:o, s:I}", "source",
			cli_offline(cli) ? "files" : "cluster", "namespace", ns, "kinds", kinds,
			"mesh", mesh_summary(objset_mesh(set)), "sidecars", sidecars, "ignored",
			(json_int_t)objset_ignored(set));
	if (cli->format == OUTF_TABLE)
		print_table(cli, doc);
	else
		cli_print_value(cli, doc);
	json_decref(doc);
	objset_free(set);
	return 0;
}
