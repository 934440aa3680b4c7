/* SPDX-License-Identifier: Apache-2.0 */
/* Finding the istiod pods and reading a debug endpoint from several pods side by side. */
#include "status.h"
#include "cli_priv.h"
#include "kube.h"
#include "objects.h"
#include "xalloc.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the istiod pods ---- */

/* The tag of the discovery container's image ("1.24.2"), "" without one. */
static char *discovery_version(json_t *pod)
{
	json_t *ct, *first = json_array_get(obj_path(pod, "spec.containers"), 0);
	const char *image = NULL, *tag;
	size_t i, at;

	json_array_foreach(obj_path(pod, "spec.containers"), i, ct) {
		const char *name = json_string_value(json_object_get(ct, "name"));
		if (name && !strcmp(name, "discovery"))
			image = json_string_value(json_object_get(ct, "image"));
	}
	if (!image)
		image = json_string_value(json_object_get(first, "image"));
	if (!image)
		return xstrdup("");
	at = strcspn(image, "@");
	tag = memrchr(image, ':', at);
	if (!tag || memchr(tag, '/', at - (size_t)(tag - image)))
		return xstrdup("");
	return xstrndup(tag + 1, at - (size_t)(tag - image) - 1);
}

/* istiod's monitoring port: the prometheus.io/port annotation, else 15014. */
static int monitoring_port(json_t *pod)
{
	const char *ann = obj_annotation(pod, "prometheus.io/port");
	char *end;
	long port = ann ? strtol(ann, &end, 10) : 0;

	return ann && *ann && !*end && port > 0 && port < 65536 ? (int)port : 15014;
}

static int cmp_istiod(const void *x, const void *y)
{
	return strcmp(((const struct istiod *)x)->name, ((const struct istiod *)y)->name);
}

int istiods_list(struct cli *cli, struct istiod **out, size_t *n)
{
	const char *ns = cli_istio_namespace(cli);
	struct strbuf path = STRBUF_INIT, err = STRBUF_INIT, sel = STRBUF_INIT;
	struct kube_client *c;
	json_t *list = NULL, *pod;
	size_t i;
	int r = cli_client(cli, &c);

	*out = NULL;
	*n = 0;
	if (r)
		return r;
	strbuf_addstr(&sel, "app=istiod");
	if (cli->opts.revision && *cli->opts.revision)
		strbuf_addf(&sel, ",istio.io/rev=%s", cli->opts.revision);
	strbuf_addf(&path, "/api/v1/namespaces/%s/pods?labelSelector=", ns);
	kube_query_escape(&path, sel.buf);
	strbuf_addstr(&path, "&fieldSelector=status.phase%3DRunning");
	if (kube_get(c, path.buf, &list, NULL, &err)) {
		r = report_error(err.buf);
		goto out;
	}
	*out = xcalloc(json_array_size(json_object_get(list, "items")) + 1, sizeof(**out));
	json_array_foreach(json_object_get(list, "items"), i, pod) {
		struct istiod *d = &(*out)[(*n)++];
		d->name = xstrdup(obj_name(pod));
		d->version = discovery_version(pod);
		d->ep = kube_istiod_debug;
		d->ep.port = monitoring_port(pod);
	}
	qsort(*out, *n, sizeof(**out), cmp_istiod);
	if (!*n) {
		free(*out);
		*out = NULL;
		r = fail("no running Istio pods in \"%s\"", ns);
	}
out:
	json_decref(list);
	strbuf_release(&path);
	strbuf_release(&sel);
	strbuf_release(&err);
	return r;
}

void istiods_free(struct istiod *d, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		free(d[i].name);
		free(d[i].version);
	}
	free(d);
}

/* ---- side by side ---- */

void debug_job_release(struct debug_job *job)
{
	strbuf_release(&job->body);
	strbuf_release(&job->err);
}

static void run_job(struct kube_client *c, const char *ns, const char *path,
		    struct debug_job *job)
{
	job->failed = kube_pod_debug_get(c, ns, job->pod, job->ep, path, &job->body, &job->err) != 0;
}

/* Write all of buf to fd; -1 on a write error. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * The child's side: its own client from the same configuration, the
 * request, then the outcome on fd: one byte (0 ok, 1 failed) and the
 * body or the error.  Never returns.
 */
static MESH_NORETURN void child_job(struct cli *cli, struct kube_client *parent, const char *ns,
				    const char *path, struct debug_job *job, int fd)
{
	struct kube_client_opts ko = { 0 };
	struct kube_client *c;
	struct strbuf *what;
	char flag;

	ko.timeout_ms = cli->timeout_ms;
	ko.verbosity = (int)cli->opts.verbosity;
	c = kube_client_new(kube_client_config(parent), &ko, &job->err);
	if (c)
		run_job(c, ns, path, job);
	else
		job->failed = 1;
	flag = job->failed ? 1 : 0;
	what = job->failed ? &job->err : &job->body;
	if (write_all(fd, &flag, 1) || write_all(fd, what->buf, what->len))
		_exit(1);
	_exit(0);
}

struct child {
	pid_t pid;
	int fd;
	struct strbuf data;
};

/* Read every child's pipe to its end, all at once so that none blocks on a full pipe. */
static void drain(struct child *ch, size_t n)
{
	struct pollfd *fds = xcalloc(n, sizeof(*fds));
	size_t open = n, i;

	for (i = 0; i < n; i++) {
		fds[i].fd = ch[i].fd;
		fds[i].events = POLLIN;
	}
	while (open) {
		if (poll(fds, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < n; i++) {
			char buf[65536];
			ssize_t r;

			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			r = read(fds[i].fd, buf, sizeof(buf));
			if (r < 0 && errno == EINTR)
				continue;
			if (r > 0) {
				strbuf_add(&ch[i].data, buf, (size_t)r);
				continue;
			}
			close(fds[i].fd);
			fds[i].fd = -1;
			open--;
		}
	}
	free(fds);
}

static void collect(struct child *ch, struct debug_job *job)
{
	int status = 0;

	while (waitpid(ch->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) || !ch->data.len) {
		job->failed = 1;
		strbuf_addf(&job->err, "reading from pod %s: the worker process failed", job->pod);
		return;
	}
	job->failed = ch->data.buf[0] != 0;
	strbuf_add(job->failed ? &job->err : &job->body, ch->data.buf + 1, ch->data.len - 1);
}

size_t debug_get_all(struct cli *cli, const char *ns, const char *path, struct debug_job *jobs,
		     size_t n)
{
	struct child *ch = n > 1 ? xcalloc(n - 1, sizeof(*ch)) : NULL;
	struct kube_client *c;
	size_t i, started = 0, failed = 0;

	if (cli_client(cli, &c)) {
		for (i = 0; i < n; i++) {
			jobs[i].failed = 1;
			strbuf_addstr(&jobs[i].err, "no API client");
		}
		free(ch);
		return n;
	}
	fflush(NULL);
	for (i = 1; i < n; i++) {
		int fds[2];
		struct child *k = &ch[started];

		strbuf_init(&k->data, 0);
		if (pipe(fds) || (k->pid = fork()) < 0) {
			strbuf_release(&k->data);
			break;
		}
		if (!k->pid) {
			close(fds[0]);
			child_job(cli, c, ns, path, &jobs[i], fds[1]);
		}
		close(fds[1]);
		k->fd = fds[0];
		started++;
	}
	/* The first job, and any the system would not fork for, run here. */
	run_job(c, ns, path, &jobs[0]);
	for (i = started + 1; i < n; i++)
		run_job(c, ns, path, &jobs[i]);
	drain(ch, started);
	for (i = 0; i < started; i++) {
		collect(&ch[i], &jobs[i + 1]);
		strbuf_release(&ch[i].data);
	}
	free(ch);
	for (i = 0; i < n; i++)
		failed += jobs[i].failed != 0;
	return failed;
}
