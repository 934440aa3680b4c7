/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 6455 WebSocket client over the API client's own connection to the server. */
#include "websocket.h"
#include "base64.h"
#include "http1.h"
#include "kube_priv.h"
#include "xalloc.h"

#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <poll.h>
#include <string.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
/* client-go reads at most this much of a refused upgrade's body. */
#define REFUSAL_BODY_CAP ((size_t)64 << 10)
/* How much one read asks for (a TLS record's worth). */
#define READ_CHUNK ((size_t)16 << 10)

struct ws {
	struct kube_client *c;
	struct kube_req req;  /* the upgrade request, as the API client's texts and log see it */
	struct kube_xfer x;   /* its attempt: easy handle, headers, URLs, credential, deadline */
	curl_socket_t fd;
	int upgraded;         /* the 101 arrived: later failures are the stream's */
	int eof;              /* the connection ended */
	int broken;           /* a read or write failed: no close frame can be sent */
	char *protocol;
	struct strbuf in;     /* bytes received; in_off of them are used */
	size_t in_off;
	int close_status;     /* the server's close frame; 0 before */
	int close_sent;
};

/* ---- time ---- */

/* How long the next wait may last (ms); 0 when the deadline has passed. */
static int wait_budget(const struct ws *ws)
{
	uint64_t now = kube_now_ms(), left;

	if (!ws->x.deadline_ms)
		return (int)WS_IDLE_MS;
	left = ws->x.deadline_ms > now ? ws->x.deadline_ms - now : 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

static void timeout_error(const struct ws *ws, struct strbuf *err)
{
	if (!ws->upgraded) {
		strbuf_addstr(err, KUBE_TIMEOUT_TEXT);
	} else if (ws->x.deadline_ms) {
		strbuf_addstr(err, "the request timeout (");
		kube_add_go_duration(err, ws->c->timeout_ms);
		strbuf_addstr(err, ") ran out before the stream ended");
	} else {
		strbuf_addstr(err, "no data from the server for ");
		kube_add_go_duration(err, WS_IDLE_MS);
	}
}

/* ---- socket I/O ---- */

/* Wait until the socket is ready for events; -1 with err on a timeout. */
static int wait_socket(struct ws *ws, short events, struct strbuf *err)
{
	for (;;) {
		struct pollfd pfd = { ws->fd, events, 0 };
		int budget = wait_budget(ws);
		int n = budget ? poll(&pfd, 1, budget) : 0;

		if (n > 0)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		timeout_error(ws, err);
		return -1;
	}
}

/* A failed curl_easy_send/recv, worded as the API client words it before the upgrade. */
static void io_error(struct ws *ws, CURLcode rc, const char *op, struct strbuf *err)
{
	ws->broken = 1;
	if (!ws->upgraded) {
		kube_transport_error(&ws->x, rc);
		strbuf_add(err, ws->req.err.buf, ws->req.err.len);
		return;
	}
	strbuf_addf(err, "%s: %s", op, *ws->x.errbuf ? ws->x.errbuf : curl_easy_strerror(rc));
}

static int send_all(struct ws *ws, const void *data, size_t len, struct strbuf *err)
{
	const char *p = data;

	while (len) {
		size_t n = 0;
		CURLcode rc = curl_easy_send(ws->x.easy, p, len, &n);

		if (rc == CURLE_AGAIN) {
			if (wait_socket(ws, POLLOUT, err))
				return -1;
			continue;
		}
		if (rc != CURLE_OK) {
			io_error(ws, rc, "write", err);
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * Read more bytes into ws->in.  Returns 0; 1 at the end of the
 * connection (ws->eof); -1 with err on an error or a timeout.
 */
static int fill(struct ws *ws, struct strbuf *err)
{
	if (ws->in_off && ws->in_off == ws->in.len) {
		strbuf_reset(&ws->in);
		ws->in_off = 0;
	} else if (ws->in_off > ws->in.len / 2) {
		memmove(ws->in.buf, ws->in.buf + ws->in_off, ws->in.len - ws->in_off);
		strbuf_setlen(&ws->in, ws->in.len - ws->in_off);
		ws->in_off = 0;
	}
	for (;;) {
		char buf[READ_CHUNK];
		size_t n = 0;
		CURLcode rc = curl_easy_recv(ws->x.easy, buf, sizeof(buf), &n);

		if (rc == CURLE_AGAIN) {
			if (wait_socket(ws, POLLIN, err))
				return -1;
			continue;
		}
		if (rc != CURLE_OK) {
			io_error(ws, rc, "read", err);
			return -1;
		}
		if (!n) {
			ws->eof = 1;
			return 1;
		}
		strbuf_add(&ws->in, buf, n);
		return 0;
	}
}

/* ---- the upgrade ---- */

static void release_attempt(struct ws *ws)
{
	if (ws->x.easy)
		curl_easy_cleanup(ws->x.easy);
	ws->x.easy = NULL;
	kube_headers_free(ws->x.headers);
	ws->x.headers = NULL;
	kube_authn_release(&ws->x.authn);
	strbuf_reset(&ws->in);
	ws->in_off = 0;
	ws->eof = ws->broken = 0;
}

/* TCP, the proxy and TLS, as every API request makes them; -1 with ws->req.err set. */
static int connect_only(struct ws *ws)
{
	struct kube_xfer *x = &ws->x;
	CURL *e = kube_nonnull(curl_easy_init());
	int budget = wait_budget(ws);
	CURLcode rc;

	x->easy = e;
	x->errbuf[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	kube_easy_connection(ws->c, e, &x->authn);
	curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
	/* ALPN must not offer h2: the upgrade is an HTTP/1.1 request. */
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	/* Through an HTTP proxy the connection must be a CONNECT tunnel, even for http://. */
	curl_easy_setopt(e, CURLOPT_HTTPPROXYTUNNEL, 1L);
	if (x->deadline_ms)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(budget ? budget : 1));
	rc = budget ? curl_easy_perform(e) : CURLE_OPERATION_TIMEDOUT;
	if (rc == CURLE_OK)
		rc = curl_easy_getinfo(e, CURLINFO_ACTIVESOCKET, &ws->fd);
	if (rc == CURLE_OK)
		return 0;
	kube_transport_error(x, rc);
	return -1;
}

/* The path part of the server URL ("" or "/prefix"), which every request path follows. */
static const char *server_path(const struct kube_client *c)
{
	const char *p = strstr(c->shown_url, "://");
	const char *slash = p ? strchr(p + 3, '/') : NULL;

	return slash ? slash : "";
}

void ws_accept_value(struct strbuf *out, const char *key)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *text = xasprintf("%s%s", key, WS_GUID);

	if (EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha1(), NULL) != 1)
		mdlen = 0; /* matches no server's answer */
	base64_encode(out, md, mdlen);
	free(text);
}

/* The random Sec-WebSocket-Key, and the Sec-WebSocket-Accept that answers it. */
static int make_key(struct strbuf *key, struct strbuf *accept)
{
	unsigned char nonce[16];

	if (RAND_bytes(nonce, sizeof(nonce)) != 1)
		return -1;
	base64_encode(key, nonce, sizeof(nonce));
	ws_accept_value(accept, key->buf);
	return 0;
}

static void add_protocols(struct strbuf *sb, const char *const *protocols)
{
	const char *const *p;

	for (p = protocols; p && *p; p++)
		strbuf_addf(sb, "%s%s", p == protocols ? "" : ", ", *p);
}

/* x->headers for the upgrade (logged as other requests are), and the request's bytes. */
static void build_request(struct ws *ws, const char *key, const char *const *protocols,
			  struct strbuf *out)
{
	struct strbuf list = STRBUF_INIT;
	const struct curl_slist *h;

	kube_identity_headers(ws->c, &ws->x.authn, &ws->x.headers);
	kube_header_add(&ws->x.headers, "Connection: Upgrade");
	kube_header_add(&ws->x.headers, "Upgrade: websocket");
	kube_header_add(&ws->x.headers, "Sec-WebSocket-Version: 13");
	kube_header_add(&ws->x.headers, "Sec-WebSocket-Key: %s", key);
	add_protocols(&list, protocols);
	if (list.len)
		kube_header_add(&ws->x.headers, "Sec-WebSocket-Protocol: %s", list.buf);
	strbuf_release(&list);
	strbuf_addf(out, "GET %s%s HTTP/1.1\r\nHost: %s\r\n", server_path(ws->c), ws->req.path,
		    ws->c->host_port);
	for (h = ws->x.headers; h; h = h->next)
		strbuf_addf(out, "%s\r\n", h->data);
	strbuf_addstr(out, "\r\n");
}

/*
 * Feed the received bytes to resp until it has its head (body_too:
 * until it is complete, or the connection ends).  -1 with err set.
 */
static int read_answer(struct ws *ws, struct http1_response *resp, int body_too,
		       struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	int ret = 0;

	while (!ret && (body_too ? !resp->done : !resp->head_done)) {
		long n = 0;
		int r = ws->in_off < ws->in.len ? 0 : fill(ws, err);

		if (r < 0)
			return -1;
		if (r > 0)
			ret = http1_eof(resp, &why) ? -1 : 1;
		else if ((n = http1_feed(resp, ws->in.buf + ws->in_off, ws->in.len - ws->in_off, &why)) < 0)
			ret = -1;
		else
			ws->in_off += (size_t)n;
	}
	/* A refusal's body may end early or outgrow its cap: keep what came. */
	if (ret < 0 && !resp->head_done)
		strbuf_addf(err, "Unable to connect to the server: %s", why.buf);
	strbuf_release(&why);
	return ret < 0 && !resp->head_done ? -1 : 0;
}

/*
 * One attempt: connect, send the upgrade request, read the answer's
 * head.  Returns the status code, or -1 with err set.
 */
static long attempt(struct ws *ws, const char *const *protocols, struct strbuf *accept,
		    struct http1_response *resp, struct strbuf *err)
{
	struct strbuf key = STRBUF_INIT, request = STRBUF_INIT, cred_err = STRBUF_INIT;
	long code = -1;

	strbuf_reset(accept);
	if (kube_auth_get(ws->c, &ws->x.authn, &cred_err)) {
		strbuf_addf(err, "Unable to connect to the server: %s", cred_err.buf);
		goto out;
	}
	ws->x.sent_ms = kube_now_ms();
	if (make_key(&key, accept)) {
		strbuf_addstr(err, "unable to make a WebSocket key: no random numbers");
		goto out;
	}
	build_request(ws, key.buf, protocols, &request);
	kube_log_request(&ws->x, __FILE__, __LINE__);
	if (connect_only(ws)) {
		strbuf_add(err, ws->req.err.buf, ws->req.err.len);
		goto out;
	}
	if (!send_all(ws, request.buf, request.len, err) && !read_answer(ws, resp, 0, err))
		code = resp->code;
out:
	explicit_bzero(request.buf, request.len);
	strbuf_release(&request);
	strbuf_release(&key);
	strbuf_release(&cred_err);
	return code;
}

/* Whether body is a Status object, which client-go turns into an API error. */
static int is_status(const struct strbuf *body)
{
	json_t *doc = json_loadb(body->buf, body->len, 0, NULL);
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	int yes = kind && !strcmp(kind, "Status");

	json_decref(doc);
	return yes;
}

/* client-go's texts for a refused upgrade (transport/websocket and spdy round trippers). */
static void refusal_error(struct ws *ws, struct http1_response *resp, struct strbuf *err)
{
	struct strbuf *body = resp->body;

	if (is_status(body)) {
		kube_response_error(&ws->req, resp->code, "GET",
				    http1_header(resp, "content-type"), body->buf, body->len);
		strbuf_add(err, ws->req.err.buf, ws->req.err.len);
		return;
	}
	strbuf_trim(body);
	strbuf_addf(err, "unable to upgrade connection: %s", body->len ? body->buf : resp->status.buf);
}

/* The checks RFC 6455 asks of a 101 answer; -1 with err set. */
static int check_switch(struct ws *ws, const struct http1_response *resp,
			const char *const *protocols, const struct strbuf *accept,
			struct strbuf *err)
{
	const char *got = http1_header(resp, "sec-websocket-accept");
	const char *proto = http1_header(resp, "sec-websocket-protocol");
	const char *const *p;

	if (!http1_has_token(http1_header(resp, "upgrade"), "websocket") ||
	    !http1_has_token(http1_header(resp, "connection"), "upgrade")) {
		strbuf_addstr(err, "unable to upgrade connection: the server switched to another protocol than websocket");
		return -1;
	}
	if (!got || strcmp(got, accept->buf)) {
		strbuf_addstr(err, "unable to upgrade connection: the server's Sec-WebSocket-Accept does not answer the key");
		return -1;
	}
	for (p = protocols; proto && *proto && p && *p && strcmp(*p, proto); p++)
		;
	if (proto && *proto && !(p && *p)) {
		strbuf_addf(err, "unable to upgrade connection: the server chose the stream protocol \"%s\", which was not offered",
			    proto);
		return -1;
	}
	ws->protocol = xstrdup(proto ? proto : "");
	return 0;
}

/* Log the outcome as kube_run() does: -v 6 the status, -v 8 the headers and a refusal's body. */
static void log_answer(struct ws *ws, const struct http1_response *resp)
{
	const struct kube_client *c = ws->c;
	size_t i;

	if (c->verbosity < 6)
		return;
	kube_logf(__FILE__, __LINE__, "GET %s %s in %llu milliseconds", ws->x.shown,
		  resp->head_done ? resp->status.buf : "",
		  (unsigned long long)(kube_now_ms() - ws->x.sent_ms));
	if (c->verbosity < 8 || !resp->head_done)
		return;
	kube_logf(__FILE__, __LINE__, "Response Headers:");
	for (i = 0; i < resp->nr_headers; i++)
		kube_logf(__FILE__, __LINE__, "    %s: %s", resp->headers[i].name,
			  resp->headers[i].value);
	if (resp->body->len)
		kube_logf(__FILE__, __LINE__, "Response Body: %.*s",
			  (int)(resp->body->len < 1024 ? resp->body->len : 1024), resp->body->buf);
}

static struct ws *ws_new(struct kube_client *c, const char *path)
{
	struct ws *ws = xcalloc(1, sizeof(*ws));
	struct kube_req blank = KUBE_REQ_INIT;

	ws->c = c;
	ws->req = blank;
	ws->req.path = xstrdup(path);
	ws->x.c = c;
	ws->x.req = &ws->req;
	ws->x.url = xasprintf("%s%s", c->base_url, path);
	ws->x.shown = xasprintf("%s%s", c->shown_url, path);
	strbuf_init(&ws->x.status_text, 0);
	strbuf_init(&ws->x.body, 0);
	ws->x.body.cap = REFUSAL_BODY_CAP;
	strbuf_init(&ws->in, 0);
	if (c->timeout_ms > 0)
		ws->x.deadline_ms = kube_now_ms() + (uint64_t)c->timeout_ms;
	return ws;
}

/* Read the answer, retrying once after a 401 on an exec credential; its code or -1. */
static long upgrade(struct ws *ws, const char *const *protocols, struct strbuf *accept,
		    struct http1_response *resp, struct strbuf *err)
{
	long code = attempt(ws, protocols, accept, resp, err);
	unsigned gen = ws->x.authn.exec_gen;

	if (code != 401 || !gen)
		return code;
	log_answer(ws, resp);
	release_attempt(ws);
	kube_auth_unauthorized(gen);
	http1_response_release(resp);
	strbuf_reset(&ws->x.body);
	http1_response_init(resp, &ws->x.body);
	return attempt(ws, protocols, accept, resp, err);
}

struct ws *ws_open(struct kube_client *c, const char *path, const char *const *protocols,
		   long *status, struct strbuf *err)
{
	struct ws *ws = ws_new(c, path);
	struct strbuf accept = STRBUF_INIT;
	struct http1_response resp;
	long code;

	http1_response_init(&resp, &ws->x.body);
	code = upgrade(ws, protocols, &accept, &resp, err);
	if (code > 0 && code != 101)
		read_answer(ws, &resp, 1, err);
	log_answer(ws, &resp);
	if (status)
		*status = code > 0 ? code : 0;
	if (code > 0 && code != 101)
		refusal_error(ws, &resp, err);
	else if (code == 101 && !check_switch(ws, &resp, protocols, &accept, err))
		ws->upgraded = 1;
	http1_response_release(&resp);
	strbuf_release(&accept);
	if (ws->upgraded)
		return ws;
	ws_close(ws);
	return NULL;
}

const char *ws_protocol(const struct ws *ws)
{
	return ws->protocol;
}

/* ---- frames ---- */

size_t ws_frame_head(unsigned char *out, enum ws_opcode op, uint64_t len,
		     const unsigned char *mask)
{
	unsigned char masked = mask ? 0x80 : 0;
	size_t n = 2, i;

	out[0] = (unsigned char)(0x80 | op);
	if (len < 126) {
		out[1] = (unsigned char)(masked | len);
	} else if (len <= 0xffff) {
		out[1] = masked | 126;
		out[n++] = (unsigned char)(len >> 8);
		out[n++] = (unsigned char)len;
	} else {
		out[1] = masked | 127;
		for (i = 0; i < 8; i++)
			out[n++] = (unsigned char)(len >> (56 - 8 * i));
	}
	for (i = 0; mask && i < 4; i++)
		out[n++] = mask[i];
	return n;
}

int ws_send(struct ws *ws, enum ws_opcode op, const void *data, size_t len, struct strbuf *err)
{
	const unsigned char *p = data;
	unsigned char head[14], mask[4];
	struct strbuf frame = STRBUF_INIT;
	size_t i;
	int ret;

	if (RAND_bytes(mask, sizeof(mask)) != 1) {
		strbuf_addstr(err, "unable to mask a WebSocket frame: no random numbers");
		return -1;
	}
	strbuf_grow(&frame, sizeof(head) + len);
	strbuf_add(&frame, head, ws_frame_head(head, op, len, mask));
	for (i = 0; i < len; i++)
		strbuf_addch(&frame, p[i] ^ mask[i % 4]);
	ret = send_all(ws, frame.buf, frame.len, err);
	strbuf_release(&frame);
	return ret;
}

struct frame {
	int fin, op;
	const char *payload;
	size_t len;
};

static int frame_error(struct strbuf *err, const char *what)
{
	strbuf_addf(err, "WebSocket protocol error: %s", what);
	return -1;
}

/* The opcode rules of RFC 6455 section 5; -1 with err for a frame a server must not send. */
static int check_opcode(int op, int fin, uint64_t len, struct strbuf *err)
{
	if (op >= WS_CLOSE) {
		if (op > WS_PONG)
			return frame_error(err, "unknown control frame");
		if (!fin || len > 125)
			return frame_error(err, "fragmented or oversized control frame");
	} else if (op > WS_BINARY) {
		return frame_error(err, "unknown data frame");
	}
	if (len > WS_MESSAGE_CAP) {
		strbuf_addf(err, "WebSocket message larger than the %zu-byte limit", WS_MESSAGE_CAP);
		return -1;
	}
	return 0;
}

/* The frame at ws->in[in_off..]: 1 with f filled (and consumed), 0 when incomplete, -1 with err. */
static int next_frame(struct ws *ws, struct frame *f, struct strbuf *err)
{
	const unsigned char *p = (const unsigned char *)ws->in.buf + ws->in_off;
	size_t avail = ws->in.len - ws->in_off, head = 2, i;
	uint64_t len;

	if (avail < 2)
		return 0;
	if (p[0] & 0x70)
		return frame_error(err, "reserved bits set");
	if (p[1] & 0x80)
		return frame_error(err, "masked frame from the server");
	len = p[1] & 0x7f;
	if (len >= 126) {
		head = len == 126 ? 4 : 10;
		if (avail < head)
			return 0;
		for (len = 0, i = 2; i < head; i++)
			len = len << 8 | p[i];
	}
	if (check_opcode(p[0] & 0x0f, p[0] & 0x80, len, err))
		return -1;
	if (avail - head < len)
		return 0;
	f->fin = !!(p[0] & 0x80);
	f->op = p[0] & 0x0f;
	f->payload = (const char *)p + head;
	f->len = (size_t)len;
	ws->in_off += head + (size_t)len;
	return 1;
}

/* The server's close frame: remember its status and answer it. */
static void on_close(struct ws *ws, const struct frame *f)
{
	const unsigned char *p = (const unsigned char *)f->payload;
	struct strbuf ignored = STRBUF_INIT;
	unsigned char reply[2];

	ws->close_status = f->len >= 2 ? p[0] << 8 | p[1] : 1005;
	if (!ws->close_sent) {
		reply[0] = (unsigned char)(ws->close_status == 1005 ? 1000 >> 8 : p[0]);
		reply[1] = (unsigned char)(ws->close_status == 1005 ? 1000 & 0xff : p[1]);
		ws->close_sent = 1;
		ws_send(ws, WS_CLOSE, reply, sizeof(reply), &ignored);
	}
	strbuf_release(&ignored);
}

/* Handle a control frame; 0 to go on, -1 with err. */
static int on_control(struct ws *ws, const struct frame *f, struct strbuf *err)
{
	if (f->op == WS_PING)
		return ws_send(ws, WS_PONG, f->payload, f->len, err);
	if (f->op == WS_CLOSE)
		on_close(ws, f);
	return 0;
}

/* Wait for more frames; -1 with err (an end without a close frame is "unexpected EOF"). */
static int more(struct ws *ws, struct strbuf *err)
{
	int r = fill(ws, err);

	if (r > 0)
		strbuf_addstr(err, "unexpected EOF");
	return r ? -1 : 0;
}

int ws_recv(struct ws *ws, enum ws_opcode *op, struct strbuf *msg, struct strbuf *err)
{
	int msg_op = -1;

	strbuf_reset(msg);
	while (!ws->close_status) {
		struct frame f;
		int r = next_frame(ws, &f, err);

		if (r < 0)
			return -1;
		if (!r) {
			if (more(ws, err))
				return -1;
			continue;
		}
		if (f.op >= WS_CLOSE) {
			if (on_control(ws, &f, err))
				return -1;
			continue;
		}
		if ((f.op == WS_CONTINUATION) != (msg_op >= 0))
			return frame_error(err, f.op ? "a new message inside a fragmented one" :
						       "a continuation frame outside a message");
		if (msg_op < 0)
			msg_op = f.op;
		if (msg->len + f.len > WS_MESSAGE_CAP) {
			strbuf_addf(err, "WebSocket message larger than the %zu-byte limit", WS_MESSAGE_CAP);
			return -1;
		}
		strbuf_add(msg, f.payload, f.len);
		if (f.fin) {
			*op = (enum ws_opcode)msg_op;
			return 1;
		}
	}
	strbuf_reset(msg);
	return 0;
}

void ws_close(struct ws *ws)
{
	static const unsigned char normal[2] = { 1000 >> 8, 1000 & 0xff };
	struct strbuf ignored = STRBUF_INIT;

	if (!ws)
		return;
	if (ws->upgraded && !ws->close_sent && !ws->broken && !ws->eof) {
		/* Best effort and never a wait: the server may be gone. */
		ws->x.deadline_ms = kube_now_ms() + 1;
		ws_send(ws, WS_CLOSE, normal, sizeof(normal), &ignored);
	}
	strbuf_release(&ignored);
	release_attempt(ws);
	free(ws->x.url);
	free(ws->x.shown);
	strbuf_release(&ws->x.status_text);
	strbuf_release(&ws->x.body);
	strbuf_release(&ws->in);
	kube_req_release(&ws->req);
	free(ws->protocol);
	free(ws);
}
