/* SPDX-License-Identifier: Apache-2.0 */
/* status: proxy sync state from istiod's /debug/syncz, and istiod's config against Envoy's. */
#ifndef MESH_PROXY_STATUS_H
#define MESH_PROXY_STATUS_H

#include <jansson.h>
#include <time.h>
#include "cli.h"
#include "podstream.h"
#include "strbuf.h"

/* ---- fetching from several pods at once (status-fetch.c) ---- */

/* One GET from a debug endpoint of one pod. */
struct debug_job {
	const char *pod;                  /* in */
	const struct pod_endpoint *ep;    /* in */
	struct strbuf body, err;          /* out: the body, or the error */
	int failed;                       /* out */
};
#define DEBUG_JOB_INIT { NULL, NULL, STRBUF_INIT, STRBUF_INIT, 0 }

/*
 * kube_pod_debug_get() of path from each job's endpoint and pod in namespace ns,
 * side by side: every job after the first runs in a child process with
 * a client of its own (the API client is not shared between processes),
 * so n istiods cost about as long as the slowest.  Each job records its
 * own outcome; returns the number of jobs that failed.
 */
size_t debug_get_all(struct cli *cli, const char *ns, const char *path, struct debug_job *jobs,
		     size_t n);
void debug_job_release(struct debug_job *job);

/* ---- the control plane (status-fetch.c) ---- */

struct istiod {
	char *name;          /* the pod */
	char *version;       /* the tag of its discovery image, "" when it has none */
	struct pod_endpoint ep;  /* kube_istiod_debug on its monitoring port */
};

/*
 * The running istiod pods (app=istiod, plus istio.io/rev=REV with
 * --revision) in the Istio namespace, sorted by name.  Returns 0 with
 * *out and *n set (free with istiods_free), or prints the error ("no
 * running Istio pods in \"istio-system\"") and returns MESH_EXIT_ERROR.
 */
int istiods_list(struct cli *cli, struct istiod **out, size_t *n);
void istiods_free(struct istiod *d, size_t n);

/* ---- sync status (status-syncz.c) ---- */

/* envoy.service.status.v3.ConfigStatus, with its numbers. */
enum xds_status {
	XDS_UNKNOWN = 0,
	XDS_SYNCED = 1,
	XDS_NOT_SENT = 2,
	XDS_STALE = 3,
	XDS_ERROR = 4,
};

/* The state of one watched xDS type of a proxy. */
struct xds_state {
	const char *type_url;    /* borrowed */
	enum xds_status status;
	int has_time;            /* last_updated is known (istiod >= 1.23) */
	time_t sent;             /* last_updated: when istiod last sent this type */
	long nanos;
	const char *error;       /* the proxy's NACK, or NULL; borrowed */
};

/* One proxy as one istiod sees it. */
struct proxy_row {
	const char *id, *cluster, *version;  /* borrowed from the syncz JSON */
	char *namespace;                      /* owned; NULL when unknown */
	const struct istiod *istiod;
	struct xds_state *types;              /* owned, in the order istiod listed them */
	size_t ntypes;
};

struct status_set {
	struct proxy_row *rows;
	size_t n, alloc;
	json_t *docs;        /* the parsed syncz answers (kept: rows borrow from them) */
};

/*
 * Add the proxies in one istiod's /debug/syncz answer (text) to set,
 * computing each type's status as istiod does (lastError: ERROR; nothing
 * sent: NOT_SENT; the last nonce sent acked: SYNCED; else STALE).  Only
 * proxies of namespace ns are kept when ns is not NULL (ns is also what
 * a proxy ID without a namespace part is taken to be in).  Returns 0,
 * or -1 with err set when the answer is not a syncz list.
 */
int status_add_syncz(struct status_set *set, const struct istiod *d, const char *text,
		     size_t len, const char *ns, struct strbuf *err);
void status_set_release(struct status_set *set);

/* The short name istioctl gives a type URL (CDS, LDS, ... or the URL itself). */
const char *xds_short_type(const char *type_url);

/* ---- output (status-print.c) ---- */

/*
 * Print set as istioctl proxy-status does: the table, the per-type
 * table (-o wide, istioctl's --verbosity 1) or one DiscoveryResponse per
 * istiod in -o json and -o yaml (the istiods d[0..nd), in that order).
 * now is the clock the ages are measured against.
 */
void status_print(struct cli *cli, const struct status_set *set,
		  const struct istiod *const *d, size_t nd, time_t now, struct strbuf *out);

/* ---- diff mode (status-diff.c, diff.c) ---- */

struct config_dump;

/*
 * istioctl's comparator: the dynamic Clusters, Listeners and Routes of
 * istiod's config dump for the proxy against Envoy's, each "X Match" or
 * "X Don't Match" and a unified diff (context 7), the routes line
 * followed by " (RDS last loaded at <RFC 1123, local time>)" when
 * Envoy's dump says when.  Returns the number of sections that differ.
 */
int status_compare(const struct config_dump *istiod, const struct config_dump *envoy,
		   struct strbuf *out);

/*
 * go-difflib's GetUnifiedDiffString with Context n: the lines of a and
 * b (each ending in '\n') compared by Python difflib's SequenceMatcher
 * (with its autojunk heuristic), "--- from" / "+++ to" headers, "@@"
 * hunks.  Appends nothing when a and b are equal.
 */
void unified_diff(struct strbuf *out, const char *a, const char *b, const char *from,
		  const char *to, int n);

#endif
