/*
 * fcntl record locks, Linux semantics: byte ranges [start, end] (end
 * OFFSET_MAX = to EOF) per inode; one owner's locks never overlap (setting a
 * range splits and merges them); conflicts are read/write overlaps with
 * other owners. POSIX owners are fd tables and report the locker's tgid;
 * OFD owners are open file descriptions (l_pid -1). F_SETLKW sleeps on one
 * waitq re-checked after every change, with Linux's deadlock detection for
 * POSIX owners (-EDEADLK) and -ERESTARTSYS on signals.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "vfs_impl.h"
#include "lock.h"
#include "../sentry/task.h"
#include "../sentry/signal_types.h"

#define OFFSET_MAX INT64_MAX
#define MAX_LOCKS 65536                 /* in the whole sandbox: then -ENOLCK */
#define MAX_DEADLK_ITERATIONS 10

struct rlock {
	struct list_head link;
	struct inode *inode;               /* no reference: removed before the inode dies */
	void *owner;
	bool ofd;
	int pid;
	short type;                        /* F_RDLCK / F_WRLCK */
	int64_t start, end;
};

/* A POSIX owner sleeping in F_SETLKW, for deadlock detection. */
struct blocked {
	struct list_head link;
	void *owner;
	void *waits_for;                   /* owner of the lock it waits for */
};

static struct list_head locks = LIST_HEAD_INIT(locks);
static struct list_head blocked = LIST_HEAD_INIT(blocked);
static struct waitq lock_wq = { LIST_HEAD_INIT(lock_wq.waiters) };
static int nlocks;

static bool overlap(const struct rlock *l, int64_t s, int64_t e)
{
	return l->start <= e && s <= l->end;
}

static struct rlock *find_conflict(struct inode *i, void *owner, short type, int64_t s, int64_t e)
{
	struct list_head *pos;
	list_for_each(pos, &locks) {
		struct rlock *l = list_entry(pos, struct rlock, link);
		if (l->inode == i && l->owner != owner && overlap(l, s, e) &&
		    (type == F_WRLCK || l->type == F_WRLCK))
			return l;
	}
	return NULL;
}

/* Does waiting for `holder` close a cycle back to `me`? */
static bool deadlock(void *me, void *holder)
{
	for (int n = 0; n < MAX_DEADLK_ITERATIONS; n++) {
		if (holder == me)
			return true;
		struct list_head *pos;
		void *next = NULL;
		list_for_each(pos, &blocked) {
			struct blocked *b = list_entry(pos, struct blocked, link);
			if (b->owner == holder) {
				next = b->waits_for;
				break;
			}
		}
		if (!next)
			return false;
		holder = next;
	}
	return false;
}

static struct rlock *rlock_new(const struct rlock *tmpl, int64_t s, int64_t e)
{
	if (nlocks >= MAX_LOCKS)
		return NULL;
	struct rlock *l = malloc(sizeof(*l));
	if (!l)
		return NULL;
	*l = *tmpl;
	l->start = s;
	l->end = e;
	nlocks++;
	return l;
}

/* The list is kept in ascending start order: F_GETLK reports the lowest conflict. */
static void insert_sorted(struct rlock *n)
{
	struct list_head *pos;
	list_for_each(pos, &locks) {
		struct rlock *l = list_entry(pos, struct rlock, link);
		if (l->start > n->start)
			break;
	}
	list_add_tail(&n->link, pos);
}

static void rlock_free(struct rlock *l)
{
	list_del(&l->link);
	nlocks--;
	free(l);
}

/* Replace owner's locks over [s, e] by `type` (F_UNLCK: remove), merging
 * with adjacent or overlapping locks of the same type. */
static int apply(struct inode *i, void *owner, bool ofd, int pid, short type, int64_t s, int64_t e)
{
	struct rlock want = { .inode = i, .owner = owner, .ofd = ofd, .pid = pid, .type = type };
	struct rlock *spare[2] = { rlock_new(&want, 0, 0), rlock_new(&want, 0, 0) };
	struct list_head *pos, *nx;

	if (!spare[0] || !spare[1]) {
		for (int k = 0; k < 2; k++)
			if (spare[k]) {
				list_init(&spare[k]->link);
				rlock_free(spare[k]);
			}
		return -ENOLCK;
	}
	int used = 0;
	list_for_each_safe(pos, nx, &locks) {
		struct rlock *l = list_entry(pos, struct rlock, link);
		if (l->inode != i || l->owner != owner)
			continue;
		bool adjacent = (e != OFFSET_MAX && l->start == e + 1) || (s > 0 && l->end == s - 1);
		if (l->type == type && (overlap(l, s, e) || adjacent)) {
			if (l->start < s)
				s = l->start;
			if (l->end > e)
				e = l->end;
			rlock_free(l);
			continue;
		}
		if (!overlap(l, s, e))
			continue;
		/* different type (or unlock): keep the parts outside [s, e] */
		if (l->start < s && l->end > e) {
			struct rlock *tail = spare[used++];
			*tail = *l;
			tail->start = e + 1;
			insert_sorted(tail);
			l->end = s - 1;
		} else if (l->start < s) {
			l->end = s - 1;
		} else if (l->end > e) {
			l->start = e + 1;       /* moves right: stays sorted among its peers */
		} else {
			rlock_free(l);
		}
	}
	if (type != F_UNLCK) {
		struct rlock *n = spare[used++];
		n->start = s;
		n->end = e;
		insert_sorted(n);
	}
	while (used < 2) {
		list_init(&spare[used]->link);
		rlock_free(spare[used++]);
	}
	waitq_wake_all(&lock_wq);
	return 0;
}

/* struct flock -> [start, end] like Linux's flock_to_posix_lock. */
static int flock_range(struct file *f, const struct flock *fl, int64_t *s, int64_t *e)
{
	int64_t base, start, end;
	switch (fl->l_whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (int64_t)f->pos; break;
	case SEEK_END: base = f->inode ? (int64_t)f->inode->size : 0; break;
	default: return -EINVAL;
	}
	if (__builtin_add_overflow(base, (int64_t)fl->l_start, &start))
		return -EOVERFLOW;
	if (start < 0)
		return -EINVAL;
	if (fl->l_len > 0) {
		if (__builtin_add_overflow(start, (int64_t)fl->l_len - 1, &end))
			return -EOVERFLOW;
	} else if (fl->l_len < 0) {
		end = start - 1;
		start += fl->l_len;
		if (start < 0)
			return -EINVAL;
	} else {
		end = OFFSET_MAX;
	}
	*s = start;
	*e = end;
	return 0;
}

static int do_getlk(struct file *f, void *owner, struct flock *fl, int64_t s, int64_t e)
{
	if (fl->l_type != F_RDLCK && fl->l_type != F_WRLCK)
		return -EINVAL;
	struct rlock *l = find_conflict(f->inode, owner, fl->l_type, s, e);
	if (!l) {
		fl->l_type = F_UNLCK;
		return 0;
	}
	fl->l_type = l->type;
	fl->l_whence = SEEK_SET;
	fl->l_start = l->start;
	fl->l_len = l->end == OFFSET_MAX ? 0 : l->end - l->start + 1;
	fl->l_pid = l->ofd ? -1 : l->pid;
	return 0;
}

int posix_lock_fcntl(struct task *t, struct file *f, int cmd, struct flock *fl)
{
	bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
	bool wait = cmd == F_SETLKW || cmd == F_OFD_SETLKW;
	void *owner = ofd ? (void *)f : (void *)t->files;
	int64_t s, e;

	if (!f->inode)
		return -EINVAL;
	if (ofd && fl->l_pid != 0)
		return -EINVAL;
	int err = flock_range(f, fl, &s, &e);
	if (err)
		return err;
	if (cmd == F_GETLK || cmd == F_OFD_GETLK)
		return do_getlk(f, owner, fl, s, e);

	int acc = f->flags & O_ACCMODE;
	switch (fl->l_type) {
	case F_RDLCK:
		if (acc == O_WRONLY)
			return -EBADF;
		break;
	case F_WRLCK:
		if (acc == O_RDONLY)
			return -EBADF;
		break;
	case F_UNLCK:
		break;
	default:
		return -EINVAL;
	}
	int pid = t->tg ? t->tg->tgid : t->tid;
	if (fl->l_type == F_UNLCK)
		return apply(f->inode, owner, ofd, pid, F_UNLCK, s, e);

	struct waiter w;
	struct blocked b = { .owner = owner };
	bool waiting = false;
	for (;;) {
		struct rlock *c = find_conflict(f->inode, owner, fl->l_type, s, e);
		if (!c) {
			err = apply(f->inode, owner, ofd, pid, fl->l_type, s, e);
			break;
		}
		if (!wait) {
			err = -EAGAIN;
			break;
		}
		if (!ofd && !c->ofd && deadlock(owner, c->owner)) {
			err = -EDEADLK;
			break;
		}
		b.waits_for = c->owner;
		if (!waiting) {
			waitq_add(&lock_wq, &w, t);
			if (!ofd)
				list_add_tail(&b.link, &blocked);
			waiting = true;
			continue;
		}
		if (task_sleep(t, 0)) {
			err = -ERESTARTSYS;
			break;
		}
	}
	if (waiting) {
		waitq_remove(&w);
		if (!ofd)
			list_del(&b.link);
	}
	return err;
}

static void remove_where(struct inode *i, void *owner)
{
	struct list_head *pos, *nx;
	bool any = false;
	list_for_each_safe(pos, nx, &locks) {
		struct rlock *l = list_entry(pos, struct rlock, link);
		if (l->owner == owner && (!i || l->inode == i)) {
			rlock_free(l);
			any = true;
		}
	}
	if (any)
		waitq_wake_all(&lock_wq);
}

void posix_locks_close(struct file *f, void *owner)
{
	if (f && f->inode && !list_empty(&locks))
		remove_where(f->inode, owner);
}

void ofd_locks_release(struct file *f)
{
	if (!list_empty(&locks))
		remove_where(NULL, f);
}
