/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by cli.c, cli_help.c and cli_complete.c. */
#ifndef MESH_CLI_PRIV_H
#define MESH_CLI_PRIV_H

#include "cli.h"

/* kubectl's global flags (table terminated by CLI_OPT_END). */
extern const struct cli_option cli_global_options[];

/* The -o names and their OUTF_* bits, NULL-terminated. */
struct cli_format {
	const char *name;
	unsigned bit;
};
extern const struct cli_format cli_formats[];

/* State of one pass over argv. */
struct cli_parse {
	const struct cli_option *local; /* the command's table, or NULL */
	void *local_base;               /* the command's options struct */
	struct mesh_opts *global;
	struct strlist args;            /* positional arguments, in order */
	int stopped_at;                 /* index of the first positional, with stop_at_positional */
};

/*
 * Parse argv into p.  With stop_at_positional, stop at the first
 * positional argument (used to find the subcommand after leading global
 * flags).  Returns 0, or -1 with pflag's message in err ("unknown flag:
 * --x", "flag needs an argument: --namespace", ...).
 */
int cli_parse_args(struct cli_parse *p, int argc, char **argv, int stop_at_positional,
		   struct strbuf *err);

/* --request-timeout text to milliseconds; -1 when invalid. */
long cli_parse_timeout(const char *text);


/* Help, in kubectl's layout (cli_help.c). */
void cli_print_program_help(const struct cli *cli, FILE *f);
void cli_print_command_help(const struct cli *cli, const struct cmd_entry *cmd, FILE *f);
void cli_print_global_options(const struct cli *cli, FILE *f);
int cli_help_command(struct cli *cli, int argc, char **argv);
/* The man page, as roff, generated from the same tables. */
int cli_print_man(const struct cli *cli, FILE *f);

/* The hidden __complete command (cli_complete.c). */
int cli_complete(struct cli *cli, int argc, char **argv, int with_descriptions);

#endif
