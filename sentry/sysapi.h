/* What exec and the death of a process do to the state of the "system API"
 * syscalls (POSIX timers, SysV IPC, pidfds, membarrier). One call each from
 * sentry/kernel/exec.c and exit.c. */
#ifndef CVISOR_SYSAPI_H
#define CVISOR_SYSAPI_H

struct task;
struct thread_group;

/* execve succeeded: POSIX timers deleted, membarrier registrations reset. */
void sysapi_exec(struct task *t);
/* The last thread of tg is gone (before it becomes a zombie): timers
 * deleted, semaphore undos applied, SysV shm swept, pidfd pollers woken. */
void sysapi_group_exit(struct thread_group *tg);

#endif
