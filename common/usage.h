/* SPDX-License-Identifier: Apache-2.0 */
/* Exit codes and kubectl-shaped diagnostics for command code. */
#ifndef MESH_USAGE_H
#define MESH_USAGE_H

#include "compat.h"

/*
 * The exit codes every binary uses.  Scripts rely on them, so they
 * never change meaning:
 *   0  success, "yes", nothing found
 *   1  "no", or problems found
 *   2  error: usage, kubeconfig, API, input
 *   3  undetermined: an external authorizer decides
 */
enum mesh_exit {
	MESH_EXIT_OK = 0,
	MESH_EXIT_NO = 1,
	MESH_EXIT_ERROR = 2,
	MESH_EXIT_UNDETERMINED = 3,
};

/*
 * Print "error: <msg>" on stderr and return MESH_EXIT_ERROR, for
 * `return fail(...)` in command code.  Library code never calls these;
 * it fills a struct strbuf *err instead.
 */
int fail(const char *fmt, ...) MESH_PRINTF(1, 2);
void warning(const char *fmt, ...) MESH_PRINTF(1, 2);

/*
 * Print a message produced by the library the way kubectl would:
 * messages that already carry kubectl's own lead-in ("Error from
 * server", "The connection to the server", "Unable to connect to the
 * server", "Error in configuration", "error:") are printed as they are;
 * everything else gets "error: ".  Returns MESH_EXIT_ERROR.
 */
int report_error(const char *msg);

/* Where diagnostics go; tests and completion may point it elsewhere. */
extern FILE *mesh_stderr;

#endif
