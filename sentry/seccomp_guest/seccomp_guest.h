/*
 * The container's seccomp profile (OCI linux.seccomp), enforced by the
 * sentry on every guest syscall before dispatch: the guest sees exactly
 * what a seccomp filter installed by runc would give it (the errno the
 * profile names, SIGSYS with si_code SYS_SECCOMP, death by SIGSYS).
 *
 * The profile is compiled once (runsc-cli/sandbox/seccomp.c) into a table
 * of rules per syscall number; it never changes and is shared by every
 * process of the sandbox.
 */
#ifndef CVISOR_SECCOMP_GUEST_H
#define CVISOR_SECCOMP_GUEST_H
#include <stdbool.h>
#include <stdint.h>
#include "syscalls/syscall.h"

/* Actions in increasing precedence, like the kernel's SECCOMP_RET_*: when
 * several rules of a syscall match, the strongest wins. */
enum gsc_action {
	GSC_ALLOW, GSC_LOG, GSC_ERRNO, GSC_TRAP, GSC_KILL_THREAD, GSC_KILL_PROCESS,
};

enum gsc_op { GSC_NE, GSC_LT, GSC_LE, GSC_EQ, GSC_GE, GSC_GT, GSC_MASKED_EQ };

struct gsc_cond {
	uint8_t index;             /* argument 0..5 */
	uint8_t op;                /* enum gsc_op */
	uint64_t value, value_two; /* MASKED_EQ: (arg & value) == value_two */
};

#define GSC_MAX_CONDS 6

struct gsc_rule {
	uint8_t action;            /* enum gsc_action */
	uint8_t n_conds;           /* all must hold */
	uint16_t data;             /* errno for GSC_ERRNO, si_errno for GSC_TRAP */
	struct gsc_cond conds[GSC_MAX_CONDS];
};

struct guest_seccomp {
	struct gsc_rule dflt;              /* when no rule matches (n_conds 0) */
	uint32_t start[SYSCALL_MAX + 1];   /* rules of nr: rules[start[nr]..start[nr+1]) */
	struct gsc_rule *rules;
	uint32_t n_rules;
};

/* The rule that applies to the call a (the default when none matches). */
const struct gsc_rule *guest_seccomp_match(const struct guest_seccomp *p,
					   const struct syscall_args *a);

/* Apply kernel.cfg.seccomp to a syscall of t: false = run it; true = it
 * is refused, *ret is what the guest gets. Kill actions do not return. */
bool guest_seccomp_filter(struct task *t, const struct syscall_args *a, long *ret);

#endif
