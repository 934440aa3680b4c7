/* SPDX-License-Identifier: Apache-2.0 */
/* The oidc auth-provider: id-token expiry, refresh through the issuer, write-back. */
#include "kubeconfig_priv.h"
#include "base64.h"
#include "xalloc.h"
#include "yamljson.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/*
 * An id-token is used while its exp is more than OIDC_EXPIRY_DELTA
 * seconds away (client-go's expiryDelta).  Requests to the issuer give
 * up after OIDC_TIMEOUT_SECONDS (client-go has no limit) and read at
 * most OIDC_MAX_BODY bytes (oauth2's LimitReader).
 */
#define OIDC_EXPIRY_DELTA 10
#define OIDC_TIMEOUT_SECONDS 30
#define OIDC_MAX_BODY (1024 * 1024)

struct kube_oidc *oidc_new(json_t *config, const char *path, const char *user, struct strbuf *err)
{
	const char *ca_data = kc_str(config, "idp-certificate-authority-data");
	const char *ca_file = kc_str(config, "idp-certificate-authority");
	struct strbuf ca = STRBUF_INIT;
	struct kube_oidc *o;

	if (!kc_str(config, "idp-issuer-url")) {
		strbuf_addstr(err, "Must provide idp-issuer-url");
		return NULL;
	}
	if (!kc_str(config, "client-id")) {
		strbuf_addstr(err, "Must provide client-id");
		return NULL;
	}
	if ((ca_data && kc_base64_std(&ca, ca_data, strlen(ca_data), err)) ||
	    (!ca_data && ca_file && kc_read_file(&ca, ca_file, err))) {
		strbuf_release(&ca);
		return NULL;
	}
	o = xcalloc(1, sizeof(*o));
	o->id_token = xstrdup_or_null(kc_str(config, "id-token"));
	o->refresh_token = xstrdup_or_null(kc_str(config, "refresh-token"));
	o->issuer_url = xstrdup(kc_str(config, "idp-issuer-url"));
	o->client_id = xstrdup(kc_str(config, "client-id"));
	o->client_secret = xstrdup_or_null(kc_str(config, "client-secret"));
	o->idp_ca_pem = ca.len ? strbuf_detach(&ca, NULL) : NULL;
	o->kubeconfig_path = xstrdup_or_null(path);
	o->user_name = xstrdup_or_null(user);
	strbuf_release(&ca);
	return o;
}

void oidc_free(struct kube_oidc *o)
{
	if (!o)
		return;
	kc_free_secret(o->id_token);
	kc_free_secret(o->refresh_token);
	free(o->issuer_url);
	free(o->client_id);
	kc_free_secret(o->client_secret);
	free(o->idp_ca_pem);
	free(o->kubeconfig_path);
	free(o->user_name);
	free(o);
}

/* idTokenExpired: 1 when the JWT's exp is more than the delta away. */
static int token_valid(const char *tok, int *valid, struct strbuf *err)
{
	const char *dot1 = strchr(tok, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	struct strbuf payload = STRBUF_INIT;
	json_t *claims, *exp;
	json_error_t jerr;
	size_t bad = 0;

	if (!dot2 || strchr(dot2 + 1, '.')) {
		strbuf_addstr(err, "ID Token is not a valid JWT");
		return -1;
	}
	if (base64_decode(&payload, dot1 + 1, (size_t)(dot2 - dot1 - 1), &bad)) {
		strbuf_addf(err, "illegal base64 data at input byte %zu", bad);
		strbuf_release(&payload);
		return -1;
	}
	claims = json_loadb(payload.buf, payload.len, 0, &jerr);
	strbuf_release(&payload);
	exp = json_object_get(claims, "exp");
	if (!json_is_object(claims) || (exp && !json_is_number(exp) && !json_is_null(exp))) {
		strbuf_addf(err, "parsing claims: %s", claims ? "exp is not a number" : jerr.text);
		json_decref(claims);
		return -1;
	}
	*valid = (double)time(NULL) + OIDC_EXPIRY_DELTA < (exp ? json_number_value(exp) : 0);
	json_decref(claims);
	return 0;
}

/* ---- HTTP through libcurl ---- */

struct http_reply {
	long code;
	struct strbuf status; /* "404 Not Found", as Go's resp.Status */
	struct strbuf ctype;  /* media type, lowercase */
	struct strbuf body;
};

static void http_reply_init(struct http_reply *r)
{
	r->code = 0;
	strbuf_init(&r->status, 0);
	strbuf_init(&r->ctype, 0);
	strbuf_init(&r->body, 0);
	r->body.cap = OIDC_MAX_BODY;
}

static void http_reply_release(struct http_reply *r)
{
	strbuf_release(&r->status);
	strbuf_release(&r->ctype);
	kc_release_secret(&r->body);
}

static size_t on_body(char *p, size_t size, size_t n, void *data)
{
	return strbuf_add(data, p, size * n) ? 0 : size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *data)
{
	struct http_reply *r = data;
	size_t len = size * n, i;

	if (len > 5 && !strncmp(p, "HTTP/", 5)) {
		const char *sp = memchr(p, ' ', len);
		strbuf_reset(&r->status);
		if (sp)
			strbuf_add(&r->status, sp + 1, len - (size_t)(sp + 1 - p));
		strbuf_trim(&r->status);
	} else if (len > 13 && !strncasecmp(p, "content-type:", 13)) {
		strbuf_reset(&r->ctype);
		strbuf_add(&r->ctype, p + 13, strcspn(p + 13, ";\r\n"));
		strbuf_trim(&r->ctype);
		for (i = 0; i < r->ctype.len; i++)
			r->ctype.buf[i] = (char)tolower((unsigned char)r->ctype.buf[i]);
	}
	return len;
}

static void set_ca(CURL *c, const struct kube_oidc *o)
{
	struct curl_blob blob;
	if (!o->idp_ca_pem)
		return;
	blob.data = o->idp_ca_pem;
	blob.len = strlen(o->idp_ca_pem);
	blob.flags = CURL_BLOB_COPY;
	curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
}

/* GET url, or POST the form when given; auth is an extra header line. */
static int http_do(const struct kube_oidc *o, const char *url, const char *form, const char *auth,
		   struct http_reply *r, struct strbuf *err)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;

	if (!c) {
		strbuf_addstr(err, "cannot initialize libcurl");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)OIDC_TIMEOUT_SECONDS);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	set_ca(c, o);
	if (form) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
		hdrs = curl_slist_append(hdrs, "Content-Type: application/x-www-form-urlencoded");
	}
	if (auth)
		hdrs = curl_slist_append(hdrs, auth);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->code);
	else
		strbuf_addf(err, "%s \"%s\": %s", form ? "Post" : "Get", url,
			    *errbuf ? errbuf : curl_easy_strerror(rc));
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

/* ---- discovery and the token request ---- */

static int token_endpoint(const struct kube_oidc *o, char **endpoint, struct strbuf *err)
{
	size_t n = strlen(o->issuer_url);
	char *url;
	struct http_reply r;
	json_t *doc = NULL;
	json_error_t jerr;
	int ret = -1;

	while (n && o->issuer_url[n - 1] == '/')
		n--;
	url = xasprintf("%.*s/.well-known/openid-configuration", (int)n, o->issuer_url);
	http_reply_init(&r);
	if (http_do(o, url, NULL, NULL, &r, err))
		goto out;
	if (r.code != 200) {
		size_t cut = r.body.len > 80 ? 80 : r.body.len;
		strbuf_setlen(&r.body, cut);
		if (cut == 80)
			strbuf_addstr(&r.body, "...");
		strbuf_addf(err, "oidc: failed to query metadata endpoint %s: ", r.status.buf);
		strbuf_add_go_quoted(err, r.body.buf, r.body.len);
		goto out;
	}
	doc = json_loadb(r.body.buf, r.body.len, 0, &jerr);
	if (!doc)
		strbuf_addf(err, "oidc: failed to decode provider discovery object: %s", jerr.text);
	else if (!kc_str(doc, "token_endpoint"))
		strbuf_addstr(err, "oidc: discovery object doesn't contain a token_endpoint");
	else
		ret = 0;
	if (!ret)
		*endpoint = xstrdup(kc_str(doc, "token_endpoint"));
out:
	json_decref(doc);
	http_reply_release(&r);
	free(url);
	return ret;
}

static void form_add(struct strbuf *form, const char *key, const char *value)
{
	if (form->len)
		strbuf_addch(form, '&');
	strbuf_addf(form, "%s=", key);
	strbuf_add_urlencoded(form, value, 1);
}

/* A form-encoded token response as an object (the first value of a key wins). */
static json_t *parse_form(const char *s)
{
	struct strbuf key = STRBUF_INIT, value = STRBUF_INIT;
	json_t *obj = json_object();

	while (*s) {
		size_t n = strcspn(s, "&"), k = strcspn(s, "=&");

		strbuf_reset(&key);
		strbuf_add_urldecoded(&key, s, k, 1);
		kc_release_secret(&value);
		if (k < n)
			strbuf_add_urldecoded(&value, s + k + 1, n - k - 1, 1);
		if (!json_object_get(obj, key.buf))
			json_object_set_new(obj, key.buf, json_string(value.buf));
		s += n;
		if (*s)
			s++;
	}
	strbuf_release(&key);
	kc_release_secret(&value);
	return obj;
}

/* oauth2's RetrieveError text */
static void retrieve_error(struct strbuf *err, const struct http_reply *r, json_t *reply)
{
	static const char *const keys[] = { "error_description", "error_uri" };
	const char *code = kc_str(reply, "error");
	size_t i;

	if (!code) {
		strbuf_addf(err, "oauth2: cannot fetch token: %s\nResponse: %s", r->status.buf,
			    r->body.buf);
		return;
	}
	strbuf_addstr(err, "oauth2: ");
	strbuf_addstr_go_quoted(err, code);
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		if (kc_str(reply, keys[i])) {
			strbuf_addch(err, ' ');
			strbuf_addstr_go_quoted(err, kc_str(reply, keys[i]));
		}
	}
}

/* oauth2's doTokenRoundTrip: parse, then judge the reply. */
static json_t *token_reply(const struct http_reply *r, struct strbuf *err)
{
	int failed = r->code < 200 || r->code > 299;
	json_t *reply;
	json_error_t jerr;

	if (!strcmp(r->ctype.buf, "application/x-www-form-urlencoded") ||
	    !strcmp(r->ctype.buf, "text/plain")) {
		reply = parse_form(r->body.buf);
	} else {
		reply = json_loadb(r->body.buf, r->body.len, 0, &jerr);
		if (!json_is_object(reply) && !failed) {
			strbuf_addf(err, "oauth2: cannot parse json: %s",
				    reply ? "not a JSON object" : jerr.text);
			json_decref(reply);
			return NULL;
		}
	}
	if (failed || kc_str(reply, "error"))
		retrieve_error(err, r, reply);
	else if (!kc_str(reply, "access_token"))
		strbuf_addstr(err, "oauth2: server response missing access_token");
	else
		return reply;
	json_decref(reply);
	return NULL;
}

static json_t *token_attempt(const struct kube_oidc *o, const char *endpoint, int in_params,
			     struct strbuf *err)
{
	struct strbuf form = STRBUF_INIT, auth = STRBUF_INIT, creds = STRBUF_INIT;
	struct http_reply r;
	json_t *reply = NULL;

	if (in_params) {
		form_add(&form, "client_id", o->client_id);
		if (o->client_secret)
			form_add(&form, "client_secret", o->client_secret);
	} else {
		strbuf_add_urlencoded(&creds, o->client_id, 1);
		strbuf_addch(&creds, ':');
		strbuf_add_urlencoded(&creds, o->client_secret ? o->client_secret : "", 1);
		strbuf_addstr(&auth, "Authorization: Basic ");
		base64_encode(&auth, creds.buf, creds.len);
	}
	form_add(&form, "grant_type", "refresh_token");
	form_add(&form, "refresh_token", o->refresh_token);
	http_reply_init(&r);
	if (!http_do(o, endpoint, form.buf, in_params ? NULL : auth.buf, &r, err))
		reply = token_reply(&r, err);
	http_reply_release(&r);
	kc_release_secret(&form);
	kc_release_secret(&auth);
	kc_release_secret(&creds);
	return reply;
}

/* AuthStyleAutoDetect: credentials in the header, then in the form. */
static json_t *request_tokens(const struct kube_oidc *o, const char *endpoint, struct strbuf *err)
{
	json_t *reply = token_attempt(o, endpoint, 0, err);
	if (reply)
		return reply;
	strbuf_reset(err);
	return token_attempt(o, endpoint, 1, err);
}

/* ---- write-back ---- */

static json_t *provider_config(json_t *doc, const char *user)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(doc, "users"), i, e) {
		json_t *ap = json_object_get(json_object_get(e, "user"), "auth-provider");
		const char *name = json_string_value(json_object_get(e, "name"));
		if (!name || strcmp(name, user) || !json_is_object(ap))
			continue;
		if (!json_is_object(json_object_get(ap, "config")))
			json_object_set_new(ap, "config", json_object());
		return json_object_get(ap, "config");
	}
	return NULL;
}

static int write_file(const char *path, const struct strbuf *data, struct strbuf *err)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0600);
	size_t off = 0;

	if (fd < 0) {
		kc_path_error(err, "open", path, errno);
		return -1;
	}
	while (off < data->len) {
		ssize_t n = write(fd, data->buf + off, data->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			kc_path_error(err, "write", path, errno);
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	return close(fd) ? -1 : 0;
}

/* Re-read the file the stanza came from, update the tokens, write it as YAML. */
static int rewrite(const struct kube_oidc *o, struct strbuf *why)
{
	struct strbuf text = STRBUF_INIT, yaml = STRBUF_INIT;
	json_t *doc = NULL, *cfg;
	int ret = -1;

	if (kc_read_file(&text, o->kubeconfig_path, why))
		goto out;
	doc = yamljson_parse_one(text.buf, text.len, why);
	cfg = doc ? provider_config(doc, o->user_name) : NULL;
	if (doc && !cfg)
		strbuf_addf(why, "user \"%s\" has no auth-provider in %s", o->user_name,
			    o->kubeconfig_path);
	if (!cfg)
		goto out;
	json_object_set_new(cfg, "id-token", json_string(o->id_token));
	if (o->refresh_token)
		json_object_set_new(cfg, "refresh-token", json_string(o->refresh_token));
	yamljson_emit(&yaml, doc);
	ret = write_file(o->kubeconfig_path, &yaml, why);
out:
	json_decref(doc);
	kc_release_secret(&text);
	kc_release_secret(&yaml);
	return ret;
}

/* As kubectl: hold "<file>.lock" (created exclusively) while rewriting. */
static int persist(const struct kube_oidc *o, struct strbuf *err)
{
	char *lock = xasprintf("%s.lock", o->kubeconfig_path);
	struct strbuf why = STRBUF_INIT;
	int fd = open(lock, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600), ret = -1;

	if (fd < 0) {
		kc_path_error(&why, "open", lock, errno);
	} else {
		close(fd);
		ret = rewrite(o, &why);
		unlink(lock);
	}
	if (ret)
		strbuf_addf(err, "could not persist new tokens: %s", why.buf);
	strbuf_release(&why);
	free(lock);
	return ret;
}

static int refresh(struct kube_oidc *o, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	char *endpoint = NULL;
	json_t *reply = NULL;
	const char *id, *rt;
	int ret = -1;

	if (token_endpoint(o, &endpoint, err))
		goto out;
	reply = request_tokens(o, endpoint, &why);
	id = json_string_value(json_object_get(reply, "id_token"));
	if (!reply) {
		strbuf_addf(err, "failed to refresh token: %s", why.buf);
		goto out;
	}
	if (!id) {
		strbuf_addstr(err, "token response did not contain an id_token, either the scope "
			      "\"openid\" wasn't requested upon login, or the provider doesn't support "
			      "id_tokens as part of the refresh response");
		goto out;
	}
	rt = kc_str(reply, "refresh_token");
	if (rt && strcmp(rt, o->refresh_token)) {
		kc_free_secret(o->refresh_token);
		o->refresh_token = xstrdup(rt);
	}
	kc_free_secret(o->id_token);
	o->id_token = xstrdup(id);
	ret = persist(o, err);
out:
	json_decref(reply);
	free(endpoint);
	strbuf_release(&why);
	return ret;
}

int oidc_ensure_token(struct kube_oidc *o, struct strbuf *err)
{
	int valid = 0;

	if (o->id_token && token_valid(o->id_token, &valid, err))
		return -1;
	if (valid)
		return 0;
	if (!o->refresh_token) {
		strbuf_addstr(err, "No valid id-token, and cannot refresh without refresh-token");
		return -1;
	}
	return refresh(o, err);
}
