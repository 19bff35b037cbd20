/* The smallest guest: stdio through libc and a raw write(2). */
#include <unistd.h>
#include "guest.h"

int main(void)
{
	static const char msg[] = "hello from write(2)\n";

	printf("hello, world\n");
	fflush(stdout);
	CHECK(write(1, msg, sizeof msg - 1) == (ssize_t)(sizeof msg - 1), "short write");
	return 0;
}
