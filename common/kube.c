/* SPDX-License-Identifier: Apache-2.0 */
/* Kubernetes API client: batches of requests on one curl multi handle, with paging and retries. */
#include "kube_priv.h"
#include "xalloc.h"

#include <string.h>
#include <strings.h>

uint64_t kube_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- requests ---- */

void kube_req_init(struct kube_req *r, const char *path_fmt, ...)
{
	struct kube_req blank = KUBE_REQ_INIT;
	va_list ap;

	*r = blank;
	va_start(ap, path_fmt);
	r->path = xvasprintf(path_fmt, ap);
	va_end(ap);
}

/* Forget the outcome of an earlier run of r. */
static void reset_outcome(struct kube_req *r)
{
	json_decref(r->result);
	r->result = NULL;
	strbuf_release(&r->body);
	r->status = 0;
	free(r->reason);
	r->reason = NULL;
	r->failed = 0;
	strbuf_release(&r->err);
	r->pages = 0;
	r->retries = 0;
}

void kube_req_release(struct kube_req *r)
{
	struct kube_req blank = KUBE_REQ_INIT;

	reset_outcome(r);
	free(r->path);
	*r = blank;
}

void kube_query_escape(struct strbuf *out, const char *s)
{
	strbuf_add_urlencoded(out, s, 0);
}

void kube_add_go_duration(struct strbuf *sb, long ms)
{
	long h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, frac = ms % 1000;
	char buf[8];
	size_t n;

	if (ms < 1000) {
		strbuf_addf(sb, "%ldms", ms);
		return;
	}
	if (h)
		strbuf_addf(sb, "%ldh", h);
	if (h || m)
		strbuf_addf(sb, "%ldm", m);
	strbuf_addf(sb, "%ld", s);
	if (frac) {
		n = (size_t)snprintf(buf, sizeof(buf), ".%03ld", frac);
		while (buf[n - 1] == '0')
			n--;
		strbuf_add(sb, buf, n);
	}
	strbuf_addch(sb, 's');
}

const char *kube_method(const struct kube_req *r)
{
	return r->method ? r->method : "GET";
}

void *kube_nonnull(void *p)
{
	if (!p)
		(void)xmalloc(SIZE_MAX); /* reports out of memory and aborts */
	return p;
}

/* base + path + the query client-go adds: limit, continue, timeout. */
static char *attempt_url(const struct kube_xfer *x, const char *base)
{
	const struct kube_req *r = x->req;
	struct strbuf sb = STRBUF_INIT, q = STRBUF_INIT;

	if (r->paginate && !x->unpaged) {
		strbuf_addf(&q, "&limit=%u", r->limit ? r->limit : 500);
		if (x->cont) {
			strbuf_addstr(&q, "&continue=");
			kube_query_escape(&q, x->cont);
		}
	}
	if (x->c->timeout_ms > 0) {
		strbuf_addstr(&q, "&timeout=");
		kube_add_go_duration(&q, x->c->timeout_ms);
	}
	strbuf_addf(&sb, "%s%s", base, r->path);
	if (q.len)
		strbuf_addf(&sb, "%c%s", strchr(r->path, '?') ? '&' : '?', q.buf + 1);
	strbuf_release(&q);
	return strbuf_detach(&sb, NULL);
}

static struct curl_slist *build_headers(const struct kube_xfer *x)
{
	const struct kube_client *c = x->c;
	const struct kube_req *r = x->req;
	struct curl_slist *h = NULL;

	kube_header_add(&h, "Accept: %s", r->accept ? r->accept : "application/json");
	kube_identity_headers(c, &x->authn, &h);
	if (r->req_body)
		kube_header_add(&h, "Content-Type: %s",
				r->content_type ? r->content_type : "application/json");
	if (c->host_header)
		kube_header_add(&h, "%s", c->host_header);
	kube_header_add(&h, "Expect:");
	return h;
}

/* ---- one attempt ---- */

static size_t on_body(char *data, size_t size, size_t n, void *x_)
{
	struct kube_xfer *x = x_;

	return strbuf_add(&x->body, data, size * n) ? 0 : size * n;
}

const char *kube_http_phrase(long code)
{
	static const struct {
		short code;
		const char *text;
	} phrases[] = {
		{ 100, "Continue" }, { 101, "Switching Protocols" }, { 102, "Processing" },
		{ 103, "Early Hints" },
		{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
		{ 203, "Non-Authoritative Information" }, { 204, "No Content" },
		{ 205, "Reset Content" }, { 206, "Partial Content" }, { 207, "Multi-Status" },
		{ 208, "Already Reported" }, { 226, "IM Used" },
		{ 300, "Multiple Choices" }, { 301, "Moved Permanently" }, { 302, "Found" },
		{ 303, "See Other" }, { 304, "Not Modified" }, { 305, "Use Proxy" },
		{ 307, "Temporary Redirect" }, { 308, "Permanent Redirect" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 402, "Payment Required" },
		{ 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
		{ 406, "Not Acceptable" }, { 407, "Proxy Authentication Required" },
		{ 408, "Request Timeout" }, { 409, "Conflict" }, { 410, "Gone" },
		{ 411, "Length Required" }, { 412, "Precondition Failed" },
		{ 413, "Request Entity Too Large" }, { 414, "Request URI Too Long" },
		{ 415, "Unsupported Media Type" }, { 416, "Requested Range Not Satisfiable" },
		{ 417, "Expectation Failed" }, { 418, "I'm a teapot" },
		{ 421, "Misdirected Request" }, { 422, "Unprocessable Entity" }, { 423, "Locked" },
		{ 424, "Failed Dependency" }, { 425, "Too Early" }, { 426, "Upgrade Required" },
		{ 428, "Precondition Required" }, { 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 451, "Unavailable For Legal Reasons" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
		{ 505, "HTTP Version Not Supported" }, { 506, "Variant Also Negotiates" },
		{ 507, "Insufficient Storage" }, { 508, "Loop Detected" }, { 510, "Not Extended" },
		{ 511, "Network Authentication Required" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(phrases); i++)
		if (phrases[i].code == code)
			return phrases[i].text;
	return "";
}

/* Remember the final response's status text ("200 OK") and when its headers end. */
static size_t on_header(char *data, size_t size, size_t n, void *x_)
{
	struct kube_xfer *x = x_;
	size_t len = size * n;
	const char *sp;

	if (len > 5 && !memcmp(data, "HTTP/", 5)) {
		strbuf_reset(&x->status_text);
		x->headers_done = 0;
		sp = memchr(data, ' ', len);
		if (sp)
			strbuf_add(&x->status_text, sp + 1, len - (size_t)(sp + 1 - data));
		strbuf_trim(&x->status_text);
		if (x->status_text.len == 3) {
			const char *phrase = kube_http_phrase(strtol(x->status_text.buf, NULL, 10));
			if (*phrase)
				strbuf_addf(&x->status_text, " %s", phrase);
		}
	} else if (len <= 2 && (data[0] == '\r' || data[0] == '\n')) {
		x->headers_done = 1;
	}
	return len;
}

static void setup_method(CURL *e, const struct kube_req *r)
{
	const char *method = kube_method(r);

	if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
		return;
	}
	if (r->req_body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->req_body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->req_body);
	}
	if (strcmp(method, r->req_body ? "POST" : "GET"))
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
}

static CURL *new_easy(struct kube_xfer *x, long timeout_ms)
{
	const struct kube_client *c = x->c;
	CURL *e = kube_nonnull(curl_easy_init());

	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	kube_easy_connection(c, e, &x->authn);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, c->https ? "https" : "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
	if (timeout_ms > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	if (!c->cfg->disable_compression)
		curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	setup_method(e, x->req);
	return e;
}

static void release_attempt(struct kube_xfer *x)
{
	if (x->easy) {
		curl_multi_remove_handle(x->c->multi, x->easy);
		curl_easy_cleanup(x->easy);
		x->easy = NULL;
	}
	kube_headers_free(x->headers);
	x->headers = NULL;
	kube_authn_release(&x->authn);
	free(x->url);
	free(x->shown);
	x->url = x->shown = NULL;
}

static void finish(struct kube_xfer *x, int failed)
{
	release_attempt(x);
	x->req->failed = failed;
	x->state = XF_DONE;
	json_decref(x->list);
	x->list = NULL;
	strbuf_release(&x->body);
}

static void start_attempt(struct kube_xfer *x)
{
	struct kube_client *c = x->c;
	struct kube_req *r = x->req;
	struct strbuf err = STRBUF_INIT;
	uint64_t now = kube_now_ms();

	release_attempt(x);
	if (x->deadline_ms && now >= x->deadline_ms) {
		strbuf_setf(&r->err, "%s", KUBE_TIMEOUT_TEXT);
		finish(x, 1);
		return;
	}
	if (kube_auth_get(c, &x->authn, &err)) {
		strbuf_setf(&r->err, "Unable to connect to the server: %s", err.buf);
		strbuf_release(&err);
		finish(x, 1);
		return;
	}
	x->url = attempt_url(x, c->base_url);
	x->shown = attempt_url(x, c->shown_url);
	x->headers = build_headers(x);
	strbuf_reset(&x->body);
	x->body.overflow = 0;
	/* The cap covers all pages of a list; 0 would mean no cap at all. */
	x->body.cap = x->body_total < c->body_cap ? c->body_cap - x->body_total : 1;
	strbuf_reset(&x->status_text);
	x->headers_done = 0;
	x->errbuf[0] = '\0';
	x->easy = new_easy(x, x->deadline_ms ? (long)(x->deadline_ms - now) : 0);
	x->sent_ms = now;
	kube_log_request(x, __FILE__, __LINE__);
	x->state = XF_RUNNING;
	curl_multi_add_handle(c->multi, x->easy);
}

/* ---- one response ---- */

/* client-go's checkWait: 429 or 5xx with an integer Retry-After. */
static int retry_after(const struct kube_xfer *x, long code, long *seconds)
{
	struct curl_header *h;
	char *end;

	if (code != 429 && code < 500)
		return 0;
	if (curl_easy_header(x->easy, "Retry-After", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return 0;
	*seconds = strtol(h->value, &end, 10);
	if (end == h->value || *end)
		return 0;
	if (*seconds < 0)
		*seconds = 0;
	return 1;
}

/*
 * client-go also retries a GET, after a second, when the connection
 * was reset or closed before any response (net.IsProbableEOF: an API
 * server restarting).  The error text is already in r->err.
 */
static int probable_eof(const struct kube_xfer *x)
{
	const char *msg = x->req->err.buf;

	return !x->headers_done && !strcmp(kube_method(x->req), "GET") &&
	       (ends_with(msg, ": EOF") || strstr(msg, "connection reset by peer"));
}

/* Try again after the given wait, unless retries are used up or the wait passes the deadline. */
static int schedule_retry(struct kube_xfer *x, long seconds)
{
	uint64_t wake = kube_now_ms() + (uint64_t)seconds * 1000;

	if (x->req->retries >= x->c->max_retries || (x->deadline_ms && wake >= x->deadline_ms))
		return 0;
	release_attempt(x);
	x->req->retries++;
	x->wake_ms = wake;
	x->state = XF_WAITING;
	return 1;
}

/* A 401 on an exec credential: re-run the plugin once (unless already rotated) and retry. */
static int retry_unauthorized(struct kube_xfer *x, long code)
{
	if (code != 401 || !x->authn.exec_gen || x->auth_retried)
		return 0;
	kube_auth_unauthorized(x->authn.exec_gen);
	x->auth_retried = 1;
	x->req->retries++;
	start_attempt(x);
	return 1;
}

/* client-go's pager: Expired on page two or later falls back to one full list. */
static int retry_unpaged(struct kube_xfer *x, long code)
{
	struct kube_req *r = x->req;

	if (code != 410 || !r->paginate || x->unpaged || !x->cont ||
	    !r->reason || strcmp(r->reason, "Expired"))
		return 0;
	free(r->reason);
	r->reason = NULL;
	strbuf_reset(&r->err);
	free(x->cont);
	x->cont = NULL;
	json_decref(x->list);
	x->list = NULL;
	x->body_total = 0;
	x->unpaged = 1;
	r->retries++;
	start_attempt(x);
	return 1;
}

/* A new array of the items the request's filter keeps. */
static json_t *kept_items(const struct kube_req *r, json_t *items)
{
	json_t *kept = json_array(), *item;
	size_t i;

	json_array_foreach(items, i, item)
		if (!r->item_filter || !r->item_filter(item, r->filter_data))
			json_array_append(kept, item);
	return kept;
}

/* The List every page's items are collected into: the first page's type and metadata. */
static json_t *new_list(json_t *page)
{
	json_t *list = json_object();
	json_t *meta = json_deep_copy(json_object_get(page, "metadata"));

	if (!json_is_object(meta)) {
		json_decref(meta);
		meta = json_object();
	}
	json_object_del(meta, "continue");
	json_object_del(meta, "remainingItemCount");
	json_object_set(list, "kind", json_object_get(page, "kind"));
	json_object_set(list, "apiVersion", json_object_get(page, "apiVersion"));
	json_object_set_new(list, "metadata", meta);
	json_object_set_new(list, "items", json_array());
	return list;
}

/* Keep a page's items (page is consumed); returns 1 when another page follows. */
static int absorb_page(struct kube_xfer *x, json_t *page)
{
	const char *cont = json_string_value(
		json_object_get(json_object_get(page, "metadata"), "continue"));
	json_t *kept;

	if (!x->list)
		x->list = new_list(page);
	kept = kept_items(x->req, json_object_get(page, "items"));
	json_array_extend(json_object_get(x->list, "items"), kept);
	json_decref(kept);
	free(x->cont);
	x->cont = cont && *cont && !x->unpaged ? xstrdup(cont) : NULL;
	json_decref(page);
	return x->cont != NULL;
}

static void take_raw_body(struct kube_xfer *x)
{
	struct kube_req *r = x->req;

	strbuf_release(&r->body);
	r->body = x->body;
	r->body.cap = 0;
	strbuf_init(&x->body, 0);
	r->pages++;
	finish(x, 0);
}

static void take_json_body(struct kube_xfer *x)
{
	struct kube_req *r = x->req;
	json_error_t jerr;
	json_t *doc = json_loadb(x->body.buf, x->body.len, 0, &jerr);
	json_t *items;

	x->body_total += x->body.len;
	strbuf_release(&x->body);
	if (!doc) {
		kube_decode_error(x, &jerr);
		finish(x, 1);
		return;
	}
	r->pages++;
	items = json_object_get(doc, "items");
	if (!json_is_array(items)) {
		r->result = doc;
	} else if (r->paginate) {
		if (absorb_page(x, doc)) {
			start_attempt(x);
			return;
		}
		r->result = x->list;
		x->list = NULL;
	} else {
		json_object_set_new(doc, "items", kept_items(r, items));
		r->result = doc;
	}
	finish(x, 0);
}

static void on_done(struct kube_xfer *x, CURLcode rc)
{
	struct kube_req *r = x->req;
	long code = 0, wait;
	struct curl_header *ct;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	if (!x->headers_done)
		code = 0;
	r->status = code;
	kube_log_response(x, code, __FILE__, __LINE__);
	if (code)
		kube_print_warnings(x->easy);
	if (rc != CURLE_OK) {
		kube_transport_error(x, rc);
		if (probable_eof(x) && schedule_retry(x, 1))
			strbuf_reset(&r->err);
		else
			finish(x, 1);
		return;
	}
	if (retry_unauthorized(x, code) || (retry_after(x, code, &wait) && schedule_retry(x, wait)))
		return;
	if (code < 200 || code > 206) {
		if (curl_easy_header(x->easy, "Content-Type", 0, CURLH_HEADER, -1, &ct) != CURLHE_OK)
			ct = NULL;
		kube_response_error(r, code, kube_method(r), ct ? ct->value : NULL,
				    x->body.buf, x->body.len);
		if (!retry_unpaged(x, code))
			finish(x, 1);
		return;
	}
	if (r->raw)
		take_raw_body(x);
	else
		take_json_body(x);
}

/* ---- the batch loop ---- */

static void drain_done(struct kube_client *c)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(c->multi, &left))) {
		void *x = NULL;
		CURLcode rc = m->data.result;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &x);
		on_done(x, rc);
	}
}

/* Start the retries whose wait is over; returns how long until the next one (ms). */
static long wake_waiting(struct kube_xfer *xs, size_t n, int *pending)
{
	uint64_t now = kube_now_ms();
	long next = 1000;
	size_t i;

	*pending = 0;
	for (i = 0; i < n; i++) {
		struct kube_xfer *x = &xs[i];
		if (x->state == XF_WAITING && x->wake_ms <= now)
			start_attempt(x);
		if (x->state == XF_WAITING && (long)(x->wake_ms - now) < next)
			next = (long)(x->wake_ms - now);
		if (x->state == XF_RUNNING || x->state == XF_WAITING)
			*pending = 1;
	}
	return next;
}

int kube_run(struct kube_client *c, struct kube_req *reqs, size_t n)
{
	struct kube_xfer *xs = xcalloc(n ? n : 1, sizeof(*xs));
	uint64_t start = kube_now_ms();
	int pending = n > 0, failed = 0, running;
	size_t i;

	for (i = 0; i < n; i++) {
		struct kube_xfer *x = &xs[i];
		reset_outcome(&reqs[i]);
		x->c = c;
		x->req = &reqs[i];
		strbuf_init(&x->status_text, 0);
		strbuf_init(&x->body, 0);
		x->deadline_ms = c->timeout_ms > 0 ? start + (uint64_t)c->timeout_ms : 0;
		if (reqs[i].path) {
			start_attempt(x);
		} else {
			strbuf_addstr(&reqs[i].err, "no API path for the request");
			finish(x, 1);
		}
	}
	while (pending) {
		long wait;
		curl_multi_perform(c->multi, &running);
		drain_done(c);
		wait = wake_waiting(xs, n, &pending);
		if (pending)
			curl_multi_poll(c->multi, NULL, 0, (int)wait, NULL);
	}
	for (i = 0; i < n; i++) {
		failed |= reqs[i].failed;
		free(xs[i].cont);
		strbuf_release(&xs[i].status_text);
	}
	free(xs);
	return failed ? -1 : 0;
}

int kube_get(struct kube_client *c, const char *path, json_t **out, long *status,
	     struct strbuf *err)
{
	struct kube_req r;
	int ret;

	kube_req_init(&r, "%s", path);
	ret = kube_run(c, &r, 1);
	if (status)
		*status = r.status;
	*out = NULL;
	if (ret)
		strbuf_addstr(err, r.err.buf);
	else
		*out = json_incref(r.result);
	kube_req_release(&r);
	return ret;
}
