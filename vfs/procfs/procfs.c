/*
 * procfs: the superblock, node inodes, and the generic directory, file and
 * link operations driven by the entry tables in proc_sys.c and proc_pid.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "procfs_internal.h"
#include "sentry/kernel.h"
#include "sentry/task.h"

#define PROC_ROOT_INO 1
#define PROC_DEV 0x16      /* st_dev of procfs inodes (anonymous major 0) */

/* ---- bounded output buffer ------------------------------------------------ */

char *pb_reserve(struct proc_buf *b, size_t n)
{
	if (b->overflow)
		return NULL;
	if (b->len + n > PROC_BUF_MAX) {
		b->overflow = true;
		return NULL;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *d;

		while (cap < b->len + n)
			cap *= 2;
		if (cap > PROC_BUF_MAX)
			cap = PROC_BUF_MAX;
		d = realloc(b->data, cap);
		if (!d) {
			b->overflow = true;
			return NULL;
		}
		b->data = d;
		b->cap = cap;
	}
	return b->data + b->len;
}

void pb_write(struct proc_buf *b, const void *p, size_t n)
{
	char *at = pb_reserve(b, n);

	if (at) {
		memcpy(at, p, n);
		b->len += n;
	}
}

void pb_printf(struct proc_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		pb_write(b, small, (size_t)n);
		return;
	}
	char *at = pb_reserve(b, (size_t)n + 1);
	if (!at)
		return;
	va_start(ap, fmt);
	vsnprintf(at, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* ---- nodes ------------------------------------------------------------------ */

struct task *proc_task(const struct proc_node *n)
{
	struct thread_group *tg;
	struct list_head *pos;

	if (n->tid) {
		struct task *t = task_lookup(n->tid);
		return t && t->tg && t->tg->tgid == n->tgid ? t : NULL;
	}
	if (!n->tgid || !(tg = tg_lookup(n->tgid)))
		return NULL;
	if (tg->leader && tg->leader->state != TASK_DEAD)
		return tg->leader;
	list_for_each(pos, &tg->tasks) {
		struct task *t = list_entry(pos, struct task, tg_link);
		if (t->state != TASK_DEAD)
			return t;
	}
	return tg->leader;       /* a zombie: still listed, like Linux */
}

struct thread_group *proc_tg(const struct proc_node *n)
{
	struct task *t = proc_task(n);

	return t ? t->tg : NULL;
}

bool proc_node_alive(const struct proc_node *n)
{
	return !n->tgid || proc_task(n);
}

/* Stable per (entry, pid, tid, fd) for the life of the sentry. */
uint64_t proc_ino(const struct proc_node *n)
{
	uint64_t x;

	if (n->ent == &proc_root_ent)
		return PROC_ROOT_INO;
	x = (uint64_t)(uintptr_t)n->ent ^ ((uint64_t)(uint32_t)n->tgid << 32) ^
	    ((uint64_t)(uint32_t)n->tid * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)(uint32_t)(n->fd + 1) << 12);
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x > PROC_ROOT_INO ? x : x + 2;
}

unsigned proc_dtype(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return DT_DIR;
	case S_IFLNK: return DT_LNK;
	default: return DT_REG;
	}
}

bool proc_emit(struct dir_context *ctx, const char *name, const struct proc_node *n)
{
	return ctx->emit(ctx, name, strlen(name), proc_ino(n), proc_dtype(n->ent->mode));
}

static const struct inode_ops proc_iops, proc_magic_iops;
static const struct file_ops proc_dir_fops, proc_file_fops;

static const struct proc_node *node_of(const struct inode *i)
{
	return i->priv;
}

/* fd/N links carry the open mode in their permission bits, like Linux. */
static mode_t node_mode(const struct proc_node *n)
{
	mode_t mode = n->ent->mode;

	if (n->fd >= 0 && S_ISLNK(mode)) {
		struct task *t = proc_task(n);
		struct file *f = t && t->files ? fd_get(t->files, n->fd) : NULL;

		mode = S_IFLNK;
		if (f) {
			int acc = f->flags & O_ACCMODE;
			if (acc == O_RDONLY || acc == O_RDWR)
				mode |= 0500;
			if (acc == O_WRONLY || acc == O_RDWR)
				mode |= 0300;
			file_put(f);
		}
	}
	return mode;
}

static struct inode *node_inode(struct super_block *sb, const struct proc_node *n)
{
	struct proc_node *copy = malloc(sizeof(*copy));
	struct inode *i;
	struct task *t;

	if (!copy)
		return NULL;
	*copy = *n;
	i = inode_new(sb, node_mode(n));
	if (!i) {
		free(copy);
		return NULL;
	}
	i->ino = proc_ino(n);
	i->nlink = S_ISDIR(i->mode) ? 2 : 1;
	/* Plain links (self, mounts) resolve through readlink, magic ones
	 * (exe, cwd, root, fd/N) straight to a path. */
	i->iops = n->ent->get_link ? &proc_magic_iops : &proc_iops;
	i->fops = S_ISDIR(i->mode) ? &proc_dir_fops : &proc_file_fops;
	i->priv = copy;
	if (n->tgid && (t = proc_task(n))) {
		i->uid = t->cred.euid;
		i->gid = t->cred.egid;
	}
	return i;
}

static void proc_evict(struct inode *i)
{
	free(i->priv);
	i->priv = NULL;
}

static int proc_lookup(struct inode *dir, const char *name, struct inode **out)
{
	const struct proc_node *dn = node_of(dir);
	struct proc_node child = { .tgid = dn->tgid, .tid = dn->tid, .fd = dn->fd };
	int err = -ENOENT;

	if (!proc_node_alive(dn))
		return -ENOENT;
	for (const struct proc_ent *e = dn->ent->children; e && e->name; e++) {
		if (!strcmp(e->name, name)) {
			child.ent = e;
			err = 0;
			break;
		}
	}
	if (err && dn->ent->dyn)
		err = dn->ent->dyn->lookup(dn, name, &child);
	if (err)
		return err;
	*out = node_inode(dir->sb, &child);
	return *out ? 0 : -ENOMEM;
}

static int proc_revalidate(struct inode *i)
{
	const struct proc_node *n = node_of(i);
	struct task *t;
	struct file *f;

	if (!proc_node_alive(n))
		return -ENOENT;
	t = proc_task(n);
	if (t) {
		/* Ownership follows the task's credentials (setuid, reused pid). */
		i->uid = t->cred.euid;
		i->gid = t->cred.egid;
	}
	if (n->fd < 0 || !t)
		return 0;          /* not an fd node (sysfs's cpuN carry their id there) */
	f = t->files ? fd_get(t->files, n->fd) : NULL;
	if (!f)
		return -ENOENT;
	file_put(f);
	i->mode = node_mode(n);
	return 0;
}

static int proc_readlink(struct inode *i, char *buf, size_t len)
{
	const struct proc_node *n = node_of(i);

	if (!n->ent->readlink)
		return -EINVAL;
	if (!proc_node_alive(n))
		return -ENOENT;
	return n->ent->readlink(n, buf, len);
}

static int proc_get_link_path(struct inode *i, struct path *out)
{
	const struct proc_node *n = node_of(i);

	if (!proc_node_alive(n))
		return -ENOENT;
	return n->ent->get_link(n, out);
}

static int proc_open(struct inode *i, struct file *f)
{
	const struct proc_node *n = node_of(i);
	int acc = f->flags & O_ACCMODE;

	if (!proc_node_alive(n))
		return -ENOENT;
	if (S_ISDIR(i->mode)) {
		f->fops = &proc_dir_fops;
		return 0;
	}
	if (acc != O_RDONLY && !n->ent->store)
		return -EACCES;
	f->fops = &proc_file_fops;
	f->priv = calloc(1, sizeof(struct proc_buf));
	return f->priv ? 0 : -ENOMEM;
}

static const struct inode_ops proc_iops = {
	.lookup = proc_lookup,
	.readlink = proc_readlink,
	.revalidate = proc_revalidate,
	.open = proc_open,
	.evict = proc_evict,
};

/* Magic links (exe, cwd, root, fd/N) resolve to a path directly. */
static const struct inode_ops proc_magic_iops = {
	.readlink = proc_readlink,
	.get_link_path = proc_get_link_path,
	.revalidate = proc_revalidate,
	.evict = proc_evict,
};

/* ---- files ------------------------------------------------------------------ */

static ssize_t proc_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	const struct proc_node *n = node_of(f->inode);
	struct proc_buf *b = f->priv;
	size_t avail;

	if (!n->ent->show)
		return -EINVAL;
	if (*pos == 0 || !b->data) {
		int err;

		b->len = 0;
		b->overflow = false;
		if (!proc_node_alive(n))
			return -ESRCH;
		err = n->ent->show(n, b);
		if (err)
			return err;
		if (!b->data && !pb_reserve(b, 1))
			return -ENOMEM;
	}
	if (*pos >= b->len)
		return 0;
	avail = b->len - (size_t)*pos;
	if (len > avail)
		len = avail;
	memcpy(buf, b->data + *pos, len);
	*pos += len;
	return (ssize_t)len;
}

static ssize_t proc_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	const struct proc_node *n = node_of(f->inode);
	int err;

	if (!n->ent->store)
		return -EACCES;
	if (!proc_node_alive(n))
		return -ESRCH;
	err = n->ent->store(n, buf, len);
	if (err)
		return err;
	*pos += len;
	return (ssize_t)len;
}

static void proc_file_release(struct file *f)
{
	struct proc_buf *b = f->priv;

	if (b)
		free(b->data);
	free(b);
	f->priv = NULL;
}

static const struct file_ops proc_file_fops = {
	.read = proc_read,
	.write = proc_write,
	.release = proc_file_release,
};

/* ---- directories ------------------------------------------------------------ */

/* Cookies: 0 ".", 1 "..", then static children, then the dynamic ones. */
static int proc_iterate(struct file *f, struct dir_context *ctx)
{
	const struct proc_node *dn = node_of(f->inode);
	struct dentry *d = f->path.dentry;
	uint64_t idx = 2;

	if (!proc_node_alive(dn))
		return -ENOENT;
	if (ctx->pos == 0) {
		if (!ctx->emit(ctx, ".", 1, f->inode->ino, DT_DIR))
			return 0;
		ctx->pos = 1;
	}
	if (ctx->pos == 1) {
		uint64_t pino = d && d->parent && d->parent->inode ? d->parent->inode->ino : f->inode->ino;
		if (!ctx->emit(ctx, "..", 2, pino, DT_DIR))
			return 0;
		ctx->pos = 2;
	}
	for (const struct proc_ent *e = dn->ent->children; e && e->name; e++, idx++) {
		struct proc_node c = { .ent = e, .tgid = dn->tgid, .tid = dn->tid, .fd = dn->fd };

		if (idx < ctx->pos)
			continue;
		if (!proc_emit(ctx, e->name, &c))
			return 0;
		ctx->pos = idx + 1;
	}
	if (ctx->pos < idx)
		ctx->pos = idx;
	return dn->ent->dyn ? dn->ent->dyn->iterate(dn, ctx, idx) : 0;
}

static const struct file_ops proc_dir_fops = {
	.iterate = proc_iterate,
};

/* ---- superblock --------------------------------------------------------------- */

static int nr_cpus;

int proc_nr_cpus(void)
{
	cpu_set_t set;

	/* Counted once, at the first mount, before the sentry's seccomp lockdown. */
	if (!nr_cpus)
		nr_cpus = sched_getaffinity(0, sizeof(set), &set) ? 1 : CPU_COUNT(&set);
	return nr_cpus;
}

struct super_block *proc_tree_new(const char *fstype, uint32_t magic, uint64_t dev,
				  const struct proc_ent *root_ent)
{
	struct super_block *sb = calloc(1, sizeof(*sb));
	struct proc_node root = { .ent = root_ent, .fd = -1 };
	struct inode *ri;

	if (!sb)
		return NULL;
	proc_nr_cpus();
	sb->fstype = fstype;
	sb->dev = dev;
	sb->magic = magic;
	sb->next_ino = PROC_ROOT_INO + 1;
	ri = node_inode(sb, &root);
	if (!ri) {
		free(sb);
		return NULL;
	}
	ri->ino = PROC_ROOT_INO;
	sb->root = dentry_new(NULL, "/", ri);
	inode_put(ri);
	if (!sb->root) {
		free(sb);
		return NULL;
	}
	return sb;
}

struct super_block *procfs_new(void)
{
	return proc_tree_new("proc", PROC_SUPER_MAGIC, PROC_DEV, &proc_root_ent);
}
