/* SPDX-License-Identifier: Apache-2.0 */
/* Growable byte strings. */
#include "strbuf.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char strbuf_slopbuf[1];

void strbuf_init(struct strbuf *sb, size_t hint)
{
	sb->alloc = sb->len = sb->cap = 0;
	sb->overflow = 0;
	sb->buf = strbuf_slopbuf;
	if (hint)
		strbuf_grow(sb, hint);
}

void strbuf_release(struct strbuf *sb)
{
	size_t cap = sb->cap;
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb, 0);
	sb->cap = cap;
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *res;
	strbuf_grow(sb, 0);
	res = sb->buf;
	if (len)
		*len = sb->len;
	strbuf_init(sb, 0);
	return res;
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	int fresh = !sb->alloc;
	size_t want;

	if (extra >= SIZE_MAX - sb->len - 1)
		(void)xmalloc(SIZE_MAX); /* reports out of memory */
	want = sb->len + extra + 1;
	if (fresh)
		sb->buf = NULL;
	if (want > sb->alloc) {
		size_t n = sb->alloc < 64 ? 64 : sb->alloc;
		while (n < want)
			n = n * 3 / 2 + 1;
		sb->buf = xrealloc(sb->buf, n);
		sb->alloc = n;
	}
	if (fresh)
		sb->buf[0] = '\0';
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (!sb->alloc) {
		sb->len = 0;
		return;
	}
	if (len > sb->len)
		len = sb->len;
	sb->len = len;
	sb->buf[len] = '\0';
}

static int over_cap(struct strbuf *sb, size_t len)
{
	if (sb->cap && (len > sb->cap || sb->len > sb->cap - len)) {
		sb->overflow = 1;
		return 1;
	}
	return 0;
}

int strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	if (over_cap(sb, len))
		return -1;
	strbuf_grow(sb, len);
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_addstr(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_addch(struct strbuf *sb, int c)
{
	char ch = (char)c;
	return strbuf_add(sb, &ch, 1);
}

void strbuf_addchars(struct strbuf *sb, int c, size_t n)
{
	if (over_cap(sb, n))
		return;
	strbuf_grow(sb, n);
	memset(sb->buf + sb->len, c, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	size_t room;

	strbuf_grow(sb, 64);
	room = sb->alloc - sb->len;
	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, room, fmt, cp);
	va_end(cp);
	if (n < 0) {
		sb->buf[sb->len] = '\0';
		return -1;
	}
	if (over_cap(sb, (size_t)n)) {
		sb->buf[sb->len] = '\0';
		return -1;
	}
	if ((size_t)n >= room) {
		strbuf_grow(sb, (size_t)n);
		va_copy(cp, ap);
		vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, cp);
		va_end(cp);
	}
	sb->len += (size_t)n;
	return 0;
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int r;
	va_start(ap, fmt);
	r = strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return r;
}

void strbuf_setf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	strbuf_reset(sb);
	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_rtrim(struct strbuf *sb)
{
	while (sb->len && isspace((unsigned char)sb->buf[sb->len - 1]))
		sb->len--;
	if (sb->alloc)
		sb->buf[sb->len] = '\0';
}

void strbuf_trim(struct strbuf *sb)
{
	size_t i = 0;
	strbuf_rtrim(sb);
	while (i < sb->len && isspace((unsigned char)sb->buf[i]))
		i++;
	if (i) {
		memmove(sb->buf, sb->buf + i, sb->len - i);
		sb->len -= i;
		sb->buf[sb->len] = '\0';
	}
}

int strbuf_read_fd(struct strbuf *sb, int fd)
{
	for (;;) {
		ssize_t n;
		strbuf_grow(sb, 8192);
		n = read(fd, sb->buf + sb->len, sb->alloc - sb->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			sb->buf[sb->len] = '\0';
			return -1;
		}
		if (n == 0)
			break;
		if (over_cap(sb, (size_t)n)) {
			sb->buf[sb->len] = '\0';
			errno = EFBIG;
			return -1;
		}
		sb->len += (size_t)n;
	}
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_read_file(struct strbuf *sb, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r, saved;
	if (fd < 0)
		return -1;
	r = strbuf_read_fd(sb, fd);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

/* Length of the valid UTF-8 sequence at p (its code point in *cp), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t len, unsigned *cp)
{
	size_t n, i;
	unsigned v, min;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2, v = p[0] & 0x1f, min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3, v = p[0] & 0x0f, min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4, v = p[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* The non-ASCII code points strconv.Quote escapes that text is likely to hold. */
static int go_unprintable(unsigned cp)
{
	return cp < 0xa1 || cp == 0xad || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff;
}

static void add_go_quoted_ascii(struct strbuf *sb, unsigned char c)
{
	static const char esc[] = "\a\b\f\n\r\t\v\"\\";
	static const char name[] = "abfnrtv\"\\";
	const char *e = c ? strchr(esc, c) : NULL;

	if (e) {
		strbuf_addch(sb, '\\');
		strbuf_addch(sb, name[e - esc]);
	} else if (c < 0x20 || c == 0x7f) {
		strbuf_addf(sb, "\\x%02x", c);
	} else {
		strbuf_addch(sb, c);
	}
}

void strbuf_add_go_quoted(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	strbuf_addch(sb, '"');
	while (i < len) {
		unsigned cp;
		size_t n;

		if (p[i] < 0x80) {
			add_go_quoted_ascii(sb, p[i++]);
			continue;
		}
		n = utf8_seq(p + i, len - i, &cp);
		if (!n) {
			strbuf_addf(sb, "\\x%02x", p[i++]);
			continue;
		}
		if (go_unprintable(cp))
			strbuf_addf(sb, "\\u%04x", cp);
		else
			strbuf_add(sb, s + i, n);
		i += n;
	}
	strbuf_addch(sb, '"');
}

void strbuf_addstr_go_quoted(struct strbuf *sb, const char *s)
{
	strbuf_add_go_quoted(sb, s, strlen(s));
}

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

void strbuf_add_urlencoded(struct strbuf *sb, const char *s, int plus)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (is_unreserved(c))
			strbuf_addch(sb, c);
		else if (plus && c == ' ')
			strbuf_addch(sb, '+');
		else
			strbuf_addf(sb, "%%%02X", c);
	}
}

static int hex_value(char c)
{
	static const char digits[] = "0123456789abcdef";
	const char *p = c ? strchr(digits, tolower((unsigned char)c)) : NULL;

	return p ? (int)(p - digits) : -1;
}

void strbuf_add_urldecoded(struct strbuf *sb, const char *s, size_t len, int plus)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && hex_value(s[i + 1]) >= 0 &&
		    hex_value(s[i + 2]) >= 0) {
			strbuf_addch(sb, hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
			i += 2;
		} else if (plus && s[i] == '+') {
			strbuf_addch(sb, ' ');
		} else {
			strbuf_addch(sb, s[i]);
		}
	}
}

int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);
	return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

int skip_prefix(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);
	if (strncmp(s, prefix, n))
		return 0;
	*rest = s + n;
	return 1;
}
