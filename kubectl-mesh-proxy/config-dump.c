/* SPDX-License-Identifier: Apache-2.0 */
/* Reading an Envoy config dump and reading proto JSON fields in either spelling. */
#include "configdump.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- field names ---- */

int pb_name_is(const char *name, size_t len, const char *field)
{
	size_t i, j = 0;

	if (strlen(field) == len && !memcmp(name, field, len))
		return 1;
	if (!strchr(field, '_'))
		return 0;
	for (i = 0; field[i]; i++) {
		char want = field[i];
		if (want == '_') {
			if (!field[++i])
				break;
			want = field[i] >= 'a' && field[i] <= 'z' ? (char)(field[i] - 'a' + 'A') : field[i];
		}
		if (j >= len || name[j] != want)
			return 0;
		j++;
	}
	return j == len;
}

void pb_camel(struct strbuf *out, const char *field)
{
	size_t i;
	for (i = 0; field[i]; i++) {
		if (field[i] != '_') {
			strbuf_addch(out, field[i]);
			continue;
		}
		if (!field[++i])
			break;
		strbuf_addch(out, field[i] >= 'a' && field[i] <= 'z' ? field[i] - 'a' + 'A' : field[i]);
	}
}

json_t *pb_get(const json_t *obj, const char *field)
{
	struct strbuf camel = STRBUF_INIT;
	json_t *v;

	if (!json_is_object(obj))
		return NULL;
	v = json_object_get(obj, field);
	if (v || !strchr(field, '_'))
		return v;
	pb_camel(&camel, field);
	v = json_object_get(obj, camel.buf);
	strbuf_release(&camel);
	return v;
}

json_t *pb_path(const json_t *obj, const char *path)
{
	struct strbuf seg = STRBUF_INIT;
	json_t *cur = (json_t *)obj;

	while (cur && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		strbuf_reset(&seg);
		strbuf_add(&seg, path, n);
		cur = pb_get(cur, seg.buf);
		path += n + (dot ? 1 : 0);
	}
	strbuf_release(&seg);
	return cur;
}

const char *pb_str(const json_t *obj, const char *path)
{
	json_t *v = pb_path(obj, path);
	return json_is_string(v) ? json_string_value(v) : "";
}

long long pb_int(const json_t *obj, const char *path, long long def)
{
	json_t *v = pb_path(obj, path);
	char *end;
	long long n;

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	if (!json_is_string(v) || !*json_string_value(v))
		return def;
	errno = 0;
	n = strtoll(json_string_value(v), &end, 10);
	return *end || errno ? def : n;
}

int pb_bool(const json_t *obj, const char *path)
{
	return json_is_true(pb_path(obj, path));
}

const char *pb_enum(const json_t *obj, const char *path, const char *const *names, size_t n)
{
	json_t *v = pb_path(obj, path);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v) && json_integer_value(v) >= 0 && (size_t)json_integer_value(v) < n)
		return names[json_integer_value(v)];
	return json_is_integer(v) ? "" : names[0];
}

/* ---- the dump ---- */

static void errno_message(struct strbuf *err, const char *op, const char *path, int e)
{
	const char *text = strerror(e);
	if (e == ENOENT) {
		strbuf_addf(err, "the path \"%s\" does not exist", path);
		return;
	}
	strbuf_addf(err, "%s %s: %c%s", op, path, tolower((unsigned char)text[0]), text + 1);
}

static int read_stream(struct config_dump *d, int fd, const char *path, struct strbuf *err)
{
	struct strbuf sb = STRBUF_INIT;
	if (strbuf_read_fd(&sb, fd) < 0) {
		errno_message(err, "read", path, errno);
		strbuf_release(&sb);
		return -1;
	}
	d->buf = strbuf_detach(&sb, &d->len);
	return 0;
}

/* Map a regular file: a large dump is then never copied. */
static int read_path(struct config_dump *d, const char *path, struct strbuf *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0) {
		errno_message(err, "open", path, errno);
		return -1;
	}
	if (fstat(fd, &st)) {
		errno_message(err, "stat", path, errno);
		r = -1;
	} else if (S_ISDIR(st.st_mode)) {
		errno_message(err, "read", path, EISDIR);
		r = -1;
	} else if (S_ISREG(st.st_mode) && st.st_size > 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			r = read_stream(d, fd, path, err);
		} else {
			d->buf = m;
			d->len = d->map_len = (size_t)st.st_size;
		}
	} else {
		r = read_stream(d, fd, path, err);
	}
	close(fd);
	return r;
}

static int index_sections(struct config_dump *d, struct jspan configs, struct strbuf *err)
{
	struct jiter it;
	struct jspan elem, type;
	size_t alloc = 0, i = 0;

	if (jspan_kind(configs) != '[') {
		strbuf_addf(err, "%s is not an Envoy config dump: \"configs\" is not a list", d->origin);
		return -1;
	}
	jiter_init(&it, configs);
	for (; jiter_element(&it, &elem); i++) {
		struct dump_section *s;
		struct strbuf name = STRBUF_INIT;

		if (jspan_kind(elem) != '{') {
			strbuf_addf(err, "%s is not an Envoy config dump: configs[%zu] is not an object",
				    d->origin, i);
			return -1;
		}
		if (jspan_get(elem, "@type", &type))
			jspan_string(type, &name);
		ALLOC_GROW(d->sections, d->nsections + 1, alloc);
		s = &d->sections[d->nsections++];
		s->type = strbuf_detach(&name, NULL);
		s->body = elem;
	}
	return 0;
}

static int index_dump(struct config_dump *d, struct strbuf *err)
{
	struct strbuf detail = STRBUF_INIT;
	struct jspan configs;

	if (jscan_document(d->buf, d->len, &d->root, &detail)) {
		strbuf_addf(err, "%s is not valid JSON: %s", d->origin, detail.buf);
		strbuf_release(&detail);
		return -1;
	}
	if (jspan_kind(d->root) != '{') {
		strbuf_addf(err, "%s is not an Envoy config dump: the top-level value is not an object",
			    d->origin);
		return -1;
	}
	if (jspan_get(d->root, "configs", &configs))
		return index_sections(d, configs, err);
	return 0;
}

int config_dump_read(struct config_dump *d, const char *path, struct strbuf *err)
{
	int r;

	memset(d, 0, sizeof(*d));
	if (!strcmp(path, "-")) {
		d->origin = xstrdup("the config dump on standard input");
		r = read_stream(d, STDIN_FILENO, "standard input", err);
	} else {
		d->origin = xasprintf("the config dump in \"%s\"", path);
		r = read_path(d, path, err);
	}
	if (!r && !d->buf)
		d->buf = xstrdup("");
	return r ? r : index_dump(d, err);
}

int config_dump_from_buffer(struct config_dump *d, char *buf, size_t len, const char *origin,
			    struct strbuf *err)
{
	memset(d, 0, sizeof(*d));
	d->buf = buf;
	d->len = len;
	d->origin = xstrdup(origin);
	return index_dump(d, err);
}

void config_dump_release(struct config_dump *d)
{
	size_t i;
	if (d->map_len)
		munmap(d->buf, d->map_len);
	else
		free(d->buf);
	for (i = 0; i < d->nsections; i++)
		free(d->sections[i].type);
	free(d->sections);
	free(d->origin);
	memset(d, 0, sizeof(*d));
}

int config_dump_section(const struct config_dump *d, const char *type, struct jspan *out,
			struct strbuf *err)
{
	size_t i;
	for (i = d->nsections; i > 0; i--)
		if (!strcmp(d->sections[i - 1].type, type)) {
			*out = d->sections[i - 1].body;
			return 0;
		}
	if (err)
		strbuf_addf(err, "config dump has no configuration type %s", type);
	return -1;
}

json_t *config_dump_section_json(const struct config_dump *d, const char *type, struct strbuf *err)
{
	struct jspan section;
	if (config_dump_section(d, type, &section, err))
		return NULL;
	return jspan_json(section, err);
}
