/* Futexes (sentry/kernel/futex.c): keys, wait queues, requeue, PI, robust lists. */
#ifndef CVISOR_FUTEX_H
#define CVISOR_FUTEX_H
#include <stdint.h>
#include <stdbool.h>

struct mm;
struct task;

/* Wake up to n waiters on the futex at uaddr of mm; returns the number woken.
 * Only wakes: the caller writes the word first (CLONE_CHILD_CLEARTID). */
int futex_wake_addr(struct mm *mm, uint64_t uaddr, int n);
/* Process t's robust futex list at exit/exec (FUTEX_OWNER_DIED + wake). */
void futex_exit_robust_list(struct task *t);

/* Operations behind futex(2); deadlines are CLOCK_MONOTONIC absolute ns
 * (0 = none). Return values are the syscall's. */
#define FUTEX_BITSET_ANY 0xffffffffU
long futex_wait(struct task *t, uint64_t uaddr, bool priv, uint32_t val, uint64_t deadline,
		uint32_t bitset);
long futex_wake(struct task *t, uint64_t uaddr, bool priv, int n, uint32_t bitset);
long futex_requeue(struct task *t, uint64_t uaddr, bool priv, uint64_t uaddr2, int nr_wake,
		   int nr_requeue, const uint32_t *cmpval);
long futex_wake_op(struct task *t, uint64_t uaddr, bool priv, uint64_t uaddr2, int nr_wake,
		   int nr_wake2, uint32_t op);
long futex_lock_pi(struct task *t, uint64_t uaddr, bool priv, uint64_t deadline, bool trylock);
long futex_unlock_pi(struct task *t, uint64_t uaddr, bool priv);

#endif
