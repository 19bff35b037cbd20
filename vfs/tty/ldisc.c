/*
 * n_tty, the line discipline of the slave: input processing (ISTRIP,
 * IXON, ISIG, ICRNL/INLCR/IGNCR), canonical line editing (ERASE, KILL,
 * WERASE, LNEXT, REPRINT, EOF, EOL, EOL2), echo (ECHO, ECHOE, ECHOK,
 * ECHOKE, ECHONL, ECHOCTL), output processing (OPOST: ONLCR, OCRNL,
 * ONOCR, ONLRET, XTABS) and the slave's read/write with VMIN/VTIME.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include "vfs/tty/tty.h"
#include "sentry/task.h"
#include "sentry/signal_types.h"

#define LFLAG(t, f) ((t)->termios.c_lflag & (f))
#define IFLAG(t, f) ((t)->termios.c_iflag & (f))

/* ---- queues ---- */

static bool queue_alloc(struct tty_queue *q)
{
	if (!q->buf)
		q->buf = malloc(TTY_QUEUE_SIZE);
	return q->buf != NULL;
}

size_t queue_put(struct tty_queue *q, const uint8_t *src, size_t n)
{
	if (!queue_alloc(q))
		return 0;
	if (n > TTY_QUEUE_SIZE - q->len)
		n = TTY_QUEUE_SIZE - q->len;
	for (size_t i = 0; i < n; i++)
		q->buf[(q->head + q->len + i) % TTY_QUEUE_SIZE] = src[i];
	q->len += n;
	return n;
}

size_t queue_get(struct tty_queue *q, uint8_t *dst, size_t n)
{
	if (n > q->len)
		n = q->len;
	for (size_t i = 0; i < n; i++)
		if (dst)
			dst[i] = q->buf[(q->head + i) % TTY_QUEUE_SIZE];
	q->head = (q->head + n) % TTY_QUEUE_SIZE;
	q->len -= n;
	if (!q->len)
		q->head = 0;
	return n;
}

void queue_free(struct tty_queue *q)
{
	free(q->buf);
	q->buf = NULL;
	q->head = q->len = 0;
}

void ldisc_init_termios(struct ktermios *t)
{
	static const uint8_t cc[TTY_NCCS] = {
		[VINTR] = 003, [VQUIT] = 034, [VERASE] = 0177, [VKILL] = 025, [VEOF] = 004,
		[VTIME] = 0, [VMIN] = 1, [VSTART] = 021, [VSTOP] = 023, [VSUSP] = 032,
		[VREPRINT] = 022, [VDISCARD] = 017, [VWERASE] = 027, [VLNEXT] = 026,
	};
	memset(t, 0, sizeof(*t));
	t->c_iflag = ICRNL | IXON;
	t->c_oflag = OPOST | ONLCR;
	t->c_cflag = B38400 | CS8 | CREAD;       /* a pts has no HUPCL */
	t->c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
	memcpy(t->c_cc, cc, sizeof(cc));
	t->c_ispeed = t->c_ospeed = 38400;
}

/* Control characters as Linux's ctype sees them. */
static bool is_cntrl(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}

static bool is_cc(const struct tty *t, uint8_t c, int i)
{
	return t->termios.c_cc[i] != 0 && c == t->termios.c_cc[i];   /* 0 is _POSIX_VDISABLE */
}

static bool is_continuation(const struct tty *t, uint8_t c)
{
	return IFLAG(t, IUTF8) && (c & 0xc0) == 0x80;
}

/* ---- output ---- */

static size_t out_room(const struct tty *t)
{
	return TTY_QUEUE_SIZE - t->outq.len;
}

/* One byte through OPOST into outq; false if there is no room for it. */
static bool out_char(struct tty *t, uint8_t c)
{
	uint32_t o = t->termios.c_oflag;
	unsigned spaces;

	if (!out_room(t))
		return false;
	if (!(o & OPOST))
		return queue_put(&t->outq, &c, 1) == 1;
	switch (c) {
	case '\n':
		if (o & ONLRET)
			t->column = 0;
		if (o & ONLCR) {
			if (out_room(t) < 2)
				return false;
			t->canon_column = t->column = 0;
			return queue_put(&t->outq, (const uint8_t *)"\r\n", 2) == 2;
		}
		t->canon_column = t->column;
		break;
	case '\r':
		if ((o & ONOCR) && t->column == 0)
			return true;
		if (o & OCRNL) {
			c = '\n';
			if (o & ONLRET)
				t->canon_column = t->column = 0;
			break;
		}
		t->canon_column = t->column = 0;
		break;
	case '\t':
		spaces = 8 - (t->column & 7);
		if ((o & TABDLY) == XTABS) {
			if (out_room(t) < spaces)
				return false;
			t->column += spaces;
			return queue_put(&t->outq, (const uint8_t *)"        ", spaces) == spaces;
		}
		t->column += spaces;
		break;
	case '\b':
		if (t->column > 0)
			t->column--;
		break;
	default:
		if (!is_cntrl(c) && !is_continuation(t, c))
			t->column++;
		break;
	}
	return queue_put(&t->outq, &c, 1) == 1;
}

size_t ldisc_output(struct tty *t, const uint8_t *buf, size_t len)
{
	size_t i;
	for (i = 0; i < len; i++)
		if (!out_char(t, buf[i]))
			break;
	return i;
}

/* Echoes are dropped when the master does not read (Linux's echo buffer
 * overruns the same way). */
static void echo_raw(struct tty *t, uint8_t c)
{
	out_char(t, c);
}

static void echo_str(struct tty *t, const char *s)
{
	while (*s)
		out_char(t, (uint8_t)*s++);
}

static void echo_char(struct tty *t, uint8_t c)
{
	if (LFLAG(t, ECHOCTL) && is_cntrl(c) && c != '\t') {
		echo_raw(t, '^');
		echo_raw(t, c ^ 0100);
	} else {
		echo_raw(t, c);
	}
}

/* ---- input ---- */

static void store(struct tty *t, uint8_t c, uint8_t flags)
{
	/* A full buffer in canonical mode keeps the line end reachable by
	 * overwriting the last byte, as Linux does. */
	if (t->line_len == TTY_LINE_SIZE)
		t->line_len--;
	t->line[t->line_len] = c;
	t->flags[t->line_len++] = flags;
	if (flags & TTY_DELIM)
		t->canon_head = t->line_len;
}

/* Erase one character, a word or the line, with its echo. */
static void erase(struct tty *t, uint8_t c)
{
	enum { ERASE, WERASE, KILL } type = is_cc(t, c, VERASE) ? ERASE
		: is_cc(t, c, VWERASE) ? WERASE : KILL;
	bool echo = LFLAG(t, ECHO);
	int alnums = 0;

	if (t->line_len == t->canon_head)
		return;
	if (type == KILL) {
		if (!echo) {
			t->line_len = t->canon_head;
			return;
		}
		if (!LFLAG(t, ECHOK) || !LFLAG(t, ECHOKE) || !LFLAG(t, ECHOE)) {
			t->line_len = t->canon_head;
			echo_char(t, c);
			if (LFLAG(t, ECHOK))
				echo_raw(t, '\n');
			return;
		}
	}
	while (t->line_len > t->canon_head) {
		uint8_t ch = t->line[t->line_len - 1];
		if (type == WERASE) {
			bool word = (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') ||
				    ch == '_';
			if (word)
				alnums++;
			else if (alnums)
				break;
		}
		t->line_len--;
		if (echo) {
			if (type == ERASE && !LFLAG(t, ECHOE)) {
				echo_char(t, t->termios.c_cc[VERASE]);
			} else if (ch == '\t') {
				/* Back to the column the tab started from. */
				unsigned col = t->canon_column;
				for (size_t i = t->canon_head; i < t->line_len; i++) {
					uint8_t x = t->line[i];
					if (x == '\t')
						col = (col | 7) + 1;
					else if (is_cntrl(x))
						col += LFLAG(t, ECHOCTL) ? 2 : 0;
					else if (!is_continuation(t, x))
						col++;
				}
				while (t->column > col)
					echo_raw(t, '\b');
			} else if (!is_continuation(t, ch)) {
				if (is_cntrl(ch) && LFLAG(t, ECHOCTL))
					echo_str(t, "\b \b");
				if (!is_cntrl(ch) || LFLAG(t, ECHOCTL))
					echo_str(t, "\b \b");
			}
		}
		if (type == ERASE && !is_continuation(t, ch))
			break;
	}
}

static void start_output(struct tty *t)
{
	if (t->stopped) {
		t->stopped = false;
		if (t->packet) {
			t->pktstatus &= ~TIOCPKT_STOP;
			t->pktstatus |= TIOCPKT_START;
		}
	}
}

static void stop_output(struct tty *t)
{
	if (!t->stopped) {
		t->stopped = true;
		if (t->packet) {
			t->pktstatus &= ~TIOCPKT_START;
			t->pktstatus |= TIOCPKT_STOP;
		}
	}
}

void ldisc_flush_input(struct tty *t)
{
	t->line_len = t->canon_head = 0;
	t->lnext = false;
	queue_get(&t->rawq, NULL, t->rawq.len);
}

static void isig(struct tty *t, int sig, uint8_t c)
{
	tty_signal_pgrp(t->pgrp, sig);
	if (!LFLAG(t, NOFLSH)) {
		t->line_len = t->canon_head = 0;
		t->lnext = false;
		if (t->packet)
			t->pktstatus |= TIOCPKT_FLUSHREAD;
	}
	if (IFLAG(t, IXON))
		start_output(t);
	if (LFLAG(t, ECHO))
		echo_char(t, c);
}

static void echo_ordinary(struct tty *t, uint8_t c)
{
	if (!LFLAG(t, ECHO))
		return;
	if (t->canon_head == t->line_len)
		t->canon_column = t->column;
	echo_char(t, c);
}

static void receive_char(struct tty *t, uint8_t c)
{
	bool canon = LFLAG(t, ICANON), ext = LFLAG(t, IEXTEN);

	if (IFLAG(t, ISTRIP))
		c &= 0x7f;
	if (IFLAG(t, IUCLC) && ext && c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	if (t->lnext) {
		t->lnext = false;
		echo_ordinary(t, c);
		store(t, c, 0);
		return;
	}
	if (IFLAG(t, IXON)) {
		if (is_cc(t, c, VSTOP)) {
			stop_output(t);
			return;
		}
		if (is_cc(t, c, VSTART)) {
			start_output(t);
			return;
		}
		if (IFLAG(t, IXANY))
			start_output(t);
	}
	if (LFLAG(t, ISIG)) {
		int sig = is_cc(t, c, VINTR) ? SIGINT : is_cc(t, c, VQUIT) ? SIGQUIT
			: is_cc(t, c, VSUSP) ? SIGTSTP : 0;
		if (sig) {
			isig(t, sig, c);
			return;
		}
	}
	if (c == '\r') {
		if (IFLAG(t, IGNCR))
			return;
		if (IFLAG(t, ICRNL))
			c = '\n';
	} else if (c == '\n' && IFLAG(t, INLCR)) {
		c = '\r';
	}
	if (canon) {
		if (is_cc(t, c, VERASE) || is_cc(t, c, VKILL) || (ext && is_cc(t, c, VWERASE))) {
			erase(t, c);
			return;
		}
		if (ext && is_cc(t, c, VLNEXT)) {
			t->lnext = true;
			if (LFLAG(t, ECHO) && LFLAG(t, ECHOCTL))
				echo_str(t, "^\b");
			return;
		}
		if (ext && is_cc(t, c, VREPRINT) && LFLAG(t, ECHO)) {
			echo_char(t, c);
			echo_raw(t, '\n');
			for (size_t i = t->canon_head; i < t->line_len; i++)
				echo_char(t, t->line[i]);
			return;
		}
		if (c == '\n') {
			if (LFLAG(t, ECHO) || LFLAG(t, ECHONL))
				echo_raw(t, '\n');
			store(t, c, TTY_DELIM);
			return;
		}
		if (is_cc(t, c, VEOF)) {
			store(t, c, TTY_DELIM | TTY_NOCOPY);
			return;
		}
		if (is_cc(t, c, VEOL) || (ext && is_cc(t, c, VEOL2))) {
			echo_ordinary(t, c);
			store(t, c, TTY_DELIM);
			return;
		}
	}
	echo_ordinary(t, c);
	store(t, c, 0);
}

void ldisc_receive(struct tty *t)
{
	bool changed = false;
	while (t->rawq.len) {
		/* Non-canonical input waits in rawq while the buffer is full;
		 * canonical input without a complete line is never stuck. */
		if (t->line_len >= TTY_LINE_SIZE - 1 &&
		    !(LFLAG(t, ICANON) && t->canon_head == 0))
			break;
		uint8_t c;
		queue_get(&t->rawq, &c, 1);
		receive_char(t, c);
		changed = true;
	}
	if (changed)
		tty_wake(t);
}

void ldisc_termios_changed(struct tty *t, const struct ktermios *old)
{
	if ((old->c_lflag ^ t->termios.c_lflag) & ICANON) {
		/* Whatever is buffered becomes readable (Linux's "push"). */
		t->canon_head = t->line_len;
		t->lnext = false;
		if (t->line_len)
			t->flags[t->line_len - 1] |= TTY_DELIM;
	}
	if (!IFLAG(t, IXON))
		start_output(t);
	ldisc_receive(t);
	tty_wake(t);
}

/* Bytes a read could return: complete lines (less EOF marks) or all. */
size_t ldisc_readable(const struct tty *t)
{
	if (!LFLAG(t, ICANON))
		return t->line_len;
	size_t n = 0;
	for (size_t i = 0; i < t->canon_head; i++)
		if (!(t->flags[i] & TTY_NOCOPY))
			n++;
	return n;
}

bool ldisc_input_ready(const struct tty *t, bool poll)
{
	if (LFLAG(t, ICANON))
		return t->canon_head > 0;
	size_t amt = 1;
	if (poll && !t->termios.c_cc[VTIME] && t->termios.c_cc[VMIN])
		amt = t->termios.c_cc[VMIN];
	return t->line_len >= amt;
}

static void consume(struct tty *t, size_t n)
{
	memmove(t->line, t->line + n, t->line_len - n);
	memmove(t->flags, t->flags + n, t->line_len - n);
	t->line_len -= n;
	t->canon_head = t->canon_head > n ? t->canon_head - n : 0;
}

/* One canonical read: up to the first line end within what fits
 * (Linux's canon_copy_from_read_buf). */
static size_t canon_copy(struct tty *t, uint8_t *buf, size_t len)
{
	size_t n = len < t->canon_head ? len : t->canon_head, i;
	for (i = 0; i < n; i++)
		if (t->flags[i] & TTY_DELIM)
			break;
	bool found = i < n;
	size_t take = found ? i + 1 : n;
	size_t copy = found && (t->flags[i] & TTY_NOCOPY) ? i : take;
	memcpy(buf, t->line, copy);
	consume(t, take);
	return copy;
}

static int wait_deadline(struct tty *t, struct waiter *w, bool *queued, uint64_t deadline)
{
	if (!*queued) {
		waitq_add(&t->wait, w, current);
		*queued = true;
		return 0;
	}
	int err = task_sleep(current, deadline);
	return err == -EINTR ? -ERESTARTSYS : err;
}

ssize_t ldisc_read(struct tty *t, struct file *f, uint8_t *buf, size_t len)
{
	bool canon = LFLAG(t, ICANON);
	unsigned vmin = t->termios.c_cc[VMIN], vtime = t->termios.c_cc[VTIME];
	uint64_t tick = (uint64_t)vtime * 100000000ULL, deadline = 0;
	bool timeout_zero = false;
	size_t copied = 0;
	struct waiter w;
	bool queued = false;
	ssize_t ret = 0;

	int err = tty_check_change(t, SIGTTIN);
	if (err)
		return err;
	if (!canon && !vmin) {
		vmin = 1;
		if (vtime)
			deadline = now_mono_ns() + tick;
		else
			timeout_zero = true;
	}
	while (copied < len) {
		if (t->master_closed)
			break;
		if (ldisc_input_ready(t, false)) {
			if (canon) {
				copied = canon_copy(t, buf, len);
				ldisc_receive(t);
				tty_wake(t);
				break;
			}
			size_t n = len - copied < t->line_len ? len - copied : t->line_len;
			memcpy(buf + copied, t->line, n);
			consume(t, n);
			copied += n;
			ldisc_receive(t);
			tty_wake(t);
			if (copied >= vmin)
				break;
			if (vtime)
				deadline = now_mono_ns() + tick;
			continue;
		}
		if (timeout_zero)
			break;
		if (f->flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		err = wait_deadline(t, &w, &queued, deadline);
		if (err == -ETIMEDOUT)
			timeout_zero = true;
		else if (err) {
			ret = err;
			break;
		}
	}
	if (queued)
		waitq_remove(&w);
	return copied ? (ssize_t)copied : ret;
}

ssize_t ldisc_write(struct tty *t, struct file *f, const uint8_t *buf, size_t len)
{
	size_t done = 0;
	struct waiter w;
	bool queued = false;
	ssize_t ret = 0;

	if (LFLAG(t, TOSTOP)) {
		int err = tty_check_change(t, SIGTTOU);
		if (err)
			return err;
	}
	while (done < len) {
		if (t->master_closed) {
			ret = -EIO;
			break;
		}
		if (!t->stopped) {
			size_t n = ldisc_output(t, buf + done, len - done);
			if (n)
				tty_wake(t);
			done += n;
			if (done == len)
				break;
		}
		if (f->flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		int err = wait_deadline(t, &w, &queued, 0);
		if (err) {
			ret = err;
			break;
		}
	}
	if (queued)
		waitq_remove(&w);
	return done ? (ssize_t)done : ret;
}
