/*
 * Confinement of the sentry process (docs/security.md): namespaces, an empty
 * read-only root, no capabilities, no_new_privs and a seccomp allowlist.
 */
#ifndef CVISOR_SANDBOX_H
#define CVISOR_SANDBOX_H
#include <signal.h>
#include <stdbool.h>
#include "sentry/kernel.h"

/*
 * Run fn(cfg) in a child process confined to new user (root inside = the
 * caller outside), pid, mount, ipc, uts, net and cgroup namespaces, whose
 * root is an empty read-only tmpfs, with every fd but those of cfg (and
 * log_fd) closed, no capabilities and no_new_privs. Must be called while the
 * process has a single thread. The caller keeps waiting: signals of
 * `forward` (which the caller has blocked) sent to it by a process are
 * passed on to the child. Returns fn's result, or the child's own wait
 * status if it ended without returning one (a crash), or -errno if the
 * child could not be started. A caller that already has threads (a user
 * namespace needs a single-threaded process) gets fn(cfg) run in-process,
 * unconfined: sandbox_confined stays false.
 */
int sandbox_run(int (*fn)(const struct kernel_config *), const struct kernel_config *cfg,
		const sigset_t *forward);

extern bool sandbox_confined;

/* Install the seccomp allowlist on every thread of the sentry: call it once,
 * after the last host resource is set up and before the first guest
 * instruction runs. Does nothing unless sandbox_confined, or for a platform
 * without an allowlist yet (only "ptrace" has one). 0 or -errno. */
int sandbox_lockdown(const char *platform_name);

#endif
