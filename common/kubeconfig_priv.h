/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by kubeconfig.c, execcred.c and oidc.c. */
#ifndef MESH_KUBECONFIG_PRIV_H
#define MESH_KUBECONFIG_PRIV_H

#include "kubeconfig.h"

/*
 * Append Go's text for a failed call on a path, e.g. "open /x: no such
 * file or directory" (strerror with a lowercase first letter).
 */
void kc_path_error(struct strbuf *err, const char *op, const char *path, int errnum);

/* Append a whole file to out; on failure append Go's "open P: ..." to err. */
int kc_read_file(struct strbuf *out, const char *path, struct strbuf *err);

/*
 * Decode text the way Go's base64.StdEncoding does (padding required,
 * only \r and \n skipped) and append the bytes to out.  On failure
 * append "illegal base64 data at input byte N" to err.
 */
int kc_base64_std(struct strbuf *out, const char *text, size_t len, struct strbuf *err);

/*
 * A JSON schema mirroring the Go structs a document is decoded into, so
 * that type mismatches give encoding/json's messages ("json: cannot
 * unmarshal number into Go struct field Cluster.clusters.cluster.server
 * of type string").  Fields are listed in byte order of their keys, the
 * order Go meets them in sigs.k8s.io/yaml's sorted JSON.
 */
enum kc_kind {
	KC_STR,
	KC_BOOL,
	KC_BYTES,  /* []byte: a base64 string */
	KC_STRS,   /* []string */
	KC_STRMAP, /* map[string]string */
	KC_STRUCT,
	KC_LIST,   /* []struct */
	KC_ANY,
};

struct kc_type;

struct kc_field {
	const char *key;
	enum kc_kind kind;
	const struct kc_type *type; /* KC_STRUCT and KC_LIST */
};

struct kc_type {
	const char *name; /* Go type, e.g. "v1.Cluster" */
	const struct kc_field *fields; /* terminated by KC_END_FIELDS */
};
#define KC_END_FIELDS { NULL, KC_ANY, NULL }

/*
 * Check obj (an object) against t.  Returns 0, or -1 with Go's message
 * appended to err.
 */
int kc_check(json_t *obj, const struct kc_type *t, struct strbuf *err);

/* String member of obj (borrowed), or NULL when absent, null or empty. */
const char *kc_str(json_t *obj, const char *key);

/* Wipe, then free, a string or strbuf that may hold a credential. */
void kc_free_secret(char *s);
void kc_release_secret(struct strbuf *sb);

/*
 * oidc.c: build the provider from a users[].user.auth-provider.config
 * map.  path and user name where the stanza came from, for write-back.
 * Returns a new provider (free with oidc_free) or NULL with err set.
 */
struct kube_oidc *oidc_new(json_t *config, const char *path, const char *user,
			   struct strbuf *err);
void oidc_free(struct kube_oidc *o);

/*
 * Make o->id_token usable: keep it while its exp is more than 10 s
 * away, else refresh it through the issuer and write the new tokens
 * back into o->kubeconfig_path.  Returns 0, or -1 with err set.
 */
int oidc_ensure_token(struct kube_oidc *o, struct strbuf *err);

#endif
