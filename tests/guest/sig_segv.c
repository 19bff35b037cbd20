/* A write through a null pointer raises SIGSEGV with si_addr == 0 and
 * si_code SEGV_MAPERR; the handler leaves with siglongjmp, which restores
 * the signal mask, so the second fault is caught the same way. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include "guest.h"

static sigjmp_buf env;
static volatile int code, signo;
static void *volatile addr;
/* volatile so the compiler cannot see the null and emit a trap instead. */
static int *volatile null_ptr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	signo = sig;
	code = si->si_code;
	addr = si->si_addr;
	siglongjmp(env, 1);
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
	int round;

	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0, "sigaction");
	for (round = 0; round < 2; round++) {
		addr = (void *)1;
		if (sigsetjmp(env, 1) == 0) {
			*null_ptr = 42;
			CHECK(0, "null write did not fault");
		}
		CHECK(signo == SIGSEGV, "signal %d", signo);
		CHECK(addr == NULL, "si_addr %p", addr);
		CHECK(code == SEGV_MAPERR, "si_code %d", code);
		printf("round %d: SIGSEGV at address 0, SEGV_MAPERR\n", round);
	}
	/* An address far from any mapping reports itself exactly. */
	null_ptr = (int *)(uintptr_t)0x10000000000;
	if (sigsetjmp(env, 1) == 0) {
		*null_ptr = 42;
		CHECK(0, "wild write did not fault");
	}
	CHECK(addr == (void *)0x10000000000 && code == SEGV_MAPERR, "si_addr %p si_code %d", addr, code);
	printf("wild write: exact si_addr, SEGV_MAPERR\n");
	return 0;
}
