/* SPDX-License-Identifier: Apache-2.0 */
/* Shared types of the fake Kubernetes API server used by the test suite. */
#ifndef FAKE_H
#define FAKE_H

#include <pthread.h>
#include <time.h>
#include <jansson.h>
#include <openssl/ssl.h>
#include "strbuf.h"

/*
 * Module map:
 *   main.c      options, startup, accept loop
 *   conn.c      TLS or plain connections, HTTP/1.1 parsing and writing,
 *               gzip, upgrade hand-off
 *   router.c    request info (verb, resource, namespace, name), the
 *               per-request pipeline and dispatch
 *   auth.c      authentication, impersonation, --forbid authorization
 *   status.c    Status bodies and reasons
 *   discovery.c the resource table and discovery documents
 *   store.c     loading --data objects, indexes
 *   list.c      get and list, paging and continue tokens
 *   select.c    field selectors (label selectors are common/labels.c)
 *   table.c     meta.k8s.io/v1 Table responses
 *   podlog.c    pods/log
 *   ws.c        the server side of WebSocket: handshake, frames, channels
 *   ws_exec.c   pods/exec over WebSocket and its simulated programs
 *   ws_forward.c pods/portforward over WebSocket
 *   ws_proxy.c  the pods' simulated loopback HTTP servers (DIR/proxy)
 *   faults.c    the --faults file
 *   reqlog.c    the --log request log
 */

/* ---- discovery.c: what the server serves ---- */

enum istio_mode { ISTIO_V1, ISTIO_V1BETA1, ISTIO_NONE };

#define RES_NAMESPACED 1
#define RES_BUILTIN 2 /* list items carry no kind/apiVersion */

/* How table.c prints a resource for `kubectl get`. */
enum table_kind {
	TABLE_GENERIC,  /* Name, Age */
	TABLE_POD,
	TABLE_NAMESPACE,
	TABLE_SERVICE,
	TABLE_DEPLOYMENT,
	TABLE_CRD,      /* Name, printer columns, Age */
};

struct resource_def {
	const char *group;    /* "" for the core group */
	const char *resource; /* plural, e.g. "pods" */
	const char *singular;
	const char *kind;
	unsigned flags;
	const char *verbs;      /* space separated */
	const char *short_names;
	const char *categories;
	const char *subresources; /* "name:Kind:verb verb;..." */
	enum table_kind table;
	const char *printer_columns; /* TABLE_CRD: "Name=.json.path;..." */
};

struct server;

/* The resource of group (any served version) by plural name, or NULL. */
const struct resource_def *resource_lookup(const struct server *srv,
					   const char *group, const char *version,
					   const char *resource);
/* The resource for an object's group and kind, or NULL. */
const struct resource_def *resource_by_kind(const struct server *srv,
					    const char *group, const char *kind);
/* 1 when group is one the server knows, served or not (--istio none). */
int group_known(const char *group);
/* 1 when group is served (in some version) under the current --istio mode. */
int group_served(const struct server *srv, const char *group);
/* 1 when group/version is served under the current --istio mode. */
int group_version_served(const struct server *srv, const char *group,
			 const char *version);
/* 1 when the resource has the named subresource. */
int resource_has_subresource(const struct resource_def *res, const char *sub);
/* All resources, for the store's index. */
const struct resource_def *resource_table(size_t *nr);

/* ---- requests and responses ---- */

struct header {
	char *name; /* lower-case */
	char *value;
};

/* The ws-* fault actions, for upgrade handlers. */
struct ws_faults {
	int close;    /* ws-close: drop the connection half-way through the stream */
	int stall_ms; /* ws-stall=MS: pause that long half-way */
	int ping;     /* ws-ping: ping first and wait for the pong */
};

struct request {
	char *method;
	char *target; /* raw request-target, as the faults file matches it */
	char *path;  /* percent-decoded path */
	char *query; /* raw query string without '?', "" when none */
	struct header *headers;
	size_t nr_headers, alloc_headers;
	char *body;
	size_t body_len;
	double time;

	/* The verified client certificate's identity (borrowed), or NULL. */
	const char *peer_user;
	char **peer_groups;
	size_t nr_peer_groups;

	/* Filled by authentication. */
	int authenticated;
	char *user;
	char **groups;
	size_t nr_groups, alloc_groups;
	char *imp_user;
	char **imp_groups;
	size_t nr_imp_groups, alloc_imp_groups;

	/* Filled from the faults file before dispatch. */
	struct ws_faults ws;
};

/* Returns the first value of header name (lower-case), or NULL. */
const char *request_header(const struct request *req, const char *name);
/*
 * Returns the decoded value of query parameter key as a new string the
 * caller frees, or NULL when absent.
 */
char *request_param(const struct request *req, const char *key);
/* 1 when the boolean query parameter key is "true" or "1". */
int request_param_true(const struct request *req, const char *key);
/* Effective user after impersonation (never NULL once authenticated). */
const char *request_user(const struct request *req);

enum response_mode { RESP_NORMAL, RESP_TRUNCATE, RESP_CLOSE };

struct response {
	int code;
	const char *content_type;
	struct strbuf headers; /* extra "Name: value\r\n" lines */
	struct strbuf body;
	enum response_mode mode;
	int no_gzip;
	/* Filled when written, for the log. */
	size_t wire_bytes;
	int gzipped;
};

void response_init(struct response *resp);
void response_release(struct response *resp);
void response_add_header(struct response *resp, const char *fmt, ...) MESH_PRINTF(2, 3);
/* Set code, JSON content type and body (the text is copied). */
void response_json(struct response *resp, int code, const char *json);

/* ---- conn.c ---- */

struct conn;

/* Raw I/O on an accepted connection, for upgrade handlers. */
ssize_t conn_read(struct conn *c, void *buf, size_t len);
int conn_write_all(struct conn *c, const void *buf, size_t len);
/* Give up reads and writes on c that block longer than ms (an upgrade's peer may vanish). */
void conn_set_timeout(struct conn *c, int ms);

/*
 * An upgrade handler takes over the connection after the request was
 * authenticated and authorised and the object found; it owns the
 * connection until it returns (then the connection is closed).  It
 * returns the status code to log.
 */
typedef int (*upgrade_fn)(struct server *srv, struct conn *c,
			  const struct request *req, json_t *pod);
/* Plug in a handler for a pod subresource such as "exec" or "portforward". */
void upgrade_register(struct server *srv, const char *subresource, upgrade_fn fn);
/* The handler for subresource, or NULL. */
upgrade_fn upgrade_lookup(const struct server *srv, const char *subresource);

/* Serve one accepted socket on its own detached thread. */
void conn_spawn(struct server *srv, int fd);

/* ---- status.c ---- */

/* The standard reason for an HTTP status code ("InternalError", ...). */
const char *status_reason(int code);
/*
 * Fill resp with a Status object.  details may be NULL; the reference
 * is stolen.  continue_token may be NULL.
 */
void respond_status(struct response *resp, int code, const char *reason,
		    const char *message, json_t *details,
		    const char *continue_token);
/* 404 "the server could not find the requested resource". */
void respond_not_found_path(struct response *resp);
/* 404 `<resource>[.group] "name" not found`. */
void respond_not_found_object(struct response *resp,
			      const char *group, const char *resource,
			      const char *name);
void respond_bad_request(struct response *resp, const char *fmt, ...) MESH_PRINTF(2, 3);
/* 410 Expired for a stale continue token; continue_token may be NULL. */
void respond_expired(struct response *resp, const char *continue_token);
/* A group-qualified resource name: "pods", "peerauthentications.security.istio.io". */
char *qualified_resource(const char *group, const char *resource);

/* ---- router.c ---- */

struct reqinfo {
	int is_resource;
	char verb[24];
	char *prefix; /* "api" or "apis" */
	char *group, *version, *resource, *subresource, *namespace, *name;
	char **parts; /* path segments */
	size_t nr_parts;
};

void reqinfo_parse(struct reqinfo *ri, const struct request *req);
void reqinfo_release(struct reqinfo *ri);

/*
 * Run the whole pipeline for one request and fill resp.  Returns 1
 * when an upgrade handler took the connection (resp then only carries
 * the code for the log).
 */
int router_handle(struct server *srv, struct conn *c, struct request *req,
		  struct response *resp);

/* ---- auth.c ---- */

struct cred {
	char *key;  /* token, or "user:password" */
	char *user;
	char **groups;
	size_t nr_groups;
};

struct forbid_rule {
	char *user;
	char *verb;
	char *resource; /* resource, resource/sub, or a /path */
	char *namespace; /* NULL or "*" for any */
};

int auth_load_creds(const char *path, int basic, struct cred **out,
		    size_t *nr, struct strbuf *err);
int auth_load_forbid(const char *path, struct forbid_rule **out, size_t *nr,
		     struct strbuf *err);
/*
 * Authenticate req (a verified client certificate first, then the
 * Authorization header) and apply impersonation.  Returns 0, or -1 with
 * resp filled (401, 403).
 */
int auth_authenticate(const struct server *srv, struct request *req,
		      struct response *resp);
/* Returns 0 when allowed, or -1 with a 403 in resp. */
int auth_authorize(const struct server *srv, const struct request *req,
		   const struct reqinfo *ri, struct response *resp);

/* ---- store.c ---- */

struct object {
	json_t *json;   /* parsed, without kind/apiVersion */
	const char *ns; /* borrowed from json; "" for cluster scope */
	const char *name;
	char *body;     /* compact JSON of json */
	size_t body_len;
};

struct store_bucket {
	const struct resource_def *res;
	struct object *objs; /* sorted by (ns, name) */
	size_t nr, alloc;
};

struct store {
	struct store_bucket *buckets; /* one per resource_table() row */
	size_t nr_buckets;
	unsigned long long rv;        /* list resourceVersion */
	size_t nr_objects;
};

int store_load(struct store *st, const struct server *srv, char **dirs,
	       size_t nr_dirs, struct strbuf *err);
struct store_bucket *store_bucket(const struct store *st,
				  const struct resource_def *res);
/* The object, or NULL. */
struct object *store_find(const struct store_bucket *b, const char *ns,
			  const char *name);
/* Index of the first object with (ns, name) > (after_ns, after_name). */
size_t store_after(const struct store_bucket *b, const char *after_ns,
		   const char *after_name);
/* Index of the first object in namespace ns. */
size_t store_ns_start(const struct store_bucket *b, const char *ns);

/*
 * Append the object as served at group/version: with kind and
 * apiVersion first when with_type, without them otherwise.
 */
void object_append(struct strbuf *out, const struct object *o,
		   const struct resource_def *res, const char *version,
		   int with_type);

/* ---- select.c ---- */

struct field_selector;

/*
 * Parse a fieldSelector for res; NULL or empty text gives NULL.  -1
 * with err on an unknown field or a term without '='.
 */
int field_selector_parse(const char *text, const struct resource_def *res,
			 struct field_selector **out, struct strbuf *err);
/* 1 when obj passes sel (a NULL selector passes everything). */
int field_selector_matches(const struct field_selector *sel, json_t *obj);
void field_selector_free(struct field_selector *sel);

/* ---- list.c ---- */

void handle_get(const struct server *srv, const struct request *req,
		const struct reqinfo *ri, const struct resource_def *res,
		struct response *resp);
void handle_list(const struct server *srv, const struct request *req,
		 const struct reqinfo *ri, const struct resource_def *res,
		 struct response *resp);
/* Continue token for a list resuming after (ns, name), issued now; caller frees. */
char *continue_token_make(unsigned long long rv, const char *ns,
			  const char *name);
/* The same position as token, issued now (caller frees), or NULL if invalid. */
char *continue_token_refresh(const char *token);

/* ---- table.c ---- */

/* 1 when the Accept header asks for a meta.k8s.io/v1 Table. */
int table_wanted(const struct request *req);
/* Append a Table of the objects to out (list metadata given as JSON). */
void table_render(struct strbuf *out, const struct request *req,
		  const struct resource_def *res, const char *version,
		  struct object **objs, size_t nr, const char *list_meta);

/* ---- podlog.c ---- */

void handle_pod_log(const struct server *srv, const struct request *req,
		    const struct reqinfo *ri, struct object *pod,
		    struct response *resp);
/*
 * The container a pods/log or pods/exec request names (query
 * parameter "container", or the only one), as a new string; NULL with
 * the API server's 400 in resp.
 */
char *pod_pick_container(const struct request *req, json_t *pod, const char *pod_name,
			 struct response *resp);

/* ---- ws.c, ws_exec.c, ws_forward.c, ws_proxy.c: exec and portforward ---- */

/* The minor version of --server-version (v1.32.4 -> 32). */
int server_minor(const struct server *srv);
/*
 * From Kubernetes 1.35 a WebSocket upgrade (GET) of pods/exec, attach
 * or portforward also needs "create"; 0 when allowed or not such a
 * request, -1 with the 403 in resp.
 */
int ws_authorize_create(const struct server *srv, const struct request *req,
			const struct reqinfo *ri, struct response *resp);
/* Register the exec and portforward upgrade handlers. */
void ws_register(struct server *srv);

/* Opcodes, as RFC 6455 numbers them. */
enum { WSOP_CONT = 0, WSOP_TEXT = 1, WSOP_BINARY = 2, WSOP_CLOSE = 8, WSOP_PING = 9, WSOP_PONG = 10 };

/* 1 when req asks for Upgrade: websocket (not SPDY). */
int ws_is_websocket(const struct request *req);
/*
 * Answer an upgrade request without upgrading: write resp (its code,
 * type and body) with Connection: close.  Returns resp->code.
 */
int ws_refuse(struct conn *c, const struct response *resp);
/*
 * The handshake: check the WebSocket headers and pick the first of
 * the client's Sec-WebSocket-Protocol values (none means "") that
 * supported (NULL-terminated) holds, then write 101.  Returns the
 * chosen protocol (from supported) with *code 101; or NULL after
 * writing the refusal: 400 for a malformed upgrade, 403 with an empty
 * body when no protocol matches (golang.org/x/net/websocket's answer).
 */
const char *ws_accept(struct conn *c, const struct request *req,
		      const char *const *supported, int *code);
/* Write one unmasked, final frame; -1 when the connection is gone. */
int ws_write_frame(struct conn *c, int op, const void *data, size_t len);
/* Write [channel][data] as one binary message. */
int ws_write_channel(struct conn *c, int channel, const void *data, size_t len);
/* Write a close frame with status (1000 normal, 1002 protocol error). */
void ws_write_close(struct conn *c, int status);
/*
 * Read the client's next data message into msg (reset first).  Client
 * frames must be masked: an unmasked one is answered with close 1002
 * and an error.  Pings are answered.  Returns 1 with *op, 0 when the
 * client closed (answered), -1 on EOF, a timeout or a protocol error.
 */
int ws_read_message(struct conn *c, int *op, struct strbuf *msg);
/*
 * Write data on channel as the kubelet copies a stream (messages of at
 * most 32 KiB), acting out the ws-* faults half-way: a ws-stall pause,
 * a ws-ping round trip, or for ws-close -1 at once (the caller drops
 * the connection without a close frame).  -1 also when the client is gone.
 */
int ws_write_data(struct conn *c, int channel, const char *data, size_t len,
		  const struct ws_faults *f);

/* ws_exec.c, ws_forward.c: the upgrade handlers. */
int ws_exec_handle(struct server *srv, struct conn *c, const struct request *req, json_t *pod);
int ws_forward_handle(struct server *srv, struct conn *c, const struct request *req, json_t *pod);

/*
 * ws_proxy.c: the pods' loopback HTTP servers.  Port P of pod NS/POD
 * listens when DIR/proxy/NS/POD/P is a directory under some --data DIR,
 * or NS/POD/P under some --proxy-dir DIR; a GET of PATH?QUERY there
 * serves the file named by proxy_file_name(), falling back to the name
 * of PATH alone, the last such root first.
 */
int proxy_port_open(const struct server *srv, const char *ns, const char *pod, int port);
/* Free n strings and the array that holds them. */
void strings_free(char **v, size_t n);
/*
 * The fixture file name of a request target: without its leading '/',
 * percent-decoded, then every byte but A-Z a-z 0-9 . _ , = - written as
 * %XX (so "/debug/syncz" is "debug%2Fsyncz" and "/config_dump?include_eds=true"
 * is "config_dump%3Finclude_eds=true").  Appended to out.
 */
void proxy_file_name(struct strbuf *out, const char *target, size_t len);
/*
 * GET target on an open port: *status 200 with the file and its type
 * (JSON when it starts with '{' or '['), else the 404 of the server
 * behind the port: Envoy's on 15000, Go net/http's elsewhere.
 */
void proxy_http_get(const struct server *srv, const char *ns, const char *pod, int port,
		    const char *target, int *status, const char **content_type,
		    struct strbuf *body);

/* ---- discovery.c ---- */

/* Serve /api, /apis and their children; 0 when handled, -1 when not a discovery path. */
int discovery_handle(const struct server *srv, const struct reqinfo *ri,
		     struct response *resp);

/* ---- faults.c ---- */

struct fault_line;

struct faults {
	char *path;
	pthread_mutex_t lock;
	time_t mtime;
	long mtime_ns;
	off_t size;
	int loaded;
	struct fault_line *lines;
	size_t nr, alloc;
};

/* What the faults that matched ask for. */
struct fault_effect {
	int terminal;     /* resp is filled; answer it (or close/truncate) */
	int slow_ms;
	int truncate;
	struct ws_faults ws;
	struct strbuf warnings; /* extra header lines */
};

void faults_init(struct faults *f, const char *path);
/* Apply matching lines for req, filling eff (and resp when terminal). */
void faults_apply(struct faults *f, const struct request *req,
		  struct fault_effect *eff, struct response *resp);
void fault_effect_release(struct fault_effect *eff);

/* ---- reqlog.c ---- */

struct reqlog {
	FILE *fp;
	pthread_mutex_t lock;
};

int reqlog_open(struct reqlog *log, const char *path, struct strbuf *err);
void reqlog_write(struct reqlog *log, const struct request *req,
		  const struct response *resp);

/* ---- the server ---- */

struct server {
	/* options */
	const char *cert, *key, *client_ca;
	char **data_dirs;
	size_t nr_data_dirs;
	char **proxy_dirs;  /* --proxy-dir: more roots like DIR/proxy */
	size_t nr_proxy_dirs;
	int port;
	const char *port_file;
	int allow_anonymous;
	enum istio_mode istio;
	int plain_http;
	size_t gzip_min;
	long continue_ttl;
	const char *server_version;

	/* loaded state */
	SSL_CTX *ssl_ctx;
	struct cred *tokens, *basics;
	size_t nr_tokens, nr_basics;
	struct forbid_rule *forbid;
	size_t nr_forbid;
	struct store store;
	struct faults faults;
	struct reqlog log;
	int have_faults;
	int listen_port;
	struct {
		const char *subresource;
		upgrade_fn fn;
	} upgrades[4];
	size_t nr_upgrades;
};

/* Wall-clock time in seconds. */
double now_seconds(void);

#endif
