/* SPDX-License-Identifier: Apache-2.0 */
/* kubectl mesh-authz: the command table. */
#include "commands.h"

static const char *const method_words[] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", NULL
};

static const struct cmd_entry commands[] = {
	{ "can-i", "Would the sidecar let this caller make this request?",
	  "can-i [METHOD [PATH]] --to TARGET [--port N] [--from SOURCE | --from-principal P | --plaintext] [options]",
	  "Evaluate one request the way the target's Envoy sidecar does: CUSTOM\n"
	  "(ext_authz) policies, then RequestAuthentication (an invalid JWT is a\n"
	  "401), then DENY policies, then ALLOW policies (one enforced ALLOW policy\n"
	  "turns on deny-by-default).  Only the root namespace's and the target\n"
	  "namespace's policies apply.\n\n"
	  "TARGET is pod/NAME, deploy/NAME (deployment/), sts/NAME, ds/NAME or\n"
	  "svc/NAME, written NAME.NS or with -n.  --port is the container port for\n"
	  "workloads and the Service port for svc/; it defaults to the only port.\n"
	  "The protocol follows Istio's rules (appProtocol, then the Service port\n"
	  "name's prefix, else sniffing: HTTP when a METHOD is given); --protocol\n"
	  "overrides it.  On a TCP port ALLOW rules with HTTP-only fields are\n"
	  "dropped and DENY rules lose those fields.  Without METHOD an HTTP\n"
	  "request is GET /.\n\n"
	  "The caller is --from pod/NAME, deploy/NAME or sa/NAME (a workload's\n"
	  "mTLS state towards the target, as kubectl mesh-tls computes it, decides\n"
	  "whether it has an identity at all), --from-principal, or --plaintext;\n"
	  "with none of them the caller is plaintext.  --jwt takes a token whose\n"
	  "payload is decoded but not verified; iss and sub give the request\n"
	  "principal, and the token only counts when a RequestAuthentication\n"
	  "selecting the target lists its issuer.\n\n"
	  "Prints yes or no, like kubectl auth can-i.  Exit status: 0 allowed, 1\n"
	  "denied, 3 when a CUSTOM provider decides, 2 on error.\n",
	  "  # Can productpage GET /reviews/1 on reviews?\n"
	  "  kubectl %P can-i GET /reviews/1 --to svc/reviews --from deploy/productpage -n default\n\n"
	  "  # The whole evaluation, phase by phase\n"
	  "  kubectl %P can-i POST /charge --to svc/payments.shop --from sa/orders.shop --explain\n\n"
	  "  # A plaintext caller with a JWT, offline\n"
	  "  kubectl %P can-i GET /api --to deploy/web --plaintext --jwt \"$TOKEN\" -f manifests/\n\n"
	  "  # A TCP connection from a plaintext client, as JSON\n"
	  "  kubectl %P can-i --to pod/db-0.data --port 5432 --plaintext --from-ip 10.1.2.3 -o json\n",
	  cmd_can_i_options, sizeof(struct can_i_opts), OUTF_TABLE | OUTF_JSON | OUTF_YAML, 0, 2,
	  { COMPLETE_WORDS, COMPLETE_NONE, COMPLETE_NONE }, method_words, 1, cmd_can_i, 0 },
	{ "who-can", "List every identity that can make a call",
	  "who-can [METHOD [PATH]] --to TARGET [--port N] [--what-if FILE]...",
	  "List every identity that can make the call, with the decision, the\n"
	  "deciding policy and any condition still required (\"only with a valid\n"
	  "JWT\", \"only from 10.0.0.0/8\").  Identities are every service account\n"
	  "in the cluster (or in the files), plaintext callers, and the identity\n"
	  "classes the policies name that no service account holds: principals of\n"
	  "other trust domains, trust domains, JWT principals and IP ranges.\n"
	  "Without METHOD or PATH, rules that name methods or paths show up as\n"
	  "conditions.  Identities that match the same policy values are evaluated\n"
	  "once.\n\n"
	  "--what-if applies manifests on top of what is loaded and lists who gains\n"
	  "and who loses access: the review step before merging a policy change.\n",
	  "  # Who can call reviews at all?\n"
	  "  kubectl %P who-can --to svc/reviews -n default\n\n"
	  "  # Who can POST /charge on payments, offline\n"
	  "  kubectl %P who-can POST /charge --to svc/payments.shop -f examples/mesh\n\n"
	  "  # What would this policy change do?\n"
	  "  kubectl %P who-can --to svc/payments.shop -f examples/mesh --what-if examples/authz/payments-lockdown.yaml\n",
	  cmd_who_can_options, sizeof(struct who_can_opts), OUTF_TABLE | OUTF_JSON | OUTF_YAML, 0, 2,
	  { COMPLETE_WORDS, COMPLETE_NONE, COMPLETE_NONE }, method_words, 1, cmd_who_can, 0 },
	{ "explain", "Read a workload's policies back in plain English",
	  "explain TARGET",
	  "List the AuthorizationPolicies that apply to the workload, in evaluation\n"
	  "order (CUSTOM, DENY, ALLOW, AUDIT; root namespace first, then by creation\n"
	  "time), with a one-line plain-English reading of each rule.  Rules that\n"
	  "can never match (spiffe:// principals, lower-case methods, JWT fields\n"
	  "without a RequestAuthentication, HTTP-only ALLOW rules on TCP ports...)\n"
	  "and ALLOW rules made moot by a DENY rule are marked.\n",
	  "  # The policies of payments\n"
	  "  kubectl %P explain deploy/payments -n shop\n\n"
	  "  # The same, offline, as JSON\n"
	  "  kubectl %P explain svc/payments.shop -f examples/mesh -o json\n",
	  NULL, 0, OUTF_TABLE | OUTF_JSON | OUTF_YAML, 1, 1,
	  { COMPLETE_TARGET, COMPLETE_NONE, COMPLETE_NONE }, NULL, 1, cmd_explain, 0 },
	{ "lint", "Find mistakes in AuthorizationPolicies and RequestAuthentications",
	  "lint [-n NAMESPACE | -A]",
	  "Check the policies of a namespace (or all, with -A) for the mistakes\n"
	  "that make a mesh deny or allow what nobody meant: RequestAuthentication\n"
	  "without a policy that requires a JWT, an ALLOW policy that turns on\n"
	  "deny-by-default for a workload others call, spec: {}, principals written\n"
	  "with spiffe://, principals, namespaces and service accounts that exist\n"
	  "nowhere or have no sidecar, HTTP-only fields on TCP ports, selectors that\n"
	  "match no pod, lower-case methods, paths without a leading /, wildcards\n"
	  "Istio reads literally, DENY rules with not-fields that also block\n"
	  "plaintext callers, JWT fields without a RequestAuthentication, moot\n"
	  "ALLOW rules and what istiod's validation rejects.\n\n"
	  "Each finding has a severity, the object, a message and the fix.  Exit\n"
	  "status 1 when any finding is an error.\n",
	  "  # Check one namespace\n"
	  "  kubectl %P lint -n shop\n\n"
	  "  # Check a folder of manifests before applying it\n"
	  "  kubectl %P lint -A -f examples/mesh\n",
	  cmd_lint_options, 0, OUTF_TABLE | OUTF_JSON | OUTF_YAML, 0, 0, { 0 }, NULL, 1, cmd_lint, 0 },
	CMD_ENTRY_INVENTORY,
	CMD_ENTRY_VERSION,
	{ NULL }
};

static const struct cli_program program = {
	"mesh-authz",
	"Answer who can call what in an Istio mesh",
	"kubectl %P evaluates Istio AuthorizationPolicy and RequestAuthentication\nthe way the sidecar's Envoy does: can a caller make a request, who can\ncall a workload, what do its policies say, and what is wrong with them.\n\nIt works against the cluster in the current kubeconfig context, or offline\non manifests given with -f.\n",
	commands,
};

int main(int argc, char **argv)
{
	return cli_main(&program, argc, argv);
}
