/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of kubectl mesh-proxy. */
#ifndef MESH_PROXY_COMMANDS_H
#define MESH_PROXY_COMMANDS_H

#include "cli.h"

/* config: Envoy configuration in istioctl proxy-config's tables (cmd-config.c). */
int cmd_proxy_config(struct cli *cli, void *opts, int argc, char **argv);

#endif
