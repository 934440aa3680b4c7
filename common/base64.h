/* SPDX-License-Identifier: Apache-2.0 */
/* Base64 (RFC 4648) in its standard and URL-safe alphabets. */
#ifndef MESH_BASE64_H
#define MESH_BASE64_H

#include "strbuf.h"

/* Append the standard, padded encoding of data to out. */
void base64_encode(struct strbuf *out, const void *data, size_t len);
/* Append the URL-safe encoding, without padding (as JWTs use). */
void base64url_encode(struct strbuf *out, const void *data, size_t len);

/*
 * Decode text (standard or URL-safe alphabet; padding optional;
 * whitespace and line breaks ignored, as Go's decoder for kubeconfig
 * *-data fields accepts) and append the bytes to out.  Return 0, or -1
 * with *bad_at set to the offset of the first illegal input byte (Go's
 * "illegal base64 data at input byte N").
 */
int base64_decode(struct strbuf *out, const char *text, size_t len,
		  size_t *bad_at);

#endif
