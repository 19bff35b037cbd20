/* Done-means 3 of the filesystem issue: 8 processes append fixed-size
 * records (id, sequence number) to one O_APPEND file while 8 others rename
 * 64 files among 128 names of one directory (RENAME_NOREPLACE), for
 * argv[1] seconds (default 10) in a new directory under argv[2] (default
 * /tmp). Then every record must be there exactly once, whole and in each
 * writer's order (O_APPEND writes do not interleave or overwrite each
 * other), and every file exactly once with its own contents. */
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include "guest.h"

#define WRITERS 8
#define RENAMERS 8
#define FILES 64
#define SLOTS 128
#define REC 64
/* Records per writer over the whole run: a writer ahead of that pace
 * naps, so the log stays small (natively it would grow by GBs). */
#define PACE 40000

static char dir[256], logp[300];
static int seconds = 10;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void slot(char *buf, int k)
{
	snprintf(buf, 320, "%s/ren/s%03d", dir, k);
}

/* Appender id: records until the deadline; reports its count on fd out. */
static void appender(int id, int out, double start, double end)
{
	int fd = open(logp, O_WRONLY | O_APPEND);
	long seq = 0;
	char rec[REC + 1];
	if (fd < 0)
		_exit(2);
	for (double t; (t = now()) < end;) {
		if (seq > PACE * (t - start) / (end - start)) {
			usleep(1000);
			continue;
		}
		int n = snprintf(rec, sizeof(rec), "id=%02d seq=%010ld ", id, seq);
		memset(rec + n, 'a' + id, REC - 1 - n);
		rec[REC - 1] = '\n';
		if (write(fd, rec, REC) != REC)
			_exit(3);
		seq++;
	}
	char msg[32];
	int n = snprintf(msg, sizeof(msg), "%d %ld\n", id, seq);
	if (write(out, msg, n) != n)
		_exit(4);
	_exit(0);
}

static void renamer(int id, double end)
{
	uint32_t x = 2463534242u * (id + 1);
	char a[320], b[320];
	long done = 0;
	while (now() < end) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		slot(a, x % SLOTS);
		slot(b, (x >> 8) % SLOTS);
		if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_NOREPLACE) == 0)
			done++;
		else if (errno != ENOENT && errno != EEXIST)
			_exit(5);
	}
	_exit(done > 0 ? 0 : 6);
}

static void check_log(const long *counts)
{
	int fd = open(logp, O_RDONLY);
	struct stat st;
	CHECK(fd >= 0 && fstat(fd, &st) == 0, "open log");
	long total = 0;
	for (int k = 0; k < WRITERS; k++)
		total += counts[k];
	CHECK(st.st_size == total * REC, "log has %ld bytes, %ld records written", (long)st.st_size,
	      total);
	long next[WRITERS] = { 0 };
	static char chunk[REC * 1024];
	ssize_t have = 0, off = 0;
	for (long r = 0; r < total; r++, off += REC) {
		if (off == have) {
			have = read(fd, chunk, sizeof(chunk));
			off = 0;
			CHECK(have > 0 && have % REC == 0, "read at record %ld", r);
		}
		const char *rec = chunk + off;
		int id;
		long seq;
		CHECK(sscanf(rec, "id=%2d seq=%10ld ", &id, &seq) == 2 && id >= 0 && id < WRITERS,
		      "record %ld garbled", r);
		for (int k = 22; k < REC - 1; k++)
			CHECK(rec[k] == 'a' + id, "record %ld interleaved", r);
		CHECK(rec[REC - 1] == '\n', "record %ld end", r);
		CHECK(seq == next[id], "writer %d: seq %ld, expected %ld", id, seq, next[id]);
		next[id]++;
	}
	for (int k = 0; k < WRITERS; k++)
		CHECK(next[k] == counts[k], "writer %d: %ld of %ld records", k, next[k], counts[k]);
	close(fd);
	CHECK(unlink(logp) == 0, "unlink log");
}

static void check_files(void)
{
	int seen[FILES] = { 0 }, nfiles = 0;
	char p[320];
	for (int k = 0; k < SLOTS; k++) {
		slot(p, k);
		int fd = open(p, O_RDONLY);
		if (fd < 0) {
			CHECK(errno == ENOENT, "open %s", p);
			continue;
		}
		char buf[16] = { 0 };
		CHECK(read(fd, buf, sizeof(buf) - 1) > 0, "read %s", p);
		close(fd);
		int v = atoi(buf);
		CHECK(v >= 0 && v < FILES && !seen[v], "file %d twice or bad", v);
		seen[v] = 1;
		nfiles++;
		CHECK(unlink(p) == 0, "unlink %s", p);
	}
	CHECK(nfiles == FILES, "%d files of %d", nfiles, FILES);
	snprintf(p, sizeof(p), "%s/ren", dir);
	CHECK(rmdir(p) == 0, "rmdir ren (left over entries?)");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		seconds = atoi(argv[1]);
	snprintf(dir, sizeof(dir), "%s/concurrency_fs.%d", argc > 2 ? argv[2] : "/tmp", (int)getpid());
	snprintf(logp, sizeof(logp), "%s/log", dir);
	CHECK(mkdir(dir, 0755) == 0, "mkdir %s", dir);
	char p[320];
	snprintf(p, sizeof(p), "%s/ren", dir);
	CHECK(mkdir(p, 0755) == 0, "mkdir ren");
	for (int k = 0; k < FILES; k++) {
		slot(p, 2 * k);
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
		CHECK(fd >= 0 && dprintf(fd, "%d\n", k) > 0, "create %s", p);
		close(fd);
	}
	int fd = open(logp, O_WRONLY | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0, "create log");
	close(fd);

	int pipefd[2];
	CHECK(pipe(pipefd) == 0, "pipe");
	double start = now(), end = start + seconds;
	fflush(stdout);
	for (int k = 0; k < WRITERS + RENAMERS; k++) {
		pid_t pid = fork();
		CHECK(pid >= 0, "fork");
		if (pid == 0) {
			if (k < WRITERS)
				appender(k, pipefd[1], start, end);
			renamer(k - WRITERS, end);
		}
	}
	close(pipefd[1]);
	for (int k = 0; k < WRITERS + RENAMERS; k++) {
		int st;
		CHECK(wait(&st) > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %x", st);
	}
	long counts[WRITERS];
	FILE *f = fdopen(pipefd[0], "r");
	int id;
	long n;
	for (int k = 0; k < WRITERS; k++) {
		CHECK(fscanf(f, "%d %ld", &id, &n) == 2 && id >= 0 && id < WRITERS, "count %d", k);
		counts[id] = n;
	}
	fclose(f);
	printf("%d appenders and %d renamers ran\n", WRITERS, RENAMERS);
	check_log(counts);
	printf("log: every record once, whole, in order\n");
	check_files();
	printf("renames: every file once\n");
	CHECK(rmdir(dir) == 0, "rmdir");
	return 0;
}
