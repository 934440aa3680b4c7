/* SPDX-License-Identifier: Apache-2.0 */
/* Protobuf JSON as Go's jsonpb and encoding/json print it, from Envoy's own JSON. */
#include "configdump.h"
#include "xalloc.h"
#include "yamljson.h"

#include <stdlib.h>
#include <string.h>

/*
 * Envoy writes its config dump with the original (snake_case) proto
 * field names, in declaration order, with 64-bit integers as strings
 * and enums by name.  Go's jsonpb writes the same content with
 * lowerCamelCase names and the keys of maps (and of the Struct that
 * carries free-form metadata) sorted.  Which objects are maps or
 * Structs is not visible in JSON, so the fields that hold them in the
 * Envoy API are listed here, by name and, where the name is ambiguous,
 * by the field that contains them.
 */

enum pbkind {
	PB_MESSAGE,      /* a message: keys are field names */
	PB_STRUCT,       /* google.protobuf.Struct / Value: keys are data */
	PB_MAP,          /* map<string, message or scalar> */
	PB_MAP_STRUCT,   /* map<string, google.protobuf.Struct> */
};

static int name_in(const char *key, const char *const *fields)
{
	for (; *fields; fields++)
		if (pb_name_is(key, strlen(key), *fields))
			return 1;
	return 0;
}

static int is_struct_type(const char *type)
{
	return ends_with(type, "/google.protobuf.Struct") || ends_with(type, "/google.protobuf.Value") ||
	       ends_with(type, "/google.protobuf.ListValue") || ends_with(type, ".TypedStruct");
}

/*
 * The kind of the value of field key, in a message whose "@type" is
 * type ("" when none) and which is itself the value of field parent.
 */
static enum pbkind field_kind(const char *parent, const char *key, const char *type)
{
	static const char *const maps[] = {
		"typed_filter_metadata", "typed_per_filter_config", "typed_extension_protocol_options",
		"policies", "key_values", "context_extensions", "per_filter_config", NULL
	};
	static const char *const structs[] = {
		"static_layer", "default_subset", "json_format", NULL
	};
	static const char *const struct_holders[] = {
		"node", "user_agent_build_version", "version", NULL
	};

	if (pb_name_is(key, strlen(key), "filter_metadata"))
		return PB_MAP_STRUCT;
	if (name_in(key, maps))
		return PB_MAP;
	if (name_in(key, structs))
		return PB_STRUCT;
	if (!strcmp(key, "metadata") && parent && name_in(parent, struct_holders))
		return PB_STRUCT;
	if (!strcmp(key, "match") && parent && pb_name_is(parent, strlen(parent), "transport_socket_matches"))
		return PB_STRUCT;
	if (!strcmp(key, "value") && is_struct_type(type))
		return PB_STRUCT;
	return PB_MESSAGE;
}

static const char *type_of(const json_t *obj)
{
	json_t *t = json_object_get(obj, "@type");
	return json_is_string(t) ? json_string_value(t) : "";
}

static int cmp_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **pbjson_sorted_keys(const json_t *obj, size_t *n)
{
	const char **keys = xcalloc(json_object_size(obj) + 1, sizeof(*keys));
	const char *k;
	json_t *v;
	size_t i = 0;

	json_object_foreach((json_t *)obj, k, v)
		keys[i++] = k;
	qsort(keys, i, sizeof(*keys), cmp_strings);
	*n = i;
	return keys;
}

/* A Struct (or Value) copied with every object's keys sorted. */
static json_t *copy_struct(json_t *v)
{
	json_t *out, *e;
	size_t i, n;

	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, e)
			json_array_append_new(out, copy_struct(e));
		return out;
	}
	if (json_is_object(v)) {
		const char **keys = pbjson_sorted_keys(v, &n);
		out = json_object();
		for (i = 0; i < n; i++)
			json_object_set_new(out, keys[i], copy_struct(json_object_get(v, keys[i])));
		free(keys);
		return out;
	}
	return json_incref(v);
}

static json_t *convert_message(json_t *msg, const char *parent);

/* A value of a message field (or an element of a repeated field). */
static json_t *convert_value(json_t *v, const char *field)
{
	json_t *out, *e;
	size_t i;

	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, e)
			json_array_append_new(out, convert_value(e, field));
		return out;
	}
	if (json_is_object(v))
		return convert_message(v, field);
	return json_incref(v);
}

static json_t *convert_map(json_t *map, enum pbkind kind, const char *field)
{
	json_t *out = json_object();
	const char **keys;
	size_t i, n;

	if (!json_is_object(map))
		return convert_value(map, field);
	keys = pbjson_sorted_keys(map, &n);
	for (i = 0; i < n; i++) {
		json_t *v = json_object_get(map, keys[i]);
		json_object_set_new(out, keys[i],
				    kind == PB_MAP_STRUCT ? copy_struct(v) : convert_value(v, field));
	}
	free(keys);
	return out;
}

static json_t *convert_message(json_t *msg, const char *parent)
{
	json_t *out = json_object(), *v;
	struct strbuf name = STRBUF_INIT;
	const char *type = type_of(msg), *k;

	json_object_foreach(msg, k, v) {
		enum pbkind kind = field_kind(parent, k, type);
		json_t *nv;

		strbuf_reset(&name);
		if (*k == '@')
			strbuf_addstr(&name, k);
		else
			pb_camel(&name, k);
		if (kind == PB_STRUCT)
			nv = copy_struct(v);
		else if (kind == PB_MAP || kind == PB_MAP_STRUCT)
			nv = convert_map(v, kind, k);
		else
			nv = convert_value(v, k);
		json_object_set_new(out, name.buf, nv);
	}
	strbuf_release(&name);
	return out;
}

json_t *pbjson_message(json_t *msg, int drop_type)
{
	json_t *out;
	if (!json_is_object(msg))
		return json_incref(msg);
	out = convert_message(msg, NULL);
	if (drop_type)
		json_object_del(out, "@type");
	return out;
}

/* ---- scalars ---- */

/* Go's encoding/json string encoding, with HTML escaping on (json.Marshal's default). */
static void add_go_string(struct strbuf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	strbuf_addch(out, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': strbuf_addstr(out, "\\\""); continue;
		case '\\': strbuf_addstr(out, "\\\\"); continue;
		case '\n': strbuf_addstr(out, "\\n"); continue;
		case '\r': strbuf_addstr(out, "\\r"); continue;
		case '\t': strbuf_addstr(out, "\\t"); continue;
		case '\b': strbuf_addstr(out, "\\b"); continue;
		case '\f': strbuf_addstr(out, "\\f"); continue;
		default: break;
		}
		if (c < 0x20 || c == '<' || c == '>' || c == '&') {
			strbuf_addf(out, "\\u00%c%c", hex[c >> 4], hex[c & 0xf]);
		} else if (c == 0xe2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
			   ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9)) {
			strbuf_addf(out, "\\u202%c", (unsigned char)s[i + 2] == 0xa8 ? '8' : '9');
			i += 2;
		} else {
			strbuf_addch(out, c);
		}
	}
	strbuf_addch(out, '"');
}

static void add_scalar(struct strbuf *out, json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		add_go_string(out, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		strbuf_addf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		yamljson_add_go_float(out, json_real_value(v), 1);
		break;
	case JSON_TRUE:
		strbuf_addstr(out, "true");
		break;
	case JSON_FALSE:
		strbuf_addstr(out, "false");
		break;
	default:
		strbuf_addstr(out, "null");
		break;
	}
}

static void indent_to(struct strbuf *out, int level)
{
	strbuf_addchars(out, ' ', (size_t)level * 4);
}

/* ---- encoding/json.MarshalIndent ---- */

static void indent_value(struct strbuf *out, json_t *v, int level)
{
	const char *k;
	json_t *e;
	size_t i = 0;

	if (json_is_object(v) && json_object_size(v)) {
		strbuf_addstr(out, "{\n");
		json_object_foreach(v, k, e) {
			if (i++)
				strbuf_addstr(out, ",\n");
			indent_to(out, level + 1);
			add_go_string(out, k, strlen(k));
			strbuf_addstr(out, ": ");
			indent_value(out, e, level + 1);
		}
		strbuf_addch(out, '\n');
		indent_to(out, level);
		strbuf_addch(out, '}');
	} else if (json_is_array(v) && json_array_size(v)) {
		strbuf_addstr(out, "[\n");
		json_array_foreach(v, i, e) {
			if (i)
				strbuf_addstr(out, ",\n");
			indent_to(out, level + 1);
			indent_value(out, e, level + 1);
		}
		strbuf_addch(out, '\n');
		indent_to(out, level);
		strbuf_addch(out, ']');
	} else if (json_is_object(v) || json_is_array(v)) {
		strbuf_addstr(out, json_is_object(v) ? "{}" : "[]");
	} else {
		add_scalar(out, v);
	}
}

void gojson_indent(struct strbuf *out, json_t *v, int level)
{
	indent_value(out, v, level);
}

/* ---- jsonpb.Marshaler{Indent: "    "} ---- */

/*
 * The indent arguments below are those of the Go functions in
 * github.com/golang/protobuf/jsonpb/encode.go: marshalMessage(m,
 * indent) writes fields at indent+1 and its "}" at indent.  A Struct is
 * printed by marshalValue on its map with the indent of the message
 * that holds it plus one, which is why its entries end up one level
 * deeper than a message's fields would.
 */
static void jsonpb_message(struct strbuf *out, json_t *msg, int indent, const char *parent);

static void jsonpb_struct_value(struct strbuf *out, json_t *v, int indent);

/* A Struct's fields map, or a ListValue's values, printed by marshalValue(indent). */
static void jsonpb_struct_container(struct strbuf *out, json_t *v, int indent)
{
	int is_obj = json_is_object(v);
	const char **keys = NULL;
	size_t i, n;

	strbuf_addch(out, is_obj ? '{' : '[');
	if (is_obj)
		keys = pbjson_sorted_keys(v, &n);
	else
		n = json_array_size(v);
	for (i = 0; i < n; i++) {
		if (i)
			strbuf_addch(out, ',');
		strbuf_addch(out, '\n');
		indent_to(out, indent + 2);
		if (is_obj) {
			add_go_string(out, keys[i], strlen(keys[i]));
			strbuf_addstr(out, ": ");
		}
		jsonpb_struct_value(out, is_obj ? json_object_get(v, keys[i]) : json_array_get(v, i),
				    indent + 2);
	}
	free(keys);
	strbuf_addch(out, '\n');
	indent_to(out, indent + 1);
	strbuf_addch(out, is_obj ? '}' : ']');
}

/* A google.protobuf.Value printed by marshalMessage(indent). */
static void jsonpb_struct_value(struct strbuf *out, json_t *v, int indent)
{
	if (json_is_object(v) || json_is_array(v))
		jsonpb_struct_container(out, v, indent + 1);
	else
		add_scalar(out, v);
}

/* marshalValue of a field of kind `kind` in a message printed at indent. */
static void jsonpb_field(struct strbuf *out, json_t *v, int indent, const char *field,
			 enum pbkind kind)
{
	const char **keys;
	size_t i, n;

	if (kind == PB_STRUCT && (json_is_object(v) || json_is_array(v))) {
		jsonpb_struct_container(out, v, indent + 1);
	} else if (json_is_array(v)) {
		strbuf_addch(out, '[');
		for (i = 0; i < json_array_size(v); i++) {
			json_t *e = json_array_get(v, i);
			strbuf_addstr(out, i ? ",\n" : "\n");
			indent_to(out, indent + 2);
			if (json_is_object(e))
				jsonpb_message(out, e, indent + 2, field);
			else
				add_scalar(out, e);
		}
		strbuf_addch(out, '\n');
		indent_to(out, indent + 1);
		strbuf_addch(out, ']');
	} else if (json_is_object(v) && (kind == PB_MAP || kind == PB_MAP_STRUCT)) {
		keys = pbjson_sorted_keys(v, &n);
		strbuf_addch(out, '{');
		for (i = 0; i < n; i++) {
			json_t *e = json_object_get(v, keys[i]);
			strbuf_addstr(out, i ? ",\n" : "\n");
			indent_to(out, indent + 2);
			add_go_string(out, keys[i], strlen(keys[i]));
			strbuf_addstr(out, ": ");
			if (kind == PB_MAP_STRUCT && (json_is_object(e) || json_is_array(e)))
				jsonpb_struct_container(out, e, indent + 2);
			else if (json_is_object(e))
				jsonpb_message(out, e, indent + 2, field);
			else
				add_scalar(out, e);
		}
		free(keys);
		strbuf_addch(out, '\n');
		indent_to(out, indent + 1);
		strbuf_addch(out, '}');
	} else if (json_is_object(v)) {
		jsonpb_message(out, v, indent + 1, field);
	} else {
		add_scalar(out, v);
	}
}

static void jsonpb_message(struct strbuf *out, json_t *msg, int indent, const char *parent)
{
	const char *type = type_of(msg), *k;
	json_t *v;
	size_t i = 0;

	strbuf_addstr(out, "{\n");
	json_object_foreach(msg, k, v) {
		if (i++)
			strbuf_addstr(out, ",\n");
		indent_to(out, indent + 1);
		add_go_string(out, k, strlen(k));
		strbuf_addstr(out, ": ");
		jsonpb_field(out, v, indent, k, field_kind(parent, k, type));
	}
	strbuf_addch(out, '\n');
	indent_to(out, indent);
	strbuf_addch(out, '}');
}

void gojson_jsonpb(struct strbuf *out, json_t *v)
{
	if (json_is_object(v))
		jsonpb_message(out, v, 0, NULL);
	else
		indent_value(out, v, 0);
}
