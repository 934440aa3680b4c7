/* SPDX-License-Identifier: Apache-2.0 */
/* Declarations shared by the API client's files (kube*.c), not by its callers. */
#ifndef MESH_KUBE_PRIV_H
#define MESH_KUBE_PRIV_H

#include <curl/curl.h>
#include <stdint.h>
#include <time.h>
#include "kube.h"

/* kubectl's text when --request-timeout runs out before the answer's headers. */
#define KUBE_TIMEOUT_TEXT \
	"Unable to connect to the server: net/http: request canceled (Client.Timeout exceeded while awaiting headers)"

/* Response bodies larger than this fail instead of growing further. */
#define KUBE_BODY_CAP ((size_t)1 << 30)

/* The credential attached to one attempt of one request. */
struct kube_authn {
	char *authorization;       /* owned "Bearer ..."/"Basic ..." or NULL */
	const struct strbuf *cert; /* borrowed client certificate PEM, or NULL */
	const struct strbuf *key;
	unsigned exec_gen;         /* exec credential generation; 0 when not from exec */
};

struct kube_client {
	struct kube_config *cfg;   /* borrowed */
	long timeout_ms;
	int verbosity;
	int max_retries;
	char *user_agent;
	size_t body_cap;

	CURLM *multi;              /* one per client: connections outlive a batch */
	CURLSH *share;             /* TLS sessions and DNS across easy handles */

	char *base_url;            /* where requests go (tls-server-name as host) */
	char *shown_url;           /* cfg->server as kubectl shows it, no trailing '/' */
	char *host_port;           /* the server's host[:port] as written */
	char *host;                /* the server's host, without brackets */
	char *req_host;            /* the host curl requests (tls-server-name or host) */
	struct curl_slist *connect_to;
	char *host_header;         /* "Host: h:p" when tls-server-name is used */
	int https;
	int loopback;

	/* cfg->token_file read again once cfg->token is a minute old */
	char *file_token;
	time_t file_token_at;      /* monotonic seconds of the last read */
};

enum kube_xfer_state { XF_IDLE, XF_RUNNING, XF_WAITING, XF_DONE };

/* One kube_req in flight: its current attempt, its pages and its retries. */
struct kube_xfer {
	struct kube_client *c;
	struct kube_req *req;
	enum kube_xfer_state state;
	CURL *easy;
	struct curl_slist *headers;
	char *url;                 /* the URL curl requests */
	char *shown;               /* the URL kubectl would log */
	char errbuf[CURL_ERROR_SIZE];
	struct strbuf body;        /* capped at c->body_cap */
	struct strbuf status_text; /* "200 OK", from the status line */
	int headers_done;          /* the final response's headers arrived */
	char *cont;                /* continue token of the next page */
	json_t *list;              /* the List collected from the pages */
	int unpaged;               /* the one full-list retry after 410 Expired */
	struct kube_authn authn;
	int auth_retried;          /* the one retry after a 401 on an exec credential */
	size_t body_total;         /* bytes of the pages kept so far, against c->body_cap */
	uint64_t deadline_ms;      /* the batch's timeout; 0: none */
	uint64_t sent_ms;          /* when this attempt started */
	uint64_t wake_ms;          /* XF_WAITING: when to try again */
};

/* Monotonic milliseconds. */
uint64_t kube_now_ms(void);
/* The request's method, GET when unset. */
const char *kube_method(const struct kube_req *r);
/* Append Go's time.Duration.String() of ms whole milliseconds: 500ms, 5s, 1.5s, 1m30s, 1h0m0s. */
void kube_add_go_duration(struct strbuf *sb, long ms);
/* p, unless it is NULL (a library out of memory): then abort as xmalloc does. */
void *kube_nonnull(void *p);

/* ---- kube_client.c: what every connection to the server needs ---- */

/*
 * Set up e to reach c's server the way every request does: no
 * signals, the shared TLS sessions and DNS cache, the 30 s connect
 * timeout, TCP keep-alive, tls-server-name's CONNECT_TO, TLS (TLS 1.2
 * or later, the CA, authn's client certificate) and the proxy.  The
 * caller sets the URL and what the transfer itself needs.  authn is
 * borrowed and read only during the call (curl copies the blobs).
 */
void kube_easy_connection(const struct kube_client *c, CURL *e, const struct kube_authn *authn);
/*
 * Append the headers that say who asks: User-Agent, authn's
 * Authorization, Impersonate-User, -Group and -Uid.
 */
void kube_identity_headers(const struct kube_client *c, const struct kube_authn *authn,
			   struct curl_slist **list);
/* Append one formatted header line; the formatted copy is wiped (it may hold a credential). */
void kube_header_add(struct curl_slist **list, const char *fmt, ...) MESH_PRINTF(2, 3);
/* Free a header list, wiping it first: it may hold a credential. */
void kube_headers_free(struct curl_slist *list);

/* ---- kube_auth.c ---- */

/*
 * Work out the credential for the next attempt (nothing over http).
 * Returns 0, or -1 with err set when an exec plugin failed.  Release
 * out with kube_authn_release().
 */
int kube_auth_get(struct kube_client *c, struct kube_authn *out, struct strbuf *err);
void kube_authn_release(struct kube_authn *a);
/*
 * A 401 came back on a credential from exec generation gen: drop the
 * cached credential unless another request rotated it already.
 */
void kube_auth_unauthorized(unsigned gen);
void kube_auth_release(struct kube_client *c);

/* ---- kube_errors.c ---- */

/* Set x->req->err for a 2xx body that is not JSON. */
void kube_decode_error(struct kube_xfer *x, const json_error_t *jerr);
/*
 * Set r->err and r->reason for a non-2xx response, as client-go turns
 * it into an error and kubectl prints it.
 */
void kube_response_error(struct kube_req *r, long code, const char *method,
			 const char *content_type, const char *body, size_t len);
/* Set x->req->err for a transfer that failed with rc. */
void kube_transport_error(struct kube_xfer *x, CURLcode rc);

/* ---- kube_log.c ---- */

/* klog-style line on stderr: "I1204 16:13:32.123456   12345 kube.c:88] ..." */
void kube_logf(const char *file, int line, const char *fmt, ...) MESH_PRINTF(3, 4);
/* -v >= 7: the request line and its headers (credentials masked). */
void kube_log_request(const struct kube_xfer *x, const char *file, int line);
/* -v >= 6: the outcome; -v >= 8 adds headers and the (truncated) body. */
void kube_log_response(const struct kube_xfer *x, long code, const char *file, int line);
/* Print each Warning: 299 text of the response once per process. */
void kube_print_warnings(CURL *easy);

#endif
