/* open(2) flags with their exact errnos: O_PATH (and what an O_PATH fd
 * may do), O_APPEND, O_TRUNC, O_EXCL, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC,
 * O_NOCTTY, name errors, and the umask on creat/mkdir/mknod. */
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

/* the kernel's O_LARGEFILE, always set on x86-64 (glibc defines it as 0) */
#define KO_LARGEFILE 0100000
#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)

static off_t size_of(int dfd, const char *name)
{
	struct stat st;
	CHECK(fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0, "stat %s", name);
	return st.st_size;
}

static void put(int dfd, const char *name, const char *data)
{
	int fd = openat(dfd, name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(fd >= 0, "create %s", name);
	CHECK(write(fd, data, strlen(data)) == (ssize_t)strlen(data), "write %s", name);
	close(fd);
}

static void opath(int dfd)
{
	char buf[8];
	struct stat st;
	struct statfs sfs;
	int fd = openat(dfd, "file", O_PATH);
	CHECK(fd >= 0, "O_PATH file");
	CHECK(fcntl(fd, F_GETFL) == O_PATH, "O_PATH F_GETFL %#x", fcntl(fd, F_GETFL));
	CHECK(fstat(fd, &st) == 0 && st.st_size == 5, "fstat on O_PATH");
	CHECK(fstatfs(fd, &sfs) == 0, "fstatfs on O_PATH");
	FAILS(read(fd, buf, 1), EBADF);
	FAILS(write(fd, "x", 1), EBADF);
	FAILS(pread(fd, buf, 1, 0), EBADF);
	FAILS(lseek(fd, 0, SEEK_SET), EBADF);
	FAILS(fchmod(fd, 0600), EBADF);
	FAILS(fchown(fd, 0, 0), EBADF);
	FAILS(ftruncate(fd, 0), EBADF);
	FAILS(fsync(fd), EBADF);
	FAILS(flock(fd, LOCK_SH), EBADF);
	FAILS(ioctl(fd, FIONREAD, buf), EBADF);
	FAILS(fgetxattr(fd, "user.x", buf, sizeof(buf)), EBADF);
	FAILS(fcntl(fd, F_SETFL, O_APPEND), EBADF);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == EBADF, "mmap O_PATH");
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	CHECK(d >= 0 && fcntl(d, F_GETFD) == FD_CLOEXEC, "dup of O_PATH");
	close(d);
	/* /proc/self/fd of an O_PATH fd reopens the file for real */
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	int r = open(proc, O_RDONLY);
	CHECK(r >= 0 && read(r, buf, 5) == 5 && !memcmp(buf, "hello", 5), "reopen via /proc");
	close(r);
	/* fstatat/fchownat with AT_EMPTY_PATH accept it */
	CHECK(fstatat(fd, "", &st, AT_EMPTY_PATH) == 0 && S_ISREG(st.st_mode), "AT_EMPTY_PATH stat");
	CHECK(fchownat(fd, "", 0, 0, AT_EMPTY_PATH) == 0, "fchownat AT_EMPTY_PATH on O_PATH");
	close(fd);

	/* other flags are ignored with O_PATH, even O_CREAT/O_TRUNC/O_WRONLY */
	fd = openat(dfd, "file", O_PATH | O_WRONLY | O_TRUNC | O_APPEND);
	CHECK(fd >= 0 && size_of(dfd, "file") == 5, "O_PATH ignores O_TRUNC");
	CHECK(fcntl(fd, F_GETFL) == O_PATH, "O_PATH keeps no other flag");
	close(fd);
	FAILS(openat(dfd, "nothere", O_PATH | O_CREAT, 0644), ENOENT);

	/* a directory: usable as dirfd and for fchdir, not for getdents */
	fd = openat(dfd, "dir", O_PATH | O_DIRECTORY);
	CHECK(fd >= 0, "O_PATH dir");
	CHECK(faccessat(fd, "inner", F_OK, 0) == 0, "O_PATH dir as dirfd");
	int in = openat(fd, "inner", O_RDONLY);
	CHECK(in >= 0, "open under O_PATH dirfd");
	close(in);
	char dents[256];
	FAILS(syscall(SYS_getdents64, fd, dents, sizeof(dents)), EBADF);
	int cwd = open(".", O_PATH | O_DIRECTORY);
	CHECK(fchdir(fd) == 0 && access("inner", F_OK) == 0, "fchdir to O_PATH dir");
	CHECK(fchdir(cwd) == 0, "back");
	close(cwd);
	close(fd);
	FAILS(openat(dfd, "file", O_PATH | O_DIRECTORY), ENOTDIR);

	/* a symlink itself with O_NOFOLLOW */
	fd = openat(dfd, "link", O_PATH | O_NOFOLLOW);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode), "O_PATH|O_NOFOLLOW on a link");
	char target[16];
	CHECK(readlinkat(fd, "", target, sizeof(target)) == 4 && !memcmp(target, "file", 4),
	      "readlinkat empty path on the link fd");
	close(fd);
}

static void flags(int dfd)
{
	char buf[16];
	/* O_APPEND: every write lands at the end, even after a seek */
	int fd = openat(dfd, "file", O_WRONLY | O_APPEND);
	CHECK(fd >= 0, "O_APPEND");
	CHECK(lseek(fd, 0, SEEK_SET) == 0 && write(fd, "!", 1) == 1, "append write");
	CHECK(lseek(fd, 0, SEEK_CUR) == 6, "position after append");
	CHECK(pwrite(fd, "?", 1, 0) == 1 && size_of(dfd, "file") == 7, "pwrite appends too");
	CHECK(fcntl(fd, F_GETFL) == (O_WRONLY | O_APPEND | KO_LARGEFILE), "F_GETFL %#x", fcntl(fd, F_GETFL));
	close(fd);
	fd = openat(dfd, "file", O_RDONLY);
	CHECK(read(fd, buf, sizeof(buf)) == 7 && !memcmp(buf, "hello!?", 7), "appended data");
	close(fd);

	/* O_TRUNC, even with O_RDONLY (Linux truncates when it may write) */
	fd = openat(dfd, "file", O_RDONLY | O_TRUNC);
	CHECK(fd >= 0 && size_of(dfd, "file") == 0, "O_RDONLY|O_TRUNC truncates");
	close(fd);
	put(dfd, "file", "hello");

	/* O_EXCL */
	FAILS(openat(dfd, "file", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	FAILS(openat(dfd, "link", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	FAILS(openat(dfd, "dangling", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	FAILS(openat(dfd, "dir", O_CREAT | O_EXCL | O_RDONLY, 0644), EEXIST);
	fd = openat(dfd, "file", O_EXCL | O_RDONLY);   /* no O_CREAT: ignored */
	CHECK(fd >= 0, "O_EXCL without O_CREAT");
	close(fd);
	fd = openat(dfd, "new", O_CREAT | O_EXCL | O_RDWR, 0640);
	CHECK(fd >= 0, "O_CREAT|O_EXCL new");
	close(fd);
	/* O_CREAT through a dangling symlink creates its target */
	fd = openat(dfd, "dangling", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0 && faccessat(dfd, "target", F_OK, 0) == 0, "create via dangling link");
	close(fd);
	CHECK(unlinkat(dfd, "target", 0) == 0, "unlink target");

	/* O_DIRECTORY */
	FAILS(openat(dfd, "file", O_RDONLY | O_DIRECTORY), ENOTDIR);
	FAILS(openat(dfd, "link", O_RDONLY | O_DIRECTORY), ENOTDIR);
	FAILS(openat(dfd, "dir", O_CREAT | O_DIRECTORY | O_RDONLY, 0755), EINVAL);
	FAILS(openat(dfd, "nodir", O_CREAT | O_DIRECTORY | O_RDONLY, 0755), EINVAL);
	fd = openat(dfd, "dir", O_CREAT | O_DIRECTORY | O_PATH, 0755);   /* O_CREAT dropped */
	CHECK(fd >= 0, "O_PATH|O_CREAT|O_DIRECTORY");
	close(fd);
	fd = openat(dfd, "dirlink", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0, "O_DIRECTORY through a link to a dir");
	close(fd);

	/* O_NOFOLLOW: a last-component symlink gives ELOOP, earlier ones are followed */
	FAILS(openat(dfd, "link", O_RDONLY | O_NOFOLLOW), ELOOP);
	FAILS(openat(dfd, "link", O_CREAT | O_WRONLY | O_NOFOLLOW, 0644), ELOOP);
	FAILS(openat(dfd, "dirlink", O_RDONLY | O_NOFOLLOW | O_DIRECTORY), ENOTDIR);
	fd = openat(dfd, "dirlink/inner", O_RDONLY | O_NOFOLLOW);
	CHECK(fd >= 0, "O_NOFOLLOW follows intermediate links");
	close(fd);
	FAILS(openat(dfd, "loop1", O_RDONLY), ELOOP);
	FAILS(openat(dfd, "loop1/x", O_RDONLY), ELOOP);

	/* O_CLOEXEC and O_NOCTTY */
	fd = openat(dfd, "file", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	CHECK(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "O_CLOEXEC");
	CHECK(fcntl(fd, F_GETFL) == KO_LARGEFILE, "open-only flags are not kept: %#x", fcntl(fd, F_GETFL));
	close(fd);
	fd = openat(dfd, "file", O_RDONLY);
	CHECK(fcntl(fd, F_GETFD) == 0, "no O_CLOEXEC");
	close(fd);

	/* bits open(2) does not know are ignored, not kept */
	fd = openat(dfd, "file", O_RDONLY | 0x40000000 | 0x4000000);
	CHECK(fd >= 0 && fcntl(fd, F_GETFL) == KO_LARGEFILE, "unknown bits dropped: %#x", fcntl(fd, F_GETFL));
	close(fd);

	/* directories and write modes */
	FAILS(openat(dfd, "dir", O_WRONLY), EISDIR);
	FAILS(openat(dfd, "dir", O_RDWR), EISDIR);
	FAILS(openat(dfd, "dir", O_CREAT | O_RDONLY, 0644), EISDIR);
	FAILS(openat(dfd, "dir/", O_CREAT | O_RDONLY, 0644), EISDIR);
	FAILS(openat(dfd, "newdir/", O_CREAT | O_RDONLY, 0644), EISDIR);
	FAILS(openat(dfd, ".", O_CREAT | O_RDONLY, 0644), EISDIR);
	fd = openat(dfd, "dir", O_RDONLY);
	CHECK(fd >= 0, "dir read-only");
	FAILS(read(fd, buf, 1), EISDIR);
	FAILS(write(fd, buf, 1), EBADF);
	close(fd);
}

static void names(int dfd)
{
	char name[300], *path = malloc(PATH_MAX + 10);
	memset(name, 'n', 256);
	name[256] = 0;
	FAILS(openat(dfd, name, O_RDONLY), ENAMETOOLONG);
	FAILS(openat(dfd, name, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
	FAILS(mkdirat(dfd, name, 0755), ENAMETOOLONG);
	name[255] = 0;
	FAILS(openat(dfd, name, O_RDONLY), ENOENT);
	int fd = openat(dfd, name, O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0, "255-byte name");
	close(fd);
	CHECK(unlinkat(dfd, name, 0) == 0, "unlink 255-byte name");
	for (int i = 0; i < PATH_MAX + 8; i += 2)
		memcpy(path + i, "./", 2);
	path[PATH_MAX + 8] = 0;
	FAILS(openat(dfd, path, O_RDONLY), ENAMETOOLONG);
	path[PATH_MAX - 1] = 0;     /* 4095 bytes + NUL fits */
	fd = openat(dfd, path, O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0, "4095-byte path");
	close(fd);
	free(path);

	FAILS(openat(dfd, "", O_RDONLY), ENOENT);
	FAILS(openat(dfd, "missing/file", O_RDONLY), ENOENT);
	FAILS(openat(dfd, "missing/file", O_CREAT | O_WRONLY, 0644), ENOENT);
	FAILS(openat(dfd, "missing", O_RDONLY), ENOENT);
	FAILS(openat(dfd, "file/x", O_RDONLY), ENOTDIR);
	FAILS(openat(dfd, "file/x", O_CREAT | O_WRONLY, 0644), ENOTDIR);
	FAILS(openat(dfd, "file/", O_RDONLY), ENOTDIR);
	FAILS(openat(dfd, "link/", O_RDONLY), ENOTDIR);
	FAILS(openat(dfd, "file/.", O_RDONLY), ENOTDIR);
	FAILS(openat(dfd, "file/..", O_RDONLY), ENOTDIR);
	FAILS(openat(999, "file", O_RDONLY), EBADF);
	FAILS(openat(-5, "file", O_RDONLY), EBADF);
	int f = openat(dfd, "file", O_RDONLY);
	FAILS(openat(f, "x", O_RDONLY), ENOTDIR);
	close(f);
	FAILS(open((const char *)8, O_RDONLY), EFAULT);
}

static void umasks(int dfd)
{
	struct stat st;
	mode_t old = umask(027);
	int fd = openat(dfd, "m_file", O_CREAT | O_WRONLY, 0777);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0750, "creat mode %o", st.st_mode);
	close(fd);
	CHECK(mkdirat(dfd, "m_dir", 01777) == 0, "mkdir");
	CHECK(fstatat(dfd, "m_dir", &st, 0) == 0 && (st.st_mode & 07777) == 01750, "mkdir mode %o", st.st_mode);
	CHECK(mknodat(dfd, "m_fifo", S_IFIFO | 0666, 0) == 0, "mkfifo");
	CHECK(fstatat(dfd, "m_fifo", &st, 0) == 0 && (st.st_mode & 07777) == 0640, "fifo mode %o", st.st_mode);
	CHECK(umask(0) == 027, "umask returns the old mask");
	fd = openat(dfd, "m_file2", O_CREAT | O_WRONLY, 04777);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 04777, "umask 0 mode %o", st.st_mode);
	close(fd);
	CHECK(umask(0777 | 0100000) == 0 && umask(old) == 0777, "umask keeps 0777 bits only");
	/* an existing file keeps its mode */
	fd = openat(dfd, "m_file", O_CREAT | O_WRONLY, 0600);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0750, "existing mode");
	close(fd);
	unlinkat(dfd, "m_file", 0);
	unlinkat(dfd, "m_file2", 0);
	unlinkat(dfd, "m_fifo", 0);
	unlinkat(dfd, "m_dir", AT_REMOVEDIR);
}

int main(void)
{
	char dir[] = "/tmp/file_openXXXXXX";
	CHECK(mkdtemp(dir), "mkdtemp");
	int dfd = open(dir, O_DIRECTORY | O_RDONLY);
	CHECK(dfd >= 0, "open dir");
	put(dfd, "file", "hello");
	CHECK(mkdirat(dfd, "dir", 0755) == 0, "mkdir");
	put(dfd, "dir/inner", "");
	CHECK(symlinkat("file", dfd, "link") == 0, "link");
	CHECK(symlinkat("dir", dfd, "dirlink") == 0, "dirlink");
	CHECK(symlinkat("target", dfd, "dangling") == 0, "dangling");
	CHECK(symlinkat("loop2", dfd, "loop1") == 0 && symlinkat("loop1", dfd, "loop2") == 0, "loop");

	opath(dfd);
	flags(dfd);
	names(dfd);
	umasks(dfd);

	const char *files[] = { "file", "dir/inner", "link", "dirlink", "dangling", "loop1", "loop2", "new" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		CHECK(unlinkat(dfd, files[i], 0) == 0, "unlink %s", files[i]);
	CHECK(unlinkat(dfd, "dir", AT_REMOVEDIR) == 0, "rmdir");
	close(dfd);
	CHECK(rmdir(dir) == 0, "rmdir top");
	printf("file_open ok\n");
	return 0;
}
