/* SPDX-License-Identifier: Apache-2.0 */
/* Kubernetes API client over libcurl and OpenSSL. */
#ifndef MESH_KUBE_H
#define MESH_KUBE_H

#include <jansson.h>
#include "kubeconfig.h"
#include "strbuf.h"

/*
 * Behaviour that mirrors client-go and kubectl:
 *  - TLS verification is on unless the config says insecure; the CA
 *    comes from the config (PEM in memory) or the system store;
 *    tls-server-name is honoured (SNI and certificate name) while the
 *    Host header stays the URL's host.
 *  - Credentials (bearer token, basic auth, client certificate, exec
 *    plugin, oidc) are attached only when the server URL is https.
 *    They never appear in logs at any verbosity.
 *  - gzip is accepted unless compression is disabled.
 *  - 429 and 5xx answers that carry an integer Retry-After are retried
 *    after that many seconds, at most max_retries times, and never past
 *    the request timeout.
 *  - A 401 on a credential that came from an exec plugin re-runs the
 *    plugin once and retries.
 *  - Warning: 299 headers are printed once each on stderr as
 *    "Warning: text".
 *  - HTTPS_PROXY/NO_PROXY apply, except to loopback addresses (as Go);
 *    the kubeconfig proxy-url overrides them.
 */

struct kube_client;

struct kube_client_opts {
	long timeout_ms;        /* --request-timeout; 0 = no timeout */
	int verbosity;          /* -v: 6 logs each request, 7 headers, 8 bodies (truncated), 9 all */
	int max_retries;        /* 0 means the default, 10 */
	const char *user_agent; /* NULL: "kubectl-mesh/<version>" */
};

/*
 * Create a client for cfg, which is borrowed and must outlive it.
 * Returns NULL with err set when the configuration cannot be used (bad
 * PEM, unsupported proxy scheme...).  Release with kube_client_free().
 */
struct kube_client *kube_client_new(struct kube_config *cfg,
				    const struct kube_client_opts *opts,
				    struct strbuf *err);
void kube_client_free(struct kube_client *c);

/* The resolved config the client was made from (borrowed). */
struct kube_config *kube_client_config(struct kube_client *c);

/*
 * One request of a batch.  Fill the "in" fields (KUBE_REQ_INIT first),
 * run a batch with kube_run(), read the "out" fields, then
 * kube_req_release().
 */
struct kube_req {
	/* in */
	const char *method;     /* NULL: GET */
	char *path;             /* owned: API path plus query, e.g. "/api/v1/namespaces/x/pods?labelSelector=a%3Db" */
	int paginate;           /* follow metadata.continue; result is one List with every item */
	unsigned limit;         /* page size when paginating; 0 means 500 */
	int raw;                /* keep the body as text in .body instead of parsing JSON */
	const char *req_body;   /* request body (borrowed) or NULL */
	size_t req_body_len;
	const char *content_type;
	const char *accept;     /* NULL: application/json */
	const char *what;       /* "get pods", used in kubectl's non-Status error text */
	/*
	 * Called for each list item as a page arrives, before the item
	 * is kept.  It may delete fields to save memory.  Return 0 to keep
	 * the item, 1 to drop it.
	 */
	int (*item_filter)(json_t *item, void *data);
	void *filter_data;

	/* out */
	json_t *result;         /* owned: the parsed object (or List), NULL on failure or raw */
	struct strbuf body;     /* raw body (only with .raw) */
	long status;            /* last HTTP status; 0 when no response arrived */
	char *reason;           /* owned: Status.reason of a failure, e.g. "NotFound"; may be NULL */
	int failed;             /* 1 when the request did not succeed */
	struct strbuf err;      /* kubectl-style message when failed */
	int pages;              /* number of pages fetched */
	int retries;            /* number of retries made */
};
#define KUBE_REQ_INIT { .body = STRBUF_INIT, .err = STRBUF_INIT }

void kube_req_init(struct kube_req *r, const char *path_fmt, ...) MESH_PRINTF(2, 3);
void kube_req_release(struct kube_req *r);

/*
 * Run n requests concurrently (one curl multi handle; pages of one
 * list follow each other, lists run side by side).  Returns 0 when all
 * succeeded, -1 when any failed; each request records its own outcome.
 *
 * Error texts are kubectl's: "Error from server (NotFound): pods \"x\"
 * not found", "error: You must be logged in to the server
 * (Unauthorized)", "The connection to the server H:P was refused - did
 * you specify the right host or port?", "Unable to connect to the
 * server: ...", "Error from server (InternalError): an error on the
 * server (\"<body>\") has prevented the request from succeeding (get
 * pods)".  A list that expires mid-way (410 Expired) is retried once as
 * a full unpaged list, as client-go's pager does.
 */
int kube_run(struct kube_client *c, struct kube_req *reqs, size_t n);

/* Single GET of a JSON object.  *out is a new reference on success. */
int kube_get(struct kube_client *c, const char *path, json_t **out, long *status,
	     struct strbuf *err);

/*
 * Percent-encode s for a query value (RFC 3986 unreserved kept, a space
 * as %20) and append it to out: strbuf_add_urlencoded() without plus.
 */
void kube_query_escape(struct strbuf *out, const char *s);

/*
 * The reason phrase Go's net/http (http.StatusText) gives a status
 * code, such as "Not Found" for 404; "" for a code it does not know.
 * Static storage, never NULL.
 */
const char *kube_http_phrase(long code);

#endif
