/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of kubectl mesh-tls and the helpers they share. */
#ifndef MESH_TLS_COMMANDS_H
#define MESH_TLS_COMMANDS_H

#include "cli.h"
#include "objects.h"
#include "mesh/tls.h"

/* trace FROM TO [--subset NAME] */
struct trace_opts {
	char *subset;
};
extern const struct cli_option cmd_tls_trace_options[];
int cmd_tls_trace(struct cli *cli, void *opts, int argc, char **argv);

/* status TARGET */
int cmd_tls_status(struct cli *cli, void *opts, int argc, char **argv);

/* check [-n NS | -A] [--what-if FILE]... */
struct check_opts {
	struct strlist what_if;
};
extern const struct cli_option cmd_tls_check_options[];
int cmd_tls_check(struct cli *cli, void *opts, int argc, char **argv);

/* --- shared by the commands (load.c) --- */

/* A FROM, TO or TARGET argument: kind/NAME[.NS][:PORT]. */
struct tls_ref {
	enum obj_kind kind;
	char *name;
	char *ns;     /* from NAME.NS, else the command's namespace */
	char *port;   /* TO only */
};
void tls_ref_release(struct tls_ref *r);

/*
 * Parse text as one of the kinds in the kinds mask (OBJ_BIT()s), with a
 * :PORT suffix when want_port.  Returns 0, or prints a usage error that
 * names what was expected and returns MESH_EXIT_ERROR.
 */
int tls_parse_ref(struct cli *cli, const char *what, const char *text, unsigned kinds,
		  int want_port, struct tls_ref *out);

/*
 * Load the objects and index them.  nss NULL: everything.  Else only what
 * a command about those namespaces needs: live, the kinds in the mask
 * with pods, services and workloads from nss only; from -f files, what
 * objset_load_paths_filtered() keeps for nss, with every
 * DestinationRule when all_rules.  Unknown policy fields are printed as
 * warnings with -v 1 or more.  Returns 0 with *set and *mesh (free mesh
 * first), or prints the error and returns MESH_EXIT_ERROR.
 */
int tls_load(struct cli *cli, unsigned kinds, const char *const *nss, int all_rules,
	     struct objset **set, struct tls_mesh **mesh);

/* Index a loaded set, printing warnings and errors; NULL on error (printed). */
struct tls_mesh *tls_index(struct cli *cli, struct objset *set);


/* A string member of a JSON object, or NULL (borrowed). */
const char *tls_str(json_t *obj, const char *key);

/* The pods of a workload reference, or NULL after printing the error. */
json_t *tls_ref_pods(struct cli *cli, struct tls_mesh *mesh, const struct tls_ref *r);

#endif
