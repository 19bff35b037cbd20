/* SA_RESTART: a read on an empty pipe is interrupted by SIGALRM (alarm(1));
 * a child writes into the pipe after 2 s. With SA_RESTART the read resumes
 * and returns the data; without it the read fails with EINTR. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void run(int restart)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = restart ? SA_RESTART : 0 };
	int fds[2], st;
	char buf[16] = "";
	ssize_t n;
	pid_t kid;

	CHECK(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction");
	CHECK(pipe(fds) == 0, "pipe");
	kid = fork();
	CHECK(kid >= 0, "fork");
	if (kid == 0) {
		close(fds[0]);
		sleep(2);
		_exit(write(fds[1], "data", 4) == 4 ? 0 : 1);
	}
	close(fds[1]);
	alarms = 0;
	alarm(1);
	n = read(fds[0], buf, sizeof buf);
	CHECK(alarms == 1, "SIGALRM handler ran %d times", alarms);
	if (restart) {
		CHECK(n == 4 && memcmp(buf, "data", 4) == 0, "restarted read returned %zd", n);
		printf("SA_RESTART: read restarted, got '%.4s'\n", buf);
	} else {
		CHECK(n == -1 && errno == EINTR, "read returned %zd", n);
		printf("no SA_RESTART: read failed with EINTR\n");
		n = read(fds[0], buf, sizeof buf);
		CHECK(n == 4 && memcmp(buf, "data", 4) == 0, "second read returned %zd", n);
	}
	CHECK(waitpid(kid, &st, 0) == kid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer status %#x", st);
	close(fds[0]);
}

int main(void)
{
	run(1);
	run(0);
	return 0;
}
