/* Process syscalls: clone family, execve, exit, wait. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include "syscalls/syscall.h"
#include "sentry/task.h"
#include "sentry/process.h"
#include "sentry/loader.h"
#include "sentry/wait.h"
#include "sentry/mm.h"
#include "vfs/vfs.h"
#include "vfs/anon/pidfd.h"

long sys_clone(struct task *t, const struct syscall_args *a)
{
	/* x86-64 order: flags, newsp, parent_tid, child_tid, tls */
	struct clone_args_k ca = {
		.flags = a->a[0] & ~0xffULL,
		.exit_signal = a->a[0] & 0xff,
		.stack = a->a[1],
		.parent_tid = a->a[2],
		.child_tid = a->a[3],
		.tls = a->a[4],
	};
	if (ca.flags & CLONE_PIDFD) {   /* clone() returns the pidfd through parent_tid */
		if (ca.flags & CLONE_PARENT_SETTID)
			return -EINVAL;
		ca.pidfd = ca.parent_tid;
	}
	return do_clone(t, &ca);
}

long sys_clone3(struct task *t, const struct syscall_args *a)
{
	struct clone_args uca;
	size_t size = a->a[1];
	if (size < CLONE_ARGS_SIZE_VER0 || size > 4096)
		return -EINVAL;
	memset(&uca, 0, sizeof(uca));
	size_t n = size < sizeof(uca) ? size : sizeof(uca);
	if (copy_from_user(t->mm, &uca, a->a[0], n))
		return -EFAULT;
	/* Bytes beyond what we know must be zero (extensible struct rule). */
	for (size_t off = n; off < size; off++) {
		uint8_t b;
		if (copy_from_user(t->mm, &b, a->a[0] + off, 1))
			return -EFAULT;
		if (b)
			return -E2BIG;
	}
	if (uca.set_tid || uca.set_tid_size || uca.cgroup || (uca.flags & CLONE_INTO_CGROUP))
		return -EINVAL;
	if ((uca.stack == 0) != (uca.stack_size == 0))
		return -EINVAL;
	if (uca.exit_signal & ~0xffULL)
		return -EINVAL;
	struct clone_args_k ca = {
		.flags = uca.flags, .exit_signal = uca.exit_signal, .stack = uca.stack,
		.stack_size = uca.stack_size, .parent_tid = uca.parent_tid,
		.child_tid = uca.child_tid, .tls = uca.tls, .pidfd = uca.pidfd,
	};
	return do_clone(t, &ca);
}

long sys_fork(struct task *t, const struct syscall_args *a)
{
	struct clone_args_k ca = { .exit_signal = SIGCHLD };
	return do_clone(t, &ca);
}

long sys_vfork(struct task *t, const struct syscall_args *a)
{
	struct clone_args_k ca = { .flags = CLONE_VM | CLONE_VFORK, .exit_signal = SIGCHLD };
	return do_clone(t, &ca);
}

/* Copy a NULL-terminated guest string vector, bounded by *budget bytes
 * (pointers and strings both count, like Linux's MAX_ARG limits). */
static long copy_strv(struct task *t, uint64_t uptr, char ***out, size_t *budget)
{
	size_t cap = 16, n = 0;
	char **v = calloc(cap, sizeof(char *));
	if (!v)
		return -ENOMEM;
	long err = 0;
	char *buf = malloc(PATH_MAX_LEN * 32);
	if (!buf) {
		free(v);
		return -ENOMEM;
	}
	for (; uptr; n++) {
		uint64_t sp;
		if (copy_from_user(t->mm, &sp, uptr + n * 8, 8)) {
			err = -EFAULT;
			break;
		}
		if (!sp)
			break;
		if (*budget < 8) {
			err = -E2BIG;
			break;
		}
		*budget -= 8;
		size_t max = *budget < PATH_MAX_LEN * 32 ? *budget : PATH_MAX_LEN * 32;
		long len = strncpy_from_user(t->mm, buf, sp, max);
		if (len < 0) {
			err = len == -ENAMETOOLONG ? -E2BIG : len;
			break;
		}
		*budget -= (size_t)len + 1;
		if (n + 2 > cap) {
			cap *= 2;
			char **nv = realloc(v, cap * sizeof(char *));
			if (!nv) {
				err = -ENOMEM;
				break;
			}
			v = nv;
		}
		if (!(v[n] = strdup(buf))) {
			err = -ENOMEM;
			break;
		}
		v[n + 1] = NULL;
	}
	free(buf);
	if (err) {
		for (size_t i = 0; i < n && v[i]; i++)
			free(v[i]);
		free(v);
		return err;
	}
	v[n] = NULL;
	*out = v;
	return 0;
}

static void free_strv(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static long execve_common(struct task *t, int dirfd, uint64_t upath, uint64_t uargv,
			  uint64_t uenvp, int flags)
{
	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	char path[PATH_MAX_LEN];
	long len = strncpy_from_user(t->mm, path, upath, sizeof(path));
	if (len < 0)
		return len;
	size_t budget = LOADER_MAX_ARGS_BYTES;
	char **argv = NULL, **envp = NULL;
	long err = copy_strv(t, uargv, &argv, &budget);
	if (!err)
		err = copy_strv(t, uenvp, &envp, &budget);
	if (!err)
		err = do_execve(t, dirfd, path, argv, envp, flags);
	free_strv(argv);
	free_strv(envp);
	return err;
}

long sys_execve(struct task *t, const struct syscall_args *a)
{
	return execve_common(t, AT_FDCWD, a->a[0], a->a[1], a->a[2], 0);
}

long sys_execveat(struct task *t, const struct syscall_args *a)
{
	return execve_common(t, (int)a->a[0], a->a[1], a->a[2], a->a[3], (int)a->a[4]);
}

long sys_exit(struct task *t, const struct syscall_args *a)
{
	do_exit(t, (int)(a->a[0] & 0xff) << 8);
}

long sys_exit_group(struct task *t, const struct syscall_args *a)
{
	do_group_exit(t, (int)(a->a[0] & 0xff) << 8);
}

static void rusage_from(const struct wait_result *r, struct rusage *ru)
{
	memset(ru, 0, sizeof(*ru));
	ru->ru_utime.tv_sec = (time_t)(r->utime_ns / 1000000000ULL);
	ru->ru_utime.tv_usec = (suseconds_t)(r->utime_ns % 1000000000ULL / 1000);
	ru->ru_stime.tv_sec = (time_t)(r->stime_ns / 1000000000ULL);
	ru->ru_stime.tv_usec = (suseconds_t)(r->stime_ns % 1000000000ULL / 1000);
}

long sys_wait4(struct task *t, const struct syscall_args *a)
{
	int pid = (int)a->a[0];
	int options = (int)a->a[2];
	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	struct wait_req w = { .options = (options & ~WUNTRACED) | WEXITED };
	if (options & WUNTRACED)
		w.options |= WSTOPPED;
	if (pid < -1) {
		w.which = P_PGID;
		w.id = -pid;
	} else if (pid == -1) {
		w.which = P_ALL;
	} else if (pid == 0) {
		w.which = P_PGID;
		w.id = 0;
	} else {
		w.which = P_PID;
		w.id = pid;
	}
	struct wait_result r;
	long ret = do_wait(t, &w, &r);
	if (ret <= 0)
		return ret;
	if (a->a[1]) {
		int32_t st = r.status;
		if (copy_to_user(t->mm, a->a[1], &st, sizeof(st)))
			return -EFAULT;
	}
	if (a->a[3]) {
		struct rusage ru;
		rusage_from(&r, &ru);
		if (copy_to_user(t->mm, a->a[3], &ru, sizeof(ru)))
			return -EFAULT;
	}
	return r.pid;
}

long sys_waitid(struct task *t, const struct syscall_args *a)
{
	int which = (int)a->a[0];
	int id = (int)a->a[1];
	int options = (int)a->a[3];
	if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	struct wait_req w = { .options = options, .id = id };
	int nonblock = 0;
	switch (which) {
	case P_ALL:
		w.which = P_ALL;
		break;
	case P_PID:
		if (id <= 0)
			return -EINVAL;
		w.which = P_PID;
		break;
	case P_PGID:
		if (id < 0)
			return -EINVAL;
		w.which = P_PGID;
		break;
	case P_PIDFD: {   /* vfs/anon/pidfd.h */
		long e = pidfd_wait_req(t, id, &w, &nonblock);
		if (e)
			return e;
		break;
	}
	default:
		return -EINVAL;
	}
	struct wait_result r;
	long ret = do_wait(t, &w, &r);
	if (ret < 0)
		return ret;
	if (ret == 0 && nonblock && !(options & WNOHANG))
		return -EAGAIN;   /* an O_NONBLOCK pidfd whose child is still running */
	if (a->a[2]) {
		struct ksiginfo si;
		memset(&si, 0, sizeof(si));
		if (ret > 0) {
			si.si_signo = SIGCHLD;
			si.si_code = r.code;
			si.u.chld.pid = r.pid;
			si.u.chld.uid = r.uid;
			si.u.chld.status = r.code == CLD_EXITED ? WEXITSTATUS(r.status)
				: r.code == CLD_STOPPED ? (r.status >> 8) & 0xff
				: r.code == CLD_CONTINUED ? SIGCONT : WTERMSIG(r.status);
		}
		if (copy_to_user(t->mm, a->a[2], &si, sizeof(si)))
			return -EFAULT;
	}
	if (a->a[4] && ret > 0) {
		struct rusage ru;
		rusage_from(&r, &ru);
		if (copy_to_user(t->mm, a->a[4], &ru, sizeof(ru)))
			return -EFAULT;
	}
	return 0;
}

long sys_set_tid_address(struct task *t, const struct syscall_args *a)
{
	t->clear_child_tid = a->a[0];
	return t->tid;
}
