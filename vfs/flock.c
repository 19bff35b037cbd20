/*
 * flock(2): whole-file locks owned by open file descriptions. One list of
 * held locks; waiters sleep on one waitq and re-check after any release.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/file.h>
#include "vfs_impl.h"
#include "../sentry/task.h"
#include "../sentry/signal_types.h"

struct flock_lock {
	struct list_head link;
	struct inode *inode;
	struct file *owner;
	bool exclusive;
};

static struct list_head locks = LIST_HEAD_INIT(locks);
static struct waitq flock_wq = { LIST_HEAD_INIT(flock_wq.waiters) };

static struct flock_lock *find_own(struct file *f)
{
	struct list_head *pos;
	list_for_each(pos, &locks) {
		struct flock_lock *l = list_entry(pos, struct flock_lock, link);
		if (l->owner == f)
			return l;
	}
	return NULL;
}

static bool conflicts(struct file *f, bool exclusive)
{
	struct list_head *pos;
	list_for_each(pos, &locks) {
		struct flock_lock *l = list_entry(pos, struct flock_lock, link);
		if (l->inode == f->inode && l->owner != f && (exclusive || l->exclusive))
			return true;
	}
	return false;
}

void flock_release(struct file *f)
{
	struct flock_lock *l = find_own(f);
	if (!l)
		return;
	list_del(&l->link);
	free(l);
	waitq_wake_all(&flock_wq);
}

int flock_file(struct task *t, struct file *f, int op)
{
	bool nb = op & LOCK_NB, exclusive;
	struct waiter w;
	int err = 0;

	switch (op & ~LOCK_NB) {
	case LOCK_SH: exclusive = false; break;
	case LOCK_EX: exclusive = true; break;
	case LOCK_UN: flock_release(f); return 0;
	default: return -EINVAL;
	}
	if (!f->inode)
		return -EINVAL;
	struct flock_lock *own = find_own(f);
	if (own && own->exclusive == exclusive)
		return 0;
	if (!conflicts(f, exclusive)) {
		if (own) {
			own->exclusive = exclusive;
			waitq_wake_all(&flock_wq);   /* a downgrade may unblock others */
			return 0;
		}
	} else {
		/* Like Linux, a conversion that has to wait drops the old lock first. */
		if (own)
			flock_release(f);
		if (nb)
			return -EWOULDBLOCK;
		waitq_add(&flock_wq, &w, t);
		while (conflicts(f, exclusive)) {
			err = task_sleep(t, 0);
			if (err)
				break;
		}
		waitq_remove(&w);
		if (err)
			return err == -EINTR ? -ERESTARTSYS : err;
	}
	struct flock_lock *l = malloc(sizeof(*l));
	if (!l)
		return -ENOLCK;
	l->inode = f->inode;
	l->owner = f;
	l->exclusive = exclusive;
	list_add_tail(&l->link, &locks);
	return 0;
}
