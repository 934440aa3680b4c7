/* SPDX-License-Identifier: Apache-2.0 */
/* kubeconfig loading, merging and resolution, as client-go's clientcmd does it. */
#ifndef MESH_KUBECONFIG_H
#define MESH_KUBECONFIG_H

#include <jansson.h>
#include <time.h>
#include "strbuf.h"

/*
 * kubectl's connection flags.  NULL (or -1 for the tri-state ints)
 * means "not given on the command line".  All strings are borrowed.
 */
struct kubeconfig_flags {
	const char *kubeconfig;            /* --kubeconfig */
	const char *context;               /* --context */
	const char *cluster;               /* --cluster */
	const char *user;                  /* --user */
	const char *server;                /* -s/--server */
	const char *token;                 /* --token */
	const char *certificate_authority; /* --certificate-authority */
	const char *client_certificate;    /* --client-certificate */
	const char *client_key;            /* --client-key */
	const char *tls_server_name;       /* --tls-server-name */
	int insecure_skip_tls_verify;      /* --insecure-skip-tls-verify */
	const char *namespace;             /* -n/--namespace */
	const char *username;              /* --username */
	const char *password;              /* --password */
	const char *as;                    /* --as */
	const char *const *as_groups;      /* --as-group, repeatable */
	size_t nr_as_groups;
	const char *as_uid;                /* --as-uid */
	int disable_compression;           /* --disable-compression */
};
#define KUBECONFIG_FLAGS_INIT { .insecure_skip_tls_verify = -1, .disable_compression = -1 }

/* An exec credential plugin stanza (users[].user.exec), paths resolved. */
struct kube_exec {
	char *command;          /* resolved: relative to the kubeconfig dir if it has a '/' */
	char **args;            /* NULL-terminated, may be empty */
	char **env;             /* NULL-terminated "NAME=VALUE" from exec.env */
	char *api_version;      /* client.authentication.k8s.io/v1 or /v1beta1 */
	char *interactive_mode; /* Never | IfAvailable | Always (v1beta1 default IfAvailable) */
	int provide_cluster_info;
	char *install_hint;     /* may be NULL */
	json_t *cluster_config; /* clusters[].cluster.extensions[client.authentication.k8s.io/exec], or NULL */
};

/*
 * auth-provider: oidc (the only one client-go still implements).  When
 * kube_config.oidc is set, kube_config.token already holds its usable
 * id-token: kubeconfig_resolve() refreshed it through the issuer (and
 * rewrote the kubeconfig file) if it was within 10 s of expiry.
 */
struct kube_oidc {
	char *id_token;
	char *refresh_token;
	char *issuer_url;
	char *client_id;
	char *client_secret;
	char *idp_ca_pem;       /* from idp-certificate-authority(-data), may be NULL */
	char *kubeconfig_path;  /* file the user stanza came from, for write-back */
	char *user_name;        /* users[].name, for write-back */
};

/*
 * A resolved connection: everything the API client needs, with file
 * references already read and *-data already decoded.  Owned by the
 * caller; release with kube_config_release().
 */
struct kube_config {
	char *context;          /* context name used, NULL when none (flags or in-cluster only) */
	char *cluster_name;     /* may be NULL */
	char *user_name;        /* may be NULL */

	char *server;           /* https://host:port[/prefix]; never NULL after success */
	char *tls_server_name;  /* may be NULL */
	int insecure;           /* insecure-skip-tls-verify */
	struct strbuf ca_pem;   /* empty: use the system trust store */
	char *proxy_url;        /* may be NULL; scheme is http, https or socks5 */
	int disable_compression;

	struct strbuf cert_pem; /* client certificate, PEM; may be empty */
	struct strbuf key_pem;  /* client key, PEM; may be empty */
	char *token;            /* bearer token, trailing newline removed; may be NULL */
	char *token_file;       /* set when token was read from it (in-cluster, tokenFile):
				   re-read when older than a minute */
	char *username;         /* basic auth; may be NULL */
	char *password;
	struct kube_exec *exec; /* may be NULL; NULL when a token, basic auth or client
				   certificate is configured, as those suppress the plugin */
	struct kube_oidc *oidc; /* may be NULL; see struct kube_oidc */

	char *impersonate_user;
	char **impersonate_groups; /* NULL-terminated or NULL */
	char *impersonate_uid;

	char *namespace;        /* flag, then context, then in-cluster, then "default" */
	int namespace_explicit; /* 1 when it came from -n */
	int in_cluster;         /* 1 when the service-account config was used */
};

/*
 * Load and merge the kubeconfig files (--kubeconfig, else $KUBECONFIG
 * split on ':', else ~/.kube/config), apply the flags, and resolve the
 * context, cluster and user into *out.  Falls back to in-cluster config
 * as client-go does.  Returns 0, or -1 with a kubectl-style message in
 * err (for instance "Error in configuration: context was not found for
 * specified context: nope", or "error loading config file \"F\":
 * illegal base64 data at input byte 4"), meant for report_error().
 * *out is initialised either way; release it with kube_config_release().
 *
 * Credentials and the server's TLS identity are filled in only for an
 * https server, as client-go does.  With nothing configured at all the
 * server is http://localhost:8080 ($KUBERNETES_MASTER overrides it).
 *
 * The service-account directory used for in-cluster config
 * (/var/run/secrets/kubernetes.io/serviceaccount) can be moved with
 * $KUBECTL_MESH_SA_DIR: a knob for tests and for packagers.
 */
int kubeconfig_resolve(const struct kubeconfig_flags *flags,
		       struct kube_config *out, struct strbuf *err);

void kube_config_release(struct kube_config *c);

/*
 * Load and merge only (no resolution), for completion and listing:
 * returns a new JSON object shaped like a kubeconfig ({clusters[],
 * users[], contexts[], current-context}) with the first-wins rules
 * applied, or NULL with err set.
 */
json_t *kubeconfig_load_merged(const char *explicit_path, struct strbuf *err);

/* A credential obtained from an exec plugin. */
struct exec_credential {
	char *token;            /* may be NULL */
	struct strbuf cert_pem; /* PEM text as the plugin returned it */
	struct strbuf key_pem;
	time_t expiry;          /* 0: does not expire */
};
#define EXEC_CREDENTIAL_INIT { NULL, STRBUF_INIT, STRBUF_INIT, 0 }

/*
 * Run cfg->exec with execve (never a shell): environment is ours, then
 * the stanza's env (replacing same-named variables), then
 * KUBERNETES_EXEC_INFO.  stdin is passed only in interactive mode;
 * stderr passes through.  A plugin is killed after 60 seconds (or
 * $KUBECTL_MESH_EXEC_TIMEOUT seconds, a test and packaging knob) or
 * once it prints more than 1 MiB on stdout.  Returns 0 and fills *out (caller releases it
 * with exec_credential_release), or -1 with a message such as
 * "exec: executable helper not found" (plus the install hint) or
 * "exec: executable helper failed with exit code 1".
 */
int exec_credential_get(const struct kube_config *cfg, struct exec_credential *out,
			struct strbuf *err);
void exec_credential_release(struct exec_credential *c);

#endif
