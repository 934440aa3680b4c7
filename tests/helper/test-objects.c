/* SPDX-License-Identifier: Apache-2.0 */
/* test-common checks for label selectors and the object set. */
#include "kube.h"
#include "kubeconfig.h"
#include "labels.h"
#include "objects.h"
#include "test-common.h"
#include "usage.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static json_t *json_arg(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
	if (!v)
		fprintf(stderr, "bad JSON argument '%s': %s\n", text, e.text);
	return v;
}

static int print_result(int r, const struct strbuf *err)
{
	if (r < 0) {
		fprintf(stderr, "%s\n", err->buf);
		return 2;
	}
	puts(r ? "true" : "false");
	return 0;
}

static int labels_query(const char *text, json_t *labels, struct strbuf *err)
{
	struct label_query *q = label_query_parse(text, err);
	int r;

	if (!q)
		return -1;
	r = label_query_matches(q, labels);
	label_query_free(q);
	return r;
}

/*
 * labels contain LABELS_JSON WANT_JSON
 * labels selector SELECTOR_JSON LABELS_JSON
 * labels query TEXT LABELS_JSON
 * Print true or false; an invalid selector's message goes to stderr
 * and the exit code is 2.
 */
int cmd__labels(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	json_t *a = NULL, *b = NULL;
	int ret = 2;

	if (argc != 4) {
		fputs("usage: labels (contain|selector|query) ARG LABELS\n", stderr);
		return 2;
	}
	if (strcmp(argv[1], "query") && !(a = json_arg(argv[2])))
		return 2;
	if (!(b = json_arg(argv[3])))
		goto out;
	if (!strcmp(argv[1], "contain"))
		ret = print_result(labels_contain(a, b), &err);
	else if (!strcmp(argv[1], "selector"))
		ret = print_result(label_selector_matches(a, b, &err), &err);
	else if (!strcmp(argv[1], "query"))
		ret = print_result(labels_query(argv[2], b, &err), &err);
	else
		fprintf(stderr, "labels: unknown check '%s'\n", argv[1]);
out:
	json_decref(a);
	json_decref(b);
	strbuf_release(&err);
	return ret;
}

struct objects_opts {
	const char **paths;
	size_t nr_paths;
	int recursive;
	int dump;
	const char *ns;
	const char *istio_ns;
	const char *revision;
	const char *get;            /* KIND/NS/NAME or KIND/NAME */
	const char **reads;         /* "path P", "label K", "annotation K" */
	size_t nr_reads;
	struct obj_query *queries;  /* --query: fetch from the cluster */
	size_t nr_queries;
};

static const char *dash_null(const char *s)
{
	return strcmp(s, "-") ? s : NULL;
}

/* --query KIND NS NAME SELECTOR OPTIONAL, "-" for an absent value. */
static int parse_query(struct obj_query *q, char **args)
{
	int k = obj_kind_lookup(args[0]);

	if (k < 0) {
		fprintf(stderr, "objects: unknown kind '%s'\n", args[0]);
		return -1;
	}
	q->kind = (enum obj_kind)k;
	q->namespace = dash_null(args[1]);
	q->name = dash_null(args[2]);
	q->label_selector = dash_null(args[3]);
	q->optional = !strcmp(args[4], "1");
	return 0;
}

static int parse_objects_args(int argc, char **argv, struct objects_opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int has_value = i + 1 < argc;

		if (!strcmp(a, "-R"))
			o->recursive = 1;
		else if (!strcmp(a, "--dump"))
			o->dump = 1;
		else if (!strcmp(a, "-f") && has_value)
			o->paths[o->nr_paths++] = argv[++i];
		else if (!strcmp(a, "-n") && has_value)
			o->ns = argv[++i];
		else if (!strcmp(a, "--istio-namespace") && has_value)
			o->istio_ns = argv[++i];
		else if (!strcmp(a, "--revision") && has_value)
			o->revision = argv[++i];
		else if (!strcmp(a, "--query") && i + 5 < argc) {
			if (parse_query(&o->queries[o->nr_queries++], argv + i + 1))
				return -1;
			i += 5;
		} else if (!strcmp(a, "--get") && has_value)
			o->get = argv[++i];
		else if ((!strcmp(a, "--path") || !strcmp(a, "--label") ||
			  !strcmp(a, "--annotation")) && has_value) {
			o->reads[o->nr_reads++] = a + 2;
			o->reads[o->nr_reads++] = argv[++i];
		}
		else {
			fprintf(stderr, "objects: bad argument '%s'\n", a);
			return -1;
		}
	}
	return 0;
}

static json_t *strv_json(char **v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static void print_mesh(const struct mesh_config *m)
{
	json_t *doc = json_pack("{s:s, s:s, s:o, s:b, s:o, s:O, s:s?}",
				"rootNamespace", m->root_namespace,
				"trustDomain", m->trust_domain,
				"trustDomainAliases", strv_json(m->trust_domain_aliases),
				"enableAutoMtls", m->enable_auto_mtls,
				"defaultDestinationRuleExportTo", strv_json(m->default_dr_export_to),
				"extensionProviders", m->extension_providers,
				"source", m->source);
	char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);

	printf("mesh %s\n", text);
	free(text);
	json_decref(doc);
}

static void print_summary(const struct objset *s)
{
	json_t *obj;
	size_t i;
	int k;

	for (k = 0; k < OBJ__COUNT; k++)
		if (json_array_size(objset_list(s, k)))
			printf("%s %zu\n", obj_kind_info(k)->kind, json_array_size(objset_list(s, k)));
	printf("ignored %zu\n", objset_ignored(s));
	for (k = 0; k < OBJ__COUNT; k++)
		json_array_foreach(objset_list(s, k), i, obj)
			if (obj_kind_info(k)->namespaced)
				printf("%s/%s/%s\n", obj_kind_info(k)->kind, obj_namespace(obj),
				       obj_name(obj));
			else
				printf("%s/%s\n", obj_kind_info(k)->kind, obj_name(obj));
	print_mesh(objset_mesh(s));
}

/* One compact JSON line per object, keys sorted, kinds in report order. */
static void print_dump(const struct objset *s)
{
	json_t *obj;
	size_t i;
	int k;

	for (k = 0; k < OBJ__COUNT; k++)
		json_array_foreach(objset_list(s, k), i, obj) {
			char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
			puts(text);
			free(text);
		}
}

static void print_read(json_t *obj, const char *what, const char *arg)
{
	if (!strcmp(what, "label")) {
		const char *v = obj_label(obj, arg);
		printf("label %s %s\n", arg, v ? v : "(null)");
	} else if (!strcmp(what, "annotation")) {
		const char *v = obj_annotation(obj, arg);
		printf("annotation %s %s\n", arg, v ? v : "(null)");
	} else {
		json_t *v = obj_path(obj, arg);
		char *text = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
		printf("path %s %s\n", arg, text ? text : "(null)");
		free(text);
	}
}

/* --get KIND/NS/NAME: objset_get() and the accessors on its result. */
static int print_get(const struct objset *s, const struct objects_opts *o)
{
	char *spec = xstrdup(o->get), *name = strrchr(spec, '/'), *ns = NULL;
	char *slash = strchr(spec, '/');
	json_t *obj;
	size_t i;
	int k;

	if (!name) {
		free(spec);
		fprintf(stderr, "objects: --get KIND/NS/NAME\n");
		return 2;
	}
	*name++ = '\0';
	if (slash != name - 1) {
		*slash = '\0';
		ns = slash + 1;
	}
	k = obj_kind_lookup(spec);
	obj = k < 0 ? NULL : objset_get(s, k, ns, name);
	if (!obj) {
		puts("(none)");
	} else {
		const char *ons = obj_namespace(obj);
		json_t *labels = obj_labels(obj);
		char *text = labels ? json_dumps(labels, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		printf("%s %s%s%s created %lld labels %s\n", obj_kind_info(k)->kind,
		       ons ? ons : "", ons ? "/" : "", obj_name(obj), obj_created(obj),
		       text ? text : "(null)");
		free(text);
		for (i = 0; i < o->nr_reads; i += 2)
			print_read(obj, o->reads[i], o->reads[i + 1]);
	}
	free(spec);
	return 0;
}

/* objects kind NAME...: obj_kind_lookup() of each name. */
static int print_kinds(int argc, char **argv)
{
	int i, k;

	for (i = 2; i < argc; i++) {
		k = obj_kind_lookup(argv[i]);
		printf("%s %s\n", argv[i], k < 0 ? "-" : obj_kind_info(k)->kind);
	}
	return 0;
}

/* objset_fetch() of the --query list, with the kubeconfig from the environment. */
static int fetch(struct objset *s, const struct objects_opts *o, struct strbuf *err)
{
	struct kubeconfig_flags flags = KUBECONFIG_FLAGS_INIT;
	struct kube_client_opts copts = { 0 };
	struct kube_config cfg;
	struct kube_client *c = NULL;
	int ret = -1;

	memset(&cfg, 0, sizeof(cfg));
	if (!kubeconfig_resolve(&flags, &cfg, err) && (c = kube_client_new(&cfg, &copts, err)))
		ret = objset_fetch(s, c, o->queries, o->nr_queries, err);
	kube_client_free(c);
	kube_config_release(&cfg);
	return ret;
}

static void print_loaded(const struct objset *s)
{
	int k;

	fputs("loaded", stdout);
	for (k = 0; k < OBJ__COUNT; k++)
		if (objset_loaded(s) & OBJ_BIT(k))
			printf(" %s", obj_kind_info(k)->kind);
	putchar('\n');
}

static int print_set(const struct objset *s, const struct objects_opts *o)
{
	if (o->get)
		return print_get(s, o);
	if (o->dump) {
		print_dump(s);
		return 0;
	}
	if (o->nr_queries)
		print_loaded(s);
	print_summary(s);
	return 0;
}

static int load(struct objset *s, const struct objects_opts *o, struct strbuf *err)
{
	if (o->nr_queries)
		return fetch(s, o, err);
	return objset_load_paths(s, o->paths, o->nr_paths, o->recursive, o->ns, err);
}

/*
 * objects [--dump] [-R] [-n NS] [--istio-namespace NS] [--revision REV]
 *         [--get KIND/NS/NAME [--path P] [--label K] [--annotation K]...]
 *         (-f PATH | --query KIND NS NAME SELECTOR OPTIONAL)...
 * objects kind NAME...
 * Load the paths (or fetch the queries from the cluster of $KUBECONFIG,
 * "-" for an absent value, OPTIONAL 1 or 0), finish the set and print
 * a summary: "Kind COUNT" for each kind present, "ignored N", then
 * "Kind/ns/name" (or "Kind/name") for every object, then "mesh {...}";
 * fetching prints "loaded KIND..." first.  --dump prints the objects
 * instead, --get one object and what the accessors read from it.
 * Errors are printed as the commands print them.
 */
int cmd__objects(int argc, char **argv)
{
	struct objects_opts o = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct objset *s;
	int ret = 0;

	if (argc > 1 && !strcmp(argv[1], "kind"))
		return print_kinds(argc, argv);
	o.paths = xcalloc((size_t)argc, sizeof(*o.paths));
	o.reads = xcalloc((size_t)argc, sizeof(*o.reads));
	o.queries = xcalloc((size_t)argc, sizeof(*o.queries));
	if (parse_objects_args(argc, argv, &o)) {
		ret = 2;
		goto out;
	}
	s = objset_new();
	if (load(s, &o, &err) || objset_finish(s, o.istio_ns, o.revision, &err))
		ret = report_error(err.buf);
	else
		ret = print_set(s, &o);
	objset_free(s);
out:
	strbuf_release(&err);
	free(o.paths);
	free(o.reads);
	free(o.queries);
	return ret;
}
