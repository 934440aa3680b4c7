/* SPDX-License-Identifier: Apache-2.0 */
/* The test-tool multiplexer: unit-level checks of common/ driven from bats. */
#ifndef MESH_TEST_COMMON_H
#define MESH_TEST_COMMON_H

/*
 * Each subcommand reads its arguments (and stdin where it says so),
 * prints its result on stdout and returns the process exit code.
 */
int cmd__strbuf(int argc, char **argv);
int cmd__base64(int argc, char **argv);
int cmd__yaml(int argc, char **argv);
int cmd__labels(int argc, char **argv);
int cmd__kubeconfig(int argc, char **argv);
int cmd__kube(int argc, char **argv);
int cmd__objects(int argc, char **argv);

#endif
