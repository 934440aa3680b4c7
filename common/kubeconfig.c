/* SPDX-License-Identifier: Apache-2.0 */
/* kubeconfig loading, merging and resolution, following client-go's clientcmd. */
#include "kubeconfig_priv.h"
#include "base64.h"
#include "xalloc.h"
#include "yamljson.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXEC_V1 "client.authentication.k8s.io/v1"
#define EXEC_V1BETA1 "client.authentication.k8s.io/v1beta1"
#define EXEC_V1ALPHA1 "client.authentication.k8s.io/v1alpha1"
#define EXEC_EXTENSION "client.authentication.k8s.io/exec"
#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* ---- Go-compatible helpers ---- */

void kc_path_error(struct strbuf *err, const char *op, const char *path, int errnum)
{
	const char *msg = strerror(errnum);
	strbuf_addf(err, "%s %s: ", op, path);
	if (*msg) {
		strbuf_addch(err, tolower((unsigned char)*msg));
		strbuf_addstr(err, msg + 1);
	}
}

int kc_read_file(struct strbuf *out, const char *path, struct strbuf *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int saved;

	if (fd < 0) {
		kc_path_error(err, "open", path, errno);
		return -1;
	}
	if (strbuf_read_fd(out, fd) < 0) {
		saved = errno;
		close(fd);
		kc_path_error(err, "read", path, saved);
		return -1;
	}
	close(fd);
	return 0;
}

static int is_b64_std(unsigned char c)
{
	return isalnum(c) || c == '+' || c == '/';
}

static size_t skip_newlines(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/*
 * The offset Go's StdEncoding.Decode reports for text, or -1 when it
 * decodes.  This mirrors decodeQuantum, offsets included.
 */
static long go_b64_bad(const char *s, size_t n)
{
	size_t si = 0;
	while (si < n) {
		int j;
		for (j = 0; j < 4; j++) {
			unsigned char in;
			if (si == n)
				return j == 0 ? -1 : (long)(si - (size_t)j);
			in = (unsigned char)s[si++];
			if (is_b64_std(in))
				continue;
			if (in == '\n' || in == '\r') {
				j--;
				continue;
			}
			if (in != '=' || j < 2)
				return (long)(si - 1);
			if (j == 2) {
				si = skip_newlines(s, si, n);
				if (si == n)
					return (long)n;
				if (s[si] != '=')
					return (long)(si - 1);
				si++;
			}
			si = skip_newlines(s, si, n);
			return si < n ? (long)si : -1;
		}
	}
	return -1;
}

int kc_base64_std(struct strbuf *out, const char *text, size_t len, struct strbuf *err)
{
	long bad = go_b64_bad(text, len);
	if (bad >= 0) {
		strbuf_addf(err, "illegal base64 data at input byte %ld", bad);
		return -1;
	}
	return base64_decode(out, text, len, NULL);
}

const char *kc_str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s && *s ? s : NULL;
}

void kc_free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

void kc_release_secret(struct strbuf *sb)
{
	if (sb->alloc)
		explicit_bzero(sb->buf, sb->alloc);
	strbuf_release(sb);
}

/* s when it is a non-empty string (a flag that was given), else NULL. */
static const char *given(const char *s)
{
	return s && *s ? s : NULL;
}

static const char *first_of(const char *a, const char *b)
{
	return a ? a : b;
}

/* ---- the v1.Config schema ---- */

static const struct kc_field named_extension_fields[] = {
	{ "extension", KC_ANY, NULL },
	{ "name", KC_STR, NULL },
	KC_END_FIELDS,
};
static const struct kc_type named_extension_type = { "v1.NamedExtension", named_extension_fields };

static const struct kc_field cluster_fields[] = {
	{ "certificate-authority", KC_STR, NULL },
	{ "certificate-authority-data", KC_BYTES, NULL },
	{ "disable-compression", KC_BOOL, NULL },
	{ "extensions", KC_LIST, &named_extension_type },
	{ "insecure-skip-tls-verify", KC_BOOL, NULL },
	{ "proxy-url", KC_STR, NULL },
	{ "server", KC_STR, NULL },
	{ "tls-server-name", KC_STR, NULL },
	KC_END_FIELDS,
};
static const struct kc_type cluster_type = { "v1.Cluster", cluster_fields };

static const struct kc_field named_cluster_fields[] = {
	{ "cluster", KC_STRUCT, &cluster_type },
	{ "name", KC_STR, NULL },
	KC_END_FIELDS,
};
static const struct kc_type named_cluster_type = { "v1.NamedCluster", named_cluster_fields };

static const struct kc_field context_fields[] = {
	{ "cluster", KC_STR, NULL },
	{ "extensions", KC_LIST, &named_extension_type },
	{ "namespace", KC_STR, NULL },
	{ "user", KC_STR, NULL },
	KC_END_FIELDS,
};
static const struct kc_type context_type = { "v1.Context", context_fields };

static const struct kc_field named_context_fields[] = {
	{ "context", KC_STRUCT, &context_type },
	{ "name", KC_STR, NULL },
	KC_END_FIELDS,
};
static const struct kc_type named_context_type = { "v1.NamedContext", named_context_fields };

static const struct kc_field env_var_fields[] = {
	{ "name", KC_STR, NULL },
	{ "value", KC_STR, NULL },
	KC_END_FIELDS,
};
static const struct kc_type env_var_type = { "v1.ExecEnvVar", env_var_fields };

static const struct kc_field exec_fields[] = {
	{ "apiVersion", KC_STR, NULL },
	{ "args", KC_STRS, NULL },
	{ "command", KC_STR, NULL },
	{ "env", KC_LIST, &env_var_type },
	{ "installHint", KC_STR, NULL },
	{ "interactiveMode", KC_STR, NULL },
	{ "provideClusterInfo", KC_BOOL, NULL },
	KC_END_FIELDS,
};
static const struct kc_type exec_type = { "v1.ExecConfig", exec_fields };

static const struct kc_field auth_provider_fields[] = {
	{ "config", KC_STRMAP, NULL },
	{ "name", KC_STR, NULL },
	KC_END_FIELDS,
};
static const struct kc_type auth_provider_type = { "v1.AuthProviderConfig", auth_provider_fields };

static const struct kc_field auth_info_fields[] = {
	{ "as", KC_STR, NULL },
	{ "as-groups", KC_STRS, NULL },
	{ "as-uid", KC_STR, NULL },
	{ "as-user-extra", KC_ANY, NULL },
	{ "auth-provider", KC_STRUCT, &auth_provider_type },
	{ "client-certificate", KC_STR, NULL },
	{ "client-certificate-data", KC_BYTES, NULL },
	{ "client-key", KC_STR, NULL },
	{ "client-key-data", KC_BYTES, NULL },
	{ "exec", KC_STRUCT, &exec_type },
	{ "extensions", KC_LIST, &named_extension_type },
	{ "password", KC_STR, NULL },
	{ "token", KC_STR, NULL },
	{ "tokenFile", KC_STR, NULL },
	{ "username", KC_STR, NULL },
	KC_END_FIELDS,
};
static const struct kc_type auth_info_type = { "v1.AuthInfo", auth_info_fields };

static const struct kc_field named_auth_info_fields[] = {
	{ "name", KC_STR, NULL },
	{ "user", KC_STRUCT, &auth_info_type },
	KC_END_FIELDS,
};
static const struct kc_type named_auth_info_type = { "v1.NamedAuthInfo", named_auth_info_fields };

static const struct kc_field preferences_fields[] = {
	{ "colors", KC_BOOL, NULL },
	{ "extensions", KC_LIST, &named_extension_type },
	KC_END_FIELDS,
};
static const struct kc_type preferences_type = { "v1.Preferences", preferences_fields };

static const struct kc_field config_fields[] = {
	{ "apiVersion", KC_STR, NULL },
	{ "clusters", KC_LIST, &named_cluster_type },
	{ "contexts", KC_LIST, &named_context_type },
	{ "current-context", KC_STR, NULL },
	{ "extensions", KC_LIST, &named_extension_type },
	{ "kind", KC_STR, NULL },
	{ "preferences", KC_STRUCT, &preferences_type },
	{ "users", KC_LIST, &named_auth_info_type },
	KC_END_FIELDS,
};
static const struct kc_type config_type = { "v1.Config", config_fields };

/* ---- schema checking ---- */

struct kc_walk {
	struct strbuf path; /* dotted JSON keys, as in Go's error context */
	struct strbuf *err;
};

static const char *json_kind(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	default:
		return "null";
	}
}

static void go_type_name(struct strbuf *sb, const struct kc_field *f)
{
	static const char *const names[] = {
		[KC_STR] = "string", [KC_BOOL] = "bool", [KC_BYTES] = "[]uint8",
		[KC_STRS] = "[]string", [KC_STRMAP] = "map[string]string",
		[KC_ANY] = "interface {}",
	};
	if (f->kind == KC_LIST)
		strbuf_addstr(sb, "[]");
	if (f->kind == KC_LIST || f->kind == KC_STRUCT)
		strbuf_addstr(sb, f->type->name);
	else
		strbuf_addstr(sb, names[f->kind]);
}

static int mismatch(struct kc_walk *w, json_t *v, const struct kc_type *owner, const char *gotype)
{
	const char *dot = strchr(owner->name, '.');
	strbuf_addf(w->err, "json: cannot unmarshal %s into Go struct field %s.%s of type %s",
		    json_kind(v), dot ? dot + 1 : owner->name, w->path.buf, gotype);
	return -1;
}

static int check_struct(struct kc_walk *w, json_t *obj, const struct kc_type *t);

static int check_elems(struct kc_walk *w, json_t *arr, const struct kc_field *f,
		       const struct kc_type *owner)
{
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e) {
		if (json_is_null(e))
			continue;
		if (f->kind == KC_STRS) {
			if (!json_is_string(e))
				return mismatch(w, e, owner, "string");
		} else if (!json_is_object(e)) {
			return mismatch(w, e, owner, f->type->name);
		} else if (check_struct(w, e, f->type)) {
			return -1;
		}
	}
	return 0;
}

static int check_strmap(struct kc_walk *w, json_t *obj, const struct kc_type *owner)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		if (!json_is_null(v) && !json_is_string(v))
			return mismatch(w, v, owner, "string");
	}
	return 0;
}

static int shape_ok(json_t *v, enum kc_kind kind)
{
	switch (kind) {
	case KC_STR:
	case KC_BYTES:
		return json_is_string(v);
	case KC_BOOL:
		return json_is_boolean(v);
	case KC_STRS:
	case KC_LIST:
		return json_is_array(v);
	case KC_STRMAP:
	case KC_STRUCT:
		return json_is_object(v);
	default:
		return 1;
	}
}

static int check_field(struct kc_walk *w, json_t *v, const struct kc_field *f,
		       const struct kc_type *owner)
{
	if (!shape_ok(v, f->kind)) {
		struct strbuf ty = STRBUF_INIT;
		go_type_name(&ty, f);
		mismatch(w, v, owner, ty.buf);
		strbuf_release(&ty);
		return -1;
	}
	switch (f->kind) {
	case KC_BYTES: {
		struct strbuf tmp = STRBUF_INIT;
		int r = kc_base64_std(&tmp, json_string_value(v), json_string_length(v), w->err);
		strbuf_release(&tmp);
		return r;
	}
	case KC_STRS:
	case KC_LIST:
		return check_elems(w, v, f, owner);
	case KC_STRMAP:
		return check_strmap(w, v, owner);
	case KC_STRUCT:
		return check_struct(w, v, f->type);
	default:
		return 0;
	}
}

static int check_struct(struct kc_walk *w, json_t *obj, const struct kc_type *t)
{
	const struct kc_field *f;

	for (f = t->fields; f->key; f++) {
		json_t *v = json_object_get(obj, f->key);
		size_t len = w->path.len;
		int r;

		if (!v || json_is_null(v))
			continue;
		if (len)
			strbuf_addch(&w->path, '.');
		strbuf_addstr(&w->path, f->key);
		r = check_field(w, v, f, t);
		strbuf_setlen(&w->path, len);
		if (r)
			return -1;
	}
	return 0;
}

int kc_check(json_t *obj, const struct kc_type *t, struct strbuf *err)
{
	struct kc_walk w = { STRBUF_INIT, err };
	int r = check_struct(&w, obj, t);
	strbuf_release(&w.path);
	return r;
}

/* ---- loading and merging ---- */

struct kc_file {
	char *path; /* as given */
	char *dir;  /* absolute directory, base of relative paths */
	json_t *doc;
};

struct kc_entry {
	const char *name;
	json_t *body;  /* the cluster/user/context object, or NULL */
	size_t file;   /* index into kc_loaded.files */
};

struct kc_set {
	struct kc_entry *v;
	size_t nr, alloc;
	json_t *index; /* name -> position in v */
};

enum { KC_CLUSTERS, KC_USERS, KC_CONTEXTS, KC_NR_SETS };

static const struct kc_list {
	const char *key;
	const char *body;
	const char *conversion; /* for the duplicate-name message */
} kc_lists[KC_NR_SETS] = {
	{ "clusters", "cluster", "*[]NamedCluster into *map[string]*api.Cluster" },
	{ "users", "user", "*[]NamedAuthInfo into *map[string]*api.AuthInfo" },
	{ "contexts", "context", "*[]NamedContext into *map[string]*api.Context" },
};

struct kc_loaded {
	struct kc_file *files;
	size_t nr_files, alloc_files;
	struct kc_set sets[KC_NR_SETS];
	const char *current_context; /* first non-empty one, borrowed */
};

static void kc_loaded_release(struct kc_loaded *ld)
{
	size_t i;
	for (i = 0; i < ld->nr_files; i++) {
		free(ld->files[i].path);
		free(ld->files[i].dir);
		json_decref(ld->files[i].doc);
	}
	free(ld->files);
	for (i = 0; i < KC_NR_SETS; i++) {
		free(ld->sets[i].v);
		json_decref(ld->sets[i].index);
	}
	memset(ld, 0, sizeof(*ld));
}

static const char *entry_name(json_t *e)
{
	const char *s = json_string_value(json_object_get(e, "name"));
	return s ? s : "";
}

static const struct kc_entry *kc_find(const struct kc_set *set, const char *name)
{
	json_t *pos = name ? json_object_get(set->index, name) : NULL;
	return pos ? &set->v[json_integer_value(pos)] : NULL;
}

static void kc_add(struct kc_set *set, const char *name, json_t *body, size_t file)
{
	if (!set->index)
		set->index = json_object();
	json_object_set_new(set->index, name, json_integer((json_int_t)set->nr));
	ALLOC_GROW(set->v, set->nr + 1, set->alloc);
	set->v[set->nr].name = name;
	set->v[set->nr].body = body;
	set->v[set->nr].file = file;
	set->nr++;
}

/* The first name met a second time in a named list, or NULL. */
static const char *repeated_name(json_t *list)
{
	json_t *seen = json_object(), *e;
	const char *dup = NULL;
	size_t i;

	json_array_foreach(list, i, e) {
		const char *name = entry_name(e);
		if (json_object_get(seen, name)) {
			dup = name;
			break;
		}
		json_object_set_new(seen, name, json_true());
	}
	json_decref(seen);
	return dup;
}

static int duplicate_error(struct strbuf *err, const char *conversion, const char *name)
{
	/* Go appends a dump of the list; it may hold secrets, so we do not. */
	strbuf_addf(err, "error converting %s: duplicate name ", conversion);
	strbuf_addstr_go_quoted(err, name);
	strbuf_addstr(err, " in list");
	return -1;
}

static int check_extensions(json_t *owner, struct strbuf *err)
{
	const char *dup = repeated_name(json_object_get(owner, "extensions"));
	if (!dup)
		return 0;
	return duplicate_error(err, "*[]NamedExtension into *map[string]runtime.Object", dup);
}

/* The name checks Go's conversion to the internal API performs. */
static int check_names(json_t *doc, struct strbuf *err)
{
	size_t k, i;
	json_t *e;

	if (check_extensions(json_object_get(doc, "preferences"), err))
		return -1;
	for (k = 0; k < KC_NR_SETS; k++) {
		json_t *list = json_object_get(doc, kc_lists[k].key);
		const char *dup;
		json_array_foreach(list, i, e) {
			if (check_extensions(json_object_get(e, kc_lists[k].body), err))
				return -1;
		}
		dup = repeated_name(list);
		if (dup)
			return duplicate_error(err, kc_lists[k].conversion, dup);
	}
	return check_extensions(doc, err);
}

static int check_kind(json_t *doc, struct strbuf *err)
{
	const char *kind = kc_str(doc, "kind");
	const char *version = kc_str(doc, "apiVersion");

	if ((!kind || !strcmp(kind, "Config")) && (!version || !strcmp(version, "v1")))
		return 0;
	strbuf_addstr(err, "no kind ");
	strbuf_addstr_go_quoted(err, kind ? kind : "Config");
	strbuf_addstr(err, " is registered for version ");
	strbuf_addstr_go_quoted(err, version ? version : "v1");
	return -1;
}

/* Parse and check one file's text; returns the document or NULL. */
static json_t *parse_config(const struct strbuf *text, struct strbuf *err)
{
	json_t *doc;

	if (!text->len)
		return json_object();
	doc = yamljson_parse_one(text->buf, text->len, err);
	if (!doc)
		return NULL;
	if (json_is_null(doc)) {
		json_decref(doc);
		return json_object();
	}
	if (!json_is_object(doc)) {
		strbuf_addf(err, "couldn't get version/kind; json parse error: json: cannot unmarshal %s "
			    "into Go value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; "
			    "Kind string \"json:\\\"kind,omitempty\\\"\" }", json_kind(doc));
	} else if (!check_kind(doc, err) && !kc_check(doc, &config_type, err) &&
		   !check_names(doc, err)) {
		return doc;
	}
	json_decref(doc);
	return NULL;
}

static char *clean_abs_path(const char *p)
{
	struct strbuf out = STRBUF_INIT;

	while (*p) {
		const char *e;
		size_t n;
		while (*p == '/')
			p++;
		e = strchrnul(p, '/');
		n = (size_t)(e - p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(out.buf, '/');
			strbuf_setlen(&out, slash ? (size_t)(slash - out.buf) : 0);
		} else if (n && !(n == 1 && p[0] == '.')) {
			strbuf_addch(&out, '/');
			strbuf_add(&out, p, n);
		}
		p = e;
	}
	if (!out.len)
		strbuf_addch(&out, '/');
	return strbuf_detach(&out, NULL);
}

/* filepath.Abs(filepath.Dir(path)) */
static char *abs_dir(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	const char *slash = strrchr(path, '/');
	char *res;

	if (path[0] != '/') {
		char *cwd = getcwd(NULL, 0);
		strbuf_addstr(&sb, cwd ? cwd : "/");
		strbuf_addch(&sb, '/');
		free(cwd);
	}
	if (slash)
		strbuf_add(&sb, path, (size_t)(slash - path) + 1);
	res = clean_abs_path(sb.buf);
	strbuf_release(&sb);
	return res;
}

static void merge_file(struct kc_loaded *ld, size_t file)
{
	json_t *doc = ld->files[file].doc;
	const char *cc = kc_str(doc, "current-context");
	size_t k, i;
	json_t *e;

	for (k = 0; k < KC_NR_SETS; k++) {
		struct kc_set *set = &ld->sets[k];
		json_array_foreach(json_object_get(doc, kc_lists[k].key), i, e) {
			json_t *body = json_object_get(e, kc_lists[k].body);
			if (!json_is_null(e) && !kc_find(set, entry_name(e)))
				kc_add(set, entry_name(e), json_is_object(body) ? body : NULL, file);
		}
	}
	if (!ld->current_context && cc)
		ld->current_context = cc;
}

static void load_error(struct strbuf *errs, const char *path, const struct strbuf *why)
{
	if (errs->len)
		strbuf_addch(errs, '\n');
	strbuf_addf(errs, "error loading config file \"%s\": %s", path, why->buf);
}

/* Load one file (a missing one is skipped); problems go to errs. */
static void load_file(struct kc_loaded *ld, const char *path, struct strbuf *errs)
{
	struct strbuf text = STRBUF_INIT, why = STRBUF_INIT;
	json_t *doc = NULL;
	struct kc_file *f;

	if (access(path, F_OK) && errno == ENOENT)
		return;
	if (!kc_read_file(&text, path, &why))
		doc = parse_config(&text, &why);
	strbuf_release(&text);
	if (!doc) {
		load_error(errs, path, &why);
		strbuf_release(&why);
		return;
	}
	strbuf_release(&why);
	ALLOC_GROW(ld->files, ld->nr_files + 1, ld->alloc_files);
	f = &ld->files[ld->nr_files];
	f->path = xstrdup(path);
	f->dir = abs_dir(path);
	f->doc = doc;
	merge_file(ld, ld->nr_files++);
}

/* $KUBECONFIG: split on ':', empty entries and repeats dropped. */
static void load_env_list(struct kc_loaded *ld, const char *list, struct strbuf *errs)
{
	char *copy = xstrdup(list), *p = copy;
	const char **seen = xcalloc(strlen(list) + 1, sizeof(*seen));
	size_t nr = 0, i;

	while (p) {
		char *colon = strchr(p, ':');
		if (colon)
			*colon = '\0';
		for (i = 0; i < nr && strcmp(seen[i], p); i++)
			;
		if (*p && i == nr) {
			seen[nr++] = p;
			load_file(ld, p, errs);
		}
		p = colon ? colon + 1 : NULL;
	}
	free(seen);
	free(copy);
}

static int kc_load(struct kc_loaded *ld, const char *explicit_path, struct strbuf *err)
{
	struct strbuf errs = STRBUF_INIT;
	const char *env = getenv("KUBECONFIG");
	const char *home = getenv("HOME");

	if (given(explicit_path)) {
		struct stat st;
		if (stat(explicit_path, &st) && errno == ENOENT) {
			kc_path_error(err, "stat", explicit_path, ENOENT);
			return -1;
		}
		load_file(ld, explicit_path, &errs);
	} else if (given(env)) {
		load_env_list(ld, env, &errs);
	} else if (given(home)) {
		char *path = xasprintf("%s/.kube/config", home);
		load_file(ld, path, &errs);
		free(path);
	}
	if (!errs.len)
		return 0;
	strbuf_add(err, errs.buf, errs.len);
	strbuf_release(&errs);
	return -1;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct kc_entry *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

static json_t *merged_list(const struct kc_set *set, const char *body_key)
{
	const struct kc_entry **sorted = xcalloc(set->nr + 1, sizeof(*sorted));
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < set->nr; i++)
		sorted[i] = &set->v[i];
	qsort(sorted, set->nr, sizeof(*sorted), cmp_entry);
	for (i = 0; i < set->nr; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "name", json_string(sorted[i]->name));
		json_object_set_new(e, body_key, sorted[i]->body ? json_deep_copy(sorted[i]->body)
								 : json_object());
		json_array_append_new(arr, e);
	}
	free(sorted);
	return arr;
}

json_t *kubeconfig_load_merged(const char *explicit_path, struct strbuf *err)
{
	struct kc_loaded ld = { 0 };
	json_t *res;
	size_t k;

	strbuf_reset(err);
	if (kc_load(&ld, explicit_path, err)) {
		kc_loaded_release(&ld);
		return NULL;
	}
	res = json_object();
	for (k = 0; k < KC_NR_SETS; k++)
		json_object_set_new(res, kc_lists[k].key, merged_list(&ld.sets[k], kc_lists[k].body));
	json_object_set_new(res, "current-context",
			    json_string(ld.current_context ? ld.current_context : ""));
	kc_loaded_release(&ld);
	return res;
}

/* ---- the merged context, cluster and user, with the flags applied ---- */

struct kc_cluster {
	char *server, *tls_server_name, *ca_file, *proxy_url;
	struct strbuf ca_data;
	int insecure, disable_compression;
	json_t *exec_ext; /* the client.authentication.k8s.io/exec extension, borrowed */
};

struct kc_user {
	char *token, *token_file, *client_cert, *client_key, *username, *password;
	char *as, *as_uid;
	char **as_groups; /* NULL-terminated, or NULL */
	int has_extra;
	struct strbuf cert_data, key_data;
	json_t *auth_provider, *exec; /* borrowed */
	char *exec_command;           /* resolved against the stanza's directory */
	char *interactive_mode;       /* with v1beta1's default applied */
	const char *origin;           /* the file the stanza came from */
};

struct kc_res {
	const struct kubeconfig_flags *fl;
	struct kc_loaded ld;
	const char *context_name; /* --context or current-context; may be NULL */
	const struct kc_entry *context;
	const char *cluster_name, *user_name, *namespace;
};

static void set_str(char **dst, const char *v)
{
	if (!given(v))
		return;
	free(*dst);
	*dst = xstrdup(v);
}

static void replace_str(char **dst, const char *v)
{
	free(*dst);
	*dst = given(v) ? xstrdup(v) : NULL;
}

static char *resolve_path(const char *p, const struct kc_file *f)
{
	char *joined, *res;
	if (p[0] == '/')
		return xstrdup(p);
	joined = xasprintf("%s/%s", f->dir, p);
	res = clean_abs_path(joined);
	free(joined);
	return res;
}

static void set_path(char **dst, json_t *obj, const char *key, const struct kc_file *f)
{
	const char *p = kc_str(obj, key);
	if (!p)
		return;
	free(*dst);
	*dst = resolve_path(p, f);
}

/* A *-data field, already validated at load time. */
static void set_data(struct strbuf *dst, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (!json_string_length(v))
		return;
	strbuf_reset(dst);
	base64_decode(dst, json_string_value(v), json_string_length(v), NULL);
}

static char **strv_from_json(json_t *arr)
{
	char **v = xcalloc(json_array_size(arr) + 1, sizeof(*v));
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e) {
		const char *s = json_string_value(e);
		v[i] = xstrdup(s ? s : "");
	}
	return v;
}

static char **strv_from_flags(const char *const *in, size_t n)
{
	char **v = xcalloc(n + 1, sizeof(*v));
	size_t i;
	for (i = 0; i < n; i++)
		v[i] = xstrdup(in[i]);
	return v;
}

static void strv_free(char **v)
{
	size_t i;
	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static const char *default_server(void)
{
	return first_of(given(getenv("KUBERNETES_MASTER")), "http://localhost:8080");
}

static void kc_cluster_init(struct kc_cluster *c)
{
	memset(c, 0, sizeof(*c));
	strbuf_init(&c->ca_data, 0);
}

static void kc_cluster_release(struct kc_cluster *c)
{
	free(c->server);
	free(c->tls_server_name);
	free(c->ca_file);
	free(c->proxy_url);
	strbuf_release(&c->ca_data);
	kc_cluster_init(c);
}

static json_t *find_extension(json_t *body, const char *name)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(body, "extensions"), i, e) {
		json_t *x = json_object_get(e, "extension");
		if (!strcmp(entry_name(e), name))
			return json_is_null(x) ? NULL : x;
	}
	return NULL;
}

static void cluster_from_entry(struct kc_cluster *c, const struct kc_entry *e,
			       const struct kc_loaded *ld)
{
	json_t *b = e->body;
	set_str(&c->server, kc_str(b, "server"));
	set_str(&c->tls_server_name, kc_str(b, "tls-server-name"));
	set_path(&c->ca_file, b, "certificate-authority", &ld->files[e->file]);
	set_data(&c->ca_data, b, "certificate-authority-data");
	set_str(&c->proxy_url, kc_str(b, "proxy-url"));
	c->insecure |= json_is_true(json_object_get(b, "insecure-skip-tls-verify"));
	c->disable_compression |= json_is_true(json_object_get(b, "disable-compression"));
	c->exec_ext = find_extension(b, EXEC_EXTENSION);
}

/* client_config.go getCluster: field overrides, then the TLS special cases. */
static void cluster_overrides(struct kc_cluster *c, const struct kubeconfig_flags *fl)
{
	int insecure = fl->insecure_skip_tls_verify == 1;

	set_str(&c->server, fl->server);
	set_str(&c->tls_server_name, fl->tls_server_name);
	set_str(&c->ca_file, fl->certificate_authority);
	c->insecure |= insecure;
	c->disable_compression |= fl->disable_compression == 1;
	if (insecure || given(fl->certificate_authority)) {
		c->insecure = insecure;
		replace_str(&c->ca_file, fl->certificate_authority);
		strbuf_reset(&c->ca_data);
	}
	if (given(fl->tls_server_name) || given(fl->server))
		replace_str(&c->tls_server_name, fl->tls_server_name);
}

static void name_error(struct strbuf *err, const char *what, const char *name)
{
	if (!err)
		return;
	strbuf_addf(err, "%s ", what);
	strbuf_addstr_go_quoted(err, name);
	strbuf_addstr(err, " does not exist");
}

/*
 * getCluster: a --cluster that names nothing is an error (and leaves c
 * empty, as Go's zero Cluster); otherwise the default server, the
 * kubeconfig stanza and the flags, in that order.
 */
static int get_cluster(const struct kc_res *r, struct kc_cluster *c, struct strbuf *err)
{
	const struct kc_entry *e = kc_find(&r->ld.sets[KC_CLUSTERS], r->cluster_name);

	if (!e && given(r->fl->cluster)) {
		name_error(err, "cluster", r->cluster_name);
		return -1;
	}
	c->server = xstrdup(default_server());
	if (e && e->body)
		cluster_from_entry(c, e, &r->ld);
	cluster_overrides(c, r->fl);
	return 0;
}

static void kc_user_init(struct kc_user *u)
{
	memset(u, 0, sizeof(*u));
	strbuf_init(&u->cert_data, 0);
	strbuf_init(&u->key_data, 0);
}

static void kc_user_release(struct kc_user *u)
{
	kc_free_secret(u->token);
	free(u->token_file);
	free(u->client_cert);
	free(u->client_key);
	free(u->username);
	kc_free_secret(u->password);
	free(u->as);
	free(u->as_uid);
	strv_free(u->as_groups);
	strbuf_release(&u->cert_data);
	kc_release_secret(&u->key_data);
	free(u->exec_command);
	free(u->interactive_mode);
	kc_user_init(u);
}

static void exec_from_entry(struct kc_user *u, const struct kc_file *f)
{
	const char *cmd = kc_str(u->exec, "command");
	const char *mode = kc_str(u->exec, "interactiveMode");
	const char *api = kc_str(u->exec, "apiVersion");

	if (cmd)
		u->exec_command = strchr(cmd, '/') ? resolve_path(cmd, f) : xstrdup(cmd);
	/* api/v1/defaults.go: only the older versions have a default */
	if (!mode && api && (!strcmp(api, EXEC_V1BETA1) || !strcmp(api, EXEC_V1ALPHA1)))
		mode = "IfAvailable";
	u->interactive_mode = xstrdup_or_null(mode);
}

static void user_from_entry(struct kc_user *u, const struct kc_entry *e, const struct kc_loaded *ld)
{
	json_t *b = e->body;
	json_t *groups = json_object_get(b, "as-groups");
	json_t *ap = json_object_get(b, "auth-provider"), *ex = json_object_get(b, "exec");
	const struct kc_file *f = &ld->files[e->file];

	set_str(&u->token, kc_str(b, "token"));
	set_path(&u->token_file, b, "tokenFile", f);
	set_path(&u->client_cert, b, "client-certificate", f);
	set_path(&u->client_key, b, "client-key", f);
	set_data(&u->cert_data, b, "client-certificate-data");
	set_data(&u->key_data, b, "client-key-data");
	set_str(&u->username, kc_str(b, "username"));
	set_str(&u->password, kc_str(b, "password"));
	set_str(&u->as, kc_str(b, "as"));
	set_str(&u->as_uid, kc_str(b, "as-uid"));
	if (json_array_size(groups))
		u->as_groups = strv_from_json(groups);
	u->has_extra = json_object_size(json_object_get(b, "as-user-extra")) > 0;
	u->auth_provider = json_is_object(ap) ? ap : NULL;
	u->exec = json_is_object(ex) ? ex : NULL;
	if (u->exec)
		exec_from_entry(u, f);
	u->origin = f->path;
}

static void user_overrides(struct kc_user *u, const struct kubeconfig_flags *fl)
{
	set_str(&u->client_cert, fl->client_certificate);
	set_str(&u->client_key, fl->client_key);
	set_str(&u->token, fl->token);
	set_str(&u->as, fl->as);
	set_str(&u->as_uid, fl->as_uid);
	if (fl->nr_as_groups) {
		strv_free(u->as_groups);
		u->as_groups = strv_from_flags(fl->as_groups, fl->nr_as_groups);
	}
	set_str(&u->username, fl->username);
	set_str(&u->password, fl->password);
}

/* getAuthInfo: a --user that names nothing is an error. */
static int get_user(const struct kc_res *r, struct kc_user *u, struct strbuf *err)
{
	const struct kc_entry *e = kc_find(&r->ld.sets[KC_USERS], r->user_name);

	if (!e && given(r->fl->user)) {
		name_error(err, "auth info", r->user_name);
		return -1;
	}
	if (e && e->body)
		user_from_entry(u, e, &r->ld);
	user_overrides(u, r->fl);
	return 0;
}

static int get_context(const struct kc_res *r, struct strbuf *err)
{
	if (!r->context && given(r->fl->context)) {
		name_error(err, "context", r->context_name);
		return -1;
	}
	return 0;
}

static void pick_context(struct kc_res *r)
{
	const struct kubeconfig_flags *fl = r->fl;
	json_t *body;

	r->context_name = first_of(given(fl->context), r->ld.current_context);
	r->context = kc_find(&r->ld.sets[KC_CONTEXTS], r->context_name);
	body = r->context ? r->context->body : NULL;
	r->cluster_name = first_of(given(fl->cluster), kc_str(body, "cluster"));
	r->user_name = first_of(given(fl->user), kc_str(body, "user"));
	r->namespace = first_of(given(fl->namespace), kc_str(body, "namespace"));
}

/* ---- validation (validation.go), as ConfirmUsable runs it ---- */

struct kc_errs {
	struct strbuf *v;
	size_t nr, alloc;
};

static struct strbuf *err_add(struct kc_errs *e)
{
	ALLOC_GROW(e->v, e->nr + 1, e->alloc);
	strbuf_init(&e->v[e->nr], 0);
	return &e->v[e->nr++];
}

static void errf(struct kc_errs *e, const char *fmt, ...) MESH_PRINTF(2, 3);
static void errf(struct kc_errs *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(err_add(e), fmt, ap);
	va_end(ap);
}

static void kc_errs_release(struct kc_errs *e)
{
	size_t i;
	for (i = 0; i < e->nr; i++)
		strbuf_release(&e->v[i]);
	free(e->v);
}

static void check_readable(struct kc_errs *errs, const char *what, const char *path,
			   const char *name)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int saved = errno;
	struct strbuf *m;

	if (fd >= 0) {
		close(fd);
		return;
	}
	m = err_add(errs);
	strbuf_addf(m, "unable to read %s %s for %s due to ", what, path, name);
	kc_path_error(m, "open", path, saved);
}

static void validate_cert(const char *name, const struct kc_user *u, struct kc_errs *errs)
{
	if (!u->client_cert && !u->cert_data.len)
		return;
	if (u->client_cert && u->cert_data.len)
		errf(errs, "client-cert-data and client-cert are both specified for %s. "
		     "client-cert-data will override.", name);
	if (u->client_key && u->key_data.len)
		errf(errs, "client-key-data and client-key are both specified for %s; "
		     "client-key-data will override", name);
	if (!u->client_key && !u->key_data.len)
		errf(errs, "client-key-data or client-key must be specified for %s to use the "
		     "clientCert authentication method.", name);
	if (u->client_cert)
		check_readable(errs, "client-cert", u->client_cert, name);
	if (u->client_key)
		check_readable(errs, "client-key", u->client_key, name);
}

static void validate_exec(const char *name, const struct kc_user *u, struct kc_errs *errs)
{
	const char *mode = u->interactive_mode;
	size_t i;
	json_t *e;

	if (u->auth_provider)
		errf(errs, "authProvider cannot be provided in combination with an exec plugin for %s",
		     name);
	if (!u->exec_command)
		errf(errs, "command must be specified for %s to use exec authentication plugin", name);
	if (!kc_str(u->exec, "apiVersion"))
		errf(errs, "apiVersion must be specified for %s to use exec authentication plugin",
		     name);
	json_array_foreach(json_object_get(u->exec, "env"), i, e) {
		if (!kc_str(e, "name"))
			errf(errs, "env variable name must be specified for %s to use exec "
			     "authentication plugin", name);
	}
	if (!mode) {
		errf(errs, "interactiveMode must be specified for %s to use exec authentication plugin",
		     name);
	} else if (strcmp(mode, "Never") && strcmp(mode, "IfAvailable") && strcmp(mode, "Always")) {
		struct strbuf *m = err_add(errs);
		strbuf_addf(m, "invalid interactiveMode for %s: ", name);
		strbuf_addstr_go_quoted(m, mode);
	}
}

static void validate_user(const char *name, const struct kc_user *u, struct kc_errs *errs)
{
	int token = u->token != NULL, basic = u->username || u->password;

	validate_cert(name, u, errs);
	if (u->exec)
		validate_exec(name, u, errs);
	if (token && basic)
		errf(errs, "more than one authentication method found for %s; found [token basicAuth], "
		     "only one is allowed", name);
	if ((u->as_uid || u->as_groups || u->has_extra) && !u->as)
		errf(errs, "requesting uid, groups or user-extra for %s without impersonating a user",
		     name);
}

/* Length of url's scheme as Go's getScheme finds it; 0 when there is none. */
static size_t scheme_len(const char *url)
{
	size_t i;
	for (i = 0; url[i]; i++) {
		unsigned char c = (unsigned char)url[i];
		if (isalpha(c))
			continue;
		if (isdigit(c) || c == '+' || c == '-' || c == '.') {
			if (!i)
				return 0;
			continue;
		}
		return c == ':' ? i : 0;
	}
	return 0;
}

/* net/url's check that a host's port, if any, is all digits. */
static int bad_port(const char *rest)
{
	const char *end, *host, *colon;

	if (!skip_prefix(rest, "//", &host))
		return 0;
	end = host + strcspn(host, "/?#");
	for (colon = end; colon > host && colon[-1] != '@'; colon--)
		;
	host = colon;
	if (*host == '[') {
		const char *close = memchr(host, ']', (size_t)(end - host));
		host = close ? close : end;
	}
	colon = memchr(host, ':', (size_t)(end - host));
	if (!colon)
		return 0;
	for (colon++; colon < end; colon++)
		if (!isdigit((unsigned char)*colon))
			return 1;
	return 0;
}

/* helpers.go parseProxyURL: http, https or socks5. */
static int proxy_url_error(const char *url, struct strbuf *why)
{
	size_t n = scheme_len(url), i;
	char *scheme;
	int ok;

	for (i = 0; url[i]; i++)
		if ((unsigned char)url[i] < 0x20 || url[i] == 0x7f)
			break;
	if (url[i] || url[0] == ':' || (n && bad_port(url + n + 1))) {
		strbuf_addf(why, "could not parse: %s", url);
		return -1;
	}
	scheme = xstrndup(url, n);
	for (i = 0; i < n; i++)
		scheme[i] = (char)tolower((unsigned char)scheme[i]);
	ok = !strcmp(scheme, "http") || !strcmp(scheme, "https") || !strcmp(scheme, "socks5");
	if (!ok) {
		strbuf_addstr(why, "unsupported scheme ");
		strbuf_addstr_go_quoted(why, scheme);
		strbuf_addstr(why, ", must be http, https, or socks5");
	}
	free(scheme);
	return ok ? 0 : -1;
}

static void validate_cluster(const char *name, const struct kc_cluster *c, struct kc_errs *errs)
{
	struct strbuf why = STRBUF_INIT;

	if (!c->server && *name) {
		struct strbuf *m = err_add(errs);
		strbuf_addstr(m, "no server found for cluster ");
		strbuf_addstr_go_quoted(m, name);
	} else if (!c->server) {
		errf(errs, "default cluster has no server defined");
	}
	if (c->proxy_url && proxy_url_error(c->proxy_url, &why)) {
		struct strbuf *m = err_add(errs);
		strbuf_addstr(m, "invalid 'proxy-url' ");
		strbuf_addstr_go_quoted(m, c->proxy_url);
		strbuf_addstr(m, " for cluster ");
		strbuf_addstr_go_quoted(m, name);
		strbuf_addf(m, ": %s", why.buf);
	}
	if (c->ca_file && c->ca_data.len)
		errf(errs, "certificate-authority-data and certificate-authority are both specified "
		     "for %s. certificate-authority-data will override.", name);
	if (c->ca_file)
		check_readable(errs, "certificate-authority", c->ca_file, name);
	strbuf_release(&why);
}

/*
 * kubectl prints one error as it is (a missing context with its
 * "Error in configuration: " lead), several as a list under that lead.
 */
static int format_errs(const struct kc_errs *errs, int context_missing, struct strbuf *err)
{
	size_t i;

	if (!errs->nr)
		return 0;
	if (errs->nr == 1) {
		if (context_missing)
			strbuf_addstr(err, "Error in configuration: ");
		strbuf_add(err, errs->v[0].buf, errs->v[0].len);
		return -1;
	}
	strbuf_addstr(err, "Error in configuration: ");
	for (i = 0; i < errs->nr; i++)
		strbuf_addf(err, "\n* %s", errs->v[i].buf);
	return -1;
}

static int confirm_usable(const struct kc_res *r, struct strbuf *err)
{
	struct kc_errs errs = { 0 };
	struct kc_user u;
	struct kc_cluster c;
	int missing = r->context_name && !r->context, ret;

	if (missing)
		errf(&errs, "context was not found for specified context: %s", r->context_name);
	kc_user_init(&u);
	get_user(r, &u, NULL);
	validate_user(first_of(r->user_name, ""), &u, &errs);
	kc_user_release(&u);
	kc_cluster_init(&c);
	get_cluster(r, &c, NULL);
	validate_cluster(first_of(r->cluster_name, ""), &c, &errs);
	kc_cluster_release(&c);
	ret = format_errs(&errs, missing, err);
	kc_errs_release(&errs);
	return ret;
}

/* ---- the client configuration (ClientConfig) ---- */

static void kube_exec_free(struct kube_exec *e)
{
	if (!e)
		return;
	free(e->command);
	strv_free(e->args);
	strv_free(e->env);
	free(e->api_version);
	free(e->interactive_mode);
	free(e->install_hint);
	json_decref(e->cluster_config);
	free(e);
}

/* cleanANSIEscapeCodes: control characters other than \t..\r become U+hhhh. */
static char *clean_hint(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s, next = (unsigned char)s[1];
		if ((c < 0x20 && (c < '\t' || c > '\r')) || c == 0x7f) {
			strbuf_addf(&sb, "U+%04X", c);
		} else if (c == 0xc2 && next >= 0x80 && next <= 0x9f) {
			strbuf_addf(&sb, "U+%04X", next);
			s++;
		} else {
			strbuf_addch(&sb, c);
		}
	}
	return strbuf_detach(&sb, NULL);
}

static char **exec_env(json_t *list)
{
	char **v = xcalloc(json_array_size(list) + 1, sizeof(*v));
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e) {
		const char *value = json_string_value(json_object_get(e, "value"));
		v[i] = xasprintf("%s=%s", entry_name(e), value ? value : "");
	}
	return v;
}

static int build_exec(struct kube_config *out, const struct kc_user *u,
		      const struct kc_cluster *c, struct strbuf *err)
{
	const char *api = kc_str(u->exec, "apiVersion");
	const char *hint = kc_str(u->exec, "installHint");
	struct kube_exec *e;

	if (strcmp(api, EXEC_V1) && strcmp(api, EXEC_V1BETA1)) {
		strbuf_addstr(err, "exec plugin: invalid apiVersion ");
		strbuf_addstr_go_quoted(err, api);
		return -1;
	}
	e = xcalloc(1, sizeof(*e));
	e->command = xstrdup(u->exec_command);
	e->args = strv_from_json(json_object_get(u->exec, "args"));
	e->env = exec_env(json_object_get(u->exec, "env"));
	e->api_version = xstrdup(api);
	e->interactive_mode = xstrdup(u->interactive_mode);
	e->provide_cluster_info = json_is_true(json_object_get(u->exec, "provideClusterInfo"));
	e->install_hint = hint ? clean_hint(hint) : NULL;
	e->cluster_config = c->exec_ext ? json_deep_copy(c->exec_ext) : NULL;
	out->exec = e;
	return 0;
}

static int auth_provider(struct kube_config *out, const struct kc_user *u, const char *user_name,
			 struct strbuf *err)
{
	const char *name = json_string_value(json_object_get(u->auth_provider, "name"));

	if (!name)
		name = "";
	if (!strcmp(name, "oidc")) {
		out->oidc = oidc_new(json_object_get(u->auth_provider, "config"), u->origin,
				     user_name, err);
		return out->oidc ? 0 : -1;
	}
	/* "error: " so report_error() does not take "The " for kubectl's own lead-in */
	if (!strcmp(name, "gcp")) {
		strbuf_addstr(err, "error: The gcp auth plugin has been removed.\n"
			      "Please use the \"gke-gcloud-auth-plugin\" kubectl/client-go credential "
			      "plugin instead.\nSee https://cloud.google.com/blog/products/"
			      "containers-kubernetes/kubectl-auth-changes-in-gke for further details");
	} else if (!strcmp(name, "azure")) {
		strbuf_addstr(err, "error: The azure auth plugin has been removed.\n"
			      "Please use the https://github.com/Azure/kubelogin kubectl/client-go "
			      "credential plugin instead.\nSee https://kubernetes.io/docs/reference/"
			      "access-authn-authz/authentication/#client-go-credential-plugins "
			      "for further details");
	} else {
		strbuf_addstr(err, "no Auth Provider found for name ");
		strbuf_addstr_go_quoted(err, name);
	}
	return -1;
}

static int tls_token(struct kube_config *out, const struct kc_user *u, struct strbuf *err)
{
	struct strbuf sb = STRBUF_INIT;

	if (u->token) {
		out->token = xstrdup(u->token);
		return 0;
	}
	if (!u->token_file)
		return 0;
	if (kc_read_file(&sb, u->token_file, err)) {
		strbuf_release(&sb);
		return -1;
	}
	strbuf_trim(&sb);
	out->token = strbuf_detach(&sb, NULL);
	out->token_file = xstrdup(u->token_file);
	return 0;
}

/* dataFromSliceOrFile: the decoded data wins over the file. */
static int pem_from(struct strbuf *dst, const struct strbuf *data, const char *file,
		    struct strbuf *err)
{
	if (data->len) {
		strbuf_add(dst, data->buf, data->len);
		return 0;
	}
	return file ? kc_read_file(dst, file, err) : 0;
}

static int tls_server(struct kube_config *out, const struct kc_cluster *c, struct strbuf *err)
{
	if (c->insecure && (c->ca_file || c->ca_data.len)) {
		strbuf_addstr(err, "specifying a root certificates file with the insecure flag is "
			      "not allowed");
		return -1;
	}
	out->insecure = c->insecure;
	out->tls_server_name = xstrdup_or_null(c->tls_server_name);
	return pem_from(&out->ca_pem, &c->ca_data, c->ca_file, err);
}

static int tls_client_cert(struct kube_config *out, const struct kc_user *u, struct strbuf *err)
{
	if (!u->client_cert && !u->cert_data.len)
		return 0;
	if (pem_from(&out->cert_pem, &u->cert_data, u->client_cert, err))
		return -1;
	return pem_from(&out->key_pem, &u->key_data, u->client_key, err);
}

/*
 * A bearer token, basic auth or a client certificate suppresses the
 * exec plugin (exec.go UpdateTransportConfig); a bearer token or basic
 * auth header also suppresses the oidc provider, whose round tripper
 * leaves an existing Authorization header alone.
 */
static int finish_auth(struct kube_config *out, struct strbuf *err)
{
	int header = out->token || out->token_file || given(out->username);
	struct strbuf why = STRBUF_INIT;

	if (header || (out->cert_pem.len && out->key_pem.len)) {
		kube_exec_free(out->exec);
		out->exec = NULL;
	}
	if (out->oidc && header) {
		oidc_free(out->oidc);
		out->oidc = NULL;
	}
	if (!out->oidc)
		return 0;
	if (oidc_ensure_token(out->oidc, &why)) {
		strbuf_addf(err, "Unable to connect to the server: %s", why.buf);
		strbuf_release(&why);
		return -1;
	}
	out->token = xstrdup(out->oidc->id_token);
	return 0;
}

/* Credentials and server identity: only for https servers, as client-go does. */
static int tls_config(struct kube_config *out, const struct kc_user *u, const struct kc_cluster *c,
		      const char *user_name, struct strbuf *err)
{
	if (tls_token(out, u, err))
		return -1;
	if (u->exec && build_exec(out, u, c, err))
		return -1;
	if (u->auth_provider && auth_provider(out, u, user_name, err))
		return -1;
	if (tls_server(out, c, err) || tls_client_cert(out, u, err))
		return -1;
	if (u->username || u->password) {
		out->username = xstrdup_or_null(u->username);
		out->password = xstrdup_or_null(u->password);
	}
	return finish_auth(out, err);
}

/*
 * A server without a scheme is http (DefaultServerURL without TLS
 * settings); the query and fragment of a server with a path are
 * dropped.
 */
static char *normalize_server(const char *s)
{
	const char *sep = strstr(s, "://"), *path, *q;

	if (!sep)
		return xasprintf("http://%s", s);
	path = strchr(sep + 3, '/');
	q = strpbrk(sep + 3, "?#");
	if (path && q && path < q && q - path > 1)
		return xstrndup(s, (size_t)(q - s));
	return xstrdup(s);
}

static int is_https(const char *server)
{
	return !strncasecmp(server, "https://", 8);
}

static void set_impersonation(struct kube_config *out, struct kc_user *u)
{
	if (!u->as)
		return;
	out->impersonate_user = xstrdup(u->as);
	out->impersonate_uid = xstrdup_or_null(u->as_uid);
	out->impersonate_groups = u->as_groups;
	u->as_groups = NULL;
}

static int client_config(const struct kc_res *r, struct kube_config *out, struct strbuf *err)
{
	struct kc_user u;
	struct kc_cluster c;
	int ret = -1;

	kc_user_init(&u);
	kc_cluster_init(&c);
	if (get_user(r, &u, err) || get_context(r, err) || get_cluster(r, &c, err) ||
	    confirm_usable(r, err))
		goto out;
	out->server = normalize_server(c.server);
	out->proxy_url = xstrdup_or_null(c.proxy_url);
	out->disable_compression = c.disable_compression;
	set_impersonation(out, &u);
	if (is_https(out->server) && tls_config(out, &u, &c, r->user_name, err))
		goto out;
	ret = 0;
out:
	kc_user_release(&u);
	kc_cluster_release(&c);
	return ret;
}

/* IsDefaultConfig: nothing but the default server. */
static int is_default(const struct kube_config *c)
{
	char *def = normalize_server(default_server());
	int same = !strcmp(c->server, def);

	free(def);
	return same && !c->tls_server_name && !c->insecure && !c->ca_pem.len && !c->proxy_url &&
	       !c->disable_compression && !c->cert_pem.len && !c->key_pem.len && !c->token &&
	       !c->token_file && !c->username && !c->password && !c->exec && !c->oidc &&
	       !c->impersonate_user;
}

/* ---- in-cluster configuration ---- */

static char *sa_file(const char *name)
{
	return xasprintf("%s/%s", first_of(given(getenv("KUBECTL_MESH_SA_DIR")), SA_DIR), name);
}

static int icc_possible(void)
{
	struct stat st;
	char *token = sa_file("token");
	int ok = given(getenv("KUBERNETES_SERVICE_HOST")) && given(getenv("KUBERNETES_SERVICE_PORT")) &&
		 !stat(token, &st) && !S_ISDIR(st.st_mode);
	free(token);
	return ok;
}

static int icc_config(const struct kubeconfig_flags *fl, struct kube_config *out, struct strbuf *err)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
	char *token = sa_file("token"), *ca = sa_file("ca.crt");
	struct strbuf sb = STRBUF_INIT, ignored = STRBUF_INIT;
	int ret = -1;

	out->in_cluster = 1;
	out->server = xasprintf(strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host, port);
	if (kc_read_file(&sb, token, err))
		goto out;
	strbuf_trim(&sb);
	out->token = strbuf_detach(&sb, NULL);
	out->token_file = token;
	token = NULL;
	/* client-go logs an unreadable ca.crt and goes on with the system roots */
	if (kc_read_file(&out->ca_pem, ca, &ignored))
		strbuf_reset(&out->ca_pem);
	if (given(fl->server))
		replace_str(&out->server, fl->server);
	if (given(fl->token)) {
		replace_str(&out->token, fl->token);
		replace_str(&out->token_file, NULL);
	}
	if (given(fl->certificate_authority)) {
		strbuf_reset(&out->ca_pem);
		if (kc_read_file(&out->ca_pem, fl->certificate_authority, err))
			goto out;
	}
	ret = 0;
out:
	free(token);
	free(ca);
	strbuf_release(&ignored);
	return ret;
}

static char *icc_namespace(void)
{
	const char *pod = given(getenv("POD_NAMESPACE"));
	struct strbuf sb = STRBUF_INIT, ignored = STRBUF_INIT;
	char *path;

	if (pod)
		return xstrdup(pod);
	path = sa_file("namespace");
	if (!kc_read_file(&sb, path, &ignored))
		strbuf_trim(&sb);
	free(path);
	strbuf_release(&ignored);
	if (!sb.len) {
		strbuf_release(&sb);
		return xstrdup("default");
	}
	return strbuf_detach(&sb, NULL);
}

/* DeferredLoadingClientConfig.Namespace */
static void pick_namespace(const struct kc_res *r, struct kube_config *out)
{
	if (given(r->fl->namespace)) {
		out->namespace = xstrdup(r->fl->namespace);
		out->namespace_explicit = 1;
	} else if (r->namespace || !icc_possible()) {
		out->namespace = xstrdup(first_of(r->namespace, "default"));
	} else {
		out->namespace = icc_namespace();
	}
}

static void kube_config_init(struct kube_config *c)
{
	memset(c, 0, sizeof(*c));
	strbuf_init(&c->ca_pem, 0);
	strbuf_init(&c->cert_pem, 0);
	strbuf_init(&c->key_pem, 0);
}

int kubeconfig_resolve(const struct kubeconfig_flags *flags, struct kube_config *out,
		       struct strbuf *err)
{
	struct kc_res r;
	int ret = -1;

	kube_config_init(out);
	strbuf_reset(err);
	memset(&r, 0, sizeof(r));
	r.fl = flags;
	if (kc_load(&r.ld, flags->kubeconfig, err))
		goto out;
	pick_context(&r);
	/* kubectl asks for the namespace first: it validates unless -n was given */
	if (!given(flags->namespace) && confirm_usable(&r, err))
		goto out;
	if (client_config(&r, out, err))
		goto out;
	if (is_default(out) && icc_possible()) {
		kube_config_release(out);
		if (icc_config(flags, out, err))
			goto out;
	} else {
		out->context = r.context ? xstrdup(r.context_name) : NULL;
		out->cluster_name = xstrdup_or_null(r.cluster_name);
		out->user_name = xstrdup_or_null(r.user_name);
	}
	pick_namespace(&r, out);
	ret = 0;
out:
	kc_loaded_release(&r.ld);
	if (ret)
		kube_config_release(out);
	return ret;
}

void kube_config_release(struct kube_config *c)
{
	free(c->context);
	free(c->cluster_name);
	free(c->user_name);
	free(c->server);
	free(c->tls_server_name);
	strbuf_release(&c->ca_pem);
	free(c->proxy_url);
	strbuf_release(&c->cert_pem);
	kc_release_secret(&c->key_pem);
	kc_free_secret(c->token);
	free(c->token_file);
	free(c->username);
	kc_free_secret(c->password);
	kube_exec_free(c->exec);
	oidc_free(c->oidc);
	free(c->impersonate_user);
	strv_free(c->impersonate_groups);
	free(c->impersonate_uid);
	free(c->namespace);
	kube_config_init(c);
}
