/* SPDX-License-Identifier: Apache-2.0 */
/* Kubernetes Status bodies, with the reasons the real API server uses. */
#include <stdarg.h>
#include <string.h>

#include "fake.h"
#include "xalloc.h"

static const struct {
	int code;
	const char *reason;
} reasons[] = {
	{ 400, "BadRequest" },       { 401, "Unauthorized" },
	{ 403, "Forbidden" },        { 404, "NotFound" },
	{ 405, "MethodNotAllowed" }, { 406, "NotAcceptable" },
	{ 409, "Conflict" },         { 410, "Expired" },
	{ 415, "UnsupportedMediaType" }, { 422, "Invalid" },
	{ 429, "TooManyRequests" },  { 500, "InternalError" },
	{ 503, "ServiceUnavailable" }, { 504, "Timeout" },
};

const char *status_reason(int code)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(reasons); i++)
		if (reasons[i].code == code)
			return reasons[i].reason;
	return NULL;
}

void respond_status(struct response *resp, int code, const char *reason,
		    const char *message, json_t *details,
		    const char *continue_token)
{
	json_t *st = json_object();
	json_t *meta = json_object();
	char *text;

	if (continue_token)
		json_object_set_new(meta, "continue", json_string(continue_token));
	json_object_set_new(st, "kind", json_string("Status"));
	json_object_set_new(st, "apiVersion", json_string("v1"));
	json_object_set_new(st, "metadata", meta);
	json_object_set_new(st, "status", json_string("Failure"));
	json_object_set_new(st, "message", json_string(message));
	if (reason)
		json_object_set_new(st, "reason", json_string(reason));
	if (details)
		json_object_set_new(st, "details", details);
	json_object_set_new(st, "code", json_integer(code));
	text = json_dumps(st, JSON_COMPACT);
	response_json(resp, code, text);
	free(text);
	json_decref(st);
}

void respond_not_found_path(struct response *resp)
{
	respond_status(resp, 404, "NotFound",
		       "the server could not find the requested resource",
		       json_object(), NULL);
}

char *qualified_resource(const char *group, const char *resource)
{
	if (!group || !*group)
		return xstrdup(resource);
	return xasprintf("%s.%s", resource, group);
}

void respond_not_found_object(struct response *resp, const char *group,
			      const char *resource, const char *name)
{
	char *qr = qualified_resource(group, resource);
	char *msg = xasprintf("%s \"%s\" not found", qr, name);
	json_t *details = json_object();

	json_object_set_new(details, "name", json_string(name));
	if (group && *group)
		json_object_set_new(details, "group", json_string(group));
	json_object_set_new(details, "kind", json_string(resource));
	respond_status(resp, 404, "NotFound", msg, details, NULL);
	free(msg);
	free(qr);
}

void respond_bad_request(struct response *resp, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	respond_status(resp, 400, "BadRequest", msg, NULL, NULL);
	free(msg);
}

void respond_expired(struct response *resp, const char *continue_token)
{
	respond_status(resp, 410, "Expired",
		       "The provided continue parameter is too old to display a "
		       "consistent list result. You can start a new list without "
		       "the continue parameter, or use the continue token in this "
		       "response to retrieve the remainder of the results. "
		       "Continuing with the provided token results in an "
		       "inconsistent list - objects that were created, modified, "
		       "or deleted between the time the first chunk was returned "
		       "and now may show up in the list.",
		       NULL, continue_token);
}
