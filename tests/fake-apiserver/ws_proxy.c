/* SPDX-License-Identifier: Apache-2.0 */
/* The pods' simulated loopback HTTP servers: Envoy admin and istiod debug answers from fixture files. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fake.h"
#include "xalloc.h"

/* The fixture roots, in the order they are searched: the last one first. */
static size_t roots(const struct server *srv, char ***out)
{
	size_t i, n = 0;

	*out = xcalloc(srv->nr_data_dirs + srv->nr_proxy_dirs + 1, sizeof(char *));
	for (i = 0; i < srv->nr_data_dirs; i++)
		(*out)[n++] = xasprintf("%s/proxy", srv->data_dirs[i]);
	for (i = 0; i < srv->nr_proxy_dirs; i++)
		(*out)[n++] = xstrdup(srv->proxy_dirs[i]);
	return n;
}

void strings_free(char **r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(r[i]);
	free(r);
}

int proxy_port_open(const struct server *srv, const char *ns, const char *pod, int port)
{
	char **r;
	size_t n = roots(srv, &r), i;
	int open = 0;

	for (i = 0; i < n && !open; i++) {
		char *dir = xasprintf("%s/%s/%s/%d", r[i], ns, pod, port);
		struct stat st;

		open = !stat(dir, &st) && S_ISDIR(st.st_mode);
		free(dir);
	}
	strings_free(r, n);
	return open;
}

static int keep_byte(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '_' || ch == ',' || ch == '=' || ch == '-';
}

void proxy_file_name(struct strbuf *out, const char *target, size_t len)
{
	struct strbuf decoded = STRBUF_INIT;
	size_t i;

	while (len && *target == '/')
		target++, len--;
	strbuf_add_urldecoded(&decoded, target, len, 0);
	for (i = 0; i < decoded.len; i++) {
		unsigned char ch = (unsigned char)decoded.buf[i];

		if (keep_byte(ch))
			strbuf_addch(out, ch);
		else
			strbuf_addf(out, "%%%02X", ch);
	}
	strbuf_release(&decoded);
}

/* The fixture for one file name, newest root first; -1 when none has it. */
static int read_fixture(const struct server *srv, const char *ns, const char *pod, int port,
			const char *name, struct strbuf *body)
{
	char **r;
	size_t n = roots(srv, &r), i = n;
	int ret = -1;

	while (ret && i-- > 0) {
		char *path = xasprintf("%s/%s/%s/%d/%s", r[i], ns, pod, port, name);
		struct stat st;

		if (!stat(path, &st) && S_ISREG(st.st_mode)) {
			strbuf_reset(body);
			ret = strbuf_read_file(body, path) ? -1 : 0;
		}
		free(path);
	}
	strings_free(r, n);
	return ret;
}

/* The status a fixture is served with: NAME.status holds it when not 200. */
static int fixture_status(const struct server *srv, const char *ns, const char *pod, int port,
			  const char *name)
{
	struct strbuf text = STRBUF_INIT;
	char *status_name = xasprintf("%s.status", name);
	long code = 200;

	if (!read_fixture(srv, ns, pod, port, status_name, &text))
		code = strtol(text.buf, NULL, 10);
	free(status_name);
	strbuf_release(&text);
	return code >= 100 && code <= 599 ? (int)code : 200;
}

void proxy_http_get(const struct server *srv, const char *ns, const char *pod, int port,
		    const char *target, int *status, const char **content_type,
		    struct strbuf *body)
{
	const char *q = strchr(target, '?');
	struct strbuf name = STRBUF_INIT;
	int found;

	proxy_file_name(&name, target, strlen(target));
	found = !read_fixture(srv, ns, pod, port, name.buf, body);
	if (!found && q) {
		strbuf_reset(&name);
		proxy_file_name(&name, target, (size_t)(q - target));
		found = !read_fixture(srv, ns, pod, port, name.buf, body);
	}
	*status = found ? fixture_status(srv, ns, pod, port, name.buf) : 404;
	strbuf_release(&name);
	if (found) {
		*content_type = body->len && (body->buf[0] == '{' || body->buf[0] == '[') ?
				"application/json" : "text/plain; charset=utf-8";
	} else if (port == 15000) {
		/* The first line of Envoy admin's answer to an unknown path. */
		strbuf_addstr(body, "invalid path. admin commands are:\n");
		*content_type = "text/plain; charset=UTF-8";
	} else {
		strbuf_addstr(body, "404 page not found\n");
		*content_type = "text/plain; charset=utf-8";
	}
}
