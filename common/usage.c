/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics printed the way kubectl prints them. */
#include "usage.h"
#include "strbuf.h"

#include <string.h>

FILE *mesh_stderr;

static FILE *errf(void)
{
	return mesh_stderr ? mesh_stderr : stderr;
}

/* Build the whole line first so it reaches the terminal in one write. */
static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, prefix);
	strbuf_vaddf(&sb, fmt, ap);
	if (!sb.len || sb.buf[sb.len - 1] != '\n')
		strbuf_addch(&sb, '\n');
	fwrite(sb.buf, 1, sb.len, errf());
	fflush(errf());
	strbuf_release(&sb);
}

int fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	return MESH_EXIT_ERROR;
}

void warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("Warning: ", fmt, ap);
	va_end(ap);
}

static const char *const own_leads[] = {
	"Error from server",
	"The connection to the server",
	"Unable to connect to the server",
	"Error in configuration",
	"error: ",
	"The ",
};

int report_error(const char *msg)
{
	size_t i;
	if (!msg || !*msg)
		msg = "unknown error";
	for (i = 0; i < ARRAY_SIZE(own_leads); i++) {
		if (!strncmp(msg, own_leads[i], strlen(own_leads[i]))) {
			struct strbuf sb = STRBUF_INIT;
			strbuf_addstr(&sb, msg);
			if (sb.buf[sb.len - 1] != '\n')
				strbuf_addch(&sb, '\n');
			fwrite(sb.buf, 1, sb.len, errf());
			fflush(errf());
			strbuf_release(&sb);
			return MESH_EXIT_ERROR;
		}
	}
	return fail("%s", msg);
}
