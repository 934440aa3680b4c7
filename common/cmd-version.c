/* SPDX-License-Identifier: Apache-2.0 */
/* version: the plugin's, the API server's and the Istio control plane's versions. */
#include "cli_priv.h"
#include "kube.h"
#include "objects.h"
#include "xalloc.h"

#include <string.h>
#include <sys/utsname.h>

const struct cli_option cmd_version_options[] = {
	{ "client", 0, CLI_BOOL, offsetof(struct version_opts, client), NULL,
	  "Print only the plugin's own version, without contacting the cluster", 0,
	  COMPLETE_NONE, NULL, 0 },
	CLI_OPT_END
};

static json_t *client_version(void)
{
	struct utsname u;
	const char *arch = "unknown";
	const char *os = "linux";
	if (!uname(&u)) {
		arch = !strcmp(u.machine, "x86_64") ? "amd64" :
		       !strcmp(u.machine, "aarch64") ? "arm64" : u.machine;
		os = !strcmp(u.sysname, "Darwin") ? "darwin" : "linux";
	}
	return json_pack("{s:s, s:s++}", "gitVersion", "v" MESH_VERSION, "platform", os,
			 "/", arch);
}

/* The tag of an image reference, ignoring a registry port; "unknown" if none. */
static char *image_tag(const char *image)
{
	const char *slash, *colon, *at;
	if (!image)
		return xstrdup("unknown");
	at = strchr(image, '@');
	slash = strrchr(image, '/');
	colon = strrchr(image, ':');
	if (!colon || (slash && colon < slash) || (at && colon > at))
		return xstrdup("unknown");
	return at ? xstrndup(colon + 1, (size_t)(at - colon - 1)) : xstrdup(colon + 1);
}

static const char *discovery_image(json_t *pod)
{
	json_t *c;
	size_t i;
	json_array_foreach(obj_path(pod, "spec.containers"), i, c)
		if (json_is_string(json_object_get(c, "name")) &&
		    !strcmp(json_string_value(json_object_get(c, "name")), "discovery"))
			return json_string_value(json_object_get(c, "image"));
	return json_string_value(json_object_get(json_array_get(obj_path(pod, "spec.containers"), 0),
						 "image"));
}

/* One entry per revision: {revision, version, pods}, in first-seen order. */
static json_t *istio_versions(json_t *pods)
{
	json_t *out = json_array();
	json_t *pod;
	size_t i;

	json_array_foreach(pods, i, pod) {
		const char *rev = obj_label(pod, "istio.io/rev");
		char *tag = image_tag(discovery_image(pod));
		json_t *e;
		size_t j;
		int found = 0;

		if (!rev || !*rev)
			rev = "default";
		json_array_foreach(out, j, e) {
			if (!strcmp(json_string_value(json_object_get(e, "revision")), rev) &&
			    !strcmp(json_string_value(json_object_get(e, "version")), tag)) {
				json_object_set_new(e, "pods",
						    json_integer(json_integer_value(json_object_get(e, "pods")) + 1));
				found = 1;
			}
		}
		if (!found)
			json_array_append_new(out, json_pack("{s:s, s:s, s:i}", "revision", rev,
							     "version", tag, "pods", 1));
		free(tag);
	}
	return out;
}

static void print_text(struct cli *cli, json_t *doc)
{
	json_t *server = json_object_get(doc, "serverVersion");
	json_t *istio = json_object_get(doc, "istioVersion");
	json_t *e;
	size_t i;

	fprintf(cli->out, "Client Version: %s\n",
		json_string_value(json_object_get(json_object_get(doc, "clientVersion"), "gitVersion")));
	if (server)
		fprintf(cli->out, "Server Version: %s\n",
			json_is_string(json_object_get(server, "gitVersion")) ?
				json_string_value(json_object_get(server, "gitVersion")) :
				"unknown");
	if (!istio)
		return;
	if (!json_array_size(istio)) {
		fprintf(cli->out, "Istio Version: none (no istiod pods in namespace \"%s\")\n",
			cli_istio_namespace(cli));
		return;
	}
	fputs("Istio Version: ", cli->out);
	json_array_foreach(istio, i, e) {
		if (json_array_size(istio) == 1)
			fputs(json_string_value(json_object_get(e, "version")), cli->out);
		else
			fprintf(cli->out, "%s%s (revision %s)", i ? ", " : "",
				json_string_value(json_object_get(e, "version")),
				json_string_value(json_object_get(e, "revision")));
	}
	fputc('\n', cli->out);
}

static int is_istiod(json_t *pod, const char *ns)
{
	const char *app = obj_label(pod, "app"), *pns = obj_namespace(pod);
	return app && !strcmp(app, "istiod") && pns && !strcmp(pns, ns);
}

/* -f: the istiod pods among the files. */
static int offline_istio(struct cli *cli, json_t *doc)
{
	struct objset *set;
	json_t *pods = json_array();
	json_t *pod;
	size_t i;
	int r = cli_load_objects(cli, OBJ_BIT(OBJ_POD), NULL, &set);

	if (r) {
		json_decref(pods);
		return r;
	}
	json_array_foreach(objset_list(set, OBJ_POD), i, pod)
		if (is_istiod(pod, cli_istio_namespace(cli)))
			json_array_append(pods, pod);
	json_object_set_new(doc, "istioVersion", istio_versions(pods));
	json_decref(pods);
	objset_free(set);
	return 0;
}

static int live_versions(struct cli *cli, json_t *doc)
{
	struct kube_client *c;
	struct kube_req r[2] = { KUBE_REQ_INIT, KUBE_REQ_INIT };
	int ret = 0, k;

	if (cli_client(cli, &c))
		return MESH_EXIT_ERROR;
	kube_req_init(&r[0], "/version");
	r[0].what = "get version";
	kube_req_init(&r[1], "/api/v1/namespaces/%s/pods?labelSelector=app%%3Distiod",
		      cli_istio_namespace(cli));
	r[1].paginate = 1;
	r[1].what = "get pods";
	kube_run(c, r, 2);
	if (!r[0].failed)
		json_object_set(doc, "serverVersion", r[0].result);
	if (!r[0].failed && !r[1].failed)
		json_object_set_new(doc, "istioVersion",
				    istio_versions(json_object_get(r[1].result, "items")));
	for (k = 0; k < 2; k++)
		if (r[k].failed && !ret) {
			/* kubectl prints what it has, then the error. */
			if (cli->format == OUTF_TABLE)
				print_text(cli, doc);
			fflush(cli->out);
			ret = report_error(r[k].err.buf);
		}
	kube_req_release(&r[0]);
	kube_req_release(&r[1]);
	return ret;
}

int cmd_version(struct cli *cli, void *opts_, int argc, char **argv)
{
	struct version_opts *opts = opts_;
	json_t *doc = json_object();
	int r = 0;

	(void)argc;
	(void)argv;
	json_object_set_new(doc, "clientVersion", client_version());
	if (!opts->client)
		r = cli_offline(cli) ? offline_istio(cli, doc) : live_versions(cli, doc);
	if (!r) {
		if (cli->format == OUTF_TABLE)
			print_text(cli, doc);
		else
			cli_print_value(cli, doc);
	}
	json_decref(doc);
	return r;
}
