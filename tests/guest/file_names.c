/* Names: mkdirat, mknodat (regular, fifo, socket, char/block devices as
 * root), unlinkat, linkat, symlinkat/readlinkat, with their exact errnos. */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "guest.h"

#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)

static struct stat st_of(int dfd, const char *name)
{
	struct stat st;
	CHECK(fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0, "lstat %s", name);
	return st;
}

static void mk(int dfd)
{
	struct stat st;
	CHECK(mkdirat(dfd, "d", 0755) == 0, "mkdir");
	FAILS(mkdirat(dfd, "d", 0755), EEXIST);
	FAILS(mkdirat(dfd, "nope/d", 0755), ENOENT);
	FAILS(mkdirat(dfd, "", 0755), ENOENT);
	FAILS(mkdirat(dfd, "f/d", 0755), ENOTDIR);
	FAILS(mkdirat(dfd, "f", 0755), EEXIST);
	FAILS(mkdirat(dfd, "dangling", 0755), EEXIST);
	FAILS(mkdirat(dfd, ".", 0755), EEXIST);
	FAILS(mkdirat(dfd, "..", 0755), EEXIST);
	CHECK(mkdirat(dfd, "d2/", 0700) == 0, "mkdir with a trailing slash");
	st = st_of(dfd, "d2");
	CHECK(S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700 && st.st_nlink == 2, "new dir");
	st = st_of(dfd, ".");
	CHECK(st.st_nlink == 4, "parent nlink counts subdirs: %lu", (unsigned long)st.st_nlink);

	/* mknod: regular (type 0 too), fifo, socket, devices */
	CHECK(mknodat(dfd, "reg", S_IFREG | 0640, 0) == 0, "mknod S_IFREG");
	CHECK(mknodat(dfd, "reg0", 0640, 0) == 0, "mknod type 0");
	st = st_of(dfd, "reg0");
	CHECK(S_ISREG(st.st_mode) && st.st_size == 0, "type 0 is regular");
	FAILS(mknodat(dfd, "reg", S_IFREG | 0640, 0), EEXIST);
	CHECK(mknodat(dfd, "fifo", S_IFIFO | 0600, 0) == 0, "mknod fifo");
	CHECK(S_ISFIFO(st_of(dfd, "fifo").st_mode), "fifo type");
	CHECK(mknodat(dfd, "sock", S_IFSOCK | 0600, 0) == 0, "mknod socket");
	CHECK(S_ISSOCK(st_of(dfd, "sock").st_mode), "socket type");
	FAILS(openat(dfd, "sock", O_RDONLY), ENXIO);
	CHECK(mknodat(dfd, "chr", S_IFCHR | 0600, makedev(1, 3)) == 0, "mknod chr as root");
	st = st_of(dfd, "chr");
	CHECK(S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3, "chr rdev");
	CHECK(mknodat(dfd, "blk", S_IFBLK | 0600, makedev(259, 70000)) == 0, "mknod blk as root");
	st = st_of(dfd, "blk");
	CHECK(S_ISBLK(st.st_mode) && major(st.st_rdev) == 259 && minor(st.st_rdev) == 70000, "blk rdev");
	FAILS(mknodat(dfd, "dir", S_IFDIR | 0755, 0), EPERM);
	FAILS(mknodat(dfd, "bad", 0170000 | 0644, 0), EINVAL);
	FAILS(mknodat(dfd, "lnk", S_IFLNK | 0644, 0), EINVAL);
	FAILS(mknodat(dfd, "nope/x", S_IFIFO | 0644, 0), ENOENT);
	FAILS(mknodat(dfd, "f/x", S_IFIFO | 0644, 0), ENOTDIR);

	/* FIFO open: a non-blocking reader opens at once, a writer needs a reader */
	FAILS(openat(dfd, "fifo", O_WRONLY | O_NONBLOCK), ENXIO);
	int r = openat(dfd, "fifo", O_RDONLY | O_NONBLOCK);
	CHECK(r >= 0, "nonblocking fifo reader");
	int w = openat(dfd, "fifo", O_WRONLY | O_NONBLOCK);
	CHECK(w >= 0, "writer with a reader");
	char c;
	CHECK(write(w, "z", 1) == 1 && read(r, &c, 1) == 1 && c == 'z', "fifo data");
	FAILS(read(r, &c, 1), EAGAIN);
	close(w);
	CHECK(read(r, &c, 1) == 0, "EOF once the writer is gone");
	close(r);
	int rw = openat(dfd, "fifo", O_RDWR);   /* Linux: O_RDWR never blocks */
	CHECK(rw >= 0, "fifo O_RDWR");
	close(rw);
	FAILS(lseek(openat(dfd, "fifo", O_RDWR), 0, SEEK_SET), ESPIPE);
}

static void rm(int dfd)
{
	CHECK(mkdirat(dfd, "full", 0755) == 0 && mkdirat(dfd, "full/sub", 0755) == 0, "mkdir full");
	FAILS(unlinkat(dfd, "full", AT_REMOVEDIR), ENOTEMPTY);
	FAILS(unlinkat(dfd, "full", 0), EISDIR);
	FAILS(unlinkat(dfd, "full/", 0), EISDIR);
	FAILS(unlinkat(dfd, "f", AT_REMOVEDIR), ENOTDIR);
	FAILS(unlinkat(dfd, "f/", 0), ENOTDIR);
	FAILS(unlinkat(dfd, "dirlink", AT_REMOVEDIR), ENOTDIR);
	FAILS(unlinkat(dfd, "full/sub/.", AT_REMOVEDIR), EINVAL);
	FAILS(unlinkat(dfd, "full/sub/..", AT_REMOVEDIR), ENOTEMPTY);
	FAILS(unlinkat(dfd, ".", AT_REMOVEDIR), EINVAL);
	FAILS(unlinkat(dfd, "missing", 0), ENOENT);
	FAILS(unlinkat(dfd, "missing", AT_REMOVEDIR), ENOENT);
	FAILS(unlinkat(dfd, "", 0), ENOENT);
	FAILS(unlinkat(dfd, "f", 0x1), EINVAL);
	FAILS(unlinkat(dfd, "f", AT_REMOVEDIR | 0x1), EINVAL);
	FAILS(rmdir("/proc"), EBUSY);
	CHECK(unlinkat(dfd, "full/sub/", AT_REMOVEDIR) == 0, "rmdir with a trailing slash");
	CHECK(unlinkat(dfd, "full", AT_REMOVEDIR) == 0, "rmdir now empty");
	/* unlink of the link removes the link, not the directory */
	CHECK(unlinkat(dfd, "dirlink", 0) == 0 && S_ISDIR(st_of(dfd, "d").st_mode), "unlink dir symlink");
	CHECK(symlinkat("d", dfd, "dirlink") == 0, "relink");
	/* an open file outlives its name */
	int fd = openat(dfd, "tmp", O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0 && write(fd, "abc", 3) == 3, "tmp");
	CHECK(unlinkat(dfd, "tmp", 0) == 0, "unlink open file");
	struct stat st;
	char buf[4];
	CHECK(fstat(fd, &st) == 0 && st.st_nlink == 0 && pread(fd, buf, 3, 0) == 3, "still readable");
	close(fd);
	FAILS(faccessat(dfd, "tmp", F_OK, 0), ENOENT);
}

static void links(int dfd)
{
	CHECK(linkat(dfd, "f", dfd, "hard", 0) == 0, "link");
	CHECK(st_of(dfd, "f").st_nlink == 2 && st_of(dfd, "hard").st_ino == st_of(dfd, "f").st_ino,
	      "same inode, nlink 2");
	FAILS(linkat(dfd, "f", dfd, "hard", 0), EEXIST);
	FAILS(linkat(dfd, "f", dfd, "dangling", 0), EEXIST);
	FAILS(linkat(dfd, "d", dfd, "dhard", 0), EPERM);
	FAILS(linkat(dfd, "missing", dfd, "x", 0), ENOENT);
	FAILS(linkat(dfd, "f", dfd, "nope/x", 0), ENOENT);
	FAILS(linkat(dfd, "f/", dfd, "x", 0), ENOTDIR);
	FAILS(linkat(dfd, "f", dfd, "f/x", 0), ENOTDIR);
	FAILS(linkat(dfd, "f", dfd, "x", 0x1), EINVAL);
	FAILS(linkat(dfd, "", dfd, "x", 0), ENOENT);
	/* without AT_SYMLINK_FOLLOW the link itself is linked */
	CHECK(linkat(dfd, "link", dfd, "link2", 0) == 0, "link a symlink");
	CHECK(S_ISLNK(st_of(dfd, "link2").st_mode) && st_of(dfd, "link").st_nlink == 2, "symlink linked");
	CHECK(linkat(dfd, "link", dfd, "followed", AT_SYMLINK_FOLLOW) == 0, "AT_SYMLINK_FOLLOW");
	CHECK(S_ISREG(st_of(dfd, "followed").st_mode) && st_of(dfd, "f").st_nlink == 3, "target linked");
	FAILS(linkat(dfd, "dangling", dfd, "x", AT_SYMLINK_FOLLOW), ENOENT);
	/* AT_EMPTY_PATH (root has CAP_DAC_READ_SEARCH) */
	int fd = openat(dfd, "f", O_RDONLY);
	CHECK(linkat(fd, "", dfd, "byfd", AT_EMPTY_PATH) == 0 && st_of(dfd, "f").st_nlink == 4, "AT_EMPTY_PATH");
	close(fd);
	fd = openat(dfd, "d", O_RDONLY | O_DIRECTORY);
	FAILS(linkat(fd, "", dfd, "dirbyfd", AT_EMPTY_PATH), EPERM);
	close(fd);
	/* across mounts: /tmp and /dev/shm are different filesystems */
	FAILS(linkat(dfd, "f", AT_FDCWD, "/dev/shm/cvisor-xdev-link", 0), EXDEV);
	const char *names[] = { "hard", "link2", "followed", "byfd" };
	for (int i = 0; i < 4; i++)
		CHECK(unlinkat(dfd, names[i], 0) == 0, "unlink %s", names[i]);
	CHECK(st_of(dfd, "f").st_nlink == 1 && st_of(dfd, "link").st_nlink == 1, "nlink back to 1");
}

static void symlinks(int dfd)
{
	char buf[PATH_MAX + 8], *big = malloc(PATH_MAX + 8);
	CHECK(symlinkat("some/target", dfd, "s") == 0, "symlink");
	CHECK(st_of(dfd, "s").st_size == 11, "symlink size is its length");
	FAILS(symlinkat("x", dfd, "s"), EEXIST);
	FAILS(symlinkat("x", dfd, "f"), EEXIST);
	FAILS(symlinkat("", dfd, "empty"), ENOENT);
	FAILS(symlinkat("x", dfd, "nope/s"), ENOENT);
	FAILS(symlinkat("x", dfd, "s2/"), ENOENT);
	memset(big, 'a', PATH_MAX);
	big[PATH_MAX] = 0;
	FAILS(symlinkat(big, dfd, "big"), ENAMETOOLONG);
	big[PATH_MAX - 1] = 0;
	CHECK(symlinkat(big, dfd, "big") == 0, "4095-byte target");
	CHECK(readlinkat(dfd, "big", buf, sizeof(buf)) == PATH_MAX - 1, "read 4095 bytes");
	CHECK(unlinkat(dfd, "big", 0) == 0, "unlink big");
	free(big);

	memset(buf, '#', sizeof(buf));
	CHECK(readlinkat(dfd, "s", buf, sizeof(buf)) == 11 && !memcmp(buf, "some/target#", 12),
	      "readlink, no NUL added");
	CHECK(readlinkat(dfd, "s", buf, 4) == 4 && !memcmp(buf, "some/target", 11), "truncated");
	FAILS(readlinkat(dfd, "s", buf, 0), EINVAL);
	FAILS(syscall(SYS_readlinkat, dfd, "s", buf, -1), EINVAL);
	FAILS(readlinkat(dfd, "f", buf, sizeof(buf)), EINVAL);
	FAILS(readlinkat(dfd, "d", buf, sizeof(buf)), EINVAL);
	FAILS(readlinkat(dfd, "missing", buf, sizeof(buf)), ENOENT);
	FAILS(readlinkat(dfd, "s/", buf, sizeof(buf)), ENOENT);
	FAILS(readlinkat(dfd, "", buf, sizeof(buf)), ENOENT);
	FAILS(readlinkat(dfd, "dirlink/", buf, sizeof(buf)), EINVAL);
	FAILS(syscall(SYS_readlinkat, dfd, "s", 8, sizeof(buf)), EFAULT);
	int fd = openat(dfd, "s", O_PATH | O_NOFOLLOW);
	CHECK(readlinkat(fd, "", buf, sizeof(buf)) == 11, "readlinkat of an O_PATH link fd");
	close(fd);
	fd = openat(dfd, "f", O_RDONLY);
	FAILS(readlinkat(fd, "", buf, sizeof(buf)), ENOENT);
	close(fd);
	CHECK(unlinkat(dfd, "s", 0) == 0, "unlink s");
}

int main(void)
{
	char dir[] = "/tmp/file_namesXXXXXX";
	CHECK(mkdtemp(dir), "mkdtemp");
	int dfd = open(dir, O_DIRECTORY | O_RDONLY);
	CHECK(dfd >= 0, "open dir");
	int fd = openat(dfd, "f", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0, "create f");
	close(fd);
	CHECK(symlinkat("f", dfd, "link") == 0 && symlinkat("nowhere", dfd, "dangling") == 0, "symlinks");

	mk(dfd);
	CHECK(symlinkat("d", dfd, "dirlink") == 0, "dirlink");
	rm(dfd);
	links(dfd);
	symlinks(dfd);

	const char *files[] = { "f", "link", "dangling", "dirlink", "reg", "reg0", "fifo", "sock", "chr", "blk" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		CHECK(unlinkat(dfd, files[i], 0) == 0, "unlink %s", files[i]);
	CHECK(unlinkat(dfd, "d", AT_REMOVEDIR) == 0 && unlinkat(dfd, "d2", AT_REMOVEDIR) == 0, "rmdirs");
	close(dfd);
	CHECK(rmdir(dir) == 0, "rmdir top");
	printf("file_names ok\n");
	return 0;
}
