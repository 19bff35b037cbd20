/* Job control on a pty: a session leader acquires the slave as its
 * controlling terminal by opening it, /dev/tty, the ISIG characters and
 * TIOCSWINSZ signal the foreground process group, a background process
 * group gets SIGTTOU (TOSTOP) and SIGTTIN, and the master's close hangs
 * up the session. The child reports each step over a pipe. */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "guest.h"

static int rep;          /* child -> parent */

static void report(char c)
{
	CHECK(write(rep, &c, 1) == 1, "report");
}

static void wait_sig(const sigset_t *set, int want)
{
	siginfo_t si;
	int sig = sigwaitinfo(set, &si);
	CHECK(sig == want && si.si_code == SI_KERNEL, "got %d code %d, want %d", sig, si.si_code, want);
}

static volatile sig_atomic_t got;
static void on_sig(int sig) { got = sig; }

/* A process of a background process group of the session. */
static void background(int s)
{
	struct sigaction sa = { .sa_handler = on_sig };   /* no SA_RESTART */
	char c;
	CHECK(setpgid(0, 0) == 0, "setpgid");
	CHECK(tcgetpgrp(s) != getpgrp(), "background");
	sigaction(SIGTTOU, &sa, NULL);
	sigaction(SIGTTIN, &sa, NULL);
	/* TOSTOP: writing raises SIGTTOU in the group, write is interrupted. */
	CHECK(write(s, "bg\n", 3) == -1 && errno == EINTR && got == SIGTTOU, "SIGTTOU %d", got);
	got = 0;
	CHECK(read(s, &c, 1) == -1 && errno == EINTR && got == SIGTTIN, "SIGTTIN %d", got);
	/* Changing the settings is a write too. */
	struct termios tio;
	CHECK(tcgetattr(s, &tio) == 0, "tcgetattr is allowed");
	got = 0;
	CHECK(tcsetattr(s, TCSANOW, &tio) == -1 && errno == EINTR && got == SIGTTOU, "set SIGTTOU");
	/* Ignored SIGTTOU: the write goes through; ignored SIGTTIN: EIO. */
	signal(SIGTTOU, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	CHECK(write(s, "bg\n", 3) == 3, "ignored SIGTTOU");
	CHECK(read(s, &c, 1) == -1 && errno == EIO, "ignored SIGTTIN");
	/* Blocked SIGTTOU counts as ignored: become the foreground group. */
	signal(SIGTTOU, SIG_DFL);
	sigset_t ttou;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, NULL);
	CHECK(tcsetpgrp(s, getpgrp()) == 0, "tcsetpgrp from background");
	CHECK(tcgetpgrp(s) == getpgrp(), "foreground now");
	_exit(0);
}

static void child(const char *name)
{
	sigset_t set;
	char buf[64];
	int st;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGTSTP);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);

	CHECK(setsid() == getpid(), "setsid");
	CHECK(open("/dev/tty", O_RDWR) == -1 && errno == ENXIO, "a new session has no ctty");
	int s = open(name, O_RDWR);     /* a session leader without O_NOCTTY */
	CHECK(s >= 0, "open slave");
	int v;
	CHECK(ioctl(s, TIOCGSID, &v) == 0 && v == getpid(), "TIOCGSID %d", v);
	CHECK(tcgetpgrp(s) == getpid(), "fg pgrp %d", tcgetpgrp(s));
	CHECK(ioctl(s, TIOCSCTTY, 0) == 0, "TIOCSCTTY on our own ctty");
	int t = open("/dev/tty", O_RDWR);
	CHECK(t >= 0, "/dev/tty");
	struct stat st1;
	CHECK(fstat(t, &st1) == 0 && major(st1.st_rdev) == 5 && minor(st1.st_rdev) == 0, "tty rdev");
	CHECK(write(t, "via tty\n", 8) == 8, "write /dev/tty");
	close(t);
	CHECK(tcsetpgrp(s, getppid()) == -1 && errno == EPERM, "pgrp of another session");
	CHECK(tcsetpgrp(s, 0x7ffffff0) == -1 && errno == ESRCH, "no such pgrp");
	v = -1;
	CHECK(ioctl(s, TIOCSPGRP, &v) == -1 && errno == EINVAL, "negative pgrp");
	report('R');

	wait_sig(&set, SIGINT);           /* "abc^C": the partial line is flushed */
	CHECK(read(s, buf, sizeof(buf)) == 2 && memcmp(buf, "x\n", 2) == 0, "after ^C");
	report('I');
	wait_sig(&set, SIGQUIT);
	report('Q');
	wait_sig(&set, SIGTSTP);
	report('Z');
	wait_sig(&set, SIGWINCH);
	report('W');

	/* A background process group: TOSTOP makes writes raise SIGTTOU. */
	struct termios tio;
	CHECK(tcgetattr(s, &tio) == 0, "tcgetattr");
	tio.c_lflag |= TOSTOP;
	CHECK(tcsetattr(s, TCSANOW, &tio) == 0, "TOSTOP");
	fflush(stdout);
	pid_t bg = fork();
	CHECK(bg >= 0, "fork");
	if (bg == 0)
		background(s);
	CHECK(waitpid(bg, &st, 0) == bg && WIFEXITED(st) && WEXITSTATUS(st) == 0, "bg %#x", st);
	/* The background child made its group the foreground one and left;
	 * take the terminal back (SIGTTOU blocked, so allowed). */
	sigset_t ttou;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, NULL);
	CHECK(tcsetpgrp(s, getpgrp()) == 0, "take back");
	report('B');

	/* The master's close: SIGHUP to the session leader, EOF, no more ctty. */
	wait_sig(&set, SIGHUP);
	CHECK(read(s, buf, sizeof(buf)) == 0, "EOF after hangup");
	CHECK(open("/dev/tty", O_RDWR) == -1 && errno == ENXIO, "ctty gone");
	CHECK(ioctl(s, TIOCGPGRP, &v) == -1 && errno == EIO, "ioctl after hangup");
	report('H');
	_exit(0);
}

static void expect(int fd, char want)
{
	char c = 0;
	CHECK(read(fd, &c, 1) == 1 && c == want, "child reported '%c', want '%c'", c, want);
}

int main(void)
{
	char name[64], buf[256];
	int p[2], st;
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0 && ptsname_r(m, name, sizeof(name)) == 0,
	      "pty");
	CHECK(pipe(p) == 0, "pipe");
	fflush(stdout);
	pid_t c = fork();
	CHECK(c >= 0, "fork");
	if (c == 0) {
		close(p[0]);
		rep = p[1];
		close(m);
		child(name);
	}
	close(p[1]);
	expect(p[0], 'R');
	printf("controlling terminal ok\n");
	CHECK(ioctl(m, TIOCGPGRP, &st) == 0 && st == c, "master TIOCGPGRP %d", st);
	CHECK(ioctl(m, TIOCGSID, &st) == 0 && st == c, "master TIOCGSID %d", st);

	CHECK(write(m, "abc\003", 4) == 4, "^C");
	usleep(100000);
	CHECK(write(m, "x\n", 2) == 2, "line");
	expect(p[0], 'I');
	CHECK(write(m, "\034", 1) == 1, "^\\");
	expect(p[0], 'Q');
	CHECK(write(m, "\032", 1) == 1, "^Z");
	expect(p[0], 'Z');
	printf("isig ok\n");
	struct winsize ws = { .ws_row = 50, .ws_col = 132 };
	CHECK(ioctl(m, TIOCSWINSZ, &ws) == 0, "TIOCSWINSZ");
	expect(p[0], 'W');
	/* Setting the same size again signals nobody. */
	CHECK(ioctl(m, TIOCSWINSZ, &ws) == 0, "same size");
	printf("winch ok\n");
	expect(p[0], 'B');
	printf("background ok\n");
	/* Everything the slave side wrote, as the master saw it. */
	usleep(100000);
	int n = 0;
	size_t got = 0;
	while (ioctl(m, FIONREAD, &n) == 0 && n > 0 && got < sizeof(buf) - 1) {
		ssize_t r = read(m, buf + got, sizeof(buf) - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	buf[got] = 0;
	CHECK(strstr(buf, "via tty\r\n") && strstr(buf, "bg\r\n"), "master saw \"%s\"", buf);
	close(m);
	expect(p[0], 'H');
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %#x", st);
	printf("hangup ok\n");
	return 0;
}
