/* SPDX-License-Identifier: Apache-2.0 */
/* libyaml event stream to jansson values, and jansson to indented JSON. */
#include "yamljson.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct anchor {
	char *name;
	json_t *value;
};

struct yparse {
	yaml_parser_t parser;
	yaml_event_t ev;
	int have_ev;
	struct anchor *anchors;
	size_t nr_anchors, alloc_anchors;
	struct strbuf *err;
	int depth;
};

#define MAX_DEPTH 512

/*
 * The message go-yaml (and so kubectl) prints: the problem line counts
 * from zero except for scanner errors, falls back to the context line,
 * and is left out when it is zero.
 */
static void set_parse_error(struct yparse *p)
{
	yaml_parser_t *ps = &p->parser;
	unsigned long line = 0;

	if (ps->problem_mark.line) {
		line = (unsigned long)ps->problem_mark.line;
		if (ps->error == YAML_SCANNER_ERROR)
			line++;
	} else if (ps->context_mark.line) {
		line = (unsigned long)ps->context_mark.line;
	}
	strbuf_reset(p->err);
	strbuf_addstr(p->err, "yaml: ");
	if (line)
		strbuf_addf(p->err, "line %lu: ", line);
	strbuf_addstr(p->err, ps->problem ? ps->problem : "unknown problem parsing YAML content");
}

static int next_event(struct yparse *p)
{
	if (p->have_ev)
		yaml_event_delete(&p->ev);
	p->have_ev = 0;
	if (!yaml_parser_parse(&p->parser, &p->ev)) {
		set_parse_error(p);
		return -1;
	}
	p->have_ev = 1;
	return 0;
}

static void add_anchor(struct yparse *p, const char *name, json_t *v)
{
	ALLOC_GROW(p->anchors, p->nr_anchors + 1, p->alloc_anchors);
	p->anchors[p->nr_anchors].name = xstrdup(name);
	p->anchors[p->nr_anchors].value = json_incref(v);
	p->nr_anchors++;
}

static json_t *find_anchor(struct yparse *p, const char *name)
{
	size_t i = p->nr_anchors;
	while (i--)
		if (!strcmp(p->anchors[i].name, name))
			return p->anchors[i].value;
	return NULL;
}

static void clear_anchors(struct yparse *p)
{
	size_t i;
	for (i = 0; i < p->nr_anchors; i++) {
		free(p->anchors[i].name);
		json_decref(p->anchors[i].value);
	}
	p->nr_anchors = 0;
}

static int all_digits(const char *s, const char *set)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s != '_' && !strchr(set, *s))
			return 0;
	return 1;
}

/* Integer forms of YAML 1.1 as go-yaml v2 resolves them. */
static int resolve_int(const char *s, json_t **out)
{
	char buf[80];
	const char *digits = s;
	int neg = 0, base = 10;
	size_t j = 0;
	unsigned long long v;
	char *end;

	if (*digits == '-' || *digits == '+') {
		neg = *digits == '-';
		digits++;
	}
	if (starts_with(digits, "0x")) {
		base = 16;
		digits += 2;
		if (!all_digits(digits, "0123456789abcdefABCDEF"))
			return 0;
	} else if (starts_with(digits, "0b")) {
		base = 2;
		digits += 2;
		if (!all_digits(digits, "01"))
			return 0;
	} else if (starts_with(digits, "0o")) {
		base = 8;
		digits += 2;
		if (!all_digits(digits, "01234567"))
			return 0;
	} else if (digits[0] == '0' && digits[1]) {
		base = 8;
		if (!all_digits(digits, "01234567"))
			return 0;
	} else if (!all_digits(digits, "0123456789")) {
		return 0;
	}
	if (digits[0] == '_')
		return 0;
	for (; *digits && j < sizeof(buf) - 1; digits++)
		if (*digits != '_')
			buf[j++] = *digits;
	if (*digits)
		return 0;
	buf[j] = '\0';
	errno = 0;
	v = strtoull(buf, &end, base);
	if (errno || *end)
		return 0;
	if (!neg && v <= (unsigned long long)INT64_MAX) {
		*out = json_integer((json_int_t)v);
		return 1;
	}
	if (neg && v <= (unsigned long long)INT64_MAX + 1) {
		*out = json_integer(v == (unsigned long long)INT64_MAX + 1 ?
					    INT64_MIN : -(json_int_t)v);
		return 1;
	}
	*out = json_real(neg ? -(double)v : (double)v);
	return 1;
}

static int resolve_float(const char *s, json_t **out)
{
	const char *p = s;
	int digits = 0;
	char *end;
	double d;

	if (!strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF") ||
	    !strcmp(s, "+.inf") || !strcmp(s, "+.Inf") || !strcmp(s, "+.INF") ||
	    !strcmp(s, "-.inf") || !strcmp(s, "-.Inf") || !strcmp(s, "-.INF") ||
	    !strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN")) {
		/* JSON has no such numbers; keep the text, as Go's converter fails. */
		*out = json_string(s);
		return 1;
	}
	if (*p == '-' || *p == '+')
		p++;
	while (isdigit((unsigned char)*p) || *p == '_') {
		digits += isdigit((unsigned char)*p) != 0;
		p++;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			digits++;
			p++;
		}
	}
	if (!digits)
		return 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p || strchr(s, '_'))
		return 0;
	d = strtod(s, &end);
	if (*end)
		return 0;
	*out = json_real(d);
	return 1;
}

static const char *const true_words[] = { "true", "True", "TRUE", "yes", "Yes",
					  "YES", "on", "On", "ON", "y", "Y" };
static const char *const false_words[] = { "false", "False", "FALSE", "no", "No",
					   "NO", "off", "Off", "OFF", "n", "N" };

static int in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return 1;
	return 0;
}

/* Resolve a plain scalar's type; quoted scalars are always strings. */
static json_t *resolve_plain(const char *s, size_t len)
{
	json_t *v;
	if (strlen(s) != len)
		return json_stringn(s, len); /* embedded NUL: keep as text */
	if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	    !strcmp(s, "NULL"))
		return json_null();
	if (in_list(s, true_words, ARRAY_SIZE(true_words)))
		return json_true();
	if (in_list(s, false_words, ARRAY_SIZE(false_words)))
		return json_false();
	if ((isdigit((unsigned char)*s) || *s == '-' || *s == '+' || *s == '.') &&
	    (resolve_int(s, &v) || resolve_float(s, &v)))
		return v;
	return json_stringn(s, len);
}

static json_t *scalar_value(yaml_event_t *ev)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	const char *val = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;

	if (tag && !strcmp(tag, YAML_STR_TAG))
		return json_stringn(val, len);
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE && !tag)
		return json_stringn(val, len);
	if (tag && !strcmp(tag, YAML_NULL_TAG))
		return json_null();
	return resolve_plain(val, len);
}

static json_t *parse_node(struct yparse *p);

/* Apply a "<<" merge: copy keys that obj does not have yet. */
static void merge_into(json_t *obj, json_t *src)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_array(src)) {
		json_array_foreach(src, i, v)
			merge_into(obj, v);
		return;
	}
	if (!json_is_object(src))
		return;
	json_object_foreach(src, k, v)
		if (!json_object_get(obj, k))
			json_object_set(obj, k, v);
}

static json_t *parse_mapping(struct yparse *p)
{
	json_t *obj = json_object();
	json_t *merges = json_array();

	for (;;) {
		json_t *val;
		char *key;
		int is_merge;

		if (next_event(p))
			goto fail;
		if (p->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (p->ev.type == YAML_SCALAR_EVENT) {
			key = xstrndup((const char *)p->ev.data.scalar.value,
				       p->ev.data.scalar.length);
			is_merge = !strcmp(key, "<<") &&
				   p->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			if (p->ev.data.scalar.anchor) {
				json_t *k = json_string(key);
				add_anchor(p, (const char *)p->ev.data.scalar.anchor, k);
				json_decref(k);
			}
		} else if (p->ev.type == YAML_ALIAS_EVENT) {
			json_t *a = find_anchor(p, (const char *)p->ev.data.alias.anchor);
			if (!a || !json_is_string(a)) {
				strbuf_setf(p->err, "yaml: line %lu: unsupported mapping key",
					    (unsigned long)p->ev.start_mark.line + 1);
				goto fail;
			}
			key = xstrdup(json_string_value(a));
			is_merge = 0;
		} else {
			strbuf_setf(p->err, "yaml: line %lu: invalid map key",
				    (unsigned long)p->ev.start_mark.line + 1);
			goto fail;
		}
		if (next_event(p)) {
			free(key);
			goto fail;
		}
		val = parse_node(p);
		if (!val) {
			free(key);
			goto fail;
		}
		if (is_merge)
			json_array_append_new(merges, val);
		else
			json_object_set_new(obj, key, val);
		free(key);
	}
	{
		size_t i;
		json_t *m;
		json_array_foreach(merges, i, m)
			merge_into(obj, m);
	}
	json_decref(merges);
	return obj;
fail:
	json_decref(merges);
	json_decref(obj);
	return NULL;
}

static json_t *parse_sequence(struct yparse *p)
{
	json_t *arr = json_array();
	for (;;) {
		json_t *v;
		if (next_event(p))
			goto fail;
		if (p->ev.type == YAML_SEQUENCE_END_EVENT)
			return arr;
		v = parse_node(p);
		if (!v)
			goto fail;
		json_array_append_new(arr, v);
	}
fail:
	json_decref(arr);
	return NULL;
}

/*
 * A mapping or sequence, remembered under its anchor when it has one.
 * The anchor is copied first: reading the children frees its event.
 */
static json_t *parse_collection(struct yparse *p, const yaml_char_t *anchor,
				json_t *(*parse)(struct yparse *))
{
	char *name = xstrdup_or_null((const char *)anchor);
	json_t *v = parse(p);

	if (v && name)
		add_anchor(p, name, v);
	free(name);
	return v;
}

/* Build the node that starts at the current event.  New reference. */
static json_t *parse_node(struct yparse *p)
{
	json_t *v = NULL;
	const char *anchor = NULL;

	if (++p->depth > MAX_DEPTH) {
		strbuf_setf(p->err, "yaml: line %lu: document nested too deeply",
			    (unsigned long)p->ev.start_mark.line + 1);
		p->depth--;
		return NULL;
	}
	switch (p->ev.type) {
	case YAML_SCALAR_EVENT:
		anchor = (const char *)p->ev.data.scalar.anchor;
		v = scalar_value(&p->ev);
		break;
	case YAML_ALIAS_EVENT: {
		json_t *a = find_anchor(p, (const char *)p->ev.data.alias.anchor);
		if (!a) {
			strbuf_setf(p->err, "yaml: unknown anchor '%s' referenced",
				    (const char *)p->ev.data.alias.anchor);
			break;
		}
		v = json_deep_copy(a);
		break;
	}
	case YAML_MAPPING_START_EVENT:
		v = parse_collection(p, p->ev.data.mapping_start.anchor, parse_mapping);
		break;
	case YAML_SEQUENCE_START_EVENT:
		v = parse_collection(p, p->ev.data.sequence_start.anchor, parse_sequence);
		break;
	default:
		strbuf_setf(p->err, "yaml: line %lu: unexpected event",
			    (unsigned long)p->ev.start_mark.line + 1);
		break;
	}
	if (v && anchor)
		add_anchor(p, anchor, v);
	p->depth--;
	return v;
}

static json_t *parse_yaml_stream(const char *text, size_t len, struct strbuf *err)
{
	struct yparse p;
	json_t *docs = json_array();

	memset(&p, 0, sizeof(p));
	p.err = err;
	if (!yaml_parser_initialize(&p.parser)) {
		strbuf_setf(err, "yaml: cannot initialise parser");
		json_decref(docs);
		return NULL;
	}
	yaml_parser_set_input_string(&p.parser, (const unsigned char *)text, len);
	for (;;) {
		if (next_event(&p))
			goto fail;
		if (p.ev.type == YAML_STREAM_END_EVENT)
			break;
		if (p.ev.type == YAML_DOCUMENT_START_EVENT) {
			json_t *root;
			clear_anchors(&p);
			if (next_event(&p))
				goto fail;
			if (p.ev.type == YAML_DOCUMENT_END_EVENT)
				continue;
			root = parse_node(&p);
			if (!root)
				goto fail;
			if (next_event(&p)) {
				json_decref(root);
				goto fail;
			}
			if (json_is_null(root))
				json_decref(root);
			else
				json_array_append_new(docs, root);
		}
	}
	clear_anchors(&p);
	free(p.anchors);
	if (p.have_ev)
		yaml_event_delete(&p.ev);
	yaml_parser_delete(&p.parser);
	return docs;
fail:
	clear_anchors(&p);
	free(p.anchors);
	if (p.have_ev)
		yaml_event_delete(&p.ev);
	yaml_parser_delete(&p.parser);
	json_decref(docs);
	return NULL;
}

static json_t *parse_json_stream(const char *text, size_t len, struct strbuf *err)
{
	json_t *docs = json_array();
	size_t off = 0;

	for (;;) {
		json_error_t jerr;
		json_t *v;
		while (off < len && isspace((unsigned char)text[off]))
			off++;
		if (off >= len)
			break;
		v = json_loadb(text + off, len - off,
			       JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY | JSON_ALLOW_NUL,
			       &jerr);
		if (!v) {
			strbuf_setf(err, "json: line %d column %d: %s", jerr.line,
				    jerr.column, jerr.text);
			json_decref(docs);
			return NULL;
		}
		off += jerr.position;
		if (json_is_null(v))
			json_decref(v);
		else
			json_array_append_new(docs, v);
	}
	return docs;
}

json_t *yamljson_parse(const char *text, size_t len, struct strbuf *err)
{
	size_t i = 0;
	/* A UTF-8 byte-order mark is allowed in front of either form. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	if (i < len && (text[i] == '{' || text[i] == '['))
		return parse_json_stream(text + i, len - i, err);
	return parse_yaml_stream(text, len, err);
}

json_t *yamljson_parse_one(const char *text, size_t len, struct strbuf *err)
{
	json_t *docs = yamljson_parse(text, len, err);
	json_t *one;
	if (!docs)
		return NULL;
	if (json_array_size(docs) == 0) {
		json_decref(docs);
		return json_object();
	}
	one = json_incref(json_array_get(docs, 0));
	json_decref(docs);
	return one;
}

/* --- JSON out --- */

static int dump_cb(const char *buf, size_t size, void *data)
{
	strbuf_add(data, buf, size);
	return 0;
}

void yamljson_dump_json(struct strbuf *out, json_t *value)
{
	json_dump_callback(value, dump_cb, out,
			   JSON_INDENT(4) | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	strbuf_addch(out, '\n');
}
