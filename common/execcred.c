/* SPDX-License-Identifier: Apache-2.0 */
/* Exec credential plugins (client.authentication.k8s.io), run with fork and execve. */
#include "kubeconfig_priv.h"
#include "base64.h"
#include "rfc3339.h"
#include "xalloc.h"
#include "yamljson.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/*
 * client-go waits for a plugin as long as it takes and reads whatever
 * it prints.  We stop a plugin that runs longer than 60 seconds (or
 * $KUBECTL_MESH_EXEC_TIMEOUT seconds) or prints more than 1 MiB on
 * stdout, so a broken helper cannot hang or exhaust us.
 */
#define EXEC_TIMEOUT_SECONDS 60
#define EXEC_MAX_OUTPUT (1024 * 1024)

#define EXEC_V1 "client.authentication.k8s.io/v1"
#define EXEC_V1BETA1 "client.authentication.k8s.io/v1beta1"

static const char install_help[] =
	"\n\nIt looks like you are trying to use a client-go credential plugin that is not "
	"installed.\n\nTo learn more about this feature, consult the documentation available at:\n"
	"      https://kubernetes.io/docs/reference/access-authn-authz/authentication/"
	"#client-go-credential-plugins";

static int decide_interactive(const char *mode, int *interactive, struct strbuf *err)
{
	int tty = isatty(STDIN_FILENO);

	if (!strcmp(mode, "Never")) {
		*interactive = 0;
	} else if (!strcmp(mode, "IfAvailable")) {
		*interactive = tty;
	} else if (!strcmp(mode, "Always") && tty) {
		*interactive = 1;
	} else {
		strbuf_addstr(err, "exec plugin cannot support interactive mode: ");
		if (!strcmp(mode, "Always")) {
			strbuf_addstr(err, "standard input must be a terminal");
		} else {
			strbuf_addstr(err, "unknown interactiveMode: ");
			strbuf_addstr_go_quoted(err, mode);
		}
		return -1;
	}
	return 0;
}

/* ---- KUBERNETES_EXEC_INFO ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The extension as Go passes it on: its JSON with sorted keys. */
static json_t *sorted_copy(json_t *v)
{
	const char **keys, *key;
	json_t *res, *e;
	size_t i = 0;

	if (json_is_array(v)) {
		res = json_array();
		json_array_foreach(v, i, e)
			json_array_append_new(res, sorted_copy(e));
		return res;
	}
	if (!json_is_object(v))
		return json_deep_copy(v);
	keys = xcalloc(json_object_size(v) + 1, sizeof(*keys));
	json_object_foreach(v, key, e)
		keys[i++] = key;
	qsort(keys, i, sizeof(*keys), cmp_str);
	res = json_object();
	for (i = 0; keys[i]; i++)
		json_object_set_new(res, keys[i], sorted_copy(json_object_get(v, keys[i])));
	free(keys);
	return res;
}

/* spec.cluster, in the field order of clientauthentication/v1.Cluster. */
static json_t *cluster_info(const struct kube_config *cfg)
{
	json_t *c = json_object();
	json_t *config = cfg->exec->cluster_config;

	json_object_set_new(c, "server", json_string(cfg->server));
	if (cfg->tls_server_name)
		json_object_set_new(c, "tls-server-name", json_string(cfg->tls_server_name));
	if (cfg->insecure)
		json_object_set_new(c, "insecure-skip-tls-verify", json_true());
	if (cfg->ca_pem.len) {
		struct strbuf b64 = STRBUF_INIT;
		base64_encode(&b64, cfg->ca_pem.buf, cfg->ca_pem.len);
		json_object_set_new(c, "certificate-authority-data", json_string(b64.buf));
		strbuf_release(&b64);
	}
	if (cfg->proxy_url)
		json_object_set_new(c, "proxy-url", json_string(cfg->proxy_url));
	if (cfg->disable_compression)
		json_object_set_new(c, "disable-compression", json_true());
	json_object_set_new(c, "config", config ? sorted_copy(config) : json_null());
	return c;
}

/* "KUBERNETES_EXEC_INFO=<ExecCredential JSON>\n", as Go's encoder writes it. */
static char *exec_info(const struct kube_config *cfg, int interactive)
{
	json_t *root = json_object(), *spec = json_object();
	char *json, *res;

	json_object_set_new(root, "kind", json_string("ExecCredential"));
	json_object_set_new(root, "apiVersion", json_string(cfg->exec->api_version));
	if (cfg->exec->provide_cluster_info)
		json_object_set_new(spec, "cluster", cluster_info(cfg));
	json_object_set_new(spec, "interactive", json_boolean(interactive));
	json_object_set_new(root, "spec", spec);
	json = json_dumps(root, JSON_COMPACT);
	res = xasprintf("KUBERNETES_EXEC_INFO=%s\n", json ? json : "{}");
	free(json);
	json_decref(root);
	return res;
}

/* ---- argv, environment, PATH ---- */

static size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

/* Is the variable that entry sets also set by one of list? */
static int set_later(const char *entry, char *const *list)
{
	size_t n = strcspn(entry, "=");
	for (; *list; list++)
		if (!strncmp(*list, entry, n) && (*list)[n] == '=')
			return 1;
	return 0;
}

/*
 * Our environment, then the stanza's env, then KUBERNETES_EXEC_INFO;
 * a later setting replaces an earlier one, as Go's dedupEnv keeps the
 * last.  The strings are borrowed.
 */
static char **build_env(const struct kube_exec *ex, char *info)
{
	size_t nenv = strv_len(environ), nst = strv_len(ex->env), n = 0, i;
	char **later = xcalloc(nst + 2, sizeof(*later));
	char **out = xcalloc(nenv + nst + 2, sizeof(*out));

	for (i = 0; i < nst; i++)
		later[i] = ex->env[i];
	later[nst] = info;
	for (i = 0; i < nenv; i++)
		if (strchr(environ[i], '=') && !set_later(environ[i], later))
			out[n++] = environ[i];
	for (i = 0; i <= nst; i++)
		if (!set_later(later[i], later + i + 1))
			out[n++] = later[i];
	free(later);
	return out;
}

static char **build_argv(const struct kube_exec *ex)
{
	size_t n = strv_len(ex->args), i;
	char **argv = xcalloc(n + 2, sizeof(*argv));

	argv[0] = ex->command;
	for (i = 0; i < n; i++)
		argv[i + 1] = ex->args[i];
	return argv;
}

static int is_executable(const char *path)
{
	struct stat st;
	return !stat(path, &st) && !S_ISDIR(st.st_mode) &&
	       !faccessat(AT_FDCWD, path, X_OK, AT_EACCESS);
}

/*
 * exec.LookPath: the first PATH entry holding an executable wins; a
 * hit in a relative entry (or the empty one, ".") is refused, as Go
 * refuses it (ErrDot).  Returns the path or NULL.
 */
static char *look_path(const char *name)
{
	const char *p = getenv("PATH");

	if (strchr(name, '/'))
		return xstrdup(name);
	if (!p || !*p)
		return NULL;
	for (;;) {
		size_t n = strcspn(p, ":");
		char *cand = n ? xasprintf("%.*s/%s", (int)n, p, name) : xasprintf("./%s", name);
		if (is_executable(cand)) {
			if (cand[0] == '/')
				return cand;
			free(cand);
			return NULL;
		}
		free(cand);
		if (!p[n])
			return NULL;
		p += n + 1;
	}
}

/* ---- running the plugin ---- */

struct exec_run {
	pid_t pid;
	int out_fd;
	struct strbuf out;
};

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long timeout_ms(void)
{
	const char *s = getenv("KUBECTL_MESH_EXEC_TIMEOUT");
	long v = s ? strtol(s, NULL, 10) : 0;
	return (v > 0 ? v : EXEC_TIMEOUT_SECONDS) * 1000;
}

/* Like Go's os/exec, hand the plugin stdin, stdout and stderr only. */
static void cloexec_from(int lowfd)
{
	int fd;
#ifdef SYS_close_range
	if (!syscall(SYS_close_range, (unsigned)lowfd, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */))
		return;
#endif
	for (fd = lowfd; fd < 1024; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* In the child: only async-signal-safe calls until execve. */
static void MESH_NORETURN child(int out_w, int err_w, int devnull, const char *path, char **argv,
				char **envp)
{
	int e;
	cloexec_from(3);
	if ((devnull < 0 || dup2(devnull, STDIN_FILENO) >= 0) && dup2(out_w, STDOUT_FILENO) >= 0)
		execve(path, argv, envp);
	e = errno;
	if (write(err_w, &e, sizeof(e)) != sizeof(e))
		e = 0; /* nothing more a child can do */
	_exit(127);
}

static int spawn(struct exec_run *run, const char *path, char **argv, char **envp,
		 int interactive, struct strbuf *err)
{
	int outp[2], errp[2], devnull = -1, e = 0;
	ssize_t got;

	if (pipe2(outp, O_CLOEXEC)) {
		strbuf_addf(err, "exec: pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(errp, O_CLOEXEC)) {
		strbuf_addf(err, "exec: pipe: %s", strerror(errno));
		close(outp[0]);
		close(outp[1]);
		return -1;
	}
	if (!interactive)
		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	run->pid = fork();
	if (!run->pid)
		child(outp[1], errp[1], devnull, path, argv, envp);
	if (run->pid < 0)
		e = errno;
	close(outp[1]);
	close(errp[1]);
	if (devnull >= 0)
		close(devnull);
	if (run->pid > 0) {
		do
			got = read(errp[0], &e, sizeof(e));
		while (got < 0 && errno == EINTR);
		if (got != sizeof(e))
			e = 0;
		else
			waitpid(run->pid, NULL, 0);
	}
	close(errp[0]);
	if (!e) {
		run->out_fd = outp[0];
		return 0;
	}
	close(outp[0]);
	strbuf_addstr(err, "exec: ");
	kc_path_error(err, run->pid < 0 ? "fork" : "fork/exec", path, e);
	return -1;
}

enum run_end { RUN_OK, RUN_TIMEOUT, RUN_FLOOD, RUN_FAILED };

/* Read stdout to EOF before the deadline, within the size cap. */
static enum run_end collect(struct exec_run *run, long deadline)
{
	char buf[8192];

	for (;;) {
		struct pollfd pfd = { run->out_fd, POLLIN, 0 };
		long left = deadline - now_ms();
		ssize_t n;
		int r;

		if (left <= 0)
			return RUN_TIMEOUT;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return RUN_TIMEOUT;
		n = r < 0 ? -1 : read(run->out_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return RUN_FAILED;
		if (!n)
			return RUN_OK;
		if (strbuf_add(&run->out, buf, (size_t)n))
			return RUN_FLOOD;
	}
}

/* Wait for the exit before the deadline. */
static enum run_end reap(struct exec_run *run, long deadline, int *status)
{
	for (;;) {
		pid_t p = waitpid(run->pid, status, WNOHANG);
		struct timespec nap = { 0, 10 * 1000 * 1000 };

		if (p == run->pid)
			return RUN_OK;
		if (p < 0 && errno != EINTR)
			return RUN_FAILED;
		if (now_ms() >= deadline)
			return RUN_TIMEOUT;
		nanosleep(&nap, NULL);
	}
}

static int run_plugin(struct exec_run *run, const char *path, char **argv, char **envp,
		      int interactive, const char *cmd, struct strbuf *err)
{
	long limit = timeout_ms(), deadline = now_ms() + limit;
	int status = 0;
	enum run_end end;

	if (spawn(run, path, argv, envp, interactive, err))
		return -1;
	end = collect(run, deadline);
	close(run->out_fd);
	if (end == RUN_OK)
		end = reap(run, deadline, &status);
	if (end != RUN_OK) {
		kill(run->pid, SIGKILL);
		waitpid(run->pid, NULL, 0);
	}
	if (end == RUN_TIMEOUT)
		strbuf_addf(err, "exec: executable %s did not finish within %ld seconds", cmd,
			    limit / 1000);
	else if (end == RUN_FLOOD)
		strbuf_addf(err, "exec: executable %s wrote more than %d bytes to stdout", cmd,
			    EXEC_MAX_OUTPUT);
	else if (end == RUN_FAILED)
		strbuf_addf(err, "exec: executable %s: %s", cmd, strerror(errno));
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		strbuf_addf(err, "exec: executable %s failed with exit code %d", cmd,
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	else
		return 0;
	return -1;
}

/* ---- the reply ---- */

static const struct kc_field status_fields[] = {
	{ "clientCertificateData", KC_STR, NULL },
	{ "clientKeyData", KC_STR, NULL },
	{ "expirationTimestamp", KC_STR, NULL },
	{ "token", KC_STR, NULL },
	KC_END_FIELDS,
};
static const struct kc_type status_type = { "v1.ExecCredentialStatus", status_fields };

static const struct kc_field credential_fields[] = {
	{ "apiVersion", KC_STR, NULL },
	{ "kind", KC_STR, NULL },
	{ "spec", KC_ANY, NULL },
	{ "status", KC_STRUCT, &status_type },
	KC_END_FIELDS,
};
static const struct kc_type credential_type = { "v1.ExecCredential", credential_fields };

/*
 * The decoder checks: a known version of the ExecCredential kind.  A
 * missing apiVersion is defaulted to the internal version, which then
 * never equals the configured one.
 */
static int check_version(const struct kube_exec *ex, json_t *doc, struct strbuf *err)
{
	const char *api = kc_str(doc, "apiVersion"), *kind = kc_str(doc, "kind");

	if (api && ((strcmp(api, EXEC_V1) && strcmp(api, EXEC_V1BETA1)) ||
		    (kind && strcmp(kind, "ExecCredential")))) {
		strbuf_addstr(err, "decoding stdout: no kind ");
		strbuf_addstr_go_quoted(err, kind ? kind : "ExecCredential");
		strbuf_addstr(err, " is registered for version ");
		strbuf_addstr_go_quoted(err, api);
		return -1;
	}
	if (!api)
		api = "client.authentication.k8s.io/__internal";
	if (!strcmp(api, ex->api_version))
		return 0;
	strbuf_addf(err, "exec plugin is configured to use API version %s, plugin returned version %s",
		    ex->api_version, api);
	return -1;
}

static int check_status(json_t *status, struct strbuf *err)
{
	const char *token = kc_str(status, "token"), *cert = kc_str(status, "clientCertificateData");
	const char *key = kc_str(status, "clientKeyData");
	const char *exp = json_string_value(json_object_get(status, "expirationTimestamp"));
	time_t ignored;

	if (!json_is_object(status))
		strbuf_addstr(err, "exec plugin didn't return a status field");
	else if (!token && !cert && !key)
		strbuf_addstr(err, "exec plugin didn't return a token or cert/key pair");
	else if (!cert != !key)
		strbuf_addstr(err, "exec plugin returned only certificate or key, not both");
	else if (exp && rfc3339_parse(exp, strlen(exp), RFC3339_GO, &ignored))
		strbuf_addf(err, "decoding stdout: parsing time \"%s\" as \"2006-01-02T15:04:05Z07:00\": "
			    "not an RFC 3339 time", exp);
	else
		return 0;
	return -1;
}

/* Never quote stdout in a message: it carries the credential. */
static int parse_reply(const struct kube_exec *ex, const struct strbuf *text,
		       struct exec_credential *out, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	json_t *doc = yamljson_parse_one(text->buf, text->len, &why), *status;
	const char *exp;
	int ret = -1;

	if (doc && !json_is_object(doc))
		strbuf_addstr(&why, "the output is not a JSON object");
	if (!json_is_object(doc) || kc_check(doc, &credential_type, &why)) {
		strbuf_addf(err, "decoding stdout: %s", why.buf);
		goto out;
	}
	status = json_object_get(doc, "status");
	if (check_version(ex, doc, err) || check_status(status, err))
		goto out;
	out->token = xstrdup_or_null(kc_str(status, "token"));
	if (kc_str(status, "clientCertificateData")) {
		strbuf_addstr(&out->cert_pem, kc_str(status, "clientCertificateData"));
		strbuf_addstr(&out->key_pem, kc_str(status, "clientKeyData"));
	}
	exp = json_string_value(json_object_get(status, "expirationTimestamp"));
	if (exp)
		rfc3339_parse(exp, strlen(exp), RFC3339_GO, &out->expiry);
	ret = 0;
out:
	json_decref(doc);
	strbuf_release(&why);
	return ret;
}

static void not_found(const struct kube_exec *ex, struct strbuf *err)
{
	strbuf_addf(err, "exec: executable %s not found%s", ex->command, install_help);
	if (ex->install_hint)
		strbuf_addf(err, "\n\n%s", ex->install_hint);
}

int exec_credential_get(const struct kube_config *cfg, struct exec_credential *out,
			struct strbuf *err)
{
	const struct kube_exec *ex = cfg->exec;
	struct exec_run run = { 0, -1, STRBUF_INIT };
	char *path = NULL, *info = NULL, **argv = NULL, **envp = NULL;
	int interactive, ret = -1;

	strbuf_reset(err);
	out->token = NULL;
	strbuf_init(&out->cert_pem, 0);
	strbuf_init(&out->key_pem, 0);
	out->expiry = 0;
	if (!ex) {
		strbuf_addstr(err, "exec: no credential plugin is configured");
		return -1;
	}
	if (decide_interactive(ex->interactive_mode, &interactive, err))
		return -1;
	path = look_path(ex->command);
	if (!path) {
		not_found(ex, err);
		return -1;
	}
	info = exec_info(cfg, interactive);
	argv = build_argv(ex);
	envp = build_env(ex, info);
	run.out.cap = EXEC_MAX_OUTPUT;
	if (!run_plugin(&run, path, argv, envp, interactive, ex->command, err) &&
	    !parse_reply(ex, &run.out, out, err))
		ret = 0;
	kc_release_secret(&run.out);
	free(path);
	free(info);
	free(argv);
	free(envp);
	return ret;
}

void exec_credential_release(struct exec_credential *c)
{
	kc_free_secret(c->token);
	c->token = NULL;
	strbuf_release(&c->cert_pem);
	kc_release_secret(&c->key_pem);
	c->expiry = 0;
}
