/* SPDX-License-Identifier: Apache-2.0 */
/* Kubernetes label selectors: matchLabels, matchExpressions and the string form. */
#ifndef MESH_LABELS_H
#define MESH_LABELS_H

#include <jansson.h>
#include "strbuf.h"

/*
 * 1 when every key/value pair of want (a JSON object of strings, e.g.
 * an Istio selector.matchLabels or a Service spec.selector) is present
 * in labels (a JSON object, or NULL for none).  An empty or NULL want
 * matches everything; callers decide what an empty selector means for
 * their kind (a Service with no selector selects no pods).
 */
int labels_contain(json_t *labels, json_t *want);

/*
 * labels (a JSON object of strings, e.g. metadata.labels or a
 * matchLabels) as text: "app=payments,version=v1", keys sorted
 * bytewise, a value that is not a string as empty; "" for none.
 * Returns a new string (caller frees).
 */
char *labels_text(json_t *labels);

/*
 * Evaluate a metav1.LabelSelector ({matchLabels, matchExpressions}
 * with operators In, NotIn, Exists, DoesNotExist) against labels.
 * A NULL selector matches nothing; an empty one ({}) matches
 * everything.  Returns 1 or 0, or -1 with err set when the selector is
 * malformed (unknown operator, values with Exists, ...).
 */
int label_selector_matches(json_t *selector, json_t *labels, struct strbuf *err);

/*
 * A parsed string selector as kubectl's -l takes it:
 * "a=b,c==d,e!=f,g in (x,y),h notin (z),i,!j".
 */
struct label_query;

/*
 * Returns a new query (free with label_query_free) or NULL with err set
 * to kubectl's text: "the provided selector \"S\" is not valid: " and
 * apimachinery's message.  Surrounding white space is ignored; an
 * empty selector matches everything.
 */
struct label_query *label_query_parse(const char *text, struct strbuf *err);
/*
 * The same parse as the API server runs it on a labelSelector parameter
 * (labels.Parse): err gets apimachinery's message alone, such as
 * "unable to parse requirement: found '' expected: '('".
 */
struct label_query *label_query_parse_bare(const char *text, struct strbuf *err);
int label_query_matches(const struct label_query *q, json_t *labels);
/* 1 when q has no requirements, so that it matches everything. */
int label_query_empty(const struct label_query *q);
void label_query_free(struct label_query *q);

#endif
