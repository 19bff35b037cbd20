/* Task and thread-group lifecycle: clone, exec, exit, wait (kernel/fork.c,
 * kernel/exit.c, fs/exec.c in Linux terms). */
#ifndef CVISOR_PROCESS_H
#define CVISOR_PROCESS_H
#include <stdint.h>
#include <stdnoreturn.h>

struct task;
struct thread_group;

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

#endif
