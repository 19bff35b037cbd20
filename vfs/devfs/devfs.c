/*
 * /dev: a tmpfs with the standard character devices, the /proc/self/fd
 * symlinks, pts/ and shm/. Device nodes anywhere (tmpfs mknod, /dev) open
 * through chrdev_open by rdev.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/sysmacros.h>
#include "../vfs_impl.h"
#include "../tty/tty.h"

#define DEVFS_LIMIT (64ULL << 20)

static ssize_t read_eof(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	return 0;
}

static ssize_t read_zero(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	memset(buf, 0, len);
	return (ssize_t)len;
}

static ssize_t read_random(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = getrandom((char *)buf + done, len - done, 0);
		if (n < 0)
			return done ? (ssize_t)done : -EIO;
		done += (size_t)n;
	}
	return (ssize_t)len;
}

static ssize_t write_sink(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	return (ssize_t)len;
}

static ssize_t write_full(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	return -ENOSPC;
}

/* Character devices never move: like Linux, seeking them succeeds with 0. */
static int64_t seek_noop(struct file *f, int64_t off, int whence)
{
	f->pos = 0;
	return 0;
}

static const struct file_ops null_fops = { .read = read_eof, .write = write_sink, .llseek = seek_noop };
static const struct file_ops zero_fops = { .read = read_zero, .write = write_sink, .llseek = seek_noop };
static const struct file_ops full_fops = { .read = read_zero, .write = write_full, .llseek = seek_noop };
static const struct file_ops random_fops = { .read = read_random, .write = write_sink, .llseek = seek_noop };

int chrdev_open(struct inode *inode, struct file *f)
{
	if (major(inode->rdev) == TTYAUX_MAJOR || major(inode->rdev) == PTS_MAJOR)
		return tty_chrdev_open(inode, f);       /* tty, ptmx, pts/N */
	if (major(inode->rdev) != 1)
		return -ENXIO;
	switch (minor(inode->rdev)) {
	case 3: f->fops = &null_fops; return 0;
	case 5: f->fops = &zero_fops; return 0;
	case 7: f->fops = &full_fops; return 0;
	case 8: case 9: f->fops = &random_fops; return 0;
	}
	return -ENXIO;
}

struct super_block *devfs_new(void)
{
	static const struct { const char *name; unsigned maj, min; } devs[] = {
		{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
		{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
		{ "console", 5, 1 },
		{ "ptmx", 5, 2 },
	};
	static const struct { const char *name, *target; } links[] = {
		{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
	};
	struct super_block *sb = tmpfs_new_typed("tmpfs", DEVFS_LIMIT);
	if (!sb)
		return NULL;
	struct inode *root = sb->root->inode, *i;
	root->mode = S_IFDIR | 0755;
	for (size_t k = 0; k < sizeof(devs) / sizeof(devs[0]); k++)
		if (!root->iops->mknod(root, devs[k].name, S_IFCHR | 0666,
				       makedev(devs[k].maj, devs[k].min), NULL, &i))
			inode_put(i);
	for (size_t k = 0; k < sizeof(links) / sizeof(links[0]); k++)
		if (!root->iops->symlink(root, links[k].name, links[k].target, NULL, &i))
			inode_put(i);
	if (!root->iops->mkdir(root, "pts", 0755, NULL, &i))
		inode_put(i);
	if (!root->iops->mkdir(root, "shm", 01777, NULL, &i))
		inode_put(i);
	return sb;
}
