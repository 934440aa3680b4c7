/* SPDX-License-Identifier: Apache-2.0 */
/* An incremental HTTP/1.1 response reader: status line, headers, and the body by its framing. */
#include "http1.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
	ST_STATUS,      /* the status line */
	ST_HEADERS,     /* header lines up to the empty one */
	ST_LENGTH,      /* a body of r->left more bytes */
	ST_UNTIL_CLOSE, /* a body that ends with the connection */
	ST_CHUNK_SIZE,  /* a chunk-size line */
	ST_CHUNK_DATA,  /* r->left more bytes of a chunk */
	ST_CHUNK_END,   /* the CRLF after a chunk */
	ST_TRAILER,     /* trailer lines up to the empty one */
	ST_DONE,
};

/* The longest chunk-size or trailer line accepted. */
#define LINE_CAP 4096

void http1_response_init(struct http1_response *r, struct strbuf *body)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->status, 0);
	strbuf_init(&r->line, 0);
	r->body = body;
	r->state = ST_STATUS;
}

static void clear_headers(struct http1_response *r)
{
	size_t i;

	for (i = 0; i < r->nr_headers; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	r->nr_headers = 0;
}

void http1_response_release(struct http1_response *r)
{
	clear_headers(r);
	free(r->headers);
	strbuf_release(&r->status);
	strbuf_release(&r->line);
	r->headers = NULL;
	r->alloc_headers = 0;
}

const char *http1_header(const struct http1_response *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nr_headers; i++)
		if (!strcasecmp(r->headers[i].name, name))
			return r->headers[i].value;
	return NULL;
}

int http1_has_token(const char *list, const char *token)
{
	size_t n = strlen(token);

	while (list && *list) {
		size_t len;

		list += strspn(list, " \t,");
		len = strcspn(list, ",");
		while (len && (list[len - 1] == ' ' || list[len - 1] == '\t'))
			len--;
		if (len == n && !strncasecmp(list, token, n))
			return 1;
		list += strcspn(list, ",");
	}
	return 0;
}

static int malformed(struct strbuf *err, const char *what, const char *line)
{
	strbuf_addf(err, "malformed HTTP response: %s", what);
	if (line) {
		strbuf_addch(err, ' ');
		strbuf_addstr_go_quoted(err, line);
	}
	return -1;
}

/* "HTTP/1.1 200 OK" */
static int parse_status_line(struct http1_response *r, const char *line, struct strbuf *err)
{
	const char *p;
	char *end;
	long code;

	if (!skip_prefix(line, "HTTP/1.", &p) || !isdigit((unsigned char)*p) || p[1] != ' ')
		return malformed(err, "bad status line", line);
	p += 2;
	code = strtol(p, &end, 10);
	if (end != p + 3 || code < 100 || code > 999 || (*end && *end != ' '))
		return malformed(err, "bad status code in", line);
	r->code = (int)code;
	strbuf_reset(&r->status);
	strbuf_addstr(&r->status, p);
	return 0;
}

static int add_header_line(struct http1_response *r, const char *line, struct strbuf *err)
{
	const char *colon = strchr(line, ':');
	const char *v;
	struct http1_header *h;
	size_t vlen;

	if (!colon || colon == line)
		return malformed(err, "bad header line", line);
	ALLOC_GROW(r->headers, r->nr_headers + 1, r->alloc_headers);
	h = &r->headers[r->nr_headers++];
	h->name = xstrndup(line, (size_t)(colon - line));
	v = colon + 1;
	v += strspn(v, " \t");
	vlen = strlen(v);
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	h->value = xstrndup(v, vlen);
	return 0;
}

/* After the empty line that ends a head: how the body is framed. */
static int start_body(struct http1_response *r, struct strbuf *err)
{
	const char *te = http1_header(r, "transfer-encoding");
	const char *cl = http1_header(r, "content-length");
	char *end;

	if (r->code >= 100 && r->code < 200 && r->code != 101) {
		/* An interim answer: the real one follows. */
		clear_headers(r);
		r->code = 0;
		r->state = ST_STATUS;
		return 0;
	}
	r->head_done = 1;
	if (r->code == 101 || r->code == 204 || r->code == 304 || r->head_request) {
		r->state = ST_DONE;
	} else if (te && http1_has_token(te, "chunked")) {
		r->state = ST_CHUNK_SIZE;
	} else if (cl) {
		errno = 0;
		r->left = strtoull(cl, &end, 10);
		if (end == cl || *end || errno || *cl == '-')
			return malformed(err, "bad Content-Length", cl);
		r->state = r->left ? ST_LENGTH : ST_DONE;
	} else {
		r->state = ST_UNTIL_CLOSE;
	}
	return 0;
}

static int chunk_size(struct http1_response *r, const char *line, struct strbuf *err)
{
	char *end;

	errno = 0;
	r->left = strtoull(line, &end, 16);
	if (end == line || errno || (*end && *end != ';' && *end != ' ' && *end != '\t'))
		return malformed(err, "bad chunk size", line);
	r->state = r->left ? ST_CHUNK_DATA : ST_TRAILER;
	return 0;
}

/* A complete line (without its CRLF) in the state that reads lines. */
static int on_line(struct http1_response *r, const char *line, struct strbuf *err)
{
	switch (r->state) {
	case ST_STATUS:
		if (!*line && !r->code)
			return 0; /* tolerate blank lines before the status line */
		if (parse_status_line(r, line, err))
			return -1;
		r->state = ST_HEADERS;
		return 0;
	case ST_HEADERS:
		return *line ? add_header_line(r, line, err) : start_body(r, err);
	case ST_CHUNK_SIZE:
		return chunk_size(r, line, err);
	case ST_CHUNK_END:
		if (*line)
			return malformed(err, "no CRLF after a chunk", NULL);
		r->state = ST_CHUNK_SIZE;
		return 0;
	default: /* ST_TRAILER */
		if (!*line)
			r->state = ST_DONE;
		return 0;
	}
}

/* Collect bytes into r->line; returns the bytes used, -1 on error. */
static long feed_line(struct http1_response *r, const char *data, size_t len, struct strbuf *err)
{
	const char *nl = memchr(data, '\n', len);
	size_t n = nl ? (size_t)(nl - data) + 1 : len;
	int in_head = r->state == ST_STATUS || r->state == ST_HEADERS;
	int ret;

	r->head_bytes += in_head ? n : 0;
	if ((in_head && r->head_bytes > HTTP1_HEAD_CAP) || (!in_head && r->line.len + n > LINE_CAP))
		return malformed(err, in_head ? "the head is too large" : "a line is too long", NULL);
	strbuf_add(&r->line, data, n);
	if (!nl)
		return (long)n;
	strbuf_setlen(&r->line, r->line.len - 1);
	if (r->line.len && r->line.buf[r->line.len - 1] == '\r')
		strbuf_setlen(&r->line, r->line.len - 1);
	ret = on_line(r, r->line.buf, err);
	strbuf_reset(&r->line);
	return ret ? -1 : (long)n;
}

static int add_body(struct http1_response *r, const char *data, size_t n, struct strbuf *err)
{
	if (!strbuf_add(r->body, data, n))
		return 0;
	strbuf_addf(err, "the response body is larger than the %zu-byte limit", r->body->cap);
	return -1;
}

/* Body bytes of a known length (ST_LENGTH or ST_CHUNK_DATA); returns the bytes used. */
static long feed_counted(struct http1_response *r, const char *data, size_t len, struct strbuf *err)
{
	size_t n = r->left < len ? (size_t)r->left : len;

	if (add_body(r, data, n, err))
		return -1;
	r->left -= n;
	if (!r->left)
		r->state = r->state == ST_LENGTH ? ST_DONE : ST_CHUNK_END;
	return (long)n;
}

long http1_feed(struct http1_response *r, const char *data, size_t len, struct strbuf *err)
{
	size_t used = 0;

	while (used < len && r->state != ST_DONE) {
		long n;

		if (r->state == ST_UNTIL_CLOSE)
			n = add_body(r, data + used, len - used, err) ? -1 : (long)(len - used);
		else if (r->state == ST_LENGTH || r->state == ST_CHUNK_DATA)
			n = feed_counted(r, data + used, len - used, err);
		else
			n = feed_line(r, data + used, len - used, err);
		if (n < 0)
			return -1;
		used += (size_t)n;
	}
	r->done = r->state == ST_DONE;
	return (long)used;
}

int http1_eof(struct http1_response *r, struct strbuf *err)
{
	if (r->state == ST_UNTIL_CLOSE)
		r->state = ST_DONE;
	r->done = r->state == ST_DONE;
	if (r->done)
		return 0;
	strbuf_addstr(err, !r->code && !r->line.len && !r->head_bytes ? "EOF" : "unexpected EOF");
	return -1;
}
