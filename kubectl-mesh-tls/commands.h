/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of kubectl mesh-tls. */
#ifndef MESH_TLS_COMMANDS_H
#define MESH_TLS_COMMANDS_H

#include "cli.h"

#endif
