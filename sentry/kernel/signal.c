/*
 * Signal generation (kernel/signal.c in Linux terms): pending sets and
 * queues, handler tables, kill/tkill permission rules, choosing the thread
 * that takes a process-directed signal, SIGCHLD to the parent.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "sentry/posix_timer.h"
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/waitq.h"
#include "platform/platform.h"
#include "sig_internal.h"

#define CAP_KILL_BIT (1ULL << 5)
#define SIGQ_HARD_MAX 65536   /* queued siginfo per user, whatever the rlimit */
#define SIGQ_SLOTS 64
#define USER_HZ_NS 10000000ULL

/* RLIMIT_SIGPENDING is per real uid of the receiver, like Linux. Each
 * queued siginfo remembers the slot it was charged to. */
static struct { uint32_t uid; bool used; long n; } sigq_users[SIGQ_SLOTS];

struct ksigq {
	struct sigqueue q;
	int slot;
};

static int sigq_slot(uint32_t uid)
{
	for (int i = 0; i < SIGQ_SLOTS; i++)
		if (sigq_users[i].used && sigq_users[i].uid == uid)
			return i;
	for (int i = 0; i < SIGQ_SLOTS - 1; i++)
		if (!sigq_users[i].used || sigq_users[i].n == 0) {
			sigq_users[i].used = true;
			sigq_users[i].uid = uid;
			sigq_users[i].n = 0;
			return i;
		}
	return SIGQ_SLOTS - 1;   /* table full: everyone else shares the last slot */
}

static void sigq_free(struct sigqueue *q)
{
	struct ksigq *k = container_of(q, struct ksigq, q);
	sigq_users[k->slot].n--;
	list_del(&q->link);
	free(k);
}

void sigpending_init(struct sigpending *p)
{
	p->set = 0;
	list_init(&p->queue);
}

void sigpending_flush(struct sigpending *p)
{
	struct list_head *pos, *n;
	if (p->queue.next)
		list_for_each_safe(pos, n, &p->queue)
			sigq_free(list_entry(pos, struct sigqueue, link));
	p->set = 0;
}

/* Drop every pending instance of the signals in mask. */
static void flush_sig_mask(struct sigpending *p, ksigset_t mask)
{
	if (!(p->set & mask))
		return;
	struct list_head *pos, *n;
	list_for_each_safe(pos, n, &p->queue) {
		struct sigqueue *q = list_entry(pos, struct sigqueue, link);
		if (KSIG_BIT(q->info.si_signo) & mask)
			sigq_free(q);
	}
	p->set &= ~mask;
}

struct sighand *sighand_new(void)
{
	struct sighand *sh = calloc(1, sizeof(*sh));
	if (sh)
		sh->refs = 1;
	return sh;
}

struct sighand *sighand_dup(struct sighand *old)
{
	struct sighand *sh = malloc(sizeof(*sh));
	if (sh) {
		*sh = *old;
		sh->refs = 1;
	}
	return sh;
}

void sighand_put(struct sighand *sh)
{
	if (sh && --sh->refs == 0)
		free(sh);
}

void sighand_reset_for_exec(struct sighand *sh)
{
	for (int i = 1; i <= KSIG_MAX; i++) {
		struct k_sigaction *ka = &sh->action[i];
		if (ka->handler != KSIG_IGN)
			ka->handler = KSIG_DFL;
		ka->flags = 0;
		ka->restorer = 0;
		ka->mask = 0;
	}
}

/* ---- helpers -------------------------------------------------------------- */

static bool task_live(const struct task *t) { return t->state < TASK_EXITING; }

static struct task *tg_any_live(struct thread_group *tg)
{
	if (tg->leader && task_live(tg->leader))
		return tg->leader;
	struct list_head *p;
	list_for_each(p, &tg->tasks) {
		struct task *t = list_entry(p, struct task, tg_link);
		if (task_live(t))
			return t;
	}
	return NULL;
}

static struct sighand *tg_sighand(struct thread_group *tg)
{
	struct task *t = tg_any_live(tg);
	return t ? t->sighand : NULL;
}

static struct sigwaiter *waiters;

void signal_waiter_begin(struct sigwaiter *w, struct task *t)
{
	w->t = t;
	w->orig_blocked = t->blocked;
	w->next = waiters;
	waiters = w;
}

void signal_waiter_end(struct sigwaiter *w)
{
	for (struct sigwaiter **pp = &waiters; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			return;
		}
}

static ksigset_t real_blocked(const struct task *t)
{
	for (struct sigwaiter *w = waiters; w; w = w->next)
		if (w->t == t)
			return w->orig_blocked;
	return 0;
}

static bool sig_handler_ignored(uint64_t handler, int sig)
{
	return handler == KSIG_IGN || (handler == KSIG_DFL && (KSIG_BIT(sig) & KSIG_IGNORE_MASK));
}

static bool sig_fatal(struct sighand *sh, int sig)
{
	return sh->action[sig].handler == KSIG_DFL &&
	       !(KSIG_BIT(sig) & (KSIG_IGNORE_MASK | KSIG_STOP_MASK));
}

/* How a signal was generated, for the pid-1 (SIGNAL_UNKILLABLE) rules. */
enum send_mode {
	SEND_USER,     /* from a guest task */
	SEND_KERNEL,   /* kernel or host: SIGKILL/SIGSTOP reach init even with SIG_DFL */
	SEND_FAULT,    /* forced synchronous fault: init is not protected */
};

static enum send_mode mode_of(const struct ksiginfo *info)
{
	if (info->si_code > 0 || (info->si_code == KSI_USER && info->u.kill.pid == 0))
		return SEND_KERNEL;
	return SEND_USER;
}

static bool sig_ignored(struct task *t, int sig, enum send_mode mode)
{
	/* Blocked signals stay: the handler may change before they are unblocked. */
	if ((t->blocked | real_blocked(t)) & KSIG_BIT(sig))
		return false;
	uint64_t handler = t->sighand->action[sig].handler;
	if (t->tg->tgid == 1 && handler == KSIG_DFL && mode != SEND_FAULT &&
	    !(mode == SEND_KERNEL && (KSIG_BIT(sig) & KSIG_UNBLOCKABLE)))
		return true;
	return sig_handler_ignored(handler, sig);
}

static void signal_wake(struct task *t)
{
	task_wake(t);
	if (t != current && t->ctx)
		platform->ctx_interrupt(t->ctx);
}

static void wake_all(struct thread_group *tg)
{
	struct list_head *p;
	list_for_each(p, &tg->tasks) {
		struct task *o = list_entry(p, struct task, tg_link);
		if (task_live(o))
			signal_wake(o);
	}
}

static void flush_group(struct thread_group *tg, ksigset_t mask)
{
	flush_sig_mask(&tg->shared_pending, mask);
	struct list_head *p;
	list_for_each(p, &tg->tasks) {
		struct task *o = list_entry(p, struct task, tg_link);
		if (task_live(o))
			flush_sig_mask(&o->pending, mask);
	}
}

/* Side effects of generation (stop/continue) and the ignore decision:
 * false when the signal must be dropped. */
static bool prepare_signal(struct thread_group *tg, struct task *check, int sig, enum send_mode mode)
{
	if (tg->group_exiting)
		return false;
	if (KSIG_BIT(sig) & KSIG_STOP_MASK) {
		flush_group(tg, KSIG_BIT(SIGCONT));
	} else if (sig == SIGCONT) {
		flush_group(tg, KSIG_STOP_MASK);
		if (tg->stopped) {
			tg->stopped = false;
			tg->cont_reported = false;
			wake_all(tg);
			notify_parent(tg, CLD_CONTINUED, SIGCONT);
		}
	}
	return !sig_ignored(check, sig, mode);
}

/* 0 queued, 1 dropped (a standard signal already pending), -EAGAIN. */
static int queue_signal(struct sigpending *p, struct thread_group *tg, uint32_t uid,
			const struct ksiginfo *info)
{
	int sig = info->si_signo;
	if (sig < KSIGRTMIN && (p->set & KSIG_BIT(sig)))
		return 1;
	int slot = sigq_slot(uid);
	uint64_t limit = tg->rlimits[RLIMIT_SIGPENDING].rlim_cur;
	bool override = sig < KSIGRTMIN && info->si_code >= 0;
	bool ok = sigq_users[slot].n < SIGQ_HARD_MAX &&
		  (override || (uint64_t)sigq_users[slot].n < limit);
	struct ksigq *k = ok ? malloc(sizeof(*k)) : NULL;
	if (!k) {
		/* Real-time signals from sigqueue/tkill fail; others lose their info. */
		if (sig >= KSIGRTMIN && info->si_code != KSI_USER)
			return -EAGAIN;
		p->set |= KSIG_BIT(sig);
		return 0;
	}
	k->slot = slot;
	k->q.info = *info;
	sigq_users[slot].n++;
	list_add_tail(&k->q.link, &p->queue);
	p->set |= KSIG_BIT(sig);
	return 0;
}

struct waitq signalfd_wait = { LIST_HEAD_INIT(signalfd_wait.waiters) };

static bool wants_signal(int sig, struct task *t)
{
	if ((t->blocked & KSIG_BIT(sig)) || !task_live(t))
		return false;
	return sig == SIGKILL || t->state != TASK_STOPPED;
}

/* Pick the thread that handles a just-queued signal and wake it; a fatal
 * default action ends the whole group at once (Linux complete_signal). */
static void complete_signal(int sig, struct task *target, struct thread_group *tg)
{
	struct task *t = NULL;
	if (target) {
		if (!wants_signal(sig, target))
			return;
		t = target;
	} else if (tg->leader && wants_signal(sig, tg->leader)) {
		t = tg->leader;
	} else {
		struct list_head *p;
		list_for_each(p, &tg->tasks) {
			struct task *o = list_entry(p, struct task, tg_link);
			if (wants_signal(sig, o)) {
				t = o;
				break;
			}
		}
		if (!t)
			return;
	}
	if (sig_fatal(t->sighand, sig) && !tg->group_exiting &&
	    !(real_blocked(t) & KSIG_BIT(sig)) && !(KSIG_BIT(sig) & KSIG_COREDUMP_MASK)) {
		tg->group_exiting = true;
		tg->group_exit_code = sig;
		wake_all(tg);
		return;
	}
	signal_wake(t);
}

static int send_signal(struct task *target, struct thread_group *tg, const struct ksiginfo *info,
		       enum send_mode mode)
{
	int sig = info->si_signo;
	struct task *check = target ? target : tg_any_live(tg);
	if (!check || !task_live(check))
		return 0;   /* zombie: nothing to do */
	if (!prepare_signal(tg, check, sig, mode))
		return 0;
	struct sigpending *p = target ? &target->pending : &tg->shared_pending;
	int r = queue_signal(p, tg, check->cred.uid, info);
	if (r < 0)
		return r;
	if (r == 0) {
		complete_signal(sig, target, tg);
		waitq_wake_all(&signalfd_wait);
	}
	return 0;
}

int send_signal_thread(struct task *t, const struct ksiginfo *info)
{
	if (!ksig_valid(info->si_signo))
		return -EINVAL;
	return send_signal(t, t->tg, info, mode_of(info));
}

int send_signal_group(struct thread_group *tg, const struct ksiginfo *info)
{
	if (!ksig_valid(info->si_signo))
		return -EINVAL;
	return send_signal(NULL, tg, info, mode_of(info));
}

/* Linux force_sig_info_to_task: a blocked or ignored signal gets the
 * default action (reset_dfl forces it), and is unblocked. */
static void force_sig_info(struct task *t, const struct ksiginfo *info, bool reset_dfl)
{
	int sig = info->si_signo;
	struct k_sigaction *ka = &t->sighand->action[sig];
	bool blocked = t->blocked & KSIG_BIT(sig);
	if (blocked || ka->handler == KSIG_IGN || reset_dfl) {
		ka->handler = KSIG_DFL;
		if (blocked)
			t->blocked &= ~KSIG_BIT(sig);
	}
	send_signal(t, t->tg, info, SEND_FAULT);
}

void force_sig_fault(struct task *t, int signo, int code, uint64_t addr)
{
	struct ksiginfo info;
	memset(&info, 0, sizeof(info));
	info.si_signo = signo;
	info.si_code = code;
	info.u.fault.addr = addr;
	force_sig_info(t, &info, false);
}

void force_sig(struct task *t, int sig)
{
	struct ksiginfo info;
	memset(&info, 0, sizeof(info));
	info.si_signo = sig;
	info.si_code = KSI_KERNEL;
	force_sig_info(t, &info, false);
}

void force_sigsegv(struct task *t, int sig)
{
	struct ksiginfo info;
	memset(&info, 0, sizeof(info));
	info.si_signo = SIGSEGV;
	info.si_code = KSI_KERNEL;
	force_sig_info(t, &info, sig == SIGSEGV);
}

/* ---- kill(2) and friends -------------------------------------------------- */

void fill_user_info(struct ksiginfo *info, struct task *sender, int sig, int code)
{
	memset(info, 0, sizeof(*info));
	info->si_signo = sig;
	info->si_code = code;
	info->u.kill.pid = sender ? sender->tg->tgid : 0;
	info->u.kill.uid = sender ? sender->cred.uid : 0;
}

static bool kill_ok_by_cred(const struct cred *c, const struct cred *tc)
{
	return c->euid == tc->suid || c->euid == tc->uid || c->uid == tc->suid ||
	       c->uid == tc->uid || (c->cap_effective & CAP_KILL_BIT);
}

int check_kill_permission(struct task *sender, int sig, const struct ksiginfo *info,
			  struct task *target)
{
	if (sig < 0 || sig > KSIG_MAX)
		return -EINVAL;
	if (!sender || info->si_code > 0)   /* from the kernel */
		return 0;
	if (sender->tg == target->tg || kill_ok_by_cred(&sender->cred, &target->cred))
		return 0;
	if (sig == SIGCONT && sender->tg->sid == target->tg->sid)
		return 0;
	return -EPERM;
}

static int group_send_sig_info(struct task *sender, const struct ksiginfo *info,
			       struct thread_group *tg)
{
	struct task *p = tg->leader ? tg->leader : tg_any_live(tg);
	if (!p)
		return -ESRCH;
	int sig = info->si_signo;
	int r = check_kill_permission(sender, sig, info, p);
	if (!r && sig)
		r = send_signal(NULL, tg, info, sender ? mode_of(info) : SEND_KERNEL);
	return r;
}

int kill_proc_info(struct task *sender, int pid, const struct ksiginfo *info)
{
	struct thread_group *tg = pid > 0 ? tg_lookup(pid) : NULL;
	if (!tg)
		return -ESRCH;
	return group_send_sig_info(sender, info, tg);
}

static int kill_pgrp(struct task *sender, int pgrp, const struct ksiginfo *info)
{
	bool success = false;
	int retval = -ESRCH;
	struct list_head *p, *n;
	list_for_each_safe(p, n, &kernel.tgs) {
		struct thread_group *tg = list_entry(p, struct thread_group, all_link);
		if (tg->pgid != pgrp)
			continue;
		int err = group_send_sig_info(sender, info, tg);
		success |= !err;
		retval = err;
	}
	return success ? 0 : retval;
}

int kill_pid(struct task *sender, int pid, int sig)
{
	struct ksiginfo info;
	fill_user_info(&info, sender, sig, KSI_USER);
	if (pid > 0)
		return kill_proc_info(sender, pid, &info);
	if (pid == INT_MIN)
		return -ESRCH;
	if (pid != -1) {
		if (!pid && !sender)
			return -ESRCH;
		return kill_pgrp(sender, pid ? -pid : sender->tg->pgid, &info);
	}
	int retval = 0, count = 0;
	struct list_head *p, *n;
	list_for_each_safe(p, n, &kernel.tgs) {
		struct thread_group *tg = list_entry(p, struct thread_group, all_link);
		if (tg->tgid <= 1 || (sender && tg == sender->tg))
			continue;
		int err = group_send_sig_info(sender, &info, tg);
		count++;
		if (err != -EPERM)
			retval = err;
	}
	return count ? retval : -ESRCH;
}

/* tkill/tgkill/rt_tgsigqueueinfo (Linux do_send_specific). */
int send_signal_specific(struct task *sender, int tgid, int tid, const struct ksiginfo *info)
{
	struct task *p = task_lookup(tid);
	if (!p || (tgid > 0 && p->tg->tgid != tgid))
		return -ESRCH;
	int sig = info->si_signo;
	int err = check_kill_permission(sender, sig, info, p);
	if (!err && sig) {
		err = send_signal(p, p->tg, info, mode_of(info));
		if (err == -ESRCH)
			err = 0;
	}
	return err;
}

/* ---- parent notification ------------------------------------------------- */

bool parent_ignores_sigchld(struct thread_group *parent)
{
	struct sighand *sh = parent ? tg_sighand(parent) : NULL;
	if (!sh)
		return false;
	const struct k_sigaction *ka = &sh->action[SIGCHLD];
	return ka->handler == KSIG_IGN || (ka->flags & KSA_NOCLDWAIT);
}

/*
 * status: for CLD_EXITED/KILLED/DUMPED the wait status of tg (as exit.c has
 * it); for CLD_STOPPED/CONTINUED the signal that stopped/continued it.
 */
void notify_parent(struct thread_group *tg, int why, int status)
{
	struct thread_group *parent = tg->parent;
	if (!parent)
		return;
	struct sighand *psh = tg_sighand(parent);
	if (!psh)
		return;
	bool stopcont = why == CLD_STOPPED || why == CLD_CONTINUED;

	struct ksiginfo info;
	memset(&info, 0, sizeof(info));
	info.si_signo = stopcont ? SIGCHLD : tg->exit_signal;
	info.si_code = why;
	info.u.chld.pid = tg->tgid;
	info.u.chld.uid = tg->leader ? tg->leader->cred.uid : 0;
	if (why == CLD_EXITED)
		info.u.chld.status = (status >> 8) & 0xff;
	else if (stopcont)
		info.u.chld.status = status;
	else
		info.u.chld.status = status & 0x7f;
	uint64_t ut = 0, st = 0;
	struct list_head *p;
	list_for_each(p, &tg->tasks) {
		struct task *o = list_entry(p, struct task, tg_link);
		ut += o->utime_ns;
		st += o->stime_ns;
	}
	info.u.chld.utime = (int64_t)(ut / USER_HZ_NS);
	info.u.chld.stime = (int64_t)(st / USER_HZ_NS);

	const struct k_sigaction *ka = &psh->action[SIGCHLD];
	if (stopcont) {
		if (ka->handler != KSIG_IGN && !(ka->flags & KSA_NOCLDSTOP))
			send_signal(NULL, parent, &info, SEND_KERNEL);
		if (parent->child_wait)
			waitq_wake_all(parent->child_wait);
		return;
	}
	if (info.si_signo == SIGCHLD && ka->handler == KSIG_IGN)
		return;
	if (ksig_valid(info.si_signo))
		send_signal(NULL, parent, &info, SEND_KERNEL);
}

/* ---- masks and actions ---------------------------------------------------- */

void signal_set_blocked(struct task *t, ksigset_t set)
{
	set &= ~KSIG_UNBLOCKABLE;
	ksigset_t newly = set & ~t->blocked;
	t->blocked = set;
	/* Process-directed signals this thread now blocks go to another one. */
	ksigset_t m = t->tg->shared_pending.set & newly;
	struct list_head *p;
	list_for_each(p, &t->tg->tasks) {
		if (!m)
			break;
		struct task *o = list_entry(p, struct task, tg_link);
		if (o == t || !task_live(o) || o->state == TASK_STOPPED || !(m & ~o->blocked))
			continue;
		m &= o->blocked;
		signal_wake(o);
	}
}

int signal_do_sigaction(struct task *t, int sig, const struct k_sigaction *act,
			struct k_sigaction *oact)
{
	if (!ksig_valid(sig) || (act && (KSIG_BIT(sig) & KSIG_UNBLOCKABLE)))
		return -EINVAL;
	struct k_sigaction *k = &t->sighand->action[sig];
	if (oact) {
		*oact = *k;
		oact->flags &= KSA_UAPI_FLAGS;
	}
	if (act) {
		*k = *act;
		k->flags &= KSA_UAPI_FLAGS;
		k->mask &= ~KSIG_UNBLOCKABLE;
		/* POSIX: setting SIG_IGN (or a default-ignore SIG_DFL) discards
		 * pending instances, even blocked ones. */
		if (sig_handler_ignored(k->handler, sig))
			flush_group(t->tg, KSIG_BIT(sig));
	}
	return 0;
}

/* ---- dequeue ------------------------------------------------------------- */

static int next_signal(const struct sigpending *p, ksigset_t allowed)
{
	ksigset_t m = p->set & allowed;
	if (!m)
		return 0;
	if (m & KSIG_SYNC_MASK)
		m &= KSIG_SYNC_MASK;   /* synchronous faults first */
	return __builtin_ctzll(m) + 1;
}

static void collect_signal(struct sigpending *p, int sig, struct ksiginfo *info)
{
	struct sigqueue *first = NULL;
	bool more = false;
	struct list_head *pos;
	list_for_each(pos, &p->queue) {
		struct sigqueue *q = list_entry(pos, struct sigqueue, link);
		if (q->info.si_signo != sig)
			continue;
		if (first) {
			more = true;
			break;
		}
		first = q;
	}
	if (!more)
		p->set &= ~KSIG_BIT(sig);
	if (first) {
		*info = first->info;
		sigq_free(first);
	} else {
		/* Queued without info (queue limit hit): like Linux, SI_USER from pid 0. */
		memset(info, 0, sizeof(*info));
		info->si_signo = sig;
		info->si_code = KSI_USER;
	}
}

int signal_dequeue(struct task *t, ksigset_t allowed, struct ksiginfo *info)
{
	int sig = next_signal(&t->pending, allowed);
	if (sig) {
		collect_signal(&t->pending, sig, info);
		posix_timer_collected(t, info);   /* overrun, periodic re-arm */
		return sig;
	}
	sig = next_signal(&t->tg->shared_pending, allowed);
	if (sig) {
		collect_signal(&t->tg->shared_pending, sig, info);
		posix_timer_collected(t, info);
	}
	return sig;
}
