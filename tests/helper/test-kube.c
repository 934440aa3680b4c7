/* SPDX-License-Identifier: Apache-2.0 */
/* test-common kube: drive the API client (get, paged list, batch) against a server. */
#include "kube.h"
#include "kube_priv.h"
#include "kubeconfig.h"
#include "test-common.h"
#include "usage.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct kube_test_opts {
	struct kc_args kc;
	struct kube_client_opts client;
	unsigned limit;
	long body_cap;
	const char *what;
	const char *method;
	const char *data;
	const char *drop_prefix;
	int raw;
	int paginate;
};

static const char usage_text[] =
	"usage: test-common kube [--kubeconfig F] [--context C] [--server URL] [--token T]\n"
	"       [--insecure-skip-tls-verify] [--disable-compression] [--request-timeout T]\n"
	"       [-v N] [--as U] [--as-group G]... [--as-uid U] [--user-agent UA]\n"
	"       [--max-retries N] [--limit N] [--paginate] [--body-cap BYTES] [--what TEXT]\n"
	"       [--raw] [--method M] [--data BODY] [--drop-prefix P]\n"
	"       (get PATH | list PATH | batch PATH...)\n";

/* A bare integer is seconds; otherwise N followed by ms, s, m or h. */
static long parse_timeout_ms(const char *s)
{
	static const struct {
		const char *unit;
		long ms;
	} units[] = { { "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 } };
	char *end;
	long v = strtol(s, &end, 10);
	size_t i;

	for (i = 0; end != s && v >= 0 && i < ARRAY_SIZE(units); i++)
		if (!strcmp(end, units[i].unit))
			return v * units[i].ms;
	return -1;
}

/* Options that take a value; returns the number of argv words used, 0 when unknown. */
static int parse_valued(struct kube_test_opts *o, const char *name, const char *v)
{
	if (!strcmp(name, "--request-timeout"))
		o->client.timeout_ms = parse_timeout_ms(v);
	else if (!strcmp(name, "-v"))
		o->client.verbosity = atoi(v);
	else if (!strcmp(name, "--user-agent"))
		o->client.user_agent = v;
	else if (!strcmp(name, "--max-retries"))
		o->client.max_retries = atoi(v);
	else if (!strcmp(name, "--limit"))
		o->limit = (unsigned)strtoul(v, NULL, 10);
	else if (!strcmp(name, "--body-cap"))
		o->body_cap = strtol(v, NULL, 10);
	else if (!strcmp(name, "--what"))
		o->what = v;
	else if (!strcmp(name, "--method"))
		o->method = v;
	else if (!strcmp(name, "--data"))
		o->data = v;
	else if (!strcmp(name, "--drop-prefix"))
		o->drop_prefix = v;
	else
		return 0;
	return 2;
}

/* Returns the index of the command word, or -1 after printing usage. */
static int parse_opts(struct kube_test_opts *o, int argc, char **argv)
{
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		int used = 0, kc = kc_args_parse_one(&o->kc, argc, argv, &i);

		if (kc > 0)
			continue;
		if (!kc && !strcmp(argv[i], "--raw"))
			o->raw = used = 1;
		else if (!kc && !strcmp(argv[i], "--paginate"))
			o->paginate = used = 1;
		else if (!kc && i + 1 < argc)
			used = parse_valued(o, argv[i], argv[i + 1]);
		if (!used || o->client.timeout_ms < 0) {
			fputs(usage_text, stderr);
			return -1;
		}
		i += used;
	}
	if (i >= argc || (strcmp(argv[i], "batch") && i + 2 != argc)) {
		fputs(usage_text, stderr);
		return -1;
	}
	return i;
}

/* The item filter: drop names starting with the prefix, and managedFields from the rest. */
static int drop_by_prefix(json_t *item, void *prefix)
{
	json_t *meta = json_object_get(item, "metadata");
	const char *name = json_string_value(json_object_get(meta, "name"));

	if (name && starts_with(name, prefix))
		return 1;
	json_object_del(meta, "managedFields");
	return 0;
}

/* "get pods" from the last path segment, as kubectl names a request. */
static char *default_what(const char *path)
{
	size_t len = strcspn(path, "?");
	size_t start = len;

	while (start && path[start - 1] != '/')
		start--;
	return xasprintf("get %.*s", (int)(len - start), path + start);
}

static void setup_req(struct kube_req *r, const struct kube_test_opts *o, const char *path,
		      int paginate, char **what)
{
	kube_req_init(r, "%s", path);
	*what = o->what ? xstrdup(o->what) : default_what(path);
	r->what = *what;
	r->paginate = paginate;
	r->limit = o->limit;
	r->raw = o->raw;
	r->method = o->method;
	if (o->data) {
		r->req_body = o->data;
		r->req_body_len = strlen(o->data);
	}
	if (o->drop_prefix) {
		r->item_filter = drop_by_prefix;
		r->filter_data = (void *)o->drop_prefix;
	}
}

static void print_list(const struct kube_req *r)
{
	json_t *items = json_object_get(r->result, "items"), *item;
	size_t i;

	printf("kind=%s items=%zu pages=%d retries=%d\n",
	       json_string_value(json_object_get(r->result, "kind")),
	       json_array_size(items), r->pages, r->retries);
	json_array_foreach(items, i, item) {
		json_t *meta = json_object_get(item, "metadata");
		const char *ns = json_string_value(json_object_get(meta, "namespace"));
		printf("%s%s%s\n", ns ? ns : "", ns ? "/" : "",
		       json_string_value(json_object_get(meta, "name")));
	}
}

static void print_result(const struct kube_req *r, const char *cmd)
{
	char *text;

	if (r->raw) {
		fwrite(r->body.buf, 1, r->body.len, stdout);
		return;
	}
	if (!strcmp(cmd, "list")) {
		print_list(r);
		return;
	}
	text = json_dumps(r->result, JSON_COMPACT | JSON_SORT_KEYS);
	printf("%s\n", text);
	free(text);
}

static void print_batch_line(const struct kube_req *r)
{
	printf("%s status=%ld pages=%d retries=%d ", r->path, r->status, r->pages, r->retries);
	if (r->failed)
		printf("failed\n");
	else if (json_is_array(json_object_get(r->result, "items")))
		printf("items=%zu\n", json_array_size(json_object_get(r->result, "items")));
	else
		printf("object\n");
}

static int run(struct kube_client *c, const struct kube_test_opts *o, int argc, char **argv)
{
	const char *cmd = argv[0];
	int batch = !strcmp(cmd, "batch"), ret = MESH_EXIT_OK;
	size_t n = (size_t)argc - 1, i;
	struct kube_req *reqs = xcalloc(n ? n : 1, sizeof(*reqs));
	char **whats = xcalloc(n ? n : 1, sizeof(*whats));

	for (i = 0; i < n; i++)
		setup_req(&reqs[i], o, argv[i + 1],
			  o->paginate || batch || !strcmp(cmd, "list"), &whats[i]);
	kube_run(c, reqs, n);
	for (i = 0; i < n; i++) {
		if (batch)
			print_batch_line(&reqs[i]);
		else if (!reqs[i].failed)
			print_result(&reqs[i], cmd);
	}
	fflush(stdout);
	for (i = 0; i < n; i++) {
		if (reqs[i].failed)
			ret = report_error(reqs[i].err.buf);
		kube_req_release(&reqs[i]);
		free(whats[i]);
	}
	free(reqs);
	free(whats);
	return ret;
}

int cmd__kube(int argc, char **argv)
{
	struct kube_test_opts o = { .kc = KC_ARGS_INIT };
	struct kube_config cfg;
	struct kube_client *c = NULL;
	struct strbuf err = STRBUF_INIT;
	int at = parse_opts(&o, argc, argv), ret = MESH_EXIT_ERROR;

	memset(&cfg, 0, sizeof(cfg));
	if (at < 0)
		return MESH_EXIT_ERROR;
	if (kubeconfig_resolve(&o.kc.fl, &cfg, &err) ||
	    !(c = kube_client_new(&cfg, &o.client, &err))) {
		ret = report_error(err.buf);
		goto out;
	}
	if (o.body_cap > 0)
		c->body_cap = (size_t)o.body_cap;
	ret = run(c, &o, argc - at, argv + at);
out:
	kube_client_free(c);
	kube_config_release(&cfg);
	strbuf_release(&err);
	return ret;
}
