/* fcntl record locks (vfs/lock.c): POSIX locks owned by an fd table
 * (released by any close of the file by that owner) and OFD locks owned by
 * an open file description (released on its last close). */
#ifndef CVISOR_LOCK_H
#define CVISOR_LOCK_H
#include <fcntl.h>
#include <stdbool.h>

struct task;
struct file;

/* cmd: F_GETLK/F_SETLK/F_SETLKW/F_OFD_GETLK/F_OFD_SETLK/F_OFD_SETLKW;
 * fl is the guest's struct flock (in and, for GETLK, out). */
int posix_lock_fcntl(struct task *t, struct file *f, int cmd, struct flock *fl);
/* close(2) of f by owner (the fd table): drop owner's POSIX locks on f's inode. */
void posix_locks_close(struct file *f, void *owner);
/* Last reference of f: drop its OFD locks. */
void ofd_locks_release(struct file *f);
/* syscalls/sys_lock.c: the lock commands of fcntl(2), arg = guest struct flock *. */
long fcntl_lock(struct task *t, struct file *f, int cmd, uint64_t arg);

#endif
