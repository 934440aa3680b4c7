/* SPDX-License-Identifier: Apache-2.0 */
/* test-common checks for strbuf, base64, RFC 3339 times and the YAML/JSON converter. */
#include "base64.h"
#include "rfc3339.h"
#include "strbuf.h"
#include "test-common.h"
#include "xalloc.h"
#include "yamljson.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * strbuf OP [ARG]... : apply operations in order, then print
 * "len=N overflow=N buf=[...]".  Operations: cap N, add S, addch C,
 * addf-int FMT N, addchars C N, trim, rtrim, setlen N, reset, detach,
 * release, goquote S, urlencode S, urlencode-plus S, urldecode S,
 * urldecode-plus S.
 */
int cmd__strbuf(int argc, char **argv)
{
	struct strbuf sb = STRBUF_INIT;
	int i, bad = 0;

	for (i = 1; i < argc; i++) {
		const char *op = argv[i];
		const char *a = i + 1 < argc ? argv[i + 1] : "";
		if (!strcmp(op, "cap"))
			sb.cap = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(op, "add"))
			bad |= strbuf_addstr(&sb, argv[++i]) != 0;
		else if (!strcmp(op, "addch"))
			bad |= strbuf_addch(&sb, argv[++i][0]) != 0;
		else if (!strcmp(op, "addf-int")) {
			bad |= strbuf_addf(&sb, a, atoi(argv[i + 2])) != 0;
			i += 2;
		} else if (!strcmp(op, "addchars")) {
			strbuf_addchars(&sb, a[0], strtoul(argv[i + 2], NULL, 10));
			i += 2;
		} else if (!strcmp(op, "trim"))
			strbuf_trim(&sb);
		else if (!strcmp(op, "rtrim"))
			strbuf_rtrim(&sb);
		else if (!strcmp(op, "setlen"))
			strbuf_setlen(&sb, strtoul(argv[++i], NULL, 10));
		else if (!strcmp(op, "reset"))
			strbuf_reset(&sb);
		else if (!strcmp(op, "detach")) {
			size_t len;
			char *s = strbuf_detach(&sb, &len);
			printf("detached=[%s] len=%zu\n", s, len);
			free(s);
		} else if (!strcmp(op, "release")) {
			strbuf_release(&sb);
		} else if (!strcmp(op, "goquote") && ++i) {
			strbuf_addstr_go_quoted(&sb, a);
		} else if (starts_with(op, "urlencode") && ++i) {
			strbuf_add_urlencoded(&sb, a, ends_with(op, "-plus"));
		} else if (starts_with(op, "urldecode") && ++i) {
			strbuf_add_urldecoded(&sb, a, strlen(a), ends_with(op, "-plus"));
		} else {
			fprintf(stderr, "unknown op %s\n", op);
			return 2;
		}
	}
	printf("len=%zu overflow=%d refused=%d buf=[%s] nul=%d\n", sb.len, sb.overflow, bad,
	       sb.buf, sb.buf[sb.len] == '\0');
	strbuf_release(&sb);
	return 0;
}

/* base64 encode|url|decode TEXT */
int cmd__base64(int argc, char **argv)
{
	struct strbuf out = STRBUF_INIT;
	size_t bad;
	int r = 0;

	if (argc != 3)
		return 2;
	if (!strcmp(argv[1], "encode"))
		base64_encode(&out, argv[2], strlen(argv[2]));
	else if (!strcmp(argv[1], "url"))
		base64url_encode(&out, argv[2], strlen(argv[2]));
	else if (!strcmp(argv[1], "decode")) {
		if (base64_decode(&out, argv[2], strlen(argv[2]), &bad)) {
			printf("illegal base64 data at input byte %zu\n", bad);
			r = 1;
		}
	} else
		return 2;
	if (!r)
		printf("%s\n", out.buf);
	strbuf_release(&out);
	return r;
}

/*
 * rfc3339 [go] TEXT... : print "TEXT N" with the seconds since the epoch
 * each TEXT names, or "TEXT bad"; go reads as Go's time.Parse does.
 */
int cmd__rfc3339(int argc, char **argv)
{
	unsigned flags = 0;
	time_t t;
	int i = 1;

	if (argc > 1 && !strcmp(argv[1], "go")) {
		flags = RFC3339_GO;
		i++;
	}
	for (; i < argc; i++) {
		if (rfc3339_parse(argv[i], strlen(argv[i]), flags, &t))
			printf("%s bad\n", argv[i]);
		else
			printf("%s %lld\n", argv[i], (long long)t);
	}
	return 0;
}

/*
 * yaml to-json|to-yaml|one < INPUT: parse stdin, print the documents as
 * compact sorted JSON (one per line), as re-emitted YAML separated by
 * "---", or the single-document parse.
 */
int cmd__yaml(int argc, char **argv)
{
	struct strbuf in = STRBUF_INIT, err = STRBUF_INIT, out = STRBUF_INIT;
	json_t *docs, *d;
	size_t i;
	int one = argc == 2 && !strcmp(argv[1], "one");

	if (argc != 2 || strbuf_read_fd(&in, STDIN_FILENO))
		return 2;
	docs = one ? yamljson_parse_one(in.buf, in.len, &err) : yamljson_parse(in.buf, in.len, &err);
	if (!docs) {
		fprintf(stderr, "%s\n", err.buf);
		strbuf_release(&in);
		strbuf_release(&err);
		return 2;
	}
	if (one) {
		char *s = json_dumps(docs, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
		printf("%s\n", s);
		free(s);
	} else {
		json_array_foreach(docs, i, d) {
			if (!strcmp(argv[1], "to-yaml")) {
				if (i)
					strbuf_addstr(&out, "---\n");
				yamljson_emit(&out, d);
			} else {
				char *s = json_dumps(d, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
				strbuf_addf(&out, "%s\n", s);
				free(s);
			}
		}
		fwrite(out.buf, 1, out.len, stdout);
	}
	json_decref(docs);
	strbuf_release(&in);
	strbuf_release(&err);
	strbuf_release(&out);
	return 0;
}
