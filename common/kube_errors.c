/* SPDX-License-Identifier: Apache-2.0 */
/* The API client's error texts, worded as client-go builds them and kubectl prints them. */
#include "kube_priv.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <openssl/x509.h>
#include <string.h>
#include <strings.h>

/* ---- responses (client-go rest/request.go, apimachinery api/errors) ---- */

/* kubectl's StandardErrorMessage for an API status. */
static void render_status(struct strbuf *err, const char *reason, const char *message)
{
	if (reason && !strcmp(reason, "Unauthorized"))
		strbuf_addf(err, "error: You must be logged in to the server (%s)", message);
	else if (reason && *reason)
		strbuf_addf(err, "Error from server (%s): %s", reason, message);
	else
		strbuf_addf(err, "Error from server: %s", message);
}

static const char *const known_reasons[] = {
	"Unauthorized", "Forbidden", "NotFound", "AlreadyExists", "Conflict", "Gone",
	"Invalid", "ServerTimeout", "StoreReadError", "Timeout", "TooManyRequests",
	"BadRequest", "MethodNotAllowed", "NotAcceptable", "RequestEntityTooLarge",
	"UnsupportedMediaType", "InternalError", "Expired", "ServiceUnavailable",
};

/* apierrors.IsInvalid: the reason, or a 422 whose reason is not a known one. */
static int is_invalid(const char *reason, json_int_t code)
{
	size_t i;

	if (reason && !strcmp(reason, "Invalid"))
		return 1;
	if (code != 422)
		return 0;
	for (i = 0; reason && i < ARRAY_SIZE(known_reasons); i++)
		if (!strcmp(reason, known_reasons[i]))
			return 0;
	return 1;
}

static const char *str_field(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

/* The distinct "field: message" lines of details.causes, in order. */
static size_t collect_causes(json_t *details, char ***out)
{
	json_t *cause;
	size_t i, j, n = 0;

	*out = xcalloc(json_array_size(json_object_get(details, "causes")) + 1, sizeof(char *));
	json_array_foreach(json_object_get(details, "causes"), i, cause) {
		char *line = xasprintf("%s: %s", str_field(cause, "field"),
				       str_field(cause, "message"));
		for (j = 0; j < n && strcmp((*out)[j], line); j++)
			;
		if (j < n)
			free(line);
		else
			(*out)[n++] = line;
	}
	return n;
}

/* kubectl's checkErr for Invalid, with MultilineError for the causes. */
static void render_invalid(struct strbuf *err, const char *message, json_t *details)
{
	const char *kind = str_field(details, "kind"), *name = str_field(details, "name");
	char **causes;
	size_t i, n;

	if (!json_is_object(details)) {
		strbuf_addstr(err, "The request is invalid");
		if (*message)
			strbuf_addf(err, ": %s", message);
		return;
	}
	if (*kind || *name) {
		strbuf_addf(err, "The %s ", kind);
		strbuf_addstr_go_quoted(err, name);
		strbuf_addstr(err, " is invalid");
	} else {
		strbuf_addstr(err, "The request is invalid");
		if (*message)
			strbuf_addf(err, ": %s", message);
	}
	n = collect_causes(details, &causes);
	if (n == 1)
		strbuf_addf(err, ": %s", causes[0]);
	else if (n > 1)
		strbuf_addstr(err, ": ");
	for (i = 0; n > 1 && i < n; i++)
		strbuf_addf(err, "\n* %s", causes[i]);
	for (i = 0; i < n; i++)
		free(causes[i]);
	free(causes);
}

static void set_reason(struct kube_req *r, const char *reason)
{
	free(r->reason);
	r->reason = reason && *reason ? xstrdup(reason) : NULL;
}

/* A Status with status Failure in the body, as Result.Error() decodes it. */
static int status_body_error(struct kube_req *r, const char *body, size_t len)
{
	json_t *st = json_loadb(body, len, 0, NULL);
	const char *reason, *message;
	json_int_t code;

	if (!json_is_object(st) || strcmp(str_field(st, "kind"), "Status") ||
	    strcmp(str_field(st, "status"), "Failure")) {
		json_decref(st);
		return -1;
	}
	reason = json_string_value(json_object_get(st, "reason"));
	message = str_field(st, "message");
	code = json_integer_value(json_object_get(st, "code"));
	set_reason(r, reason);
	if (is_invalid(reason, code))
		render_invalid(&r->err, message, json_object_get(st, "details"));
	else
		render_status(&r->err, reason, message);
	json_decref(st);
	return 0;
}

struct generic_text {
	long code;
	const char *reason;
	const char *message; /* NULL: the server's own message */
};

/* apierrors.NewGenericServerResponse. */
static const struct generic_text generic_texts[] = {
	{ 409, "Conflict", "the server reported a conflict" },
	{ 404, "NotFound", "the server could not find the requested resource" },
	{ 400, "BadRequest", "the server rejected our request for an unknown reason" },
	{ 401, "Unauthorized", "the server has asked for the client to provide credentials" },
	{ 403, "Forbidden", NULL },
	{ 406, "NotAcceptable", NULL },
	{ 415, "UnsupportedMediaType", NULL },
	{ 405, "MethodNotAllowed", "the server does not allow this method on the requested resource" },
	{ 422, "Invalid", "the server rejected our request due to an error in our request" },
	{ 503, "ServiceUnavailable", "the server is currently unable to handle the request" },
	{ 504, "Timeout", "the server was unable to return a response in the time allotted, but may still be processing the request" },
	{ 429, "TooManyRequests", "the server has received too many requests and has asked us to try again later" },
};

static void generic_error(struct kube_req *r, long code, const char *method,
			  const char *server_msg, size_t msg_len)
{
	struct strbuf msg = STRBUF_INIT;
	const char *reason = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(generic_texts); i++)
		if (generic_texts[i].code == code)
			break;
	if (i < ARRAY_SIZE(generic_texts)) {
		reason = generic_texts[i].reason;
		if (generic_texts[i].message)
			strbuf_addstr(&msg, generic_texts[i].message);
		else if (code == 406 && (!msg_len || !strcmp(server_msg, "unknown")))
			strbuf_addstr(&msg, "the server was unable to respond with a content type that the client supports");
		else
			strbuf_add(&msg, server_msg, msg_len);
		if (code == 409 && !strcmp(method, "POST"))
			reason = "AlreadyExists";
	} else if (code >= 500) {
		reason = "InternalError";
		strbuf_addstr(&msg, "an error on the server (");
		strbuf_add_go_quoted(&msg, server_msg, msg_len);
		strbuf_addstr(&msg, ") has prevented the request from succeeding");
	} else {
		strbuf_addf(&msg, "the server responded with the status code %ld but did not return more information", code);
	}
	if (r->what)
		strbuf_addf(&msg, " (%s)", r->what);
	set_reason(r, reason);
	render_status(&r->err, reason, msg.buf);
	strbuf_release(&msg);
}

static int media_is(const char *ctype, const char *want)
{
	size_t n = strcspn(ctype, "; \t");
	return n == strlen(want) && !strncasecmp(ctype, want, n);
}

/* What client-go's default negotiator can decode (an empty type defaults to JSON). */
static int decodable(const char *ctype)
{
	return !ctype || !*ctype || media_is(ctype, "application/json") ||
	       media_is(ctype, "application/yaml") ||
	       media_is(ctype, "application/vnd.kubernetes.protobuf");
}

void kube_response_error(struct kube_req *r, long code, const char *method,
			 const char *content_type, const char *body, size_t len)
{
	/* client-go's maxUnstructuredResponseTextBytes */
	size_t n = len < 2048 ? len : 2048;

	strbuf_reset(&r->err);
	if (decodable(content_type) && !status_body_error(r, body, len))
		return;
	if (content_type && *content_type && strncasecmp(content_type, "text/", 5)) {
		generic_error(r, code, method, "unknown", 7);
		return;
	}
	while (n && isspace((unsigned char)body[n - 1]))
		n--;
	while (n && isspace((unsigned char)*body))
		body++, n--;
	generic_error(r, code, method, body, n);
}

/* The request as error texts name it: "get pods", else "GET /api/...". */
static void add_req_name(struct strbuf *sb, const struct kube_xfer *x)
{
	if (x->req->what)
		strbuf_addstr(sb, x->req->what);
	else
		strbuf_addf(sb, "%s %s", kube_method(x->req), x->req->path);
}

void kube_decode_error(struct kube_xfer *x, const json_error_t *jerr)
{
	struct strbuf *err = &x->req->err;

	strbuf_reset(err);
	strbuf_addstr(err, "unable to decode the response to ");
	add_req_name(err, x);
	strbuf_addf(err, ": %s (line %d, column %d)", jerr->text, jerr->line, jerr->column);
}

/* ---- transport failures (kubectl's StandardErrorMessage for *url.Error) ---- */

#define UNABLE "Unable to connect to the server: "

/* client-go's transformResponse when reading the body fails; the cause follows. */
static void body_read_error(struct strbuf *err)
{
	strbuf_addstr(err, "unexpected error when reading response body. Please retry. Original error: ");
}

static void curl_cause(struct strbuf *err, const struct kube_xfer *x, CURLcode rc)
{
	strbuf_addstr(err, *x->errbuf ? x->errbuf : curl_easy_strerror(rc));
}

/* Go's net error strings are strerror in lower case. */
static void add_errno(struct strbuf *err, long e)
{
	const char *s = strerror((int)e);
	strbuf_addch(err, tolower((unsigned char)*s));
	strbuf_addstr(err, s + 1);
}

static void dial_addr(struct strbuf *err, const struct kube_xfer *x)
{
	const struct kube_client *c = x->c;
	const char *port = strrchr(c->host_port, ']');

	port = strchr(port ? port : c->host_port, ':');
	strbuf_addstr(err, c->host_port);
	if (!port)
		strbuf_addstr(err, c->https ? ":443" : ":80");
}

static void connect_error(struct strbuf *err, const struct kube_xfer *x, CURLcode rc)
{
	long e = 0;

	curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &e);
	if (e == ECONNREFUSED) {
		strbuf_addf(err, "The connection to the server %s was refused - did you specify the right host or port?",
			    x->c->host_port);
		return;
	}
	strbuf_addstr(err, UNABLE);
	if (!e) {
		curl_cause(err, x, rc);
		return;
	}
	strbuf_addstr(err, "dial tcp ");
	dial_addr(err, x);
	strbuf_addstr(err, ": connect: ");
	add_errno(err, e);
}

/*
 * What Go's http.Client says when kubectl's --request-timeout (or, with
 * none, the 30 s dial timeout) runs out, by how far the request got.
 */
static void timeout_error(struct strbuf *err, const struct kube_xfer *x)
{
	curl_off_t connected = 0, handshaken = 0, sent = 0;
	int deadline = x->deadline_ms && kube_now_ms() + 50 >= x->deadline_ms;

	curl_easy_getinfo(x->easy, CURLINFO_CONNECT_TIME_T, &connected);
	curl_easy_getinfo(x->easy, CURLINFO_APPCONNECT_TIME_T, &handshaken);
	/* A reused connection reports no connect time, but the request went out. */
	curl_easy_getinfo(x->easy, CURLINFO_PRETRANSFER_TIME_T, &sent);
	if (x->headers_done) {
		body_read_error(err);
		strbuf_addstr(err, "net/http: request canceled (Client.Timeout or context cancellation while reading body)");
	} else if (sent || (connected && (handshaken || !x->c->https))) {
		strbuf_addstr(err, KUBE_TIMEOUT_TEXT);
	} else if (deadline) {
		strbuf_addstr(err, UNABLE "net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)");
	} else if (connected) {
		strbuf_addstr(err, UNABLE "net/http: TLS handshake timeout");
	} else {
		strbuf_addstr(err, UNABLE "dial tcp ");
		dial_addr(err, x);
		strbuf_addstr(err, ": i/o timeout");
	}
}

/* Append one SAN from OpenSSL's "DNS:x" / "IP Address:y" text to dns or ips. */
static void add_san(const char *san, size_t len, struct strbuf *dns, struct strbuf *ips)
{
	char *v = xstrndup(san, len);
	const char *rest;
	unsigned char addr[16];
	char text[INET6_ADDRSTRLEN];

	if (skip_prefix(v, "DNS:", &rest)) {
		strbuf_addf(dns, "%s%s", dns->len ? ", " : "", rest);
	} else if (skip_prefix(v, "IP Address:", &rest)) {
		/* OpenSSL writes IPv6 uncompressed; Go prints it compressed. */
		if (strchr(rest, ':') && inet_pton(AF_INET6, rest, addr) == 1 &&
		    inet_ntop(AF_INET6, addr, text, sizeof(text)))
			rest = text;
		strbuf_addf(ips, "%s%s", ips->len ? ", " : "", rest);
	}
	free(v);
}

static void peer_sans(CURL *easy, struct strbuf *dns, struct strbuf *ips)
{
	struct curl_certinfo *ci = NULL;
	struct curl_slist *s;
	const char *v;

	if (curl_easy_getinfo(easy, CURLINFO_CERTINFO, &ci) || !ci || ci->num_of_certs < 1)
		return;
	for (s = ci->certinfo[0]; s; s = s->next) {
		if (!skip_prefix(s->data, "X509v3 Subject Alternative Name:", &v))
			continue;
		while (*v) {
			size_t n = strcspn(v, ",");
			while (*v == ' ')
				v++, n--;
			add_san(v, n, dns, ips);
			v += n;
			if (*v == ',')
				v++;
		}
	}
}

/* x509.HostnameError.Error(). */
static void hostname_error(struct strbuf *err, const struct kube_xfer *x)
{
	struct strbuf dns = STRBUF_INIT, ips = STRBUF_INIT;
	const char *host = x->c->req_host;
	unsigned char addr[16];
	int is_ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;

	peer_sans(x->easy, &dns, &ips);
	if (is_ip && !ips.len)
		strbuf_addf(err, "x509: cannot validate certificate for %s because it doesn't contain any IP SANs", host);
	else if (!is_ip && !dns.len)
		strbuf_addf(err, "x509: certificate is not valid for any names, but wanted to match %s", host);
	else
		strbuf_addf(err, "x509: certificate is valid for %s, not %s", is_ip ? ips.buf : dns.buf, host);
	strbuf_release(&dns);
	strbuf_release(&ips);
}

static void verify_error(struct strbuf *err, const struct kube_xfer *x)
{
	long result = X509_V_OK;

	curl_easy_getinfo(x->easy, CURLINFO_SSL_VERIFYRESULT, &result);
	strbuf_addstr(err, UNABLE "tls: failed to verify certificate: ");
	/* curl checks the name itself, after the chain, and says "subject name". */
	if (strstr(x->errbuf, "subject name"))
		result = X509_V_ERR_HOSTNAME_MISMATCH;
	switch (result) {
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		hostname_error(err, x);
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		strbuf_addstr(err, "x509: certificate has expired or is not yet valid");
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		strbuf_addstr(err, "x509: certificate signed by unknown authority");
		break;
	default:
		strbuf_addf(err, "x509: %s", X509_verify_cert_error_string(result));
	}
}

/* An OpenSSL alert text in Go's words ("remote error: tls: bad certificate"); 0 when none. */
static int add_alert(struct strbuf *err, const char *errbuf)
{
	const char *alert = strstr(errbuf, "alert ");
	size_t n;

	if (!alert)
		return 0;
	alert += strlen("alert ");
	n = strcspn(alert, ",");
	strbuf_addstr(err, "remote error: tls: ");
	if (!strncmp(alert, "unknown ca", n))
		strbuf_addstr(err, "unknown certificate authority");
	else
		strbuf_add(err, alert, n);
	return 1;
}

static void handshake_error(struct strbuf *err, const struct kube_xfer *x, CURLcode rc)
{
	strbuf_addstr(err, UNABLE);
	if (strstr(x->errbuf, "wrong version number") || strstr(x->errbuf, "packet length too long"))
		strbuf_addstr(err, "http: server gave HTTP response to HTTPS client");
	else if (!add_alert(err, x->errbuf))
		curl_cause(err, x, rc);
}

static void add_endpoint(struct strbuf *err, const char *ip, long port)
{
	strbuf_addf(err, strchr(ip, ':') ? "[%s]:%ld" : "%s:%ld", ip, port);
}

/*
 * Go's "read tcp 127.0.0.1:5000->127.0.0.1:6443: read: connection
 * reset by peer".  curl's message names the cause more reliably than
 * its saved errno.
 */
static void socket_error(struct strbuf *err, const struct kube_xfer *x, CURLcode rc,
			 const char *op)
{
	char *local = NULL, *remote = NULL;
	long e = 0, lport = 0, rport = 0;

	strbuf_addstr(err, UNABLE);
	if (add_alert(err, x->errbuf))
		return;
	curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &e);
	if (strstr(x->errbuf, "Connection reset by peer"))
		e = ECONNRESET;
	else if (strstr(x->errbuf, "Broken pipe"))
		e = EPIPE;
	curl_easy_getinfo(x->easy, CURLINFO_LOCAL_IP, &local);
	curl_easy_getinfo(x->easy, CURLINFO_LOCAL_PORT, &lport);
	curl_easy_getinfo(x->easy, CURLINFO_PRIMARY_IP, &remote);
	curl_easy_getinfo(x->easy, CURLINFO_PRIMARY_PORT, &rport);
	if (!e || !local || !*local || !remote || !*remote) {
		curl_cause(err, x, rc);
		return;
	}
	strbuf_addf(err, "%s tcp ", op);
	add_endpoint(err, local, lport);
	strbuf_addstr(err, "->");
	add_endpoint(err, remote, rport);
	strbuf_addf(err, ": %s: ", op);
	add_errno(err, e);
}

void kube_transport_error(struct kube_xfer *x, CURLcode rc)
{
	struct strbuf *err = &x->req->err;

	strbuf_reset(err);
	switch (rc) {
	case CURLE_WRITE_ERROR:
		if (x->body.overflow) {
			strbuf_addstr(err, "the response to ");
			add_req_name(err, x);
			strbuf_addf(err, " is larger than the %zu-byte limit", x->c->body_cap);
			return;
		}
		break;
	case CURLE_OPERATION_TIMEDOUT:
		timeout_error(err, x);
		return;
	case CURLE_COULDNT_CONNECT:
		connect_error(err, x, rc);
		return;
	case CURLE_COULDNT_RESOLVE_HOST:
		strbuf_addf(err, UNABLE "dial tcp: lookup %s: no such host", x->c->host);
		return;
	case CURLE_PEER_FAILED_VERIFICATION:
		verify_error(err, x);
		return;
	case CURLE_SSL_CONNECT_ERROR:
		handshake_error(err, x, rc);
		return;
	case CURLE_GOT_NOTHING:
		strbuf_addstr(err, UNABLE "EOF");
		return;
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
		if (x->headers_done) {
			body_read_error(err);
			strbuf_addstr(err, "unexpected EOF");
		} else {
			socket_error(err, x, rc, "read");
		}
		return;
	case CURLE_SEND_ERROR:
		socket_error(err, x, rc, "write");
		return;
	case CURLE_BAD_CONTENT_ENCODING:
		body_read_error(err);
		curl_cause(err, x, rc);
		return;
	default:
		break;
	}
	strbuf_addstr(err, UNABLE);
	curl_cause(err, x, rc);
}
