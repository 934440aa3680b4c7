/* SPDX-License-Identifier: Apache-2.0 */
/* fieldSelector query parameters, parsed and matched (labelSelector is common/labels.c's). */
#include <string.h>

#include "fake.h"
#include "objects.h"
#include "xalloc.h"

/* One "key=value" or "key!=value" term. */
struct field_term {
	char *key;
	char *value;
	int negate;
};

struct field_selector {
	struct field_term *terms;
	size_t nr, alloc;
};

void field_selector_free(struct field_selector *sel)
{
	size_t i;

	if (!sel)
		return;
	for (i = 0; i < sel->nr; i++) {
		free(sel->terms[i].key);
		free(sel->terms[i].value);
	}
	free(sel->terms);
	free(sel);
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
			    struct field_selector *sel, struct strbuf *err)
{
	const char *op = memchr(term, '=', len);
	struct field_term *t;
	size_t klen;
	int negate = 0;

	if (!op) {
		strbuf_addf(err, "invalid selector: '%.*s'; can't understand '%.*s'",
			    (int)len, term, (int)len, term);
		return -1;
	}
	klen = (size_t)(op - term);
	if (klen && term[klen - 1] == '!') {
		negate = 1;
		klen--;
	}
	if (!field_supported(res, term, klen)) {
		strbuf_addf(err, "field label not supported: %.*s", (int)klen, term);
		return -1;
	}
	op += (op + 1 < term + len && op[1] == '=') ? 2 : 1;
	ALLOC_GROW(sel->terms, sel->nr + 1, sel->alloc);
	t = &sel->terms[sel->nr++];
	t->key = xstrndup(term, klen);
	t->value = xstrndup(op, (size_t)(term + len - op));
	t->negate = negate;
	return 0;
}

int field_selector_parse(const char *text, const struct resource_def *res,
			 struct field_selector **out, struct strbuf *err)
{
	struct field_selector *sel;
	const char *p = text;

	*out = NULL;
	if (!text || !*text)
		return 0;
	sel = xcalloc(1, sizeof(*sel));
	while (*p) {
		size_t len = strcspn(p, ",");

		if (len && parse_field_term(p, len, res, sel, err) < 0) {
			field_selector_free(sel);
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
	json_t *v = obj_path(obj, path);

	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	return xstrdup("");
}

int field_selector_matches(const struct field_selector *sel, json_t *obj)
{
	size_t i;

	for (i = 0; sel && i < sel->nr; i++) {
		const struct field_term *t = &sel->terms[i];
		char *v = field_value(obj, t->key);
		int equal = !strcmp(v, t->value);

		free(v);
		if (equal == t->negate)
			return 0;
	}
	return 1;
}
