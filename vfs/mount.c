/*
 * The mount tree: all mounts in one list, in mount order, each pointing at
 * its parent and the dentry it covers. A mount holds one reference for
 * being in the tree; open files, cwds and roots hold the others, so an
 * unmounted (detached) mount is freed with its last user, and its
 * filesystem with its last mount (sb->kill).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include "vfs_impl.h"
#include "../sentry/kernel.h"
#include "../sentry/task.h"

static struct list_head all_mounts = LIST_HEAD_INIT(all_mounts);
static int next_mount_id = 1, next_group_id = 1, nr_mounts;

/* A mount of sb with root dentry root (its own, not yet in the tree). */
static struct mount *mount_alloc(struct super_block *sb, struct dentry *root, int flags,
				 const char *source)
{
	struct mount *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->source = strdup(source ? source : "none");
	if (!m->source) {
		free(m);
		return NULL;
	}
	m->refs = 1;                  /* the tree's reference */
	m->sb = sb;
	sb->mounts++;
	m->root = root;
	dentry_get(root);
	m->parent = m;
	m->mountpoint = root;
	dentry_get(root);
	m->flags = flags;
	m->id = next_mount_id++;
	list_init(&m->link);
	return m;
}

/* Put m (self-parented) on mountpoint mp of parent, at the end of the list. */
static void mount_attach(struct mount *m, struct mount *parent, struct dentry *mp)
{
	if (parent != m) {
		dentry_put(m->mountpoint);
		m->parent = parent;
		m->mountpoint = mp;
		dentry_get(mp);
		mp->mounted++;
	}
	list_add_tail(&m->link, &all_mounts);
	nr_mounts++;
}

/* Take m out of the tree: it becomes self-parented (".." at its root stays). */
static void mount_unhook(struct mount *m)
{
	list_del(&m->link);
	list_init(&m->link);
	nr_mounts--;
	if (m->parent != m) {
		struct dentry *mp = m->mountpoint;
		mp->mounted--;
		m->parent = m;
		m->mountpoint = m->root;
		dentry_get(m->root);
		dentry_put(mp);
	}
}

static void mount_free(struct mount *m)
{
	struct super_block *sb = m->sb;
	dentry_put(m->root);
	dentry_put(m->mountpoint);
	free(m->source);
	free(m);
	if (--sb->mounts == 0 && sb->kill)
		sb->kill(sb);
}

void mount_put(struct mount *m)
{
	m->expiry_mark = false;       /* used since MNT_EXPIRE marked it */
	mount_put_noexpire(m);
}

void mount_put_noexpire(struct mount *m)
{
	if (--m->refs == 0 && m->detached)
		mount_free(m);
}

struct mount *mount_new(struct super_block *sb, struct mount *parent, struct dentry *mountpoint,
			int flags, const char *source)
{
	struct mount *m = mount_alloc(sb, sb->root, flags, source);
	if (!m)
		return NULL;
	mount_attach(m, parent && mountpoint ? parent : m, mountpoint);
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
		if (path_to_string(&root, &where, mp, PATH_MAX_LEN) < 0 || !mount_reachable(&root, m))
			continue;
		struct path mp_path = { m, m->root };
		snprintf(opts, sizeof(opts), "%s%s%s%s", path_is_readonly(&mp_path) ? "ro" : "rw",
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
		snprintf(mopts, sizeof(mopts), "%s%s%s%s%s%s%s%s", m->flags & MNT_RDONLY ? "ro" : "rw",
			 m->flags & MNT_NOSUID ? ",nosuid" : "", m->flags & MNT_NODEV ? ",nodev" : "",
			 m->flags & MNT_NOEXEC ? ",noexec" : "", m->flags & MNT_NOATIME ? ",noatime" : "",
			 m->flags & MNT_NODIRATIME ? ",nodiratime" : "",
			 m->flags & (MNT_NOATIME | MNT_STRICTATIME) ? "" : ",relatime",
			 m->flags & MNT_NOSYMFOLLOW ? ",nosymfollow" : "");
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

/* ---- mount(2) / umount2(2) ------------------------------------------------- */

static bool dentry_below(struct dentry *d, struct dentry *top)
{
	for (;; d = d->parent) {
		if (d == top)
			return true;
		if (d->parent == d)
			return false;
	}
}

/* Whether m is anc or mounted somewhere below it. */
static bool mount_below(struct mount *m, struct mount *anc)
{
	for (;; m = m->parent) {
		if (m == anc)
			return true;
		if (m->parent == m)
			return false;
	}
}

static bool mount_has_children(struct mount *m)
{
	struct list_head *pos;
	list_for_each(pos, &all_mounts) {
		struct mount *c = list_entry(pos, struct mount, link);
		if (c->parent == m && c != m)
			return true;
	}
	return false;
}

/* In the mount tree (Linux's check_mnt): not detached, and not an
 * internal mount (memfd's, anonymous files) that no path reaches. */
static bool in_tree(const struct mount *m)
{
	return m && !list_empty(&m->link);
}

static int check_target(const struct path *at, struct dentry *root)
{
	if (at->dentry->deleted)
		return -ENOENT;
	if (!in_tree(at->mnt))
		return -EINVAL;
	if (S_ISDIR(at->dentry->inode->mode) != S_ISDIR(root->inode->mode))
		return -ENOTDIR;
	return nr_mounts >= MOUNT_MAX ? -ENOSPC : 0;
}

int mount_add(const struct path *at, struct super_block *sb, int flags, const char *source)
{
	int err = check_target(at, sb->root);
	if (err)
		return err;
	struct mount *m = mount_alloc(sb, sb->root, flags, source);
	if (!m)
		return -ENOMEM;
	mount_attach(m, at->mnt, at->dentry);
	return 0;
}

static struct mount *mount_clone(struct mount *old, struct dentry *root)
{
	struct mount *m = mount_alloc(old->sb, root, old->flags, old->source);
	if (m) {
		m->shared_id = old->shared_id;
		m->master_id = old->master_id;
	}
	return m;
}

/* MS_BIND: a new mount of from's filesystem rooted at from's dentry, on
 * at; with rec, the mounts below from too (except unbindable ones). The
 * copy is made first and attached last, so binding a tree into itself
 * copies it once. */
int mount_bind(const struct path *from, const struct path *at, bool rec)
{
	struct mount *src = from->mnt;
	if (at->dentry->deleted)
		return -ENOENT;
	if (!in_tree(src) || src->unbindable)
		return -EINVAL;
	int err = check_target(at, from->dentry);
	if (err)
		return err;
	int n = 1, cap = 8;
	struct { struct mount *src, *copy; } *v = malloc(cap * sizeof(*v));
	if (!v || !(v[0].copy = mount_clone(src, from->dentry))) {
		free(v);
		return -ENOMEM;
	}
	v[0].src = src;
	for (int i = 0; rec && i < n && !err; i++) {
		struct list_head *pos;
		list_for_each(pos, &all_mounts) {
			struct mount *c = list_entry(pos, struct mount, link);
			if (c->parent != v[i].src || c == v[i].src || c->unbindable ||
			    !dentry_below(c->mountpoint, v[i].copy->root))
				continue;
			if (nr_mounts + n >= MOUNT_MAX) {
				err = -ENOSPC;
				break;
			}
			if (n == cap) {
				void *nv = realloc(v, 2 * cap * sizeof(*v));
				if (!nv) {
					err = -ENOMEM;
					break;
				}
				v = nv;
				cap *= 2;
			}
			if (!(v[n].copy = mount_clone(c, c->root))) {
				err = -ENOMEM;
				break;
			}
			v[n].src = c;
			/* parent and mountpoint for the attach below */
			v[n].copy->parent = v[i].copy;
			dentry_put(v[n].copy->mountpoint);
			v[n].copy->mountpoint = c->mountpoint;
			dentry_get(c->mountpoint);
			n++;
		}
	}
	for (int i = 0; i < n; i++) {
		struct mount *m = v[i].copy;
		if (err) {
			m->detached = true;
			m->parent = m;
			mount_put(m);
		} else if (i == 0) {
			mount_attach(m, at->mnt, at->dentry);
		} else {
			struct mount *parent = m->parent;
			struct dentry *mp = m->mountpoint;
			m->parent = m;
			m->mountpoint = m->root;      /* mount_attach drops mp's reference */
			dentry_get(m->root);
			mount_attach(m, parent, mp);
			dentry_put(mp);
		}
	}
	free(v);
	return err;
}

/* MS_MOVE: the mount whose root is from moves (with its submounts) to at. */
int mount_move(const struct path *from, const struct path *at)
{
	struct mount *m = from->mnt;
	if (!in_tree(m) || from->dentry != m->root || m->parent == m || m->parent->shared_id)
		return -EINVAL;
	int err = check_target(at, m->root);
	if (err)
		return err;
	if (mount_below(at->mnt, m))
		return -ELOOP;
	mount_unhook(m);
	mount_attach(m, at->mnt, at->dentry);
	return 0;
}

/* Whether c shares its peer group with another mount. */
static bool has_peers(struct mount *c)
{
	struct list_head *pos;
	list_for_each(pos, &all_mounts) {
		struct mount *o = list_entry(pos, struct mount, link);
		if (o != c && c->shared_id && o->shared_id == c->shared_id)
			return true;
	}
	return false;
}

static void set_propagation(struct mount *c, unsigned long type)
{
	switch (type) {
	case MS_SHARED:
		if (!c->shared_id)
			c->shared_id = next_group_id++;
		c->unbindable = false;
		break;
	case MS_SLAVE:
	case MS_UNBINDABLE:
		/* a slave of its peers if it has any, else private */
		if (c->shared_id)
			c->master_id = has_peers(c) ? c->shared_id : 0;
		c->shared_id = 0;
		c->unbindable = type == MS_UNBINDABLE;
		break;
	default:
		c->shared_id = c->master_id = 0;
		c->unbindable = false;
	}
}

void mount_set_propagation(struct mount *m, unsigned long type, bool rec)
{
	struct list_head *pos;
	set_propagation(m, type);
	if (!rec)
		return;
	list_for_each(pos, &all_mounts) {
		struct mount *c = list_entry(pos, struct mount, link);
		if (c != m && mount_below(c, m))
			set_propagation(c, type);
	}
}

int mount_umount(struct mount *m, int flags, const struct path *task_root)
{
	if (!in_tree(m) || m->parent == m)   /* the sandbox's root mount, or not in the tree */
		return -EINVAL;
	if (flags & MNT_EXPIRE) {
		if (m == task_root->mnt || (flags & (MNT_FORCE | MNT_DETACH)))
			return -EINVAL;
		if (m->refs != 2)     /* the tree's and the caller's */
			return -EBUSY;
		if (!m->expiry_mark) {
			m->expiry_mark = true;
			return -EAGAIN;
		}
	}
	if (!(flags & MNT_DETACH)) {
		if (m == task_root->mnt) {
			/* Linux "unmounts" the caller's root by making it read-only */
			m->sb->flags |= SB_RDONLY;
			return 0;
		}
		if (m->refs > 2 || mount_has_children(m))
			return -EBUSY;
	}
	/* m and everything mounted below it leave the tree; each is freed
	 * when its last user (open file, cwd) lets go. */
	for (;;) {
		struct mount *victim = NULL;
		struct list_head *pos;
		list_for_each(pos, &all_mounts) {
			struct mount *c = list_entry(pos, struct mount, link);
			if (mount_below(c, m) && !mount_has_children(c)) {
				victim = c;
				break;
			}
		}
		if (!victim)
			break;
		mount_unhook(victim);
		victim->detached = true;
		mount_put_noexpire(victim);
		if (victim == m)
			break;
	}
	return 0;
}

void mount_detach_tree(struct mount *m)
{
	for (;;) {
		struct mount *victim = NULL;
		struct list_head *pos;
		list_for_each(pos, &all_mounts) {
			struct mount *c = list_entry(pos, struct mount, link);
			if (c != m && mount_below(c, m) && !mount_has_children(c)) {
				victim = c;
				break;
			}
		}
		if (!victim)
			victim = m;
		mount_unhook(victim);
		victim->detached = true;
		mount_put_noexpire(victim);
		if (victim == m)
			return;
	}
}

/* pivot_root: root (the caller's root mount) moves to put_old, new takes
 * root's place; the caller has checked Linux's conditions. */
int mount_pivot(struct mount *root, struct mount *new, const struct path *put_old)
{
	struct mount *rparent = root->parent;
	struct dentry *rmp = root->mountpoint;
	dentry_get(rmp);
	mount_unhook(new);
	mount_unhook(root);
	mount_attach(root, put_old->mnt, put_old->dentry);
	mount_attach(new, rparent, rmp);
	dentry_put(rmp);
	return 0;
}
