/* SPDX-License-Identifier: Apache-2.0 */
/* The object set: adding objects and Lists, reading -f paths, name lookup. */
#include "objset_priv.h"
#include "yamljson.h"
#include "xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct objset {
	json_t *items[OBJ__COUNT];  /* arrays, in load order */
	json_t *index[OBJ__COUNT];  /* "ns/name" (or "name") -> position in items */
	json_t *shared;             /* canonical JSON text -> the one shared value */
	unsigned loaded;
	size_t ignored;
	struct mesh_config mesh;
};

/* Where objects come from, for messages, and the namespace to fill in. */
struct add_ctx {
	const char *source;         /* "pods.yaml", "STDIN"; NULL for the API */
	const char *default_ns;     /* NULL: a namespaced object must name one */
};

struct objset *objset_new(void)
{
	struct objset *s = xcalloc(1, sizeof(*s));
	struct strbuf err = STRBUF_INIT;
	int k;

	for (k = 0; k < OBJ__COUNT; k++) {
		s->items[k] = json_array();
		s->index[k] = json_object();
	}
	s->shared = json_object();
	/* Defaults cannot fail. */
	mesh_config_load(&s->mesh, NULL, "istio-system", &err);
	strbuf_release(&err);
	return s;
}

void objset_free(struct objset *s)
{
	int k;
	if (!s)
		return;
	for (k = 0; k < OBJ__COUNT; k++) {
		json_decref(s->items[k]);
		json_decref(s->index[k]);
	}
	json_decref(s->shared);
	mesh_config_release(&s->mesh);
	free(s);
}

static const char *source_name(const struct add_ctx *cx)
{
	return cx->source ? cx->source : "API response";
}

/* kubectl's decoder text for an object without kind or apiVersion. */
static int missing_field(json_t *obj, const struct add_ctx *cx, const char *field,
			 struct strbuf *err)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	strbuf_setf(err, "unable to decode \"%s\": Object '%s' is missing in '%s'",
		    source_name(cx), field, text ? text : "");
	free(text);
	return -1;
}

static void index_key(struct strbuf *key, enum obj_kind k, const char *ns, const char *name)
{
	strbuf_reset(key);
	if (obj_kind_info(k)->namespaced)
		strbuf_addf(key, "%s/%s", ns ? ns : "", name);
	else
		strbuf_addstr(key, name);
}

/* A later object with the same kind, namespace and name replaces the earlier. */
static void store(struct objset *s, enum obj_kind k, json_t *obj)
{
	struct strbuf key = STRBUF_INIT;
	json_t *pos;

	index_key(&key, k, obj_namespace(obj), obj_name(obj));
	pos = json_object_get(s->index[k], key.buf);
	if (pos) {
		json_array_set_new(s->items[k], (size_t)json_integer_value(pos), obj);
	} else {
		json_object_set_new(s->index[k], key.buf,
				    json_integer((json_int_t)json_array_size(s->items[k])));
		json_array_append_new(s->items[k], obj);
	}
	strbuf_release(&key);
}

/*
 * Replicas of a workload carry identical labels, annotations, owners,
 * containers and container statuses, and pods repeat a few namespaces,
 * nodes and phases.  A pod's copies of these are replaced by one value
 * shared by every pod of the set, which more than halves the memory of
 * a large pod list.  This is why objects in the set are read-only.
 */
static const struct {
	const char *parent;         /* NULL: the pod itself */
	const char *key;
} pod_shared[] = {
	{ NULL, "kind" }, { NULL, "apiVersion" },
	{ "metadata", "namespace" }, { "metadata", "labels" },
	{ "metadata", "annotations" }, { "metadata", "ownerReferences" },
	{ "spec", "containers" }, { "spec", "initContainers" },
	{ "spec", "serviceAccountName" }, { "spec", "serviceAccount" },
	{ "spec", "nodeName" }, { "status", "phase" }, { "status", "hostIP" },
	{ "status", "containerStatuses" },
};

static void share_member(struct objset *s, json_t *parent, const char *key)
{
	json_t *v = json_object_get(parent, key), *have;
	char *text;

	if (!v)
		return;
	text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	have = json_object_get(s->shared, text);
	if (!have)
		json_object_set(s->shared, text, v);
	else if (have != v)
		json_object_set(parent, key, have);
	free(text);
}

static void share_pod_parts(struct objset *s, json_t *pod)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pod_shared); i++) {
		json_t *parent = pod_shared[i].parent ?
				 json_object_get(pod, pod_shared[i].parent) : pod;
		if (json_is_object(parent))
			share_member(s, parent, pod_shared[i].key);
	}
}

int objset_pod_filter(json_t *pod, void *set)
{
	enum obj_kind k = OBJ_POD;

	obj_prune_item(pod, &k);
	share_pod_parts(set, pod);
	return 0;
}

static int set_namespace(json_t *obj, enum obj_kind k, const struct add_ctx *cx,
			 struct strbuf *err)
{
	const struct obj_kind_info *ki = obj_kind_info(k);
	json_t *meta = json_object_get(obj, "metadata");
	const char *ns = obj_namespace(obj);

	if (!ki->namespaced) {
		json_object_del(meta, "namespace");
		return 0;
	}
	if (ns && *ns)
		return 0;
	if (!cx->default_ns) {
		strbuf_setf(err, "no namespace set on resource %s \"%s\" in \"%s\"",
			    ki->resource, obj_name(obj), source_name(cx));
		return -1;
	}
	json_object_set_new(meta, "namespace", json_string(cx->default_ns));
	return 0;
}

static int add_object(struct objset *s, json_t *obj, const char *kind,
		      const struct add_ctx *cx, struct strbuf *err)
{
	const char *api_version = json_string_value(json_object_get(obj, "apiVersion"));
	const char *name;
	enum obj_kind k;
	int found;

	if (!api_version || !*api_version) {
		missing_field(obj, cx, "apiVersion", err);
		goto fail;
	}
	found = obj_kind_of(api_version, kind);
	if (found < 0) {
		s->ignored++;
		json_decref(obj);
		return 0;
	}
	k = (enum obj_kind)found;
	name = obj_name(obj);
	if (!name || !*name) {
		strbuf_setf(err, "error validating \"%s\": %s: resource name may not be empty",
			    source_name(cx), kind);
		goto fail;
	}
	if (set_namespace(obj, k, cx, err))
		goto fail;
	if (k == OBJ_POD)
		objset_pod_filter(obj, s);
	else
		obj_prune_item(obj, &k);
	store(s, k, obj);
	return 0;
fail:
	json_decref(obj);
	return -1;
}

static int add_doc(struct objset *s, json_t *obj, const struct add_ctx *cx,
		   struct strbuf *err);

/*
 * Items of an API list carry no kind or apiVersion: they are those of
 * the list (kind, api_version may be NULL), minus "List".
 */
static void inherit_list_fields(json_t *item, const char *kind, const char *api_version)
{
	size_t kind_len = strlen(kind) - strlen("List");

	if (!json_is_object(item))
		return;
	if (kind_len && !json_object_get(item, "kind"))
		json_object_set_new(item, "kind", json_stringn(kind, kind_len));
	if (api_version && !json_object_get(item, "apiVersion"))
		json_object_set_new(item, "apiVersion", json_string(api_version));
}

/* "List" and "PodList"-style objects. */
static int add_list(struct objset *s, json_t *list, const char *kind,
		    const struct add_ctx *cx, struct strbuf *err)
{
	const char *api_version = json_string_value(json_object_get(list, "apiVersion"));
	size_t i;
	json_t *item;

	json_array_foreach(json_object_get(list, "items"), i, item) {
		inherit_list_fields(item, kind, api_version);
		if (add_doc(s, json_incref(item), cx, err))
			return -1;
	}
	return 0;
}

static int is_list(json_t *obj, const char *kind)
{
	return !strcmp(kind, "List") ||
	       (ends_with(kind, "List") && json_is_array(json_object_get(obj, "items")));
}

/* Add one parsed document; takes the reference. */
static int add_doc(struct objset *s, json_t *obj, const struct add_ctx *cx,
		   struct strbuf *err)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	int ret = 0;
	size_t i;
	json_t *item;

	/* A top-level JSON array (jq's usual output) is read as its elements. */
	if (json_is_array(obj)) {
		json_array_foreach(obj, i, item)
			if ((ret = add_doc(s, json_incref(item), cx, err)))
				break;
		json_decref(obj);
		return ret;
	}
	if (!kind || !*kind)
		ret = missing_field(obj, cx, "Kind", err);
	else if (is_list(obj, kind))
		ret = add_list(s, obj, kind, cx, err);
	else
		return add_object(s, obj, kind, cx, err);
	json_decref(obj);
	return ret;
}

int objset_add(struct objset *s, json_t *obj, const char *source, struct strbuf *err)
{
	struct add_ctx cx = { source, NULL };
	return add_doc(s, obj, &cx, err);
}

int objset_add_file_doc(struct objset *s, json_t *obj, const char *list_kind,
			const char *list_api, const char *source, const char *default_ns,
			struct strbuf *err)
{
	struct add_ctx cx = { source, default_ns };

	if (list_kind)
		inherit_list_fields(obj, list_kind, list_api);
	return add_doc(s, obj, &cx, err);
}

/*
 * Reading -f paths the way kubectl's resource builder does: every path
 * must exist; a directory gives its *.json, *.yaml and *.yml files in
 * lexical order (subdirectories only with -R); a file named explicitly
 * is read whatever its extension; "-" is stdin, known as "STDIN".
 */
#define FILE_EXTENSIONS "[.json .yaml .yml]"

struct pathlist {
	char **v;
	size_t nr, alloc;
};

static void pathlist_add(struct pathlist *l, char *path)
{
	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	l->v[l->nr++] = path;
}

static void pathlist_clear(struct pathlist *l)
{
	size_t i;
	for (i = 0; i < l->nr; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Go's error text for a failed system call: "open x: permission denied". */
static void errno_message(struct strbuf *sb, const char *op, const char *path, int e)
{
	const char *text = strerror(e);
	strbuf_addf(sb, "%s %s: %c%s", op, path, tolower((unsigned char)text[0]), text + 1);
}

static int has_manifest_extension(const char *name)
{
	return ends_with(name, ".json") || ends_with(name, ".yaml") || ends_with(name, ".yml");
}

static char *join_path(const char *dir, const char *name)
{
	if (!strcmp(dir, "."))
		return xstrdup(name);
	return xasprintf("%s%s%s", dir, ends_with(dir, "/") ? "" : "/", name);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Entry names of dir, sorted bytewise as Go's filepath.Walk visits them. */
static int read_dir_sorted(const char *dir, struct pathlist *names, struct strbuf *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		errno_message(err, "open", dir, errno);
		return -1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			pathlist_add(names, xstrdup(de->d_name));
	closedir(d);
	if (names->nr)
		qsort(names->v, names->nr, sizeof(*names->v), cmp_names);
	return 0;
}

static int walk_dir(const char *dir, int recursive, struct pathlist *out, struct strbuf *err)
{
	struct pathlist names = { 0 };
	size_t i;
	int ret = read_dir_sorted(dir, &names, err);

	for (i = 0; !ret && i < names.nr; i++) {
		char *path = join_path(dir, names.v[i]);
		struct stat st;

		if (lstat(path, &st)) {
			errno_message(err, "lstat", path, errno);
			ret = -1;
		} else if (S_ISDIR(st.st_mode)) {
			if (recursive)
				ret = walk_dir(path, recursive, out, err);
		} else if (has_manifest_extension(names.v[i])) {
			pathlist_add(out, path);
			continue;
		}
		free(path);
	}
	pathlist_clear(&names);
	return ret;
}

static int check_path(const char *path, struct stat *st, struct strbuf *err)
{
	if (!stat(path, st))
		return 0;
	if (errno == ENOENT || errno == ENOTDIR) {
		strbuf_setf(err, "the path \"%s\" does not exist", path);
	} else {
		strbuf_setf(err, "the path \"%s\" cannot be accessed: ", path);
		errno_message(err, "stat", path, errno);
	}
	return -1;
}

/* Turn the -f arguments into the list of files to read, in order. */
static int expand_paths(const char *const *paths, size_t n, int recursive,
			struct pathlist *out, struct strbuf *err)
{
	struct strbuf inner = STRBUF_INIT;
	struct stat st;
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(paths[i], "-") && check_path(paths[i], &st, err))
			return -1;
	for (i = 0; i < n; i++) {
		if (!strcmp(paths[i], "-") || (!stat(paths[i], &st) && !S_ISDIR(st.st_mode))) {
			pathlist_add(out, xstrdup(paths[i]));
		} else if (walk_dir(paths[i], recursive, out, &inner)) {
			strbuf_setf(err, "error reading \"%s\": %s", paths[i], inner.buf);
			strbuf_release(&inner);
			return -1;
		}
	}
	if (!out->nr) {
		strbuf_setf(err, "error reading [");
		for (i = 0; i < n; i++)
			strbuf_addf(err, "%s%s", i ? " " : "", paths[i]);
		strbuf_addstr(err, "]: recognized file extensions are " FILE_EXTENSIONS);
		return -1;
	}
	return 0;
}

/* The first non-blank byte decides, as in yamljson_parse(). */
static int looks_like_json(const char *text, size_t len)
{
	size_t i = 0;
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	return i < len && (text[i] == '{' || text[i] == '[');
}

static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? nl : end;
}

static const char *next_line(const char *p, const char *end)
{
	p = line_end(p, end);
	return p < end ? p + 1 : end;
}

static int is_separator(const char *line, const char *end)
{
	return end - line >= 3 && !memcmp(line, "---", 3);
}

/* kubectl allows only blanks and a comment after a "---" separator. */
static int check_separators(const char *text, size_t len, struct strbuf *perr)
{
	const char *p, *end = text + len;

	for (p = text; p < end; p = next_line(p, end)) {
		const char *rest = p + 3, *eol = line_end(p, end);
		if (!is_separator(p, end) || rest > eol)
			continue;
		while (rest < eol && isspace((unsigned char)*rest))
			rest++;
		while (eol > rest && isspace((unsigned char)eol[-1]))
			eol--;
		if (rest < eol && *rest != '#') {
			strbuf_setf(perr, "invalid Yaml document separator: %.*s",
				    (int)(eol - rest), rest);
			return -1;
		}
	}
	return 0;
}

/*
 * kubectl parses each document of a stream on its own, so its line
 * numbers count from the first line of the document: a separator that
 * ends a document is not part of any, one that starts the stream (or
 * follows another) belongs to the next.  Rewrite "yaml: line N: ..."
 * from the whole-stream numbering to that.
 */
static void relative_line(const char *text, size_t len, struct strbuf *perr)
{
	const char *rest, *p = text, *end = text + len;
	unsigned long line, n, start = 1;
	char *after, *tail;

	if (!skip_prefix(perr->buf, "yaml: line ", &rest))
		return;
	line = strtoul(rest, &after, 10);
	if (after == rest || *after != ':')
		return;
	for (n = 1; p < end && n < line; n++, p = next_line(p, end))
		if (is_separator(p, end) && n != start)
			start = n + 1;
	tail = xstrdup(after);
	strbuf_setf(perr, "yaml: line %lu%s", line - start + 1, tail);
	free(tail);
}

static json_t *parse_manifest(const struct strbuf *text, const char *source,
			      struct strbuf *err)
{
	struct strbuf perr = STRBUF_INIT;
	int yaml = !looks_like_json(text->buf, text->len);
	json_t *docs = NULL;

	if (!yaml || !check_separators(text->buf, text->len, &perr))
		docs = yamljson_parse(text->buf, text->len, &perr);
	if (!docs) {
		if (yaml)
			relative_line(text->buf, text->len, &perr);
		strbuf_setf(err, "error parsing %s: %s%s", source,
			    starts_with(perr.buf, "yaml: ") ? "error converting YAML to JSON: " : "",
			    perr.buf);
	}
	strbuf_release(&perr);
	return docs;
}

static int read_source(struct strbuf *text, const char *path, struct strbuf *err)
{
	if (!strcmp(path, "-")) {
		if (strbuf_read_fd(text, 0) >= 0)
			return 0;
		strbuf_reset(err);
		errno_message(err, "read", "/dev/stdin", errno);
		return -1;
	}
	if (strbuf_read_file(text, path) >= 0)
		return 0;
	strbuf_reset(err);
	errno_message(err, "open", path, errno);
	return -1;
}

static int load_file(struct objset *s, const char *path, const char *default_ns,
		     struct strbuf *err)
{
	struct add_ctx cx = { strcmp(path, "-") ? path : "STDIN", default_ns };
	struct strbuf text = STRBUF_INIT;
	json_t *docs = NULL, *doc;
	size_t i;
	int ret = 0;

	if (!read_source(&text, path, err))
		docs = parse_manifest(&text, cx.source, err);
	strbuf_release(&text);
	if (!docs)
		return -1;
	json_array_foreach(docs, i, doc)
		if ((ret = add_doc(s, json_incref(doc), &cx, err)))
			break;
	json_decref(docs);
	return ret;
}

int objset_load_paths(struct objset *s, const char *const *paths, size_t n,
		      int recursive, const char *default_ns, struct strbuf *err)
{
	struct pathlist files = { 0 };
	size_t i;
	int ret = expand_paths(paths, n, recursive, &files, err);

	for (i = 0; !ret && i < files.nr; i++)
		ret = load_file(s, files.v[i], default_ns ? default_ns : "default", err);
	pathlist_clear(&files);
	s->loaded = OBJ_ALL;
	return ret;
}

char *mesh_configmap_name(const char *revision)
{
	return revision && *revision && strcmp(revision, "default") ?
		       xasprintf("istio-%s", revision) : xstrdup("istio");
}

int objset_finish(struct objset *s, const char *istio_ns, const char *revision,
		  struct strbuf *err)
{
	const char *ns = istio_ns && *istio_ns ? istio_ns : "istio-system";
	char *name = mesh_configmap_name(revision);
	int ret;

	mesh_config_release(&s->mesh);
	ret = mesh_config_load(&s->mesh, objset_get(s, OBJ_CONFIGMAP, ns, name), ns, err);
	free(name);
	return ret;
}

json_t *objset_list(const struct objset *s, enum obj_kind k)
{
	return s->items[k];
}

json_t *objset_get(const struct objset *s, enum obj_kind k, const char *ns,
		   const char *name)
{
	struct strbuf key = STRBUF_INIT;
	json_t *pos;

	index_key(&key, k, ns, name);
	pos = json_object_get(s->index[k], key.buf);
	strbuf_release(&key);
	return pos ? json_array_get(s->items[k], (size_t)json_integer_value(pos)) : NULL;
}

unsigned objset_loaded(const struct objset *s)
{
	return s->loaded;
}

void objset_mark_loaded(struct objset *s, unsigned kinds)
{
	s->loaded |= kinds;
}

size_t objset_ignored(const struct objset *s)
{
	return s->ignored;
}

const struct mesh_config *objset_mesh(const struct objset *s)
{
	return &s->mesh;
}
