/* Fakes of the vfs object functions goferfs uses, for unit_gofer. */
#include <stdlib.h>
#include <string.h>
#include "vfs/vfs.h"

struct inode *inode_new(struct super_block *sb, mode_t mode)
{
	struct inode *i = calloc(1, sizeof(*i));
	if (!i)
		return NULL;
	i->refs = 1;
	i->sb = sb;
	i->ino = sb ? ++sb->next_ino : 0;
	i->mode = mode;
	i->nlink = 1;
	return i;
}

void inode_get(struct inode *i)
{
	i->refs++;
}

void inode_put(struct inode *i)
{
	if (!i || --i->refs > 0)
		return;
	if (i->iops && i->iops->evict)
		i->iops->evict(i);
	free(i);
}

struct dentry *dentry_new(struct dentry *parent, const char *name, struct inode *inode)
{
	struct dentry *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->refs = 1;
	d->name = strdup(name);
	d->parent = parent ? parent : d;
	d->inode = inode;
	if (inode)
		inode_get(inode);
	return d;
}

void dentry_put(struct dentry *d)
{
	if (!d || --d->refs > 0)
		return;
	inode_put(d->inode);
	free(d->name);
	free(d);
}
