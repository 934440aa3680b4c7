/* SPDX-License-Identifier: Apache-2.0 */
/* Pieces of istioctl's proxy-config writers that several tables share. */
#include "configdump.h"
#include "xalloc.h"
#include "yamljson.h"

#include <stdlib.h>
#include <string.h>

/* Go's strings.Cut: split s at the first sep. */
static int cut(const char *s, const char *sep, char **before, const char **after)
{
	const char *at = strstr(s, sep);
	if (!at)
		return 0;
	*before = xstrndup(s, (size_t)(at - s));
	*after = at + strlen(sep);
	return 1;
}

/* istioctl's model.ParseSubsetKey: "dir|port|subset|host" (or the DNS SRV "_." form). */
static void parse_subset_key(struct subset_key *k, const char *s)
{
	const char *sep = starts_with(s, "outbound_") || starts_with(s, "inbound_") ? "_." : "|";
	char *port = NULL;

	if (!cut(s, sep, &k->direction, &s))
		return;
	if (!cut(s, sep, &port, &s))
		return;
	if (go_atoi(port, &k->port))
		k->port = 0;
	free(port);
	if (!cut(s, sep, &k->subset, &s))
		return;
	if (!strstr(s, sep))
		k->host = xstrdup(s);
}

void subset_key_parse(struct subset_key *k, const char *name)
{
	const char *p;
	int bars = 0;

	memset(k, 0, sizeof(*k));
	for (p = name; *p; p++)
		bars += *p == '|';
	/* safelyParseSubsetKey: only names with more than three '|' fields. */
	k->parsed = bars >= 3;
	if (k->parsed)
		parse_subset_key(k, name);
	else
		k->host = xstrdup(name);
	if (!k->direction)
		k->direction = xstrdup("");
	if (!k->subset)
		k->subset = xstrdup("");
	if (!k->host)
		k->host = xstrdup("");
}

void subset_key_release(struct subset_key *k)
{
	free(k->direction);
	free(k->subset);
	free(k->host);
	memset(k, 0, sizeof(*k));
}

int subset_key_less(const struct subset_key *a, const struct subset_key *b)
{
	int c = strcmp(a->host, b->host);
	if (c)
		return c < 0;
	c = strcmp(a->subset, b->subset);
	if (c)
		return c < 0;
	if (a->port != b->port)
		return a->port < b->port;
	return strcmp(a->direction, b->direction) < 0;
}

void config_describe_path(struct strbuf *out, const char *path)
{
	const char *pieces[9], *p = path;
	size_t n = 0;

	if (!starts_with(path, "/apis/networking.istio.io/")) {
		strbuf_addstr(out, "<unknown>");
		return;
	}
	/* strings.Split(path, "/") must give exactly 8 pieces: name.namespace. */
	pieces[n++] = p;
	while ((p = strchr(p, '/')) && n < ARRAY_SIZE(pieces))
		pieces[n++] = ++p;
	if (n != 8 || p)
		return;
	strbuf_addstr(out, pieces[7]);
	strbuf_addch(out, '.');
	strbuf_add(out, pieces[5], (size_t)(pieces[6] - pieces[5] - 1));
}

void config_describe_management(struct strbuf *out, const json_t *metadata)
{
	json_t *istio = json_object_get(pb_get(metadata, "filter_metadata"), "istio");
	json_t *config = json_object_get(istio, "config");
	if (config)
		config_describe_path(out, json_is_string(config) ? json_string_value(config) : "");
}

void config_describe_route_match(struct strbuf *out, json_t *match)
{
	const char *prefix = pb_str(match, "prefix"), *sep = "";
	const char *psp = pb_str(match, "path_separated_prefix"), *path = pb_str(match, "path");

	if (*prefix) {
		strbuf_addf(out, "%s*", prefix);
		sep = " ";
	}
	if (*psp) {
		strbuf_addf(out, "%sPathPrefix:%s", sep, psp);
		sep = " ";
	}
	if (*path) {
		strbuf_addf(out, "%s%s", sep, path);
		sep = " ";
	}
	if (json_is_object(pb_get(match, "safe_regex")))
		strbuf_addf(out, "%sregex %s", sep, pb_str(match, "safe_regex.regex"));
}

json_t *config_active_listeners(const struct config_dump *d, struct strbuf *err)
{
	static const char *const lists[][2] = {
		{ "dynamic_listeners", "active_state.listener" },
		{ "static_listeners", "listener" },
	};
	json_t *dump = config_dump_section_json(d, DUMP_TYPE("ListenersConfigDump"), err), *out, *e;
	size_t k, i;

	if (!dump)
		return NULL;
	out = json_array();
	for (k = 0; k < ARRAY_SIZE(lists); k++)
		json_array_foreach(pb_get(dump, lists[k][0]), i, e)
			if (json_is_object(pb_path(e, lists[k][1])))
				json_array_append(out, pb_path(e, lists[k][1]));
	json_decref(dump);
	return out;
}

const char *config_health_status(const json_t *obj, const char *path)
{
	static const char *const names[] = {
		"UNKNOWN", "HEALTHY", "UNHEALTHY", "DRAINING", "TIMEOUT", "DEGRADED",
	};
	return pb_enum(obj, path, names, ARRAY_SIZE(names));
}

void config_list_add(struct config_list *l, json_t *msg)
{
	if (l->view->format == CONFIG_YAML) {
		/* A list's YAML is its items' YAML, one after another. */
		json_t *one = json_pack("[O]", msg);
		yamljson_emit(l->out, one);
		json_decref(one);
	} else {
		strbuf_addstr(l->out, l->n ? ",\n    " : "[\n    ");
		gojson_indent(l->out, msg, 1);
	}
	l->n++;
}

void config_list_end(struct config_list *l)
{
	if (!l->n)
		strbuf_addstr(l->out, l->view->format == CONFIG_YAML ? "[]\n" : "[]");
	else if (l->view->format != CONFIG_YAML)
		strbuf_addstr(l->out, "\n]");
	strbuf_addch(l->out, '\n');
}

void config_print_message(const struct config_view *v, json_t *msg, struct strbuf *out)
{
	if (v->format == CONFIG_YAML)
		yamljson_emit(out, msg);
	else
		gojson_indent(out, msg, 0);
	strbuf_addch(out, '\n');
}

void config_print_jsonpb(const struct config_view *v, json_t *msg, struct strbuf *out)
{
	if (v->format == CONFIG_YAML)
		yamljson_emit(out, msg);
	else
		gojson_jsonpb(out, msg);
	strbuf_addch(out, '\n');
}
