/* Syscall round-trip cost: N raw getpid syscalls (no libc caching, no vDSO),
 * timed with CLOCK_MONOTONIC. Usage: guest_getpid [N], default 1000000.
 * Prints "getpid: N calls, X ns/call". */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

static long raw_getpid(void)
{
	long ret;

	/* Spelled out: the `mov $nr,%eax; syscall` shape of libc's wrappers
	 * (a register-to-register mov would not be patched). */
	__asm__ volatile("mov %1, %%eax\n\tsyscall" : "=a"(ret) : "i"(SYS_getpid) : "rcx", "r11", "memory");
	return ret;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	struct timespec t0, t1;
	long pid;
	double ns;

	if (n <= 0) {
		fprintf(stderr, "usage: %s [N > 0]\n", argv[0]);
		return 2;
	}
	pid = raw_getpid();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		if (raw_getpid() != pid) {
			fprintf(stderr, "getpid changed\n");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
	printf("getpid: %ld calls, %.1f ns/call\n", n, ns / (double)n);
	return 0;
}
