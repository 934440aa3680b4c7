/* SPDX-License-Identifier: Apache-2.0 */
/* config all: every summary table at once, or the whole dump as JSON or YAML. */
#include "configdump.h"
#include "yamljson.h"

#include <string.h>

typedef int (*renderer_fn)(const struct config_view *, struct strbuf *, struct strbuf *);

int config_all(const struct config_view *v, struct strbuf *out, struct strbuf *err)
{
	static const struct {
		const char *title;
		renderer_fn fn;
	} sections[] = {
		{ "BOOTSTRAP INFO", config_bootstrap }, { "CLUSTER INFO", config_clusters },
		{ "LISTENER INFO", config_listeners },  { "ROUTE INFO", config_routes },
		{ "SECRET INFO", config_secrets },      { "ENDPOINTS INFO", config_eds },
	};
	struct config_view sub = *v;
	size_t i;

	if (v->format == CONFIG_JSON) {
		/* istioctl prints the dump it fetched, byte for byte, and a newline. */
		strbuf_add(out, v->dump->buf, v->dump->len);
		strbuf_addch(out, '\n');
		return 0;
	}
	if (v->format == CONFIG_YAML) {
		json_t *dump = jspan_json(v->dump->root, err);
		if (!dump)
			return -1;
		yamljson_emit(out, dump);
		strbuf_addch(out, '\n');
		json_decref(dump);
		return 0;
	}
	sub.with_type = 1;
	for (i = 0; i < ARRAY_SIZE(sections); i++) {
		if (i)
			strbuf_addch(out, '\n');
		if (v->f.with_headers)
			strbuf_addf(out, "------ %s ------\n\n", sections[i].title);
		if (sections[i].fn(&sub, out, err))
			return -1;
	}
	return 0;
}
