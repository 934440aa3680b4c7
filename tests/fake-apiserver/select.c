/* SPDX-License-Identifier: Apache-2.0 */
/* labelSelector and fieldSelector query parameters, parsed and matched. */
#include <string.h>

#include "fake.h"
#include "xalloc.h"

enum op { OP_EQ, OP_NE, OP_IN, OP_NOTIN, OP_EXISTS, OP_NOTEXISTS };

struct requirement {
	char *key;
	enum op op;
	char **values;
	size_t nr_values, alloc_values;
};

struct selector {
	struct requirement *reqs;
	size_t nr, alloc;
};

void selector_free(struct selector *sel)
{
	size_t i, j;

	if (!sel)
		return;
	for (i = 0; i < sel->nr; i++) {
		free(sel->reqs[i].key);
		for (j = 0; j < sel->reqs[i].nr_values; j++)
			free(sel->reqs[i].values[j]);
		free(sel->reqs[i].values);
	}
	free(sel->reqs);
	free(sel);
}

static struct requirement *add_req(struct selector *sel, const char *key,
				   size_t len, enum op op)
{
	struct requirement *r;

	ALLOC_GROW(sel->reqs, sel->nr + 1, sel->alloc);
	r = &sel->reqs[sel->nr++];
	memset(r, 0, sizeof(*r));
	r->key = xstrndup(key, len);
	r->op = op;
	return r;
}

static void add_value(struct requirement *r, const char *v, size_t len)
{
	ALLOC_GROW(r->values, r->nr_values + 1, r->alloc_values);
	r->values[r->nr_values++] = xstrndup(v, len);
}

/* ---- label selector lexer ---- */

static void skip_spaces(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* Length of the identifier or value at p. */
static size_t word_len(const char *p)
{
	return strcspn(p, " \t,=!()");
}

static int keyword(const char **p, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(*p, word, n) || !strchr(" \t(", (*p)[n]) || !(*p)[n])
		return 0;
	*p += n;
	return 1;
}

static int parse_set(const char **p, struct requirement *r, struct strbuf *err)
{
	skip_spaces(p);
	if (**p != '(') {
		strbuf_addf(err, "unable to parse requirement: found '%s', expected: '('", *p);
		return -1;
	}
	(*p)++;
	for (;;) {
		size_t n;

		skip_spaces(p);
		n = word_len(*p);
		add_value(r, *p, n);
		*p += n;
		skip_spaces(p);
		if (**p == ')') {
			(*p)++;
			return 0;
		}
		if (**p != ',') {
			strbuf_addf(err, "unable to parse requirement: found '%s', "
				    "expected: ',', ')' or identifier", *p);
			return -1;
		}
		(*p)++;
	}
}

static int parse_requirement(const char **p, struct selector *sel, struct strbuf *err)
{
	struct requirement *r;
	const char *key;
	size_t n;
	int negate;

	skip_spaces(p);
	negate = **p == '!';
	if (negate)
		(*p)++;
	skip_spaces(p);
	key = *p;
	n = word_len(key);
	if (!n) {
		strbuf_addf(err, "unable to parse requirement: found '%s', expected: identifier", *p);
		return -1;
	}
	*p += n;
	skip_spaces(p);
	if (negate || !**p || **p == ',') {
		add_req(sel, key, n, negate ? OP_NOTEXISTS : OP_EXISTS);
		return 0;
	}
	if (keyword(p, "in"))
		return parse_set(p, add_req(sel, key, n, OP_IN), err);
	if (keyword(p, "notin"))
		return parse_set(p, add_req(sel, key, n, OP_NOTIN), err);
	if (!strncmp(*p, "==", 2) || !strncmp(*p, "!=", 2)) {
		r = add_req(sel, key, n, **p == '!' ? OP_NE : OP_EQ);
		*p += 2;
	} else if (**p == '=') {
		r = add_req(sel, key, n, OP_EQ);
		*p += 1;
	} else {
		strbuf_addf(err, "unable to parse requirement: found '%s', expected: in, notin, =, ==, !=", *p);
		return -1;
	}
	skip_spaces(p);
	n = word_len(*p);
	add_value(r, *p, n);
	*p += n;
	return 0;
}

int label_selector_parse(const char *text, struct selector **out, struct strbuf *err)
{
	struct selector *sel;
	const char *p = text;

	*out = NULL;
	if (!text || !*text)
		return 0;
	sel = xcalloc(1, sizeof(*sel));
	for (;;) {
		if (parse_requirement(&p, sel, err) < 0)
			goto fail;
		skip_spaces(&p);
		if (!*p)
			break;
		if (*p != ',') {
			strbuf_addf(err, "unable to parse requirement: found '%s', expected: ','", p);
			goto fail;
		}
		p++;
	}
	*out = sel;
	return 0;
fail:
	selector_free(sel);
	return -1;
}

/* ---- field selector ---- */

static const struct {
	const char *resource;
	const char *fields;
} field_sets[] = {
	{ "pods", " spec.nodeName spec.restartPolicy spec.schedulerName "
		  "spec.serviceAccountName spec.hostNetwork status.phase "
		  "status.podIP status.nominatedNodeName " },
	{ "namespaces", " status.phase " },
	{ "secrets", " type " },
	{ "nodes", " spec.unschedulable " },
};

static int field_supported(const struct resource_def *res, const char *key, size_t len)
{
	char *padded = xasprintf(" %.*s ", (int)len, key);
	int ok = 0;
	size_t i;

	if (!strcmp(padded, " metadata.name ") || !strcmp(padded, " metadata.namespace "))
		ok = 1;
	for (i = 0; !ok && i < ARRAY_SIZE(field_sets); i++)
		ok = !strcmp(field_sets[i].resource, res->resource) &&
		     strstr(field_sets[i].fields, padded);
	free(padded);
	return ok;
}

static int parse_field_term(const char *term, size_t len,
			    const struct resource_def *res,
			    struct selector *sel, struct strbuf *err)
{
	const char *op = memchr(term, '=', len);
	struct requirement *r;
	size_t klen;
	enum op kind = OP_EQ;

	if (!op) {
		strbuf_addf(err, "invalid selector: '%.*s'; can't understand '%.*s'",
			    (int)len, term, (int)len, term);
		return -1;
	}
	klen = (size_t)(op - term);
	if (klen && term[klen - 1] == '!') {
		kind = OP_NE;
		klen--;
	}
	if (!field_supported(res, term, klen)) {
		strbuf_addf(err, "field label not supported: %.*s", (int)klen, term);
		return -1;
	}
	r = add_req(sel, term, klen, kind);
	op += (op + 1 < term + len && op[1] == '=') ? 2 : 1;
	add_value(r, op, (size_t)(term + len - op));
	return 0;
}

int field_selector_parse(const char *text, const struct resource_def *res,
			 struct selector **out, struct strbuf *err)
{
	struct selector *sel;
	const char *p = text;

	*out = NULL;
	if (!text || !*text)
		return 0;
	sel = xcalloc(1, sizeof(*sel));
	while (*p) {
		size_t len = strcspn(p, ",");

		if (len && parse_field_term(p, len, res, sel, err) < 0) {
			selector_free(sel);
			return -1;
		}
		p += len;
		if (*p)
			p++;
	}
	*out = sel;
	return 0;
}

/* ---- matching ---- */

/* The value at a dotted path as text; "" when absent. */
static char *field_value(json_t *obj, const char *path)
{
	json_t *v = obj;
	const char *p = path;

	while (v && *p) {
		size_t n = strcspn(p, ".");
		char *k = xstrndup(p, n);

		v = json_object_get(v, k);
		free(k);
		p += n;
		if (*p)
			p++;
	}
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	return xstrdup("");
}

static int in_values(const struct requirement *r, const char *v)
{
	size_t i;

	for (i = 0; i < r->nr_values; i++)
		if (!strcmp(r->values[i], v))
			return 1;
	return 0;
}

static int requirement_matches(const struct requirement *r, const char *v)
{
	switch (r->op) {
	case OP_EQ:
	case OP_IN:
		return v && in_values(r, v);
	case OP_NE:
	case OP_NOTIN:
		return !v || !in_values(r, v);
	case OP_EXISTS:
		return v != NULL;
	case OP_NOTEXISTS:
		return v == NULL;
	}
	return 0;
}

int selector_matches(const struct selector *sel, json_t *obj, int fields)
{
	json_t *labels;
	size_t i;

	if (!sel)
		return 1;
	labels = json_object_get(json_object_get(obj, "metadata"), "labels");
	for (i = 0; i < sel->nr; i++) {
		const struct requirement *r = &sel->reqs[i];
		int ok;

		if (fields) {
			char *v = field_value(obj, r->key);

			ok = requirement_matches(r, v);
			free(v);
		} else {
			ok = requirement_matches(r, json_string_value(json_object_get(labels, r->key)));
		}
		if (!ok)
			return 0;
	}
	return 1;
}
