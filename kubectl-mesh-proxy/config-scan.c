/* SPDX-License-Identifier: Apache-2.0 */
/* A validating JSON scanner that finds values in large dumps without building trees. */
#include "configdump.h"
#include "xalloc.h"

#include <string.h>

struct scan {
	const char *p, *end;
	const char *err_at;     /* NULL while all is well */
	const char *what;       /* Go encoding/json's wording, after the character */
};

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Dumps are pretty-printed: most of their bytes are indentation.  The
 * loops below keep the cursor in a local, which the compiler cannot do
 * for s->p (a char store may alias it).
 */
static void skip_ws(struct scan *s)
{
	const char *p = s->p, *end = s->end;
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	s->p = p;
}

/* Bytes that end a run of plain string content: '"', '\\' and control characters. */
static const unsigned char string_stop[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
	[0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
	[0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
	[0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
	[0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};

static int fail_at(struct scan *s, const char *what)
{
	if (!s->err_at) {
		s->err_at = s->p;
		s->what = what;
	}
	return -1;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* s->p at the opening quote; leaves it after the closing one. */
static int scan_string(struct scan *s)
{
	const char *p = s->p + 1, *end = s->end;
	while (p < end) {
		unsigned char c;
		while (p < end && !string_stop[(unsigned char)*p])
			p++;
		if (p >= end)
			break;
		c = (unsigned char)*p;
		if (c == '"') {
			s->p = p + 1;
			return 0;
		}
		if (c < 0x20) {
			s->p = p;
			return fail_at(s, "in string literal");
		}
		if (c == '\\') {
			if (p + 1 >= end)
				break;
			if (p[1] == 'u') {
				int i;
				for (i = 2; i < 6; i++) {
					if (p + i >= end) {
						s->p = end;
						return fail_at(s, NULL);
					}
					if (!is_hex(p[i])) {
						s->p = p + i;
						return fail_at(s, "in \\u hexadecimal character escape");
					}
				}
				p += 6;
				continue;
			}
			if (!strchr("\"\\/bfnrt", p[1])) {
				s->p = p + 1;
				return fail_at(s, "in string escape code");
			}
			p += 2;
		}
	}
	s->p = end;
	return fail_at(s, NULL);
}

static int scan_digits(struct scan *s)
{
	const char *start = s->p;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	if (s->p == start)
		return fail_at(s, s->p < s->end ? "in numeric literal" : NULL);
	return 0;
}

static int scan_number(struct scan *s)
{
	if (*s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (scan_digits(s))
		return -1;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (scan_digits(s))
			return -1;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (scan_digits(s))
			return -1;
	}
	return 0;
}

static int scan_literal(struct scan *s, const char *word)
{
	size_t i, n = strlen(word);
	for (i = 0; i < n; i++) {
		if (s->p + i >= s->end) {
			s->p = s->end;
			return fail_at(s, NULL);
		}
		if (s->p[i] != word[i]) {
			s->p += i;
			return fail_at(s, "in literal");
		}
	}
	s->p += n;
	return 0;
}

/* A scalar or the opening of a container at s->p; pushes containers on *stack. */
static int scan_value_start(struct scan *s, struct strbuf *stack)
{
	if (s->p >= s->end)
		return fail_at(s, NULL);
	switch (*s->p) {
	case '{':
	case '[':
		strbuf_addch(stack, *s->p);
		s->p++;
		return 0;
	case '"':
		return scan_string(s);
	case 't':
		return scan_literal(s, "true");
	case 'f':
		return scan_literal(s, "false");
	case 'n':
		return scan_literal(s, "null");
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			return scan_number(s);
		return fail_at(s, "looking for beginning of value");
	}
}

/* After '{' or ',' in an object: a key and its colon. */
static int scan_key(struct scan *s)
{
	skip_ws(s);
	if (s->p >= s->end)
		return fail_at(s, NULL);
	if (*s->p != '"')
		return fail_at(s, "looking for beginning of object key string");
	if (scan_string(s))
		return -1;
	skip_ws(s);
	if (s->p >= s->end)
		return fail_at(s, NULL);
	if (*s->p != ':')
		return fail_at(s, "after object key");
	s->p++;
	return 0;
}

/*
 * After a value inside the innermost container: a separator or the
 * container's end.  Returns 1 when another value follows, 0 when the
 * outermost container closed, -1 on error.
 */
static int scan_after_value(struct scan *s, struct strbuf *stack)
{
	while (stack->len) {
		char open = stack->buf[stack->len - 1];
		skip_ws(s);
		if (s->p >= s->end)
			return fail_at(s, NULL);
		if (*s->p == ',') {
			s->p++;
			return open == '{' && scan_key(s) ? -1 : 1;
		}
		if (*s->p != (open == '{' ? '}' : ']'))
			return fail_at(s, open == '{' ? "after object key:value pair" :
							"after array element");
		s->p++;
		strbuf_setlen(stack, stack->len - 1);
	}
	return 0;
}

/* One whole value at s->p (after whitespace); no recursion, any depth. */
static int scan_value(struct scan *s)
{
	struct strbuf stack = STRBUF_INIT;
	int r;

	for (;;) {
		size_t depth = stack.len;
		skip_ws(s);
		if (scan_value_start(s, &stack))
			break;
		if (stack.len > depth) {
			/* An empty container closes at once. */
			skip_ws(s);
			if (s->p < s->end && *s->p == (stack.buf[stack.len - 1] == '{' ? '}' : ']')) {
				s->p++;
				strbuf_setlen(&stack, stack.len - 1);
			} else if (stack.buf[stack.len - 1] == '{') {
				if (scan_key(s))
					break;
				continue;
			} else {
				continue;
			}
		}
		r = scan_after_value(s, &stack);
		if (r < 0)
			break;
		if (r == 0) {
			strbuf_release(&stack);
			return 0;
		}
	}
	strbuf_release(&stack);
	return -1;
}

static void quote_char(struct strbuf *out, unsigned char c)
{
	if (c == '\n')
		strbuf_addstr(out, "'\\n'");
	else if (c == '\t')
		strbuf_addstr(out, "'\\t'");
	else if (c == '\r')
		strbuf_addstr(out, "'\\r'");
	else if (c < 0x20 || c >= 0x7f)
		strbuf_addf(out, "'\\x%02x'", c);
	else
		strbuf_addf(out, "'%c'", c);
}

static void describe_error(const struct scan *s, const char *base, struct strbuf *err)
{
	const char *q, *line_start = base;
	unsigned long line = 1;

	for (q = base; q < s->err_at; q++)
		if (*q == '\n') {
			line++;
			line_start = q + 1;
		}
	if (s->err_at >= s->end || !s->what) {
		strbuf_addstr(err, "unexpected end of JSON input");
	} else {
		strbuf_addstr(err, "invalid character ");
		quote_char(err, (unsigned char)*s->err_at);
		strbuf_addf(err, " %s", s->what);
	}
	strbuf_addf(err, " at line %lu, column %lu", line,
		    (unsigned long)(s->err_at - line_start) + 1);
}

int jscan_document(const char *buf, size_t len, struct jspan *root, struct strbuf *err)
{
	struct scan s = { buf, buf + len, NULL, NULL };

	skip_ws(&s);
	root->p = s.p;
	if (!scan_value(&s)) {
		root->len = (size_t)(s.p - root->p);
		skip_ws(&s);
		if (s.p == s.end)
			return 0;
		fail_at(&s, "after top-level value");
	}
	describe_error(&s, buf, err);
	return -1;
}

/* ---- iteration over validated spans ---- */

void jiter_init(struct jiter *it, struct jspan container)
{
	it->p = container.p + 1;
	it->end = container.p + container.len - 1;
}

/* Byte classes for skipping text already validated: 1 quote, 2 opening, 3 closing, 4 scalar end. */
static const unsigned char skip_class[256] = {
	['"'] = 1, ['{'] = 2, ['['] = 2, ['}'] = 3, [']'] = 3,
	[','] = 4, [' '] = 4, ['\t'] = 4, ['\n'] = 4, ['\r'] = 4,
};

/* The end of the string whose opening quote is at p. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++;; p++) {
		const char *q = p;
		p = memchr(p, '"', (size_t)(end - p));
		if (!p)
			return end;
		/* An escaped quote has an odd number of backslashes before it. */
		for (q = p; q[-1] == '\\'; q--)
			;
		if ((p - q) % 2 == 0)
			return p + 1;
	}
}

/* The end of the valid value that starts at p: no validation, no allocation. */
static const char *skip_valid(const char *p, const char *end)
{
	size_t depth = 0;

	if (skip_class[(unsigned char)*p] != 1 && skip_class[(unsigned char)*p] != 2) {
		while (p < end && !skip_class[(unsigned char)*p])
			p++;
		return p;
	}
	while (p < end) {
		switch (skip_class[(unsigned char)*p]) {
		case 1:
			p = skip_string(p, end);
			if (!depth)
				return p;
			continue;
		case 2:
			depth++;
			break;
		case 3:
			if (!--depth)
				return p + 1;
			break;
		default:
			break;
		}
		p++;
	}
	return end;
}

/* The value at it->p, which is known to be valid JSON. */
static void take_value(struct jiter *it, struct jspan *val)
{
	const char *end = skip_valid(it->p, it->end);
	val->p = it->p;
	val->len = (size_t)(end - it->p);
	it->p = end;
}

/* Skip whitespace and one separator (',' between items, ':' after a key). */
static int next_item(struct jiter *it)
{
	const char *p = it->p, *end = it->end;
	while (p < end && (is_ws(*p) || *p == ',' || *p == ':'))
		p++;
	it->p = p;
	return p < end;
}

int jiter_member(struct jiter *it, struct jspan *key, struct jspan *val)
{
	const char *end;
	if (!next_item(it))
		return 0;
	end = skip_string(it->p, it->end);
	key->p = it->p;
	key->len = (size_t)(end - it->p);
	it->p = end;
	next_item(it);
	take_value(it, val);
	return 1;
}

int jiter_element(struct jiter *it, struct jspan *val)
{
	if (!next_item(it))
		return 0;
	take_value(it, val);
	return 1;
}

int jspan_kind(struct jspan v)
{
	if (!v.len)
		return 0;
	if (*v.p == '-' || (*v.p >= '0' && *v.p <= '9'))
		return '0';
	return *v.p;
}

int jspan_key_is(struct jspan key, const char *field)
{
	struct strbuf name = STRBUF_INIT;
	int r;

	if (key.len < 2)
		return 0;
	/* The common case: compare in place, without decoding. */
	if (!memchr(key.p, '\\', key.len))
		return pb_name_is(key.p + 1, key.len - 2, field);
	jspan_string(key, &name);
	r = pb_name_is(name.buf, name.len, field);
	strbuf_release(&name);
	return r;
}

int jspan_get(struct jspan obj, const char *field, struct jspan *out)
{
	struct jiter it;
	struct jspan key, val;

	if (jspan_kind(obj) != '{')
		return 0;
	jiter_init(&it, obj);
	while (jiter_member(&it, &key, &val))
		if (jspan_key_is(key, field)) {
			*out = val;
			return 1;
		}
	return 0;
}

int jspan_path(struct jspan obj, const char *const *fields, struct jspan *out)
{
	struct jspan cur = obj;
	for (; *fields; fields++)
		if (!jspan_get(cur, *fields, &cur))
			return 0;
	*out = cur;
	return 1;
}

static unsigned hex4(const char *p)
{
	unsigned v = 0;
	int i;
	for (i = 0; i < 4; i++) {
		char c = p[i];
		v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

static void add_utf8(struct strbuf *out, unsigned cp)
{
	if (cp < 0x80) {
		strbuf_addch(out, (int)cp);
	} else if (cp < 0x800) {
		strbuf_addch(out, (int)(0xc0 | (cp >> 6)));
		strbuf_addch(out, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		strbuf_addch(out, (int)(0xe0 | (cp >> 12)));
		strbuf_addch(out, (int)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addch(out, (int)(0x80 | (cp & 0x3f)));
	} else {
		strbuf_addch(out, (int)(0xf0 | (cp >> 18)));
		strbuf_addch(out, (int)(0x80 | ((cp >> 12) & 0x3f)));
		strbuf_addch(out, (int)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addch(out, (int)(0x80 | (cp & 0x3f)));
	}
}

/* A \uhhhh escape at p (pointing at the backslash); returns the bytes consumed. */
static size_t decode_unicode(struct strbuf *out, const char *p, const char *end)
{
	unsigned cp = hex4(p + 2);
	if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 12 && p[6] == '\\' && p[7] == 'u') {
		unsigned lo = hex4(p + 8);
		if (lo >= 0xdc00 && lo < 0xe000) {
			add_utf8(out, 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00));
			return 12;
		}
	}
	/* A lone surrogate becomes U+FFFD, as Go decodes it. */
	add_utf8(out, cp >= 0xd800 && cp < 0xe000 ? 0xfffd : cp);
	return 6;
}

int jspan_string(struct jspan v, struct strbuf *out)
{
	const char *p, *end, *run;

	if (jspan_kind(v) != '"')
		return -1;
	p = run = v.p + 1;
	end = v.p + v.len - 1;
	while (p < end) {
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		if (*p != '\\') {
			p++;
			continue;
		}
		strbuf_add(out, run, (size_t)(p - run));
		if (p[1] == 'u') {
			p += decode_unicode(out, p, end);
		} else {
			strbuf_addch(out, to[strchr(from, p[1]) - from]);
			p += 2;
		}
		run = p;
	}
	strbuf_add(out, run, (size_t)(end - run));
	return 0;
}

json_t *jspan_json(struct jspan v, struct strbuf *err)
{
	json_error_t jerr;
	json_t *j = json_loadb(v.p, v.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!j)
		strbuf_addf(err, "%s at line %d, column %d", jerr.text, jerr.line, jerr.column);
	return j;
}
