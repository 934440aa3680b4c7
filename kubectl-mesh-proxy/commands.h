/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of kubectl mesh-proxy. */
#ifndef MESH_PROXY_COMMANDS_H
#define MESH_PROXY_COMMANDS_H

#include "cli.h"

#endif
