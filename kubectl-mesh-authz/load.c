/* SPDX-License-Identifier: Apache-2.0 */
/* Loading only the namespaces that matter, from the cluster or from -f files. */
#include "commands.h"
#include "cli.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

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
	unsigned everywhere = OBJ_BIT(OBJ_PEERAUTHENTICATION) | OBJ_BIT(OBJ_DESTINATIONRULE);
	char *cm;
	size_t n, i;
	int r;

	nss[0] = target_ns;
	for (i = 0; i < nextra && i + 2 < ARRAY_SIZE(nss); i++)
		nss[i + 1] = extra_ns[i];
	nss[i + 1] = NULL;
	/*
	 * -f: every PeerAuthentication and DestinationRule too (kubectl
	 * mesh-tls may need any of them) and, for who-can, every pod and
	 * service account.
	 */
	if (flags & LOAD_EVERYTHING)
		everywhere |= OBJ_BIT(OBJ_POD) | OBJ_BIT(OBJ_SERVICEACCOUNT);
	if (cli_offline(cli))
		return cli_load_files_filtered(cli, nss, everywhere, out);
	*out = objset_new();
	n = live_queries(q, nss, i + 1, kinds, flags);
	n = root_queries(q, n, root);
	cli_istio_configmap_query(cli, &q[n++], &cm);
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
