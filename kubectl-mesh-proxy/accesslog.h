/* SPDX-License-Identifier: Apache-2.0 */
/* Envoy access log records in Istio's default text and JSON formats, decoded. */
#ifndef MESH_PROXY_ACCESSLOG_H
#define MESH_PROXY_ACCESSLOG_H

#include <jansson.h>
#include "strbuf.h"

/*
 * The fields of Istio's default access log, in the order of its text
 * format (pilot/pkg/model/telemetry_logging.go EnvoyTextLogFormat); the
 * names are the keys of its default JSON format.
 */
enum access_field {
	AF_START_TIME,
	AF_METHOD,
	AF_PATH,
	AF_PROTOCOL,
	AF_RESPONSE_CODE,
	AF_RESPONSE_FLAGS,
	AF_RESPONSE_CODE_DETAILS,
	AF_CONNECTION_TERMINATION_DETAILS,
	AF_UPSTREAM_TRANSPORT_FAILURE_REASON,
	AF_BYTES_RECEIVED,
	AF_BYTES_SENT,
	AF_DURATION,
	AF_UPSTREAM_SERVICE_TIME,
	AF_X_FORWARDED_FOR,
	AF_USER_AGENT,
	AF_REQUEST_ID,
	AF_AUTHORITY,
	AF_UPSTREAM_HOST,
	AF_UPSTREAM_CLUSTER,
	AF_UPSTREAM_LOCAL_ADDRESS,
	AF_DOWNSTREAM_LOCAL_ADDRESS,
	AF_DOWNSTREAM_REMOTE_ADDRESS,
	AF_REQUESTED_SERVER_NAME,
	AF_ROUTE_NAME,
	AF__COUNT
};

/* One decoded record: each field owned, NULL where Envoy wrote "-" or nothing. */
struct access_record {
	char *f[AF__COUNT];
};

/* The JSON key of a field ("response_code"). */
const char *access_field_name(enum access_field f);

/*
 * Decode one log line (without its newline) written in Istio's default
 * text format (Istio >= 1.9, or the 1.3-1.8 one with the Mixer status),
 * or as a JSON object with (some of) its default JSON keys.  Returns 0
 * with r filled, or -1 (r empty) for a line in any other format.
 * Release r with access_record_release().
 */
int access_record_parse(struct access_record *r, const char *line, size_t len);
void access_record_release(struct access_record *r);

/* The response code, or -1 when there is none. */
long access_record_code(const struct access_record *r);

/* What a response flag means ("UF": "upstream connection failure"); NULL if unknown. */
const char *access_flag_meaning(const char *flag, size_t len);

/*
 * An RBAC denial in RESPONSE_CODE_DETAILS or
 * CONNECTION_TERMINATION_DETAILS: rbac_access_denied_matched_policy[X].
 * Returns 1 with *policy set to X (borrowed from r; "none" when no ALLOW
 * policy matched) and *len to its length, else 0.
 */
int access_record_denial(const struct access_record *r, const char **policy, size_t *len);

/* The record on one line: time, request, status in words, upstream cluster, host, duration. */
void access_record_text(struct strbuf *out, const struct access_record *r);

/*
 * The record as a JSON object (a new reference): Istio's keys in the
 * order above, null for nothing, response_code, bytes_received,
 * bytes_sent, duration and upstream_service_time as numbers, then
 * "flags" ([{flag, meaning}]) and "denial" ({namespace, policy, rule,
 * message}, or null).  Bytes that are not UTF-8 become '?'.
 */
json_t *access_record_json(const struct access_record *r);

/* A line in no known format as {"unparsed": "<line>"} (a new reference). */
json_t *access_unparsed_json(const char *line, size_t len);

#endif
