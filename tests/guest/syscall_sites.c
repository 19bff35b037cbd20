/* Syscall sites as the seccomp platform's call-site patching sees them
 * (docs/platform-seccomp.md): the same `mov $nr,%eax; syscall` site run
 * many times (patched after the first trap) must keep Linux's ABI: rcx and
 * r11 clobbered as by `syscall`, every other register and the red zone
 * below %rsp intact, flags preserved, also with a gs base of the
 * program's own (the patched path uses gs); a blocking call at a patched site
 * interrupted by an SA_RESTART handler restarts there; a site in
 * writable memory (JIT code) is rewritten by the program and the new
 * code runs; threads racing through one site all get their answer. */
#include <asm/prctl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

/* One site: read(fd, buf, n) as `mov $0,%eax; syscall`. */
static long site_read(int fd, void *buf, long n)
{
	long ret;
	__asm__ volatile("mov $0, %%eax\n\tsyscall"
			 : "=a"(ret) : "D"((long)fd), "S"(buf), "d"(n) : "rcx", "r11", "memory");
	return ret;
}

static long site_getpid(void)
{
	long ret;
	__asm__ volatile("mov $39, %%eax\n\tsyscall" : "=a"(ret) : : "rcx", "r11", "memory");
	return ret;
}

/* getpid through one site with every register and the red zone checked. */
static int abi_preserved(void)
{
	uint64_t in[11] = { 0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666, 0x7777,
			    0x8888, 0x9999, 0xaaaa, 0xbbbb };
	/* out: the 11 registers, then red zone word, rcx, flags before, after. */
	uint64_t out[15];
	__asm__ volatile(
		"push %%rbx\n\tpush %%rbp\n\tpush %%r12\n\tpush %%r13\n\tpush %%r14\n\tpush %%r15\n\t"
		"push %[in]\n\tpush %[out]\n\t"
		"mov %[in], %%rax\n\t"
		"mov 0(%%rax), %%rbx\n\tmov 8(%%rax), %%rbp\n\tmov 16(%%rax), %%r12\n\t"
		"mov 24(%%rax), %%r13\n\tmov 32(%%rax), %%r14\n\tmov 40(%%rax), %%r15\n\t"
		"mov 48(%%rax), %%rdi\n\tmov 56(%%rax), %%rsi\n\tmov 64(%%rax), %%rdx\n\t"
		"mov 72(%%rax), %%r8\n\tmov 80(%%rax), %%r9\n\t"
		"movq $0x5a5a5a5a, -64(%%rsp)\n\t"      /* the red zone */
		"stc\n\tstd\n\t"                         /* CF and DF must survive */
		"pushf\n\tpop %%r10\n\tmov %%r10, -72(%%rsp)\n\t"
		"mov $39, %%eax\n\tsyscall\n\t"
		"pushf\n\tpop %%r10\n\tcld\n\t"
		"mov %%rcx, -80(%%rsp)\n\t"
		"mov (%%rsp), %%rax\n\t"                /* out */
		"mov %%rbx, 0(%%rax)\n\tmov %%rbp, 8(%%rax)\n\tmov %%r12, 16(%%rax)\n\t"
		"mov %%r13, 24(%%rax)\n\tmov %%r14, 32(%%rax)\n\tmov %%r15, 40(%%rax)\n\t"
		"mov %%rdi, 48(%%rax)\n\tmov %%rsi, 56(%%rax)\n\tmov %%rdx, 64(%%rax)\n\t"
		"mov %%r8, 72(%%rax)\n\tmov %%r9, 80(%%rax)\n\t"
		"mov -64(%%rsp), %%rbx\n\tmov %%rbx, 88(%%rax)\n\t"
		"mov -80(%%rsp), %%rbx\n\tmov %%rbx, 96(%%rax)\n\t"
		"mov -72(%%rsp), %%rbx\n\tmov %%rbx, 104(%%rax)\n\t"
		"mov %%r10, 112(%%rax)\n\t"
		"add $16, %%rsp\n\t"
		"pop %%r15\n\tpop %%r14\n\tpop %%r13\n\tpop %%r12\n\tpop %%rbp\n\tpop %%rbx\n\t"
		:
		: [in] "r"(in), [out] "r"(out)
		: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
	uint64_t zone_ok = out[11], rcx = out[12], flags_in = out[13], flags_out = out[14];
	CHECK(memcmp(in, out, sizeof(in)) == 0, "a register changed across syscall");
	CHECK(zone_ok == 0x5a5a5a5a, "red zone clobbered: %lx", (unsigned long)zone_ok);
	CHECK(rcx != 0, "rcx not the return address");
	/* CF and DF as set before the syscall (RF and the like aside). */
	CHECK((flags_out & 0x401) == (flags_in & 0x401), "flags %lx -> %lx",
	      (unsigned long)flags_in, (unsigned long)flags_out);
	return 1;
}

static volatile int alarms;
static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static int pipefd[2];
static void *late_writer(void *arg)
{
	(void)arg;
	usleep(300 * 1000);
	CHECK(write(pipefd[1], "late", 4) == 4, "write");
	return NULL;
}

static void *racer(void *arg)
{
	long pid = (long)arg;
	for (int i = 0; i < 20000; i++)
		if (site_getpid() != pid)
			return (void *)1;
	return NULL;
}

int main(void)
{
	long pid = getpid();
	for (int i = 0; i < 1000; i++)
		CHECK(site_getpid() == pid, "getpid at call %d", i);
	for (int i = 0; i < 100; i++)
		abi_preserved();
	printf("registers, red zone and flags kept across a hot site\n");

	/* A program with a gs base of its own still gets its syscalls. */
	static char gs_area[64];
	CHECK(syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)gs_area) == 0, "ARCH_SET_GS");
	for (int i = 0; i < 100; i++)
		CHECK(site_getpid() == pid, "getpid with own gs at call %d", i);
	unsigned long gs = 1;
	CHECK(syscall(SYS_arch_prctl, ARCH_GET_GS, &gs) == 0 && gs == (unsigned long)gs_area,
	      "ARCH_GET_GS %lx", gs);
	CHECK(syscall(SYS_arch_prctl, ARCH_SET_GS, 0UL) == 0, "ARCH_SET_GS 0");
	CHECK(syscall(SYS_arch_prctl, ARCH_GET_GS, &gs) == 0 && gs == 0, "gs base back to 0: %lx", gs);
	printf("a hot site with a gs base of the program's own\n");

	/* Threads racing through one site while it may be rewritten. */
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&th[i], NULL, racer, (void *)pid) == 0, "pthread_create");
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(th[i], &r);
		CHECK(r == NULL, "a racer got a wrong pid");
	}
	printf("4 threads through one site: all answers right\n");

	/* Warm the read site, then block in it and take an SA_RESTART signal. */
	CHECK(pipe(pipefd) == 0, "pipe");
	char buf[8];
	for (int i = 0; i < 3; i++) {
		CHECK(write(pipefd[1], "x", 1) == 1, "write");
		CHECK(site_read(pipefd[0], buf, 1) == 1, "warm read");
	}
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction");
	pthread_t w;
	CHECK(pthread_create(&w, NULL, late_writer, NULL) == 0, "pthread_create");
	struct itimerval it = { .it_value = { 0, 100 * 1000 } };
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
	long n = site_read(pipefd[0], buf, sizeof buf);
	pthread_join(w, NULL);
	CHECK(n == 4 && memcmp(buf, "late", 4) == 0, "restarted read returned %ld", n);
	CHECK(alarms == 1, "alarms %d", alarms);
	printf("blocking read at a hot site restarted after SA_RESTART handler\n");

	/* JIT: code in a writable mapping, run, rewritten, run again. */
	uint8_t *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(code != MAP_FAILED, "mmap rwx");
	static const uint8_t fn[] = { 0x90, 0x90, 0x90, 0x90, 0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xc3 };
	memcpy(code, fn, sizeof fn);
	long (*jit)(void) = (long (*)(void))code;
	for (int i = 0; i < 100; i++)
		CHECK(jit() == pid, "jit getpid");
	code[5] = SYS_gettid;
	__builtin___clear_cache((char *)code, (char *)code + sizeof fn);
	CHECK(jit() == syscall(SYS_gettid), "rewritten jit code still ran getpid");
	printf("JIT site rewritten by the program: new code runs\n");
	return 0;
}
