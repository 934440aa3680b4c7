/* SPDX-License-Identifier: Apache-2.0 */
/* YAML and JSON documents in, jansson values out; and back to YAML (yamlemit.c). */
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
 * Append value as YAML exactly as kubectl's -o yaml writes it
 * (sigs.k8s.io/yaml.JSONToYAML, i.e. go-yaml v2 marshalling the value):
 * block style with a 2-space indent and sequences at their key's
 * indentation; keys in go-yaml's natural order (by code point, but
 * other characters before letters and runs of digits compared as
 * numbers: "a_b" before "aa", "a2" before "a10"); each
 * string in the first style that can carry it: plain, else
 * single-quoted, else double-quoted (so strings that would read back
 * as another type -- "true", "1", "1.5", "~", "2006-01-02" -- are
 * quoted), multi-line text as a literal block ("|", "|-" or "|+");
 * plain and quoted text folded at a space past column 80; floats as
 * Go's strconv 'g' format.  Ends with a newline; no "---" marker.
 * Written in yamlemit.c.
 */
void yamljson_emit(struct strbuf *out, json_t *value);

/*
 * Append the float64 d as Go prints it: with json set, as
 * encoding/json does (exponent only below 1e-6 or from 1e21 on, "e-7"
 * not "e-07"); else as strconv.FormatFloat(d, 'g', -1, 64), which is
 * what go-yaml writes, with YAML's .inf, -.inf and .nan.
 */
void yamljson_add_go_float(struct strbuf *out, double d, int json);

/*
 * Append a JSON rendering with 4-space indent and sorted keys plus a
 * final newline, as our -o json prints.
 */
void yamljson_dump_json(struct strbuf *out, json_t *value);

#endif
