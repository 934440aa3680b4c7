/* SPDX-License-Identifier: Apache-2.0 */
/* Go's text/tabwriter (space padding, no flags), for byte-compatible tables. */
#ifndef MESH_TABWRITER_H
#define MESH_TABWRITER_H

#include "compat.h"
#include "strbuf.h"

/*
 * Reproduces text/tabwriter.Writer.Init(out, minwidth, tabwidth,
 * padding, ' ', 0) as istioctl and kubectl's describe printers use it:
 *
 *  - text is split into lines at '\n' and into cells at '\t'; only
 *    cells terminated by a tab belong to a column, the text after the
 *    last tab of a line is written as it is;
 *  - a column block is a run of consecutive lines that have a cell in
 *    that column; its width is the widest cell (in UTF-8 runes) plus
 *    padding, and at least minwidth;
 *  - every tab-terminated cell is padded with spaces to the width of
 *    its column, even when nothing follows it (so a row whose last cell
 *    is empty ends in spaces, as istioctl's tables do).
 *
 * tabwidth only matters for tab padding, which this module does not do.
 * Text after the last '\n' is kept as a partial line and written, without
 * a newline, by tabwriter_flush().
 */
struct tabwriter;

/* A new writer; free it with tabwriter_free(). */
struct tabwriter *tabwriter_new(int minwidth, int padding);

/* Buffer text (any mix of cells, tabs and newlines). */
void tabwriter_write(struct tabwriter *tw, const char *text, size_t len);
void tabwriter_puts(struct tabwriter *tw, const char *text);
void tabwriter_printf(struct tabwriter *tw, const char *fmt, ...) MESH_PRINTF(2, 3);

/*
 * Format everything buffered so far, append it to out and start afresh
 * (Go's Flush).  Column widths never carry over a flush.
 */
void tabwriter_flush(struct tabwriter *tw, struct strbuf *out);

void tabwriter_free(struct tabwriter *tw);

#endif
