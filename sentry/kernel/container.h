/*
 * Pods: app containers sharing the sandbox's kernel (gVisor's multi-
 * container sandbox). Each has its own mount tree (vfs_container_root) and
 * its own init, spawned from the host like `exec` (ppid 0) with its root
 * and cwd in that tree. A process belongs to the container whose tree
 * holds its root; they all share the sandbox's pid numbering, hostname,
 * IPC and network. Everything here runs under the kernel lock.
 */
#ifndef CVISOR_CONTAINER_H
#define CVISOR_CONTAINER_H
#include <stdbool.h>
#include "sentry/process.h"

struct container;
struct thread_group;
struct kernel_mount;

struct container_spec {
	const char *id;
	int stdio_fds[3];              /* taken on success */
	bool console;
	int root_fd;                   /* the root gofer's channel, taken on success */
	bool root_readonly;
	const struct kernel_mount *mounts;   /* gofer_fd of binds: taken on success */
	int n_mounts;
	const struct spawn_spec *proc; /* argv, envp, cwd, uid, gid, groups, caps,
					* rlimits, no_new_privs: copied */
};

/* Build the container's tree; -EEXIST, -EINVAL, -ENOMEM, mount errors. */
int container_create(const struct container_spec *cs);
/* Spawn its init: the guest pid, -ENOENT, -EALREADY, -ESRCH (killed). */
int container_start_init(const char *id);
/* Sleep until its init is gone: its wait status (SIGKILL if it never ran). */
int container_wait(const char *id);
/* Kill its processes, detach its tree, close its channels. */
int container_delete(const char *id);
/* Signal its init (pid 0) or one of its processes, or all of them. */
int container_kill(const char *id, int pid, int sig, bool all);
/* `exec` into it: sets sp->root; process_spawn's result. */
int container_exec(const char *id, struct spawn_spec *sp);

/* NULL id: the sandbox's own container. *c is for container_owns; -ENOENT. */
int container_lookup(const char *id, struct container **c);
/* Whether tg is one of c's processes (c NULL: of the sandbox's container). */
bool container_owns(const struct container *c, const struct thread_group *tg);
/* Whether any app container exists. */
bool containers_exist(void);

/* Pause/resume of one container (OCI pause): its tasks run no guest code
 * until resumed; a pending SIGKILL or exit ends the wait (like
 * kernel_pause). The task loop checks container_pause_pending. */
int container_pause(const char *id, bool pause);
extern int containers_paused;
bool container_task_paused(struct task *t);
void container_pause_wait(struct task *t);
static inline bool container_pause_pending(struct task *t)
{
	return containers_paused && container_task_paused(t);
}

#endif
