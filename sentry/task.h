/*
 * Tasks (guest threads) and thread groups (guest processes).
 *
 * One sentry pthread runs each task: it owns the task's platform context and
 * loops { switch to guest -> handle syscall / fault / interrupt -> deliver
 * signals }. All kernel state is protected by the kernel lock (kernel.h),
 * which a task drops only while running guest code or sleeping.
 */
#ifndef CVISOR_TASK_H
#define CVISOR_TASK_H
#include <stdint.h>
#include <stdbool.h>
#include <signal.h>
#include <pthread.h>
#include <sys/resource.h>
#include "list.h"
#include "arch.h"
#include "signal_types.h"

struct mm;
struct fdtable;
struct fs_context;
struct platform_ctx;
struct thread_group;

struct cred {
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	int ngroups;
	uint32_t groups[32];
	uint64_t cap_effective, cap_permitted, cap_inheritable, cap_bounding, cap_ambient;
	unsigned securebits;          /* SECBIT_* (prctl PR_SET_SECUREBITS/KEEPCAPS) */
};

/* Shared signal handlers (CLONE_SIGHAND). */
struct sighand {
	int refs;
	struct k_sigaction action[KSIG_MAX + 1];  /* index = signal number */
};

enum task_state {
	TASK_RUNNING,   /* in guest or in a syscall */
	TASK_STOPPED,   /* group stop (SIGSTOP...) */
	TASK_EXITING,   /* exit in progress, pthread winding down */
	TASK_DEAD,      /* gone; struct kept until reaped by thread group */
};

struct task {
	int tid;                      /* in the sandbox pid namespace */
	struct thread_group *tg;
	struct list_head tg_link;     /* in tg->tasks */
	struct list_head all_link;    /* in kernel.tasks */
	enum task_state state;
	char comm[16];

	/* Execution */
	pthread_t thread;
	struct platform_ctx *ctx;
	struct arch_regs regs;
	struct arch_fpstate fp;       /* valid only while building/restoring a signal frame */
	int wake_fd;                  /* eventfd: task_wake() writes, task_sleep() polls */
	bool in_syscall;
	uint64_t syscall_nr;          /* current syscall (for restart) */
	uint64_t fault_retry_addr;    /* last fault retried after a concurrent mapping */
	bool exit_pending;            /* told to exit (exec de-thread, group exit) */
	char strace_line[512];        /* --strace: call decoded at entry, printed at exit */

	/* Resources (each shared according to clone flags) */
	struct mm *mm;
	struct fdtable *files;
	struct fs_context *fs;
	struct cred cred;

	/* Signals */
	struct sighand *sighand;
	ksigset_t blocked;
	ksigset_t saved_mask;         /* restored after sigsuspend/ppoll/pselect */
	bool restore_saved_mask;
	struct sigpending pending;    /* thread-directed */
	uint64_t altstack_sp, altstack_size;
	int altstack_flags;
	struct restart_block restart;  /* for -ERESTART_RESTARTBLOCK */

	/* Thread lifecycle */
	uint64_t clear_child_tid;     /* set_tid_address / CLONE_CHILD_CLEARTID */
	uint64_t robust_list, robust_list_len;
	struct task *vfork_parent;    /* woken on exec/exit when CLONE_VFORK */
	bool vfork_done;              /* set in the parent by its vfork child */
	int exit_code;                /* wait status for this thread */

	/* Scheduling / accounting */
	uint64_t start_time_ns;
	uint64_t utime_ns, stime_ns;
	uint64_t switch_start_ns;     /* when the current guest run started */
	int nice;
	uint64_t personality;

	/* prctl state */
	int pdeath_signal;
	bool no_new_privs;
	int dumpable;
	uint64_t timer_slack_ns;

	/* I/O priority and NUMA memory policy (sys_misc_*.c), inherited by clone */
	struct task_sysapi { int ioprio; int mpol_mode; uint64_t mpol_nodes; } sysapi;
};

struct thread_group {
	int tgid;
	int refs;
	struct list_head all_link;     /* in kernel.tgs */
	struct waitq *exec_wait;       /* execve waits here for other threads to die */
	struct list_head tasks;        /* member tasks */
	int nr_live;                   /* tasks not yet dead */
	struct task *leader;
	struct thread_group *parent;   /* reparented to init when parent dies */
	struct list_head children;     /* child thread groups */
	struct list_head sibling;      /* in parent->children */
	int pgid, sid;

	/* Shared signal state */
	struct sigpending shared_pending;
	bool group_exiting;            /* exit_group or fatal signal in progress */
	int group_exit_code;           /* wait status once group_exiting */
	bool zombie;                   /* all tasks dead, waiting for parent */
	bool stopped;                  /* group stop in effect */
	int stop_signal;               /* signal that stopped it (for WUNTRACED) */
	bool stop_reported, cont_reported; /* wait4 WUNTRACED/WCONTINUED bookkeeping */
	int exit_signal;               /* sent to parent at death (SIGCHLD usually) */
	struct waitq *child_wait;      /* woken when a child changes state */
	struct rlimit rlimits[RLIM_NLIMITS];
	bool child_subreaper;
	short oom_score_adj, oom_score_adj_min;   /* /proc/PID/oom_score_adj, inherited */

	/* Accounting of reaped children (for RUSAGE_CHILDREN / times()) */
	uint64_t cutime_ns, cstime_ns;
	uint64_t itimer_real_deadline_ns, itimer_real_interval_ns;
	void *itimer_real_timer;       /* kernel timer handle (timer.h) */
	uint64_t itimer_cpu_ns[2][2];  /* ITIMER_VIRTUAL/PROF {value, interval}: stored, never fired */
	void *posix_timers;            /* struct ptimers (posix_timer.c), NULL = none */
	void *sem_undo;                /* SysV semaphore undo list (ipc/sem.c), NULL = none */
	uint64_t pidfd_serial;         /* identity for pidfds, 0 until one refers to tg */
	int membarrier_state;          /* MEMBARRIER_CMD_REGISTER_* done (sys_misc_membarrier.c) */
};

/* Allocation (kernel-internal, used by clone/init). */
struct task *task_alloc(void);
void task_free(struct task *t);
/* Start the sentry pthread that runs t (its ctx is adopted on that thread). */
int task_start(struct task *t);

/* Current task of the calling sentry pthread (NULL outside task threads). */
extern __thread struct task *current;

struct task *task_lookup(int tid);                 /* any live task by tid */
struct thread_group *tg_lookup(int tgid);

/* Sleep until task_wake(t), a deadline, or a pending unblocked signal.
 * deadline_ns is CLOCK_MONOTONIC absolute, 0 = forever.
 * Returns 0 (woken), -EINTR (signal pending), -ETIMEDOUT.
 * Drops the kernel lock while sleeping; callers re-check their condition. */
int task_sleep(struct task *t, uint64_t deadline_ns);
/* Like task_sleep, but also wakes when one of the host fds polls ready. */
struct pollfd;
int task_sleep_hostfds(struct task *t, struct pollfd *fds, int nfds, uint64_t deadline_ns);
void task_wake(struct task *t);
/* Sleep that only a fatal condition (task_should_exit) interrupts. */
void task_sleep_killable(struct task *t);

/* Does t have an unblocked signal pending (or a group exit / stop)? */
bool task_signal_pending(struct task *t);

/* Monotonic / realtime clocks in ns. */
uint64_t now_mono_ns(void);
uint64_t now_real_ns(void);

#endif
