/*
 * Pods: a CRI app container (annotation io.kubernetes.cri.container-type
 * "container") whose io.kubernetes.cri.sandbox-id names a live cvisor
 * sandbox under the same --root runs inside that sandbox's sentry instead
 * of a sentry of its own (docs/oci.md "Pods"). Its state records
 * "cvisor": {"pod": SANDBOX_ID}; its pid is a host stand-in that exits
 * with its init's status. The lifecycle commands call these hooks.
 */
#ifndef CVISOR_POD_H
#define CVISOR_POD_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/state.h"
#include "sentry/control/control.h"

#define POD_NOT_A_POD (-2)

/* `create` of bundle `bundle`: when it is an app container of a running
 * cvisor sandbox, create it there: the exit code (0/1). POD_NOT_A_POD
 * otherwise (nothing done: the caller makes a sandbox of its own). */
int pod_create(const struct global_opts *g, const char *bundle, const char *id,
	       const char *pid_file, const char *console_socket);

/* The sandbox an app container's state belongs to (copied to sb, size
 * len), or false for a container with a sentry of its own. */
bool pod_sandbox_of(const struct oci_state *st, char *sb, size_t len);

/* start/kill/ps/delete of an app container (its state st, sandbox sb). */
int pod_start(const struct global_opts *g, const struct oci_state *st, const char *sb);
int pod_kill(const struct global_opts *g, const struct oci_state *st, const char *sb, int sig, bool all);
/* The container's guest pids into pids (at most n); the count, or -1. */
int pod_ps(const struct global_opts *g, const struct oci_state *st, const char *sb, int32_t *pids, size_t n);
/* pause (or resume) the container's tasks only. */
int pod_pause(const struct global_opts *g, const struct oci_state *st, const char *sb, bool pause);
/* Ask the sandbox to drop the container (its processes, mounts,
 * channels); a sandbox that is gone is fine. */
void pod_delete(const struct global_opts *g, const struct oci_state *st, const char *sb);
/* `exec`: turn request q/buf (EXEC payload of q->len bytes, buf of
 * CTL_MAX_PAYLOAD) into one for container id inside its sandbox. 0 or -1. */
int pod_exec_request(const char *id, struct ctl_req *q, char *buf);

#endif
