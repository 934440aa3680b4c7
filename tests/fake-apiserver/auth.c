/* SPDX-License-Identifier: Apache-2.0 */
/* Authentication (client certificates, tokens, basic), impersonation and --forbid rules. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "fake.h"
#include "base64.h"
#include "xalloc.h"

/* Split line in place on whitespace; words point into line. */
static size_t split_words(char *line, char **words, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (*p && n < max) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		words[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

/*
 * Call fn for every non-comment line of path, split into words.
 * Returns -1 with err set when the file cannot be read or fn fails.
 */
static int for_each_line(const char *path, struct strbuf *err,
			 int (*fn)(char **words, size_t n, void *data), void *data)
{
	struct strbuf sb = STRBUF_INIT;
	char *line, *next;
	int lineno = 0, ret = 0;

	if (strbuf_read_file(&sb, path) < 0) {
		strbuf_addf(err, "%s: cannot read file", path);
		return -1;
	}
	for (line = sb.buf; line && *line; line = next) {
		char *words[64];
		size_t n;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		n = split_words(line, words, ARRAY_SIZE(words));
		if (!n || words[0][0] == '#')
			continue;
		if (fn(words, n, data) < 0) {
			strbuf_addf(err, "%s:%d: malformed line", path, lineno);
			ret = -1;
			break;
		}
	}
	strbuf_release(&sb);
	return ret;
}

struct cred_list {
	struct cred *items;
	size_t nr, alloc;
	int basic;
};

static int add_cred(char **words, size_t n, void *data)
{
	struct cred_list *l = data;
	struct cred *c;
	size_t i;

	if (n < 2)
		return -1;
	ALLOC_GROW(l->items, l->nr + 1, l->alloc);
	c = &l->items[l->nr++];
	c->key = l->basic ? xasprintf("%s:%s", words[0], words[1]) : xstrdup(words[0]);
	c->user = xstrdup(l->basic ? words[0] : words[1]);
	c->nr_groups = n - 2;
	c->groups = xcalloc(n, sizeof(char *));
	for (i = 2; i < n; i++)
		c->groups[i - 2] = xstrdup(words[i]);
	return 0;
}

int auth_load_creds(const char *path, int basic, struct cred **out,
		    size_t *nr, struct strbuf *err)
{
	struct cred_list l = { NULL, 0, 0, basic };

	if (for_each_line(path, err, add_cred, &l) < 0)
		return -1;
	*out = l.items;
	*nr = l.nr;
	return 0;
}

struct forbid_list {
	struct forbid_rule *items;
	size_t nr, alloc;
};

static int add_forbid(char **words, size_t n, void *data)
{
	struct forbid_list *l = data;
	struct forbid_rule *r;

	if (n < 3 || n > 4)
		return -1;
	ALLOC_GROW(l->items, l->nr + 1, l->alloc);
	r = &l->items[l->nr++];
	r->user = xstrdup(words[0]);
	r->verb = xstrdup(words[1]);
	r->resource = xstrdup(words[2]);
	r->namespace = n > 3 ? xstrdup(words[3]) : NULL;
	return 0;
}

int auth_load_forbid(const char *path, struct forbid_rule **out, size_t *nr,
		     struct strbuf *err)
{
	struct forbid_list l = { NULL, 0, 0 };

	if (for_each_line(path, err, add_forbid, &l) < 0)
		return -1;
	*out = l.items;
	*nr = l.nr;
	return 0;
}

/* ---- authorization ---- */

/* What is being asked, in the authorizer's terms. */
struct attrs {
	const char *user, *verb, *group, *resource, *sub, *ns, *name, *path;
};

static int word_matches(const char *pattern, const char *value)
{
	return !strcmp(pattern, "*") || !strcmp(pattern, value ? value : "");
}

static int resource_matches(const char *pattern, const struct attrs *a)
{
	struct strbuf res = STRBUF_INIT;
	int hit;

	if (a->path) {
		size_t n = strlen(pattern);

		return pattern[0] == '/' &&
		       (!strcmp(pattern, a->path) ||
			(n && pattern[n - 1] == '*' && !strncmp(pattern, a->path, n - 1)));
	}
	if (!strcmp(pattern, "*"))
		return 1;
	strbuf_addstr(&res, a->resource);
	if (strchr(pattern, '.') && *a->group)
		strbuf_addf(&res, ".%s", a->group);
	if (a->sub)
		strbuf_addf(&res, "/%s", a->sub);
	hit = !strcmp(pattern, res.buf);
	strbuf_release(&res);
	return hit;
}

static int rule_matches(const struct forbid_rule *r, const struct attrs *a)
{
	if (!word_matches(r->user, a->user) || !word_matches(r->verb, a->verb) ||
	    !resource_matches(r->resource, a))
		return 0;
	return !r->namespace || word_matches(r->namespace, a->ns);
}

static void respond_forbidden(struct response *resp, const struct attrs *a)
{
	struct strbuf msg = STRBUF_INIT;
	json_t *details = json_object();

	if (a->path) {
		strbuf_addf(&msg, "forbidden: User \"%s\" cannot %s path \"%s\"",
			    a->user, a->verb, a->path);
	} else {
		char *qr = qualified_resource(a->group, a->resource);

		if (a->name && *a->name)
			strbuf_addf(&msg, "%s \"%s\" is forbidden: ", qr, a->name);
		else
			strbuf_addf(&msg, "%s is forbidden: ", qr);
		strbuf_addf(&msg, "User \"%s\" cannot %s resource \"%s%s%s\" in API group \"%s\"",
			    a->user, a->verb, a->resource, a->sub ? "/" : "",
			    a->sub ? a->sub : "", a->group);
		if (a->ns && *a->ns)
			strbuf_addf(&msg, " in the namespace \"%s\"", a->ns);
		else
			strbuf_addstr(&msg, " at the cluster scope");
		if (a->name && *a->name)
			json_object_set_new(details, "name", json_string(a->name));
		if (*a->group)
			json_object_set_new(details, "group", json_string(a->group));
		json_object_set_new(details, "kind", json_string(a->resource));
		free(qr);
	}
	respond_status(resp, 403, "Forbidden", msg.buf, details, NULL);
	strbuf_release(&msg);
}

/* 0 when allowed, -1 with a 403 in resp. */
static int check(const struct server *srv, const struct attrs *a,
		 struct response *resp)
{
	size_t i;

	for (i = 0; i < srv->nr_forbid; i++) {
		if (rule_matches(&srv->forbid[i], a)) {
			respond_forbidden(resp, a);
			return -1;
		}
	}
	return 0;
}

int auth_authorize(const struct server *srv, const struct request *req,
		   const struct reqinfo *ri, struct response *resp)
{
	struct attrs a = { request_user(req), ri->verb, NULL, NULL, NULL,
			   NULL, NULL, NULL };

	if (ri->is_resource) {
		a.group = ri->group;
		a.resource = ri->resource;
		a.sub = ri->subresource;
		a.ns = ri->namespace;
		a.name = ri->name;
	} else {
		a.path = req->path;
	}
	return check(srv, &a, resp);
}

/* ---- authentication ---- */

const char *request_user(const struct request *req)
{
	return req->imp_user ? req->imp_user : req->user;
}

static void push(char ***arr, size_t *nr, size_t *alloc, const char *s)
{
	ALLOC_GROW(*arr, *nr + 1, *alloc);
	(*arr)[(*nr)++] = xstrdup(s);
}

static void set_identity(struct request *req, const char *user, char **groups,
			 size_t nr)
{
	size_t i;

	req->user = xstrdup(user);
	for (i = 0; i < nr; i++)
		push(&req->groups, &req->nr_groups, &req->alloc_groups, groups[i]);
}

static const struct cred *find_cred(const struct cred *creds, size_t nr,
				    const char *key)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(creds[i].key, key))
			return &creds[i];
	return NULL;
}

static const struct cred *basic_cred(const struct server *srv, const char *b64)
{
	struct strbuf plain = STRBUF_INIT;
	const struct cred *c = NULL;
	size_t bad;

	if (!base64_decode(&plain, b64, strlen(b64), &bad))
		c = find_cred(srv->basics, srv->nr_basics, plain.buf);
	strbuf_release(&plain);
	return c;
}

static void respond_unauthorized(struct response *resp)
{
	respond_status(resp, 401, "Unauthorized", "Unauthorized", NULL, NULL);
}

/* Authenticate from the certificate or the Authorization header; -1 when nobody. */
static int identify(const struct server *srv, struct request *req)
{
	const char *authz = request_header(req, "authorization");
	static char unauthenticated[] = "system:unauthenticated";
	char *anon = unauthenticated;
	const struct cred *c = NULL;

	if (req->peer_user) {
		set_identity(req, req->peer_user, req->peer_groups, req->nr_peer_groups);
		return 0;
	}
	if (authz && !strncasecmp(authz, "Bearer ", 7))
		c = find_cred(srv->tokens, srv->nr_tokens, authz + 7);
	else if (authz && !strncasecmp(authz, "Basic ", 6))
		c = basic_cred(srv, authz + 6);
	if (c) {
		set_identity(req, c->user, c->groups, c->nr_groups);
		return 0;
	}
	if (authz || !srv->allow_anonymous)
		return -1;
	set_identity(req, "system:anonymous", &anon, 1);
	return 0;
}

/* Impersonate-User / Impersonate-Group; -1 with resp filled when refused. */
static int impersonate(const struct server *srv, struct request *req,
		       struct response *resp)
{
	struct attrs a = { req->user, "impersonate", "", "users", NULL, NULL,
			   NULL, NULL };
	size_t i;

	for (i = 0; i < req->nr_headers; i++) {
		const struct header *h = &req->headers[i];

		if (!strcmp(h->name, "impersonate-user") && !req->imp_user)
			req->imp_user = xstrdup(h->value);
		else if (!strcmp(h->name, "impersonate-group"))
			push(&req->imp_groups, &req->nr_imp_groups,
			     &req->alloc_imp_groups, h->value);
	}
	if (!req->imp_user && req->nr_imp_groups) {
		respond_status(resp, 500, "InternalError",
			       "Internal error occurred: requested group impersonation without impersonating a user",
			       NULL, NULL);
		return -1;
	}
	if (!req->imp_user)
		return 0;
	a.name = req->imp_user;
	if (check(srv, &a, resp) < 0)
		return -1;
	a.resource = "groups";
	for (i = 0; i < req->nr_imp_groups; i++) {
		a.name = req->imp_groups[i];
		if (check(srv, &a, resp) < 0)
			return -1;
	}
	return 0;
}

int auth_authenticate(const struct server *srv, struct request *req,
		      struct response *resp)
{
	if (identify(srv, req) < 0) {
		respond_unauthorized(resp);
		return -1;
	}
	if (strcmp(req->user, "system:anonymous"))
		push(&req->groups, &req->nr_groups, &req->alloc_groups,
		     "system:authenticated");
	req->authenticated = 1;
	return impersonate(srv, req, resp);
}
