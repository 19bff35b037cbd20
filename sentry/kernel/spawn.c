/*
 * Processes started from the host (`cvisor exec`): like runc's process that
 * setns()es into the container, a new thread group whose parent is outside
 * the sandbox (ppid 0). Its exit status goes to whoever waits for it through
 * process_spawn_wait (the control server), never to a guest parent.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/signal.h"
#include "sentry/process.h"
#include "sentry/loader.h"
#include "sentry/mm.h"
#include "sentry/log.h"
#include "platform/platform.h"
#include "vfs/vfs.h"
#include "vfs/tty/tty.h"
#include "kernel_internal.h"

#define SPAWN_MAX_ARGS 65536

/* One process started by process_spawn, until its status is collected. */
struct spawned {
	struct list_head link;
	int pid;
	struct task *starting;     /* leader until its thread has loaded the program */
	char **argv, **envp;       /* copies, freed once loaded */
	int errfd;                 /* host stderr for "cannot execute" messages */
	int exit_fd;               /* spawn_spec.exit_fd (not ours) */
	bool dead;
	int status;
};

static struct list_head spawned_list = LIST_HEAD_INIT(spawned_list);
static pthread_cond_t spawned_cond = PTHREAD_COND_INITIALIZER;

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static char **strv_dup(char **v)
{
	size_t n = 0;
	while (v && v[n] && n < SPAWN_MAX_ARGS)
		n++;
	if (v && v[n])
		return NULL;
	char **c = calloc(n + 1, sizeof(*c));
	for (size_t i = 0; c && i < n; i++)
		if (!(c[i] = strdup(v[i]))) {
			strv_free(c);
			return NULL;
		}
	return c;
}

static struct spawned *spawned_find(int pid)
{
	struct list_head *p;
	list_for_each(p, &spawned_list) {
		struct spawned *s = list_entry(p, struct spawned, link);
		if (s->pid == pid)
			return s;
	}
	return NULL;
}

static void spawned_loaded(struct spawned *s)
{
	strv_free(s->argv);
	strv_free(s->envp);
	s->argv = s->envp = NULL;
	if (s->errfd >= 0)
		close(s->errfd);
	s->errfd = -1;
	s->starting = NULL;
}

static void spawned_free(struct spawned *s)
{
	spawned_loaded(s);
	list_del(&s->link);
	free(s);
}

/* kernel.orphan_exit: a parentless group died. */
static void orphan_exit(struct thread_group *tg, int status)
{
	struct spawned *s = spawned_find(tg->tgid);
	if (!s || s->dead)
		return;
	s->dead = true;
	s->status = status;
	pthread_cond_broadcast(&spawned_cond);
	if (s->exit_fd >= 0) {
		uint64_t one = 1;
		if (write(s->exit_fd, &one, sizeof(one)) < 0)
			log_warn("spawn: exit notification of %d: %m", s->pid);
	}
}

static void *spawn_main(void *arg)
{
	struct task *t = arg;
	current = t;
	kernel_lock();
	struct spawned *s = spawned_find(t->tg->tgid);
	struct platform_as *as;
	if (!s || platform->as_new(NULL, &as, &t->ctx) < 0 || platform->ctx_adopt(t->ctx) < 0) {
		log_error("cannot create an address space for process %d", t->tid);
		do_exit(t, SIGKILL);
	}
	struct load_result res;
	int err = process_load_program(t, s->argv, s->envp, &res);
	if (err) {
		if (s->errfd >= 0)
			dprintf(s->errfd, "cvisor: %s: %s\n", s->argv[0], strerror(-err));
		spawned_loaded(s);
		do_exit(t, (err == -ENOENT ? 127 : 126) << 8);
	}
	spawned_loaded(s);
	t->mm = res.mm;
	file_put(res.exe);
	t->regs = res.regs;
	memcpy(t->comm, res.comm, sizeof(t->comm));
	task_loop(t);
}

static struct task *init_task(void)
{
	struct thread_group *init = tg_lookup(1);
	if (!init || init->zombie || init->group_exiting)
		return NULL;
	struct list_head *p;
	list_for_each(p, &init->tasks) {
		struct task *t = list_entry(p, struct task, tg_link);
		if (t->state < TASK_EXITING && t->fs)
			return t;
	}
	return NULL;
}

/* The new task's resources; on failure the caller frees them. */
static int spawn_setup(struct task *t, const struct task *init, const struct spawn_spec *sp)
{
	t->cred = init->cred;
	struct cred *c = &t->cred;
	c->uid = c->euid = c->suid = c->fsuid = sp->uid;
	c->gid = c->egid = c->sgid = c->fsgid = sp->gid;
	c->ngroups = 0;
	for (int i = 0; i < sp->ngroups && i < (int)(sizeof(c->groups) / sizeof(c->groups[0])); i++)
		c->groups[c->ngroups++] = sp->groups[i];
	if (sp->uid != 0)
		c->cap_effective = c->cap_permitted = c->cap_ambient = 0;
	if (sp->caps) {
		c->cap_effective = sp->caps->effective;
		c->cap_permitted = sp->caps->permitted;
		c->cap_inheritable = sp->caps->inheritable;
		c->cap_bounding = sp->caps->bounding;
		c->cap_ambient = sp->caps->ambient;
	}
	t->no_new_privs = sp->no_new_privs;
	arch_fpstate_init(&t->fp);
	const char *base = strrchr(sp->argv[0], '/');
	snprintf(t->comm, sizeof(t->comm), "%s", base ? base + 1 : sp->argv[0]);

	t->fs = fs_context_dup(init->fs);
	t->files = fdtable_new();
	t->sighand = sighand_new();
	if (!t->fs || !t->files || !t->sighand)
		return -ENOMEM;
	if (sp->root) {
		/* a pod container's process: its own tree, from its root */
		path_put(&t->fs->root);
		path_put(&t->fs->cwd);
		t->fs->root = t->fs->cwd = *sp->root;
		path_get(&t->fs->root);
		path_get(&t->fs->cwd);
	}
	if (sp->cwd) {
		struct path cwd;
		current = t;
		int err = path_lookup(t, AT_FDCWD, sp->cwd, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &cwd);
		current = NULL;
		if (err < 0)
			return err;
		path_put(&t->fs->cwd);
		t->fs->cwd = cwd;
	}
	for (int i = 0; i < 3; i++) {
		int fd = fcntl(sp->stdio_fds[i], F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return -errno;
		int fl = fcntl(fd, F_GETFL);
		struct file *f = hostfile_new(fd, fl < 0 ? O_RDWR : fl & (O_ACCMODE | O_APPEND | O_NONBLOCK));
		if (!f) {
			close(fd);
			return -ENOMEM;
		}
		fd_install_at(t->files, i, f, false);
		file_put(f);
	}
	if (sp->console)
		return console_attach(sp->stdio_fds[0], t->tg, t->files);
	return 0;
}

static void spawn_undo(struct task *t, struct thread_group *tg)
{
	if (t->fs)
		fs_context_put(t->fs);
	if (t->files)
		fdtable_put(t->files);
	if (t->sighand)
		sighand_put(t->sighand);
	tg->leader = NULL;
	tg_release(tg);
	task_free(t);
}

int process_spawn(const struct spawn_spec *sp)
{
	if (!sp->argv || !sp->argv[0])
		return -EINVAL;
	struct task *init = init_task();
	if (!init)
		return -ESRCH;
	kernel.orphan_exit = orphan_exit;
	struct spawned *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->errfd = fcntl(sp->stdio_fds[2], F_DUPFD_CLOEXEC, 3);
	s->argv = strv_dup(sp->argv);
	s->envp = strv_dup(sp->envp);
	list_init(&s->link);
	int pid = pid_alloc();
	struct thread_group *tg = (s->argv && s->envp && pid > 0) ? tg_new(NULL) : NULL;
	struct task *t = tg ? task_alloc() : NULL;
	if (!t) {
		if (tg)
			tg_release(tg);
		spawned_loaded(s);
		free(s);
		return pid < 0 ? pid : -ENOMEM;
	}
	tg->tgid = tg->pgid = tg->sid = pid;
	tg->exit_signal = SIGCHLD;
	tg->leader = t;
	memcpy(tg->rlimits, init->tg->rlimits, sizeof(tg->rlimits));
	for (int i = 0; i < sp->n_rlimits; i++)
		if (sp->rlimits[i].resource >= 0 && sp->rlimits[i].resource < RLIM_NLIMITS)
			tg->rlimits[sp->rlimits[i].resource] =
				(struct rlimit){ sp->rlimits[i].soft, sp->rlimits[i].hard };
	t->tid = pid;
	t->tg = tg;
	t->dumpable = 1;
	t->timer_slack_ns = 50000;
	t->altstack_flags = SS_DISABLE;
	int err = spawn_setup(t, init, sp);
	if (err < 0) {
		spawn_undo(t, tg);
		spawned_loaded(s);
		free(s);
		return err;
	}
	list_add_tail(&t->tg_link, &tg->tasks);
	tg->nr_live = 1;
	list_add_tail(&t->all_link, &kernel.tasks);
	kernel.nr_tasks++;
	s->pid = pid;
	s->exit_fd = sp->exit_fd;
	s->starting = t;
	list_add_tail(&s->link, &spawned_list);
	if ((err = task_start_fn(t, spawn_main)) < 0) {
		list_del(&t->all_link);
		kernel.nr_tasks--;
		list_del(&t->tg_link);
		spawn_undo(t, tg);
		spawned_free(s);
		return err;
	}
	return pid;
}

int process_spawn_wait(int pid, bool nohang)
{
	struct spawned *s = spawned_find(pid);
	if (!s)
		return -ECHILD;
	if (nohang && !s->dead)
		return -EAGAIN;
	while (!s->dead)
		pthread_cond_wait(&spawned_cond, &kernel.lock);
	int status = s->status;
	spawned_free(s);
	return status;
}
