/*
 * Controlling terminals and job control: which session a tty belongs to,
 * its foreground process group, the SIGTTIN/SIGTTOU rule for background
 * groups, and the signals of a hangup or a session leader's exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include "vfs/tty/tty.h"
#include "sentry/kernel.h"
#include "sentry/signal.h"
#include "sentry/task.h"

/* Signals raised by the terminal itself: si_code SI_KERNEL, like Linux's
 * kill_pgrp(pgrp, sig, 1). */
static void signal_group(struct thread_group *tg, int sig)
{
	struct ksiginfo info = { .si_signo = sig, .si_code = SI_KERNEL };
	if (!tg->zombie)
		send_signal_group(tg, &info);
}

void tty_signal_pgrp(int pgrp, int sig)
{
	struct list_head *p, *n;
	if (pgrp <= 0)
		return;
	list_for_each_safe(p, n, &kernel.tgs) {
		struct thread_group *tg = list_entry(p, struct thread_group, all_link);
		if (tg->pgid == pgrp)
			signal_group(tg, sig);
	}
}

struct tty *tty_current_ctty(void)
{
	return current && current->tg ? tty_of_session(current->tg->sid) : NULL;
}

/* Linux find_vpid + session_of_pgrp for TIOCSPGRP: 0 if pgrp is a
 * process group (or else a process) of session sid, -ESRCH if no one has
 * that id, -EPERM otherwise. */
int tty_pgrp_check(int pgrp, int sid)
{
	struct list_head *p;
	bool used = false;
	list_for_each(p, &kernel.tgs) {
		struct thread_group *tg = list_entry(p, struct thread_group, all_link);
		if (tg->pgid == pgrp && !tg->zombie)
			return tg->sid == sid ? 0 : -EPERM;
		if (tg->tgid == pgrp || tg->sid == pgrp)
			used = true;
	}
	struct thread_group *tg = tg_lookup(pgrp);
	if (tg && !tg->zombie)
		return tg->sid == sid ? 0 : -EPERM;
	return used ? -EPERM : -ESRCH;
}

/* Linux will_become_orphaned_pgrp: no member has a parent in another
 * process group of the same session. */
static bool pgrp_orphaned(int pgid)
{
	struct list_head *p;
	list_for_each(p, &kernel.tgs) {
		struct thread_group *tg = list_entry(p, struct thread_group, all_link);
		if (tg->pgid != pgid || tg->zombie || !tg->parent)
			continue;
		if (tg->parent->pgid != pgid && tg->parent->sid == tg->sid)
			return false;
	}
	return true;
}

static bool sig_ignored(int sig)
{
	return (current->blocked & KSIG_BIT(sig)) ||
	       current->sighand->action[sig].handler == 1;   /* SIG_IGN */
}

/* Linux __tty_check_change: a background process group touching its
 * controlling terminal. */
int tty_check_change(struct tty *tty, int sig)
{
	if (!current || tty_current_ctty() != tty)
		return 0;
	int pgrp = current->tg->pgid;
	if (!tty->pgrp || pgrp == tty->pgrp)
		return 0;
	if (sig_ignored(sig))
		return sig == SIGTTIN ? -EIO : 0;
	if (pgrp_orphaned(pgrp))
		return -EIO;
	tty_signal_pgrp(pgrp, sig);
	return -ERESTARTSYS;
}

void tty_set_ctty(struct tty *tty)
{
	tty->session = current->tg->sid;
	tty->pgrp = current->tg->pgid;
}

/* open(2) of a tty by a session leader without one, O_NOCTTY not given. */
void tty_open_ctty(struct tty *tty, struct file *f)
{
	struct thread_group *tg = current ? current->tg : NULL;
	if (!tg || (f->flags & O_NOCTTY) || tg->sid != tg->tgid)
		return;
	if (tty_current_ctty() || tty->session)
		return;
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return;
	tty_set_ctty(tty);
}

/* The master closed: the session leader gets SIGHUP and SIGCONT and the
 * session loses its terminal (Linux __tty_hangup). */
void tty_hangup_session(struct tty *tty)
{
	if (tty->session) {
		struct thread_group *leader = tg_lookup(tty->session);
		if (leader && leader->sid == tty->session) {
			signal_group(leader, SIGHUP);
			signal_group(leader, SIGCONT);
		}
	}
	tty->session = tty->pgrp = 0;
}

/* TIOCNOTTY by the leader (on_exit false) or the leader's exit: SIGHUP
 * (and SIGCONT for TIOCNOTTY) to the foreground group, then no session. */
void tty_disassociate(struct tty *tty, bool on_exit)
{
	int pgrp = tty->pgrp;
	if (pgrp) {
		tty_signal_pgrp(pgrp, SIGHUP);
		if (!on_exit)
			tty_signal_pgrp(pgrp, SIGCONT);
	}
	tty->session = tty->pgrp = 0;
}

void tty_session_leader_exit(struct thread_group *tg)
{
	if (tg->sid != tg->tgid)
		return;
	struct tty *tty = tty_of_session(tg->sid);
	if (tty)
		tty_disassociate(tty, true);
}
