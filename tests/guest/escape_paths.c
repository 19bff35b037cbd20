/* Escape attempts by name: ".." chains (absolute and relative), symlinks
 * to "/.." and to "../"s, /proc/self/root, /proc/self/cwd, /proc/1/cwd,
 * /proc/self/fd/N of directories, openat2 RESOLVE_BENEATH/IN_ROOT.
 * See escape_common.h for what is checked. */
#include "escape_common.h"

int main(int argc, char **argv)
{
	char work[64], p[256];
	escape_init(argc, argv);
	snprintf(work, sizeof(work), "/tmp/escape_paths.%d", (int)getpid());
	CHECK(mkdir(work, 0755) == 0, "mkdir work");
	snprintf(p, sizeof(p), "%s/a", work);
	CHECK(mkdir(p, 0755) == 0, "mkdir a");
	snprintf(p, sizeof(p), "%s/a/b", work);
	CHECK(mkdir(p, 0755) == 0, "mkdir b");
	CHECK(chdir(p) == 0, "chdir b");

	/* ".." chains */
	escape_check_path(AT_FDCWD, "/..");
	escape_check_path(AT_FDCWD, "/../../../../..");
	escape_check_path(AT_FDCWD, escape_ups(100, ""));
	escape_check_path(AT_FDCWD, escape_ups(100, "tmp/../.."));
	snprintf(p, sizeof(p), "/..%s/../../../../../..", work);
	escape_check_path(AT_FDCWD, p);
	CHECK(access(escape_ups(100, escape_marker), F_OK) == -1 && errno == ENOENT, "ups marker");
	snprintf(p, sizeof(p), "/../%s", escape_marker);
	CHECK(access(p, F_OK) == -1 && errno == ENOENT, "/../marker");
	printf("dot-dot: stops at /\n");

	/* symlinks out of the root */
	static const char *const targets[] = { "/..", "/../../..", "../../../../../../../../../..",
					       "../../../../../../../../../../../../../../../../..", ".." };
	for (size_t k = 0; k < sizeof(targets) / sizeof(targets[0]); k++) {
		snprintf(p, sizeof(p), "%s/l%zu", work, k);
		CHECK(symlink(targets[k], p) == 0, "symlink %s", targets[k]);
		escape_check_path(AT_FDCWD, p);
		strcat(p, "/..");
		escape_check_path(AT_FDCWD, p);
		snprintf(p, sizeof(p), "%s/l%zu/%s", work, k, escape_marker);
		CHECK(access(p, F_OK) == -1 && errno == ENOENT, "marker through l%zu", k);
	}
	snprintf(p, sizeof(p), "%s/chain", work);
	CHECK(symlink("l2/../l3/..", p) == 0, "chain");
	escape_check_path(AT_FDCWD, p);
	printf("symlinks: end at /\n");

	/* magic links */
	escape_check_path(AT_FDCWD, "/proc/self/root");
	escape_check_path(AT_FDCWD, "/proc/self/root/..");
	escape_check_path(AT_FDCWD, "/proc/self/root/../../..");
	escape_check_path(AT_FDCWD, "/proc/self/cwd");
	snprintf(p, sizeof(p), "/proc/self/cwd/%s", escape_ups(50, ""));
	escape_check_path(AT_FDCWD, p);
	escape_check_path(AT_FDCWD, "/proc/1/cwd/../../../../..");
	escape_check_path(AT_FDCWD, "/proc/1/root/..");
	snprintf(p, sizeof(p), "/proc/self/root/../%s", escape_marker);
	CHECK(access(p, F_OK) == -1 && errno == ENOENT, "marker via /proc/self/root");
	char link[256] = { 0 };
	CHECK(readlink("/proc/self/root", link, sizeof(link) - 1) == 1 && !strcmp(link, "/"),
	      "readlink root: %s", link);
	int rootfd = open("/", O_PATH), deep = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(rootfd >= 0 && deep >= 0, "fds");
	snprintf(p, sizeof(p), "/proc/self/fd/%d/..", rootfd);
	escape_check_path(AT_FDCWD, p);
	snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", deep, escape_ups(60, ""));
	escape_check_path(AT_FDCWD, p);
	snprintf(p, sizeof(p), "/proc/thread-self/fd/%d/../../../..", deep);
	escape_check_path(AT_FDCWD, p);
	printf("proc links: end at /\n");

	/* openat2: BENEATH refuses, IN_ROOT clamps */
	CHECK(escape_openat2(rootfd, "..", RESOLVE_BENEATH) == -1 && errno == EXDEV, "beneath ..");
	CHECK(escape_openat2(deep, "../../../..", RESOLVE_BENEATH) == -1 && errno == EXDEV, "beneath ups");
	snprintf(p, sizeof(p), "%s/l0", work);
	CHECK(escape_openat2(AT_FDCWD, p, RESOLVE_BENEATH) == -1 && errno == EXDEV, "beneath abs");
	CHECK(escape_openat2(deep, "/proc/self/root", RESOLVE_BENEATH) == -1 && errno == EXDEV, "beneath magic");
	long fd = escape_openat2(rootfd, escape_ups(10, ""), RESOLVE_IN_ROOT);
	CHECK(fd >= 0, "in_root ups");
	escape_check_dir((int)fd, "in_root ups");
	close((int)fd);
	snprintf(p, sizeof(p), "../../%s", escape_marker);
	CHECK(escape_openat2(rootfd, p, RESOLVE_IN_ROOT) == -1 && errno == ENOENT, "in_root marker");
	fd = escape_openat2(deep, "../../../../../..", RESOLVE_IN_ROOT);
	CHECK(fd >= 0, "in_root from deep");
	struct stat st, d;
	CHECK(fstat((int)fd, &st) == 0 && fstat(deep, &d) == 0 && escape_same(&st, &d), "clamped at dirfd");
	close((int)fd);
	printf("openat2: BENEATH EXDEV, IN_ROOT clamped\n");

	close(rootfd);
	close(deep);
	CHECK(chdir("/") == 0, "chdir /");
	for (size_t k = 0; k < sizeof(targets) / sizeof(targets[0]); k++) {
		snprintf(p, sizeof(p), "%s/l%zu", work, k);
		CHECK(unlink(p) == 0, "unlink");
	}
	snprintf(p, sizeof(p), "%s/chain", work);
	CHECK(unlink(p) == 0, "unlink chain");
	snprintf(p, sizeof(p), "%s/a/b", work);
	CHECK(rmdir(p) == 0, "rmdir b");
	snprintf(p, sizeof(p), "%s/a", work);
	CHECK(rmdir(p) == 0 && rmdir(work) == 0, "rmdir work");
	return 0;
}
