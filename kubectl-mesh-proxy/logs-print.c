/* SPDX-License-Identifier: Apache-2.0 */
/* Access log records in words: response flags, RBAC denials, one line or one JSON object each. */
#include "accesslog.h"
#include "proxy.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Envoy's response flags (source/common/stream_info/utility.h), in words. */
static const struct {
	const char *flag, *meaning;
} flags[] = {
	{ "UH", "no healthy upstream hosts" },
	{ "UF", "upstream connection failure" },
	{ "UO", "upstream overflow (circuit breaker)" },
	{ "NR", "no route or filter chain matched" },
	{ "URX", "upstream retry limit exceeded" },
	{ "NC", "upstream cluster not found" },
	{ "DT", "maximum request or connection duration exceeded" },
	{ "DC", "downstream connection terminated" },
	{ "LH", "local service failed its health check" },
	{ "UT", "upstream request timeout" },
	{ "LR", "connection reset locally" },
	{ "UR", "upstream remote reset" },
	{ "UC", "upstream connection terminated" },
	{ "DI", "delayed by fault injection" },
	{ "FI", "aborted by fault injection" },
	{ "RL", "rate limited locally" },
	{ "UAEX", "denied by the external authorization service" },
	{ "RLSE", "rate limit service error" },
	{ "IH", "invalid value in a strictly checked request header" },
	{ "SI", "stream idle timeout" },
	{ "DPE", "downstream HTTP protocol error" },
	{ "UPE", "upstream HTTP protocol error" },
	{ "UMSDR", "upstream request reached its maximum stream duration" },
	{ "RFCF", "response served by the cache filter" },
	{ "NFCF", "no filter configuration found" },
	{ "OM", "terminated by the overload manager" },
	{ "DF", "DNS resolution failed" },
	{ "DO", "dropped by the cluster's drop_overloads" },
	{ "DR", "downstream remote reset" },
};

const char *access_flag_meaning(const char *flag, size_t len)
{
	size_t i;
	for (i = 0; i < ARRAY_SIZE(flags); i++)
		if (strlen(flags[i].flag) == len && !memcmp(flags[i].flag, flag, len))
			return flags[i].meaning;
	return NULL;
}

#define DENIED "rbac_access_denied_matched_policy["

int access_record_denial(const struct access_record *r, const char **policy, size_t *len)
{
	const char *const where[] = { r->f[AF_RESPONSE_CODE_DETAILS],
				      r->f[AF_CONNECTION_TERMINATION_DETAILS] };
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(where); i++) {
		const char *s = where[i];
		if (!s || !starts_with(s, DENIED))
			continue;
		s += strlen(DENIED);
		n = strlen(s);
		if (!n || s[n - 1] != ']')
			continue;
		*policy = s;
		*len = n - 1;
		return 1;
	}
	return 0;
}

/* The parts of a denial; 0 when it names no policy ("none"). */
struct denial {
	char *ns, *policy, *rule;
	int named;
};

static int denial_of(const struct access_record *r, struct denial *d)
{
	const char *p;
	size_t len;
	char *name;

	memset(d, 0, sizeof(*d));
	if (!access_record_denial(r, &p, &len))
		return 0;
	name = xstrndup(p, len);
	d->named = strcmp(name, "none") != 0;
	if (d->named && authz_policy_name_parse(name, &d->ns, &d->policy, &d->rule)) {
		d->policy = name;
		name = NULL;
	}
	free(name);
	return 1;
}

static void denial_release(struct denial *d)
{
	free(d->ns);
	free(d->policy);
	free(d->rule);
}

static void denial_words(struct strbuf *out, const struct denial *d)
{
	if (!d->named)
		strbuf_addstr(out, "denied: no ALLOW policy matched");
	else if (d->ns)
		strbuf_addf(out, "denied by AuthorizationPolicy %s/%s rule %s", d->ns, d->policy,
			    d->rule);
	else
		strbuf_addf(out, "denied by RBAC policy %s", d->policy);
}

/* "UF,URX (upstream connection failure; upstream retry limit exceeded)" */
static void flag_words(struct strbuf *out, const char *list)
{
	const char *p = list;
	int first = 1;

	strbuf_addf(out, " %s (", list);
	while (*p) {
		size_t n = strcspn(p, ",");
		const char *meaning = access_flag_meaning(p, n);
		strbuf_addf(out, "%s%s", first ? "" : "; ", meaning ? meaning : "unknown flag");
		first = 0;
		p += n + (p[n] == ',');
	}
	strbuf_addch(out, ')');
}

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

static void request_words(struct strbuf *out, const struct access_record *r)
{
	const char *const *f = (const char *const *)r->f;

	if (!f[AF_METHOD] && !f[AF_PROTOCOL]) {
		strbuf_addf(out, " TCP %s -> %s", or_dash(f[AF_DOWNSTREAM_REMOTE_ADDRESS]),
			    or_dash(f[AF_DOWNSTREAM_LOCAL_ADDRESS]));
		return;
	}
	strbuf_addf(out, " %s %s%s %s", or_dash(f[AF_METHOD]), f[AF_AUTHORITY] ? f[AF_AUTHORITY] : "",
		    or_dash(f[AF_PATH]), or_dash(f[AF_PROTOCOL]));
}

void access_record_text(struct strbuf *out, const struct access_record *r)
{
	const char *const *f = (const char *const *)r->f;
	const char *details = f[AF_RESPONSE_CODE_DETAILS];
	struct denial d;
	long code = access_record_code(r);

	strbuf_addstr(out, or_dash(f[AF_START_TIME]));
	request_words(out, r);
	if (code > 0 || f[AF_METHOD])
		strbuf_addf(out, " %ld", code < 0 ? 0 : code);
	if (f[AF_RESPONSE_FLAGS])
		flag_words(out, f[AF_RESPONSE_FLAGS]);
	if (denial_of(r, &d)) {
		strbuf_addch(out, ' ');
		denial_words(out, &d);
		denial_release(&d);
	} else {
		if (details && strcmp(details, "via_upstream"))
			strbuf_addf(out, " reason=%s", details);
		if (f[AF_CONNECTION_TERMINATION_DETAILS])
			strbuf_addf(out, " termination=%s", f[AF_CONNECTION_TERMINATION_DETAILS]);
	}
	if (f[AF_UPSTREAM_TRANSPORT_FAILURE_REASON])
		strbuf_addf(out, " transport_failure=\"%s\"", f[AF_UPSTREAM_TRANSPORT_FAILURE_REASON]);
	strbuf_addf(out, " cluster=%s host=%s duration=%s%s", or_dash(f[AF_UPSTREAM_CLUSTER]),
		    or_dash(f[AF_UPSTREAM_HOST]), or_dash(f[AF_DURATION]), f[AF_DURATION] ? "ms" : "");
}

/* ---- JSON ---- */

/* A JSON string of s; bytes that are not UTF-8 become '?'; null for nothing. */
static json_t *text_json(const char *s)
{
	json_t *v;
	char *copy, *p;

	if (!s)
		return json_null();
	v = json_string(s);
	if (v)
		return v;
	copy = xstrdup(s);
	for (p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	v = json_string(copy);
	free(copy);
	return v;
}

/* A number when the text is one, else the string; null for nothing. */
static json_t *number_or_string(const char *s)
{
	char *end;
	long long n;

	if (!s)
		return json_null();
	n = strtoll(s, &end, 10);
	return *s && !*end ? json_integer(n) : text_json(s);
}

static json_t *flags_json(const char *list)
{
	json_t *out = json_array();
	const char *p = list;

	while (p && *p) {
		size_t n = strcspn(p, ",");
		const char *meaning = access_flag_meaning(p, n);
		json_array_append_new(out, json_pack("{s:s%, s:s?}", "flag", p, n, "meaning", meaning));
		p += n + (p[n] == ',');
	}
	return out;
}

static json_t *denial_json(const struct access_record *r)
{
	struct strbuf words = STRBUF_INIT;
	struct denial d;
	json_t *out;

	if (!denial_of(r, &d))
		return NULL;
	denial_words(&words, &d);
	out = json_pack("{s:s?, s:s?, s:o, s:s}", "namespace", d.ns, "policy", d.named ? d.policy : NULL,
			"rule", number_or_string(d.rule), "message", words.buf);
	denial_release(&d);
	strbuf_release(&words);
	return out;
}

json_t *access_record_json(const struct access_record *r)
{
	json_t *obj = json_object(), *denial;
	size_t i;

	for (i = 0; i < AF__COUNT; i++) {
		int numeric = i == AF_RESPONSE_CODE || i == AF_BYTES_RECEIVED || i == AF_BYTES_SENT ||
			      i == AF_DURATION || i == AF_UPSTREAM_SERVICE_TIME;
		json_object_set_new(obj, access_field_name((enum access_field)i),
				    numeric ? number_or_string(r->f[i]) : text_json(r->f[i]));
	}
	json_object_set_new(obj, "flags", flags_json(r->f[AF_RESPONSE_FLAGS]));
	denial = denial_json(r);
	json_object_set_new(obj, "denial", denial ? denial : json_null());
	return obj;
}

json_t *access_unparsed_json(const char *line, size_t len)
{
	char *copy = xstrndup(line, len);
	json_t *obj = json_object();

	json_object_set_new(obj, "unparsed", text_json(copy));
	free(copy);
	return obj;
}
