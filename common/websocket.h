/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 6455 WebSocket client over the API client's own connection to the server. */
#ifndef MESH_WEBSOCKET_H
#define MESH_WEBSOCKET_H

#include <stdint.h>
#include "kube.h"

/*
 * Debian's libcurl has no WebSocket support, so the connection is made
 * with CURLOPT_CONNECT_ONLY (TCP, the proxy, TLS, exactly as the API
 * client's requests make it) and the upgrade request and the frames
 * go over curl_easy_send()/curl_easy_recv(), waiting with poll() on
 * the socket.
 *
 * Frames: the client masks every frame it sends (a fresh key each);
 * server frames must be unmasked, with no reserved bits and a known
 * opcode.  Messages may be fragmented; 64-bit lengths are understood;
 * a message larger than WS_MESSAGE_CAP is refused before it is read.
 * Pings are answered with pongs at once; a close frame is answered
 * with a close frame carrying the same status.
 *
 * Time: the client's request timeout (--request-timeout), counted from
 * ws_open(), bounds the whole life of the connection: connecting, the
 * upgrade and every later read and write.  Without one, connecting
 * has 30 s and every wait for the server's next bytes WS_IDLE_MS, so
 * a dead endpoint never hangs the caller.
 */

enum ws_opcode {
	WS_CONTINUATION = 0x0,
	WS_TEXT = 0x1,
	WS_BINARY = 0x2,
	WS_CLOSE = 0x8,
	WS_PING = 0x9,
	WS_PONG = 0xa,
};

/* The largest message ws_recv() accepts (the API server sends one message per write). */
#define WS_MESSAGE_CAP ((size_t)16 << 20)
/* Without a request timeout, how long any wait for the server may last. */
#define WS_IDLE_MS 60000L

struct ws;

/*
 * Write the head of a final frame of type op carrying len bytes into
 * out: FIN and opcode, the length in 7, 16 or 64 bits, then the masking
 * key when mask (4 bytes) is not NULL.  Returns the head's size (at most
 * 14).  The server side of the tests' fake API server writes its frames
 * with it too.
 */
size_t ws_frame_head(unsigned char *out, enum ws_opcode op, uint64_t len,
		     const unsigned char *mask);
/* Append the Sec-WebSocket-Accept value that answers key (RFC 6455, 4.2.2). */
void ws_accept_value(struct strbuf *out, const char *key);

/*
 * Open a WebSocket: GET path (an API path with its query) on c's
 * server with Connection: Upgrade, Upgrade: websocket,
 * Sec-WebSocket-Version: 13, a random Sec-WebSocket-Key and, in
 * Sec-WebSocket-Protocol, protocols (NULL-terminated, preferred
 * first).  The request carries what every API request carries:
 * credentials, impersonation, User-Agent; a 401 on a credential from
 * an exec plugin re-runs the plugin once and tries again, as kube_run()
 * does.  -v 7 logs the request, -v 6 its outcome, in kube_run()'s
 * format.
 *
 * The answer must be 101 with Upgrade: websocket, the
 * Sec-WebSocket-Accept that matches the key, and one of protocols (or
 * none).  Returns the connection, which the caller frees with
 * ws_close(); or NULL with err set and *status (when status is not
 * NULL) set to:
 *   - the HTTP status of a refusal, err being kubectl's text: the
 *     API's Status as kubectl prints it ("Error from server
 *     (Forbidden): pods \"x\" is forbidden: User \"bob\" cannot get
 *     resource \"pods/exec\" ..."), else client-go's "unable to upgrade
 *     connection: <body>" (the status line when the body is empty);
 *   - 101 when the server switched protocols wrongly (a subprotocol
 *     that was not offered, a bad Sec-WebSocket-Accept);
 *   - 0 when no answer arrived: the API client's transport texts
 *     ("The connection to the server H:P was refused ...",
 *     "Unable to connect to the server: ...") and its timeout text.
 */
struct ws *ws_open(struct kube_client *c, const char *path, const char *const *protocols,
		   long *status, struct strbuf *err);

/* The subprotocol the server chose; "" when it named none.  Borrowed from ws. */
const char *ws_protocol(const struct ws *ws);

/* Send data as one unfragmented, masked frame of type op.  0, or -1 with err set. */
int ws_send(struct ws *ws, enum ws_opcode op, const void *data, size_t len, struct strbuf *err);

/*
 * Receive the next text or binary message, reassembled from its
 * fragments, into msg (which is reset first).  Returns 1 with *op set
 * to WS_TEXT or WS_BINARY; 0 when the server closed the WebSocket with
 * a close frame (now, or before this call); -1 with err set when the
 * connection broke ("unexpected EOF" when it ended without a close
 * frame), the server broke the protocol, or time ran out.
 */
int ws_recv(struct ws *ws, enum ws_opcode *op, struct strbuf *msg, struct strbuf *err);


/*
 * Send a normal close frame unless close frames were exchanged
 * already, then drop the connection and free ws.  NULL is allowed.
 */
void ws_close(struct ws *ws);

#endif
