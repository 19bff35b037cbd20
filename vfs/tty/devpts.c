/*
 * devpts, mounted on /dev/pts: "ptmx" and one node per pty whose master is
 * open. A node appears when /dev/ptmx is opened (owner: the opener, group
 * tty, mode 0620, as runc mounts devpts) and goes when the master closes.
 * One instance serves the whole sandbox.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/sysmacros.h>
#include "vfs/vfs_impl.h"
#include "vfs/tty/tty.h"
#include "sentry/task.h"

#define DEVPTS_SUPER_MAGIC 0x1cd1
/* A fixed anonymous device below vfs_anon_dev's range, so mounting devpts
 * does not move the numbers of the tmpfs mounts made after it. */
#define DEVPTS_DEV makedev(0, 14)

static struct super_block *devpts_sb;
static struct inode *ptmx_inode;
static const struct inode_ops pts_iops, ptmx_iops, root_iops;
static const struct file_ops root_fops;

/* A node whose master has closed is gone (priv cleared by devpts_remove). */
static int pts_revalidate(struct inode *i)
{
	return i->priv ? 0 : -ENOENT;
}

static int pts_inode_open(struct inode *i, struct file *f)
{
	return pts_open(i->priv, f);
}

static int ptmx_inode_open(struct inode *i, struct file *f)
{
	return ptmx_open(f);
}

static const struct inode_ops pts_iops = {
	.setattr = simple_setattr, .revalidate = pts_revalidate, .open = pts_inode_open,
};
static const struct inode_ops ptmx_iops = { .setattr = simple_setattr, .open = ptmx_inode_open };

/* "N" with no sign, no leading zero, below the pty limit. */
static int parse_index(const char *name)
{
	int n = 0;
	if (!*name || (name[0] == '0' && name[1]))
		return -1;
	for (const char *p = name; *p; p++) {
		if (*p < '0' || *p > '9' || n >= TTY_MAX_PTYS)
			return -1;
		n = n * 10 + (*p - '0');
	}
	return n < TTY_MAX_PTYS ? n : -1;
}

static int root_lookup(struct inode *dir, const char *name, struct inode **out)
{
	struct inode *i = NULL;
	if (!strcmp(name, "ptmx")) {
		i = ptmx_inode;
	} else {
		int n = parse_index(name);
		struct tty *tty = n >= 0 ? tty_lookup_index(n) : NULL;
		i = tty ? tty->pts : NULL;
	}
	if (!i)
		return -ENOENT;
	inode_get(i);
	*out = i;
	return 0;
}

/* Cookies: 0 ".", 1 "..", 2 "ptmx", 3 + N for pty N. */
static int root_iterate(struct file *f, struct dir_context *ctx)
{
	struct dentry *d = f->path.dentry;
	char name[16];
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
	if (ctx->pos == 2) {
		if (!ctx->emit(ctx, "ptmx", 4, ptmx_inode->ino, DT_CHR))
			return 0;
		ctx->pos = 3;
	}
	for (int n = (int)ctx->pos - 3; n < TTY_MAX_PTYS; n++) {
		struct tty *tty = tty_lookup_index(n);
		if (!tty)
			continue;
		int len = snprintf(name, sizeof(name), "%d", n);
		if (!ctx->emit(ctx, name, (size_t)len, tty->pts->ino, DT_CHR))
			return 0;
		ctx->pos = (uint64_t)n + 4;
	}
	ctx->pos = TTY_MAX_PTYS + 3;
	return 0;
}

static const struct inode_ops root_iops = { .lookup = root_lookup, .setattr = simple_setattr };
static const struct file_ops root_fops = { .iterate = root_iterate };

struct super_block *devpts_new(void)
{
	if (devpts_sb)
		return devpts_sb;
	struct super_block *sb = calloc(1, sizeof(*sb));
	if (!sb)
		return NULL;
	sb->fstype = "devpts";
	sb->dev = DEVPTS_DEV;
	sb->magic = DEVPTS_SUPER_MAGIC;
	sb->next_ino = 0;
	struct inode *root = inode_new(sb, S_IFDIR | 0755);
	struct inode *ptmx = inode_new(sb, S_IFCHR | 0666);
	if (!root || !ptmx)
		goto fail;
	root->nlink = 2;
	root->iops = &root_iops;
	root->fops = &root_fops;
	ptmx->rdev = makedev(TTYAUX_MAJOR, 2);
	ptmx->iops = &ptmx_iops;
	sb->root = dentry_new(NULL, "/", root);
	inode_put(root);
	if (!sb->root) {
		inode_put(ptmx);
		free(sb);
		return NULL;
	}
	ptmx_inode = ptmx;
	devpts_sb = sb;
	return sb;
fail:
	inode_put(root);
	inode_put(ptmx);
	free(sb);
	return NULL;
}

struct inode *devpts_add(struct tty *tty, const struct cred *c)
{
	if (!devpts_new())
		return NULL;
	struct inode *i = inode_new(devpts_sb, S_IFCHR | 0620);
	if (!i)
		return NULL;
	i->rdev = makedev(PTS_MAJOR, (unsigned)tty->index);
	i->uid = c ? c->fsuid : 0;
	i->gid = TTY_GID;
	i->iops = &pts_iops;
	i->priv = tty;
	return i;
}

void devpts_remove(struct tty *tty)
{
	if (!tty->pts)
		return;
	tty->pts->priv = NULL;
	inode_put(tty->pts);
	tty->pts = NULL;
}
