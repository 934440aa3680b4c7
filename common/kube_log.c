/* SPDX-License-Identifier: Apache-2.0 */
/* The API client's klog-style request log (credentials masked) and Warning: headers. */
#include "kube_priv.h"
#include "usage.h"
#include "xalloc.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

static FILE *log_out(void)
{
	return mesh_stderr ? mesh_stderr : stderr;
}

static void klog_prefix(struct strbuf *sb, const char *file, int line)
{
	struct timeval tv;
	struct tm tm;
	const char *base = strrchr(file, '/');

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strbuf_addf(sb, "I%02d%02d %02d:%02d:%02d.%06ld %7d %s:%d] ",
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		    (long)tv.tv_usec, (int)getpid(), base ? base + 1 : file, line);
}

void kube_logf(const char *file, int line, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	klog_prefix(&sb, file, line);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_addch(&sb, '\n');
	fwrite(sb.buf, 1, sb.len, log_out());
	fflush(log_out());
	strbuf_release(&sb);
}

/*
 * client-go's maskValue: an Authorization value keeps only its scheme
 * when the scheme is a known one, and is hidden entirely otherwise.
 */
static void add_masked_header(struct strbuf *sb, const char *line)
{
	static const char *const known[] = { "bearer", "basic", "negotiate" };
	const char *colon = strchr(line, ':');
	const char *value;
	size_t type_len, i;

	if (!colon || colon - line != 13 || strncasecmp(line, "Authorization", 13)) {
		strbuf_addstr(sb, line);
		return;
	}
	value = colon + 1;
	while (*value == ' ')
		value++;
	strbuf_addstr(sb, "Authorization: ");
	type_len = strcspn(value, " ");
	for (i = 0; i < ARRAY_SIZE(known); i++)
		if (type_len == strlen(known[i]) && !strncasecmp(value, known[i], type_len))
			break;
	if (i == ARRAY_SIZE(known)) {
		strbuf_addstr(sb, "<masked>");
		return;
	}
	strbuf_add(sb, value, type_len);
	if (value[type_len])
		strbuf_addstr(sb, " <masked>");
}

/* kubectl's truncateBody: 1024 characters at -v=8, everything at -v=9. */
static void add_body(struct strbuf *sb, const char *body, size_t len, int verbosity)
{
	size_t max = verbosity >= 9 ? len : 1024;

	if (len <= max) {
		strbuf_add(sb, body, len);
		return;
	}
	strbuf_add(sb, body, max);
	strbuf_addf(sb, " [truncated %zu chars]", len - max);
}

static void log_body(const char *what, const char *body, size_t len, int verbosity,
		     const char *file, int line)
{
	struct strbuf sb = STRBUF_INIT;

	add_body(&sb, body, len, verbosity);
	kube_logf(file, line, "%s: %s", what, sb.buf);
	strbuf_release(&sb);
}

void kube_log_request(const struct kube_xfer *x, const char *file, int line)
{
	const struct curl_slist *h;

	if (x->c->verbosity < 7)
		return;
	kube_logf(file, line, "%s %s", kube_method(x->req), x->shown);
	kube_logf(file, line, "Request Headers:");
	for (h = x->headers; h; h = h->next) {
		struct strbuf sb = STRBUF_INIT;
		if (!strcasecmp(h->data, "Expect:") || !strncasecmp(h->data, "Host:", 5))
			continue;
		add_masked_header(&sb, h->data);
		kube_logf(file, line, "    %s", sb.buf);
		strbuf_release(&sb);
	}
	if (x->c->verbosity >= 8 && x->req->req_body)
		log_body("Request Body", x->req->req_body, x->req->req_body_len,
			 x->c->verbosity, file, line);
}

static void log_response_headers(CURL *easy, const char *file, int line)
{
	struct curl_header *h = NULL;

	kube_logf(file, line, "Response Headers:");
	while ((h = curl_easy_nextheader(easy, CURLH_HEADER, -1, h)))
		kube_logf(file, line, "    %s: %s", h->name, h->value);
}

void kube_log_response(const struct kube_xfer *x, long code, const char *file, int line)
{
	const struct kube_client *c = x->c;

	if (c->verbosity < 6)
		return;
	kube_logf(file, line, "%s %s %s in %llu milliseconds", kube_method(x->req), x->shown,
		  code ? x->status_text.buf : "",
		  (unsigned long long)(kube_now_ms() - x->sent_ms));
	if (c->verbosity < 8 || !code)
		return;
	log_response_headers(x->easy, file, line);
	if (x->body.len)
		log_body("Response Body", x->body.buf, x->body.len, c->verbosity, file, line);
}

/* ---- Warning: headers (client-go rest/warnings.go) ---- */

static char **warned;
static size_t nr_warned, alloc_warned;

/* Returns 1 the first time text is seen in this process. */
static int first_sighting(const char *text)
{
	size_t i;

	for (i = 0; i < nr_warned; i++)
		if (!strcmp(warned[i], text))
			return 0;
	ALLOC_GROW(warned, nr_warned + 1, alloc_warned);
	warned[nr_warned++] = xstrdup(text);
	return 1;
}

/* Parse a quoted-string at *p into out; returns -1 when malformed. */
static int unquote(const char **p, struct strbuf *out)
{
	const char *s = *p;

	if (*s++ != '"')
		return -1;
	for (; *s && *s != '"'; s++) {
		if (*s == '\\' && s[1])
			s++;
		strbuf_addch(out, *s);
	}
	if (*s != '"')
		return -1;
	*p = s + 1;
	return 0;
}

/*
 * Parse one RFC 7234 warning-value at *p: 3DIGIT SP agent SP
 * quoted-text [SP quoted-date], followed by the end or a comma.
 * Returns the code, or -1 when malformed.
 */
static int parse_warning_value(const char **pp, struct strbuf *text)
{
	const char *p = *pp;
	int code;

	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) ||
	    !isdigit((unsigned char)p[2]) || p[3] != ' ')
		return -1;
	code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	p += 4;
	p += strcspn(p, " ");
	if (*p++ != ' ' || unquote(&p, text))
		return -1;
	if (*p == ' ' && p[1] == '"') {
		struct strbuf date = STRBUF_INIT;
		int bad;
		p++;
		bad = unquote(&p, &date);
		strbuf_release(&date);
		if (bad)
			return -1;
	}
	if (*p && *p != ',')
		return -1;
	*pp = p;
	return code;
}

/*
 * Only code 299 with a text is shown, as client-go does; a malformed
 * value ends the parse.
 */
static void parse_warning_header(const char *p)
{
	struct strbuf text = STRBUF_INIT;

	for (;;) {
		int code;

		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		strbuf_reset(&text);
		code = parse_warning_value(&p, &text);
		if (code < 0)
			break;
		if (code == 299 && text.len && first_sighting(text.buf))
			warning("%s", text.buf);
	}
	strbuf_release(&text);
}

void kube_print_warnings(CURL *easy)
{
	struct curl_header *h;
	size_t i, n;

	if (curl_easy_header(easy, "Warning", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return;
	n = h->amount;
	for (i = 0; i < n; i++)
		if (curl_easy_header(easy, "Warning", i, CURLH_HEADER, -1, &h) == CURLHE_OK)
			parse_warning_header(h->value);
}
