/*
 * overlay namespace operations. Changes go to the upper layer after the
 * directory is copied up; a name that still exists in the lower layer is
 * hidden by a whiteout (a char device 0/0 in the upper directory, never
 * shown to the guest); a directory made where a lower object was hidden is
 * opaque (the lower layer is not merged into it). The vfs has checked
 * permissions, types and existence against the merged view.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include "overlay.h"

/* Does name exist in the lower layer under dir (as merged)? */
static bool lower_has(struct inode *dir, const char *name)
{
	struct inode *l = OI(dir)->lower, *i;
	if (!l || !l->iops->lookup || l->iops->lookup(l, name, &i))
		return false;
	inode_put(i);
	return true;
}

static int make_whiteout(struct inode *updir, const char *name)
{
	struct inode *w;
	int err = updir->iops->mknod(updir, name, S_IFCHR, makedev(0, 0), NULL, &w);
	if (!err)
		inode_put(w);
	return err;
}

/* Remove a whiteout at name: 1 if there was one, 0 if the name is free. */
static int clear_whiteout(struct inode *updir, const char *name)
{
	struct inode *w;
	int err = updir->iops->lookup(updir, name, &w);
	if (err)
		return err == -ENOENT ? 0 : err;
	err = ovl_is_whiteout(w) ? updir->iops->unlink(updir, name, w) : -EEXIST;
	inode_put(w);
	return err ? err : 1;
}

enum kind { K_REG, K_DIR, K_NODE, K_LINK };

static int make(struct inode *dir, const char *name, enum kind k, mode_t mode, dev_t rdev,
		const char *target, const struct cred *c, struct inode **out)
{
	if (k == K_NODE && S_ISCHR(mode) && rdev == 0)
		return -EPERM;    /* reserved: that is what a whiteout is */
	int err = ovl_copy_up(dir);
	if (err)
		return err;
	struct inode *up = OI(dir)->upper, *u;
	int wo = clear_whiteout(up, name);
	if (wo < 0)
		return wo;
	switch (k) {
	case K_REG:
		err = up->iops->create(up, name, mode, c, &u);
		break;
	case K_DIR:
		err = up->iops->mkdir(up, name, mode, c, &u);
		break;
	case K_NODE:
		err = up->iops->mknod(up, name, mode, rdev, c, &u);
		break;
	case K_LINK:
		err = up->iops->symlink(up, name, target, c, &u);
		break;
	}
	if (!err && k == K_DIR && wo && (err = ovl_set_opaque(dir->sb, u))) {
		(void)up->iops->rmdir(up, name, u);
		inode_put(u);
	}
	if (err) {
		if (wo)
			(void)make_whiteout(up, name);
		return err;
	}
	*out = ovl_inode_new(dir->sb, dir, name, u, NULL, ovl_upper_ino(u->ino));
	inode_put(u);
	ovl_copy_attr(dir);
	return *out ? 0 : -ENOMEM;
}

int ovl_create(struct inode *dir, const char *name, mode_t mode, const struct cred *c,
	       struct inode **out)
{
	return make(dir, name, K_REG, mode, 0, NULL, c, out);
}

int ovl_mkdir(struct inode *dir, const char *name, mode_t mode, const struct cred *c,
	      struct inode **out)
{
	return make(dir, name, K_DIR, mode, 0, NULL, c, out);
}

int ovl_mknod(struct inode *dir, const char *name, mode_t mode, dev_t rdev,
	      const struct cred *c, struct inode **out)
{
	return make(dir, name, K_NODE, mode, rdev, NULL, c, out);
}

int ovl_symlink(struct inode *dir, const char *name, const char *target,
		const struct cred *c, struct inode **out)
{
	return make(dir, name, K_LINK, S_IFLNK | 0777, 0, target, c, out);
}

int ovl_link(struct inode *dir, const char *name, struct inode *target)
{
	int err = ovl_copy_up(target);
	if (!err)
		err = ovl_copy_up(dir);
	if (err)
		return err;
	struct inode *up = OI(dir)->upper;
	int wo = clear_whiteout(up, name);
	if (wo < 0)
		return wo;
	err = up->iops->link(up, name, OI(target)->upper);
	if (err && wo)
		(void)make_whiteout(up, name);
	ovl_copy_attr(target);
	ovl_copy_attr(dir);
	return err;
}

/* unlink and rmdir: remove the upper object, then hide the lower one. */
static int remove_entry(struct inode *dir, const char *name, struct inode *victim, bool isdir)
{
	int err = ovl_copy_up(dir);
	if (err)
		return err;
	struct inode *up = OI(dir)->upper, *vu = OI(victim)->upper;
	bool hide = lower_has(dir, name);
	if (isdir && (err = ovl_check_empty_and_purge(victim)))
		return err;
	if (vu) {
		err = isdir ? up->iops->rmdir(up, name, vu) : up->iops->unlink(up, name, vu);
		if (err)
			return err;
		if (isdir)
			ovl_clear_opaque(dir->sb, vu);
	}
	if (hide && (err = make_whiteout(up, name)))
		return err;
	ovl_detach(victim);
	if (vu)
		ovl_copy_attr(victim);
	else
		victim->nlink = 0;
	if (isdir)
		victim->nlink = 0;
	ovl_copy_attr(dir);
	return 0;
}

int ovl_unlink(struct inode *dir, const char *name, struct inode *victim)
{
	return remove_entry(dir, name, victim, false);
}

int ovl_rmdir(struct inode *dir, const char *name, struct inode *victim)
{
	return remove_entry(dir, name, victim, true);
}

/* Move the overlay inode i to dir/name in the bookkeeping. */
static int move_child(struct inode *i, struct inode *dir, const char *name)
{
	char *n = strdup(name);
	if (!n)
		return -ENOMEM;
	struct ovl_inode *oi = OI(i);
	free(oi->name);
	oi->name = n;
	list_del(&oi->sibling);
	list_add_tail(&oi->sibling, &OI(dir)->children);
	if (oi->parent != dir) {
		inode_get(dir);
		inode_put(oi->parent);
		oi->parent = dir;
	}
	return 0;
}

/* A directory can move only if it lives in the upper layer alone (no
 * redirects, like overlayfs without redirect_dir). */
static int check_movable(struct inode *i)
{
	return S_ISDIR(i->mode) && OI(i)->lower ? -EXDEV : 0;
}

int ovl_rename(struct inode *odir, const char *oname, struct inode *ndir, const char *nname,
	       unsigned flags)
{
	struct inode *src = NULL, *dst = NULL;
	bool exchange = flags & RENAME_EXCHANGE;
	int err = ovl_lookup(odir, oname, &src);
	if (err)
		return err;
	err = ovl_lookup(ndir, nname, &dst);
	if (err == -ENOENT)
		dst = NULL;
	else if (err)
		goto out;
	if ((err = check_movable(src)) || (exchange && dst && (err = check_movable(dst))))
		goto out;
	if ((err = ovl_copy_up(odir)) || (err = ovl_copy_up(ndir)) || (err = ovl_copy_up(src)) ||
	    (exchange && dst && (err = ovl_copy_up(dst))))
		goto out;
	struct inode *oup = OI(odir)->upper, *nup = OI(ndir)->upper;
	bool hide = !exchange && lower_has(odir, oname);
	bool opaque = !exchange && S_ISDIR(src->mode) && lower_has(ndir, nname);
	if (!exchange && dst && S_ISDIR(dst->mode) && (err = ovl_check_empty_and_purge(dst)))
		goto out;
	int wo = 0;
	if (!exchange && (!dst || !OI(dst)->upper) && (wo = clear_whiteout(nup, nname)) < 0) {
		err = wo;
		goto out;
	}
	err = oup->iops->rename(oup, oname, nup, nname, flags);
	if (err) {
		if (wo)
			(void)make_whiteout(nup, nname);
		goto out;
	}
	if (opaque)
		(void)ovl_set_opaque(odir->sb, OI(src)->upper);
	if (hide)
		(void)make_whiteout(oup, oname);
	if (exchange) {
		(void)move_child(dst, odir, oname);
	} else if (dst) {
		ovl_detach(dst);
		if (OI(dst)->upper)
			ovl_copy_attr(dst);
		dst->nlink = S_ISDIR(dst->mode) ? 0 : dst->nlink;
		if (S_ISDIR(dst->mode) && OI(dst)->upper)
			ovl_clear_opaque(odir->sb, OI(dst)->upper);
	}
	(void)move_child(src, ndir, nname);
	ovl_copy_attr(src);
	ovl_copy_attr(odir);
	ovl_copy_attr(ndir);
out:
	if (src)
		inode_put(src);
	if (dst)
		inode_put(dst);
	return err;
}
