/* SPDX-License-Identifier: Apache-2.0 */
/* Feature-test macros, attribute shorthands and the banned-function list. */
#ifndef MESH_COMPAT_H
#define MESH_COMPAT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>

#define MESH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define MESH_NORETURN __attribute__((noreturn))
#define MESH_UNUSED __attribute__((unused))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#include "banned.h"

#endif
