/* A guest killed by signal N must make the sandbox exit with 128+N.
 * Inside the sandbox the program is pid 1, and like any pid-namespace init
 * it ignores signals it has no handler for (raise(SIGTERM) must not kill
 * it); a fault is forced and kills it even then. */
#include <signal.h>
#include <unistd.h>
#include "guest.h"

int main(void)
{
	if (getpid() == 1) {
		raise(SIGTERM);
		raise(SIGKILL);
	}
	printf("faulting\n");
	fflush(stdout);
	*(volatile int *)0 = 0;
	printf("FAIL still alive after SIGSEGV\n");
	return 1;
}
