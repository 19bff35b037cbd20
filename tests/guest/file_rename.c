/* renameat2: replace, RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT
 * (tmpfs and ext4 both make a 0:0 char device), flag combinations, the
 * directory rules (non-empty target, own subdirectory, file/dir mixes),
 * hard links to one inode and the errno precedence of ".", ".." and EXDEV. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "guest.h"

#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)

static int dfd;

static void put(const char *name, const char *data)
{
	int fd = openat(dfd, name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, data, strlen(data)) == (ssize_t)strlen(data), "put %s", name);
	close(fd);
}

static int has(const char *name, const char *data)
{
	char buf[64] = { 0 };
	int fd = openat(dfd, name, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n == (ssize_t)strlen(data) && !strcmp(buf, data);
}

static int missing(const char *name)
{
	struct stat st;
	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1 && errno == ENOENT;
}

static int ren(const char *a, const char *b, unsigned flags)
{
	return renameat2(dfd, a, dfd, b, flags);
}

int main(void)
{
	char dir[] = "/tmp/file_renameXXXXXX";
	struct stat st;
	CHECK(mkdtemp(dir), "mkdtemp");
	dfd = open(dir, O_DIRECTORY | O_RDONLY);
	CHECK(dfd >= 0, "open dir");

	/* plain rename and replacement; an open fd follows the file */
	put("a", "A");
	put("b", "B");
	int fd = openat(dfd, "a", O_RDONLY);
	CHECK(ren("a", "c", 0) == 0 && missing("a") && has("c", "A"), "rename");
	CHECK(ren("c", "b", 0) == 0 && missing("c") && has("b", "A"), "replace");
	CHECK(fstat(fd, &st) == 0 && st.st_nlink == 1, "fd follows");
	close(fd);
	CHECK(ren("b", "b", 0) == 0 && has("b", "A"), "rename onto itself");
	FAILS(ren("missing", "x", 0), ENOENT);
	FAILS(ren("b", "nodir/x", 0), ENOENT);
	FAILS(ren("b/", "x", 0), ENOTDIR);
	FAILS(ren("b", "x/", 0), ENOTDIR);
	FAILS(ren("", "x", 0), ENOENT);

	/* hard links to the same inode: a no-op, both names stay */
	CHECK(linkat(dfd, "b", dfd, "b2", 0) == 0, "link");
	CHECK(ren("b", "b2", 0) == 0, "rename between links");
	CHECK(has("b", "A") && has("b2", "A"), "both names remain");
	CHECK(fstatat(dfd, "b", &st, 0) == 0 && st.st_nlink == 2, "nlink 2");
	CHECK(ren("b", "b2", RENAME_NOREPLACE) == -1 && errno == EEXIST, "NOREPLACE on a link");
	CHECK(unlinkat(dfd, "b2", 0) == 0, "unlink b2");

	/* RENAME_NOREPLACE */
	put("n", "N");
	FAILS(ren("n", "b", RENAME_NOREPLACE), EEXIST);
	CHECK(ren("n", "n2", RENAME_NOREPLACE) == 0 && has("n2", "N"), "NOREPLACE to a new name");

	/* RENAME_EXCHANGE: files, file with dir, missing target */
	CHECK(ren("n2", "b", RENAME_EXCHANGE) == 0 && has("n2", "A") && has("b", "N"), "exchange files");
	CHECK(mkdirat(dfd, "d", 0755) == 0, "mkdir d");
	put("d/in", "I");
	CHECK(ren("b", "d", RENAME_EXCHANGE) == 0, "exchange file and dir");
	CHECK(has("d", "N") && has("b/in", "I"), "swapped");
	CHECK(ren("b", "d", RENAME_EXCHANGE) == 0, "swap back");
	FAILS(ren("b", "none", RENAME_EXCHANGE), ENOENT);
	FAILS(ren("none", "b", RENAME_EXCHANGE), ENOENT);
	CHECK(ren("b", "b", RENAME_EXCHANGE) == 0, "exchange with itself");

	/* flag combinations */
	FAILS(ren("b", "x", RENAME_NOREPLACE | RENAME_EXCHANGE), EINVAL);
	FAILS(ren("b", "x", RENAME_WHITEOUT | RENAME_EXCHANGE), EINVAL);
	FAILS(ren("b", "x", 1U << 3), EINVAL);
	FAILS(ren("b", "x", ~0U), EINVAL);

	/* RENAME_WHITEOUT (root has CAP_MKNOD): a 0:0 char device replaces the old name */
	put("w", "W");
	CHECK(ren("w", "w2", RENAME_WHITEOUT) == 0 && has("w2", "W"), "whiteout rename");
	CHECK(fstatat(dfd, "w", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode) &&
	      st.st_rdev == makedev(0, 0), "whiteout left behind");
	CHECK(ren("w2", "n2", RENAME_WHITEOUT | RENAME_NOREPLACE) == -1 && errno == EEXIST,
	      "WHITEOUT|NOREPLACE onto an existing name");
	CHECK(unlinkat(dfd, "w", 0) == 0 && unlinkat(dfd, "w2", 0) == 0, "unlink whiteout");

	/* directories */
	CHECK(mkdirat(dfd, "e", 0755) == 0, "mkdir e");
	FAILS(ren("e", "d", 0), ENOTEMPTY);        /* over a non-empty dir */
	FAILS(ren("e", "b", 0), ENOTDIR);          /* dir over file */
	FAILS(ren("b", "e", 0), EISDIR);           /* file over dir */
	FAILS(ren("d", "d/sub", 0), EINVAL);       /* into its own subdirectory */
	CHECK(mkdirat(dfd, "d/sub", 0755) == 0, "mkdir d/sub");
	FAILS(ren("d", "d/sub/deeper", 0), EINVAL);
	FAILS(ren("d", "d/sub", 0), EINVAL);
	FAILS(ren("d/sub", "d", 0), ENOTEMPTY);    /* over its own parent */
	FAILS(ren("d", "d/sub", RENAME_EXCHANGE), EINVAL);
	FAILS(ren("d/sub", "d", RENAME_EXCHANGE), EINVAL);
	CHECK(ren("d/sub", "e", 0) == 0, "dir over an empty dir");
	CHECK(fstatat(dfd, "d", &st, 0) == 0 && st.st_nlink == 2, "old parent lost a link");
	CHECK(fstatat(dfd, ".", &st, 0) == 0 && st.st_nlink == 4, "new parent: %lu", (unsigned long)st.st_nlink);
	CHECK(ren("e/", "e2/", 0) == 0, "trailing slashes on dirs");
	CHECK(ren("e2", "d/e", 0) == 0, "move a dir down");
	fd = openat(dfd, "d/e/..", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0 && faccessat(fd, "in", F_OK, 0) == 0, ".. follows the move");
	close(fd);

	/* "." and "..": EBUSY, or EEXIST with NOREPLACE for the target */
	FAILS(ren(".", "x", 0), EBUSY);
	FAILS(ren("d/..", "x", 0), EBUSY);
	FAILS(ren("b", ".", 0), EBUSY);
	FAILS(ren("b", "d/..", 0), EBUSY);
	FAILS(ren("b", ".", RENAME_NOREPLACE), EEXIST);
	FAILS(ren("missing/.", "x", 0), ENOENT);

	/* across filesystems */
	FAILS(renameat2(dfd, "b", AT_FDCWD, "/dev/shm/cvisor-xdev-rename", 0), EXDEV);
	FAILS(renameat2(dfd, "b", AT_FDCWD, "/proc/cvisor-xdev", 0), EXDEV);
	FAILS(renameat2(999, "b", dfd, "x", 0), EBADF);

	/* symlinks are renamed, never followed */
	CHECK(symlinkat("d", dfd, "s") == 0, "symlink");
	CHECK(ren("s", "s2", 0) == 0, "rename symlink");
	CHECK(fstatat(dfd, "s2", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode), "still a link");
	FAILS(ren("e2", "s2/x", 0), ENOENT);
	CHECK(ren("b", "s2", 0) == 0 && has("s2", "N"), "file over a symlink");

	CHECK(unlinkat(dfd, "s2", 0) == 0 && unlinkat(dfd, "n2", 0) == 0, "cleanup files");
	CHECK(unlinkat(dfd, "d/in", 0) == 0 && unlinkat(dfd, "d/e", AT_REMOVEDIR) == 0, "cleanup d");
	CHECK(unlinkat(dfd, "d", AT_REMOVEDIR) == 0, "rmdir d");
	close(dfd);
	CHECK(rmdir(dir) == 0, "rmdir top");
	printf("file_rename ok\n");
	return 0;
}
