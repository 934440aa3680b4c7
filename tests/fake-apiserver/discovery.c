/* SPDX-License-Identifier: Apache-2.0 */
/* The resources the fake serves and the legacy discovery documents for them. */
#include <string.h>

#include "fake.h"
#include "xalloc.h"

#define CORE_VERBS "create delete deletecollection get list patch update watch"
#define NS_VERBS "create delete get list patch update watch"
#define CRD_VERBS "delete deletecollection get list patch create update watch"
#define POD_SUBS "log:Pod:get;exec:PodExecOptions:create get;" \
	"portforward:PodPortForwardOptions:create get;status:Pod:get patch update"
#define CRD_STATUS "status:%s:get patch update"
#define SEC_CATS "istio-io security-istio-io"
#define NET_CATS "istio-io networking-istio-io"

/* Adding a resource: one row here (and a fixture under tests/fixtures/cluster). */
static const struct resource_def resources[] = {
	{ "", "namespaces", "namespace", "Namespace", RES_BUILTIN, NS_VERBS,
	  "ns", NULL, "status:Namespace:get patch update", TABLE_NAMESPACE, NULL },
	{ "", "nodes", "node", "Node", RES_BUILTIN, CORE_VERBS, "no", NULL,
	  "status:Node:get patch update", TABLE_GENERIC, NULL },
	{ "", "pods", "pod", "Pod", RES_NAMESPACED | RES_BUILTIN, CORE_VERBS,
	  "po", "all", POD_SUBS, TABLE_POD, NULL },
	{ "", "services", "service", "Service", RES_NAMESPACED | RES_BUILTIN,
	  CORE_VERBS, "svc", "all", "status:Service:get patch update",
	  TABLE_SERVICE, NULL },
	{ "", "endpoints", "endpoints", "Endpoints", RES_NAMESPACED | RES_BUILTIN,
	  CORE_VERBS, "ep", NULL, NULL, TABLE_GENERIC, NULL },
	{ "", "serviceaccounts", "serviceaccount", "ServiceAccount",
	  RES_NAMESPACED | RES_BUILTIN, CORE_VERBS, "sa", NULL, NULL,
	  TABLE_GENERIC, NULL },
	{ "", "configmaps", "configmap", "ConfigMap", RES_NAMESPACED | RES_BUILTIN,
	  CORE_VERBS, "cm", NULL, NULL, TABLE_GENERIC, NULL },
	{ "", "secrets", "secret", "Secret", RES_NAMESPACED | RES_BUILTIN,
	  CORE_VERBS, NULL, NULL, NULL, TABLE_GENERIC, NULL },
	{ "apps", "deployments", "deployment", "Deployment",
	  RES_NAMESPACED | RES_BUILTIN, CORE_VERBS, "deploy", "all",
	  "status:Deployment:get patch update", TABLE_DEPLOYMENT, NULL },
	{ "apps", "statefulsets", "statefulset", "StatefulSet",
	  RES_NAMESPACED | RES_BUILTIN, CORE_VERBS, "sts", "all",
	  "status:StatefulSet:get patch update", TABLE_GENERIC, NULL },
	{ "apps", "daemonsets", "daemonset", "DaemonSet",
	  RES_NAMESPACED | RES_BUILTIN, CORE_VERBS, "ds", "all",
	  "status:DaemonSet:get patch update", TABLE_GENERIC, NULL },
	{ "apps", "replicasets", "replicaset", "ReplicaSet",
	  RES_NAMESPACED | RES_BUILTIN, CORE_VERBS, "rs", "all",
	  "status:ReplicaSet:get patch update", TABLE_GENERIC, NULL },
	{ "security.istio.io", "authorizationpolicies", "authorizationpolicy",
	  "AuthorizationPolicy", RES_NAMESPACED, CRD_VERBS, "ap", SEC_CATS,
	  CRD_STATUS, TABLE_CRD, "Action=.spec.action" },
	{ "security.istio.io", "peerauthentications", "peerauthentication",
	  "PeerAuthentication", RES_NAMESPACED, CRD_VERBS, "pa", SEC_CATS,
	  CRD_STATUS, TABLE_CRD, "Mode=.spec.mtls.mode" },
	{ "security.istio.io", "requestauthentications", "requestauthentication",
	  "RequestAuthentication", RES_NAMESPACED, CRD_VERBS, "ra", SEC_CATS,
	  CRD_STATUS, TABLE_CRD, NULL },
	{ "networking.istio.io", "destinationrules", "destinationrule",
	  "DestinationRule", RES_NAMESPACED, CRD_VERBS, "dr", NET_CATS,
	  CRD_STATUS, TABLE_CRD, "Host=.spec.host" },
	{ "networking.istio.io", "gateways", "gateway", "Gateway",
	  RES_NAMESPACED, CRD_VERBS, "gw", NET_CATS, CRD_STATUS, TABLE_CRD, NULL },
	{ "networking.istio.io", "serviceentries", "serviceentry", "ServiceEntry",
	  RES_NAMESPACED, CRD_VERBS, "se", NET_CATS, CRD_STATUS, TABLE_CRD,
	  "Hosts=.spec.hosts;Location=.spec.location;Resolution=.spec.resolution" },
	{ "networking.istio.io", "sidecars", "sidecar", "Sidecar",
	  RES_NAMESPACED, CRD_VERBS, NULL, NET_CATS, CRD_STATUS, TABLE_CRD, NULL },
	{ "networking.istio.io", "virtualservices", "virtualservice",
	  "VirtualService", RES_NAMESPACED, CRD_VERBS, "vs", NET_CATS,
	  CRD_STATUS, TABLE_CRD, "Gateways=.spec.gateways;Hosts=.spec.hosts" },
};

/* Served versions per --istio mode, preferred first; NULL when absent. */
static const struct {
	const char *name;
	const char *versions[3];
} groups[] = {
	{ "", { "v1", "v1", "v1" } },
	{ "apps", { "v1", "v1", "v1" } },
	{ "networking.istio.io", { "v1 v1beta1 v1alpha3", "v1beta1 v1alpha3", NULL } },
	{ "security.istio.io", { "v1 v1beta1", "v1beta1", NULL } },
};

const struct resource_def *resource_table(size_t *nr)
{
	*nr = ARRAY_SIZE(resources);
	return resources;
}

static const char *group_versions(const struct server *srv, const char *group)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(groups); i++)
		if (!strcmp(groups[i].name, group))
			return groups[i].versions[srv->istio];
	return NULL;
}

/*
 * Step through a list of words separated by sep: returns the next word
 * (with its length in *len) and advances *list, or NULL at the end.
 */
static const char *next_word(const char **list, int sep, size_t *len)
{
	const char *word = *list, *end;

	if (!word || !*word)
		return NULL;
	end = strchr(word, sep);
	*len = end ? (size_t)(end - word) : strlen(word);
	*list = end ? end + 1 : NULL;
	return word;
}

/* 1 when word is one of the space-separated words of list. */
static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word), len;
	const char *w;

	while ((w = next_word(&list, ' ', &len)))
		if (len == n && !strncmp(w, word, n))
			return 1;
	return 0;
}

int group_known(const char *group)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(groups); i++)
		if (!strcmp(groups[i].name, group))
			return 1;
	return 0;
}

int group_served(const struct server *srv, const char *group)
{
	return group_versions(srv, group) != NULL;
}

int group_version_served(const struct server *srv, const char *group,
			 const char *version)
{
	return has_word(group_versions(srv, group), version);
}

const struct resource_def *resource_lookup(const struct server *srv,
					   const char *group, const char *version,
					   const char *resource)
{
	size_t i;

	if (!group_version_served(srv, group, version))
		return NULL;
	for (i = 0; i < ARRAY_SIZE(resources); i++)
		if (!strcmp(resources[i].group, group) &&
		    !strcmp(resources[i].resource, resource))
			return &resources[i];
	return NULL;
}

const struct resource_def *resource_by_kind(const struct server *srv,
					    const char *group, const char *kind)
{
	size_t i;

	if (!group_versions(srv, group))
		return NULL;
	for (i = 0; i < ARRAY_SIZE(resources); i++)
		if (!strcmp(resources[i].group, group) &&
		    !strcmp(resources[i].kind, kind))
			return &resources[i];
	return NULL;
}

int resource_has_subresource(const struct resource_def *res, const char *sub)
{
	const char *p = res->subresources, *w;
	size_t n = strlen(sub), len;

	while ((w = next_word(&p, ';', &len)))
		if (len > n && !strncmp(w, sub, n) && w[n] == ':')
			return 1;
	return 0;
}

/* ---- documents ---- */

static json_t *words_array(const char *list)
{
	json_t *arr = json_array();
	const char *w;
	size_t len;

	while ((w = next_word(&list, ' ', &len)))
		json_array_append_new(arr, json_stringn(w, len));
	return arr;
}

static json_t *group_version_json(const char *group, const char *version, size_t len)
{
	json_t *gv = json_object();
	char *v = xstrndup(version, len);

	if (*group)
		json_object_set_new(gv, "groupVersion", json_sprintf("%s/%s", group, v));
	else
		json_object_set_new(gv, "groupVersion", json_string(v));
	json_object_set_new(gv, "version", json_string(v));
	free(v);
	return gv;
}

static json_t *api_group_json(const char *group, const char *versions)
{
	json_t *g = json_object();
	json_t *list = json_array();
	const char *w;
	size_t len;

	json_object_set_new(g, "name", json_string(group));
	while ((w = next_word(&versions, ' ', &len)))
		json_array_append_new(list, group_version_json(group, w, len));
	json_object_set_new(g, "versions", list);
	json_object_set_new(g, "preferredVersion",
			    json_deep_copy(json_array_get(list, 0)));
	return g;
}

static json_t *api_resource_json(const char *name, const char *singular,
				 int namespaced, const char *kind,
				 const char *verbs)
{
	json_t *r = json_object();

	json_object_set_new(r, "name", json_string(name));
	json_object_set_new(r, "singularName", json_string(singular));
	json_object_set_new(r, "namespaced", json_boolean(namespaced));
	json_object_set_new(r, "kind", json_string(kind));
	json_object_set_new(r, "verbs", words_array(verbs));
	return r;
}

/* Append the subresource entries ("pods/log", ...) of res to list. */
static void add_subresources(json_t *list, const struct resource_def *res)
{
	const char *p = res->subresources, *w;
	size_t len;

	while ((w = next_word(&p, ';', &len))) {
		char *entry = xstrndup(w, len);
		char *kind = strchr(entry, ':');
		char *verbs = kind ? strchr(kind + 1, ':') : NULL;

		if (verbs) {
			char *name, *k;

			*kind++ = '\0';
			*verbs++ = '\0';
			name = xasprintf("%s/%s", res->resource, entry);
			k = strcmp(kind, "%s") ? kind : (char *)res->kind;
			json_array_append_new(list, api_resource_json(name, "",
					      res->flags & RES_NAMESPACED, k, verbs));
			free(name);
		}
		free(entry);
	}
}

static json_t *resource_list_json(const char *group, const char *version)
{
	json_t *doc = json_object();
	json_t *list = json_array();
	size_t i;

	json_object_set_new(doc, "kind", json_string("APIResourceList"));
	json_object_set_new(doc, "apiVersion", json_string("v1"));
	if (*group)
		json_object_set_new(doc, "groupVersion", json_sprintf("%s/%s", group, version));
	else
		json_object_set_new(doc, "groupVersion", json_string(version));
	for (i = 0; i < ARRAY_SIZE(resources); i++) {
		const struct resource_def *res = &resources[i];
		json_t *r;

		if (strcmp(res->group, group))
			continue;
		r = api_resource_json(res->resource, res->singular,
				      res->flags & RES_NAMESPACED, res->kind,
				      res->verbs);
		if (res->short_names)
			json_object_set_new(r, "shortNames", words_array(res->short_names));
		if (res->categories)
			json_object_set_new(r, "categories", words_array(res->categories));
		json_array_append_new(list, r);
		add_subresources(list, res);
	}
	json_object_set_new(doc, "resources", list);
	return doc;
}

static json_t *api_versions_json(const struct server *srv)
{
	json_t *doc = json_object();
	json_t *addr = json_object();
	json_t *addrs = json_array();

	json_object_set_new(doc, "kind", json_string("APIVersions"));
	json_object_set_new(doc, "versions", words_array("v1"));
	json_object_set_new(addr, "clientCIDR", json_string("0.0.0.0/0"));
	json_object_set_new(addr, "serverAddress",
			    json_sprintf("127.0.0.1:%d", srv->listen_port));
	json_array_append_new(addrs, addr);
	json_object_set_new(doc, "serverAddressByClientCIDRs", addrs);
	return doc;
}

static json_t *group_list_json(const struct server *srv)
{
	json_t *doc = json_object();
	json_t *list = json_array();
	size_t i;

	json_object_set_new(doc, "kind", json_string("APIGroupList"));
	json_object_set_new(doc, "apiVersion", json_string("v1"));
	for (i = 1; i < ARRAY_SIZE(groups); i++)
		if (groups[i].versions[srv->istio])
			json_array_append_new(list, api_group_json(groups[i].name,
					      groups[i].versions[srv->istio]));
	json_object_set_new(doc, "groups", list);
	return doc;
}

static json_t *discovery_doc(const struct server *srv, const struct reqinfo *ri)
{
	const char *versions;
	json_t *g, *body;

	if (!strcmp(ri->prefix, "api")) {
		if (ri->nr_parts == 1)
			return api_versions_json(srv);
		if (ri->nr_parts == 2 && !strcmp(ri->parts[1], "v1"))
			return resource_list_json("", "v1");
		return NULL;
	}
	if (ri->nr_parts == 1)
		return group_list_json(srv);
	versions = group_versions(srv, ri->parts[1]);
	if (!versions || !*ri->parts[1] || ri->nr_parts > 3)
		return NULL;
	if (ri->nr_parts == 3)
		return has_word(versions, ri->parts[2]) ?
			resource_list_json(ri->parts[1], ri->parts[2]) : NULL;
	g = json_object();
	json_object_set_new(g, "kind", json_string("APIGroup"));
	json_object_set_new(g, "apiVersion", json_string("v1"));
	body = api_group_json(ri->parts[1], versions);
	json_object_update(g, body);
	json_decref(body);
	return g;
}

int discovery_handle(const struct server *srv, const struct reqinfo *ri,
		     struct response *resp)
{
	json_t *doc;
	char *text;

	if (!ri->prefix || ri->nr_parts > 3 ||
	    (!strcmp(ri->prefix, "api") && ri->nr_parts > 2))
		return -1;
	doc = discovery_doc(srv, ri);
	if (!doc) {
		respond_not_found_path(resp);
		return 0;
	}
	text = json_dumps(doc, JSON_COMPACT);
	response_json(resp, 200, text);
	free(text);
	json_decref(doc);
	return 0;
}
