/* SPDX-License-Identifier: Apache-2.0 */
/* Go's text/tabwriter (space padding, no flags), for byte-compatible tables. */
#include "tabwriter.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct tw_cell {
	size_t off, len;   /* bytes in tw->text */
	size_t width;      /* UTF-8 runes */
};

struct tw_line {
	size_t first, n;   /* cells[first .. first+n) */
};

struct tabwriter {
	int minwidth, padding;
	struct strbuf text;
	size_t cell_start;           /* offset of the open cell in text */
	struct tw_cell *cells;
	size_t ncells, cells_alloc;
	struct tw_line *lines;       /* completed lines */
	size_t nlines, lines_alloc;
	size_t line_first;           /* first cell of the open line */
	size_t *widths;              /* the column widths stack of format() */
	size_t nwidths, widths_alloc;
};

struct tabwriter *tabwriter_new(int minwidth, int padding)
{
	struct tabwriter *tw = xcalloc(1, sizeof(*tw));
	tw->minwidth = minwidth;
	tw->padding = padding;
	strbuf_init(&tw->text, 0);
	return tw;
}

static size_t rune_count(const char *s, size_t len)
{
	size_t i, n = 0;
	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static void terminate_cell(struct tabwriter *tw)
{
	struct tw_cell *c;
	ALLOC_GROW(tw->cells, tw->ncells + 1, tw->cells_alloc);
	c = &tw->cells[tw->ncells++];
	c->off = tw->cell_start;
	c->len = tw->text.len - tw->cell_start;
	c->width = rune_count(tw->text.buf + c->off, c->len);
	tw->cell_start = tw->text.len;
}

static void terminate_line(struct tabwriter *tw)
{
	ALLOC_GROW(tw->lines, tw->nlines + 1, tw->lines_alloc);
	tw->lines[tw->nlines].first = tw->line_first;
	tw->lines[tw->nlines].n = tw->ncells - tw->line_first;
	tw->nlines++;
	tw->line_first = tw->ncells;
}

void tabwriter_write(struct tabwriter *tw, const char *text, size_t len)
{
	size_t i, start = 0;
	for (i = 0; i < len; i++) {
		if (text[i] != '\t' && text[i] != '\n')
			continue;
		strbuf_add(&tw->text, text + start, i - start);
		start = i + 1;
		terminate_cell(tw);
		if (text[i] == '\n')
			terminate_line(tw);
	}
	strbuf_add(&tw->text, text + start, len - start);
}

void tabwriter_puts(struct tabwriter *tw, const char *text)
{
	tabwriter_write(tw, text, strlen(text));
}

void tabwriter_printf(struct tabwriter *tw, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	tabwriter_write(tw, sb.buf, sb.len);
	strbuf_release(&sb);
}

static void write_lines(struct tabwriter *tw, struct strbuf *out, size_t line0, size_t line1)
{
	size_t i, j;
	for (i = line0; i < line1; i++) {
		const struct tw_line *l = &tw->lines[i];
		for (j = 0; j < l->n; j++) {
			const struct tw_cell *c = &tw->cells[l->first + j];
			strbuf_add(out, tw->text.buf + c->off, c->len);
			if (j < tw->nwidths && tw->widths[j] > c->width)
				strbuf_addchars(out, ' ', tw->widths[j] - c->width);
		}
		if (i + 1 < tw->nlines)
			strbuf_addch(out, '\n');
	}
}

/* 1 when the line has a tab-terminated cell in `column` (Go: column < len(line)-1). */
static int in_column(const struct tw_line *l, size_t column)
{
	return l->n > 0 && column < l->n - 1;
}

/* Go's Writer.format: lay out lines [line0, line1) for the columns from nwidths on. */
static void format(struct tabwriter *tw, struct strbuf *out, size_t line0, size_t line1)
{
	size_t column = tw->nwidths, this;

	for (this = line0; this < line1; this++) {
		size_t width = (size_t)tw->minwidth;
		if (!in_column(&tw->lines[this], column))
			continue;
		write_lines(tw, out, line0, this);
		line0 = this;
		for (; this < line1 && in_column(&tw->lines[this], column); this++) {
			size_t w = tw->cells[tw->lines[this].first + column].width + (size_t)tw->padding;
			if (w > width)
				width = w;
		}
		ALLOC_GROW(tw->widths, tw->nwidths + 1, tw->widths_alloc);
		tw->widths[tw->nwidths++] = width;
		format(tw, out, line0, this);
		tw->nwidths--;
		/* The line that ended the block has no cell here: skipping it is safe. */
		line0 = this;
	}
	write_lines(tw, out, line0, line1);
}

static void reset(struct tabwriter *tw)
{
	strbuf_reset(&tw->text);
	tw->cell_start = 0;
	tw->ncells = 0;
	tw->nlines = 0;
	tw->line_first = 0;
	tw->nwidths = 0;
}

void tabwriter_flush(struct tabwriter *tw, struct strbuf *out)
{
	/* The partial line becomes the last line, written without a newline. */
	if (tw->text.len > tw->cell_start)
		terminate_cell(tw);
	terminate_line(tw);
	format(tw, out, 0, tw->nlines);
	reset(tw);
}

void tabwriter_free(struct tabwriter *tw)
{
	if (!tw)
		return;
	strbuf_release(&tw->text);
	free(tw->cells);
	free(tw->lines);
	free(tw->widths);
	free(tw);
}
