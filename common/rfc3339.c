/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 3339 timestamps, as the RFC writes them and as Go's time.Parse reads them. */
#include "rfc3339.h"
#include "strbuf.h"

#include <ctype.h>

#include <string.h>

/* What each flavour accepts where the two differ. */
struct flavour {
	const char *t, *z, *frac;
	int hour_digits, max_sec, max_off_hour, max_off_min;
};

static const struct flavour rfc = { "Tt", "Zz", ".", 2, 60, 23, 59 };
static const struct flavour go = { "T", "Z", ".,", 1, 59, 24, 60 };

struct cursor {
	const char *p, *end;
};

static int is_digit(const struct cursor *c)
{
	return c->p < c->end && *c->p >= '0' && *c->p <= '9';
}

/* min to max digits as a number; -1 when fewer than min. */
static int read_num(struct cursor *c, int min, int max, int *v)
{
	int n;

	*v = 0;
	for (n = 0; n < max && is_digit(c); n++)
		*v = *v * 10 + (*c->p++ - '0');
	return n < min ? -1 : 0;
}

static int read_char(struct cursor *c, const char *accept)
{
	if (c->p == c->end || !*c->p || !strchr(accept, *c->p))
		return -1;
	c->p++;
	return 0;
}

static int days_in_month(int year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return days[month - 1] + (month == 2 && leap);
}

/* YYYY-MM-DD into tm. */
static int read_date(struct cursor *c, struct tm *tm)
{
	int y, mo, d;

	if (read_num(c, 4, 4, &y) || read_char(c, "-") || read_num(c, 2, 2, &mo) ||
	    read_char(c, "-") || read_num(c, 2, 2, &d) || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo))
		return -1;
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	return 0;
}

/* hh:mm:ss[.frac] into tm; the fraction is skipped. */
static int read_time(struct cursor *c, const struct flavour *f, struct tm *tm)
{
	if (read_num(c, f->hour_digits, 2, &tm->tm_hour) || read_char(c, ":") ||
	    read_num(c, 2, 2, &tm->tm_min) || read_char(c, ":") ||
	    read_num(c, 2, 2, &tm->tm_sec) || tm->tm_hour > 23 || tm->tm_min > 59 ||
	    tm->tm_sec > f->max_sec)
		return -1;
	if (c->end - c->p >= 2 && !read_char(c, f->frac)) {
		if (!is_digit(c))
			return -1;
		while (is_digit(c))
			c->p++;
	}
	return 0;
}

/* "Z" or "+hh:mm" / "-hh:mm" as seconds east of UTC. */
static int read_offset(struct cursor *c, const struct flavour *f, long *off)
{
	int sign, h, m;

	if (!read_char(c, f->z)) {
		*off = 0;
		return 0;
	}
	sign = c->p < c->end && *c->p == '-' ? -1 : 1;
	if (read_char(c, "+-") || read_num(c, 2, 2, &h) || read_char(c, ":") ||
	    read_num(c, 2, 2, &m) || h > f->max_off_hour || m > f->max_off_min)
		return -1;
	*off = sign * (h * 3600L + m * 60L);
	return 0;
}

int rfc3339_parse(const char *s, size_t len, unsigned flags, time_t *out)
{
	const struct flavour *f = flags & RFC3339_GO ? &go : &rfc;
	struct cursor c = { s, s + len };
	struct tm tm;
	long off;

	memset(&tm, 0, sizeof(tm));
	if (read_date(&c, &tm) || read_char(&c, f->t) || read_time(&c, f, &tm) ||
	    read_offset(&c, f, &off) || c.p != c.end)
		return -1;
	*out = timegm(&tm) - off;
	return 0;
}

/*
 * HumanDuration's stages past two minutes: below `below` seconds the age
 * is counted in `unit`s, followed by the remainder in `sub`s unless that
 * is zero (sub 0: never).
 */
static const struct {
	long long below, unit;
	char unit_name;
	long long sub;
	char sub_name;
} stages[] = {
	{ 10 * 60, 60, 'm', 1, 's' },
	{ 3 * 3600, 60, 'm', 0, 0 },
	{ 8 * 3600, 3600, 'h', 60, 'm' },
	{ 48 * 3600, 3600, 'h', 0, 0 },
	{ 8 * 86400, 86400, 'd', 3600, 'h' },
	{ 2 * 365 * 86400LL, 86400, 'd', 0, 0 },
	{ 8 * 365 * 86400LL, 365 * 86400LL, 'y', 86400, 'd' },
	{ -1, 365 * 86400LL, 'y', 0, 0 },
};

void human_duration(struct strbuf *out, long long secs)
{
	size_t i = 0;
	long long rest;

	if (secs < -1) {
		strbuf_addstr(out, "<invalid>");
		return;
	}
	if (secs < 120) {
		strbuf_addf(out, "%llds", secs < 0 ? 0 : secs);
		return;
	}
	while (stages[i].below >= 0 && secs >= stages[i].below)
		i++;
	strbuf_addf(out, "%lld%c", secs / stages[i].unit, stages[i].unit_name);
	rest = stages[i].sub ? secs % stages[i].unit / stages[i].sub : 0;
	if (rest)
		strbuf_addf(out, "%lld%c", rest, stages[i].sub_name);
}

int rfc3339_parse_nanos(const char *text, time_t *secs, long *nanos)
{
	const char *t = strchr(text, 'T'), *p;
	long frac = 0, scale = 100000000;

	if (!t || strlen(t) < 9 || rfc3339_parse(text, strlen(text), RFC3339_GO, secs))
		return -1;
	p = t + 9;
	if (*p == '.' || *p == ',') {
		for (p++; isdigit((unsigned char)*p); p++) {
			frac += scale * (*p - '0');
			scale /= 10;
		}
	}
	*nanos = frac;
	return 0;
}
