/*
 * The dentry tree. A dentry holds a reference on its inode and on its
 * parent. Positive dentries stay cached in their parent's children list
 * after their last reference is dropped; they are freed once unhashed
 * (unlinked, replaced by rename, or found stale by revalidate) and
 * unreferenced. Negative lookups are not cached.
 *
 * Unreferenced cached dentries sit on an LRU list bounded by
 * DENTRY_LRU_MAX: a walk over a big tree would otherwise pin every inode
 * (and, for goferfs, a gofer fid and host fd each). Eviction frees the
 * oldest leaf; its parent may then become unused and join the LRU.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "vfs_impl.h"

#define DENTRY_LRU_MAX 4096

static struct list_head dentry_lru = LIST_HEAD_INIT(dentry_lru);
static int dentry_lru_len;

static bool dentry_hashed(const struct dentry *d)
{
	return d->parent != d && !d->deleted;
}

static void lru_remove(struct dentry *d)
{
	if (list_empty(&d->lru))
		return;
	list_del(&d->lru);
	dentry_lru_len--;
}

static void dentry_free_unused(struct dentry *d);

/* Evicting a dentry may put its parent on the LRU (lru_add -> here
 * again): the guard keeps that iterative instead of recursive. */
static void lru_shrink(void)
{
	static bool shrinking;
	if (shrinking)
		return;
	shrinking = true;
	while (dentry_lru_len > DENTRY_LRU_MAX) {
		struct dentry *old = list_entry(dentry_lru.next, struct dentry, lru);
		lru_remove(old);
		list_del(&old->sibling);
		old->deleted = true;
		dentry_free_unused(old);
	}
	shrinking = false;
}

static void lru_add(struct dentry *d)
{
	list_add_tail(&d->lru, &dentry_lru);
	dentry_lru_len++;
	lru_shrink();
}

struct dentry *dentry_new(struct dentry *parent, const char *name, struct inode *inode)
{
	struct dentry *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->name = strdup(name ? name : "/");
	if (!d->name) {
		free(d);
		return NULL;
	}
	d->refs = 1;
	d->inode = inode;
	if (inode)
		inode_get(inode);
	list_init(&d->children);
	list_init(&d->sibling);
	list_init(&d->lru);
	if (parent) {
		d->parent = parent;
		dentry_get(parent);
		list_add_tail(&d->sibling, &parent->children);
		d->sb = inode ? inode->sb : parent->sb;
	} else {
		d->parent = d;
		d->sb = inode ? inode->sb : NULL;
	}
	return d;
}

void dentry_get(struct dentry *d)
{
	if (d->refs++ == 0)
		lru_remove(d);
}

/* Free an unhashed dentry with no references, then drop its parent. */
static void dentry_free_unused(struct dentry *d)
{
	struct dentry *parent = d->parent != d ? d->parent : NULL;   /* a root is its own parent */
	inode_put(d->inode);
	free(d->name);
	free(d);
	dentry_put(parent);
}

void dentry_put(struct dentry *d)
{
	if (!d || --d->refs > 0)
		return;
	if (dentry_hashed(d)) {
		if (!d->mounted)
			lru_add(d);           /* stays cached */
		return;
	}
	dentry_free_unused(d);
}

void path_get(const struct path *p)
{
	if (p->mnt)
		p->mnt->refs++;
	if (p->dentry)
		dentry_get(p->dentry);
}

void path_put(struct path *p)
{
	if (p->dentry)
		dentry_put(p->dentry);
	if (p->mnt)
		mount_put(p->mnt);
	p->mnt = NULL;
	p->dentry = NULL;
}

void dentry_unhash(struct dentry *d)
{
	if (!dentry_hashed(d))
		return;
	list_del(&d->sibling);
	d->deleted = true;
	if (d->refs == 0) {
		lru_remove(d);
		dentry_free_unused(d);   /* nobody holds it: free it now */
	}
}

void dentry_move(struct dentry *d, struct dentry *newparent, const char *name)
{
	char *n = strdup(name);
	if (n) {
		free(d->name);
		d->name = n;
	}
	list_del(&d->sibling);
	list_add_tail(&d->sibling, &newparent->children);
	if (newparent != d->parent) {
		struct dentry *old = d->parent;
		dentry_get(newparent);
		d->parent = newparent;
		dentry_put(old);
	}
}

int dentry_lookup_child(struct dentry *dir, const char *name, struct dentry **out)
{
	struct list_head *pos;
	struct inode *inode;
	int err;

	list_for_each(pos, &dir->children) {
		struct dentry *c = list_entry(pos, struct dentry, sibling);
		if (strcmp(c->name, name) != 0)
			continue;
		if (c->inode->iops && c->inode->iops->revalidate) {
			err = c->inode->iops->revalidate(c->inode);
			if (err == -ENOENT || err == -ESTALE) {
				dentry_unhash(c);   /* gone or replaced behind our back */
				break;
			}
			if (err)
				return err;
		}
		dentry_get(c);
		*out = c;
		return 0;
	}
	if (!dir->inode->iops || !dir->inode->iops->lookup)
		return -ENOENT;
	err = dir->inode->iops->lookup(dir->inode, name, &inode);
	if (err)
		return err;
	*out = dentry_new(dir, name, inode);
	inode_put(inode);
	return *out ? 0 : -ENOMEM;
}

void dentry_prune(struct dentry *root)
{
	struct dentry *d = root;
	/* Depth first without recursion (a guest may build deep trees); a
	 * reference on each dentry on the way down keeps the LRU from freeing
	 * it under us. */
	for (;;) {
		if (!list_empty(&d->children)) {
			d = list_entry(d->children.next, struct dentry, sibling);
			dentry_get(d);
			continue;
		}
		if (d == root)
			return;
		struct dentry *parent = d->parent;
		/* Unhash by hand: we hold a reference, so the put frees it. */
		list_del(&d->sibling);
		d->deleted = true;
		dentry_put(d);
		d = parent;
	}
}
