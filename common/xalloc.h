/* SPDX-License-Identifier: Apache-2.0 */
/* Allocators that never return NULL: they abort the process on exhaustion. */
#ifndef MESH_XALLOC_H
#define MESH_XALLOC_H

#include "compat.h"

/*
 * Each returns memory the caller owns and releases with free().  Sizes
 * of zero are rounded up to one byte, and n * size overflow is treated
 * as exhaustion.  Running out of memory is the one condition on which
 * library code ends the process (printing "error: out of memory").
 */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
void *xreallocarray(void *ptr, size_t n, size_t size);
char *xstrdup(const char *s);
/* Like xstrdup, but NULL in gives NULL out. */
char *xstrdup_or_null(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) MESH_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) MESH_PRINTF(1, 0);

/* Grow *arr (of *alloc elements) to hold at least nr elements. */
#define ALLOC_GROW(arr, nr, alloc)                                             \
	do {                                                                   \
		if ((nr) > (alloc)) {                                          \
			size_t grow_ = (alloc) < 8 ? 8 : (alloc) * 2;          \
			if (grow_ < (nr))                                      \
				grow_ = (nr);                                  \
			(arr) = xreallocarray((arr), grow_, sizeof(*(arr)));   \
			(alloc) = grow_;                                       \
		}                                                              \
	} while (0)

#endif
