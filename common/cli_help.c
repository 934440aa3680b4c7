/* SPDX-License-Identifier: Apache-2.0 */
/* Help text and man pages, generated from the command tables. */
#include "cli_priv.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char exit_status_text[] =
	"Exit status:\n"
	"  0   success, \"yes\", or nothing found\n"
	"  1   \"no\", or problems found\n"
	"  2   error: usage, kubeconfig, API or input\n"
	"  3   undetermined: an external authorizer decides\n";

/* Append text with every "%P" replaced by the plugin name (mesh-tls). */
static void add_expanded(struct strbuf *sb, const char *text, const char *prog)
{
	const char *p;
	while ((p = strstr(text, "%P"))) {
		strbuf_add(sb, text, (size_t)(p - text));
		strbuf_addstr(sb, prog);
		text = p + 2;
	}
	strbuf_addstr(sb, text);
}

static int opt_cmp(const void *a, const void *b)
{
	const struct cli_option *x = *(const struct cli_option *const *)a;
	const struct cli_option *y = *(const struct cli_option *const *)b;
	return strcmp(x->long_name, y->long_name);
}

/* Visible options of a table, sorted by long name as kubectl lists them. */
static const struct cli_option **sorted_options(const struct cli_option *tab, size_t *n)
{
	const struct cli_option **v;
	size_t count = 0, i = 0;
	const struct cli_option *o;

	for (o = tab; o && o->long_name; o++)
		count++;
	v = xcalloc(count + 1, sizeof(*v));
	for (o = tab; o && o->long_name; o++)
		if (!o->hidden)
			v[i++] = o;
	qsort(v, i, sizeof(*v), opt_cmp);
	*n = i;
	return v;
}

static void add_default(struct strbuf *sb, const struct cli_option *o)
{
	switch (o->type) {
	case CLI_BOOL:
		strbuf_addstr(sb, o->def_int ? "=true" : "=false");
		break;
	case CLI_STRING:
		strbuf_addstr(sb, "=''");
		break;
	case CLI_STRINGS:
		strbuf_addstr(sb, "=[]");
		break;
	case CLI_INT:
		strbuf_addf(sb, "=%ld", o->def_int);
		break;
	}
}

static void add_options(struct strbuf *sb, const struct cli_option *tab)
{
	size_t n, i;
	const struct cli_option **v = sorted_options(tab, &n);
	for (i = 0; i < n; i++) {
		if (v[i]->short_name)
			strbuf_addf(sb, "    -%c, --%s", v[i]->short_name, v[i]->long_name);
		else
			strbuf_addf(sb, "    --%s", v[i]->long_name);
		add_default(sb, v[i]);
		strbuf_addf(sb, ":\n\t%s.\n\n", v[i]->help);
	}
	free(v);
}

static void write_out(struct strbuf *sb, FILE *f)
{
	fwrite(sb->buf, 1, sb->len, f);
	strbuf_release(sb);
}

void cli_print_program_help(const struct cli *cli, FILE *f)
{
	struct strbuf sb = STRBUF_INIT;
	const struct cmd_entry *c;
	size_t width = 0;

	add_expanded(&sb, cli->prog->description, cli->prog->name);
	strbuf_addstr(&sb, "\nCommands:\n");
	for (c = cli->prog->commands; c->name; c++)
		if (!c->hidden && strlen(c->name) > width)
			width = strlen(c->name);
	for (c = cli->prog->commands; c->name; c++)
		if (!c->hidden)
			strbuf_addf(&sb, "  %-*s   %s\n", (int)width, c->name, c->summary);
	strbuf_addf(&sb, "\n%s\nUsage:\n  kubectl %s COMMAND [options]\n\n", exit_status_text,
		    cli->prog->name);
	strbuf_addf(&sb, "Use \"kubectl %s COMMAND --help\" for more information about a command.\n",
		    cli->prog->name);
	strbuf_addf(&sb, "Use \"kubectl %s options\" for a list of global command-line options (applies to all commands).\n",
		    cli->prog->name);
	write_out(&sb, f);
}

void cli_print_command_help(const struct cli *cli, const struct cmd_entry *cmd, FILE *f)
{
	struct strbuf sb = STRBUF_INIT;

	add_expanded(&sb, cmd->description, cli->prog->name);
	if (cmd->examples && *cmd->examples) {
		strbuf_addstr(&sb, "\nExamples:\n");
		add_expanded(&sb, cmd->examples, cli->prog->name);
	}
	if (cmd->options && cmd->options->long_name) {
		strbuf_addstr(&sb, "\nOptions:\n");
		add_options(&sb, cmd->options);
	} else {
		strbuf_addch(&sb, '\n');
	}
	strbuf_addstr(&sb, exit_status_text);
	strbuf_addf(&sb, "\nUsage:\n  kubectl %s %s [options]\n\n", cli->prog->name, cmd->usage);
	strbuf_addf(&sb, "Use \"kubectl %s options\" for a list of global command-line options (applies to all commands).\n",
		    cli->prog->name);
	write_out(&sb, f);
}

void cli_print_global_options(const struct cli *cli, FILE *f)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "The following options can be passed to any command of kubectl %s:\n\n",
		    cli->prog->name);
	add_options(&sb, cli_global_options);
	strbuf_addf(&sb, "Usage:\n  kubectl %s [flags] [options]\n", cli->prog->name);
	write_out(&sb, f);
}

int cli_help_command(struct cli *cli, int argc, char **argv)
{
	const struct cmd_entry *c;
	if (argc == 0) {
		cli_print_program_help(cli, stdout);
		return 0;
	}
	for (c = cli->prog->commands; c->name; c++)
		if (!strcmp(c->name, argv[0])) {
			cli_print_command_help(cli, c, stdout);
			return 0;
		}
	fail("unknown help topic \"%s\" for \"kubectl %s\"", argv[0], cli->prog->name);
	return MESH_EXIT_ERROR;
}

/* --- man pages --- */

/* Escape text for roff: backslashes, and a leading dot or quote on a line. */
static void roff_text(struct strbuf *sb, const char *text, const char *prog)
{
	struct strbuf tmp = STRBUF_INIT;
	const char *p;
	int bol = 1;

	add_expanded(&tmp, text, prog);
	for (p = tmp.buf; *p; p++) {
		if (bol && (*p == '.' || *p == '\''))
			strbuf_addstr(sb, "\\&");
		if (*p == '\\')
			strbuf_addstr(sb, "\\e");
		else if (*p == '-')
			strbuf_addstr(sb, "\\-");
		else
			strbuf_addch(sb, *p);
		bol = *p == '\n';
	}
	strbuf_release(&tmp);
}

static void roff_options(struct strbuf *sb, const struct cli_option *tab, const char *prog)
{
	size_t n, i;
	const struct cli_option **v = sorted_options(tab, &n);
	for (i = 0; i < n; i++) {
		strbuf_addstr(sb, ".TP\n");
		if (v[i]->short_name)
			strbuf_addf(sb, "\\fB\\-%c\\fR, ", v[i]->short_name);
		strbuf_addstr(sb, "\\fB\\-\\-");
		roff_text(sb, v[i]->long_name, prog);
		strbuf_addstr(sb, "\\fR");
		if (v[i]->arg_name)
			strbuf_addf(sb, " \\fI%s\\fR", v[i]->arg_name);
		strbuf_addch(sb, '\n');
		roff_text(sb, v[i]->help, prog);
		strbuf_addstr(sb, ".\n");
	}
	free(v);
}

static void roff_examples(struct strbuf *sb, const char *examples, const char *prog)
{
	strbuf_addstr(sb, ".PP\n.nf\n");
	roff_text(sb, examples, prog);
	strbuf_addstr(sb, ".fi\n");
}

int cli_print_man(const struct cli *cli, FILE *f)
{
	struct strbuf sb = STRBUF_INIT;
	const char *prog = cli->prog->name;
	const struct cmd_entry *c;
	size_t i;

	strbuf_addstr(&sb, ".TH KUBECTL-");
	for (i = 0; prog[i]; i++)
		strbuf_addch(&sb, toupper((unsigned char)prog[i]));
	strbuf_addf(&sb, " 1 \"\" \"kubectl-mesh %s\" \"kubectl plugins\"\n", MESH_VERSION);
	strbuf_addstr(&sb, ".SH NAME\n");
	strbuf_addf(&sb, "kubectl\\-%s \\- ", prog);
	roff_text(&sb, cli->prog->summary, prog);
	strbuf_addstr(&sb, "\n.SH SYNOPSIS\n");
	strbuf_addf(&sb, "\\fBkubectl %s\\fR \\fICOMMAND\\fR [\\fIoptions\\fR]\n", prog);
	strbuf_addstr(&sb, ".SH DESCRIPTION\n");
	roff_text(&sb, cli->prog->description, prog);
	strbuf_addstr(&sb, ".SH COMMANDS\n");
	for (c = cli->prog->commands; c->name; c++) {
		if (c->hidden)
			continue;
		strbuf_addf(&sb, ".SS \"kubectl %s ", prog);
		roff_text(&sb, c->usage, prog);
		strbuf_addstr(&sb, "\"\n");
		roff_text(&sb, c->description, prog);
		if (c->options && c->options->long_name) {
			strbuf_addstr(&sb, ".PP\nOptions:\n");
			roff_options(&sb, c->options, prog);
		}
		if (c->examples && *c->examples) {
			strbuf_addstr(&sb, ".PP\nExamples:\n");
			roff_examples(&sb, c->examples, prog);
		}
	}
	strbuf_addstr(&sb, ".SH GLOBAL OPTIONS\n");
	roff_options(&sb, cli_global_options, prog);
	strbuf_addstr(&sb, ".SH EXIT STATUS\n.TP\n0\nsuccess, \"yes\", or nothing found\n"
			   ".TP\n1\n\"no\", or problems found\n"
			   ".TP\n2\nerror: usage, kubeconfig, API or input\n"
			   ".TP\n3\nundetermined: an external authorizer decides\n");
	strbuf_addstr(&sb, ".SH SEE ALSO\n\\fBkubectl\\fR(1)\n");
	write_out(&sb, f);
	return 0;
}
