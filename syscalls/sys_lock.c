/* fcntl record lock commands: struct flock between the guest and vfs/lock.c. */
#include <errno.h>
#include <fcntl.h>
#include "syscall.h"
#include "../vfs/vfs_impl.h"
#include "../vfs/lock.h"
#include "../sentry/mm.h"
#include "../sentry/task.h"

long fcntl_lock(struct task *t, struct file *f, int cmd, uint64_t arg)
{
	struct flock fl;
	if (copy_from_user(t->mm, &fl, arg, sizeof(fl)))
		return -EFAULT;
	long err = posix_lock_fcntl(t, f, cmd, &fl);
	if (!err && (cmd == F_GETLK || cmd == F_OFD_GETLK) &&
	    copy_to_user(t->mm, arg, &fl, sizeof(fl)))
		err = -EFAULT;
	return err;
}
