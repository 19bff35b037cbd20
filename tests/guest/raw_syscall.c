/* A raw `syscall` instruction (no libc) for openat/read/close of
 * /etc/hostname, compared with what libc reads: the output is "same"
 * whatever the host's name is (or both fail with the same errno). */
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

static long raw3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static long raw4(long nr, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

int main(void)
{
	static const char path[] = "/etc/hostname";
	char raw[4096], viaLibc[4096];
	long fd, n_raw;
	ssize_t n_libc;
	int lfd, lerr = 0;

	fd = raw4(SYS_openat, AT_FDCWD, (long)path, O_RDONLY, 0);
	n_raw = fd;
	if (fd >= 0) {
		n_raw = raw3(SYS_read, fd, (long)raw, sizeof raw);
		CHECK(raw3(SYS_close, fd, 0, 0) == 0, "raw close");
		CHECK(raw3(SYS_close, fd, 0, 0) == -EBADF, "raw double close");
	}

	lfd = open(path, O_RDONLY);
	if (lfd >= 0) {
		n_libc = read(lfd, viaLibc, sizeof viaLibc);
		close(lfd);
	} else {
		lerr = errno;
		n_libc = -1;
	}

	if (n_raw >= 0) {
		CHECK(n_libc == n_raw, "libc read %zd bytes, raw %ld", n_libc, n_raw);
		CHECK(memcmp(raw, viaLibc, (size_t)n_raw) == 0, "contents differ");
	} else {
		CHECK(n_libc == -1 && -n_raw == lerr, "raw error %ld, libc errno %d", n_raw, lerr);
	}
	/* A number no kernel implements must give ENOSYS, not reach anything. */
	CHECK(raw3(100000, 0, 0, 0) == -ENOSYS, "syscall 100000");
	printf("same\n");
	return 0;
}
