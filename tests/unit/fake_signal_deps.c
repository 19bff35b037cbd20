/* Fakes for test_signal.c (see fake_signal_deps.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include "sentry/kernel.h"
#include "sentry/process.h"
#include "sentry/signal.h"
#include "sentry/waitq.h"
#include "platform/platform.h"
#include "fake_signal_deps.h"

__thread struct task *current;
struct kernel kernel = { .lock = PTHREAD_MUTEX_INITIALIZER };
struct fake_platform_log fake_plat;
jmp_buf *fake_exit_jmp;
int fake_exit_status, fake_exit_calls;

static pthread_cond_t wake_cond = PTHREAD_COND_INITIALIZER;
static _Alignas(4096) uint8_t memfile[8 << 20];
static uint64_t memfile_used;

void kernel_lock(void) { pthread_mutex_lock(&kernel.lock); }
void kernel_unlock(void) { pthread_mutex_unlock(&kernel.lock); }

uint64_t now_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t now_real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- tasks ---------------------------------------------------------------- */

struct task *task_lookup(int tid)
{
	struct list_head *p;
	list_for_each(p, &kernel.tasks) {
		struct task *t = list_entry(p, struct task, all_link);
		if (t->tid == tid)
			return t;
	}
	return NULL;
}

struct thread_group *tg_lookup(int tgid)
{
	struct list_head *p;
	list_for_each(p, &kernel.tgs) {
		struct thread_group *tg = list_entry(p, struct thread_group, all_link);
		if (tg->tgid == tgid)
			return tg;
	}
	return NULL;
}

int task_should_exit(struct task *t) { return t->exit_pending || t->tg->group_exiting; }

bool task_signal_pending(struct task *t)
{
	if (t->exit_pending || t->tg->group_exiting)
		return true;
	ksigset_t pending = t->pending.set | t->tg->shared_pending.set;
	return (pending & (~t->blocked | KSIG_BIT(SIGKILL) | KSIG_BIT(SIGSTOP))) != 0;
}

/* wake_fd doubles as the "woken" flag of a fake task. */
void task_wake(struct task *t)
{
	t->wake_fd = 1;
	pthread_cond_broadcast(&wake_cond);
}

static int sleep_until(struct task *t, uint64_t deadline, bool (*interrupted)(struct task *))
{
	while (!t->wake_fd && !interrupted(t)) {
		uint64_t now = now_mono_ns();
		if (deadline && now >= deadline)
			return -ETIMEDOUT;
		/* Bounded waits: a test never hangs forever on a lost wake-up. */
		uint64_t until = now_real_ns() + (deadline ? deadline - now : 2000000000ULL);
		struct timespec ts = { (time_t)(until / 1000000000ULL), (long)(until % 1000000000ULL) };
		if (pthread_cond_timedwait(&wake_cond, &kernel.lock, &ts) && !deadline)
			return -ETIMEDOUT;
	}
	t->wake_fd = 0;
	return interrupted(t) ? -EINTR : 0;
}

int task_sleep(struct task *t, uint64_t deadline_ns)
{
	return sleep_until(t, deadline_ns, task_signal_pending);
}

static bool must_exit(struct task *t) { return task_should_exit(t); }

void task_sleep_killable(struct task *t)
{
	sleep_until(t, 0, must_exit);
}

noreturn void do_exit(struct task *t, int status)
{
	fake_exit_status = status;
	fake_exit_calls++;
	longjmp(*fake_exit_jmp, 1);
}

noreturn void do_group_exit(struct task *t, int status)
{
	if (!t->tg->group_exiting) {
		t->tg->group_exiting = true;
		t->tg->group_exit_code = status;
	}
	do_exit(t, t->tg->group_exit_code);
}

void waitq_wake_all(struct waitq *wq) { (void)wq; }

/* ---- platform + FPU ------------------------------------------------------- */

size_t arch_fpstate_size(void) { return FAKE_XSIZE; }
uint64_t arch_xsave_features(void) { return 7; }

void arch_fpstate_init(struct arch_fpstate *fp)
{
	fp->buf = aligned_alloc(64, FAKE_XSIZE);
	memset(fp->buf, 0, FAKE_XSIZE);
	uint16_t fcw = 0x37f;
	uint32_t mxcsr = 0x1f80;
	memcpy(fp->buf, &fcw, 2);
	memcpy(fp->buf + 24, &mxcsr, 4);
	fp->valid = true;
}

void arch_fpstate_free(struct arch_fpstate *fp)
{
	free(fp->buf);
	fp->buf = NULL;
}

void fake_fill_fp(uint8_t *b)
{
	for (int i = 0; i < FAKE_XSIZE; i++)
		b[i] = (uint8_t)(i * 7 + 1);
	uint32_t mxcsr = 0x1f80;
	memcpy(b + 24, &mxcsr, 4);
	memset(b + 464, 0, 48);              /* software bytes: the kernel's */
	memset(b + 512, 0, 64);              /* XSAVE header */
	uint64_t bv = 4;                     /* AVX in use; FP/SSE "init" */
	memcpy(b + 512, &bv, 8);
}

static int fake_get_fp(struct platform_ctx *ctx, struct arch_fpstate *fp)
{
	fake_plat.get_fp++;
	fake_fill_fp(fp->buf);
	return 0;
}

static int fake_set_fp(struct platform_ctx *ctx, const struct arch_fpstate *fp)
{
	fake_plat.set_fp++;
	memcpy(fake_plat.last_set, fp->buf, FAKE_XSIZE);
	return 0;
}

static void fake_interrupt(struct platform_ctx *ctx) { fake_plat.interrupts++; }

static const struct platform_ops fake_platform = {
	.name = "fake",
	.get_fpstate = fake_get_fp,
	.set_fpstate = fake_set_fp,
	.ctx_interrupt = fake_interrupt,
};
const struct platform_ops *platform = &fake_platform;

/* ---- memory ---------------------------------------------------------------- */

void *memfile_ptr(uint64_t off) { return memfile + off; }

struct vma *mm_find_vma(struct mm *mm, uint64_t addr)
{
	struct list_head *p;
	list_for_each(p, &mm->vmas) {
		struct vma *v = list_entry(p, struct vma, link);
		if (addr >= v->start && addr < v->end)
			return v;
	}
	return NULL;
}

int mm_fault(struct mm *mm, struct platform_ctx *via, uint64_t addr, int access) { return 0; }

static int user_copy(struct mm *mm, uint64_t addr, void *buf, size_t n, int prot, bool to_user)
{
	uint8_t *b = buf;
	while (n) {
		struct vma *v = mm_find_vma(mm, addr);
		if (!v || !(v->prot & prot))
			return -EFAULT;
		size_t chunk = v->end - addr < n ? v->end - addr : n;
		uint8_t *m = memfile + v->range->off + v->range_off + (addr - v->start);
		if (to_user)
			memcpy(m, b, chunk);
		else
			memcpy(b, m, chunk);
		addr += chunk;
		b += chunk;
		n -= chunk;
	}
	return 0;
}

int copy_from_user(struct mm *mm, void *dst, uint64_t src, size_t n)
{
	return user_copy(mm, src, dst, n, PROT_READ, false);
}

int copy_to_user(struct mm *mm, uint64_t dst, const void *src, size_t n)
{
	return user_copy(mm, dst, (void *)src, n, PROT_WRITE, true);
}

struct mm *fake_mm_new(void)
{
	struct mm *mm = calloc(1, sizeof(*mm));
	mm->users = 1;
	list_init(&mm->vmas);
	return mm;
}

struct vma *fake_map(struct mm *mm, uint64_t start, uint64_t len, int prot, int flags,
		     struct mem_range *share)
{
	struct mem_range *r = share;
	if (!r) {
		r = calloc(1, sizeof(*r));
		r->off = memfile_used;
		r->len = len;
		memfile_used += len;
		memset(memfile + r->off, 0, len);
	}
	r->refs++;
	struct vma *v = calloc(1, sizeof(*v));
	v->start = start;
	v->end = start + len;
	v->prot = prot;
	v->flags = flags;
	v->range = r;
	list_add_tail(&v->link, &mm->vmas);
	mm->nr_vmas++;
	return v;
}

struct thread_group *fake_tg_new(int tgid, struct thread_group *parent)
{
	struct thread_group *tg = calloc(1, sizeof(*tg));
	tg->tgid = tg->pgid = tg->sid = tgid;
	tg->refs = 1;
	list_init(&tg->tasks);
	list_init(&tg->children);
	list_init(&tg->sibling);
	sigpending_init(&tg->shared_pending);
	tg->parent = parent;
	tg->exit_signal = SIGCHLD;
	for (int i = 0; i < RLIM_NLIMITS; i++)
		tg->rlimits[i].rlim_cur = tg->rlimits[i].rlim_max = RLIM_INFINITY;
	tg->rlimits[RLIMIT_SIGPENDING].rlim_cur = 1000;
	list_add_tail(&tg->all_link, &kernel.tgs);
	return tg;
}

struct task *fake_task_new(struct thread_group *tg, int tid, struct mm *mm)
{
	struct task *t = calloc(1, sizeof(*t));
	t->tid = tid;
	t->tg = tg;
	t->mm = mm;
	t->sighand = tg->leader ? tg->leader->sighand : sighand_new();
	if (tg->leader)
		tg->leader->sighand->refs++;
	else
		tg->leader = t;
	sigpending_init(&t->pending);
	t->altstack_flags = 2;   /* SS_DISABLE */
	t->ctx = (struct platform_ctx *)t;   /* any non-NULL handle */
	t->regs.gp.cs = 0x33;
	t->regs.gp.ss = 0x2b;
	list_add_tail(&t->tg_link, &tg->tasks);
	list_add_tail(&t->all_link, &kernel.tasks);
	tg->nr_live++;
	return t;
}

void fake_reset(void)
{
	list_init(&kernel.tasks);
	list_init(&kernel.tgs);
	memset(&fake_plat, 0, sizeof(fake_plat));
	memfile_used = 0;
	fake_exit_calls = 0;
	fake_exit_status = -1;
}
