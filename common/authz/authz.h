/* SPDX-License-Identifier: Apache-2.0 */
/* Istio AuthorizationPolicy evaluation, as the sidecar's Envoy does it (authz-semantics.md). */
#ifndef MESH_AUTHZ_H
#define MESH_AUTHZ_H

#include <jansson.h>
#include "objects.h"
#include "strbuf.h"

/*
 * Everything here is a pure function of a loaded object set and a
 * request: nothing prints, nothing exits.  The section numbers in the
 * comments are those of ../shared/docs/authz-semantics.md.
 *
 * Life cycle: authz_engine_new() compiles every AuthorizationPolicy
 * and RequestAuthentication of a set once; authz_scope_new() picks the
 * ones that apply to one workload (§1); authz_evaluate() answers one
 * request (§2), authz_who_can() every identity at once, authz_explain()
 * reads the policies back, and authz_lint() looks for mistakes.
 */

struct authz_engine;
struct authz_scope;

/*
 * Compile the policies of set (which must outlive the engine; objects
 * are borrowed).  Never fails: a policy that cannot be read is kept as
 * "broken" with its message (see authz_scope_new).  Free with
 * authz_engine_free().
 */
struct authz_engine *authz_engine_new(const struct objset *set);
void authz_engine_free(struct authz_engine *e);

/* The workload a request is addressed to: its namespace and pod labels. */
struct authz_workload {
	const char *ns;
	json_t *labels;         /* borrowed; NULL for none */
};

/*
 * The policies and RequestAuthentications that apply to w (§1, §1.6),
 * in evaluation order.  Returns NULL with err set when one of them is
 * malformed ("AuthorizationPolicy shop/x: spec.rules: expected a
 * list"); with err NULL malformed ones are left out instead.  The scope
 * borrows e; free with authz_scope_free().
 */
struct authz_scope *authz_scope_new(const struct authz_engine *e, const struct authz_workload *w,
				    struct strbuf *err);
void authz_scope_free(struct authz_scope *s);

enum authz_proto { AUTHZ_HTTP, AUTHZ_TCP };

/*
 * Attributes a request leaves open (who-can): the evaluator treats them
 * as unknown and reports the condition they would have to meet.
 */
enum authz_free {
	AUTHZ_FREE_METHOD = 1 << 0,
	AUTHZ_FREE_PATH = 1 << 1,
	AUTHZ_FREE_HOST = 1 << 2,
	AUTHZ_FREE_HEADERS = 1 << 3,
	AUTHZ_FREE_JWT = 1 << 4,
	AUTHZ_FREE_SOURCE_IP = 1 << 5,
	AUTHZ_FREE_REMOTE_IP = 1 << 6,
	AUTHZ_FREE_DEST_IP = 1 << 7,
	AUTHZ_FREE_SNI = 1 << 8,
};

/*
 * One request or connection (§15).  All strings are borrowed.
 *  - principal: the peer's identity without "spiffe://"; NULL means
 *    plaintext (unless peer_td says otherwise).
 *  - peer_td: an mTLS peer known only by its trust domain, and with
 *    peer_ns by its namespace too (who-can identity classes).
 *  - source_ip is the direct peer, remote_ip the original client
 *    (defaults to source_ip); NULL means "not known": a policy that
 *    depends on it gives an undetermined answer (see authz_result).
 *  - path is the raw request target; the evaluator strips the query
 *    and normalizes it (§7.4).  host is the raw authority.
 *  - headers: a JSON object of header name (any case) to value.
 *  - claims: the JWT payload (NULL: no token); jwt_invalid marks a
 *    token that fails verification.
 *  - An mTLS peer outside the mesh's trust domains (trustDomain, its
 *    aliases, meshConfig.caCertificates[].trustDomains) fails the
 *    handshake before any policy runs (§6.4), unless skip_td_check.
 *  - assume_rp / assume_ip: who-can identity classes: the request
 *    principal matches exactly this policy value / the source lies in
 *    this CIDR; the attribute is otherwise free.
 */
struct authz_request {
	enum authz_proto proto;
	const char *principal;
	const char *peer_td, *peer_ns;
	const char *source_ip, *remote_ip, *dest_ip;
	int port;
	const char *method, *path, *host, *sni;
	json_t *headers;
	json_t *claims;
	int jwt_invalid;
	int skip_td_check;      /* no trust-domain gate at the handshake (PILOT_SKIP_VALIDATE_TRUST_DOMAIN) */
	unsigned free;          /* AUTHZ_FREE_* */
	const char *assume_rp;
	const char *assume_ip;
};

enum authz_decision { AUTHZ_ALLOW, AUTHZ_DENY, AUTHZ_CUSTOM };

/*
 * The outcome.  policy is "NS/NAME" of the deciding policy (NULL when a
 * default decided), rule its rule index (-1 for none).  http_status is
 * 200, 403 or 401 (0 for CUSTOM: the external authorizer answers).
 * When the answer depends on attributes the request left open,
 * undetermined is set and condition says what they must be
 * ("only from 10.0.0.0/8", "unless with header x-a: b").  trace is a
 * JSON array of steps {phase, policy, rule, field, result, why}, or
 * NULL when not asked for.  All members are owned; release with
 * authz_result_release().
 */
struct authz_result {
	enum authz_decision decision;
	int http_status;
	char *policy;
	int rule;
	char *reason;
	char *provider;         /* CUSTOM: the extension provider's name */
	int undetermined;
	char *condition;
	json_t *trace;
};

/*
 * Evaluate r against the policies of s (§2).  With want_trace the
 * result carries the whole evaluation.  Returns 0; the result must be
 * released even then.
 */
int authz_evaluate(const struct authz_scope *s, const struct authz_request *r, int want_trace,
		   struct authz_result *out);
void authz_result_release(struct authz_result *res);
/* "ALLOW", "DENY" or "CUSTOM" (static strings). */
const char *authz_decision_name(enum authz_decision d);

/*
 * Who can make the request tmpl describes (its method, path, port and
 * protocol; everything about the caller is ignored): every service
 * account of set (objects and the serviceAccountName of pods), plaintext
 * callers, and the identity classes the policies name that no service
 * account holds (foreign principals and trust domains, JWT principals,
 * IP ranges).  Identities that match the same policy atoms are
 * evaluated once.  Returns a new array of rows
 * {identity, kind, decision, allowed, policy, rule, condition} (every
 * identity, denied ones included; allowed is false only for a sure
 * DENY), sorted by kind then identity.
 */
json_t *authz_who_can(const struct authz_scope *s, const struct objset *set,
		      const struct authz_request *tmpl);

/*
 * The policies of s in evaluation order (CUSTOM, DENY, ALLOW, AUDIT),
 * each rule read as one line of plain English, with rules that can never
 * match and ALLOW rules made moot by a DENY marked.  ports is a JSON
 * array of {port, protocol} objects (the workload's ports) used for the
 * TCP checks.  Returns a new object {phases: [{action, policies: [...]}],
 * jwt: [...], default_deny: bool}.
 */
json_t *authz_explain(const struct authz_scope *s, json_t *ports);

/*
 * Mistakes in the policies of set (§13 and the course's troubleshooting
 * tables).  ns limits the findings to objects in that namespace (NULL:
 * all).  Returns a new array of findings {severity (error, warning,
 * info), kind, namespace, name, message, fix}, sorted by object.
 */
json_t *authz_lint(const struct authz_engine *e, const struct objset *set, const char *ns);

/* Helpers the commands share with the evaluator. */

/*
 * Decode a JWT's payload without verifying it: three dot-separated
 * base64url parts whose middle one is a JSON object.  Returns a new
 * object, or NULL with err set ("expected 3 dot-separated parts, got
 * 2").  The token is never copied into err.
 */
json_t *authz_jwt_decode(const char *token, struct strbuf *err);

/* 1 when text is an IPv4 or IPv6 address (no prefix length). */
int authz_valid_ip(const char *text);

/*
 * Istio's protocol for a Service port ({name, appProtocol}) or a
 * container port: "HTTP", "HTTP2", "GRPC", "TCP", "TLS", ... from
 * appProtocol first, then the name's prefix; NULL when neither says
 * (Istio then sniffs the protocol).  Borrowed constant.
 */
const char *authz_port_protocol(json_t *port);
/* 1 when Istio builds an HTTP filter chain for that protocol name. */
int authz_protocol_is_http(const char *protocol);

/*
 * The inbound ports of a pod: its containers' ports (istio-proxy's
 * excluded) and the target ports of the Services in services (a JSON
 * array; the caller passes those of the pod's namespace) that select
 * it.  Returns a new array of {port, protocol (null: sniffed), http
 * (an HTTP filter chain is possible), service, service_port, and
 * port_name / app_protocol when the Service port has them}, in the order
 * found.  The first Service forwarding to a port decides its protocol.
 */
json_t *authz_pod_ports(json_t *pod, json_t *services);
/* The entry for port in such an array (borrowed), or NULL. */
json_t *authz_pod_port(json_t *ports, long port);

#endif
