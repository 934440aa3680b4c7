/* SPDX-License-Identifier: Apache-2.0 */
/* The server side of WebSocket streams: handshake, frames, channel messages and the ws-* faults. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "fake.h"
#include "http1.h"
#include "kube.h"
#include "websocket.h"

/* The kubelet copies streams with 32 KiB buffers: one message each. */
#define WS_CHUNK ((size_t)32 << 10)
/* The largest client message accepted. */
#define WS_MAX_MESSAGE ((size_t)16 << 20)
/* The ping a ws-ping fault sends, and how long it waits for the pong. */
#define PING_TEXT "fake-apiserver"
#define PING_WAIT_MS 5000

int server_minor(const struct server *srv)
{
	unsigned major = 0, minor = 0;

	if (sscanf(srv->server_version, "v%u.%u", &major, &minor) != 2)
		return 32;
	return (int)minor;
}

int ws_authorize_create(const struct server *srv, const struct request *req,
			const struct reqinfo *ri, struct response *resp)
{
	const char *sub = ri->subresource;
	struct reqinfo create = *ri;
	const char *upgrade = request_header(req, "upgrade");

	if (!ri->is_resource || !sub || strcmp(ri->resource, "pods") ||
	    (strcmp(sub, "exec") && strcmp(sub, "attach") && strcmp(sub, "portforward")) ||
	    strcmp(req->method, "GET") || !upgrade || server_minor(srv) < 35)
		return 0;
	snprintf(create.verb, sizeof(create.verb), "create");
	return auth_authorize(srv, req, &create, resp);
}

/* ---- answers without an upgrade ---- */

int ws_refuse(struct conn *c, const struct response *resp)
{
	struct strbuf out = STRBUF_INIT;

	strbuf_addf(&out, "HTTP/1.1 %d %s\r\nCache-Control: no-cache, private\r\n"
		    "Content-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		    resp->code, kube_http_phrase(resp->code), resp->content_type,
		    resp->body.len);
	strbuf_add(&out, resp->body.buf, resp->body.len);
	conn_write_all(c, out.buf, out.len);
	strbuf_release(&out);
	return resp->code;
}

/* A bare status line and whatever text follows, then the end: x/net/websocket's refusals. */
static int refuse_bare(struct conn *c, int code, const char *text)
{
	struct strbuf out = STRBUF_INIT;

	strbuf_addf(&out, "HTTP/1.1 %03d %s\r\n\r\n%s", code, kube_http_phrase(code), text);
	conn_write_all(c, out.buf, out.len);
	strbuf_release(&out);
	return code;
}

/* ---- the handshake ---- */

int ws_is_websocket(const struct request *req)
{
	return http1_has_token(request_header(req, "upgrade"), "websocket");
}

/* The first client protocol the server supports, or NULL. */
static const char *pick_protocol(const char *offered, const char *const *supported)
{
	const char *const *s;

	if (!offered || !*offered) {
		for (s = supported; *s; s++)
			if (!**s)
				return *s;
		return NULL;
	}
	while (*offered) {
		size_t len;

		offered += strspn(offered, " \t,");
		len = strcspn(offered, " \t,");
		for (s = supported; len && *s; s++)
			if (strlen(*s) == len && !strncmp(*s, offered, len))
				return *s;
		offered += len;
	}
	return NULL;
}

const char *ws_accept(struct conn *c, const struct request *req,
		      const char *const *supported, int *code)
{
	const char *key = request_header(req, "sec-websocket-key");
	const char *version = request_header(req, "sec-websocket-version");
	const char *proto;
	struct strbuf out = STRBUF_INIT;

	if (strcmp(req->method, "GET") || !ws_is_websocket(req) ||
	    !http1_has_token(request_header(req, "connection"), "upgrade") || !key || !*key) {
		*code = refuse_bare(c, 400, "missing or malformed WebSocket handshake headers");
		return NULL;
	}
	if (!version || strcmp(version, "13")) {
		strbuf_addstr(&out, "HTTP/1.1 400 Bad Request\r\nSec-WebSocket-Version: 13\r\n\r\nmissing or bad WebSocket Version");
		conn_write_all(c, out.buf, out.len);
		strbuf_release(&out);
		*code = 400;
		return NULL;
	}
	proto = pick_protocol(request_header(req, "sec-websocket-protocol"), supported);
	if (!proto) {
		*code = refuse_bare(c, 403, "");
		return NULL;
	}
	strbuf_addstr(&out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		      "Connection: Upgrade\r\nSec-WebSocket-Accept: ");
	ws_accept_value(&out, key);
	strbuf_addstr(&out, "\r\n");
	if (*proto)
		strbuf_addf(&out, "Sec-WebSocket-Protocol: %s\r\n", proto);
	strbuf_addstr(&out, "\r\n");
	*code = conn_write_all(c, out.buf, out.len) ? 0 : 101;
	strbuf_release(&out);
	return *code == 101 ? proto : NULL;
}

/* ---- frames ---- */

int ws_write_frame(struct conn *c, int op, const void *data, size_t len)
{
	unsigned char head[14];
	size_t n = ws_frame_head(head, (enum ws_opcode)op, len, NULL);

	if (conn_write_all(c, head, n))
		return -1;
	return len ? conn_write_all(c, data, len) : 0;
}

int ws_write_channel(struct conn *c, int channel, const void *data, size_t len)
{
	struct strbuf msg = STRBUF_INIT;
	int ret;

	strbuf_addch(&msg, channel);
	strbuf_add(&msg, data, len);
	ret = ws_write_frame(c, WSOP_BINARY, msg.buf, msg.len);
	strbuf_release(&msg);
	return ret;
}

void ws_write_close(struct conn *c, int status)
{
	unsigned char body[2] = { (unsigned char)(status >> 8), (unsigned char)status };

	ws_write_frame(c, WSOP_CLOSE, body, sizeof(body));
}

/* Read len bytes; into buf, or appended to sb when buf is NULL. */
static int read_exact(struct conn *c, void *buf, struct strbuf *sb, size_t len)
{
	char chunk[16384];
	char *p = buf;

	while (len) {
		size_t want = buf || len < sizeof(chunk) ? len : sizeof(chunk);
		ssize_t n = conn_read(c, buf ? p : chunk, want);

		if (n <= 0)
			return -1;
		if (buf)
			p += n;
		else
			strbuf_add(sb, chunk, (size_t)n);
		len -= (size_t)n;
	}
	return 0;
}

static int protocol_error(struct conn *c, const char *what)
{
	fprintf(stderr, "fake-apiserver: WebSocket protocol error from the client: %s\n", what);
	ws_write_close(c, 1002);
	return -1;
}

struct frame {
	int fin, op;
	struct strbuf payload;
};

/* One client frame, unmasked into f->payload; -1 on EOF or a protocol error. */
static int read_frame(struct conn *c, struct frame *f)
{
	unsigned char head[2], ext[8], mask[4];
	uint64_t len;
	size_t i, n;

	if (read_exact(c, head, NULL, 2))
		return -1;
	f->fin = !!(head[0] & 0x80);
	f->op = head[0] & 0x0f;
	if (!(head[1] & 0x80))
		return protocol_error(c, "unmasked frame");
	len = head[1] & 0x7f;
	if (len >= 126) {
		n = len == 126 ? 2 : 8;
		if (read_exact(c, ext, NULL, n))
			return -1;
		for (len = 0, i = 0; i < n; i++)
			len = len << 8 | ext[i];
	}
	if (len > WS_MAX_MESSAGE)
		return protocol_error(c, "frame too large");
	strbuf_reset(&f->payload);
	if (read_exact(c, mask, NULL, 4) || read_exact(c, NULL, &f->payload, (size_t)len))
		return -1;
	for (i = 0; i < len; i++)
		f->payload.buf[i] ^= (char)mask[i % 4];
	return 0;
}

/* Read frames until a data frame or a pong; control frames in between are handled. */
static int next_frame(struct conn *c, struct frame *f)
{
	for (;;) {
		if (read_frame(c, f))
			return -1;
		if (f->op == WSOP_PING) {
			ws_write_frame(c, WSOP_PONG, f->payload.buf, f->payload.len);
			continue;
		}
		if (f->op == WSOP_CLOSE) {
			ws_write_close(c, 1000);
			return 0;
		}
		return 1;
	}
}

int ws_read_message(struct conn *c, int *op, struct strbuf *msg)
{
	struct frame f = { 0, 0, STRBUF_INIT };
	int r, ret = -1;

	strbuf_reset(msg);
	*op = -1;
	while ((r = next_frame(c, &f)) > 0) {
		if (f.op == WSOP_PONG)
			continue;
		if ((f.op == WSOP_CONT) != (*op >= 0) || f.op > WSOP_BINARY) {
			protocol_error(c, "bad opcode or fragment order");
			break;
		}
		if (*op < 0)
			*op = f.op;
		if (msg->len + f.payload.len > WS_MAX_MESSAGE) {
			protocol_error(c, "message too large");
			break;
		}
		strbuf_add(msg, f.payload.buf, f.payload.len);
		if (f.fin) {
			ret = 1;
			break;
		}
	}
	if (!r)
		ret = 0;
	strbuf_release(&f.payload);
	return ret;
}

/* ws-ping: ping, then read until the pong that echoes it; -1 when none comes. */
static int ping_round_trip(struct conn *c)
{
	struct frame f = { 0, 0, STRBUF_INIT };
	int r, ret = -1;

	conn_set_timeout(c, PING_WAIT_MS);
	ws_write_frame(c, WSOP_PING, PING_TEXT, strlen(PING_TEXT));
	while ((r = next_frame(c, &f)) > 0) {
		if (f.op == WSOP_PONG && f.payload.len == strlen(PING_TEXT) &&
		    !memcmp(f.payload.buf, PING_TEXT, f.payload.len)) {
			ret = 0;
			break;
		}
	}
	if (ret)
		fprintf(stderr, "fake-apiserver: no pong for the ws-ping fault\n");
	strbuf_release(&f.payload);
	return ret;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0)
		;
}

static int write_chunks(struct conn *c, int channel, const char *data, size_t len)
{
	while (len) {
		size_t n = len < WS_CHUNK ? len : WS_CHUNK;

		if (ws_write_channel(c, channel, data, n))
			return -1;
		data += n;
		len -= n;
	}
	return 0;
}

int ws_write_data(struct conn *c, int channel, const char *data, size_t len,
		  const struct ws_faults *f)
{
	size_t half = len / 2;

	if (write_chunks(c, channel, data, half))
		return -1;
	if (f->close)
		return -1;
	if (f->stall_ms)
		sleep_ms(f->stall_ms);
	if (f->ping && ping_round_trip(c))
		return -1;
	return write_chunks(c, channel, data + half, len - half);
}

void ws_register(struct server *srv)
{
	upgrade_register(srv, "exec", ws_exec_handle);
	upgrade_register(srv, "portforward", ws_forward_handle);
}
