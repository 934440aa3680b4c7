/* SPDX-License-Identifier: Apache-2.0 */
/* GET of one object and of collections: selectors, limit and continue tokens. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake.h"
#include "base64.h"
#include "labels.h"
#include "objects.h"
#include "xalloc.h"

/* ---- continue tokens: base64url of {"v","rv","start","t"} ---- */

struct position {
	unsigned long long rv;
	char *ns, *name;
	time_t issued;
};

char *continue_token_make(unsigned long long rv, const char *ns,
			  const char *name)
{
	json_t *tok = json_object();
	struct strbuf out = STRBUF_INIT;
	char *text;

	json_object_set_new(tok, "v", json_string("meta.k8s.io/v1"));
	json_object_set_new(tok, "rv", json_integer((json_int_t)rv));
	json_object_set_new(tok, "start", json_sprintf("%s/%s", ns, name));
	json_object_set_new(tok, "t", json_integer((json_int_t)time(NULL)));
	text = json_dumps(tok, JSON_COMPACT);
	base64url_encode(&out, text, strlen(text));
	free(text);
	json_decref(tok);
	return strbuf_detach(&out, NULL);
}

static int position_decode(const char *token, struct position *pos)
{
	struct strbuf raw = STRBUF_INIT;
	json_t *tok = NULL;
	const char *start, *slash;
	size_t bad;
	int ret = -1;

	memset(pos, 0, sizeof(*pos));
	if (base64_decode(&raw, token, strlen(token), &bad) < 0)
		goto out;
	tok = json_loadb(raw.buf, raw.len, 0, NULL);
	start = json_string_value(json_object_get(tok, "start"));
	if (!start || !json_is_integer(json_object_get(tok, "t")) ||
	    !(slash = strchr(start, '/')))
		goto out;
	pos->rv = (unsigned long long)json_integer_value(json_object_get(tok, "rv"));
	pos->issued = (time_t)json_integer_value(json_object_get(tok, "t"));
	pos->ns = xstrndup(start, (size_t)(slash - start));
	pos->name = xstrdup(slash + 1);
	ret = 0;
out:
	json_decref(tok);
	strbuf_release(&raw);
	return ret;
}

static void position_release(struct position *pos)
{
	free(pos->ns);
	free(pos->name);
}

char *continue_token_refresh(const char *token)
{
	struct position pos;
	char *fresh;

	if (position_decode(token, &pos) < 0)
		return NULL;
	fresh = continue_token_make(pos.rv, pos.ns, pos.name);
	position_release(&pos);
	return fresh;
}

/* ---- GET one ---- */

static void append_group_version(struct strbuf *out, const struct resource_def *res,
				 const char *version)
{
	strbuf_addf(out, "%s%s%s", res->group, *res->group ? "/" : "", version);
}

void handle_get(const struct server *srv, const struct request *req,
		const struct reqinfo *ri, const struct resource_def *res,
		struct response *resp)
{
	const char *ns = (res->flags & RES_NAMESPACED) ? ri->namespace : "";
	struct object *o = store_find(store_bucket(&srv->store, res), ns, ri->name);

	if (!o) {
		respond_not_found_object(resp, res->group, res->resource, ri->name);
		return;
	}
	resp->code = 200;
	if (table_wanted(req))
		table_render(&resp->body, req, res, ri->version, &o, 1, "{}");
	else
		object_append(&resp->body, o, res, ri->version, 1);
}

/* ---- lists ---- */

struct list_query {
	struct label_query *labels;
	struct field_selector *fields;
	size_t limit;
	char *cont;
};

static void list_query_release(struct list_query *q)
{
	label_query_free(q->labels);
	field_selector_free(q->fields);
	free(q->cont);
}

/* Parse the query; -1 with a 400 in resp. */
static int list_query_parse(const struct request *req, const struct resource_def *res,
			    struct list_query *q, struct response *resp)
{
	char *lsel = request_param(req, "labelSelector");
	char *fsel = request_param(req, "fieldSelector");
	char *limit = request_param(req, "limit");
	struct strbuf err = STRBUF_INIT;
	int ret = 0;

	memset(q, 0, sizeof(*q));
	q->cont = request_param(req, "continue");
	if (q->cont && !*q->cont) {
		free(q->cont);
		q->cont = NULL;
	}
	if (limit) {
		char *end;
		long long n = strtoll(limit, &end, 10);

		if (*end || end == limit) {
			strbuf_addf(&err, "limit: Invalid value: \"%s\": must be an integer", limit);
			ret = -1;
		} else if (n > 0) {
			q->limit = (size_t)n;
		}
	}
	if (!ret && (!(q->labels = label_query_parse_bare(lsel ? lsel : "", &err)) ||
		     field_selector_parse(fsel, res, &q->fields, &err) < 0))
		ret = -1;
	if (ret) {
		respond_bad_request(resp, "%s", err.buf);
		list_query_release(q);
	}
	free(lsel);
	free(fsel);
	free(limit);
	strbuf_release(&err);
	return ret;
}

struct page {
	struct object **items;
	size_t nr, alloc;
	char *cont;
	size_t remaining;
};

static int in_range(const struct object *o, const char *ns)
{
	return !ns || !strcmp(o->ns, ns);
}

/* Collect one page from index i; fills pg->cont when more remain. */
static void collect(const struct server *srv, const struct store_bucket *b,
		    const char *ns, size_t i, const struct list_query *q,
		    struct page *pg)
{
	size_t last = 0;

	for (; i < b->nr && in_range(&b->objs[i], ns); i++) {
		struct object *o = &b->objs[i];

		if (q->limit && pg->nr == q->limit)
			break;
		if (!label_query_matches(q->labels, obj_labels(o->json)) ||
		    !field_selector_matches(q->fields, o->json))
			continue;
		ALLOC_GROW(pg->items, pg->nr + 1, pg->alloc);
		pg->items[pg->nr++] = o;
		last = i;
	}
	if (i < b->nr && in_range(&b->objs[i], ns) && pg->nr) {
		pg->cont = continue_token_make(srv->store.rv, b->objs[last].ns,
					       b->objs[last].name);
		for (; i < b->nr && in_range(&b->objs[i], ns); i++)
			pg->remaining++;
	}
}

static void list_meta(struct strbuf *out, const struct server *srv,
		      const struct page *pg, int filtered)
{
	strbuf_addf(out, "{\"resourceVersion\":\"%llu\"", srv->store.rv);
	if (pg->cont) {
		strbuf_addf(out, ",\"continue\":\"%s\"", pg->cont);
		if (!filtered)
			strbuf_addf(out, ",\"remainingItemCount\":%zu", pg->remaining);
	}
	strbuf_addch(out, '}');
}

static void render_list(struct strbuf *out, const struct resource_def *res,
			const char *version, const struct page *pg,
			const char *meta)
{
	size_t i;

	strbuf_grow(out, 64 + pg->nr * 1024);
	strbuf_addf(out, "{\"kind\":\"%sList\",\"apiVersion\":\"", res->kind);
	append_group_version(out, res, version);
	strbuf_addf(out, "\",\"metadata\":%s,\"items\":[", meta);
	for (i = 0; i < pg->nr; i++) {
		if (i)
			strbuf_addch(out, ',');
		object_append(out, pg->items[i], res, version,
			      !(res->flags & RES_BUILTIN));
	}
	strbuf_addstr(out, "]}");
}

/* Where a list starts; -1 with resp filled for a bad or expired token. */
static int list_start(const struct server *srv, const struct store_bucket *b,
		      const char *ns, const struct list_query *q, size_t *start,
		      struct response *resp)
{
	struct position pos;

	*start = ns ? store_ns_start(b, ns) : 0;
	if (!q->cont)
		return 0;
	if (position_decode(q->cont, &pos) < 0) {
		respond_bad_request(resp, "continue key is not valid: incorrect encoded "
				    "start resourceVersion (version meta.k8s.io/v1)");
		return -1;
	}
	if (time(NULL) - pos.issued > srv->continue_ttl) {
		char *fresh = continue_token_make(pos.rv, pos.ns, pos.name);

		respond_expired(resp, fresh);
		free(fresh);
		position_release(&pos);
		return -1;
	}
	if (store_after(b, pos.ns, pos.name) > *start)
		*start = store_after(b, pos.ns, pos.name);
	position_release(&pos);
	return 0;
}

void handle_list(const struct server *srv, const struct request *req,
		 const struct reqinfo *ri, const struct resource_def *res,
		 struct response *resp)
{
	const struct store_bucket *b = store_bucket(&srv->store, res);
	const char *ns = (res->flags & RES_NAMESPACED) ? ri->namespace : NULL;
	struct list_query q;
	struct page pg;
	struct strbuf meta = STRBUF_INIT;
	size_t start;

	memset(&pg, 0, sizeof(pg));
	if (list_query_parse(req, res, &q, resp) < 0)
		return;
	if (list_start(srv, b, ns, &q, &start, resp) < 0)
		goto out;
	collect(srv, b, ns, start, &q, &pg);
	list_meta(&meta, srv, &pg, !label_query_empty(q.labels) || q.fields);
	resp->code = 200;
	if (table_wanted(req))
		table_render(&resp->body, req, res, ri->version, pg.items, pg.nr, meta.buf);
	else
		render_list(&resp->body, res, ri->version, &pg, meta.buf);
out:
	strbuf_release(&meta);
	free(pg.items);
	free(pg.cont);
	list_query_release(&q);
}
