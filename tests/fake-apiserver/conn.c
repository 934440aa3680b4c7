/* SPDX-License-Identifier: Apache-2.0 */
/* One thread per connection: TLS or plain I/O, HTTP/1.1 requests and responses. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>
#include <zlib.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "fake.h"
#include "kube.h"
#include "xalloc.h"

#define MAX_BODY (16u << 20)

struct conn {
	struct server *srv;
	int fd;
	SSL *ssl;
	char *peer_user;
	char **peer_groups;
	size_t nr_peer_groups, alloc_peer_groups;
	char buf[16384];
	size_t start, end;
};

/* ---- upgrade handlers, plugged in per pod subresource ---- */

void upgrade_register(struct server *srv, const char *subresource, upgrade_fn fn)
{
	if (srv->nr_upgrades < ARRAY_SIZE(srv->upgrades)) {
		srv->upgrades[srv->nr_upgrades].subresource = subresource;
		srv->upgrades[srv->nr_upgrades].fn = fn;
		srv->nr_upgrades++;
	}
}

upgrade_fn upgrade_lookup(const struct server *srv, const char *subresource)
{
	size_t i;

	for (i = 0; i < srv->nr_upgrades; i++)
		if (!strcmp(srv->upgrades[i].subresource, subresource))
			return srv->upgrades[i].fn;
	return NULL;
}

/* ---- raw I/O ---- */

static ssize_t raw_read(struct conn *c, void *buf, size_t len)
{
	ssize_t n;

	if (len > INT_MAX)
		len = INT_MAX;
	if (c->ssl) {
		int r = SSL_read(c->ssl, buf, (int)len);
		return r > 0 ? r : -1;
	}
	do
		n = read(c->fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n > 0 ? n : -1;
}

ssize_t conn_read(struct conn *c, void *buf, size_t len)
{
	if (c->start < c->end) {
		size_t n = c->end - c->start;

		if (n > len)
			n = len;
		memcpy(buf, c->buf + c->start, n);
		c->start += n;
		return (ssize_t)n;
	}
	return raw_read(c, buf, len);
}

int conn_write_all(struct conn *c, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n;
		size_t chunk = len > INT_MAX ? INT_MAX : len;

		if (c->ssl) {
			int r = SSL_write(c->ssl, p, (int)chunk);
			n = r > 0 ? r : -1;
		} else {
			do
				n = send(c->fd, p, chunk, MSG_NOSIGNAL);
			while (n < 0 && errno == EINTR);
		}
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void conn_set_timeout(struct conn *c, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Make sure at least one more byte is buffered; -1 on EOF or error. */
static int fill(struct conn *c)
{
	ssize_t n;

	if (c->start > 0) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
	}
	if (c->end == sizeof(c->buf))
		return -1;
	n = raw_read(c, c->buf + c->end, sizeof(c->buf) - c->end);
	if (n <= 0)
		return -1;
	c->end += (size_t)n;
	return 0;
}

/* Read one CRLF- or LF-terminated line into line (without the terminator). */
static int read_line(struct conn *c, struct strbuf *line)
{
	strbuf_reset(line);
	for (;;) {
		char *nl = memchr(c->buf + c->start, '\n', c->end - c->start);

		if (nl) {
			size_t n = (size_t)(nl - (c->buf + c->start));

			strbuf_add(line, c->buf + c->start, n);
			c->start += n + 1;
			if (line->len && line->buf[line->len - 1] == '\r')
				strbuf_setlen(line, line->len - 1);
			return 0;
		}
		if (line->len + (c->end - c->start) > sizeof(c->buf))
			return -1;
		strbuf_add(line, c->buf + c->start, c->end - c->start);
		c->start = c->end;
		if (fill(c) < 0)
			return -1;
	}
}

static int read_exact(struct conn *c, struct strbuf *out, size_t len)
{
	while (len) {
		size_t n;

		if (c->start == c->end && fill(c) < 0)
			return -1;
		n = c->end - c->start;
		if (n > len)
			n = len;
		strbuf_add(out, c->buf + c->start, n);
		c->start += n;
		len -= n;
	}
	return 0;
}

/* ---- request parsing ---- */

const char *request_header(const struct request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nr_headers; i++)
		if (!strcmp(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}

/* Percent-decode s[0..len); with plus, '+' becomes a space. */
static char *url_decode(const char *s, size_t len, int plus)
{
	struct strbuf out = STRBUF_INIT;

	strbuf_add_urldecoded(&out, s, len, plus);
	return strbuf_detach(&out, NULL);
}

char *request_param(const struct request *req, const char *key)
{
	const char *p = req->query;
	size_t klen = strlen(key);

	while (*p) {
		const char *end = strchr(p, '&');
		const char *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p);

		eq = memchr(p, '=', len);
		if ((size_t)((eq ? eq : p + len) - p) == klen && !strncmp(p, key, klen))
			return eq ? url_decode(eq + 1, len - klen - 1, 1) : xstrdup("");
		p += len;
		if (*p)
			p++;
	}
	return NULL;
}

int request_param_true(const struct request *req, const char *key)
{
	char *v = request_param(req, key);
	int yes = v && (!strcmp(v, "true") || !strcmp(v, "1"));

	free(v);
	return yes;
}

/* Free n strings and the array holding them. */
static void free_strings(char **v, size_t n)
{
	while (n)
		free(v[--n]);
	free(v);
}

static void request_release(struct request *req)
{
	size_t i;

	free(req->method);
	free(req->target);
	free(req->path);
	free(req->query);
	for (i = 0; i < req->nr_headers; i++) {
		free(req->headers[i].name);
		free(req->headers[i].value);
	}
	free(req->headers);
	free(req->body);
	free(req->user);
	free_strings(req->groups, req->nr_groups);
	free(req->imp_user);
	free_strings(req->imp_groups, req->nr_imp_groups);
	memset(req, 0, sizeof(*req));
}

static int parse_request_line(struct request *req, const char *line, int *http10)
{
	const char *sp1 = strchr(line, ' ');
	const char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	const char *q;

	if (!sp1 || !sp2 || !starts_with(sp2 + 1, "HTTP/1."))
		return -1;
	*http10 = !strcmp(sp2 + 1, "HTTP/1.0");
	req->method = xstrndup(line, (size_t)(sp1 - line));
	req->target = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	q = strchr(req->target, '?');
	if (q) {
		req->path = url_decode(req->target, (size_t)(q - req->target), 0);
		req->query = xstrdup(q + 1);
	} else {
		req->path = url_decode(req->target, strlen(req->target), 0);
		req->query = xstrdup("");
	}
	return 0;
}

static void add_header(struct request *req, const char *line, const char *colon)
{
	struct header *h;
	const char *v = colon + 1;
	size_t i, vlen;

	ALLOC_GROW(req->headers, req->nr_headers + 1, req->alloc_headers);
	h = &req->headers[req->nr_headers++];
	h->name = xstrndup(line, (size_t)(colon - line));
	for (i = 0; h->name[i]; i++)
		h->name[i] = (char)tolower((unsigned char)h->name[i]);
	while (*v == ' ' || *v == '\t')
		v++;
	vlen = strlen(v);
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	h->value = xstrndup(v, vlen);
}

static int read_chunked(struct conn *c, struct strbuf *body, struct strbuf *line)
{
	for (;;) {
		unsigned long size;

		if (read_line(c, line) < 0)
			return -1;
		size = strtoul(line->buf, NULL, 16);
		if (size == 0)
			break;
		if (body->len + size > MAX_BODY || read_exact(c, body, size) < 0 ||
		    read_line(c, line) < 0)
			return -1;
	}
	do {
		if (read_line(c, line) < 0)
			return -1;
	} while (line->len);
	return 0;
}

/* Read one request; 0 ok, -1 on EOF or a malformed request. */
static int read_request(struct conn *c, struct request *req, int *keep_alive)
{
	struct strbuf line = STRBUF_INIT, body = STRBUF_INIT;
	const char *v;
	int http10 = 0, ret = -1;

	do {
		if (read_line(c, &line) < 0)
			goto out;
	} while (!line.len);
	req->time = now_seconds();
	if (parse_request_line(req, line.buf, &http10) < 0)
		goto out;
	for (;;) {
		const char *colon;

		if (read_line(c, &line) < 0)
			goto out;
		if (!line.len)
			break;
		colon = strchr(line.buf, ':');
		if (colon)
			add_header(req, line.buf, colon);
	}
	v = request_header(req, "transfer-encoding");
	if (v && strcasestr(v, "chunked")) {
		if (read_chunked(c, &body, &line) < 0)
			goto out;
	} else if ((v = request_header(req, "content-length"))) {
		unsigned long n = strtoul(v, NULL, 10);

		if (n > MAX_BODY || read_exact(c, &body, n) < 0)
			goto out;
	}
	req->body_len = body.len;
	req->body = strbuf_detach(&body, NULL);
	v = request_header(req, "connection");
	*keep_alive = !http10 && !(v && strcasestr(v, "close"));
	req->peer_user = c->peer_user;
	req->peer_groups = c->peer_groups;
	req->nr_peer_groups = c->nr_peer_groups;
	ret = 0;
out:
	strbuf_release(&line);
	strbuf_release(&body);
	return ret;
}

/* ---- responses ---- */

void response_init(struct response *resp)
{
	memset(resp, 0, sizeof(*resp));
	strbuf_init(&resp->headers, 0);
	strbuf_init(&resp->body, 0);
	resp->code = 200;
	resp->content_type = "application/json";
}

void response_release(struct response *resp)
{
	strbuf_release(&resp->headers);
	strbuf_release(&resp->body);
}

void response_add_header(struct response *resp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&resp->headers, fmt, ap);
	va_end(ap);
	strbuf_addstr(&resp->headers, "\r\n");
}

void response_json(struct response *resp, int code, const char *json)
{
	resp->code = code;
	resp->content_type = "application/json";
	strbuf_reset(&resp->body);
	strbuf_addstr(&resp->body, json);
}

static int gzip_body(const struct strbuf *in, struct strbuf *out)
{
	unsigned char chunk[65536];
	z_stream zs;
	int rc;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	strbuf_grow(out, in->len / 4);
	zs.next_in = (Bytef *)in->buf;
	zs.avail_in = (uInt)in->len;
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		rc = deflate(&zs, Z_FINISH);
		strbuf_add(out, chunk, sizeof(chunk) - zs.avail_out);
	} while (rc == Z_OK);
	deflateEnd(&zs);
	return rc == Z_STREAM_END ? 0 : -1;
}

static int wants_gzip(const struct request *req)
{
	const char *ae = request_header(req, "accept-encoding");

	return ae && strcasestr(ae, "gzip");
}

static void add_date(struct strbuf *out)
{
	char date[64];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	strbuf_addf(out, "Date: %s\r\n", date);
}

/* net/http's status line, "status code N" standing in for an unknown phrase. */
static void add_status_line(struct strbuf *out, int code)
{
	const char *phrase = kube_http_phrase(code);

	if (*phrase)
		strbuf_addf(out, "HTTP/1.1 %d %s\r\n", code, phrase);
	else
		strbuf_addf(out, "HTTP/1.1 %03d status code %d\r\n", code, code);
}

/*
 * Compress, log and write resp.  Returns 0 to keep the connection, -1
 * to close it.
 */
static int send_response(struct conn *c, struct request *req,
			 struct response *resp, int keep_alive)
{
	struct strbuf head = STRBUF_INIT, gz = STRBUF_INIT;
	const struct strbuf *body = &resp->body;
	size_t send_len;
	int ret;

	if (resp->mode == RESP_CLOSE) {
		resp->code = 0;
		reqlog_write(&c->srv->log, req, resp);
		return -1;
	}
	if (!resp->no_gzip && body->len && body->len >= c->srv->gzip_min &&
	    wants_gzip(req) && gzip_body(body, &gz) == 0) {
		body = &gz;
		resp->gzipped = 1;
	}
	send_len = resp->mode == RESP_TRUNCATE ? body->len / 2 : body->len;
	resp->wire_bytes = send_len;
	reqlog_write(&c->srv->log, req, resp);

	add_status_line(&head, resp->code);
	strbuf_addstr(&head, "Audit-Id: 00000000-0000-4000-8000-000000000000\r\n");
	strbuf_addstr(&head, "Cache-Control: no-cache, private\r\n");
	strbuf_addf(&head, "Content-Type: %s\r\n", resp->content_type);
	if (resp->gzipped)
		strbuf_addstr(&head, "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n");
	add_date(&head);
	strbuf_add(&head, resp->headers.buf, resp->headers.len);
	strbuf_addf(&head, "Content-Length: %zu\r\n", body->len);
	if (!keep_alive || resp->mode == RESP_TRUNCATE)
		strbuf_addstr(&head, "Connection: close\r\n");
	strbuf_addstr(&head, "\r\n");
	ret = conn_write_all(c, head.buf, head.len);
	if (!ret)
		ret = conn_write_all(c, body->buf, send_len);
	strbuf_release(&head);
	strbuf_release(&gz);
	if (ret < 0 || !keep_alive || resp->mode == RESP_TRUNCATE)
		return -1;
	return 0;
}

/* ---- the connection thread ---- */

static char *name_entry(X509_NAME *name, int nid, int *lastpos)
{
	X509_NAME_ENTRY *e;
	ASN1_STRING *data;
	unsigned char *utf8 = NULL;
	char *out;
	int len;

	*lastpos = X509_NAME_get_index_by_NID(name, nid, *lastpos);
	if (*lastpos < 0)
		return NULL;
	e = X509_NAME_get_entry(name, *lastpos);
	data = X509_NAME_ENTRY_get_data(e);
	len = ASN1_STRING_to_UTF8(&utf8, data);
	if (len < 0)
		return NULL;
	out = xstrndup((const char *)utf8, (size_t)len);
	OPENSSL_free(utf8);
	return out;
}

static void read_peer_identity(struct conn *c)
{
	X509 *cert = SSL_get1_peer_certificate(c->ssl);
	X509_NAME *subject;
	char *org;
	int pos = -1;

	if (!cert)
		return;
	if (SSL_get_verify_result(c->ssl) != X509_V_OK)
		goto out;
	subject = X509_get_subject_name(cert);
	c->peer_user = name_entry(subject, NID_commonName, &pos);
	pos = -1;
	while ((org = name_entry(subject, NID_organizationName, &pos))) {
		ALLOC_GROW(c->peer_groups, c->nr_peer_groups + 1, c->alloc_peer_groups);
		c->peer_groups[c->nr_peer_groups++] = org;
	}
out:
	X509_free(cert);
}

static void conn_free(struct conn *c)
{
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	close(c->fd);
	free(c->peer_user);
	free_strings(c->peer_groups, c->nr_peer_groups);
	free(c);
}

static void serve(struct conn *c)
{
	for (;;) {
		struct request req;
		struct response resp;
		int keep_alive = 0, done;

		memset(&req, 0, sizeof(req));
		if (read_request(c, &req, &keep_alive) < 0) {
			request_release(&req);
			return;
		}
		response_init(&resp);
		if (router_handle(c->srv, c, &req, &resp)) {
			reqlog_write(&c->srv->log, &req, &resp);
			done = 1;
		} else {
			done = send_response(c, &req, &resp, keep_alive) < 0;
		}
		response_release(&resp);
		request_release(&req);
		if (done)
			return;
	}
}

static void *conn_thread(void *arg)
{
	struct conn *c = arg;

	if (c->srv->ssl_ctx) {
		c->ssl = SSL_new(c->srv->ssl_ctx);
		SSL_set_fd(c->ssl, c->fd);
		if (SSL_accept(c->ssl) != 1) {
			ERR_clear_error();
			goto out;
		}
		read_peer_identity(c);
	}
	serve(c);
out:
	ERR_clear_error();
	conn_free(c);
	return NULL;
}

void conn_spawn(struct server *srv, int fd)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	pthread_attr_t attr;
	int one = 1;
	pthread_t tid;

	c->srv = srv;
	c->fd = fd;
	/* Headers and body go out as separate writes; do not let Nagle hold the tail. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, conn_thread, c) != 0)
		conn_free(c);
	pthread_attr_destroy(&attr);
}
