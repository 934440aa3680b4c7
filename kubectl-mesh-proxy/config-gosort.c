/* SPDX-License-Identifier: Apache-2.0 */
/* Go's sort.Slice (pdqsort) and strconv.Atoi, for istioctl's exact row order. */
#include "configdump.h"

#include <limits.h>
#include <stdint.h>

/*
 * A transcription of pdqsort_func and its helpers from Go's
 * src/sort/zsortfunc.go (Go >= 1.19, BSD-3-Clause), over an array of
 * pointers.  Go's sort.Slice is not stable: for n > 12 the final place
 * of equal elements depends on every comparison and swap, so the
 * algorithm is followed step by step.  Indices are signed, as Go's int.
 */
struct gosort {
	void **v;
	go_less_fn less;
	void *ctx;
};

enum hint { HINT_UNKNOWN, HINT_INCREASING, HINT_DECREASING };

static int less(const struct gosort *s, long i, long j)
{
	return s->less(s->v[i], s->v[j], s->ctx);
}

static void swap(const struct gosort *s, long i, long j)
{
	void *t = s->v[i];
	s->v[i] = s->v[j];
	s->v[j] = t;
}

static int bits_len(unsigned long x)
{
	int n = 0;
	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

static void insertion_sort(const struct gosort *s, long a, long b)
{
	long i, j;
	for (i = a + 1; i < b; i++)
		for (j = i; j > a && less(s, j, j - 1); j--)
			swap(s, j, j - 1);
}

static void sift_down(const struct gosort *s, long lo, long hi, long first)
{
	long root = lo;
	for (;;) {
		long child = 2 * root + 1;
		if (child >= hi)
			return;
		if (child + 1 < hi && less(s, first + child, first + child + 1))
			child++;
		if (!less(s, first + root, first + child))
			return;
		swap(s, first + root, first + child);
		root = child;
	}
}

static void heap_sort(const struct gosort *s, long a, long b)
{
	long first = a, lo = 0, hi = b - a, i;
	for (i = (hi - 1) / 2; i >= 0; i--)
		sift_down(s, i, hi, first);
	for (i = hi - 1; i >= 0; i--) {
		swap(s, first, first + i);
		sift_down(s, lo, i, first);
	}
}

static long partition(const struct gosort *s, long a, long b, long pivot, int *already)
{
	long i = a + 1, j = b - 1;

	swap(s, a, pivot);
	while (i <= j && less(s, i, a))
		i++;
	while (i <= j && !less(s, j, a))
		j--;
	if (i > j) {
		swap(s, j, a);
		*already = 1;
		return j;
	}
	swap(s, i, j);
	i++;
	j--;
	for (;;) {
		while (i <= j && less(s, i, a))
			i++;
		while (i <= j && !less(s, j, a))
			j--;
		if (i > j)
			break;
		swap(s, i, j);
		i++;
		j--;
	}
	swap(s, j, a);
	*already = 0;
	return j;
}

static long partition_equal(const struct gosort *s, long a, long b, long pivot)
{
	long i = a + 1, j = b - 1;

	swap(s, a, pivot);
	for (;;) {
		while (i <= j && !less(s, a, i))
			i++;
		while (i <= j && less(s, a, j))
			j--;
		if (i > j)
			break;
		swap(s, i, j);
		i++;
		j--;
	}
	return i;
}

static int partial_insertion_sort(const struct gosort *s, long a, long b)
{
	const int max_steps = 5;
	const long shortest_shifting = 50;
	long i = a + 1, j;
	int step;

	for (step = 0; step < max_steps; step++) {
		while (i < b && !less(s, i, i - 1))
			i++;
		if (i == b)
			return 1;
		if (b - a < shortest_shifting)
			return 0;
		swap(s, i, i - 1);
		if (i - a >= 2) {
			for (j = i - 1; j >= 1; j--) {
				if (!less(s, j, j - 1))
					break;
				swap(s, j, j - 1);
			}
		}
		if (b - i >= 2) {
			for (j = i + 1; j < b; j++) {
				if (!less(s, j, j - 1))
					break;
				swap(s, j, j - 1);
			}
		}
	}
	return 0;
}

static void break_patterns(const struct gosort *s, long a, long b)
{
	long length = b - a, idx;
	uint64_t random;
	unsigned long modulus;

	if (length < 8)
		return;
	random = (uint64_t)length;
	modulus = 1UL << bits_len((unsigned long)length);
	for (idx = a + (length / 4) * 2 - 1; idx <= a + (length / 4) * 2 + 1; idx++) {
		long other;
		random ^= random << 13;
		random ^= random >> 7;
		random ^= random << 17;
		other = (long)((unsigned long)random & (modulus - 1));
		if (other >= length)
			other -= length;
		swap(s, idx, a + other);
	}
}

/* order2 and median of Go's choosePivot: indices only, counting swaps. */
static void order2(const struct gosort *s, long *a, long *b, int *swaps)
{
	if (less(s, *b, *a)) {
		long t = *a;
		*a = *b;
		*b = t;
		(*swaps)++;
	}
}

static long median(const struct gosort *s, long a, long b, long c, int *swaps)
{
	order2(s, &a, &b, swaps);
	order2(s, &b, &c, swaps);
	order2(s, &a, &b, swaps);
	return b;
}

static long choose_pivot(const struct gosort *s, long a, long b, enum hint *hint)
{
	const long shortest_ninther = 50;
	const int max_swaps = 4 * 3;
	long l = b - a;
	int swaps = 0;
	long i = a + l / 4 * 1, j = a + l / 4 * 2, k = a + l / 4 * 3;

	if (l >= 8) {
		if (l >= shortest_ninther) {
			i = median(s, i - 1, i, i + 1, &swaps);
			j = median(s, j - 1, j, j + 1, &swaps);
			k = median(s, k - 1, k, k + 1, &swaps);
		}
		j = median(s, i, j, k, &swaps);
	}
	*hint = swaps == 0 ? HINT_INCREASING : swaps == max_swaps ? HINT_DECREASING : HINT_UNKNOWN;
	return j;
}

static void reverse_range(const struct gosort *s, long a, long b)
{
	long i = a, j = b - 1;
	while (i < j)
		swap(s, i++, j--);
}

static void pdqsort(const struct gosort *s, long a, long b, int limit)
{
	const long max_insertion = 12;
	int was_balanced = 1, was_partitioned = 1;

	for (;;) {
		long length = b - a, pivot, mid;
		enum hint hint;
		int already;

		if (length <= max_insertion) {
			insertion_sort(s, a, b);
			return;
		}
		if (limit == 0) {
			heap_sort(s, a, b);
			return;
		}
		if (!was_balanced) {
			break_patterns(s, a, b);
			limit--;
		}
		pivot = choose_pivot(s, a, b, &hint);
		if (hint == HINT_DECREASING) {
			reverse_range(s, a, b);
			pivot = (b - 1) - (pivot - a);
			hint = HINT_INCREASING;
		}
		if (was_balanced && was_partitioned && hint == HINT_INCREASING &&
		    partial_insertion_sort(s, a, b))
			return;
		if (a > 0 && !less(s, a - 1, pivot)) {
			a = partition_equal(s, a, b, pivot);
			continue;
		}
		mid = partition(s, a, b, pivot, &already);
		was_partitioned = already;
		if (mid - a < b - mid) {
			was_balanced = mid - a >= length / 8;
			pdqsort(s, a, mid, limit);
			a = mid + 1;
		} else {
			was_balanced = b - mid >= length / 8;
			pdqsort(s, mid + 1, b, limit);
			b = mid;
		}
	}
}

void go_sort_slice(void **v, size_t n, go_less_fn fn, void *ctx)
{
	struct gosort s = { v, fn, ctx };
	pdqsort(&s, 0, (long)n, bits_len((unsigned long)n));
}

int go_atoi(const char *s, long long *out)
{
	int neg = *s == '-';
	unsigned long long n = 0, max;

	if (*s == '-' || *s == '+')
		s++;
	if (!*s)
		return -1;
	max = neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (n > (max - (unsigned long long)(*s - '0')) / 10)
			return -1;
		n = n * 10 + (unsigned long long)(*s - '0');
	}
	*out = neg ? (long long)(0 - n) : (long long)n;
	return 0;
}
