/* SPDX-License-Identifier: Apache-2.0 */
/* Commands in a container (pods/exec) and HTTP GETs inside a pod (pods/portforward), over WebSocket. */
#ifndef MESH_PODSTREAM_H
#define MESH_PODSTREAM_H

#include "kube.h"

/*
 * Envoy's admin port (15000) listens on loopback only, and istiod's
 * debug port (15014) answers loopback callers without a token; both are
 * reached through the API server.  Everything here runs over
 * common/websocket.h, so the connection, credentials, timeouts and
 * error texts are the API client's; nothing is ever returned half:
 * on failure the output buffers are left empty.
 *
 * Channel protocols (kubernetes/apimachinery wsstream): every binary
 * message is [channel][payload].
 *  - exec offers v5.channel.k8s.io, v4.channel.k8s.io and
 *    channel.k8s.io, in that order; the server picks the first it
 *    knows (v5 needs Kubernetes 1.30).  Channels: 1 stdout, 2 stderr,
 *    3 the outcome.  With v4 and v5 the outcome is a metav1.Status
 *    (Success, or Failure with reason NonZeroExitCode and the code in
 *    details.causes[reason=ExitCode]); with channel.k8s.io it is the
 *    error text, none meaning success.  No stdin is attached, so the
 *    v5 close signal is never needed.
 *  - port-forward offers v4.channel.k8s.io: data channel 0, error
 *    channel 1, each starting with the port as 2 little-endian bytes
 *    (stripped).  One WebSocket carries one TCP connection with no
 *    half-close, so the request is a complete HTTP/1.1 GET with
 *    Connection: close; the response is read by its Content-Length,
 *    its chunks or the close.
 */

/*
 * Run argv (NULL-terminated) in container of pod ns/pod with no stdin
 * and no terminal: GET .../pods/POD/exec?command=...&container=C&stderr=true&stdout=true.
 * out and err_out are replaced by the command's stdout and stderr
 * (each at most the client's body cap).  Returns 0 when the command
 * ran to its end, with *exit_code 0 or the code of a NonZeroExitCode
 * outcome; -1 with err set otherwise (out and err_out then empty):
 *   - the upgrade was refused, in kubectl's words (see ws_open());
 *   - the server's outcome was another failure: its message, as
 *     kubectl prints it ("Internal error occurred: ...");
 *   - the stream broke or timed out: "exec in pod NS/POD (container
 *     C): <what happened>".
 */
int kube_pod_exec(struct kube_client *c, const char *ns, const char *pod,
		  const char *container, const char *const *argv,
		  struct strbuf *out, struct strbuf *err_out, int *exit_code,
		  struct strbuf *err);

/*
 * GET path (starting with '/', query included) from port inside pod
 * ns/pod through GET .../pods/POD/portforward?ports=PORT, as
 * "GET PATH HTTP/1.1" with Host: localhost:PORT and Connection: close.
 * Returns 0 with *http_status and body (replaced; the decoded body,
 * at most the client's body cap) whatever the status; -1 with err set
 * (body then empty) when the upgrade was refused (kubectl's words),
 * the kubelet could not reach the port ("port-forward to pod NS/POD
 * port P: error forwarding port P to pod ..."), or the stream broke,
 * timed out or did not hold an HTTP response.
 */
int kube_pod_http_get(struct kube_client *c, const char *ns, const char *pod, int port,
		      const char *path, long *http_status, struct strbuf *body,
		      struct strbuf *err);

/* A debug HTTP endpoint on a pod's loopback, and the command that fetches from it. */
struct pod_endpoint {
	const char *container;        /* the container that serves it */
	const char *container_what;   /* its name in errors: "istio-proxy sidecar container" */
	int port;
	const char *const *exec_argv; /* the fetching command, without the path (NULL-terminated) */
};

/* Envoy admin: container istio-proxy, port 15000, `pilot-agent request GET <path>`. */
extern const struct pod_endpoint kube_envoy_admin;
/*
 * istiod debug: container discovery, port 15014, `pilot-discovery
 * request GET <path>`.  A copy with another .port serves an istiod
 * whose prometheus.io/port annotation names another port.
 */
extern const struct pod_endpoint kube_istiod_debug;

/*
 * GET path (starting with '/') from ep on pod ns/pod, the way that
 * works with the caller's permissions:
 *  1. GET the pod: it must exist, be Running and have ep->container
 *     (a native sidecar, an init container with restartPolicy Always,
 *     counts); else err is the API's error, "pod \"x\" is not running
 *     (phase Pending)" or "pod \"x\" has no istio-proxy sidecar
 *     container", and nothing is streamed.
 *  2. kube_pod_http_get() on ep->port; a 2xx answer is the result,
 *     another answer an error naming the path and the status.
 *  3. Only when the port-forward upgrade was refused with 400, 403,
 *     404 or 405, or answered with a protocol that was not offered (a
 *     server or an RBAC rule without port-forward), kube_pod_exec() of
 *     ep->exec_argv plus the path without its leading '/'; exit code 0
 *     is the result (stdout without the one '\n' the command adds),
 *     another code an error with the command's stderr.  When this
 *     fails too, err holds both errors, the port-forward's first, one
 *     per line, so each missing permission is named ("... cannot get
 *     resource \"pods/portforward\" ...", "... \"pods/exec\" ...").
 *  Any other port-forward failure (the port not listening, a broken
 *  stream, a timeout) is reported as it is, without trying exec.
 * Returns 0 with body replaced by the response body, or -1 with err
 * set and body empty.
 */
int kube_pod_debug_get(struct kube_client *c, const char *ns, const char *pod,
		       const struct pod_endpoint *ep, const char *path,
		       struct strbuf *body, struct strbuf *err);

#endif
