/*
 * Syscall injection into a stopped stub thread (see ptrace_util.h). The
 * guest cannot reach this path: the thread only runs code we point rip at,
 * in the read+exec stub page, until the int3 that follows.
 */
#include <errno.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "ptrace_util.h"

#define EFLAGS_IF 0x200
#define USER_CS_ 0x33
#define USER_SS_ 0x2b

static int wait_tid(pid_t tid, int *st)
{
	for (;;) {
		if (waitpid(tid, st, __WALL) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

long ptrace_util_inject(pid_t tid, const struct user_regs_struct *tmpl, const char *entry,
			const char *done, long nr, const uint64_t args[6], bool *sigstop,
			bool *reaped)
{
	struct user_regs_struct r = *tmpl;
	r.rax = (uint64_t)nr;
	r.orig_rax = (uint64_t)-1;
	r.rdi = args[0];
	r.rsi = args[1];
	r.rdx = args[2];
	r.r10 = args[3];
	r.r8 = args[4];
	r.r9 = args[5];
	r.rip = STUB_ADDR(entry);
	r.eflags = EFLAGS_IF;           /* in particular no TF left by the guest */
	r.cs = USER_CS_;
	r.ss = USER_SS_;
	if (ptrace(PTRACE_SETREGS, tid, 0, &r) < 0 || ptrace(PTRACE_CONT, tid, 0, 0) < 0)
		return -errno;
	for (;;) {
		int st, err = wait_tid(tid, &st);
		if (err)
			return err;
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			*reaped = true;
			return -ESRCH;
		}
		if (WSTOPSIG(st) == SIGTRAP && (st >> 16) == 0) {
			if (ptrace(PTRACE_GETREGS, tid, 0, &r) < 0)
				return -errno;
			return r.rip == STUB_ADDR(done) ? (long)r.rax : -EFAULT;
		}
		/* An interrupt's SIGSTOP (or any other signal): swallow it and
		 * tell the caller, whose next switch must report an interrupt. */
		if (WSTOPSIG(st) == SIGSTOP && (st >> 16) == 0)
			*sigstop = true;
		if (ptrace(PTRACE_CONT, tid, 0, 0) < 0)
			return -errno;
	}
}

/* The calling thread's rseq registration, which a fork-like clone inherits
 * and the stub must undo (see stub_entry). */
static void my_rseq(uint64_t *area, uint32_t *len)
{
	*area = 0;
	*len = 0;
	if (__rseq_size == 0)
		return;
	struct rseq *rs = (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
	if ((int32_t)rs->cpu_id < 0)          /* registration failed or absent */
		return;
	*area = (uint64_t)rs;
	*len = __rseq_size < 32 ? 32 : __rseq_size;   /* glibc registers at least 32 */
}

/* Only raw syscalls happen in the child: it is a copy of a multithreaded
 * process. */
long ptrace_util_clone_stub(unsigned long flags, uint64_t entry)
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
	__asm__ volatile(
		"syscall\n\t"
		"test %%rax, %%rax\n\t"
		"jnz 1f\n\t"
		"jmp *%[entry]\n"
		"1:"
		: "=a"(ret)
		: "0"((long)SYS_clone), "D"(flags), "S"(0L), "d"(0L), "r"(r10), "r"(r8),
		  "r"(r12), "r"(r13), "r"(r14), [entry] "r"(entry)
		: "rcx", "r11", "memory");
	return ret;
}
