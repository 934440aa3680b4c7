/* SPDX-License-Identifier: Apache-2.0 */
/* AuthorizationPolicy and RequestAuthentication objects to their compiled form. */
#include "authz_priv.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Where the compiler is in one policy, for messages. */
struct cctx {
	struct authz_engine *e;
	struct policy *p;
	struct rule *r;
	struct strbuf loc;
};

static void set_broken(struct cctx *c, const char *fmt, ...) MESH_PRINTF(2, 3);
static void set_broken(struct cctx *c, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (c->p->broken)
		return;
	strbuf_addf(&sb, "AuthorizationPolicy %s: %s: ", c->p->id, c->loc.buf);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	c->p->broken = strbuf_detach(&sb, NULL);
}

/* A validation error (§13): kept for lint; the policy is still compiled. */
static void problem(struct cctx *c, const char *fix, const char *fmt, ...) MESH_PRINTF(3, 4);
static void problem(struct cctx *c, const char *fix, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (c->loc.len)
		strbuf_addf(&sb, "%s: ", c->loc.buf);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	json_array_append_new(c->p->problems, json_pack("{s:s, s:s}", "message", sb.buf, "fix", fix));
	strbuf_release(&sb);
}

/* §3.7: the builder skips the rule; the first reason is kept. */
static void untranslatable(struct cctx *c, const char *fmt, ...) MESH_PRINTF(2, 3);
static void untranslatable(struct cctx *c, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (!c->r->untranslatable)
		c->r->untranslatable = xasprintf("%s: %s", c->loc.buf, sb.buf);
	problem(c, "fix the value; istiod skips the whole rule", "%s", sb.buf);
	strbuf_release(&sb);
}

static size_t loc_push(struct cctx *c, const char *fmt, ...) MESH_PRINTF(2, 3);
static size_t loc_push(struct cctx *c, const char *fmt, ...)
{
	size_t old = c->loc.len;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&c->loc, fmt, ap);
	va_end(ap);
	return old;
}

int parse_go_bool(const char *s)
{
	static const char *const t[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const f[] = { "0", "f", "F", "FALSE", "false", "False" };
	size_t i;
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		if (!strcmp(s, t[i]))
			return 1;
		if (!strcmp(s, f[i]))
			return 0;
	}
	return -1;
}

/* --- atoms --- */

size_t engine_atom(struct authz_engine *e, enum atom_kind kind, const char *s, const char *s2)
{
	char *key = xasprintf("%d\x1f%s\x1f%s", (int)kind, s, s2 ? s2 : "");
	json_t *idx = json_object_get(e->atom_index, key);
	size_t i;

	if (idx) {
		free(key);
		return (size_t)json_integer_value(idx);
	}
	ALLOC_GROW(e->atoms, e->natoms + 1, e->alloc_atoms);
	i = e->natoms++;
	e->atoms[i].kind = kind;
	e->atoms[i].s = xstrdup(s);
	e->atoms[i].s2 = xstrdup_or_null(s2);
	json_object_set_new(e->atom_index, key, json_integer((json_int_t)i));
	free(key);
	return i;
}

static void value_add_atom(struct value *v, size_t atom)
{
	v->atoms = xreallocarray(v->atoms, v->natoms + 1, sizeof(*v->atoms));
	v->atoms[v->natoms++] = atom;
}

/* --- trust domains (§6) --- */

static int td_prefix_match(const char *a, const char *pattern)
{
	size_t n = strlen(pattern);
	return n && pattern[n - 1] == '*' && !strncmp(a, pattern, n - 1);
}

static int td_suffix_match(const char *a, const char *pattern)
{
	return pattern[0] == '*' && ends_with(a, pattern + 1);
}

static int td_in_bundle(const struct authz_engine *e, const char *td)
{
	size_t i;
	for (i = 0; i < e->nbundle; i++) {
		const char *s = e->bundle[i];
		if (!strcmp(td, s) || !strcmp(s, "*") || td_prefix_match(td, s) ||
		    td_prefix_match(s, td) || td_suffix_match(td, s) || td_suffix_match(s, td))
			return 1;
	}
	return 0;
}

static void strv_push_unique(char ***v, size_t *n, char *s)
{
	size_t i;
	for (i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s)) {
			free(s);
			return;
		}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = s;
}

char **principal_expand(const struct authz_engine *e, const char *value, size_t *n)
{
	const char *slash = strchr(value, '/');
	char **out = NULL;
	size_t parts = 1, i;
	const char *p;
	char *td;

	*n = 0;
	for (p = value; *p; p++)
		parts += *p == '/';
	if (parts != 5 || !strncmp(value, "*/", 2)) {
		strv_push_unique(&out, n, xstrdup(value));
		return out;
	}
	td = xstrndup(value, (size_t)(slash - value));
	if (!td_in_bundle(e, td) && strcmp(td, "cluster.local")) {
		strv_push_unique(&out, n, xstrdup(value));
	} else {
		for (i = 0; i < e->nbundle; i++)
			strv_push_unique(&out, n, td_suffix_match(e->bundle[i], td) ?
				xstrdup(value) : xasprintf("%s%s", e->bundle[i], slash));
	}
	free(td);
	return out;
}

/* --- values --- */

static void principal_value(struct cctx *c, struct value *v, const char *raw)
{
	size_t n, i;
	char **vals = principal_expand(c->e, raw, &n);

	for (i = 0; i < n; i++) {
		const char *s = vals[i];
		size_t len = strlen(s);
		char *san;
		if (!len) {
			value_add_atom(v, engine_atom(c->e, AT_EXACT, "spiffe://", NULL));
		} else if (!strcmp(s, "*")) {
			value_add_atom(v, engine_atom(c->e, AT_ANY, "", NULL));
		} else if (s[0] == '*') {
			value_add_atom(v, engine_atom(c->e, AT_SUFFIX, s + 1, NULL));
		} else if (s[len - 1] == '*') {
			san = xasprintf("spiffe://%.*s", (int)(len - 1), s);
			value_add_atom(v, engine_atom(c->e, AT_PREFIX, san, NULL));
			free(san);
		} else {
			san = xasprintf("spiffe://%s", s);
			value_add_atom(v, engine_atom(c->e, AT_EXACT, san, NULL));
			free(san);
		}
		free(vals[i]);
	}
	free(vals);
}

static void namespace_value(struct cctx *c, struct value *v, const char *raw)
{
	char *glob = xasprintf("*/ns/%s/*", raw);
	value_add_atom(v, engine_atom(c->e, AT_NAMESPACE, glob, NULL));
	free(glob);
}

static void sa_value(struct cctx *c, struct value *v, const char *raw)
{
	const char *slash = strchr(raw, '/');
	char *ns = slash ? xstrndup(raw, (size_t)(slash - raw)) : xstrdup(c->p->ns);
	const char *sa = slash ? slash + 1 : raw;

	if (strchr(raw, '*'))
		problem(c, "name the service account exactly, or use namespaces or principals",
			"serviceAccounts value \"%s\" may not hold \"*\"", raw);
	if (slash && strchr(sa, '/'))
		problem(c, "write NAMESPACE/NAME or NAME", "serviceAccounts value \"%s\" has more than one \"/\"",
			raw);
	value_add_atom(v, engine_atom(c->e, AT_SA, ns, sa));
	free(ns);
}

static void td_one(struct cctx *c, struct value *v, const char *td)
{
	size_t len = strlen(td);
	if (!len)
		value_add_atom(v, engine_atom(c->e, AT_TD, td, NULL));
	else if (!strcmp(td, "*"))
		value_add_atom(v, engine_atom(c->e, AT_PREFIX, "spiffe://", NULL));
	else if (td[0] == '*')
		value_add_atom(v, engine_atom(c->e, AT_TD_GLOB, "", td + 1));
	else if (td[len - 1] == '*') {
		char *pre = xstrndup(td, len - 1);
		value_add_atom(v, engine_atom(c->e, AT_TD_GLOB, pre, ""));
		free(pre);
	} else {
		value_add_atom(v, engine_atom(c->e, AT_TD, td, NULL));
	}
}

static void td_value(struct cctx *c, struct value *v, const char *raw)
{
	size_t i, stars = 0;
	const char *p;

	for (p = raw; *p; p++)
		stars += *p == '*';
	if (strchr(raw, '/') || stars > 1 || (stars == 1 && raw[0] != '*' && !ends_with(raw, "*")))
		problem(c, "write a trust domain, optionally with one leading or trailing \"*\"",
			"trustDomains value \"%s\" is not a trust domain pattern", raw);
	for (i = 0; i < c->e->nbundle; i++)
		if (!strcmp(raw, c->e->bundle[i]))
			break;
	if (i == c->e->nbundle) {
		td_one(c, v, raw);
		return;
	}
	for (i = 0; i < c->e->nbundle; i++)
		td_one(c, v, c->e->bundle[i]);
}

/* §5.5: split at the last "/"; each side is matched on its own. */
static void request_principal_value(struct value *v, const char *raw)
{
	const char *slash = strrchr(raw, '/');
	char *iss;

	if (!strcmp(raw, "*")) {
		strm_compile(&v->m, "*", STYLE_REGEX);
		strm_compile(&v->m2, "*", STYLE_REGEX);
	} else if (slash) {
		iss = xstrndup(raw, (size_t)(slash - raw));
		strm_compile(&v->m, iss, STYLE_REGEX);
		strm_compile(&v->m2, slash + 1, STYLE_REGEX);
		free(iss);
	} else if (raw[0] == '*') {
		strm_compile(&v->m, "*", STYLE_REGEX);
		strm_compile(&v->m2, raw, STYLE_REGEX);
	} else if (ends_with(raw, "*")) {
		strm_compile(&v->m, raw, STYLE_REGEX);
		strm_compile(&v->m2, "*", STYLE_REGEX);
	} else {
		strm_compile(&v->m, raw, STYLE_REGEX);
		v->m2.kind = SM_EXACT;
		v->m2.s = xstrdup("");
	}
}

static void port_value(struct cctx *c, struct value *v, const char *raw)
{
	char *end;
	long n = -1;

	if (isdigit((unsigned char)raw[0]))
		n = strtol(raw, &end, 10);
	if (n < 0 || *end || n > 65535) {
		untranslatable(c, "\"%s\" is not a port number (0-65535)", raw);
		n = -1;
	}
	v->port = n;
}

static void ip_value(struct cctx *c, struct value *v, const char *raw)
{
	if (cidr_parse(&v->ip, raw)) {
		memset(&v->ip, 0, sizeof(v->ip));
		untranslatable(c, "\"%s\" is not an IP address or CIDR", raw);
	}
}

static void path_value(struct cctx *c, struct value *v, const char *raw)
{
	struct strbuf why = STRBUF_INIT;
	strm_compile(&v->m, raw, STYLE_PATH);
	if (v->m.kind == SM_TEMPLATE && !path_template_valid(raw, &why))
		untranslatable(c, "invalid path template \"%s\": %s", raw, why.buf);
	strbuf_release(&why);
}

static void value_compile(struct cctx *c, const struct field *f, struct value *v, const char *raw)
{
	v->raw = xstrdup(raw);
	v->port = -1;
	if (!*raw)
		problem(c, "remove the empty string", "empty string");
	switch (f->attr) {
	case A_PRINCIPAL:
		principal_value(c, v, raw);
		break;
	case A_NAMESPACE:
		namespace_value(c, v, raw);
		break;
	case A_SERVICE_ACCOUNT:
		sa_value(c, v, raw);
		break;
	case A_TRUST_DOMAIN:
		td_value(c, v, raw);
		break;
	case A_REQ_PRINCIPAL:
		request_principal_value(v, raw);
		break;
	case A_SOURCE_IP:
	case A_REMOTE_IP:
	case A_DEST_IP:
		ip_value(c, v, raw);
		break;
	case A_PORT:
		port_value(c, v, raw);
		break;
	case A_PATH:
		path_value(c, v, raw);
		break;
	case A_HOST:
		strm_compile(&v->m, raw, STYLE_HOST);
		break;
	case A_METHOD:
	case A_HEADER:
		strm_compile(&v->m, raw, STYLE_PRESENT);
		break;
	case A_AUDIENCES:
	case A_PRESENTER:
	case A_CLAIM:
	case A_SNI:
	case A_METADATA:
		strm_compile(&v->m, raw, STYLE_REGEX);
		break;
	}
}

static int attr_http_only(enum attr a)
{
	switch (a) {
	case A_REQ_PRINCIPAL:
	case A_AUDIENCES:
	case A_PRESENTER:
	case A_CLAIM:
	case A_HOST:
	case A_METHOD:
	case A_PATH:
	case A_HEADER:
		return 1;
	default:
		return 0;
	}
}

/* A list of strings at json v, or a structural error.  Returns 1 when usable. */
static int string_list(struct cctx *c, json_t *v)
{
	json_t *e;
	size_t i;

	if (!json_is_array(v)) {
		set_broken(c, "expected a list of strings");
		return 0;
	}
	json_array_foreach(v, i, e)
		if (!json_is_string(e)) {
			set_broken(c, "item %zu: expected a string", i);
			return 0;
		}
	return 1;
}

static struct field *clause_add(struct clause *cl)
{
	cl->f = xreallocarray(cl->f, cl->nf + 1, sizeof(*cl->f));
	memset(&cl->f[cl->nf], 0, sizeof(cl->f[0]));
	return &cl->f[cl->nf++];
}

/* Fill f from the string list values; the caller has set attr, negated and key. */
static void field_fill(struct cctx *c, struct field *f, json_t *values)
{
	json_t *e;
	size_t i;

	f->name = xstrdup(c->loc.buf);
	f->http_only = attr_http_only(f->attr);
	f->nv = json_array_size(values);
	f->v = xcalloc(f->nv ? f->nv : 1, sizeof(*f->v));
	json_array_foreach(values, i, e)
		value_compile(c, f, &f->v[i], json_string_value(e));
	if (f->http_only)
		c->r->http_only = 1;
}

struct field_def {
	const char *name;
	enum attr attr;
	int negated;
};

static const struct field_def source_fields[] = {
	{ "principals", A_PRINCIPAL, 0 },
	{ "notPrincipals", A_PRINCIPAL, 1 },
	{ "requestPrincipals", A_REQ_PRINCIPAL, 0 },
	{ "notRequestPrincipals", A_REQ_PRINCIPAL, 1 },
	{ "namespaces", A_NAMESPACE, 0 },
	{ "notNamespaces", A_NAMESPACE, 1 },
	{ "serviceAccounts", A_SERVICE_ACCOUNT, 0 },
	{ "notServiceAccounts", A_SERVICE_ACCOUNT, 1 },
	{ "trustDomains", A_TRUST_DOMAIN, 0 },
	{ "notTrustDomains", A_TRUST_DOMAIN, 1 },
	{ "ipBlocks", A_SOURCE_IP, 0 },
	{ "notIpBlocks", A_SOURCE_IP, 1 },
	{ "remoteIpBlocks", A_REMOTE_IP, 0 },
	{ "notRemoteIpBlocks", A_REMOTE_IP, 1 },
	{ NULL, 0, 0 }
};

static const struct field_def operation_fields[] = {
	{ "hosts", A_HOST, 0 },
	{ "notHosts", A_HOST, 1 },
	{ "ports", A_PORT, 0 },
	{ "notPorts", A_PORT, 1 },
	{ "methods", A_METHOD, 0 },
	{ "notMethods", A_METHOD, 1 },
	{ "paths", A_PATH, 0 },
	{ "notPaths", A_PATH, 1 },
	{ NULL, 0, 0 }
};

static int known_field(const struct field_def *defs, const char *key)
{
	for (; defs->name; defs++)
		if (!strcmp(defs->name, key))
			return 1;
	return 0;
}

/* One source or operation object into clause cl. */
static void compile_clause(struct cctx *c, json_t *obj, const struct field_def *defs,
			   struct clause *cl)
{
	const char *key;
	json_t *v;
	size_t old;

	json_object_foreach(obj, key, v)
		if (!known_field(defs, key)) {
			old = loc_push(c, ".%s", key);
			problem(c, "remove it; the API server drops unknown fields", "unknown field");
			strbuf_setlen(&c->loc, old);
		}
	for (; defs->name; defs++) {
		struct field *f;
		v = json_object_get(obj, defs->name);
		if (!v || json_is_null(v))
			continue;
		old = loc_push(c, ".%s", defs->name);
		if (string_list(c, v)) {
			if (!json_array_size(v))
				problem(c, "remove the empty list", "empty list");
			f = clause_add(cl);
			f->attr = defs->attr;
			f->negated = defs->negated;
			field_fill(c, f, v);
		}
		strbuf_setlen(&c->loc, old);
	}
	if (!cl->nf && !c->p->broken)
		problem(c, "remove the empty entry, or give it at least one field", "empty %s",
			defs == source_fields ? "source" : "operation");
}

static int has_field(const struct clause *cl, enum attr a)
{
	size_t i;
	for (i = 0; i < cl->nf; i++)
		if (cl->f[i].attr == a)
			return 1;
	return 0;
}

/* from: [{source: {...}}] or to: [{operation: {...}}]. */
static void compile_list(struct cctx *c, json_t *list, const char *what, const char *inner,
			 const struct field_def *defs, struct clause **out, size_t *n)
{
	json_t *e;
	size_t i, old;

	if (!json_is_array(list)) {
		old = loc_push(c, ".%s", what);
		set_broken(c, "expected a list");
		strbuf_setlen(&c->loc, old);
		return;
	}
	*out = xcalloc(json_array_size(list) + 1, sizeof(**out));
	json_array_foreach(list, i, e) {
		json_t *body = json_object_get(e, inner);
		old = loc_push(c, ".%s[%zu]", what, i);
		if (!json_is_object(e) || (body && !json_is_object(body))) {
			set_broken(c, "expected {%s: {...}}", inner);
		} else if (!body) {
			problem(c, "add the missing key", "no %s", inner);
		} else {
			loc_push(c, ".%s", inner);
			compile_clause(c, body, defs, &(*out)[*n]);
			if (defs == source_fields && has_field(&(*out)[*n], A_SERVICE_ACCOUNT) &&
			    (has_field(&(*out)[*n], A_PRINCIPAL) || has_field(&(*out)[*n], A_NAMESPACE)))
				problem(c, "split the source in two: serviceAccounts alone, principals or namespaces in the other",
					"serviceAccounts cannot be combined with principals or namespaces");
			(*n)++;
		}
		strbuf_setlen(&c->loc, old);
	}
	if (!json_array_size(list)) {
		old = loc_push(c, ".%s", what);
		problem(c, "remove the empty list", "empty list");
		strbuf_setlen(&c->loc, old);
	}
}

struct when_key {
	const char *key;
	enum attr attr;
};

static const struct when_key when_keys[] = {
	{ "source.ip", A_SOURCE_IP },
	{ "remote.ip", A_REMOTE_IP },
	{ "source.namespace", A_NAMESPACE },
	{ "source.principal", A_PRINCIPAL },
	{ "source.serviceAccount", A_SERVICE_ACCOUNT },
	{ "source.trustDomain", A_TRUST_DOMAIN },
	{ "request.auth.principal", A_REQ_PRINCIPAL },
	{ "request.auth.audiences", A_AUDIENCES },
	{ "request.auth.presenter", A_PRESENTER },
	{ "destination.ip", A_DEST_IP },
	{ "destination.port", A_PORT },
	{ "connection.sni", A_SNI },
};

static void path_push(struct field *f, const char *s, size_t n)
{
	f->path = xreallocarray(f->path, f->npath + 1, sizeof(*f->path));
	f->path[f->npath++] = xstrndup(s, n);
}

/* "[a][b]" after request.auth.claims: nested; anything else is one name (§10). */
static int claim_path(struct field *f, const char *rest)
{
	size_t len = strlen(rest);
	const char *p;

	if (len < 3 || rest[0] != '[' || rest[len - 1] != ']')
		return -1;
	for (p = rest; *p == '['; ) {
		const char *close = strchr(p, ']');
		if (!close || close == p + 1 || memchr(p + 1, '[', (size_t)(close - p - 1)))
			break;
		path_push(f, p + 1, (size_t)(close - p - 1));
		p = close + 1;
	}
	if (*p) {
		size_t i;
		for (i = 0; i < f->npath; i++)
			free(f->path[i]);
		f->npath = 0;
		path_push(f, rest + 1, len - 2);
	}
	return 0;
}

/* Set attr and key of f from a when key; -1 when istiod does not know it. */
static int when_attr(struct field *f, const char *key)
{
	const char *rest;
	size_t i, len;

	for (i = 0; i < ARRAY_SIZE(when_keys); i++)
		if (!strcmp(key, when_keys[i].key)) {
			f->attr = when_keys[i].attr;
			return 0;
		}
	if (skip_prefix(key, "request.headers[", &rest)) {
		len = strlen(rest);
		if (len < 2 || rest[len - 1] != ']')
			return -1;
		f->attr = A_HEADER;
		f->key = xstrndup(rest, len - 1);
		for (i = 0; f->key[i]; i++)
			f->key[i] = (char)tolower((unsigned char)f->key[i]);
		return 0;
	}
	if (skip_prefix(key, "request.auth.claims", &rest)) {
		f->attr = A_CLAIM;
		return claim_path(f, rest);
	}
	if (skip_prefix(key, "experimental.envoy.filters.", &rest)) {
		const char *open = strchr(rest, '[');
		len = strlen(rest);
		if (!open || open == rest || len < 3 || rest[len - 1] != ']' || open + 1 == rest + len - 1)
			return -1;
		f->attr = A_METADATA;
		f->key = xasprintf("envoy.filters.%.*s", (int)(open - rest), rest);
		path_push(f, open + 1, (size_t)(rest + len - 1 - open - 1));
		return 0;
	}
	return -1;
}

static void compile_condition(struct cctx *c, json_t *cond, struct rule *r)
{
	const char *key = json_string_value(json_object_get(cond, "key"));
	static const char *const lists[] = { "values", "notValues" };
	struct clause tmp = { NULL, 0 };
	size_t k, i;

	if (!json_is_object(cond) || !key) {
		set_broken(c, "expected {key: ..., values: [...]}");
		return;
	}
	for (k = 0; k < ARRAY_SIZE(lists); k++) {
		json_t *vals = json_object_get(cond, lists[k]);
		size_t old;
		struct field *f;
		if (!vals || json_is_null(vals))
			continue;
		old = loc_push(c, ".%s", lists[k]);
		if (string_list(c, vals)) {
			f = clause_add(&tmp);
			f->negated = (int)k;
			if (when_attr(f, key))
				untranslatable(c, "unknown condition key \"%s\"", key);
			field_fill(c, f, vals);
		}
		strbuf_setlen(&c->loc, old);
	}
	if (!tmp.nf && !c->p->broken)
		problem(c, "give values or notValues", "condition \"%s\" has neither values nor notValues",
			key);
	r->when = xreallocarray(r->when, r->nwhen + tmp.nf + 1, sizeof(*r->when));
	for (i = 0; i < tmp.nf; i++)
		r->when[r->nwhen++] = tmp.f[i];
	free(tmp.f);
}

static void compile_rule(struct cctx *c, json_t *obj, struct rule *r)
{
	json_t *from = json_object_get(obj, "from");
	json_t *to = json_object_get(obj, "to");
	json_t *when = json_object_get(obj, "when"), *cond;
	size_t i, old;

	c->r = r;
	if (json_is_null(obj)) {
		r->null_rule = 1;
		problem(c, "remove the null entry", "null rule");
		return;
	}
	if (!json_is_object(obj)) {
		set_broken(c, "expected an object");
		return;
	}
	/* An empty from/to list decodes as absent (§3.6, open question). */
	if (from && !json_is_null(from)) {
		compile_list(c, from, "from", "source", source_fields, &r->from, &r->nfrom);
		r->has_from = json_array_size(from) > 0;
	}
	if (to && !json_is_null(to)) {
		compile_list(c, to, "to", "operation", operation_fields, &r->to, &r->nto);
		r->has_to = json_array_size(to) > 0;
	}
	if (!when || json_is_null(when))
		return;
	if (!json_is_array(when)) {
		old = loc_push(c, ".when");
		set_broken(c, "expected a list");
		strbuf_setlen(&c->loc, old);
		return;
	}
	json_array_foreach(when, i, cond) {
		old = loc_push(c, ".when[%zu]", i);
		compile_condition(c, cond, r);
		strbuf_setlen(&c->loc, old);
	}
}

static const char *const action_names[ACT__COUNT] = { "ALLOW", "DENY", "AUDIT", "CUSTOM" };

static void compile_action(struct cctx *c, json_t *spec)
{
	json_t *a = json_object_get(spec, "action");
	json_t *prov = json_object_get(spec, "provider");
	int k;

	c->p->action = ACT_ALLOW;
	if (a && !json_is_null(a)) {
		c->p->action_text = xstrdup_or_null(json_string_value(a));
		for (k = 0; k < ACT__COUNT; k++)
			if (json_is_string(a) && !strcmp(json_string_value(a), action_names[k]))
				c->p->action = (enum authz_action)k;
		if (!c->p->action_text || (strcmp(c->p->action_text, "ALLOW") &&
					   c->p->action == ACT_ALLOW)) {
			loc_push(c, "spec.action");
			set_broken(c, "must be one of ALLOW, DENY, AUDIT, CUSTOM");
			strbuf_reset(&c->loc);
		}
	}
	if (prov && !json_is_null(prov)) {
		if (!json_is_object(prov) || !json_is_string(json_object_get(prov, "name"))) {
			loc_push(c, "spec.provider");
			set_broken(c, "expected {name: ...}");
			strbuf_reset(&c->loc);
		} else {
			c->p->provider = xstrdup(json_string_value(json_object_get(prov, "name")));
		}
	}
}

/* selector / targetRef / targetRefs, shared with RequestAuthentication. */
static const char *compile_selection(json_t *spec, json_t **match_labels, int *has_selector,
				     int *has_target_ref, json_t **target_refs)
{
	json_t *sel = json_object_get(spec, "selector");
	json_t *ref = json_object_get(spec, "targetRef");
	json_t *refs = json_object_get(spec, "targetRefs");
	const char *key;
	json_t *v;

	if (sel && !json_is_null(sel)) {
		json_t *ml = json_object_get(sel, "matchLabels");
		if (!json_is_object(sel) || (ml && !json_is_null(ml) && !json_is_object(ml)))
			return "spec.selector: expected {matchLabels: {...}}";
		json_object_foreach(ml, key, v)
			if (!json_is_string(v))
				return "spec.selector.matchLabels: expected string values";
		*has_selector = 1;
		*match_labels = json_is_object(ml) ? ml : NULL;
	}
	*target_refs = json_array();
	if (ref && !json_is_null(ref)) {
		if (!json_is_object(ref))
			return "spec.targetRef: expected an object";
		json_array_append(*target_refs, ref);
	}
	if (refs && !json_is_null(refs)) {
		size_t i;
		if (!json_is_array(refs))
			return "spec.targetRefs: expected a list";
		json_array_foreach(refs, i, v)
			json_array_append(*target_refs, v);
	}
	*has_target_ref = json_array_size(*target_refs) > 0;
	return NULL;
}

static void compile_annotations(struct cctx *c)
{
	const char *dr = obj_annotation(c->p->obj, "istio.io/dry-run");
	int b;

	if (!dr)
		return;
	b = parse_go_bool(dr);
	if (b < 0) {
		c->p->dry_run_bad = xstrdup(dr);
		problem(c, "use \"true\" or \"false\"",
			"annotation istio.io/dry-run: \"%s\" is not a boolean; the policy is enforced", dr);
	} else if (c->p->action == ACT_ALLOW || c->p->action == ACT_DENY) {
		c->p->dry_run = b;
	} else if (b) {
		problem(c, "remove the annotation", "annotation istio.io/dry-run is only allowed on ALLOW and DENY policies");
	}
}

static int identity_field(const struct field *f)
{
	return ATTR_IS_PEER(f->attr) || (f->attr >= A_REQ_PRINCIPAL && f->attr <= A_CLAIM);
}

/* §9.1: CUSTOM rules run before mTLS identities and JWTs are checked. */
static void check_custom_fields(struct cctx *c)
{
	size_t i, j, k;

	for (i = 0; i < c->p->nrules; i++) {
		const struct rule *r = &c->p->rules[i];
		const struct field *bad = NULL;
		for (j = 0; j < r->nfrom && !bad; j++)
			for (k = 0; k < r->from[j].nf && !bad; k++)
				if (identity_field(&r->from[j].f[k]))
					bad = &r->from[j].f[k];
		for (j = 0; j < r->nwhen && !bad; j++)
			if (identity_field(&r->when[j]))
				bad = &r->when[j];
		if (bad)
			problem(c, "move identity and JWT conditions to ALLOW or DENY policies",
				"%s: a CUSTOM policy may not use identity or JWT fields", bad->name);
	}
}

static void check_selector(struct cctx *c)
{
	const char *key;
	json_t *v;

	json_object_foreach(c->p->match_labels, key, v)
		if (!*key || strchr(key, '*') || strchr(json_string_value(v), '*'))
			problem(c, "name the labels exactly", "spec.selector.matchLabels: \"%s: %s\": no wildcards and no empty keys",
				key, json_string_value(v));
}

static void compile_checks(struct cctx *c)
{
	struct policy *p = c->p;

	check_selector(c);
	if (p->action == ACT_CUSTOM)
		check_custom_fields(c);
	if (p->has_selector && p->has_target_ref)
		problem(c, "keep either the selector or the targetRefs", "selector and targetRefs are both set");
	if ((p->action == ACT_DENY || p->action == ACT_CUSTOM) && !p->rules_present)
		problem(c, "add rules: [{}] to match every request",
			"a %s policy without rules is meaningless (it never matches)", action_names[p->action]);
	if (p->action == ACT_CUSTOM && !p->provider)
		problem(c, "name an extension provider of the mesh config", "a CUSTOM policy needs provider.name");
	if (p->action != ACT_CUSTOM && p->provider)
		problem(c, "remove provider or use action CUSTOM", "provider is only allowed with action CUSTOM");
}

void policy_compile(struct authz_engine *e, struct policy *p, json_t *obj)
{
	struct cctx c = { e, p, NULL, STRBUF_INIT };
	json_t *spec = json_object_get(obj, "spec"), *rules, *r;
	const char *why;
	size_t i;

	p->obj = obj;
	p->ns = xstrdup(obj_namespace(obj) ? obj_namespace(obj) : "");
	p->name = xstrdup(obj_name(obj));
	p->id = xasprintf("%s/%s", p->ns, p->name);
	p->created = obj_created(obj);
	p->problems = json_array();
	if (spec && !json_is_null(spec) && !json_is_object(spec)) {
		loc_push(&c, "spec");
		set_broken(&c, "expected an object");
		goto out;
	}
	compile_action(&c, spec);
	why = compile_selection(spec, &p->match_labels, &p->has_selector, &p->has_target_ref,
				&p->target_refs);
	if (why && !p->broken)
		p->broken = xasprintf("AuthorizationPolicy %s: %s", p->id, why);
	compile_annotations(&c);
	rules = json_object_get(spec, "rules");
	if (rules && !json_is_null(rules)) {
		p->rules_present = 1;
		if (!json_is_array(rules)) {
			loc_push(&c, "spec.rules");
			set_broken(&c, "expected a list");
			goto out;
		}
		p->nrules = json_array_size(rules);
		p->rules = xcalloc(p->nrules + 1, sizeof(*p->rules));
		json_array_foreach(rules, i, r) {
			strbuf_reset(&c.loc);
			loc_push(&c, "spec.rules[%zu]", i);
			compile_rule(&c, r, &p->rules[i]);
		}
		strbuf_reset(&c.loc);
	}
	compile_checks(&c);
out:
	strbuf_release(&c.loc);
}

static void field_release(struct field *f)
{
	size_t i;
	for (i = 0; i < f->nv; i++) {
		free(f->v[i].raw);
		strm_release(&f->v[i].m);
		strm_release(&f->v[i].m2);
		free(f->v[i].atoms);
	}
	for (i = 0; i < f->npath; i++)
		free(f->path[i]);
	free(f->path);
	free(f->v);
	free(f->name);
	free(f->key);
}

static void clauses_release(struct clause *cl, size_t n)
{
	size_t i, j;
	for (i = 0; i < n; i++) {
		for (j = 0; j < cl[i].nf; j++)
			field_release(&cl[i].f[j]);
		free(cl[i].f);
	}
	free(cl);
}

void policy_release(struct policy *p)
{
	size_t i, j;
	for (i = 0; i < p->nrules; i++) {
		struct rule *r = &p->rules[i];
		clauses_release(r->from, r->nfrom);
		clauses_release(r->to, r->nto);
		for (j = 0; j < r->nwhen; j++)
			field_release(&r->when[j]);
		free(r->when);
		free(r->untranslatable);
	}
	free(p->rules);
	free(p->ns);
	free(p->name);
	free(p->id);
	free(p->action_text);
	free(p->dry_run_bad);
	free(p->provider);
	free(p->broken);
	json_decref(p->target_refs);
	json_decref(p->problems);
}

/* --- RequestAuthentication --- */

static char **strings_of(json_t *list, size_t *n)
{
	char **out = xcalloc(json_array_size(list) + 1, sizeof(*out));
	json_t *e;
	size_t i;

	*n = 0;
	json_array_foreach(list, i, e)
		if (json_is_string(e))
			out[(*n)++] = xstrdup(json_string_value(e));
	return out;
}

static int jwt_rule_compile(struct jwt_rule *jr, json_t *obj)
{
	static const char *const locations[] = { "fromHeaders", "fromParams", "fromCookies" };
	json_t *iss = json_object_get(obj, "issuer");
	size_t i;

	if (!json_is_object(obj) || !json_is_string(iss))
		return -1;
	jr->issuer = xstrdup(json_string_value(iss));
	jr->audiences = strings_of(json_object_get(obj, "audiences"), &jr->naud);
	jr->space_delimited = strings_of(json_object_get(obj, "spaceDelimitedClaims"), &jr->nspace);
	jr->default_location = 1;
	for (i = 0; i < ARRAY_SIZE(locations); i++)
		if (json_array_size(json_object_get(obj, locations[i])))
			jr->default_location = 0;
	return 0;
}

void reqauthn_compile(struct reqauthn *ra, json_t *obj)
{
	json_t *spec = json_object_get(obj, "spec");
	json_t *rules = json_object_get(spec, "jwtRules"), *r;
	const char *why;
	size_t i;

	ra->obj = obj;
	ra->ns = xstrdup(obj_namespace(obj) ? obj_namespace(obj) : "");
	ra->name = xstrdup(obj_name(obj));
	ra->id = xasprintf("%s/%s", ra->ns, ra->name);
	if (spec && !json_is_null(spec) && !json_is_object(spec)) {
		ra->broken = xasprintf("RequestAuthentication %s: spec: expected an object", ra->id);
		return;
	}
	why = compile_selection(spec, &ra->match_labels, &ra->has_selector, &ra->has_target_ref,
				&ra->target_refs);
	if (why) {
		ra->broken = xasprintf("RequestAuthentication %s: %s", ra->id, why);
		return;
	}
	if (rules && !json_is_null(rules) && !json_is_array(rules)) {
		ra->broken = xasprintf("RequestAuthentication %s: spec.jwtRules: expected a list", ra->id);
		return;
	}
	ra->rules = xcalloc(json_array_size(rules) + 1, sizeof(*ra->rules));
	json_array_foreach(rules, i, r) {
		if (jwt_rule_compile(&ra->rules[ra->nrules], r)) {
			ra->broken = xasprintf("RequestAuthentication %s: spec.jwtRules[%zu]: expected {issuer: ...}",
					       ra->id, i);
			return;
		}
		ra->nrules++;
	}
}

static void strv_release(char **v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void reqauthn_release(struct reqauthn *ra)
{
	size_t i;
	for (i = 0; i < ra->nrules; i++) {
		free(ra->rules[i].issuer);
		strv_release(ra->rules[i].audiences, ra->rules[i].naud);
		strv_release(ra->rules[i].space_delimited, ra->rules[i].nspace);
	}
	free(ra->rules);
	free(ra->ns);
	free(ra->name);
	free(ra->id);
	free(ra->broken);
	json_decref(ra->target_refs);
}
