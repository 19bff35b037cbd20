/*
 * The fsnotify hooks and inotify watches/queues the VFS calls. Watches live in one global
 * list (each holds a reference on its inode); an event walks it for the
 * inode and, for named events, its directory. Each instance queues events
 * up to INOTIFY_MAX_QUEUED, then one IN_Q_OVERFLOW; identical consecutive
 * events merge like Linux. Simplification: IN_DELETE_SELF (followed by
 * IN_IGNORED) fires when the last link goes, even while the file is open.
 * The inotify file itself (read, poll, FIONREAD) is vfs/notify/inotify.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include "vfs_impl.h"
#include "fsnotify.h"
#include "inotify.h"
#include "../sentry/task.h"

#define INOTIFY_MAX_QUEUED  16384     /* /proc/sys/fs/inotify/max_queued_events */
#define INOTIFY_MAX_WATCHES 8192      /* max_user_watches (per instance here) */

struct watch {
	struct list_head link;        /* global */
	struct inotify *in;
	struct inode *inode;
	int wd;
	uint32_t mask;
};

static struct list_head watches = LIST_HEAD_INIT(watches);
static uint32_t cookie_seq;

uint32_t fsnotify_next_cookie(void)
{
	return ++cookie_seq ? cookie_seq : ++cookie_seq;
}

void inotify_queue(struct inotify *in, int wd, uint32_t mask, uint32_t cookie,
			const char *name)
{
	size_t nlen = name ? strlen(name) : 0;
	uint32_t plen = nlen ? (uint32_t)((nlen + 1 + sizeof(struct inotify_event) - 1) &
					  ~(sizeof(struct inotify_event) - 1)) : 0;

	if (!list_empty(&in->events)) {
		struct ievent *last = list_entry(in->events.prev, struct ievent, link);
		if (last->mask == IN_Q_OVERFLOW)
			return;
		if (last->wd == wd && last->mask == mask && last->cookie == cookie &&
		    ((!nlen && !last->len) || (nlen && last->len && !strcmp(last->name, name))))
			return;
	}
	if (in->nevents >= INOTIFY_MAX_QUEUED) {
		wd = -1;
		mask = IN_Q_OVERFLOW;
		cookie = 0;
		plen = 0;
	}
	struct ievent *e = calloc(1, sizeof(*e) + plen);
	if (!e)
		return;
	e->wd = wd;
	e->mask = mask;
	e->cookie = cookie;
	e->len = plen;
	if (nlen)
		memcpy(e->name, name, nlen);
	list_add_tail(&e->link, &in->events);
	in->nevents++;
	in->bytes += sizeof(struct inotify_event) + plen;
	waitq_wake_all(&in->wq);
}

static void watch_free(struct watch *w, bool ignored)
{
	if (ignored)
		inotify_queue(w->in, w->wd, IN_IGNORED, 0, NULL);
	list_del(&w->link);
	w->in->nwatches--;
	inode_put(w->inode);
	free(w);
}

/* Deliver to the watches on inode i (name NULL: the inode's own event). */
static void notify(struct inode *i, uint32_t mask, uint32_t cookie, const char *name)
{
	struct list_head *pos, *nx;
	list_for_each_safe(pos, nx, &watches) {
		struct watch *w = list_entry(pos, struct watch, link);
		if (w->inode != i || !(w->mask & mask & IN_ALL_EVENTS))
			continue;
		inotify_queue(w->in, w->wd, mask & (w->mask | IN_ISDIR | IN_IGNORED), cookie, name);
		if (w->mask & IN_ONESHOT)
			watch_free(w, true);
	}
}

void fsnotify_inode(struct inode *i, uint32_t mask)
{
	if (list_empty(&watches) || !i)
		return;
	notify(i, mask | (S_ISDIR(i->mode) ? IN_ISDIR : 0), 0, NULL);
}

void fsnotify_dentry(struct dentry *d, uint32_t mask)
{
	if (list_empty(&watches) || !d || !d->inode)
		return;
	uint32_t isdir = S_ISDIR(d->inode->mode) ? IN_ISDIR : 0;
	/* Like Linux: the parent's (named) event comes first. */
	if (d->parent != d && !d->deleted && d->parent->inode)
		notify(d->parent->inode, mask | isdir, 0, d->name);
	notify(d->inode, mask | isdir, 0, NULL);
}

void fsnotify_name(struct inode *dir, const char *name, struct inode *child, uint32_t mask,
		   uint32_t cookie)
{
	if (list_empty(&watches) || !dir)
		return;
	notify(dir, mask | (child && S_ISDIR(child->mode) ? IN_ISDIR : 0), cookie, name);
}

void fsnotify_delete_self(struct inode *i)
{
	if (!list_empty(&watches) && i)
		notify(i, IN_DELETE_SELF, 0, NULL);
}

void fsnotify_gone(struct inode *i)
{
	struct list_head *pos, *nx;
	if (list_empty(&watches) || !i)
		return;
	list_for_each_safe(pos, nx, &watches) {
		struct watch *w = list_entry(pos, struct watch, link);
		if (w->inode == i)
			watch_free(w, true);
	}
}

void fsnotify_open(struct file *f)
{
	if (!list_empty(&watches) && f->path.dentry)
		fsnotify_dentry(f->path.dentry, IN_OPEN);
}

void fsnotify_close(struct file *f)
{
	if (list_empty(&watches) || !f->path.dentry || (f->flags & O_PATH))
		return;
	int acc = f->flags & O_ACCMODE;
	fsnotify_dentry(f->path.dentry, acc == O_RDONLY ? IN_CLOSE_NOWRITE : IN_CLOSE_WRITE);
}

void fsnotify_modify(struct file *f)
{
	if (list_empty(&watches))
		return;
	if (f->path.dentry)
		fsnotify_dentry(f->path.dentry, IN_MODIFY);
	else
		fsnotify_inode(f->inode, IN_MODIFY);
}

static struct watch *find_watch(struct inotify *in, struct inode *i, int wd)
{
	struct list_head *pos;
	list_for_each(pos, &watches) {
		struct watch *w = list_entry(pos, struct watch, link);
		if (w->in == in && (i ? w->inode == i : w->wd == wd))
			return w;
	}
	return NULL;
}

int inotify_watch_add(struct task *t, struct inotify *in, const char *path, uint32_t mask)
{
	struct path p;

	int lf = (mask & IN_DONT_FOLLOW ? 0 : LOOKUP_FOLLOW) | (mask & IN_ONLYDIR ? LOOKUP_DIRECTORY : 0);
	int err = path_lookup(t, AT_FDCWD, path, lf, &p);
	if (err)
		return err;
	struct inode *i = p.dentry->inode;
	err = inode_permission(&t->cred, i, MAY_READ);
	if (!err) {
		struct watch *w = find_watch(in, i, 0);
		uint32_t m = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
		if (w && (mask & IN_MASK_CREATE)) {
			err = -EEXIST;
		} else if (w) {
			w->mask = (mask & IN_MASK_ADD) ? w->mask | m : m;
			err = w->wd;
		} else if (in->nwatches >= INOTIFY_MAX_WATCHES) {
			err = -ENOSPC;
		} else if (!(w = calloc(1, sizeof(*w)))) {
			err = -ENOMEM;
		} else {
			w->in = in;
			w->inode = i;
			inode_get(i);
			w->wd = in->next_wd++;
			w->mask = m;
			in->nwatches++;
			list_add_tail(&w->link, &watches);
			err = w->wd;
		}
	}
	path_put(&p);
	return err;
}

int inotify_watch_rm(struct inotify *in, int wd)
{
	struct watch *w = find_watch(in, NULL, wd);
	if (!w)
		return -EINVAL;
	watch_free(w, true);
	return 0;
}

struct inotify *inotify_alloc(void)
{
	struct inotify *in = calloc(1, sizeof(*in));
	if (in) {
		list_init(&in->events);
		waitq_init(&in->wq);
		in->next_wd = 1;
	}
	return in;
}

void inotify_dequeue(struct inotify *in, struct ievent *e)
{
	list_del(&e->link);
	in->nevents--;
	in->bytes -= sizeof(struct inotify_event) + e->len;
	free(e);
}

void inotify_destroy(struct inotify *in)
{
	struct list_head *pos, *nx;
	list_for_each_safe(pos, nx, &watches) {
		struct watch *w = list_entry(pos, struct watch, link);
		if (w->in == in)
			watch_free(w, false);
	}
	list_for_each_safe(pos, nx, &in->events)
		free(list_entry(pos, struct ievent, link));
	free(in);
}
