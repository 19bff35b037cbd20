/*
 * seccomp platform: lifecycle of address spaces and contexts.
 *
 * Every guest thread (context) is a host process (no CLONE_THREAD, so one
 * can be killed alone) running under the stub's seccomp filter: its guest
 * syscalls trap (SIGSYS) into the stub handler, which hands the thread to
 * the sentry through the thread's slot (control page + altstack, a range
 * of the slot file mapped in the stub and in the sentry). The first stub is
 * cloned from the sentry; threads and new address spaces are cloned by a
 * stub thread on request, from the stub text. No ptrace anywhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "seccomp_impl.h"

_Static_assert(STUB_SIZE == SC_CODE_SIZE, "stub_layout.h hard-codes STUB_SIZE");
_Static_assert(SC_SLOTS_BASE >= STUB_BASE + STUB_SIZE, "slots above the stub code");
_Static_assert(SC_SLOTS_BASE % SC_SLOT_SIZE == 0, "slots are found from %rsp");
_Static_assert(sizeof(struct sc_ctl) == SC_CTL_SIZE, "control page layout");
_Static_assert(__builtin_offsetof(struct sc_ctl, req_ret) == SC_CTL_REQ_RET, "control page layout");
_Static_assert(__builtin_offsetof(struct sc_ctl, uctx) == SC_CTL_UCTX, "control page layout");
_Static_assert(__builtin_offsetof(struct sc_ctl, req_r12) == SC_CTL_REQ_R12, "control page layout");
_Static_assert(__builtin_offsetof(struct sc_ctl, site) == SC_CTL_SITE, "control page layout");
_Static_assert(SC_CTL_SIZE <= SC_CTL_PREGS && SC_CTL_PIRET + 40 <= SC_CTL_PSTACK - 64, "control page layout");
_Static_assert(SC_PTAB_END <= SC_GUEST_MIN && SC_GUEST_MIN == GUEST_MIN_ADDR, "patch table below the guest");

#define HWCAP2_FSGSBASE_ (1 << 1)

int sc_memfd = -1, sc_slotfd = -1;

/* The zygote: a stub spawned by init(), before the sentry installs its own
 * seccomp filter (which stubs must not inherit: its KILL would win over
 * their TRAP). Every address space descends from it or from another stub. */
static struct platform_ctx *zygote;
static pthread_mutex_t zygote_lock = PTHREAD_MUTEX_INITIALIZER;
bool sc_fsgsbase, sc_multi_cpu;
int sc_max_spinners;
cpu_set_t sc_cpus;

/* ---- the slot file: global slot indices ---------------------------------- */

static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static long *slot_free;
static long slot_nfree, slot_cap, slot_next;

static long slot_file_alloc(void)
{
	pthread_mutex_lock(&slot_lock);
	long idx = -1;
	if (slot_nfree > 0) {
		idx = slot_free[--slot_nfree];
	} else if (ftruncate(sc_slotfd, (off_t)((slot_next + 1) * SC_SLOT_SIZE)) == 0) {
		idx = slot_next++;
	}
	pthread_mutex_unlock(&slot_lock);
	return idx;
}

static void slot_file_free(long idx)
{
	/* Drop the pages: the next user starts from zeroes. */
	fallocate(sc_slotfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		  (off_t)(idx * SC_SLOT_SIZE), SC_SLOT_SIZE);
	pthread_mutex_lock(&slot_lock);
	if (slot_nfree == slot_cap) {
		long cap = slot_cap ? slot_cap * 2 : 64;
		long *n = realloc(slot_free, (size_t)cap * sizeof(*n));
		if (!n) {   /* leak the index rather than fail a release */
			pthread_mutex_unlock(&slot_lock);
			return;
		}
		slot_free = n;
		slot_cap = cap;
	}
	slot_free[slot_nfree++] = idx;
	pthread_mutex_unlock(&slot_lock);
}

static int spawn_root(struct platform_ctx **out);

/* ---- init ---------------------------------------------------------------- */

static int cpus_usable(void)
{
	if (sched_getaffinity(0, sizeof(sc_cpus), &sc_cpus) < 0)
		return 1;
	return CPU_COUNT(&sc_cpus);
}

/* The table patched sites jump through (see stub_layout.h), mapped here
 * for the zygote to inherit: entry k's address at SC_PTAB_ADDR + 8k. It
 * sits below GUEST_MIN_ADDR, where no guest mapping ever goes; a host
 * whose vm.mmap_min_addr is above it gets no patching. */
static bool patch_table_map(void)
{
	size_t len = SC_PTAB_END - SC_PTAB_ADDR;
	uint64_t *t = mmap((void *)SC_PTAB_ADDR, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (t == MAP_FAILED)
		return false;
	if (t != (uint64_t *)SC_PTAB_ADDR) {
		munmap(t, len);
		return false;
	}
	for (int k = 0; k < SC_MAX_SITES; k++)
		t[k] = SC_STUB_ADDR(sc_stub_patch_entries) + (uint64_t)k * SC_ENTRY_SIZE;
	if (mprotect(t, len, PROT_READ) < 0) {
		munmap(t, len);
		return false;
	}
	return true;
}

static int sc_init(int memfile_fd)
{
	size_t len = (size_t)(sc_stub_text_end - sc_stub_start);
	if (len > SC_PARAMS_OFF)
		return -E2BIG;
	sc_memfd = memfile_fd;
	sc_slotfd = memfd_create("cvisor-stub-slots", MFD_CLOEXEC);
	if (sc_slotfd < 0)
		return -errno;
	sc_fsgsbase = (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE_) != 0;
	int ncpus = cpus_usable();
	sc_multi_cpu = ncpus > 1;
	sc_max_spinners = ncpus / 2;
	void *p = mmap((void *)STUB_BASE, STUB_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (p != (void *)STUB_BASE) {
		munmap(p, STUB_SIZE);
		return -EEXIST;
	}
	memset(p, 0xcc, STUB_SIZE);     /* int3 everywhere else */
	memcpy(p, sc_stub_start, len);
	int err = sc_write_params(p);
	if (err)
		return err;
	if (mprotect(p, STUB_SIZE, PROT_READ | PROT_EXEC) < 0)
		return -errno;
	bool table = sc_fsgsbase && patch_table_map();
	err = spawn_root(&zygote);
	if (table)
		munmap((void *)SC_PTAB_ADDR, SC_PTAB_END - SC_PTAB_ADDR);   /* the zygote has it */
	sc_patching = table && !err && platform_patching_enabled;
	return err;
}

/* ---- address spaces and their slots -------------------------------------- */

static struct platform_as *as_alloc(void)
{
	struct platform_as *as = calloc(1, sizeof(*as));
	if (!as)
		return NULL;
	pthread_mutex_init(&as->lock, NULL);
	atomic_init(&as->refs, 1);   /* the creator's, dropped once a ctx holds one */
	return as;
}

static void as_put(struct platform_as *as)
{
	if (atomic_fetch_sub(&as->refs, 1) != 1)
		return;
	for (int i = 0; i < as->nslots; i++) {
		if (as->slots[i].map)
			munmap(as->slots[i].map, SC_SLOT_SIZE);
		if (as->slots[i].gidx >= 0)
			slot_file_free(as->slots[i].gidx);
	}
	free(as->slots);
	sc_sites_free(as);
	pthread_mutex_destroy(&as->lock);
	free(as);
}

/* Claim a free slot of `as`; *fresh = not yet mapped in the stub. */
static int slot_claim(struct platform_as *as, bool *fresh)
{
	pthread_mutex_lock(&as->lock);
	int i;
	for (i = 0; i < as->nslots; i++)
		if (!as->slots[i].in_use)
			break;
	if (i == as->nslots) {
		if (as->nslots == SC_MAX_THREADS)
			goto busy;
		struct sc_slot *n = realloc(as->slots, (size_t)(as->nslots + 1) * sizeof(*n));
		if (!n)
			goto busy;
		as->slots = n;
		as->slots[i] = (struct sc_slot){ .gidx = -1 };
		as->nslots++;
	}
	struct sc_slot *s = &as->slots[i];
	*fresh = s->gidx < 0;
	if (*fresh) {
		s->gidx = slot_file_alloc();
		if (s->gidx < 0)
			goto busy;
		void *m = mmap(NULL, SC_SLOT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			       sc_slotfd, (off_t)(s->gidx * SC_SLOT_SIZE));
		if (m == MAP_FAILED) {
			slot_file_free(s->gidx);
			s->gidx = -1;
			goto busy;
		}
		s->map = m;
	}
	memset(s->map, 0, SC_PAGE);
	s->in_use = true;
	pthread_mutex_unlock(&as->lock);
	return i;
busy:
	pthread_mutex_unlock(&as->lock);
	return -EAGAIN;
}

static void slot_release(struct platform_as *as, int i)
{
	pthread_mutex_lock(&as->lock);
	as->slots[i].in_use = false;
	pthread_mutex_unlock(&as->lock);
}

/* ---- contexts ------------------------------------------------------------ */

static struct platform_ctx *ctx_alloc(struct platform_as *as, int local)
{
	struct platform_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	ctx->as = as;
	atomic_fetch_add(&as->refs, 1);
	ctx->local = local;
	ctx->slot = as->slots[local].map;
	ctx->ctl = (struct sc_ctl *)ctx->slot;
	ctx->slot_addr = SC_SLOTS_BASE + (uint64_t)local * SC_SLOT_SIZE;
	ctx->spin = SC_SPIN_START;
	ctx->cpu = -1;
	ctx->since_probe = SC_PROBE_EVERY - 1;   /* first handoff probes spinning */
	ctx->ctl->flags = sc_fsgsbase ? SC_FL_FSGSBASE : 0;
	return ctx;
}

static void ctx_free(struct platform_ctx *ctx)
{
	struct platform_as *as = ctx->as;
	slot_release(as, ctx->local);
	free(ctx);
	as_put(as);
}

/* A new stub thread posted its first event: it must be the ready trap. */
static int wait_ready(struct platform_ctx *ctx)
{
	int err = sc_wait_stopped(ctx);
	if (err)
		return err;
	if (atomic_load(&ctx->ctl->state) != SC_ST_EVENT || !sc_load_frame(ctx) ||
	    !sc_frame_is_ready(ctx))
		return -EIO;
	return 0;
}

static void my_rseq(uint64_t *area, uint32_t *len)
{
	*area = 0;
	*len = 0;
	if (__rseq_size == 0)
		return;
	struct rseq *rs = (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
	if ((int32_t)rs->cpu_id < 0)
		return;
	*area = (uint64_t)rs;
	*len = __rseq_size < 32 ? 32 : __rseq_size;
}

/* clone(CLONE_FILES) whose child jumps straight into sc_stub_root. Only raw
 * syscalls happen in the child: it is a copy of a multithreaded process. */
static long clone_root(uint64_t slot_off)
{
	long ret;
	uint64_t area;
	uint32_t len;
	my_rseq(&area, &len);
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = 0;
	register uint64_t r12 __asm__("r12") = area;
	register uint64_t r13 __asm__("r13") = len;
	register uint64_t r14 __asm__("r14") = RSEQ_SIG;
	register uint64_t r15 __asm__("r15") = slot_off;
	uint64_t entry = SC_STUB_ADDR(sc_stub_root);
	__asm__ volatile(
		"syscall\n\t"
		"test %%rax, %%rax\n\t"
		"jnz 1f\n\t"
		"jmp *%[entry]\n"
		"1:"
		: "=a"(ret)
		: "0"((long)SYS_clone), "D"((long)CLONE_FILES), "S"(0L), "d"(0L), "r"(r10),
		  "r"(r8), "r"(r12), "r"(r13), "r"(r14), "r"(r15), [entry] "r"(entry)
		: "rcx", "r11", "memory");
	return ret;
}

static int spawn_root(struct platform_ctx **out)
{
	if (sc_slotfd < 0)
		return -EINVAL;
	struct platform_as *as = as_alloc();
	if (!as)
		return -ENOMEM;
	bool fresh;
	int local = slot_claim(as, &fresh);
	struct platform_ctx *ctx = local < 0 ? NULL : ctx_alloc(as, local);
	as_put(as);   /* the ctx holds it now */
	if (!ctx)
		return local < 0 ? local : -ENOMEM;
	long pid = clone_root((uint64_t)as->slots[local].gidx * SC_SLOT_SIZE);
	if (pid < 0) {
		ctx->reaped = true;
		ctx_free(ctx);
		return (int)pid;
	}
	ctx->tid = (pid_t)pid;
	int err = wait_ready(ctx);
	if (err) {
		sc_reap(ctx, true);
		ctx_free(ctx);
		return err;
	}
	*out = ctx;
	return 0;
}

/* A new stub thread cloned by `from` (stopped, owned by the caller or the
 * zygote under zygote_lock): a thread of as (new_as false, as == from->as)
 * or the first thread of a new, empty as. */
static int clone_locked(struct platform_ctx *from, struct platform_as *as, bool new_as,
			struct platform_ctx **out)
{
	int err;
	if (!from->stopped)
		return -ESRCH;
	bool fresh;
	int local = slot_claim(as, &fresh);
	if (local < 0)
		return local;
	struct platform_ctx *ctx = ctx_alloc(as, local);
	if (!ctx) {
		slot_release(as, local);
		return -ENOMEM;
	}
	uint64_t off = (uint64_t)as->slots[local].gidx * SC_SLOT_SIZE;
	ctx->reaped = true;   /* until a host process exists */
	if (fresh && !new_as) {
		const uint64_t args[6] = { ctx->slot_addr, SC_SLOT_SIZE, PROT_READ | PROT_WRITE,
					   MAP_SHARED | MAP_FIXED, (uint64_t)sc_slotfd, off };
		long r = sc_request(from, SYS_mmap, args);
		if ((uint64_t)r != ctx->slot_addr) {
			ctx_free(ctx);
			return r < 0 && r >= -4095 ? (int)r : -ENOMEM;
		}
	}
	struct sc_ctl *c = from->ctl;
	c->req_args[0] = (new_as ? 0 : CLONE_VM) | CLONE_FILES | CLONE_PARENT;
	c->req_args[1] = ctx->slot_addr + SC_PAGE;
	c->req_r12 = ctx->slot_addr;
	c->req_r13 = off;
	c->req_r14 = new_as;
	err = sc_handoff(from, SC_ST_CLONE);
	long tid = (long)c->req_ret;
	if (!err && atomic_load(&c->state) != SC_ST_DONE)
		err = -EIO;
	if (err) {
		sc_reap(from, true);
		ctx_free(ctx);
		return -ESRCH;
	}
	from->stopped = true;
	if (tid <= 0 || tid > 0x3fffffff) {
		ctx_free(ctx);
		return tid < 0 && tid >= -4095 ? (int)tid : -EIO;
	}
	ctx->tid = (pid_t)tid;
	ctx->reaped = false;
	err = wait_ready(ctx);
	if (err) {
		sc_reap(ctx, true);
		ctx_free(ctx);
		return err;
	}
	sc_copy_fpstate(from, ctx);   /* like fork/clone: the parent's FPU state */
	ctx->fs_base = from->fs_base;
	ctx->gs_base = from->gs_base;
	*out = ctx;
	return 0;
}

static int clone_from(struct platform_ctx *from, struct platform_as *as, bool new_as,
		      struct platform_ctx **out)
{
	int err = sc_own(from);
	return err ? err : clone_locked(from, as, new_as, out);
}

int sc_spawn_fresh(struct platform_ctx **out)
{
	if (!zygote)
		return -EINVAL;   /* init() first */
	struct platform_as *nas = as_alloc();
	if (!nas)
		return -ENOMEM;
	pthread_mutex_lock(&zygote_lock);
	int err = clone_locked(zygote, nas, true, out);
	pthread_mutex_unlock(&zygote_lock);
	as_put(nas);
	return err;
}

/* A new address space: a pooled one when ready (for a fork it takes the
 * parent's patched sites, FPU state and fs/gs bases, which a clone of the
 * parent's stub would have had), else a clone of the parent's stub or of
 * the zygote. */
static int sc_as_new(struct platform_ctx *from, struct platform_as **as, struct platform_ctx **ctx)
{
	int err = from ? sc_own(from) : 0;
	if (err)
		return err;
	struct platform_ctx *fresh = sc_pool_take();
	if (fresh) {
		if (from) {
			sc_sites_inherit(fresh->as, from->as);
			sc_copy_fpstate(from, fresh);
			fresh->fs_base = from->fs_base;
			fresh->gs_base = from->gs_base;
		}
		*ctx = fresh;
	} else if (from) {
		struct platform_as *nas = as_alloc();
		if (!nas)
			return -ENOMEM;
		sc_sites_inherit(nas, from->as);
		err = clone_locked(from, nas, true, ctx);
		as_put(nas);
	} else {
		err = sc_spawn_fresh(ctx);
	}
	if (!err)
		*as = (*ctx)->as;
	return err;
}

static int sc_ctx_new(struct platform_ctx *from, struct platform_ctx **ctx)
{
	return clone_from(from, from->as, false, ctx);
}

static int sc_ctx_adopt(struct platform_ctx *ctx)
{
	return sc_own(ctx);
}

static int sc_ctx_disown(struct platform_ctx *ctx)
{
	pid_t me = platform_self_tid();
	pid_t cur = atomic_load(&ctx->owner);
	if (cur == 0)
		return 0;
	if (cur != me)
		return -EBUSY;
	atomic_store(&ctx->owner, 0);
	return 0;
}

static void sc_ctx_release(struct platform_ctx *ctx)
{
	if (!ctx)
		return;
	sc_reap(ctx, true);
	ctx_free(ctx);
}

static struct platform_as *sc_ctx_as(struct platform_ctx *ctx)
{
	return ctx->as;
}

const struct platform_ops platform_seccomp = {
	.name = "seccomp",
	.init = sc_init,
	.as_new = sc_as_new,
	.ctx_new = sc_ctx_new,
	.ctx_adopt = sc_ctx_adopt,
	.ctx_disown = sc_ctx_disown,
	.ctx_release = sc_ctx_release,
	.ctx_as = sc_ctx_as,
	.switch_to = sc_switch,
	.ctx_interrupt = sc_interrupt,
	.get_fpstate = sc_get_fpstate,
	.set_fpstate = sc_set_fpstate,
	.map = sc_map,
	.unmap = sc_unmap,
	.protect = sc_protect,
};
