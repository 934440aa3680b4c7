/* SPDX-License-Identifier: Apache-2.0 */
/* objset_fetch: queries as one concurrent batch, with Istio's API version fallback. */
#include "objects.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* One query across the batches. */
struct fetch {
	const struct obj_query *q;
	enum obj_kind kind;         /* also the item filter's data */
	size_t version;             /* index into the kind's versions */
	char *what;                 /* "get pods", for the client's error texts */
	json_t *result;             /* owned, on success */
	char *error;                /* owned: why it failed, or NULL */
	int fallback;               /* a 404 that may mean "version not served" */
	int retry;                  /* to be asked again at another version */
};

static const struct obj_kind_info *info(const struct fetch *f)
{
	return obj_kind_info(f->kind);
}

static const char *version(const struct fetch *f)
{
	return info(f)->versions[f->version];
}

/* Kinds served at several versions: Istio's. */
static int has_fallback(const struct fetch *f)
{
	return info(f)->versions[1] != NULL;
}

static char *describe(const struct obj_query *q)
{
	const struct obj_kind_info *ki = obj_kind_info(q->kind);
	return xasprintf("get %s%s%s%s%s", ki->resource, *ki->group ? "." : "", ki->group,
			 q->name ? " " : "", q->name ? q->name : "");
}

static void build_request(struct kube_req *r, struct fetch *f, struct objset *s)
{
	const struct obj_kind_info *ki = info(f);
	const struct obj_query *q = f->q;
	struct strbuf path = STRBUF_INIT;

	if (*ki->group)
		strbuf_addf(&path, "/apis/%s/%s", ki->group, version(f));
	else
		strbuf_addf(&path, "/api/%s", version(f));
	if (ki->namespaced && q->namespace) {
		strbuf_addstr(&path, "/namespaces/");
		kube_query_escape(&path, q->namespace);
	}
	strbuf_addf(&path, "/%s", ki->resource);
	if (q->name) {
		strbuf_addch(&path, '/');
		kube_query_escape(&path, q->name);
	} else if (q->label_selector && *q->label_selector) {
		strbuf_addstr(&path, "?labelSelector=");
		kube_query_escape(&path, q->label_selector);
	}
	kube_req_init(r, "%s", path.buf);
	r->what = f->what;
	if (!q->name) {
		r->paginate = 1;
		r->item_filter = f->kind == OBJ_POD ? objset_pod_filter : obj_prune_item;
		r->filter_data = f->kind == OBJ_POD ? (void *)s : &f->kind;
	}
	strbuf_release(&path);
}

static void set_error(struct fetch *f, char *msg)
{
	free(f->error);
	f->error = msg;
}

/* A missing object that was asked for as optional is no error. */
static void not_found(struct fetch *f)
{
	if (f->q->name && f->q->optional)
		set_error(f, NULL);
}

static void record(struct fetch *f, struct kube_req *r, int may_fall_back)
{
	if (!r->failed) {
		f->result = r->result;
		r->result = NULL;
		return;
	}
	set_error(f, xstrdup(r->err.buf));
	if (r->status != 404)
		return;
	if (may_fall_back && has_fallback(f))
		f->fallback = 1;
	else
		not_found(f);
}

/* Run the fetches whose flag (fallback for the first batch, retry after) is set. */
static void run_batch(struct kube_client *c, struct objset *s, struct fetch *f, size_t n,
		      int first)
{
	struct kube_req *reqs = xcalloc(n, sizeof(*reqs));
	size_t *which = xcalloc(n, sizeof(*which)), nr = 0, i;

	for (i = 0; i < n; i++) {
		if (!first && !f[i].retry)
			continue;
		f[i].retry = 0;
		reqs[nr] = (struct kube_req)KUBE_REQ_INIT;
		build_request(&reqs[nr], &f[i], s);
		which[nr++] = i;
	}
	if (nr)
		kube_run(c, reqs, nr);
	for (i = 0; i < nr; i++) {
		record(&f[which[i]], &reqs[i], first);
		kube_req_release(&reqs[i]);
	}
	free(which);
	free(reqs);
}

static const char *version_name(json_t *group_version)
{
	const char *v = json_string_value(json_object_get(group_version, "version"));
	return v ? v : "";
}

/* The most preferred version of f's kind that the group serves, or -1. */
static long served_version(const struct fetch *f, json_t *api_group)
{
	const char *const *v = info(f)->versions;
	json_t *e;
	size_t i, k;

	for (k = 0; v[k]; k++)
		json_array_foreach(json_object_get(api_group, "versions"), i, e)
			if (!strcmp(v[k], version_name(e)))
				return (long)k;
	return -1;
}

/* After a 404: what the group's discovery document says about f. */
static void decide(struct fetch *f, struct kube_req *disc)
{
	long v;

	f->fallback = 0;
	if (disc->failed && disc->status == 404) {
		set_error(f, xasprintf("Istio is not installed in this cluster: "
				       "the server has no %s API group", info(f)->group));
		return;
	}
	if (disc->failed) {
		set_error(f, xstrdup(disc->err.buf));
		return;
	}
	v = served_version(f, disc->result);
	if (v < 0) {
		set_error(f, xasprintf("the server doesn't have a resource type \"%s\"",
				       info(f)->resource));
	} else if ((size_t)v == f->version) {
		not_found(f);
	} else {
		set_error(f, NULL);
		f->version = (size_t)v;
		f->retry = 1;
	}
}

/*
 * A 404 from an Istio kind means the object, the version or the whole
 * group is missing.  GET /apis/<group> tells which (one request per
 * group, concurrently); fetches at an unserved version are marked for
 * a retry at the best version served.
 */
static void check_groups(struct kube_client *c, struct fetch *f, size_t n)
{
	struct kube_req reqs[OBJ__COUNT];
	const char *groups[OBJ__COUNT];
	size_t ng = 0, g, i;

	for (i = 0; i < n; i++) {
		if (!f[i].fallback)
			continue;
		for (g = 0; g < ng && strcmp(groups[g], info(&f[i])->group); g++)
			;
		if (g < ng)
			continue;
		groups[ng] = info(&f[i])->group;
		reqs[ng] = (struct kube_req)KUBE_REQ_INIT;
		kube_req_init(&reqs[ng], "/apis/%s", groups[ng]);
		reqs[ng].what = "get apigroups";
		ng++;
	}
	if (!ng)
		return;
	kube_run(c, reqs, ng);
	for (i = 0; i < n; i++) {
		if (!f[i].fallback)
			continue;
		for (g = 0; strcmp(groups[g], info(&f[i])->group); g++)
			;
		decide(&f[i], &reqs[g]);
	}
	for (g = 0; g < ng; g++)
		kube_req_release(&reqs[g]);
}

/* Make a result self-describing, so objset_add() knows its kind. */
static void label_result(json_t *res, const struct fetch *f)
{
	const struct obj_kind_info *ki = info(f);

	if (!json_object_get(res, "apiVersion"))
		json_object_set_new(res, "apiVersion", *ki->group ?
				    json_sprintf("%s/%s", ki->group, version(f)) :
				    json_string(version(f)));
	if (!json_object_get(res, "kind"))
		json_object_set_new(res, "kind", f->q->name ? json_string(ki->kind) :
				    json_sprintf("%sList", ki->kind));
}

static int add_results(struct objset *s, struct fetch *f, size_t n, struct strbuf *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *res = f[i].result;

		objset_mark_loaded(s, OBJ_BIT(f[i].kind));
		if (!res)
			continue;
		f[i].result = NULL;
		label_result(res, &f[i]);
		if (objset_add(s, res, NULL, err))
			return -1;
	}
	return 0;
}

int objset_fetch(struct objset *s, struct kube_client *c, const struct obj_query *q,
		 size_t n, struct strbuf *err)
{
	struct fetch *f = xcalloc(n ? n : 1, sizeof(*f));
	int ret = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		f[i].q = &q[i];
		f[i].kind = q[i].kind;
		f[i].what = describe(&q[i]);
	}
	run_batch(c, s, f, n, 1);
	check_groups(c, f, n);
	run_batch(c, s, f, n, 0);
	for (i = 0; i < n && !ret; i++)
		if (f[i].error) {
			strbuf_setf(err, "%s", f[i].error);
			ret = -1;
		}
	if (!ret)
		ret = add_results(s, f, n, err);
	for (i = 0; i < n; i++) {
		free(f[i].what);
		free(f[i].error);
		json_decref(f[i].result);
	}
	free(f);
	return ret;
}
