/*
 * Pseudo-terminals in the sentry: a pty pair is one struct tty (Linux keeps
 * two, but every termios, window-size and job-control ioctl on the master
 * acts on the slave anyway). Data flows
 *
 *   master write -> rawq -> line discipline (n_tty: ICRNL, ISIG, canonical
 *   editing, echo) -> line buffer -> slave read
 *   slave write / echo -> output processing (OPOST, ONLCR) -> outq -> master read
 *
 * The controlling terminal of a process is the tty whose session is the
 * process's session (tty->session == tg->sid): setsid() therefore drops it,
 * and a session leader's exit or a hangup clears tty->session.
 * Everything runs under the kernel lock; one waitq carries every change.
 */
#ifndef CVISOR_VFS_TTY_H
#define CVISOR_VFS_TTY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vfs/vfs.h"
#include "sentry/list.h"
#include "sentry/waitq.h"

struct thread_group;
struct console;

#define TTY_NCCS       19       /* kernel termios c_cc[] */
#define TTY_LINE_SIZE  4096     /* n_tty read buffer: the longest canonical line */
#define TTY_QUEUE_SIZE 65536    /* each direction's queue, like a tty port's buffers */
#define TTY_MAX_PTYS   1024
#define PTS_MAJOR      136
#define TTYAUX_MAJOR   5        /* /dev/tty (5,0), /dev/ptmx (5,2) */
#define TTY_GID        5        /* devpts mounted like runc: gid=5,mode=620 */

/* struct termios2 of the x86-64 ABI; its first 36 bytes are struct termios. */
struct ktermios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[TTY_NCCS];
	uint32_t c_ispeed, c_ospeed;
};
#define KTERMIOS_V1_SIZE 36
_Static_assert(sizeof(struct ktermios) == 44, "termios2 layout");

struct kwinsize {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/* A byte ring; the buffer is allocated on first use. */
struct tty_queue {
	uint8_t *buf;
	size_t head, len;
};

/* Flags of bytes in the line buffer. */
#define TTY_DELIM   1   /* ends a canonical line */
#define TTY_NOCOPY  2   /* the EOF character: ends a line, never read */

struct tty {
	int index;                    /* /dev/pts/N */
	struct list_head link;        /* all ttys */
	int masters, slaves;          /* open files of each side (/dev/tty counts as a slave) */
	bool master_closed;           /* hung up: slave reads 0, writes EIO */
	bool slave_closed;            /* the last slave file went: master reads EIO */
	bool locked;                  /* TIOCSPTLCK: the slave cannot be opened */
	bool excl;                    /* TIOCEXCL */
	bool packet;                  /* TIOCPKT on the master */
	bool master_excl;             /* TIOCEXCL on the master: reported only */
	uint8_t pktstatus;
	bool stopped;                 /* output stopped: ^S or TCOOFF */
	bool lnext;                   /* the next input byte is literal */
	struct ktermios termios;
	struct kwinsize ws;
	int session, pgrp;            /* guest sid / foreground pgid, 0: none */

	struct tty_queue rawq;        /* master writes, not yet through the ldisc */
	struct tty_queue outq;        /* processed output for the master */
	uint8_t line[TTY_LINE_SIZE];  /* processed input for the slave */
	uint8_t flags[TTY_LINE_SIZE]; /* TTY_DELIM / TTY_NOCOPY per byte */
	size_t line_len;              /* bytes in line[] */
	size_t canon_head;            /* line[0, canon_head) is complete lines */
	unsigned column;              /* output column, for erasing tabs */
	unsigned canon_column;        /* column where the current line began */
	struct waitq wait;            /* every state change */
	struct inode *pts;            /* /dev/pts/N while the master is open */
	struct console *console;      /* an OCI console pumps the master, or NULL */
};

/* ---- pty.c ---- */
struct tty *tty_lookup_index(int index);    /* live (master open) or NULL */
struct tty *tty_of_session(int sid);        /* the tty whose session is sid */
void tty_wake(struct tty *tty);
/* Opens: f's inode is the node opened; flags still hold O_NOCTTY. */
int ptmx_open(struct file *f);
int pts_open(struct tty *tty, struct file *f);
int devtty_open(struct file *f);
int tty_chrdev_open(struct inode *inode, struct file *f);
int tty_open_peer(struct tty *tty, int flags, struct file **out);  /* TIOCGPTPEER */

/* ---- ldisc.c (n_tty) ---- */
void ldisc_init_termios(struct ktermios *t);
void ldisc_receive(struct tty *tty);                /* rawq -> line buffer, as room allows */
size_t ldisc_output(struct tty *tty, const uint8_t *buf, size_t len); /* OPOST into outq */
void ldisc_termios_changed(struct tty *tty, const struct ktermios *old);
void ldisc_flush_input(struct tty *tty);
size_t ldisc_readable(const struct tty *tty);       /* FIONREAD on the slave */
bool ldisc_input_ready(const struct tty *tty, bool poll);
ssize_t ldisc_read(struct tty *tty, struct file *f, uint8_t *buf, size_t len);
ssize_t ldisc_write(struct tty *tty, struct file *f, const uint8_t *buf, size_t len);
size_t queue_put(struct tty_queue *q, const uint8_t *src, size_t n);
size_t queue_get(struct tty_queue *q, uint8_t *dst, size_t n);
void queue_free(struct tty_queue *q);

/* ---- jobctl.c ---- */
struct tty *tty_current_ctty(void);          /* current's controlling terminal */
int tty_check_change(struct tty *tty, int sig);  /* 0, -EIO or -ERESTARTSYS */
void tty_signal_pgrp(int pgrp, int sig);
void tty_set_ctty(struct tty *tty);          /* current's session takes tty */
void tty_open_ctty(struct tty *tty, struct file *f);   /* the open(2) rule */
void tty_hangup_session(struct tty *tty);    /* the master closed */
void tty_disassociate(struct tty *tty, bool on_exit);
int tty_pgrp_check(int pgrp, int sid);

/* ---- tty_ioctl.c ---- */
long tty_ioctl(struct tty *tty, struct file *f, bool master, unsigned cmd, uint64_t arg);

/* ---- devpts.c ---- */
struct inode *devpts_add(struct tty *tty, const struct cred *c);   /* the /dev/pts/N node */
void devpts_remove(struct tty *tty);

/* ---- console.c: the OCI console ---- */
/* hostfd (a host pty slave; duplicated) becomes the outer end of a new
 * sentry pty, whose slave becomes fds 0-2 of files and the controlling
 * terminal of tg's session. Kernel lock held. */
int console_attach(int hostfd, struct thread_group *tg, struct fdtable *files);
/* The console takes its host pty's size (SIGWINCH to the foreground group
 * on a change): on SIGWINCH, and before TIOCGWINSZ answers. */
void console_winsize(struct console *c);
/* SIGWINCH: every console takes its size; false without any console. */
bool console_resize(void);
/* The sandbox ends: the pumps flush the guest's output (2 s at most). */
void console_shutdown(void);

/* ---- kernel interface ---- */
struct super_block *devpts_new(void);
/* A session leader's group is dying: Linux's disassociate_ctty(1). */
void tty_session_leader_exit(struct thread_group *tg);

#endif
