/*
 * Pieces shared by the platforms that drive stub threads with ptrace
 * (ptrace, notify): the labels of the stub code (platform/ptrace/stub.S,
 * copied to STUB_BASE) and syscall injection into a stopped stub thread.
 */
#ifndef CVISOR_PLATFORM_PTRACE_UTIL_H
#define CVISOR_PLATFORM_PTRACE_UTIL_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>
#include "platform.h"

extern const char stub_start[], stub_end[], stub_entry[], stub_park[];
extern const char stub_syscall[], stub_syscall_done[], stub_clone[], stub_clone_done[];
#define STUB_ADDR(sym) (STUB_BASE + (uint64_t)((sym) - stub_start))

/*
 * Run syscall nr(args) in the stopped tracee `tid` from the stub sequence
 * at `entry` that ends with an int3 just before `done`; the other registers
 * come from `tmpl` (any image of that thread). Returns the syscall's result
 * or -errno if the injection failed; -ESRCH with *reaped set if the thread
 * died (it has been waited for). A SIGSTOP that arrives meanwhile is
 * swallowed and reported in *sigstop. Clobbers the thread's registers.
 */
long ptrace_util_inject(pid_t tid, const struct user_regs_struct *tmpl, const char *entry,
			const char *done, long nr, const uint64_t args[6], bool *sigstop,
			bool *reaped);

/* clone(flags) of the calling thread whose child jumps straight to `entry`
 * (stub_entry), with the caller's rseq registration in r12/r13/r14 for the
 * stub to undo. Returns the child's tid or -errno. */
long ptrace_util_clone_stub(unsigned long flags, uint64_t entry);

#endif
