/* Pseudo-terminals: a pair through /dev/ptmx, the slave's node, termios
 * defaults, both directions with ICRNL/ONLCR, canonical line editing, echo,
 * VMIN/VTIME, window size, locking and hangup. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "guest.h"

static int open_pair(int *slave, char *name, size_t len)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m >= 0, "posix_openpt");
	CHECK(grantpt(m) == 0, "grantpt");
	CHECK(unlockpt(m) == 0, "unlockpt");
	CHECK(ptsname_r(m, name, len) == 0, "ptsname");
	*slave = open(name, O_RDWR | O_NOCTTY);
	CHECK(*slave >= 0, "open %s", name);
	return m;
}

/* Read what is there within 100 ms (the other side has written already). */
static ssize_t drain(int fd, char *buf, size_t len)
{
	size_t got = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	while (got < len && poll(&p, 1, 100) == 1 && (p.revents & POLLIN)) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	return (ssize_t)got;
}

static void expect_read(int fd, const char *want, const char *what)
{
	char buf[256];
	drain(fd, buf, sizeof(buf) - 1);
	CHECK(strcmp(buf, want) == 0, "%s: got \"%s\"", what, buf);
}

static void write_all(int fd, const char *s)
{
	CHECK(write(fd, s, strlen(s)) == (ssize_t)strlen(s), "write");
}

int main(void)
{
	char name[64], buf[256];
	int s, m = open_pair(&s, name, sizeof(name));
	struct stat st;
	struct termios tio;
	int n;

	/* The slave node: /dev/pts/N, a char device of major 136, ours; devpts
	 * mounted with defaults gives 0600 and our gid, with runc's options
	 * (mode=620,gid=5, what the sandbox has) 0620 and group tty. */
	CHECK(strncmp(name, "/dev/pts/", 9) == 0, "%s", name);
	CHECK(ioctl(m, TIOCGPTN, &n) == 0, "TIOCGPTN");
	snprintf(buf, sizeof(buf), "/dev/pts/%d", n);
	CHECK(strcmp(buf, name) == 0, "%s vs %s", buf, name);
	CHECK(stat(name, &st) == 0, "stat");
	CHECK(S_ISCHR(st.st_mode) && major(st.st_rdev) == 136 && (int)minor(st.st_rdev) == n,
	      "rdev %x", (unsigned)st.st_rdev);
	CHECK(st.st_uid == getuid() && (((st.st_mode & 07777) == 0600 && st.st_gid == getgid()) ||
				       ((st.st_mode & 07777) == 0620 && st.st_gid == 5)),
	      "mode %o uid %d gid %d", st.st_mode, st.st_uid, st.st_gid);
	struct stat fst;
	CHECK(fstat(s, &fst) == 0 && fst.st_ino == st.st_ino && fst.st_rdev == st.st_rdev, "fstat");
	CHECK(isatty(s) && isatty(m), "isatty");
	CHECK(ttyname_r(s, buf, sizeof(buf)) == 0 && strcmp(buf, name) == 0, "ttyname %s", buf);
	CHECK(stat("/dev/ptmx", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 5 &&
	      minor(st.st_rdev) == 2, "/dev/ptmx");
	printf("pair ok\n");

	/* Default termios (tty_std_termios), seen from both ends. */
	CHECK(tcgetattr(s, &tio) == 0, "tcgetattr");
	CHECK(tio.c_iflag == (ICRNL | IXON) && tio.c_oflag == (OPOST | ONLCR), "i %o o %o",
	      tio.c_iflag, tio.c_oflag);
	CHECK(tio.c_lflag == (ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN),
	      "lflag %o", tio.c_lflag);
	CHECK(tio.c_cc[VINTR] == 3 && tio.c_cc[VERASE] == 0177 && tio.c_cc[VKILL] == 025 &&
	      tio.c_cc[VEOF] == 4 && tio.c_cc[VMIN] == 1 && tio.c_cc[VTIME] == 0, "cc");
	CHECK(tio.c_cflag == (B38400 | CS8 | CREAD) && cfgetospeed(&tio) == B38400, "cflag %o",
	      tio.c_cflag);
	struct termios mt;
	CHECK(tcgetattr(m, &mt) == 0 && mt.c_lflag == tio.c_lflag, "master sees the slave's termios");
	printf("termios ok\n");

	/* Master -> slave: ICRNL turns CR into NL, echo comes back with ONLCR. */
	write_all(m, "hello\r");
	expect_read(s, "hello\n", "slave read");
	expect_read(m, "hello\r\n", "echo");
	/* Slave -> master: ONLCR. */
	write_all(s, "out\n");
	expect_read(m, "out\r\n", "master read");
	printf("io ok\n");

	/* Canonical editing: ERASE (DEL), KILL (^U), WERASE (^W), ECHOE/ECHOCTL. */
	write_all(m, "abx\177c\n");
	expect_read(s, "abc\n", "erase");
	expect_read(m, "abx\b \bc\r\n", "echo erase");
	write_all(m, "junk\025ok\n");
	expect_read(s, "ok\n", "kill");
	drain(m, buf, sizeof(buf) - 1);
	write_all(m, "one two\027three\n");
	expect_read(s, "one three\n", "werase");
	drain(m, buf, sizeof(buf) - 1);
	/* A line is readable only once complete; a short read leaves the rest. */
	write_all(m, "partial");
	CHECK(ioctl(s, FIONREAD, &n) == 0 && n == 0, "FIONREAD partial line %d", n);
	struct pollfd p = { .fd = s, .events = POLLIN };
	CHECK(poll(&p, 1, 100) == 0, "no line yet");
	write_all(m, "\n");
	CHECK(poll(&p, 1, 1000) == 1 && (p.revents & POLLIN), "line ready");
	CHECK(read(s, buf, 3) == 3 && memcmp(buf, "par", 3) == 0, "short read");
	expect_read(s, "tial\n", "rest of line");
	drain(m, buf, sizeof(buf) - 1);
	/* EOF at the start of a line reads 0; after text it ends the line unread. */
	write_all(m, "x\004");
	CHECK(read(s, buf, sizeof(buf)) == 1 && buf[0] == 'x', "eof after text");
	write_all(m, "\004");
	CHECK(read(s, buf, sizeof(buf)) == 0, "eof");
	expect_read(m, "x", "eof echoes nothing");
	/* ECHOCTL shows control characters as ^X; LNEXT quotes the next one. */
	write_all(m, "\001\026\025\n");
	expect_read(s, "\001\025\n", "lnext");
	expect_read(m, "^A^\b^U\r\n", "echoctl");
	printf("canonical ok\n");

	/* No echo, no ICRNL, no ONLCR. */
	tio.c_lflag &= ~(ECHO);
	tio.c_iflag &= ~ICRNL;
	tio.c_oflag &= ~ONLCR;
	CHECK(tcsetattr(s, TCSANOW, &tio) == 0, "tcsetattr");
	write_all(m, "a\rb\n");
	expect_read(s, "a\rb\n", "no icrnl");
	CHECK(drain(m, buf, sizeof(buf) - 1) == 0, "no echo: %s", buf);
	write_all(s, "c\n");
	expect_read(m, "c\n", "no onlcr");
	/* ECHONL echoes NL even without ECHO. */
	tio.c_lflag |= ECHONL;
	CHECK(tcsetattr(s, TCSANOW, &tio) == 0, "tcsetattr");
	write_all(m, "q\n");
	expect_read(s, "q\n", "echonl input");
	expect_read(m, "\n", "echonl");
	printf("flags ok\n");

	/* Non-canonical: VMIN=0 VTIME=0 polls; VMIN=0 VTIME=2 times out;
	 * VMIN=3 waits for three bytes. */
	cfmakeraw(&tio);
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	CHECK(tcsetattr(s, TCSANOW, &tio) == 0, "raw");
	CHECK(read(s, buf, sizeof(buf)) == 0, "vmin 0 vtime 0 empty");
	write_all(m, "xy");
	usleep(50000);
	CHECK(read(s, buf, sizeof(buf)) == 2, "vmin 0 vtime 0 data");
	tio.c_cc[VTIME] = 2;
	CHECK(tcsetattr(s, TCSANOW, &tio) == 0, "vtime");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(read(s, buf, sizeof(buf)) == 0, "vtime timeout");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK(ms >= 150 && ms < 2000, "vtime waited %ld ms", ms);
	tio.c_cc[VMIN] = 3;
	tio.c_cc[VTIME] = 0;
	CHECK(tcsetattr(s, TCSANOW, &tio) == 0, "vmin");
	write_all(m, "12");
	CHECK(fcntl(s, F_SETFL, O_NONBLOCK) == 0, "nonblock");
	CHECK(read(s, buf, 1) == 1, "nonblock read takes what is there");
	CHECK(read(s, buf, 8) == 1, "nonblock rest");
	CHECK(read(s, buf, 8) == -1 && errno == EAGAIN, "EAGAIN");
	CHECK(fcntl(s, F_SETFL, 0) == 0, "block");
	write_all(m, "abcd");
	usleep(50000);
	CHECK(ioctl(s, TIOCINQ, &n) == 0 && n == 4, "TIOCINQ %d", n);
	CHECK(read(s, buf, 8) == 4, "vmin read");
	/* Raw mode passes every byte; ^C is data without ISIG. */
	write_all(m, "\003\rz");
	CHECK(read(s, buf, 8) == 3 && memcmp(buf, "\003\rz", 3) == 0, "raw bytes");
	printf("raw ok\n");

	/* TCFLSH drops queued input. */
	write_all(m, "zzz");
	usleep(50000);
	CHECK(tcflush(s, TCIFLUSH) == 0, "tcflush");
	CHECK(ioctl(s, FIONREAD, &n) == 0 && n == 0, "flushed %d", n);
	write_all(s, "out");
	usleep(50000);
	CHECK(ioctl(m, FIONREAD, &n) == 0 && n == 3, "master FIONREAD %d", n);
	/* Output the master has received is its input now: the slave's
	 * TCOFLUSH leaves it, the master's TCIFLUSH drops it. */
	CHECK(tcflush(s, TCOFLUSH) == 0, "tcoflush");
	CHECK(ioctl(m, FIONREAD, &n) == 0 && n == 3, "received output stays %d", n);
	CHECK(tcflush(m, TCIFLUSH) == 0, "master tciflush");
	CHECK(ioctl(m, FIONREAD, &n) == 0 && n == 0, "master flushed %d", n);
	CHECK(tcflush(s, 7) == -1 && errno == EINVAL, "tcflush bad");
	printf("flush ok\n");

	/* Window size, from either end. */
	struct winsize ws = { .ws_row = 33, .ws_col = 101 }, gw;
	CHECK(ioctl(m, TIOCSWINSZ, &ws) == 0, "TIOCSWINSZ");
	CHECK(ioctl(s, TIOCGWINSZ, &gw) == 0 && gw.ws_row == 33 && gw.ws_col == 101, "winsz");
	printf("winsize ok\n");

	/* Without a controlling terminal: job control ioctls on the slave. */
	int sid;
	CHECK(ioctl(s, TIOCGSID, &sid) == -1 && errno == ENOTTY, "TIOCGSID");
	CHECK(ioctl(s, TIOCGPGRP, &sid) == -1 && errno == ENOTTY, "TIOCGPGRP");
	CHECK(ioctl(m, TIOCGPGRP, &sid) == 0 && sid == 0, "master TIOCGPGRP %d", sid);
	CHECK(ioctl(m, TIOCGSID, &sid) == -1 && errno == ENOTTY, "master TIOCGSID");
	CHECK(ioctl(s, TIOCNOTTY) == -1 && errno == ENOTTY, "TIOCNOTTY");
	CHECK(ioctl(s, 0x54ff, 0) == -1 && errno == ENOTTY, "unknown ioctl");
	int fd = open("/dev/null", O_RDONLY);
	CHECK(ioctl(fd, TIOCGWINSZ, &gw) == -1 && errno == ENOTTY, "not a tty");
	close(fd);
	printf("jobctl ok\n");

	/* Exclusive mode refuses further opens of the slave (EBUSY needs no
	 * CAP_SYS_ADMIN; we run as root, so only check it is reversible). */
	CHECK(ioctl(s, TIOCEXCL) == 0 && ioctl(s, TIOCNXCL) == 0, "excl");
	int s2 = open(name, O_RDWR | O_NOCTTY);
	CHECK(s2 >= 0, "reopen");
	close(s2);

	/* TIOCGPTPEER opens the slave from the master. */
	s2 = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	CHECK(s2 >= 0 && fstat(s2, &st) == 0 && fstat(s, &fst) == 0 && fst.st_rdev == st.st_rdev,
	      "TIOCGPTPEER");
	close(s2);
	CHECK(ioctl(s, TIOCGPTPEER, O_RDWR) == -1 && errno == EIO, "PTPEER on slave");

	/* Master close: the slave reads EOF, writes fail with EIO, the node goes. */
	signal(SIGHUP, SIG_IGN);
	close(m);
	CHECK(read(s, buf, 8) == 0, "hangup read");
	CHECK(write(s, "x", 1) == -1 && errno == EIO, "hangup write");
	p.events = POLLIN | POLLOUT;
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLHUP), "hangup poll %x", p.revents);
	CHECK(stat(name, &st) == -1 && errno == ENOENT, "node removed");
	close(s);
	printf("hangup ok\n");

	/* Slave close: the master reads EIO once drained. */
	m = open_pair(&s, name, sizeof(name));
	write_all(s, "bye");
	close(s);
	CHECK(read(m, buf, sizeof(buf)) == 3, "data before EIO");
	CHECK(read(m, buf, sizeof(buf)) == -1 && errno == EIO, "master EIO");
	p.fd = m;
	p.events = POLLIN;
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLHUP), "master POLLHUP %x", p.revents);
	close(m);

	/* A locked slave cannot be opened; TIOCGPTLCK reports the lock. */
	m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m >= 0 && ptsname_r(m, name, sizeof(name)) == 0, "openpt");
	CHECK(ioctl(m, TIOCGPTLCK, &n) == 0 && n == 1, "locked");
	CHECK(open(name, O_RDWR | O_NOCTTY) == -1 && errno == EIO, "open locked");
	n = 0;
	CHECK(ioctl(m, TIOCSPTLCK, &n) == 0, "unlock");
	s = open(name, O_RDWR | O_NOCTTY);
	CHECK(s >= 0, "open unlocked");
	close(s);
	close(m);
	printf("lock ok\n");
	return 0;
}
