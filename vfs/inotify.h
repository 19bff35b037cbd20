/* inotify instances: queues and watches (vfs/fsnotify.c), the file
 * (vfs/notify/inotify.c) and the syscalls. */
#ifndef CVISOR_INOTIFY_H
#define CVISOR_INOTIFY_H
#include <stdint.h>
#include <stddef.h>
#include "../sentry/list.h"
#include "../sentry/waitq.h"

struct task;
struct file;
struct inode;

struct ievent {
	struct list_head link;
	int wd;
	uint32_t mask, cookie;
	uint32_t len;                 /* padded name length, 0 without name */
	char name[];
};

struct inotify {
	struct list_head events;      /* struct ievent, oldest first */
	unsigned nevents;
	size_t bytes;                 /* FIONREAD */
	struct waitq wq;              /* woken on every queued event */
	int next_wd, nwatches;
};

struct inotify *inotify_alloc(void);
void inotify_destroy(struct inotify *in);   /* drops its watches silently */
void inotify_queue(struct inotify *in, int wd, uint32_t mask, uint32_t cookie, const char *name);
void inotify_dequeue(struct inotify *in, struct ievent *e);
/* Returns the watch descriptor or -errno. */
int inotify_watch_add(struct task *t, struct inotify *in, const char *path, uint32_t mask);
int inotify_watch_rm(struct inotify *in, int wd);

/* vfs/notify/inotify.c. flags: O_NONBLOCK (the caller handles O_CLOEXEC). */
int inotify_create(int flags, struct file **out);
struct inotify *inotify_from_file(struct file *f);   /* NULL: not inotify */

#endif
