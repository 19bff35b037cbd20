/* execve chain: the program re-execs itself (argv[0]) with a counter from 3
 * down to 0, checking argv and envp survive each exec, then execs /bin/true.
 * Failing execs (missing file, non-executable file) must return errors;
 * fd 10 stays open across exec, fd 11 (O_CLOEXEC) does not. */
#include <fcntl.h>
#include <unistd.h>
#include "guest.h"

int main(int argc, char **argv)
{
	char num[16];
	const char *tok = getenv("EXEC_CHAIN_TOKEN");
	int n;

	if (argc == 1) {
		/* First run: set up the chain. */
		char *bad[] = { "nope", NULL };
		char *env[] = { "EXEC_CHAIN_TOKEN=t0k", NULL };
		char *args[] = { argv[0], "3", "marker", NULL };

		CHECK(execve("/nonexistent/cvisor-test", bad, env) == -1 && errno == ENOENT, "execve missing file");
		CHECK(execve("/etc/passwd", bad, env) == -1 && errno == EACCES, "execve non-executable file");
		printf("failed execs: ENOENT, EACCES\n");
		CHECK(dup2(open("/etc/passwd", O_RDONLY), 10) == 10, "fd 10");
		CHECK(dup3(open("/etc/passwd", O_RDONLY), 11, O_CLOEXEC) == 11, "fd 11");
		fflush(stdout);
		execve(argv[0], args, env);
		CHECK(0, "execve %s", argv[0]);
	}
	CHECK(argc == 3 && strcmp(argv[2], "marker") == 0, "argc %d", argc);
	CHECK(tok && strcmp(tok, "t0k") == 0, "EXEC_CHAIN_TOKEN '%s'", tok ? tok : "(null)");
	CHECK(fcntl(10, F_GETFD) == 0, "fd 10 lost across exec");
	errno = 0;
	CHECK(fcntl(11, F_GETFD) == -1 && errno == EBADF, "O_CLOEXEC fd 11 survived exec");
	n = atoi(argv[1]);
	printf("exec level %d, fds ok\n", n);
	fflush(stdout);
	if (n > 0) {
		char *args[] = { argv[0], num, "marker", NULL };

		snprintf(num, sizeof num, "%d", n - 1);
		execv(argv[0], args);
		CHECK(0, "execv %s", argv[0]);
	}
	execl("/bin/true", "true", (char *)NULL);
	CHECK(0, "execl /bin/true");
}
