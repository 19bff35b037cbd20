/*
 * When the sentry itself faults, print where: the signal, the faulting
 * address, the instruction (capstone) and a backtrace (libunwind), then die
 * with the same signal. Under ASan its own reporter is left in charge.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <ucontext.h>
#include <capstone/capstone.h>
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include "sentry/crash.h"
#include "sentry/log.h"

#if !defined(__SANITIZE_ADDRESS__)
static void print_insn(uint64_t rip)
{
	csh cs;
	cs_insn *insn;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return;
	size_t n = cs_disasm(cs, (const uint8_t *)rip, 15, rip, 1, &insn);
	if (n > 0) {
		dprintf(log_fd, "  faulting instruction: %#lx: %s %s\n", (unsigned long)rip,
			insn[0].mnemonic, insn[0].op_str);
		cs_free(insn, n);
	}
	cs_close(&cs);
}

static void print_backtrace(ucontext_t *uc)
{
	unw_cursor_t cur;
	if (unw_init_local2(&cur, (unw_context_t *)uc, UNW_INIT_SIGNAL_FRAME) < 0)
		return;
	for (int depth = 0; depth < 64; depth++) {
		unw_word_t ip = 0, off = 0;
		char name[128] = "?";
		unw_get_reg(&cur, UNW_REG_IP, &ip);
		unw_get_proc_name(&cur, name, sizeof(name), &off);
		dprintf(log_fd, "  #%-2d %#lx %s+%#lx\n", depth, (unsigned long)ip, name, (unsigned long)off);
		if (unw_step(&cur) <= 0)
			break;
	}
}

static void crash_handler(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	dprintf(log_fd, "cvisor[%d]: sentry crashed: %s at address %p (rip %#lx)\n",
		getpid(), strsignal(sig), si->si_addr, (unsigned long)rip);
	print_insn(rip);
	print_backtrace(uc);
	signal(sig, SIG_DFL);
	raise(sig);
}

void crash_handler_install(void)
{
	static char altstack[64 * 1024];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	sigaltstack(&ss, NULL);
	struct sigaction sa = { .sa_sigaction = crash_handler, .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND };
	int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}
#else
void crash_handler_install(void)
{
	/* AddressSanitizer's own fault reporter stays in charge. */
}
#endif
