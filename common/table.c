/* SPDX-License-Identifier: Apache-2.0 */
/* kubectl-style text tables. */
#include "table.h"
#include "strbuf.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct table {
	size_t ncols;
	char **headers;
	char ***rows;
	size_t nrows, alloc;
};

static size_t count_cells(const char *const *cells)
{
	size_t n = 0;
	while (cells[n])
		n++;
	return n;
}

struct table *table_new(const char *const *headers)
{
	struct table *t = xcalloc(1, sizeof(*t));
	size_t i;
	t->ncols = count_cells(headers);
	t->headers = xcalloc(t->ncols, sizeof(char *));
	for (i = 0; i < t->ncols; i++)
		t->headers[i] = xstrdup(headers[i]);
	return t;
}

static char *cell_copy(const char *s)
{
	return xstrdup(s && *s ? s : "<none>");
}

void table_add(struct table *t, ...)
{
	char **row = xcalloc(t->ncols, sizeof(char *));
	va_list ap;
	size_t i;
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++)
		row[i] = cell_copy(va_arg(ap, const char *));
	va_end(ap);
	ALLOC_GROW(t->rows, t->nrows + 1, t->alloc);
	t->rows[t->nrows++] = row;
}

size_t table_rows(const struct table *t)
{
	return t->nrows;
}

size_t utf8_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void print_row(struct strbuf *sb, char *const *cells, const size_t *width,
		      size_t ncols)
{
	size_t i;
	for (i = 0; i < ncols; i++) {
		strbuf_addstr(sb, cells[i]);
		if (i + 1 < ncols)
			strbuf_addchars(sb, ' ', width[i] - utf8_width(cells[i]) + 3);
	}
	strbuf_addch(sb, '\n');
}

void table_print(const struct table *t, FILE *f, int no_headers)
{
	size_t *width = xcalloc(t->ncols ? t->ncols : 1, sizeof(size_t));
	struct strbuf sb = STRBUF_INIT;
	size_t i, r;

	for (i = 0; i < t->ncols; i++) {
		if (!no_headers)
			width[i] = utf8_width(t->headers[i]);
		for (r = 0; r < t->nrows; r++) {
			size_t w = utf8_width(t->rows[r][i]);
			if (w > width[i])
				width[i] = w;
		}
	}
	if (!no_headers)
		print_row(&sb, t->headers, width, t->ncols);
	for (r = 0; r < t->nrows; r++)
		print_row(&sb, t->rows[r], width, t->ncols);
	fwrite(sb.buf, 1, sb.len, f);
	strbuf_release(&sb);
	free(width);
}

void table_free(struct table *t)
{
	size_t i, r;
	if (!t)
		return;
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++)
			free(t->rows[r][i]);
		free(t->rows[r]);
	}
	for (i = 0; i < t->ncols; i++)
		free(t->headers[i]);
	free(t->headers);
	free(t->rows);
	free(t);
}
