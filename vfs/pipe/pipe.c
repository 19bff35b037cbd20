/*
 * Anonymous pipes: one ring buffer shared by a read file and a write file.
 *
 * Linux semantics: reads block while empty and a writer exists, return 0 at
 * EOF; writes block while full; writes of at most PIPE_BUF bytes go in whole
 * or not at all; writing with no reader raises SIGPIPE and fails with EPIPE.
 * O_DIRECT ("packet mode", pipe2) keeps write boundaries: each write of up
 * to PIPE_BUF bytes is one packet and a read returns at most one packet,
 * discarding what does not fit. The buffer is allocated on first write.
 *
 * Named FIFOs use the same object, found through the FIFO's inode while any
 * end is open (fifo_open), with Linux's open rendezvous: a reader waits for
 * a writer and a writer for a reader, unless O_NONBLOCK or O_RDWR.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "vfs/vfs.h"
#include "vfs/pipe/pipe.h"
#include "vfs/vfs_impl.h"
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
	unsigned r_counter, w_counter;  /* opens so far, for the FIFO rendezvous */
	struct waitq rd_wait;    /* readers wait for data or the last writer */
	struct waitq wr_wait;    /* writers wait for space or the last reader */
	struct inode *fifo;      /* named FIFO's inode, NULL for pipe(2) */
	struct list_head fifo_link;
};

/* One open end: file->priv. */
struct pipe_end {
	struct pipe *p;
	unsigned w_seen;         /* w_counter at open: POLLHUP only after a writer came */
};

static struct list_head fifos = LIST_HEAD_INIT(fifos);

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
	struct pipe_end *e = f->priv;

	return e ? e->p : NULL;
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
		int err = waitq_wait_step(&p->rd_wait, &w, &waiting, current);
		if (err) {
			ret = err;
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
		int err = waitq_wait_step(&p->wr_wait, &w, &waiting, current);
		if (err) {
			ret = done ? (ssize_t)done : err;
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
		if (!p->writers && ((struct pipe_end *)f->priv)->w_seen != p->w_counter)
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

static struct pipe *pipe_alloc(bool packet)
{
	struct pipe *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->cap = PIPE_DEF_SIZE;
	p->packet = packet;
	waitq_init(&p->rd_wait);
	waitq_init(&p->wr_wait);
	list_init(&p->fifo_link);
	return p;
}

static void pipe_free(struct pipe *p)
{
	list_del(&p->fifo_link);
	free(p->buf);
	free(p->pkt);
	free(p);
}

static void pipe_release(struct file *f)
{
	struct pipe_end *e = f->priv;
	struct pipe *p = e ? e->p : NULL;
	int acc = f->flags & O_ACCMODE;

	if (!p)
		return;
	if (acc != O_WRONLY)
		p->readers--;
	if (acc != O_RDONLY)
		p->writers--;
	free(e);
	f->priv = NULL;
	waitq_wake_all(&p->rd_wait);
	waitq_wake_all(&p->wr_wait);
	if (!p->readers && !p->writers)
		pipe_free(p);
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
	struct pipe *p = pipe_alloc(flags & O_DIRECT);
	struct pipe_end *re = calloc(1, sizeof(*re)), *we = calloc(1, sizeof(*we));
	struct inode *ino = inode_new(&pipefs_sb, S_IFIFO | 0600);
	int fl = flags & (O_NONBLOCK | O_DIRECT);
	struct timespec now;
	uint64_t ns;

	*rd = *wr = NULL;
	if (!p || !re || !we || !ino)
		goto fail;
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
	ino->iops = &simple_attr_iops;
	*rd = file_new_anon(ino, &pipe_fops, O_RDONLY | fl);
	*wr = file_new_anon(ino, &pipe_fops, O_WRONLY | fl);
	if (!*rd || !*wr)
		goto fail;
	re->p = we->p = p;
	(*rd)->priv = re;
	(*wr)->priv = we;
	p->readers = p->writers = 1;
	p->r_counter = p->w_counter = 1;
	inode_put(ino);          /* the files hold their own references */
	return 0;
fail:
	if (*rd)
		file_put(*rd);       /* priv unset: release is a no-op */
	if (*wr)
		file_put(*wr);
	*rd = *wr = NULL;
	if (ino)
		inode_put(ino);
	free(re);
	free(we);
	if (p)
		pipe_free(p);
	return -ENFILE;
}

/* Sleep until *counter moves (a partner opened the FIFO). */
static int fifo_wait_partner(unsigned *counter, struct waitq *wq)
{
	unsigned seen = *counter;
	struct waiter w;
	int err = 0;

	waitq_add(wq, &w, current);
	while (*counter == seen) {
		if (task_sleep(current, 0)) {
			err = -ERESTARTSYS;
			break;
		}
	}
	waitq_remove(&w);
	return err;
}

int fifo_open(struct inode *inode, struct file *f)
{
	struct list_head *pos;
	struct pipe *p = NULL;
	struct pipe_end *e;
	int acc = f->flags & O_ACCMODE, err = 0;

	if (acc == O_ACCMODE)
		return -EINVAL;
	list_for_each(pos, &fifos) {
		struct pipe *q = list_entry(pos, struct pipe, fifo_link);
		if (q->fifo == inode) {
			p = q;
			break;
		}
	}
	if (acc == O_WRONLY && (f->flags & O_NONBLOCK) && (!p || !p->readers))
		return -ENXIO;
	e = calloc(1, sizeof(*e));
	if (!p && e && (p = pipe_alloc(false))) {
		p->fifo = inode;
		list_add_tail(&p->fifo_link, &fifos);
	}
	if (!e || !p) {
		free(e);
		return -ENOMEM;
	}
	e->p = p;
	f->priv = e;
	f->fops = &pipe_fops;
	if (acc != O_WRONLY) {
		p->readers++;
		p->r_counter++;
	}
	if (acc != O_RDONLY) {
		p->writers++;
		p->w_counter++;
	}
	e->w_seen = p->w_counter;
	waitq_wake_all(&p->rd_wait);
	waitq_wake_all(&p->wr_wait);
	if (acc == O_RDONLY && !p->writers && !(f->flags & O_NONBLOCK))
		err = fifo_wait_partner(&p->w_counter, &p->rd_wait);
	else if (acc == O_WRONLY && !p->readers)
		err = fifo_wait_partner(&p->r_counter, &p->wr_wait);
	if (err)
		pipe_release(f);     /* the caller drops f without calling release */
	return err;
}

long pipe_buffered(struct file *f)
{
	return file_is_pipe(f) && pipe_of(f) ? (long)pipe_of(f)->len : -EBADF;
}

long pipe_room(struct file *f)
{
	return file_is_pipe(f) && pipe_of(f) ? (long)pipe_space(pipe_of(f)) : -EBADF;
}

/* Copy n bytes starting at the read position of src into dst's ring. */
static void ring_copy(struct pipe *dst, const struct pipe *src, size_t n)
{
	size_t at = src->head, first = n < src->cap - at ? n : src->cap - at;

	ring_put(dst, src->buf + at, first);
	ring_put(dst, src->buf, n - first);
}

long pipe_tee(struct file *in, struct file *out, size_t len, bool nonblock)
{
	struct pipe *pi = pipe_of(in), *po = pipe_of(out);
	struct waiter wi, wo;
	bool waiting = false;
	long ret;

	if (!file_is_pipe(in) || !file_is_pipe(out) || !pi || !po)
		return -EINVAL;
	if (pi == po)
		return -EINVAL;
	for (;;) {
		if (!po->readers) {
			send_sigpipe();
			ret = -EPIPE;
			break;
		}
		if (!pi->len && !pi->writers) {
			ret = 0;
			break;
		}
		size_t room = pipe_space(po);
		if (pi->len && room && !pipe_alloc_buf(po)) {
			size_t n = len < pi->len ? len : pi->len;
			if (n > room)
				n = room;
			ring_copy(po, pi, n);
			if (po->packet) {
				po->pkt[(po->pkt_head + po->pkt_n) % pipe_slots(po)] = (uint32_t)n;
				po->pkt_n++;
			}
			waitq_wake_all(&po->rd_wait);
			ret = (long)n;
			break;
		}
		if (nonblock) {
			ret = -EAGAIN;
			break;
		}
		if (!waiting) {
			waitq_add(&pi->rd_wait, &wi, current);
			waitq_add(&po->wr_wait, &wo, current);
			waiting = true;
			continue;
		}
		if (task_sleep(current, 0)) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	if (waiting) {
		waitq_remove(&wi);
		waitq_remove(&wo);
	}
	return ret;
}
