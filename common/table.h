/* SPDX-License-Identifier: Apache-2.0 */
/* kubectl-style text tables. */
#ifndef MESH_TABLE_H
#define MESH_TABLE_H

#include "compat.h"

/*
 * A table is filled completely, then printed: column widths are known
 * only after the last row.  The look is kubectl's: upper-case headers,
 * columns separated by three spaces, no padding after the last column,
 * and "<none>" for an empty or NULL cell.
 */
struct table;

/* headers: NULL-terminated; copied.  Returns a new table (table_free). */
struct table *table_new(const char *const *headers);
/* Add a row: exactly as many const char * cells as headers; copied. */
void table_add(struct table *t, ...);
size_t table_rows(const struct table *t);
/* Print to f; without the header line when no_headers. */
void table_print(const struct table *t, FILE *f, int no_headers);
void table_free(struct table *t);

/* Display width of a UTF-8 string (code points). */
size_t utf8_width(const char *s);

#endif
