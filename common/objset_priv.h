/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by objset.c and objset_filter.c. */
#ifndef MESH_OBJSET_PRIV_H
#define MESH_OBJSET_PRIV_H

#include "objects.h"

/*
 * Add obj (takes the reference) exactly as objset_load_paths() adds a
 * document read from source: when list_kind is not NULL, obj is an item
 * of a List of that kind and apiVersion list_api (may be NULL), which
 * fill in the kind and apiVersion it leaves out; default_ns is the
 * namespace of namespaced objects that name none.  Returns 0, or -1
 * with err set in objset_load_paths()'s words.
 */
int objset_add_file_doc(struct objset *s, json_t *obj, const char *list_kind,
			const char *list_api, const char *source, const char *default_ns,
			struct strbuf *err);

#endif
