/* Smaller system calls: membarrier, process_vm_readv/writev, kcmp,
 * sched_rr_get_interval, ioprio_get/set, get_mempolicy/set_mempolicy/mbind,
 * sendmmsg/recvmmsg, adjtimex/clock_adjtime/settimeofday/clock_settime
 * (which never set anything: only argument errors and EPERM are tested). */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "guest.h"

#define MB_OURS (1 | 2 | 4 | 8 | 16 | 32 | 64 | 512)

static long sys(long nr, long a, long b, long c, long d, long e, long f)
{
	return syscall(nr, a, b, c, d, e, f);
}

static int child_status(pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
	return st;
}

/* Run fn in a child as uid/gid 65534; the child's exit status is fn's. */
static int as_nobody(int (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(100);
		_exit(fn());
	}
	int st = child_status(pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 200;
}

static void membarrier_checks(const char *self)
{
	CHECK((sys(SYS_membarrier, 0, 0, 0, 0, 0, 0) & MB_OURS) == MB_OURS, "QUERY");
	CHECK(sys(SYS_membarrier, 8, 0, 0, 0, 0, 0) == -1 && errno == EPERM, "unregistered");
	CHECK(sys(SYS_membarrier, 32, 0, 0, 0, 0, 0) == -1 && errno == EPERM, "sync core unregistered");
	CHECK(sys(SYS_membarrier, 512, 0, 0, 0, 0, 0) == 0, "no registrations");
	CHECK(sys(SYS_membarrier, 16, 0, 0, 0, 0, 0) == 0, "register private");
	CHECK(sys(SYS_membarrier, 8, 0, 0, 0, 0, 0) == 0, "private expedited");
	CHECK(sys(SYS_membarrier, 512, 0, 0, 0, 0, 0) == 16, "GET_REGISTRATIONS");
	CHECK(sys(SYS_membarrier, 1, 0, 0, 0, 0, 0) == 0, "global");
	CHECK(sys(SYS_membarrier, 2, 0, 0, 0, 0, 0) == 0, "global expedited");
	CHECK(sys(SYS_membarrier, 1, 1, 0, 0, 0, 0) == -1 && errno == EINVAL, "flags");
	CHECK(sys(SYS_membarrier, 3, 0, 0, 0, 0, 0) == -1 && errno == EINVAL, "two commands");
	CHECK(sys(SYS_membarrier, 1 << 12, 0, 0, 0, 0, 0) == -1 && errno == EINVAL, "unknown");
	pid_t pid = fork();
	if (pid == 0) {
		execl(self, self, "membarrier-exec", (char *)NULL);
		_exit(50);
	}
	int st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exec resets registrations %x", st);
	printf("membarrier ok\n");
}

static char shared_buf[8192] __attribute__((aligned(4096)));

static int vm_eperm(void)
{
	char b[4];
	struct iovec l = { b, 4 }, r = { shared_buf, 4 };
	return process_vm_readv(getppid(), &l, 1, &r, 1, 0) == -1 && errno == EPERM ? 0 : 1;
}

static void process_vm(void)
{
	int go[2], done[2];
	char buf[32], c;
	pid_t pid;

	strcpy(shared_buf, "child-data");
	CHECK(pipe(go) == 0 && pipe(done) == 0, "pipes");
	pid = fork();
	if (pid == 0) {
		strcpy(shared_buf, "in-the-child");
		if (write(done[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(10);
		_exit(strcmp(shared_buf, "written") == 0 && strcmp(shared_buf + 4096, "page2") == 0 ? 0 : 11);
	}
	CHECK(read(done[0], &c, 1) == 1, "child ready");

	struct iovec l = { buf, sizeof(buf) }, r = { shared_buf, 13 };
	memset(buf, 0, sizeof(buf));
	CHECK(process_vm_readv(pid, &l, 1, &r, 1, 0) == 13 && strcmp(buf, "in-the-child") == 0, "readv");
	CHECK(process_vm_readv(pid, &l, 1, &r, 1, 1) == -1 && errno == EINVAL, "flags");
	CHECK(process_vm_readv(4000000, &l, 1, &r, 1, 0) == -1 && errno == ESRCH, "no such pid");
	CHECK(process_vm_readv(pid, &l, 1025, &r, 1, 0) == -1 && errno == EINVAL, "too many iovecs");
	CHECK(process_vm_readv(pid, (void *)8, 1, &r, 1, 0) == -1 && errno == EFAULT, "local iov efault");
	struct iovec empty = { buf, 0 };
	CHECK(process_vm_readv(pid, &empty, 1, &r, 1, 0) == 0, "nothing to read");
	/* a bad remote element ends the transfer after the good ones */
	struct iovec r2[2] = { { shared_buf, 4 }, { (void *)8, 4 } };
	CHECK(process_vm_readv(pid, &l, 1, r2, 2, 0) == 4, "partial");
	CHECK(process_vm_readv(pid, &l, 1, r2 + 1, 1, 0) == -1 && errno == EFAULT, "remote efault");
	struct iovec lbad = { (void *)8, 4 };
	CHECK(process_vm_readv(pid, &lbad, 1, &r, 1, 0) == -1 && errno == EFAULT, "local efault");
	/* across local and remote pieces and a page boundary */
	struct iovec lw[2] = { { "writ", 4 }, { "ten", 4 } };
	struct iovec rw[2] = { { shared_buf, 8 }, { shared_buf + 4096, 6 } };
	struct iovec lw2 = { "page2", 6 };
	CHECK(process_vm_writev(pid, lw, 2, rw, 1, 0) == 8, "writev");
	CHECK(process_vm_writev(pid, &lw2, 1, rw + 1, 1, 0) == 6, "writev page 2");
	CHECK(as_nobody(vm_eperm) == 0, "EPERM for another user");
	CHECK(write(go[1], "g", 1) == 1, "go");
	int st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child saw the writes %x", st);
	printf("process_vm ok\n");
}

static void *idle_thread(void *arg)
{
	*(pid_t *)arg = (pid_t)syscall(SYS_gettid);
	pause();
	return NULL;
}

static void kcmp_checks(void)
{
	pid_t me = getpid(), tid = 0;
	pthread_t th;
	int fd2 = dup(1), p[2];

	CHECK(pthread_create(&th, NULL, idle_thread, &tid) == 0, "thread");
	while (!__atomic_load_n(&tid, __ATOMIC_SEQ_CST))
		usleep(1000);
	CHECK(sys(SYS_kcmp, me, me, 1, 0, 0, 0) == 0, "VM self");
	CHECK(sys(SYS_kcmp, me, tid, 1, 0, 0, 0) == 0, "VM thread");
	CHECK(sys(SYS_kcmp, me, tid, 2, 0, 0, 0) == 0, "FILES thread");
	CHECK(sys(SYS_kcmp, me, tid, 3, 0, 0, 0) == 0, "FS thread");
	CHECK(sys(SYS_kcmp, me, tid, 4, 0, 0, 0) == 0, "SIGHAND thread");
	CHECK(sys(SYS_kcmp, me, me, 0, 1, fd2, 0) == 0, "FILE dup");
	CHECK(pipe(p) == 0, "pipe");
	long r = sys(SYS_kcmp, me, me, 0, p[0], p[1], 0);
	CHECK(r == 1 || r == 2, "FILE different: %ld", r);
	CHECK(sys(SYS_kcmp, me, me, 0, p[0], p[1], 0) + sys(SYS_kcmp, me, me, 0, p[1], p[0], 0) == 3,
	      "ordering is antisymmetric");
	CHECK(sys(SYS_kcmp, me, me, 0, 999, 1, 0) == -1 && errno == EBADF, "FILE bad fd");
	CHECK(sys(SYS_kcmp, me, me, 99, 0, 0, 0) == -1 && errno == EINVAL, "bad type");
	CHECK(sys(SYS_kcmp, me, 4000000, 1, 0, 0, 0) == -1 && errno == ESRCH, "no such pid");
	pid_t pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	r = sys(SYS_kcmp, me, pid, 1, 0, 0, 0);
	CHECK(r == 1 || r == 2, "VM fork child: %ld", r);
	r = sys(SYS_kcmp, me, pid, 2, 0, 0, 0);
	CHECK(r == 1 || r == 2, "FILES fork child: %ld", r);
	CHECK(sys(SYS_kcmp, me, pid, 0, 1, 1, 0) == 0, "FILE inherited");
	kill(pid, SIGKILL);
	child_status(pid);
	close(fd2);
	close(p[0]);
	close(p[1]);
	printf("kcmp ok\n");
}

static int rt_ioprio(void)
{
	return sys(SYS_ioprio_set, 1, 0, 1 << 13, 0, 0, 0) == -1 && errno == EPERM ? 0 : 1;
}

static void sched_ioprio(void)
{
	struct timespec ts = { 5, 5 };

	CHECK(sched_rr_get_interval(0, &ts) == 0 && ts.tv_sec == 0, "rr interval");
	CHECK(sched_rr_get_interval(-1, &ts) == -1 && errno == EINVAL, "rr -1");
	CHECK(sched_rr_get_interval(4000000, &ts) == -1 && errno == ESRCH, "rr ESRCH");
	CHECK(sched_rr_get_interval(0, (void *)8) == -1 && errno == EFAULT, "rr EFAULT");

	int be7 = (2 << 13) | 7;
	CHECK(sys(SYS_ioprio_set, 1, 0, be7, 0, 0, 0) == 0, "set BE 7");
	CHECK(sys(SYS_ioprio_get, 1, 0, 0, 0, 0, 0) == be7, "get");
	CHECK(sys(SYS_ioprio_get, 1, getpid(), 0, 0, 0, 0) == be7, "get by pid");
	CHECK(sys(SYS_ioprio_set, 1, 0, (2 << 13) | (1 << 3), 0, 0, 0) == 0, "a hint is valid");
	CHECK(sys(SYS_ioprio_set, 1, 0, 1, 0, 0, 0) == -1 && errno == EINVAL, "NONE with a level");
	CHECK(sys(SYS_ioprio_set, 1, 0, 4 << 13, 0, 0, 0) == -1 && errno == EINVAL, "class 4");
	CHECK(sys(SYS_ioprio_set, 4, 0, be7, 0, 0, 0) == -1 && errno == EINVAL, "which 4");
	CHECK(sys(SYS_ioprio_get, 4, 0, 0, 0, 0, 0) == -1 && errno == EINVAL, "get which 4");
	CHECK(sys(SYS_ioprio_get, 1, 4000000, 0, 0, 0, 0) == -1 && errno == ESRCH, "get ESRCH");
	CHECK(sys(SYS_ioprio_set, 1, 0, be7, 0, 0, 0) == 0, "set again");
	pid_t pid = fork();
	if (pid == 0) {
		int idle = 3 << 13;
		if (sys(SYS_ioprio_get, 1, 0, 0, 0, 0, 0) != be7)
			_exit(20);   /* inherited */
		if (setpgid(0, 0))
			_exit(21);
		if (sys(SYS_ioprio_set, 2, 0, idle, 0, 0, 0) || sys(SYS_ioprio_get, 2, 0, 0, 0, 0, 0) != idle)
			_exit(22);
		_exit(0);
	}
	int st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child ioprio %x", st);
	CHECK(sys(SYS_ioprio_get, 1, 0, 0, 0, 0, 0) == be7, "the child's change is its own");
	CHECK(as_nobody(rt_ioprio) == 0, "RT needs CAP_SYS_NICE");
	CHECK(sys(SYS_ioprio_set, 1, 0, 0, 0, 0, 0) == 0, "back to NONE");
	printf("sched/ioprio ok\n");
}

static int move_all(void)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return sys(SYS_mbind, (long)p, 4096, 0, 0, 0, 4) == -1 && errno == EPERM ? 0 : 1;
}

static void mempolicy(void)
{
	unsigned long mask[2] = { 0 }, mode = 99;
	char *p = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED, "mmap");
	CHECK(sys(SYS_get_mempolicy, (long)&mode, (long)mask, 64, 0, 0, 0) == 0 && mode == 0 && mask[0] == 0,
	      "default");
	CHECK(sys(SYS_get_mempolicy, (long)&mode, (long)mask, 0, 0, 0, 0) == -1 && errno == EINVAL,
	      "maxnode 0 with a mask");
	CHECK(sys(SYS_get_mempolicy, (long)&mode, (long)mask, 64, 0, 4, 0) == 0 && mode == 0 && mask[0] == 1,
	      "MEMS_ALLOWED");
	CHECK(sys(SYS_get_mempolicy, (long)&mode, 0, 0, 0, 5, 0) == -1 && errno == EINVAL, "MEMS_ALLOWED|NODE");
	CHECK(sys(SYS_get_mempolicy, (long)&mode, 0, 0, 0, 1, 0) == -1 && errno == EINVAL, "NODE, no interleave");
	CHECK(sys(SYS_get_mempolicy, (long)&mode, 0, 0, (long)p, 0, 0) == -1 && errno == EINVAL, "addr without ADDR");
	CHECK(sys(SYS_get_mempolicy, (long)&mode, 0, 0, (long)p, 3, 0) == 0 && mode == 0, "node of a page");
	CHECK(sys(SYS_get_mempolicy, (long)&mode, 0, 0, 8, 2, 0) == -1 && errno == EFAULT, "ADDR unmapped");
	CHECK(sys(SYS_get_mempolicy, (long)&mode, 0, 0, 0, 8, 0) == -1 && errno == EINVAL, "bad flags");

	mask[0] = 1;
	CHECK(sys(SYS_set_mempolicy, 2, (long)mask, 64, 0, 0, 0) == 0, "BIND node 0");
	CHECK(sys(SYS_get_mempolicy, (long)&mode, (long)mask, 64, 0, 0, 0) == 0 && mode == 2 && mask[0] == 1,
	      "BIND reported");
	mask[0] = 2;
	CHECK(sys(SYS_set_mempolicy, 2, (long)mask, 64, 0, 0, 0) == -1 && errno == EINVAL, "node 1 offline");
	mask[0] = 0;
	CHECK(sys(SYS_set_mempolicy, 2, (long)mask, 64, 0, 0, 0) == -1 && errno == EINVAL, "BIND no nodes");
	CHECK(sys(SYS_set_mempolicy, 1, 0, 0, 0, 0, 0) == 0, "PREFERRED without nodes");
	CHECK(sys(SYS_get_mempolicy, (long)&mode, (long)mask, 64, 0, 0, 0) == 0 && mode == 4 && mask[0] == 0,
	      "is LOCAL");
	mask[0] = 1;
	CHECK(sys(SYS_set_mempolicy, 0, (long)mask, 64, 0, 0, 0) == -1 && errno == EINVAL, "DEFAULT with nodes");
	CHECK(sys(SYS_set_mempolicy, 7, 0, 0, 0, 0, 0) == -1 && errno == EINVAL, "mode 7");
	CHECK(sys(SYS_set_mempolicy, 3 | (1 << 15), (long)mask, 64, 0, 0, 0) == 0, "INTERLEAVE static");
	CHECK(sys(SYS_get_mempolicy, (long)&mode, (long)mask, 64, 0, 0, 0) == 0 && mode == (3 | (1 << 15)) &&
	      mask[0] == 1, "static reported");
	CHECK(sys(SYS_get_mempolicy, (long)&mode, 0, 0, 0, 1, 0) == 0 && mode == 0, "next interleave node");
	CHECK(sys(SYS_set_mempolicy, 3 | (3 << 14), (long)mask, 64, 0, 0, 0) == -1 && errno == EINVAL,
	      "static|relative");
	CHECK(sys(SYS_set_mempolicy, 3 | (1 << 13), (long)mask, 64, 0, 0, 0) == -1 && errno == EINVAL,
	      "balancing needs BIND");
	CHECK(sys(SYS_set_mempolicy, 2, (long)mask, 65536, 0, 0, 0) == -1 && errno == EINVAL, "maxnode too big");
	CHECK(sys(SYS_set_mempolicy, 2, 8, 64, 0, 0, 0) == -1 && errno == EFAULT, "mask efault");
	CHECK(sys(SYS_set_mempolicy, 0, 0, 0, 0, 0, 0) == 0, "back to default");

	CHECK(sys(SYS_mbind, (long)p, 3 * 4096, 2, (long)mask, 64, 0) == 0, "mbind");
	CHECK(sys(SYS_mbind, (long)p + 1, 4096, 2, (long)mask, 64, 0) == -1 && errno == EINVAL, "unaligned");
	CHECK(sys(SYS_mbind, (long)p, 0, 2, (long)mask, 64, 0) == 0, "empty range");
	CHECK(sys(SYS_mbind, (long)p, 4096, 2, (long)mask, 64, 8) == -1 && errno == EINVAL, "mbind flags");
	CHECK(munmap(p + 4096, 4096) == 0, "hole");
	CHECK(sys(SYS_mbind, (long)p, 3 * 4096, 2, (long)mask, 64, 0) == -1 && errno == EFAULT, "range with a hole");
	CHECK(as_nobody(move_all) == 0, "MOVE_ALL needs CAP_SYS_NICE");
	printf("mempolicy ok\n");
}

static void mmsg(void)
{
	int sv[2];
	char bufs[3][16];
	struct iovec siov[3] = { { "one", 3 }, { "three", 5 }, { "seven!!", 7 } }, riov[3];
	struct mmsghdr sm[3], rm[5];
	struct timespec ts = { 0, 1000000000 };

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair");
	memset(sm, 0, sizeof(sm));
	for (int i = 0; i < 3; i++) {
		sm[i].msg_hdr.msg_iov = &siov[i];
		sm[i].msg_hdr.msg_iovlen = 1;
	}
	CHECK(sendmmsg(sv[0], sm, 0, 0) == 0, "vlen 0");
	CHECK(sendmmsg(sv[0], sm, 3, 0) == 3 && sm[0].msg_len == 3 && sm[1].msg_len == 5 && sm[2].msg_len == 7,
	      "sendmmsg");
	memset(rm, 0, sizeof(rm));
	for (int i = 0; i < 3; i++) {
		riov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
		rm[i].msg_hdr.msg_iov = &riov[i];
		rm[i].msg_hdr.msg_iovlen = 1;
	}
	CHECK(recvmmsg(sv[1], rm, 3, 0, &ts) == -1 && errno == EINVAL, "bad timeout");
	CHECK(recvmmsg(sv[1], rm, 1, 0, NULL) == 1 && rm[0].msg_len == 3 && memcmp(bufs[0], "one", 3) == 0,
	      "recvmmsg 1");
	CHECK(recvmmsg(sv[1], rm, 3, MSG_DONTWAIT, NULL) == 2 && rm[0].msg_len == 5 && rm[1].msg_len == 7 &&
	      memcmp(bufs[1], "seven!!", 7) == 0, "recvmmsg stops when empty");
	CHECK(recvmmsg(sv[1], rm, 3, MSG_DONTWAIT, NULL) == -1 && errno == EAGAIN, "EAGAIN when none");
	CHECK(sendmmsg(sv[0], sm, 2, 0) == 2, "send 2");
	CHECK(recvmmsg(sv[1], rm, 3, MSG_WAITFORONE, NULL) == 2, "MSG_WAITFORONE");
	CHECK(sendmmsg(0 + 1000, sm, 1, 0) == -1 && errno == EBADF, "bad fd");
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	CHECK(sendmmsg(p[1], sm, 1, 0) == -1 && errno == ENOTSOCK, "not a socket");
	CHECK(recvmmsg(p[0], rm, 1, 0, NULL) == -1 && errno == ENOTSOCK, "recv not a socket");
	sm[1].msg_hdr.msg_iov = (void *)8;
	CHECK(sendmmsg(sv[0], sm, 3, 0) == 1, "stops at the first error");
	CHECK(sendmmsg(sv[0], sm + 1, 1, 0) == -1 && errno == EFAULT, "error when nothing was sent");
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	printf("mmsg ok\n");
}

static int clock_eperm(void)
{
	struct timex tx = { .modes = ADJ_FREQUENCY };
	struct timeval tv = { 1000, 0 };
	struct timespec ts = { 1000, 0 };
	if (adjtimex(&tx) != -1 || errno != EPERM)
		return 1;
	tx.modes = 0x8001;   /* adjtime offset */
	if (adjtimex(&tx) != -1 || errno != EPERM)
		return 2;
	if (settimeofday(&tv, NULL) != -1 || errno != EPERM)
		return 3;
	if (clock_settime(CLOCK_REALTIME, &ts) != -1 || errno != EPERM)
		return 4;
	if (syscall(SYS_settimeofday, NULL, NULL) != -1 || errno != EPERM)
		return 5;
	return 0;
}

static void clocks(void)
{
	struct timex tx = { 0 };
	struct timeval now, bad = { 0, 1000000 };
	struct timespec ts = { 0, 0 };
	int r;

	r = adjtimex(&tx);
	gettimeofday(&now, NULL);
	CHECK(r >= 0 && r <= 5 && tx.tick == 10000 && tx.tolerance == 32768000 &&
	      tx.time.tv_sec >= now.tv_sec - 2 && tx.time.tv_sec <= now.tv_sec, "adjtimex read: %d", r);
	tx.modes = 0xa001;   /* ADJ_OFFSET_SS_READ */
	CHECK(adjtimex(&tx) >= 0 && tx.offset == 0, "ADJ_OFFSET_SS_READ");
	tx.modes = 0x8000;
	CHECK(adjtimex(&tx) == -1 && errno == EINVAL, "ADJ_ADJTIME without singleshot");
	CHECK(adjtimex((void *)8) == -1 && errno == EFAULT, "adjtimex efault");
	tx.modes = 0;
	CHECK(clock_adjtime(CLOCK_REALTIME, &tx) >= 0, "clock_adjtime REALTIME");
	CHECK(clock_adjtime(CLOCK_MONOTONIC, &tx) == -1 && errno == EOPNOTSUPP, "MONOTONIC");
	CHECK(clock_adjtime(999, &tx) == -1 && errno == EINVAL, "bad clock");
	CHECK(settimeofday(&bad, NULL) == -1 && errno == EINVAL, "usec 1e6");
	CHECK(syscall(SYS_settimeofday, (void *)8, NULL) == -1 && errno == EFAULT, "settimeofday efault");
	CHECK(clock_settime(CLOCK_MONOTONIC, &ts) == -1 && errno == EINVAL, "set MONOTONIC");
	CHECK(clock_settime(999, &ts) == -1 && errno == EINVAL, "set bad clock");
	ts.tv_nsec = 1000000000;
	CHECK(clock_settime(CLOCK_REALTIME, &ts) == -1 && errno == EINVAL, "nsec 1e9");
	CHECK(syscall(SYS_clock_settime, CLOCK_REALTIME, (void *)8) == -1 && errno == EFAULT, "set efault");
	CHECK(as_nobody(clock_eperm) == 0, "setting needs CAP_SYS_TIME");
	printf("clocks ok\n");
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "membarrier-exec") == 0)
		return sys(SYS_membarrier, 512, 0, 0, 0, 0, 0) == 0 ? 0 : 1;
	setvbuf(stdout, NULL, _IONBF, 0);
	membarrier_checks(argv[0]);
	process_vm();
	kcmp_checks();
	sched_ioprio();
	mempolicy();
	mmsg();
	clocks();
	return 0;
}
