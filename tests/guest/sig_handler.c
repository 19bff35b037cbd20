/* SA_SIGINFO handler for SIGUSR1 delivered by raise() and kill(): siginfo
 * fields, the signal blocked inside the handler, and every register the
 * interrupted code uses restored by rt_sigreturn. */
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

static volatile int hits, last_code, last_signo, blocked_inside;
static volatile pid_t last_pid;
static volatile uid_t last_uid;
static volatile double sink;

static void handler(int sig, siginfo_t *si, void *ucv)
{
	sigset_t cur;
	double x = 1.0;

	(void)ucv;
	hits++;
	last_signo = si->si_signo;
	last_code = si->si_code;
	last_pid = si->si_pid;
	last_uid = si->si_uid;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	blocked_inside = sig == SIGUSR1 && sigismember(&cur, SIGUSR1);
	/* Dirty general and vector registers before returning. */
	for (int i = 1; i < 50; i++)
		x = x * 1.5 + i;
	sink = x;
}

/* Values loaded into registers before a raw kill(2); read back after. */
static const uint64_t pattern[9] = {
	0x1111111111111111, 0x2222222222222222, 0x3333333333333333,
	0x4444444444444444, 0x5555555555555555, 0x6666666666666666,
	0x7777777777777777, 0x8888888888888888, 0x9999999999999999,
};
static uint64_t after[9];
static long pid_arg, kill_ret;

static void kill_self_keeping_registers(void)
{
	__asm__ volatile(
		"mov %[p0], %%rbx\n\t"
		"mov %[p1], %%r15\n\t"
		"mov %[p2], %%r8\n\t"
		"mov %[p3], %%r9\n\t"
		"mov %[p4], %%r10\n\t"
		"mov %[p5], %%r12\n\t"
		"mov %[p6], %%r13\n\t"
		"mov %[p7], %%r14\n\t"
		"movq %[p8], %%xmm7\n\t"
		"mov %[pid], %%rdi\n\t"
		"mov $10, %%esi\n\t"           /* SIGUSR1 */
		"mov $62, %%eax\n\t"           /* __NR_kill */
		"syscall\n\t"
		"mov %%rax, %[ret]\n\t"
		"mov %%rbx, %[a0]\n\t"
		"mov %%r15, %[a1]\n\t"
		"mov %%r8, %[a2]\n\t"
		"mov %%r9, %[a3]\n\t"
		"mov %%r10, %[a4]\n\t"
		"mov %%r12, %[a5]\n\t"
		"mov %%r13, %[a6]\n\t"
		"mov %%r14, %[a7]\n\t"
		"movq %%xmm7, %[a8]\n\t"
		: [a0] "=m"(after[0]), [a1] "=m"(after[1]), [a2] "=m"(after[2]), [a3] "=m"(after[3]),
		  [a4] "=m"(after[4]), [a5] "=m"(after[5]), [a6] "=m"(after[6]), [a7] "=m"(after[7]),
		  [a8] "=m"(after[8]),
		  [ret] "=m"(kill_ret)
		: [p0] "m"(pattern[0]), [p1] "m"(pattern[1]), [p2] "m"(pattern[2]), [p3] "m"(pattern[3]),
		  [p4] "m"(pattern[4]), [p5] "m"(pattern[5]), [p6] "m"(pattern[6]), [p7] "m"(pattern[7]),
		  [p8] "m"(pattern[8]),
		  [pid] "m"(pid_arg)
		: "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
		  "r12", "r13", "r14", "r15", "xmm7", "memory", "cc");
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = handler, .sa_flags = SA_SIGINFO };
	sigset_t cur;

	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");

	CHECK(raise(SIGUSR1) == 0, "raise");
	CHECK(hits == 1 && last_signo == SIGUSR1, "hits %d signo %d", hits, last_signo);
	CHECK(last_code == SI_TKILL, "raise: si_code %d", last_code);
	CHECK(last_pid == getpid(), "raise: si_pid %d", (int)last_pid);
	CHECK(blocked_inside, "SIGUSR1 not blocked inside its handler");
	printf("raise: si_signo SIGUSR1, si_code SI_TKILL, si_pid ok\n");

	CHECK(kill(getpid(), SIGUSR1) == 0, "kill");
	CHECK(hits == 2 && last_code == SI_USER, "kill: hits %d si_code %d", hits, last_code);
	CHECK(last_pid == getpid() && last_uid == getuid(), "kill: si_pid %d si_uid %d", (int)last_pid, (int)last_uid);
	printf("kill: si_code SI_USER, si_pid and si_uid ok\n");

	pid_arg = getpid();
	kill_self_keeping_registers();
	CHECK(hits == 3, "raw kill: hits %d", hits);
	CHECK(kill_ret == 0, "raw kill returned %ld", kill_ret);
	for (int i = 0; i < 9; i++)
		CHECK(after[i] == pattern[i], "register %d: %#lx", i, (unsigned long)after[i]);
	printf("registers preserved across the handler\n");

	sigprocmask(SIG_BLOCK, NULL, &cur);
	CHECK(!sigismember(&cur, SIGUSR1), "SIGUSR1 still blocked after sigreturn");
	printf("mask restored after sigreturn\n");
	return 0;
}
