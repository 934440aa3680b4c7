/* SPDX-License-Identifier: Apache-2.0 */
/* pods/{name}/log from DIR/logs/<ns>/<pod>/<container>[.previous].log files. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fake.h"
#include "rfc3339.h"
#include "xalloc.h"

static const char *const container_lists[] = {
	"initContainers", "containers", "ephemeralContainers"
};

static const char *name_of(json_t *c)
{
	const char *s = json_string_value(json_object_get(c, "name"));

	return s ? s : "";
}

/* All container names in the API server's visiting order, as "[a b c]". */
static void container_names(struct strbuf *out, json_t *spec)
{
	size_t i, j;
	json_t *c;
	int first = 1;

	strbuf_addch(out, '[');
	for (i = 0; i < ARRAY_SIZE(container_lists); i++) {
		json_array_foreach(json_object_get(spec, container_lists[i]), j, c) {
			strbuf_addf(out, "%s%s", first ? "" : " ", name_of(c));
			first = 0;
		}
	}
	strbuf_addch(out, ']');
}

static int has_container(json_t *spec, const char *name)
{
	size_t i, j;
	json_t *c;

	for (i = 0; i < ARRAY_SIZE(container_lists); i++)
		json_array_foreach(json_object_get(spec, container_lists[i]), j, c)
			if (!strcmp(name_of(c), name))
				return 1;
	return 0;
}

/* The container to read, as a new string; NULL with a 400 in resp. */
char *pod_pick_container(const struct request *req, json_t *pod,
			 const char *pod_name, struct response *resp)
{
	json_t *spec = json_object_get(pod, "spec");
	json_t *containers = json_object_get(spec, "containers");
	char *name = request_param(req, "container");
	struct strbuf names = STRBUF_INIT;

	if (name && *name) {
		if (has_container(spec, name))
			return name;
		respond_bad_request(resp, "container %s is not valid for pod %s", name, pod_name);
	} else if (json_array_size(containers) == 1) {
		free(name);
		return xstrdup(name_of(json_array_get(containers, 0)));
	} else if (!json_array_size(containers)) {
		respond_bad_request(resp, "a container name must be specified for pod %s", pod_name);
	} else {
		container_names(&names, spec);
		respond_bad_request(resp, "a container name must be specified for pod %s, choose one of: %s",
				    pod_name, names.buf);
		strbuf_release(&names);
	}
	free(name);
	return NULL;
}

/* Read the newest --data dir's log file into out; -1 when there is none. */
static int read_log_file(const struct server *srv, const char *ns, const char *pod,
			 const char *container, int previous, struct strbuf *out)
{
	size_t i = srv->nr_data_dirs;

	while (i-- > 0) {
		char *path = xasprintf("%s/logs/%s/%s/%s%s.log", srv->data_dirs[i], ns,
				       pod, container, previous ? ".previous" : "");
		int ok = !access(path, R_OK) && strbuf_read_file(out, path) == 0;

		free(path);
		if (ok)
			return 0;
	}
	return -1;
}

/* The kubelet's answer when a container has no log to show. */
static void respond_no_log(json_t *pod, const char *pod_name, const char *container,
			   int previous, struct response *resp)
{
	json_t *status = json_object_get(pod, "status");
	const char *lists[] = { "containerStatuses", "initContainerStatuses" };
	const char *reason;
	json_t *cs;
	size_t i, j;

	if (previous) {
		respond_bad_request(resp, "previous terminated container \"%s\" in pod \"%s\" not found",
				    container, pod_name);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		json_array_foreach(json_object_get(status, lists[i]), j, cs) {
			if (strcmp(name_of(cs), container))
				continue;
			reason = json_string_value(json_object_get(json_object_get(
				json_object_get(cs, "state"), "waiting"), "reason"));
			if (reason)
				respond_bad_request(resp, "container \"%s\" in pod \"%s\" is waiting to start: %s",
						    container, pod_name, reason);
			else
				resp->code = 200; /* running, and nothing logged yet */
			return;
		}
	}
	respond_bad_request(resp, "container \"%s\" in pod \"%s\" is not available",
			    container, pod_name);
}

/* Length of a leading RFC 3339 timestamp plus its space, and its time; 0 if none. */
static size_t line_stamp(const char *line, size_t len, time_t *when)
{
	const char *sp = memchr(line, ' ', len);

	if (!sp || rfc3339_parse(line, (size_t)(sp - line), RFC3339_GO, when))
		return 0;
	return (size_t)(sp - line) + 1;
}

struct log_opts {
	int timestamps;
	long long since; /* seconds, 0 = all */
	long long tail;  /* lines, -1 = all */
	long long limit; /* bytes, 0 = all */
};

static long long param_ll(const struct request *req, const char *key, long long dflt)
{
	char *v = request_param(req, key);
	long long n = v && *v ? strtoll(v, NULL, 10) : dflt;

	free(v);
	return n;
}

/* Filter text by sinceSeconds, then tailLines, then limitBytes, into out. */
static void filter_log(const struct strbuf *text, const struct log_opts *o,
		       struct strbuf *out)
{
	time_t cutoff = o->since > 0 ? time(NULL) - (time_t)o->since : 0;
	size_t starts = 0, skip = 0;
	const char *p = text->buf, *end = text->buf + text->len;
	struct strbuf kept = STRBUF_INIT;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		time_t when = 0;
		size_t stamp = line_stamp(p, len, &when);

		if (!stamp || !cutoff || when >= cutoff) {
			size_t off = o->timestamps ? 0 : stamp;

			strbuf_add(&kept, p + off, len - off);
			starts++;
		}
		p += len;
	}
	if (o->tail >= 0 && (size_t)o->tail < starts)
		skip = starts - (size_t)o->tail;
	for (p = kept.buf; skip && p < kept.buf + kept.len; skip--) {
		const char *nl = memchr(p, '\n', kept.len - (size_t)(p - kept.buf));

		p = nl ? nl + 1 : kept.buf + kept.len;
	}
	strbuf_add(out, p, kept.len - (size_t)(p - kept.buf));
	if (o->limit > 0 && out->len > (size_t)o->limit)
		strbuf_setlen(out, (size_t)o->limit);
	strbuf_release(&kept);
}

void handle_pod_log(const struct server *srv, const struct request *req,
		    const struct reqinfo *ri, struct object *pod,
		    struct response *resp)
{
	struct strbuf text = STRBUF_INIT;
	struct log_opts o;
	int previous = request_param_true(req, "previous");
	char *container = pod_pick_container(req, pod->json, pod->name, resp);

	if (!container)
		return;
	if (read_log_file(srv, ri->namespace, pod->name, container, previous, &text) < 0) {
		respond_no_log(pod->json, pod->name, container, previous, resp);
		if (resp->code == 200)
			resp->content_type = "text/plain";
		free(container);
		return;
	}
	o.timestamps = request_param_true(req, "timestamps");
	o.since = param_ll(req, "sinceSeconds", 0);
	o.tail = param_ll(req, "tailLines", -1);
	o.limit = param_ll(req, "limitBytes", 0);
	resp->code = 200;
	resp->content_type = "text/plain";
	filter_log(&text, &o, &resp->body);
	strbuf_release(&text);
	free(container);
}
