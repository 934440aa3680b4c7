/* SPDX-License-Identifier: Apache-2.0 */
/* kubectl mesh-tls: the command table. */
#include "commands.h"

static const struct cmd_entry commands[] = {
	{ "trace", "Trace one call: server policy, client TLS, verdict, symptom and fix",
	  "trace FROM TO [--subset NAME] [-n NAMESPACE] [-f FILE]... [-o json|yaml]",
	  "Answer \"when FROM calls service TO on port PORT, is it mTLS, plaintext, or\n"
	  "broken, and why?\" the way Istio decides it.  FROM is pod/NAME, deploy/NAME\n"
	  "(deployment/), sts/NAME or ds/NAME; TO is svc/NAME:PORT with the service\n"
	  "port (a number or the port's name).  Either may be written NAME.NAMESPACE;\n"
	  "otherwise -n applies.  A workload is judged by its worst pod; a Service by\n"
	  "its worst endpoint, each endpoint judged on its own.\n"
	  "\n"
	  "The text output is a table with one decision per line and a verdict:\n"
	  "\n"
	  "  SIDE     target, client or server\n"
	  "  STEP     what was decided: service, host, pod, dr, port, subset, tls,\n"
	  "           auto-mtls, mesh, namespace, workload, mode, verdict\n"
	  "  OBJECT   the object that decided it (namespace/name), a namespace or port\n"
	  "           that was searched, or - when nothing did\n"
	  "  DECISION the decision, then the rule ids of tls-semantics in parentheses\n"
	  "\n"
	  "Target steps come first, then the client side (sidecar or ambient state,\n"
	  "the DestinationRule lookup in the client, service and root namespaces,\n"
	  "port-level and subset settings, auto mTLS), then for each endpoint the\n"
	  "server side (mesh, namespace, workload and port-level PeerAuthentication,\n"
	  "who enforces the mode) and the mode the client uses toward it.  After a\n"
	  "blank line come \"Verdict:\" (MTLS, PLAINTEXT or BROKEN), \"Endpoint:\" when\n"
	  "the Service has several, \"Reason:\", \"Symptom:\" (what the user sees on\n"
	  "the wire, when it fails) and \"Fix:\" (the smallest change).\n"
	  "\n"
	  "-o json and -o yaml print verdict, reason, symptom, fix, client (workload,\n"
	  "sidecar, ambient, mode, source), server (service, port, target_port,\n"
	  "mode, policy, endpoints[]) and steps[].  client.mode is ISTIO_MUTUAL,\n"
	  "DISABLE, SIMPLE, MUTUAL, PLAINTEXT_NO_SIDECAR or HBONE; client.source is\n"
	  "\"dr NS/NAME\", auto-mtls, no-sidecar, ztunnel or none; server.mode is\n"
	  "STRICT, PERMISSIVE or DISABLE and server.policy NS/NAME or null.\n"
	  "\n"
	  "Exit status: 0 for MTLS or PLAINTEXT, 1 for BROKEN, 2 for an error (a\n"
	  "missing pod or service, a port the service lacks, an undefined subset, a\n"
	  "malformed policy).  Unknown fields in policies are warnings with -v=1.\n",
	  "  # Why does billing get \"connection reset by peer\" from payments?\n"
	  "  kubectl %P trace deploy/billing.legacy svc/payments.shop:8080\n\n"
	  "  # The same call as routed to subset v1, as JSON\n"
	  "  kubectl %P trace pod/orders-5d9c7b8f6-q4n8s svc/payments:8080 -n shop --subset v1 -o json\n\n"
	  "  # Offline, on manifests\n"
	  "  kubectl %P trace deploy/billing.legacy svc/payments.shop:http-api -f examples/mesh\n",
	  cmd_tls_trace_options, sizeof(struct trace_opts), OUTF_TABLE | OUTF_JSON | OUTF_YAML, 2, 2,
	  { COMPLETE_WORKLOAD, COMPLETE_SERVICE }, NULL, 1, cmd_tls_trace, 0 },
	{ "status", "Show a server's effective mTLS mode per port and its clients' DestinationRules",
	  "status TARGET [-n NAMESPACE] [-f FILE]... [-o json|yaml]",
	  "The replacement for the removed istioctl authn tls-check.  TARGET is\n"
	  "pod/NAME, deploy/NAME, sts/NAME, ds/NAME or svc/NAME (NAME.NAMESPACE\n"
	  "works too).  The first table has one line per pod and port (container\n"
	  "ports and every target port a Service sends to): POD, PROXY (sidecar,\n"
	  "ambient or none), PORT, MODE (the effective STRICT, PERMISSIVE or\n"
	  "DISABLE), POLICY (the PeerAuthentication that set it, or (default)) and\n"
	  "NOTE (when nothing enforces the mode).  The second has one line per\n"
	  "service port and DestinationRule: SERVICE, CLIENT NAMESPACES (the\n"
	  "namespaces whose clients use that rule), DESTINATION RULE, SELECTOR (for\n"
	  "rules with a workloadSelector) and TLS (the rule's mode for that port, or\n"
	  "auto mTLS).  A port no namespace has a rule for shows \"*\" and auto mTLS.\n",
	  "  # The mode of every port of payments and the rules its callers use\n"
	  "  kubectl %P status svc/payments -n shop\n\n"
	  "  # One pod, offline\n"
	  "  kubectl %P status pod/payments-5d9c7b8f6-m3x9t.shop -f examples/mesh\n",
	  NULL, 0, OUTF_TABLE | OUTF_JSON | OUTF_YAML, 1, 1, { COMPLETE_TARGET }, NULL, 1,
	  cmd_tls_status, 0 },
	{ "check", "Check every client x service port pair and the policies of the mesh",
	  "check [-n NAMESPACE | -A] [--what-if FILE]... [-f FILE]... [-o json|yaml]",
	  "Evaluate every client workload calling every service port in scope (with\n"
	  "-n: the pairs whose client or Service is in the namespace; -A: all) and\n"
	  "report, each as a table when not empty: BROKEN (the broken pairs),\n"
	  "PLAINTEXT AGAINST STRICT (pairs that work in plaintext although the\n"
	  "server's computed mode is STRICT, because nothing enforces it) and POLICY\n"
	  "FINDINGS (a mesh-wide-looking policy outside the root namespace,\n"
	  "portLevelMtls without a selector, a selector policy in the root namespace,\n"
	  "two namespace- or mesh-level policies, DestinationRule tls that contradicts\n"
	  "the servers' mode, injection labels that disagree with the running pods),\n"
	  "then a Summary line with the counts.  Clients that behave alike are\n"
	  "grouped: a row names the client workloads (deploy/NAME.NAMESPACE, ...)\n"
	  "and the service ports (svc/NAME.NAMESPACE:PORT) that fail for the same\n"
	  "reason, each client with each service; its REASON is the first pair's.\n"
	  "Pods of the control plane (app=istiod) are not counted as clients.\n"
	  "\n"
	  "With --what-if, the mesh is evaluated a second time as if the manifests\n"
	  "were applied (new objects added, objects of the same kind, namespace and\n"
	  "name replaced) and only the pairs whose verdict changes are printed, with\n"
	  "BEFORE and AFTER verdicts and the reason, followed by Before: and After:\n"
	  "summaries.  Run it before applying a policy.\n"
	  "\n"
	  "Exit status: 1 when a pair is BROKEN (with --what-if: when a pair becomes\n"
	  "BROKEN), 0 otherwise, 2 for an error.\n",
	  "  # Everything, cluster-wide\n"
	  "  kubectl %P check -A\n\n"
	  "  # Would mesh-wide STRICT break anything?  (the course module's incident)\n"
	  "  kubectl %P check -A -f examples/mesh --what-if examples/incident/mesh-wide-strict.yaml\n",
	  cmd_tls_check_options, sizeof(struct check_opts), OUTF_TABLE | OUTF_JSON | OUTF_YAML, 0,
	  0, { 0 }, NULL, 1, cmd_tls_check, 0 },
	CMD_ENTRY_INVENTORY,
	CMD_ENTRY_VERSION,
	{ NULL }
};

static const struct cli_program program = {
	"mesh-tls",
	"Trace the mTLS mode of calls in an Istio mesh",
	"kubectl %P traces the TLS mode of a call between two workloads in an Istio\nmesh: from the server's PeerAuthentication (mesh, namespace, workload,\nport) to the client's DestinationRule, auto mTLS or missing sidecar, and\ngives a verdict (mTLS, plaintext or broken), the symptom and the fix.\n\nIt works against the cluster in the current kubeconfig context, or offline\non manifests given with -f.\n",
	commands,
};

int main(int argc, char **argv)
{
	return cli_main(&program, argc, argv);
}
