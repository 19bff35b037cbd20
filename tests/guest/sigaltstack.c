/* sigaltstack: an SA_ONSTACK handler runs on the alternate stack (a local's
 * address lies inside it) and sigaltstack() reports SS_ONSTACK there; a
 * stack overflow is caught by a SIGSEGV handler on the alternate stack. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include "guest.h"

#define ALT_SIZE (64 * 1024)

static char *alt;
static volatile int on_alt, flags_inside, ran;
static sigjmp_buf env;
static volatile int depth_limit = 1 << 30;

static int on_alt_stack(const void *p)
{
	return (const char *)p >= alt && (const char *)p < alt + ALT_SIZE;
}

static void on_usr2(int sig)
{
	stack_t cur;
	int local;

	(void)sig;
	ran = 1;
	on_alt = on_alt_stack(&local);
	if (sigaltstack(NULL, &cur) == 0)
		flags_inside = cur.ss_flags;
}

static void on_segv(int sig)
{
	int local;

	(void)sig;
	on_alt = on_alt_stack(&local);
	siglongjmp(env, 1);
}

/* Recurse until the stack is exhausted; the result is used so the
 * recursion cannot be turned into a loop. */
static int recurse(volatile char *prev, int depth)
{
	volatile char buf[1024];

	if (depth == depth_limit)
		return 0;
	buf[0] = (char)depth;
	buf[sizeof buf - 1] = prev ? prev[0] : 0;
	return recurse(buf, depth + 1) + buf[sizeof buf - 1];
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr2, .sa_flags = SA_ONSTACK };
	stack_t ss, cur;
	struct rlimit rl;
	int local;

	alt = malloc(ALT_SIZE);
	CHECK(alt != NULL, "malloc");
	ss.ss_sp = alt;
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 0;
	CHECK(sigaltstack(&ss, NULL) == 0, "sigaltstack");
	CHECK(sigaltstack(NULL, &cur) == 0 && cur.ss_sp == alt && cur.ss_size == ALT_SIZE && cur.ss_flags == 0,
	      "sigaltstack readback flags %d", cur.ss_flags);
	CHECK(!on_alt_stack(&local), "main runs on the alternate stack");

	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0, "sigaction SIGUSR2");
	raise(SIGUSR2);
	CHECK(ran, "handler did not run");
	CHECK(on_alt, "handler not on the alternate stack");
	CHECK(flags_inside == SS_ONSTACK, "ss_flags inside %d", flags_inside);
	CHECK(sigaltstack(NULL, &cur) == 0 && cur.ss_flags == 0, "ss_flags after %d", cur.ss_flags);
	printf("handler on the alternate stack, SS_ONSTACK inside\n");

	ss.ss_flags = 0x1234;
	errno = 0;
	CHECK(sigaltstack(&ss, NULL) == -1 && errno == EINVAL, "bad flags");
	ss.ss_flags = 0;
	ss.ss_size = 1024;
	errno = 0;
	CHECK(sigaltstack(&ss, NULL) == -1 && errno == ENOMEM, "small stack");
	printf("sigaltstack errors: EINVAL, ENOMEM\n");

	/* Bound the stack so the overflow comes quickly. */
	CHECK(getrlimit(RLIMIT_STACK, &rl) == 0, "getrlimit");
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (8 << 20))
		rl.rlim_cur = 8 << 20;
	CHECK(setrlimit(RLIMIT_STACK, &rl) == 0, "setrlimit");
	sa.sa_handler = on_segv;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0, "sigaction SIGSEGV");
	on_alt = 0;
	if (sigsetjmp(env, 1) == 0) {
		recurse(NULL, 0);
		CHECK(0, "recursion returned");
	}
	CHECK(on_alt, "SIGSEGV handler not on the alternate stack");
	printf("stack overflow caught on the alternate stack\n");
	return 0;
}
