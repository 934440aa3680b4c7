/* SPDX-License-Identifier: Apache-2.0 */
/* Flag parsing, dispatch and the process life cycle of every plugin. */
#include "cli.h"
#include "cli_priv.h"
#include "kube.h"
#include "kubeconfig.h"
#include "objects.h"
#include "xalloc.h"
#include "yamljson.h"

#include <ctype.h>
#include <limits.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GOPT(name, sh, type, field, arg, help, comp)                           \
	{ name, sh, type, offsetof(struct mesh_opts, field), arg, help, 0, comp, NULL, 0 }

static const char *const output_words[] = { "json", "yaml", "wide", "name", NULL };

const struct cli_option cli_global_options[] = {
	GOPT("kubeconfig", 0, CLI_STRING, kubeconfig, "FILE",
	     "Path to the kubeconfig file to use for CLI requests", COMPLETE_FILE),
	GOPT("context", 0, CLI_STRING, context, "NAME",
	     "The name of the kubeconfig context to use", COMPLETE_CONTEXT),
	GOPT("cluster", 0, CLI_STRING, cluster, "NAME",
	     "The name of the kubeconfig cluster to use", COMPLETE_CLUSTER),
	GOPT("user", 0, CLI_STRING, user, "NAME",
	     "The name of the kubeconfig user to use", COMPLETE_USER),
	GOPT("server", 's', CLI_STRING, server, "URL",
	     "The address and port of the Kubernetes API server", COMPLETE_NONE),
	GOPT("token", 0, CLI_STRING, token, "TOKEN",
	     "Bearer token for authentication to the API server", COMPLETE_NONE),
	GOPT("username", 0, CLI_STRING, username, "NAME",
	     "Username for basic authentication to the API server", COMPLETE_NONE),
	GOPT("password", 0, CLI_STRING, password, "PASSWORD",
	     "Password for basic authentication to the API server", COMPLETE_NONE),
	GOPT("request-timeout", 0, CLI_STRING, request_timeout, "DURATION",
	     "How long to wait for a single server request (1s, 2m, 3h); 0 waits forever",
	     COMPLETE_NONE),
	GOPT("certificate-authority", 0, CLI_STRING, certificate_authority, "FILE",
	     "Path to a cert file for the certificate authority", COMPLETE_FILE),
	GOPT("client-certificate", 0, CLI_STRING, client_certificate, "FILE",
	     "Path to a client certificate file for TLS", COMPLETE_FILE),
	GOPT("client-key", 0, CLI_STRING, client_key, "FILE",
	     "Path to a client key file for TLS", COMPLETE_FILE),
	GOPT("insecure-skip-tls-verify", 0, CLI_BOOL, insecure_skip_tls_verify, NULL,
	     "Do not check the server's certificate (makes HTTPS connections insecure)",
	     COMPLETE_NONE),
	GOPT("tls-server-name", 0, CLI_STRING, tls_server_name, "NAME",
	     "Server name to use for certificate validation", COMPLETE_NONE),
	GOPT("disable-compression", 0, CLI_BOOL, disable_compression, NULL,
	     "Do not ask the server for compressed responses", COMPLETE_NONE),
	GOPT("namespace", 'n', CLI_STRING, namespace, "NAME",
	     "The namespace scope for this request", COMPLETE_NAMESPACE),
	GOPT("all-namespaces", 'A', CLI_BOOL, all_namespaces, NULL,
	     "Work across all namespaces", COMPLETE_NONE),
	GOPT("as", 0, CLI_STRING, as, "USER",
	     "Username to impersonate for the operation", COMPLETE_NONE),
	GOPT("as-group", 0, CLI_STRINGS, as_groups, "GROUP",
	     "Group to impersonate for the operation; repeat for several groups",
	     COMPLETE_NONE),
	GOPT("as-uid", 0, CLI_STRING, as_uid, "UID",
	     "UID to impersonate for the operation", COMPLETE_NONE),
	{ "output", 'o', CLI_STRING, offsetof(struct mesh_opts, output), "FORMAT",
	  "Output format: json, yaml, or wide where the command offers it", 0,
	  COMPLETE_WORDS, output_words, 0 },
	GOPT("no-headers", 0, CLI_BOOL, no_headers, NULL,
	     "Do not print table headers", COMPLETE_NONE),
	GOPT("filename", 'f', CLI_STRINGS, filenames, "FILE",
	     "Read objects from files or directories (- for stdin) instead of the cluster; repeatable",
	     COMPLETE_FILE),
	GOPT("recursive", 'R', CLI_BOOL, recursive, NULL,
	     "Read the directories given with -f recursively", COMPLETE_NONE),
	GOPT("istio-namespace", 'i', CLI_STRING, istio_namespace, "NAME",
	     "The namespace istiod and its istio ConfigMap run in (default istio-system)",
	     COMPLETE_NAMESPACE),
	GOPT("revision", 'r', CLI_STRING, revision, "REV",
	     "The Istio control-plane revision (reads the istio-REV ConfigMap)", COMPLETE_NONE),
	{ "v", 'v', CLI_INT, offsetof(struct mesh_opts, verbosity), "LEVEL",
	  "Log level: 6 logs requests, 7 headers, 8 and 9 bodies (credentials are always masked)",
	  0, COMPLETE_NONE, NULL, 0 },
	GOPT("help", 'h', CLI_BOOL, help, NULL, "Show help for the command", COMPLETE_NONE),
	GOPT("version", 0, CLI_BOOL, version, NULL, "Print the plugin version and exit",
	     COMPLETE_NONE),
	CLI_OPT_END
};

void strlist_push(struct strlist *l, const char *s)
{
	ALLOC_GROW(l->v, l->n + 2, l->alloc);
	l->v[l->n++] = xstrdup(s);
	l->v[l->n] = NULL;
}

void strlist_clear(struct strlist *l)
{
	size_t i;
	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->alloc = 0;
}

const char *cli_prog_path(const struct cli *cli)
{
	static char buf[128];
	if (cli->cmd)
		snprintf(buf, sizeof(buf), "kubectl %s %s", cli->prog->name, cli->cmd->name);
	else
		snprintf(buf, sizeof(buf), "kubectl %s", cli->prog->name);
	return buf;
}

int cli_usage_error(const struct cli *cli, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	fail("%s", sb.buf);
	fprintf(mesh_stderr ? mesh_stderr : stderr,
		"See '%s -h' for help and examples.\n", cli_prog_path(cli));
	strbuf_release(&sb);
	return MESH_EXIT_ERROR;
}

/* --- flag parsing --- */

static const struct cli_option *find_long(const struct cli_option *tab, const char *name,
					  size_t len)
{
	for (; tab && tab->long_name; tab++)
		if (strlen(tab->long_name) == len && !strncmp(tab->long_name, name, len))
			return tab;
	return NULL;
}

static const struct cli_option *find_short(const struct cli_option *tab, char c)
{
	for (; tab && tab->long_name; tab++)
		if (tab->short_name && tab->short_name == c)
			return tab;
	return NULL;
}

/* Locate an option in the command's table, then in the global one. */
static const struct cli_option *lookup(const struct cli_option *local, const char *name,
				       size_t len, char sh, void **base, void *local_base,
				       struct mesh_opts *g)
{
	const struct cli_option *o;
	o = sh ? find_short(local, sh) : find_long(local, name, len);
	if (o) {
		*base = local_base;
		return o;
	}
	o = sh ? find_short(cli_global_options, sh) : find_long(cli_global_options, name, len);
	if (o)
		*base = g;
	return o;
}

static int parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
	size_t i;
	for (i = 0; i < ARRAY_SIZE(yes); i++)
		if (!strcmp(v, yes[i])) {
			*out = 1;
			return 0;
		}
	for (i = 0; i < ARRAY_SIZE(no); i++)
		if (!strcmp(v, no[i])) {
			*out = 0;
			return 0;
		}
	return -1;
}

static void opt_display(struct strbuf *sb, const struct cli_option *o, int as_short)
{
	if (as_short)
		strbuf_addf(sb, "'%c' in -%c", o->short_name, o->short_name);
	else
		strbuf_addf(sb, "--%s", o->long_name);
}

/* Store a value; returns 0, or -1 with the message in err. */
static int store(struct cli_parse *p, const struct cli_option *o, void *base,
		 const char *val, int as_short, struct strbuf *err)
{
	char *field = (char *)base + o->offset;
	struct strbuf name = STRBUF_INIT;

	opt_display(&name, o, as_short);
	switch (o->type) {
	case CLI_BOOL:
		if (parse_bool(val ? val : "true", (int *)field)) {
			strbuf_addf(err, "invalid argument \"%s\" for \"%s\" flag: strconv.ParseBool: parsing \"%s\": invalid syntax",
				    val, name.buf, val);
			strbuf_release(&name);
			return -1;
		}
		if (base == p->global && o->offset == offsetof(struct mesh_opts, insecure_skip_tls_verify))
			p->global->insecure_given = 1;
		if (base == p->global && o->offset == offsetof(struct mesh_opts, disable_compression))
			p->global->disable_compression_given = 1;
		break;
	case CLI_STRING: {
		char **s = (char **)(void *)field;
		free(*s);
		*s = xstrdup(val);
		break;
	}
	case CLI_STRINGS:
		strlist_push((struct strlist *)(void *)field, val);
		break;
	case CLI_INT: {
		char *end;
		long v;
		errno = 0;
		v = strtol(val, &end, 10);
		if (!*val || *end || errno) {
			strbuf_addf(err, "invalid argument \"%s\" for \"%s\" flag: strconv.ParseInt: parsing \"%s\": invalid syntax",
				    val, name.buf, val);
			strbuf_release(&name);
			return -1;
		}
		*(long *)(void *)field = v;
		break;
	}
	}
	strbuf_release(&name);
	return 0;
}

static int parse_long(struct cli_parse *p, char **argv, int argc, int *i, struct strbuf *err)
{
	const char *arg = argv[*i] + 2;
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	void *base = NULL;
	const struct cli_option *o = lookup(p->local, arg, len, 0, &base, p->local_base,
					    p->global);
	const char *val;

	if (!o) {
		strbuf_addf(err, "unknown flag: --%.*s", (int)len, arg);
		return -1;
	}
	if (eq)
		val = eq + 1;
	else if (o->type == CLI_BOOL)
		val = NULL;
	else if (*i + 1 < argc)
		val = argv[++*i];
	else {
		strbuf_addf(err, "flag needs an argument: --%s", o->long_name);
		return -1;
	}
	return store(p, o, base, val, 0, err);
}

static int parse_shorts(struct cli_parse *p, char **argv, int argc, int *i, struct strbuf *err)
{
	const char *s = argv[*i] + 1;

	while (*s) {
		void *base = NULL;
		const struct cli_option *o = lookup(p->local, NULL, 0, *s, &base, p->local_base,
						    p->global);
		if (!o) {
			strbuf_addf(err, "unknown shorthand flag: '%c' in %s", *s, argv[*i]);
			return -1;
		}
		if (o->type == CLI_BOOL) {
			if (s[1] == '=')
				return store(p, o, base, s + 2, 1, err);
			if (store(p, o, base, NULL, 1, err))
				return -1;
			s++;
			continue;
		}
		if (s[1])
			return store(p, o, base, s[1] == '=' ? s + 2 : s + 1, 1, err);
		if (*i + 1 >= argc) {
			strbuf_addf(err, "flag needs an argument: '%c' in -%c", *s, *s);
			return -1;
		}
		return store(p, o, base, argv[++*i], 1, err);
	}
	return 0;
}

int cli_parse_args(struct cli_parse *p, int argc, char **argv, int stop_at_positional,
		   struct strbuf *err)
{
	int i;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			for (i++; i < argc; i++)
				strlist_push(&p->args, argv[i]);
			break;
		}
		if (a[0] != '-' || !a[1]) {
			if (stop_at_positional) {
				p->stopped_at = i;
				return 0;
			}
			strlist_push(&p->args, a);
			continue;
		}
		if (a[1] == '-' ? parse_long(p, argv, argc, &i, err) :
				  parse_shorts(p, argv, argc, &i, err))
			return -1;
	}
	p->stopped_at = argc;
	return 0;
}

/* --- values derived from the global flags --- */

long cli_parse_timeout(const char *text)
{
	/* A bare integer is seconds; otherwise a Go duration. */
	const char *s = text;
	double total = 0;
	char *end;

	if (!*s)
		return -1;
	if (strspn(s, "0123456789") == strlen(s)) {
		long v = strtol(s, &end, 10);
		return v > LONG_MAX / 1000 ? -1 : v * 1000;
	}
	while (*s) {
		double v;
		double unit;
		if (!isdigit((unsigned char)*s) && *s != '.')
			return -1;
		v = strtod(s, &end);
		if (end == s)
			return -1;
		s = end;
		if (starts_with(s, "ms")) {
			unit = 1;
			s += 2;
		} else if (starts_with(s, "us") || starts_with(s, "\xc2\xb5s")) {
			unit = 0.001;
			s += *s == 'u' ? 2 : 3;
		} else if (starts_with(s, "ns")) {
			unit = 0.000001;
			s += 2;
		} else if (*s == 's') {
			unit = 1000;
			s++;
		} else if (*s == 'm') {
			unit = 60000;
			s++;
		} else if (*s == 'h') {
			unit = 3600000;
			s++;
		} else {
			return -1;
		}
		total += v * unit;
	}
	if (total > (double)LONG_MAX)
		return -1;
	/* A positive timeout below a millisecond still times out. */
	return total > 0 && total < 1 ? 1 : (long)total;
}

const struct cli_format cli_formats[] = {
	{ "json", OUTF_JSON }, { "yaml", OUTF_YAML }, { "wide", OUTF_WIDE },
	{ "name", OUTF_NAME }, { NULL, 0 },
};

static int check_output(struct cli *cli)
{
	unsigned allowed = cli->cmd ? cli->cmd->formats : 0;
	struct strbuf list = STRBUF_INIT;
	const struct cli_format *f;

	cli->format = OUTF_TABLE;
	if (!cli->opts.output || !*cli->opts.output)
		return 0;
	for (f = cli_formats; f->name; f++)
		if (!strcmp(cli->opts.output, f->name) && (allowed & f->bit)) {
			cli->format = f->bit;
			return 0;
		}
	for (f = cli_formats; f->name; f++)
		if (allowed & f->bit)
			strbuf_addf(&list, "%s%s", list.len ? "," : "", f->name);
	if (!list.len)
		fail("%s does not take an output format (-o)", cli_prog_path(cli));
	else
		fail("unable to match a printer suitable for the output format \"%s\", allowed formats are: %s",
		     cli->opts.output, list.buf);
	strbuf_release(&list);
	return -1;
}

static void fill_kubeconfig_flags(const struct mesh_opts *o, struct kubeconfig_flags *f)
{
	f->kubeconfig = o->kubeconfig;
	f->context = o->context;
	f->cluster = o->cluster;
	f->user = o->user;
	f->server = o->server;
	f->token = o->token;
	f->certificate_authority = o->certificate_authority;
	f->client_certificate = o->client_certificate;
	f->client_key = o->client_key;
	f->tls_server_name = o->tls_server_name;
	f->insecure_skip_tls_verify = o->insecure_given ? o->insecure_skip_tls_verify : -1;
	f->namespace = o->namespace;
	f->username = o->username;
	f->password = o->password;
	f->as = o->as;
	f->as_groups = (const char *const *)o->as_groups.v;
	f->nr_as_groups = o->as_groups.n;
	f->as_uid = o->as_uid;
	f->disable_compression = o->disable_compression_given ? o->disable_compression : -1;
}

static int resolve_config(struct cli *cli, struct strbuf *err)
{
	struct kubeconfig_flags f = KUBECONFIG_FLAGS_INIT;
	if (cli->cfg)
		return 0;
	fill_kubeconfig_flags(&cli->opts, &f);
	cli->cfg = xcalloc(1, sizeof(*cli->cfg));
	if (kubeconfig_resolve(&f, cli->cfg, err)) {
		kube_config_release(cli->cfg);
		free(cli->cfg);
		cli->cfg = NULL;
		return -1;
	}
	return 0;
}

int cli_client(struct cli *cli, struct kube_client **out)
{
	struct strbuf err = STRBUF_INIT;
	struct kube_client_opts ko = { 0 };

	if (cli->client) {
		*out = cli->client;
		return 0;
	}
	if (resolve_config(cli, &err))
		goto fail;
	ko.timeout_ms = cli->timeout_ms;
	ko.verbosity = (int)cli->opts.verbosity;
	cli->client = kube_client_new(cli->cfg, &ko, &err);
	if (!cli->client)
		goto fail;
	*out = cli->client;
	return 0;
fail:
	report_error(err.buf);
	strbuf_release(&err);
	return MESH_EXIT_ERROR;
}

int cli_offline(const struct cli *cli)
{
	return cli->opts.filenames.n > 0;
}

const char *cli_namespace(struct cli *cli)
{
	struct strbuf err = STRBUF_INIT;
	if (cli->opts.namespace && *cli->opts.namespace)
		return cli->opts.namespace;
	if (!resolve_config(cli, &err) && cli->cfg->namespace) {
		strbuf_release(&err);
		return cli->cfg->namespace;
	}
	strbuf_release(&err);
	return "default";
}

void cli_split_name_ns(const char *text, char **name, char **ns)
{
	const char *dot = strrchr(text, '.');
	if (dot && dot != text && dot[1]) {
		*name = xstrndup(text, (size_t)(dot - text));
		*ns = xstrdup(dot + 1);
	} else {
		*name = xstrdup(text);
		*ns = NULL;
	}
}

const char *cli_istio_namespace(const struct cli *cli)
{
	return cli->opts.istio_namespace && *cli->opts.istio_namespace ?
		       cli->opts.istio_namespace :
		       "istio-system";
}

void cli_istio_configmap_query(const struct cli *cli, struct obj_query *q, char **name_out)
{
	*name_out = mesh_configmap_name(cli->opts.revision);
	memset(q, 0, sizeof(*q));
	q->kind = OBJ_CONFIGMAP;
	q->namespace = cli_istio_namespace(cli);
	q->name = *name_out;
	q->optional = 1;
}

/* Live queries for every kind in the mask, plus namespaces and the istio ConfigMap. */
static size_t build_queries(struct cli *cli, unsigned kinds, const char *scope_ns,
			    struct obj_query *q, char **cm_name)
{
	size_t n = 0;
	int k;

	kinds |= OBJ_BIT(OBJ_NAMESPACE);
	for (k = 0; k < OBJ__COUNT; k++) {
		if (!(kinds & OBJ_BIT(k)) || k == OBJ_CONFIGMAP)
			continue;
		memset(&q[n], 0, sizeof(q[n]));
		q[n].kind = (enum obj_kind)k;
		q[n].namespace = obj_kind_info((enum obj_kind)k)->namespaced ? scope_ns : NULL;
		n++;
	}
	cli_istio_configmap_query(cli, &q[n], cm_name);
	return n + 1;
}

int cli_finish_load(struct cli *cli, struct objset *set, int r, struct strbuf *err,
		    struct objset **out)
{
	if (!r)
		r = objset_finish(set, cli_istio_namespace(cli), cli->opts.revision, err);
	*out = r ? NULL : set;
	if (r) {
		objset_free(set);
		report_error(err->buf);
	}
	strbuf_release(err);
	return r ? MESH_EXIT_ERROR : 0;
}

int cli_load_objects(struct cli *cli, unsigned kinds, const char *scope_ns,
		     struct objset **out)
{
	struct strbuf err = STRBUF_INIT;
	struct objset *set = objset_new();
	int r;

	if (cli_offline(cli)) {
		r = objset_load_paths(set, (const char *const *)cli->opts.filenames.v,
				      cli->opts.filenames.n, cli->opts.recursive,
				      cli_namespace(cli), &err);
	} else {
		struct kube_client *c;
		struct obj_query q[OBJ__COUNT + 1];
		char *cm_name = NULL;
		size_t n;

		if (cli_client(cli, &c)) {
			objset_free(set);
			return MESH_EXIT_ERROR;
		}
		n = build_queries(cli, kinds, scope_ns, q, &cm_name);
		r = objset_fetch(set, c, q, n, &err);
		free(cm_name);
	}
	return cli_finish_load(cli, set, r, &err, out);
}

int cli_load_files_filtered(struct cli *cli, const char *const *nss, unsigned everywhere,
			    struct objset **out)
{
	struct obj_filter f = { nss, everywhere, cli_istio_namespace(cli), cli->opts.revision };
	struct strbuf err = STRBUF_INIT;
	struct objset *set = objset_new();
	int r = objset_load_paths_filtered(set, (const char *const *)cli->opts.filenames.v,
					   cli->opts.filenames.n, cli->opts.recursive,
					   cli_namespace(cli), &f, &err);

	return cli_finish_load(cli, set, r, &err, out);
}

int cli_load_what_if(struct cli *cli, const struct objset *base, const struct strlist *files,
		     struct objset **out)
{
	struct strbuf err = STRBUF_INIT;
	struct objset *set = objset_new();
	json_t *obj;
	size_t i;
	int k, r = 0;

	for (k = 0; k < OBJ__COUNT && !r; k++)
		json_array_foreach(objset_list(base, (enum obj_kind)k), i, obj)
			if ((r = objset_add(set, json_incref(obj), "base", &err)))
				break;
	if (!r)
		r = objset_load_paths(set, (const char *const *)files->v, files->n, cli->opts.recursive,
				      cli_namespace(cli), &err);
	return cli_finish_load(cli, set, r, &err, out);
}

void cli_print_value(struct cli *cli, json_t *v)
{
	struct strbuf sb = STRBUF_INIT;
	if (cli->format == OUTF_YAML)
		yamljson_emit(&sb, v);
	else
		yamljson_dump_json(&sb, v);
	fwrite(sb.buf, 1, sb.len, cli->out);
	strbuf_release(&sb);
}

/* --- dispatch --- */

static const struct cmd_entry *find_command(const struct cli_program *prog, const char *name)
{
	const struct cmd_entry *c;
	for (c = prog->commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void free_local_opts(const struct cmd_entry *cmd, void *opts)
{
	const struct cli_option *o;
	if (!opts)
		return;
	for (o = cmd->options; o && o->long_name; o++) {
		char *field = (char *)opts + o->offset;
		if (o->type == CLI_STRING)
			free(*(char **)(void *)field);
		else if (o->type == CLI_STRINGS)
			strlist_clear((struct strlist *)(void *)field);
	}
	free(opts);
}

static void free_global_opts(struct mesh_opts *o)
{
	const struct cli_option *opt;
	for (opt = cli_global_options; opt->long_name; opt++) {
		char *field = (char *)o + opt->offset;
		if (opt->type == CLI_STRING)
			free(*(char **)(void *)field);
		else if (opt->type == CLI_STRINGS)
			strlist_clear((struct strlist *)(void *)field);
	}
}

static void *new_local_opts(const struct cmd_entry *cmd)
{
	const struct cli_option *o;
	void *opts;
	if (!cmd->opts_size)
		return NULL;
	opts = xcalloc(1, cmd->opts_size);
	for (o = cmd->options; o && o->long_name; o++) {
		if (o->type == CLI_INT)
			*(long *)(void *)((char *)opts + o->offset) = o->def_int;
		else if (o->type == CLI_BOOL)
			*(int *)(void *)((char *)opts + o->offset) = o->def_int != 0;
	}
	return opts;
}

static int flag_error(struct cli *cli, const char *msg)
{
	fail("%s", msg);
	fprintf(mesh_stderr ? mesh_stderr : stderr, "See '%s --help' for usage.\n",
		cli_prog_path(cli));
	return MESH_EXIT_ERROR;
}

static int check_arg_count(struct cli *cli, size_t n)
{
	const struct cmd_entry *c = cli->cmd;
	if ((int)n < c->min_args || (c->max_args >= 0 && (int)n > c->max_args)) {
		if (c->max_args == 0)
			return cli_usage_error(cli, "%s takes no arguments, got %zu",
					       cli_prog_path(cli), n);
		if ((int)n > c->max_args && c->max_args >= 0)
			return cli_usage_error(cli, "too many arguments: usage: kubectl %s %s",
					       cli->prog->name, c->usage);
		return cli_usage_error(cli, "missing arguments: usage: kubectl %s %s",
				       cli->prog->name, c->usage);
	}
	return 0;
}

static int check_global_values(struct cli *cli)
{
	if (cli->opts.request_timeout) {
		long ms = cli_parse_timeout(cli->opts.request_timeout);
		if (ms < 0)
			return fail("Invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)");
		cli->timeout_ms = ms;
	}
	if (cli->opts.all_namespaces && cli->opts.namespace && cli->opts.filenames.n == 0 &&
	    cli->cmd && cli->cmd->needs_cluster) {
		/* kubectl lets -A win over -n; so do we. */
		free(cli->opts.namespace);
		cli->opts.namespace = NULL;
	}
	return 0;
}

static int run_command(struct cli *cli, int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	struct cli_parse p = { 0 };
	void *opts = new_local_opts(cli->cmd);
	int r;

	p.local = cli->cmd->options;
	p.local_base = opts;
	p.global = &cli->opts;
	if (cli_parse_args(&p, argc, argv, 0, &err)) {
		r = flag_error(cli, err.buf);
		goto out;
	}
	if (cli->opts.help) {
		cli_print_command_help(cli, cli->cmd, stdout);
		r = 0;
		goto out;
	}
	if (cli->opts.version) {
		fprintf(cli->out, "Client Version: v%s\n", MESH_VERSION);
		r = 0;
		goto out;
	}
	r = check_global_values(cli);
	if (!r && check_output(cli))
		r = MESH_EXIT_ERROR;
	if (!r)
		r = check_arg_count(cli, p.args.n);
	if (!r)
		r = cli->cmd->fn(cli, opts, (int)p.args.n, p.args.v);
out:
	strlist_clear(&p.args);
	free_local_opts(cli->cmd, opts);
	strbuf_release(&err);
	return r;
}

static int finish_output(int r)
{
	if (fflush(stdout) || ferror(stdout)) {
		if (errno == EPIPE)
			return r;
		fail("write error on standard output: %s", strerror(errno));
		return MESH_EXIT_ERROR;
	}
	return r;
}

static void cli_release(struct cli *cli)
{
	if (cli->client)
		kube_client_free(cli->client);
	if (cli->cfg) {
		kube_config_release(cli->cfg);
		free(cli->cfg);
	}
	free_global_opts(&cli->opts);
}

static int dispatch(struct cli *cli, int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	struct cli_parse p = { 0 };
	const char *name;
	int r;

	/* Global flags may come before the subcommand, as in kubectl. */
	p.global = &cli->opts;
	if (cli_parse_args(&p, argc, argv, 1, &err)) {
		r = flag_error(cli, err.buf);
		strbuf_release(&err);
		return r;
	}
	strbuf_release(&err);
	if (p.stopped_at >= argc) {
		if (cli->opts.version) {
			fprintf(cli->out, "Client Version: v%s\n", MESH_VERSION);
			return 0;
		}
		cli_print_program_help(cli, stdout);
		return 0;
	}
	name = argv[p.stopped_at];
	if (!strcmp(name, "__complete") || !strcmp(name, "__completeNoDesc"))
		return cli_complete(cli, argc - p.stopped_at - 1, argv + p.stopped_at + 1,
				    !strcmp(name, "__complete"));
	if (!strcmp(name, "help"))
		return cli_help_command(cli, argc - p.stopped_at - 1, argv + p.stopped_at + 1);
	if (!strcmp(name, "options")) {
		cli_print_global_options(cli, stdout);
		return 0;
	}
	if (!strcmp(name, "__man"))
		return cli_print_man(cli, stdout);
	cli->cmd = find_command(cli->prog, name);
	if (!cli->cmd) {
		fail("unknown command \"%s\" for \"kubectl %s\"", name, cli->prog->name);
		fprintf(mesh_stderr ? mesh_stderr : stderr, "Run 'kubectl %s --help' for usage.\n",
			cli->prog->name);
		return MESH_EXIT_ERROR;
	}
	return run_command(cli, argc - p.stopped_at - 1, argv + p.stopped_at + 1);
}

int cli_main(const struct cli_program *prog, int argc, char **argv)
{
	struct cli cli;
	int r;

	memset(&cli, 0, sizeof(cli));
	cli.prog = prog;
	cli.out = stdout;
	cli.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	r = dispatch(&cli, argc - 1, argv + 1);
	r = finish_output(r);
	cli_release(&cli);
	return r;
}
