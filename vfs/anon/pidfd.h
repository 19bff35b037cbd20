/* pidfds (kernel/pid.c pidfd_open, fs/pidfs.c): a file that names a process
 * (thread group) for pidfd_send_signal, pidfd_getfd, waitid(P_PIDFD) and
 * poll, which reports POLLIN once the process has exited. */
#ifndef CVISOR_PIDFD_H
#define CVISOR_PIDFD_H
#include <stdint.h>

struct task;
struct thread_group;
struct file;

#define KPIDFD_NONBLOCK 04000   /* O_NONBLOCK */

/* Install a pidfd for tg in t's fd table (always close-on-exec). */
long pidfd_create_fd(struct task *t, struct thread_group *tg, int flags);
/* The process of pidfd file f: -EBADF if f is not a pidfd, -ESRCH if the
 * process has been reaped (its thread group is gone). */
long pidfd_tg(struct file *f, struct thread_group **out);
/* Same from an fd of t, with -EBADF for a closed fd. The file reference is
 * dropped before return (the kernel lock keeps tg alive). */
long pidfd_tg_of_fd(struct task *t, int fd, struct thread_group **out, int *file_flags);
/* A process died: wake pidfd pollers (sysapi_group_exit). */
void pidfd_notify_exit(void);

/* syscalls/sys_pidfd.c, for clone and waitid: */
/* CLONE_PIDFD: a pidfd for the new process tg, its number stored at uaddr
 * (int). 0 or -errno (the fd is closed again on -EFAULT). */
long pidfd_clone(struct task *t, struct thread_group *tg, uint64_t uaddr);
struct wait_req;
/* waitid(P_PIDFD): turn w into a P_PID request for the pidfd's process;
 * *nonblock tells that the pidfd is O_NONBLOCK (WNOHANG, and nothing
 * ready becomes -EAGAIN). 0 or -EBADF/-EINVAL/-ECHILD. */
long pidfd_wait_req(struct task *t, int fd, struct wait_req *w, int *nonblock);

#endif
