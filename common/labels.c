/* SPDX-License-Identifier: Apache-2.0 */
/* Label selectors as apimachinery evaluates them, with its validation texts. */
#include "labels.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int labels_contain(json_t *labels, json_t *want)
{
	const char *key;
	json_t *v;

	json_object_foreach(want, key, v) {
		json_t *have = json_object_get(labels, key);
		if (!json_is_string(v) || !json_is_string(have) ||
		    strcmp(json_string_value(v), json_string_value(have)))
			return 0;
	}
	return 1;
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *labels_text(json_t *labels)
{
	struct strbuf sb = STRBUF_INIT;
	const char **keys = xcalloc(json_object_size(labels) + 1, sizeof(*keys));
	const char *k, *v;
	json_t *value;
	size_t n = 0, i;

	json_object_foreach(labels, k, value)
		keys[n++] = k;
	if (n)
		qsort(keys, n, sizeof(*keys), cmp_keys);
	for (i = 0; i < n; i++) {
		v = json_string_value(json_object_get(labels, keys[i]));
		strbuf_addf(&sb, "%s%s=%s", i ? "," : "", keys[i], v ? v : "");
	}
	free(keys);
	return strbuf_detach(&sb, NULL);
}

enum label_op {
	OP_IN, OP_NOT_IN, OP_EQUALS, OP_DOUBLE_EQUALS, OP_NOT_EQUALS,
	OP_GREATER_THAN, OP_LESS_THAN, OP_EXISTS, OP_DOES_NOT_EXIST
};

/* One requirement: a key, an operator and (owned) a JSON array of strings. */
struct requirement {
	char *key;
	enum label_op op;
	json_t *values;
};

struct label_query {
	struct requirement *reqs;
	size_t nr, alloc;
};

/* Go's strconv.ParseInt(s, 10, 64). */
static int parse_int64(const char *s, long long *out)
{
	char *end;

	if (!(*s >= '0' && *s <= '9') && *s != '+' && *s != '-')
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || end == s || *end ? -1 : 0;
}

static int has_value(json_t *values, const char *v)
{
	json_t *e;
	size_t i;
	json_array_foreach(values, i, e)
		if (!strcmp(json_string_value(e), v))
			return 1;
	return 0;
}

static int compare_int(const struct requirement *r, const char *have)
{
	long long lv, rv;

	if (parse_int64(have, &lv) || json_array_size(r->values) != 1 ||
	    parse_int64(json_string_value(json_array_get(r->values, 0)), &rv))
		return 0;
	return r->op == OP_GREATER_THAN ? lv > rv : lv < rv;
}

static int requirement_matches(const struct requirement *r, json_t *labels)
{
	json_t *v = json_object_get(labels, r->key);
	const char *have = json_string_value(v);

	switch (r->op) {
	case OP_IN:
	case OP_EQUALS:
	case OP_DOUBLE_EQUALS:
		return have && has_value(r->values, have);
	case OP_NOT_IN:
	case OP_NOT_EQUALS:
		return !have || !has_value(r->values, have);
	case OP_EXISTS:
		return v != NULL;
	case OP_DOES_NOT_EXIST:
		return v == NULL;
	case OP_GREATER_THAN:
	case OP_LESS_THAN:
		return have && compare_int(r, have);
	}
	return 0;
}

/*
 * Validation, worded as k8s.io/apimachinery's field errors: several
 * errors print as "[a, b]", one as itself.
 */
struct errlist {
	struct strbuf sb;
	int n;
};

#define QNAME_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QNAME_MSG "must consist of alphanumeric characters, '-', '_' or '.', and must " \
	"start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or " \
	"'123-abc', regex used for validation is '" QNAME_FMT "')"
#define DNS1123_FMT "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
#define DNS1123_MSG "a lowercase RFC 1123 subdomain must consist of lower case " \
	"alphanumeric characters, '-' or '.', and must start and end with an alphanumeric " \
	"character (e.g. 'example.com', regex used for validation is '" DNS1123_FMT "')"
#define LABEL_VALUE_MSG "a valid label must be an empty string or consist of alphanumeric " \
	"characters, '-', '_' or '.', and must start and end with an alphanumeric character " \
	"(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is " \
	"'(" QNAME_FMT ")?')"

/* Go's %#v of a []string. */
static void add_go_strings(struct strbuf *sb, json_t *values)
{
	json_t *e;
	size_t i;

	if (!json_array_size(values)) {
		strbuf_addstr(sb, "[]string(nil)");
		return;
	}
	strbuf_addstr(sb, "[]string{");
	json_array_foreach(values, i, e) {
		if (i)
			strbuf_addstr(sb, ", ");
		strbuf_addstr_go_quoted(sb, json_string_value(e));
	}
	strbuf_addch(sb, '}');
}

static void err_next(struct errlist *e)
{
	if (e->n++)
		strbuf_addstr(&e->sb, ", ");
}

/* "<field>: Invalid value: "<value>": <detail>" */
static void err_invalid(struct errlist *e, const char *field, const char *value,
			const char *detail)
{
	err_next(e);
	strbuf_addf(&e->sb, "%s: Invalid value: ", field);
	strbuf_addstr_go_quoted(&e->sb, value);
	strbuf_addf(&e->sb, ": %s", detail);
}

static void err_invalid_values(struct errlist *e, json_t *values, const char *detail)
{
	err_next(e);
	strbuf_addstr(&e->sb, "values: Invalid value: ");
	add_go_strings(&e->sb, values);
	strbuf_addf(&e->sb, ": %s", detail);
}

/* Move the collected errors into err; returns -1 when there were any. */
static int err_finish(struct errlist *e, const char *lead, struct strbuf *err)
{
	int n = e->n;

	if (n)
		strbuf_setf(err, "%s%s%s%s", lead, n > 1 ? "[" : "", e->sb.buf, n > 1 ? "]" : "");
	strbuf_release(&e->sb);
	e->n = 0;
	return n ? -1 : 0;
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int qualified_name_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return 0;
	for (i = 0; i < n; i++)
		if (!is_alnum(s[i]) && !strchr("-_.", s[i]))
			return 0;
	return 1;
}

static int dns_label_char(char c, int edge)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (!edge && c == '-');
}

static int dns1123_subdomain_ok(const char *s, size_t n)
{
	size_t i, start = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!dns_label_char(s[i], 0))
				return 0;
			continue;
		}
		if (i == start || !dns_label_char(s[start], 1) || !dns_label_char(s[i - 1], 1))
			return 0;
		start = i + 1;
	}
	return 1;
}

static void add_detail(struct strbuf *why, const char *msg)
{
	if (why->len)
		strbuf_addstr(why, "; ");
	strbuf_addstr(why, msg);
}

/* validation.IsQualifiedName: the details, "; "-joined, or none. */
static void check_label_key(const char *key, struct strbuf *why)
{
	const char *slash = strchr(key, '/'), *name = slash ? slash + 1 : key;
	size_t len = strlen(name);

	if (slash && strchr(slash + 1, '/')) {
		add_detail(why, "a qualified name " QNAME_MSG " with an optional DNS subdomain "
			   "prefix and '/' (e.g. 'example.com/MyName')");
		return;
	}
	if (slash && slash == key)
		add_detail(why, "prefix part must be non-empty");
	else if (slash && slash - key > 253)
		add_detail(why, "prefix part must be no more than 253 characters");
	if (slash && slash != key && !dns1123_subdomain_ok(key, (size_t)(slash - key)))
		add_detail(why, "prefix part " DNS1123_MSG);
	if (!len)
		add_detail(why, "name part must be non-empty");
	else if (len > 63)
		add_detail(why, "name part must be no more than 63 characters");
	if (!qualified_name_ok(name, len))
		add_detail(why, "name part " QNAME_MSG);
}

static void check_label_value(const char *v, struct strbuf *why)
{
	size_t len = strlen(v);

	if (len > 63)
		add_detail(why, "must be no more than 63 characters");
	if (len && !qualified_name_ok(v, len))
		add_detail(why, LABEL_VALUE_MSG);
}

/* Report a bad key under field; returns -1 when it is bad. */
static int validate_key(struct errlist *e, const char *field, const char *key)
{
	struct strbuf why = STRBUF_INIT;
	int bad;

	check_label_key(key, &why);
	bad = why.len > 0;
	if (bad)
		err_invalid(e, field, key, why.buf);
	strbuf_release(&why);
	return bad ? -1 : 0;
}

static void validate_value_count(struct errlist *e, const struct requirement *r)
{
	size_t n = json_array_size(r->values);

	switch (r->op) {
	case OP_IN:
	case OP_NOT_IN:
		if (!n)
			err_invalid_values(e, r->values,
					   "for 'in', 'notin' operators, values set can't be empty");
		break;
	case OP_EQUALS:
	case OP_DOUBLE_EQUALS:
	case OP_NOT_EQUALS:
		if (n != 1)
			err_invalid_values(e, r->values,
					   "exact-match compatibility requires one single value");
		break;
	case OP_EXISTS:
	case OP_DOES_NOT_EXIST:
		if (n)
			err_invalid_values(e, r->values,
					   "values set must be empty for exists and does not exist");
		break;
	case OP_GREATER_THAN:
	case OP_LESS_THAN:
		if (n != 1)
			err_invalid_values(e, r->values,
					   "for 'Gt', 'Lt' operators, exactly one value is required");
		break;
	}
}

/* labels.NewRequirement's checks. */
static void validate_requirement(struct errlist *e, const struct requirement *r)
{
	struct strbuf field = STRBUF_INIT, why = STRBUF_INIT;
	long long ignored;
	json_t *v;
	size_t i;

	validate_key(e, "key", r->key);
	validate_value_count(e, r);
	json_array_foreach(r->values, i, v) {
		const char *s = json_string_value(v);

		strbuf_setf(&field, "values[%zu]", i);
		if ((r->op == OP_GREATER_THAN || r->op == OP_LESS_THAN) && parse_int64(s, &ignored))
			err_invalid(e, field.buf, s,
				    "for 'Gt', 'Lt' operators, the value must be an integer");
	}
	json_array_foreach(r->values, i, v) {
		strbuf_reset(&why);
		check_label_value(json_string_value(v), &why);
		strbuf_setf(&field, "values[%zu][%s]", i, r->key);
		if (why.len)
			err_invalid(e, field.buf, json_string_value(v), why.buf);
	}
	strbuf_release(&field);
	strbuf_release(&why);
}

/*
 * metav1.LabelSelector.  Its JSON shape is checked first; then each
 * matchLabels pair and each expression in turn, as
 * LabelSelectorAsSelector does, stopping at the first bad one.
 */
static const struct {
	const char *name;
	enum label_op op;
} selector_ops[] = {
	{ "In", OP_IN },
	{ "NotIn", OP_NOT_IN },
	{ "Exists", OP_EXISTS },
	{ "DoesNotExist", OP_DOES_NOT_EXIST },
};

static int shape_error(struct strbuf *err, const char *what)
{
	strbuf_setf(err, "invalid label selector: %s", what);
	return -1;
}

static int all_strings(json_t *v)
{
	json_t *e;
	size_t i;
	const char *k;

	if (json_is_object(v)) {
		json_object_foreach(v, k, e)
			if (!json_is_string(e))
				return 0;
		return 1;
	}
	json_array_foreach(v, i, e)
		if (!json_is_string(e))
			return 0;
	return json_is_array(v);
}

static int check_expression(json_t *expr, struct strbuf *err)
{
	json_t *values = json_object_get(expr, "values");

	if (!json_is_object(expr))
		return shape_error(err, "matchExpressions must be a list of objects");
	if (!json_is_string(json_object_get(expr, "key")) ||
	    !json_is_string(json_object_get(expr, "operator")))
		return shape_error(err, "a match expression needs a key and an operator");
	if (values && !json_is_null(values) && !all_strings(values))
		return shape_error(err, "values must be a list of strings");
	return 0;
}

static int check_selector_shape(json_t *sel, struct strbuf *err)
{
	json_t *ml = json_object_get(sel, "matchLabels");
	json_t *me = json_object_get(sel, "matchExpressions"), *e;
	size_t i;

	if (!json_is_object(sel))
		return shape_error(err, "expected an object with matchLabels or matchExpressions");
	if (ml && !json_is_null(ml) && !(json_is_object(ml) && all_strings(ml)))
		return shape_error(err, "matchLabels must be a map of strings");
	if (me && !json_is_null(me) && !json_is_array(me))
		return shape_error(err, "matchExpressions must be a list");
	json_array_foreach(me, i, e)
		if (check_expression(e, err))
			return -1;
	return 0;
}

/* Evaluate one requirement after validating it; -1 with err when invalid. */
static int check_and_match(const struct requirement *r, json_t *labels, struct strbuf *err)
{
	struct errlist e = { STRBUF_INIT, 0 };

	validate_requirement(&e, r);
	if (err_finish(&e, "", err))
		return -1;
	return requirement_matches(r, labels);
}

static int expression_matches(json_t *expr, json_t *labels, struct strbuf *err)
{
	const char *op = json_string_value(json_object_get(expr, "operator"));
	json_t *values = json_object_get(expr, "values");
	struct requirement r;
	size_t i;
	int m;

	for (i = 0; i < ARRAY_SIZE(selector_ops); i++)
		if (!strcmp(op, selector_ops[i].name))
			break;
	if (i == ARRAY_SIZE(selector_ops)) {
		struct strbuf q = STRBUF_INIT;
		strbuf_addstr_go_quoted(&q, op);
		strbuf_setf(err, "%s is not a valid label selector operator", q.buf);
		strbuf_release(&q);
		return -1;
	}
	r.key = (char *)json_string_value(json_object_get(expr, "key"));
	r.op = selector_ops[i].op;
	r.values = json_is_array(values) ? json_incref(values) : json_array();
	m = check_and_match(&r, labels, err);
	json_decref(r.values);
	return m;
}

static int match_labels_match(json_t *ml, json_t *labels, struct strbuf *err)
{
	const char *key;
	json_t *v;
	int all = 1;

	json_object_foreach(ml, key, v) {
		struct requirement r = { (char *)key, OP_EQUALS, json_pack("[O]", v) };
		int m = check_and_match(&r, labels, err);

		json_decref(r.values);
		if (m < 0)
			return -1;
		all &= m;
	}
	return all;
}

int label_selector_matches(json_t *selector, json_t *labels, struct strbuf *err)
{
	json_t *e;
	size_t i;
	int all;

	if (!selector || json_is_null(selector))
		return 0;
	if (check_selector_shape(selector, err))
		return -1;
	all = match_labels_match(json_object_get(selector, "matchLabels"), labels, err);
	json_array_foreach(json_object_get(selector, "matchExpressions"), i, e) {
		int m;
		if (all < 0)
			break;
		m = expression_matches(e, labels, err);
		all = m < 0 ? -1 : all & m;
	}
	return all;
}

/*
 * The string form (kubectl -l): apimachinery's lexer and recursive
 * descent parser, token for token, so that errors read the same.
 */
enum token_type {
	TOK_ERROR, TOK_END, TOK_CLOSE_PAR, TOK_COMMA, TOK_NOT, TOK_DOUBLE_EQUALS,
	TOK_EQUALS, TOK_GREATER, TOK_IDENTIFIER, TOK_IN, TOK_LESS, TOK_NOT_EQUALS,
	TOK_NOT_IN, TOK_OPEN_PAR
};

static const struct {
	const char *text;
	enum token_type type;
} keywords[] = {
	{ ")", TOK_CLOSE_PAR }, { ",", TOK_COMMA }, { "!", TOK_NOT },
	{ "==", TOK_DOUBLE_EQUALS }, { "=", TOK_EQUALS }, { ">", TOK_GREATER },
	{ "in", TOK_IN }, { "<", TOK_LESS }, { "!=", TOK_NOT_EQUALS },
	{ "notin", TOK_NOT_IN }, { "(", TOK_OPEN_PAR },
};

struct token {
	enum token_type type;
	char *lit;
};

/* In a value position "in" and "notin" are plain identifiers. */
enum parse_ctx { CTX_KEY_AND_OPERATOR, CTX_VALUES };

struct parser {
	struct token *toks;
	size_t nr, alloc, pos;
	struct strbuf *msg;
};

/* A set of values, kept sorted and unique as sets.String.List() gives them. */
struct valueset {
	const char **v;
	size_t nr, alloc;
};

static int keyword(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < ARRAY_SIZE(keywords); i++)
		if (strlen(keywords[i].text) == n && !strncmp(keywords[i].text, s, n))
			return (int)keywords[i].type;
	return -1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_special(char c)
{
	return c && strchr("=!(),><", c);
}

static void push_token(struct parser *p, enum token_type type, char *lit)
{
	ALLOC_GROW(p->toks, p->nr + 1, p->alloc);
	p->toks[p->nr].type = type;
	p->toks[p->nr].lit = lit;
	p->nr++;
}

/* The longest run of operator characters that is a token. */
static const char *scan_special(struct parser *p, const char *s)
{
	size_t n = 0, best = 0;
	int type = -1, t;

	while (is_special(s[n])) {
		t = keyword(s, ++n);
		if (t >= 0) {
			type = t;
			best = n;
		} else if (type >= 0) {
			break;
		}
	}
	if (type < 0) {
		push_token(p, TOK_ERROR,
			   xasprintf("error expected: keyword found '%.*s'", (int)n, s));
		return s + n;
	}
	push_token(p, (enum token_type)type, xstrndup(s, best));
	return s + best;
}

static const char *scan_identifier(struct parser *p, const char *s)
{
	size_t n = 0;
	int type;

	while (s[n] && !is_special(s[n]) && !is_space(s[n]))
		n++;
	type = keyword(s, n);
	push_token(p, type >= 0 ? (enum token_type)type : TOK_IDENTIFIER, xstrndup(s, n));
	return s + n;
}

static void scan(struct parser *p, const char *s)
{
	for (;;) {
		while (is_space(*s))
			s++;
		if (!*s)
			break;
		s = is_special(*s) ? scan_special(p, s) : scan_identifier(p, s);
	}
	push_token(p, TOK_END, xstrdup(""));
}

static enum token_type peek(struct parser *p, enum parse_ctx ctx, const char **lit)
{
	const struct token *t = &p->toks[p->pos];

	if (lit)
		*lit = t->lit;
	if (ctx == CTX_VALUES && (t->type == TOK_IN || t->type == TOK_NOT_IN))
		return TOK_IDENTIFIER;
	return t->type;
}

static enum token_type next(struct parser *p, enum parse_ctx ctx, const char **lit)
{
	enum token_type t = peek(p, ctx, lit);
	if (p->pos + 1 < p->nr)
		p->pos++;
	return t;
}

static int parse_error(struct parser *p, const char *fmt, const char *lit)
{
	strbuf_setf(p->msg, fmt, lit);
	return -1;
}

static void valueset_add(struct valueset *vs, const char *v)
{
	size_t i;

	for (i = 0; i < vs->nr && strcmp(vs->v[i], v) < 0; i++)
		;
	if (i < vs->nr && !strcmp(vs->v[i], v))
		return;
	ALLOC_GROW(vs->v, vs->nr + 1, vs->alloc);
	memmove(vs->v + i + 1, vs->v + i, (vs->nr - i) * sizeof(*vs->v));
	vs->v[i] = v;
	vs->nr++;
}

/* (a,b,c) after the opening parenthesis; empty entries are "". */
static int parse_identifiers(struct parser *p, struct valueset *vs)
{
	const char *lit, *lit2;

	for (;;) {
		enum token_type t = next(p, CTX_VALUES, &lit), t2;

		if (t == TOK_IDENTIFIER) {
			valueset_add(vs, lit);
			t2 = peek(p, CTX_VALUES, &lit2);
			if (t2 == TOK_CLOSE_PAR)
				return 0;
			if (t2 != TOK_COMMA)
				return parse_error(p, "found '%s', expected: ',' or ')'", lit2);
		} else if (t == TOK_COMMA) {
			if (!vs->nr)
				valueset_add(vs, "");
			t2 = peek(p, CTX_VALUES, NULL);
			if (t2 == TOK_CLOSE_PAR) {
				valueset_add(vs, "");
				return 0;
			}
			if (t2 == TOK_COMMA) {
				next(p, CTX_VALUES, NULL);
				valueset_add(vs, "");
			}
		} else {
			return parse_error(p, "found '%s', expected: ',', or identifier", lit);
		}
	}
}

static int parse_value_set(struct parser *p, struct valueset *vs)
{
	const char *lit;
	enum token_type t = next(p, CTX_VALUES, &lit);

	if (t != TOK_OPEN_PAR)
		return parse_error(p, "found '%s' expected: '('", lit);
	t = peek(p, CTX_VALUES, &lit);
	if (t == TOK_CLOSE_PAR) {
		next(p, CTX_VALUES, NULL);
		valueset_add(vs, "");
		return 0;
	}
	if (t != TOK_IDENTIFIER && t != TOK_COMMA)
		return parse_error(p, "found '%s', expected: ',', ')' or identifier", lit);
	if (parse_identifiers(p, vs))
		return -1;
	if (next(p, CTX_VALUES, NULL) != TOK_CLOSE_PAR)
		return parse_error(p, "found '%s', expected: ')'", lit);
	return 0;
}

static int parse_exact_value(struct parser *p, struct valueset *vs)
{
	const char *lit;
	enum token_type t = peek(p, CTX_VALUES, NULL);

	if (t == TOK_END || t == TOK_COMMA) {
		valueset_add(vs, "");
		return 0;
	}
	if (next(p, CTX_VALUES, &lit) != TOK_IDENTIFIER)
		return parse_error(p, "found '%s', expected: identifier", lit);
	valueset_add(vs, lit);
	return 0;
}

static const struct {
	enum token_type type;
	enum label_op op;
} binary_ops[] = {
	{ TOK_IN, OP_IN }, { TOK_EQUALS, OP_EQUALS }, { TOK_DOUBLE_EQUALS, OP_DOUBLE_EQUALS },
	{ TOK_GREATER, OP_GREATER_THAN }, { TOK_LESS, OP_LESS_THAN },
	{ TOK_NOT_IN, OP_NOT_IN }, { TOK_NOT_EQUALS, OP_NOT_EQUALS },
};

static int parse_operator(struct parser *p, enum label_op *op)
{
	const char *lit;
	enum token_type t = next(p, CTX_KEY_AND_OPERATOR, &lit);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(binary_ops); i++) {
		if (binary_ops[i].type == t) {
			*op = binary_ops[i].op;
			return 0;
		}
	}
	return parse_error(p, "found '%s', expected: in, notin, =, ==, !=, gt, lt", lit);
}

/* "[!]key", inferring exists / does-not-exist when no operator follows. */
static int parse_key(struct parser *p, const char **key, int *unary)
{
	struct errlist e = { STRBUF_INIT, 0 };
	enum token_type t = next(p, CTX_VALUES, key), after;

	*unary = -1;
	if (t == TOK_NOT) {
		*unary = OP_DOES_NOT_EXIST;
		t = next(p, CTX_VALUES, key);
	}
	if (t != TOK_IDENTIFIER)
		return parse_error(p, "found '%s', expected: identifier", *key);
	validate_key(&e, "<nil>", *key);
	if (err_finish(&e, "", p->msg))
		return -1;
	after = peek(p, CTX_VALUES, NULL);
	if ((after == TOK_END || after == TOK_COMMA) && *unary < 0)
		*unary = OP_EXISTS;
	return 0;
}

static json_t *valueset_json(const struct valueset *vs)
{
	json_t *a = json_array();
	size_t i;
	for (i = 0; i < vs->nr; i++)
		json_array_append_new(a, json_string(vs->v[i]));
	return a;
}

static int parse_requirement(struct parser *p, struct requirement *r)
{
	struct errlist e = { STRBUF_INIT, 0 };
	struct valueset vs = { 0 };
	const char *key;
	enum label_op op;
	int unary, ret = 0;

	if (parse_key(p, &key, &unary))
		return -1;
	if (unary >= 0)
		op = (enum label_op)unary;
	else if (parse_operator(p, &op))
		return -1;
	else if (op == OP_IN || op == OP_NOT_IN)
		ret = parse_value_set(p, &vs);
	else
		ret = parse_exact_value(p, &vs);
	if (!ret) {
		r->key = xstrdup(key);
		r->op = op;
		r->values = valueset_json(&vs);
		validate_requirement(&e, r);
		ret = err_finish(&e, "", p->msg);
	}
	free(vs.v);
	return ret;
}

static void requirement_release(struct requirement *r)
{
	free(r->key);
	json_decref(r->values);
}

static int parse_query(struct parser *p, struct label_query *q)
{
	const char *lit;

	for (;;) {
		enum token_type t = peek(p, CTX_VALUES, &lit);

		if (t == TOK_END)
			return 0;
		if (t != TOK_IDENTIFIER && t != TOK_NOT)
			return parse_error(p, "found '%s', expected: !, identifier, or "
					   "'end of string'", lit);
		ALLOC_GROW(q->reqs, q->nr + 1, q->alloc);
		memset(&q->reqs[q->nr], 0, sizeof(q->reqs[q->nr]));
		if (parse_requirement(p, &q->reqs[q->nr])) {
			char *why = strbuf_detach(p->msg, NULL);
			requirement_release(&q->reqs[q->nr]);
			parse_error(p, "unable to parse requirement: %s", why);
			free(why);
			return -1;
		}
		q->nr++;
		t = next(p, CTX_VALUES, &lit);
		if (t == TOK_END)
			return 0;
		if (t != TOK_COMMA)
			return parse_error(p, "found '%s', expected: ',' or 'end of string'", lit);
		t = peek(p, CTX_VALUES, &lit);
		if (t != TOK_IDENTIFIER && t != TOK_NOT)
			return parse_error(p, "found '%s', expected: identifier after ','", lit);
	}
}

struct label_query *label_query_parse_bare(const char *text, struct strbuf *err)
{
	struct label_query *q = xcalloc(1, sizeof(*q));
	struct strbuf msg = STRBUF_INIT;
	struct parser p = { NULL, 0, 0, 0, &msg };
	size_t i;

	scan(&p, text);
	if (parse_query(&p, q)) {
		strbuf_setf(err, "%s", msg.buf);
		label_query_free(q);
		q = NULL;
	}
	for (i = 0; i < p.nr; i++)
		free(p.toks[i].lit);
	free(p.toks);
	strbuf_release(&msg);
	return q;
}

struct label_query *label_query_parse(const char *text, struct strbuf *err)
{
	struct strbuf msg = STRBUF_INIT, trimmed = STRBUF_INIT;
	struct label_query *q;

	strbuf_addstr(&trimmed, text);
	strbuf_trim(&trimmed);
	q = label_query_parse_bare(trimmed.buf, &msg);
	if (!q) {
		strbuf_setf(err, "the provided selector ");
		strbuf_addstr_go_quoted(err, trimmed.buf);
		strbuf_addf(err, " is not valid: %s", msg.buf);
	}
	strbuf_release(&msg);
	strbuf_release(&trimmed);
	return q;
}

int label_query_matches(const struct label_query *q, json_t *labels)
{
	size_t i;
	for (i = 0; i < q->nr; i++)
		if (!requirement_matches(&q->reqs[i], labels))
			return 0;
	return 1;
}

int label_query_empty(const struct label_query *q)
{
	return !q->nr;
}

void label_query_free(struct label_query *q)
{
	size_t i;
	if (!q)
		return;
	for (i = 0; i < q->nr; i++)
		requirement_release(&q->reqs[i]);
	free(q->reqs);
	free(q);
}
