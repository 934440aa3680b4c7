/* SPDX-License-Identifier: Apache-2.0 */
/* Unified diffs as istioctl prints them: Python difflib's SequenceMatcher, via go-difflib. */
#include "status.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/*
 * istioctl compares with github.com/pmezard/go-difflib, a port of
 * Python's difflib: SequenceMatcher finds the longest matching block,
 * recurses on both sides of it, and with autojunk treats lines that
 * make up more than 1% of b (when b has 200 lines or more) as unable to
 * start a match.  The hunks, and so the bytes, depend on exactly that
 * choice of blocks, so it is reproduced here rather than replaced by a
 * shortest-edit-script algorithm.
 */

struct lines {
	const char **p;     /* start of each line */
	size_t *len;        /* its length, '\n' included */
	size_t *id;         /* equal lines have equal ids */
	size_t n;
};

struct match {
	size_t a, b, size;
};

struct opcode {
	char tag;           /* 'e'qual, 'r'eplace, 'd'elete, 'i'nsert */
	size_t i1, i2, j1, j2;
};

/* go-difflib's SplitLines: split after each '\n'; the last piece gets a '\n' of its own. */
static void split_lines(struct lines *l, const char *text, char **last)
{
	size_t alloc = 0;
	const char *p = text;

	memset(l, 0, sizeof(*l));
	for (;;) {
		const char *nl = strchr(p, '\n');
		ALLOC_GROW(l->p, l->n + 1, alloc);
		l->len = xreallocarray(l->len, alloc, sizeof(*l->len));
		if (!nl) {
			*last = xasprintf("%s\n", p);
			l->p[l->n] = *last;
			l->len[l->n++] = strlen(*last);
			break;
		}
		l->p[l->n] = p;
		l->len[l->n++] = (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	l->id = xcalloc(l->n, sizeof(*l->id));
}

static void lines_release(struct lines *l)
{
	free(l->p);
	free(l->len);
	free(l->id);
}

static size_t hash_line(const char *p, size_t len)
{
	size_t h = 14695981039346656037ULL, i;
	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h;
}

/* Number the distinct lines of a and b; returns how many there are. */
static size_t intern(struct lines *a, struct lines *b)
{
	size_t cap = 16, nids = 0, s, i;
	struct lines *seqs[2] = { a, b };
	size_t *slot_line, *slot_id;
	const char **slot_p;

	while (cap < 2 * (a->n + b->n))
		cap <<= 1;
	slot_p = xcalloc(cap, sizeof(*slot_p));
	slot_line = xcalloc(cap, sizeof(*slot_line));
	slot_id = xcalloc(cap, sizeof(*slot_id));
	for (s = 0; s < 2; s++) {
		struct lines *l = seqs[s];
		for (i = 0; i < l->n; i++) {
			size_t h = hash_line(l->p[i], l->len[i]) & (cap - 1);
			while (slot_p[h] && (slot_line[h] != l->len[i] ||
					     memcmp(slot_p[h], l->p[i], l->len[i])))
				h = (h + 1) & (cap - 1);
			if (!slot_p[h]) {
				slot_p[h] = l->p[i];
				slot_line[h] = l->len[i];
				slot_id[h] = nids++;
			}
			l->id[i] = slot_id[h];
		}
	}
	free(slot_p);
	free(slot_line);
	free(slot_id);
	return nids;
}

/* b2j: for each line id, the indices of b where it occurs (none for popular lines). */
struct matcher {
	const struct lines *a, *b;
	size_t *start, *count, *idx;   /* idx[start[id] .. start[id]+count[id]) */
	size_t *j2len, *newj2len;      /* indexed by j + 1 */
	size_t *touched, *newtouched, ntouched, nnewtouched;
};

static void matcher_init(struct matcher *m, const struct lines *a, const struct lines *b,
			 size_t nids)
{
	size_t i, id, pos = 0, *fill;

	memset(m, 0, sizeof(*m));
	m->a = a;
	m->b = b;
	m->start = xcalloc(nids + 1, sizeof(size_t));
	m->count = xcalloc(nids + 1, sizeof(size_t));
	m->idx = xcalloc(b->n + 1, sizeof(size_t));
	for (i = 0; i < b->n; i++)
		m->count[b->id[i]]++;
	for (id = 0; id < nids; id++) {
		m->start[id] = pos;
		pos += m->count[id];
	}
	fill = xcalloc(nids + 1, sizeof(size_t));
	for (i = 0; i < b->n; i++)
		m->idx[m->start[b->id[i]] + fill[b->id[i]]++] = i;
	free(fill);
	if (b->n >= 200)
		for (id = 0; id < nids; id++)
			if (m->count[id] > b->n / 100 + 1)
				m->count[id] = 0;
	m->j2len = xcalloc(b->n + 1, sizeof(size_t));
	m->newj2len = xcalloc(b->n + 1, sizeof(size_t));
	m->touched = xcalloc(b->n + 1, sizeof(size_t));
	m->newtouched = xcalloc(b->n + 1, sizeof(size_t));
}

static void matcher_release(struct matcher *m)
{
	free(m->start);
	free(m->count);
	free(m->idx);
	free(m->j2len);
	free(m->newj2len);
	free(m->touched);
	free(m->newtouched);
}

static void swap_j2len(struct matcher *m)
{
	size_t *t, i;

	for (i = 0; i < m->ntouched; i++)
		m->j2len[m->touched[i]] = 0;
	t = m->j2len;
	m->j2len = m->newj2len;
	m->newj2len = t;
	t = m->touched;
	m->touched = m->newtouched;
	m->newtouched = t;
	m->ntouched = m->nnewtouched;
	m->nnewtouched = 0;
}

static struct match longest_match(struct matcher *m, size_t alo, size_t ahi, size_t blo,
				  size_t bhi)
{
	const struct lines *a = m->a, *b = m->b;
	struct match best = { alo, blo, 0 };
	size_t i, k;

	for (i = alo; i < ahi; i++) {
		size_t id = a->id[i], s = m->start[id], c = m->count[id];
		for (k = 0; k < c; k++) {
			size_t j = m->idx[s + k], len;
			if (j < blo)
				continue;
			if (j >= bhi)
				break;
			/* j2len[j] holds the match length ending at b[j-1], at index j. */
			len = m->j2len[j] + 1;
			m->newj2len[j + 1] = len;
			m->newtouched[m->nnewtouched++] = j + 1;
			if (len > best.size) {
				best.a = i + 1 - len;
				best.b = j + 1 - len;
				best.size = len;
			}
		}
		swap_j2len(m);
	}
	swap_j2len(m);
	/* No line is junk; popular lines only extend a match. */
	while (best.a > alo && best.b > blo && a->id[best.a - 1] == b->id[best.b - 1]) {
		best.a--;
		best.b--;
		best.size++;
	}
	while (best.a + best.size < ahi && best.b + best.size < bhi &&
	       a->id[best.a + best.size] == b->id[best.b + best.size])
		best.size++;
	return best;
}

static int cmp_match(const void *x, const void *y)
{
	const struct match *p = x, *q = y;
	return p->a < q->a ? -1 : p->a > q->a;
}

/* Matching blocks in order, adjacent ones merged, ending with the (na, nb, 0) sentinel. */
static size_t matching_blocks(struct matcher *m, struct match **out)
{
	struct range { size_t alo, ahi, blo, bhi; } *stack = NULL;
	size_t nstack = 0, astack = 0, n = 0, alloc = 0, merged = 0, i;
	struct match *blocks = NULL;

	ALLOC_GROW(stack, 1, astack);
	stack[nstack++] = (struct range){ 0, m->a->n, 0, m->b->n };
	while (nstack) {
		struct range r = stack[--nstack];
		struct match x = longest_match(m, r.alo, r.ahi, r.blo, r.bhi);
		if (!x.size)
			continue;
		ALLOC_GROW(blocks, n + 1, alloc);
		blocks[n++] = x;
		ALLOC_GROW(stack, nstack + 2, astack);
		if (x.a + x.size < r.ahi && x.b + x.size < r.bhi)
			stack[nstack++] = (struct range){ x.a + x.size, r.ahi, x.b + x.size, r.bhi };
		if (r.alo < x.a && r.blo < x.b)
			stack[nstack++] = (struct range){ r.alo, x.a, r.blo, x.b };
	}
	free(stack);
	/* The blocks never overlap and are ordered alike in a and b. */
	if (n)
		qsort(blocks, n, sizeof(*blocks), cmp_match);
	for (i = 0; i < n; i++) {
		if (merged && blocks[merged - 1].a + blocks[merged - 1].size == blocks[i].a &&
		    blocks[merged - 1].b + blocks[merged - 1].size == blocks[i].b)
			blocks[merged - 1].size += blocks[i].size;
		else
			blocks[merged++] = blocks[i];
	}
	ALLOC_GROW(blocks, merged + 1, alloc);
	blocks[merged++] = (struct match){ m->a->n, m->b->n, 0 };
	*out = blocks;
	return merged;
}

static size_t opcodes(const struct match *blocks, size_t nb, struct opcode *ops)
{
	size_t i = 0, j = 0, k, n = 0;

	for (k = 0; k < nb; k++) {
		const struct match *x = &blocks[k];
		char tag = i < x->a && j < x->b ? 'r' : i < x->a ? 'd' : j < x->b ? 'i' : 0;
		if (tag)
			ops[n++] = (struct opcode){ tag, i, x->a, j, x->b };
		i = x->a + x->size;
		j = x->b + x->size;
		if (x->size)
			ops[n++] = (struct opcode){ 'e', x->a, i, x->b, j };
	}
	return n;
}

static size_t min_sz(size_t x, size_t y)
{
	return x < y ? x : y;
}

static size_t max_sz(size_t x, size_t y)
{
	return x > y ? x : y;
}

/* difflib's "start,length" (just "start" for one line) of a hunk side. */
static void add_range(struct strbuf *out, size_t start, size_t stop)
{
	size_t begin = start + 1, length = stop - start;

	if (length == 1) {
		strbuf_addf(out, "%zu", begin);
		return;
	}
	if (!length)
		begin--;
	strbuf_addf(out, "%zu,%zu", begin, length);
}

static void add_lines(struct strbuf *out, char mark, const struct lines *l, size_t from, size_t to)
{
	for (; from < to; from++) {
		strbuf_addch(out, mark);
		strbuf_add(out, l->p[from], l->len[from]);
	}
}

static void write_group(struct strbuf *out, const struct opcode *g, size_t n,
			const struct lines *a, const struct lines *b)
{
	size_t i;

	strbuf_addstr(out, "@@ -");
	add_range(out, g[0].i1, g[n - 1].i2);
	strbuf_addstr(out, " +");
	add_range(out, g[0].j1, g[n - 1].j2);
	strbuf_addstr(out, " @@\n");
	for (i = 0; i < n; i++) {
		if (g[i].tag == 'e') {
			add_lines(out, ' ', a, g[i].i1, g[i].i2);
			continue;
		}
		if (g[i].tag == 'r' || g[i].tag == 'd')
			add_lines(out, '-', a, g[i].i1, g[i].i2);
		if (g[i].tag == 'r' || g[i].tag == 'i')
			add_lines(out, '+', b, g[i].j1, g[i].j2);
	}
}

/* GetGroupedOpCodes(ctx), each group written as it is closed. */
static void write_groups(struct strbuf *out, struct opcode *ops, size_t nops,
			 const struct lines *a, const struct lines *b, size_t ctx)
{
	struct opcode *group = xcalloc(nops + 1, sizeof(*group));
	size_t ng = 0, k;

	if (ops[0].tag == 'e') {
		ops[0].i1 = max_sz(ops[0].i1, ops[0].i2 > ctx ? ops[0].i2 - ctx : 0);
		ops[0].j1 = max_sz(ops[0].j1, ops[0].j2 > ctx ? ops[0].j2 - ctx : 0);
	}
	if (ops[nops - 1].tag == 'e') {
		ops[nops - 1].i2 = min_sz(ops[nops - 1].i2, ops[nops - 1].i1 + ctx);
		ops[nops - 1].j2 = min_sz(ops[nops - 1].j2, ops[nops - 1].j1 + ctx);
	}
	for (k = 0; k < nops; k++) {
		struct opcode c = ops[k];
		if (c.tag == 'e' && c.i2 - c.i1 > 2 * ctx) {
			group[ng++] = (struct opcode){ 'e', c.i1, min_sz(c.i2, c.i1 + ctx), c.j1,
						       min_sz(c.j2, c.j1 + ctx) };
			write_group(out, group, ng, a, b);
			ng = 0;
			c.i1 = max_sz(c.i1, c.i2 - ctx);
			c.j1 = max_sz(c.j1, c.j2 - ctx);
		}
		group[ng++] = c;
	}
	if (ng && !(ng == 1 && group[0].tag == 'e'))
		write_group(out, group, ng, a, b);
	free(group);
}

void unified_diff(struct strbuf *out, const char *a_text, const char *b_text, const char *from,
		  const char *to, int n)
{
	struct lines a, b;
	struct matcher m;
	struct match *blocks;
	struct opcode *ops;
	char *last_a = NULL, *last_b = NULL;
	size_t nblocks, nops, mark = out->len, head;

	split_lines(&a, a_text, &last_a);
	split_lines(&b, b_text, &last_b);
	matcher_init(&m, &a, &b, intern(&a, &b));
	nblocks = matching_blocks(&m, &blocks);
	ops = xcalloc(2 * nblocks + 1, sizeof(*ops));
	nops = opcodes(blocks, nblocks, ops);
	if (!nops)
		ops[nops++] = (struct opcode){ 'e', 0, 1, 0, 1 };
	strbuf_addf(out, "--- %s\n+++ %s\n", from, to);
	head = out->len;
	write_groups(out, ops, nops, &a, &b, (size_t)n);
	/* The header is written with the first group only: none, no diff. */
	if (out->len == head)
		strbuf_setlen(out, mark);
	free(ops);
	free(blocks);
	matcher_release(&m);
	lines_release(&a);
	lines_release(&b);
	free(last_a);
	free(last_b);
}
