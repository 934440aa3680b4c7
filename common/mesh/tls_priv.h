/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the tls*.c files of the mTLS resolution engine. */
#ifndef MESH_TLS_PRIV_H
#define MESH_TLS_PRIV_H

#include <stdint.h>
#include "mesh/tls.h"

#define TLS_DOMAIN "cluster.local"

/* A sorted list of port numbers (annotations, exclusions). */
struct tls_ports {
	int *v;
	size_t n;
};
int tls_ports_has(const struct tls_ports *p, int port);

/* --- PeerAuthentication (S rules) --- */

enum tls_pa_level { TLS_PA_MESH, TLS_PA_NAMESPACE, TLS_PA_WORKLOAD, TLS_PA_IGNORED };

struct tls_port_mode {
	int port;
	enum tls_smode mode;
};

struct tls_pa {
	json_t *obj;
	const char *ns, *name;
	long long created;
	json_t *selector;           /* non-empty matchLabels, else NULL (S1, S4) */
	enum tls_pa_level level;
	enum tls_smode mode;        /* UNSET when absent (S7) */
	struct tls_port_mode *ports;
	size_t nports;
	int has_port_map;           /* portLevelMtls given, even if dropped (S8) */
};

/* --- DestinationRule (D rules) --- */

struct tls_tls {                /* a ClientTLSSettings */
	int set;
	enum tls_cmode mode;
	int credential;             /* credentialName given (D15) */
};

struct tls_port_policy {
	int port;
	struct tls_tls tls;
	int passthrough;
};

struct tls_policy {             /* a TrafficPolicy */
	int present;
	struct tls_tls tls;
	int passthrough;            /* loadBalancer.simple: PASSTHROUGH (A5) */
	struct tls_port_policy *ports;
	size_t nports;
};

struct tls_subset {
	const char *name;
	struct tls_policy tp;
};

struct tls_dr {
	json_t *obj;
	const char *ns, *name;
	long long created;
	char *host;                 /* FQDN after D6 */
	int wildcard;
	char **export_to;           /* sorted, unique; {"."} for selector rules (D9) */
	size_t nexport;
	int private_only;           /* D3 */
	int export_all;             /* exportTo empty or "*" */
	json_t *selector;           /* non-empty workloadSelector.matchLabels, or NULL */
	struct tls_policy tp;
	struct tls_subset *subsets;
	size_t nsubsets;
};

struct tls_subset_ref {
	const struct tls_subset *s;
	const struct tls_dr *from;
};

/* Rules for one host after merging (D7, D8). */
struct tls_dr_entry {
	const struct tls_dr **members; /* members[0] is the oldest */
	size_t nmembers, amembers;
	const struct tls_dr *tp_from;  /* whose trafficPolicy is used, or NULL */
	struct tls_subset_ref *subsets;
	size_t nsubsets, asubsets;
};

struct tls_dr_host {
	const char *host;
	size_t len;
	int wildcard;
	struct tls_dr_entry *entries;
	size_t n, alloc;
};

/* An exact host's hash and its index in hosts, kept sorted by hash. */
struct tls_host_slot {
	uint64_t hash;
	size_t ix;
};

struct tls_dr_index {
	json_t *by_host;            /* host -> index into hosts (while building) */
	struct tls_host_slot *slots; /* exact hosts, sorted by hash, for lookups */
	size_t nslots;
	struct tls_dr_host *hosts;
	size_t n, alloc;
	size_t *wild;               /* indexes of wildcard hosts */
	size_t nwild;
};

/* --- Namespaces and pods --- */

struct tls_pod;

struct tls_ns {
	const char *name;
	json_t *obj;                /* the Namespace, or NULL */
	struct tls_pod **pods;
	size_t npods, apods;
	json_t **svcs;
	size_t nsvcs, asvcs;
	const struct tls_pa **ns_pas;  /* namespace-level policies, oldest first (S5) */
	size_t nns_pas;
	const struct tls_pa **wl_pas;  /* workload-level policies, oldest first */
	size_t nwl_pas;
	const struct tls_pa **other_pas; /* ignored ones (S3), for findings */
	size_t nother_pas;
	struct tls_dr_index local;     /* D1 step 1 (D2; root: private rules, D4) */
	struct tls_dr_index exported;  /* D1 steps 2 and 3 (D3) */
	int dr_relevant;            /* the namespace changes a DR lookup (has rules, named, root) */
	int export_named;           /* some rule's exportTo names this namespace */
	const struct tls_dr **sel_drs; /* rules with a workloadSelector, oldest first */
	size_t nsel_drs;
	size_t ndrs;
};

struct tls_pod {
	json_t *obj;
	const char *name;
	json_t *labels;             /* metadata.labels, or NULL */
	struct tls_ns *ns;
	enum tls_proxy proxy;
	const char *tls_label;      /* security.istio.io/tlsMode, or NULL (H3) */
	int istio_label;            /* tls_label is "istio" */
	int tunnel;                 /* networking.istio.io/tunnel=http (W4, M5) */
	int host_network;           /* H5 */
	int terminal;               /* Succeeded or Failed: no endpoint */
	struct tls_ports excl_out, excl_in; /* H4 */
	const struct tls_pa *wl_pa; /* workload-level winner (S5), or NULL */
};

struct tls_mesh {
	const struct objset *set;
	const char *root;
	struct tls_ns *root_ns;
	int auto_mtls;
	int default_export_private;
	struct tls_ns *nss;
	size_t nns;
	json_t *ns_by_name;         /* name -> index */
	struct tls_pod *pods;
	size_t npods;
	json_t *pod_by_key;         /* "ns/name" -> index */
	struct tls_pa *pas;
	size_t npas;
	const struct tls_pa **mesh_pas; /* mesh-level, oldest first; [0] wins */
	size_t nmesh_pas;
	struct tls_dr *drs;
	size_t ndrs;
	struct tls_dr_index root_local; /* D4 */
};

/* tls_index.c */
/* Sort a JSON array in place with a qsort comparator over json_t * elements. */
void tls_json_sort(json_t *arr, int (*cmp)(const void *, const void *));
int tls_cmp_json_strings(const void *a, const void *b);
struct tls_ns *tls_ns_get(const struct tls_mesh *m, const char *name);
struct tls_pod *tls_pod_of(const struct tls_mesh *m, json_t *pod);
int tls_has_selector(json_t *match_labels);
/* Pods of the Service's namespace its selector matches (not terminal). */
size_t tls_service_pods(const struct tls_mesh *m, json_t *svc, struct tls_pod ***out);
int tls_port_is_http(json_t *sp);
int tls_service_headless(json_t *svc);
char *tls_service_host(json_t *svc);

/* tls_policy.c: PeerAuthentication parsing and S1-S12 */
/* Append "who: unknown field \"path.key\"" lines for keys of obj not in known. */
void tls_warn_unknown(struct strbuf *warn, const char *who, const char *path, json_t *obj,
		      const char *const *known);
/*
 * Read a workload selector, spec.FIELD ("selector", "workloadSelector"):
 * {matchLabels: {...}}.  Returns 0 with *out set to its matchLabels
 * (borrowed from sel; NULL when sel is absent or selects every workload),
 * or -1 with "WHO: FIELD must be an object" or "WHO: FIELD.matchLabels
 * must map strings to strings" in err.  Unknown keys are warned about.
 */
int tls_parse_selector(json_t *sel, const char *field, const char *who, json_t **out,
		       struct strbuf *warn, struct strbuf *err);
int tls_pa_parse(struct tls_pa *pa, json_t *obj, const char *root, struct strbuf *warn,
		 struct strbuf *err);
void tls_pa_release(struct tls_pa *pa);
void tls_pa_sort(const struct tls_pa **v, size_t n);
const struct tls_pa *tls_pa_workload_winner(const struct tls_ns *ns, json_t *labels);
/*
 * S1-S9 for pod p on target port (svc_port, when not 0, only for the S9
 * note).  *policy is the S10 attribution.  steps may be NULL.
 */
enum tls_smode tls_server_mode(const struct tls_mesh *m, const struct tls_pod *p, int port,
			       int svc_port, const struct tls_pa **policy, struct tls_steps *steps);
enum tls_smode tls_gate_mode(const struct tls_mesh *m, const struct tls_ns *ns,
			     const struct tls_pa **policy);

/* tls_dr.c: DestinationRule parsing, merging and D1-D15 */
int tls_dr_parse(struct tls_dr *dr, json_t *obj, int default_private, struct strbuf *warn,
		 struct strbuf *err);
void tls_dr_release(struct tls_dr *dr);
void tls_dr_sort(struct tls_dr **v, size_t n);
void tls_dr_index_add(struct tls_dr_index *ix, const struct tls_dr *dr);
void tls_dr_index_release(struct tls_dr_index *ix);
int tls_dr_visible_local(const struct tls_dr *dr);
/*
 * 1 when the lookup for host from a client of cns can differ from the
 * lookup from a namespace that holds no rules and is named by no
 * exportTo: cns is the root, is named, or has a rule matching host.
 */
int tls_dr_client_specific(const struct tls_mesh *m, const struct tls_ns *cns, const char *host,
			   uint64_t host_hash);
/* FNV-1a of a host name, for tls_dr_resolve. */
uint64_t tls_host_hash(const char *host);
/* D1-D10 for a client of namespace cns with labels calling host (of a Service in sns). */
const struct tls_dr_entry *tls_dr_resolve(const struct tls_mesh *m, const struct tls_ns *cns,
					  json_t *client_labels, const struct tls_ns *sns,
					  const char *host, uint64_t host_hash,
					  struct tls_steps *steps);
const struct tls_subset_ref *tls_dr_subset(const struct tls_dr_entry *e, const char *name);
int tls_dr_any_subset(const struct tls_mesh *m, const char *host, const char *name);
int tls_host_matches(const char *pattern, int wildcard, const char *host);

/* The client side's TLS settings for one service port (D11-D13, D15). */
struct tls_client_tls {
	const struct tls_dr_entry *entry;
	struct tls_tls tls;             /* the cluster's TLS (A1) when tls.set */
	const struct tls_dr *tls_from;  /* who supplied it (D14) */
	int meta_set;                   /* D12: the mode endpoint metadata reads */
	enum tls_cmode meta_mode;
	const struct tls_dr *meta_from;
	int passthrough;                /* A5 by loadBalancer */
	int cred_ignored;               /* D15 */
};
void tls_client_policy(const struct tls_dr_entry *e, int port, const struct tls_subset_ref *sub,
		       struct tls_client_tls *out, struct tls_steps *steps);

/* tls_client.c: what the client sends to one endpoint (A, H, M rules) */
enum tls_cause {
	TLS_CAUSE_NO_PROXY,      /* no sidecar, not ambient */
	TLS_CAUSE_EXCLUDED,      /* H4 excluded outbound port */
	TLS_CAUSE_ZTUNNEL,       /* ambient client: HBONE or plaintext (M3, M5, M6) */
	TLS_CAUSE_DR,            /* A1 */
	TLS_CAUSE_DR_CRED,       /* D15 */
	TLS_CAUSE_AUTO_OFF,      /* A2, H6 */
	TLS_CAUSE_GATE,          /* A3 */
	TLS_CAUSE_HEADLESS,      /* A5 */
	TLS_CAUSE_META,          /* D12 */
	TLS_CAUSE_LABEL,         /* A4 (a), H3 */
	TLS_CAUSE_EP_DISABLE,    /* A4 (b) */
	TLS_CAUSE_AUTO,          /* auto mTLS chose Istio mTLS */
	TLS_CAUSE_HBONE,         /* M4 sidecar to ambient */
	TLS_CAUSE_PASSTHROUGH,   /* no Service: pod IP through the passthrough cluster */
};

/* Facts about one server endpoint on one target port. */
struct tls_ep {
	struct tls_pod *pod;
	int target_port;
	enum tls_smode mode;
	const struct tls_pa *policy;
	int excluded;            /* H4 excludeInboundPorts */
};

/* The client's situation for one service port, shared by every endpoint. */
struct tls_client_ctx {
	const struct tls_pod *pod;
	int port;                /* the service port */
	enum tls_proxy proxy;
	int excluded;            /* H4 */
	int http;                /* the service port is HTTP */
	int no_service;          /* pod IP call */
	struct tls_client_tls ct;
	enum tls_smode gate;     /* A3 */
	const struct tls_pa *gate_policy;
	int headless;            /* A5 applies */
	int headless_all_istio;  /* every endpoint is tlsMode=istio and there is one */
};

struct tls_decision {
	enum tls_cmode mode;
	enum tls_cause cause;
	const struct tls_dr *dr; /* for dr causes */
};

void tls_client_decide(const struct tls_mesh *m, const struct tls_client_ctx *c,
		       const struct tls_ep *ep, struct tls_decision *d);
char *tls_client_source(const struct tls_mesh *m, const struct tls_decision *d);
void tls_client_step(const struct tls_client_ctx *c, const struct tls_ep *ep,
		     const struct tls_decision *d, struct tls_steps *steps);
/* Why the client sends what it sends, in words (new string), and the rule ids (static). */
char *tls_cause_text(const struct tls_client_ctx *c, const struct tls_ep *ep,
		     const struct tls_decision *d);
const char *tls_cause_rule(const struct tls_ep *ep, const struct tls_decision *d);

/* tls_verdict.c: the matrix (section 8) and W1-W5 */
enum tls_case {
	TLS_C_MTLS,
	TLS_C_HBONE,
	TLS_C_PLAIN_APP,
	TLS_C_PLAIN_ACCEPTED,
	TLS_C_APP_TLS,
	TLS_C_PLAIN_STRICT_SIDECAR,
	TLS_C_PLAIN_STRICT_RAW,
	TLS_C_PLAIN_AMBIENT_STRICT,
	TLS_C_MTLS_NO_PROXY,
	TLS_C_MTLS_DISABLE,
	TLS_C_TLS_STRICT,
	TLS_C_TLS_HTTP_PERMISSIVE,
	TLS_C_TLS_HTTP_DISABLE,
	TLS_C_TLS_PLAIN_APP,
};

enum tls_case tls_judge(const struct tls_client_ctx *c, const struct tls_ep *ep,
			const struct tls_decision *d);
enum tls_verdict tls_case_verdict(enum tls_case k);
/* Fill reason, symptom and fix of e (owned strings). */
void tls_explain(const struct tls_mesh *m, const struct tls_client_ctx *c, json_t *svc,
		 const struct tls_ep *ep, const struct tls_decision *d, enum tls_case k,
		 struct tls_endpoint *e);

/* tls_findings.c */
/* "deploy/billing.legacy", "sts/x.ns", "pod/x.ns": how check names a client (new string). */
char *tls_workload_name(const struct tls_pod *p);
/* Append {rule, object, message} findings about policies (S1, S3, S5, S8) in scope. */
void tls_policy_findings(const struct tls_mesh *m, const char *scope, json_t *out);
/* Append H2 findings: injection labels that disagree with the running pods. */
void tls_injection_findings(const struct tls_mesh *m, const char *scope, json_t *out);

/* tls_trace.c */
void tls_step_add(struct tls_steps *s, const char *side, const char *what, const char *object,
		  const char *rule, const char *fmt, ...) MESH_PRINTF(6, 7);
void tls_steps_release(struct tls_steps *s);
json_t *tls_steps_json(const struct tls_steps *s);
/* What every client of one service port shares (P1-P4, A3, A5). */
struct tls_svc_info {
	json_t *svc;
	json_t *sp;              /* the port's spec */
	int port;
	char *host;              /* owned */
	uint64_t host_hash;
	const struct tls_ns *sns;
	int http, headless;
	enum tls_smode gate;     /* A3 */
	const struct tls_pa *gate_policy;
	int all_istio;           /* A5: endpoints exist and all are tlsMode=istio */
};
void tls_svc_info_init(const struct tls_mesh *m, struct tls_svc_info *si, json_t *svc, int port,
		       const struct tls_ep *ep, size_t nep);
void tls_svc_info_release(struct tls_svc_info *si);
/*
 * Fill a client context for client pod p calling the service port of si
 * (routed to subset when not NULL).  steps may be NULL.  Returns 0, or
 * -1 with err set when the subset is undefined.
 */
int tls_client_prepare(const struct tls_mesh *m, struct tls_client_ctx *c, const struct tls_pod *p,
		       const struct tls_svc_info *si, const char *subset, struct tls_steps *steps,
		       struct strbuf *err);
/* Endpoints of a service port with their server mode (steps per endpoint may be NULL). */
size_t tls_endpoints(const struct tls_mesh *m, json_t *svc, json_t *sp, struct tls_ep **out,
		     struct tls_steps **steps);

#endif
