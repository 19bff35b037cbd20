/*
 * Anonymous pipes: one ring buffer shared by a read file and a write file.
 *
 * Linux semantics: reads block while empty and a writer exists, return 0 at
 * EOF; writes block while full; writes of at most PIPE_BUF bytes go in whole
 * or not at all; writing with no reader raises SIGPIPE and fails with EPIPE.
 * O_DIRECT ("packet mode", pipe2) keeps write boundaries: each write of up
 * to PIPE_BUF bytes is one packet and a read returns at most one packet,
 * discarding what does not fit. The buffer is allocated on first write.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "vfs/vfs.h"
#include "vfs/pipe/pipe.h"
#include "sentry/task.h"
#include "sentry/signal.h"
#include "sentry/mm.h"

#define CAP_SYS_RESOURCE 24

struct pipe {
	uint8_t *buf;            /* NULL until the first write */
	size_t cap;              /* bytes: a power-of-two number of pages */
	size_t head, len;        /* ring: read offset and bytes buffered */
	bool packet;             /* O_DIRECT packet mode */
	uint32_t *pkt;           /* packet lengths ring, one slot per page */
	size_t pkt_head, pkt_n;
	int readers, writers;
	struct waitq rd_wait;    /* readers wait for data or the last writer */
	struct waitq wr_wait;    /* writers wait for space or the last reader */
};

static struct super_block pipefs_sb = {
	.fstype = "pipefs",
	.dev = 12,               /* an anonymous device number, like Linux 0:12 */
	.magic = PIPEFS_MAGIC,
	.next_ino = 1,
};

static const struct file_ops pipe_fops;

bool file_is_pipe(const struct file *f)
{
	return f && f->fops == &pipe_fops;
}

static struct pipe *pipe_of(struct file *f)
{
	return f->priv;
}

static size_t pipe_slots(const struct pipe *p)
{
	return p->cap / PAGE_SIZE;
}

static size_t pipe_space(const struct pipe *p)
{
	if (p->packet && p->pkt_n == pipe_slots(p))
		return 0;
	return p->cap - p->len;
}

static int pipe_alloc_buf(struct pipe *p)
{
	if (p->buf)
		return 0;
	p->buf = malloc(p->cap);
	p->pkt = calloc(pipe_slots(p), sizeof(*p->pkt));
	if (!p->buf || !p->pkt) {
		free(p->buf);
		free(p->pkt);
		p->buf = NULL;
		p->pkt = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void ring_put(struct pipe *p, const uint8_t *src, size_t n)
{
	size_t tail = (p->head + p->len) % p->cap;
	size_t first = n < p->cap - tail ? n : p->cap - tail;

	memcpy(p->buf + tail, src, first);
	memcpy(p->buf, src + first, n - first);
	p->len += n;
}

/* Take n bytes from the front; dst may be NULL to discard. */
static void ring_get(struct pipe *p, uint8_t *dst, size_t n)
{
	size_t first = n < p->cap - p->head ? n : p->cap - p->head;

	if (dst) {
		memcpy(dst, p->buf + p->head, first);
		memcpy(dst + first, p->buf, n - first);
	}
	p->head = (p->head + n) % p->cap;
	p->len -= n;
	if (!p->len)
		p->head = 0;
}

static ssize_t pipe_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
	struct pipe *p = pipe_of(f);
	struct waiter w;
	bool waiting = false;
	ssize_t ret;

	if (!n)
		return 0;
	for (;;) {
		if (p->len) {
			size_t take = n < p->len ? n : p->len;

			if (p->packet && p->pkt_n) {
				size_t pl = p->pkt[p->pkt_head];

				take = n < pl ? n : pl;
				ring_get(p, buf, take);
				ring_get(p, NULL, pl - take);
				p->pkt_head = (p->pkt_head + 1) % pipe_slots(p);
				p->pkt_n--;
			} else {
				ring_get(p, buf, take);
			}
			waitq_wake_all(&p->wr_wait);
			ret = (ssize_t)take;
			break;
		}
		if (!p->writers) {
			ret = 0;
			break;
		}
		if (f->flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		if (!waiting) {
			/* Queue first, then re-check: no wake-up is lost. */
			waitq_add(&p->rd_wait, &w, current);
			waiting = true;
			continue;
		}
		if (task_sleep(current, 0)) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	if (waiting)
		waitq_remove(&w);
	return ret;
}

static void send_sigpipe(void)
{
	struct ksiginfo info = { .si_signo = SIGPIPE, .si_code = SI_USER };

	if (!current)
		return;
	info.u.kill.pid = current->tg ? current->tg->tgid : current->tid;
	info.u.kill.uid = current->cred.uid;
	send_signal_thread(current, &info);
}

static ssize_t pipe_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
	struct pipe *p = pipe_of(f);
	const uint8_t *src = buf;
	bool atomic = n <= PIPE_BUF_ATOMIC;
	size_t done = 0;
	struct waiter w;
	bool waiting = false;
	ssize_t ret;

	if (!n)
		return 0;
	for (;;) {
		size_t want = n - done, space, chunk;

		if (!p->readers) {
			send_sigpipe();
			ret = done ? (ssize_t)done : -EPIPE;
			break;
		}
		if (pipe_alloc_buf(p)) {
			ret = done ? (ssize_t)done : -ENOMEM;
			break;
		}
		space = pipe_space(p);
		if (atomic)
			chunk = space >= want ? want : 0;
		else
			chunk = space < want ? space : want;
		if (p->packet && chunk > PIPE_BUF_ATOMIC)
			chunk = PIPE_BUF_ATOMIC;
		if (chunk) {
			ring_put(p, src + done, chunk);
			if (p->packet) {
				p->pkt[(p->pkt_head + p->pkt_n) % pipe_slots(p)] = (uint32_t)chunk;
				p->pkt_n++;
			}
			done += chunk;
			waitq_wake_all(&p->rd_wait);
			if (done == n) {
				ret = (ssize_t)done;
				break;
			}
			continue;
		}
		if (f->flags & O_NONBLOCK) {
			ret = done ? (ssize_t)done : -EAGAIN;
			break;
		}
		if (!waiting) {
			waitq_add(&p->wr_wait, &w, current);
			waiting = true;
			continue;
		}
		if (task_sleep(current, 0)) {
			ret = done ? (ssize_t)done : -ERESTARTSYS;
			break;
		}
	}
	if (waiting)
		waitq_remove(&w);
	return ret;
}

static uint32_t pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = pipe_of(f);
	int acc = f->flags & O_ACCMODE;
	uint32_t mask = 0;

	if (pt) {
		if (acc != O_WRONLY)
			poll_wait(pt, &p->rd_wait);
		if (acc != O_RDONLY)
			poll_wait(pt, &p->wr_wait);
	}
	if (acc != O_WRONLY) {
		if (p->len)
			mask |= POLLIN | POLLRDNORM;
		if (!p->writers)
			mask |= POLLHUP;
	}
	if (acc != O_RDONLY) {
		/* Writable once an atomic write fits, as Linux's free-slot rule. */
		if (pipe_space(p) >= PIPE_BUF_ATOMIC)
			mask |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			mask |= POLLERR;
	}
	return mask;
}

static long pipe_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	struct pipe *p = pipe_of(f);
	int n;

	/* sys_fcntl routes F_GETPIPE_SZ / F_SETPIPE_SZ here (same numbers). */
	if (cmd == F_GETPIPE_SZ)
		return pipe_get_size(f);
	if (cmd == F_SETPIPE_SZ)
		return pipe_set_size(f, arg);
	if (cmd != FIONREAD)
		return -ENOTTY;
	n = (int)p->len;
	return copy_to_user(current->mm, arg, &n, sizeof(n)) ? -EFAULT : 0;
}

static void pipe_free(struct pipe *p)
{
	free(p->buf);
	free(p->pkt);
	free(p);
}

static void pipe_release(struct file *f)
{
	struct pipe *p = pipe_of(f);
	int acc = f->flags & O_ACCMODE;

	if (!p)
		return;
	if (acc != O_WRONLY)
		p->readers--;
	if (acc != O_RDONLY)
		p->writers--;
	f->priv = NULL;
	waitq_wake_all(&p->rd_wait);
	waitq_wake_all(&p->wr_wait);
	if (!p->readers && !p->writers) {
		if (f->inode)
			f->inode->priv = NULL;
		pipe_free(p);
	}
}

static const struct file_ops pipe_fops = {
	.read = pipe_read,
	.write = pipe_write,
	.poll = pipe_poll,
	.ioctl = pipe_ioctl,
	.release = pipe_release,
};

/* pipe-max-size applies unless CAP_SYS_RESOURCE; sizes round up to a
 * power-of-two number of pages, at least one. */
long pipe_set_size(struct file *f, unsigned long size)
{
	struct pipe *p;
	size_t pages = 1, cap, slots;
	uint8_t *nbuf = NULL;
	uint32_t *npkt = NULL;

	if (!file_is_pipe(f) || !(p = pipe_of(f)))
		return -EBADF;
	if (size > (1ul << 31))
		return -EINVAL;
	while (pages * PAGE_SIZE < size)
		pages <<= 1;
	cap = pages * PAGE_SIZE;
	if (cap > PIPE_MAX_SIZE && !(current && (current->cred.cap_effective & (1ull << CAP_SYS_RESOURCE))))
		return -EPERM;
	slots = cap / PAGE_SIZE;
	if (p->len > cap || (p->packet && p->pkt_n > slots))
		return -EBUSY;
	if (cap == p->cap)
		return (long)cap;
	if (p->buf) {
		nbuf = malloc(cap);
		npkt = calloc(slots, sizeof(*npkt));
		if (!nbuf || !npkt) {
			free(nbuf);
			free(npkt);
			return -ENOMEM;
		}
		for (size_t i = 0; i < p->pkt_n; i++)
			npkt[i] = p->pkt[(p->pkt_head + i) % pipe_slots(p)];
		size_t len = p->len;
		ring_get(p, nbuf, len);
		free(p->buf);
		free(p->pkt);
		p->buf = nbuf;
		p->pkt = npkt;
		p->len = len;
		p->head = 0;
		p->pkt_head = 0;
	}
	p->cap = cap;
	waitq_wake_all(&p->wr_wait);
	return (long)cap;
}

long pipe_get_size(struct file *f)
{
	if (!file_is_pipe(f) || !pipe_of(f))
		return -EBADF;
	return (long)pipe_of(f)->cap;
}

int pipe_create(int flags, struct file **rd, struct file **wr)
{
	struct pipe *p;
	struct inode *ino;
	struct timespec now;
	uint64_t ns;
	int fl = flags & (O_NONBLOCK | O_DIRECT);

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->cap = PIPE_DEF_SIZE;
	p->packet = flags & O_DIRECT;
	waitq_init(&p->rd_wait);
	waitq_init(&p->wr_wait);
	ino = inode_new(&pipefs_sb, S_IFIFO | 0600);
	if (!ino) {
		free(p);
		return -ENFILE;
	}
	ns = now_real_ns();
	now.tv_sec = (time_t)(ns / 1000000000u);
	now.tv_nsec = (long)(ns % 1000000000u);
	ino->atime = ino->mtime = ino->ctime = ino->btime = now;
	ino->nlink = 1;
	if (current) {
		ino->uid = current->cred.fsuid;
		ino->gid = current->cred.fsgid;
	}
	ino->fops = &pipe_fops;
	ino->priv = p;
	*rd = file_new_anon(ino, &pipe_fops, O_RDONLY | fl);
	*wr = *rd ? file_new_anon(ino, &pipe_fops, O_WRONLY | fl) : NULL;
	if (!*wr) {
		if (*rd)
			file_put(*rd);   /* priv unset: release is a no-op */
		inode_put(ino);
		free(p);
		return -ENFILE;
	}
	(*rd)->priv = p;
	(*wr)->priv = p;
	p->readers = p->writers = 1;
	inode_put(ino);          /* the files hold their own references */
	return 0;
}
