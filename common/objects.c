/* SPDX-License-Identifier: Apache-2.0 */
/* The kinds the suite reads, field accessors, and pruning of unread fields. */
#include "objects.h"
#include "rfc3339.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const core_versions[] = { "v1", NULL };
static const char *const security_versions[] = { "v1", "v1beta1", NULL };
static const char *const networking_versions[] = { "v1", "v1beta1", "v1alpha3", NULL };

static const struct obj_kind_info kinds[OBJ__COUNT] = {
	[OBJ_NAMESPACE] = { "Namespace", "namespaces", "namespace", "ns",
			    "", core_versions, 0 },
	[OBJ_POD] = { "Pod", "pods", "pod", "po", "", core_versions, 1 },
	[OBJ_SERVICE] = { "Service", "services", "service", "svc",
			  "", core_versions, 1 },
	[OBJ_SERVICEACCOUNT] = { "ServiceAccount", "serviceaccounts", "serviceaccount",
				 "sa", "", core_versions, 1 },
	[OBJ_CONFIGMAP] = { "ConfigMap", "configmaps", "configmap", "cm",
			    "", core_versions, 1 },
	[OBJ_DEPLOYMENT] = { "Deployment", "deployments", "deployment", "deploy",
			     "apps", core_versions, 1 },
	[OBJ_STATEFULSET] = { "StatefulSet", "statefulsets", "statefulset", "sts",
			      "apps", core_versions, 1 },
	[OBJ_DAEMONSET] = { "DaemonSet", "daemonsets", "daemonset", "ds",
			    "apps", core_versions, 1 },
	[OBJ_PEERAUTHENTICATION] = { "PeerAuthentication", "peerauthentications",
				     "peerauthentication", "pa", "security.istio.io",
				     security_versions, 1 },
	[OBJ_DESTINATIONRULE] = { "DestinationRule", "destinationrules", "destinationrule",
				  "dr", "networking.istio.io", networking_versions, 1 },
	[OBJ_AUTHORIZATIONPOLICY] = { "AuthorizationPolicy", "authorizationpolicies",
				      "authorizationpolicy", "ap", "security.istio.io",
				      security_versions, 1 },
	[OBJ_REQUESTAUTHENTICATION] = { "RequestAuthentication", "requestauthentications",
					"requestauthentication", "ra", "security.istio.io",
					security_versions, 1 },
};

const struct obj_kind_info *obj_kind_info(enum obj_kind k)
{
	if ((unsigned)k >= OBJ__COUNT)
		return NULL;
	return &kinds[k];
}

static int word_is(const char *word, const char *name, size_t len)
{
	return word && strlen(word) == len && !strncasecmp(word, name, len);
}

static int names_kind(const struct obj_kind_info *ki, const char *name, size_t len)
{
	return word_is(ki->kind, name, len) || word_is(ki->resource, name, len) ||
	       word_is(ki->singular, name, len) || word_is(ki->short_name, name, len);
}

static int has_version(const struct obj_kind_info *ki, const char *v, size_t len)
{
	const char *const *p;
	for (p = ki->versions; *p; p++)
		if (word_is(*p, v, len))
			return 1;
	return 0;
}

/* "GROUP" or "VERSION.GROUP" after the name in "deployments.apps". */
static int names_group(const struct obj_kind_info *ki, const char *rest)
{
	const char *dot;
	if (!*ki->group)
		return 0;
	if (!strcasecmp(rest, ki->group))
		return 1;
	dot = strchr(rest, '.');
	return dot && has_version(ki, rest, dot - rest) && !strcasecmp(dot + 1, ki->group);
}

int obj_kind_lookup(const char *name)
{
	const char *dot = strchr(name, '.');
	size_t len = dot ? (size_t)(dot - name) : strlen(name);
	int k;

	for (k = 0; k < OBJ__COUNT; k++) {
		if (!names_kind(&kinds[k], name, len))
			continue;
		if (!dot || names_group(&kinds[k], dot + 1))
			return k;
	}
	return -1;
}

int obj_kind_of(const char *api_version, const char *kind)
{
	const char *slash = strchr(api_version, '/');
	size_t group_len = slash ? (size_t)(slash - api_version) : 0;
	const char *version = slash ? slash + 1 : api_version;
	int k;

	for (k = 0; k < OBJ__COUNT; k++) {
		const struct obj_kind_info *ki = &kinds[k];
		if (!strcmp(ki->kind, kind) && strlen(ki->group) == group_len &&
		    !strncmp(ki->group, api_version, group_len) &&
		    has_version(ki, version, strlen(version)))
			return k;
	}
	return -1;
}

const char *obj_name(json_t *obj)
{
	return json_string_value(obj_path(obj, "metadata.name"));
}

const char *obj_namespace(json_t *obj)
{
	return json_string_value(obj_path(obj, "metadata.namespace"));
}

json_t *obj_labels(json_t *obj)
{
	json_t *l = obj_path(obj, "metadata.labels");
	return json_is_object(l) ? l : NULL;
}

const char *obj_label(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj_labels(obj), key));
}

const char *obj_annotation(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj_path(obj, "metadata.annotations"), key));
}

/* An array index in a dotted path: only plain decimal digits. */
static int path_index(const char *s, size_t len, size_t *out)
{
	size_t i, v = 0;
	if (!len || len > 9)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

json_t *obj_path(json_t *obj, const char *dotted)
{
	const char *p = dotted;

	while (obj && *p) {
		const char *end = strchrnul(p, '.');
		size_t len = (size_t)(end - p), idx;

		if (json_is_object(obj))
			obj = json_object_getn(obj, p, len);
		else if (json_is_array(obj) && !path_index(p, len, &idx))
			obj = json_array_get(obj, idx);
		else
			return NULL;
		p = *end ? end + 1 : end;
	}
	return obj;
}

long long obj_created(json_t *obj)
{
	const char *ts = json_string_value(obj_path(obj, "metadata.creationTimestamp"));
	time_t t;

	if (!ts || rfc3339_parse(ts, strlen(ts), 0, &t) || t < 0)
		return 0;
	return (long long)t;
}

int obj_container_port(json_t *pod, const char *name)
{
	json_t *c, *p;
	size_t i, j;

	json_array_foreach(obj_path(pod, "spec.containers"), i, c)
		json_array_foreach(json_object_get(c, "ports"), j, p) {
			const char *pn = json_string_value(json_object_get(p, "name"));
			if (pn && !strcmp(pn, name))
				return (int)json_integer_value(json_object_get(p, "containerPort"));
		}
	return -1;
}

int obj_pod_has_istio_proxy(json_t *pod)
{
	static const char *const lists[] = { "spec.containers", "spec.initContainers" };
	size_t k, i;
	json_t *c;

	for (k = 0; k < ARRAY_SIZE(lists); k++)
		json_array_foreach(obj_path(pod, lists[k]), i, c) {
			const char *name = json_string_value(json_object_get(c, "name"));
			if (name && !strcmp(name, "istio-proxy"))
				return 1;
		}
	return 0;
}

json_t *obj_service_port(json_t *svc, int port)
{
	json_t *sp;
	size_t i;

	json_array_foreach(obj_path(svc, "spec.ports"), i, sp)
		if (json_integer_value(json_object_get(sp, "port")) == port)
			return sp;
	return NULL;
}

int obj_target_port(json_t *sp, json_t *pod)
{
	json_t *tp = json_object_get(sp, "targetPort");
	const char *name = json_string_value(tp);

	if (!tp)
		return (int)json_integer_value(json_object_get(sp, "port"));
	if (json_is_integer(tp))
		return (int)json_integer_value(tp);
	if (!name)
		return -1;
	if (*name && !name[strspn(name, "0123456789")])
		return atoi(name);
	return pod ? obj_container_port(pod, name) : -1;
}

/*
 * Pruning.  A pod keeps only what the reports read; pruned objects are
 * rebuilt rather than trimmed in place, because a jansson object never
 * shrinks its hash table and a live pod's spec has dozens of fields.
 */
static const char *const pod_top_keep[] = {
	"apiVersion", "kind", "metadata", "spec", "status", NULL
};
static const char *const pod_meta_keep[] = {
	"name", "namespace", "labels", "annotations", "uid", "creationTimestamp",
	"ownerReferences", NULL
};
static const char *const pod_spec_keep[] = {
	"containers", "initContainers", "serviceAccountName", "serviceAccount",
	"hostNetwork", "nodeName", NULL
};
static const char *const container_keep[] = {
	"name", "image", "ports", "restartPolicy", NULL
};
static const char *const pod_status_keep[] = {
	"phase", "podIP", "podIPs", "hostIP", "containerStatuses", NULL
};
static const char *const container_status_keep[] = {
	"name", "ready", "image", NULL
};

#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

static int kept(const char *const *keep, const char *key)
{
	for (; *keep; keep++)
		if (!strcmp(*keep, key))
			return 1;
	return 0;
}

static int needs_pruning(json_t *obj, const char *const *keep)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
		if (!kept(keep, key))
			return 1;
	return 0;
}

/* A new object holding only the kept fields of obj. */
static json_t *pruned_copy(json_t *obj, const char *const *keep)
{
	json_t *copy = json_object();
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
		if (kept(keep, key))
			json_object_set(copy, key, v);
	return copy;
}

static void prune_member(json_t *parent, const char *key, const char *const *keep)
{
	json_t *obj = json_object_get(parent, key);
	if (json_is_object(obj) && needs_pruning(obj, keep))
		json_object_set_new(parent, key, pruned_copy(obj, keep));
}

static void prune_elements(json_t *parent, const char *key, const char *const *keep)
{
	json_t *arr = json_object_get(parent, key), *v;
	size_t i;
	json_array_foreach(arr, i, v)
		if (json_is_object(v) && needs_pruning(v, keep))
			json_array_set_new(arr, i, pruned_copy(v, keep));
}

static void prune_pod(json_t *pod)
{
	const char *key;
	json_t *v, *spec, *status;
	void *tmp;

	json_object_foreach_safe(pod, tmp, key, v)
		if (!kept(pod_top_keep, key))
			json_object_del(pod, key);
	prune_member(pod, "metadata", pod_meta_keep);
	prune_member(pod, "spec", pod_spec_keep);
	prune_member(pod, "status", pod_status_keep);
	spec = json_object_get(pod, "spec");
	prune_elements(spec, "containers", container_keep);
	prune_elements(spec, "initContainers", container_keep);
	status = json_object_get(pod, "status");
	prune_elements(status, "containerStatuses", container_status_keep);
}

int obj_prune_item(json_t *item, void *kind)
{
	json_t *meta = json_object_get(item, "metadata");
	json_t *ann = json_object_get(meta, "annotations");

	json_object_del(meta, "managedFields");
	if (!json_object_del(ann, LAST_APPLIED) && !json_object_size(ann))
		json_object_del(meta, "annotations");
	if (kind && *(enum obj_kind *)kind == OBJ_POD && json_is_object(item))
		prune_pod(item);
	return 0;
}
