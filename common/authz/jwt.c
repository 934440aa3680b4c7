/* SPDX-License-Identifier: Apache-2.0 */
/* JWTs: decoding a token, and the RequestAuthentication step before DENY and ALLOW (§11). */
#include "authz_priv.h"
#include "base64.h"
#include "xalloc.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

static const char *const part_names[] = { "header", "payload", "signature" };

const char *claim_string(json_t *claims, const char *name)
{
	return json_string_value(json_object_get(claims, name));
}

static int b64url_char(int c)
{
	return isalnum(c) || c == '-' || c == '_';
}

/* Decode one part; returns a new JSON value for header and payload (NULL for the signature). */
static int decode_part(const char *s, size_t len, int idx, json_t **out, struct strbuf *err)
{
	struct strbuf raw = STRBUF_INIT;
	json_error_t jerr;
	size_t i, bad;

	*out = NULL;
	for (i = 0; i < len; i++)
		if (!b64url_char((unsigned char)s[i])) {
			strbuf_addf(err, "the %s is not base64url: illegal character at byte %zu",
				    part_names[idx], i);
			return -1;
		}
	if (idx < 2 && !len) {
		strbuf_addf(err, "the %s is empty", part_names[idx]);
		return -1;
	}
	if (base64_decode(&raw, s, len, &bad)) {
		strbuf_addf(err, "the %s is not base64url: illegal base64 data at input byte %zu",
			    part_names[idx], bad);
		strbuf_release(&raw);
		return -1;
	}
	if (idx < 2) {
		*out = json_loadb(raw.buf, raw.len, 0, &jerr);
		if (!json_is_object(*out)) {
			json_decref(*out);
			*out = NULL;
			strbuf_addf(err, "the %s is not a JSON object", part_names[idx]);
			strbuf_release(&raw);
			return -1;
		}
	}
	strbuf_release(&raw);
	return 0;
}

json_t *authz_jwt_decode(const char *token, struct strbuf *err)
{
	const char *p = token, *dot;
	json_t *parts[3] = { NULL, NULL, NULL };
	size_t n = 1, i;

	for (dot = token; *dot; dot++)
		n += *dot == '.';
	if (n != 3) {
		strbuf_addf(err, "expected 3 dot-separated parts, got %zu", n);
		return NULL;
	}
	for (i = 0; i < 3; i++) {
		dot = strchrnul(p, '.');
		if (decode_part(p, (size_t)(dot - p), (int)i, &parts[i], err)) {
			json_decref(parts[0]);
			json_decref(parts[1]);
			return NULL;
		}
		p = *dot ? dot + 1 : dot;
	}
	json_decref(parts[0]);
	return parts[1];
}

/* Split a string claim on whitespace into a list. */
static json_t *split_words(const char *s)
{
	json_t *out = json_array();
	while (*s) {
		size_t n;
		while (isspace((unsigned char)*s))
			s++;
		n = strcspn(s, " \t\r\n\f\v");
		if (n)
			json_array_append_new(out, json_stringn(s, n));
		s += n;
	}
	return out;
}

json_t *jwt_split_claims(json_t *claims, char *const *extra, size_t nextra)
{
	static const char *const always[] = { "scope", "permission" };
	json_t *out = json_deep_copy(claims);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(always) + nextra; i++) {
		const char *name = i < ARRAY_SIZE(always) ? always[i] : extra[i - ARRAY_SIZE(always)];
		json_t *v = json_object_get(out, name);
		if (json_is_string(v))
			json_object_set_new(out, name, split_words(json_string_value(v)));
	}
	return out;
}

static int audience_ok(const struct jwt_rule *jr, json_t *aud)
{
	size_t i, j;
	json_t *e;

	if (!jr->naud)
		return 1;
	for (i = 0; i < jr->naud; i++) {
		if (json_is_string(aud) && !strcmp(json_string_value(aud), jr->audiences[i]))
			return 1;
		json_array_foreach(aud, j, e)
			if (json_is_string(e) && !strcmp(json_string_value(e), jr->audiences[i]))
				return 1;
	}
	return 0;
}

/* exp and nbf against the clock; 0 when the token is current. */
static int time_problem(json_t *claims, struct strbuf *why)
{
	json_t *exp = json_object_get(claims, "exp"), *nbf = json_object_get(claims, "nbf");
	double now = (double)time(NULL);

	if (json_is_number(exp) && json_number_value(exp) < now) {
		strbuf_addf(why, "the token expired (exp %.0f)", json_number_value(exp));
		return -1;
	}
	if (json_is_number(nbf) && json_number_value(nbf) > now) {
		strbuf_addf(why, "the token is not valid yet (nbf %.0f)", json_number_value(nbf));
		return -1;
	}
	return 0;
}

static const char *ra_list(const struct authz_scope *s, struct strbuf *sb)
{
	size_t i;
	for (i = 0; i < s->nra; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", s->ra[i]->id);
	return sb->buf;
}

/* The rules for the token's issuer, and whether any rule reads the default location. */
static const struct jwt_rule *issuer_rule(const struct authz_scope *s, const char *iss,
					  json_t *aud, int *default_loc, int *issuer_known)
{
	const struct jwt_rule *found = NULL;
	size_t i, j;

	*default_loc = *issuer_known = 0;
	for (i = 0; i < s->nra; i++)
		for (j = 0; j < s->ra[i]->nrules; j++) {
			const struct jwt_rule *jr = &s->ra[i]->rules[j];
			*default_loc |= jr->default_location;
			if (!iss || strcmp(jr->issuer, iss))
				continue;
			*issuer_known = 1;
			if (!found && audience_ok(jr, aud))
				found = jr;
		}
	return found;
}

static int reject(struct ev *ev, struct strbuf *why)
{
	trace_step(ev->trace, "JWT", NULL, -1, NULL, "rejected", "%s: 401 before DENY and ALLOW (§11.3)",
		   why->buf);
	return 1;
}

/* 1 when no token is looked at: TCP, who-can, no RequestAuthentication, or no token. */
static int not_inspected(struct ev *ev)
{
	const struct authz_request *r = ev->r;
	struct strbuf ras = STRBUF_INIT;
	const char *seen = r->claims ? ": the token is not inspected" : "";

	if (r->proto == AUTHZ_TCP)
		trace_step(ev->trace, "JWT", NULL, -1, NULL, r->claims ? "ignored" : "none",
			   "a TCP port has no JWT filter%s (§2.1)", seen);
	else if (ev->jwt_free || (r->free & AUTHZ_FREE_JWT))
		return 1;
	else if (!ev->s->nra)
		trace_step(ev->trace, "JWT", NULL, -1, NULL, r->claims ? "ignored" : "none",
			   "no RequestAuthentication selects the workload%s (§11.1)", seen);
	else if (!r->claims)
		trace_step(ev->trace, "JWT", NULL, -1, NULL, "none",
			   "no token: accepted without a request principal (§11.2; RequestAuthentication %s)",
			   ra_list(ev->s, &ras));
	else
		return 0;
	strbuf_release(&ras);
	return 1;
}

int jwt_phase(struct ev *ev, struct strbuf *why)
{
	const struct authz_scope *s = ev->s;
	const struct authz_request *r = ev->r;
	struct strbuf ras = STRBUF_INIT;
	const struct jwt_rule *jr;
	const char *iss;
	int default_loc, known;

	if (not_inspected(ev))
		return 0;
	iss = claim_string(r->claims, "iss");
	jr = issuer_rule(s, iss, json_object_get(r->claims, "aud"), &default_loc, &known);
	if (!known && !default_loc) {
		trace_step(ev->trace, "JWT", NULL, -1, NULL, "ignored",
			   "no jwtRule reads the Authorization header: the token is not inspected");
		return 0;
	}
	if (!known)
		strbuf_addf(why, "issuer \"%s\" is not configured by RequestAuthentication %s",
			    iss ? iss : "", ra_list(s, &ras));
	else if (r->jwt_invalid)
		strbuf_addstr(why, "the token fails verification");
	else if (!time_problem(r->claims, why) && !jr)
		strbuf_addstr(why, "the token's audience is not one the RequestAuthentication accepts");
	strbuf_release(&ras);
	if (why->len)
		return reject(ev, why);
	ev->claims = jwt_split_claims(r->claims, jr->space_delimited, jr->nspace);
	trace_step(ev->trace, "JWT", NULL, -1, NULL, "valid",
		   "token from issuer \"%s\" accepted; request principal %s%s%s", iss,
		   claim_string(r->claims, "sub") ? iss : "none (no sub claim)",
		   claim_string(r->claims, "sub") ? "/" : "",
		   claim_string(r->claims, "sub") ? claim_string(r->claims, "sub") : "");
	return 0;
}
