/* SPDX-License-Identifier: Apache-2.0 */
/* Kubernetes times as text: RFC 3339 timestamps in, human durations out. */
#ifndef MESH_RFC3339_H
#define MESH_RFC3339_H

#include "compat.h"
#include "strbuf.h"

#include <time.h>

/* rfc3339_parse() flags. */
#define RFC3339_GO 1u

/*
 * Read all of s[0..len) as an RFC 3339 date-time, such as
 * "2024-05-01T10:00:00Z" or "2024-05-01T12:30:00.25+02:30", and set
 * *out to the second since the epoch it names (a fraction is dropped).
 * Returns 0, or -1 when the text is malformed or names no real date
 * (2024-02-30), leaving *out untouched.  Nothing is allocated.
 *
 * With flags 0 the grammar is RFC 3339's own: "T" and "Z" may be lower
 * case and a leap second (:60) is allowed.  With RFC3339_GO it is what
 * Go's time.Parse(time.RFC3339) accepts, as client-go decodes an
 * ExecCredential: upper-case T and Z only, seconds up to 59, but also a
 * one-digit hour, a ',' before the fraction and offsets up to +24:60.
 */
int rfc3339_parse(const char *s, size_t len, unsigned flags, time_t *out);

/*
 * Read an RFC 3339 time with an optional fraction (Go's RFC3339Nano):
 * 0 with *secs and *nanos (0..999999999) set, or -1.
 */
int rfc3339_parse_nanos(const char *text, time_t *secs, long *nanos);

/*
 * kubectl's duration.HumanDuration of secs: "<invalid>" below -1 s,
 * "0s" below 0, then 5s, 3m2s, 15m, 2h5m, 30h, 3d4h, 300d, 2y3d, 9y.
 */
void human_duration(struct strbuf *out, long long secs);

#endif
