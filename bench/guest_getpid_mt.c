/* Syscall round trip with several guest threads: T threads (default 4)
 * each make N/T raw getpid syscalls at once. Usage: guest_getpid_mt [N [T]].
 * Prints "getpid_mt: T threads, N calls, X ns/call" (wall time / N). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

static long per_thread;

static long raw_getpid(void)
{
	long ret;

	/* Spelled out: the `mov $nr,%eax; syscall` shape of libc's wrappers
	 * (a register-to-register mov would not be patched). */
	__asm__ volatile("mov %1, %%eax\n\tsyscall" : "=a"(ret) : "i"(SYS_getpid) : "rcx", "r11", "memory");
	return ret;
}

static void *worker(void *arg)
{
	long pid = raw_getpid();

	for (long i = 0; i < per_thread; i++)
		if (raw_getpid() != pid)
			return arg;
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	int nt = argc > 2 ? atoi(argv[2]) : 4;
	pthread_t th[64];
	struct timespec t0, t1;
	int bad = 0;

	if (n <= 0 || nt <= 0 || nt > 64) {
		fprintf(stderr, "usage: %s [N > 0 [1..64 threads]]\n", argv[0]);
		return 2;
	}
	per_thread = n / nt;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < nt; i++)
		if (pthread_create(&th[i], NULL, worker, NULL) != 0)
			return 1;
	for (int i = 0; i < nt; i++) {
		void *r;
		pthread_join(th[i], &r);
		bad |= r != NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (bad) {
		fprintf(stderr, "getpid changed\n");
		return 1;
	}
	double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
	printf("getpid_mt: %d threads, %ld calls, %.1f ns/call\n", nt, per_thread * nt,
	       ns / (double)(per_thread * nt));
	return 0;
}
