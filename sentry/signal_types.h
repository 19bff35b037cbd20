/* Guest-ABI signal structures (x86-64 Linux layouts). */
#ifndef CVISOR_SIGNAL_TYPES_H
#define CVISOR_SIGNAL_TYPES_H
#include <stdint.h>
#include "list.h"

#define KSIG_MAX 64
typedef uint64_t ksigset_t;   /* bit (sig-1) set = signal sig */
#define KSIG_BIT(sig) (1ULL << ((sig) - 1))

/* struct sigaction as the kernel sees it (rt_sigaction). */
struct k_sigaction {
	uint64_t handler;     /* SIG_DFL = 0, SIG_IGN = 1, else guest address */
	uint64_t flags;       /* SA_* */
	uint64_t restorer;
	ksigset_t mask;
};

/* siginfo_t, 128 bytes; the union starts at offset 16. */
struct ksiginfo {
	int32_t si_signo, si_errno, si_code, _pad0;
	union {
		uint8_t raw[112];
		struct { int32_t pid; uint32_t uid; uint64_t value; } kill;  /* kill, tkill, sigqueue */
		struct { int32_t pid; uint32_t uid; int32_t status; int32_t _pad; int64_t utime, stime; } chld;
		struct { uint64_t addr; } fault;
		struct { int32_t tid; int32_t overrun; uint64_t value; } timer;
		struct { int64_t band; int32_t fd; } poll;
	} u;
};
_Static_assert(sizeof(struct ksiginfo) == 128, "siginfo layout");

struct sigqueue {
	struct list_head link;
	struct ksiginfo info;
};

/* Pending signals: the set, and queued siginfo (one per standard signal,
 * several for real-time signals). */
struct sigpending {
	ksigset_t set;
	struct list_head queue;
};

struct task;
struct restart_block {
	long (*fn)(struct task *t, struct restart_block *rb);
	uint64_t args[6];
};

/* Restart codes a syscall handler may return (never seen by the guest). */
#define ERESTARTSYS           512
#define ERESTARTNOINTR        513
#define ERESTARTNOHAND        514
#define ERESTART_RESTARTBLOCK 516

#endif
