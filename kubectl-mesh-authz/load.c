/* SPDX-License-Identifier: Apache-2.0 */
/* Loading only the namespaces that matter, from the cluster or from -f files. */
#include "commands.h"
#include "cli.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/*
 * -f: the objects of the namespaces that matter (the root namespace's
 * too), every PeerAuthentication and DestinationRule (kubectl mesh-tls
 * may need any of them) and, for who-can, every pod and service account.
 */
static int load_files(struct cli *cli, const char *const *nss, unsigned flags,
		      struct objset **out)
{
	struct obj_filter f = { nss, OBJ_BIT(OBJ_PEERAUTHENTICATION) | OBJ_BIT(OBJ_DESTINATIONRULE),
				cli_istio_namespace(cli), cli->opts.revision };
	struct strbuf err = STRBUF_INIT;

	if (flags & LOAD_EVERYTHING)
		f.everywhere |= OBJ_BIT(OBJ_POD) | OBJ_BIT(OBJ_SERVICEACCOUNT);
	*out = objset_new();
	if (objset_load_paths_filtered(*out, (const char *const *)cli->opts.filenames.v,
				       cli->opts.filenames.n, cli->opts.recursive,
				       cli_namespace(cli), &f, &err) ||
	    objset_finish(*out, f.istio_ns, f.revision, &err)) {
		objset_free(*out);
		*out = NULL;
		return authz_fail(&err);
	}
	strbuf_release(&err);
	return 0;
}

/* --- live --- */

static void add_query(struct obj_query *q, size_t *n, enum obj_kind k, const char *ns)
{
	size_t i;
	for (i = 0; i < *n; i++)
		if (q[i].kind == k && ((!q[i].namespace && !ns) ||
				       (q[i].namespace && ns && !strcmp(q[i].namespace, ns))))
			return;
	memset(&q[*n], 0, sizeof(q[*n]));
	q[*n].kind = k;
	q[*n].namespace = ns;
	(*n)++;
}

/* Namespaced kinds every command about a target reads in the namespaces that matter. */
static const unsigned ns_kinds = OBJ_BIT(OBJ_POD) | OBJ_BIT(OBJ_SERVICE) |
	OBJ_BIT(OBJ_AUTHORIZATIONPOLICY) | OBJ_BIT(OBJ_REQUESTAUTHENTICATION);

/* The kinds in the namespaces that matter, and what flags add cluster-wide. */
static size_t live_queries(struct obj_query *q, const char *const *nss, size_t nns, unsigned kinds,
			   unsigned flags)
{
	size_t n = 0, i;
	int k;

	for (k = 0; k < OBJ__COUNT; k++)
		for (i = 0; i < nns && ((ns_kinds | kinds) & OBJ_BIT(k)); i++)
			add_query(q, &n, (enum obj_kind)k, nss[i]);
	if (flags & LOAD_EVERYTHING) {
		add_query(q, &n, OBJ_POD, NULL);
		add_query(q, &n, OBJ_SERVICEACCOUNT, NULL);
	}
	if (flags & LOAD_TLS) {
		add_query(q, &n, OBJ_NAMESPACE, NULL);
		add_query(q, &n, OBJ_PEERAUTHENTICATION, NULL);
		add_query(q, &n, OBJ_DESTINATIONRULE, NULL);
	}
	return n;
}

static size_t root_queries(struct obj_query *q, size_t n, const char *root)
{
	add_query(q, &n, OBJ_AUTHORIZATIONPOLICY, root);
	add_query(q, &n, OBJ_REQUESTAUTHENTICATION, root);
	return n;
}

static int fetch(struct cli *cli, struct objset *set, struct obj_query *q, size_t n)
{
	struct strbuf err = STRBUF_INIT;
	struct kube_client *c;

	if (cli_client(cli, &c))
		return MESH_EXIT_ERROR;
	if (objset_fetch(set, c, q, n, &err) ||
	    objset_finish(set, cli_istio_namespace(cli), cli->opts.revision, &err))
		return authz_fail(&err);
	strbuf_release(&err);
	return 0;
}

int load_for_target(struct cli *cli, const char *target_ns, const char *const *extra_ns,
		    size_t nextra, unsigned kinds, unsigned flags, struct objset **out)
{
	struct obj_query q[64];
	const char *root = cli_istio_namespace(cli);
	const char *nss[9];
	char *cm;
	size_t n, i;
	int r;

	nss[0] = target_ns;
	for (i = 0; i < nextra && i + 2 < ARRAY_SIZE(nss); i++)
		nss[i + 1] = extra_ns[i];
	nss[i + 1] = NULL;
	if (cli_offline(cli))
		return load_files(cli, nss, flags, out);
	cm = mesh_configmap_name(cli->opts.revision);
	*out = objset_new();
	n = live_queries(q, nss, i + 1, kinds, flags);
	n = root_queries(q, n, root);
	memset(&q[n], 0, sizeof(q[n]));
	q[n].kind = OBJ_CONFIGMAP;
	q[n].namespace = root;
	q[n].name = cm;
	q[n++].optional = 1;
	r = fetch(cli, *out, q, n);
	if (!r && strcmp(objset_mesh(*out)->root_namespace, root)) {
		char *real = xstrdup(objset_mesh(*out)->root_namespace);
		r = fetch(cli, *out, q, root_queries(q, 0, real));
		free(real);
	}
	free(cm);
	if (r) {
		objset_free(*out);
		*out = NULL;
	}
	return r;
}

int load_what_if(struct cli *cli, const struct objset *base, const struct strlist *files,
		 struct objset **out)
{
	struct strbuf err = STRBUF_INIT;
	json_t *obj;
	size_t i;
	int k;

	*out = objset_new();
	for (k = 0; k < OBJ__COUNT; k++)
		json_array_foreach(objset_list(base, (enum obj_kind)k), i, obj)
			if (objset_add(*out, json_incref(obj), "base", &err))
				goto fail;
	objset_mark_loaded(*out, objset_loaded(base));
	if (objset_load_paths(*out, (const char *const *)files->v, files->n, cli->opts.recursive,
			      cli_namespace(cli), &err) ||
	    objset_finish(*out, cli_istio_namespace(cli), cli->opts.revision, &err))
		goto fail;
	strbuf_release(&err);
	return 0;
fail:
	objset_free(*out);
	*out = NULL;
	return authz_fail(&err);
}
