/* SPDX-License-Identifier: Apache-2.0 */
/* What the mesh-proxy subcommands share: pod arguments, reading a sidecar, Istio's policy names. */
#ifndef MESH_PROXY_PROXY_H
#define MESH_PROXY_PROXY_H

#include <time.h>
#include "cli.h"
#include "rfc3339.h"
#include "strbuf.h"

/* ---- pod arguments (proxy-pod.c) ---- */

/*
 * A pod argument, [TYPE/]NAME[.NAMESPACE] as istioctl reads it: without
 * a TYPE/ prefix the text after the last dot is the namespace; with one,
 * only the part after the last '/' is searched for a dot.  All fields
 * are owned; kind and namespace may be NULL.
 */
struct pod_ref {
	char *kind, *name, *namespace;
};

/* Parse arg into ref; a malformed one is a usage error (printed, MESH_EXIT_ERROR). */
int pod_ref_parse(struct cli *cli, const char *arg, struct pod_ref *ref);
void pod_ref_release(struct pod_ref *ref);

/*
 * The pod ref names, in the namespace it gives, else -n, else the
 * kubeconfig context's.  TYPE may be pod, deployment, statefulset,
 * daemonset or service (any of their kubectl names): the pod is then
 * the first of the pods the workload's selector matches, in the order
 * kubectl logs picks one (podutils.ByLogging: scheduled, running,
 * ready, ready longest, most restarts, oldest).  Returns 0 with *ns
 * and *pod set (new strings the caller frees), or prints kubectl's
 * error and returns MESH_EXIT_ERROR.
 */
int pod_ref_resolve(struct cli *cli, const struct pod_ref *ref, char **ns, char **pod);

/*
 * GET path (with its leading '/') from the Envoy admin API of the
 * pod's istio-proxy sidecar: port-forward to 15000, falling back to
 * `pilot-agent request GET` through exec (common/podstream.h).  Returns
 * 0 with body replaced, or prints the error and returns MESH_EXIT_ERROR.
 */
int envoy_admin_get(struct cli *cli, const char *ns, const char *pod, const char *path,
		    struct strbuf *body);

/* ---- Istio's names for RBAC policies (config-rbac.c) ---- */

/*
 * Split the name istiod gives an RBAC policy, ns[NS]-policy[NAME]-rule[N],
 * as istioctl's regexp ns\[(.+)\]-policy\[(.+)\]-rule\[(.+)\] does (each
 * group greedy).  Returns 0 with the three parts set (new strings the
 * caller frees), or -1 when s has another form.
 */
int authz_policy_name_parse(const char *s, char **ns, char **policy, char **rule);

/* ---- time ---- */



#endif
