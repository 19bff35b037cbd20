/* SysV message queues: msgget, msgsnd/msgrcv with types (0, > 0, < 0,
 * MSG_EXCEPT), MSG_NOERROR, E2BIG, MSG_COPY rules, IPC_NOWAIT (ENOMSG,
 * EAGAIN on a full queue), blocking receive and send, EINTR with a handler,
 * EIDRM, msgctl (IPC_STAT/IPC_SET with msg_qbytes, IPC_INFO, MSG_INFO,
 * MSG_STAT), limits and permissions. Queues are IPC_PRIVATE, removed at exit. */
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

struct msg {
	long type;
	char text[64];
};

static int ids[8], nids;

static void cleanup(void)
{
	for (int i = 0; i < nids; i++)
		msgctl(ids[i], IPC_RMID, NULL);
}

static int newq(void)
{
	int id = msgget(IPC_PRIVATE, 0600);
	CHECK(id >= 0, "msgget");
	ids[nids++] = id;
	return id;
}

static int snd(int id, long type, const char *text, int flg)
{
	struct msg m = { .type = type };
	strcpy(m.text, text);
	return msgsnd(id, &m, strlen(text), flg);
}

static long rcv(int id, long type, struct msg *m, size_t size, int flg)
{
	memset(m, 0, sizeof(*m));
	return msgrcv(id, m, size, type, flg);
}

static int read_int(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = 0;
	CHECK(f && fscanf(f, "%d", &v) == 1, "read %s", path);
	fclose(f);
	return v;
}

static int child_status(pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
	return st;
}

static void wait_qnum(int id, unsigned long want)
{
	struct msqid_ds ds;
	for (int i = 0; i < 2000; i++) {
		CHECK(msgctl(id, IPC_STAT, &ds) == 0, "stat");
		if (ds.msg_qnum == want)
			return;
		usleep(1000);
	}
	CHECK(0, "qnum never %lu", want);
}

static void on_alrm(int sig) { (void)sig; }

/* Until pid sleeps (state S in /proc/PID/stat). */
static void wait_sleeping(pid_t pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (int i = 0; i < 2000; i++) {
		FILE *f = fopen(path, "r");
		CHECK(f, "open %s", path);
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = 0;
		char *p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'S')
			return;
		usleep(1000);
	}
	CHECK(0, "child never slept");
}

static void types(void)
{
	int id = newq(), msgmax = read_int("/proc/sys/kernel/msgmax");
	struct msqid_ds ds;
	struct msg m;

	CHECK(snd(id, 0, "x", 0) == -1 && errno == EINVAL, "type 0");
	CHECK(msgsnd(id, &m, (size_t)msgmax + 1, 0) == -1 && errno == EINVAL, "size > msgmax");
	CHECK(msgsnd(id, (void *)8, 1, 0) == -1 && errno == EFAULT, "efault");
	CHECK(msgsnd(-1, &m, 1, 0) == -1 && errno == EINVAL, "negative id");
	CHECK(snd(id, 3, "three", 0) == 0 && snd(id, 1, "one", 0) == 0 && snd(id, 2, "two", 0) == 0 &&
	      snd(id, 2, "two-b", 0) == 0 && snd(id, 5, "five", 0) == 0, "send");
	CHECK(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qnum == 5 && ds.msg_cbytes == 20 &&
	      ds.msg_qbytes == (unsigned long)read_int("/proc/sys/kernel/msgmnb") &&
	      ds.msg_lspid == getpid() && ds.msg_stime > 0 && ds.msg_rtime == 0, "IPC_STAT");

	CHECK(rcv(id, 1, &m, 64, MSG_COPY | IPC_NOWAIT) == 3 && m.type == 1, "MSG_COPY by position");
	CHECK(rcv(id, 5, &m, 64, MSG_COPY | IPC_NOWAIT) == -1 && errno == ENOMSG, "MSG_COPY past the end");
	CHECK(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qnum == 5, "MSG_COPY leaves the message");
	CHECK(rcv(id, 2, &m, 64, 0) == 3 && m.type == 2 && strcmp(m.text, "two") == 0, "type 2");
	CHECK(rcv(id, 1, &m, 2, 0) == -1 && errno == E2BIG, "E2BIG");
	CHECK(rcv(id, 1, &m, 2, MSG_NOERROR) == 2 && m.type == 1 && strcmp(m.text, "on") == 0, "NOERROR");
	CHECK(rcv(id, -4, &m, 64, 0) == 5 && m.type == 2 && strcmp(m.text, "two-b") == 0, "lowest <= 4");
	CHECK(rcv(id, 3, &m, 64, MSG_EXCEPT) == 4 && m.type == 5, "MSG_EXCEPT");
	CHECK(rcv(id, 4, &m, 64, IPC_NOWAIT) == -1 && errno == ENOMSG, "ENOMSG");
	CHECK(rcv(id, 0, &m, 64, MSG_COPY) == -1 && errno == EINVAL, "MSG_COPY without IPC_NOWAIT");
	CHECK(rcv(id, 0, &m, 64, MSG_COPY | IPC_NOWAIT | MSG_EXCEPT) == -1 && errno == EINVAL,
	      "MSG_COPY with MSG_EXCEPT");
	CHECK(rcv(id, 0, &m, 64, 0) == 5 && m.type == 3, "any");
	CHECK(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qnum == 0 && ds.msg_cbytes == 0 &&
	      ds.msg_lrpid == getpid() && ds.msg_rtime > 0, "empty");
	CHECK(msgrcv(id, &m, (size_t)-1, 0, IPC_NOWAIT) == -1 && errno == EINVAL, "negative size");
	CHECK(msgrcv(-1, &m, 8, 0, IPC_NOWAIT) == -1 && errno == EINVAL, "negative id");
	CHECK(snd(id, 7, "", 0) == 0 && rcv(id, 7, &m, 0, 0) == 0 && m.type == 7, "empty message");
	printf("types ok\n");
}

static void ctl(void)
{
	int id = newq();
	struct msqid_ds ds;
	struct msginfo info;
	int max;

	CHECK(msgctl(id, 999, &ds) == -1 && errno == EINVAL, "bad cmd");
	CHECK(msgctl(id, IPC_STAT, (void *)8) == -1 && errno == EFAULT, "stat efault");
	CHECK(msgctl(id, IPC_STAT, &ds) == 0, "stat");
	ds.msg_qbytes = 10;
	ds.msg_perm.mode = 0644;
	CHECK(msgctl(id, IPC_SET, &ds) == 0, "IPC_SET");
	CHECK(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qbytes == 10 && (ds.msg_perm.mode & 0777) == 0644,
	      "set");
	CHECK(snd(id, 1, "12345678", 0) == 0, "fits");
	CHECK(snd(id, 1, "123", IPC_NOWAIT) == -1 && errno == EAGAIN, "full");
	max = msgctl(0, IPC_INFO, (struct msqid_ds *)&info);
	CHECK(max >= id % 32768 && info.msgmax == read_int("/proc/sys/kernel/msgmax") &&
	      info.msgmnb == read_int("/proc/sys/kernel/msgmnb") &&
	      info.msgmni == read_int("/proc/sys/kernel/msgmni") && info.msgssz == 16, "IPC_INFO");
	CHECK(msgctl(0, MSG_INFO, (struct msqid_ds *)&info) == max && info.msgpool >= 1 &&
	      info.msgmap >= 1 && info.msgtql >= 8, "MSG_INFO");
	CHECK(msgctl(id % 32768, MSG_STAT, &ds) == id && ds.msg_qnum == 1, "MSG_STAT");

	/* a blocked sender goes on once there is room */
	pid_t pid = fork();
	if (pid == 0)
		_exit(snd(id, 2, "abcdef", 0) == 0 ? 0 : 10);
	usleep(50000);
	struct msg m;
	CHECK(rcv(id, 1, &m, 64, 0) == 8, "make room");
	int st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "sender %x", st);
	CHECK(rcv(id, 2, &m, 64, IPC_NOWAIT) == 6 && strcmp(m.text, "abcdef") == 0, "sent after wait");

	/* unprivileged */
	pid = fork();
	if (pid == 0) {
		struct msqid_ds cds;
		if (setgid(65534) || setuid(65534))
			_exit(2);
		if (snd(id, 1, "x", IPC_NOWAIT) != -1 || errno != EACCES)
			_exit(3);
		if (msgctl(id, IPC_STAT, &cds) != 0)   /* other: r-- */
			_exit(4);
		if (msgctl(id, IPC_RMID, NULL) != -1 || errno != EPERM)
			_exit(5);
		_exit(0);
	}
	st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "unprivileged %x", st);
	printf("msgctl ok\n");
}

static void blocking(void)
{
	int id = newq();
	struct msg m;
	pid_t pid;
	int st;

	pid = fork();
	if (pid == 0) {
		if (rcv(id, 5, &m, 64, 0) != 4 || strcmp(m.text, "wake"))
			_exit(10);
		_exit(0);
	}
	usleep(50000);
	CHECK(snd(id, 4, "not", 0) == 0 && snd(id, 5, "wake", 0) == 0, "send");
	st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "receiver %x", st);
	wait_qnum(id, 1);

	pid = fork();
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_alrm, .sa_flags = SA_RESTART };
		struct itimerval it = { .it_value = { 0, 50000 } };
		sigaction(SIGALRM, &sa, NULL);
		setitimer(ITIMER_REAL, &it, NULL);
		_exit(rcv(id, 9, &m, 64, 0) == -1 && errno == EINTR ? 0 : 11);
	}
	st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "EINTR %x", st);

	/* No count of waiting receivers exists: the child says it is about to
	 * wait, then the parent waits until it sleeps (natively) plus a margin. */
	int pfd[2];
	char c;
	CHECK(pipe(pfd) == 0, "pipe");
	pid = fork();
	if (pid == 0) {
		if (write(pfd[1], "x", 1) != 1)
			_exit(13);
		_exit(rcv(id, 9, &m, 64, 0) == -1 && errno == EIDRM ? 0 : 12);
	}
	CHECK(read(pfd[0], &c, 1) == 1, "handshake");
	wait_sleeping(pid);
	usleep(50000);
	CHECK(msgctl(id, IPC_RMID, NULL) == 0, "rmid");
	st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "EIDRM %x", st);
	CHECK(snd(id, 1, "x", 0) == -1 && errno == EINVAL, "removed");
	printf("blocking ok\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	atexit(cleanup);
	types();
	ctl();
	blocking();
	return 0;
}
