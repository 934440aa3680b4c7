/* SPDX-License-Identifier: Apache-2.0 */
/* pods/portforward over WebSocket (v4.channel.k8s.io): one port, one HTTP/1.1 exchange. */
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "kube.h"
#include "xalloc.h"

/*
 * As the kubelet's WebSocket port-forward: the port's data channel 0
 * and error channel 1 each start with the port number (2 bytes, little
 * endian); a port that does not listen gets the kubelet's error text on
 * channel 1.  What the client sends on channel 0 must be one HTTP/1.1
 * request; it is answered from ws_proxy.c as the server behind the port
 * would: Envoy (15000) with lower-case headers and a Content-Length,
 * Go net/http (any other port) with a Content-Length below 4 KiB and
 * chunks above.  Then the WebSocket is closed, as when the pod closes
 * the connection.  Only the first of several ports= is served; the
 * SPDY protocols (SPDY/3.1+portforward.k8s.io, or a POST) are refused.
 */

enum { CH_DATA = 0, CH_ERROR = 1 };

#define REQUEST_CAP ((size_t)64 << 10)
#define READ_TIMEOUT_MS 10000
/* Go's net/http buffers this much before it switches to chunks. */
#define GO_BUFFER 4096
#define CHUNK 8192

static int port_prefix(struct conn *c, int port)
{
	char p[2] = { (char)(port & 0xff), (char)(port >> 8) };

	return ws_write_channel(c, CH_DATA, p, 2) || ws_write_channel(c, CH_ERROR, p, 2);
}

static void port_refused(struct conn *c, json_t *pod, int port)
{
	const char *uid = json_string_value(json_object_get(json_object_get(pod, "metadata"), "uid"));
	struct strbuf sandbox = STRBUF_INIT, msg = STRBUF_INIT;
	const char *p;

	for (p = uid ? uid : ""; *p; p++)
		if (*p != '-')
			strbuf_addch(&sandbox, *p);
	strbuf_addf(&msg, "error forwarding port %d to pod %s, uid : failed to execute portforward in network namespace \"/var/run/netns/cni-%s\": failed to connect to localhost:%d inside namespace \"%s\", IPv4: dial tcp4 127.0.0.1:%d: connect: connection refused IPv6 dial tcp6 [::1]:%d: connect: connection refused ",
		    port, sandbox.buf, uid ? uid : "", port, sandbox.buf, port, port);
	ws_write_channel(c, CH_ERROR, msg.buf, msg.len);
	strbuf_release(&sandbox);
	strbuf_release(&msg);
}

/* Read channel 0 until a request head is complete; -1 when the client goes away first. */
static int read_request(struct conn *c, struct strbuf *head)
{
	struct strbuf msg = STRBUF_INIT;
	int op, ret = -1;

	conn_set_timeout(c, READ_TIMEOUT_MS);
	while (head->len < REQUEST_CAP && ws_read_message(c, &op, &msg) > 0) {
		if (op != WSOP_BINARY || !msg.len || msg.buf[0] != CH_DATA)
			continue;
		strbuf_add(head, msg.buf + 1, msg.len - 1);
		if (strstr(head->buf, "\r\n\r\n")) {
			ret = 0;
			break;
		}
	}
	strbuf_release(&msg);
	return ret;
}

static void add_body_framing(struct strbuf *out, int envoy, const struct strbuf *body)
{
	size_t off;

	if (envoy || body->len < GO_BUFFER) {
		strbuf_addf(out, "%s: %zu\r\n\r\n", envoy ? "content-length" : "Content-Length",
			    body->len);
		strbuf_add(out, body->buf, body->len);
		return;
	}
	strbuf_addstr(out, "Transfer-Encoding: chunked\r\n\r\n");
	for (off = 0; off < body->len; off += CHUNK) {
		size_t n = body->len - off < CHUNK ? body->len - off : CHUNK;

		strbuf_addf(out, "%zx\r\n", n);
		strbuf_add(out, body->buf + off, n);
		strbuf_addstr(out, "\r\n");
	}
	strbuf_addstr(out, "0\r\n\r\n");
}

/* The answer to the request head, as the server behind the port writes it. */
static void answer(const struct server *srv, const char *ns, const char *pod, int port,
		   const char *head, struct strbuf *out)
{
	struct strbuf body = STRBUF_INIT;
	const char *type = "text/plain; charset=utf-8";
	int envoy = port == 15000, status = 405;
	size_t len = strcspn(head, " ");
	char *target = xstrndup(head + len + 1, strcspn(head + len + 1, " \r\n"));

	if (len == 3 && !strncmp(head, "GET", 3))
		proxy_http_get(srv, ns, pod, port, target, &status, &type, &body);
	else
		strbuf_addstr(&body, "Method Not Allowed\n");
	strbuf_addf(out, "HTTP/1.1 %d %s\r\n", status, kube_http_phrase(status));
	if (envoy)
		strbuf_addf(out, "content-type: %s\r\ncache-control: no-cache, max-age=0\r\n"
			    "x-content-type-options: nosniff\r\nserver: envoy\r\nconnection: close\r\n",
			    type);
	else
		strbuf_addf(out, "Content-Type: %s\r\nConnection: close\r\n", type);
	add_body_framing(out, envoy, &body);
	strbuf_release(&body);
	free(target);
}

/* The API server's checks; the port, or -1 with resp filled. */
static int check_request(const struct request *req, struct response *resp)
{
	char *ports = request_param(req, "ports");
	long port = ports ? strtol(ports, NULL, 10) : 0;

	free(ports);
	if (strcmp(req->method, "GET") || !ws_is_websocket(req)) {
		respond_bad_request(resp, "the fake API server serves pods/portforward over WebSocket only (v4.channel.k8s.io)");
		return -1;
	}
	if (port < 1 || port > 65535) {
		respond_bad_request(resp, "at least one port must be specified");
		return -1;
	}
	return (int)port;
}

static void forward(const struct server *srv, struct conn *c, const struct request *req,
		    json_t *pod, int port)
{
	json_t *meta = json_object_get(pod, "metadata");
	const char *name = json_string_value(json_object_get(meta, "name"));
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	struct strbuf head = STRBUF_INIT, out = STRBUF_INIT;

	if (port_prefix(c, port))
		return;
	if (!proxy_port_open(srv, ns, name, port)) {
		port_refused(c, pod, port);
	} else {
		if (read_request(c, &head))
			goto out;
		answer(srv, ns, name, port, head.buf, &out);
		if (ws_write_data(c, CH_DATA, out.buf, out.len, &req->ws))
			goto out;
	}
	ws_write_close(c, 1000);
out:
	strbuf_release(&head);
	strbuf_release(&out);
}

int ws_forward_handle(struct server *srv, struct conn *c, const struct request *req, json_t *pod)
{
	static const char *const protocols[] = { "v4.channel.k8s.io", "", NULL };
	struct response resp;
	int port, code;

	response_init(&resp);
	port = check_request(req, &resp);
	if (port < 0)
		code = ws_refuse(c, &resp);
	else if (ws_accept(c, req, protocols, &code))
		forward(srv, c, req, pod, port);
	response_release(&resp);
	return code;
}
