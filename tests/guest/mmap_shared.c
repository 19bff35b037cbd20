/* MAP_SHARED file mappings: stores through a mapping and write(2) see each
 * other (a file in /tmp, a memfd, and with an argument a file on another
 * filesystem), across mappings, fork and mremap; msync flag checks;
 * mprotect, MADV_REMOVE, F_SEAL_WRITE, MAP_PRIVATE copies. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

#define PAGE 4096L
#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)

static sigjmp_buf env;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	fault_code = si->si_code;
	siglongjmp(env, 1);
}

/* Store to *p; 0 if it worked, else the SIGSEGV si_code. */
static int try_store(volatile char *p)
{
	fault_code = 0;
	if (sigsetjmp(env, 1) == 0) {
		*p = 'w';
		return 0;
	}
	return fault_code;
}

static char peek(int fd, off_t off)
{
	char c = '?';
	CHECK(pread(fd, &c, 1, off) == 1, "pread at %lld", (long long)off);
	return c;
}

static void wait_child(pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
}

/* How many lines of /proc/self/maps name path. */
static int maps_lines(const char *path)
{
	FILE *m = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;
	CHECK(m != NULL, "open maps");
	while (fgets(line, sizeof(line), m))
		if (strstr(line, path))
			n++;
	fclose(m);
	return n;
}

/* The coherence checks on an open O_RDWR file fd of `size` bytes (>= 4 pages). */
static void coherence(int fd, const char *path, long size)
{
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "mmap shared rw");
	p[10] = 'A';
	p[size - 1] = 'Z';
	CHECK(peek(fd, 10) == 'A' && peek(fd, size - 1) == 'Z', "store -> pread");
	CHECK(pwrite(fd, "B", 1, 20) == 1 && p[20] == 'B', "pwrite -> mapping");
	CHECK(pwrite(fd, "Y", 1, size - 2) == 1 && p[size - 2] == 'Y', "pwrite far -> mapping");
	if (path)
		CHECK(maps_lines(path) == 1, "one maps line for the mapping, got %d", maps_lines(path));

	/* a second mapping of the same file shares the pages */
	char *q = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
	CHECK(q != MAP_FAILED, "second mapping");
	q[5] = 'Q';
	CHECK(p[PAGE + 5] == 'Q' && peek(fd, PAGE + 5) == 'Q', "two mappings");
	CHECK(munmap(q, 2 * PAGE) == 0, "munmap second");
	/* mremap with old_len 0 duplicates a shared mapping */
	q = mremap(p + PAGE, 0, 2 * PAGE, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED && q != p + PAGE && q[5] == 'Q', "mremap duplicate");
	q[6] = 'D';
	CHECK(p[PAGE + 6] == 'D' && peek(fd, PAGE + 6) == 'D', "duplicate shares");
	CHECK(munmap(q, 2 * PAGE) == 0, "munmap duplicate");

	/* a child's stores are the parent's */
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		CHECK(p[10] == 'A', "child sees parent's store");
		p[30] = 'C';
		p[size - 3] = 'c';
		_exit(0);
	}
	wait_child(pid);
	CHECK(p[30] == 'C' && p[size - 3] == 'c' && peek(fd, 30) == 'C', "parent sees child's store");

	/* MAP_PRIVATE: after its own write a page no longer follows the file */
	char *pr = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(pr != MAP_FAILED && pr[10] == 'A', "private map sees the file");
	pr[11] = 'P';
	p[12] = 'S';
	CHECK(pr[11] == 'P' && pr[12] != 'S' && p[11] != 'P' && peek(fd, 11) != 'P', "private copy");
	CHECK(mremap(pr, 0, PAGE, MREMAP_MAYMOVE) == MAP_FAILED && errno == EINVAL, "no duplicate of private");
	CHECK(munmap(pr, PAGE) == 0, "munmap private");

	/* mprotect read-only: a store faults; back to read-write: it works */
	CHECK(mprotect(p, PAGE, PROT_READ) == 0, "mprotect ro");
	CHECK(try_store(p + 40) == SEGV_ACCERR, "store to read-only: SEGV_ACCERR");
	CHECK(mprotect(p, PAGE, PROT_READ | PROT_WRITE) == 0, "mprotect rw");
	CHECK(try_store(p + 40) == 0 && peek(fd, 40) == 'w', "store after mprotect rw");

	/* msync */
	CHECK(msync(p, size, MS_SYNC) == 0, "MS_SYNC");
	CHECK(msync(p, size, MS_ASYNC) == 0, "MS_ASYNC");
	CHECK(msync(p, size, MS_INVALIDATE) == 0, "MS_INVALIDATE");
	CHECK(msync(p, 1, MS_SYNC | MS_INVALIDATE) == 0, "partial page");
	FAILS(msync(p, size, MS_SYNC | MS_ASYNC), EINVAL);
	FAILS(msync(p, size, 8), EINVAL);
	FAILS(msync(p + 1, PAGE, MS_SYNC), EINVAL);

	/* MADV_DONTNEED keeps shared contents; MADV_REMOVE punches the file */
	CHECK(madvise(p, PAGE, MADV_DONTNEED) == 0 && p[10] == 'A', "DONTNEED keeps");
	CHECK(madvise(p + PAGE, PAGE, MADV_REMOVE) == 0, "MADV_REMOVE");
	CHECK(p[PAGE + 5] == 0 && peek(fd, PAGE + 5) == 0, "removed page reads zero");

	/* partial munmap: the rest still shares */
	CHECK(munmap(p + PAGE, PAGE) == 0, "munmap a page");
	FAILS(msync(p, size, MS_SYNC), ENOMEM);
	p[2 * PAGE] = 'M';
	CHECK(peek(fd, 2 * PAGE) == 'M', "after partial munmap");
	CHECK(munmap(p, size) == 0, "munmap");
}

/* A file grown with ftruncate, mapped, grown again and the mapping with
 * mremap (moving it). */
static void grow(int fd)
{
	CHECK(ftruncate(fd, 0) == 0 && ftruncate(fd, 2 * PAGE) == 0, "ftruncate 2 pages");
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED && p[0] == 0 && p[2 * PAGE - 1] == 0, "map the grown file");
	p[1] = 'g';
	p[PAGE + 7] = 't';
	/* what a shrink cut off reads as zero once the file grows again */
	CHECK(ftruncate(fd, PAGE) == 0 && ftruncate(fd, 2 * PAGE) == 0, "shrink and grow");
	CHECK(p[PAGE + 7] == 0 && peek(fd, PAGE + 7) == 0 && p[1] == 'g' && peek(fd, 1) == 'g', "cut off");
	CHECK(ftruncate(fd, 40 * PAGE) == 0, "ftruncate 40 pages");
	/* block the space after it so the mapping must move */
	char *blk = mmap(p + 2 * PAGE, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			 -1, 0);
	char *r = mremap(p, 2 * PAGE, 40 * PAGE, MREMAP_MAYMOVE);
	CHECK(r != MAP_FAILED, "mremap grow");
	CHECK(blk == MAP_FAILED || r != p, "moved");
	CHECK(r[1] == 'g', "data kept");
	r[39 * PAGE] = 'e';
	CHECK(peek(fd, 39 * PAGE) == 'e', "store in grown part");
	CHECK(pwrite(fd, "h", 1, 20 * PAGE) == 1 && r[20 * PAGE] == 'h', "pwrite in grown part");
	char *s = mremap(r, 40 * PAGE, 3 * PAGE, 0);
	CHECK(s == r && s[1] == 'g', "mremap shrink");
	CHECK(munmap(s, 3 * PAGE) == 0, "munmap");
	if (blk != MAP_FAILED)
		munmap(blk, PAGE);
}

/* Access checks of the description. */
static void access_rules(const char *path)
{
	int ro = open(path, O_RDONLY);
	CHECK(ro >= 0, "open ro");
	CHECK(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED && errno == EACCES,
	      "shared writable map of a read-only fd");
	char *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, 0);
	CHECK(p != MAP_FAILED, "shared read-only map");
	FAILS(mprotect(p, PAGE, PROT_READ | PROT_WRITE), EACCES);
	CHECK(munmap(p, PAGE) == 0, "munmap");
	close(ro);
}

/* tmpfs: a page stored to through a mapping is allocated (st_blocks). */
static void blocks(void)
{
	int fd = memfd_create("blocks", 0);
	struct stat st;
	CHECK(fd >= 0 && ftruncate(fd, 1 << 20) == 0 && fstat(fd, &st) == 0 && st.st_blocks == 0, "sparse");
	char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "map");
	p[512 << 10] = 1;
	CHECK(munmap(p, 1 << 20) == 0, "munmap");
	CHECK(fstat(fd, &st) == 0 && st.st_blocks == 8, "blocks %lld", (long long)st.st_blocks);
	CHECK(lseek(fd, 0, SEEK_DATA) == 512 << 10, "SEEK_DATA");
	close(fd);
}

static void memfd(void)
{
	int fd = memfd_create("shared", MFD_ALLOW_SEALING);
	CHECK(fd >= 0 && ftruncate(fd, 4 * PAGE) == 0, "memfd");
	char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "map memfd");
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		memcpy(p + PAGE, "from child", 11);
		_exit(0);
	}
	wait_child(pid);
	char buf[11];
	CHECK(!strcmp(p + PAGE, "from child") && pread(fd, buf, 11, PAGE) == 11 &&
	      !strcmp(buf, "from child"), "memfd shared across fork");
	FAILS(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EBUSY);
	CHECK(munmap(p, 4 * PAGE) == 0, "munmap");
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	FAILS(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EBUSY);   /* may still become writable */
	CHECK(munmap(p, PAGE) == 0, "munmap ro");
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == 0, "seal once unmapped");
	FAILS(pwrite(fd, "x", 1, 0), EPERM);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED && p[0] == 0, "sealed: read-only map");
	FAILS(mprotect(p, PAGE, PROT_READ | PROT_WRITE), EACCES);
	CHECK(munmap(p, PAGE) == 0, "munmap sealed");
	close(fd);
}

static void run_file(const char *path, const char *what)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0, "create %s", path);
	/* 300 KiB: several pieces wherever a filesystem splits its pages */
	long size = 75 * PAGE;
	CHECK(ftruncate(fd, size) == 0, "ftruncate");
	coherence(fd, path, size);
	grow(fd);
	access_rules(path);
	close(fd);
	CHECK(unlink(path) == 0, "unlink");
	printf("%s: shared mappings and read/write agree\n", what);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0, "sigaction");
	if (argc > 1) {     /* a directory on another filesystem (tests/e2e) */
		char path[4096];
		snprintf(path, sizeof(path), "%s/mmap_shared.%d", argv[1], (int)getpid());
		run_file(path, "dir");
		return 0;
	}
	char path[64];
	snprintf(path, sizeof(path), "/tmp/mmap_shared.%d", (int)getpid());
	run_file(path, "tmpfs");
	memfd();
	printf("memfd: shared across fork, F_SEAL_WRITE EBUSY while mapped\n");
	blocks();
	FAILS(msync((void *)PAGE, PAGE, MS_SYNC), ENOMEM);
	printf("msync flag checks ok\n");
	return 0;
}
