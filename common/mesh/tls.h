/* SPDX-License-Identifier: Apache-2.0 */
/* mTLS resolution: what Istio does when a client calls a Service port (docs/tls-semantics.md). */
#ifndef MESH_TLS_H
#define MESH_TLS_H

#include <jansson.h>
#include "objects.h"
#include "strbuf.h"

/*
 * The module answers, for a client pod calling Service S on service port
 * P: which PeerAuthentication mode each server endpoint enforces
 * (rules S1-S12), what the client side sends (H1-H6, D1-D15, A1-A6,
 * M1-M7) and the verdict (the matrix of section 8 and W1-W5).  Every
 * decision is recorded as a step naming the rule and the object that
 * made it.  Pure logic: nothing here prints or exits.
 *
 * Life cycle: load an objset (cli_load_objects), index it once with
 * tls_mesh_new(), ask questions, tls_mesh_free().  The mesh borrows
 * the objset, which must outlive it; every json_t * the module hands
 * out or takes is an object of that set (borrowed).
 */

/* Ordered by severity: the worst endpoint decides a Service's verdict. */
enum tls_verdict { TLS_MTLS, TLS_PLAINTEXT, TLS_BROKEN };

/* Server (PeerAuthentication) modes; UNSET only appears before S7 resolution. */
enum tls_smode { TLS_SM_UNSET, TLS_SM_PERMISSIVE, TLS_SM_STRICT, TLS_SM_DISABLE };

/* Client modes, the vocabulary of client.mode (section 0). */
enum tls_cmode {
	TLS_CM_ISTIO_MUTUAL,
	TLS_CM_DISABLE,
	TLS_CM_SIMPLE,
	TLS_CM_MUTUAL,
	TLS_CM_PLAINTEXT_NO_SIDECAR,
	TLS_CM_HBONE,
};

/* What captures a pod's traffic (H1, M1). */
enum tls_proxy { TLS_PROXY_NONE, TLS_PROXY_SIDECAR, TLS_PROXY_AMBIENT };

/* Upper-case names as printed ("MTLS", "STRICT", "ISTIO_MUTUAL"); static strings. */
const char *tls_verdict_name(enum tls_verdict v);
const char *tls_smode_name(enum tls_smode m);
const char *tls_cmode_name(enum tls_cmode m);

struct tls_mesh;

/*
 * Index a loaded object set (objset_finish done).  Every
 * PeerAuthentication and DestinationRule is validated: a malformed one
 * fails with err set to e.g. "PeerAuthentication shop/x: unknown mtls
 * mode \"STRIKT\"" and NULL is returned.  Fields the module does not
 * know are tolerated; one line per unknown field ("PeerAuthentication
 * shop/x: unknown field \"spec.foo\"") is appended to warnings (may be
 * NULL).  Returns a new mesh (tls_mesh_free) that borrows set.
 */
struct tls_mesh *tls_mesh_new(const struct objset *set, struct strbuf *warnings,
			      struct strbuf *err);
void tls_mesh_free(struct tls_mesh *m);

/* --- Finding the objects a user names --- */

/*
 * The pods of a workload: kind is OBJ_POD, OBJ_DEPLOYMENT, OBJ_STATEFULSET
 * or OBJ_DAEMONSET.  Returns a new JSON array of borrowed-then-increfed
 * pod objects, sorted by name (caller decrefs), or NULL with err set to
 * kubectl's NotFound text when live ("Error from server (NotFound):
 * deployments.apps \"x\" not found") or to "deployment \"x\" not found
 * in namespace \"y\"" offline, or to "deployment \"x\" in namespace \"y\"
 * has no pods".
 */
json_t *tls_workload_pods(const struct tls_mesh *m, enum obj_kind kind, const char *ns,
			  const char *name, int live, struct strbuf *err);

/* The Service ns/name (borrowed), or NULL with err set as above. */
json_t *tls_find_service(const struct tls_mesh *m, const char *ns, const char *name, int live,
			 struct strbuf *err);

/*
 * Resolve "8080" or a port name against a Service's spec.ports.
 * Returns the service port number, or -1 with err set to "service
 * \"payments\" has no port 9999 (ports: 8080)".
 */
int tls_service_port(json_t *service, const char *text, struct strbuf *err);

/* --- Tracing one call --- */

/* One decision: side "target", "client" or "server"; what decided it; the rule ids. */
struct tls_step {
	const char *side;   /* static */
	const char *what;   /* static: "service", "pod", "mesh", "namespace", "dr", ... */
	char *object;       /* owned: "ns/name", a namespace, a port, or "-" */
	char *text;         /* owned: the decision in words */
	const char *rule;   /* static: "S6", "D1, D5" */
};

struct tls_steps {
	struct tls_step *v;
	size_t n, alloc;
};

/* The outcome toward one endpoint (pod) of the Service. */
struct tls_endpoint {
	json_t *pod;                /* borrowed */
	int target_port;            /* P1 */
	enum tls_proxy proxy;       /* the server pod's proxy */
	enum tls_smode mode;        /* computed server mode (S6/S7), never UNSET */
	json_t *policy;             /* the PeerAuthentication that set it (S10), or NULL */
	int enforced;               /* 0: nothing enforces mode on this port (S11, H4) */
	enum tls_cmode client_mode;
	char *client_source;        /* owned: "dr ns/name", "auto-mtls", "no-sidecar", "ztunnel", "none" */
	enum tls_verdict verdict;
	char *reason;               /* owned, never NULL */
	char *symptom;              /* owned; NULL when the call works */
	char *fix;                  /* owned; NULL for MTLS */
	struct tls_steps steps;     /* this endpoint's server and client steps */
};

struct tls_trace {
	json_t *client;             /* the client pod (borrowed) */
	json_t *service;            /* borrowed */
	int port;                   /* the service port */
	char *subset;               /* owned, or NULL */
	enum tls_proxy client_proxy;
	struct tls_steps steps;     /* target and client steps shared by every endpoint */
	struct tls_endpoint *endpoints;
	size_t nendpoints;
	size_t worst;               /* index of the deciding endpoint (valid when nendpoints) */
	enum tls_verdict verdict;   /* the worst endpoint's (BROKEN when there is none) */
	const char *reason;         /* borrowed from the worst endpoint, or the no-endpoint text */
	const char *symptom, *fix;  /* likewise; may be NULL */
	char *none_reason;          /* owned: set only when the Service has no endpoint */
};

/*
 * Trace client_pod calling service on service port `port` (routed to
 * subset when not NULL, D13).  Returns 0 with *out filled (release with
 * tls_trace_release), or -1 with err set when the subset is defined by
 * no DestinationRule the call can use ("no DestinationRule defines
 * subset \"v3\" for host payments.shop.svc.cluster.local").
 */
int tls_trace_call(struct tls_mesh *m, json_t *client_pod, json_t *service, int port,
		   const char *subset, struct tls_trace *out, struct strbuf *err);

/*
 * The same for several client pods (a workload): every pod is traced
 * and the first one with the worst verdict is kept in *out.
 */
int tls_trace_pods(struct tls_mesh *m, json_t *pods, json_t *service, int port,
		   const char *subset, struct tls_trace *out, struct strbuf *err);
void tls_trace_release(struct tls_trace *t);

/*
 * The trace as JSON in the documented vocabulary (S10, D14): verdict,
 * reason, symptom, fix, client{workload, sidecar, ambient, mode, source},
 * server{service, port, target_port, mode, policy, endpoints[]}, steps[].
 * Returns a new reference.
 */
json_t *tls_trace_json(const struct tls_trace *t);

/* "ns/name" of an object, for output (new string, caller frees). */
char *tls_obj_ref(json_t *obj);

/*
 * For kubectl mesh-authz: does client_pod present an Istio mTLS
 * identity (a workload certificate) to server_pod on target_port?  That
 * is the case when the client's mode toward that endpoint is
 * ISTIO_MUTUAL or HBONE and the verdict is MTLS.  The call is taken to
 * go through the first Service (by name) in the server's namespace that
 * selects server_pod and forwards to target_port; with no such Service
 * the client dials the pod IP, which a sidecar passes through as
 * plaintext (only ztunnel adds an identity then).  Returns 1 or 0.
 */
int tls_peer_has_identity(struct tls_mesh *m, json_t *client_pod, json_t *server_pod,
			  int target_port);

/* --- Status of a server --- */

/*
 * The server-side picture of some pods and Services (tls status): for
 * each pod its proxy and, per port, the effective mode and the policy
 * that set it; for each Service and port, the DestinationRule each
 * client namespace uses.  pods and services are JSON arrays of objects
 * of the set (either may be empty).  Returns a new reference:
 *   {"pods": [{"pod", "sidecar", "ambient", "ports": [{"port", "mode",
 *     "policy", "enforced", "note"}]}],
 *    "services": [{"service", "host", "ports": [{"port", "name",
 *     "target_port", "destination_rules": [{"client_namespaces": [...],
 *     "rule", "selector", "tls", "source"}]}]}]}
 */
json_t *tls_status(struct tls_mesh *m, json_t *pods, json_t *services);

/* --- Checking the whole mesh --- */

/*
 * Every client workload x service port pair in scope (ns NULL: all;
 * else pairs whose client or Service lives in ns), computed over groups
 * of clients and endpoints that behave alike.  Returns a new reference:
 *   {"summary": {"workloads", "service_ports", "pairs", "mtls",
 *     "plaintext", "broken", "plaintext_strict", "no_endpoints"},
 *    "broken": [row...], "plaintext_strict": [row...],
 *    "findings": [{"rule", "object", "message"}]}
 * where a row is {"clients": ["deploy/x.ns", ...], "services":
 * ["svc/name.ns:port", ...], "verdict", "reason", "fix", "client_mode",
 * "server_mode", "endpoint"}: the pairs of one group of clients that
 * fail for the same reason (case, cause, rule, policy, service
 * namespace) share a row; reason, fix and endpoint are those of the
 * first service.
 */
json_t *tls_check(struct tls_mesh *m, const char *ns);

/*
 * The pairs whose verdict differs between two meshes (before, after)
 * over the same scope.  Returns a new reference:
 *   {"changes": [{"clients", "service", "before": {"verdict",
 *     "reason"} | null, "after": {...} | null}],
 *    "summary": {"before": {...}, "after": {...}, "changed",
 *     "new_broken"}}
 */
json_t *tls_check_diff(struct tls_mesh *before, struct tls_mesh *after, const char *ns);

#endif
