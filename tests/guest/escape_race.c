/* A directory swapped with symlinks to "/.." and to "../"s in a tight loop
 * (renameat2 RENAME_EXCHANGE) while another process walks through the
 * name, by absolute path, from a directory fd, and with openat2
 * RESOLVE_BENEATH; for 5 s (argv[3] seconds). Nothing a walk reaches may
 * lie outside the root (escape_common.h). */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include "escape_common.h"

static char work[64];

static void at_work(char *buf, const char *rel)
{
	snprintf(buf, 256, "%s/%s", work, rel);
}

/* Swaps forever; tells the walker on fd ready once it is under way. */
static void swapper(int ready)
{
	char x[256], l[256], m[256];
	at_work(x, "x");
	at_work(l, "l");
	at_work(m, "m");
	for (unsigned k = 0;; k++) {
		if (syscall(SYS_renameat2, AT_FDCWD, x, AT_FDCWD, k & 1 ? m : l, RENAME_EXCHANGE) < 0)
			_exit(1);
		if (k == 100 && write(ready, "s", 1) != 1)
			_exit(2);
	}
}

static void walk_once(int wfd)
{
	static const char *const rel[] = {
		"x/y/z/../../../../../../../..", "x/../..", "x/y/..", "l/y/../../..", "m/y/z/../../..",
		"x/y/z", "l", "m",
	};
	char p[1200];
	for (size_t k = 0; k < sizeof(rel) / sizeof(rel[0]); k++) {
		snprintf(p, sizeof(p), "%s/%s", work, rel[k]);
		escape_check_path(AT_FDCWD, p);
		escape_check_path(wfd, rel[k]);
	}
	snprintf(p, sizeof(p), "%s/x/y/%s", work, escape_ups(12, escape_marker));
	CHECK(access(p, F_OK) == -1, "marker through the swapped name");
	long fd = escape_openat2(wfd, "x/../..", RESOLVE_BENEATH);
	/* EAGAIN: Linux kept seeing renames during the scoped ".." walk */
	CHECK(fd == -1 && (errno == EXDEV || errno == ENOENT || errno == ELOOP || errno == EAGAIN),
	      "beneath escaped");
}

int main(int argc, char **argv)
{
	char p[256];
	int seconds = argc > 3 ? atoi(argv[3]) : 5;
	escape_init(argc, argv);
	snprintf(work, sizeof(work), "/tmp/escape_race.%d", (int)getpid());
	CHECK(mkdir(work, 0755) == 0, "mkdir work");
	at_work(p, "x");
	CHECK(mkdir(p, 0755) == 0, "x");
	at_work(p, "x/y");
	CHECK(mkdir(p, 0755) == 0, "x/y");
	at_work(p, "x/y/z");
	CHECK(mkdir(p, 0755) == 0, "x/y/z");
	at_work(p, "l");
	CHECK(symlink("/..", p) == 0, "l");
	at_work(p, "m");
	CHECK(symlink("../../../../../../../../..", p) == 0, "m");
	int wfd = open(work, O_RDONLY | O_DIRECTORY);
	CHECK(wfd >= 0, "open work");

	int ready[2];
	char c;
	CHECK(pipe(ready) == 0, "pipe");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		swapper(ready[1]);
	CHECK(read(ready[0], &c, 1) == 1, "swapper started");
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		walk_once(wfd);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < seconds);
	int st;
	CHECK(waitpid(pid, &st, WNOHANG) == 0, "swapper still running");
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, &st, 0) == pid, "reap swapper");
	printf("race: never outside the root\n");

	/* whichever name holds the directory now, remove everything */
	const char *names[] = { "x", "l", "m" };
	for (int k = 0; k < 3; k++) {
		struct stat s;
		at_work(p, names[k]);
		CHECK(lstat(p, &s) == 0, "lstat");
		if (S_ISDIR(s.st_mode)) {
			char q[300];
			snprintf(q, sizeof(q), "%s/y/z", p);
			CHECK(rmdir(q) == 0, "rmdir z");
			snprintf(q, sizeof(q), "%s/y", p);
			CHECK(rmdir(q) == 0 && rmdir(p) == 0, "rmdir y, dir");
		} else {
			CHECK(unlink(p) == 0, "unlink");
		}
	}
	close(wfd);
	CHECK(rmdir(work) == 0, "rmdir work");
	return 0;
}
