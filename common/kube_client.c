/* SPDX-License-Identifier: Apache-2.0 */
/* Making an API client from a resolved kubeconfig: server URL, TLS material, proxy, User-Agent. */
#include "curl_lazy.h"
#include "kube_priv.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

static int curl_ready;

static int global_init(struct strbuf *err)
{
	if (curl_ready)
		return 0;
	if (curl_lazy_load(err))
		return -1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		strbuf_addstr(err, "unable to initialise libcurl");
		return -1;
	}
	curl_ready = 1;
	return 0;
}

/* client-go's DefaultServerURL: a bare host:port is https when any TLS setting is present. */
static char *server_url(const struct kube_config *cfg)
{
	int tls = cfg->ca_pem.len || cfg->cert_pem.len || cfg->insecure ||
		  (cfg->tls_server_name && *cfg->tls_server_name);

	if (strstr(cfg->server, "://"))
		return xstrdup(cfg->server);
	return xasprintf("%s://%s", tls ? "https" : "http", cfg->server);
}

/* Go's proxy exemption: localhost and loopback addresses. */
static int is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (!strcasecmp(host, "localhost"))
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		       (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

static char *bracketed(const char *host)
{
	return strchr(host, ':') ? xasprintf("[%s]", host) : xstrdup(host);
}

/*
 * With tls-server-name, curl asks for that name (so SNI and the
 * certificate check use it), CONNECT_TO reaches the real address, and
 * the Host header keeps the URL's host, as Go does.
 */
static void use_tls_server_name(struct kube_client *c, const char *port, const char *path)
{
	const char *p = port ? port : "443";
	char *name = bracketed(c->cfg->tls_server_name);
	char *host = bracketed(c->host);
	char *line = xasprintf("%s:%s:%s:%s", name, p, host, p);

	c->req_host = xstrdup(c->cfg->tls_server_name);
	c->base_url = xasprintf("https://%s:%s%s", name, p, path);
	c->connect_to = kube_nonnull(curl_slist_append(NULL, line));
	c->host_header = xasprintf("Host: %s", c->host_port);
	free(line);
	free(host);
	free(name);
}

static int parse_server(struct kube_client *c, struct strbuf *err)
{
	const struct kube_config *cfg = c->cfg;
	char *url, *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	CURLU *u = curl_url();
	size_t len;
	int ret = -1;

	if (!cfg->server || !*cfg->server) {
		strbuf_addstr(err, "no server found for the current context");
		curl_url_cleanup(u);
		return -1;
	}
	url = server_url(cfg);
	if (!u || curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0)) {
		strbuf_addf(err, "host must be a URL or a host:port pair: \"%s\"", cfg->server);
		goto out;
	}
	if (strcmp(scheme, "https") && strcmp(scheme, "http")) {
		strbuf_addf(err, "unsupported protocol scheme \"%s\"", scheme);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, 0))
		port = NULL;
	len = strlen(path);
	while (len && path[len - 1] == '/')
		path[--len] = '\0';
	c->https = !strcmp(scheme, "https");
	c->host_port = port ? xasprintf("%s:%s", host, port) : xstrdup(host);
	c->host = *host == '[' ? xstrndup(host + 1, strlen(host) - 2) : xstrdup(host);
	c->loopback = is_loopback(c->host);
	c->shown_url = xasprintf("%s://%s%s", scheme, c->host_port, path);
	if (c->https && cfg->tls_server_name && *cfg->tls_server_name) {
		use_tls_server_name(c, port, path);
	} else {
		c->req_host = xstrdup(c->host);
		c->base_url = xstrdup(c->shown_url);
	}
	ret = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	free(url);
	return ret;
}

/* Never prompt on the terminal for an encrypted key's pass phrase. */
static int no_passphrase(char *buf, int size, int rwflag, void *data)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)data;
	return -1;
}

/* Number of certificates in pem; the first is returned in *first when asked. */
static int read_certs(const struct strbuf *pem, X509 **first)
{
	BIO *bio = BIO_new_mem_buf(pem->buf, (int)pem->len);
	X509 *cert;
	int n = 0;

	while (bio && (cert = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL))) {
		if (!n && first)
			*first = cert;
		else
			X509_free(cert);
		n++;
	}
	BIO_free(bio);
	ERR_clear_error();
	return n;
}

static EVP_PKEY *read_key(const struct strbuf *pem)
{
	BIO *bio = BIO_new_mem_buf(pem->buf, (int)pem->len);
	EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;

	BIO_free(bio);
	ERR_clear_error();
	return key;
}

/* The checks Go's tls.X509KeyPair and the CA pool make, with their words. */
static int check_tls_material(const struct kube_config *cfg, struct strbuf *err)
{
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	int ret = -1;

	if (cfg->ca_pem.len && !read_certs(&cfg->ca_pem, NULL)) {
		strbuf_addstr(err, "unable to load root certificates: unable to parse bytes as PEM block");
		return -1;
	}
	if (!cfg->cert_pem.len && !cfg->key_pem.len)
		return 0;
	if (!read_certs(&cfg->cert_pem, &cert))
		strbuf_addstr(err, "tls: failed to find any PEM data in certificate input");
	else if (!(key = read_key(&cfg->key_pem)))
		strbuf_addstr(err, "tls: failed to find any PEM data in key input");
	else if (X509_check_private_key(cert, key) != 1)
		strbuf_addstr(err, "tls: private key does not match public key");
	else
		ret = 0;
	ERR_clear_error();
	X509_free(cert);
	EVP_PKEY_free(key);
	return ret;
}

static int check_proxy(const struct kube_config *cfg, struct strbuf *err)
{
	const char *p = cfg->proxy_url;
	const char *sep;

	if (!p || !*p || starts_with(p, "http://") || starts_with(p, "https://") ||
	    starts_with(p, "socks5://"))
		return 0;
	/* The URL itself may carry a password: name only its scheme. */
	sep = strstr(p, "://");
	strbuf_addf(err, "invalid 'proxy-url' for cluster \"%s\": unsupported scheme \"%.*s\", must be http, https, or socks5",
		    cfg->cluster_name ? cfg->cluster_name : "",
		    sep ? (int)(sep - p) : 0, p);
	return -1;
}

/* uname's machine name in Go's GOARCH words. */
static const char *go_arch(const char *machine)
{
	static const struct {
		const char *uname, *go;
	} arches[] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" }, { "i386", "386" },
		{ "i486", "386" }, { "i586", "386" }, { "i686", "386" },
		{ "armv6l", "arm" }, { "armv7l", "arm" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(arches); i++)
		if (!strcmp(machine, arches[i].uname))
			return arches[i].go;
	return machine;
}

static char *default_user_agent(void)
{
	struct utsname u;
	struct strbuf os = STRBUF_INIT;
	const char *p;
	char *ua;

	if (uname(&u))
		return xasprintf("kubectl-mesh/%s (linux/amd64)", MESH_VERSION);
	for (p = u.sysname; *p; p++)
		strbuf_addch(&os, tolower((unsigned char)*p));
	ua = xasprintf("kubectl-mesh/%s (%s/%s)", MESH_VERSION, os.buf, go_arch(u.machine));
	strbuf_release(&os);
	return ua;
}

/* ---- what every connection to the server needs ---- */

void kube_header_add(struct curl_slist **list, const char *fmt, ...)
{
	struct curl_slist *grown;
	va_list ap;
	char *line;

	va_start(ap, fmt);
	line = xvasprintf(fmt, ap);
	va_end(ap);
	grown = kube_nonnull(curl_slist_append(*list, line));
	explicit_bzero(line, strlen(line));
	free(line);
	*list = grown;
}

void kube_headers_free(struct curl_slist *list)
{
	struct curl_slist *h;

	for (h = list; h; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(list);
}

void kube_identity_headers(const struct kube_client *c, const struct kube_authn *authn,
			   struct curl_slist **list)
{
	const struct kube_config *cfg = c->cfg;
	char **g;

	kube_header_add(list, "User-Agent: %s", c->user_agent);
	if (authn->authorization)
		kube_header_add(list, "Authorization: %s", authn->authorization);
	if (cfg->impersonate_user && *cfg->impersonate_user)
		kube_header_add(list, "Impersonate-User: %s", cfg->impersonate_user);
	for (g = cfg->impersonate_groups; g && *g; g++)
		kube_header_add(list, "Impersonate-Group: %s", *g);
	if (cfg->impersonate_uid && *cfg->impersonate_uid)
		kube_header_add(list, "Impersonate-Uid: %s", cfg->impersonate_uid);
}

static void set_blob(CURL *e, CURLoption opt, const struct strbuf *sb)
{
	struct curl_blob blob = { sb->buf, sb->len, CURL_BLOB_COPY };

	curl_easy_setopt(e, opt, &blob);
}

static void setup_tls(CURL *e, const struct kube_config *cfg, const struct kube_authn *authn)
{
	curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(e, CURLOPT_CERTINFO, 1L);
	if (cfg->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (cfg->ca_pem.len) {
		/* Like Go, a configured CA replaces the system store. */
		set_blob(e, CURLOPT_CAINFO_BLOB, &cfg->ca_pem);
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	}
	if (authn->cert && authn->cert->len) {
		set_blob(e, CURLOPT_SSLCERT_BLOB, authn->cert);
		curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
		set_blob(e, CURLOPT_SSLKEY_BLOB, authn->key);
		curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
	}
}

/* proxy-url wins; otherwise the environment's proxies, never for loopback (as Go). */
static void setup_proxy(CURL *e, const struct kube_client *c)
{
	const char *proxy = c->cfg->proxy_url;
	const char *rest;

	if (proxy && *proxy) {
		/* Go's socks5 dialer lets the proxy resolve names: curl's socks5h. */
		if (skip_prefix(proxy, "socks5://", &rest)) {
			char *p = xasprintf("socks5h://%s", rest);
			curl_easy_setopt(e, CURLOPT_PROXY, p);
			explicit_bzero(p, strlen(p));
			free(p);
		} else {
			curl_easy_setopt(e, CURLOPT_PROXY, proxy);
		}
		curl_easy_setopt(e, CURLOPT_NOPROXY, "");
	} else if (c->loopback) {
		curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	}
}

void kube_easy_connection(const struct kube_client *c, CURL *e, const struct kube_authn *authn)
{
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_SHARE, c->share);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	if (c->connect_to)
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, c->connect_to);
	if (c->https)
		setup_tls(e, c->cfg, authn);
	setup_proxy(e, c);
}

static int open_handles(struct kube_client *c, struct strbuf *err)
{
	c->multi = curl_multi_init();
	c->share = curl_share_init();
	if (!c->multi || !c->share) {
		strbuf_addstr(err, "unable to initialise libcurl");
		return -1;
	}
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	return 0;
}

struct kube_client *kube_client_new(struct kube_config *cfg,
				    const struct kube_client_opts *opts,
				    struct strbuf *err)
{
	struct kube_client *c = xcalloc(1, sizeof(*c));

	c->cfg = cfg;
	c->file_token_at = (time_t)(kube_now_ms() / 1000);
	c->body_cap = KUBE_BODY_CAP;
	c->max_retries = 10;
	if (opts) {
		c->timeout_ms = opts->timeout_ms;
		c->verbosity = opts->verbosity;
		if (opts->max_retries > 0)
			c->max_retries = opts->max_retries;
		if (opts->user_agent)
			c->user_agent = xstrdup(opts->user_agent);
	}
	if (!c->user_agent)
		c->user_agent = default_user_agent();
	if (global_init(err) || parse_server(c, err) || check_tls_material(cfg, err) ||
	    check_proxy(cfg, err) || open_handles(c, err)) {
		kube_client_free(c);
		return NULL;
	}
	return c;
}

void kube_client_free(struct kube_client *c)
{
	if (!c)
		return;
	if (c->multi)
		curl_multi_cleanup(c->multi);
	if (c->share)
		curl_share_cleanup(c->share);
	curl_slist_free_all(c->connect_to);
	kube_auth_release(c);
	free(c->user_agent);
	free(c->base_url);
	free(c->shown_url);
	free(c->host_port);
	free(c->host);
	free(c->req_host);
	free(c->host_header);
	free(c);
}

struct kube_config *kube_client_config(struct kube_client *c)
{
	return c->cfg;
}
