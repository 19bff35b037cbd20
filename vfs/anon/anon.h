/* Anonymous-inode files (fs/anon_inodes.c in Linux terms): eventfd, epoll,
 * timerfd, signalfd. Each kind has its own tiny super block whose fstype is
 * the name /proc/PID/fd shows ("anon_inode:[eventfd]"). */
#ifndef CVISOR_ANON_H
#define CVISOR_ANON_H
#include <stdbool.h>
#include <stdint.h>
#include "vfs/vfs.h"

#define ANON_INODE_FS_MAGIC 0x09041934u

/* The super block of one kind, e.g. anon_sb("[eventfd]") (static storage;
 * the name must be a literal). */
struct super_block *anon_sb(const char *name);
/* A new anonymous file on sb with a fresh 0600 inode owned by current's
 * fsuid/fsgid; flags O_RDWR|O_NONBLOCK... ; priv set. NULL on ENOMEM. */
struct file *anon_file_new(struct super_block *sb, const struct file_ops *ops, void *priv,
			   int flags);

/* Install f at the lowest free fd (new reference; the caller drops its own). */
long anon_install(struct task *t, struct file *f, bool cloexec);

/* epoll: called by file_put on a file's last reference (weak so that unit
 * tests linking the vfs core without epoll still link). */
void eventpoll_release(struct file *f) __attribute__((weak));

/* Kind checks and accessors used by the syscalls. */
bool file_is_epoll(const struct file *f);
bool file_is_eventfd(const struct file *f);
bool file_is_timerfd(const struct file *f);
bool file_is_signalfd(const struct file *f);

/* eventfd.c */
long eventfd_create(struct task *t, uint64_t initval, int flags);
/* epoll.c */
long epoll_create_fd(struct task *t, int flags);
long epoll_ctl_fd(struct task *t, int epfd, int op, int fd, uint64_t uevent);
/* deadline: CLOCK_MONOTONIC ns, 0 forever, UINT64_MAX poll once. */
long epoll_wait_fd(struct task *t, int epfd, uint64_t uevents, int maxevents, uint64_t deadline);
/* timerfd.c */
long timerfd_create_fd(struct task *t, int clockid, int flags);
long timerfd_settime_fd(struct task *t, int fd, int flags, uint64_t unew, uint64_t uold);
long timerfd_gettime_fd(struct task *t, int fd, uint64_t ucur);
/* signalfd.c */
long signalfd_fd(struct task *t, int fd, uint64_t umask, uint64_t sizemask, int flags);

#endif
