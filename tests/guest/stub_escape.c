/* Hostile code against the syscall-capture machinery (issue 5, security):
 * each attack runs in a child process, which may only die or exit; the
 * sandbox must survive and keep serving this process and new ones. On
 * Linux the addresses used are unmapped (the child gets SIGSEGV); under
 * the seccomp platform they hold the stub text (STUB_BASE), the thread
 * slots (SC_SLOTS_BASE) and the patch table (SC_PTAB_ADDR), see
 * platform/seccomp/stub_layout.h: whatever the child does there, only the
 * host syscalls the stub's filter allows can run, each touching only the
 * child's own address space. */
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

#define STUB_BASE     0x7e0000000000ULL
#define SLOTS_BASE    0x7e0000100000ULL
#define PTAB          0x1000ULL
#define ENTRIES       1024

/* Jump to target with every general register (rsp included) garbage. */
static void __attribute__((noreturn)) jump_garbage(uint64_t target)
{
	__asm__ volatile(
		"mov %0, %%r11\n\t"
		"mov $0xdead0001, %%rax\n\tmov $0xdead0002, %%rbx\n\tmov $0xdead0003, %%rcx\n\t"
		"mov $0xdead0004, %%rdx\n\tmov $0xdead0005, %%rsi\n\tmov $0xdead0006, %%rdi\n\t"
		"mov $0xdead0007, %%rbp\n\tmov $0xdead0008, %%r8\n\tmov $0xdead0009, %%r9\n\t"
		"mov $0xdead000a, %%r10\n\tmov $0xdead000c, %%r12\n\tmov $0xdead000d, %%r13\n\t"
		"mov $0xdead000e, %%r14\n\tmov $0xdead000f, %%r15\n\tmov $0xdead0010, %%rsp\n\t"
		"jmp *%%r11"
		: : "r"(target) : "memory");
	__builtin_unreachable();
}

static uint64_t entry(int k)
{
	return *(volatile uint64_t *)(PTAB + 8 * (uint64_t)k);   /* SIGSEGV on Linux */
}

static void attack_stub_text(int i)
{
	static const uint64_t offs[] = { 0, 0x40, 0x200, 0x4000, 0x4800, 0x7ff0, 0x8000, 0xfff0 };
	jump_garbage(STUB_BASE + offs[i]);
}

static void attack_slots(int i)
{
	volatile uint8_t *p = (volatile uint8_t *)SLOTS_BASE;
	for (int b = 0; b < 4096; b++)
		p[b] = (uint8_t)(i ? 0xff : b * 37);
	for (int n = 0; n < 100; n++)
		syscall(SYS_getpid);
	_exit(0);
}

static void attack_entry(int i)
{
	jump_garbage(entry(i ? ENTRIES - 1 : 0));
}

static void attack_table_as_code(int i)
{
	(void)i;
	jump_garbage(PTAB);
}

static void attack_raw_syscalls(int i)
{
	long r;
	/* Numbers Linux does not have: ENOSYS, from code of our own. */
	__asm__ volatile("syscall" : "=a"(r) : "a"(i ? 999L : -1L) : "rcx", "r11", "memory");
	_exit(r == -ENOSYS ? 0 : 1);
}

struct attack {
	const char *name;
	void (*fn)(int);
	int variants;
	int must_succeed;   /* the child must exit 0 (else: any end will do) */
};

static const struct attack attacks[] = {
	{ "jump into the stub text", attack_stub_text, 8, 0 },
	{ "garbage in the thread slot", attack_slots, 2, 0 },
	{ "jump into patch entries", attack_entry, 2, 0 },
	{ "execute the patch table", attack_table_as_code, 1, 0 },
	{ "raw syscalls of unknown numbers", attack_raw_syscalls, 2, 1 },
};

int main(void)
{
	for (size_t a = 0; a < sizeof(attacks) / sizeof(attacks[0]); a++) {
		for (int v = 0; v < attacks[a].variants; v++) {
			fflush(stdout);
			pid_t pid = fork();
			CHECK(pid >= 0, "fork");
			if (pid == 0) {
				attacks[a].fn(v);
				_exit(0);
			}
			int st;
			CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
			/* A child that runs stub code may die of a signal, be
			 * killed, or run into an exit_group of the stub text
			 * (on ptrace: the sentry's own exit_group) */
			int ok = attacks[a].must_succeed ? WIFEXITED(st) && WEXITSTATUS(st) == 0
							 : WIFSIGNALED(st) || WIFEXITED(st);
			CHECK(ok, "%s #%d: status %#x", attacks[a].name, v, st);
		}
		printf("%s: contained\n", attacks[a].name);
	}
	/* The sandbox still serves this process and new ones. */
	CHECK(getppid() >= 0, "getppid");
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "a new process after the attacks: status %#x", st);
	printf("sandbox still works\n");
	return 0;
}
