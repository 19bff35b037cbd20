/*
 * memfd_create: an unlinked tmpfs regular file named "memfd:NAME" on an
 * internal tmpfs mount (not in the mount table), so /proc/PID/fd shows
 * "/memfd:NAME (deleted)". Seals live in the tmpfs node; tmpfs enforces
 * them on write and resize, mmap asks memfd_write_sealed. File data is
 * tmpfs's, in the memory file, so MAP_SHARED mappings share it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "vfs_impl.h"
#include "memfd.h"
#include "tmpfs/tmpfs.h"
#include "../sentry/task.h"

#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#define ALL_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | \
		   F_SEAL_FUTURE_WRITE | F_SEAL_EXEC)

static struct mount *shm_mnt;

static struct mount *shm_mount(void)
{
	if (shm_mnt)
		return shm_mnt;
	struct super_block *sb = tmpfs_new();
	struct mount *m = sb ? calloc(1, sizeof(*m)) : NULL;
	if (!m)
		return NULL;               /* sb leaks only if calloc fails: never freed anyway */
	m->refs = 1;
	m->sb = sb;
	m->root = sb->root;
	m->parent = m;
	m->mountpoint = sb->root;
	m->source = "tmpfs";
	list_init(&m->link);
	shm_mnt = m;
	return m;
}

int memfd_new(struct task *t, const char *name, unsigned flags, struct file **out)
{
	struct mount *m = shm_mount();
	char dname[NAME_MAX_LEN + 1];
	if (!m)
		return -ENOMEM;
	mode_t mode = S_IFREG | ((flags & MFD_NOEXEC_SEAL) ? 0666 : 0777);
	struct inode *i = tmpfs_inode_new(m->sb, mode, t ? &t->cred : NULL, NULL);
	if (!i)
		return -ENOMEM;
	i->nlink = 0;
	TN(i)->seals = 0;
	if (flags & MFD_NOEXEC_SEAL)
		TN(i)->seals = F_SEAL_EXEC;
	if (!(flags & (MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL)))
		TN(i)->seals |= F_SEAL_SEAL;
	snprintf(dname, sizeof(dname), MFD_NAME_PREFIX "%s", name);
	struct path p = { m, dentry_new(m->root, dname, i) };
	inode_put(i);
	if (!p.dentry)
		return -ENOMEM;
	dentry_unhash(p.dentry);
	m->refs++;
	struct file *f = file_new(&p, i, i->fops, O_RDWR | O_LARGEFILE);
	path_put(&p);
	if (!f)
		return -ENOMEM;
	*out = f;
	return 0;
}

static bool is_shmem(const struct file *f)
{
	return f->inode && S_ISREG(f->inode->mode) && f->inode->iops == &tmpfs_iops;
}

long memfd_fcntl(struct file *f, int cmd, unsigned arg)
{
	if (!is_shmem(f))
		return -EINVAL;
	struct tmpfs_node *n = TN(f->inode);
	if (cmd == F_GET_SEALS)
		return n->seals;
	if (!(f->flags & (O_WRONLY | O_RDWR)))
		return -EPERM;
	if (arg & ~ALL_SEALS)
		return -EINVAL;
	if (n->seals & F_SEAL_SEAL)
		return -EPERM;
	/* Like Linux: shared mappings that may write (made through a writable
	 * description, even if PROT_READ for now) forbid F_SEAL_WRITE. */
	if ((arg & F_SEAL_WRITE) && f->inode->mmap_writable > 0)
		return -EBUSY;
	n->seals |= arg;
	return 0;
}

bool memfd_write_sealed(const struct file *f)
{
	return is_shmem(f) && (TN(f->inode)->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE));
}
