/* SPDX-License-Identifier: Apache-2.0 */
/* Pod arguments ([TYPE/]NAME[.NAMESPACE]), the pod a workload stands for, and its Envoy admin API. */
#include "proxy.h"
#include "kube.h"
#include "labels.h"
#include "objects.h"
#include "podstream.h"
#include "rfc3339.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

int pod_ref_parse(struct cli *cli, const char *arg, struct pod_ref *ref)
{
	const char *slash = strrchr(arg, '/'), *base = slash ? slash + 1 : arg;
	const char *dot = strrchr(base, '.');

	memset(ref, 0, sizeof(*ref));
	if (slash)
		ref->kind = xstrndup(arg, (size_t)(slash - arg));
	if (dot && dot > base) {
		ref->name = xstrndup(base, (size_t)(dot - base));
		ref->namespace = dot[1] ? xstrdup(dot + 1) : NULL;
	} else {
		ref->name = xstrdup(base);
	}
	if (!*ref->name || (ref->kind && !*ref->kind))
		return cli_usage_error(cli, "invalid pod \"%s\": expected [TYPE/]NAME[.NAMESPACE]", arg);
	return 0;
}

void pod_ref_release(struct pod_ref *ref)
{
	free(ref->kind);
	free(ref->name);
	free(ref->namespace);
	memset(ref, 0, sizeof(*ref));
}

/* ---- kubectl's podutils.ByLogging ---- */

static int phase_rank(json_t *pod)
{
	const char *phase = json_string_value(obj_path(pod, "status.phase"));

	if (!phase)
		return -1;
	return !strcmp(phase, "Running") ? 2 : !strcmp(phase, "Unknown") ? 1 :
	       !strcmp(phase, "Pending") ? 0 : -1;
}

/* When the pod became ready (its Ready condition's transition time), or 0; -1 when not ready. */
static long long ready_since(json_t *pod)
{
	json_t *cond;
	size_t i;

	json_array_foreach(obj_path(pod, "status.conditions"), i, cond) {
		const char *type = json_string_value(json_object_get(cond, "type"));
		const char *status = json_string_value(json_object_get(cond, "status"));
		const char *at = json_string_value(json_object_get(cond, "lastTransitionTime"));
		time_t t = 0;

		if (!type || strcmp(type, "Ready"))
			continue;
		if (!status || strcmp(status, "True"))
			return -1;
		if (!at || rfc3339_parse(at, strlen(at), RFC3339_GO, &t))
			return 0;
		return (long long)t;
	}
	return -1;
}

static long long max_restarts(json_t *pod)
{
	json_t *cs;
	long long max = 0;
	size_t i;

	json_array_foreach(obj_path(pod, "status.containerStatuses"), i, cs) {
		long long n = json_integer_value(json_object_get(cs, "restartCount"));
		if (n > max)
			max = n;
	}
	return max;
}

/* afterOrZero(t1, t2): a zero time sorts last. */
static int after_or_zero(long long t1, long long t2)
{
	if (!t1 || !t2)
		return !t1;
	return t1 > t2;
}

static int by_logging_less(json_t *a, json_t *b)
{
	const char *na = json_string_value(obj_path(a, "spec.nodeName"));
	const char *nb = json_string_value(obj_path(b, "spec.nodeName"));
	long long ra = ready_since(a), rb = ready_since(b);

	na = na ? na : "";
	nb = nb ? nb : "";
	if (strcmp(na, nb) && (!*na || !*nb))
		return *na != '\0';
	if (phase_rank(a) != phase_rank(b))
		return phase_rank(a) > phase_rank(b);
	if ((ra >= 0) != (rb >= 0))
		return ra >= 0;
	if (ra >= 0 && ra != rb)
		return after_or_zero(rb, ra);
	if (max_restarts(a) != max_restarts(b))
		return max_restarts(a) > max_restarts(b);
	if (obj_created(a) != obj_created(b))
		return after_or_zero(obj_created(b), obj_created(a));
	return 0;
}

/* ---- resolving a workload ---- */

static int workload_selects(enum obj_kind kind, json_t *workload, json_t *pod, struct strbuf *err)
{
	if (kind == OBJ_SERVICE)
		return labels_contain(obj_labels(pod), obj_path(workload, "spec.selector"));
	return label_selector_matches(obj_path(workload, "spec.selector"), obj_labels(pod), err);
}

/* The best pod of the namespace's pods that workload selects; NULL when none (or err set). */
static json_t *pick_pod(enum obj_kind kind, json_t *workload, json_t *pods, struct strbuf *err)
{
	json_t *pod, *best = NULL;
	size_t i;

	if (kind == OBJ_SERVICE && !json_object_size(obj_path(workload, "spec.selector")))
		return NULL;
	json_array_foreach(json_object_get(pods, "items"), i, pod) {
		int hit = workload_selects(kind, workload, pod, err);
		if (hit < 0)
			return NULL;
		if (hit && (!best || by_logging_less(pod, best)))
			best = pod;
	}
	return best;
}

static void object_path(struct strbuf *path, const struct obj_kind_info *ki, const char *ns,
			const char *name)
{
	if (*ki->group)
		strbuf_addf(path, "/apis/%s/v1", ki->group);
	else
		strbuf_addstr(path, "/api/v1");
	strbuf_addf(path, "/namespaces/%s/%s/", ns, ki->resource);
	kube_query_escape(path, name);
}

static int resolve_workload(struct kube_client *c, enum obj_kind kind, const char *ns,
			    const char *name, char **pod)
{
	const struct obj_kind_info *ki = obj_kind_info(kind);
	struct strbuf path = STRBUF_INIT, err = STRBUF_INIT;
	json_t *workload = NULL, *pods = NULL, *best;
	int r = MESH_EXIT_ERROR;

	object_path(&path, ki, ns, name);
	if (kube_get(c, path.buf, &workload, NULL, &err))
		goto out;
	strbuf_reset(&path);
	strbuf_addf(&path, "/api/v1/namespaces/%s/pods", ns);
	if (kube_get(c, path.buf, &pods, NULL, &err))
		goto out;
	best = pick_pod(kind, workload, pods, &err);
	if (best) {
		*pod = xstrdup(obj_name(best));
		r = 0;
	} else if (!err.len) {
		strbuf_addf(&err, "no pods found for %s/%s in namespace \"%s\"", ki->singular, name, ns);
	}
out:
	if (r)
		report_error(err.buf);
	json_decref(workload);
	json_decref(pods);
	strbuf_release(&path);
	strbuf_release(&err);
	return r;
}

int pod_ref_resolve(struct cli *cli, const struct pod_ref *ref, char **ns, char **pod)
{
	struct kube_client *c;
	int kind = OBJ_POD, r;

	*ns = *pod = NULL;
	if (ref->kind) {
		kind = obj_kind_lookup(ref->kind);
		if (kind != OBJ_POD && kind != OBJ_SERVICE && kind != OBJ_DEPLOYMENT &&
		    kind != OBJ_STATEFULSET && kind != OBJ_DAEMONSET)
			return cli_usage_error(cli, "cannot read a sidecar from \"%s/%s\": TYPE must be pod, deployment, statefulset, daemonset or service",
					       ref->kind, ref->name);
	}
	r = cli_client(cli, &c);
	if (r)
		return r;
	*ns = xstrdup(ref->namespace ? ref->namespace : cli_namespace(cli));
	if (kind == OBJ_POD) {
		*pod = xstrdup(ref->name);
		return 0;
	}
	r = resolve_workload(c, kind, *ns, ref->name, pod);
	if (r) {
		free(*ns);
		*ns = NULL;
	}
	return r;
}

int envoy_admin_get(struct cli *cli, const char *ns, const char *pod, const char *path,
		    struct strbuf *body)
{
	struct strbuf err = STRBUF_INIT;
	struct kube_client *c;
	int r = cli_client(cli, &c);

	if (r)
		return r;
	if (kube_pod_debug_get(c, ns, pod, &kube_envoy_admin, path, body, &err))
		r = report_error(err.buf);
	strbuf_release(&err);
	return r;
}
