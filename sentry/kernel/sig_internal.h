/* Helpers shared by the signal code (sentry/kernel/sig*.c, signal.c) and
 * syscalls/sys_signal.c. Not a public contract. */
#ifndef CVISOR_SIG_INTERNAL_H
#define CVISOR_SIG_INTERNAL_H
#include <stdint.h>
#include <stdbool.h>
#include <signal.h>
#include "sentry/signal.h"
#include "sentry/task.h"

/* x86-64 Linux sigaction flags (glibc may not define all of them). */
#define KSA_NOCLDSTOP   0x00000001ULL
#define KSA_NOCLDWAIT   0x00000002ULL
#define KSA_SIGINFO     0x00000004ULL
#define KSA_EXPOSE_TAGBITS 0x00000800ULL
#define KSA_RESTORER    0x04000000ULL
#define KSA_ONSTACK     0x08000000ULL
#define KSA_RESTART     0x10000000ULL
#define KSA_NODEFER     0x40000000ULL
#define KSA_RESETHAND   0x80000000ULL
#define KSA_UAPI_FLAGS  (KSA_NOCLDSTOP | KSA_NOCLDWAIT | KSA_SIGINFO | KSA_EXPOSE_TAGBITS | \
			 KSA_RESTORER | KSA_ONSTACK | KSA_RESTART | KSA_NODEFER | KSA_RESETHAND)

#define KSIG_DFL 0ULL
#define KSIG_IGN 1ULL

#define KSS_ONSTACK    1
#define KSS_DISABLE    2
#define KSS_AUTODISARM (1U << 31)
#define KMINSIGSTKSZ   2048

#define KSIGRTMIN 32
#define KSI_USER   0
#define KSI_KERNEL 0x80
#define KSI_QUEUE  (-1)
#define KSI_TKILL  (-6)

#define KSIG_UNBLOCKABLE (KSIG_BIT(SIGKILL) | KSIG_BIT(SIGSTOP))
#define KSIG_STOP_MASK   (KSIG_BIT(SIGSTOP) | KSIG_BIT(SIGTSTP) | KSIG_BIT(SIGTTIN) | KSIG_BIT(SIGTTOU))
#define KSIG_SYNC_MASK   (KSIG_BIT(SIGSEGV) | KSIG_BIT(SIGBUS) | KSIG_BIT(SIGILL) | \
			  KSIG_BIT(SIGTRAP) | KSIG_BIT(SIGFPE) | KSIG_BIT(SIGSYS))
#define KSIG_IGNORE_MASK (KSIG_BIT(SIGCONT) | KSIG_BIT(SIGCHLD) | KSIG_BIT(SIGWINCH) | KSIG_BIT(SIGURG))
#define KSIG_COREDUMP_MASK (KSIG_BIT(SIGQUIT) | KSIG_BIT(SIGILL) | KSIG_BIT(SIGTRAP) | \
			    KSIG_BIT(SIGABRT) | KSIG_BIT(SIGFPE) | KSIG_BIT(SIGSEGV) | \
			    KSIG_BIT(SIGBUS) | KSIG_BIT(SIGSYS) | KSIG_BIT(SIGXCPU) | KSIG_BIT(SIGXFSZ))

/* stack_t as the guest sees it. */
struct kstack {
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t _pad;
	uint64_t ss_size;
};

static inline bool ksig_valid(int sig) { return sig >= 1 && sig <= KSIG_MAX; }

/* signal.c */
int signal_dequeue(struct task *t, ksigset_t allowed, struct ksiginfo *info);
void signal_set_blocked(struct task *t, ksigset_t set);     /* drops SIGKILL/SIGSTOP */
int signal_do_sigaction(struct task *t, int sig, const struct k_sigaction *act,
			struct k_sigaction *oact);
void force_sig(struct task *t, int sig);                     /* SI_KERNEL, like Linux force_sig */
void force_sigsegv(struct task *t, int sig);                 /* frame setup failed while delivering sig */
int check_kill_permission(struct task *sender, int sig, const struct ksiginfo *info,
			  struct task *target);
int kill_proc_info(struct task *sender, int pid, const struct ksiginfo *info);
int send_signal_specific(struct task *sender, int tgid, int tid, const struct ksiginfo *info);
void fill_user_info(struct ksiginfo *info, struct task *sender, int sig, int code);
/* sigtimedwait temporarily unblocks the waited set; while registered, the
 * original mask still counts as blocked when deciding whether a signal is
 * ignored at generation (Linux's real_blocked). */
struct sigwaiter {
	struct sigwaiter *next;
	struct task *t;
	ksigset_t orig_blocked;
};
void signal_waiter_begin(struct sigwaiter *w, struct task *t);
void signal_waiter_end(struct sigwaiter *w);

/* sigframe.c */
int sigframe_setup(struct task *t, int sig, const struct k_sigaction *ka,
		   const struct ksiginfo *info, ksigset_t saved_mask);
int sigframe_restore(struct task *t);   /* rt_sigreturn body: 0, or -EFAULT (bad frame) */
bool on_sig_stack(struct task *t, uint64_t sp);
int sas_ss_flags(struct task *t, uint64_t sp);
int do_sigaltstack(struct task *t, const struct kstack *ss, struct kstack *oss, uint64_t sp,
		   uint64_t min_size);

#endif
