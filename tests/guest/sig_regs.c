/* A signal delivered on the way out of a syscall saves and restores every
 * register the guest had: the callee-saved ones the syscall never names
 * (rbx, r12-r15), rsp, and the FPU state (xmm0). */
#include <signal.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "guest.h"

static volatile sig_atomic_t got;
static volatile uint64_t seen_rbx;

static void handler(int sig, siginfo_t *si, void *ucv)
{
	(void)si;
	ucontext_t *uc = ucv;
	got = sig;
	seen_rbx = (uint64_t)uc->uc_mcontext.gregs[REG_RBX];
	/* clobber what the frame must restore */
	__asm__ volatile("mov $0, %%rbx\n\tpxor %%xmm0, %%xmm0" ::: "rbx", "xmm0");
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = handler, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
	long pid = getpid();
	uint64_t out[5], xmm;
	long ret;
	__asm__ volatile(
		"mov $0x1111, %%rbx\n\t"
		"mov $0x1212, %%r12\n\t"
		"mov $0x1313, %%r13\n\t"
		"mov $0x1414, %%r14\n\t"
		"mov $0x1515, %%r15\n\t"
		"mov $0x4242, %%rcx\n\t"
		"movq %%rcx, %%xmm0\n\t"
		"syscall\n\t"
		"mov %%rbx, 0(%[o])\n\t"
		"mov %%r12, 8(%[o])\n\t"
		"mov %%r13, 16(%[o])\n\t"
		"mov %%r14, 24(%[o])\n\t"
		"mov %%r15, 32(%[o])\n\t"
		"movq %%xmm0, %[x]\n\t"
		: "=a"(ret), [x] "=m"(xmm)
		: "0"((long)SYS_kill), "D"(pid), "S"((long)SIGUSR1), [o] "r"(out)
		: "rbx", "r12", "r13", "r14", "r15", "rcx", "r11", "xmm0", "memory");
	CHECK(ret == 0, "kill returned %ld", ret);
	CHECK(got == SIGUSR1, "handler ran: %d", (int)got);
	CHECK(seen_rbx == 0x1111, "rbx in the frame %#lx", (unsigned long)seen_rbx);
	CHECK(out[0] == 0x1111 && out[1] == 0x1212 && out[2] == 0x1313 &&
	      out[3] == 0x1414 && out[4] == 0x1515,
	      "registers after the handler %#lx %#lx %#lx %#lx %#lx", (unsigned long)out[0],
	      (unsigned long)out[1], (unsigned long)out[2], (unsigned long)out[3],
	      (unsigned long)out[4]);
	CHECK(xmm == 0x4242, "xmm0 after the handler %#lx", (unsigned long)xmm);
	printf("ok signal frame keeps the registers\n");
	return 0;
}
