/* fcntl record locks between two processes: F_GETLK reports the holder,
 * F_SETLK conflicts give EAGAIN, F_SETLKW blocks until the holder closes
 * any fd of the file, ranges split and merge, deadlock gives EDEADLK, and
 * OFD locks belong to the open file description. */
#include <fcntl.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)

static void on_alarm(int sig) { (void)sig; }

static int lk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	return fcntl(fd, cmd, &fl);
}

static struct flock getlk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	CHECK(fcntl(fd, cmd, &fl) == 0, "getlk");
	return fl;
}

static void wait_ok(pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
}

int main(void)
{
	char dir[] = "/tmp/locksXXXXXX", path[64];
	CHECK(mkdtemp(dir), "mkdtemp");
	snprintf(path, sizeof(path), "%s/f", dir);
	int fd = open(path, O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0, "open");
	int sync_p[2], go_p[2];
	CHECK(pipe(sync_p) == 0 && pipe(go_p) == 0, "pipes");
	char c;

	/* argument checks */
	FAILS(lk(fd, F_SETLK, 42, 0, 1), EINVAL);
	FAILS(lk(fd, F_SETLK, F_RDLCK, -5, 1), EINVAL);
	struct flock bad = { .l_type = F_UNLCK };
	FAILS(fcntl(fd, F_GETLK, &bad), EINVAL);
	int ro = open(path, O_RDONLY);
	FAILS(lk(ro, F_SETLK, F_WRLCK, 0, 1), EBADF);
	CHECK(lk(ro, F_SETLK, F_RDLCK, 0, 1) == 0, "read lock on O_RDONLY");
	CHECK(lk(ro, F_SETLK, F_UNLCK, 0, 0) == 0, "unlock all");

	/* parent: write lock [0,100), read lock [200, EOF) */
	CHECK(lk(fd, F_SETLK, F_WRLCK, 0, 100) == 0, "wrlck");
	CHECK(lk(fd, F_SETLK, F_RDLCK, 200, 0) == 0, "rdlck");
	/* own locks never conflict */
	CHECK(getlk(fd, F_GETLK, F_WRLCK, 0, 0).l_type == F_UNLCK, "own");

	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		struct flock g = getlk(fd, F_GETLK, F_WRLCK, 50, 10);
		CHECK(g.l_type == F_WRLCK && g.l_start == 0 && g.l_len == 100 && g.l_pid == getppid(),
		      "getlk %d %ld %ld %d", g.l_type, (long)g.l_start, (long)g.l_len, g.l_pid);
		g = getlk(fd, F_GETLK, F_WRLCK, 300, 1);
		CHECK(g.l_type == F_RDLCK && g.l_start == 200 && g.l_len == 0, "getlk eof lock");
		CHECK(getlk(fd, F_GETLK, F_RDLCK, 300, 1).l_type == F_UNLCK, "readers share");
		CHECK(getlk(fd, F_GETLK, F_WRLCK, 100, 100).l_type == F_UNLCK, "gap free");
		FAILS(lk(fd, F_SETLK, F_WRLCK, 99, 1), EAGAIN);
		CHECK(lk(fd, F_SETLK, F_RDLCK, 250, 10) == 0, "shared read");
		CHECK(lk(fd, F_SETLK, F_WRLCK, 150, 10) == 0, "child wrlck 150");
		CHECK(write(sync_p[1], "r", 1) == 1, "ready");
		/* blocks until the parent closes an fd of the file */
		CHECK(lk(fd, F_SETLKW, F_WRLCK, 10, 10) == 0, "setlkw");
		CHECK(write(sync_p[1], "g", 1) == 1, "got it");
		CHECK(read(go_p[0], &c, 1) == 1, "go");
		_exit(0);
	}
	CHECK(read(sync_p[0], &c, 1) == 1 && c == 'r', "child ready");
	/* child holds [150,160): our wait on it would deadlock with the child's wait on us */
	usleep(100000);
	FAILS(lk(fd, F_SETLKW, F_WRLCK, 150, 1), EDEADLK);
	FAILS(lk(fd, F_SETLK, F_WRLCK, 150, 1), EAGAIN);
	/* split our write lock: unlock the middle, still held at both ends */
	CHECK(lk(fd, F_SETLK, F_UNLCK, 40, 20) == 0, "split");
	int other = open(path, O_RDWR);
	CHECK(other >= 0, "second fd");
	close(other);                    /* releases all our POSIX locks on the file */
	CHECK(read(sync_p[0], &c, 1) == 1 && c == 'g', "child got lock after close");
	struct flock g = getlk(fd, F_GETLK, F_RDLCK, 0, 0);
	CHECK(g.l_type == F_WRLCK && g.l_start == 10 && g.l_len == 10 && g.l_pid == pid, "child's lock");
	CHECK(write(go_p[1], "x", 1) == 1, "go");
	wait_ok(pid);
	CHECK(getlk(fd, F_GETLK, F_WRLCK, 0, 0).l_type == F_UNLCK, "released at exit");

	/* merging: two adjacent read locks are one */
	CHECK(lk(fd, F_SETLK, F_RDLCK, 0, 10) == 0 && lk(fd, F_SETLK, F_RDLCK, 10, 10) == 0, "adjacent");
	pid = fork();
	if (pid == 0) {
		g = getlk(fd, F_GETLK, F_WRLCK, 0, 0);
		CHECK(g.l_start == 0 && g.l_len == 20, "merged %ld %ld", (long)g.l_start, (long)g.l_len);
		_exit(0);
	}
	wait_ok(pid);
	CHECK(lk(fd, F_SETLK, F_UNLCK, 0, 0) == 0, "unlock");

	/* OFD locks: per open file description, conflict across descriptions */
	int a = open(path, O_RDWR), b = open(path, O_RDWR);
	struct flock o = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 10 };
	CHECK(fcntl(a, F_OFD_SETLK, &o) == 0, "ofd a");
	FAILS(fcntl(b, F_OFD_SETLK, &o), EAGAIN);
	o.l_pid = 1;
	FAILS(fcntl(b, F_OFD_SETLK, &o), EINVAL);
	o.l_pid = 0;
	struct flock q = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
	CHECK(fcntl(b, F_OFD_GETLK, &q) == 0 && q.l_type == F_WRLCK && q.l_pid == -1, "ofd getlk pid %d", q.l_pid);
	/* a POSIX lock of ours conflicts with the OFD lock too */
	FAILS(lk(fd, F_SETLK, F_WRLCK, 0, 1), EAGAIN);
	int a2 = dup(a);
	close(a);                         /* the description lives on in a2 */
	FAILS(fcntl(b, F_OFD_SETLK, &o), EAGAIN);
	pid = fork();
	if (pid == 0) {
		/* blocks until the last reference goes (ours came with fork) */
		close(a2);
		CHECK(write(sync_p[1], "w", 1) == 1, "waiting");
		CHECK(fcntl(b, F_OFD_SETLKW, &o) == 0, "ofd setlkw");
		_exit(0);
	}
	CHECK(read(sync_p[0], &c, 1) == 1, "child waiting");
	usleep(100000);
	close(a2);
	wait_ok(pid);
	close(b);

	/* F_SETLKW is interrupted by a signal */
	CHECK(lk(fd, F_SETLK, F_WRLCK, 0, 0) == 0, "lock all");
	pid = fork();
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_alarm };   /* no SA_RESTART */
		sigaction(SIGALRM, &sa, NULL);
		struct itimerval it = { .it_value = { .tv_usec = 100000 } };
		setitimer(ITIMER_REAL, &it, NULL);
		FAILS(lk(fd, F_SETLKW, F_RDLCK, 0, 1), EINTR);
		_exit(0);
	}
	wait_ok(pid);

	close(ro);
	close(fd);
	unlink(path);
	rmdir(dir);
	printf("locks ok\n");
	return 0;
}
