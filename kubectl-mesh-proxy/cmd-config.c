/* SPDX-License-Identifier: Apache-2.0 */
/* config: a sidecar's Envoy configuration in istioctl proxy-config's tables. */
#include "commands.h"
#include "configdump.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Which filters a configuration type takes. */
enum {
	F_FQDN = 1 << 0,
	F_DIRECTION = 1 << 1,
	F_SUBSET = 1 << 2,
	F_PORT = 1 << 3,
	F_ADDRESS = 1 << 4,
	F_TYPE = 1 << 5,
	F_NAME = 1 << 6,
	F_CLUSTER = 1 << 7,
	F_STATUS = 1 << 8,
	F_VERBOSE = 1 << 9,
	F_HEADERS = 1 << 10,
};

#define F_CLUSTERS (F_FQDN | F_DIRECTION | F_SUBSET | F_PORT)
#define F_LISTENERS (F_ADDRESS | F_PORT | F_TYPE | F_VERBOSE)
#define F_ENDPOINTS (F_ADDRESS | F_PORT | F_CLUSTER | F_STATUS)

typedef int (*renderer_fn)(const struct config_view *, struct strbuf *, struct strbuf *);

struct config_type {
	const char *name;
	const char *aliases[3];
	renderer_fn fn;
	unsigned filters;
	int table_only;
	const char *admin_path;    /* what to save from the admin API */
};

static const struct config_type types[] = {
	{ "clusters", { "cluster", "c", NULL }, config_clusters, F_CLUSTERS, 0, "config_dump" },
	{ "listeners", { "listener", "l", NULL }, config_listeners, F_LISTENERS, 0, "config_dump" },
	{ "routes", { "route", "r", NULL }, config_routes, F_NAME | F_VERBOSE, 0, "config_dump" },
	{ "endpoints", { "endpoint", "ep", NULL }, config_endpoints, F_ENDPOINTS, 0,
	  "clusters?format=json" },
	{ "eds", { NULL }, config_eds, F_ENDPOINTS, 0, "config_dump?include_eds=true" },
	{ "ecds", { "ec", NULL }, config_ecds, 0, 0, "config_dump" },
	{ "secrets", { "secret", "s", NULL }, config_secrets, 0, 0, "config_dump" },
	{ "bootstrap", { "b", NULL }, config_bootstrap, 0, 0, "config_dump" },
	{ "all", { "a", NULL }, config_all,
	  F_CLUSTERS | F_LISTENERS | F_NAME | F_HEADERS, 0, "config_dump?include_eds=true" },
	{ "rbac", { "authz", NULL }, config_rbac, 0, 1, "config_dump" },
};

const char *const config_type_words[] = {
	"clusters", "listeners", "routes", "endpoints", "secrets", "bootstrap", "ecds", "all",
	"rbac", NULL
};

#define OPT(name, field, type, arg, help) \
	{ name, 0, type, offsetof(struct config_opts, field), arg, help, 0, COMPLETE_NONE, NULL, 0 }

const struct cli_option config_options[] = {
	{ "file", 'f', CLI_STRING, offsetof(struct config_opts, file), "FILE",
	  "Read the Envoy config dump from FILE (- for standard input) instead of a pod", 0,
	  COMPLETE_FILE, NULL, 0 },
	OPT("fqdn", fqdn, CLI_STRING, "TEXT", "clusters: only clusters whose name contains TEXT"),
	OPT("direction", direction, CLI_STRING, "TEXT",
	    "clusters: only clusters whose name contains TEXT (inbound, outbound...)"),
	OPT("subset", subset, CLI_STRING, "TEXT", "clusters: only clusters whose name contains TEXT"),
	OPT("port", port, CLI_INT, "PORT",
	    "clusters, listeners, endpoints: only those on PORT (for clusters: names with |PORT|)"),
	OPT("address", address, CLI_STRING, "ADDRESS",
	    "listeners, endpoints: only those with this address (eds: ip:port)"),
	OPT("type", type, CLI_STRING, "TYPE", "listeners: only listeners of TYPE (HTTP, TCP, HTTP+TCP)"),
	OPT("name", name, CLI_STRING, "NAME", "routes: only the route configuration named NAME"),
	OPT("cluster", cluster, CLI_STRING, "NAME", "endpoints: only endpoints of the cluster NAME"),
	OPT("status", status, CLI_STRING, "STATUS",
	    "endpoints: only endpoints with this health status (HEALTHY, UNHEALTHY...)"),
	OPT("verbose", verbose, CLI_STRING, "BOOL",
	    "listeners, routes, all: one row per filter chain or route (true, the default), or per listener or route configuration (false)"),
	OPT("with-headers", with_headers, CLI_BOOL, NULL,
	    "all: print a title line before each section"),
	CLI_OPT_END
};

static const struct config_type *find_type(const char *name)
{
	size_t i, j;
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		if (!strcmp(types[i].name, name))
			return &types[i];
		for (j = 0; j < ARRAY_SIZE(types[i].aliases) && types[i].aliases[j]; j++)
			if (!strcmp(types[i].aliases[j], name))
				return &types[i];
	}
	return NULL;
}

static int given(const char *s)
{
	return s != NULL;
}

/* Refuse a filter the type does not take, as istioctl (whose flags are per subcommand) does. */
static int check_filters(struct cli *cli, const struct config_type *t, const struct config_opts *o)
{
	static const struct {
		unsigned bit;
		const char *flag;
	} flags[] = {
		{ F_FQDN, "--fqdn" }, { F_DIRECTION, "--direction" }, { F_SUBSET, "--subset" },
		{ F_PORT, "--port" }, { F_ADDRESS, "--address" }, { F_TYPE, "--type" },
		{ F_NAME, "--name" }, { F_CLUSTER, "--cluster" }, { F_STATUS, "--status" },
		{ F_VERBOSE, "--verbose" }, { F_HEADERS, "--with-headers" },
	};
	unsigned set = (given(o->fqdn) ? F_FQDN : 0) | (given(o->direction) ? F_DIRECTION : 0) |
		       (given(o->subset) ? F_SUBSET : 0) | (o->port ? F_PORT : 0) |
		       (given(o->address) ? F_ADDRESS : 0) | (given(o->type) ? F_TYPE : 0) |
		       (given(o->name) ? F_NAME : 0) | (given(o->cluster) ? F_CLUSTER : 0) |
		       (given(o->status) ? F_STATUS : 0) | (given(o->verbose) ? F_VERBOSE : 0) |
		       (o->with_headers ? F_HEADERS : 0);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(flags); i++)
		if ((set & flags[i].bit) && !(t->filters & flags[i].bit))
			return cli_usage_error(cli, "%s does not apply to config %s", flags[i].flag,
					       t->name);
	if (t->table_only && cli->format != OUTF_TABLE)
		return cli_usage_error(cli, "config %s prints a table only; it takes no -o", t->name);
	return 0;
}

/* strconv.ParseBool, as pflag parses a boolean flag's value, and pflag's error. */
static int parse_verbose(struct cli *cli, const char *text, int *out)
{
	static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
	size_t i;

	*out = 1;
	if (!text)
		return 0;
	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(text, yes[i]))
			return 0;
		if (!strcmp(text, no[i])) {
			*out = 0;
			return 0;
		}
	}
	fail("invalid argument \"%s\" for \"--verbose\" flag: strconv.ParseBool: parsing \"%s\": invalid syntax",
	     text, text);
	fprintf(mesh_stderr ? mesh_stderr : stderr, "See '%s --help' for usage.\n", cli_prog_path(cli));
	return MESH_EXIT_ERROR;
}

/*
 * A pod argument, [TYPE/]NAME[.NAMESPACE] as istioctl reads it: without
 * a TYPE/ prefix the text after the last dot is the namespace; with one,
 * only the part after the last '/' is searched for a dot.
 */
struct pod_ref {
	char *kind, *name, *namespace;
};

static int parse_pod_ref(struct cli *cli, const char *arg, struct pod_ref *ref)
{
	const char *slash = strrchr(arg, '/'), *base = slash ? slash + 1 : arg;
	const char *dot = strrchr(base, '.');

	memset(ref, 0, sizeof(*ref));
	if (slash)
		ref->kind = xstrndup(arg, (size_t)(slash - arg));
	if (dot && dot > base) {
		ref->name = xstrndup(base, (size_t)(dot - base));
		ref->namespace = dot[1] ? xstrdup(dot + 1) : NULL;
	} else {
		ref->name = xstrdup(base);
	}
	if (!*ref->name || (ref->kind && !*ref->kind))
		return cli_usage_error(cli, "invalid pod \"%s\": expected [TYPE/]NAME[.NAMESPACE]", arg);
	return 0;
}

static void pod_ref_release(struct pod_ref *ref)
{
	free(ref->kind);
	free(ref->name);
	free(ref->namespace);
}

/* -f FILE; the global --filename names the same thing when given once. */
static const char *dump_file(struct cli *cli, const struct config_opts *o)
{
	if (o->file)
		return o->file;
	if (cli->opts.filenames.n == 1)
		return cli->opts.filenames.v[0];
	return NULL;
}

static int render(struct cli *cli, const struct config_type *t, const struct config_opts *o,
		  const char *file, int verbose)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct config_dump dump;
	struct config_view view;
	int r;

	memset(&view, 0, sizeof(view));
	view.f.verbose = verbose;
	if (config_dump_read(&dump, file, &err)) {
		config_dump_release(&dump);
		r = fail("%s", err.buf);
		strbuf_release(&err);
		return r;
	}
	view.dump = &dump;
	view.format = cli->format == OUTF_JSON ? CONFIG_JSON :
		      cli->format == OUTF_YAML ? CONFIG_YAML : CONFIG_TABLE;
	clock_gettime(CLOCK_REALTIME, &view.now);
	view.f.fqdn = o->fqdn;
	view.f.direction = o->direction;
	view.f.subset = o->subset;
	view.f.address = o->address;
	view.f.type = o->type;
	view.f.name = o->name;
	view.f.cluster = o->cluster;
	view.f.status = o->status;
	view.f.port = o->port;
	view.f.with_headers = o->with_headers;
	r = t->fn(&view, &out, &err);
	/* What was rendered before an error is printed first, as istioctl does. */
	fwrite(out.buf, 1, out.len, cli->out);
	if (r) {
		fflush(cli->out);
		r = fail("%s", err.buf);
	}
	config_dump_release(&dump);
	strbuf_release(&out);
	strbuf_release(&err);
	return r;
}

int cmd_proxy_config(struct cli *cli, void *opts_, int argc, char **argv)
{
	struct config_opts *o = opts_;
	const struct config_type *t = find_type(argv[0]);
	const char *file = dump_file(cli, o);
	struct pod_ref pod = { NULL, NULL, NULL };
	int verbose, r;

	if (!t)
		return cli_usage_error(cli, "unknown configuration type \"%s\"; use one of clusters, listeners, routes, endpoints, secrets, bootstrap, ecds, all, rbac",
				       argv[0]);
	/* First, so that "--verbose -f x" does not go on with -f taken as the value. */
	r = parse_verbose(cli, o->verbose, &verbose);
	if (!r)
		r = check_filters(cli, t, o);
	if (!r && cli->opts.filenames.n > 1)
		r = cli_usage_error(cli, "give one config dump with --file");
	if (!r && argc > 1)
		r = parse_pod_ref(cli, argv[1], &pod);
	if (!r && argc > 1 && file)
		r = cli_usage_error(cli, "give either a pod or --file, not both");
	if (!r && !file)
		r = fail("reading a live sidecar is not available in this build; save the dump with 'kubectl exec POD -c istio-proxy -- pilot-agent request GET %s' and pass it with --file",
			 t->admin_path);
	if (!r)
		r = render(cli, t, o, file, verbose);
	pod_ref_release(&pod);
	return r;
}
