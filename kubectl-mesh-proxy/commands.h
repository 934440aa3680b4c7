/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of kubectl mesh-proxy. */
#ifndef MESH_PROXY_COMMANDS_H
#define MESH_PROXY_COMMANDS_H

#include "cli.h"

/* config: Envoy configuration in istioctl proxy-config's tables (cmd-config.c). */
int cmd_proxy_config(struct cli *cli, void *opts, int argc, char **argv);

/* status: istiod's view of every proxy, or one proxy against istiod (cmd-status.c). */
int cmd_proxy_status(struct cli *cli, void *opts, int argc, char **argv);

struct status_opts {
	char *file;
};
extern const struct cli_option status_options[];

#define CMD_ENTRY_STATUS                                                          \
	{ "status", "Show whether each proxy is in sync with istiod, as istioctl proxy-status does", \
	  "status [[TYPE/]NAME[.NAMESPACE]] [--file FILE] [-n NAMESPACE] [--revision REV] [-o json|yaml|wide]", \
	  "Without a pod: ask every istiod (pods labelled app=istiod in the Istio\n" \
	  "namespace, with --revision only that revision's) for the proxies connected\n" \
	  "to it, through its debug endpoint /debug/syncz (a port-forward to its\n"  \
	  "monitoring port, else pilot-discovery in its container), all istiods at\n" \
	  "once, and print istioctl proxy-status's table: NAME, CLUSTER, ISTIOD,\n"   \
	  "VERSION (the proxy's) and SUBSCRIBED TYPES.  -o wide prints one column per\n" \
	  "xDS type instead (istioctl's --verbosity 1), each SYNCED, NOT SENT, STALE,\n" \
	  "ERROR or IGNORED, with the time since istiod last sent it: SYNCED when the\n" \
	  "proxy acknowledged the last push, STALE when it has not (yet), ERROR when\n" \
	  "it rejected it, NOT SENT when nothing was sent, IGNORED when the proxy does\n" \
	  "not watch the type.  -o json and -o yaml print each istiod's answer as\n" \
	  "istioctl does (one document per istiod, in name order).  -n keeps the\n"   \
	  "proxies of one namespace, in every format.\n\n"                            \
	  "When an istiod does not answer, the others' proxies are still printed, an\n" \
	  "error names the istiod and says the output is incomplete, and the exit\n"  \
	  "status is 2.\n\n"                                                          \
	  "With a pod: compare the configuration istiod intends for it (istiod's\n"   \
	  "/debug/config_dump?proxyID=POD.NAMESPACE, from the istiod it is connected\n" \
	  "to) with what its Envoy holds (/config_dump, or a saved dump with --file):\n" \
	  "clusters, listeners and routes, each \"Match\" or \"Don't Match\" with a\n" \
	  "unified diff, as istioctl proxy-status POD prints it.  Exits 1 when a\n"     \
	  "section differs.\n",                                                        \
	  "  # Every proxy the control plane knows\n  kubectl %P status\n\n"           \
	  "  # Per-type sync state of the proxies in one namespace\n"                   \
	  "  kubectl %P status -n bookinfo -o wide\n\n"                                  \
	  "  # Does the productpage sidecar hold what istiod sent it?\n"              \
	  "  kubectl %P status deploy/productpage-v1.bookinfo\n",                      \
	  status_options, sizeof(struct status_opts),                                  \
	  OUTF_TABLE | OUTF_WIDE | OUTF_JSON | OUTF_YAML, 0, 1, { COMPLETE_POD },       \
	  NULL, 1, cmd_proxy_status, 0 }

/* logs: the sidecar's access log, decoded (cmd-logs.c). */
int cmd_proxy_logs(struct cli *cli, void *opts, int argc, char **argv);

struct logs_opts {
	long tail;
	char *since;
	char *status;
};
extern const struct cli_option logs_options[];

#define CMD_ENTRY_LOGS                                                            \
	{ "logs", "Show a sidecar's access log, one decoded request per line",        \
	  "logs [TYPE/]NAME[.NAMESPACE] [--tail N] [--since DURATION] [--status 4xx|5xx|CODE] [-o json]", \
	  "Read the istio-proxy container's log (pods/log) and decode each Envoy\n"   \
	  "access log record written in Istio's default text format or its default\n" \
	  "JSON format: start time, request, response code, the response flags in\n"  \
	  "words (UF: upstream connection failure, UH: no healthy upstream hosts,\n" \
	  "NR, URX, UC, DC, UT and the rest), an RBAC denial with the\n"             \
	  "AuthorizationPolicy and rule that denied it, the upstream cluster and\n"  \
	  "host, and the duration.  Lines in any other format (the proxy's own\n"    \
	  "messages, custom access log formats) are printed as they are.\n\n"        \
	  "--status keeps only the records answered with that code or class of\n"    \
	  "codes, and leaves out every other line.  -o json prints one JSON object\n" \
	  "per line (JSON Lines, for jq): Istio's access log keys, numbers as\n"      \
	  "numbers, plus \"flags\" and \"denial\"; a line in no known format becomes\n" \
	  "{\"unparsed\": LINE}.\n",                                                  \
	  "  # The last 100 requests through the reviews sidecar\n"                   \
	  "  kubectl %P logs deploy/reviews-v1.bookinfo --tail 100\n\n"              \
	  "  # Server errors of the last hour, as JSON\n"                             \
	  "  kubectl %P logs ratings-v1-7c9bd4b87f-9wxzv -n bookinfo --since 1h --status 5xx -o json\n", \
	  logs_options, sizeof(struct logs_opts), OUTF_TABLE | OUTF_JSON, 1, 1,        \
	  { COMPLETE_POD }, NULL, 1, cmd_proxy_logs, 0 }

#endif
