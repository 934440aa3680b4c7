/* SPDX-License-Identifier: Apache-2.0 */
/* Envoy config dumps: reading, scanning, and istioctl's proxy-config renderers. */
#ifndef MESH_PROXY_CONFIGDUMP_H
#define MESH_PROXY_CONFIGDUMP_H

#include <jansson.h>
#include <time.h>
#include "cli.h"
#include "compat.h"
#include "strbuf.h"

/*
 * A config dump can be hundreds of megabytes.  It is validated once by
 * a scanner that builds nothing, and then read through spans: the text
 * of one JSON value inside the dump.  Only the values a renderer needs
 * are turned into jansson trees, one element at a time.
 */

/* ---- JSON spans (config-scan.c) ---- */

/* The text of one JSON value; points into a buffer owned elsewhere. */
struct jspan {
	const char *p;
	size_t len;
};

/*
 * Check that buf holds exactly one JSON value (whitespace around it is
 * allowed) and set *root to it.  Returns 0, or -1 with a message such as
 * "unexpected end of JSON input at line 12, column 3" in err.
 */
int jscan_document(const char *buf, size_t len, struct jspan *root, struct strbuf *err);

/*
 * Iterate the members of an object span or the elements of an array
 * span that jscan_document() accepted.  jiter_member/jiter_element
 * return 1 with the next member or element, 0 at the end.
 */
struct jiter {
	const char *p, *end;
};
void jiter_init(struct jiter *it, struct jspan container);
int jiter_member(struct jiter *it, struct jspan *key, struct jspan *val);
int jiter_element(struct jiter *it, struct jspan *val);

/* '{', '[', '"', 't', 'f', 'n', or '0' for a number; 0 for an empty span. */
int jspan_kind(struct jspan v);

/*
 * Whether a member key (a string span, quotes included) names the proto
 * field given in snake_case: protobuf JSON accepts the original name and
 * its lowerCamelCase form ("filter_metadata" and "filterMetadata").
 */
int jspan_key_is(struct jspan key, const char *field);

/* The value of a field of an object span; 1 when found, else 0. */
int jspan_get(struct jspan obj, const char *field, struct jspan *out);

/* Follow a NULL-terminated list of fields; 1 when every step was found. */
int jspan_path(struct jspan obj, const char *const *fields, struct jspan *out);

/* Append the decoded value of a string span; -1 (nothing appended) if v is not a string. */
int jspan_string(struct jspan v, struct strbuf *out);

/* The span parsed by jansson: a new reference, or NULL with err filled. */
json_t *jspan_json(struct jspan v, struct strbuf *err);

/* ---- proto JSON fields of jansson values (config-dump.c) ---- */

/* Append the lowerCamelCase JSON name of a snake_case proto field. */
void pb_camel(struct strbuf *out, const char *field);

/* Whether the JSON name [name, name+len) names the snake_case field (either spelling). */
int pb_name_is(const char *name, size_t len, const char *field);

/* A field of obj by its snake_case name, in either spelling; borrowed or NULL. */
json_t *pb_get(const json_t *obj, const char *field);

/* Fields along a dotted path ("metadata.filter_metadata"); borrowed or NULL. */
json_t *pb_path(const json_t *obj, const char *path);

/* The string at a dotted path, or "" when absent or not a string.  Borrowed. */
const char *pb_str(const json_t *obj, const char *path);

/*
 * An integer field, also when protobuf JSON wrote it as a string (64-bit
 * values) ; def when absent or not a number.
 */
long long pb_int(const json_t *obj, const char *path, long long def);

/* 1 when the boolean at path is true. */
int pb_bool(const json_t *obj, const char *path);

/*
 * The name of a proto enum value: JSON carries the name, or (accepted
 * by protobuf JSON parsers) the number, which names[] translates;
 * names[0] when absent.  Borrowed.
 */
const char *pb_enum(const json_t *obj, const char *path, const char *const *names, size_t n);

/* ---- the dump (config-dump.c) ---- */

#define DUMP_TYPE(name) "type.googleapis.com/envoy.admin.v3." name

struct dump_section {
	char *type;          /* "@type" of the configs[] entry */
	struct jspan body;
};

struct config_dump {
	char *buf;           /* the whole text; mapped when map_len != 0 */
	size_t len, map_len;
	char *origin;        /* "the config dump in \"x.json\"", for messages */
	struct jspan root;
	struct dump_section *sections;
	size_t nsections;
};

/*
 * Read a dump from a file, or from standard input when path is "-",
 * validate it and index its configs[] sections.  Returns 0, or -1 with
 * err set ("the config dump in \"x.json\" is not valid JSON: ...").
 * Release with config_dump_release() in both cases.
 */
int config_dump_read(struct config_dump *d, const char *path, struct strbuf *err);

/*
 * The same for a dump already in memory (the live path): takes
 * ownership of buf, which must come from malloc.  origin describes the
 * source for messages ("the config dump of pod x.ns").
 */
int config_dump_from_buffer(struct config_dump *d, char *buf, size_t len,
			    const char *origin, struct strbuf *err);

void config_dump_release(struct config_dump *d);

/*
 * The last configs[] entry of the given type (as istioctl's getSection).
 * Returns 0, or -1 with "config dump has no configuration type URL" in
 * err (unless err is NULL).
 */
int config_dump_section(const struct config_dump *d, const char *type, struct jspan *out,
			struct strbuf *err);

/* The same section parsed: a new reference, or NULL with err set. */
json_t *config_dump_section_json(const struct config_dump *d, const char *type, struct strbuf *err);

/* ---- Go compatibility (config-gosort.c, config-gojson.c; YAML is yamljson_emit()) ---- */

/*
 * Go's sort.Slice (pattern-defeating quicksort, Go >= 1.19) over an
 * array of pointers, with the same sequence of comparisons and swaps,
 * so that equal and incomparable elements end up where istioctl puts
 * them.  less(a, b, ctx) is the Go closure.
 */
typedef int (*go_less_fn)(const void *a, const void *b, void *ctx);
void go_sort_slice(void **v, size_t n, go_less_fn less, void *ctx);

/* Go's strconv.Atoi: 0 with *out set, -1 for anything else. */
int go_atoi(const char *s, long long *out);

/*
 * A proto message as protobuf JSON prints it: field names in
 * lowerCamelCase, input order kept (Envoy writes fields in declaration
 * order, as Go's jsonpb does), keys of map fields and of
 * google.protobuf.Struct values sorted.  The message's own "@type" is
 * dropped when drop_type is set (a message unpacked from an Any).
 * Returns a new reference.
 */
json_t *pbjson_message(json_t *msg, int drop_type);

/*
 * The keys of obj in byte order, as Go sorts map keys: a new array the
 * caller frees (the keys are borrowed from obj), NULL-terminated.
 */
const char **pbjson_sorted_keys(const json_t *obj, size_t *n);

/*
 * encoding/json.MarshalIndent(v, "", "    "), without a final newline,
 * for a value that sits `level` levels deep (0 for a whole document).
 */
void gojson_indent(struct strbuf *out, json_t *v, int level);

/*
 * jsonpb.Marshaler{Indent: "    "} of a message converted by
 * pbjson_message(), including the deeper indentation jsonpb gives the
 * contents of google.protobuf.Struct values.  No final newline.
 */
void gojson_jsonpb(struct strbuf *out, json_t *v);

/* ---- renderers ---- */

enum config_format {
	CONFIG_TABLE,
	CONFIG_JSON,
	CONFIG_YAML,
};

/* istioctl's filters; NULL or 0 when not given. */
struct config_filter {
	const char *fqdn, *direction, *subset;   /* clusters */
	const char *address, *type;              /* listeners, endpoints */
	const char *name;                        /* routes */
	const char *cluster, *status;            /* endpoints */
	long port;
	int verbose;                             /* listeners, routes */
	int with_headers;                        /* all */
};

struct config_view {
	const struct config_dump *dump;
	struct config_filter f;
	enum config_format format;
	int with_type;       /* `all`: a NAME column with "cluster/"... prefixes */
	struct timespec now; /* secrets' VALID CERT */
};

/*
 * Each renderer appends istioctl's output for its view to out and
 * returns 0, or returns -1 with the message in err (what it appended
 * before the failure stays, as istioctl prints it).
 */
int config_clusters(const struct config_view *v, struct strbuf *out, struct strbuf *err);
int config_listeners(const struct config_view *v, struct strbuf *out, struct strbuf *err);
int config_routes(const struct config_view *v, struct strbuf *out, struct strbuf *err);
int config_eds(const struct config_view *v, struct strbuf *out, struct strbuf *err);
int config_endpoints(const struct config_view *v, struct strbuf *out, struct strbuf *err);
int config_secrets(const struct config_view *v, struct strbuf *out, struct strbuf *err);
int config_bootstrap(const struct config_view *v, struct strbuf *out, struct strbuf *err);
int config_ecds(const struct config_view *v, struct strbuf *out, struct strbuf *err);
int config_all(const struct config_view *v, struct strbuf *out, struct strbuf *err);
int config_rbac(const struct config_view *v, struct strbuf *out, struct strbuf *err);

/* ---- helpers shared by the renderers (config-common.c) ---- */

/* istioctl's model.ParseSubsetKey on names with more than three '|' fields. */
struct subset_key {
	char *direction, *subset, *host;  /* owned */
	long long port;
	int parsed;                       /* the name had more than three '|' fields */
};
void subset_key_parse(struct subset_key *k, const char *name);
void subset_key_release(struct subset_key *k);
/* Order by host, subset, port, direction (clusters and EDS). */
int subset_key_less(const struct subset_key *a, const struct subset_key *b);

/*
 * istioctl's describeManagement: the Istio config path in
 * metadata.filter_metadata.istio.config as "name.namespace", "<unknown>"
 * for paths outside networking.istio.io, "" when there is none.
 */
void config_describe_path(struct strbuf *out, const char *config_path);
void config_describe_management(struct strbuf *out, const json_t *metadata);

/*
 * The Listener messages of the ListenersConfigDump: dynamic ones with an
 * active state, then static ones.  A new array, or NULL with err set.
 */
json_t *config_active_listeners(const struct config_dump *d, struct strbuf *err);

/* The name of the core.v3.HealthStatus at path (UNKNOWN, HEALTHY, ... DEGRADED).  Borrowed. */
const char *config_health_status(const json_t *obj, const char *path);

/* istioctl's describeMatch of a RouteMatch: "/prefix*", "PathPrefix:/p", "/path", "regex re". */
void config_describe_route_match(struct strbuf *out, json_t *match);

/*
 * istioctl's -o json|yaml of a list of messages (json.MarshalIndent of
 * the list, or JSONToYAML of that, and a newline), written one message
 * at a time so that a long list is never held whole.  Start with
 * CONFIG_LIST_INIT, add the messages in order (the reference is not
 * taken), then end the list.
 */
struct config_list {
	const struct config_view *view;
	struct strbuf *out;
	size_t n;
};
#define CONFIG_LIST_INIT(v, out) { (v), (out), 0 }
void config_list_add(struct config_list *l, json_t *msg);
void config_list_end(struct config_list *l);

/* One message as -o json (MarshalIndent) or -o yaml prints it, with the final newline. */
void config_print_message(const struct config_view *v, json_t *msg, struct strbuf *out);

/* Print one message as jsonpb with indent (-o json) or its YAML (-o yaml). */
void config_print_jsonpb(const struct config_view *v, json_t *msg, struct strbuf *out);

/* ---- the command (cmd-config.c) ---- */

struct config_opts {
	char *file;
	char *fqdn, *direction, *subset, *address, *type, *name, *cluster, *status;
	long port;
	int verbose;             /* listeners, routes: a row per chain or route (default 1) */
	int with_headers;
};

extern const struct cli_option config_options[];
extern const char *const config_type_words[];

#define CMD_ENTRY_CONFIG                                                          \
	{ "config", "Show a sidecar's Envoy configuration as istioctl proxy-config does", \
	  "config TYPE [[TYPE/]NAME[.NAMESPACE]] [--file FILE]",                     \
	  "Print what an Envoy sidecar holds, in the tables of istioctl proxy-config.\n" \
	  "TYPE is one of:\n\n"                                                      \
	  "  clusters (cluster, c)     upstream clusters\n"                           \
	  "  listeners (listener, l)   listeners and their filter chains\n"          \
	  "  routes (route, r)         route configurations and virtual hosts\n"     \
	  "  endpoints (endpoint, ep)  endpoints with health and outlier status\n"   \
	  "                            (from Envoy's /clusters?format=json)\n"        \
	  "  secrets (secret, s)       certificates, with validity and expiry\n"     \
	  "  bootstrap (b)             Istio and Envoy versions (istioctl's -o short);\n" \
	  "                            -o json prints the bootstrap, as istioctl does\n" \
	  "  ecds (ec)                 extension configurations\n"                   \
	  "  all (a)                   every table above; -o json prints the dump\n" \
	  "  rbac (authz)              the AuthorizationPolicies in the RBAC filters,\n" \
	  "                            as istioctl x authz check prints them\n\n"     \
	  "Tables, -o json and -o yaml are byte for byte what istioctl prints, rows in\n" \
	  "istioctl's order (ecds -o json is indented as istioctl's tests re-indent\n" \
	  "it).\n\n"                                                                 \
	  "The configuration is read live from the pod's istio-proxy sidecar: Envoy's\n" \
	  "admin API on port 15000 through a port-forward (pods/portforward), or,\n" \
	  "where that is forbidden, through 'pilot-agent request GET' in the sidecar\n" \
	  "(pods/exec).  The pod is POD[.NAMESPACE], or TYPE/NAME[.NAMESPACE] for a\n" \
	  "deployment, statefulset, daemonset or service (the pod kubectl logs would\n" \
	  "pick).  --file reads a saved dump instead (- for standard input): Envoy's\n" \
	  "/config_dump, or /clusters?format=json for endpoints.\n",               \
	  "  # Clusters of the productpage sidecar, only those for port 9080\n"     \
	  "  kubectl %P config clusters deploy/productpage-v1.bookinfo --port 9080\n\n" \
	  "  # The AuthorizationPolicies a sidecar enforces, from its RBAC filters\n" \
	  "  kubectl %P config rbac productpage-v1-6b746f74dc-4xk2p -n bookinfo\n\n" \
	  "  # Clusters of a saved dump\n"                                          \
	  "  kubectl %P config clusters --file envoy.json\n\n"                      \
	  "  # Inbound listeners as YAML, reading the dump from standard input\n"  \
	  "  kubectl %P config listeners -f - --address 0.0.0.0 -o yaml < envoy.json\n\n" \
	  "  # Every table, with a title above each\n"                              \
	  "  kubectl %P config all -f envoy.json --with-headers\n",                  \
	  config_options, sizeof(struct config_opts), OUTF_TABLE | OUTF_JSON | OUTF_YAML, \
	  1, 2, { COMPLETE_WORDS, COMPLETE_POD }, config_type_words, 1, cmd_proxy_config, 0 }

#endif
