/* SPDX-License-Identifier: Apache-2.0 */
/* Istio's mesh settings from the istio ConfigMap's data.mesh, over Istio's defaults. */
#include "objects.h"
#include "yamljson.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* A NULL-terminated vector holding one copy of first, or empty when NULL. */
static char **strv_new(const char *first)
{
	char **v = xcalloc(2, sizeof(*v));
	v[0] = xstrdup_or_null(first);
	return v;
}

static void strv_free(char **v)
{
	char **p;
	for (p = v; p && *p; p++)
		free(*p);
	free(v);
}

static void set_defaults(struct mesh_config *m, const char *root_ns)
{
	memset(m, 0, sizeof(*m));
	m->root_namespace = xstrdup(root_ns);
	m->trust_domain = xstrdup("cluster.local");
	m->trust_domain_aliases = strv_new(NULL);
	m->enable_auto_mtls = 1;
	m->default_dr_export_to = strv_new("*");
	m->extension_providers = json_array();
	m->raw = json_object();
}

void mesh_config_release(struct mesh_config *m)
{
	free(m->root_namespace);
	free(m->trust_domain);
	strv_free(m->trust_domain_aliases);
	strv_free(m->default_dr_export_to);
	json_decref(m->extension_providers);
	json_decref(m->raw);
	free(m->source);
	memset(m, 0, sizeof(*m));
}

static int wrong_type(struct strbuf *err, const char *field, const char *want)
{
	strbuf_setf(err, "%s must be %s", field, want);
	return -1;
}

/* An empty string leaves the default, as proto3 treats it as unset. */
static int read_string(json_t *raw, const char *field, char **dst, struct strbuf *err)
{
	json_t *v = json_object_get(raw, field);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return wrong_type(err, field, "a string");
	if (*json_string_value(v)) {
		free(*dst);
		*dst = xstrdup(json_string_value(v));
	}
	return 0;
}

/* A list of strings; an empty list keeps the default when keep_default. */
static int read_strings(json_t *raw, const char *field, char ***dst, int keep_default,
			struct strbuf *err)
{
	json_t *v = json_object_get(raw, field), *e;
	char **out;
	size_t i;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return wrong_type(err, field, "a list of strings");
	json_array_foreach(v, i, e)
		if (!json_is_string(e))
			return wrong_type(err, field, "a list of strings");
	if (!json_array_size(v) && keep_default)
		return 0;
	out = xcalloc(json_array_size(v) + 1, sizeof(*out));
	json_array_foreach(v, i, e)
		out[i] = xstrdup(json_string_value(e));
	strv_free(*dst);
	*dst = out;
	return 0;
}

static int read_bool(json_t *raw, const char *field, int *dst, struct strbuf *err)
{
	json_t *v = json_object_get(raw, field);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return wrong_type(err, field, "true or false");
	*dst = json_is_true(v);
	return 0;
}

static int read_providers(json_t *raw, json_t **dst, struct strbuf *err)
{
	json_t *v = json_object_get(raw, "extensionProviders");

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return wrong_type(err, "extensionProviders", "a list");
	json_decref(*dst);
	*dst = json_incref(v);
	return 0;
}

static int apply_mesh(struct mesh_config *m, json_t *raw, struct strbuf *err)
{
	if (!json_is_object(raw)) {
		strbuf_setf(err, "the mesh config must be a YAML mapping");
		return -1;
	}
	json_decref(m->raw);
	m->raw = json_incref(raw);
	return read_string(raw, "rootNamespace", &m->root_namespace, err) ||
	       read_string(raw, "trustDomain", &m->trust_domain, err) ||
	       read_strings(raw, "trustDomainAliases", &m->trust_domain_aliases, 0, err) ||
	       read_bool(raw, "enableAutoMtls", &m->enable_auto_mtls, err) ||
	       read_strings(raw, "defaultDestinationRuleExportTo",
			    &m->default_dr_export_to, 1, err) ||
	       read_providers(raw, &m->extension_providers, err) ? -1 : 0;
}

int mesh_config_load(struct mesh_config *m, json_t *configmap, const char *root_ns,
		     struct strbuf *err)
{
	json_t *mesh = obj_path(configmap, "data.mesh"), *raw = NULL;
	struct strbuf why = STRBUF_INIT;
	const char *text = json_string_value(mesh);

	set_defaults(m, root_ns);
	if (!mesh)
		return 0;
	if (!text)
		strbuf_setf(&why, "data.mesh must be a string");
	else
		raw = yamljson_parse_one(text, strlen(text), &why);
	if (raw && !apply_mesh(m, raw, &why)) {
		m->source = xasprintf("%s/%s", obj_namespace(configmap), obj_name(configmap));
		json_decref(raw);
		strbuf_release(&why);
		return 0;
	}
	json_decref(raw);
	strbuf_setf(err, "error parsing the mesh config in ConfigMap %s/%s: %s",
		    obj_namespace(configmap), obj_name(configmap), why.buf);
	strbuf_release(&why);
	mesh_config_release(m);
	set_defaults(m, root_ns);
	return -1;
}
