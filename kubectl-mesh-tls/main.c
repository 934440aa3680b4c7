/* SPDX-License-Identifier: Apache-2.0 */
/* kubectl mesh-tls: the command table. */
#include "commands.h"

static const struct cmd_entry commands[] = {
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
