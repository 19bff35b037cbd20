/* Task and thread-group lifecycle: clone, exec, exit, wait (kernel/fork.c,
 * kernel/exit.c, fs/exec.c in Linux terms). */
#ifndef CVISOR_PROCESS_H
#define CVISOR_PROCESS_H
#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>

struct task;
struct thread_group;
struct path;
struct kernel_caps;
struct kernel_rlimit;

/* Start guest init (pid 1) from kernel.cfg; returns its task. */
int process_start_init(void);

/* clone()/clone3() core. flags are CLONE_*; returns child tid or -errno. */
struct clone_args_k {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};
long do_clone(struct task *t, const struct clone_args_k *ca);
long do_execve(struct task *t, int dirfd, const char *path, char **argv, char **envp, int flags);

/* Leave: this thread only (exit) or the whole group (exit_group, fatal
 * signal). `status` is a wait status (exit code << 8, or the signal number
 * | 0x80 for a core dump). Never returns to the caller's guest. */
noreturn void do_exit(struct task *t, int status);
noreturn void do_group_exit(struct task *t, int status);

/* Everything the task loop must do when a thread is told to die (another
 * thread called exit_group or execve): true if t must exit now. */
int task_should_exit(struct task *t);

/* ---- Control from the host (the OCI runtime, sentry/control/) ----------
 * Everything below runs under the kernel lock. */
struct load_result;

/* execvp-style: load argv[0] (searched in envp's PATH when it has no '/')
 * as t's new program (used by guest init and spawned processes). */
int process_load_program(struct task *t, char **argv, char **envp, struct load_result *res);

/* A new guest process started from the host (`exec`): its own thread group
 * with no parent (ppid 0), root and cwd from init's, host fds as 0-2. */
struct spawn_spec {
	char **argv, **envp;       /* NULL-terminated; copied */
	const char *cwd;           /* absolute; NULL: init's cwd */
	uint32_t uid, gid;
	const uint32_t *groups;
	int ngroups;
	int stdio_fds[3];          /* host fds; duplicated, the caller keeps its own */
	int exit_fd;               /* host eventfd written when it dies; -1: none */
	bool console;              /* stdio is an OCI console: a sentry pty (vfs/tty/console.c) */
	const struct path *root;   /* root and cwd base (a pod container's tree); NULL: init's */
	/* A pod container's init (sentry/kernel/container.c); NULL/0: the
	 * capabilities above and init's limits. */
	const struct kernel_caps *caps;
	const struct kernel_rlimit *rlimits;
	int n_rlimits;
	bool no_new_privs;
};
/* The new process's pid, or -errno (-ESRCH: init is not running). */
int process_spawn(const struct spawn_spec *s);
/* The wait status of the spawned process pid once it has died (sleeping
 * with the kernel lock dropped unless nohang: then -EAGAIN while it lives);
 * -ECHILD if pid was not spawned or was already waited for. */
int process_spawn_wait(int pid, bool nohang);

/* OCI pause/resume: while paused no task switches to guest code; running
 * guest threads are interrupted. The task loop calls task_pause_wait. */
void kernel_pause(void);
void kernel_resume(void);
void kernel_pause_kick(void);   /* paused tasks re-check (a SIGKILL arrived) */
void task_pause_wait(struct task *t);

#endif
