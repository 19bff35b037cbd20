/* Pipe semantics through the file ops, with fake vfs/task/signal layers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "vfs/vfs.h"
#include "vfs/pipe/pipe.h"
#include "sentry/task.h"
#include "fake_pipe_deps.h"

static struct thread_group tg = { .tgid = 42 };
static struct task task = { .tid = 43, .tg = &tg, .cred = { .uid = 1000, .fsuid = 1000, .fsgid = 100 } };
static struct file *rd, *wr;

static void setup_flags(int flags)
{
	memset(&fake_log, 0, sizeof(fake_log));
	current = &task;
	cr_assert_eq(pipe_create(flags, &rd, &wr), 0);
}

static void setup(void) { setup_flags(0); }
static void setup_nb(void) { setup_flags(O_NONBLOCK); }

static void teardown(void)
{
	if (rd)
		file_put(rd);
	if (wr)
		file_put(wr);
	rd = wr = NULL;
	cr_assert_eq(fake_log.inodes_live, 0, "inode leaked");
}

static ssize_t wr_bytes(size_t n, uint8_t seed)
{
	static uint8_t buf[1 << 20];

	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(seed + i);
	return wr->fops->write(wr, buf, n, &wr->pos);
}

static ssize_t rd_bytes(void *buf, size_t n)
{
	return rd->fops->read(rd, buf, n, &rd->pos);
}

static void close_rd(void) { file_put(rd); rd = NULL; }
static void close_wr(void) { file_put(wr); wr = NULL; }

Test(pipe, inode_is_fifo, .init = setup, .fini = teardown)
{
	cr_assert_eq(rd->inode, wr->inode);
	cr_assert_eq(rd->inode->mode, S_IFIFO | 0600);
	cr_assert_eq(rd->inode->sb->magic, PIPEFS_MAGIC);
	cr_assert_eq(rd->inode->uid, 1000);
	cr_assert_eq(rd->flags & O_ACCMODE, O_RDONLY);
	cr_assert_eq(wr->flags & O_ACCMODE, O_WRONLY);
	cr_assert(file_is_pipe(rd) && file_is_pipe(wr));
	cr_assert_eq(pipe_get_size(rd), 65536);
}

Test(pipe, fill_and_drain, .init = setup_nb, .fini = teardown)
{
	size_t total = 0;
	ssize_t n;
	uint8_t buf[70000];

	/* 1000-byte writes are atomic: the last 536 bytes of space stay free. */
	while ((n = wr_bytes(1000, (uint8_t)total)) > 0)
		total += (size_t)n;
	cr_assert_eq(n, -EAGAIN);
	cr_assert_eq(total, 65000);
	cr_assert_eq(wr_bytes(536, (uint8_t)total), 536);
	total += 536;
	cr_assert_eq(wr_bytes(1, 0), -EAGAIN);
	cr_assert_eq(rd_bytes(buf, sizeof(buf)), 65536);
	for (size_t i = 0; i < 65536; i++) {
		size_t chunk_start = i < 65000 ? i / 1000 * 1000 : 65000;
		cr_assert_eq(buf[i], (uint8_t)(chunk_start + (i - chunk_start)), "byte %zu", i);
	}
	cr_assert_eq(rd_bytes(buf, 1), -EAGAIN);
}

Test(pipe, wraps_around, .init = setup_nb, .fini = teardown)
{
	uint8_t buf[65536];

	cr_assert_eq(wr_bytes(60000, 1), 60000);
	cr_assert_eq(rd_bytes(buf, 50000), 50000);
	cr_assert_eq(wr_bytes(50000, 7), 50000);   /* wraps the ring */
	cr_assert_eq(rd_bytes(buf, 10000), 10000);
	for (int i = 0; i < 10000; i++)
		cr_assert_eq(buf[i], (uint8_t)(1 + 50000 + i));
	cr_assert_eq(rd_bytes(buf, sizeof(buf)), 50000);
	for (int i = 0; i < 50000; i++)
		cr_assert_eq(buf[i], (uint8_t)(7 + i));
}

Test(pipe, eof_after_writer_close, .init = setup, .fini = teardown)
{
	char buf[32];

	cr_assert_eq(wr_bytes(10, 0), 10);
	close_wr();
	cr_assert_eq(rd_bytes(buf, sizeof(buf)), 10);
	cr_assert_eq(rd_bytes(buf, sizeof(buf)), 0);
	cr_assert_eq(fake_log.sleeps, 0);
}

Test(pipe, eagain_when_nonblocking, .init = setup_nb, .fini = teardown)
{
	char c;

	cr_assert_eq(rd_bytes(&c, 1), -EAGAIN);
	cr_assert_eq(fake_log.sleeps, 0);
}

Test(pipe, blocking_read_interrupted, .init = setup, .fini = teardown)
{
	char c;

	cr_assert_eq(rd_bytes(&c, 1), -ERESTARTSYS);
	cr_assert_eq(fake_log.sleeps, 1);
}

Test(pipe, epipe_and_sigpipe, .init = setup, .fini = teardown)
{
	close_rd();
	cr_assert_eq(wr_bytes(5, 0), -EPIPE);
	cr_assert_eq(fake_log.signals, 1);
	cr_assert_eq(fake_log.last_target, &task);
	cr_assert_eq(fake_log.last_sig.si_signo, SIGPIPE);
	cr_assert_eq(fake_log.last_sig.si_code, SI_USER);
	cr_assert_eq(fake_log.last_sig.u.kill.pid, 42);
	cr_assert_eq(fake_log.last_sig.u.kill.uid, 1000);
	cr_assert_eq(wr_bytes(0, 0), 0);   /* empty writes never fail */
}

Test(pipe, poll_bits, .init = setup_nb, .fini = teardown)
{
	uint8_t buf[65536];

	cr_assert_eq(rd->fops->poll(rd, NULL), 0);
	cr_assert_eq(wr->fops->poll(wr, NULL), POLLOUT | POLLWRNORM);
	cr_assert_eq(wr_bytes(1, 0), 1);
	cr_assert_eq(rd->fops->poll(rd, NULL), POLLIN | POLLRDNORM);
	cr_assert_eq(wr_bytes(65535 - 4096, 0), 65535 - 4096);   /* 4096 free */
	cr_assert_eq(wr->fops->poll(wr, NULL), POLLOUT | POLLWRNORM);
	cr_assert_eq(wr_bytes(1, 0), 1);                          /* 4095 free */
	cr_assert_eq(wr->fops->poll(wr, NULL), 0);
	cr_assert_eq(rd_bytes(buf, sizeof(buf)), 65536 - 4095);
	cr_assert_eq(rd->fops->poll(rd, NULL), 0);
	close_wr();
	cr_assert_eq(rd->fops->poll(rd, NULL), POLLHUP);
}

Test(pipe, poll_err_without_reader, .init = setup, .fini = teardown)
{
	close_rd();
	cr_assert_eq(wr->fops->poll(wr, NULL), POLLOUT | POLLWRNORM | POLLERR);
}

Test(pipe, poll_registers_and_wakes, .init = setup_nb, .fini = teardown)
{
	struct poll_table pt = { .task = &task };

	cr_assert_eq(rd->fops->poll(rd, &pt), 0);
	cr_assert_eq(pt.nwaiters, 1);
	cr_assert_eq(wr_bytes(3, 0), 3);
	cr_assert_eq(fake_log.wakes, 1);
	poll_table_free(&pt);
}

Test(pipe, atomic_write_not_split, .init = setup_nb, .fini = teardown)
{
	cr_assert_eq(wr_bytes(65536 - 100, 0), 65536 - 100);
	cr_assert_eq(wr_bytes(4096, 0), -EAGAIN);   /* PIPE_BUF: all or nothing */
	cr_assert_eq(wr_bytes(101, 0), -EAGAIN);
	cr_assert_eq(wr_bytes(8192, 0), 100);       /* larger: partial */
}

Test(pipe, blocking_write_interrupted, .init = setup, .fini = teardown)
{
	cr_assert_eq(wr_bytes(65536 - 100, 0), 65536 - 100);
	cr_assert_eq(wr_bytes(8192, 0), 100);       /* partial count, not an error */
	cr_assert_eq(wr_bytes(8192, 0), -ERESTARTSYS);
	cr_assert_eq(wr_bytes(10, 0), -ERESTARTSYS);
}

Test(pipe, fionread, .init = setup, .fini = teardown)
{
	int n = -1;

	cr_assert_eq(wr_bytes(123, 0), 123);
	cr_assert_eq(rd->fops->ioctl(rd, FIONREAD, (uint64_t)(uintptr_t)&n), 0);
	cr_assert_eq(n, 123);
	cr_assert_eq(rd->fops->ioctl(rd, FIONREAD, 0), -EFAULT);
	cr_assert_eq(rd->fops->ioctl(rd, 0x1234, 0), -ENOTTY);
}

Test(pipe, packet_mode)
{
	char buf[100];

	setup_flags(O_DIRECT | O_NONBLOCK);
	cr_assert_eq(wr_bytes(10, 0), 10);
	cr_assert_eq(wr_bytes(20, 50), 20);
	cr_assert_eq(rd_bytes(buf, sizeof(buf)), 10);
	cr_assert_eq(rd_bytes(buf, 5), 5);          /* rest of the packet dropped */
	cr_assert_eq(buf[0], 50);
	cr_assert_eq(rd_bytes(buf, sizeof(buf)), -EAGAIN);
	cr_assert_eq(wr_bytes(5000, 0), 5000);      /* split at PIPE_BUF */
	cr_assert_eq(rd_bytes(buf, 1), 1);
	cr_assert_eq(rd_bytes(buf, 1), 1);
	cr_assert_eq(rd_bytes(buf, 1), -EAGAIN);
	teardown();
}

Test(pipe, set_size, .init = setup_nb, .fini = teardown)
{
	uint8_t buf[8192];

	cr_assert_eq(wr_bytes(5000, 3), 5000);
	cr_assert_eq(pipe_set_size(wr, 4096), -EBUSY);
	cr_assert_eq(pipe_set_size(wr, 5000), 8192);
	cr_assert_eq(pipe_get_size(rd), 8192);
	cr_assert_eq(pipe_set_size(wr, 2u << 20), -EPERM);
	cr_assert_eq(wr_bytes(4000, 0), -EAGAIN);
	cr_assert_eq(rd_bytes(buf, sizeof(buf)), 5000);
	for (int i = 0; i < 5000; i++)
		cr_assert_eq(buf[i], (uint8_t)(3 + i));
	cr_assert_eq(pipe_set_size(wr, 0), 4096);
	cr_assert_eq(wr->fops->ioctl(wr, F_SETPIPE_SZ, 100000), 131072);
	cr_assert_eq(rd->fops->ioctl(rd, F_GETPIPE_SZ, 0), 131072);
}

/* ---- named FIFOs ----------------------------------------------------------- */

static struct super_block fake_sb = { .fstype = "tmpfs", .next_ino = 100 };

static struct file *fifo_file(struct inode *ino, int flags, int *err)
{
	struct file *f = calloc(1, sizeof(*f));

	f->refs = 1;
	f->inode = ino;
	inode_get(ino);
	f->flags = flags;
	*err = fifo_open(ino, f);
	if (*err) {
		inode_put(ino);
		free(f);
		return NULL;
	}
	return f;
}

Test(fifo, rendezvous_rules)
{
	struct inode *ino;
	struct file *r, *w, *rw;
	int err;
	char buf[8];

	memset(&fake_log, 0, sizeof(fake_log));
	current = &task;
	ino = inode_new(&fake_sb, S_IFIFO | 0644);
	cr_assert_null(fifo_file(ino, O_WRONLY | O_NONBLOCK, &err));
	cr_assert_eq(err, -ENXIO);
	cr_assert_null(fifo_file(ino, O_RDONLY, &err));           /* waits for a writer */
	cr_assert_eq(err, -ERESTARTSYS);
	cr_assert_eq(fake_log.sleeps, 1);
	cr_assert_null(fifo_file(ino, O_ACCMODE, &err));
	cr_assert_eq(err, -EINVAL);
	r = fifo_file(ino, O_RDONLY | O_NONBLOCK, &err);
	cr_assert_not_null(r);
	cr_assert(file_is_pipe(r));
	cr_assert_eq(r->fops->poll(r, NULL), 0);                   /* no writer yet: no HUP */
	cr_assert_eq(r->fops->read(r, buf, sizeof(buf), &r->pos), 0);
	w = fifo_file(ino, O_WRONLY, &err);                        /* a reader exists */
	cr_assert_not_null(w);
	cr_assert_eq(w->fops->write(w, "abc", 3, &w->pos), 3);
	cr_assert_eq(r->fops->read(r, buf, sizeof(buf), &r->pos), 3);
	file_put(w);
	cr_assert_eq(r->fops->poll(r, NULL), POLLHUP);             /* writer came and went */
	rw = fifo_file(ino, O_RDWR, &err);                         /* never blocks */
	cr_assert_not_null(rw);
	cr_assert_eq(rw->fops->write(rw, "xy", 2, &rw->pos), 2);
	cr_assert_eq(r->fops->read(r, buf, sizeof(buf), &r->pos), 2);
	file_put(rw);
	file_put(r);
	/* All ends closed: a new open starts a fresh pipe. */
	cr_assert_null(fifo_file(ino, O_WRONLY | O_NONBLOCK, &err));
	cr_assert_eq(err, -ENXIO);
	inode_put(ino);
	cr_assert_eq(fake_log.inodes_live, 0);
}
