/* SPDX-License-Identifier: Apache-2.0 */
/* Reading -f JSON files for a few namespaces: a byte scan finds objects, only those kept are parsed. */
#include "objset_priv.h"
#include "xalloc.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Parsing a whole cluster dump costs far more than answering a question
 * about one or two namespaces of it.  The scan reads each object's kind,
 * apiVersion, metadata.name and metadata.namespace without building
 * anything; then the root namespace is read from the istio ConfigMap,
 * and only the objects the filter keeps are parsed and added, in the
 * order of the files, the way objset_load_paths() adds them.  Whenever
 * the scan is not sure to read the text as jansson would, it gives up
 * and the full load takes over.
 */

/* Bytes of a text; p is NULL when the field is absent. */
struct span {
	const char *p, *e;
};

/* What the scan reads of one object. */
struct fields {
	struct span kind, api, ns, name;
	int items;                  /* it has an items array (the scan gives up on two items) */
	int odd;                    /* a field read is not a plain string, or a key has escapes */
};

/* One object the full load would add, as the scan resolved it. */
struct leaf {
	struct span text;
	struct span ns;             /* metadata.namespace; absent or empty: the default */
	long list;                  /* index into scan.lists, or -1 */
	const char *source;
	int k;                      /* enum obj_kind, or -1 for kinds the suite does not read */
	int mesh_cm;                /* it is the istio ConfigMap objset_finish() reads */
};

/* An item of a List that leaves its kind or apiVersion to the List. */
struct pending {
	size_t leaf;
	struct fields f;
};

/* A List whose items are leaves. */
struct list {
	char *kind, *api;           /* api may be NULL */
};

struct scan {
	const char *e;              /* end of the current file's text */
	const char *source;
	const char *istio_ns, *default_ns, *cm_name;
	struct leaf *v;
	size_t n, alloc;
	struct pending *pend;
	size_t npend, apend;
	struct list *lists;
	size_t nlists, alists;
};

static const char *ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* p at '"': the byte after the closing quote, or NULL. */
static const char *skip_string(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		const char *q = memchr(p, '"', (size_t)(e - p)), *b;
		if (!q)
			return NULL;
		for (b = q; b > p && b[-1] == '\\'; b--)
			;
		if ((q - b) % 2 == 0)
			return q + 1;
		p = q;
	}
	return NULL;
}

/* Bytes that matter inside a container: quotes and brackets. */
static const unsigned char structural[256] = {
	['"'] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1,
};

/* Any JSON value starting at p: the byte after it, or NULL. */
static const char *skip_value(const char *p, const char *e)
{
	int depth = 0;

	if (p >= e)
		return NULL;
	if (*p == '"')
		return skip_string(p, e);
	if (*p != '{' && *p != '[') {
		while (p < e && !strchr(",}] \n\r\t", *p))
			p++;
		return p;
	}
	for (; p < e; p++) {
		while (p < e && !structural[(unsigned char)*p])
			p++;
		if (p >= e)
			break;
		if (*p == '"') {
			p = skip_string(p, e);
			if (!p)
				return NULL;
			p--;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (!--depth) {
			return p + 1;
		}
	}
	return NULL;
}

static int has_escape(const char *p, const char *e)
{
	return memchr(p, '\\', (size_t)(e - p)) != NULL;
}

/*
 * The next member of an object: *p is after '{' (nth 0) or after the
 * previous value.  Returns 1 with the key and *p at the value (before
 * the end), 0 at the closing '}' (*p after it), -1 when malformed.
 */
static int next_key(const char **p, const char *e, size_t nth, struct span *key)
{
	const char *q = ws(*p, e);

	if (q < e && *q == '}') {
		*p = q + 1;
		return 0;
	}
	if (nth) {
		if (q >= e || *q != ',')
			return -1;
		q = ws(q + 1, e);
	}
	if (q >= e || *q != '"')
		return -1;
	key->p = q + 1;
	q = skip_string(q, e);
	if (!q)
		return -1;
	key->e = q - 1;
	q = ws(q, e);
	if (q >= e || *q != ':')
		return -1;
	*p = ws(q + 1, e);
	return *p < e ? 1 : -1;
}

static int span_is(const struct span *s, const char *word)
{
	size_t n = strlen(word);
	return s->p && (size_t)(s->e - s->p) == n && !memcmp(s->p, word, n);
}

static int span_ends_with(const struct span *s, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(s->e - s->p) >= n && !memcmp(s->e - n, word, n);
}

/* The value at p into *out when a string without escapes, else odd; the byte after it. */
static const char *read_plain(const char *p, const char *e, struct span *out, int *odd)
{
	const char *q = skip_value(p, e);

	if (q && *p == '"' && !has_escape(p, q)) {
		out->p = p + 1;
		out->e = q - 1;
	} else {
		*odd = 1;
	}
	return q;
}

/* metadata.name and metadata.namespace; a later metadata replaces an earlier one. */
static const char *read_metadata(const char *p, const char *e, struct fields *f)
{
	struct span k;
	size_t nth = 0;
	int r;

	memset(&f->name, 0, sizeof(f->name));
	memset(&f->ns, 0, sizeof(f->ns));
	if (*p != '{')
		return skip_value(p, e);
	p++;
	while ((r = next_key(&p, e, nth++, &k)) > 0) {
		if (has_escape(k.p, k.e))
			f->odd = 1;
		if (span_is(&k, "name"))
			p = read_plain(p, e, &f->name, &f->odd);
		else if (span_is(&k, "namespace"))
			p = read_plain(p, e, &f->ns, &f->odd);
		else
			p = skip_value(p, e);
		if (!p)
			return NULL;
	}
	return r ? NULL : p;
}

static const char *scan_array(struct scan *sc, const char *p, int depth);

/*
 * Read the fields of the object at p.  At depth 0 the elements of an
 * items array become leaves (the caller keeps them when the object is
 * a List).  Returns the byte after the object, or NULL when the scan
 * gives up.
 */
static const char *read_fields(struct scan *sc, const char *p, int depth, struct fields *f)
{
	struct span k;
	size_t nth = 0, nitems = 0;
	int r;

	memset(f, 0, sizeof(*f));
	p++;
	while ((r = next_key(&p, sc->e, nth++, &k)) > 0) {
		if (has_escape(k.p, k.e))
			f->odd = 1;
		if (span_is(&k, "kind")) {
			p = read_plain(p, sc->e, &f->kind, &f->odd);
		} else if (span_is(&k, "apiVersion")) {
			p = read_plain(p, sc->e, &f->api, &f->odd);
		} else if (span_is(&k, "metadata")) {
			p = read_metadata(p, sc->e, f);
		} else if (span_is(&k, "items")) {
			if (nitems++)
				return NULL;
			f->items = *p == '[';
			p = depth || !f->items ? skip_value(p, sc->e) : scan_array(sc, p, depth + 1);
		} else {
			p = skip_value(p, sc->e);
		}
		if (!p)
			return NULL;
	}
	return r ? NULL : p;
}

/* kind is a List as objset_add() decides it. */
static int is_list(const struct span *kind, int items)
{
	return span_is(kind, "List") || (kind->p && span_ends_with(kind, "List") && items);
}

/* Copy s into buf (size n) as a string; 0 when it does not fit. */
static int span_copy(char *buf, size_t n, const struct span *s)
{
	size_t len = (size_t)(s->e - s->p);

	if (len >= n)
		return 0;
	memcpy(buf, s->p, len);
	buf[len] = 0;
	return 1;
}

/* The namespace the full load gives a leaf of a namespaced kind. */
static struct span leaf_ns(const struct scan *sc, const struct leaf *l)
{
	struct span s = l->ns;

	if (!s.p || s.p == s.e) {
		s.p = sc->default_ns;
		s.e = sc->default_ns + strlen(sc->default_ns);
	}
	return s;
}

/*
 * Resolve a leaf from its fields and the List ls it is an item of (may
 * be NULL): its kind and namespace.  -1 when the full load would refuse
 * it or read it as a List.
 */
static int resolve(const struct scan *sc, struct leaf *l, const struct fields *f,
		   const struct list *ls)
{
	struct span kind = f->kind, api = f->api, ns;
	char kbuf[128], abuf[128];

	if (!kind.p && ls && strlen(ls->kind) > strlen("List")) {
		kind.p = ls->kind;
		kind.e = ls->kind + strlen(ls->kind) - strlen("List");
	}
	if (!api.p && ls && ls->api) {
		api.p = ls->api;
		api.e = ls->api + strlen(ls->api);
	}
	if (!kind.p || kind.p == kind.e || !api.p || api.p == api.e || is_list(&kind, f->items))
		return -1;
	if (span_copy(kbuf, sizeof(kbuf), &kind) && span_copy(abuf, sizeof(abuf), &api))
		l->k = obj_kind_of(abuf, kbuf);
	if (l->k < 0)
		return 0;
	if (!f->name.p || f->name.p == f->name.e)
		return -1;
	l->ns = f->ns;
	ns = leaf_ns(sc, l);
	l->mesh_cm = l->k == OBJ_CONFIGMAP && span_is(&ns, sc->istio_ns) &&
		     span_is(&f->name, sc->cm_name);
	return 0;
}

/*
 * The List at depth 0 whose items are the leaves from first on, and the
 * items from pend on that wait for it.  0, or -1 to give up.
 */
static int add_list(struct scan *sc, const struct fields *f, size_t first, size_t pend)
{
	struct list *l;
	size_t i;

	ALLOC_GROW(sc->lists, sc->nlists + 1, sc->alists);
	l = &sc->lists[sc->nlists];
	l->kind = xstrndup(f->kind.p, (size_t)(f->kind.e - f->kind.p));
	l->api = f->api.p ? xstrndup(f->api.p, (size_t)(f->api.e - f->api.p)) : NULL;
	for (i = first; i < sc->n; i++)
		sc->v[i].list = (long)sc->nlists;
	sc->nlists++;
	for (i = pend; i < sc->npend; i++)
		if (resolve(sc, &sc->v[sc->pend[i].leaf], &sc->pend[i].f, l))
			return -1;
	sc->npend = pend;
	return 0;
}

static struct leaf *push_leaf(struct scan *sc, const char *p, const char *end)
{
	struct leaf *l;

	ALLOC_GROW(sc->v, sc->n + 1, sc->alloc);
	l = &sc->v[sc->n++];
	memset(l, 0, sizeof(*l));
	l->text.p = p;
	l->text.e = end;
	l->list = -1;
	l->source = sc->source;
	l->k = -1;
	return l;
}

/*
 * The object at p: a List (depth 0) or one leaf, resolved now or, when
 * it leaves its kind or apiVersion to its List, once the List is read.
 * The byte after it, or NULL to give up.
 */
static const char *scan_object(struct scan *sc, const char *p, int depth)
{
	struct fields f;
	size_t first = sc->n, pend = sc->npend;
	const char *end = read_fields(sc, p, depth, &f);
	struct leaf *l;

	if (!end || f.odd)
		return NULL;
	if (!depth && is_list(&f.kind, f.items))
		return add_list(sc, &f, first, pend) ? NULL : end;
	sc->n = first;  /* an items array of what is no List holds no objects */
	sc->npend = pend;
	l = push_leaf(sc, p, end);
	if (depth && (!f.kind.p || !f.api.p)) {
		ALLOC_GROW(sc->pend, sc->npend + 1, sc->apend);
		sc->pend[sc->npend].leaf = sc->n - 1;
		sc->pend[sc->npend++].f = f;
		return end;
	}
	return resolve(sc, l, &f, NULL) ? NULL : end;
}

/* An array of objects at p: at depth 0 documents, at depth 1 a List's items. */
static const char *scan_array(struct scan *sc, const char *p, int depth)
{
	size_t nth = 0;

	for (p = ws(p + 1, sc->e); p < sc->e && *p != ']'; nth++) {
		if (nth) {
			if (*p != ',')
				return NULL;
			p = ws(p + 1, sc->e);
		}
		if (p >= sc->e || *p != '{')
			return NULL;
		p = scan_object(sc, p, depth);
		if (!p)
			return NULL;
		p = ws(p, sc->e);
	}
	return p < sc->e ? p + 1 : NULL;
}

/* A stream of objects and arrays of objects.  0, or -1 to give up. */
static int scan_text(struct scan *sc, const char *p)
{
	while ((p = ws(p, sc->e)) < sc->e) {
		if (*p == '{')
			p = scan_object(sc, p, 0);
		else if (*p == '[')
			p = scan_array(sc, p, 0);
		else
			return -1;
		if (!p)
			return -1;
	}
	return 0;
}

static json_t *parse_leaf(const struct leaf *l)
{
	json_error_t jerr;
	return json_loadb(l->text.p, (size_t)(l->text.e - l->text.p), JSON_ALLOW_NUL, &jerr);
}

/* The mesh root namespace, from the last istio ConfigMap (new string). */
static char *root_namespace(const struct scan *sc)
{
	const struct leaf *cm = NULL;
	struct strbuf err = STRBUF_INIT;
	struct mesh_config mc;
	json_t *obj;
	char *root;
	size_t i;

	for (i = 0; i < sc->n; i++)
		if (sc->v[i].mesh_cm)
			cm = &sc->v[i];
	obj = cm ? parse_leaf(cm) : NULL;
	mesh_config_load(&mc, obj, sc->istio_ns, &err);
	root = xstrdup(mc.root_namespace);
	mesh_config_release(&mc);
	json_decref(obj);
	strbuf_release(&err);
	return root;
}

static int keeps(const struct scan *sc, const struct obj_filter *f, const char *root,
		 const struct leaf *l)
{
	struct span ns;
	size_t i;

	if (l->k < 0)
		return 0;
	if (!obj_kind_info((enum obj_kind)l->k)->namespaced)
		return 1;
	ns = leaf_ns(sc, l);
	if (l->k == OBJ_CONFIGMAP)
		return span_is(&ns, sc->istio_ns);
	if ((f->everywhere & OBJ_BIT(l->k)) || span_is(&ns, root))
		return 1;
	for (i = 0; f->namespaces && f->namespaces[i]; i++)
		if (span_is(&ns, f->namespaces[i]))
			return 1;
	return 0;
}

/* Parse and add the leaves f keeps, in order.  0, or -1 (err may be set). */
static int add_kept(struct objset *s, const struct scan *sc, const struct obj_filter *f,
		    struct strbuf *err)
{
	char *root = root_namespace(sc);
	size_t i;
	int r = 0;

	for (i = 0; !r && i < sc->n; i++) {
		const struct leaf *l = &sc->v[i];
		const struct list *ls = l->list >= 0 ? &sc->lists[l->list] : NULL;
		json_t *obj;

		if (!keeps(sc, f, root, l))
			continue;
		obj = parse_leaf(l);
		if (!obj || objset_add_file_doc(s, obj, ls ? ls->kind : NULL, ls ? ls->api : NULL,
						l->source, sc->default_ns, err))
			r = -1;
	}
	free(root);
	return r;
}

struct mapped {
	char *p;
	size_t len;
};

/* Map every path when all are regular, non-empty JSON files; else 0. */
static int map_json_files(const char *const *paths, size_t n, struct mapped *m)
{
	struct stat st;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *p;
		int fd = strcmp(paths[i], "-") ? open(paths[i], O_RDONLY) : -1;

		if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size) {
			if (fd >= 0)
				close(fd);
			return 0;
		}
		m[i].p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (m[i].p == MAP_FAILED) {
			m[i].p = NULL;
			return 0;
		}
		m[i].len = (size_t)st.st_size;
		p = ws(m[i].p, m[i].p + m[i].len);
		if (p == m[i].p + m[i].len || (*p != '{' && *p != '['))
			return 0;
	}
	return n > 0;
}

/* Scan every file.  0, or -1 to give up. */
static int scan_files(struct scan *sc, const char *const *paths, size_t n,
		      const struct mapped *m)
{
	size_t i;

	for (i = 0; i < n; i++) {
		sc->e = m[i].p + m[i].len;
		sc->source = paths[i];
		if (scan_text(sc, m[i].p))
			return -1;
	}
	return 0;
}

static void scan_release(struct scan *sc)
{
	size_t i;

	for (i = 0; i < sc->nlists; i++) {
		free(sc->lists[i].kind);
		free(sc->lists[i].api);
	}
	free(sc->lists);
	free(sc->pend);
	free(sc->v);
}

/* The fast path: 0 when done, -1 when the full load must take over. */
static int load_kept(struct objset *s, const char *const *paths, size_t n,
		     const char *default_ns, const struct obj_filter *f, struct strbuf *err)
{
	struct mapped *m = xcalloc(n + 1, sizeof(*m));
	char *cm_name = mesh_configmap_name(f->revision);
	struct scan sc;
	size_t i;
	int r = -1;

	memset(&sc, 0, sizeof(sc));
	sc.istio_ns = f->istio_ns && *f->istio_ns ? f->istio_ns : "istio-system";
	sc.default_ns = default_ns;
	sc.cm_name = cm_name;
	if (map_json_files(paths, n, m) && !scan_files(&sc, paths, n, m))
		r = add_kept(s, &sc, f, err);
	scan_release(&sc);
	for (i = 0; i < n; i++)
		if (m[i].p)
			munmap(m[i].p, m[i].len);
	free(m);
	free(cm_name);
	return r;
}

int objset_load_paths_filtered(struct objset *s, const char *const *paths, size_t n,
			       int recursive, const char *default_ns,
			       const struct obj_filter *f, struct strbuf *err)
{
	if (!default_ns)
		default_ns = "default";
	if (load_kept(s, paths, n, default_ns, f, err))
		return objset_load_paths(s, paths, n, recursive, default_ns, err);
	objset_mark_loaded(s, OBJ_ALL);
	return 0;
}
