/* SPDX-License-Identifier: Apache-2.0 */
/* kubectl mesh-authz: the command table. */
#include "commands.h"

static const struct cmd_entry commands[] = {
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
