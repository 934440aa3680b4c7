/* SPDX-License-Identifier: Apache-2.0 */
/* Growable byte strings with git's invariants and an optional size cap. */
#ifndef MESH_STRBUF_H
#define MESH_STRBUF_H

#include "compat.h"

/*
 * Invariants: buf is never NULL and is always NUL-terminated, so
 * sb.buf can be handed to any C string function.  len excludes the
 * terminator.  A strbuf declared with STRBUF_INIT needs no allocation
 * until something is added; strbuf_release() frees and re-initialises.
 *
 * cap, when non-zero, bounds len: an append that would exceed it is
 * refused, returns -1 and sets overflow.  The API client uses this so a
 * hostile server cannot make a body grow without limit.
 */
struct strbuf {
	size_t alloc;
	size_t len;
	size_t cap;
	int overflow;
	char *buf;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT { 0, 0, 0, 0, strbuf_slopbuf }

void strbuf_init(struct strbuf *sb, size_t hint);
/* Frees the buffer and leaves sb as after STRBUF_INIT (cap kept). */
void strbuf_release(struct strbuf *sb);
/*
 * Returns the buffer, which the caller now owns and frees; sb is
 * re-initialised.  Never returns NULL.
 */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_setlen(struct strbuf *sb, size_t len);
#define strbuf_reset(sb) strbuf_setlen((sb), 0)

int strbuf_add(struct strbuf *sb, const void *data, size_t len);
int strbuf_addstr(struct strbuf *sb, const char *s);
int strbuf_addch(struct strbuf *sb, int c);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...) MESH_PRINTF(2, 3);
int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap) MESH_PRINTF(2, 0);
/* Replace the contents with a formatted string. */
void strbuf_setf(struct strbuf *sb, const char *fmt, ...) MESH_PRINTF(2, 3);
/* Append n copies of c. */
void strbuf_addchars(struct strbuf *sb, int c, size_t n);

/* Remove leading and trailing ASCII whitespace in place. */
void strbuf_trim(struct strbuf *sb);
void strbuf_rtrim(struct strbuf *sb);

/*
 * Read all of fd (or a whole file) and append it.  Return 0, or -1 with
 * errno set.  With a cap, -1 and errno EFBIG when the data exceeds it.
 */
int strbuf_read_fd(struct strbuf *sb, int fd);
int strbuf_read_file(struct strbuf *sb, const char *path);

/*
 * Append s[0..len) quoted as Go's %q (strconv.Quote) prints it, with
 * the double quotes: \a \b \f \n \r \t \v \" \\ by name, other
 * ASCII controls and bytes of invalid UTF-8 as \xNN, the non-ASCII code
 * points text is likely to hold that Go deems unprintable (C1
 * controls, U+00A0, U+00AD, U+2028, U+2029, U+FEFF) as \uNNNN, and
 * everything else, valid UTF-8 included, as it is.
 */
void strbuf_add_go_quoted(struct strbuf *sb, const char *s, size_t len);
/* The same for a C string. */
void strbuf_addstr_go_quoted(struct strbuf *sb, const char *s);

/*
 * Append s percent-encoded for a URL query value: the RFC 3986
 * unreserved bytes (A-Z a-z 0-9 - . _ ~) as they are, every other byte
 * as %XX (upper-case hex).  With plus, a space becomes '+', as Go's
 * url.QueryEscape writes it and form bodies want it; without, %20.
 */
void strbuf_add_urlencoded(struct strbuf *sb, const char *s, int plus);
/*
 * Append s[0..len) percent-decoded: %XX with two hex digits becomes its
 * byte, anything else (a stray '%' too) is kept; with plus, '+' becomes
 * a space, as in a query string or a form body.
 */
void strbuf_add_urldecoded(struct strbuf *sb, const char *s, size_t len, int plus);


/* Plain C-string helpers that belong nowhere else. */
int starts_with(const char *s, const char *prefix);
int ends_with(const char *s, const char *suffix);
/* If s starts with prefix, point *rest past it and return 1. */
int skip_prefix(const char *s, const char *prefix, const char **rest);

#endif
