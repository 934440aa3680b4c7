/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of kubectl mesh-authz, and what they share. */
#ifndef MESH_AUTHZ_COMMANDS_H
#define MESH_AUTHZ_COMMANDS_H

#include "cli.h"
#include "objects.h"
#include "authz/authz.h"

struct can_i_opts {
	char *to, *port, *protocol;
	char *from, *from_principal, *from_ip, *remote_ip;
	int plaintext;
	char *host, *sni, *dest_ip;
	struct strlist headers;
	char *jwt, *jwt_claims;
	int jwt_invalid;
	int explain;
	int skip_td_check;
};

struct who_can_opts {
	char *to, *port, *protocol;
	struct strlist what_if;
};

/* --to, --port and --protocol, shared by can-i and who-can (opts: the options struct). */
extern const char *const protocol_words[];
#define TARGET_OPTIONS(opts)                                                            \
	{ "to", 0, CLI_STRING, offsetof(opts, to), "TARGET",                            \
	  "The workload or Service called: pod/NAME, deploy/NAME, sts/NAME, ds/NAME or svc/NAME, as NAME.NS or with -n", \
	  0, COMPLETE_TARGET, NULL, 0 },                                                \
	{ "port", 0, CLI_STRING, offsetof(opts, port), "N",                             \
	  "The container port (workloads) or Service port (svc/); defaults to the only port", \
	  0, COMPLETE_NONE, NULL, 0 },                                                  \
	{ "protocol", 0, CLI_STRING, offsetof(opts, protocol), "http|tcp",               \
	  "Override the protocol Istio derives from the Service port name or appProtocol", \
	  0, COMPLETE_WORDS, protocol_words, 0 }

int cmd_can_i(struct cli *cli, void *opts, int argc, char **argv);
int cmd_who_can(struct cli *cli, void *opts, int argc, char **argv);
int cmd_explain(struct cli *cli, void *opts, int argc, char **argv);
int cmd_lint(struct cli *cli, void *opts, int argc, char **argv);
extern const struct cli_option cmd_can_i_options[];
extern const struct cli_option cmd_who_can_options[];
extern const struct cli_option cmd_lint_options[];

/* --- target.c: what the flags name --- */

/* A kind/NAME[.NS] reference from the command line. */
struct ref {
	enum obj_kind kind;
	char *name, *ns;
};

#define REF_WORKLOADS (OBJ_BIT(OBJ_POD) | OBJ_BIT(OBJ_DEPLOYMENT) | OBJ_BIT(OBJ_STATEFULSET) | \
		       OBJ_BIT(OBJ_DAEMONSET))
#define REF_TARGETS (REF_WORKLOADS | OBJ_BIT(OBJ_SERVICE))
#define REF_SOURCES (REF_WORKLOADS | OBJ_BIT(OBJ_SERVICEACCOUNT))

/*
 * Parse "pod/NAME", "deploy/NAME.NS", ... for flag (used in messages;
 * NULL for a positional argument).  allowed is a mask of OBJ_BIT()s.
 * Returns 0, or -1 with err set.  Release with ref_release().
 */
int ref_parse(const char *flag, const char *text, const char *def_ns, unsigned allowed,
	      struct ref *out, struct strbuf *err);
void ref_release(struct ref *r);

/*
 * The pods of a workload reference (a pod: itself), sorted by name; a
 * new array, possibly empty, or NULL with err set when the object does
 * not exist.
 */
json_t *workload_pods(const struct objset *set, const struct ref *ref, int live, struct strbuf *err);

/* One kind of pod a target stands for (pods with the same labels). */
struct endpoint {
	json_t *pod;            /* a representative pod (owned reference; may be a template) */
	int templated;          /* no pod runs: the workload's pod template stands in */
	json_t *ports;          /* authz_pod_ports() (owned) */
	int port;               /* the workload port the request reaches */
	const char *protocol;   /* Istio's protocol name, or NULL when sniffed */
	char *proto_source;     /* how the protocol was decided (owned) */
	json_t *svc;            /* the Service the call goes through, or NULL (borrowed) */
	int svc_port;
	char *desc;             /* "pod/x.ns" (owned) */
};

struct target {
	struct ref ref;
	struct endpoint *ep;
	size_t nep;
};

/* A port argument to target_resolve: no particular port (explain). */
#define PORT_ANY "*"

/*
 * Resolve a target to its kinds of pods and the port a request reaches
 * (port: --port, NULL for the only port, or PORT_ANY).  live picks kubectl's
 * NotFound wording.  Returns 0, or -1 with err set.
 */
int target_resolve(const struct objset *set, const struct ref *ref, const char *port, int live,
		   struct target *t, struct strbuf *err);
void target_release(struct target *t);

/* The Services of one namespace (new array). */
json_t *namespace_services(const struct objset *set, const char *ns);

/* load.c */

enum load_flags {
	LOAD_EVERYTHING = 1 << 0,   /* every pod and service account too (who-can) */
	LOAD_TLS = 1 << 1,          /* what kubectl mesh-tls needs: namespaces, PAs, DRs */
};

/*
 * Load what a command about one target needs: only the namespaces that
 * matter (the target's, the root namespace, extra ones, at most 7), from
 * the cluster or, when every -f path is a JSON file, from the files
 * without parsing the other objects.  Pods, Services, AuthorizationPolicies
 * and RequestAuthentications are read in those namespaces, and the kinds
 * in the OBJ_BIT() mask kinds too.  Returns 0, or the exit code after
 * printing the error.
 */
int load_for_target(struct cli *cli, const char *target_ns, const char *const *extra_ns,
		    size_t nextra, unsigned kinds, unsigned flags, struct objset **out);

/* Print "error: <msg>" or kubectl's own error text; returns MESH_EXIT_ERROR. */
int authz_fail(struct strbuf *err);

/* --protocol: 0 ok (sets *proto, -1 when not given), or the exit code. */
int parse_protocol_flag(struct cli *cli, const char *text, int *proto);
/* METHOD [PATH] arguments: checks PATH; returns 0 or the exit code. */
int parse_method_path(struct cli *cli, int argc, char **argv, const char **method,
		      const char **path);
/* HTTP or TCP for an endpoint: --protocol, the port's protocol, else sniffing. */
enum authz_proto endpoint_proto(const struct endpoint *ep, int forced, const char *method,
				struct strbuf *why);
/* "NAME:PORT" the way a client addresses the Service, or the pod IP (new string or NULL). */
char *default_host(const struct endpoint *ep);

#endif
