/* SPDX-License-Identifier: Apache-2.0 */
/* test-common: dispatch to one unit-level check of common/. */
#include "compat.h"
#include "test-common.h"

#include <string.h>

struct test_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct test_cmd cmds[] = {
	{ "strbuf", cmd__strbuf },
	{ "base64", cmd__base64 },
	{ "rfc3339", cmd__rfc3339 },
	{ "yaml", cmd__yaml },
	{ "kubeconfig", cmd__kubeconfig },
	{ "labels", cmd__labels },
	{ "objects", cmd__objects },
	{ "kube", cmd__kube },
	{ "ws", cmd__ws },
};

int main(int argc, char **argv)
{
	size_t i;
	if (argc < 2) {
		fputs("usage: test-common <check> [args]\n", stderr);
		return 2;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i].name, argv[1]))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "test-common: unknown check '%s'\n", argv[1]);
	return 2;
}
