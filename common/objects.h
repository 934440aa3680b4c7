/* SPDX-License-Identifier: Apache-2.0 */
/* The in-memory object set a command works on, from the cluster or from files. */
#ifndef MESH_OBJECTS_H
#define MESH_OBJECTS_H

#include <jansson.h>
#include "kube.h"
#include "strbuf.h"

/* The kinds the suite reads.  The order is the order of reports. */
enum obj_kind {
	OBJ_NAMESPACE,
	OBJ_POD,
	OBJ_SERVICE,
	OBJ_SERVICEACCOUNT,
	OBJ_CONFIGMAP,
	OBJ_DEPLOYMENT,
	OBJ_STATEFULSET,
	OBJ_DAEMONSET,
	OBJ_PEERAUTHENTICATION,
	OBJ_DESTINATIONRULE,
	OBJ_AUTHORIZATIONPOLICY,
	OBJ_REQUESTAUTHENTICATION,
	OBJ__COUNT
};
#define OBJ_BIT(k) (1u << (k))
#define OBJ_ALL ((1u << OBJ__COUNT) - 1)

struct obj_kind_info {
	const char *kind;           /* "PeerAuthentication" */
	const char *resource;       /* "peerauthentications" */
	const char *singular;       /* "peerauthentication" */
	const char *short_name;     /* "pa", or NULL */
	const char *group;          /* "" for core, "security.istio.io" */
	const char *const *versions;/* preferred first, NULL-terminated: v1, v1beta1 ... */
	int namespaced;
};

const struct obj_kind_info *obj_kind_info(enum obj_kind k);
/*
 * The kind of an object from its apiVersion and kind fields
 * ("security.istio.io/v1beta1", "PeerAuthentication"), accepting every
 * version the kind is served as.  Returns the kind, or -1 for objects
 * the suite does not read.
 */
int obj_kind_of(const char *api_version, const char *kind);
/*
 * Look up a kind by Kind, resource, singular or short name,
 * case-insensitively ("pods", "Pod", "po", "pa", "deploy"), optionally
 * qualified by its group or version and group as kubectl takes them
 * ("deployments.apps", "dr.v1alpha3.networking.istio.io").  Returns
 * the kind, or -1.
 */
int obj_kind_lookup(const char *name);

/* Mesh settings from the istio ConfigMap's data.mesh, or Istio's defaults. */
struct mesh_config {
	char *root_namespace;       /* default: the Istio namespace, istio-system */
	char *trust_domain;         /* default "cluster.local" */
	char **trust_domain_aliases;/* NULL-terminated, may be empty */
	int enable_auto_mtls;       /* default 1 */
	char **default_dr_export_to;/* defaultDestinationRuleExportTo, default {"*"} */
	json_t *extension_providers;/* array (possibly empty), owned */
	json_t *raw;                /* the parsed mesh document, or an empty object; owned */
	char *source;               /* "istio-system/istio", or NULL when defaults apply */
};

/*
 * Fill m from an istio ConfigMap's data.mesh (configmap NULL, or one
 * without data.mesh: Istio's defaults).  root_ns is the rootNamespace
 * default.  Returns 0, or -1 with err set when data.mesh is not valid
 * YAML or a field has the wrong type; m holds the defaults then.  m
 * owns everything it points to; release with mesh_config_release().
 */
int mesh_config_load(struct mesh_config *m, json_t *configmap, const char *root_ns,
		     struct strbuf *err);
void mesh_config_release(struct mesh_config *m);

struct objset;

/* A new, empty set; free with objset_free(). */
struct objset *objset_new(void);
void objset_free(struct objset *s);

/*
 * Add one object.  Takes the reference.  "List" objects (kind List or
 * any *List) add their items.  Kinds the suite does not read are
 * counted and dropped.  Fields the suite never reads (managedFields,
 * last-applied annotations, most of a pod's status) are pruned, so
 * file and cluster inputs look alike and stay small.  Returns 0, or -1
 * with err set when the object is malformed (no kind, no name, a
 * namespaced kind whose namespace cannot be determined).
 */
int objset_add(struct objset *s, json_t *obj, const char *source, struct strbuf *err);

/*
 * -f: read each path (a file, a directory, or "-" for stdin).
 * Directories take *.yaml, *.yml and *.json files, and recurse into
 * subdirectories only with recursive.  default_ns (NULL: "default")
 * fills in objects that name no namespace.  A later object with the same
 * kind, namespace and name as an earlier one replaces it in place.
 * Returns 0, or -1 with err set in kubectl's words, e.g. "the path
 * \"x.yaml\" does not exist" or "error parsing x.yaml: error converting
 * YAML to JSON: yaml: line 3: ...".
 */
int objset_load_paths(struct objset *s, const char *const *paths, size_t n,
		      int recursive, const char *default_ns, struct strbuf *err);

/*
 * What objset_load_paths_filtered() keeps: the objects a command about
 * a few namespaces reads.  A namespaced object is kept when it is in
 * one of namespaces, in the mesh root namespace, or of a kind in
 * everywhere; ConfigMaps only in istio_ns (the mesh config is the only
 * one the suite reads).  Cluster-scoped objects are always kept.  The
 * root namespace is read from the istio ConfigMap among the inputs the
 * way objset_finish() reads it, so istio_ns and revision must be those
 * given to objset_finish().
 */
struct obj_filter {
	const char *const *namespaces;  /* NULL-terminated */
	unsigned everywhere;            /* OBJ_BIT()s of kinds kept in every namespace */
	const char *istio_ns;           /* NULL or "": "istio-system" */
	const char *revision;           /* NULL for none */
};

/*
 * objset_load_paths() for a command that needs only what f keeps.
 * When every path is a regular file of JSON (a stream of objects and
 * Lists, as kubectl get -o json writes them, or arrays of them), each
 * object's kind, apiVersion, name and namespace are read by a byte scan
 * and only the objects f keeps are parsed: on a dump of a large
 * cluster this is many times faster, and the set answers every question
 * about f's namespaces exactly as the full load would.  Everything else
 * goes through objset_load_paths(), which keeps every object and words
 * the errors: stdin, directories, YAML, malformed JSON, an object whose
 * kind, apiVersion, metadata.name or metadata.namespace is missing or
 * not a plain string (no escapes), a List inside a List, and every
 * error.  What differs from the full load: objects that are not kept
 * are not parsed, so a syntax error inside one goes unnoticed and
 * objset_ignored() does not count them; and a top-level JSON array is
 * read as its elements (objset_load_paths() refuses it, as kubectl
 * does).  Returns 0, or -1 with err set; the set then holds an
 * unspecified part of the objects and should be freed.
 */
int objset_load_paths_filtered(struct objset *s, const char *const *paths, size_t n,
			       int recursive, const char *default_ns,
			       const struct obj_filter *f, struct strbuf *err);

/* What to fetch from a live cluster. */
struct obj_query {
	enum obj_kind kind;
	const char *namespace;      /* NULL: all namespaces (ignored for cluster-scoped kinds) */
	const char *name;           /* NULL: list; else get that one object */
	const char *label_selector; /* NULL or a selector string */
	int optional;               /* a NotFound on a get is not an error */
};

/*
 * Fetch the queries from the cluster concurrently and add the results.
 * Istio kinds are read as v1, falling back to v1beta1 (networking:
 * v1alpha3 after that).  A cluster without the Istio CRDs gives
 * "Istio is not installed in this cluster: the server has no
 * security.istio.io API group".  Returns 0, or -1 with err set to the
 * first failure in kubectl's words.  Nothing is added on failure.
 */
int objset_fetch(struct objset *s, struct kube_client *c, const struct obj_query *q,
		 size_t n, struct strbuf *err);

/*
 * Finish loading: read the mesh config from the ConfigMap named
 * "istio" (or "istio-<revision>") in istio_ns (NULL: "istio-system"),
 * or apply Istio's defaults when there is none; build the indexes.
 * Call once, after the last add/load/fetch.  Returns 0, or -1 with err
 * set when data.mesh is not valid YAML.
 */
int objset_finish(struct objset *s, const char *istio_ns, const char *revision,
		  struct strbuf *err);
/*
 * The name of the istio ConfigMap objset_finish() reads: "istio-REV",
 * or "istio" when revision is NULL, empty or "default".  Returns a new
 * string (caller frees).
 */
char *mesh_configmap_name(const char *revision);

/*
 * Objects in a set are read-only: pods share identical parts (labels,
 * containers...) with each other to save memory.
 */
/* Every object of a kind, in load order (borrowed JSON array; never NULL). */
json_t *objset_list(const struct objset *s, enum obj_kind k);
/* One object, or NULL (borrowed).  ns is ignored for cluster-scoped kinds. */
json_t *objset_get(const struct objset *s, enum obj_kind k, const char *ns,
		   const char *name);
/* Which kinds were asked for (files always count as every kind). */
unsigned objset_loaded(const struct objset *s);
/* Record kinds as asked for (a mask of OBJ_BIT()s). */
void objset_mark_loaded(struct objset *s, unsigned kinds);
/* Number of objects of kinds the suite does not read that were dropped. */
size_t objset_ignored(const struct objset *s);
/* The mesh settings (valid after objset_finish). */
const struct mesh_config *objset_mesh(const struct objset *s);

/* Small accessors for the fields everyone reads (borrowed; may be NULL). */
const char *obj_name(json_t *obj);
const char *obj_namespace(json_t *obj);
json_t *obj_labels(json_t *obj);
const char *obj_label(json_t *obj, const char *key);
const char *obj_annotation(json_t *obj, const char *key);
/* Look up a dotted path ("spec.selector.matchLabels"); borrowed or NULL. */
json_t *obj_path(json_t *obj, const char *dotted);
/* creationTimestamp as seconds since the epoch; 0 when absent or bad. */
long long obj_created(json_t *obj);

/* Ports of pods and Services. */
/* The containerPort of the port named name in pod's spec.containers, or -1. */
int obj_container_port(json_t *pod, const char *name);
/*
 * 1 when pod has a container named istio-proxy in spec.containers or
 * spec.initContainers (a native sidecar), else 0.
 */
int obj_pod_has_istio_proxy(json_t *pod);
/* The entry of svc's spec.ports whose port is port (borrowed), or NULL. */
json_t *obj_service_port(json_t *svc, int port);
/*
 * Where the Service port spec sp (an entry of spec.ports) forwards on
 * pod: targetPort as a number or a string of digits; a named targetPort
 * through obj_container_port() (-1 when pod is NULL or has no such
 * port); port itself when targetPort is absent.  -1 when unresolvable.
 */
int obj_target_port(json_t *sp, json_t *pod);

/*
 * Drop the fields the suite never reads from one object of the kind
 * *(enum obj_kind *)kind (managedFields and the last-applied annotation
 * from every kind; for pods everything but the fields listed in
 * objects.c).  Shaped as a kube_req item_filter: always returns 0
 * (keep the item).
 */
int obj_prune_item(json_t *item, void *kind);
/*
 * The item_filter for pod lists fetched into the set (struct objset *)
 * set: obj_prune_item(), then parts equal to those of pods already seen
 * are replaced by shared references.  Always returns 0.
 */
int objset_pod_filter(json_t *pod, void *set);

#endif
