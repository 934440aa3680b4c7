/* SPDX-License-Identifier: Apache-2.0 */
/* fake-apiserver: options, startup and the accept loop. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <openssl/err.h>

#include "fake.h"
#include "xalloc.h"

static const char usage_text[] =
	"usage: fake-apiserver --cert PEM --key PEM [--client-ca PEM] --data DIR...\n"
	"         --port-file FILE [--port N] [--tokens FILE] [--basic FILE]\n"
	"         [--allow-anonymous] [--forbid FILE] [--log FILE] [--faults FILE]\n"
	"         [--istio v1|v1beta1|none] [--plain-http] [--gzip-min BYTES]\n"
	"         [--continue-ttl SECONDS] [--server-version vX.Y.Z] [--proxy-dir DIR]...\n";

static int signal_pipe[2] = { -1, -1 };

double now_seconds(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void die_startup(const char *msg) MESH_NORETURN;
static void die_startup(const char *msg)
{
	fprintf(stderr, "fake-apiserver: %s\n", msg);
	exit(2);
}

enum {
	OPT_CLIENT_CA = 256, OPT_PORT_FILE, OPT_ALLOW_ANON, OPT_PLAIN,
	OPT_GZIP_MIN, OPT_CONTINUE_TTL, OPT_SERVER_VERSION, OPT_BASIC, OPT_PROXY_DIR
};

static const struct option longopts[] = {
	{ "cert", required_argument, NULL, 'c' },
	{ "key", required_argument, NULL, 'k' },
	{ "client-ca", required_argument, NULL, OPT_CLIENT_CA },
	{ "data", required_argument, NULL, 'd' },
	{ "port", required_argument, NULL, 'p' },
	{ "port-file", required_argument, NULL, OPT_PORT_FILE },
	{ "tokens", required_argument, NULL, 't' },
	{ "basic", required_argument, NULL, OPT_BASIC },
	{ "allow-anonymous", no_argument, NULL, OPT_ALLOW_ANON },
	{ "forbid", required_argument, NULL, 'f' },
	{ "log", required_argument, NULL, 'l' },
	{ "faults", required_argument, NULL, 'F' },
	{ "istio", required_argument, NULL, 'i' },
	{ "plain-http", no_argument, NULL, OPT_PLAIN },
	{ "gzip-min", required_argument, NULL, OPT_GZIP_MIN },
	{ "continue-ttl", required_argument, NULL, OPT_CONTINUE_TTL },
	{ "server-version", required_argument, NULL, OPT_SERVER_VERSION },
	{ "proxy-dir", required_argument, NULL, OPT_PROXY_DIR },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct file_opts {
	const char *tokens, *basic, *forbid, *log, *faults;
};

static void parse_istio(struct server *srv, const char *v)
{
	if (!strcmp(v, "v1"))
		srv->istio = ISTIO_V1;
	else if (!strcmp(v, "v1beta1"))
		srv->istio = ISTIO_V1BETA1;
	else if (!strcmp(v, "none"))
		srv->istio = ISTIO_NONE;
	else
		die_startup("--istio must be v1, v1beta1 or none");
}

static void parse_options(struct server *srv, struct file_opts *fo, int argc, char **argv)
{
	size_t alloc_dirs = 0, alloc_proxy = 0;
	int c;

	srv->gzip_min = 1024;
	srv->continue_ttl = 300;
	srv->server_version = "v1.32.4";
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': srv->cert = optarg; break;
		case 'k': srv->key = optarg; break;
		case OPT_CLIENT_CA: srv->client_ca = optarg; break;
		case 'd':
			ALLOC_GROW(srv->data_dirs, srv->nr_data_dirs + 1, alloc_dirs);
			srv->data_dirs[srv->nr_data_dirs++] = optarg;
			break;
		case 'p': srv->port = atoi(optarg); break;
		case OPT_PORT_FILE: srv->port_file = optarg; break;
		case 't': fo->tokens = optarg; break;
		case OPT_BASIC: fo->basic = optarg; break;
		case OPT_ALLOW_ANON: srv->allow_anonymous = 1; break;
		case 'f': fo->forbid = optarg; break;
		case 'l': fo->log = optarg; break;
		case 'F': fo->faults = optarg; break;
		case 'i': parse_istio(srv, optarg); break;
		case OPT_PLAIN: srv->plain_http = 1; break;
		case OPT_GZIP_MIN: srv->gzip_min = (size_t)strtoull(optarg, NULL, 10); break;
		case OPT_CONTINUE_TTL: srv->continue_ttl = atol(optarg); break;
		case OPT_SERVER_VERSION: srv->server_version = optarg; break;
		case OPT_PROXY_DIR:
			ALLOC_GROW(srv->proxy_dirs, srv->nr_proxy_dirs + 1, alloc_proxy);
			srv->proxy_dirs[srv->nr_proxy_dirs++] = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			fputs(usage_text, stderr);
			exit(2);
		}
	}
	if (optind < argc || !srv->port_file || !srv->nr_data_dirs ||
	    (!srv->plain_http && (!srv->cert || !srv->key))) {
		fputs(usage_text, stderr);
		exit(2);
	}
}

static void ssl_die(const char *what, const char *path)
{
	char buf[256];
	char *msg;

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	msg = xasprintf("%s %s: %s", what, path, buf);
	die_startup(msg);
}

static SSL_CTX *make_ssl_ctx(const struct server *srv)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx)
		ssl_die("cannot create a TLS context for", srv->cert);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"fake", 4);
	if (SSL_CTX_use_certificate_chain_file(ctx, srv->cert) != 1)
		ssl_die("cannot load certificate", srv->cert);
	if (SSL_CTX_use_PrivateKey_file(ctx, srv->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		ssl_die("cannot load key", srv->key);
	if (srv->client_ca) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(srv->client_ca);

		if (!names || SSL_CTX_load_verify_locations(ctx, srv->client_ca, NULL) != 1)
			ssl_die("cannot load client CA", srv->client_ca);
		SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	return ctx;
}

static void load_files(struct server *srv, const struct file_opts *fo)
{
	struct strbuf err = STRBUF_INIT;

	if ((fo->tokens && auth_load_creds(fo->tokens, 0, &srv->tokens, &srv->nr_tokens, &err) < 0) ||
	    (fo->basic && auth_load_creds(fo->basic, 1, &srv->basics, &srv->nr_basics, &err) < 0) ||
	    (fo->forbid && auth_load_forbid(fo->forbid, &srv->forbid, &srv->nr_forbid, &err) < 0) ||
	    (fo->log && reqlog_open(&srv->log, fo->log, &err) < 0) ||
	    store_load(&srv->store, srv, srv->data_dirs, srv->nr_data_dirs, &err) < 0)
		die_startup(err.buf);
	if (fo->faults) {
		faults_init(&srv->faults, fo->faults);
		srv->have_faults = 1;
	}
	strbuf_release(&err);
}

static int listen_loopback(struct server *srv)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)srv->port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&addr, &len) < 0)
		die_startup(strerror(errno));
	srv->listen_port = ntohs(addr.sin_port);
	return fd;
}

/* Write the port atomically so a waiter never reads half a number. */
static void write_port_file(const struct server *srv)
{
	char *tmp = xasprintf("%s.tmp", srv->port_file);
	FILE *fp = fopen(tmp, "w");

	if (!fp || fprintf(fp, "%d\n", srv->listen_port) < 0 || fclose(fp) != 0 ||
	    rename(tmp, srv->port_file) < 0)
		die_startup("cannot write the port file");
	free(tmp);
}

static void on_signal(int sig)
{
	char ch = (char)sig;
	ssize_t n = write(signal_pipe[1], &ch, 1);

	(void)n;
}

static void setup_signals(void)
{
	struct sigaction sa;

	if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		die_startup(strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void accept_loop(struct server *srv, int lfd)
{
	struct pollfd fds[2] = { { lfd, POLLIN, 0 }, { signal_pipe[0], POLLIN, 0 } };

	for (;;) {
		int fd;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents)
			break;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			conn_spawn(srv, fd);
	}
}

int main(int argc, char **argv)
{
	static struct server srv; /* lives as long as the connection threads */
	struct file_opts fo;
	double t0 = now_seconds();
	int lfd;

	memset(&fo, 0, sizeof(fo));
	parse_options(&srv, &fo, argc, argv);
	setup_signals();
	if (!srv.plain_http)
		srv.ssl_ctx = make_ssl_ctx(&srv);
	load_files(&srv, &fo);
	ws_register(&srv);
	lfd = listen_loopback(&srv);
	fprintf(stderr, "fake-apiserver: %zu objects loaded in %.3fs, listening on %s://127.0.0.1:%d\n",
		srv.store.nr_objects, now_seconds() - t0,
		srv.plain_http ? "http" : "https", srv.listen_port);
	write_port_file(&srv);
	accept_loop(&srv, lfd);
	close(lfd);
	return 0;
}
