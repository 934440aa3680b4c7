/* SPDX-License-Identifier: Apache-2.0 */
/* The --log request log: one JSON object per request, flushed as written. */
#include <string.h>

#include "fake.h"
#include "xalloc.h"

int reqlog_open(struct reqlog *log, const char *path, struct strbuf *err)
{
	pthread_mutex_init(&log->lock, NULL);
	log->fp = fopen(path, "a");
	if (!log->fp) {
		strbuf_addf(err, "%s: cannot open log file", path);
		return -1;
	}
	return 0;
}

static json_t *string_array(char **items, size_t nr)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < nr; i++)
		json_array_append_new(arr, json_string(items[i]));
	return arr;
}

static json_t *nullable(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Every header, lower-case names; repeated headers joined with ", ". */
static json_t *headers_json(const struct request *req)
{
	json_t *h = json_object();
	size_t i;

	for (i = 0; i < req->nr_headers; i++) {
		const char *name = req->headers[i].name;
		const char *prev = json_string_value(json_object_get(h, name));

		if (prev)
			json_object_set_new(h, name, json_sprintf("%s, %s", prev,
					    req->headers[i].value));
		else
			json_object_set_new(h, name, json_string(req->headers[i].value));
	}
	return h;
}

void reqlog_write(struct reqlog *log, const struct request *req,
		  const struct response *resp)
{
	json_t *e;

	if (!log->fp)
		return;
	e = json_object();
	json_object_set_new(e, "time", json_real(req->time));
	json_object_set_new(e, "method", json_string(req->method));
	json_object_set_new(e, "path", json_string(req->path));
	json_object_set_new(e, "query", json_string(req->query));
	json_object_set_new(e, "user", nullable(req->user));
	json_object_set_new(e, "groups", string_array(req->groups, req->nr_groups));
	json_object_set_new(e, "impersonate_user", nullable(req->imp_user));
	json_object_set_new(e, "impersonate_groups",
			    string_array(req->imp_groups, req->nr_imp_groups));
	json_object_set_new(e, "headers", headers_json(req));
	json_object_set_new(e, "status", json_integer(resp->code));
	json_object_set_new(e, "bytes", json_integer((json_int_t)resp->wire_bytes));
	if (resp->gzipped)
		json_object_set_new(e, "content_encoding", json_string("gzip"));
	pthread_mutex_lock(&log->lock);
	json_dumpf(e, log->fp, JSON_COMPACT | JSON_REAL_PRECISION(17));
	fputc('\n', log->fp);
	fflush(log->fp);
	pthread_mutex_unlock(&log->lock);
	json_decref(e);
}
