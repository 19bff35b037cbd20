/* futex(2), set_robust_list(2), get_robust_list(2). */
#include <errno.h>
#include <stdint.h>
#include "syscalls/syscall.h"
#include "sentry/futex.h"
#include "sentry/mm.h"
#include "sentry/task.h"

#define FUTEX_WAIT            0
#define FUTEX_WAKE            1
#define FUTEX_REQUEUE         3
#define FUTEX_CMP_REQUEUE     4
#define FUTEX_WAKE_OP         5
#define FUTEX_LOCK_PI         6
#define FUTEX_UNLOCK_PI       7
#define FUTEX_TRYLOCK_PI      8
#define FUTEX_WAIT_BITSET     9
#define FUTEX_WAKE_BITSET     10
#define FUTEX_LOCK_PI2        13
#define FUTEX_PRIVATE_FLAG    128
#define FUTEX_CLOCK_REALTIME  256

#define NSEC_PER_SEC 1000000000ULL
#define ROBUST_HEAD_SIZE 24
#define CAP_SYS_PTRACE_BIT (1ULL << 19)

struct kts {
	int64_t tv_sec, tv_nsec;
};

static bool has_timeout(int cmd)
{
	return cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_LOCK_PI ||
	       cmd == FUTEX_LOCK_PI2;
}

/* The timeout as a CLOCK_MONOTONIC deadline (never 0 when given). FUTEX_WAIT
 * is relative; the others absolute on their clock (LOCK_PI: realtime). */
static long read_deadline(struct task *t, uint64_t uts, int cmd, bool clockrt, uint64_t *deadline)
{
	struct kts ts;
	if (copy_from_user(t->mm, &ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || (uint64_t)ts.tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	uint64_t mono = now_mono_ns();
	uint64_t max_sec = (UINT64_MAX - mono) / NSEC_PER_SEC - 2;
	uint64_t ns = (uint64_t)ts.tv_sec > max_sec ? max_sec * NSEC_PER_SEC
		      : (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	if (cmd == FUTEX_WAIT) {
		*deadline = mono + ns;
	} else if (cmd == FUTEX_LOCK_PI || clockrt) {
		uint64_t real = now_real_ns();
		*deadline = ns <= real ? 1 : mono + (ns - real);
	} else {
		*deadline = ns ? ns : 1;
	}
	return 0;
}

long sys_futex(struct task *t, const struct syscall_args *a)
{
	uint64_t uaddr = a->a[0], utime = a->a[3], uaddr2 = a->a[4];
	int op = (int)a->a[1];
	uint32_t val = (uint32_t)a->a[2], val3 = (uint32_t)a->a[5];
	int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	bool priv = op & FUTEX_PRIVATE_FLAG, clockrt = op & FUTEX_CLOCK_REALTIME;
	if (clockrt && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_LOCK_PI2)
		return -ENOSYS;
	uint64_t deadline = 0;
	if (utime && has_timeout(cmd)) {
		long r = read_deadline(t, utime, cmd, clockrt, &deadline);
		if (r)
			return r;
	}
	int val2 = (int)(uint32_t)utime;   /* nr_requeue / nr_wake2 share the slot */

	switch (cmd) {
	case FUTEX_WAIT:
		return futex_wait(t, uaddr, priv, val, deadline, FUTEX_BITSET_ANY);
	case FUTEX_WAIT_BITSET:
		return futex_wait(t, uaddr, priv, val, deadline, val3);
	case FUTEX_WAKE:
		return futex_wake(t, uaddr, priv, (int)val, FUTEX_BITSET_ANY);
	case FUTEX_WAKE_BITSET:
		return futex_wake(t, uaddr, priv, (int)val, val3);
	case FUTEX_REQUEUE:
		return futex_requeue(t, uaddr, priv, uaddr2, (int)val, val2, NULL);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(t, uaddr, priv, uaddr2, (int)val, val2, &val3);
	case FUTEX_WAKE_OP:
		return futex_wake_op(t, uaddr, priv, uaddr2, (int)val, val2, val3);
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
		return futex_lock_pi(t, uaddr, priv, deadline, false);
	case FUTEX_TRYLOCK_PI:
		return futex_lock_pi(t, uaddr, priv, 0, true);
	case FUTEX_UNLOCK_PI:
		return futex_unlock_pi(t, uaddr, priv);
	default:
		/* FUTEX_WAIT_REQUEUE_PI / CMP_REQUEUE_PI and unknown commands */
		return -ENOSYS;
	}
}

long sys_set_robust_list(struct task *t, const struct syscall_args *a)
{
	if (a->a[1] != ROBUST_HEAD_SIZE)
		return -EINVAL;
	t->robust_list = a->a[0];
	t->robust_list_len = a->a[1];
	return 0;
}

long sys_get_robust_list(struct task *t, const struct syscall_args *a)
{
	int pid = (int)a->a[0];
	struct task *p = pid ? task_lookup(pid) : t;
	if (!p)
		return -ESRCH;
	/* ptrace_may_access(PTRACE_MODE_READ_REALCREDS), simplified. */
	if (p->tg != t->tg && p->cred.uid != t->cred.uid &&
	    !(t->cred.cap_effective & CAP_SYS_PTRACE_BIT))
		return -EPERM;
	uint64_t len = ROBUST_HEAD_SIZE, head = p->robust_list;
	if (copy_to_user(t->mm, a->a[2], &len, sizeof(len)))
		return -EFAULT;
	return copy_to_user(t->mm, a->a[1], &head, sizeof(head)) ? -EFAULT : 0;
}
