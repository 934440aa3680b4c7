/* SPDX-License-Identifier: Apache-2.0 */
/* Commands in a container (pods/exec) and HTTP GETs inside a pod (pods/portforward), over WebSocket. */
#include "podstream.h"
#include "http1.h"
#include "kube_priv.h"
#include "websocket.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* The most of an error channel's text kept. */
#define ERROR_TEXT_CAP ((size_t)64 << 10)

static const char *const exec_protocols[] = {
	"v5.channel.k8s.io", "v4.channel.k8s.io", "channel.k8s.io", NULL
};
static const char *const forward_protocols[] = { "v4.channel.k8s.io", NULL };

static const char *const envoy_argv[] = { "pilot-agent", "request", "GET", NULL };
static const char *const istiod_argv[] = { "pilot-discovery", "request", "GET", NULL };

const struct pod_endpoint kube_envoy_admin = {
	"istio-proxy", "istio-proxy sidecar container", 15000, envoy_argv
};
const struct pod_endpoint kube_istiod_debug = {
	"discovery", "discovery container", 15014, istiod_argv
};

/* How an attempt ended, for kube_pod_debug_get()'s choice of route. */
enum outcome {
	DONE,
	REFUSED, /* the upgrade was refused in a way another route may not be */
	FAILED,
};

/* 400, 403, 404, 405, or a 101 with the wrong protocol: try the other route. */
static enum outcome refusal(long status)
{
	return status == 101 || status == 400 || status == 403 || status == 404 ||
	       status == 405 ? REFUSED : FAILED;
}

/* "/api/v1/namespaces/NS/pods/POD" */
static void pod_path(struct strbuf *sb, const char *ns, const char *pod)
{
	strbuf_addstr(sb, "/api/v1/namespaces/");
	strbuf_add_urlencoded(sb, ns, 0);
	strbuf_addstr(sb, "/pods/");
	strbuf_add_urlencoded(sb, pod, 0);
}

/* A buffer for a stream's output: empty, capped as response bodies are. */
static void output_init(struct strbuf *sb, const struct kube_client *c)
{
	strbuf_init(sb, 0);
	sb->cap = c->body_cap;
}

/* Hand a finished output to the caller's buffer (replacing it). */
static void output_give(struct strbuf *to, struct strbuf *from)
{
	strbuf_release(to);
	*to = *from;
	to->cap = 0;
	strbuf_init(from, 0);
}

/*
 * The next message of a channel protocol: 1 with its channel and
 * payload (inside msg), 0 when the server closed, -1 with err.
 */
static int chan_recv(struct ws *ws, struct strbuf *msg, int *channel, const char **data,
		     size_t *len, struct strbuf *err)
{
	for (;;) {
		enum ws_opcode op;
		int r = ws_recv(ws, &op, msg, err);

		if (r <= 0)
			return r;
		if (op != WS_BINARY) {
			strbuf_addstr(err, "unexpected text message on a binary stream");
			return -1;
		}
		if (!msg->len)
			continue;
		*channel = (unsigned char)msg->buf[0];
		*data = msg->buf + 1;
		*len = msg->len - 1;
		return 1;
	}
}

static int overflow(struct strbuf *err, const char *what, size_t cap)
{
	strbuf_addf(err, "the %s is larger than the %zu-byte limit", what, cap);
	return -1;
}

/* ---- exec ---- */

struct exec_run {
	struct strbuf out, err_out, status;
	int got_status;
	int versioned; /* v4 or v5: the outcome is a Status */
	int exit_code;
};

/* Read the stream to its end; 0, or -1 with err. */
static int exec_stream(struct ws *ws, struct exec_run *e, struct strbuf *err)
{
	struct strbuf msg = STRBUF_INIT;
	int ret = 0;

	for (;;) {
		const char *data;
		size_t len;
		int ch, r = chan_recv(ws, &msg, &ch, &data, &len, err);

		if (r <= 0) {
			/* After the outcome nothing else matters. */
			ret = r < 0 && !(e->versioned && e->got_status) ? -1 : 0;
			if (!ret)
				strbuf_reset(err);
			break;
		}
		if ((ch == 1 && strbuf_add(&e->out, data, len)) ||
		    (ch == 2 && strbuf_add(&e->err_out, data, len))) {
			ret = overflow(err, "command's output", e->out.cap);
			break;
		}
		if (ch == 3) {
			e->got_status |= len > 0;
			if (strbuf_add(&e->status, data, len)) {
				ret = overflow(err, "command's outcome", ERROR_TEXT_CAP);
				break;
			}
		}
	}
	strbuf_release(&msg);
	return ret;
}

/* The exit code in a NonZeroExitCode Status; -1 with err when there is none. */
static int exit_code_of(json_t *st, int *code, struct strbuf *err)
{
	json_t *cause;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(st, "details"), "causes"), i, cause) {
		const char *reason = json_string_value(json_object_get(cause, "reason"));
		const char *msg = json_string_value(json_object_get(cause, "message"));
		char *end;
		long v;

		if (!reason || strcmp(reason, "ExitCode") || !msg)
			continue;
		v = strtol(msg, &end, 10);
		if (end == msg || *end || v < 0 || v > 255) {
			strbuf_addf(err, "error stream protocol error: invalid exit code value \"%s\"", msg);
			return -1;
		}
		*code = (int)v;
		return 0;
	}
	strbuf_addstr(err, "error stream protocol error: no ExitCode cause given");
	return -1;
}

/* client-go's errorDecoderV4 (and, for channel.k8s.io, the plain text). */
static int exec_outcome(struct exec_run *e, struct strbuf *err)
{
	json_t *st;
	const char *status;
	int ret = -1;

	if (!e->versioned) {
		strbuf_trim(&e->status);
		if (e->status.len)
			strbuf_add(err, e->status.buf, e->status.len);
		return e->status.len ? -1 : 0;
	}
	if (!e->got_status) {
		strbuf_addstr(err, "the stream ended without the command's outcome");
		return -1;
	}
	st = json_loadb(e->status.buf, e->status.len, 0, NULL);
	status = json_string_value(json_object_get(st, "status"));
	if (!status) {
		strbuf_addstr(err, "error stream protocol error: not a Status: ");
		strbuf_add_go_quoted(err, e->status.buf, e->status.len);
	} else if (!strcmp(status, "Success")) {
		ret = 0;
	} else {
		const char *reason = json_string_value(json_object_get(st, "reason"));
		const char *msg = json_string_value(json_object_get(st, "message"));

		if (reason && !strcmp(reason, "NonZeroExitCode"))
			ret = exit_code_of(st, &e->exit_code, err);
		else
			strbuf_addstr(err, msg && *msg ? msg : "error stream protocol error: unknown error");
	}
	json_decref(st);
	return ret;
}

static char *exec_path(const char *ns, const char *pod, const char *container,
		       const char *const *argv)
{
	struct strbuf sb = STRBUF_INIT;
	const char *const *a;

	pod_path(&sb, ns, pod);
	strbuf_addstr(&sb, "/exec?");
	for (a = argv; *a; a++) {
		strbuf_addstr(&sb, "command=");
		strbuf_add_urlencoded(&sb, *a, 0);
		strbuf_addch(&sb, '&');
	}
	strbuf_addstr(&sb, "container=");
	strbuf_add_urlencoded(&sb, container, 0);
	strbuf_addstr(&sb, "&stderr=true&stdout=true");
	return strbuf_detach(&sb, NULL);
}

static enum outcome exec_run(struct kube_client *c, const char *ns, const char *pod,
			     const char *container, const char *const *argv,
			     struct exec_run *e, struct strbuf *err)
{
	char *path = exec_path(ns, pod, container, argv);
	struct strbuf why = STRBUF_INIT;
	long status = 0;
	struct ws *ws = ws_open(c, path, exec_protocols, &status, err);
	enum outcome ret = DONE;

	free(path);
	if (!ws)
		return refusal(status);
	e->versioned = strcmp(ws_protocol(ws), "channel.k8s.io") && *ws_protocol(ws);
	if (exec_stream(ws, e, &why)) {
		strbuf_addf(err, "exec in pod %s/%s (container %s): %s", ns, pod, container, why.buf);
		ret = FAILED;
	} else if (exec_outcome(e, err)) {
		ret = FAILED;
	}
	ws_close(ws);
	strbuf_release(&why);
	return ret;
}

static void exec_init(struct exec_run *e, const struct kube_client *c)
{
	memset(e, 0, sizeof(*e));
	output_init(&e->out, c);
	output_init(&e->err_out, c);
	strbuf_init(&e->status, 0);
	e->status.cap = ERROR_TEXT_CAP;
}

static void exec_release(struct exec_run *e)
{
	strbuf_release(&e->out);
	strbuf_release(&e->err_out);
	strbuf_release(&e->status);
}

int kube_pod_exec(struct kube_client *c, const char *ns, const char *pod,
		  const char *container, const char *const *argv,
		  struct strbuf *out, struct strbuf *err_out, int *exit_code,
		  struct strbuf *err)
{
	struct exec_run e;
	int ret;

	exec_init(&e, c);
	ret = exec_run(c, ns, pod, container, argv, &e, err) == DONE ? 0 : -1;
	if (!ret) {
		*exit_code = e.exit_code;
		output_give(out, &e.out);
		output_give(err_out, &e.err_out);
	} else {
		strbuf_reset(out);
		strbuf_reset(err_out);
	}
	exec_release(&e);
	return ret;
}

/* ---- port-forward ---- */

struct forward {
	int port;
	struct http1_response resp;
	struct strbuf body;
	struct strbuf error_text;
	unsigned prefix_left[2]; /* port bytes still to strip from channels 0 and 1 */
};

static int send_request(struct ws *ws, const struct kube_client *c, int port, const char *path,
			struct strbuf *err)
{
	struct strbuf req = STRBUF_INIT;
	int ret;

	strbuf_addch(&req, 0);
	strbuf_addf(&req, "GET %s%s HTTP/1.1\r\nHost: localhost:%d\r\nUser-Agent: %s\r\n"
		    "Accept: */*\r\nConnection: close\r\n\r\n",
		    *path == '/' ? "" : "/", path, port, c->user_agent);
	ret = ws_send(ws, WS_BINARY, req.buf, req.len, err);
	strbuf_release(&req);
	return ret;
}

/* One payload of the data (0) or error (1) channel; -1 with err. */
static int forward_payload(struct forward *f, int ch, const char *data, size_t len,
			   struct strbuf *err)
{
	size_t strip;

	if (ch > 1)
		return 0; /* channels of other ports: none were asked for */
	strip = f->prefix_left[ch] < len ? f->prefix_left[ch] : len;
	f->prefix_left[ch] -= (unsigned)strip;
	data += strip;
	len -= strip;
	if (ch == 1) {
		strbuf_add(&f->error_text, data, len);
		return 0;
	}
	return http1_feed(&f->resp, data, len, err) < 0 ? -1 : 0;
}

/* Read until the response is complete; 0, or -1 with err. */
static int forward_stream(struct ws *ws, struct forward *f, struct strbuf *err)
{
	struct strbuf msg = STRBUF_INIT;
	int ret = 0;

	while (!f->resp.done && !f->error_text.len && !ret) {
		const char *data;
		size_t len;
		int ch, r = chan_recv(ws, &msg, &ch, &data, &len, err);

		if (r < 0)
			ret = -1;
		else if (!r)
			ret = f->error_text.len ? 0 : http1_eof(&f->resp, err);
		else
			ret = forward_payload(f, ch, data, len, err);
	}
	strbuf_release(&msg);
	if (!ret && f->error_text.len) {
		strbuf_trim(&f->error_text);
		strbuf_add(err, f->error_text.buf, f->error_text.len);
		ret = -1;
	}
	return ret;
}

static enum outcome forward_get(struct kube_client *c, const char *ns, const char *pod,
				struct forward *f, const char *path, struct strbuf *err)
{
	struct strbuf url = STRBUF_INIT, why = STRBUF_INIT;
	struct ws *ws;
	long status = 0;
	enum outcome ret = DONE;

	pod_path(&url, ns, pod);
	strbuf_addf(&url, "/portforward?ports=%d", f->port);
	ws = ws_open(c, url.buf, forward_protocols, &status, err);
	strbuf_release(&url);
	if (!ws)
		return refusal(status);
	if (send_request(ws, c, f->port, path, &why) || forward_stream(ws, f, &why)) {
		strbuf_addf(err, "port-forward to pod %s/%s port %d: %s", ns, pod, f->port, why.buf);
		ret = FAILED;
	}
	ws_close(ws);
	strbuf_release(&why);
	return ret;
}

static void forward_init(struct forward *f, const struct kube_client *c, int port)
{
	memset(f, 0, sizeof(*f));
	f->port = port;
	output_init(&f->body, c);
	strbuf_init(&f->error_text, 0);
	f->error_text.cap = ERROR_TEXT_CAP;
	f->prefix_left[0] = f->prefix_left[1] = 2;
	http1_response_init(&f->resp, &f->body);
}

static void forward_release(struct forward *f)
{
	http1_response_release(&f->resp);
	strbuf_release(&f->body);
	strbuf_release(&f->error_text);
}

static enum outcome http_get(struct kube_client *c, const char *ns, const char *pod, int port,
			     const char *path, struct forward *f, struct strbuf *err)
{
	forward_init(f, c, port);
	return forward_get(c, ns, pod, f, path, err);
}

int kube_pod_http_get(struct kube_client *c, const char *ns, const char *pod, int port,
		      const char *path, long *http_status, struct strbuf *body,
		      struct strbuf *err)
{
	struct forward f;
	int ret = http_get(c, ns, pod, port, path, &f, err) == DONE ? 0 : -1;

	if (!ret) {
		*http_status = f.resp.code;
		output_give(body, &f.body);
	} else {
		strbuf_reset(body);
	}
	forward_release(&f);
	return ret;
}

/* ---- the debug endpoints ---- */

static int has_container(json_t *spec, const char *name)
{
	json_t *ct;
	size_t i;

	json_array_foreach(json_object_get(spec, "containers"), i, ct) {
		const char *n = json_string_value(json_object_get(ct, "name"));
		if (n && !strcmp(n, name))
			return 1;
	}
	json_array_foreach(json_object_get(spec, "initContainers"), i, ct) {
		const char *n = json_string_value(json_object_get(ct, "name"));
		const char *restart = json_string_value(json_object_get(ct, "restartPolicy"));
		if (n && !strcmp(n, name) && restart && !strcmp(restart, "Always"))
			return 1;
	}
	return 0;
}

/* The pod exists, runs and has the endpoint's container; -1 with err. */
static int check_pod(struct kube_client *c, const char *ns, const char *pod,
		     const struct pod_endpoint *ep, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	json_t *obj = NULL;
	const char *phase;
	int ret = -1;

	pod_path(&path, ns, pod);
	if (kube_get(c, path.buf, &obj, NULL, err))
		goto out;
	phase = json_string_value(json_object_get(json_object_get(obj, "status"), "phase"));
	if (!phase || strcmp(phase, "Running"))
		strbuf_addf(err, "pod \"%s\" is not running (phase %s)", pod, phase ? phase : "unknown");
	else if (!has_container(json_object_get(obj, "spec"), ep->container))
		strbuf_addf(err, "pod \"%s\" has no %s", pod, ep->container_what);
	else
		ret = 0;
out:
	json_decref(obj);
	strbuf_release(&path);
	return ret;
}

/* A non-2xx answer: name the path and the status, and the start of the body. */
static void http_status_error(const struct forward *f, const char *ns, const char *pod,
			      const char *path, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;

	strbuf_add(&text, f->body.buf, f->body.len < 512 ? f->body.len : 512);
	strbuf_trim(&text);
	strbuf_addf(err, "port-forward to pod %s/%s port %d: GET %s answered %s", ns, pod,
		    f->port, path, f->resp.status.buf);
	if (text.len)
		strbuf_addf(err, ": %s", text.buf);
	strbuf_release(&text);
}

/* The exec route: the endpoint's command with the path; body on success. */
static int exec_get(struct kube_client *c, const char *ns, const char *pod,
		    const struct pod_endpoint *ep, const char *path, struct strbuf *body,
		    struct strbuf *err)
{
	const char *argv[16];
	struct exec_run e;
	size_t n = 0;
	int ret = -1;

	while (ep->exec_argv[n] && n < ARRAY_SIZE(argv) - 2) {
		argv[n] = ep->exec_argv[n];
		n++;
	}
	argv[n++] = path + strspn(path, "/");
	argv[n] = NULL;
	exec_init(&e, c);
	if (exec_run(c, ns, pod, ep->container, argv, &e, err) != DONE)
		goto out;
	if (e.exit_code) {
		strbuf_trim(&e.err_out);
		strbuf_addf(err, "exec in pod %s/%s (container %s): command terminated with exit code %d",
			    ns, pod, ep->container, e.exit_code);
		if (e.err_out.len)
			strbuf_addf(err, ": %s", e.err_out.buf);
		goto out;
	}
	if (e.out.len && e.out.buf[e.out.len - 1] == '\n')
		strbuf_setlen(&e.out, e.out.len - 1);
	output_give(body, &e.out);
	ret = 0;
out:
	exec_release(&e);
	return ret;
}

int kube_pod_debug_get(struct kube_client *c, const char *ns, const char *pod,
		       const struct pod_endpoint *ep, const char *path,
		       struct strbuf *body, struct strbuf *err)
{
	struct strbuf exec_err = STRBUF_INIT;
	size_t mark = err->len;
	struct forward f;
	enum outcome o;
	int ret = -1;

	strbuf_reset(body);
	if (check_pod(c, ns, pod, ep, err))
		return -1;
	o = http_get(c, ns, pod, ep->port, path, &f, err);
	if (o == DONE && f.resp.code >= 200 && f.resp.code < 300) {
		output_give(body, &f.body);
		ret = 0;
	} else if (o == DONE) {
		http_status_error(&f, ns, pod, path, err);
	} else if (o == REFUSED) {
		ret = exec_get(c, ns, pod, ep, path, body, &exec_err);
		if (ret) {
			strbuf_addch(err, '\n');
			strbuf_add(err, exec_err.buf, exec_err.len);
		} else {
			strbuf_setlen(err, mark);
		}
	}
	forward_release(&f);
	strbuf_release(&exec_err);
	return ret;
}
