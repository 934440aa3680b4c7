/* SPDX-License-Identifier: Apache-2.0 */
/* Times as Kubernetes and Istio print them: human durations, RFC 3339 with nanoseconds. */
#include "proxy.h"
#include "rfc3339.h"

#include <ctype.h>
#include <string.h>

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

int parse_time_nanos(const char *text, time_t *secs, long *nanos)
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
