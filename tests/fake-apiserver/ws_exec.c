/* SPDX-License-Identifier: Apache-2.0 */
/* pods/exec over WebSocket (v5, v4 and channel.k8s.io) and the few programs it simulates. */
#include <string.h>

#include "fake.h"
#include "xalloc.h"

/*
 * The programs (anything else fails to start, as a missing executable
 * does, with the kubelet's InternalError):
 *   pilot-agent request GET PATH       in container istio-proxy: Envoy
 *                                      admin, port 15000
 *   pilot-discovery request GET PATH   in container discovery: istiod
 *                                      debug, port 15014
 * Both fetch http://HOST:PORT/PATH from the pod's simulated port
 * (ws_proxy.c) and behave as istio's request command does: the body and
 * a newline on stdout, exit 0, for any status but 400-599 other than
 * 404; otherwise "Error: received unsuccessful status code N: BODY" on
 * stderr and exit 255.  When the port does not listen, stderr says the
 * connection was refused and the exit code is 255.
 */

/* Channels of the remote command protocols. */
enum { CH_STDOUT = 1, CH_STDERR = 2, CH_ERROR = 3 };

struct program {
	const char *argv0, *container, *host;
	int port;
};

static const struct program programs[] = {
	{ "pilot-agent", "istio-proxy", "localhost", 15000 },
	{ "pilot-discovery", "discovery", "127.0.0.1", 15014 },
};

struct exec_result {
	struct strbuf out, err;
	int exit_code;
	char *failure; /* the command did not start: the error's text */
};

/* All values of the repeated query parameter key, decoded. */
static size_t query_values(const struct request *req, const char *key, char ***out)
{
	const char *p = req->query;
	size_t klen = strlen(key), nr = 0, alloc = 0;

	*out = NULL;
	while (*p) {
		size_t len = strcspn(p, "&");

		if (len > klen && p[klen] == '=' && !strncmp(p, key, klen)) {
			struct strbuf v = STRBUF_INIT;

			strbuf_add_urldecoded(&v, p + klen + 1, len - klen - 1, 1);
			ALLOC_GROW(*out, nr + 1, alloc);
			(*out)[nr++] = strbuf_detach(&v, NULL);
		}
		p += len;
		p += *p == '&';
	}
	return nr;
}

/* istio's request command: GET the path on the program's port. */
static void run_request(const struct server *srv, const char *ns, const char *pod,
			const struct program *p, const char *path, struct exec_result *res)
{
	const char *type;
	struct strbuf body = STRBUF_INIT, target = STRBUF_INIT;
	int status;

	strbuf_addf(&target, "/%s", path);
	if (!proxy_port_open(srv, ns, pod, p->port)) {
		strbuf_addf(&res->err, "Error: Get \"http://%s:%d/%s\": dial tcp 127.0.0.1:%d: connect: connection refused\n",
			    p->host, p->port, path, p->port);
		res->exit_code = 255;
	} else {
		proxy_http_get(srv, ns, pod, p->port, target.buf, &status, &type, &body);
		if (status > 399 && status != 404) {
			strbuf_addf(&res->err, "Error: received unsuccessful status code %d: %s\n",
				    status, body.buf);
			res->exit_code = 255;
		} else {
			strbuf_add(&res->out, body.buf, body.len);
			strbuf_addch(&res->out, '\n');
		}
	}
	strbuf_release(&body);
	strbuf_release(&target);
}

static void run_program(const struct server *srv, const char *ns, const char *pod,
			const char *container, char **argv, size_t argc, struct exec_result *res)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(programs); i++) {
		const struct program *p = &programs[i];

		if (strcmp(argv[0], p->argv0) || strcmp(container, p->container))
			continue;
		if (argc == 4 && !strcmp(argv[1], "request") && !strcmp(argv[2], "GET")) {
			run_request(srv, ns, pod, p, argv[3], res);
		} else {
			strbuf_addf(&res->err, "Error: usage: %s request GET PATH\n", p->argv0);
			res->exit_code = 1;
		}
		return;
	}
	res->failure = xasprintf("error executing command in container: failed to exec in container: failed to start exec \"%s\": OCI runtime exec failed: exec failed: unable to start container process: exec: \"%s\": executable file not found in $PATH: unknown",
				 "4b825dc642cb6eb9a060e54bf8d69288fbee4904", argv[0]);
}

/* The kubelet's Status for the outcome; msg gets its message (none on success). */
static json_t *outcome_status(char **argv, size_t argc, const struct exec_result *res,
			      struct strbuf *msg)
{
	json_t *st = json_object(), *cause = json_object();
	size_t i;

	json_object_set_new(st, "metadata", json_object());
	json_object_set_new(st, "status", json_string(res->exit_code || res->failure ? "Failure" : "Success"));
	if (res->failure) {
		strbuf_addf(msg, "Internal error occurred: %s", res->failure);
		json_object_set_new(cause, "message", json_string(res->failure));
	} else if (res->exit_code) {
		strbuf_addstr(msg, "command terminated with non-zero exit code: command '");
		for (i = 0; i < argc; i++)
			strbuf_addf(msg, "%s%s", i ? " " : "", argv[i]);
		strbuf_addf(msg, "' exited with %d: ", res->exit_code);
		json_object_set_new(cause, "reason", json_string("ExitCode"));
		json_object_set_new(cause, "message", json_sprintf("%d", res->exit_code));
	} else {
		json_decref(cause);
		return st;
	}
	json_object_set_new(st, "message", json_string(msg->buf));
	json_object_set_new(st, "reason", json_string(res->failure ? "InternalError" : "NonZeroExitCode"));
	json_object_set_new(st, "details", json_pack("{s:[o]}", "causes", cause));
	if (res->failure)
		json_object_set_new(st, "code", json_integer(500));
	return st;
}

/* The outcome on the error channel: the Status with v4 and v5, its message before. */
static void write_outcome(struct conn *c, int versioned, char **argv, size_t argc,
			  const struct exec_result *res)
{
	struct strbuf msg = STRBUF_INIT;
	json_t *st = outcome_status(argv, argc, res, &msg);
	char *text = json_dumps(st, JSON_COMPACT);

	if (versioned)
		ws_write_channel(c, CH_ERROR, text, strlen(text));
	else if (msg.len)
		ws_write_channel(c, CH_ERROR, msg.buf, msg.len);
	free(text);
	json_decref(st);
	strbuf_release(&msg);
}

/* Streams the result; returns the code to log. */
static int stream_result(struct conn *c, const struct request *req, const char *proto,
			 char **argv, size_t argc, struct exec_result *res)
{
	int versioned = !strcmp(proto, "v5.channel.k8s.io") || !strcmp(proto, "v4.channel.k8s.io");

	/* The empty message on stdout that says the stream is ready. */
	if (ws_write_channel(c, CH_STDOUT, "", 0) ||
	    ws_write_data(c, CH_STDOUT, res->out.buf, res->out.len, &req->ws))
		return 101;
	if (res->err.len && ws_write_channel(c, CH_STDERR, res->err.buf, res->err.len))
		return 101;
	write_outcome(c, versioned, argv, argc, res);
	ws_write_close(c, 1000);
	return 101;
}

/* The API server's checks before it hands the stream on; 0, or -1 with resp filled. */
static int check_request(const struct request *req, json_t *pod, const char *name,
			 size_t argc, char **container, struct response *resp)
{
	if (!argc) {
		respond_bad_request(resp, "you must specify at least one command for the container");
		return -1;
	}
	if (!request_param_true(req, "stdout") && !request_param_true(req, "stderr") &&
	    !request_param_true(req, "stdin")) {
		respond_bad_request(resp, "you must specify at least 1 of stdin, stdout, stderr");
		return -1;
	}
	*container = pod_pick_container(req, pod, name, resp);
	if (*container && (strcmp(req->method, "GET") || !ws_is_websocket(req))) {
		respond_bad_request(resp, "the fake API server serves pods/exec over WebSocket only (v5.channel.k8s.io, v4.channel.k8s.io, channel.k8s.io)");
		return -1;
	}
	return *container ? 0 : -1;
}

int ws_exec_handle(struct server *srv, struct conn *c, const struct request *req, json_t *pod)
{
	const char *v5[] = { "v5.channel.k8s.io", "v4.channel.k8s.io", "channel.k8s.io", "", NULL };
	json_t *meta = json_object_get(pod, "metadata");
	const char *name = json_string_value(json_object_get(meta, "name"));
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	struct exec_result res = { STRBUF_INIT, STRBUF_INIT, 0, NULL };
	struct response resp;
	char **argv, *container = NULL;
	size_t argc = query_values(req, "command", &argv);
	const char *proto;
	int code;

	response_init(&resp);
	if (check_request(req, pod, name, argc, &container, &resp)) {
		code = ws_refuse(c, &resp);
	} else {
		/* v5 came with Kubernetes 1.30. */
		proto = ws_accept(c, req, server_minor(srv) >= 30 ? v5 : v5 + 1, &code);
		if (proto) {
			run_program(srv, ns, name, container, argv, argc, &res);
			code = stream_result(c, req, proto, argv, argc, &res);
		}
	}
	response_release(&resp);
	strbuf_release(&res.out);
	strbuf_release(&res.err);
	free(res.failure);
	free(container);
	strings_free(argv, argc);
	return code;
}
