/* Pods: app containers in the sandbox's kernel (container.h). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sentry/kernel/container.h"
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/signal.h"
#include "sentry/process.h"
#include "sentry/list.h"
#include "sentry/log.h"
#include "vfs/vfs.h"
#include "platform/platform.h"

#define CONTAINER_MAX_FDS 64

struct container {
	struct list_head link;
	int refs;                    /* the list's, and sleeping waiters' */
	char *id;
	struct mount *root;          /* its tree (NULL once deleted) */
	int fds[CONTAINER_MAX_FDS];  /* gofer channels */
	int nfds;
	int stdio[3];                /* init's, until it starts */
	bool console;
	char **argv, **envp, *cwd;
	uint32_t uid, gid, groups[32];
	int ngroups;
	bool has_caps, no_new_privs;
	struct kernel_caps caps;
	struct kernel_rlimit rlimits[16];
	int n_rlimits;
	int init_pid;
	bool started, collected, deleted, paused;
	int killed_sig;              /* a fatal kill before start */
	int status;                  /* init's wait status once collected */
};

static struct list_head containers = LIST_HEAD_INIT(containers);
int containers_paused;
static pthread_cond_t container_cond = PTHREAD_COND_INITIALIZER;

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static char **strv_dup(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	char **c = calloc(n + 1, sizeof(*c));
	for (size_t i = 0; c && i < n; i++)
		if (!(c[i] = strdup(v[i]))) {
			strv_free(c);
			return NULL;
		}
	return c;
}

static struct container *find(const char *id)
{
	struct list_head *p;
	list_for_each(p, &containers) {
		struct container *c = list_entry(p, struct container, link);
		if (!strcmp(c->id, id))
			return c;
	}
	return NULL;
}

static void close_stdio(struct container *c)
{
	for (int i = 0; i < 3; i++)
		if (c->stdio[i] >= 0)
			close(c->stdio[i]);
	c->stdio[0] = c->stdio[1] = c->stdio[2] = -1;
}

static void container_put(struct container *c)
{
	if (--c->refs > 0)
		return;
	close_stdio(c);
	for (int i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	strv_free(c->argv);
	strv_free(c->envp);
	free(c->cwd);
	free(c->id);
	free(c);
}

int container_lookup(const char *id, struct container **c)
{
	*c = id ? find(id) : NULL;
	return id && !*c ? -ENOENT : 0;
}

bool containers_exist(void)
{
	return !list_empty(&containers);
}

/* The mount tree (its top mount) holding fs's root. */
static struct mount *tree_of(const struct fs_context *fs)
{
	struct mount *m = fs->root.mnt;
	while (m->parent != m)
		m = m->parent;
	return m;
}

bool container_owns(const struct container *c, const struct thread_group *tg)
{
	if (tg->zombie)
		return false;
	struct list_head *p;
	list_for_each(p, &tg->tasks) {
		struct task *t = list_entry(p, struct task, tg_link);
		if (t->state >= TASK_EXITING || !t->fs || !t->fs->root.mnt)
			continue;
		return tree_of(t->fs) == (c ? c->root : kernel.root_mount);
	}
	return false;
}

int container_create(const struct container_spec *cs)
{
	if (!cs->id || !cs->id[0] || !cs->proc || !cs->proc->argv || !cs->proc->argv[0] ||
	    cs->n_mounts + 1 > CONTAINER_MAX_FDS || cs->proc->ngroups > 32 ||
	    cs->proc->n_rlimits < 0 || cs->proc->n_rlimits > 16 ||
	    (cs->proc->cwd && cs->proc->cwd[0] != '/'))
		return -EINVAL;
	if (find(cs->id))
		return -EEXIST;
	struct container *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->refs = 1;
	c->id = strdup(cs->id);
	c->argv = strv_dup(cs->proc->argv);
	c->envp = strv_dup(cs->proc->envp);
	c->cwd = cs->proc->cwd ? strdup(cs->proc->cwd) : NULL;
	c->stdio[0] = c->stdio[1] = c->stdio[2] = -1;
	int err = -ENOMEM;
	if (!c->id || !c->argv || !c->envp || (cs->proc->cwd && !c->cwd))
		goto fail;
	c->uid = cs->proc->uid;
	c->gid = cs->proc->gid;
	c->ngroups = cs->proc->ngroups;
	if (c->ngroups)
		memcpy(c->groups, cs->proc->groups, (size_t)c->ngroups * sizeof(uint32_t));
	c->has_caps = cs->proc->caps != NULL;
	if (c->has_caps)
		c->caps = *cs->proc->caps;
	c->no_new_privs = cs->proc->no_new_privs;
	c->n_rlimits = cs->proc->n_rlimits;
	if (c->n_rlimits)
		memcpy(c->rlimits, cs->proc->rlimits, (size_t)c->n_rlimits * sizeof(c->rlimits[0]));
	err = vfs_container_root(cs->root_fd, cs->root_readonly, cs->mounts, cs->n_mounts, &c->root);
	if (err < 0)
		goto fail;
	/* from here on the fds are ours */
	memcpy(c->stdio, cs->stdio_fds, sizeof(c->stdio));
	c->console = cs->console;
	c->fds[c->nfds++] = cs->root_fd;
	for (int i = 0; i < cs->n_mounts; i++)
		if (cs->mounts[i].kind == KMOUNT_BIND)
			c->fds[c->nfds++] = cs->mounts[i].gofer_fd;
	list_add_tail(&c->link, &containers);
	return 0;
fail:
	container_put(c);
	return err;
}

int container_exec(const char *id, struct spawn_spec *sp)
{
	struct container *c = find(id);
	if (!c || !c->root)
		return -ENOENT;
	struct path root = { c->root, c->root->root };
	sp->root = &root;
	int pid = process_spawn(sp);
	sp->root = NULL;
	return pid;
}

int container_start_init(const char *id)
{
	struct container *c = find(id);
	if (!c)
		return -ENOENT;
	if (c->started)
		return -EALREADY;
	if (c->killed_sig)
		return -ESRCH;
	struct spawn_spec sp = {
		.argv = c->argv, .envp = c->envp, .cwd = c->cwd, .uid = c->uid, .gid = c->gid,
		.groups = c->groups, .ngroups = c->ngroups, .exit_fd = -1, .console = c->console,
		.caps = c->has_caps ? &c->caps : NULL, .rlimits = c->rlimits,
		.n_rlimits = c->n_rlimits, .no_new_privs = c->no_new_privs,
	};
	memcpy(sp.stdio_fds, c->stdio, sizeof(sp.stdio_fds));
	int pid = container_exec(id, &sp);
	if (pid < 0)
		return pid;
	/* only the guest holds the container's stdio now */
	close_stdio(c);
	c->init_pid = pid;
	c->started = true;
	pthread_cond_broadcast(&container_cond);
	return pid;
}

int container_wait(const char *id)
{
	struct container *c = find(id);
	if (!c)
		return -ENOENT;
	c->refs++;
	while (!c->started && !c->deleted && !c->killed_sig)
		pthread_cond_wait(&container_cond, &kernel.lock);
	if (c->started && !c->collected) {
		c->collected = true;
		int st = process_spawn_wait(c->init_pid, false);
		c->status = st < 0 ? SIGKILL : st;
	} else if (!c->started) {
		c->status = c->killed_sig ? c->killed_sig : SIGKILL;
	}
	int status = c->status;
	container_put(c);
	return status;
}

static bool kills_by_default(int sig)
{
	switch (sig) {
	case 0: case SIGCHLD: case SIGCONT: case SIGURG: case SIGWINCH:
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return false;
	}
	return true;
}

int container_kill(const char *id, int pid, int sig, bool all)
{
	struct container *c = find(id);
	if (!c)
		return -ENOENT;
	if (!c->started) {
		/* like a created runc container: its waiting init dies */
		if (kills_by_default(sig) && !c->killed_sig) {
			c->killed_sig = sig;
			pthread_cond_broadcast(&container_cond);
		}
		return 0;
	}
	int err = -ESRCH;
	if (all) {
		struct list_head *p;
		list_for_each(p, &kernel.tgs) {
			struct thread_group *tg = list_entry(p, struct thread_group, all_link);
			if (container_owns(c, tg) && kill_pid(NULL, tg->tgid, sig) == 0)
				err = 0;
		}
		if (err == -ESRCH && c->collected)
			err = 0;   /* all gone already: nothing to signal */
	} else {
		struct thread_group *tg = tg_lookup(pid > 0 ? pid : c->init_pid);
		err = tg && container_owns(c, tg) ? kill_pid(NULL, tg->tgid, sig) : -ESRCH;
	}
	if (sig == SIGKILL) {
		kernel_pause_kick();
		pthread_cond_broadcast(&container_cond);   /* a paused task dies */
	}
	return err;
}

bool container_task_paused(struct task *t)
{
	if (!t->fs || !t->fs->root.mnt)
		return false;
	struct mount *tree = tree_of(t->fs);
	struct list_head *p;
	list_for_each(p, &containers) {
		struct container *c = list_entry(p, struct container, link);
		if (c->paused && c->root == tree)
			return true;
	}
	return false;
}

static bool sigkill_pending(struct task *t)
{
	return ((t->pending.set | t->tg->shared_pending.set) & KSIG_BIT(SIGKILL)) != 0;
}

void container_pause_wait(struct task *t)
{
	while (container_pause_pending(t) && !task_should_exit(t) && !sigkill_pending(t))
		pthread_cond_wait(&container_cond, &kernel.lock);
}

int container_pause(const char *id, bool pause)
{
	struct container *c = find(id);
	if (!c)
		return -ENOENT;
	if (c->paused == pause)
		return 0;
	c->paused = pause;
	containers_paused += pause ? 1 : -1;
	if (!pause) {
		pthread_cond_broadcast(&container_cond);
		return 0;
	}
	/* its running guest threads come back to the task loop */
	struct list_head *p;
	list_for_each(p, &kernel.tasks) {
		struct task *t = list_entry(p, struct task, all_link);
		if (t->ctx && t->state < TASK_EXITING && t->fs && t->fs->root.mnt && tree_of(t->fs) == c->root)
			platform->ctx_interrupt(t->ctx);
	}
	return 0;
}

static int owned_live(const struct container *c)
{
	int n = 0;
	struct list_head *p;
	list_for_each(p, &kernel.tgs) {
		struct thread_group *tg = list_entry(p, struct thread_group, all_link);
		n += container_owns(c, tg);
	}
	return n;
}

int container_delete(const char *id)
{
	struct container *c = find(id);
	if (!c)
		return -ENOENT;
	list_del(&c->link);
	c->deleted = true;
	if (c->paused)
		containers_paused--;
	c->paused = false;
	pthread_cond_broadcast(&container_cond);
	/* Its processes die first (up to 2 s), so no goferfs call of theirs
	 * is under way when the channels close. */
	for (int i = 0; i < 400 && owned_live(c); i++) {
		struct list_head *p;
		list_for_each(p, &kernel.tgs) {
			struct thread_group *tg = list_entry(p, struct thread_group, all_link);
			if (container_owns(c, tg))
				kill_pid(NULL, tg->tgid, SIGKILL);
		}
		kernel_pause_kick();
		kernel_unlock();
		usleep(5000);
		kernel_lock();
	}
	if (c->started && !c->collected) {
		int st = process_spawn_wait(c->init_pid, true);
		if (st != -EAGAIN) {
			c->collected = true;
			c->status = st < 0 ? SIGKILL : st;
		}
	}
	if (owned_live(c)) {
		/* a goferfs call may still use a channel: keep its fd number */
		log_warn("container %s: processes outlived its deletion; its channels stay open", c->id);
		c->nfds = 0;
	}
	vfs_container_root_put(c->root);
	c->root = NULL;
	/* closing the channels ends the gofers */
	container_put(c);
	return 0;
}
