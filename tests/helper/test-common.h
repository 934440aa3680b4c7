/* SPDX-License-Identifier: Apache-2.0 */
/* The test-tool multiplexer: unit-level checks of common/ driven from bats. */
#ifndef MESH_TEST_COMMON_H
#define MESH_TEST_COMMON_H

#include "kubeconfig.h"

/*
 * Each subcommand reads its arguments (and stdin where it says so),
 * prints its result on stdout and returns the process exit code.
 */
int cmd__strbuf(int argc, char **argv);
int cmd__base64(int argc, char **argv);
int cmd__rfc3339(int argc, char **argv);
int cmd__yaml(int argc, char **argv);
int cmd__labels(int argc, char **argv);
int cmd__kubeconfig(int argc, char **argv);
int cmd__kube(int argc, char **argv);
int cmd__objects(int argc, char **argv);
int cmd__ws(int argc, char **argv);

/* kubectl's connection flags as test-common kubeconfig and kube take them. */
struct kc_args {
	struct kubeconfig_flags fl;
	const char *groups[16];
	const char *exec_info; /* --exec-info FILE: where the plugin's info goes */
};
#define KC_ARGS_INIT { KUBECONFIG_FLAGS_INIT, { NULL }, NULL }

/*
 * Read the flag at argv[*i] (--flag=value, --flag value, -s value, or
 * a bare boolean) into a and move *i past it.  Returns 1, 0 when it is
 * not a connection flag (*i unchanged), or -1 when its value is missing
 * (said on stderr) or there are more than 16 --as-group flags.
 */
int kc_args_parse_one(struct kc_args *a, int argc, char **argv, int *i);

#endif
