/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of kubectl mesh-authz. */
#ifndef MESH_AUTHZ_COMMANDS_H
#define MESH_AUTHZ_COMMANDS_H

#include "cli.h"

#endif
