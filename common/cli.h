/* SPDX-License-Identifier: Apache-2.0 */
/* Command tables, kubectl's global flags, dispatch, help and completion. */
#ifndef MESH_CLI_H
#define MESH_CLI_H

/*
 * Adding a subcommand to a plugin:
 *  1. Write kubectl-mesh-X/cmd-NAME.c with a static option table, a
 *     struct for its options, and int cmd_X_NAME(struct cli *, void *,
 *     int, char **).  Parse nothing by hand: cli_main has already put
 *     the flags into the struct and left only positional arguments.
 *  2. Declare it in kubectl-mesh-X/commands.h and add a row to the
 *     table in kubectl-mesh-X/main.c (summary, usage, long help,
 *     examples, options, output formats, argument counts).
 *  3. The Makefile picks up every .c file in the directory.
 *  4. Add tests/mesh-X-NAME.bats; the help test in tests/cli.bats
 *     checks the new flags against the help text automatically.
 *  5. Give positional arguments and flags a completion kind so
 *     __complete offers live names.
 */

#include <jansson.h>
#include "compat.h"
#include "strbuf.h"
#include "usage.h"

struct kube_client;
struct kube_config;
struct objset;
struct obj_query;

/* A repeatable string flag (-f a -f b, --as-group g1 --as-group g2). */
struct strlist {
	char **v;     /* owned strings; v[n] is NULL when n > 0 */
	size_t n, alloc;
};
void strlist_push(struct strlist *l, const char *s);
void strlist_clear(struct strlist *l);

enum cli_opt_type {
	CLI_BOOL,     /* int: 1 when given; --x=false gives 0 */
	CLI_STRING,   /* char *, owned by the options struct (freed by cli_main) */
	CLI_STRINGS,  /* struct strlist, repeatable */
	CLI_INT,      /* long; starts at .def_int */
};

/* What __complete offers for a flag value or a positional argument. */
enum cli_complete {
	COMPLETE_NONE,
	COMPLETE_FILE,        /* let the shell complete file names */
	COMPLETE_CONTEXT,
	COMPLETE_CLUSTER,
	COMPLETE_USER,
	COMPLETE_NAMESPACE,
	COMPLETE_POD,
	COMPLETE_SERVICE,     /* svc/NAME */
	COMPLETE_WORKLOAD,    /* pod/NAME, deploy/NAME, sts/NAME, ds/NAME */
	COMPLETE_TARGET,      /* workloads and svc/NAME */
	COMPLETE_SA,          /* sa/NAME */
	COMPLETE_WORDS,       /* the fixed list in .words */
};

struct cli_option {
	const char *long_name;    /* "namespace" */
	char short_name;          /* 'n', or 0 */
	enum cli_opt_type type;
	size_t offset;            /* offsetof() into the command's options struct */
	const char *arg_name;     /* "NAME" in help; NULL for booleans */
	const char *help;         /* one sentence, no trailing period needed */
	long def_int;             /* CLI_INT default; for CLI_BOOL, non-zero means true */
	enum cli_complete complete;
	const char *const *words; /* COMPLETE_WORDS candidates, NULL-terminated */
	int hidden;               /* parsed, but left out of help */
};
#define CLI_OPT_END { NULL, 0, 0, 0, NULL, NULL, 0, 0, NULL, 0 }

/* Output formats a command accepts (-o). */
enum out_format_bits {
	OUTF_TABLE = 1 << 0,
	OUTF_WIDE = 1 << 1,
	OUTF_JSON = 1 << 2,
	OUTF_YAML = 1 << 3,
	OUTF_NAME = 1 << 4,
};

struct cli;

struct cmd_entry {
	const char *name;          /* "trace" */
	const char *summary;       /* one line, for the command list */
	const char *usage;         /* "trace FROM TO [options]" (without "kubectl mesh-tls") */
	const char *description;   /* paragraphs for -h and the man page */
	const char *examples;      /* "  # Comment\n  kubectl mesh-tls trace ...\n" */
	const struct cli_option *options;
	size_t opts_size;          /* sizeof the options struct, 0 when none */
	unsigned formats;          /* OUTF_* accepted by -o; 0: -o is refused */
	int min_args, max_args;    /* positional argument bounds; max -1 = unlimited */
	enum cli_complete arg_complete[3]; /* completion for positional args 1..3 */
	const char *const *arg_words;      /* COMPLETE_WORDS list for argument 1 */
	int needs_cluster;         /* 0: never talks to the API (help, options) */
	int (*fn)(struct cli *cli, void *opts, int argc, char **argv);
	int hidden;
};

struct cli_program {
	const char *name;          /* "mesh-tls": used as "kubectl mesh-tls" in help */
	const char *summary;       /* one line */
	const char *description;   /* top-level -h text */
	const struct cmd_entry *commands; /* terminated by an entry with name NULL */
};

/* kubectl's global flags, parsed for every command. */
struct mesh_opts {
	/* connection */
	char *kubeconfig, *context, *cluster, *user, *server, *token;
	char *request_timeout;
	char *certificate_authority, *client_certificate, *client_key;
	char *tls_server_name;
	int insecure_skip_tls_verify;
	char *username, *password;
	int disable_compression;
	/* scope and identity */
	char *namespace;
	int all_namespaces;
	char *as;
	struct strlist as_groups;
	char *as_uid;
	/* input and output */
	char *output;
	int no_headers;
	struct strlist filenames;
	int recursive;
	long verbosity;
	int help;
	int version;
	/* Istio installation */
	char *istio_namespace;
	char *revision;
	/* tri-state tracking for the flags kubeconfig needs to know about */
	int insecure_given;
	int disable_compression_given;
};

/* The state a command runs with. */
struct cli {
	const struct cli_program *prog;
	const struct cmd_entry *cmd;  /* NULL at top level */
	struct mesh_opts opts;
	unsigned format;              /* the chosen OUTF_* bit (OUTF_TABLE by default) */
	long timeout_ms;              /* parsed --request-timeout, 0 = none */
	FILE *out;                    /* stdout */
	int color;                    /* stdout is a terminal and NO_COLOR unset */
	/* created on demand by cli_client(); released by cli_main */
	struct kube_config *cfg;
	struct kube_client *client;
};

/*
 * The whole life of a plugin process: parse argv, dispatch, run the
 * command, flush stdout and check it for write errors, release
 * everything.  Returns the exit code for main() to return.
 */
int cli_main(const struct cli_program *prog, int argc, char **argv);

/*
 * Resolve the kubeconfig and create the API client on first use.
 * Returns 0 with *out set (borrowed; cli_main frees it), or prints the
 * error kubectl would print and returns MESH_EXIT_ERROR.
 */
int cli_client(struct cli *cli, struct kube_client **out);

/*
 * The namespace a command works in: -n, else the kubeconfig context's
 * namespace (or in-cluster, or "default").  With -f (offline), a
 * kubeconfig that cannot be read is not an error: the namespace is then
 * "default".  Never NULL; borrowed.
 */
const char *cli_namespace(struct cli *cli);

/* The Istio control-plane namespace: -i, else "istio-system". Borrowed. */
const char *cli_istio_namespace(const struct cli *cli);

/*
 * Fill *q with the live query for the istio ConfigMap that
 * objset_finish() reads: "istio", or "istio-REV" with --revision, in
 * cli_istio_namespace(), optional (without it Istio's defaults apply).
 * *name_out is set to a new string that q->name points to; the caller
 * frees it once the fetch is done.
 */
void cli_istio_configmap_query(const struct cli *cli, struct obj_query *q, char **name_out);

/* 1 when the objects come from -f files rather than the cluster. */
int cli_offline(const struct cli *cli);

/*
 * Print "error: <msg>" and "See 'kubectl mesh-X CMD -h' for help and
 * examples." on stderr; return MESH_EXIT_ERROR.
 */
int cli_usage_error(const struct cli *cli, const char *fmt, ...) MESH_PRINTF(2, 3);

/*
 * Load the object set a command needs, from -f files when given, else
 * from the cluster: kinds is an OBJ_BIT mask, scope_ns is the single
 * namespace to read (NULL: all namespaces).  Namespaces and the istio
 * ConfigMap are always included.  On success *out is a new set the
 * caller frees with objset_free(); on failure the error has been
 * printed and MESH_EXIT_ERROR is returned.
 */
int cli_load_objects(struct cli *cli, unsigned kinds, const char *scope_ns,
		     struct objset **out);

/*
 * -f for a command about a few namespaces: the -f files as
 * objset_load_paths_filtered() reads them, keeping only the objects of
 * the namespaces in nss (NULL-terminated), of the istio namespace, and
 * of the kinds in the OBJ_BIT() mask everywhere in any namespace; then
 * finished as cli_load_objects() finishes its set.  Returns 0 with *out
 * set (caller frees with objset_free()), or prints the error and
 * returns MESH_EXIT_ERROR.
 */
int cli_load_files_filtered(struct cli *cli, const char *const *nss, unsigned everywhere,
			    struct objset **out);

/*
 * The end of a load into set that the caller started with objset_new():
 * unless r (how loading went so far) is not zero, objset_finish() it
 * with -i and --revision.  Returns 0 with *out = set, or prints the
 * error in err, frees set, sets *out to NULL and returns
 * MESH_EXIT_ERROR.  err is released either way.
 */
int cli_finish_load(struct cli *cli, struct objset *set, int r, struct strbuf *err,
		    struct objset **out);

/*
 * --what-if: a new set with base's objects (shared references) and the
 * manifests of the -f style paths in files loaded on top of them (an
 * object with the same kind, namespace and name replaces the base one),
 * finished as cli_load_objects() finishes its set.  base is not changed.
 * Returns 0 with *out set (caller frees with objset_free()), or prints
 * the error and returns MESH_EXIT_ERROR.
 */
int cli_load_what_if(struct cli *cli, const struct objset *base, const struct strlist *files,
		     struct objset **out);

/*
 * Print a JSON value or YAML document according to cli->format (JSON:
 * 4-space indent, sorted keys; YAML: exactly kubectl's -o yaml, see
 * yamljson_emit()).  Does not take the reference.
 */
void cli_print_value(struct cli *cli, json_t *v);

/* Split "NAME.NS" (last dot) into name and namespace; ns NULL when no dot. */
void cli_split_name_ns(const char *text, char **name, char **ns);

/* Current process's program name as kubectl shows it: "kubectl mesh-tls". */
const char *cli_prog_path(const struct cli *cli);

/* Shared subcommands, listed in every plugin's table. */
int cmd_version(struct cli *cli, void *opts, int argc, char **argv);
int cmd_inventory(struct cli *cli, void *opts, int argc, char **argv);
extern const struct cli_option cmd_version_options[];
extern const struct cli_option cmd_inventory_options[];
struct version_opts {
	int client;
};
#define CMD_ENTRY_VERSION                                                      \
	{ "version", "Print the client, server and Istio control-plane versions", \
	  "version [--client] [-o json|yaml]",                                   \
	  "Print the version of this plugin, of the Kubernetes API server (GET\n" \
	  "/version) and of the Istio control plane (the image tag of each\n"     \
	  "istiod pod, per revision).\n",                                        \
	  "  # Print every version\n  kubectl %P version\n\n"                     \
	  "  # Print only the plugin's own version, without contacting the cluster\n" \
	  "  kubectl %P version --client\n",                                     \
	  cmd_version_options, sizeof(struct version_opts),                      \
	  OUTF_TABLE | OUTF_JSON | OUTF_YAML, 0, 0, { 0 }, NULL, 1, cmd_version, 0 }

#define CMD_ENTRY_INVENTORY                                                    \
	{ "inventory", "Summarise the objects and mesh settings the plugin sees",  \
	  "inventory [-n NAMESPACE | -A] [-f FILE]...",                          \
	  "Load what the other commands load (from the cluster, or from the\n"   \
	  "manifests given with -f) and print how many objects of each kind were\n" \
	  "found, the mesh settings in force (root namespace, trust domain, auto\n" \
	  "mTLS) and how many pods run a sidecar.  Use it to check that the\n"    \
	  "plugin sees your policies before you trust its answers.\n",           \
	  "  # What the plugin sees across the cluster\n  kubectl %P inventory -A\n\n" \
	  "  # What it would see in a folder of manifests\n"                     \
	  "  kubectl %P inventory -f examples/mesh/ -R\n",                         \
	  cmd_inventory_options, 0, OUTF_TABLE | OUTF_JSON | OUTF_YAML, 0, 0,    \
	  { 0 }, NULL, 1, cmd_inventory, 0 }

#endif
