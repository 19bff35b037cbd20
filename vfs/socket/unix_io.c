/*
 * Unix socket data transfer (unix_stream_sendmsg / unix_dgram_sendmsg /
 * the read_generic paths in Linux terms).
 *
 * A message is charged to its sender's wmem until the receiver consumes
 * it; a sender waits while wmem >= SO_SNDBUF, which bounds every queue.
 * Datagrams also wait while an unconnected-back receiver holds more than
 * max_dgram_qlen messages. Stream reads cross message boundaries and stop
 * after a message that carried descriptors; datagram and seqpacket reads
 * return one message (MSG_TRUNC when it did not fit).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include "vfs/socket/unix_sock.h"
#include "vfs/vfs_impl.h"
#include "sentry/task.h"

static int inflight;             /* files referenced by queued messages */

int unix_inflight_reserve(struct task *t, int n)
{
	if (inflight + n > fd_limit(t))
		return -ETOOMANYREFS;
	inflight += n;
	return 0;
}

void unix_inflight_release(int n)
{
	inflight -= n;
}

void umsg_free(struct umsg *m)
{
	struct usock *from = m->from;

	unix_inflight_release(m->scm.nfds);
	scm_destroy(&m->scm);
	free(m->addr);
	if (from) {
		from->wmem -= m->len;
		waitq_wake_all(&from->wq);
		usock_put(from);
	}
	free(m);
}

/* Make a message of n bytes from u, charged to s. */
static int umsg_new(struct usock *s, struct uio *u, size_t n, struct umsg **out)
{
	struct umsg *m = calloc(1, sizeof(*m) + n);

	if (!m)
		return -ENOMEM;
	if (uio_copy_in(u, m->data, n)) {
		free(m);
		return -EFAULT;
	}
	m->len = n;
	m->cred = current_kucred();
	if (s->addr && (m->addr = malloc(sizeof(*m->addr))))
		*m->addr = *s->addr;
	m->from = s;
	usock_get(s);
	s->wmem += n;
	*out = m;
	return 0;
}

static void enqueue(struct usock *to, struct umsg *m, struct scm *scm)
{
	if (scm) {
		m->scm = *scm;
		if (scm->has_cred)
			m->cred = scm->cred;
		memset(scm, 0, sizeof(*scm));
	}
	list_add_tail(&m->link, &to->rcvq);
	to->rcv_count++;
	waitq_wake_all(&to->wq);
}

static ssize_t pipe_error(size_t sent, int flags)
{
	if (!sent && !(flags & MSG_NOSIGNAL))
		send_sigpipe();
	return sent ? (ssize_t)sent : -EPIPE;
}

static bool nonblocking(struct file *f, int flags)
{
	return (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
}

static ssize_t stream_send(struct file *f, struct usock *s, struct uio *u, size_t len, int flags,
			   const struct uaddr *to, struct scm *scm)
{
	uint64_t deadline = 0;
	size_t sent = 0;

	if (to)
		return s->state == US_CONNECTED ? -EISCONN : -EOPNOTSUPP;
	if (s->state != US_CONNECTED || !s->peer)
		return -ENOTCONN;
	if (s->shutdown & SEND_SHUTDOWN)
		return pipe_error(0, flags);
	do {
		struct usock *p = s->peer;
		size_t chunk = len - sent;
		struct umsg *m;
		int err;

		if (!p || p->dead || (p->shutdown & RCV_SHUTDOWN))
			return pipe_error(sent, flags);
		if (s->wmem >= (uint64_t)s->sndbuf) {
			if (nonblocking(f, flags))
				return sent ? (ssize_t)sent : -EAGAIN;
			err = usock_wait(&s->wq, s->sndtimeo, &deadline);
			if (err)
				return sent ? (ssize_t)sent : err;
			if (s->shutdown & SEND_SHUTDOWN)
				return pipe_error(sent, flags);
			continue;
		}
		if (chunk > (size_t)(s->sndbuf / 2 - 64))
			chunk = (size_t)(s->sndbuf / 2 - 64);
		if (chunk > UNIX_CHUNK)
			chunk = UNIX_CHUNK;
		err = umsg_new(s, u, chunk, &m);
		if (err)
			return sent ? (ssize_t)sent : err;
		enqueue(p, m, sent ? NULL : scm);
		sent += chunk;
	} while (sent < len);
	return (ssize_t)sent;
}

static ssize_t dgram_send(struct task *t, struct file *f, struct usock *s, struct uio *u,
			  size_t len, int flags, const struct uaddr *to, struct scm *scm)
{
	uint64_t deadline = 0;
	struct usock *p;
	struct umsg *m;
	int err;

	if (s->type == SOCK_SEQPACKET) {
		if (s->state != US_CONNECTED)
			return -ENOTCONN;
		to = NULL;               /* the address is ignored */
		if (s->shutdown & SEND_SHUTDOWN)
			return pipe_error(0, flags);
	}
	if (to) {
		err = unix_addr_check(to);
		if (err)
			return err;
	} else if (!s->peer) {
		return -ENOTCONN;
	}
	if (len > (size_t)s->sndbuf - 32)
		return -EMSGSIZE;
	for (;;) {
		if (to) {
			err = unix_lookup(t, to, s->type, &p);
			if (err)
				return err;
		} else {
			p = s->peer;
			if (!p)
				return -ENOTCONN;
			usock_get(p);
		}
		err = 0;
		if (p->dead) {
			if (s->type == SOCK_SEQPACKET) {
				err = (int)pipe_error(0, flags);
			} else {
				if (p == s->peer) {      /* unix_dgram_disconnected */
					usock_put(s->peer);
					s->peer = NULL;
					s->state = US_UNCONNECTED;
				}
				err = -ECONNREFUSED;
			}
		} else if (p->peer && p->peer != s && s->type == SOCK_DGRAM) {
			err = -EPERM;            /* it only talks to its own peer */
		} else if (p->shutdown & RCV_SHUTDOWN) {
			err = (int)pipe_error(0, flags);
		} else if (s->wmem < (uint64_t)s->sndbuf &&
			   (p->peer == s || p->rcv_count <= UNIX_DGRAM_QLEN)) {
			break;                   /* room: send */
		} else if (nonblocking(f, flags)) {
			err = -EAGAIN;
		} else {
			/* Wait for our wmem to drain or the receiver to read. */
			struct waiter w;

			waitq_add(&s->wq, &w, current);
			err = usock_wait(&p->wq, s->sndtimeo, &deadline);
			waitq_remove(&w);
		}
		usock_put(p);
		if (err)
			return err;
	}
	err = umsg_new(s, u, len, &m);
	if (!err)
		enqueue(p, m, scm);
	usock_put(p);
	return err ? err : (ssize_t)len;
}

ssize_t unix_send(struct task *t, struct file *f, struct uio *u, size_t len, int flags,
		  const struct uaddr *to, struct scm *scm)
{
	struct usock *s = sock_of(f);

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (s->type == SOCK_STREAM)
		return stream_send(f, s, u, len, flags, to, scm);
	return dgram_send(t, f, s, u, len, flags, to, scm);
}

/* Hand the message's descriptors and credentials to out (peek: copies). */
static void take_scm(struct usock *s, struct umsg *m, bool peek, struct recv_out *out)
{
	if (s->passcred) {
		out->has_cred = true;
		out->cred = m->cred;
	}
	if (!m->scm.nfds || out->nfds)
		return;
	if (peek) {
		out->fds = malloc(sizeof(*out->fds) * (size_t)m->scm.nfds);
		if (!out->fds)
			return;
		for (int i = 0; i < m->scm.nfds; i++) {
			out->fds[i] = m->scm.fds[i];
			file_get(out->fds[i]);
		}
		out->nfds = m->scm.nfds;
		return;
	}
	out->fds = m->scm.fds;
	out->nfds = m->scm.nfds;
	unix_inflight_release(m->scm.nfds);
	m->scm.fds = NULL;
	m->scm.nfds = 0;
}

static void dequeue(struct usock *s, struct umsg *m)
{
	list_del(&m->link);
	s->rcv_count--;
	umsg_free(m);
	waitq_wake_all(&s->wq);
}

static void copy_addr(struct recv_out *out, const struct umsg *m)
{
	if (m->addr)
		out->addr = *m->addr;
}

/* Wait for something to read: 0 to look again, 1 for EOF, or -errno. */
static int recv_wait(struct file *f, struct usock *s, int flags, uint64_t *deadline)
{
	if (s->err) {
		int e = s->err;

		s->err = 0;
		return -e;
	}
	if (s->shutdown & RCV_SHUTDOWN)
		return 1;
	if (nonblocking(f, flags))
		return -EAGAIN;
	return usock_wait(&s->wq, s->rcvtimeo, deadline);
}

static ssize_t stream_recv(struct file *f, struct usock *s, struct uio *u, size_t len, int flags,
			   struct recv_out *out)
{
	bool peek = flags & MSG_PEEK;
	size_t copied = 0, target = (flags & MSG_WAITALL) ? len : 1;
	uint64_t deadline = 0;
	struct list_head *pos, *nx;

	if (s->state != US_CONNECTED)
		return -EINVAL;
	if (!len)
		return 0;
	for (;;) {
		if (list_empty(&s->rcvq)) {
			int err;

			if (copied >= target)
				break;
			err = recv_wait(f, s, flags, &deadline);
			if (err)
				return copied ? (ssize_t)copied : err > 0 ? 0 : err;
			continue;
		}
		list_for_each_safe(pos, nx, &s->rcvq) {
			struct umsg *m = list_entry(pos, struct umsg, link);
			size_t n = m->len - m->off < len - copied ? m->len - m->off : len - copied;
			bool had_fds = m->scm.nfds > 0;

			if (uio_copy_out(u, m->data + m->off, n))
				return copied ? (ssize_t)copied : -EFAULT;
			if (!copied)
				copy_addr(out, m);
			copied += n;
			take_scm(s, m, peek, out);
			if (!peek) {
				m->off += n;
				if (m->off == m->len)
					dequeue(s, m);
			}
			if (had_fds || copied == len)
				return (ssize_t)copied;
		}
		if (peek)
			break;           /* peeked at everything queued */
	}
	return (ssize_t)copied;
}

static ssize_t dgram_recv(struct file *f, struct usock *s, struct uio *u, size_t len, int flags,
			  struct recv_out *out)
{
	uint64_t deadline = 0;
	struct umsg *m;
	size_t n;

	if (s->type == SOCK_SEQPACKET && s->state != US_CONNECTED)
		return -ENOTCONN;
	while (list_empty(&s->rcvq)) {
		int err = recv_wait(f, s, flags, &deadline);

		if (err)
			return err > 0 ? 0 : err;
	}
	m = list_entry(s->rcvq.next, struct umsg, link);
	n = m->len < len ? m->len : len;
	if (uio_copy_out(u, m->data, n))
		return -EFAULT;
	if (m->len > len)
		out->msg_flags |= MSG_TRUNC;
	copy_addr(out, m);
	take_scm(s, m, flags & MSG_PEEK, out);
	n = (flags & MSG_TRUNC) ? m->len : n;
	if (!(flags & MSG_PEEK))
		dequeue(s, m);
	return (ssize_t)n;
}

ssize_t unix_recv(struct task *t, struct file *f, struct uio *u, size_t len, int flags,
		  struct recv_out *out)
{
	struct usock *s = sock_of(f);

	memset(out, 0, sizeof(*out));
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (s->type == SOCK_STREAM)
		return stream_recv(f, s, u, len, flags, out);
	return dgram_recv(f, s, u, len, flags, out);
}
