/* Shared by the escape_*.c guests. Each tries ways out of the root and
 * checks, for every directory a trick reaches, that
 *   - climbing ".." from it ends at "/" (same st_dev/st_ino), and
 *   - the marker name (argv[1]) is not visible in it.
 * tests/e2e/escape.sh runs them on a small rootfs whose parent directory
 * holds that marker (the guest must never see it), once with the overlay
 * and once with --overlay=none plus "--write": then each reached directory
 * also gets a file created and removed, and the script checks nothing
 * appeared next to the rootfs. The ordinary guest runs use "/" as root,
 * where no such marker exists, and do not write. */
#ifndef ESCAPE_COMMON_H
#define ESCAPE_COMMON_H
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>
#include "guest.h"

static const char *escape_marker = "cvisor-escape-marker";
static bool escape_write;
static struct stat escape_root;

static void escape_init(int argc, char **argv)
{
	if (argc > 1)
		escape_marker = argv[1];
	escape_write = argc > 2 && !strcmp(argv[2], "--write");
	CHECK(stat("/", &escape_root) == 0, "stat /");
}

static bool escape_same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* The checks above for an open directory fd (not closed). */
static void escape_check_dir(int dfd, const char *what)
{
	struct stat st, up;
	CHECK(fstatat(dfd, escape_marker, &st, AT_SYMLINK_NOFOLLOW) == -1 && errno == ENOENT,
	      "%s: marker visible", what);
	int cur = dup(dfd);
	CHECK(cur >= 0, "dup");
	for (int k = 0; k < 256; k++) {
		CHECK(fstat(cur, &st) == 0, "%s: fstat", what);
		int next = openat(cur, "..", O_RDONLY | O_DIRECTORY);
		CHECK(next >= 0 && fstat(next, &up) == 0, "%s: open ..", what);
		close(cur);
		cur = next;
		if (escape_same(&st, &up))
			break;
	}
	CHECK(escape_same(&up, &escape_root), "%s: the top is not /", what);
	CHECK(fstatat(cur, escape_marker, &st, AT_SYMLINK_NOFOLLOW) == -1 && errno == ENOENT,
	      "%s: marker visible at the top", what);
	close(cur);
	if (escape_write) {
		int fd = openat(dfd, "cvisor-escape-w", O_CREAT | O_EXCL | O_WRONLY, 0600);
		if (fd >= 0) {
			close(fd);
			CHECK(unlinkat(dfd, "cvisor-escape-w", 0) == 0, "%s: unlink", what);
		}
	}
}

/* The checks for a path: it must be a directory (or not exist). */
static void escape_check_path(int at, const char *path)
{
	int dfd = openat(at, path, O_RDONLY | O_DIRECTORY);
	if (dfd < 0) {
		CHECK(errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == EXDEV ||
		      errno == EACCES, "open %s", path);
		return;
	}
	escape_check_dir(dfd, path);
	close(dfd);
}

/* openat2 of a directory. Linux answers EAGAIN to a scoped ".." walk
 * while any rename or mount happens anywhere (the caller may retry): so
 * do that, a bounded number of times. */
static long escape_openat2(int dfd, const char *p, unsigned long long resolve)
{
	struct open_how how = { .flags = O_RDONLY | O_DIRECTORY, .resolve = resolve };
	long r;
	for (int k = 0; k < 1000; k++)
		if ((r = syscall(SYS_openat2, dfd, p, &how, sizeof(how))) >= 0 || errno != EAGAIN)
			break;
	return r;
}

/* "../" n times, then tail. */
static const char *escape_ups(int n, const char *tail)
{
	static char buf[1024];
	buf[0] = 0;
	for (int k = 0; k < n && strlen(buf) + 4 < sizeof(buf) - 256; k++)
		strcat(buf, "../");
	strncat(buf, tail, 255);
	return buf;
}

#endif
