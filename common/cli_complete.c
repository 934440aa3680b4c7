/* SPDX-License-Identifier: Apache-2.0 */
/* The hidden __complete command: cobra's protocol, with live names. */
#include "cli_priv.h"
#include "kube.h"
#include "kubeconfig.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* cobra's directive bits */
#define DIR_NOSPACE 2
#define DIR_NOFILE 4
#define DIR_FILTERDIRS 16

/* Completion never waits long for the cluster. */
#define COMPLETE_TIMEOUT_MS 3000

struct cands {
	struct strbuf out;
	const char *prefix;
	int descriptions;
	int directive;
};

static void cand(struct cands *c, const char *word, const char *desc)
{
	if (!starts_with(word, c->prefix))
		return;
	strbuf_addstr(&c->out, word);
	if (c->descriptions && desc && *desc)
		strbuf_addf(&c->out, "\t%s", desc);
	strbuf_addch(&c->out, '\n');
}

/* What the words before the current one say. */
struct scan {
	const struct cmd_entry *cmd;
	const struct cli_option *pending; /* the previous word is this flag, awaiting its value */
	int npos;                        /* positional arguments after the subcommand */
	struct mesh_opts *opts;          /* global flags seen so far */
};

static const struct cli_option *find_opt(const struct cli_option *tab, const char *name,
					 size_t len, char sh)
{
	for (; tab && tab->long_name; tab++) {
		if (sh ? tab->short_name == sh :
			 strlen(tab->long_name) == len && !strncmp(tab->long_name, name, len))
			return tab;
	}
	return NULL;
}

static const struct cli_option *any_opt(const struct scan *s, const char *name, size_t len,
					char sh)
{
	const struct cli_option *o = s->cmd ? find_opt(s->cmd->options, name, len, sh) : NULL;
	return o ? o : find_opt(cli_global_options, name, len, sh);
}

static int is_global(const struct cli_option *o)
{
	const struct cli_option *g;
	for (g = cli_global_options; g->long_name; g++)
		if (g == o)
			return 1;
	return 0;
}

/* Record the value of a global string flag that matters for live lookups. */
static void remember(struct scan *s, const struct cli_option *o, const char *val)
{
	char **field;
	if (o->type != CLI_STRING || !is_global(o))
		return;
	field = (char **)(void *)((char *)s->opts + o->offset);
	free(*field);
	*field = xstrdup(val);
}

static void scan_words(struct cli *cli, struct scan *s, int argc, char **argv)
{
	int i;
	for (i = 0; i < argc; i++) {
		const char *w = argv[i];
		if (s->pending) {
			remember(s, s->pending, w);
			s->pending = NULL;
			continue;
		}
		if (w[0] == '-' && w[1]) {
			const char *name = w + (w[1] == '-' ? 2 : 1);
			const char *eq = strchr(name, '=');
			const struct cli_option *o = w[1] == '-' ?
				any_opt(s, name, eq ? (size_t)(eq - name) : strlen(name), 0) :
				any_opt(s, NULL, 0, name[strlen(name) - 1]);
			if (o && o->type != CLI_BOOL && !eq && (w[1] == '-' || strlen(name) == 1))
				s->pending = o;
			else if (o && eq)
				remember(s, o, eq + 1);
			continue;
		}
		if (!s->cmd) {
			const struct cmd_entry *c;
			for (c = cli->prog->commands; c->name; c++)
				if (!strcmp(c->name, w))
					s->cmd = c;
			continue;
		}
		s->npos++;
	}
}

static void complete_flags(struct cands *c, const struct cli_option *tab)
{
	for (; tab && tab->long_name; tab++) {
		char *w;
		if (tab->hidden)
			continue;
		w = xasprintf("--%s", tab->long_name);
		cand(c, w, tab->help);
		free(w);
	}
}

/* Names from a live list, each printed as PREFIXNAME. */
static void live_names(struct cli *cli, struct cands *c, const char *path, const char *prefix)
{
	struct kube_client *client;
	struct kube_req r = KUBE_REQ_INIT;
	json_t *item;
	size_t i;

	if (!cli->opts.request_timeout)
		cli->timeout_ms = COMPLETE_TIMEOUT_MS;
	if (cli_client(cli, &client))
		return;
	kube_req_init(&r, "%s", path);
	r.paginate = 1;
	if (!kube_run(client, &r, 1)) {
		json_array_foreach(json_object_get(r.result, "items"), i, item) {
			const char *name = json_string_value(
				json_object_get(json_object_get(item, "metadata"), "name"));
			if (name) {
				char *w = xasprintf("%s%s", prefix, name);
				cand(c, w, NULL);
				free(w);
			}
		}
	}
	kube_req_release(&r);
}

static void ns_path(struct cli *cli, struct strbuf *p, const char *group_version,
		    const char *resource)
{
	strbuf_addf(p, "%s/namespaces/%s/%s", group_version, cli_namespace(cli), resource);
}

static const struct {
	const char *prefix;
	const char *gv;
	const char *resource;
} typed[] = {
	{ "pod/", "/api/v1", "pods" },
	{ "deploy/", "/apis/apps/v1", "deployments" },
	{ "deployment/", "/apis/apps/v1", "deployments" },
	{ "sts/", "/apis/apps/v1", "statefulsets" },
	{ "ds/", "/apis/apps/v1", "daemonsets" },
	{ "svc/", "/api/v1", "services" },
	{ "sa/", "/api/v1", "serviceaccounts" },
};

/* TYPE/NAME arguments: the type prefixes first, then names of the typed one. */
static void complete_typed(struct cli *cli, struct cands *c, const char *const *allowed)
{
	size_t i;
	const char *const *a;

	if (!strchr(c->prefix, '/')) {
		for (a = allowed; *a; a++)
			cand(c, *a, NULL);
		c->directive |= DIR_NOSPACE;
		return;
	}
	for (i = 0; i < ARRAY_SIZE(typed); i++) {
		struct strbuf p = STRBUF_INIT;
		int ok = 0;
		for (a = allowed; *a; a++)
			ok |= !strcmp(*a, typed[i].prefix);
		if (!ok || !starts_with(c->prefix, typed[i].prefix))
			continue;
		ns_path(cli, &p, typed[i].gv, typed[i].resource);
		live_names(cli, c, p.buf, typed[i].prefix);
		strbuf_release(&p);
	}
}

static void complete_kubeconfig_names(struct cli *cli, struct cands *c, const char *list)
{
	struct strbuf err = STRBUF_INIT;
	json_t *merged = kubeconfig_load_merged(cli->opts.kubeconfig, &err);
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(merged, list), i, e)
		if (json_is_string(json_object_get(e, "name")))
			cand(c, json_string_value(json_object_get(e, "name")), NULL);
	json_decref(merged);
	strbuf_release(&err);
}

static void complete_kind(struct cli *cli, struct cands *c, enum cli_complete kind,
			  const char *const *words)
{
	static const char *const workloads[] = { "pod/", "deploy/", "sts/", "ds/", NULL };
	static const char *const targets[] = { "pod/", "deploy/", "sts/", "ds/", "svc/", NULL };
	static const char *const services[] = { "svc/", NULL };
	static const char *const sas[] = { "sa/", NULL };
	const char *const *w;
	struct strbuf p = STRBUF_INIT;

	switch (kind) {
	case COMPLETE_FILE:
		c->directive = 0;
		break;
	case COMPLETE_CONTEXT:
		complete_kubeconfig_names(cli, c, "contexts");
		break;
	case COMPLETE_CLUSTER:
		complete_kubeconfig_names(cli, c, "clusters");
		break;
	case COMPLETE_USER:
		complete_kubeconfig_names(cli, c, "users");
		break;
	case COMPLETE_NAMESPACE:
		live_names(cli, c, "/api/v1/namespaces", "");
		break;
	case COMPLETE_POD:
		ns_path(cli, &p, "/api/v1", "pods");
		live_names(cli, c, p.buf, "");
		break;
	case COMPLETE_SERVICE:
		complete_typed(cli, c, services);
		break;
	case COMPLETE_WORKLOAD:
		complete_typed(cli, c, workloads);
		break;
	case COMPLETE_TARGET:
		complete_typed(cli, c, targets);
		break;
	case COMPLETE_SA:
		complete_typed(cli, c, sas);
		break;
	case COMPLETE_WORDS:
		for (w = words; w && *w; w++)
			cand(c, *w, NULL);
		break;
	case COMPLETE_NONE:
		break;
	}
	strbuf_release(&p);
}

/* -o: only the formats this command prints. */
static void complete_formats(struct cands *c, unsigned formats)
{
	const struct cli_format *f;
	for (f = cli_formats; f->name; f++)
		if (formats & f->bit)
			cand(c, f->name, NULL);
}

int cli_complete(struct cli *cli, int argc, char **argv, int with_descriptions)
{
	struct cands c = { STRBUF_INIT, "", with_descriptions, DIR_NOFILE };
	struct scan s = { NULL, NULL, 0, &cli->opts };
	const char *cur = argc > 0 ? argv[argc - 1] : "";
	FILE *devnull = fopen("/dev/null", "w");

	/* Errors must never reach the candidate list, nor the terminal. */
	mesh_stderr = devnull;
	scan_words(cli, &s, argc > 0 ? argc - 1 : 0, argv);
	c.prefix = cur;
	if (s.pending && s.pending->short_name == 'o' && s.cmd) {
		complete_formats(&c, s.cmd->formats);
	} else if (s.pending) {
		complete_kind(cli, &c, s.pending->complete, s.pending->words);
	} else if (cur[0] == '-') {
		const char *eq = strchr(cur, '=');
		if (eq && cur[1] == '-') {
			const struct cli_option *o =
				any_opt(&s, cur + 2, (size_t)(eq - cur - 2), 0);
			struct cands sub = { STRBUF_INIT, eq + 1, with_descriptions, DIR_NOFILE };
			if (o) {
				const char *line;
				complete_kind(cli, &sub, o->complete, o->words);
				for (line = sub.out.buf; *line;) {
					const char *nl = strchr(line, '\n');
					strbuf_addf(&c.out, "%.*s%.*s\n", (int)(eq + 1 - cur), cur,
						    (int)(nl - line), line);
					line = nl + 1;
				}
				c.directive = sub.directive;
			}
			strbuf_release(&sub.out);
		} else {
			if (s.cmd)
				complete_flags(&c, s.cmd->options);
			complete_flags(&c, cli_global_options);
		}
	} else if (!s.cmd) {
		const struct cmd_entry *e;
		for (e = cli->prog->commands; e->name; e++)
			if (!e->hidden)
				cand(&c, e->name, e->summary);
	} else if (s.npos < 3 && (s.cmd->max_args < 0 || s.npos < s.cmd->max_args)) {
		complete_kind(cli, &c, s.cmd->arg_complete[s.npos],
			      s.npos == 0 ? s.cmd->arg_words : NULL);
	}
	fwrite(c.out.buf, 1, c.out.len, stdout);
	printf(":%d\n", c.directive);
	strbuf_release(&c.out);
	mesh_stderr = NULL;
	if (devnull)
		fclose(devnull);
	return 0;
}
