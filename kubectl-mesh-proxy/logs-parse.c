/* SPDX-License-Identifier: Apache-2.0 */
/* Reading Envoy access log lines written in Istio's default text and JSON formats. */
#include "accesslog.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const field_names[AF__COUNT] = {
	"start_time", "method", "path", "protocol", "response_code", "response_flags",
	"response_code_details", "connection_termination_details",
	"upstream_transport_failure_reason", "bytes_received", "bytes_sent", "duration",
	"upstream_service_time", "x_forwarded_for", "user_agent", "request_id", "authority",
	"upstream_host", "upstream_cluster", "upstream_local_address", "downstream_local_address",
	"downstream_remote_address", "requested_server_name", "route_name",
};

const char *access_field_name(enum access_field f)
{
	return field_names[f];
}

void access_record_release(struct access_record *r)
{
	size_t i;
	for (i = 0; i < AF__COUNT; i++)
		free(r->f[i]);
	memset(r, 0, sizeof(*r));
}

/* Store a value, Envoy's "-" (nothing) as NULL. */
static void set_field(struct access_record *r, enum access_field f, const char *p, size_t len)
{
	free(r->f[f]);
	r->f[f] = len && !(len == 1 && *p == '-') ? xstrndup(p, len) : NULL;
}

long access_record_code(const struct access_record *r)
{
	const char *s = r->f[AF_RESPONSE_CODE];
	char *end;
	long code;

	if (!s || !*s)
		return -1;
	code = strtol(s, &end, 10);
	return *end ? -1 : code;
}

/* ---- the text format ---- */

struct token {
	const char *p;
	size_t len;
	int quoted;
};

#define MAX_TOKENS 24

/*
 * Split after the [START_TIME]: plain tokens end at a space, quoted ones
 * at a '"' followed by a space or the end (values may hold quotes).
 */
static int tokenize(const char *p, const char *end, struct token *t, size_t *n)
{
	*n = 0;
	while (p < end) {
		const char *q;
		if (*p++ != ' ' || p == end || *n == MAX_TOKENS)
			return -1;
		if (*p == '"') {
			for (q = p + 1; q < end && !(*q == '"' && (q + 1 == end || q[1] == ' ')); q++)
				;
			if (q == end)
				return -1;
			t[(*n)++] = (struct token){ p + 1, (size_t)(q - p - 1), 1 };
			p = q + 1;
		} else {
			q = memchr(p, ' ', (size_t)(end - p));
			q = q ? q : end;
			t[(*n)++] = (struct token){ p, (size_t)(q - p), 0 };
			p = q;
		}
	}
	return 0;
}

/* Where each token of a format goes (-1: dropped), and whether it is quoted. */
struct slot {
	int field;
	int quoted;
};

/* Istio >= 1.9: RESPONSE_CODE_DETAILS and CONNECTION_TERMINATION_DETAILS after the flags. */
static const struct slot head_1_9[] = {
	{ AF_METHOD, 1 }, { AF_RESPONSE_CODE, 0 }, { AF_RESPONSE_FLAGS, 0 },
	{ AF_RESPONSE_CODE_DETAILS, 0 }, { AF_CONNECTION_TERMINATION_DETAILS, 0 },
};

/* Istio 1.3-1.8: "%DYNAMIC_METADATA(istio.mixer:status)%" in their place. */
static const struct slot head_1_3[] = {
	{ AF_METHOD, 1 }, { AF_RESPONSE_CODE, 0 }, { AF_RESPONSE_FLAGS, 0 }, { -1, 1 },
};

/* What both write next; the route name came last and some builds leave it out. */
static const struct slot tail[] = {
	{ AF_UPSTREAM_TRANSPORT_FAILURE_REASON, 1 }, { AF_BYTES_RECEIVED, 0 }, { AF_BYTES_SENT, 0 },
	{ AF_DURATION, 0 }, { AF_UPSTREAM_SERVICE_TIME, 0 }, { AF_X_FORWARDED_FOR, 1 },
	{ AF_USER_AGENT, 1 }, { AF_REQUEST_ID, 1 }, { AF_AUTHORITY, 1 }, { AF_UPSTREAM_HOST, 1 },
	{ AF_UPSTREAM_CLUSTER, 0 }, { AF_UPSTREAM_LOCAL_ADDRESS, 0 },
	{ AF_DOWNSTREAM_LOCAL_ADDRESS, 0 }, { AF_DOWNSTREAM_REMOTE_ADDRESS, 0 },
	{ AF_REQUESTED_SERVER_NAME, 0 }, { AF_ROUTE_NAME, 0 },
};

/* Digits, or Envoy's "-" for a number it does not have. */
static int number_or_dash(const struct token *t)
{
	size_t i;

	if (t->len == 1 && *t->p == '-')
		return 1;
	for (i = 0; i < t->len; i++)
		if (!isdigit((unsigned char)t->p[i]))
			return 0;
	return t->len > 0;
}

/* "METHOD PATH PROTOCOL": the path is what lies between the first and the last space. */
static int split_request(struct access_record *r, const struct token *t)
{
	const char *sp1 = memchr(t->p, ' ', t->len), *sp2;

	if (!sp1)
		return -1;
	for (sp2 = t->p + t->len - 1; sp2 > sp1 && *sp2 != ' '; sp2--)
		;
	if (sp2 == sp1)
		return -1;
	set_field(r, AF_METHOD, t->p, (size_t)(sp1 - t->p));
	set_field(r, AF_PATH, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	set_field(r, AF_PROTOCOL, sp2 + 1, (size_t)(t->p + t->len - sp2 - 1));
	return 0;
}

static int fill_tokens(struct access_record *r, const struct token *t, size_t n,
		       const struct slot *head, size_t nhead)
{
	size_t nslots = nhead + ARRAY_SIZE(tail), i;

	if (n != nslots && n + 1 != nslots)
		return -1;
	for (i = 0; i < n; i++) {
		const struct slot *sl = i < nhead ? &head[i] : &tail[i - nhead];
		int f = sl->field;
		if (t[i].quoted != sl->quoted)
			return -1;
		if ((f == AF_RESPONSE_CODE || f == AF_BYTES_RECEIVED || f == AF_BYTES_SENT ||
		     f == AF_DURATION) && !number_or_dash(&t[i]))
			return -1;
		if (f == AF_METHOD) {
			if (split_request(r, &t[i]))
				return -1;
		} else if (f >= 0) {
			set_field(r, (enum access_field)f, t[i].p, t[i].len);
		}
	}
	return 0;
}

static int parse_text(struct access_record *r, const char *line, size_t len)
{
	const char *end = line + len, *close;
	struct token t[MAX_TOKENS];
	size_t n;

	if (!len || *line != '[' || !(close = memchr(line, ']', len)))
		return -1;
	if (tokenize(close + 1, end, t, &n) || n < 4)
		return -1;
	set_field(r, AF_START_TIME, line + 1, (size_t)(close - line - 1));
	if (t[3].quoted)
		return fill_tokens(r, t, n, head_1_3, ARRAY_SIZE(head_1_3));
	return fill_tokens(r, t, n, head_1_9, ARRAY_SIZE(head_1_9));
}

/* ---- the JSON format ---- */

static void set_json_field(struct access_record *r, enum access_field f, json_t *v)
{
	char *text;

	if (json_is_string(v)) {
		set_field(r, f, json_string_value(v), json_string_length(v));
	} else if (json_is_integer(v)) {
		r->f[f] = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else if (json_is_real(v)) {
		r->f[f] = xasprintf("%g", json_real_value(v));
	} else if (json_is_boolean(v)) {
		r->f[f] = xstrdup(json_is_true(v) ? "true" : "false");
	} else if (v && !json_is_null(v)) {
		text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		r->f[f] = text ? xstrdup(text) : NULL;
		free(text);
	}
}

/*
 * A JSON object is taken for an access log record when it has at least
 * three of Istio's keys, among them start_time, response_code or
 * response_flags (the proxy's own JSON logs have none of them).
 */
static int parse_json(struct access_record *r, const char *line, size_t len)
{
	json_t *obj = json_loadb(line, len, 0, NULL);
	size_t i, known = 0;
	int r_ok;

	if (!json_is_object(obj)) {
		json_decref(obj);
		return -1;
	}
	for (i = 0; i < AF__COUNT; i++)
		known += json_object_get(obj, field_names[i]) != NULL;
	r_ok = known >= 3 && (json_object_get(obj, "start_time") ||
			      json_object_get(obj, "response_code") ||
			      json_object_get(obj, "response_flags"));
	for (i = 0; r_ok && i < AF__COUNT; i++)
		set_json_field(r, (enum access_field)i, json_object_get(obj, field_names[i]));
	json_decref(obj);
	return r_ok ? 0 : -1;
}

int access_record_parse(struct access_record *r, const char *line, size_t len)
{
	int ret;

	memset(r, 0, sizeof(*r));
	if (len && line[len - 1] == '\r')
		len--;
	ret = len && *line == '{' ? parse_json(r, line, len) : parse_text(r, line, len);
	if (ret)
		access_record_release(r);
	return ret;
}
