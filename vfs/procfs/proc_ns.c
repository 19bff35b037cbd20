/*
 * /proc/PID/ns/: one magic link per namespace type. The sandbox is its own
 * set of initial namespaces, so every task shows the same ones, with the
 * inode numbers of Linux's initial namespaces. A link reads "mnt:[N]" and
 * resolves to an inode of a private nsfs super block (never mounted in the
 * tree) whose st_ino is N; an fd opened on it can be fstat'ed and passed
 * around but not read (-EINVAL), as on Linux.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "procfs_internal.h"
#include "sentry/kernel.h"
#include "sentry/task.h"

#define NSFS_MAGIC 0x6e736673
#define NSFS_DEV 4            /* 0:4, as the host's nsfs */

struct ns_type {
	const char *type;
	uint64_t ino;
};

enum { NS_CGROUP, NS_IPC, NS_MNT, NS_NET, NS_PID, NS_TIME, NS_USER, NS_UTS, NS_COUNT };

static const struct ns_type ns_types[NS_COUNT] = {
	[NS_CGROUP] = { "cgroup", 4026531835u }, [NS_IPC] = { "ipc", 4026531839u },
	[NS_MNT] = { "mnt", 4026531841u },       [NS_NET] = { "net", 4026531840u },
	[NS_PID] = { "pid", 4026531836u },       [NS_TIME] = { "time", 4026531834u },
	[NS_USER] = { "user", 4026531837u },     [NS_UTS] = { "uts", 4026531838u },
};

static struct super_block *ns_sb;
static struct mount ns_mnt;           /* private: not in the mount list */
static struct dentry *ns_dentries[NS_COUNT];
static const struct inode_ops ns_iops;
static const struct file_ops ns_fops;   /* no read/write: -EINVAL */

static struct inode *ns_inode(mode_t mode, uint64_t ino)
{
	struct inode *i = inode_new(ns_sb, mode);

	if (i) {
		i->ino = ino;
		i->iops = &ns_iops;
		i->fops = &ns_fops;
	}
	return i;
}

/* Built on first use; lives as long as the sentry. */
static int ns_init(void)
{
	struct inode *ri;

	if (ns_sb)
		return 0;
	ns_sb = calloc(1, sizeof(*ns_sb));
	if (!ns_sb)
		return -ENOMEM;
	ns_sb->fstype = "nsfs";
	ns_sb->magic = NSFS_MAGIC;
	ns_sb->dev = NSFS_DEV;
	ri = ns_inode(S_IFDIR | 0555, 1);
	if (!ri || !(ns_sb->root = dentry_new(NULL, "/", ri))) {
		inode_put(ri);
		free(ns_sb);
		ns_sb = NULL;
		return -ENOMEM;
	}
	inode_put(ri);
	for (int k = 0; k < NS_COUNT; k++) {
		char name[48];
		struct inode *i = ns_inode(S_IFREG | 0444, ns_types[k].ino);

		snprintf(name, sizeof(name), "%s:[%llu]", ns_types[k].type,
			 (unsigned long long)ns_types[k].ino);
		if (i)
			ns_dentries[k] = dentry_new(ns_sb->root, name, i);
		inode_put(i);
		if (!ns_dentries[k])
			return -ENOMEM;       /* the others stay; retried next time */
	}
	ns_mnt = (struct mount){ .refs = 1, .sb = ns_sb, .root = ns_sb->root, .parent = &ns_mnt,
				 .mountpoint = ns_sb->root, .flags = MNT_NOSUID | MNT_NODEV | MNT_NOEXEC,
				 .source = "nsfs" };
	list_init(&ns_mnt.link);
	return 0;
}

static int ns_index(const struct proc_node *n)
{
	return (int)(intptr_t)n->ent->data;
}

static int ns_readlink(const struct proc_node *n, char *buf, size_t len)
{
	const struct ns_type *ns = &ns_types[ns_index(n)];
	struct task *t = proc_task(n);
	char s[48];
	int k;

	if (!t)
		return -ENOENT;
	if (!proc_may_access(t))
		return -EACCES;
	k = snprintf(s, sizeof(s), "%s:[%llu]", ns->type, (unsigned long long)ns->ino);
	if ((size_t)k > len)
		k = (int)len;
	memcpy(buf, s, (size_t)k);
	return k;
}

static int ns_get_link(const struct proc_node *n, struct path *out)
{
	struct task *t = proc_task(n);
	int k = ns_index(n), err;

	if (!t)
		return -ENOENT;
	if (!proc_may_access(t))
		return -EACCES;
	if ((err = ns_init()) < 0 || (!ns_dentries[k] && (err = -ENOMEM)))
		return err;
	out->mnt = &ns_mnt;
	out->dentry = ns_dentries[k];
	path_get(out);
	return 0;
}

int proc_ns_fd_name(const struct file *f, char *buf, size_t len)
{
	if (!ns_sb || !f->inode || f->inode->sb != ns_sb || !f->path.dentry)
		return -EINVAL;
	return snprintf(buf, len, "%s", f->path.dentry->name);
}

#define NS_ENT(nm, k) { .name = nm, .mode = PLNK, .readlink = ns_readlink, .get_link = ns_get_link, \
			.data = (const void *)(intptr_t)(k) }

const struct proc_ent proc_ns_children[] = {
	NS_ENT("cgroup", NS_CGROUP),
	NS_ENT("ipc", NS_IPC),
	NS_ENT("mnt", NS_MNT),
	NS_ENT("net", NS_NET),
	NS_ENT("pid", NS_PID),
	NS_ENT("pid_for_children", NS_PID),
	NS_ENT("time", NS_TIME),
	NS_ENT("time_for_children", NS_TIME),
	NS_ENT("user", NS_USER),
	NS_ENT("uts", NS_UTS),
	{ 0 },
};
