/* SPDX-License-Identifier: Apache-2.0 */
/* Load every object under the --data directories and index them per resource. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/evp.h>

#include "fake.h"
#include "xalloc.h"
#include "yamljson.h"

/* What the server fills in when an object lacks it. */
#define DEFAULT_CREATED "2025-01-01T00:00:00Z"
#define FIRST_RV 1000

struct loader {
	struct store *st;
	const struct server *srv;
	unsigned long long seq; /* load order, so a later --data wins */
	struct strbuf *err;
};

struct store_bucket *store_bucket(const struct store *st,
				  const struct resource_def *res)
{
	size_t nr, i;
	const struct resource_def *table = resource_table(&nr);

	i = (size_t)(res - table);
	return i < st->nr_buckets ? &st->buckets[i] : NULL;
}

static const char *meta_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), key));
}

/* Split "group/version" (or "v1") into a new group string. */
static char *api_group(const char *api_version)
{
	const char *slash = strchr(api_version, '/');

	return slash ? xstrndup(api_version, (size_t)(slash - api_version)) : xstrdup("");
}

static int add_object(struct loader *ld, json_t *doc, const char *file)
{
	const char *api_version = json_string_value(json_object_get(doc, "apiVersion"));
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	const struct resource_def *res;
	struct store_bucket *b;
	json_t *meta;
	char *group;

	if (!api_version || !kind) {
		strbuf_addf(ld->err, "%s: object without apiVersion or kind", file);
		return -1;
	}
	group = api_group(api_version);
	res = resource_by_kind(ld->srv, group, kind);
	if (!res && group_known(group) && !group_served(ld->srv, group)) {
		free(group);
		return 0; /* the group is switched off (--istio none) */
	}
	free(group);
	if (!res) {
		strbuf_addf(ld->err, "%s: %s %s is not a kind fake-apiserver serves "
			    "(add a row to discovery.c)", file, api_version, kind);
		return -1;
	}
	meta = json_object_get(doc, "metadata");
	if (!json_is_object(meta) || !json_is_string(json_object_get(meta, "name"))) {
		strbuf_addf(ld->err, "%s: %s without metadata.name", file, kind);
		return -1;
	}
	if ((res->flags & RES_NAMESPACED) && !json_is_string(json_object_get(meta, "namespace")))
		json_object_set_new(meta, "namespace", json_string("default"));
	json_object_del(doc, "kind");
	json_object_del(doc, "apiVersion");
	json_object_set_new(doc, "\x01seq", json_integer((json_int_t)ld->seq++));
	b = store_bucket(ld->st, res);
	ALLOC_GROW(b->objs, b->nr + 1, b->alloc);
	memset(&b->objs[b->nr], 0, sizeof(b->objs[0]));
	b->objs[b->nr++].json = json_incref(doc);
	return 0;
}

static int add_document(struct loader *ld, json_t *doc, const char *file)
{
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	json_t *items = json_object_get(doc, "items");

	if (!json_is_object(doc)) {
		strbuf_addf(ld->err, "%s: a document that is not an object", file);
		return -1;
	}
	if (kind && ends_with(kind, "List") && json_is_array(items)) {
		size_t i;
		json_t *item;

		json_array_foreach(items, i, item)
			if (add_document(ld, item, file) < 0)
				return -1;
		return 0;
	}
	return add_object(ld, doc, file);
}

static int load_file(struct loader *ld, const char *path)
{
	struct strbuf text = STRBUF_INIT, perr = STRBUF_INIT;
	json_t *docs, *doc;
	size_t i;
	int ret = -1;

	if (strbuf_read_file(&text, path) < 0) {
		strbuf_addf(ld->err, "%s: cannot read file", path);
		goto out;
	}
	docs = yamljson_parse(text.buf, text.len, &perr);
	if (!docs) {
		strbuf_addf(ld->err, "%s: %s", path, perr.buf);
		goto out;
	}
	ret = 0;
	json_array_foreach(docs, i, doc)
		if ((ret = add_document(ld, doc, path)) < 0)
			break;
	json_decref(docs);
out:
	strbuf_release(&text);
	strbuf_release(&perr);
	return ret;
}

static int is_manifest(const char *name)
{
	return ends_with(name, ".yaml") || ends_with(name, ".yml") ||
	       ends_with(name, ".json");
}

static int load_dir(struct loader *ld, const char *dir)
{
	struct dirent **entries;
	int n, i, ret = 0;

	n = scandir(dir, &entries, NULL, alphasort);
	if (n < 0) {
		strbuf_addf(ld->err, "%s: cannot read directory", dir);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, entries[i]->d_name);
		struct stat st;

		if (!ret && entries[i]->d_name[0] != '.' && !stat(path, &st)) {
			if (S_ISDIR(st.st_mode))
				ret = load_dir(ld, path);
			else if (is_manifest(entries[i]->d_name))
				ret = load_file(ld, path);
		}
		free(path);
		free(entries[i]);
	}
	free(entries);
	return ret;
}

/* ---- indexing ---- */

static int cmp_key(const char *ns1, const char *n1, const char *ns2, const char *n2)
{
	int c = strcmp(ns1, ns2);

	return c ? c : strcmp(n1, n2);
}

static int cmp_objects(const void *a, const void *b)
{
	const struct object *x = a, *y = b;
	int c = cmp_key(x->ns, x->name, y->ns, y->name);
	json_int_t sx = json_integer_value(json_object_get(x->json, "\x01seq"));
	json_int_t sy = json_integer_value(json_object_get(y->json, "\x01seq"));

	if (c)
		return c;
	return sx < sy ? -1 : sx > sy;
}

static void make_uid(char *out, size_t size, const struct resource_def *res,
		     const struct object *o)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char *key = xasprintf("%s/%s/%s/%s", res->group, res->resource, o->ns, o->name);

	EVP_Digest(key, strlen(key), md, &len, EVP_sha1(), NULL);
	free(key);
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x40);
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
	snprintf(out, size,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8],
		 md[9], md[10], md[11], md[12], md[13], md[14], md[15]);
}

/* Fill uid, resourceVersion and creationTimestamp when missing, and serialise. */
static void finish_object(struct store *st, const struct resource_def *res,
			  struct object *o)
{
	json_t *meta = json_object_get(o->json, "metadata");
	const char *rv = json_string_value(json_object_get(meta, "resourceVersion"));
	char uid[40];

	json_object_del(o->json, "\x01seq");
	if (!json_object_get(meta, "uid")) {
		make_uid(uid, sizeof(uid), res, o);
		json_object_set_new(meta, "uid", json_string(uid));
	}
	if (rv) {
		unsigned long long v = strtoull(rv, NULL, 10);

		if (v > st->rv)
			st->rv = v;
	} else {
		json_object_set_new(meta, "resourceVersion", json_sprintf("%llu", ++st->rv));
	}
	if (!json_object_get(meta, "creationTimestamp"))
		json_object_set_new(meta, "creationTimestamp", json_string(DEFAULT_CREATED));
	o->body = json_dumps(o->json, JSON_COMPACT);
	o->body_len = strlen(o->body);
}

/* Sort a bucket, keep only the last loaded of equal keys, and finish objects. */
static void index_bucket(struct store *st, struct store_bucket *b)
{
	size_t i, out = 0;

	for (i = 0; i < b->nr; i++) {
		b->objs[i].name = meta_str(b->objs[i].json, "name");
		b->objs[i].ns = (b->res->flags & RES_NAMESPACED) ?
			meta_str(b->objs[i].json, "namespace") : "";
	}
	if (b->nr > 1)
		qsort(b->objs, b->nr, sizeof(*b->objs), cmp_objects);
	for (i = 0; i < b->nr; i++) {
		if (i + 1 < b->nr && !cmp_key(b->objs[i].ns, b->objs[i].name,
					      b->objs[i + 1].ns, b->objs[i + 1].name)) {
			json_decref(b->objs[i].json);
			continue;
		}
		b->objs[out++] = b->objs[i];
	}
	b->nr = out;
	for (i = 0; i < b->nr; i++)
		finish_object(st, b->res, &b->objs[i]);
	st->nr_objects += b->nr;
}

int store_load(struct store *st, const struct server *srv, char **dirs,
	       size_t nr_dirs, struct strbuf *err)
{
	struct loader ld = { st, srv, 0, err };
	const struct resource_def *table = resource_table(&st->nr_buckets);
	size_t i;

	st->buckets = xcalloc(st->nr_buckets, sizeof(*st->buckets));
	st->rv = FIRST_RV;
	for (i = 0; i < st->nr_buckets; i++)
		st->buckets[i].res = &table[i];
	for (i = 0; i < nr_dirs; i++)
		if (load_dir(&ld, dirs[i]) < 0)
			return -1;
	for (i = 0; i < st->nr_buckets; i++)
		index_bucket(st, &st->buckets[i]);
	return 0;
}

/* ---- lookups ---- */

static size_t lower_bound(const struct store_bucket *b, const char *ns,
			  const char *name, int strictly_after)
{
	size_t lo = 0, hi = b->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_key(b->objs[mid].ns, b->objs[mid].name, ns, name);

		if (c < 0 || (strictly_after && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct object *store_find(const struct store_bucket *b, const char *ns,
			  const char *name)
{
	size_t i;

	if (!b)
		return NULL;
	i = lower_bound(b, ns, name, 0);
	if (i < b->nr && !cmp_key(b->objs[i].ns, b->objs[i].name, ns, name))
		return &b->objs[i];
	return NULL;
}

size_t store_after(const struct store_bucket *b, const char *after_ns,
		   const char *after_name)
{
	return lower_bound(b, after_ns, after_name, 1);
}

size_t store_ns_start(const struct store_bucket *b, const char *ns)
{
	return lower_bound(b, ns, "", 0);
}

void object_append(struct strbuf *out, const struct object *o,
		   const struct resource_def *res, const char *version,
		   int with_type)
{
	if (!with_type) {
		strbuf_add(out, o->body, o->body_len);
		return;
	}
	strbuf_addf(out, "{\"kind\":\"%s\",\"apiVersion\":\"%s%s%s\",", res->kind,
		    res->group, *res->group ? "/" : "", version);
	strbuf_add(out, o->body + 1, o->body_len - 1);
}
