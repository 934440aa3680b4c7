/* SPDX-License-Identifier: Apache-2.0 */
/* Loading only the namespaces that matter: live queries, and a fast path for -f JSON files. */
#include "commands.h"
#include "cli_priv.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/*
 * A JSON manifest (one object, a List, an array, or a stream of them) is
 * cut into its objects without building them: each is located, its kind,
 * namespace and name read, and only the objects a command needs are
 * parsed.  A file that is not plain JSON of that shape goes through
 * objset_load_paths(), which also words every error.
 */

struct item {
	const char *p;
	size_t len;
	char *kind, *ns, *name;
	char *list_api;         /* an item of a List without its own kind: the List's apiVersion */
	int from_list;
};

struct items {
	struct item *v;
	size_t n, alloc;
};

static const char *ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* p at '"': the character after the closing quote, or NULL. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

static const char *skip_value(const char *p, const char *end)
{
	int depth = 0;

	if (p >= end)
		return NULL;
	if (*p == '"')
		return skip_string(p, end);
	if (*p != '{' && *p != '[') {
		while (p < end && !strchr(",}] \t\r\n", *p))
			p++;
		return p;
	}
	for (; p < end; p++) {
		if (*p == '"') {
			if (!(p = skip_string(p, end)))
				return NULL;
			p--;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if ((*p == '}' || *p == ']') && !--depth) {
			return p + 1;
		}
	}
	return NULL;
}

/* The value of member key of the object at p, or NULL. */
static const char *member(const char *p, const char *end, const char *key, const char **vend)
{
	size_t klen = strlen(key);

	p = ws(p + 1, end);
	while (p < end && *p == '"') {
		const char *k = p + 1, *kend = skip_string(p, end), *v;
		if (!kend)
			return NULL;
		p = ws(kend, end);
		if (p >= end || *p != ':')
			return NULL;
		v = ws(p + 1, end);
		if (!(p = skip_value(v, end)))
			return NULL;
		if ((size_t)(kend - 1 - k) == klen && !memcmp(k, key, klen)) {
			*vend = p;
			return v;
		}
		p = ws(p, end);
		if (p < end && *p == ',')
			p = ws(p + 1, end);
	}
	return NULL;
}

/* A plain string member (no escapes) as a new string, or NULL. */
static char *string_member(const char *p, const char *end, const char *key)
{
	const char *vend, *v = member(p, end, key, &vend);
	if (!v || *v != '"' || memchr(v, '\\', (size_t)(vend - v)))
		return NULL;
	return xstrndup(v + 1, (size_t)(vend - v - 2));
}

/* lk: the kind of the List the item belongs to, minus "List" (NULL for none). */
static void add_item(struct items *l, const char *p, const char *end, const char *lk,
		     const char *list_api)
{
	const char *mend, *meta = member(p, end, "metadata", &mend);
	struct item *it;

	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	it = &l->v[l->n++];
	memset(it, 0, sizeof(*it));
	it->p = p;
	it->len = (size_t)(end - p);
	it->kind = string_member(p, end, "kind");
	if (!it->kind && lk) {
		it->kind = xstrdup(lk);
		it->list_api = xstrdup_or_null(list_api);
		it->from_list = 1;
	}
	if (meta && *meta == '{') {
		it->ns = string_member(meta, mend, "namespace");
		it->name = string_member(meta, mend, "name");
	}
}

/* One top-level object: a List's items, or the object itself.  -1 when malformed. */
static int scan_object(struct items *l, const char *p, const char *end)
{
	const char *iend, *items = member(p, end, "items", &iend);
	char *kind = string_member(p, end, "kind"), *api;
	size_t klen = kind ? strlen(kind) : 0;
	int r = 0;

	if (!kind || klen < 4 || strcmp(kind + klen - 4, "List") || !items || *items != '[') {
		free(kind);
		add_item(l, p, end, NULL, NULL);
		return 0;
	}
	kind[klen - 4] = 0;
	api = string_member(p, end, "apiVersion");
	for (p = ws(items + 1, iend); p < iend && *p == '{'; ) {
		const char *e = skip_value(p, iend);
		if (!e)
			break;
		add_item(l, p, e, kind, api);
		p = ws(e, iend);
		if (p < iend && *p == ',')
			p = ws(p + 1, iend);
	}
	if (p >= iend || *p != ']')
		r = -1;
	free(kind);
	free(api);
	return r;
}

static int scan(struct items *l, const char *p, const char *end)
{
	for (p = ws(p, end); p < end; p = ws(p, end)) {
		const char *e = skip_value(p, end);
		if (!e || (*p != '{' && *p != '['))
			return -1;
		if (*p == '{' && scan_object(l, p, e))
			return -1;
		if (*p == '[') {
			const char *q;
			for (q = ws(p + 1, e); q < e && *q == '{'; ) {
				const char *qe = skip_value(q, e);
				if (!qe || scan_object(l, q, qe))
					return -1;
				q = ws(qe, e);
				if (q < e && *q == ',')
					q = ws(q + 1, e);
			}
		}
		p = e;
	}
	return 0;
}

static void items_release(struct items *l)
{
	size_t i;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].kind);
		free(l->v[i].list_api);
		free(l->v[i].ns);
		free(l->v[i].name);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* --- the objects a command about some namespaces needs --- */

struct wanted {
	const char **ns;
	size_t nns;
	const char *istio_ns;
	char *cm_name;
	const char *default_ns;
	int everyone;           /* every pod and service account too (who-can) */
};

static int kind_index(const char *kind)
{
	int k;
	for (k = 0; kind && k < OBJ__COUNT; k++)
		if (!strcmp(obj_kind_info((enum obj_kind)k)->kind, kind))
			return k;
	return -1;
}

static const char *item_ns(const struct wanted *w, const struct item *it)
{
	return it->ns ? it->ns : w->default_ns;
}

/*
 * Cluster-scoped objects, the istio ConfigMap, every PeerAuthentication
 * and DestinationRule (kubectl mesh-tls may need any of them), every pod
 * and service account for who-can, and everything else in the
 * namespaces that matter.
 */
static int is_wanted(const struct wanted *w, const struct item *it)
{
	int k = kind_index(it->kind);
	size_t i;

	if (k < 0)
		return 0;
	if (!obj_kind_info((enum obj_kind)k)->namespaced || k == OBJ_PEERAUTHENTICATION ||
	    k == OBJ_DESTINATIONRULE ||
	    (w->everyone && (k == OBJ_POD || k == OBJ_SERVICEACCOUNT)))
		return 1;
	if (k == OBJ_CONFIGMAP)
		return !strcmp(item_ns(w, it), w->istio_ns);
	for (i = 0; i < w->nns; i++)
		if (!strcmp(item_ns(w, it), w->ns[i]))
			return 1;
	return 0;
}

/* The item as an object ready for objset_add; NULL when jansson refuses it. */
static json_t *parse_item(const struct wanted *w, const struct item *it)
{
	json_error_t je;
	int k = kind_index(it->kind);
	json_t *o, *meta;

	/* A service account only names an identity: no need to parse it. */
	if (k == OBJ_SERVICEACCOUNT && it->name)
		return json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "v1", "kind", "ServiceAccount",
				 "metadata", "name", it->name, "namespace", item_ns(w, it));
	o = json_loadb(it->p, it->len, 0, &je);
	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	if (it->from_list) {
		json_object_set_new(o, "kind", json_string(it->kind));
		if (it->list_api && !json_object_get(o, "apiVersion"))
			json_object_set_new(o, "apiVersion", json_string(it->list_api));
	}
	meta = json_object_get(o, "metadata");
	if (k >= 0 && obj_kind_info((enum obj_kind)k)->namespaced && json_is_object(meta) && !it->ns)
		json_object_set_new(meta, "namespace", json_string(w->default_ns));
	return o;
}

/* The root namespace, from the last istio ConfigMap among the items. */
static char *root_namespace(const struct wanted *w, struct items *files, size_t nfiles)
{
	struct mesh_config m;
	struct strbuf err = STRBUF_INIT;
	json_t *cm = NULL;
	char *root;
	size_t f, i;

	for (f = 0; f < nfiles; f++)
		for (i = 0; i < files[f].n; i++) {
			const struct item *it = &files[f].v[i];
			if (kind_index(it->kind) == OBJ_CONFIGMAP && it->name &&
			    !strcmp(it->name, w->cm_name) && !strcmp(item_ns(w, it), w->istio_ns)) {
				json_decref(cm);
				cm = parse_item(w, it);
			}
		}
	mesh_config_load(&m, cm, w->istio_ns, &err);
	root = xstrdup(m.root_namespace);
	mesh_config_release(&m);
	json_decref(cm);
	strbuf_release(&err);
	return root;
}

/* Every -f path a plain JSON file: read and cut them; else 0 (use the full loader). */
static int read_json_files(const struct strlist *paths, struct strbuf *texts, struct items *files)
{
	size_t i;

	for (i = 0; i < paths->n; i++) {
		struct stat st;
		const char *p;
		if (!strcmp(paths->v[i], "-") || stat(paths->v[i], &st) || !S_ISREG(st.st_mode) ||
		    strbuf_read_file(&texts[i], paths->v[i]) < 0)
			return 0;
		p = ws(texts[i].buf, texts[i].buf + texts[i].len);
		if ((*p != '{' && *p != '[') || scan(&files[i], p, texts[i].buf + texts[i].len))
			return 0;
	}
	return 1;
}

static int add_wanted(struct objset *set, const struct wanted *w, const struct strlist *paths,
		      struct items *files, struct strbuf *err)
{
	size_t f, i;

	for (f = 0; f < paths->n; f++)
		for (i = 0; i < files[f].n; i++) {
			json_t *o;
			if (!is_wanted(w, &files[f].v[i]))
				continue;
			if (!(o = parse_item(w, &files[f].v[i])))
				return 1;
			if (objset_add(set, o, paths->v[f], err))
				return -1;
		}
	return 0;
}

/*
 * -f with JSON files only: parse just the objects of the namespaces
 * that matter.  Returns 0 with *out set, 1 when the files need the full
 * loader, or the exit code after an error.
 */
static int load_selected(struct cli *cli, const char *const *ns, size_t nns, int everyone,
			 struct objset **out)
{
	const struct strlist *paths = &cli->opts.filenames;
	struct strbuf *texts = xcalloc(paths->n, sizeof(*texts));
	struct items *files = xcalloc(paths->n, sizeof(*files));
	struct strbuf err = STRBUF_INIT;
	struct wanted w = { NULL, 0, cli_istio_namespace(cli), NULL, cli_namespace(cli), 0 };
	char *root = NULL;
	size_t i;
	int r = 1;

	w.everyone = everyone;
	w.cm_name = cli->opts.revision && *cli->opts.revision && strcmp(cli->opts.revision, "default") ?
		    xasprintf("istio-%s", cli->opts.revision) : xstrdup("istio");
	if (read_json_files(paths, texts, files)) {
		root = root_namespace(&w, files, paths->n);
		w.ns = xcalloc(nns + 1, sizeof(*w.ns));
		for (i = 0; i < nns; i++)
			w.ns[w.nns++] = ns[i];
		w.ns[w.nns++] = root;
		*out = objset_new();
		r = add_wanted(*out, &w, paths, files, &err);
		objset_mark_loaded(*out, OBJ_ALL);
		if (!r && objset_finish(*out, w.istio_ns, cli->opts.revision, &err))
			r = -1;
		if (r) {
			objset_free(*out);
			*out = NULL;
		}
		if (r < 0)
			r = authz_fail(&err);
	}
	for (i = 0; i < paths->n; i++) {
		strbuf_release(&texts[i]);
		items_release(&files[i]);
	}
	free(texts);
	free(files);
	free(w.ns);
	free(w.cm_name);
	free(root);
	strbuf_release(&err);
	return r;
}

/* --- live --- */

static void add_query(struct obj_query *q, size_t *n, enum obj_kind k, const char *ns)
{
	size_t i;
	for (i = 0; i < *n; i++)
		if (q[i].kind == k && ((!q[i].namespace && !ns) ||
				       (q[i].namespace && ns && !strcmp(q[i].namespace, ns))))
			return;
	memset(&q[*n], 0, sizeof(q[*n]));
	q[*n].kind = k;
	q[*n].namespace = ns;
	(*n)++;
}

/* Namespaced kinds every command about a target reads in the namespaces that matter. */
static const unsigned ns_kinds = OBJ_BIT(OBJ_POD) | OBJ_BIT(OBJ_SERVICE) |
	OBJ_BIT(OBJ_AUTHORIZATIONPOLICY) | OBJ_BIT(OBJ_REQUESTAUTHENTICATION);

/* The kinds in the namespaces that matter, and what flags add cluster-wide. */
static size_t live_queries(struct obj_query *q, const char *const *nss, size_t nns, unsigned kinds,
			   unsigned flags)
{
	size_t n = 0, i;
	int k;

	for (k = 0; k < OBJ__COUNT; k++)
		for (i = 0; i < nns && ((ns_kinds | kinds) & OBJ_BIT(k)); i++)
			add_query(q, &n, (enum obj_kind)k, nss[i]);
	if (flags & LOAD_EVERYTHING) {
		add_query(q, &n, OBJ_POD, NULL);
		add_query(q, &n, OBJ_SERVICEACCOUNT, NULL);
	}
	if (flags & LOAD_TLS) {
		add_query(q, &n, OBJ_NAMESPACE, NULL);
		add_query(q, &n, OBJ_PEERAUTHENTICATION, NULL);
		add_query(q, &n, OBJ_DESTINATIONRULE, NULL);
	}
	return n;
}

static size_t root_queries(struct obj_query *q, size_t n, const char *root)
{
	add_query(q, &n, OBJ_AUTHORIZATIONPOLICY, root);
	add_query(q, &n, OBJ_REQUESTAUTHENTICATION, root);
	return n;
}

static int fetch(struct cli *cli, struct objset *set, struct obj_query *q, size_t n)
{
	struct strbuf err = STRBUF_INIT;
	struct kube_client *c;

	if (cli_client(cli, &c))
		return MESH_EXIT_ERROR;
	if (objset_fetch(set, c, q, n, &err) ||
	    objset_finish(set, cli_istio_namespace(cli), cli->opts.revision, &err))
		return authz_fail(&err);
	strbuf_release(&err);
	return 0;
}

int load_for_target(struct cli *cli, const char *target_ns, const char *const *extra_ns,
		    size_t nextra, unsigned kinds, unsigned flags, struct objset **out)
{
	struct obj_query q[64];
	const char *root = cli_istio_namespace(cli);
	const char *nss[8];
	char *cm = cli->opts.revision && *cli->opts.revision && strcmp(cli->opts.revision, "default") ?
		   xasprintf("istio-%s", cli->opts.revision) : xstrdup("istio");
	size_t n, i;
	int r;

	nss[0] = target_ns;
	for (i = 0; i < nextra && i + 1 < ARRAY_SIZE(nss); i++)
		nss[i + 1] = extra_ns[i];
	if (cli_offline(cli)) {
		free(cm);
		r = load_selected(cli, nss, i + 1, !!(flags & LOAD_EVERYTHING), out);
		return r == 1 ? cli_load_objects(cli, OBJ_ALL, NULL, out) : r;
	}
	*out = objset_new();
	n = live_queries(q, nss, nextra + 1, kinds, flags);
	n = root_queries(q, n, root);
	memset(&q[n], 0, sizeof(q[n]));
	q[n].kind = OBJ_CONFIGMAP;
	q[n].namespace = root;
	q[n].name = cm;
	q[n++].optional = 1;
	r = fetch(cli, *out, q, n);
	if (!r && strcmp(objset_mesh(*out)->root_namespace, root)) {
		char *real = xstrdup(objset_mesh(*out)->root_namespace);
		r = fetch(cli, *out, q, root_queries(q, 0, real));
		free(real);
	}
	free(cm);
	if (r) {
		objset_free(*out);
		*out = NULL;
	}
	return r;
}

int load_what_if(struct cli *cli, const struct objset *base, const struct strlist *files,
		 struct objset **out)
{
	struct strbuf err = STRBUF_INIT;
	json_t *obj;
	size_t i;
	int k;

	*out = objset_new();
	for (k = 0; k < OBJ__COUNT; k++)
		json_array_foreach(objset_list(base, (enum obj_kind)k), i, obj)
			if (objset_add(*out, json_incref(obj), "base", &err))
				goto fail;
	objset_mark_loaded(*out, objset_loaded(base));
	if (objset_load_paths(*out, (const char *const *)files->v, files->n, cli->opts.recursive,
			      cli_namespace(cli), &err) ||
	    objset_finish(*out, cli_istio_namespace(cli), cli->opts.revision, &err))
		goto fail;
	strbuf_release(&err);
	return 0;
fail:
	objset_free(*out);
	*out = NULL;
	return authz_fail(&err);
}
