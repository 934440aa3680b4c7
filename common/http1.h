/* SPDX-License-Identifier: Apache-2.0 */
/* An incremental HTTP/1.1 response reader: status line, headers, and the body by its framing. */
#ifndef MESH_HTTP1_H
#define MESH_HTTP1_H

#include <stdint.h>
#include "strbuf.h"

/*
 * The WebSocket upgrade answer and the responses fetched through
 * pods/portforward arrive as bytes in pieces of any size; feed them
 * as they come.  The reader understands what a server may send to a
 * client that asked with HTTP/1.1: interim 1xx answers (skipped, except
 * 101, which ends the response after its head), Content-Length, chunked
 * transfer coding (extensions and trailers ignored), and bodies that
 * end with the connection.  204, 304 and answers to HEAD have no body.
 */

struct http1_header {
	char *name; /* as the server wrote it */
	char *value;
};

struct http1_response {
	/* results */
	int code;               /* status code; 0 until the status line arrived */
	struct strbuf status;   /* the status line after the version: "404 Not Found" */
	struct http1_header *headers;
	size_t nr_headers, alloc_headers;
	struct strbuf *body;    /* borrowed: the decoded body is appended here (its cap applies) */
	int head_done;          /* the final head arrived */
	int done;               /* the whole response arrived */

	/* in: set after http1_response_init() */
	int head_request;       /* the request was HEAD: no body follows */

	/* the reader's state */
	int state;
	uint64_t left;          /* bytes left of the body or of the chunk */
	size_t head_bytes;      /* size of the head so far, against the limit */
	struct strbuf line;     /* a line not yet complete */
};

/* The most a head (status line and headers) may take. */
#define HTTP1_HEAD_CAP ((size_t)64 << 10)

/* Start reading a response whose body goes to body (borrowed). */
void http1_response_init(struct http1_response *r, struct strbuf *body);
void http1_response_release(struct http1_response *r);

/*
 * Feed the next len bytes.  Returns how many were used, which is less
 * than len only when the response ended inside them (r->done; the rest
 * belongs to whatever follows, such as WebSocket frames after a 101),
 * or -1 with err set when the bytes are not an HTTP response or the
 * body outgrows its buffer's cap.
 */
long http1_feed(struct http1_response *r, const char *data, size_t len, struct strbuf *err);

/*
 * The connection ended.  Returns 0 when the response is complete (a
 * body that lasts until the close is), -1 with err set otherwise: "EOF"
 * when nothing arrived, "unexpected EOF" when it stopped part-way.
 */
int http1_eof(struct http1_response *r, struct strbuf *err);

/* The first value of header name (any case), or NULL; borrowed from r. */
const char *http1_header(const struct http1_response *r, const char *name);

/* 1 when the comma-separated header value list holds token (any case). */
int http1_has_token(const char *list, const char *token);

#endif
