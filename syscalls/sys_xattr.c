/* Extended attribute syscalls: {,l,f}{get,set,list,remove}xattr. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/xattr.h>
#include "syscall.h"
#include "../vfs/vfs_impl.h"
#include "../sentry/mm.h"
#include "../sentry/task.h"

/* The target of a path (follow or not) or fd variant; O_PATH fds are EBADF. */
struct xtarget {
	struct path path;
	struct file *file;
	struct inode *inode;
};

enum xmode { X_FOLLOW, X_NOFOLLOW, X_FD };

/* arg0 is the path, or the fd for X_FD. */
static long target_get(struct task *t, uint64_t arg0, enum xmode mode, struct xtarget *x)
{
	x->path = (struct path){ 0 };
	x->file = NULL;
	if (mode == X_FD) {
		struct file *f = fd_get(t->files, (int)arg0);
		if (!f)
			return -EBADF;
		if ((f->flags & O_PATH) || !f->inode) {
			file_put(f);
			return -EBADF;
		}
		x->file = f;
		x->inode = f->inode;
		return 0;
	}
	char *p;
	long err = vfs_getname(t, arg0, &p);
	if (err < 0)
		return err;
	err = path_lookup(t, AT_FDCWD, p, mode == X_FOLLOW ? LOOKUP_FOLLOW : 0, &x->path);
	free(p);
	if (!err)
		x->inode = x->path.dentry->inode;
	return err;
}

static const struct path *target_path(struct xtarget *x)
{
	if (x->file)
		return x->file->path.mnt ? &x->file->path : NULL;
	return &x->path;
}

static void target_put(struct xtarget *x)
{
	if (x->file)
		file_put(x->file);
	else
		path_put(&x->path);
}

/* Linux: an empty name or one longer than XATTR_NAME_MAX is -ERANGE. */
static long get_name(struct task *t, uint64_t uname, char *name)
{
	long n = strncpy_from_user(t->mm, name, uname, XATTR_NAME_MAX_LEN + 1);
	if (n == -ENAMETOOLONG || n == 0)
		return -ERANGE;
	return n < 0 ? n : 0;
}

static long do_set(struct task *t, const struct syscall_args *a, enum xmode mode)
{
	char name[XATTR_NAME_MAX_LEN + 1];
	size_t size = a->a[3];
	int flags = (int)a->a[4];
	void *val = NULL;
	struct xtarget x;

	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	long err = get_name(t, a->a[1], name);
	if (err)
		return err;
	if (size > XATTR_SIZE_MAX_LEN)
		return -E2BIG;
	if (size) {
		if (!(val = malloc(size)))
			return -ENOMEM;
		if (copy_from_user(t->mm, val, a->a[2], size)) {
			free(val);
			return -EFAULT;
		}
	}
	err = target_get(t, a->a[0], mode, &x);
	if (!err) {
		err = vfs_setxattr(t, target_path(&x), x.inode, name, val ? val : "", size, flags);
		target_put(&x);
	}
	free(val);
	return err;
}

static long do_get(struct task *t, const struct syscall_args *a, enum xmode mode)
{
	char name[XATTR_NAME_MAX_LEN + 1];
	size_t size = a->a[3] > XATTR_SIZE_MAX_LEN ? XATTR_SIZE_MAX_LEN : a->a[3];
	struct xtarget x;
	char *buf = NULL;

	long err = get_name(t, a->a[1], name);
	if (err)
		return err;
	err = target_get(t, a->a[0], mode, &x);
	if (err)
		return err;
	if (size && !(buf = malloc(size)))
		err = -ENOMEM;
	else
		err = vfs_getxattr(t, x.inode, name, buf, size);
	target_put(&x);
	if (err > 0 && size && copy_to_user(t->mm, a->a[2], buf, (size_t)err))
		err = -EFAULT;
	free(buf);
	return err;
}

static long do_list(struct task *t, const struct syscall_args *a, enum xmode mode)
{
	size_t size = a->a[2] > XATTR_LIST_MAX_LEN ? XATTR_LIST_MAX_LEN : a->a[2];
	struct xtarget x;
	char *buf = NULL;

	long err = target_get(t, a->a[0], mode, &x);
	if (err)
		return err;
	if (size && !(buf = malloc(size)))
		err = -ENOMEM;
	else
		err = vfs_listxattr(t, x.inode, buf, size);
	target_put(&x);
	if (err > 0 && size && copy_to_user(t->mm, a->a[1], buf, (size_t)err))
		err = -EFAULT;
	free(buf);
	return err;
}

static long do_remove(struct task *t, const struct syscall_args *a, enum xmode mode)
{
	char name[XATTR_NAME_MAX_LEN + 1];
	struct xtarget x;

	long err = get_name(t, a->a[1], name);
	if (err)
		return err;
	err = target_get(t, a->a[0], mode, &x);
	if (err)
		return err;
	err = vfs_removexattr(t, target_path(&x), x.inode, name);
	target_put(&x);
	return err;
}

long sys_setxattr(struct task *t, const struct syscall_args *a)
{
	return do_set(t, a, X_FOLLOW);
}

long sys_lsetxattr(struct task *t, const struct syscall_args *a)
{
	return do_set(t, a, X_NOFOLLOW);
}

long sys_fsetxattr(struct task *t, const struct syscall_args *a)
{
	return do_set(t, a, X_FD);
}

long sys_getxattr(struct task *t, const struct syscall_args *a)
{
	return do_get(t, a, X_FOLLOW);
}

long sys_lgetxattr(struct task *t, const struct syscall_args *a)
{
	return do_get(t, a, X_NOFOLLOW);
}

long sys_fgetxattr(struct task *t, const struct syscall_args *a)
{
	return do_get(t, a, X_FD);
}

long sys_listxattr(struct task *t, const struct syscall_args *a)
{
	return do_list(t, a, X_FOLLOW);
}

long sys_llistxattr(struct task *t, const struct syscall_args *a)
{
	return do_list(t, a, X_NOFOLLOW);
}

long sys_flistxattr(struct task *t, const struct syscall_args *a)
{
	return do_list(t, a, X_FD);
}

long sys_removexattr(struct task *t, const struct syscall_args *a)
{
	return do_remove(t, a, X_FOLLOW);
}

long sys_lremovexattr(struct task *t, const struct syscall_args *a)
{
	return do_remove(t, a, X_NOFOLLOW);
}

long sys_fremovexattr(struct task *t, const struct syscall_args *a)
{
	return do_remove(t, a, X_FD);
}
