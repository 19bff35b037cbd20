/* ioctl(2) on either end of a pty: termios, window size, job control,
 * queues and the pty-master requests. Termios, window-size and
 * job-control requests on the master act on the slave, like Linux. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include "vfs/vfs_impl.h"
#include "vfs/tty/tty.h"
#include "sentry/mm.h"
#include "sentry/task.h"

#define CAP_SYS_ADMIN 21
#define N_TTY 0
#ifndef BOTHER
#define BOTHER  0010000     /* asm/termbits.h */
#endif
#ifndef IBSHIFT
#define IBSHIFT 16
#endif

/* struct termios2 requests (asm/ioctls.h needs the kernel's termbits). */
#define K_TCGETS2  _IOR('T', 0x2A, struct ktermios)
#define K_TCSETS2  _IOW('T', 0x2B, struct ktermios)
#define K_TCSETSW2 _IOW('T', 0x2C, struct ktermios)
#define K_TCSETSF2 _IOW('T', 0x2D, struct ktermios)

static const uint32_t baud_rates[] = {
	0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400,
	57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000,
	2000000, 2500000, 3000000, 3500000, 4000000,
};

static uint32_t baud_of(uint32_t cbaud)
{
	unsigned i = cbaud & CBAUD;
	if (i & CBAUDEX)
		i = (i & ~CBAUDEX) + 15;
	return i < sizeof(baud_rates) / sizeof(baud_rates[0]) ? baud_rates[i] : 0;
}

static int put_int(uint64_t arg, int v)
{
	return copy_to_user(current->mm, arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static int get_int(uint64_t arg, int *v)
{
	return copy_from_user(current->mm, v, arg, sizeof(*v)) ? -EFAULT : 0;
}

static long set_termios(struct tty *tty, unsigned cmd, uint64_t arg)
{
	bool v2 = cmd == K_TCSETS2 || cmd == K_TCSETSW2 || cmd == K_TCSETSF2;
	struct ktermios nt = tty->termios, old = tty->termios;
	int err = tty_check_change(tty, SIGTTOU);
	if (err)
		return err;
	if (copy_from_user(current->mm, &nt, arg, v2 ? sizeof(nt) : KTERMIOS_V1_SIZE))
		return -EFAULT;
	/* Speeds follow the baud bits unless termios2 asks for BOTHER. */
	if (!v2 || (nt.c_cflag & CBAUD) != BOTHER)
		nt.c_ospeed = baud_of(nt.c_cflag);
	uint32_t ibits = (nt.c_cflag & CIBAUD) >> IBSHIFT;
	if (!v2 || ibits != BOTHER)
		nt.c_ispeed = ibits ? baud_of(ibits) : nt.c_ospeed;
	/* A pty is always 8 bits, no parity, receiving (pty_set_termios). */
	nt.c_cflag &= ~(uint32_t)(CSIZE | PARENB);
	nt.c_cflag |= CS8 | CREAD;
	if (cmd == TCSETSF || cmd == K_TCSETSF2)
		ldisc_flush_input(tty);
	tty->termios = nt;
	if (tty->packet) {
		bool was = (old.c_iflag & IXON) && old.c_cc[VSTART] == 021 && old.c_cc[VSTOP] == 023;
		bool now = (nt.c_iflag & IXON) && nt.c_cc[VSTART] == 021 && nt.c_cc[VSTOP] == 023;
		if (was != now) {
			tty->pktstatus &= ~(TIOCPKT_NOSTOP | TIOCPKT_DOSTOP);
			tty->pktstatus |= now ? TIOCPKT_DOSTOP : TIOCPKT_NOSTOP;
		}
	}
	ldisc_termios_changed(tty, &old);
	return 0;
}

static long set_winsize(struct tty *tty, uint64_t arg)
{
	struct kwinsize ws;
	if (copy_from_user(current->mm, &ws, arg, sizeof(ws)))
		return -EFAULT;
	if (memcmp(&ws, &tty->ws, sizeof(ws))) {
		tty->ws = ws;
		tty_signal_pgrp(tty->pgrp, SIGWINCH);
	}
	return 0;
}

static long set_pgrp(struct tty *tty, bool master, uint64_t arg)
{
	int pgrp;
	if (!master && tty_current_ctty() != tty)
		return -ENOTTY;
	int err = tty_check_change(tty, SIGTTOU);
	if (err)
		return err == -EIO ? -ENOTTY : err;
	if (get_int(arg, &pgrp))
		return -EFAULT;
	if (pgrp < 0)
		return -EINVAL;
	err = tty_pgrp_check(pgrp, tty->session);
	if (err)
		return err;
	tty->pgrp = pgrp;
	return 0;
}

/* TIOCSCTTY (Linux tiocsctty). */
static long set_ctty(struct tty *tty, struct file *f, uint64_t arg)
{
	struct thread_group *tg = current->tg;
	const struct cred *c = &current->cred;
	if (tg->sid == tg->tgid && tty->session == tg->sid)
		return 0;
	if (tg->sid != tg->tgid || tty_current_ctty())
		return -EPERM;
	if (tty->session) {
		if (arg != 1 || !cred_capable(c, CAP_SYS_ADMIN))
			return -EPERM;
		tty->session = tty->pgrp = 0;     /* stolen from its session */
	}
	if ((f->flags & O_ACCMODE) == O_WRONLY && !cred_capable(c, CAP_SYS_ADMIN))
		return -EPERM;
	tty_set_ctty(tty);
	return 0;
}

static long flush(struct tty *tty, bool master, int how)
{
	int err = tty_check_change(tty, SIGTTOU);
	if (err)
		return err;
	if (how != TCIFLUSH && how != TCOFLUSH && how != TCIOFLUSH)
		return -EINVAL;
	bool in = how != TCOFLUSH, out = how != TCIFLUSH;
	if (master) {
		if (in)
			queue_get(&tty->outq, NULL, tty->outq.len);
		if (out)
			queue_get(&tty->rawq, NULL, tty->rawq.len);
	} else {
		if (in) {
			ldisc_flush_input(tty);
			if (tty->packet)
				tty->pktstatus |= TIOCPKT_FLUSHREAD;
		}
		if (out && tty->packet)
			tty->pktstatus |= TIOCPKT_FLUSHWRITE;
	}
	tty_wake(tty);
	return 0;
}

static long xonc(struct tty *tty, int how)
{
	int err = tty_check_change(tty, SIGTTOU);
	if (err)
		return err;
	uint8_t c;
	switch (how) {
	case TCOOFF:
		tty->stopped = true;
		return 0;
	case TCOON:
		tty->stopped = false;
		tty_wake(tty);
		return 0;
	case TCIOFF:
	case TCION:
		c = tty->termios.c_cc[how == TCIOFF ? VSTOP : VSTART];
		if (c)
			ldisc_output(tty, &c, 1);
		tty_wake(tty);
		return 0;
	}
	return -EINVAL;
}

/* Requests only the master answers (pty_unix98_ioctl). */
static long master_only(struct tty *tty, unsigned cmd, uint64_t arg)
{
	int v;
	switch (cmd) {
	case TIOCGPTN:
		return put_int(arg, tty->index);
	case TIOCSPTLCK:
		if (get_int(arg, &v))
			return -EFAULT;
		tty->locked = v != 0;
		return 0;
	case TIOCGPTLCK:
		return put_int(arg, tty->locked);
	case TIOCPKT:
		if (get_int(arg, &v))
			return -EFAULT;
		if (v && !tty->packet)
			tty->pktstatus = 0;
		tty->packet = v != 0;
		return 0;
	case TIOCGPKT:
		return put_int(arg, tty->packet);
	case TIOCSIG:
		if (arg != SIGINT && arg != SIGQUIT && arg != SIGTSTP)
			return -EINVAL;
		tty_signal_pgrp(tty->pgrp, (int)arg);
		return 0;
	}
	return -ENOTTY;
}

static long open_peer(struct tty *tty, uint64_t flags)
{
	if (flags & ~(uint64_t)(O_ACCMODE | O_NOCTTY | O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	struct file *f;
	int err = tty_open_peer(tty, (int)flags, &f);
	if (err)
		return err;
	int fd = fd_install(current->files, 0, f, flags & O_CLOEXEC);
	file_put(f);
	return fd;
}

long tty_ioctl(struct tty *tty, struct file *f, bool master, unsigned cmd, uint64_t arg)
{
	struct mm *mm = current->mm;
	int v;

	switch (cmd) {
	case TCGETS:
		return copy_to_user(mm, arg, &tty->termios, KTERMIOS_V1_SIZE) ? -EFAULT : 0;
	case K_TCGETS2:
		return copy_to_user(mm, arg, &tty->termios, sizeof(tty->termios)) ? -EFAULT : 0;
	case TCSETS: case TCSETSW: case TCSETSF:
	case K_TCSETS2: case K_TCSETSW2: case K_TCSETSF2:
		return set_termios(tty, cmd, arg);
	case TIOCGWINSZ:
		/* The exec stand-in forwards a console resize as a plain
		 * SIGWINCH: whoever asks gets the host pty's new size. */
		if (tty->console)
			console_winsize(tty->console);
		return copy_to_user(mm, arg, &tty->ws, sizeof(tty->ws)) ? -EFAULT : 0;
	case TIOCSWINSZ:
		return set_winsize(tty, arg);
	case TIOCGPGRP:
		if (!master && tty_current_ctty() != tty)
			return -ENOTTY;
		return put_int(arg, tty->pgrp);
	case TIOCSPGRP:
		return set_pgrp(tty, master, arg);
	case TIOCGSID:
		if ((!master && tty_current_ctty() != tty) || !tty->session)
			return -ENOTTY;
		return put_int(arg, tty->session);
	case TIOCSCTTY:
		return set_ctty(tty, f, arg);
	case TIOCNOTTY:
		if (master || tty_current_ctty() != tty)
			return -ENOTTY;
		/* Only the leader's TIOCNOTTY frees the terminal: a session
		 * shares one controlling terminal here (see tty.h). */
		if (current->tg->sid == current->tg->tgid)
			tty_disassociate(tty, false);
		return 0;
	case FIONREAD:
		return put_int(arg, master ? (int)tty->outq.len : (int)ldisc_readable(tty));
	case TIOCOUTQ:
		return put_int(arg, 0);      /* a pty holds no unsent output */
	case TCFLSH:
		return flush(tty, master, (int)arg);
	case TCXONC:
		return xonc(tty, (int)arg);
	case TCSBRK: case TCSBRKP:
		return tty_check_change(tty, SIGTTOU);
	case TIOCSBRK: case TIOCCBRK:
		return 0;
	case TIOCSTI: {
		uint8_t c;
		if (!master && tty_current_ctty() != tty && !cred_capable(&current->cred, CAP_SYS_ADMIN))
			return -EPERM;
		if (master && !cred_capable(&current->cred, CAP_SYS_ADMIN))
			return -EPERM;
		if (copy_from_user(mm, &c, arg, 1))
			return -EFAULT;
		if (master)
			queue_put(&tty->outq, &c, 1);   /* as if the master received it */
		else if (queue_put(&tty->rawq, &c, 1))
			ldisc_receive(tty);
		tty_wake(tty);
		return 0;
	}
	case TIOCEXCL: case TIOCNXCL:
		if (master)
			tty->master_excl = cmd == TIOCEXCL;
		else
			tty->excl = cmd == TIOCEXCL;
		return 0;
	case TIOCGEXCL:
		return put_int(arg, master ? tty->master_excl : tty->excl);
	case TIOCGETD:
		return put_int(arg, N_TTY);
	case TIOCSETD:
		if (get_int(arg, &v))
			return -EFAULT;
		return v == N_TTY ? 0 : -EINVAL;
	case TIOCGPTPEER:
		return master ? open_peer(tty, arg) : -EIO;
	}
	return master ? master_only(tty, cmd, arg) : -ENOTTY;
}
