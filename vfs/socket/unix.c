/*
 * Unix domain sockets: objects, names, connections, options, poll.
 * (Data transfer is in unix_io.c.)
 *
 * Names: a filesystem name is an S_IFSOCK inode made with mknod (so it obeys
 * the guest fs's permissions, umask and EADDRINUSE rules); an abstract name
 * (leading NUL) lives in a sentry-wide table. Both are found through the
 * list of bound sockets.
 *
 * Connections follow Linux: connect() on a stream/seqpacket socket makes the
 * server-side socket at once and queues it on the listener (the backlog);
 * accept() only dequeues it. A full backlog makes connect wait (or EAGAIN).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include "vfs/socket/unix_sock.h"
#include "vfs/vfs_impl.h"
#include "sentry/task.h"
#include "sentry/signal.h"
#include "sentry/mm.h"

#ifndef SO_PEERCRED
#define SO_PEERCRED 17
#endif
#define NSEC_PER_SEC 1000000000ull

static struct super_block sockfs_sb = {
	.fstype = "sockfs",
	.dev = 8,                /* Linux's sockfs is 0:8 */
	.magic = SOCKFS_MAGIC,
	.next_ino = 1,
};

static struct list_head bound = LIST_HEAD_INIT(bound);
static const struct file_ops unix_fops;

bool file_is_socket(const struct file *f)
{
	return f && f->fops == &unix_fops;
}

struct usock *sock_of(struct file *f)
{
	return file_is_socket(f) ? f->priv : NULL;
}

void usock_get(struct usock *s)
{
	s->refs++;
}

/* Waiters still queued on a freed socket (a poll of a dgram peer) are
 * unlinked so they never point into freed memory. */
static void detach_waiters(struct waitq *wq)
{
	waitq_wake_all(wq);
	while (!list_empty(&wq->waiters))
		list_del(wq->waiters.next);
}

void usock_put(struct usock *s)
{
	if (!s || --s->refs > 0)
		return;
	detach_waiters(&s->wq);
	free(s->addr);
	free(s);
}

struct kucred current_kucred(void)
{
	struct kucred c = { 0, 65534, 65534 };

	if (current) {
		c.pid = current->tg ? current->tg->tgid : current->tid;
		c.uid = current->cred.euid;
		c.gid = current->cred.egid;
	}
	return c;
}

void send_sigpipe(void)
{
	struct ksiginfo info = { .si_signo = SIGPIPE, .si_code = SI_USER };

	if (!current)
		return;
	info.u.kill.pid = current->tg ? current->tg->tgid : current->tid;
	info.u.kill.uid = current->cred.uid;
	send_signal_thread(current, &info);
}

int usock_wait(struct waitq *wq, uint64_t timeo_ns, uint64_t *deadline)
{
	struct waiter w;
	int err;

	if (timeo_ns && !*deadline)
		*deadline = now_mono_ns() + timeo_ns;
	waitq_add(wq, &w, current);
	err = task_sleep(current, timeo_ns ? *deadline : 0);
	waitq_remove(&w);
	if (err == -EINTR)
		return timeo_ns ? -EINTR : -ERESTARTSYS;
	if (err == -ETIMEDOUT)
		return -EAGAIN;
	return 0;
}

static struct usock *usock_alloc(int type)
{
	struct usock *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->refs = 1;
	s->type = type;
	waitq_init(&s->wq);
	list_init(&s->rcvq);
	list_init(&s->bound_link);
	list_init(&s->acceptq);
	list_init(&s->acc_link);
	s->sndbuf = UNIX_DEF_BUF;
	s->rcvbuf = UNIX_DEF_BUF;
	s->cred = current_kucred();
	return s;
}

/* A file for s (takes over the caller's reference). */
static struct file *usock_file(struct usock *s, int flags)
{
	struct inode *ino = inode_new(&sockfs_sb, S_IFSOCK | 0777);
	struct file *f;
	uint64_t ns = now_real_ns();
	struct timespec now = { (time_t)(ns / NSEC_PER_SEC), (long)(ns % NSEC_PER_SEC) };

	if (!ino)
		return NULL;
	ino->nlink = 1;
	ino->atime = ino->mtime = ino->ctime = ino->btime = now;
	if (current) {
		ino->uid = current->cred.fsuid;
		ino->gid = current->cred.fsgid;
	}
	ino->fops = &unix_fops;
	ino->iops = &simple_attr_iops;
	f = file_new_anon(ino, &unix_fops, O_RDWR | (flags & O_NONBLOCK));
	inode_put(ino);
	if (!f)
		return NULL;
	f->priv = s;
	s->inode = f->inode;
	return f;
}

static int check_type(int type, int protocol)
{
	if (protocol && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	return 0;
}

int unix_create(int type, int protocol, int flags, struct file **out)
{
	struct usock *s;
	int err;

	if (type == SOCK_RAW)
		type = SOCK_DGRAM;       /* Linux treats it as datagram */
	err = check_type(type, protocol);
	if (err)
		return err;
	s = usock_alloc(type);
	if (!s)
		return -ENOMEM;
	*out = usock_file(s, flags);
	if (!*out) {
		usock_put(s);
		return -ENFILE;
	}
	return 0;
}

static void connect_pair(struct usock *a, struct usock *b)
{
	usock_get(b);
	a->peer = b;
	a->state = US_CONNECTED;
	a->peercred = b->cred;
	a->has_peercred = true;
}

int unix_pair(int type, int protocol, int flags, struct file **a, struct file **b)
{
	int err = unix_create(type, protocol, flags, a);

	if (err)
		return err;
	err = unix_create(type, protocol, flags, b);
	if (err) {
		file_put(*a);
		return err;
	}
	connect_pair(sock_of(*a), sock_of(*b));
	connect_pair(sock_of(*b), sock_of(*a));
	return 0;
}

/* ---- names ----------------------------------------------------------------- */

static bool is_abstract(const struct uaddr *a)
{
	return a->sun.sun_path[0] == 0;
}

int unix_addr_check(const struct uaddr *a)
{
	if (a->len <= offsetof(struct sockaddr_un, sun_path) || a->len > sizeof(struct sockaddr_un) ||
	    a->sun.sun_family != AF_UNIX)
		return -EINVAL;
	return 0;
}

/* NUL-terminated path of a filesystem address (buf of 109 bytes). */
static void addr_path(const struct uaddr *a, char *buf)
{
	size_t n = a->len - offsetof(struct sockaddr_un, sun_path);

	memcpy(buf, a->sun.sun_path, n);
	buf[n] = 0;
}

/* Abstract names are per socket type, as Linux hashes them. */
static struct usock *find_abstract(const struct uaddr *a, int type)
{
	struct list_head *pos;

	list_for_each(pos, &bound) {
		struct usock *s = list_entry(pos, struct usock, bound_link);
		if (s->addr && !s->bind_inode && s->type == type && s->addr->len == a->len &&
		    !memcmp(&s->addr->sun, &a->sun, a->len))
			return s;
	}
	return NULL;
}

static struct usock *find_inode(struct inode *ino)
{
	struct list_head *pos;

	list_for_each(pos, &bound) {
		struct usock *s = list_entry(pos, struct usock, bound_link);
		if (s->bind_inode == ino)
			return s;
	}
	return NULL;
}

int unix_lookup(struct task *t, const struct uaddr *a, int type, struct usock **out)
{
	struct usock *s;

	if (is_abstract(a)) {
		s = find_abstract(a, type);
		if (!s)
			return -ECONNREFUSED;
	} else {
		char path[sizeof(a->sun.sun_path) + 1];
		struct path p;
		int err;

		addr_path(a, path);
		err = path_lookup(t, AT_FDCWD, path, LOOKUP_FOLLOW, &p);
		if (err)
			return err;
		err = inode_permission(&t->cred, p.dentry->inode, MAY_WRITE);
		s = err ? NULL : find_inode(p.dentry->inode);
		if (!err && !S_ISSOCK(p.dentry->inode->mode))
			err = -ECONNREFUSED;
		path_put(&p);
		if (err)
			return err;
		if (!s)
			return -ECONNREFUSED;
	}
	if (s->type != type)
		return -EPROTOTYPE;
	usock_get(s);
	*out = s;
	return 0;
}

static int autobind(struct usock *s)
{
	static unsigned next = 1;
	struct uaddr *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->sun.sun_family = AF_UNIX;
	a->len = offsetof(struct sockaddr_un, sun_path) + 6;
	for (unsigned tries = 0; tries < 0x100000; tries++) {
		char name[8];

		snprintf(name, sizeof(name), "%05x", next++ & 0xfffff);
		memcpy(a->sun.sun_path + 1, name, 5);
		if (!find_abstract(a, s->type)) {
			s->addr = a;
			list_add_tail(&s->bound_link, &bound);
			return 0;
		}
	}
	free(a);
	return -ENOSPC;
}

int unix_bind(struct task *t, struct file *f, const struct uaddr *a)
{
	struct usock *s = sock_of(f);
	struct uaddr *copy;
	int err;

	if (a->len == offsetof(struct sockaddr_un, sun_path) && a->sun.sun_family == AF_UNIX)
		return s->addr ? -EINVAL : autobind(s);
	err = unix_addr_check(a);
	if (err)
		return err;
	if (s->addr && is_abstract(a))
		return -EINVAL;
	copy = malloc(sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	*copy = *a;
	if (is_abstract(a)) {
		if (find_abstract(a, s->type)) {
			free(copy);
			return -EADDRINUSE;
		}
	} else {
		char path[sizeof(a->sun.sun_path) + 1];
		struct path p;

		addr_path(a, path);
		/* Like Linux, the stored name ends at the first NUL. */
		copy->len = (uint32_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
		err = vfs_mknod(t, AT_FDCWD, path, S_IFSOCK | 0777, 0);
		if (!err)
			err = path_lookup(t, AT_FDCWD, path, 0, &p);
		if (err) {
			free(copy);
			return err == -EEXIST ? -EADDRINUSE : err;
		}
		if (s->addr) {           /* Linux makes the node, then finds it bound */
			path_put(&p);
			vfs_unlink(t, AT_FDCWD, path);
			free(copy);
			return -EINVAL;
		}
		s->bind_inode = p.dentry->inode;
		inode_get(s->bind_inode);
		path_put(&p);
	}
	s->addr = copy;
	list_add_tail(&s->bound_link, &bound);
	return 0;
}

int unix_getname(struct file *f, bool peer, struct uaddr *out)
{
	struct usock *s = sock_of(f);

	if (peer) {
		if (!s->peer || s->state != US_CONNECTED)
			return -ENOTCONN;
		s = s->peer;
	}
	if (s->addr) {
		*out = *s->addr;
	} else {
		memset(out, 0, sizeof(*out));
		out->sun.sun_family = AF_UNIX;
		out->len = offsetof(struct sockaddr_un, sun_path);
	}
	return 0;
}

/* ---- connections ------------------------------------------------------------- */

int unix_listen(struct file *f, int backlog)
{
	struct usock *s = sock_of(f);

	if (s->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	if (!s->addr || s->state == US_CONNECTED)
		return -EINVAL;
	if ((unsigned)backlog > UNIX_SOMAXCONN)
		backlog = UNIX_SOMAXCONN;
	s->backlog = backlog;
	if (s->state != US_LISTENING) {
		s->state = US_LISTENING;
		s->cred = current_kucred();   /* SO_PEERCRED of accepted sockets' peers */
	}
	waitq_wake_all(&s->wq);           /* a larger backlog may admit connectors */
	return 0;
}

static int dgram_connect(struct task *t, struct usock *s, const struct uaddr *a)
{
	struct usock *target;
	int err;

	if (a->len >= sizeof(sa_family_t) && a->sun.sun_family == AF_UNSPEC) {
		usock_put(s->peer);      /* dissolve the association */
		s->peer = NULL;
		s->state = US_UNCONNECTED;
		return 0;
	}
	err = unix_addr_check(a);
	if (err)
		return err;
	if (s->passcred && !s->addr && (err = autobind(s)))
		return err;
	err = unix_lookup(t, a, s->type, &target);
	if (err)
		return err;
	if (target->dead) {
		usock_put(target);
		return -ECONNREFUSED;
	}
	usock_put(s->peer);
	s->peer = target;
	s->state = US_CONNECTED;
	waitq_wake_all(&s->wq);
	return 0;
}

int unix_connect(struct task *t, struct file *f, const struct uaddr *a, int flags)
{
	struct usock *s = sock_of(f), *l = NULL, *n;
	uint64_t deadline = 0;
	int err;

	if (s->type == SOCK_DGRAM)
		return dgram_connect(t, s, a);
	err = unix_addr_check(a);
	if (err)
		return err;
	if (s->state == US_CONNECTED)
		return -EISCONN;
	if (s->state == US_LISTENING)
		return -EINVAL;
	if (s->passcred && !s->addr && (err = autobind(s)))
		return err;
	for (;;) {
		err = unix_lookup(t, a, s->type, &l);
		if (err)
			return err;
		if (l->dead || l->state != US_LISTENING) {
			err = -ECONNREFUSED;
			break;
		}
		if (s->state == US_CONNECTED) {      /* another thread won */
			err = -EISCONN;
			break;
		}
		if (l->nacc <= l->backlog)
			break;
		if ((f->flags & O_NONBLOCK) || (flags & O_NONBLOCK)) {
			err = -EAGAIN;
			break;
		}
		err = usock_wait(&l->wq, s->sndtimeo, &deadline);
		usock_put(l);
		l = NULL;
		if (err)
			return err;
	}
	if (err) {
		usock_put(l);
		return err;
	}
	n = usock_alloc(s->type);
	if (!n) {
		usock_put(l);
		return -ENOMEM;
	}
	n->cred = l->cred;
	n->passcred = l->passcred;
	if (l->addr && (n->addr = malloc(sizeof(*n->addr))))
		*n->addr = *l->addr;
	connect_pair(n, s);
	connect_pair(s, n);
	list_add_tail(&n->acc_link, &l->acceptq);   /* the queue owns n's reference */
	l->nacc++;
	waitq_wake_all(&l->wq);
	usock_put(l);
	return 0;
}

int unix_accept(struct file *f, int flags, struct file **out, struct uaddr *peer)
{
	struct usock *s = sock_of(f), *n;
	uint64_t deadline = 0;
	int err;

	if (s->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	if (s->state != US_LISTENING)
		return -EINVAL;
	while (list_empty(&s->acceptq)) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		err = usock_wait(&s->wq, s->rcvtimeo, &deadline);
		if (err)
			return err;
		if (s->state != US_LISTENING)
			return -EINVAL;
	}
	n = list_entry(s->acceptq.next, struct usock, acc_link);
	*out = usock_file(n, flags);
	if (!*out)
		return -ENFILE;
	list_del(&n->acc_link);
	s->nacc--;
	waitq_wake_all(&s->wq);           /* room in the backlog */
	if (peer)
		unix_getname(*out, true, peer);
	return 0;
}

int unix_shutdown(struct file *f, int how)
{
	struct usock *s = sock_of(f), *p = s->peer;
	int mode;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	mode = how + 1;                   /* SHUT_RD -> RCV_SHUTDOWN ... */
	s->shutdown |= mode;
	waitq_wake_all(&s->wq);
	if (p && s->type != SOCK_DGRAM) {
		int pm = ((mode & RCV_SHUTDOWN) ? SEND_SHUTDOWN : 0) |
			 ((mode & SEND_SHUTDOWN) ? RCV_SHUTDOWN : 0);
		p->shutdown |= pm;
		waitq_wake_all(&p->wq);
	}
	return 0;
}

/* The file is gone (or an embryo is dropped with its listener): tear
 * down the connection like unix_release_sock. Drops the owner's reference. */
static void usock_teardown(struct usock *s, bool embryo)
{
	struct usock *p;
	bool had_data;

	s->dead = true;
	s->shutdown = SHUTDOWN_MASK;
	list_del(&s->bound_link);
	if (s->bind_inode) {
		inode_put(s->bind_inode);
		s->bind_inode = NULL;
	}
	had_data = !list_empty(&s->rcvq);
	while (!list_empty(&s->acceptq)) {
		struct usock *n = list_entry(s->acceptq.next, struct usock, acc_link);

		list_del(&n->acc_link);
		s->nacc--;
		usock_teardown(n, true);  /* resets its client */
	}
	while (!list_empty(&s->rcvq)) {
		struct umsg *m = list_entry(s->rcvq.next, struct umsg, link);
		list_del(&m->link);
		umsg_free(m);
	}
	p = s->peer;
	s->peer = NULL;
	if (p && s->type != SOCK_DGRAM) {
		p->shutdown = SHUTDOWN_MASK;
		if (had_data || embryo)
			p->err = ECONNRESET;
	}
	if (p)
		waitq_wake_all(&p->wq);
	waitq_wake_all(&s->wq);
	usock_put(p);
	usock_put(s);
}

static void unix_release(struct file *f)
{
	struct usock *s = f->priv;

	if (!s)
		return;
	f->priv = NULL;
	usock_teardown(s, false);
}

/* ---- poll, ioctl ------------------------------------------------------------- */

static bool writable(const struct usock *s)
{
	return s->state != US_LISTENING && (s->wmem << 2) <= (uint64_t)s->sndbuf;
}

static uint32_t unix_poll(struct file *f, struct poll_table *pt)
{
	struct usock *s = sock_of(f);
	uint32_t mask = 0;

	poll_wait(pt, &s->wq);
	if (s->err)
		mask |= POLLERR;
	if (s->shutdown == SHUTDOWN_MASK)
		mask |= POLLHUP;
	if (s->shutdown & RCV_SHUTDOWN)
		mask |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (!list_empty(&s->rcvq) || !list_empty(&s->acceptq))
		mask |= POLLIN | POLLRDNORM;
	if (s->type != SOCK_DGRAM && s->state == US_UNCONNECTED)
		mask |= POLLHUP;
	if (writable(s)) {
		struct usock *p = s->peer;

		/* A connected datagram socket waits for room at its peer. */
		if (s->type == SOCK_DGRAM && p && p->peer != s && p->rcv_count > UNIX_DGRAM_QLEN) {
			poll_wait(pt, &p->wq);
			return mask;
		}
		mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	}
	return mask;
}

static long unix_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	struct usock *s = sock_of(f);
	int n = 0;

	switch (cmd) {
	case FIONREAD: {         /* SIOCINQ */
		struct list_head *pos;

		if (s->state == US_LISTENING)
			return -EINVAL;
		list_for_each(pos, &s->rcvq) {
			struct umsg *m = list_entry(pos, struct umsg, link);
			n += (int)(m->len - m->off);
			if (s->type != SOCK_STREAM)
				break;   /* datagram: the next message's size */
		}
		break;
	}
	case TIOCOUTQ:           /* SIOCOUTQ */
		n = (int)s->wmem;
		break;
	default:
		return -ENOTTY;
	}
	return copy_to_user(current->mm, arg, &n, sizeof(n)) ? -EFAULT : 0;
}

static ssize_t unix_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct kiovec v = { (uint64_t)(uintptr_t)buf, len };
	struct uio u = { .iov = &v, .niov = 1 };
	struct recv_out out;
	ssize_t n = unix_recv(current, f, &u, len, 0, &out);

	for (int i = 0; i < out.nfds; i++)
		file_put(out.fds[i]);
	free(out.fds);
	return n;
}

static ssize_t unix_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	struct kiovec v = { (uint64_t)(uintptr_t)buf, len };
	struct uio u = { .iov = &v, .niov = 1 };

	return unix_send(current, f, &u, len, 0, NULL, NULL);
}

static const struct file_ops unix_fops = {
	.read = unix_read,
	.write = unix_write,
	.poll = unix_poll,
	.ioctl = unix_ioctl,
	.release = unix_release,
};

/* ---- options ------------------------------------------------------------------ */

static int put_int(void *val, int *len, int v)
{
	if (*len > (int)sizeof(int))
		*len = sizeof(int);
	memcpy(val, &v, (size_t)*len);
	return 0;
}

static void timeo_to_tv(uint64_t ns, struct timeval *tv)
{
	tv->tv_sec = (time_t)(ns / NSEC_PER_SEC);
	tv->tv_usec = (suseconds_t)(ns % NSEC_PER_SEC / 1000);
}

int unix_getsockopt(struct file *f, int level, int name, void *val, int *len)
{
	struct usock *s = sock_of(f);

	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	switch (name) {
	case SO_TYPE: return put_int(val, len, s->type);
	case SO_ERROR: {
		int e = s->err;

		s->err = 0;
		return put_int(val, len, e);
	}
	case SO_SNDBUF: return put_int(val, len, s->sndbuf);
	case SO_RCVBUF: return put_int(val, len, s->rcvbuf);
	case SO_REUSEADDR: return put_int(val, len, s->reuseaddr);
	case SO_KEEPALIVE: return put_int(val, len, s->keepalive);
	case SO_PASSCRED: return put_int(val, len, s->passcred);
	case SO_DOMAIN: return put_int(val, len, AF_UNIX);
	case SO_PROTOCOL: return put_int(val, len, 0);
	case SO_ACCEPTCONN: return put_int(val, len, s->state == US_LISTENING);
	case SO_BROADCAST: case SO_DONTROUTE: case SO_OOBINLINE: case SO_PRIORITY:
		return put_int(val, len, 0);
	case SO_RCVLOWAT: case SO_SNDLOWAT:
		return put_int(val, len, 1);
	case SO_PEERCRED: {
		struct kucred c = { 0, 65534, 65534 };

		if (s->has_peercred)
			c = s->peercred;
		if (*len > (int)sizeof(c))
			*len = sizeof(c);
		memcpy(val, &c, (size_t)*len);
		return 0;
	}
	case SO_LINGER: {
		struct linger l = { 0, 0 };

		if (*len > (int)sizeof(l))
			*len = sizeof(l);
		memcpy(val, &l, (size_t)*len);
		return 0;
	}
	case SO_RCVTIMEO: case SO_SNDTIMEO: {
		struct timeval tv;

		timeo_to_tv(name == SO_RCVTIMEO ? s->rcvtimeo : s->sndtimeo, &tv);
		if (*len > (int)sizeof(tv))
			*len = sizeof(tv);
		memcpy(val, &tv, (size_t)*len);
		return 0;
	}
	}
	return -ENOPROTOOPT;
}

static int set_timeo(uint64_t *timeo, const void *val, int len)
{
	struct timeval tv;

	if (len < (int)sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0) {
		*timeo = 0;
		return 0;
	}
	*timeo = (uint64_t)tv.tv_sec * NSEC_PER_SEC + (uint64_t)tv.tv_usec * 1000;
	return 0;
}

int unix_setsockopt(struct task *t, struct file *f, int level, int name, const void *val, int len)
{
	struct usock *s = sock_of(f);
	int v = 0;

	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (name == SO_RCVTIMEO || name == SO_SNDTIMEO)
		return set_timeo(name == SO_RCVTIMEO ? &s->rcvtimeo : &s->sndtimeo, val, len);
	if (name == SO_LINGER)
		return len < (int)sizeof(struct linger) ? -EINVAL : 0;
	if (len < (int)sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	switch (name) {
	case SO_SNDBUF:
		v = v < 0 ? 0 : v > UNIX_MAX_BUF ? UNIX_MAX_BUF : v;
		s->sndbuf = v * 2 > SOCK_MIN_SNDBUF ? v * 2 : SOCK_MIN_SNDBUF;
		waitq_wake_all(&s->wq);
		return 0;
	case SO_RCVBUF:
		v = v < 0 ? 0 : v > UNIX_MAX_BUF ? UNIX_MAX_BUF : v;
		s->rcvbuf = v * 2 > SOCK_MIN_RCVBUF ? v * 2 : SOCK_MIN_RCVBUF;
		return 0;
	case SO_REUSEADDR: s->reuseaddr = v != 0; return 0;
	case SO_KEEPALIVE: s->keepalive = v != 0; return 0;
	case SO_PASSCRED: s->passcred = v != 0; return 0;
	case SO_BROADCAST: case SO_DONTROUTE: case SO_OOBINLINE: case SO_PRIORITY:
	case SO_RCVLOWAT:
		return 0;
	}
	return -ENOPROTOOPT;
}
