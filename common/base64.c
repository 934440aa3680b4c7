/* SPDX-License-Identifier: Apache-2.0 */
/* Base64 encoding and decoding. */
#include "base64.h"

static const char std_alpha[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alpha[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void encode(struct strbuf *out, const unsigned char *p, size_t len,
		   const char *alpha, int pad)
{
	size_t i;
	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		strbuf_addch(out, alpha[v >> 18 & 63]);
		strbuf_addch(out, alpha[v >> 12 & 63]);
		strbuf_addch(out, alpha[v >> 6 & 63]);
		strbuf_addch(out, alpha[v & 63]);
	}
	if (len - i == 1) {
		unsigned v = (unsigned)p[i] << 16;
		strbuf_addch(out, alpha[v >> 18 & 63]);
		strbuf_addch(out, alpha[v >> 12 & 63]);
		if (pad)
			strbuf_addstr(out, "==");
	} else if (len - i == 2) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
		strbuf_addch(out, alpha[v >> 18 & 63]);
		strbuf_addch(out, alpha[v >> 12 & 63]);
		strbuf_addch(out, alpha[v >> 6 & 63]);
		if (pad)
			strbuf_addch(out, '=');
	}
}

void base64_encode(struct strbuf *out, const void *data, size_t len)
{
	encode(out, data, len, std_alpha, 1);
}

void base64url_encode(struct strbuf *out, const void *data, size_t len)
{
	encode(out, data, len, url_alpha, 0);
}

static int sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int base64_decode(struct strbuf *out, const char *text, size_t len,
		  size_t *bad_at)
{
	unsigned acc = 0;
	int bits = 0, npad = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		int v;
		if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
			continue;
		if (c == '=') {
			npad++;
			continue;
		}
		v = sextet(c);
		if (v < 0 || npad) {
			if (bad_at)
				*bad_at = i;
			return -1;
		}
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			strbuf_addch(out, (int)(acc >> bits & 0xff));
		}
	}
	/* A single leftover sextet can never form a byte. */
	if (bits == 6) {
		if (bad_at)
			*bad_at = len;
		return -1;
	}
	return 0;
}
