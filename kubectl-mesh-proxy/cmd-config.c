/* SPDX-License-Identifier: Apache-2.0 */
/* config: a sidecar's Envoy configuration in istioctl proxy-config's tables. */
#include "commands.h"
#include "configdump.h"
#include "proxy.h"
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
	const char *admin_path;    /* what istioctl asks Envoy's admin API for */
};

#define MASK(fields) "/config_dump?mask=" fields

static const struct config_type types[] = {
	{ "clusters", { "cluster", "c", NULL }, config_clusters, F_CLUSTERS, 0,
	  MASK("dynamic_active_clusters,dynamic_warming_clusters,static_clusters") },
	{ "listeners", { "listener", "l", NULL }, config_listeners, F_LISTENERS, 0,
	  MASK("dynamic_listeners,static_listeners") },
	{ "routes", { "route", "r", NULL }, config_routes, F_NAME | F_VERBOSE, 0,
	  MASK("dynamic_route_configs,static_route_configs") },
	{ "endpoints", { "endpoint", "ep", NULL }, config_endpoints, F_ENDPOINTS, 0,
	  "/clusters?format=json" },
	{ "eds", { NULL }, config_eds, F_ENDPOINTS, 0, "/config_dump?include_eds=true" },
	{ "ecds", { "ec", NULL }, config_ecds, 0, 0, "/config_dump?include_eds=true" },
	{ "secrets", { "secret", "s", NULL }, config_secrets, 0, 0,
	  MASK("dynamic_active_secrets,dynamic_warming_secrets") },
	{ "bootstrap", { "b", NULL }, config_bootstrap, 0, 0, MASK("bootstrap") },
	{ "all", { "a", NULL }, config_all,
	  F_CLUSTERS | F_LISTENERS | F_NAME | F_HEADERS, 0, "/config_dump?include_eds=true" },
	{ "rbac", { "authz", NULL }, config_rbac, 0, 1, MASK("dynamic_listeners,static_listeners") },
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
	{ "verbose", 0, CLI_BOOL, offsetof(struct config_opts, verbose), NULL,
	  "listeners, routes, all: one row per filter chain or route; --verbose=false: one per listener or route configuration",
	  1, COMPLETE_NONE, NULL, 0 },
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
		       (given(o->status) ? F_STATUS : 0) | (!o->verbose ? F_VERBOSE : 0) |
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

/* -f FILE; the global --filename names the same thing when given once. */
static const char *dump_file(struct cli *cli, const struct config_opts *o)
{
	if (o->file)
		return o->file;
	if (cli->opts.filenames.n == 1)
		return cli->opts.filenames.v[0];
	return NULL;
}

/* The dump from --file, or fetched from the pod's Envoy (the path istioctl asks for). */
static int load_dump(struct cli *cli, const struct config_type *t, const char *file,
		     const struct pod_ref *ref, struct config_dump *dump)
{
	struct strbuf body = STRBUF_INIT, err = STRBUF_INIT;
	char *ns = NULL, *pod = NULL, *origin = NULL, *buf;
	size_t len;
	int r;

	memset(dump, 0, sizeof(*dump));
	if (file)
		r = config_dump_read(dump, file, &err) ? MESH_EXIT_ERROR : 0;
	else
		r = pod_ref_resolve(cli, ref, &ns, &pod);
	if (!file && !r)
		r = envoy_admin_get(cli, ns, pod, t->admin_path, &body);
	if (!file && !r) {
		origin = xasprintf("the %s of pod %s/%s",
				   starts_with(t->admin_path, "/clusters") ? "/clusters answer" : "config dump",
				   ns, pod);
		buf = strbuf_detach(&body, &len);
		r = config_dump_from_buffer(dump, buf, len, origin, &err) ? MESH_EXIT_ERROR : 0;
	}
	if (err.len)
		r = fail("%s", err.buf);
	free(ns);
	free(pod);
	free(origin);
	strbuf_release(&body);
	strbuf_release(&err);
	return r;
}

static int render(struct cli *cli, const struct config_type *t, const struct config_opts *o,
		  const struct config_dump *dump)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct config_view view;
	int r;

	memset(&view, 0, sizeof(view));
	view.dump = dump;
	view.format = cli->format == OUTF_JSON ? CONFIG_JSON :
		      cli->format == OUTF_YAML ? CONFIG_YAML : CONFIG_TABLE;
	clock_gettime(CLOCK_REALTIME, &view.now);
	view.f.verbose = o->verbose;
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
	struct config_dump dump;
	int r;

	memset(&dump, 0, sizeof(dump));
	if (!t)
		return cli_usage_error(cli, "unknown configuration type \"%s\"; use one of clusters, listeners, routes, endpoints, secrets, bootstrap, ecds, all, rbac",
				       argv[0]);
	r = check_filters(cli, t, o);
	if (!r && cli->opts.filenames.n > 1)
		r = cli_usage_error(cli, "give one config dump with --file");
	if (!r && argc > 1)
		r = pod_ref_parse(cli, argv[1], &pod);
	if (!r && argc > 1 && file)
		r = cli_usage_error(cli, "give either a pod or --file, not both");
	if (!r && argc < 2 && !file)
		r = cli_usage_error(cli, "give a pod (POD[.NAMESPACE] or TYPE/NAME[.NAMESPACE]) or a saved dump with --file");
	if (!r)
		r = load_dump(cli, t, file, &pod, &dump);
	if (!r)
		r = render(cli, t, o, &dump);
	config_dump_release(&dump);
	pod_ref_release(&pod);
	return r;
}
