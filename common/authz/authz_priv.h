/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the authorization evaluator: the compiled form of policies. */
#ifndef MESH_AUTHZ_PRIV_H
#define MESH_AUTHZ_PRIV_H

#include "authz.h"

/* Three-valued logic: who-can leaves attributes open. */
enum tri { TRI_FALSE = 0, TRI_TRUE = 1, TRI_UNKNOWN = 2 };

/* --- string matching (§4) --- */

enum strm_kind {
	SM_EXACT,
	SM_PREFIX,
	SM_SUFFIX,
	SM_PRESENT,     /* Envoy present_match: the header exists */
	SM_NONEMPTY,    /* regex .+ */
	SM_TEMPLATE,    /* path template {*} / {**} (§7.4) */
};

struct strm {
	enum strm_kind kind;
	char *s;
	int icase;
};

/* How "*" and the wildcard forms compile for a field (§4.2, §4.3). */
enum strm_style {
	STYLE_PRESENT,  /* headers, methods: "*" is present_match */
	STYLE_HOST,     /* hosts: present_match, case-insensitive */
	STYLE_REGEX,    /* paths, sni, claims: "*" is .+ */
	STYLE_PATH,     /* paths: STYLE_REGEX plus templates */
};

void strm_compile(struct strm *m, const char *value, enum strm_style style);
void strm_release(struct strm *m);
/* value NULL means absent (a missing header). */
int strm_match(const struct strm *m, const char *value);
/* 1 when a path template is valid (§7.4); err explains why not. */
int path_template_valid(const char *value, struct strbuf *err);

/* --- IP addresses --- */

struct cidr {
	int family;             /* 4 or 6 */
	unsigned char addr[16];
	int bits;
};

/* "1.2.3.4", "1.2.3.0/24", "::1", "fd00::/8".  Returns 0 or -1. */
int cidr_parse(struct cidr *c, const char *text);
int cidr_contains(const struct cidr *outer, const struct cidr *inner);
int cidr_overlaps(const struct cidr *a, const struct cidr *b);

/* --- paths --- */

enum path_norm { NORM_NONE, NORM_BASE, NORM_MERGE_SLASHES, NORM_DECODE_AND_MERGE_SLASHES };

/*
 * The url_path Envoy matches: query and fragment removed, normalized.
 * Returns a new string, or NULL when Envoy rejects the path (400),
 * with err set.
 */
char *path_normalize(const char *raw, enum path_norm mode, struct strbuf *err);

/* --- identity atoms (§5.1-§5.4): tests on the peer certificate --- */

enum atom_kind {
	AT_EXACT,       /* SAN == s */
	AT_PREFIX,      /* SAN starts with s */
	AT_SUFFIX,      /* SAN matches spiffe://.*<s> */
	AT_ANY,         /* .+: any authenticated peer */
	AT_NAMESPACE,   /* .*\/ns/<glob s>/.* */
	AT_SA,          /* spiffe://.+/ns/<s>/(.+/|)sa/<s2>(/.+)? */
	AT_TD,          /* SAN starts with spiffe://<s>/ */
	AT_TD_GLOB,     /* spiffe://<s>[^/]*<s2>/.* */
};

struct atom {
	enum atom_kind kind;
	char *s, *s2;
};

/* The peer as the evaluator sees it. */
enum peer_kind { PEER_PLAINTEXT, PEER_PRINCIPAL, PEER_TD, PEER_NS };

struct peer {
	enum peer_kind kind;
	char *san;              /* PEER_PRINCIPAL: "spiffe://..." (owned) */
	const char *td;         /* PEER_TD, PEER_NS */
	const char *ns;         /* PEER_NS: the service account is not known */
};

enum tri atom_match(const struct atom *a, const struct peer *p);

/* --- compiled policies --- */

enum attr {
	A_PRINCIPAL,        /* principals, source.principal */
	A_NAMESPACE,        /* namespaces, source.namespace */
	A_SERVICE_ACCOUNT,  /* serviceAccounts, source.serviceAccount */
	A_TRUST_DOMAIN,     /* trustDomains, source.trustDomain */
	A_REQ_PRINCIPAL,    /* requestPrincipals, request.auth.principal */
	A_AUDIENCES,
	A_PRESENTER,
	A_CLAIM,
	A_SOURCE_IP,
	A_REMOTE_IP,
	A_DEST_IP,
	A_PORT,             /* ports, destination.port */
	A_SNI,
	A_HOST,
	A_METHOD,
	A_PATH,
	A_HEADER,
	A_METADATA,         /* experimental.envoy.filters.* */
};

/* One value of a field, compiled. */
struct value {
	char *raw;              /* as written */
	struct strm m;          /* string fields */
	struct strm m2;         /* A_REQ_PRINCIPAL: the subject (m is the issuer) */
	struct cidr ip;         /* IP fields */
	long port;              /* A_PORT */
	size_t *atoms;          /* identity fields: indexes into the engine's atoms */
	size_t natoms;
};

/* 1 for the fields that test the peer certificate (§5.1-§5.4). */
#define ATTR_IS_PEER(a) ((a) <= A_TRUST_DOMAIN)

/* One field of a source, an operation or a when condition. */
struct field {
	enum attr attr;
	int negated;            /* notX, notValues */
	char *name;             /* "from[0].source.principals", "when[1].notValues" */
	char *key;              /* A_HEADER: lower-case name; A_METADATA: the filter */
	char **path;            /* A_CLAIM: the claim path; A_METADATA: the key */
	size_t npath;
	struct value *v;
	size_t nv;
	int http_only;          /* §8.1 */
};

struct clause {                 /* one source or one operation: AND */
	struct field *f;
	size_t nf;
};

struct rule {
	struct clause *from;    /* OR; absent: any source */
	size_t nfrom;
	int has_from;
	struct clause *to;
	size_t nto;
	int has_to;
	struct field *when;     /* AND */
	size_t nwhen;
	int http_only;          /* an HTTP-only attribute anywhere (§8.2) */
	char *untranslatable;   /* §3.7: why the builder skips it, or NULL */
	int null_rule;          /* a null entry in rules */
};

enum authz_action { ACT_ALLOW, ACT_DENY, ACT_AUDIT, ACT_CUSTOM, ACT__COUNT };

struct policy {
	json_t *obj;            /* borrowed from the object set */
	char *ns, *name, *id;   /* id: "ns/name" */
	enum authz_action action;
	char *action_text;      /* as written, for lint */
	int dry_run;
	char *dry_run_bad;      /* an unparsable istio.io/dry-run value */
	char *provider;
	json_t *match_labels;   /* borrowed; NULL when no selector */
	int has_selector;
	int has_target_ref;
	json_t *target_refs;    /* borrowed array (targetRef wrapped by the engine) */
	struct rule *rules;
	size_t nrules;
	int rules_present;      /* a rules key, even an empty list */
	char *broken;           /* structural error, or NULL */
	json_t *problems;       /* what validation rejects: [{message, fix}] */
	long long created;
	size_t order;           /* load order */
};

struct jwt_rule {
	char *issuer;
	char **audiences;
	size_t naud;
	char **space_delimited;
	size_t nspace;
	int default_location;   /* no fromHeaders/fromParams/fromCookies */
};

struct reqauthn {
	json_t *obj;
	char *ns, *name, *id;
	json_t *match_labels;
	int has_selector, has_target_ref;
	json_t *target_refs;
	struct jwt_rule *rules;
	size_t nrules;
	char *broken;
};

struct provider {
	char *name;
	char *type;             /* "envoyExtAuthzHttp", "envoyExtAuthzGrpc", or another key */
	char *invalid;          /* why istiod cannot use it, or NULL */
};

struct authz_engine {
	const struct objset *set;
	char *root_ns;
	char **bundle;          /* trust domain, then aliases */
	size_t nbundle;
	char **accepted;        /* the handshake's trust domains: bundle and caCertificates (§6.4) */
	size_t naccepted;
	enum path_norm norm;
	struct provider *providers;
	size_t nproviders;
	char *providers_invalid;/* istiod refuses every provider when one is bad */
	struct policy *pol;
	size_t npol;
	struct reqauthn *ra;
	size_t nra;
	struct atom *atoms;
	size_t natoms, alloc_atoms;
	json_t *atom_index;     /* "kind|s|s2" -> index */
	json_t *by_ns;          /* ns -> {"p": [policy indexes], "r": [ra indexes]} */
};

/* A policy's rule as it takes part in one phase. */
struct scoped_rule {
	const struct policy *p;
	size_t idx;
	int as_deny;            /* a CUSTOM rule turned into DENY (§9.4) */
};

struct authz_scope {
	const struct authz_engine *e;
	const struct policy **pol;   /* in evaluation order */
	size_t npol;
	const struct reqauthn **ra;
	size_t nra;
	char *custom_provider;       /* the single CUSTOM provider, or NULL */
	const struct provider *provider;
	char *custom_as_deny;        /* why CUSTOM rules are DENY rules, or NULL */
	size_t *atoms;               /* atoms the scope's policies use */
	size_t natoms;
};

/* compile.c */
void policy_compile(struct authz_engine *e, struct policy *p, json_t *obj);
void policy_release(struct policy *p);
void reqauthn_compile(struct reqauthn *ra, json_t *obj);
void reqauthn_release(struct reqauthn *ra);
size_t engine_atom(struct authz_engine *e, enum atom_kind kind, const char *s, const char *s2);
/* Trust-domain alias expansion of one principal value (§6.2); new array of new strings. */
char **principal_expand(const struct authz_engine *e, const char *value, size_t *n);
/* ParseBool; -1 when not a boolean. */
int parse_go_bool(const char *s);

/* proto.c: an injected sidecar (the injector's annotation, or an istio-proxy container). */
int pod_has_sidecar(json_t *pod);

/* scope.c */
/* 1 when the object's selector / targetRefs select the workload (§1.3, §1.4). */
int scope_selects(json_t *match_labels, int has_selector, int has_target_ref, json_t *target_refs,
		  const char *obj_ns, const struct authz_workload *w);
const struct provider *engine_provider(const struct authz_engine *e, const char *name);

/* describe.c: plain-English phrases */
/* "method GET or POST", "not from 10.0.0.0/8", "a JWT from issuer X" (appends to sb). */
void describe_field(struct strbuf *sb, const struct field *f);
void describe_rule(struct strbuf *sb, const struct policy *p, const struct rule *r);
/* "GET or POST": the values of f joined. */
void describe_values(struct strbuf *sb, const struct field *f);

/* explain.c: every field of the rule is HTTP-only (on TCP nothing is left, §8.3). */
int rule_all_http(const struct rule *r);
/* explain.c: why a source can never match (mTLS-only and plaintext-only fields): a new string, or NULL. */
char *clause_contradiction(const struct clause *cl);
/* explain.c: the enforced DENY rule covering ALLOW rule a, as a new string "ns/name rule i", or NULL. */
char *rule_moot(const struct authz_scope *s, const struct rule *a);

/* eval.c */
/* Evaluation state for one request. */
struct ev {
	const struct authz_scope *s;
	const struct authz_request *r;
	struct peer peer;
	signed char *atom_val;       /* per engine atom: -1 not computed, else enum tri */
	char *path;                  /* normalized url_path, or NULL */
	char *path_header;           /* :path as Envoy sees it */
	json_t *claims;              /* the JWT payload that counts, or NULL */
	int jwt_free;                /* AUTHZ_FREE_JWT and a RequestAuthentication selects */
	struct cidr src, rem, dst;
	int have_src, have_rem, have_dst;
	struct cidr assume;
	int have_assume;
	json_t *trace;               /* NULL: no trace */
};

void ev_init(struct ev *ev, const struct authz_scope *s, const struct authz_request *r,
	     json_t *trace);
void ev_release(struct ev *ev);

/* Evaluate one rule of one phase; cond receives the condition when unknown. */
enum tri ev_rule(struct ev *ev, const struct scoped_rule *sr, const char *phase,
		 struct strbuf *cond);
void trace_step(json_t *trace, const char *phase, const struct policy *p, long rule,
		const char *field, const char *result, const char *fmt, ...) MESH_PRINTF(7, 8);

/* jwt.c */
/*
 * The JWT phase (§11): which claims count, or a 401.  Returns 1 and
 * sets why when the request is rejected with 401; 0 otherwise, with
 * ev->claims set when a valid token counts.
 */
int jwt_phase(struct ev *ev, struct strbuf *why);
/* A string claim of a payload, or NULL. */
const char *claim_string(json_t *claims, const char *name);
/* A copy of claims with scope/permission (and extra) claims split on spaces. */
json_t *jwt_split_claims(json_t *claims, char *const *extra, size_t nextra);

#endif
