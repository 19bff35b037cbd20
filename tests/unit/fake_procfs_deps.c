/*
 * Fakes for unit_procfs: kernel globals, a task table the test fills in,
 * guest memory = host memory, sleeps that end at once (-ETIMEDOUT with a
 * deadline, -EINTR without), wait queues, and goferfs replaced by a tmpfs
 * so vfs_init mounts the real procfs on /proc.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sentry/kernel.h"
#include "sentry/log.h"
#include "sentry/mm.h"
#include "sentry/signal.h"
#include "sentry/task.h"
#include "sentry/waitq.h"
#include "vfs/vfs.h"
#include "fake_procfs_deps.h"

struct kernel kernel;
__thread struct task *current;
bool log_debug_enabled;
int log_fd = 2;
struct fake_procfs_log fake_proc;

void log_msg(const char *level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void kernel_lock(void) {}
void kernel_unlock(void) {}
void task_wake(struct task *t) {}

int task_sleep(struct task *t, uint64_t deadline_ns)
{
	fake_proc.sleeps++;
	return deadline_ns ? -ETIMEDOUT : -EINTR;
}

int task_sleep_hostfds(struct task *t, struct pollfd *fds, int nfds, uint64_t deadline_ns)
{
	return task_sleep(t, deadline_ns);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
uint64_t now_real_ns(void) { return clock_ns(CLOCK_REALTIME); }
uint64_t now_mono_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

void waitq_init(struct waitq *wq) { list_init(&wq->waiters); }
void waitq_add(struct waitq *wq, struct waiter *w, struct task *t)
{
	w->task = t;
	list_add_tail(&w->link, &wq->waiters);
}
void waitq_remove(struct waiter *w) { list_del(&w->link); }
void waitq_wake_all(struct waitq *wq) {}

struct super_block *goferfs_new(int gofer_fd, bool readonly)
{
	struct super_block *sb = tmpfs_new();
	struct inode *root = sb->root->inode, *i;
	static const char *dirs[] = { "tmp", "dev", "proc", "sys" };
	for (int k = 0; k < 4; k++)
		if (!root->iops->mkdir(root, dirs[k], 0755, NULL, &i))
			inode_put(i);
	root->mode = S_IFDIR | 0755;
	return sb;
}

struct task *task_lookup(int tid)
{
	struct list_head *pos;
	list_for_each(pos, &kernel.tasks) {
		struct task *t = list_entry(pos, struct task, all_link);
		if (t->tid == tid && t->state != TASK_DEAD)
			return t;
	}
	return NULL;
}

struct thread_group *tg_lookup(int tgid)
{
	struct list_head *pos;
	list_for_each(pos, &kernel.tasks) {
		struct task *t = list_entry(pos, struct task, all_link);
		if (t->tg && t->tg->tgid == tgid)
			return t->tg;
	}
	return NULL;
}

int send_signal_thread(struct task *t, const struct ksiginfo *info)
{
	fake_proc.signals++;
	fake_proc.last_signo = info->si_signo;
	return 0;
}

uint64_t memfile_bytes_in_use(void) { return 100ull << 20; }

size_t mm_render_maps(struct mm *mm, char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "00400000-00401000 r-xp 00000000 00:00 0 /bin/x\n");
}

/* Guest memory is host memory here; address 0..4095 faults. */
int copy_from_user(struct mm *mm, void *dst, uint64_t src, size_t n)
{
	if (src < 4096)
		return -EFAULT;
	memcpy(dst, (const void *)(uintptr_t)src, n);
	return 0;
}

int copy_to_user(struct mm *mm, uint64_t dst, const void *src, size_t n)
{
	if (dst < 4096)
		return -EFAULT;
	memcpy((void *)(uintptr_t)dst, src, n);
	return 0;
}

long strncpy_from_user(struct mm *mm, char *dst, uint64_t src, size_t max)
{
	if (src < 4096)
		return -EFAULT;
	size_t n = strnlen((const char *)(uintptr_t)src, max);
	if (n == max)
		return -ENAMETOOLONG;
	memcpy(dst, (const char *)(uintptr_t)src, n + 1);
	return (long)n;
}

/* ---- the fake process table ---------------------------------------------- */

struct fake_env env;
static const char fake_args[] = "a\0bb";   /* argv of pid 5: "a", "bb" */

static void tg_init(struct thread_group *tg, int tgid)
{
	tg->tgid = tgid;
	tg->refs = 1;
	list_init(&tg->tasks);
	list_init(&tg->children);
	list_init(&tg->sibling);
	list_init(&tg->shared_pending.queue);
	tg->exit_signal = 17;
	tg->pgid = tg->sid = 5;
	for (int i = 0; i < RLIM_NLIMITS; i++)
		tg->rlimits[i] = (struct rlimit){ RLIM_INFINITY, RLIM_INFINITY };
	tg->rlimits[RLIMIT_NOFILE] = (struct rlimit){ 1024, 4096 };
}

static void task_init(struct task *t, struct thread_group *tg, int tid, const char *comm)
{
	t->tid = tid;
	t->tg = tg;
	snprintf(t->comm, sizeof(t->comm), "%s", comm);
	list_init(&t->pending.queue);
	list_add_tail(&t->tg_link, &tg->tasks);
	list_add_tail(&t->all_link, &kernel.tasks);
	kernel.nr_tasks++;
	tg->nr_live++;
	if (!tg->leader)
		tg->leader = t;
	t->cred.cap_effective = t->cred.cap_permitted = t->cred.cap_bounding = (1ull << 41) - 1;
}

void fake_env_setup(void)
{
	struct path root;

	list_init(&kernel.tasks);
	kernel.pid_max = 4194304;
	kernel.last_pid = 9;
	kernel.boot_time_mono_ns = now_mono_ns() - 1500000000ull;
	snprintf(kernel.hostname, sizeof(kernel.hostname), "sandbox");
	if (vfs_init(-1, false))
		abort();
	root = (struct path){ kernel.root_mount, kernel.root };
	tg_init(&env.tg1, 5);
	tg_init(&env.tg2, 9);
	env.tg2.parent = &env.tg1;
	task_init(&env.t5, &env.tg1, 5, "init");
	task_init(&env.t7, &env.tg1, 7, "worker");
	task_init(&env.t9, &env.tg2, 9, "child");
	list_init(&env.mm1.vmas);
	env.mm1.users = 2;
	env.mm1.arg_start = (uint64_t)(uintptr_t)fake_args;
	env.mm1.arg_end = env.mm1.arg_start + sizeof(fake_args);
	env.mm1.auxv[0] = 6;           /* AT_PAGESZ */
	env.mm1.auxv[1] = 4096;
	env.mm1.auxv_len = 32;
	env.t5.mm = env.t7.mm = &env.mm1;
	env.t5.files = env.t7.files = fdtable_new();
	env.t9.files = fdtable_new();
	env.t5.fs = env.t7.fs = fs_context_new(&root);
	env.t9.fs = fs_context_new(&root);
	current = &env.t5;
}

/* pid 9 exits and is reaped. */
void fake_env_reap_9(void)
{
	list_del(&env.t9.all_link);
	list_del(&env.t9.tg_link);
	kernel.nr_tasks--;
}

int waitq_wait_step(struct waitq *wq, struct waiter *w, bool *queued, struct task *t)
{
	if (!*queued) {
		waitq_add(wq, w, t);
		*queued = true;
		return 0;
	}
	return task_sleep(t, 0) ? -ERESTARTSYS : 0;
}

/* No ttys in this test: devpts is not mounted, tty nodes do not open. */
struct super_block *devpts_new(void)
{
	return NULL;
}

int tty_chrdev_open(struct inode *inode, struct file *f)
{
	return -ENXIO;
}
