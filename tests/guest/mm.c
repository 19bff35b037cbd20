/* mmap/munmap/mprotect/mremap/brk: contents survive, protections and holes
 * fault with the right si_code and si_addr, growth preserves data. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include "guest.h"

#define PAGE 4096UL

static sigjmp_buf env;
static volatile int fault_code;
static void *volatile fault_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	fault_code = si->si_code;
	fault_addr = si->si_addr;
	siglongjmp(env, 1);
}

/* Touch *p (write if w); return 0 if it worked, else the fault's si_code. */
static int probe(volatile char *p, int w)
{
	fault_code = 0;
	fault_addr = NULL;
	if (sigsetjmp(env, 1) == 0) {
		if (w)
			*p = 1;
		else
			(void)*p;
		return 0;
	}
	CHECK(fault_addr == (void *)p, "si_addr %p, want %p", fault_addr, (void *)p);
	return fault_code;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 31 + seed);
}

static int same(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 31 + seed))
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
	unsigned char *p, *q, *b;
	char hdr[4];
	int fd;

	(void)argc;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0, "sigaction");

	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap");
	CHECK(((uintptr_t)p & (PAGE - 1)) == 0, "mmap not page aligned");
	for (size_t i = 0; i < 4 * PAGE; i++)
		CHECK(p[i] == 0, "anonymous memory not zero at %zu", i);
	fill(p, 4 * PAGE, 7);
	CHECK(same(p, 4 * PAGE, 7), "contents");
	printf("mmap: zeroed, contents kept\n");

	CHECK(mprotect(p + PAGE, PAGE, PROT_READ) == 0, "mprotect READ");
	CHECK(probe((char *)p + PAGE + 10, 0) == 0, "read of PROT_READ page faulted");
	CHECK(probe((char *)p + PAGE + 10, 1) == SEGV_ACCERR, "write to PROT_READ page: code %d", fault_code);
	CHECK(mprotect(p + 2 * PAGE, PAGE, PROT_NONE) == 0, "mprotect NONE");
	CHECK(probe((char *)p + 2 * PAGE + 5, 0) == SEGV_ACCERR, "read of PROT_NONE page: code %d", fault_code);
	CHECK(probe((char *)p + 3 * PAGE, 1) == 0, "write to the RW page after it faulted");
	CHECK(mprotect(p + PAGE, 2 * PAGE, PROT_READ | PROT_WRITE) == 0, "mprotect back to RW");
	p[3 * PAGE] = (unsigned char)(3 * PAGE * 31 + 7);
	CHECK(same(p, 4 * PAGE, 7), "contents after mprotect");
	printf("mprotect: PROT_READ write and PROT_NONE read fault with SEGV_ACCERR\n");

	CHECK(munmap(p + PAGE, PAGE) == 0, "munmap middle page");
	CHECK(probe((char *)p + PAGE + 100, 0) == SEGV_MAPERR, "read of unmapped page: code %d", fault_code);
	CHECK(same(p, PAGE, 7), "page before the hole");
	CHECK(p[2 * PAGE] == (unsigned char)(2 * PAGE * 31 + 7), "page after the hole");
	CHECK(munmap(p, 4 * PAGE) == 0, "munmap all (with hole)");
	CHECK(probe((char *)p, 0) == SEGV_MAPERR, "read after munmap: code %d", fault_code);
	printf("munmap: access faults with SEGV_MAPERR\n");

	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap for mremap");
	fill(p, PAGE, 3);
	q = mremap(p, PAGE, 64 * PAGE, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED, "mremap grow");
	CHECK(same(q, PAGE, 3), "data after mremap grow");
	CHECK(q[64 * PAGE - 1] == 0 && q[PAGE] == 0, "new part not zero");
	q[64 * PAGE - 1] = 9;
	q = mremap(q, 64 * PAGE, 2 * PAGE, 0);
	CHECK(q != MAP_FAILED, "mremap shrink");
	CHECK(same(q, PAGE, 3), "data after mremap shrink");
	CHECK(probe((char *)q + 2 * PAGE, 0) == SEGV_MAPERR, "tail after shrink still mapped");
	CHECK(munmap(q, 2 * PAGE) == 0, "munmap after mremap");
	printf("mremap: grow and shrink keep data\n");

	b = sbrk(0);
	CHECK(b != (void *)-1, "sbrk(0)");
	CHECK(sbrk(256 * 1024) == b, "sbrk grow");
	CHECK(sbrk(0) == b + 256 * 1024, "break did not move");
	fill(b, 256 * 1024, 5);
	CHECK(same(b, 256 * 1024, 5), "heap contents");
	CHECK(brk(b) == 0, "brk shrink");
	CHECK(sbrk(0) == b, "break after shrink");
	printf("brk: grows and shrinks\n");

	/* A private file mapping of our own executable starts with the ELF magic. */
	fd = open(argv[0], O_RDONLY);
	CHECK(fd >= 0, "open %s", argv[0]);
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED, "file mmap");
	CHECK(read(fd, hdr, 4) == 4 && memcmp(hdr, p, 4) == 0 && memcmp(p, "\177ELF", 4) == 0, "ELF magic");
	CHECK(munmap(p, PAGE) == 0 && close(fd) == 0, "munmap/close file");
	printf("file mmap: ELF magic\n");
	return 0;
}
