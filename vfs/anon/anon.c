/* Anonymous-inode files: one small super block per kind, one inode per file. */
#include <errno.h>
#include <string.h>
#include "vfs/anon/anon.h"
#include "sentry/task.h"

#define ANON_KINDS 4

static struct super_block sbs[ANON_KINDS];

struct super_block *anon_sb(const char *name)
{
	for (int i = 0; i < ANON_KINDS; i++) {
		if (sbs[i].fstype && !strcmp(sbs[i].fstype, name))
			return &sbs[i];
		if (!sbs[i].fstype) {
			sbs[i].fstype = name;
			sbs[i].dev = 13;         /* anon_inodefs, like Linux 0:13 */
			sbs[i].magic = ANON_INODE_FS_MAGIC;
			sbs[i].next_ino = 1;
			return &sbs[i];
		}
	}
	return NULL;
}

struct file *anon_file_new(struct super_block *sb, const struct file_ops *ops, void *priv,
			   int flags)
{
	struct inode *ino;
	struct file *f;
	uint64_t ns = now_real_ns();
	struct timespec now = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

	if (!sb)
		return NULL;
	ino = inode_new(sb, S_IRUSR | S_IWUSR);
	if (!ino)
		return NULL;
	ino->nlink = 1;
	ino->atime = ino->mtime = ino->ctime = ino->btime = now;
	if (current) {
		ino->uid = current->cred.fsuid;
		ino->gid = current->cred.fsgid;
	}
	ino->fops = ops;
	f = file_new_anon(ino, ops, flags);
	inode_put(ino);
	if (f)
		f->priv = priv;
	return f;
}

long anon_install(struct task *t, struct file *f, bool cloexec)
{
	long fd = fd_install(t->files, 0, f, cloexec);

	file_put(f);
	return fd;
}
