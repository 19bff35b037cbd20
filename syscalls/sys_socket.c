/*
 * Socket syscalls: argument marshalling (addresses, msghdr, iovecs,
 * control messages) around the unix socket layer (vfs/socket/). Only
 * AF_UNIX exists; every other family is -EAFNOSUPPORT until the network
 * stack arrives.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "syscalls/syscall.h"
#include "vfs/socket/unix_int.h"
#include "vfs/vfs_impl.h"
#include "sentry/task.h"
#include "sentry/mm.h"

#define SOCKADDR_STORAGE 128
#define UIO_MAXIOV 1024
#define MAX_RW_COUNT (INT_MAX & ~4095L)
#define OPTMEM_MAX 131072
#define AF_MAX_FAMILY 46
#define SOCK_MAX_TYPE 11
#define CAP_SETUID 7
#define CAP_SETGID 6
#define CAP_SYS_ADMIN 21

struct kmsghdr {
	uint64_t name;
	uint32_t namelen, _pad0;
	uint64_t iov, iovlen, control, controllen;
	int32_t flags, _pad1;
};

struct kcmsghdr {
	uint64_t len;
	int32_t level, type;
};
#define KCMSG_ALIGN(n) (((n) + 7) & ~(size_t)7)
#define KCMSG_LEN(n) (sizeof(struct kcmsghdr) + (n))
#define KCMSG_SPACE(n) (sizeof(struct kcmsghdr) + KCMSG_ALIGN(n))

static int sock_get(struct task *t, int fd, struct file **out)
{
	struct file *f = fd_get(t->files, fd);

	if (!f)
		return -EBADF;
	if (!file_is_socket(f)) {
		file_put(f);
		return -ENOTSOCK;
	}
	*out = f;
	return 0;
}

/* move_addr_to_kernel: ulen bytes of a guest sockaddr. */
static int addr_in(struct task *t, uint64_t uaddr, int64_t ulen, struct uaddr *a)
{
	uint8_t buf[SOCKADDR_STORAGE];

	if (ulen < 0 || ulen > SOCKADDR_STORAGE)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	if (!ulen)
		return 0;
	if (copy_from_user(t->mm, buf, uaddr, (size_t)ulen))
		return -EFAULT;
	a->len = (uint32_t)ulen;
	memcpy(&a->sun, buf, (size_t)ulen < sizeof(a->sun) ? (size_t)ulen : sizeof(a->sun));
	return 0;
}

/* move_addr_to_user: copy at most *ulen bytes, store the full length. */
static int addr_out(struct task *t, const struct uaddr *a, uint64_t uaddr, uint64_t ulenp)
{
	int len;

	if (copy_from_user(t->mm, &len, ulenp, sizeof(len)))
		return -EFAULT;
	if ((uint32_t)len > a->len)
		len = (int)a->len;
	if (len < 0)
		return -EINVAL;
	if (len && copy_to_user(t->mm, uaddr, &a->sun, (size_t)len))
		return -EFAULT;
	return copy_to_user(t->mm, ulenp, &a->len, sizeof(int)) ? -EFAULT : 0;
}

static long install_pair(struct task *t, struct file *a, struct file *b, bool cloexec, uint64_t ufds)
{
	int fds[2];

	fds[0] = fd_install(t->files, 0, a, cloexec);
	fds[1] = fds[0] < 0 ? fds[0] : fd_install(t->files, 0, b, cloexec);
	file_put(a);
	file_put(b);
	if (fds[1] < 0) {
		if (fds[0] >= 0)
			fd_close(t->files, fds[0]);
		return fds[1];
	}
	if (copy_to_user(t->mm, ufds, fds, sizeof(fds))) {
		fd_close(t->files, fds[0]);
		fd_close(t->files, fds[1]);
		return -EFAULT;
	}
	return 0;
}

static int check_family(int family, int type)
{
	if (type & ~(0xf | SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	if (family < 0 || family >= AF_MAX_FAMILY)
		return -EAFNOSUPPORT;
	if ((type & 0xf) >= SOCK_MAX_TYPE)
		return -EINVAL;
	return family == AF_UNIX ? 0 : -EAFNOSUPPORT;
}

long sys_socket(struct task *t, const struct syscall_args *a)
{
	int family = (int)a->a[0], type = (int)a->a[1], protocol = (int)a->a[2];
	struct file *f;
	int err = check_family(family, type);

	if (err)
		return err;
	err = unix_create(type & 0xf, protocol, type & SOCK_NONBLOCK, &f);
	if (err)
		return err;
	err = fd_install(t->files, 0, f, type & SOCK_CLOEXEC);
	file_put(f);
	return err;
}

long sys_socketpair(struct task *t, const struct syscall_args *a)
{
	int family = (int)a->a[0], type = (int)a->a[1], protocol = (int)a->a[2];
	struct file *f1, *f2;
	int err = check_family(family, type);

	if (err)
		return err;
	err = unix_pair(type & 0xf, protocol, type & SOCK_NONBLOCK, &f1, &f2);
	if (err)
		return err;
	return install_pair(t, f1, f2, type & SOCK_CLOEXEC, a->a[3]);
}

long sys_bind(struct task *t, const struct syscall_args *a)
{
	struct uaddr ua;
	struct file *f;
	int err = sock_get(t, (int)a->a[0], &f);

	if (err)
		return err;
	err = addr_in(t, a->a[1], (int)a->a[2], &ua);
	if (!err)
		err = unix_bind(t, f, &ua);
	file_put(f);
	return err;
}

long sys_listen(struct task *t, const struct syscall_args *a)
{
	struct file *f;
	int err = sock_get(t, (int)a->a[0], &f);

	if (err)
		return err;
	err = unix_listen(f, (int)a->a[1]);
	file_put(f);
	return err;
}

long sys_connect(struct task *t, const struct syscall_args *a)
{
	struct uaddr ua;
	struct file *f;
	int err = sock_get(t, (int)a->a[0], &f);

	if (err)
		return err;
	err = addr_in(t, a->a[1], (int)a->a[2], &ua);
	if (!err)
		err = unix_connect(t, f, &ua, 0);
	file_put(f);
	return err;
}

static long do_accept(struct task *t, int fd, uint64_t uaddr, uint64_t ulen, int flags)
{
	struct uaddr peer;
	struct file *f, *nf;
	int err;

	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	err = sock_get(t, fd, &f);
	if (err)
		return err;
	err = unix_accept(f, flags & SOCK_NONBLOCK, &nf, &peer);
	file_put(f);
	if (err)
		return err;
	if (uaddr && (err = addr_out(t, &peer, uaddr, ulen))) {
		file_put(nf);
		return err;
	}
	err = fd_install(t->files, 0, nf, flags & SOCK_CLOEXEC);
	file_put(nf);
	return err;
}

long sys_accept(struct task *t, const struct syscall_args *a)
{
	return do_accept(t, (int)a->a[0], a->a[1], a->a[2], 0);
}

long sys_accept4(struct task *t, const struct syscall_args *a)
{
	return do_accept(t, (int)a->a[0], a->a[1], a->a[2], (int)a->a[3]);
}

long sys_shutdown(struct task *t, const struct syscall_args *a)
{
	struct file *f;
	int err = sock_get(t, (int)a->a[0], &f);

	if (err)
		return err;
	err = unix_shutdown(f, (int)a->a[1]);
	file_put(f);
	return err;
}

static long do_getname(struct task *t, const struct syscall_args *a, bool peer)
{
	struct uaddr ua;
	struct file *f;
	int err = sock_get(t, (int)a->a[0], &f);

	if (err)
		return err;
	err = unix_getname(f, peer, &ua);
	file_put(f);
	return err ? err : addr_out(t, &ua, a->a[1], a->a[2]);
}

long sys_getsockname(struct task *t, const struct syscall_args *a)
{
	return do_getname(t, a, false);
}

long sys_getpeername(struct task *t, const struct syscall_args *a)
{
	return do_getname(t, a, true);
}

long sys_setsockopt(struct task *t, const struct syscall_args *a)
{
	uint8_t val[64] = { 0 };
	int len = (int)a->a[4];
	struct file *f;
	int err = sock_get(t, (int)a->a[0], &f);

	if (err)
		return err;
	if (len < 0)
		err = -EINVAL;
	else if (copy_from_user(t->mm, val, a->a[3], (size_t)len < sizeof(val) ? (size_t)len : sizeof(val)))
		err = -EFAULT;
	else
		err = unix_setsockopt(t, f, (int)a->a[1], (int)a->a[2], val, len);
	file_put(f);
	return err;
}

long sys_getsockopt(struct task *t, const struct syscall_args *a)
{
	uint8_t val[64] = { 0 };
	int len;
	struct file *f;
	int err = sock_get(t, (int)a->a[0], &f);

	if (err)
		return err;
	if (copy_from_user(t->mm, &len, a->a[4], sizeof(len)))
		err = -EFAULT;
	else if (len < 0)
		err = -EINVAL;
	else if (len > (int)sizeof(val))
		len = sizeof(val);
	if (!err)
		err = unix_getsockopt(f, (int)a->a[1], (int)a->a[2], val, &len);
	file_put(f);
	if (err)
		return err;
	if (copy_to_user(t->mm, a->a[3], val, (size_t)len) ||
	    copy_to_user(t->mm, a->a[4], &len, sizeof(len)))
		return -EFAULT;
	return 0;
}

/* ---- data ------------------------------------------------------------------------ */

/* Guest iovecs into iov (caller frees); total length capped like Linux. */
static long import_iov(struct task *t, uint64_t uiov, uint64_t n, struct kiovec **out, size_t *total)
{
	struct kiovec *iov;
	size_t sum = 0;

	*out = NULL;
	if (n > UIO_MAXIOV)
		return -EMSGSIZE;
	iov = malloc(sizeof(*iov) * (n ? n : 1));
	if (!iov)
		return -ENOMEM;
	if (n && copy_from_user(t->mm, iov, uiov, sizeof(*iov) * n)) {
		free(iov);
		return -EFAULT;
	}
	for (uint64_t i = 0; i < n; i++) {
		if ((int64_t)iov[i].len < 0) {
			free(iov);
			return -EINVAL;
		}
		if (iov[i].len > MAX_RW_COUNT - sum)
			iov[i].len = MAX_RW_COUNT - sum;
		sum += iov[i].len;
	}
	*out = iov;
	*total = sum;
	return 0;
}

static bool in_ids(uint32_t v, uint32_t a, uint32_t b, uint32_t c)
{
	return v == a || v == b || v == c;
}

/* __scm_send: SCM_RIGHTS and SCM_CREDENTIALS from a control buffer. */
static int scm_parse(struct task *t, const uint8_t *buf, size_t len, struct scm *scm)
{
	size_t off = 0;

	while (len >= sizeof(struct kcmsghdr) && off <= len - sizeof(struct kcmsghdr)) {
		struct kcmsghdr h;

		memcpy(&h, buf + off, sizeof(h));
		if (h.len < sizeof(h) || h.len > len - off)
			return -EINVAL;
		if (h.level == SOL_SOCKET && h.type == SCM_RIGHTS) {
			int n = (int)((h.len - sizeof(h)) / sizeof(int));

			if (n > SCM_MAX_FD || scm->nfds + n > SCM_MAX_FD)
				return -EINVAL;
			if (n > 0) {
				struct file **nf = realloc(scm->fds, sizeof(*nf) * (size_t)(scm->nfds + n));
				if (!nf)
					return -ENOMEM;
				scm->fds = nf;
			}
			for (int i = 0; i < n; i++) {
				int fd;

				memcpy(&fd, buf + off + sizeof(h) + (size_t)i * sizeof(int), sizeof(fd));
				/* O_PATH files travel too (Linux's fget_raw) */
				scm->fds[scm->nfds] = fd_get(t->files, fd);
				if (!scm->fds[scm->nfds])
					return -EBADF;
				scm->nfds++;
			}
		} else if (h.level == SOL_SOCKET && h.type == SCM_CREDENTIALS) {
			struct kucred c;
			const struct cred *cr = &t->cred;

			if (h.len != KCMSG_LEN(sizeof(c)))
				return -EINVAL;
			memcpy(&c, buf + off + sizeof(h), sizeof(c));
			if ((c.pid != t->tg->tgid && !cred_capable(cr, CAP_SYS_ADMIN)) ||
			    (!in_ids(c.uid, cr->uid, cr->euid, cr->suid) && !cred_capable(cr, CAP_SETUID)) ||
			    (!in_ids(c.gid, cr->gid, cr->egid, cr->sgid) && !cred_capable(cr, CAP_SETGID)))
				return -EPERM;
			scm->has_cred = true;
			scm->cred = c;
		} else if (h.level == SOL_SOCKET) {
			return -EINVAL;
		}
		off += KCMSG_ALIGN(h.len);
	}
	return 0;
}

static long do_send(struct task *t, int fd, struct kiovec *iov, int niov, size_t len, int flags,
		    uint64_t uaddr, int64_t alen, uint64_t uctl, uint64_t ctllen)
{
	struct uio u = { .t = t, .iov = iov, .niov = niov };
	struct scm scm = { 0 };
	struct uaddr ua, *to = NULL;
	struct file *f;
	uint8_t *ctl = NULL;
	long err = sock_get(t, fd, &f);
	int reserved = 0;

	if (err)
		return err;
	if (uaddr && alen) {
		err = addr_in(t, uaddr, alen, &ua);
		if (err)
			goto out;
		to = &ua;
	}
	if (ctllen) {
		err = -ENOBUFS;
		if (ctllen > OPTMEM_MAX)
			goto out;
		err = -ENOMEM;
		if (!(ctl = malloc(ctllen)))
			goto out;
		err = -EFAULT;
		if (copy_from_user(t->mm, ctl, uctl, ctllen))
			goto out;
		err = scm_parse(t, ctl, ctllen, &scm);
		if (err)
			goto out;
		if (scm.nfds && (err = unix_inflight_reserve(t, scm.nfds)))
			goto out;
		reserved = scm.nfds;
	}
	err = unix_send(t, f, &u, len, flags, to, &scm);
out:
	if (scm.nfds && reserved)
		unix_inflight_release(reserved);   /* not sent */
	scm_destroy(&scm);
	free(ctl);
	file_put(f);
	return err;
}

long sys_sendto(struct task *t, const struct syscall_args *a)
{
	size_t len = a->a[2] > MAX_RW_COUNT ? MAX_RW_COUNT : a->a[2];
	struct kiovec v = { a->a[1], len };

	return do_send(t, (int)a->a[0], &v, 1, len, (int)a->a[3], a->a[4], (int)a->a[5], 0, 0);
}

long sys_sendmsg(struct task *t, const struct syscall_args *a)
{
	struct kmsghdr m;
	struct kiovec *iov;
	size_t total;
	long err;

	if (copy_from_user(t->mm, &m, a->a[1], sizeof(m)))
		return -EFAULT;
	if (m.namelen > SOCKADDR_STORAGE)
		return -EINVAL;
	if (m.controllen > INT_MAX)
		return -ENOBUFS;
	err = import_iov(t, m.iov, m.iovlen, &iov, &total);
	if (err)
		return err;
	err = do_send(t, (int)a->a[0], iov, (int)m.iovlen, total, (int)a->a[2], m.name, m.namelen,
		      m.control, m.controllen);
	free(iov);
	return err;
}

/* Control messages for recvmsg (credentials, then descriptors, like
 * Linux's scm_recv); returns the bytes used and sets MSG_CTRUNC. */
static uint64_t put_control(struct task *t, struct recv_out *o, uint64_t uctl, uint64_t space,
			    int flags, int *msg_flags)
{
	uint64_t used = 0;
	int i = 0;

	if (o->has_cred) {
		struct { struct kcmsghdr h; struct kucred c; } cm = {
			{ KCMSG_LEN(sizeof(struct kucred)), SOL_SOCKET, SCM_CREDENTIALS }, o->cred };

		if (space < sizeof(cm) || copy_to_user(t->mm, uctl, &cm, sizeof(cm))) {
			*msg_flags |= MSG_CTRUNC;
		} else {
			used = KCMSG_SPACE(sizeof(struct kucred));
			if (used > space)
				used = space;
		}
	}
	if (o->nfds) {
		uint64_t room = space - used;
		int max = room > sizeof(struct kcmsghdr) ?
			(int)((room - sizeof(struct kcmsghdr)) / sizeof(int)) : 0;

		for (; i < o->nfds && i < max; i++) {
			int fd = fd_install(t->files, 0, o->fds[i], flags & MSG_CMSG_CLOEXEC);

			if (fd < 0)
				break;
			if (copy_to_user(t->mm, uctl + used + sizeof(struct kcmsghdr) + (uint64_t)i * sizeof(int),
					 &fd, sizeof(fd))) {
				fd_close(t->files, fd);
				break;
			}
		}
		if (i) {
			struct kcmsghdr h = { KCMSG_LEN((size_t)i * sizeof(int)), SOL_SOCKET, SCM_RIGHTS };
			uint64_t sp = KCMSG_SPACE((size_t)i * sizeof(int));

			copy_to_user(t->mm, uctl + used, &h, sizeof(h));
			used += sp < room ? sp : room;
		}
		if (i < o->nfds)
			*msg_flags |= MSG_CTRUNC;
	}
	for (int k = 0; k < o->nfds; k++)
		file_put(o->fds[k]);       /* installed ones hold their own reference */
	free(o->fds);
	o->fds = NULL;
	o->nfds = 0;
	return used;
}

static long do_recv(struct task *t, int fd, struct kiovec *iov, int niov, size_t len, int flags,
		    struct recv_out *out)
{
	struct uio u = { .t = t, .iov = iov, .niov = niov };
	struct file *f;
	long err = sock_get(t, fd, &f);

	memset(out, 0, sizeof(*out));
	if (err)
		return err;
	err = unix_recv(t, f, &u, len, flags, out);
	file_put(f);
	return err;
}

static void drop_fds(struct recv_out *o)
{
	for (int k = 0; k < o->nfds; k++)
		file_put(o->fds[k]);
	free(o->fds);
	o->nfds = 0;
	o->fds = NULL;
}

long sys_recvfrom(struct task *t, const struct syscall_args *a)
{
	size_t len = a->a[2] > MAX_RW_COUNT ? MAX_RW_COUNT : a->a[2];
	struct kiovec v = { a->a[1], len };
	struct recv_out o;
	long n = do_recv(t, (int)a->a[0], &v, 1, len, (int)a->a[3], &o);
	long err;

	drop_fds(&o);
	if (n >= 0 && a->a[4] && (err = addr_out(t, &o.addr, a->a[4], a->a[5])))
		return err;
	return n;
}

long sys_recvmsg(struct task *t, const struct syscall_args *a)
{
	struct kmsghdr m;
	struct kiovec *iov;
	struct recv_out o;
	size_t total;
	int flags = (int)a->a[2], mflags;
	uint64_t used = 0;
	long n, err;

	if (copy_from_user(t->mm, &m, a->a[1], sizeof(m)))
		return -EFAULT;
	err = import_iov(t, m.iov, m.iovlen, &iov, &total);
	if (err)
		return err;
	n = do_recv(t, (int)a->a[0], iov, (int)m.iovlen, total, flags, &o);
	free(iov);
	if (n < 0) {
		drop_fds(&o);
		return n;
	}
	mflags = o.msg_flags;
	if (m.control)
		used = put_control(t, &o, m.control, m.controllen, flags, &mflags);
	else if (o.nfds || o.has_cred)
		mflags |= MSG_CTRUNC;
	drop_fds(&o);
	if (m.name) {
		uint64_t lenp = a->a[1] + offsetof(struct kmsghdr, namelen);

		if ((err = addr_out(t, &o.addr, m.name, lenp)))
			return err;
	} else {
		uint32_t zero = 0;

		if (copy_to_user(t->mm, a->a[1] + offsetof(struct kmsghdr, namelen), &zero, sizeof(zero)))
			return -EFAULT;
	}
	if (copy_to_user(t->mm, a->a[1] + offsetof(struct kmsghdr, controllen), &used, sizeof(used)) ||
	    copy_to_user(t->mm, a->a[1] + offsetof(struct kmsghdr, flags), &mflags, sizeof(mflags)))
		return -EFAULT;
	return n;
}
