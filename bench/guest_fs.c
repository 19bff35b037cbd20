/* Filesystem micro-benchmarks, run natively and inside cvisor by bench/fs.sh.
 *   guest_fs stat N PATH         N stat() calls              -> ns/op
 *   guest_fs orc N DIR           open+read+close of DIR/f0..f99 round robin -> ns/op
 *   guest_fs write PATH MIB      sequential 1 MiB writes + fsync -> MB/s
 *   guest_fs read PATH           sequential 1 MiB reads      -> MB/s
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int die(const char *what)
{
	perror(what);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: guest_fs stat|orc|write|read ...\n");
		return 2;
	}
	static char buf[1 << 20];
	const char *mode = argv[1];
	double t0 = now();
	if (!strcmp(mode, "stat") && argc == 4) {
		long n = atol(argv[2]);
		struct stat st;
		for (long i = 0; i < n; i++)
			if (stat(argv[3], &st) < 0)
				return die("stat");
		printf("stat: %.0f ns/op\n", (now() - t0) * 1e9 / n);
	} else if (!strcmp(mode, "orc") && argc == 4) {
		long n = atol(argv[2]);
		char path[4096];
		for (long i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/f%ld", argv[3], i % 100);
			int fd = open(path, O_RDONLY);
			if (fd < 0)
				return die("open");
			if (read(fd, buf, 4096) < 0)
				return die("read");
			close(fd);
		}
		printf("open-read-close: %.0f ns/op\n", (now() - t0) * 1e9 / n);
	} else if (!strcmp(mode, "write") && argc == 4) {
		long mib = atol(argv[3]);
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return die("open");
		memset(buf, 'x', sizeof(buf));
		for (long i = 0; i < mib; i++)
			if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
				return die("write");
		if (fsync(fd) < 0)
			return die("fsync");
		close(fd);
		printf("write: %.0f MB/s\n", mib * 1.048576 / (now() - t0));
	} else if (!strcmp(mode, "read") && argc == 3) {
		int fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			return die("open");
		long total = 0;
		ssize_t n;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			total += n;
		if (n < 0)
			return die("read");
		close(fd);
		printf("read: %.0f MB/s\n", total / 1e6 / (now() - t0));
	} else {
		fprintf(stderr, "guest_fs: bad arguments\n");
		return 2;
	}
	return 0;
}
