/* The mount tree: all mounts in one list, in mount order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vfs_impl.h"
#include "../sentry/kernel.h"
#include "../sentry/task.h"

static struct list_head all_mounts = LIST_HEAD_INIT(all_mounts);
static int next_mount_id = 1;

struct mount *mount_new(struct super_block *sb, struct mount *parent, struct dentry *mountpoint,
			int flags, const char *source)
{
	struct mount *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->source = strdup(source ? source : "none");
	if (!m->source) {
		free(m);
		return NULL;
	}
	m->refs = 1;
	m->sb = sb;
	m->root = sb->root;
	dentry_get(m->root);
	m->parent = parent ? parent : m;
	if (parent && mountpoint) {
		m->mountpoint = mountpoint;
		dentry_get(mountpoint);
		mountpoint->mounted++;
	} else {
		m->mountpoint = m->root;
		dentry_get(m->root);
	}
	m->flags = flags;
	m->id = next_mount_id++;
	list_add_tail(&m->link, &all_mounts);
	return m;
}

struct mount *mount_lookup(struct mount *parent, struct dentry *d)
{
	struct mount *found = NULL;
	struct list_head *pos;

	if (d->mounted <= 0)
		return NULL;
	list_for_each(pos, &all_mounts) {
		struct mount *m = list_entry(pos, struct mount, link);
		if (m->parent == parent && m->mountpoint == d && m != parent)
			found = m;            /* the last one mounted is on top */
	}
	return found;
}

/* Whether m is r's mount or below it in the mount tree (mountinfo and
 * /proc/mounts hide the others, like Linux). */
static bool mount_reachable(const struct path *r, struct mount *m)
{
	struct path p = { m, m->root };
	for (;;) {
		if (p.mnt == r->mnt) {
			/* at r's mount: is p.dentry at or below r->dentry? */
			for (struct dentry *d = p.dentry;; d = d->parent) {
				if (d == r->dentry)
					return true;
				if (d->parent == d)
					return false;
			}
		}
		if (p.mnt->parent == p.mnt)
			return false;
		p.dentry = p.mnt->mountpoint;
		p.mnt = p.mnt->parent;
	}
}

bool path_is_readonly(const struct path *p)
{
	return p->mnt && ((p->mnt->flags & MNT_RDONLY) || (p->mnt->sb->flags & SB_RDONLY));
}

/* Append s, with /proc/mounts escaping of space, tab, newline, backslash. */
static size_t put_escaped(char *buf, size_t len, size_t at, const char *s, bool esc)
{
	for (; *s; s++) {
		char tmp[5];
		int n = 1;
		if (esc && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\'))
			n = snprintf(tmp, sizeof(tmp), "\\%03o", (unsigned char)*s);
		else
			tmp[0] = *s;
		if (at + n < len)
			memcpy(buf + at, tmp, n);
		at += n;
	}
	return at;
}

size_t mounts_render(char *buf, size_t len)
{
	struct path root = { kernel.root_mount, kernel.root };
	struct list_head *pos;
	size_t at = 0;
	char *mp = malloc(PATH_MAX_LEN);

	if (!mp || len == 0) {
		free(mp);
		return 0;
	}
	if (current && current->fs)
		root = current->fs->root;
	list_for_each(pos, &all_mounts) {
		struct mount *m = list_entry(pos, struct mount, link);
		struct path where = { m->parent, m->mountpoint };
		char opts[64];
		if (path_to_string(&root, &where, mp, PATH_MAX_LEN) < 0)
			continue;
		snprintf(opts, sizeof(opts), "%s%s%s%s", m->flags & MNT_RDONLY ? "ro" : "rw",
			 m->flags & MNT_NOSUID ? ",nosuid" : "", m->flags & MNT_NODEV ? ",nodev" : "",
			 m->flags & MNT_NOEXEC ? ",noexec" : "");
		char tail[80];
		snprintf(tail, sizeof(tail), " %s 0 0\n", opts);
		at = put_escaped(buf, len, at, m->source, true);
		at = put_escaped(buf, len, at, " ", false);
		at = put_escaped(buf, len, at, mp, true);
		at = put_escaped(buf, len, at, " ", false);
		at = put_escaped(buf, len, at, m->sb->fstype, true);
		at = put_escaped(buf, len, at, tail, false);
	}
	free(mp);
	if (at >= len)
		at = len - 1;
	buf[at] = 0;
	return at;
}

/* Path of d inside its filesystem ("/" for the root). */
static int path_in_fs(struct dentry *d, char *buf, size_t len)
{
	size_t pos = len - 1, end;
	buf[pos] = 0;
	end = pos;
	for (; d->parent != d; d = d->parent) {
		size_t n = strlen(d->name);
		if (pos < n + 1)
			return -ENAMETOOLONG;
		pos -= n;
		memcpy(buf + pos, d->name, n);
		buf[--pos] = '/';
	}
	if (pos == end)
		buf[--pos] = '/';
	memmove(buf, buf + pos, len - pos);
	return 0;
}

void vfs_for_each_mount(const struct path *root, void (*fn)(const struct mount_info *, void *),
			void *arg)
{
	struct path r = { kernel.root_mount, kernel.root };
	struct list_head *pos;
	char *mp = malloc(PATH_MAX_LEN), *fsroot = malloc(PATH_MAX_LEN);

	if (root)
		r = *root;
	else if (current && current->fs)
		r = current->fs->root;
	list_for_each(pos, &all_mounts) {
		struct mount *m = list_entry(pos, struct mount, link);
		struct path where = { m, m->root };
		char mopts[96], opt[48], sopts[256];
		if (!mp || !fsroot || path_to_string(&r, &where, mp, PATH_MAX_LEN) < 0 ||
		    !mount_reachable(&r, m) || path_in_fs(m->root, fsroot, PATH_MAX_LEN) < 0)
			continue;
		snprintf(mopts, sizeof(mopts), "%s%s%s%s,relatime", m->flags & MNT_RDONLY ? "ro" : "rw",
			 m->flags & MNT_NOSUID ? ",nosuid" : "", m->flags & MNT_NODEV ? ",nodev" : "",
			 m->flags & MNT_NOEXEC ? ",noexec" : "");
		opt[0] = 0;
		if (m->shared_id)
			snprintf(opt, sizeof(opt), "shared:%d", m->shared_id);
		if (m->master_id)
			snprintf(opt + strlen(opt), sizeof(opt) - strlen(opt), "%smaster:%d",
				 opt[0] ? " " : "", m->master_id);
		if (m->unbindable)
			snprintf(opt, sizeof(opt), "unbindable");
		snprintf(sopts, sizeof(sopts), "%s", m->sb->flags & SB_RDONLY ? "ro" : "rw");
		if (m->sb->show_options)
			m->sb->show_options(m->sb, sopts + strlen(sopts), sizeof(sopts) - strlen(sopts));
		struct mount_info mi = {
			.id = m->id, .parent_id = m->parent->id, .dev = m->sb->dev, .root = fsroot,
			.mountpoint = mp, .mnt_opts = mopts, .optional = opt, .fstype = m->sb->fstype,
			.source = m->source, .super_opts = sopts,
		};
		fn(&mi, arg);
	}
	free(mp);
	free(fsroot);
}
