/* fork + waitpid: exit codes 0..3, a child killed by SIGKILL, another by
 * SIGTERM, WIFEXITED/WEXITSTATUS/WIFSIGNALED/WTERMSIG, then ECHILD. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

int main(void)
{
	pid_t kids[6];
	int st, i;

	for (i = 0; i < 6; i++) {
		kids[i] = fork();
		CHECK(kids[i] >= 0, "fork %d", i);
		if (kids[i] == 0) {
			if (i < 4)
				_exit(i);
			for (;;)
				pause();
		}
	}
	CHECK(kill(kids[4], SIGKILL) == 0, "kill SIGKILL");
	CHECK(kill(kids[5], SIGTERM) == 0, "kill SIGTERM");

	for (i = 0; i < 4; i++) {
		CHECK(waitpid(kids[i], &st, 0) == kids[i], "waitpid %d", i);
		CHECK(WIFEXITED(st) && !WIFSIGNALED(st), "child %d status %#x", i, st);
		CHECK(WEXITSTATUS(st) == i, "child %d exit %d", i, WEXITSTATUS(st));
		printf("child %d exited %d\n", i, WEXITSTATUS(st));
	}
	CHECK(waitpid(kids[4], &st, 0) == kids[4], "waitpid SIGKILL child");
	CHECK(WIFSIGNALED(st) && !WIFEXITED(st) && WTERMSIG(st) == SIGKILL, "status %#x", st);
	printf("child 4 killed by signal %d\n", WTERMSIG(st));
	CHECK(waitpid(kids[5], &st, 0) == kids[5], "waitpid SIGTERM child");
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "status %#x", st);
	printf("child 5 killed by signal %d\n", WTERMSIG(st));

	errno = 0;
	CHECK(waitpid(-1, &st, 0) == -1 && errno == ECHILD, "waitpid with no children");
	CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD, "WNOHANG with no children");
	printf("no children left: ECHILD\n");
	return 0;
}
