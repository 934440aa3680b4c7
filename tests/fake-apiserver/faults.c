/* SPDX-License-Identifier: Apache-2.0 */
/* The --faults file: injected errors, delays, broken bodies and streams, and warnings. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fake.h"
#include "kube.h"
#include "xalloc.h"

enum fault_action {
	FA_STATUS, FA_HTML, FA_SLOW, FA_TRUNCATE, FA_CLOSE, FA_EXPIRE,
	FA_EXPIRE_INCONSISTENT, FA_WARNING, FA_WS_CLOSE, FA_WS_STALL, FA_WS_PING
};

struct fault_line {
	char *match;
	enum fault_action action;
	int code, retry_after, ms;
	char *text;
	long remaining; /* -1: always */
};

static const struct {
	const char *word; /* ends with '=' when it takes a value */
	enum fault_action action;
} actions[] = {
	{ "status=", FA_STATUS }, { "html=", FA_HTML }, { "slow=", FA_SLOW },
	{ "truncate", FA_TRUNCATE }, { "close", FA_CLOSE },
	{ "expire-inconsistent", FA_EXPIRE_INCONSISTENT }, { "expire", FA_EXPIRE },
	{ "warning=", FA_WARNING }, { "ws-close", FA_WS_CLOSE }, { "ws-stall=", FA_WS_STALL },
	{ "ws-ping", FA_WS_PING },
};

void faults_init(struct faults *f, const char *path)
{
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	pthread_mutex_init(&f->lock, NULL);
}

static void clear_lines(struct faults *f)
{
	size_t i;

	for (i = 0; i < f->nr; i++) {
		free(f->lines[i].match);
		free(f->lines[i].text);
	}
	f->nr = 0;
}

/* The action word starting at p (a whole token), or -1. */
static int action_at(const char *p)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(actions); i++) {
		size_t n = strlen(actions[i].word);

		if (!strncmp(p, actions[i].word, n) &&
		    (actions[i].word[n - 1] == '=' || !p[n] || isspace((unsigned char)p[n])))
			return (int)i;
	}
	return -1;
}

/* Split off a trailing numeric COUNT token from [p, *end). */
static long trailing_count(const char *p, const char **end)
{
	const char *e = *end, *s;

	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	s = e;
	while (s > p && isdigit((unsigned char)s[-1]))
		s--;
	if (s == e || s == p || !isspace((unsigned char)s[-1]))
		return -1;
	*end = s;
	return strtol(s, NULL, 10);
}

static void set_value(struct fault_line *l, const char *v, const char *end)
{
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	switch (l->action) {
	case FA_STATUS:
		l->code = atoi(v);
		v = strstr(v, "retry-after=");
		l->retry_after = v && v < end ? atoi(v + 12) : -1;
		break;
	case FA_HTML:
		l->code = atoi(v);
		break;
	case FA_SLOW:
	case FA_WS_STALL:
		l->ms = atoi(v);
		break;
	case FA_WARNING:
		if (end - v >= 2 && *v == '"' && end[-1] == '"') {
			v++;
			end--;
		}
		l->text = xstrndup(v, (size_t)(end - v));
		break;
	default:
		break;
	}
}

static void parse_line(struct faults *f, const char *line)
{
	const char *p = line, *act = NULL, *end;
	struct fault_line *l;
	int which = -1;

	while (isspace((unsigned char)*p))
		p++;
	if (!*p || *p == '#')
		return;
	for (end = p; *end && !isspace((unsigned char)*end); end++)
		;
	while (*end && which < 0) {
		while (isspace((unsigned char)*end))
			end++;
		which = action_at(end);
		act = end;
		while (*end && !isspace((unsigned char)*end))
			end++;
	}
	if (which < 0)
		return;
	ALLOC_GROW(f->lines, f->nr + 1, f->alloc);
	l = &f->lines[f->nr++];
	memset(l, 0, sizeof(*l));
	for (end = act; end > p && isspace((unsigned char)end[-1]); end--)
		;
	l->match = xstrndup(p, (size_t)(end - p));
	l->action = actions[which].action;
	end = act + strlen(act);
	l->remaining = trailing_count(act, &end);
	set_value(l, act + strlen(actions[which].word), end);
}

static void reload(struct faults *f)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	char *line, *next;

	if (stat(f->path, &st) < 0) {
		clear_lines(f);
		f->loaded = 0;
		return;
	}
	if (f->loaded && st.st_mtim.tv_sec == f->mtime &&
	    st.st_mtim.tv_nsec == f->mtime_ns && st.st_size == f->size)
		return;
	clear_lines(f);
	f->loaded = 1;
	f->mtime = st.st_mtim.tv_sec;
	f->mtime_ns = st.st_mtim.tv_nsec;
	f->size = st.st_size;
	if (strbuf_read_file(&sb, f->path) < 0)
		return;
	for (line = sb.buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		parse_line(f, line);
	}
	strbuf_release(&sb);
}

/* ---- applying ---- */

static const char *fault_message(int code)
{
	switch (code) {
	case 401:
		return "Unauthorized";
	case 429:
		return "Too many requests, please try again later.";
	case 500:
		return "Internal error occurred: injected fault";
	case 503:
		return "the server is currently unable to handle the request";
	case 504:
		return "Timeout: request did not complete within requested timeout - context deadline exceeded";
	default:
		return "injected fault";
	}
}

static void apply_status(const struct fault_line *l, struct response *resp)
{
	json_t *details = NULL;

	if (l->retry_after >= 0) {
		details = json_object();
		json_object_set_new(details, "retryAfterSeconds", json_integer(l->retry_after));
		response_add_header(resp, "Retry-After: %d", l->retry_after);
	}
	respond_status(resp, l->code, status_reason(l->code), fault_message(l->code),
		       details, NULL);
}

static void apply_html(const struct fault_line *l, struct response *resp)
{
	const char *phrase = kube_http_phrase(l->code);

	resp->code = l->code;
	resp->content_type = "text/html";
	strbuf_addf(&resp->body,
		    "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n"
		    "<center><h1>%d %s</h1></center>\r\n<hr><center>nginx</center>\r\n"
		    "</body>\r\n</html>\r\n", l->code, phrase, l->code, phrase);
}

static void apply_expire(const struct request *req, int inconsistent,
			 struct response *resp)
{
	char *cont = request_param(req, "continue");
	char *fresh = inconsistent ? continue_token_refresh(cont) : NULL;

	respond_expired(resp, inconsistent ? (fresh ? fresh : cont) : NULL);
	free(fresh);
	free(cont);
}

/* Apply one line; returns 1 when it answers the request. */
static int apply(const struct fault_line *l, const struct request *req,
		 struct fault_effect *eff, struct response *resp)
{
	switch (l->action) {
	case FA_STATUS:
		apply_status(l, resp);
		return 1;
	case FA_HTML:
		apply_html(l, resp);
		return 1;
	case FA_CLOSE:
		resp->mode = RESP_CLOSE;
		return 1;
	case FA_EXPIRE:
	case FA_EXPIRE_INCONSISTENT:
		apply_expire(req, l->action == FA_EXPIRE_INCONSISTENT, resp);
		return 1;
	case FA_SLOW:
		eff->slow_ms += l->ms;
		return 0;
	case FA_TRUNCATE:
		eff->truncate = 1;
		return 0;
	case FA_WARNING:
		strbuf_addf(&eff->warnings, "Warning: 299 - \"%s\"\r\n", l->text);
		return 0;
	case FA_WS_CLOSE:
		eff->ws.close = 1;
		return 0;
	case FA_WS_STALL:
		eff->ws.stall_ms += l->ms;
		return 0;
	case FA_WS_PING:
		eff->ws.ping = 1;
		return 0;
	}
	return 0;
}

static int has_continue(const struct request *req)
{
	char *cont = request_param(req, "continue");
	int yes = cont && *cont;

	free(cont);
	return yes;
}

void faults_apply(struct faults *f, const struct request *req,
		  struct fault_effect *eff, struct response *resp)
{
	char *subject = xasprintf("%s %s", req->method, req->target);
	size_t i;

	pthread_mutex_lock(&f->lock);
	reload(f);
	for (i = 0; i < f->nr && !eff->terminal; i++) {
		struct fault_line *l = &f->lines[i];

		if (!l->remaining || (strcmp(l->match, "*") && !strstr(subject, l->match)))
			continue;
		if ((l->action == FA_EXPIRE || l->action == FA_EXPIRE_INCONSISTENT) &&
		    !has_continue(req))
			continue;
		if (l->remaining > 0)
			l->remaining--;
		eff->terminal = apply(l, req, eff, resp);
	}
	pthread_mutex_unlock(&f->lock);
	free(subject);
}

void fault_effect_release(struct fault_effect *eff)
{
	strbuf_release(&eff->warnings);
}
