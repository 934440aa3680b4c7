/* SPDX-License-Identifier: Apache-2.0 */
/* YAML and JSON documents in, jansson values out; and back to YAML. */
#ifndef MESH_YAMLJSON_H
#define MESH_YAMLJSON_H

#include <jansson.h>
#include "strbuf.h"

/*
 * Parse every document in text, the way kubectl reads manifests:
 *  - text whose first non-blank byte is '{' or '[' is a stream of JSON
 *    values (parsed by jansson, which is much faster on large dumps);
 *  - anything else is multi-document YAML.  Plain scalars resolve as
 *    sigs.k8s.io/yaml does (YAML 1.1: yes/no/on/off are booleans, 0777
 *    is octal, ~ is null); mapping keys are always strings; anchors,
 *    aliases and "<<" merge keys are honoured.
 * Empty documents (and documents that are null) are skipped.
 *
 * On success returns a new JSON array of the documents (caller owns
 * the reference).  On failure returns NULL and writes a message such as
 * "yaml: line 3: mapping values are not allowed in this context" or
 * "json: line 1 column 5: ..." into err.
 */
json_t *yamljson_parse(const char *text, size_t len, struct strbuf *err);

/*
 * Parse exactly one document (a kubeconfig, an istio mesh config).
 * Empty input gives an empty object.  Returns a new reference or NULL
 * with err filled.
 */
json_t *yamljson_parse_one(const char *text, size_t len, struct strbuf *err);

/*
 * Append value as block-style YAML in kubectl's layout (2-space
 * indent, sequences at their key's indentation, keys sorted, strings
 * that would resolve to another type quoted, multi-line strings as
 * literal blocks).  Does not emit a "---" marker.
 */
void yamljson_emit(struct strbuf *out, json_t *value);

/*
 * Append a JSON rendering with 4-space indent and sorted keys plus a
 * final newline, as our -o json prints.
 */
void yamljson_dump_json(struct strbuf *out, json_t *value);

#endif
