/* A guest killed by signal N must make the sandbox exit with 128+N. */
#include <signal.h>
#include "guest.h"

int main(void)
{
	printf("raising SIGTERM\n");
	fflush(stdout);
	raise(SIGTERM);
	printf("FAIL still alive after SIGTERM\n");
	return 1;
}
