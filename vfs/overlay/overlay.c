/* overlay: the super block, overlay inodes, lookup and attributes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include "overlay.h"

void ovl_copy_attr(struct inode *i)
{
	struct inode *r = ovl_real(i);
	i->mode = r->mode;
	/* A merged directory's link count is unknown: 1, like overlayfs. */
	i->nlink = S_ISDIR(r->mode) && OI(i)->upper && OI(i)->lower ? 1 : r->nlink;
	i->uid = r->uid;
	i->gid = r->gid;
	i->size = r->size;
	i->blocks = r->blocks;
	i->rdev = r->rdev;
	i->atime = r->atime;
	i->mtime = r->mtime;
	i->ctime = r->ctime;
	i->btime = r->btime;
}

bool ovl_is_whiteout(const struct inode *i)
{
	return S_ISCHR(i->mode) && i->rdev == 0;
}

bool ovl_is_opaque(struct super_block *sb, struct inode *upper)
{
	struct list_head *pos;
	list_for_each(pos, &OSB(sb)->opaque)
		if (list_entry(pos, struct ovl_opaque, link)->upper == upper)
			return true;
	return false;
}

int ovl_set_opaque(struct super_block *sb, struct inode *upper)
{
	if (ovl_is_opaque(sb, upper))
		return 0;
	struct ovl_opaque *o = malloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	inode_get(upper);
	o->upper = upper;
	list_add_tail(&o->link, &OSB(sb)->opaque);
	return 0;
}

void ovl_clear_opaque(struct super_block *sb, struct inode *upper)
{
	struct list_head *pos, *n;
	list_for_each_safe(pos, n, &OSB(sb)->opaque) {
		struct ovl_opaque *o = list_entry(pos, struct ovl_opaque, link);
		if (o->upper == upper) {
			list_del(&o->link);
			inode_put(o->upper);
			free(o);
		}
	}
}

int ovl_real_open(struct inode *real, int flags, struct file **out)
{
	struct file *f = file_new_anon(real, real->fops, flags);
	if (!f)
		return -ENOMEM;
	int err = real->iops && real->iops->open ? real->iops->open(real, f) : 0;
	if (err) {
		f->fops = NULL;
		file_put(f);
		return err;
	}
	*out = f;
	return 0;
}

struct inode *ovl_inode_new(struct super_block *sb, struct inode *parent, const char *name,
			    struct inode *upper, struct inode *lower, uint64_t ino)
{
	struct ovl_inode *oi = calloc(1, sizeof(*oi));
	char *n = strdup(name);
	struct inode *i = oi && n ? inode_new(sb, (upper ? upper : lower)->mode & S_IFMT) : NULL;
	if (!i) {
		free(oi);
		free(n);
		return NULL;
	}
	oi->upper = upper;
	oi->lower = lower;
	if (upper)
		inode_get(upper);
	if (lower)
		inode_get(lower);
	oi->name = n;
	list_init(&oi->children);
	list_init(&oi->sibling);
	if (parent) {
		inode_get(parent);
		oi->parent = parent;
		list_add_tail(&oi->sibling, &OI(parent)->children);
	}
	oi->self = i;
	i->priv = oi;
	i->iops = &ovl_iops;
	i->ino = ino;
	ovl_copy_attr(i);
	return i;
}

void ovl_detach(struct inode *i)
{
	list_del(&OI(i)->sibling);
	list_init(&OI(i)->sibling);
}

struct inode *ovl_child(struct inode *dir, const char *name)
{
	struct list_head *pos;
	list_for_each(pos, &OI(dir)->children) {
		struct ovl_inode *c = list_entry(pos, struct ovl_inode, sibling);
		if (!strcmp(c->name, name)) {
			inode_get(c->self);
			return c->self;
		}
	}
	return NULL;
}

/* Look name up in a real directory: 0 with *out, -ENOENT, or an error. */
static int real_lookup(struct inode *dir, const char *name, struct inode **out)
{
	*out = NULL;
	if (!dir || !dir->iops || !dir->iops->lookup)
		return -ENOENT;
	return dir->iops->lookup(dir, name, out);
}

int ovl_lookup(struct inode *dir, const char *name, struct inode **out)
{
	struct ovl_inode *d = OI(dir);
	struct inode *u = NULL, *l = NULL;
	struct inode *live = ovl_child(dir, name);
	if (live) {
		*out = live;
		return 0;
	}
	int err = real_lookup(d->upper, name, &u);
	if (err && err != -ENOENT)
		return err;
	if (u && ovl_is_whiteout(u)) {
		inode_put(u);
		return -ENOENT;
	}
	/* A lower entry counts unless the upper one is an opaque directory
	 * (or the directory itself is: its lower is then NULL). */
	if (!(u && S_ISDIR(u->mode) && ovl_is_opaque(dir->sb, u))) {
		err = real_lookup(d->lower, name, &l);
		if (err && err != -ENOENT) {
			if (u)
				inode_put(u);
			return err;
		}
	}
	if (!u && !l)
		return -ENOENT;
	/* Merged directories keep the lower inode number (and inode); any
	 * other upper object has its own, or the one copy-up stamped on it. */
	uint64_t ino = l ? l->ino : ovl_upper_ino(u->ino);
	if (u && l && (!S_ISDIR(u->mode) || !S_ISDIR(l->mode))) {
		ino = ovl_upper_ino(u->ino);
		inode_put(l);
		l = NULL;
	}
	struct inode *i = ovl_inode_new(dir->sb, dir, name, u, l, ino);
	if (u)
		inode_put(u);
	if (l)
		inode_put(l);
	if (!i)
		return -ENOMEM;
	*out = i;
	return 0;
}

static int ovl_revalidate(struct inode *i)
{
	struct inode *r = ovl_real(i);
	if (r->iops && r->iops->revalidate) {
		int err = r->iops->revalidate(r);
		if (err) {
			if (err == -ENOENT || err == -ESTALE)
				ovl_detach(i);
			return err;
		}
	}
	ovl_copy_attr(i);
	return 0;
}

static int ovl_readlink(struct inode *i, char *buf, size_t len)
{
	struct inode *r = ovl_real(i);
	if (!r->iops || !r->iops->readlink)
		return -EINVAL;
	return r->iops->readlink(r, buf, len);
}

static int ovl_setattr(struct inode *i, const struct iattr *ia)
{
	int err = ovl_copy_up(i);
	if (err)
		return err;
	struct inode *u = OI(i)->upper;
	err = u->iops->setattr ? u->iops->setattr(u, ia) : -EPERM;
	ovl_copy_attr(i);
	return err;
}

static ssize_t ovl_getxattr(struct inode *i, const char *name, void *buf, size_t size)
{
	struct inode *r = ovl_real(i);
	return r->iops->getxattr ? r->iops->getxattr(r, name, buf, size) : -EOPNOTSUPP;
}

static ssize_t ovl_listxattr(struct inode *i, char *buf, size_t size)
{
	struct inode *r = ovl_real(i);
	return r->iops->listxattr ? r->iops->listxattr(r, buf, size) : 0;
}

static int ovl_setxattr(struct inode *i, const char *name, const void *val, size_t size,
			int flags)
{
	int err = ovl_copy_up(i);
	if (err)
		return err;
	struct inode *u = OI(i)->upper;
	err = u->iops->setxattr ? u->iops->setxattr(u, name, val, size, flags) : -EOPNOTSUPP;
	ovl_copy_attr(i);
	return err;
}

static int ovl_removexattr(struct inode *i, const char *name)
{
	int err = ovl_copy_up(i);
	if (err)
		return err;
	struct inode *u = OI(i)->upper;
	err = u->iops->removexattr ? u->iops->removexattr(u, name) : -EOPNOTSUPP;
	ovl_copy_attr(i);
	return err;
}

static void ovl_evict(struct inode *i)
{
	struct ovl_inode *oi = OI(i);
	if (!oi)
		return;
	list_del(&oi->sibling);
	if (oi->upper)
		inode_put(oi->upper);
	if (oi->lower)
		inode_put(oi->lower);
	if (oi->parent)
		inode_put(oi->parent);
	free(oi->name);
	free(oi);
	i->priv = NULL;
}

/* Declared in ns.c and file.c. */
int ovl_create(struct inode *dir, const char *name, mode_t mode, const struct cred *c,
	       struct inode **out);
int ovl_mkdir(struct inode *dir, const char *name, mode_t mode, const struct cred *c,
	      struct inode **out);
int ovl_mknod(struct inode *dir, const char *name, mode_t mode, dev_t rdev,
	      const struct cred *c, struct inode **out);
int ovl_symlink(struct inode *dir, const char *name, const char *target,
		const struct cred *c, struct inode **out);
int ovl_link(struct inode *dir, const char *name, struct inode *target);
int ovl_unlink(struct inode *dir, const char *name, struct inode *victim);
int ovl_rmdir(struct inode *dir, const char *name, struct inode *victim);
int ovl_rename(struct inode *odir, const char *oname, struct inode *ndir, const char *nname,
	       unsigned flags);
int ovl_open(struct inode *i, struct file *f);

const struct inode_ops ovl_iops = {
	.lookup = ovl_lookup,
	.create = ovl_create,
	.mkdir = ovl_mkdir,
	.mknod = ovl_mknod,
	.symlink = ovl_symlink,
	.link = ovl_link,
	.unlink = ovl_unlink,
	.rmdir = ovl_rmdir,
	.rename = ovl_rename,
	.readlink = ovl_readlink,
	.setattr = ovl_setattr,
	.revalidate = ovl_revalidate,
	.open = ovl_open,
	.evict = ovl_evict,
	.getxattr = ovl_getxattr,
	.setxattr = ovl_setxattr,
	.listxattr = ovl_listxattr,
	.removexattr = ovl_removexattr,
};

/* statfs reports the upper layer, where everything new goes. */
static int ovl_statfs(struct super_block *sb, struct statfs *st)
{
	int err = vfs_statfs(OSB(sb)->upper->root->inode, st);
	st->f_type = OVERLAYFS_MAGIC;
	return err;
}

struct super_block *overlay_new(struct super_block *lower, struct super_block *upper)
{
	struct super_block *sb = calloc(1, sizeof(*sb));
	struct ovl_sb *os = calloc(1, sizeof(*os));
	if (!sb || !os || !lower || !upper)
		goto fail;
	os->lower = lower;
	os->upper = upper;
	list_init(&os->opaque);
	sb->priv = os;
	sb->fstype = "overlay";
	sb->dev = vfs_anon_dev();
	sb->magic = OVERLAYFS_MAGIC;
	sb->statfs = ovl_statfs;
	struct inode *lr = lower->root->inode, *ur = upper->root->inode;
	/* The upper root takes the lower root's attributes. */
	struct iattr ia = { .valid = ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_ATIME | ATTR_MTIME,
			    .mode = lr->mode & 07777, .uid = lr->uid, .gid = lr->gid,
			    .atime = lr->atime, .mtime = lr->mtime };
	if (ur->iops->setattr(ur, &ia))
		goto fail;
	struct inode *root = ovl_inode_new(sb, NULL, "/", ur, lr, lr->ino);
	if (!root)
		goto fail;
	sb->root = dentry_new(NULL, "/", root);
	inode_put(root);
	if (!sb->root)
		goto fail;
	return sb;
fail:
	free(os);
	free(sb);
	return NULL;
}
