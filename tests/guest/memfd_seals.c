/* memfd_create: name in /proc/self/fd, flags, and the seals (SEAL, SHRINK,
 * GROW, WRITE, FUTURE_WRITE) enforced on write, ftruncate and mmap. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "guest.h"

#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)

int main(void)
{
	char link[64], target[128];
	FAILS(memfd_create("x", 0x1000), EINVAL);
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[299] = 0;
	FAILS(memfd_create(longname, 0), EINVAL);

	int fd = memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CHECK(fd >= 0, "memfd_create");
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "cloexec");
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	CHECK(n > 0, "readlink");
	target[n] = 0;
	CHECK(!strcmp(target, "/memfd:test (deleted)"), "link '%s'", target);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0 && st.st_size == 0, "fstat");
	CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "O_RDWR");

	CHECK(write(fd, "hello world", 11) == 11, "write");
	CHECK(fcntl(fd, F_GET_SEALS) == 0, "no seals");
	FAILS(fcntl(fd, F_ADD_SEALS, 0x1000), EINVAL);

	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0, "seal shrink");
	FAILS(ftruncate(fd, 5), EPERM);
	CHECK(ftruncate(fd, 20) == 0, "grow ok");
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW) == 0, "seal grow");
	FAILS(ftruncate(fd, 21), EPERM);
	FAILS(pwrite(fd, "abc", 3, 19), EPERM);
	CHECK(pwrite(fd, "abc", 3, 0) == 3, "write inside");
	CHECK(ftruncate(fd, 20) == 0, "same size");
	CHECK(fcntl(fd, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_GROW), "get seals");

	/* a read-only mapping is fine; a shared writable one is refused */
	void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED && !memcmp(p, "abclo", 5), "shared ro map");
	munmap(p, 4096);
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == 0, "seal write");
	FAILS(write(fd, "x", 1), EPERM);
	CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EPERM, "shared writable map");
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED, "private map still ok");
	munmap(p, 4096);
	char buf[4];
	CHECK(pread(fd, buf, 3, 0) == 3 && !memcmp(buf, "abc", 3), "read");

	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL) == 0, "seal seal");
	FAILS(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), EPERM);
	close(fd);

	/* without MFD_ALLOW_SEALING the file is born with F_SEAL_SEAL */
	fd = memfd_create("plain", 0);
	CHECK(fcntl(fd, F_GET_SEALS) == F_SEAL_SEAL, "F_SEAL_SEAL by default");
	FAILS(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EPERM);
	close(fd);

	/* F_SEAL_FUTURE_WRITE; and seals need a writable description */
	fd = memfd_create("future", MFD_ALLOW_SEALING);
	CHECK(write(fd, "1234", 4) == 4, "write");
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	int ro = open(link, O_RDONLY);
	CHECK(ro >= 0, "reopen read-only");
	FAILS(fcntl(ro, F_ADD_SEALS, F_SEAL_GROW), EPERM);
	CHECK(fcntl(ro, F_GET_SEALS) == 0, "get seals read-only");
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) == 0, "future write");
	FAILS(write(fd, "x", 1), EPERM);
	CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EPERM, "shared writable map");
	close(ro);
	close(fd);

	/* seals on something that is not shmem */
	int pfd[2];
	CHECK(pipe(pfd) == 0, "pipe");
	FAILS(fcntl(pfd[1], F_GET_SEALS), EINVAL);
	/* A plain tmpfs file (/dev/shm is tmpfs on Linux and in the sandbox)
	 * is born sealed against sealing. */
	int shm = open("/dev/shm/memfd_seals_plain", O_RDWR | O_CREAT | O_EXCL, 0600);
	CHECK(shm >= 0, "open /dev/shm file");
	CHECK(fcntl(shm, F_GET_SEALS) == F_SEAL_SEAL, "plain tmpfs file seals");
	FAILS(fcntl(shm, F_ADD_SEALS, F_SEAL_WRITE), EPERM);
	CHECK(unlink("/dev/shm/memfd_seals_plain") == 0, "unlink");
	close(shm);
	printf("memfd_seals ok\n");
	return 0;
}
