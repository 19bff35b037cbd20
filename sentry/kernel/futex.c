/*
 * Futexes (kernel/futex/ in Linux terms).
 *
 * A waiter is a struct futex_q on its own kernel stack, hashed by key.
 * Keys: private futexes (and MAP_PRIVATE memory) are (mm, address); shared
 * mappings are the offset in the memory file, so processes mapping the same
 * pages meet on the same key. Everything runs under the kernel lock, so
 * "check the word, then queue" cannot miss a wake-up. Read-modify-write of
 * guest words (WAKE_OP, PI, robust lists) is atomic through the sentry's
 * mapping of the memory file, since other guest threads run concurrently.
 */
#include <errno.h>
#include <sys/mman.h>
#include "sentry/futex.h"
#include "sentry/kernel.h"
#include "sentry/mm.h"
#include "sentry/task.h"
#include "sentry/signal_types.h"
#include "platform/platform.h"

#define FUTEX_HASH 256
#define FUTEX_WAITERS    0x80000000U
#define FUTEX_OWNER_DIED 0x40000000U
#define FUTEX_TID_MASK   0x3fffffffU
#define ROBUST_LIST_LIMIT 2048
#define CMPXCHG_RETRIES 64

struct futex_key {
	bool shared;          /* offset in the memory file */
	const struct mm *mm;  /* private: address space */
	uint64_t addr;        /* private: address; shared: file offset */
};

struct futex_q {
	struct list_head link;
	struct futex_key key;
	struct task *task;
	uint32_t bitset;
	bool woken;
};

static struct list_head buckets[FUTEX_HASH];
static bool buckets_ready;

static struct list_head *bucket(const struct futex_key *k)
{
	if (!buckets_ready) {
		for (int i = 0; i < FUTEX_HASH; i++)
			list_init(&buckets[i]);
		buckets_ready = true;
	}
	uint64_t h = (k->addr >> 2) ^ ((uintptr_t)k->mm >> 4) ^ (k->shared ? 0x9e3779b9U : 0);
	h ^= h >> 17;
	return &buckets[h % FUTEX_HASH];
}

static bool key_eq(const struct futex_key *a, const struct futex_key *b)
{
	return a->shared == b->shared && a->mm == b->mm && a->addr == b->addr;
}

static int get_key(struct mm *mm, uint64_t uaddr, bool priv, struct futex_key *k)
{
	if (uaddr % sizeof(uint32_t))
		return -EINVAL;
	if (uaddr >= GUEST_TOP)
		return -EFAULT;
	*k = (struct futex_key){ .shared = false, .mm = mm, .addr = uaddr };
	if (priv)
		return 0;
	struct vma *v = mm_find_vma(mm, uaddr);
	if (!v)
		return -EFAULT;
	if ((v->flags & MAP_SHARED) && v->range)
		*k = (struct futex_key){ .shared = true, .mm = NULL,
					 .addr = v->range->off + v->range_off + (uaddr - v->start) };
	return 0;
}

/* The sentry's view of a writable guest word, or NULL (-EFAULT). Private
 * pages still shared after fork are unshared first, like a write fault. */
static uint32_t *user_word(struct task *t, uint64_t uaddr)
{
	struct vma *v = mm_find_vma(t->mm, uaddr);
	if (!v || !v->range || (v->prot & (PROT_READ | PROT_WRITE)) != (PROT_READ | PROT_WRITE))
		return NULL;
	if (!(v->flags & MAP_SHARED) && v->range->refs > 1) {
		if (mm_fault(t->mm, t->ctx, uaddr, PROT_WRITE) != 0)
			return NULL;
		v = mm_find_vma(t->mm, uaddr);
		if (!v || !v->range)
			return NULL;
	}
	return memfile_ptr(v->range->off + v->range_off + (uaddr - v->start));
}

static void wake_q(struct futex_q *q)
{
	list_del(&q->link);
	q->woken = true;
	task_wake(q->task);
}

static int wake_key(const struct futex_key *k, int n, uint32_t bitset)
{
	int ret = 0;
	struct list_head *h = bucket(k), *p, *nx;
	list_for_each_safe(p, nx, h) {
		struct futex_q *q = list_entry(p, struct futex_q, link);
		if (!key_eq(&q->key, k) || !(q->bitset & bitset))
			continue;
		wake_q(q);
		if (++ret >= n)   /* like Linux, n <= 0 still wakes one */
			break;
	}
	return ret;
}

static bool has_waiters(const struct futex_key *k)
{
	struct list_head *h = bucket(k), *p;
	list_for_each(p, h)
		if (key_eq(&list_entry(p, struct futex_q, link)->key, k))
			return true;
	return false;
}

/* Queue q on its key and sleep until woken, the deadline, or a signal. */
static int queue_and_sleep(struct task *t, struct futex_q *q, uint64_t deadline)
{
	q->task = t;
	q->woken = false;
	list_add_tail(&q->link, bucket(&q->key));
	int r;
	do
		r = task_sleep(t, deadline);
	while (!q->woken && r == 0);
	if (q->woken)
		return 0;
	list_del(&q->link);
	return r;
}

static long futex_wait_restart(struct task *t, struct restart_block *rb)
{
	return futex_wait(t, rb->args[0], rb->args[1], (uint32_t)rb->args[2], rb->args[3],
			  (uint32_t)rb->args[4]);
}

long futex_wait(struct task *t, uint64_t uaddr, bool priv, uint32_t val, uint64_t deadline,
		uint32_t bitset)
{
	if (!bitset)
		return -EINVAL;
	struct futex_q q = { .bitset = bitset };
	int err = get_key(t->mm, uaddr, priv, &q.key);
	if (err)
		return err;
	uint32_t cur;
	if (copy_from_user(t->mm, &cur, uaddr, sizeof(cur)))
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	int r = queue_and_sleep(t, &q, deadline);
	if (r == 0)
		return 0;
	if (r == -ETIMEDOUT)
		return -ETIMEDOUT;
	if (!deadline)
		return -ERESTARTSYS;
	/* A timed wait resumes with the same absolute deadline. */
	t->restart.fn = futex_wait_restart;
	t->restart.args[0] = uaddr;
	t->restart.args[1] = priv;
	t->restart.args[2] = val;
	t->restart.args[3] = deadline;
	t->restart.args[4] = bitset;
	return -ERESTART_RESTARTBLOCK;
}

long futex_wake(struct task *t, uint64_t uaddr, bool priv, int n, uint32_t bitset)
{
	if (!bitset)
		return -EINVAL;
	struct futex_key k;
	int err = get_key(t->mm, uaddr, priv, &k);
	return err ? err : wake_key(&k, n, bitset);
}

int futex_wake_addr(struct mm *mm, uint64_t uaddr, int n)
{
	struct futex_key k;
	if (get_key(mm, uaddr, false, &k))
		return 0;
	return wake_key(&k, n, FUTEX_BITSET_ANY);
}

long futex_requeue(struct task *t, uint64_t uaddr, bool priv, uint64_t uaddr2, int nr_wake,
		   int nr_requeue, const uint32_t *cmpval)
{
	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	struct futex_key k1, k2;
	int err = get_key(t->mm, uaddr, priv, &k1);
	if (!err)
		err = get_key(t->mm, uaddr2, priv, &k2);
	if (err)
		return err;
	if (cmpval) {
		uint32_t cur;
		if (copy_from_user(t->mm, &cur, uaddr, sizeof(cur)))
			return -EFAULT;
		if (cur != *cmpval)
			return -EAGAIN;
	}
	/* Requeued waiters go through a side list so that requeueing onto the
	 * same bucket (or key) cannot revisit them. */
	struct list_head moved;
	list_init(&moved);
	long count = 0;
	struct list_head *p, *nx;
	list_for_each_safe(p, nx, bucket(&k1)) {
		struct futex_q *q = list_entry(p, struct futex_q, link);
		if (!key_eq(&q->key, &k1))
			continue;
		if (count - nr_wake >= nr_requeue)
			break;
		if (++count <= nr_wake) {
			wake_q(q);
			continue;
		}
		list_del(&q->link);
		q->key = k2;
		list_add_tail(&q->link, &moved);
	}
	struct list_head *h2 = bucket(&k2);
	list_for_each_safe(p, nx, &moved) {
		list_del(p);
		list_add_tail(p, h2);
	}
	return count;
}

static bool wake_op_cmp(uint32_t cmp, int oldval, int cmparg, long *err)
{
	switch (cmp) {
	case 0: return oldval == cmparg;
	case 1: return oldval != cmparg;
	case 2: return oldval < cmparg;
	case 3: return oldval <= cmparg;
	case 4: return oldval > cmparg;
	case 5: return oldval >= cmparg;
	default: *err = -ENOSYS; return false;
	}
}

static int sign_extend12(uint32_t v)
{
	return (int)(v << 20) >> 20;
}

long futex_wake_op(struct task *t, uint64_t uaddr, bool priv, uint64_t uaddr2, int nr_wake,
		   int nr_wake2, uint32_t encoded)
{
	struct futex_key k1, k2;
	int err = get_key(t->mm, uaddr, priv, &k1);
	if (!err)
		err = get_key(t->mm, uaddr2, priv, &k2);
	if (err)
		return err;
	uint32_t op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
	int oparg = sign_extend12((encoded >> 12) & 0xfff), cmparg = sign_extend12(encoded & 0xfff);
	if (encoded & (8U << 28))
		oparg = (int)(1U << (oparg & 31));   /* FUTEX_OP_OPARG_SHIFT */
	if (op > 4)
		return -ENOSYS;
	uint32_t *w = user_word(t, uaddr2);
	if (!w)
		return -EFAULT;
	uint32_t arg = (uint32_t)oparg, old;
	switch (op) {
	case 0: old = __atomic_exchange_n(w, arg, __ATOMIC_SEQ_CST); break;
	case 1: old = __atomic_fetch_add(w, arg, __ATOMIC_SEQ_CST); break;
	case 2: old = __atomic_fetch_or(w, arg, __ATOMIC_SEQ_CST); break;
	case 3: old = __atomic_fetch_and(w, ~arg, __ATOMIC_SEQ_CST); break;
	default: old = __atomic_fetch_xor(w, arg, __ATOMIC_SEQ_CST); break;
	}
	long ret = 0;
	bool cond = wake_op_cmp(cmp, (int)old, cmparg, &ret);
	if (ret)
		return ret;
	ret = wake_key(&k1, nr_wake, FUTEX_BITSET_ANY);
	if (cond)
		ret += wake_key(&k2, nr_wake2, FUTEX_BITSET_ANY);
	return ret;
}

/*
 * PI futexes, minimal: no priority inheritance (the sentry does not
 * schedule), but the word protocol glibc relies on: the owner's tid,
 * FUTEX_WAITERS while someone sleeps in the kernel, FUTEX_OWNER_DIED.
 */
long futex_lock_pi(struct task *t, uint64_t uaddr, bool priv, uint64_t deadline, bool trylock)
{
	struct futex_q q = { .bitset = FUTEX_BITSET_ANY };
	int err = get_key(t->mm, uaddr, priv, &q.key);
	if (err)
		return err;
	uint32_t tid = (uint32_t)t->tid;
	for (int tries = 0;; tries++) {
		uint32_t *w = user_word(t, uaddr);
		if (!w)
			return -EFAULT;
		uint32_t v = __atomic_load_n(w, __ATOMIC_SEQ_CST);
		if (!(v & FUTEX_TID_MASK)) {
			uint32_t nv = tid | (v & FUTEX_OWNER_DIED) | (has_waiters(&q.key) ? FUTEX_WAITERS : 0);
			if (__atomic_compare_exchange_n(w, &v, nv, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
				return 0;
			continue;
		}
		if ((v & FUTEX_TID_MASK) == tid)
			return -EDEADLK;
		if (trylock)
			return -EAGAIN;
		if (!task_lookup((int)(v & FUTEX_TID_MASK)))
			return -ESRCH;   /* owner gone without the robust-list protocol */
		if (!(v & FUTEX_WAITERS) &&
		    !__atomic_compare_exchange_n(w, &v, v | FUTEX_WAITERS, false, __ATOMIC_SEQ_CST,
						 __ATOMIC_SEQ_CST)) {
			if (tries > CMPXCHG_RETRIES)
				return -EAGAIN;
			continue;
		}
		int r = queue_and_sleep(t, &q, deadline);
		if (r == -ETIMEDOUT)
			return -ETIMEDOUT;
		if (r)
			return -ERESTARTNOINTR;
		tries = 0;
	}
}

long futex_unlock_pi(struct task *t, uint64_t uaddr, bool priv)
{
	struct futex_key k;
	int err = get_key(t->mm, uaddr, priv, &k);
	if (err)
		return err;
	uint32_t *w = user_word(t, uaddr);
	if (!w)
		return -EFAULT;
	uint32_t v = __atomic_load_n(w, __ATOMIC_SEQ_CST);
	if ((v & FUTEX_TID_MASK) != (uint32_t)t->tid)
		return -EPERM;
	/* Release, and let one sleeper retry; it sets FUTEX_WAITERS again if
	 * others still sleep. */
	__atomic_store_n(w, 0, __ATOMIC_SEQ_CST);
	wake_key(&k, 1, FUTEX_BITSET_ANY);
	return 0;
}

/* ---- robust lists ------------------------------------------------------- */

/* Linux handle_futex_death: the dying owner's futex gets FUTEX_OWNER_DIED
 * and one waiter is woken. -1 stops the list walk. */
static int handle_futex_death(struct task *t, uint64_t uaddr, bool pi, bool pending_op)
{
	if (uaddr % sizeof(uint32_t))
		return -1;
	for (int tries = 0; tries < CMPXCHG_RETRIES; tries++) {
		uint32_t uval;
		if (copy_from_user(t->mm, &uval, uaddr, sizeof(uval)))
			return -1;
		/* Died between unlocking in user space and waking: wake now. */
		if (pending_op && !pi && !uval) {
			futex_wake_addr(t->mm, uaddr, 1);
			return 0;
		}
		if ((uval & FUTEX_TID_MASK) != (uint32_t)t->tid)
			return 0;
		uint32_t mval = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
		uint32_t *w = user_word(t, uaddr);
		if (!w)
			return -1;
		if (!__atomic_compare_exchange_n(w, &uval, mval, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			continue;
		if (uval & FUTEX_WAITERS)
			futex_wake_addr(t->mm, uaddr, 1);
		return 0;
	}
	return -1;
}

static int fetch_robust_entry(struct task *t, uint64_t at, uint64_t *entry, bool *pi)
{
	uint64_t v;
	if (copy_from_user(t->mm, &v, at, sizeof(v)))
		return -1;
	*entry = v & ~1ULL;
	*pi = v & 1;
	return 0;
}

void futex_exit_robust_list(struct task *t)
{
	uint64_t head = t->robust_list;
	t->robust_list = 0;
	if (!head || !t->mm)
		return;
	uint64_t entry, pending, next = 0;
	int64_t off;
	bool pi, pip, next_pi = false;
	if (fetch_robust_entry(t, head, &entry, &pi) ||
	    copy_from_user(t->mm, &off, head + 8, sizeof(off)) ||
	    fetch_robust_entry(t, head + 16, &pending, &pip))
		return;
	for (int limit = ROBUST_LIST_LIMIT; entry != head && limit > 0; limit--) {
		int rc = fetch_robust_entry(t, entry, &next, &next_pi);
		if (entry != pending && handle_futex_death(t, entry + (uint64_t)off, pi, false))
			return;
		if (rc)
			return;
		entry = next;
		pi = next_pi;
	}
	if (pending)
		handle_futex_death(t, pending + (uint64_t)off, pip, true);
}
