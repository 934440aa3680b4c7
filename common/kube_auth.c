/* SPDX-License-Identifier: Apache-2.0 */
/* The API client's credentials: bearer token or token file, basic auth, exec plugin. */
#include "kube_priv.h"
#include "base64.h"
#include "xalloc.h"

#include <string.h>
#include <time.h>

/*
 * kubectl runs an exec plugin once per process and again only when the
 * credential expired or a request using it got a 401.  A failed run is
 * remembered too, so a batch does not run a broken plugin once per
 * request.
 */
static struct {
	char *command;                /* the plugin the entry belongs to */
	struct exec_credential cred;
	int have;
	char *error;
	unsigned gen;                 /* bumped on every new credential */
} exec_cache = { NULL, EXEC_CREDENTIAL_INIT, 0, NULL, 0 };

static void secret_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void secret_release(struct strbuf *sb)
{
	if (sb->alloc)
		explicit_bzero(sb->buf, sb->alloc);
	strbuf_release(sb);
}

/*
 * The bearer token.  kubeconfig_resolve read token_file into token;
 * the file is read again once that copy is a minute old (projected
 * service-account tokens rotate).  A failed read keeps the last token.
 */
static const char *bearer_token(struct kube_client *c)
{
	const struct kube_config *cfg = c->cfg;
	time_t now = (time_t)(kube_now_ms() / 1000);

	if (cfg->token_file && now - c->file_token_at >= 60) {
		struct strbuf sb = STRBUF_INIT;
		if (!strbuf_read_file(&sb, cfg->token_file)) {
			strbuf_trim(&sb);
			if (sb.len) {
				secret_free(c->file_token);
				c->file_token = xstrdup(sb.buf);
				c->file_token_at = now;
			}
		}
		secret_release(&sb);
	}
	if (c->file_token)
		return c->file_token;
	return cfg->token && *cfg->token ? cfg->token : NULL;
}

static void basic_auth(const struct kube_config *cfg, struct kube_authn *out)
{
	struct strbuf plain = STRBUF_INIT, enc = STRBUF_INIT;

	strbuf_addf(&plain, "%s:%s", cfg->username, cfg->password ? cfg->password : "");
	strbuf_addstr(&enc, "Basic ");
	base64_encode(&enc, plain.buf, plain.len);
	out->authorization = xstrdup(enc.buf);
	secret_release(&plain);
	secret_release(&enc);
}

static void drop_exec_credential(void)
{
	if (exec_cache.have)
		exec_credential_release(&exec_cache.cred);
	exec_cache.have = 0;
}

static void refresh_exec_cache(const struct kube_config *cfg)
{
	struct strbuf err = STRBUF_INIT;
	struct exec_credential cred = EXEC_CREDENTIAL_INIT;

	if (exec_cache.command && strcmp(exec_cache.command, cfg->exec->command)) {
		drop_exec_credential();
		free(exec_cache.error);
		exec_cache.error = NULL;
	}
	if (exec_cache.have && exec_cache.cred.expiry && time(NULL) >= exec_cache.cred.expiry)
		drop_exec_credential();
	if (exec_cache.have || exec_cache.error)
		return;
	free(exec_cache.command);
	exec_cache.command = xstrdup(cfg->exec->command);
	if (exec_credential_get(cfg, &cred, &err)) {
		exec_credential_release(&cred);
		exec_cache.error = strbuf_detach(&err, NULL);
		return;
	}
	exec_cache.cred = cred;
	exec_cache.have = 1;
	exec_cache.gen++;
	strbuf_release(&err);
}

static int exec_auth(const struct kube_config *cfg, struct kube_authn *out, struct strbuf *err)
{
	refresh_exec_cache(cfg);
	if (exec_cache.error) {
		strbuf_addf(err, "getting credentials: %s", exec_cache.error);
		return -1;
	}
	if (exec_cache.cred.token)
		out->authorization = xasprintf("Bearer %s", exec_cache.cred.token);
	if (exec_cache.cred.cert_pem.len) {
		out->cert = &exec_cache.cred.cert_pem;
		out->key = &exec_cache.cred.key_pem;
	}
	out->exec_gen = exec_cache.gen;
	return 0;
}

void kube_auth_unauthorized(unsigned gen)
{
	if (exec_cache.have && exec_cache.gen == gen)
		drop_exec_credential();
}

int kube_auth_get(struct kube_client *c, struct kube_authn *out, struct strbuf *err)
{
	const struct kube_config *cfg = c->cfg;
	const char *token;

	memset(out, 0, sizeof(*out));
	if (!c->https)
		return 0;
	if (cfg->cert_pem.len) {
		out->cert = &cfg->cert_pem;
		out->key = &cfg->key_pem;
	}
	/*
	 * client-go: token (an oidc id-token arrives here too, refreshed by
	 * kubeconfig_resolve), else basic auth; exec only when neither nor
	 * a certificate is set.
	 */
	token = bearer_token(c);
	if (token) {
		out->authorization = xasprintf("Bearer %s", token);
		return 0;
	}
	if (cfg->username && *cfg->username) {
		basic_auth(cfg, out);
		return 0;
	}
	if (cfg->exec && !out->cert)
		return exec_auth(cfg, out, err);
	return 0;
}

void kube_authn_release(struct kube_authn *a)
{
	secret_free(a->authorization);
	memset(a, 0, sizeof(*a));
}

void kube_auth_release(struct kube_client *c)
{
	secret_free(c->file_token);
	c->file_token = NULL;
}
