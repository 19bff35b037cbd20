/*
 * sendmmsg / recvmmsg (net/socket.c): loops of sendmsg/recvmsg over a
 * struct mmsghdr array (a msghdr followed by msg_len), through the
 * existing handlers of sys_socket.c. The first error ends the loop; the
 * datagrams done so far are returned, the error only when there are none.
 * recvmmsg's timeout is looked at only between datagrams (Linux's
 * documented behaviour) and the time left is written back.
 */
#include <errno.h>
#include <sys/socket.h>
#include <time.h>
#include "sentry/mm.h"
#include "sentry/task.h"
#include "syscalls/syscall.h"
#include "vfs/socket/unix_sock.h"
#include "vfs/vfs.h"

#define UIO_MAXIOV 1024
#define MMSG_SIZE 64                 /* struct mmsghdr */
#define MSG_LEN_OFF 56               /* its msg_len */
#define KMSG_CMSG_COMPAT 0x80000000U
#define NSEC 1000000000ULL

/* sockfd_lookup: -EBADF or -ENOTSOCK before anything is done. */
static long check_socket(struct task *t, int fd)
{
	struct file *f = fd_get(t->files, fd);
	long err = 0;

	if (!f)
		return -EBADF;
	if (!sock_of(f))
		err = -ENOTSOCK;
	file_put(f);
	return err;
}

long sys_sendmmsg(struct task *t, const struct syscall_args *a)
{
	uint64_t vec = a->a[1];
	unsigned vlen = (unsigned)a->a[2], flags = (unsigned)a->a[3], n = 0;
	long err;

	if ((err = check_socket(t, (int)a->a[0])))
		return err;
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	for (; n < vlen; n++) {
		struct syscall_args s = { .nr = 46, .a = { a->a[0], vec + n * MMSG_SIZE, flags } };
		uint32_t len;
		err = sys_sendmsg(t, &s);
		if (err < 0)
			break;
		len = (uint32_t)err;
		if (copy_to_user(t->mm, vec + n * MMSG_SIZE + MSG_LEN_OFF, &len, sizeof(len))) {
			err = -EFAULT;
			break;
		}
	}
	return n ? (long)n : err;
}

long sys_recvmmsg(struct task *t, const struct syscall_args *a)
{
	uint64_t vec = a->a[1], utimeout = a->a[4], deadline = 0;
	unsigned vlen = (unsigned)a->a[2], flags = (unsigned)a->a[3], n = 0;
	struct timespec ts;
	long err;

	if (flags & KMSG_CMSG_COMPAT)
		return -EINVAL;
	if (utimeout) {
		if (copy_from_user(t->mm, &ts, utimeout, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long)NSEC)
			return -EINVAL;
		deadline = now_mono_ns() + (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
	}
	if ((err = check_socket(t, (int)a->a[0])))
		return err;
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	while (n < vlen) {
		struct syscall_args s = { .nr = 47, .a = { a->a[0], vec + n * MMSG_SIZE, flags & ~MSG_WAITFORONE } };
		uint32_t len;
		err = sys_recvmsg(t, &s);
		if (err < 0)
			break;
		len = (uint32_t)err;
		if (copy_to_user(t->mm, vec + n * MMSG_SIZE + MSG_LEN_OFF, &len, sizeof(len))) {
			err = -EFAULT;
			break;
		}
		n++;
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		if (deadline && now_mono_ns() >= deadline)
			break;
	}
	if (utimeout) {
		uint64_t now = now_mono_ns(), left = deadline > now ? deadline - now : 0;
		ts = (struct timespec){ (time_t)(left / NSEC), (long)(left % NSEC) };
		if (copy_to_user(t->mm, utimeout, &ts, sizeof(ts)))
			return -EFAULT;
	}
	if (n)
		return n;
	return err;
}
