/* SPDX-License-Identifier: Apache-2.0 */
/* The matchers Envoy runs for authorization: strings, IPs, paths and peer identities. */
#include "authz_priv.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --- string matchers (§4.1-§4.4) --- */

static int is_template(const char *v)
{
	return strstr(v, "{*}") || strstr(v, "{**}");
}

void strm_compile(struct strm *m, const char *value, enum strm_style style)
{
	size_t len = strlen(value);

	m->icase = style == STYLE_HOST;
	if (style == STYLE_PATH && is_template(value)) {
		m->kind = SM_TEMPLATE;
		m->s = xstrdup(value);
	} else if (!strcmp(value, "*")) {
		m->kind = style == STYLE_REGEX || style == STYLE_PATH ? SM_NONEMPTY : SM_PRESENT;
		m->s = xstrdup("");
	} else if (value[0] == '*') {
		m->kind = SM_SUFFIX;
		m->s = xstrdup(value + 1);
	} else if (len && value[len - 1] == '*') {
		m->kind = SM_PREFIX;
		m->s = xstrndup(value, len - 1);
	} else {
		m->kind = SM_EXACT;
		m->s = xstrdup(value);
	}
}

void strm_release(struct strm *m)
{
	free(m->s);
	m->s = NULL;
}

static int has_prefix(const char *v, const char *p, int icase)
{
	size_t n = strlen(p);
	return icase ? !strncasecmp(v, p, n) : !strncmp(v, p, n);
}

static int has_suffix(const char *v, const char *p, int icase)
{
	size_t lv = strlen(v), lp = strlen(p);
	if (lp > lv)
		return 0;
	return icase ? !strcasecmp(v + lv - lp, p) : !strcmp(v + lv - lp, p);
}

/* Envoy's uri_template character classes (§7.4). */
static int template_char(int c)
{
	return isalnum(c) || (c && strchr("-._~%!$&'()+,;:@", c));
}

/* Match path from p against template t from ti; backtracking over operators. */
static int template_match(const char *t, const char *p)
{
	if (!*t)
		return !*p;
	if (!strncmp(t, "{**}", 4)) {
		const char *q = p;
		for (;;) {
			if (template_match(t + 4, q))
				return 1;
			if (!*q || !(template_char((unsigned char)*q) || *q == '/'))
				return 0;
			q++;
		}
	}
	if (!strncmp(t, "{*}", 3)) {
		const char *q = p;
		while (template_char((unsigned char)*q)) {
			q++;
			if (template_match(t + 3, q))
				return 1;
		}
		return 0;
	}
	return *t == *p && template_match(t + 1, p + 1);
}

int strm_match(const struct strm *m, const char *value)
{
	if (!value)
		return 0;
	switch (m->kind) {
	case SM_EXACT:
		return m->icase ? !strcasecmp(value, m->s) : !strcmp(value, m->s);
	case SM_PREFIX:
		return has_prefix(value, m->s, m->icase);
	case SM_SUFFIX:
		return has_suffix(value, m->s, m->icase);
	case SM_PRESENT:
		return 1;
	case SM_NONEMPTY:
		return *value != 0;
	case SM_TEMPLATE:
		return template_match(m->s, value);
	}
	return 0;
}

static int pchar(int c)
{
	return isalnum(c) || (c && strchr("-._~%!$&'()*+,;=:@", c));
}

/* One segment of a template: an operator alone, or literal pchars. */
static int template_segment_valid(const char *seg, size_t len, int *seen_dstar,
				  struct strbuf *err)
{
	size_t i;
	if ((len == 3 && !strncmp(seg, "{*}", 3)) || (len == 4 && !strncmp(seg, "{**}", 4))) {
		if (*seen_dstar) {
			strbuf_addstr(err, "{**} must be the last operator");
			return 0;
		}
		*seen_dstar = len == 4;
		return 1;
	}
	for (i = 0; i < len; i++) {
		if (seg[i] == '{' || seg[i] == '}' || seg[i] == '*') {
			strbuf_addf(err, "segment \"%.*s\" mixes an operator with other characters",
				    (int)len, seg);
			return 0;
		}
		if (!pchar((unsigned char)seg[i])) {
			strbuf_addf(err, "segment \"%.*s\" has a character that is not allowed in a path",
				    (int)len, seg);
			return 0;
		}
	}
	return 1;
}

int path_template_valid(const char *value, struct strbuf *err)
{
	const char *p = value;
	int seen_dstar = 0;

	if (*p != '/') {
		strbuf_addstr(err, "a path template must start with /");
		return 0;
	}
	while (*p == '/') {
		const char *end = strchrnul(p + 1, '/');
		if (!template_segment_valid(p + 1, (size_t)(end - p - 1), &seen_dstar, err))
			return 0;
		p = end;
	}
	return 1;
}

/* --- IP addresses --- */

int cidr_parse(struct cidr *c, const char *text)
{
	const char *slash = strchr(text, '/');
	char addr[64];
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	int max, i;

	if (!len || len >= sizeof(addr))
		return -1;
	memcpy(addr, text, len);
	addr[len] = 0;
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, addr, c->addr) == 1) {
		c->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, c->addr) == 1) {
		c->family = 6;
		max = 128;
	} else {
		return -1;
	}
	c->bits = max;
	if (slash) {
		char *end;
		long b;
		if (!isdigit((unsigned char)slash[1]))
			return -1;
		b = strtol(slash + 1, &end, 10);
		if (*end || b < 0 || b > max || (slash[1] == '0' && slash[2]))
			return -1;
		c->bits = (int)b;
	}
	/* Envoy masks the host bits. */
	for (i = c->bits; i < max; i++)
		c->addr[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
	return 0;
}

static int prefix_equal(const unsigned char *a, const unsigned char *b, int bits)
{
	int i;
	for (i = 0; i < bits; i++)
		if ((a[i / 8] ^ b[i / 8]) & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

int cidr_contains(const struct cidr *outer, const struct cidr *inner)
{
	return outer->family == inner->family && outer->bits <= inner->bits &&
	       prefix_equal(outer->addr, inner->addr, outer->bits);
}

int cidr_overlaps(const struct cidr *a, const struct cidr *b)
{
	return cidr_contains(a, b) || cidr_contains(b, a);
}

int authz_valid_ip(const char *text)
{
	struct cidr c;
	return !strchr(text, '/') && !cidr_parse(&c, text);
}

/* --- path normalization (§7.4) --- */

static int hexval(int c)
{
	if (isdigit(c))
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int unreserved(int c)
{
	return isalnum(c) || (c && strchr("-._~", c));
}

/* Decode %XX of unreserved characters (and of / and \ when slashes). */
static int decode_escapes(struct strbuf *out, const char *in, int slashes, struct strbuf *err)
{
	for (; *in; in++) {
		int hi, lo, c;
		if (*in != '%' || (hi = hexval((unsigned char)in[1])) < 0 ||
		    (lo = hexval((unsigned char)in[2])) < 0) {
			strbuf_addch(out, *in);
			continue;
		}
		c = hi * 16 + lo;
		if (!c) {
			strbuf_addstr(err, "the path holds %00, which Envoy rejects with 400");
			return -1;
		}
		if (unreserved(c) || (slashes && (c == '/' || c == '\\'))) {
			strbuf_addch(out, c);
		} else {
			strbuf_addch(out, '%');
			strbuf_addch(out, toupper((unsigned char)in[1]));
			strbuf_addch(out, toupper((unsigned char)in[2]));
		}
		in += 2;
	}
	return 0;
}

/* RFC 3986 5.2.4 remove_dot_segments on a path that starts with "/". */
static void remove_dots(struct strbuf *out, const char *in)
{
	strbuf_reset(out);
	while (*in) {
		if (starts_with(in, "/./")) {
			in += 2;
		} else if (!strcmp(in, "/.")) {
			in = "/";
		} else if (starts_with(in, "/../") || !strcmp(in, "/..")) {
			char *last = out->len ? strrchr(out->buf, '/') : NULL;
			strbuf_setlen(out, last ? (size_t)(last - out->buf) : 0);
			in = in[3] ? in + 3 : "/";
		} else {
			const char *end = strchrnul(in + 1, '/');
			strbuf_add(out, in, (size_t)(end - in));
			in = end;
		}
	}
}

static void merge_slashes(struct strbuf *sb)
{
	size_t i, j = 0;
	for (i = 0; i < sb->len; i++)
		if (!(sb->buf[i] == '/' && j && sb->buf[j - 1] == '/'))
			sb->buf[j++] = sb->buf[i];
	strbuf_setlen(sb, j);
}

char *path_normalize(const char *raw, enum path_norm mode, struct strbuf *err)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	size_t i, len = strcspn(raw, "?#");

	strbuf_add(&a, raw, len);
	if (mode == NORM_NONE)
		return strbuf_detach(&a, NULL);
	if (decode_escapes(&b, a.buf, mode == NORM_DECODE_AND_MERGE_SLASHES, err)) {
		strbuf_release(&a);
		strbuf_release(&b);
		return NULL;
	}
	for (i = 0; i < b.len; i++)
		if (b.buf[i] == '\\')
			b.buf[i] = '/';
	remove_dots(&a, b.buf);
	if (!a.len)
		strbuf_addch(&a, '/');
	if (mode == NORM_MERGE_SLASHES || mode == NORM_DECODE_AND_MERGE_SLASHES)
		merge_slashes(&a);
	strbuf_release(&b);
	return strbuf_detach(&a, NULL);
}

/* --- identity atoms --- */

/* Full match of s against a glob where '*' is any sequence (regex .*). */
static int glob_match(const char *g, const char *s)
{
	const char *star = NULL, *back = NULL;
	while (*s) {
		if (*g == '*') {
			star = g++;
			back = s;
		} else if (*g == *s) {
			g++;
			s++;
		} else if (star) {
			g = star + 1;
			s = ++back;
		} else {
			return 0;
		}
	}
	while (*g == '*')
		g++;
	return !*g;
}

/* spiffe://.+/ns/<ns>/(.+/|)sa/<sa>(/.+)? */
static int sa_tail_match(const char *r, const char *sa)
{
	size_t n = strlen(sa);
	const char *p;
	for (p = r; (p = strstr(p, "sa/")); p++) {
		const char *after = p + 3 + n;
		if (p != r && (p - r < 2 || p[-1] != '/'))
			continue;
		if (strncmp(p + 3, sa, n))
			continue;
		if (!*after || (after[0] == '/' && after[1]))
			return 1;
	}
	return 0;
}

static int sa_match(const char *san, const char *ns, const char *sa)
{
	struct strbuf mid = STRBUF_INIT;
	const char *p;
	int found = 0;

	if (!skip_prefix(san, "spiffe://", &p) || !*p)
		return 0;
	strbuf_addf(&mid, "/ns/%s/", ns);
	for (p = p + 1; !found && (p = strstr(p, mid.buf)); p++)
		found = sa_tail_match(p + mid.len, sa);
	strbuf_release(&mid);
	return found;
}

static int td_glob(const char *td, const char *pre, const char *suf)
{
	size_t lt = strlen(td), lp = strlen(pre), ls = strlen(suf);
	return lt >= lp + ls && !strncmp(td, pre, lp) && !strcmp(td + lt - ls, suf);
}

static enum tri known(int v)
{
	return v ? TRI_TRUE : TRI_FALSE;
}

static enum tri atom_match_san(const struct atom *a, const char *san)
{
	const char *td;
	size_t tdlen;

	switch (a->kind) {
	case AT_EXACT:
		return known(!strcmp(san, a->s));
	case AT_PREFIX:
		return known(starts_with(san, a->s));
	case AT_SUFFIX:
		return known(starts_with(san, "spiffe://") && strlen(san) >= 9 + strlen(a->s) &&
			     ends_with(san, a->s));
	case AT_ANY:
		return known(*san != 0);
	case AT_NAMESPACE:
		return known(glob_match(a->s, san));
	case AT_SA:
		return known(sa_match(san, a->s, a->s2));
	case AT_TD:
	case AT_TD_GLOB:
		if (!skip_prefix(san, "spiffe://", &td))
			return TRI_FALSE;
		tdlen = strcspn(td, "/");
		if (!td[tdlen])
			return TRI_FALSE;
		{
			char *t = xstrndup(td, tdlen);
			int r = a->kind == AT_TD ? !strcmp(t, a->s) : td_glob(t, a->s, a->s2);
			free(t);
			return known(r);
		}
	}
	return TRI_FALSE;
}

/*
 * A peer known only by trust domain (SAN spiffe://<td>/ns/?/sa/?), or by
 * trust domain and namespace (spiffe://<td>/ns/<ns>/sa/?).
 */
static enum tri atom_match_partial(const struct atom *a, const char *td, const char *ns)
{
	char *head = ns ? xasprintf("spiffe://%s/ns/%s/sa/", td, ns) : xasprintf("spiffe://%s/", td);
	enum tri r = TRI_UNKNOWN;

	switch (a->kind) {
	case AT_EXACT:
		if (!starts_with(a->s, head))
			r = TRI_FALSE;
		break;
	case AT_PREFIX:
		if (starts_with(head, a->s))
			r = TRI_TRUE;
		else if (!starts_with(a->s, head))
			r = TRI_FALSE;
		break;
	case AT_ANY:
		r = TRI_TRUE;
		break;
	case AT_TD:
		r = known(!strcmp(td, a->s));
		break;
	case AT_TD_GLOB:
		r = known(td_glob(td, a->s, a->s2));
		break;
	case AT_NAMESPACE:
		if (ns) {
			char *san = xasprintf("%sx", head);
			r = known(glob_match(a->s, san));
			free(san);
		}
		break;
	case AT_SA:
		if (ns && strcmp(ns, a->s))
			r = TRI_FALSE;
		break;
	default:
		break;
	}
	free(head);
	return r;
}

enum tri atom_match(const struct atom *a, const struct peer *p)
{
	switch (p->kind) {
	case PEER_PLAINTEXT:
		return TRI_FALSE;
	case PEER_PRINCIPAL:
		return atom_match_san(a, p->san);
	case PEER_TD:
	case PEER_NS:
		break;
	}
	return atom_match_partial(a, p->td, p->kind == PEER_NS ? p->ns : NULL);
}
