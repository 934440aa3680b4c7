/* SPDX-License-Identifier: Apache-2.0 */
/* What the mesh-tls commands share: parsing object references, loading and indexing the mesh. */
#include "commands.h"
#include "xalloc.h"

#include <string.h>

const char *tls_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

void tls_ref_release(struct tls_ref *r)
{
	free(r->name);
	free(r->ns);
	free(r->port);
	memset(r, 0, sizeof(*r));
}

static const char *kinds_words(unsigned kinds)
{
	if (kinds == OBJ_BIT(OBJ_SERVICE))
		return "svc/NAME";
	if (kinds & OBJ_BIT(OBJ_SERVICE))
		return "pod/NAME, deploy/NAME, sts/NAME, ds/NAME or svc/NAME";
	return "pod/NAME, deploy/NAME, sts/NAME or ds/NAME";
}

int tls_parse_ref(struct cli *cli, const char *what, const char *text, unsigned kinds,
		  int want_port, struct tls_ref *out)
{
	const char *slash = strchr(text, '/'), *colon;
	char *kind, *name;
	int k;

	memset(out, 0, sizeof(*out));
	kind = slash ? xstrndup(text, (size_t)(slash - text)) : NULL;
	k = kind ? obj_kind_lookup(kind) : -1;
	free(kind);
	colon = slash ? strrchr(slash, ':') : NULL;
	if (k < 0 || !(kinds & OBJ_BIT(k)) || !slash[1] || slash[1] == ':' || slash[1] == '.' ||
	    (want_port && (!colon || !colon[1])) || (!want_port && colon))
		return cli_usage_error(cli, "%s must be %s%s (NAME.NAMESPACE also works), got \"%s\"",
				       what, kinds_words(kinds), want_port ? ":PORT" : "", text);
	out->kind = (enum obj_kind)k;
	name = colon ? xstrndup(slash + 1, (size_t)(colon - slash - 1)) : xstrdup(slash + 1);
	cli_split_name_ns(name, &out->name, &out->ns);
	free(name);
	if (!out->ns)
		out->ns = xstrdup(cli_namespace(cli));
	out->port = colon ? xstrdup(colon + 1) : NULL;
	return 0;
}

static void print_warnings(struct cli *cli, const struct strbuf *warn)
{
	const char *p = warn->buf;

	if (cli->opts.verbosity < 1)
		return;
	while (*p) {
		const char *nl = strchrnul(p, '\n');
		warning("%.*s", (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

struct tls_mesh *tls_index(struct cli *cli, struct objset *set)
{
	struct strbuf warn = STRBUF_INIT, err = STRBUF_INIT;
	struct tls_mesh *mesh = tls_mesh_new(set, &warn, &err);

	print_warnings(cli, &warn);
	if (!mesh)
		report_error(err.buf);
	strbuf_release(&warn);
	strbuf_release(&err);
	return mesh;
}

/* Live: lists of every kind in the mask; pods and services only in nss when given. */
static size_t live_queries(struct cli *cli, unsigned kinds, const char *const *nss,
			   struct obj_query *q, size_t max, char **cm_name)
{
	size_t n = 0, i;
	int k;

	for (k = 0; k < OBJ__COUNT && n < max; k++) {
		int scoped = nss && (k == OBJ_POD || k == OBJ_SERVICE || k == OBJ_DEPLOYMENT ||
				     k == OBJ_STATEFULSET || k == OBJ_DAEMONSET);
		if (!(kinds & OBJ_BIT(k)) || k == OBJ_CONFIGMAP)
			continue;
		for (i = 0; (scoped ? nss[i] != NULL : i == 0) && n < max; i++) {
			if (scoped && i && !strcmp(nss[i], nss[0]))
				continue;
			memset(&q[n], 0, sizeof(q[n]));
			q[n].kind = (enum obj_kind)k;
			q[n++].namespace = scoped ? nss[i] : NULL;
		}
	}
	cli_istio_configmap_query(cli, &q[n], cm_name);
	return n + 1;
}

static int load_live(struct cli *cli, unsigned kinds, const char *const *nss,
		     struct objset **out)
{
	struct obj_query q[2 * OBJ__COUNT + 2];
	struct strbuf err = STRBUF_INIT;
	struct kube_client *c;
	struct objset *set;
	char *cm_name = NULL;
	size_t n;
	int r;

	if (cli_client(cli, &c))
		return MESH_EXIT_ERROR;
	set = objset_new();
	n = live_queries(cli, kinds | OBJ_BIT(OBJ_NAMESPACE), nss, q, ARRAY_SIZE(q) - 1, &cm_name);
	r = objset_fetch(set, c, q, n, &err);
	free(cm_name);
	return cli_finish_load(cli, set, r, &err, out);
}

int tls_load(struct cli *cli, unsigned kinds, const char *const *nss, int all_rules,
	     struct objset **set, struct tls_mesh **mesh)
{
	int r;

	kinds |= OBJ_BIT(OBJ_NAMESPACE) | OBJ_BIT(OBJ_POD) | OBJ_BIT(OBJ_SERVICE) |
		 OBJ_BIT(OBJ_PEERAUTHENTICATION) | OBJ_BIT(OBJ_DESTINATIONRULE);
	if (!nss)
		r = cli_load_objects(cli, kinds, NULL, set);
	else if (cli_offline(cli))
		r = cli_load_files_filtered(cli, nss, all_rules ? OBJ_BIT(OBJ_DESTINATIONRULE) : 0, set);
	else
		r = load_live(cli, kinds, nss, set);
	if (r)
		return r;
	*mesh = tls_index(cli, *set);
	if (!*mesh) {
		objset_free(*set);
		*set = NULL;
		return MESH_EXIT_ERROR;
	}
	return 0;
}

json_t *tls_ref_pods(struct cli *cli, struct tls_mesh *mesh, const struct tls_ref *r)
{
	struct strbuf err = STRBUF_INIT;
	json_t *pods = tls_workload_pods(mesh, r->kind, r->ns, r->name, !cli_offline(cli), &err);
	if (!pods)
		report_error(err.buf);
	strbuf_release(&err);
	return pods;
}
