/*
 * process_vm_readv / process_vm_writev (mm/process_vm_access.c): copy
 * between the caller's local iovecs and another process's remote iovecs
 * through the memory file, page by page. The remote pages must allow the
 * access (no FOLL_FORCE). The first fault stops the transfer: the bytes
 * moved so far are returned, or -EFAULT when there are none.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "sentry/mm.h"
#include "sentry/ptrace_access.h"
#include "sentry/task.h"
#include "syscalls/syscall.h"

#define UIO_MAXIOV 1024
#define MAX_RW_COUNT (0x7fffffffULL & ~(uint64_t)(PAGE_SIZE - 1))

struct kiov {
	uint64_t base, len;
};

/* Copy in an iovec array: -EINVAL for a negative length, -EFAULT. */
static long import(struct task *t, uint64_t uvec, uint64_t n, struct kiov **out, uint64_t *total)
{
	struct kiov *v;

	*out = NULL;
	*total = 0;
	if (n > UIO_MAXIOV)
		return -EINVAL;
	if (!n)
		return 0;
	if (!(v = calloc(n, sizeof(*v))))
		return -ENOMEM;
	if (copy_from_user(t->mm, v, uvec, n * sizeof(*v))) {
		free(v);
		return -EFAULT;
	}
	for (uint64_t i = 0; i < n; i++) {
		if ((int64_t)v[i].len < 0) {
			free(v);
			return -EINVAL;
		}
		if (v[i].len > MAX_RW_COUNT - *total)
			v[i].len = MAX_RW_COUNT - *total;   /* import_iovec truncates */
		*total += v[i].len;
	}
	*out = v;
	return 0;
}

/* A cursor over the local iovecs. */
struct lcur {
	struct kiov *v;
	uint64_t n, i, off;
};

/* Move len bytes between buf and the local side; 0 or -EFAULT. */
static int local_xfer(struct task *t, struct lcur *c, char *buf, size_t len, bool to_local)
{
	while (len) {
		while (c->i < c->n && c->off == c->v[c->i].len) {
			c->i++;
			c->off = 0;
		}
		if (c->i == c->n)
			return 0;
		uint64_t addr = c->v[c->i].base + c->off;
		size_t n = c->v[c->i].len - c->off;
		size_t page_left = PAGE_SIZE - (addr & (PAGE_SIZE - 1));
		if (n > len)
			n = len;
		if (n > page_left)
			n = page_left;
		if (to_local ? copy_to_user(t->mm, addr, buf, n) : copy_from_user(t->mm, buf, addr, n))
			return -EFAULT;
		c->off += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static long vm_rw(struct task *t, const struct syscall_args *a, bool write)
{
	struct kiov *lv, *rv = NULL;
	uint64_t ltotal, rtotal, done = 0;
	struct task *target;
	struct lcur cur;
	char *buf = NULL;
	long err;

	if (a->a[5])
		return -EINVAL;
	if ((err = import(t, a->a[1], a->a[2], &lv, &ltotal)))
		return err;
	if (!ltotal)
		goto out;
	if ((err = import(t, a->a[3], a->a[4], &rv, &rtotal)))
		goto out;
	err = 0;
	if (!rtotal)
		goto out;
	err = -ESRCH;
	if (!(target = task_lookup((int)a->a[0])))
		goto out;
	if (ptrace_may_access(t, target, false)) {
		err = -EPERM;
		goto out;
	}
	if (!target->mm)
		goto out;
	err = -ENOMEM;
	if (!(buf = malloc(PAGE_SIZE)))
		goto out;
	err = 0;
	cur = (struct lcur){ .v = lv, .n = a->a[2] };
	for (uint64_t i = 0; i < a->a[4] && !err && done < ltotal; i++) {
		uint64_t addr = rv[i].base, left = rv[i].len;
		while (left && done < ltotal) {
			size_t n = PAGE_SIZE - (addr & (PAGE_SIZE - 1));
			if (n > left)
				n = left;
			if (n > ltotal - done)
				n = ltotal - done;
			if (write) {
				if ((err = local_xfer(t, &cur, buf, n, false)))
					break;
				if ((err = copy_to_user(target->mm, addr, buf, n)))
					break;
			} else {
				if ((err = copy_from_user(target->mm, buf, addr, n)))
					break;
				if ((err = local_xfer(t, &cur, buf, n, true)))
					break;
			}
			done += n;
			addr += n;
			left -= n;
		}
	}
	if (done)
		err = (long)done;
out:
	free(buf);
	free(lv);
	free(rv);
	return err;
}

long sys_process_vm_readv(struct task *t, const struct syscall_args *a)
{
	return vm_rw(t, a, false);
}

long sys_process_vm_writev(struct task *t, const struct syscall_args *a)
{
	return vm_rw(t, a, true);
}
