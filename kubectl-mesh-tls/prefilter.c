/* SPDX-License-Identifier: Apache-2.0 */
/* Reading -f JSON files for one or two namespaces: scan the text, parse only the objects needed. */
#include "commands.h"
#include "xalloc.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * trace and status need the pods and services of one or two namespaces
 * and every policy, from files that may hold a whole cluster.  Parsing
 * all of it costs far more than the analysis, so for JSON input (what
 * kubectl get -o json writes) each object's kind and namespace are read
 * by a byte scanner and only the objects needed are parsed.  YAML input,
 * stdin and directories take the ordinary path.
 */

struct span {
	const char *p, *e;
};

/* A policy outside the namespaces asked for: added later if it is in the root namespace. */
struct deferred {
	struct span v;
	char *ns, *list_kind, *list_api;
	const char *source;
};

struct scan {
	const char *e;
	const char *const *nss;
	const char *istio_ns, *default_ns, *source;
	struct objset *set;
	struct strbuf *err;
	struct deferred *later;
	size_t nlater, alater;
	int all_rules;              /* keep every DestinationRule (status) */
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

/* Any JSON value starting at p: the byte after it, or NULL.  The text ends with a NUL. */
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

/*
 * The next key of an object: *p is after '{' or after a previous value.
 * Returns 1 with the key span and *p at the value, 0 at '}' (*p after it),
 * -1 when malformed.
 */
static int next_key(const char **p, const char *e, struct span *key)
{
	const char *q = ws(*p, e);

	if (q < e && *q == ',')
		q = ws(q + 1, e);
	if (q < e && *q == '}') {
		*p = q + 1;
		return 0;
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
	return 1;
}

static int span_is(const struct span *s, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(s->e - s->p) == n && !memcmp(s->p, word, n);
}

/* The string value at *p without escapes as a new string (else NULL); *p moves past it. */
static char *take_string(const char **p, const char *e, int *escaped)
{
	const char *q = skip_value(*p, e), *start = *p;

	*p = q;
	if (!q || *start != '"')
		return NULL;
	if (memchr(start, '\\', (size_t)(q - start))) {
		*escaped = 1;
		return NULL;
	}
	return xstrndup(start + 1, (size_t)(q - start - 2));
}

struct item {
	char *kind, *api, *ns;
	int list;                   /* it had an items array, already scanned */
	int escaped;                /* a field we read was not a plain string */
};

static void item_release(struct item *it)
{
	free(it->kind);
	free(it->api);
	free(it->ns);
}

/* metadata.namespace of the object whose metadata value starts at *p. */
static int read_metadata(const char **p, const char *e, struct item *it)
{
	struct span k;
	int r;

	(*p)++;
	while ((r = next_key(p, e, &k)) > 0) {
		if (span_is(&k, "namespace")) {
			free(it->ns);
			it->ns = take_string(p, e, &it->escaped);
		} else {
			*p = skip_value(*p, e);
		}
		if (!*p)
			return -1;
	}
	return r;
}

static int scan_object(struct scan *sc, struct span *v, const char *list_kind,
		       const char *list_api);

/* The elements of an array starting at *p ('['); *p ends after ']'. */
static int scan_array(struct scan *sc, const char **p, const char *list_kind, const char *list_api)
{
	struct span v;

	(*p)++;
	for (;;) {
		*p = ws(*p, sc->e);
		if (*p < sc->e && **p == ',')
			*p = ws(*p + 1, sc->e);
		if (*p >= sc->e)
			return -1;
		if (**p == ']') {
			(*p)++;
			return 0;
		}
		v.p = *p;
		if (scan_object(sc, &v, list_kind, list_api))
			return -1;
		*p = v.e;
	}
}

/* Read an object's fields, scanning a list's items on the way; v->e is set to its end. */
static int read_object(struct scan *sc, struct span *v, struct item *it)
{
	const char *p = v->p + 1;
	struct span k;
	int r;

	memset(it, 0, sizeof(*it));
	while ((r = next_key(&p, sc->e, &k)) > 0) {
		if (span_is(&k, "kind")) {
			free(it->kind);
			it->kind = take_string(&p, sc->e, &it->escaped);
		} else if (span_is(&k, "apiVersion")) {
			free(it->api);
			it->api = take_string(&p, sc->e, &it->escaped);
		} else if (span_is(&k, "metadata") && p < sc->e && *p == '{') {
			if (read_metadata(&p, sc->e, it) < 0)
				return -1;
		} else if (span_is(&k, "items") && p < sc->e && *p == '[') {
			const char *lk = it->kind && strcmp(it->kind, "List") &&
						 ends_with(it->kind, "List") ? it->kind : NULL;
			it->list = 1;
			if (scan_array(sc, &p, lk, it->api))
				return -2;
		} else {
			p = skip_value(p, sc->e);
		}
		if (!p)
			return -1;
	}
	v->e = p;
	return r;
}

/* 1: add it; 0: skip it; 2: a policy elsewhere, kept for the root namespace check. */
static int wanted(const struct scan *sc, int kind, const char *ns)
{
	size_t i;

	if (!obj_kind_info((enum obj_kind)kind)->namespaced ||
	    (kind == OBJ_DESTINATIONRULE && sc->all_rules))
		return 1;
	if (kind == OBJ_CONFIGMAP)
		return ns && !strcmp(ns, sc->istio_ns);
	if (!ns)
		ns = sc->default_ns;
	for (i = 0; sc->nss[i]; i++)
		if (!strcmp(ns, sc->nss[i]))
			return 1;
	return kind == OBJ_PEERAUTHENTICATION || kind == OBJ_DESTINATIONRULE ? 2 : 0;
}

static void defer(struct scan *sc, const struct span *v, const char *ns, const char *list_kind,
		  const char *list_api)
{
	struct deferred *d;

	ALLOC_GROW(sc->later, sc->nlater + 1, sc->alater);
	d = &sc->later[sc->nlater++];
	d->v = *v;
	d->ns = xstrdup(ns);
	d->list_kind = xstrdup_or_null(list_kind);
	d->list_api = xstrdup_or_null(list_api);
	d->source = sc->source;
}

/* Parse one object of the text and add it, filling what a list leaves out. */
static int add_item(struct scan *sc, const struct span *obj, const char *list_kind,
		    const char *list_api, int namespaced)
{
	json_error_t jerr;
	json_t *o = json_loadb(obj->p, (size_t)(obj->e - obj->p), 0, &jerr), *meta;

	if (!o) {
		strbuf_setf(sc->err, "error parsing %s: json: %s", sc->source, jerr.text);
		return -1;
	}
	if (list_kind && !json_object_get(o, "kind"))
		json_object_set_new(o, "kind", json_stringn(list_kind, strlen(list_kind) - 4));
	if (list_api && !json_object_get(o, "apiVersion"))
		json_object_set_new(o, "apiVersion", json_string(list_api));
	meta = json_object_get(o, "metadata");
	if (namespaced && json_is_object(meta) && !json_object_get(meta, "namespace"))
		json_object_set_new(meta, "namespace", json_string(sc->default_ns));
	return objset_add(sc->set, o, sc->source, sc->err);
}

static int add_wanted(struct scan *sc, const struct span *v, const struct item *it,
		      const char *list_kind, const char *list_api)
{
	char *kind = it->kind ? xstrdup(it->kind) :
		     list_kind ? xstrndup(list_kind, strlen(list_kind) - 4) : NULL;
	int k = kind ? obj_kind_of(it->api ? it->api : list_api ? list_api : "", kind) : -1;
	int w = k >= 0 ? wanted(sc, k, it->ns) : 0, r = 0;

	if (w == 2 && !it->escaped && it->ns)
		defer(sc, v, it->ns, list_kind, list_api);
	else if (it->escaped || !kind || w)
		r = add_item(sc, v, list_kind, list_api,
			     k >= 0 && obj_kind_info((enum obj_kind)k)->namespaced);
	free(kind);
	return r;
}

static int scan_object(struct scan *sc, struct span *v, const char *list_kind,
		       const char *list_api)
{
	struct item it;
	int r;

	if (v->p >= sc->e || *v->p != '{') {
		strbuf_setf(sc->err, "error parsing %s: json: not a Kubernetes object", sc->source);
		return -1;
	}
	r = read_object(sc, v, &it);
	if (r == -1)
		strbuf_setf(sc->err, "error parsing %s: json: malformed object", sc->source);
	else if (!r && !it.list)
		r = add_wanted(sc, v, &it, list_kind, list_api);
	item_release(&it);
	return r ? -1 : 0;
}

static int scan_text(struct scan *sc, const char *p)
{
	struct span v;

	p = ws(p, sc->e);
	if (p < sc->e && *p == '[')
		return scan_array(sc, &p, NULL, NULL) ? -1 : 0;
	while ((p = ws(p, sc->e)) < sc->e) {
		v.p = p;
		if (scan_object(sc, &v, NULL, NULL))
			return -1;
		p = v.e;
	}
	return 0;
}

struct mapped {
	char *p;
	size_t len;
};

/* Every path a regular, non-empty JSON file: map them all, or return 0 to load normally. */
static int map_json_files(const struct strlist *paths, struct mapped *m)
{
	struct stat st;
	size_t i;

	for (i = 0; i < paths->n; i++) {
		const char *p;
		int fd = open(paths->v[i], O_RDONLY);

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
	return 1;
}

/* The root namespace, from the istio ConfigMap among what was added (new string). */
static char *root_namespace(struct cli *cli, struct scan *sc)
{
	char *name = cli->opts.revision && *cli->opts.revision ?
			     xasprintf("istio-%s", cli->opts.revision) : xstrdup("istio");
	json_t *cm = objset_get(sc->set, OBJ_CONFIGMAP, sc->istio_ns, name);
	struct strbuf err = STRBUF_INIT;
	struct mesh_config mc;
	char *root;

	mesh_config_load(&mc, cm, sc->istio_ns, &err);
	root = xstrdup(mc.root_namespace);
	mesh_config_release(&mc);
	strbuf_release(&err);
	free(name);
	return root;
}

/* Add the policies of the root namespace that the scan put aside. */
static int add_deferred(struct cli *cli, struct scan *sc)
{
	char *root = root_namespace(cli, sc);
	size_t i;
	int r = 0;

	for (i = 0; i < sc->nlater; i++) {
		struct deferred *d = &sc->later[i];
		sc->source = d->source;
		if (!r && !strcmp(d->ns, root))
			r = add_item(sc, &d->v, d->list_kind, d->list_api, 1);
		free(d->ns);
		free(d->list_kind);
		free(d->list_api);
	}
	free(sc->later);
	free(root);
	return r;
}

int tls_prefilter_load(struct cli *cli, const char *const *nss, int all_rules, struct objset *set,
		       struct strbuf *err)
{
	const struct strlist *paths = &cli->opts.filenames;
	struct mapped *m = xcalloc(paths->n + 1, sizeof(*m));
	struct scan sc;
	size_t i;
	int r = map_json_files(paths, m);

	memset(&sc, 0, sizeof(sc));
	sc.nss = nss;
	sc.all_rules = all_rules;
	sc.istio_ns = tls_istio_ns(cli);
	sc.default_ns = cli_namespace(cli);
	sc.set = set;
	sc.err = err;
	for (i = 0; r == 1 && i < paths->n; i++) {
		sc.e = m[i].p + m[i].len;
		sc.source = paths->v[i];
		if (scan_text(&sc, m[i].p))
			r = -1;
	}
	if (add_deferred(cli, &sc) && r == 1)
		r = -1;
	for (i = 0; i < paths->n; i++)
		if (m[i].p)
			munmap(m[i].p, m[i].len);
	free(m);
	if (r == 1)
		objset_mark_loaded(set, OBJ_ALL);
	return r;
}
