/* SPDX-License-Identifier: Apache-2.0 */
/* status: a server's effective mTLS mode per port and the DestinationRules its clients use. */
#include "commands.h"
#include "labels.h"
#include "table.h"
#include "xalloc.h"

#include <string.h>

static const char *proxy_word(json_t *pod)
{
	if (json_is_true(json_object_get(pod, "sidecar")))
		return "sidecar";
	return json_is_true(json_object_get(pod, "ambient")) ? "ambient" : "none";
}

static void print_pods(struct cli *cli, json_t *pods)
{
	static const char *const headers[] = { "POD", "PROXY", "PORT", "MODE", "POLICY", "NOTE",
					       NULL };
	struct table *t = table_new(headers);
	json_t *pod, *port;
	size_t i, j;

	json_array_foreach(pods, i, pod) {
		if (!json_array_size(json_object_get(pod, "ports")))
			table_add(t, tls_str(pod, "pod"), proxy_word(pod), "<none>", "-", "-",
				  "no ports");
		json_array_foreach(json_object_get(pod, "ports"), j, port) {
			char *num = xasprintf("%lld",
					      (long long)json_integer_value(json_object_get(port, "port")));
			table_add(t, tls_str(pod, "pod"), proxy_word(pod), num, tls_str(port, "mode"),
				  tls_str(port, "policy") ? tls_str(port, "policy") : "(default)",
				  tls_str(port, "note"));
			free(num);
		}
	}
	table_print(t, cli->out, cli->opts.no_headers);
	table_free(t);
}

static char *join(json_t *arr)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *v;
	size_t i;
	json_array_foreach(arr, i, v)
		strbuf_addf(&sb, "%s%s", i ? "," : "", json_string_value(v));
	return strbuf_detach(&sb, NULL);
}

static void service_rows(struct table *t, json_t *svc)
{
	json_t *port, *rule;
	size_t i, j;

	json_array_foreach(json_object_get(svc, "ports"), i, port) {
		const char *ref = tls_str(svc, "service"), *slash = strchr(ref, '/');
		char *label = xasprintf("svc/%s.%.*s:%lld", slash + 1, (int)(slash - ref), ref,
					(long long)json_integer_value(json_object_get(port, "port")));
		json_t *rules = json_object_get(port, "destination_rules");

		if (!json_array_size(rules))
			table_add(t, label, "*", "<none>", "<none>", "auto mTLS");
		json_array_foreach(rules, j, rule) {
			char *nss = join(json_object_get(rule, "client_namespaces"));
			table_add(t, label, nss, tls_str(rule, "rule"), tls_str(rule, "selector"),
				  tls_str(rule, "tls") ? tls_str(rule, "tls") : "auto mTLS");
			free(nss);
		}
		free(label);
	}
}

static void print_text(struct cli *cli, json_t *doc)
{
	static const char *const headers[] = { "SERVICE", "CLIENT NAMESPACES", "DESTINATION RULE",
					       "SELECTOR", "TLS", NULL };
	json_t *svcs = json_object_get(doc, "services"), *svc;
	struct table *t;
	size_t i;

	print_pods(cli, json_object_get(doc, "pods"));
	if (!json_array_size(svcs))
		return;
	fputc('\n', cli->out);
	t = table_new(headers);
	json_array_foreach(svcs, i, svc)
		service_rows(t, svc);
	table_print(t, cli->out, cli->opts.no_headers);
	table_free(t);
}

/* The Services of the target's namespace that select any of the pods. */
static json_t *services_of(const struct objset *set, json_t *pods, const char *ns)
{
	json_t *out = json_array(), *svc, *pod;
	size_t i, j;

	json_array_foreach(objset_list(set, OBJ_SERVICE), i, svc) {
		json_t *sel = obj_path(svc, "spec.selector");
		if (strcmp(obj_namespace(svc), ns) || !json_object_size(sel))
			continue;
		json_array_foreach(pods, j, pod)
			if (labels_contain(obj_labels(pod), sel)) {
				json_array_append(out, svc);
				break;
			}
	}
	return out;
}

/* Pods of a Service: those its selector matches (the endpoints, P3). */
static json_t *pods_of_service(const struct objset *set, json_t *svc)
{
	json_t *out = json_array(), *pod, *sel = obj_path(svc, "spec.selector");
	size_t i;

	json_array_foreach(objset_list(set, OBJ_POD), i, pod)
		if (json_object_size(sel) && !strcmp(obj_namespace(pod), obj_namespace(svc)) &&
		    labels_contain(obj_labels(pod), sel))
			json_array_append(out, pod);
	return out;
}

static int targets(struct cli *cli, const struct objset *set, struct tls_mesh *mesh,
		   const struct tls_ref *ref, json_t **pods, json_t **svcs)
{
	struct strbuf err = STRBUF_INIT;

	if (ref->kind == OBJ_SERVICE) {
		json_t *svc = tls_find_service(mesh, ref->ns, ref->name, !cli_offline(cli), &err);
		if (!svc) {
			report_error(err.buf);
			strbuf_release(&err);
			return MESH_EXIT_ERROR;
		}
		*pods = pods_of_service(set, svc);
		*svcs = json_pack("[O]", svc);
		return 0;
	}
	*pods = tls_ref_pods(cli, mesh, ref);
	if (!*pods)
		return MESH_EXIT_ERROR;
	*svcs = services_of(set, *pods, ref->ns);
	return 0;
}

int cmd_tls_status(struct cli *cli, void *opts, int argc, char **argv)
{
	struct tls_ref ref;
	struct objset *set = NULL;
	struct tls_mesh *mesh = NULL;
	json_t *pods = NULL, *svcs = NULL, *doc;
	const char *nss[2];
	int r;

	(void)opts;
	(void)argc;
	r = tls_parse_ref(cli, "TARGET", argv[0],
			  OBJ_BIT(OBJ_POD) | OBJ_BIT(OBJ_DEPLOYMENT) | OBJ_BIT(OBJ_STATEFULSET) |
				  OBJ_BIT(OBJ_DAEMONSET) | OBJ_BIT(OBJ_SERVICE),
			  0, &ref);
	if (r)
		return r;
	nss[0] = ref.ns;
	nss[1] = NULL;
	r = tls_load(cli, OBJ_BIT(ref.kind), nss, 1, &set, &mesh);
	if (!r)
		r = targets(cli, set, mesh, &ref, &pods, &svcs);
	if (!r) {
		doc = tls_status(mesh, pods, svcs);
		if (cli->format == OUTF_TABLE)
			print_text(cli, doc);
		else
			cli_print_value(cli, doc);
		json_decref(doc);
	}
	json_decref(pods);
	json_decref(svcs);
	tls_mesh_free(mesh);
	objset_free(set);
	tls_ref_release(&ref);
	return r;
}
