/* A pipe across fork: the parent writes 1 MiB in uneven chunks, the child
 * reads until EOF and checks length and checksum, reporting by exit status.
 * Then the reverse direction: EPIPE/SIGPIPE once the reader is gone. */
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

#define TOTAL (1 << 20)

static uint32_t byte_at(size_t i)
{
	return (uint32_t)((i * 2654435761u) >> 13) & 0xff;
}

static uint64_t checksum(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static int reader(int fd, uint64_t want)
{
	static unsigned char buf[65536];
	uint64_t h = 14695981039346656037ull;
	size_t total = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof buf)) > 0) {
		h = checksum(h, buf, (size_t)n);
		total += (size_t)n;
	}
	if (n < 0)
		return 2;
	if (total != TOTAL)
		return 3;
	return h == want ? 0 : 4;
}

int main(void)
{
	static unsigned char data[TOTAL];
	uint64_t want;
	int fds[2], st;
	size_t off = 0, chunk = 1;
	pid_t kid;

	for (size_t i = 0; i < TOTAL; i++)
		data[i] = (unsigned char)byte_at(i);
	want = checksum(14695981039346656037ull, data, TOTAL);

	CHECK(pipe(fds) == 0, "pipe");
	kid = fork();
	CHECK(kid >= 0, "fork");
	if (kid == 0) {
		close(fds[1]);
		_exit(reader(fds[0], want));
	}
	close(fds[0]);
	while (off < TOTAL) {
		size_t n = chunk < TOTAL - off ? chunk : TOTAL - off;
		ssize_t w = write(fds[1], data + off, n);

		CHECK(w > 0, "write at %zu", off);
		off += (size_t)w;
		chunk = chunk * 3 + 7;
		if (chunk > 200000)
			chunk = 1;
	}
	close(fds[1]);
	CHECK(waitpid(kid, &st, 0) == kid, "waitpid");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "reader status %#x", st);
	printf("child read 1048576 bytes, checksum ok\n");

	/* Writing to a pipe without readers: EPIPE with SIGPIPE ignored. */
	signal(SIGPIPE, SIG_IGN);
	CHECK(pipe(fds) == 0, "pipe 2");
	close(fds[0]);
	errno = 0;
	CHECK(write(fds[1], "x", 1) == -1 && errno == EPIPE, "write without reader");
	close(fds[1]);
	printf("no reader: EPIPE\n");
	return 0;
}
