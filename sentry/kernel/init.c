/* Guest init (pid 1): the first thread group, built from the boot config. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/signal.h"
#include "sentry/process.h"
#include "sentry/loader.h"
#include "sentry/mm.h"
#include "sentry/log.h"
#include "platform/platform.h"
#include "vfs/vfs.h"
#include "kernel_internal.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void default_rlimits(struct rlimit *rl)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		rl[i] = (struct rlimit){ RLIM_INFINITY, RLIM_INFINITY };
	rl[RLIMIT_NOFILE] = (struct rlimit){ 1024, 4096 };
	rl[RLIMIT_STACK] = (struct rlimit){ 8 << 20, RLIM_INFINITY };
	rl[RLIMIT_CORE] = (struct rlimit){ 0, RLIM_INFINITY };
	rl[RLIMIT_NPROC] = (struct rlimit){ 4096, 4096 };
	rl[RLIMIT_SIGPENDING] = (struct rlimit){ 4096, 4096 };
	rl[RLIMIT_MEMLOCK] = (struct rlimit){ 8 << 20, 8 << 20 };
	rl[RLIMIT_MSGQUEUE] = (struct rlimit){ 819200, 819200 };
	rl[RLIMIT_NICE] = (struct rlimit){ 0, 0 };     /* Linux's INIT_RLIMITS */
	rl[RLIMIT_RTPRIO] = (struct rlimit){ 0, 0 };
}

static void root_cred(struct cred *c, uint32_t uid, uint32_t gid)
{
	memset(c, 0, sizeof(*c));
	c->uid = c->euid = c->suid = c->fsuid = uid;
	c->gid = c->egid = c->sgid = c->fsgid = gid;
	uint64_t all = (1ULL << (CAP_LAST_CAP + 1)) - 1;
	c->cap_bounding = all;
	if (uid == 0)
		c->cap_effective = c->cap_permitted = all;
}

static const char *env_get(char **envp, const char *name)
{
	size_t n = strlen(name);
	for (char **e = envp; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* execvp-style search of argv[0] in the guest's PATH, inside the sandbox. */
int process_load_program(struct task *t, char **argv, char **envp, struct load_result *res)
{
	const char *prog = argv[0];
	if (strchr(prog, '/'))
		return loader_load(t, AT_FDCWD, prog, argv, envp, 0, res);
	const char *path = env_get(envp, "PATH");
	if (!path)
		path = DEFAULT_PATH;
	int err = -ENOENT;
	char buf[PATH_MAX_LEN];
	for (const char *p = path; ; ) {
		const char *end = strchr(p, ':');
		size_t dlen = end ? (size_t)(end - p) : strlen(p);
		if (snprintf(buf, sizeof(buf), "%.*s%s%s", (int)dlen, p, dlen ? "/" : "", prog) < (int)sizeof(buf)) {
			int r = loader_load(t, AT_FDCWD, buf, argv, envp, 0, res);
			if (r == 0)
				return 0;
			if (r != -ENOENT && r != -ENOTDIR)
				err = r;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return err;
}

static void *init_main(void *arg)
{
	struct task *t = arg;
	current = t;
	kernel_lock();
	struct platform_as *as;
	if (platform->as_new(NULL, &as, &t->ctx) < 0 || platform->ctx_adopt(t->ctx) < 0) {
		log_error("cannot create the first address space");
		do_exit(t, SIGKILL);
	}
	struct load_result res;
	int err = process_load_program(t, kernel.cfg.argv, kernel.cfg.envp, &res);
	if (err) {
		dprintf(2, "cvisor: %s: %s\n", kernel.cfg.argv[0], strerror(-err));
		do_exit(t, (err == -ENOENT ? 127 : 126) << 8);
	}
	t->mm = res.mm;
	file_put(res.exe);
	t->regs = res.regs;
	memcpy(t->comm, res.comm, sizeof(t->comm));
	task_loop(t);
}

static struct file *stdio_file(int hostfd)
{
	int fd = fcntl(hostfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return NULL;
	int fl = fcntl(fd, F_GETFL);
	return hostfile_new(fd, fl < 0 ? O_RDWR : fl & (O_ACCMODE | O_APPEND | O_NONBLOCK));
}

int process_start_init(void)
{
	struct thread_group *tg = tg_new(NULL);
	struct task *t = task_alloc();
	if (!tg || !t)
		return -ENOMEM;
	tg->tgid = tg->pgid = tg->sid = 1;
	tg->exit_signal = SIGCHLD;
	tg->leader = t;
	default_rlimits(tg->rlimits);
	for (int i = 0; i < kernel.cfg.n_rlimits; i++) {
		const struct kernel_rlimit *r = &kernel.cfg.rlimits[i];
		if (r->resource >= 0 && r->resource < RLIM_NLIMITS)
			tg->rlimits[r->resource] = (struct rlimit){ r->soft, r->hard };
	}
	kernel.last_pid = 1;

	t->tid = 1;
	t->tg = tg;
	t->dumpable = 1;
	t->timer_slack_ns = 50000;
	t->altstack_flags = SS_DISABLE;
	root_cred(&t->cred, kernel.cfg.uid, kernel.cfg.gid);
	if (kernel.cfg.caps) {
		const struct kernel_caps *k = kernel.cfg.caps;
		t->cred.cap_effective = k->effective;
		t->cred.cap_permitted = k->permitted;
		t->cred.cap_inheritable = k->inheritable;
		t->cred.cap_bounding = k->bounding;
		t->cred.cap_ambient = k->ambient;
	}
	t->no_new_privs = kernel.cfg.no_new_privs;
	for (int i = 0; i < kernel.cfg.ngroups && i < (int)(sizeof(t->cred.groups) / sizeof(t->cred.groups[0])); i++)
		t->cred.groups[t->cred.ngroups++] = kernel.cfg.groups[i];
	arch_fpstate_init(&t->fp);
	snprintf(t->comm, sizeof(t->comm), "%s", kernel.cfg.argv[0]);
	current = t;   /* path resolution below runs as init */

	struct path root = { kernel.root_mount, kernel.root };
	t->fs = fs_context_new(&root);
	t->files = fdtable_new();
	t->sighand = sighand_new();
	if (!t->fs || !t->files || !t->sighand)
		return -ENOMEM;
	t->fs->umask = kernel.cfg.has_umask ? kernel.cfg.umask & 0777 : 022;
	list_add_tail(&t->tg_link, &tg->tasks);
	tg->nr_live = 1;
	list_add_tail(&t->all_link, &kernel.tasks);
	kernel.nr_tasks = 1;

	for (int i = 0; i < 3; i++) {
		struct file *f = stdio_file(kernel.cfg.stdio_fds[i]);
		if (!f)
			return -EBADF;
		fd_install_at(t->files, i, f, false);
		file_put(f);
	}
	if (kernel.cfg.cwd) {
		struct path cwd;
		if (path_lookup(t, AT_FDCWD, kernel.cfg.cwd, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &cwd) == 0) {
			path_put(&t->fs->cwd);
			t->fs->cwd = cwd;
		}
	}
	current = NULL;
	return task_start_fn(t, init_main);
}
