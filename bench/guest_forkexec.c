/* Process creation cost: N times fork + execve(PROG) + waitpid, default
 * N=100 and PROG=/bin/true. Usage: guest_forkexec [N [PROG]].
 * Prints "forkexec: N runs, X us/run". */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100;
	char *prog = argc > 2 ? argv[2] : "/bin/true";
	struct timespec t0, t1;

	if (n <= 0) {
		fprintf(stderr, "usage: %s [N > 0 [PROG]]\n", argv[0]);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			execl(prog, prog, (char *)NULL);
			_exit(127);
		}
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "forkexec: %s failed\n", prog);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double us = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3;
	printf("forkexec: %ld runs, %.1f us/run\n", n, us / (double)n);
	return 0;
}
