/* SPDX-License-Identifier: Apache-2.0 */
/* jansson to YAML exactly as sigs.k8s.io/yaml.JSONToYAML (go-yaml v2) writes it. */
#include "yamljson.h"
#include "xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * JSONToYAML parses the JSON with go-yaml (numbers become ints or
 * floats, keys stay strings) and marshals the result with go-yaml v2:
 * keys in its "natural" order, block style with sequences at their
 * key's indentation, each string in the first style that can carry it
 * (plain, single-quoted, double-quoted; literal for multi-line text),
 * and plain and quoted text folded at spaces past column 80.  The
 * rules below follow go-yaml's encode.go, resolve.go and emitterc.go.
 */

#define BEST_WIDTH 80
#define MAX_SIMPLE_KEY 128

struct yout {
	struct strbuf *out;
	size_t column;   /* characters on the current line */
};

static size_t char_width(unsigned char c)
{
	return c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
}

static void put(struct yout *y, const char *s, size_t n)
{
	size_t i;
	strbuf_add(y->out, s, n);
	for (i = 0; i < n; i++) {
		if (s[i] == '\n')
			y->column = 0;
		else if (((unsigned char)s[i] & 0xc0) != 0x80)
			y->column++;
	}
}

static void puts_y(struct yout *y, const char *s)
{
	put(y, s, strlen(s));
}

static void newline(struct yout *y)
{
	put(y, "\n", 1);
}

/* go-yaml's write_indent: start a new line (unless at its start) and indent it. */
static void write_indent(struct yout *y, size_t indent)
{
	if (y->column > indent || (y->column && y->column == indent))
		newline(y);
	while (y->column < indent)
		put(y, " ", 1);
}

/* ---- character classes (go-yaml yamlprivateh.go) ---- */

static int at(const char *s, size_t len, size_t i)
{
	return i < len ? (unsigned char)s[i] : 0;
}

static int is_break(const char *s, size_t len, size_t i)
{
	int c = at(s, len, i);
	return c == '\r' || c == '\n' || (c == 0xc2 && at(s, len, i + 1) == 0x85) ||
	       (c == 0xe2 && at(s, len, i + 1) == 0x80 &&
		(at(s, len, i + 2) == 0xa8 || at(s, len, i + 2) == 0xa9));
}

static int is_blank(const char *s, size_t len, size_t i)
{
	return at(s, len, i) == ' ' || at(s, len, i) == '\t';
}

static int is_blankz(const char *s, size_t len, size_t i)
{
	return i >= len || is_blank(s, len, i) || is_break(s, len, i);
}

static int is_printable(const char *s, size_t len, size_t i)
{
	int c = at(s, len, i), c1 = at(s, len, i + 1), c2 = at(s, len, i + 2);
	return c == 0x0a || (c >= 0x20 && c <= 0x7e) || (c == 0xc2 && c1 >= 0xa0) ||
	       (c > 0xc2 && c < 0xed) || (c == 0xed && c1 < 0xa0) || c == 0xee ||
	       (c == 0xef && !(c1 == 0xbb && c2 == 0xbf) && !(c1 == 0xbf && (c2 == 0xbe || c2 == 0xbf)));
}

/* ---- how go-yaml resolves a plain scalar (resolve.go) ---- */

static int digit_in_base(char c, int base)
{
	int v = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? (c | 0x20) - 'a' + 10 : 99;
	return v < base ? v : -1;
}

/* strconv.ParseInt(s, 0, 64) or ParseUint(s, 0, 64) succeeds (underscores already removed). */
static int parses_as_int(const char *s)
{
	int neg = 0, base = 10, any = 0;
	unsigned long long n = 0, limit;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] | 0x20) == 'x') {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && (s[1] | 0x20) == 'o') {
		base = 8;
		s += 2;
	} else if (s[0] == '0' && (s[1] | 0x20) == 'b') {
		base = 2;
		s += 2;
	} else if (s[0] == '0' && s[1]) {
		base = 8;
		s++;
	}
	limit = neg ? (unsigned long long)INT64_MAX + 1 : UINT64_MAX;
	for (; *s; s++, any = 1) {
		int d = digit_in_base(*s, base);
		if (d < 0 || n > (limit - (unsigned long long)d) / (unsigned long long)base)
			return 0;
		n = n * (unsigned long long)base + (unsigned long long)d;
	}
	return any || base == 8;
}

static size_t span_digits(const char *s)
{
	size_t n = 0;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$, and no overflow in ParseFloat. */
static int yaml_style_float(const char *s)
{
	const char *p = s;
	size_t n;

	if (*p == '+' || *p == '-')
		p++;
	if (*p == '.') {
		if (!(n = span_digits(p + 1)))
			return 0;
		p += 1 + n;
	} else {
		if (!(n = span_digits(p)))
			return 0;
		p += n;
		if (*p == '.')
			p += 1 + span_digits(p + 1);
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(n = span_digits(p)))
			return 0;
		p += n;
	}
	errno = 0;
	return !*p && !(isinf(strtod(s, NULL)) && errno == ERANGE);
}

/* ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
static int is_base60_float(const char *s)
{
	const char *p = s;
	int groups = 0;

	if (*p == '+' || *p == '-')
		p++;
	if (!(*p >= '0' && *p <= '9'))
		return 0;
	while ((*p >= '0' && *p <= '9') || *p == '_')
		p++;
	while (*p == ':') {
		size_t n = span_digits(++p);
		if (n == 2 && p[0] > '5')
			return 0;
		if (n < 1 || n > 2)
			return 0;
		p += n;
		groups++;
	}
	if (!groups)
		return 0;
	if (*p == '.')
		for (p++; (*p >= '0' && *p <= '9') || *p == '_'; p++)
			;
	return !*p;
}

/* Go's time.Parse number fields: one or two digits (two when fixed). */
static int time_num(const char **p, int fixed, int *out)
{
	const char *s = *p;
	if (!(s[0] >= '0' && s[0] <= '9'))
		return -1;
	if (!(s[1] >= '0' && s[1] <= '9')) {
		if (fixed)
			return -1;
		*out = s[0] - '0';
		*p = s + 1;
		return 0;
	}
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	*p = s + 2;
	return 0;
}

static int days_in(int month, int year)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

/* The time part of go-yaml's timestamp layouts: 15:4:5.999999999 and the zone. */
static int time_of_day(const char *p, int zone)
{
	int h, m, sec;

	if (time_num(&p, 0, &h) || h > 23 || *p++ != ':' || time_num(&p, 0, &m) || m > 59 ||
	    *p++ != ':' || time_num(&p, 0, &sec) || sec > 59)
		return 0;
	if ((*p == '.' || *p == ',') && p[1] >= '0' && p[1] <= '9')
		p += 1 + span_digits(p + 1);
	if (zone) {
		int zh, zm;
		if (*p == 'Z')
			return !p[1];
		if ((*p != '+' && *p != '-') || strlen(p) < 6 || p[3] != ':')
			return 0;
		p++;
		if (time_num(&p, 1, &zh) || *p++ != ':' || time_num(&p, 1, &zm) || zh > 24 || zm > 60)
			return 0;
	}
	return !*p;
}

/* go-yaml's parseTimestamp: 2006-1-2T15:4:5.999999999Z07:00, the same with 't' or ' ', 2006-1-2. */
static int is_timestamp(const char *s)
{
	const char *p = s + 5;
	int year, month, day;

	if (span_digits(s) != 4 || s[4] != '-')
		return 0;
	year = atoi(s);
	if (time_num(&p, 0, &month) || month < 1 || month > 12 || *p++ != '-' ||
	    time_num(&p, 0, &day) || day < 1 || day > days_in(month, year))
		return 0;
	if (!*p)
		return 1;
	if (*p == 'T' || *p == 't')
		return time_of_day(p + 1, 1);
	return *p == ' ' && time_of_day(p + 1, 0);
}

/* Go's strconv.ParseFloat for text starting with '.' (decimal forms only). */
static int parses_as_dot_float(const char *s)
{
	char *end;
	double d;
	if (!(s[1] >= '0' && s[1] <= '9'))
		return 0;
	errno = 0;
	d = strtod(s, &end);
	return !*end && !(isinf(d) && errno == ERANGE);
}

/* Would go-yaml read s back, unquoted, as a string? */
static int resolves_to_string(const char *s, size_t len)
{
	static const char *const special[] = {
		"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
		"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
		"~", "null", "Null", "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF",
		"+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", NULL
	};
	struct strbuf plain = STRBUF_INIT;
	const char *const *sp;
	char c = len ? s[0] : 0;
	int r = 1;
	size_t i;

	if (!len || memchr(s, '\0', len))
		return len != 0;
	for (sp = special; *sp; sp++)
		if (!strcmp(*sp, s))
			return 0;
	if (c == '.')
		return !parses_as_dot_float(s);
	if (c != '+' && c != '-' && !(c >= '0' && c <= '9'))
		return 1;
	if (is_timestamp(s))
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] != '_')
			strbuf_addch(&plain, s[i]);
	/* go-yaml's extra 0b/-0b attempts accept nothing ParseInt(s, 0, 64) refused. */
	if (parses_as_int(plain.buf) || yaml_style_float(plain.buf))
		r = 0;
	strbuf_release(&plain);
	return r;
}

/* ---- scalar styles (yaml_emitter_analyze_scalar, select_scalar_style) ---- */

enum ystyle { Y_PLAIN, Y_SINGLE, Y_DOUBLE, Y_LITERAL };

struct yanalysis {
	int multiline, block_plain, single_quoted, block;
};

static int first_char_indicator(char c, int followed_by_ws, int *block)
{
	if (strchr("#,[]{}&*!|>'\"%@`", c)) {
		*block = 1;
		return 1;
	}
	if (c == '?' || c == ':') {
		*block |= followed_by_ws;
		return 1;
	}
	if (c == '-' && followed_by_ws) {
		*block = 1;
		return 1;
	}
	return 0;
}

static void analyze(const char *s, size_t len, struct yanalysis *a)
{
	int block_ind = 0, line_breaks = 0, special = 0;
	int leading_space = 0, leading_break = 0, trailing_space = 0, trailing_break = 0;
	int break_space = 0, space_break = 0, prev_space = 0, prev_break = 0, preceded_by_ws = 1;
	size_t i, w;

	if (!len) {
		a->multiline = 0;
		a->block_plain = a->single_quoted = 1;
		a->block = 0;
		return;
	}
	if (len >= 3 && (!strncmp(s, "---", 3) || !strncmp(s, "...", 3)))
		block_ind = 1;
	for (i = 0; i < len; i += w) {
		int followed_by_ws;
		w = char_width((unsigned char)s[i]);
		followed_by_ws = i + w >= len || is_blank(s, len, i + w);
		if (i == 0)
			first_char_indicator(s[i], followed_by_ws, &block_ind);
		else if ((s[i] == ':' && followed_by_ws) || (s[i] == '#' && preceded_by_ws))
			block_ind = 1;
		if (!is_printable(s, len, i))
			special = 1;
		if (s[i] == ' ') {
			leading_space |= i == 0;
			trailing_space |= i + w == len;
			break_space |= prev_break;
			prev_space = 1;
			prev_break = 0;
		} else if (is_break(s, len, i)) {
			line_breaks = 1;
			leading_break |= i == 0;
			trailing_break |= i + w == len;
			space_break |= prev_space;
			prev_space = 0;
			prev_break = 1;
		} else {
			prev_space = prev_break = 0;
		}
		preceded_by_ws = is_blankz(s, len, i);
	}
	a->multiline = line_breaks;
	a->block_plain = a->single_quoted = a->block = 1;
	if (leading_space || leading_break || trailing_space || trailing_break)
		a->block_plain = 0;
	if (trailing_space)
		a->block = 0;
	if (break_space)
		a->block_plain = a->single_quoted = 0;
	if (space_break || special)
		a->block_plain = a->single_quoted = a->block = 0;
	if (line_breaks || block_ind)
		a->block_plain = 0;
}

static enum ystyle string_style(const char *s, size_t len, int simple_key)
{
	struct yanalysis a;
	enum ystyle style;

	if (memchr(s, '\n', len))
		style = Y_LITERAL;
	else if (resolves_to_string(s, len) && !is_base60_float(s))
		style = Y_PLAIN;
	else
		style = Y_DOUBLE;
	analyze(s, len, &a);
	if (simple_key && a.multiline)
		style = Y_DOUBLE;
	if (style == Y_PLAIN && (!a.block_plain || (!len && simple_key)))
		style = Y_SINGLE;
	if (style == Y_SINGLE && !a.single_quoted)
		style = Y_DOUBLE;
	if (style == Y_LITERAL && (!a.block || simple_key))
		style = Y_DOUBLE;
	return style;
}

/* ---- writing scalars (yaml_emitter_write_*_scalar) ---- */

/*
 * The character at s[i] of a plain, single-quoted or literal scalar,
 * other than a space: a line break (in plain and single-quoted text
 * only NEL, LS or PS: a '\n' makes a string literal or double-quoted)
 * goes out as it is and sets *breaks; anything else starts an indented
 * line when it follows a break, and a quote is doubled when quote is
 * set.  Returns the character's width.
 */
static size_t write_text_char(struct yout *y, const char *s, size_t len, size_t i, size_t indent,
			      int quote, int *breaks)
{
	size_t w = char_width((unsigned char)s[i]);

	if (is_break(s, len, i)) {
		strbuf_add(y->out, s + i, w);
		y->column = 0;
		*breaks = 1;
		return w;
	}
	if (*breaks)
		write_indent(y, indent);
	if (quote && s[i] == '\'')
		put(y, "'", 1);
	put(y, s + i, w);
	*breaks = 0;
	return w;
}

static void write_folded(struct yout *y, const char *s, size_t len, size_t indent, int quote)
{
	int spaces = 0, breaks = 0;
	size_t i = 0;

	if (quote)
		put(y, "'", 1);
	while (i < len) {
		if (s[i] == ' ') {
			if (indent && !spaces && y->column > BEST_WIDTH && at(s, len, i + 1) != ' ' &&
			    (!quote || (i > 0 && i < len - 1)))
				write_indent(y, indent);
			else
				put(y, " ", 1);
			spaces = 1;
			i++;
			continue;
		}
		i += write_text_char(y, s, len, i, indent, quote, &breaks);
		/* As in go-yaml, a line break leaves spaces as it was. */
		if (!breaks)
			spaces = 0;
	}
	if (quote)
		put(y, "'", 1);
}

static unsigned decode_rune(const char *s, size_t len, size_t i, size_t *w)
{
	unsigned char c = (unsigned char)s[i];
	unsigned v;
	size_t k;

	*w = char_width(c);
	if (i + *w > len)
		*w = 1;
	v = *w == 1 ? c & 0x7f : *w == 2 ? c & 0x1f : *w == 3 ? c & 0x0f : c & 0x07;
	for (k = 1; k < *w; k++)
		v = (v << 6) + ((unsigned char)s[i + k] & 0x3f);
	return v;
}

static void write_escape(struct yout *y, unsigned v)
{
	static const struct {
		unsigned v;
		char c;
	} short_escapes[] = {
		{ 0x00, '0' }, { 0x07, 'a' }, { 0x08, 'b' }, { 0x09, 't' }, { 0x0a, 'n' },
		{ 0x0b, 'v' }, { 0x0c, 'f' }, { 0x0d, 'r' }, { 0x1b, 'e' }, { 0x22, '"' },
		{ 0x5c, '\\' }, { 0x85, 'N' }, { 0xa0, '_' }, { 0x2028, 'L' }, { 0x2029, 'P' },
	};
	char buf[16];
	size_t k;

	for (k = 0; k < ARRAY_SIZE(short_escapes); k++)
		if (short_escapes[k].v == v) {
			snprintf(buf, sizeof(buf), "\\%c", short_escapes[k].c);
			puts_y(y, buf);
			return;
		}
	if (v <= 0xff)
		snprintf(buf, sizeof(buf), "\\x%02X", v);
	else if (v <= 0xffff)
		snprintf(buf, sizeof(buf), "\\u%04X", v);
	else
		snprintf(buf, sizeof(buf), "\\U%08X", v);
	puts_y(y, buf);
}

static void write_double_quoted(struct yout *y, const char *s, size_t len, size_t indent)
{
	int spaces = 0;
	size_t i = 0, w;

	put(y, "\"", 1);
	while (i < len) {
		if (!is_printable(s, len, i) || is_break(s, len, i) || s[i] == '"' || s[i] == '\\' ||
		    (at(s, len, i) == 0xef && at(s, len, i + 1) == 0xbb && at(s, len, i + 2) == 0xbf)) {
			write_escape(y, decode_rune(s, len, i, &w));
			i += w;
			spaces = 0;
		} else if (s[i] == ' ') {
			if (indent && !spaces && y->column > BEST_WIDTH && i != 0 && i != len - 1) {
				write_indent(y, indent);
				if (at(s, len, i + 1) == ' ')
					put(y, "\\", 1);
			} else {
				put(y, " ", 1);
			}
			i++;
			spaces = 1;
		} else {
			w = char_width((unsigned char)s[i]);
			put(y, s + i, w);
			i += w;
			spaces = 0;
		}
	}
	put(y, "\"", 1);
}

static void write_literal(struct yout *y, const char *s, size_t len, size_t indent)
{
	size_t i = 0, last = len - 1;
	int breaks = 1;

	put(y, "|", 1);
	if (s[0] == ' ' || is_break(s, len, 0))
		put(y, "2", 1);
	while (last > 0 && ((unsigned char)s[last] & 0xc0) == 0x80)
		last--;
	if (!is_break(s, len, last)) {
		put(y, "-", 1);
	} else if (last == 0) {
		put(y, "+", 1);
	} else {
		size_t prev = last - 1;
		while (prev > 0 && ((unsigned char)s[prev] & 0xc0) == 0x80)
			prev--;
		if (is_break(s, len, prev))
			put(y, "+", 1);
	}
	newline(y);
	while (i < len)
		i += write_text_char(y, s, len, i, indent, 0, &breaks);
}

/* A string in its style; indent is where folded lines continue (0: never fold, as keys). */
static void write_string(struct yout *y, const char *s, size_t len, enum ystyle style, size_t indent)
{
	switch (style) {
	case Y_PLAIN:
		write_folded(y, s, len, indent, 0);
		break;
	case Y_SINGLE:
		write_folded(y, s, len, indent, 1);
		break;
	case Y_DOUBLE:
		write_double_quoted(y, s, len, indent);
		break;
	case Y_LITERAL:
		write_literal(y, s, len, indent);
		break;
	}
}

/* ---- numbers as Go formats them (strconv, encoding/json) ---- */

/*
 * The shortest decimal digits that read back as d (what Go's strconv
 * finds with -1 precision): digits without a point, and the position of
 * the point relative to the first digit.
 */
static void shortest_digits(double d, char *digits, int *point)
{
	char buf[40];
	int prec, i, n = 0;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	for (i = buf[0] == '-' ? 1 : 0; buf[i] != 'e'; i++)
		if (buf[i] != '.')
			digits[n++] = buf[i];
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	*point = atoi(buf + i + 1) + 1;
}

static void add_fixed(struct strbuf *out, const char *digits, int point)
{
	int nd = (int)strlen(digits);
	if (point <= 0) {
		strbuf_addstr(out, "0.");
		strbuf_addchars(out, '0', (size_t)-point);
		strbuf_addstr(out, digits);
	} else if (point >= nd) {
		strbuf_addstr(out, digits);
		strbuf_addchars(out, '0', (size_t)(point - nd));
	} else {
		strbuf_add(out, digits, (size_t)point);
		strbuf_addch(out, '.');
		strbuf_addstr(out, digits + point);
	}
}

static void add_exponent(struct strbuf *out, const char *digits, int point, int json)
{
	int exp = point - 1;
	strbuf_addch(out, digits[0]);
	if (digits[1]) {
		strbuf_addch(out, '.');
		strbuf_addstr(out, digits + 1);
	}
	/* strconv writes at least two exponent digits; encoding/json trims "e-07" to "e-7". */
	if (json && exp < 0 && exp > -10)
		strbuf_addf(out, "e-%d", -exp);
	else
		strbuf_addf(out, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
}

void yamljson_add_go_float(struct strbuf *out, double d, int json)
{
	char digits[24];
	int point;

	if (isnan(d) || isinf(d)) {
		strbuf_addstr(out, isnan(d) ? ".nan" : d > 0 ? ".inf" : "-.inf");
		return;
	}
	if (d == 0) {
		strbuf_addstr(out, signbit(d) ? "-0" : "0");
		return;
	}
	if (d < 0)
		strbuf_addch(out, '-');
	shortest_digits(d, digits, &point);
	/* encoding/json's float64 rule, or strconv's 'g' with the shortest precision. */
	if (json ? (fabs(d) < 1e-6 || fabs(d) >= 1e21) : (point - 1 < -4 || point - 1 >= 6))
		add_exponent(out, digits, point, json);
	else
		add_fixed(out, digits, point);
}

static void write_scalar(struct yout *y, json_t *v, size_t indent)
{
	struct strbuf num = STRBUF_INIT;

	switch (json_typeof(v)) {
	case JSON_STRING:
		write_string(y, json_string_value(v), json_string_length(v),
			     string_style(json_string_value(v), json_string_length(v), 0), indent);
		return;
	case JSON_INTEGER:
		strbuf_addf(&num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		yamljson_add_go_float(&num, json_real_value(v), 0);
		break;
	case JSON_TRUE:
		strbuf_addstr(&num, "true");
		break;
	case JSON_FALSE:
		strbuf_addstr(&num, "false");
		break;
	default:
		strbuf_addstr(&num, "null");
		break;
	}
	put(y, num.buf, num.len);
	strbuf_release(&num);
}

/* ---- go-yaml's key order (sorter.go keyList.Less) for string keys ---- */

static unsigned rune_at(const char *s, size_t *i)
{
	size_t w;
	unsigned r = decode_rune(s, strlen(s), *i, &w);
	*i += w;
	return r;
}

static int is_letter(unsigned r)
{
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r >= 0xaa;
}

static int is_digit(unsigned r)
{
	return r >= '0' && r <= '9';
}

static int key_less(const char *a, const char *b)
{
	size_t ia = 0, ib = 0, na = strlen(a), nb = strlen(b);

	while (ia < na && ib < nb) {
		size_t sa = ia, sb = ib, j;
		unsigned ra = rune_at(a, &ia), rb = rune_at(b, &ib);
		long long an = 0, bn = 0;
		int al, bl;

		if (ra == rb)
			continue;
		al = is_letter(ra);
		bl = is_letter(rb);
		if (al && bl)
			return ra < rb;
		if (al || bl)
			return bl;
		if (ra == '0' || rb == '0') {
			for (j = sa; j > 0 && is_digit((unsigned char)a[j - 1]); j--)
				if (a[j - 1] != '0') {
					an = bn = 1;
					break;
				}
		}
		for (ia = sa; ia < na && is_digit((unsigned char)a[ia]); ia++)
			an = an * 10 + (a[ia] - '0');
		for (ib = sb; ib < nb && is_digit((unsigned char)b[ib]); ib++)
			bn = bn * 10 + (b[ib] - '0');
		if (an != bn)
			return an < bn;
		if (ia - sa != ib - sb)
			return ia - sa < ib - sb;
		return ra < rb;
	}
	return strlen(a + ia) == 0 && strlen(b + ib) > 0;
}

static int cmp_keys(const void *x, const void *y)
{
	const char *a = *(const char *const *)x, *b = *(const char *const *)y;
	return key_less(a, b) ? -1 : key_less(b, a) ? 1 : 0;
}

/* ---- block structure ---- */

static void emit_block(struct yout *y, json_t *v, size_t indent, int inline_first);

static int is_empty_container(json_t *v)
{
	return (json_is_object(v) && !json_object_size(v)) || (json_is_array(v) && !json_array_size(v));
}

/*
 * What follows "key:" or "-": a nested block on the next lines, or an
 * inline value.  After a sequence dash, and after the ":" of a key too
 * long or too complex to be a simple key, go-yaml starts a nested block
 * on the same line, one level deeper.
 */
static void emit_after_indicator(struct yout *y, json_t *v, size_t indent, int same_line)
{
	if (json_is_object(v) && json_object_size(v)) {
		if (same_line)
			put(y, " ", 1);
		emit_block(y, v, indent + 2, same_line);
	} else if (json_is_array(v) && json_array_size(v)) {
		if (same_line)
			put(y, " ", 1);
		/* A sequence under a simple key sits at the key's indentation. */
		emit_block(y, v, same_line ? indent + 2 : indent, same_line);
	} else {
		put(y, " ", 1);
		if (is_empty_container(v))
			puts_y(y, json_is_object(v) ? "{}" : "[]");
		else
			write_scalar(y, v, indent + 2);
	}
}

/* Write "key:"; returns 1 when it had to be written as a complex key ("? key" / ":"). */
static int emit_key(struct yout *y, const char *key, size_t indent)
{
	size_t len = strlen(key);
	struct yanalysis a;

	analyze(key, len, &a);
	if (len > MAX_SIMPLE_KEY || a.multiline) {
		put(y, "? ", 2);
		write_string(y, key, len, string_style(key, len, 0), indent + 2);
		write_indent(y, indent);
		put(y, ":", 1);
		return 1;
	}
	write_string(y, key, len, string_style(key, len, 1), 0);
	put(y, ":", 1);
	return 0;
}

static void emit_block(struct yout *y, json_t *v, size_t indent, int inline_first)
{
	size_t i, n;

	if (json_is_object(v)) {
		const char **keys = xcalloc(json_object_size(v) + 1, sizeof(*keys));
		const char *k;
		json_t *e;

		n = 0;
		json_object_foreach(v, k, e)
			keys[n++] = k;
		qsort(keys, n, sizeof(*keys), cmp_keys);
		for (i = 0; i < n; i++) {
			if (i || !inline_first)
				write_indent(y, indent);
			int complex = emit_key(y, keys[i], indent);
			emit_after_indicator(y, json_object_get(v, keys[i]), indent, complex);
		}
		free(keys);
		return;
	}
	for (i = 0; i < json_array_size(v); i++) {
		if (i || !inline_first)
			write_indent(y, indent);
		put(y, "-", 1);
		emit_after_indicator(y, json_array_get(v, i), indent, 1);
	}
}

void yamljson_emit(struct strbuf *out, json_t *v)
{
	struct yout y = { out, 0 };

	if (is_empty_container(v))
		puts_y(&y, json_is_object(v) ? "{}" : "[]");
	else if (json_is_object(v) || json_is_array(v))
		emit_block(&y, v, 0, 0);
	else
		write_scalar(&y, v, 2);
	if (y.column)
		newline(&y);
}
