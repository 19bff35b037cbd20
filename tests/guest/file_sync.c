/* fsync/fdatasync/sync/syncfs/sync_file_range: which files accept them,
 * EINVAL for files without a sync operation and for bad flags or ranges,
 * ESPIPE for pipes in sync_file_range, EBADF for O_PATH and closed fds. */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)

int main(void)
{
	char dir[] = "/tmp/file_syncXXXXXX", path[64];
	CHECK(mkdtemp(dir), "mkdtemp");
	snprintf(path, sizeof(path), "%s/f", dir);
	int fd = open(path, O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0 && write(fd, "data", 4) == 4, "file");
	int rd = open(path, O_RDONLY);
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	int op = open(path, O_PATH);
	int p[2], sv[2];
	CHECK(pipe(p) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "pipe, socketpair");
	int null = open("/dev/null", O_RDWR);

	/* fsync/fdatasync: files and directories, even read-only; not pipes/sockets/devices */
	CHECK(fsync(fd) == 0 && fdatasync(fd) == 0, "regular file");
	CHECK(fsync(rd) == 0 && fdatasync(rd) == 0, "read-only fd");
	CHECK(fsync(d) == 0 && fdatasync(d) == 0, "directory");
	FAILS(fsync(p[0]), EINVAL);
	FAILS(fdatasync(p[1]), EINVAL);
	FAILS(fsync(sv[0]), EINVAL);
	FAILS(fsync(null), EINVAL);
	FAILS(fsync(op), EBADF);
	FAILS(fdatasync(op), EBADF);
	FAILS(fsync(-1), EBADF);
	FAILS(fdatasync(1000), EBADF);

	/* sync and syncfs */
	sync();
	CHECK(syscall(SYS_sync) == 0, "sync");
	CHECK(syncfs(fd) == 0 && syncfs(d) == 0 && syncfs(p[0]) == 0 && syncfs(sv[0]) == 0, "syncfs");
	FAILS(syncfs(op), EBADF);
	FAILS(syncfs(-1), EBADF);

	/* sync_file_range */
	unsigned all = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
	CHECK(sync_file_range(fd, 0, 0, all) == 0, "whole file");
	CHECK(sync_file_range(fd, 2, 1, SYNC_FILE_RANGE_WRITE) == 0, "a range");
	CHECK(sync_file_range(fd, 0, 0, 0) == 0, "no flags");
	CHECK(sync_file_range(rd, 0, 0, all) == 0, "read-only fd");
	CHECK(sync_file_range(d, 0, 0, all) == 0, "directory");
	FAILS(sync_file_range(fd, 0, 0, 0x8), EINVAL);
	FAILS(sync_file_range(fd, -1, 0, 0), EINVAL);
	FAILS(sync_file_range(fd, 0, -1, 0), EINVAL);
	FAILS(sync_file_range(fd, 0x7fffffffffffffffLL, 2, 0), EINVAL);
	FAILS(sync_file_range(-1, 0, 0, 0x8), EBADF);    /* the fd before the flags */
	FAILS(sync_file_range(-1, 0, 0, 0), EBADF);
	FAILS(sync_file_range(p[1], 0, 0, 0), ESPIPE);
	FAILS(sync_file_range(sv[0], 0, 0, 0), ESPIPE);
	FAILS(sync_file_range(null, 0, 0, 0), ESPIPE);
	FAILS(sync_file_range(op, 0, 0, 0), EBADF);

	close(fd);
	close(rd);
	close(d);
	close(op);
	close(null);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	CHECK(unlink(path) == 0 && rmdir(dir) == 0, "cleanup");
	printf("file_sync ok\n");
	return 0;
}
