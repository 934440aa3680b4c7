/* SPDX-License-Identifier: Apache-2.0 */
/* kubectl mesh-proxy: the command table. */
#include "commands.h"
#include "configdump.h"

static const struct cmd_entry commands[] = {
	CMD_ENTRY_STATUS,
	CMD_ENTRY_CONFIG,
	CMD_ENTRY_LOGS,
	CMD_ENTRY_INVENTORY,
	CMD_ENTRY_VERSION,
	{ NULL }
};

static const struct cli_program program = {
	"mesh-proxy",
	"Show Istio proxy status and Envoy configuration",
	"kubectl %P shows what the Istio control plane and the Envoy sidecars\nactually hold: proxy sync status from istiod, the live configuration of a\nsidecar (clusters, listeners, routes, endpoints, secrets...) in\nistioctl's tables, and decoded access logs.\n",
	commands,
};

int main(int argc, char **argv)
{
	return cli_main(&program, argc, argv);
}
