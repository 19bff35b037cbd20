/* SysV semaphores: semget rules, semctl (GETVAL/SETVAL/GETALL/SETALL/GETPID/
 * GETNCNT/GETZCNT/IPC_STAT/IPC_SET/IPC_RMID/IPC_INFO/SEM_INFO/SEM_STAT),
 * semop atomicity, IPC_NOWAIT, blocking and wake-up, semtimedop timeouts,
 * EINTR even with SA_RESTART, EIDRM, SEM_UNDO applied at exit, limits and
 * permissions. Arrays are IPC_PRIVATE and removed at exit. */
#include <signal.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "guest.h"

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

static int ids[8], nids;

static void cleanup(void)
{
	for (int i = 0; i < nids; i++)
		semctl(ids[i], 0, IPC_RMID);
}

static int newsem(int n)
{
	int id = semget(IPC_PRIVATE, n, 0600);
	CHECK(id >= 0, "semget %d", n);
	ids[nids++] = id;
	return id;
}

static int op(int id, unsigned short num, short delta, short flg)
{
	struct sembuf sb = { num, delta, flg };
	return semop(id, &sb, 1);
}

static int child_status(pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
	return st;
}

static void wait_count(int id, int num, int cmd, int want)
{
	for (int i = 0; i < 2000 && semctl(id, num, cmd) != want; i++)
		usleep(1000);
	CHECK(semctl(id, num, cmd) == want, "count %d", cmd);
}

static void on_alrm(int sig) { (void)sig; }

static int read_sem(int i)
{
	int v[4];
	FILE *f = fopen("/proc/sys/kernel/sem", "r");
	CHECK(f && fscanf(f, "%d %d %d %d", &v[0], &v[1], &v[2], &v[3]) == 4, "kernel.sem");
	fclose(f);
	return v[i];
}

static void basics(void)
{
	int semmsl = read_sem(0), semopm = read_sem(2);
	int id = newsem(3);
	unsigned short vals[3] = { 1, 2, 3 }, got[3];
	struct semid_ds ds;
	union semun u;

	CHECK(semget(IPC_PRIVATE, 0, 0600) == -1 && errno == EINVAL, "nsems 0");
	CHECK(semget(IPC_PRIVATE, -1, 0600) == -1 && errno == EINVAL, "nsems -1");
	CHECK(semget(IPC_PRIVATE, semmsl + 1, 0600) == -1 && errno == EINVAL, "nsems > semmsl");
	CHECK(semctl(id, 0, GETVAL) == 0, "initial 0");
	CHECK(semctl(id, 0, SETVAL, 5) == 0 && semctl(id, 0, GETVAL) == 5, "SETVAL");
	CHECK(semctl(id, 0, SETVAL, 32768) == -1 && errno == ERANGE, "SETVAL > SEMVMX");
	CHECK(semctl(id, 0, SETVAL, -1) == -1 && errno == ERANGE, "SETVAL < 0");
	CHECK(semctl(id, 3, SETVAL, 1) == -1 && errno == EINVAL, "SETVAL semnum");
	CHECK(semctl(id, 3, GETVAL) == -1 && errno == EINVAL, "GETVAL semnum");
	CHECK(semctl(-1, 0, GETVAL) == -1 && errno == EINVAL, "negative id");
	CHECK(semctl(id, 0, 999) == -1 && errno == EINVAL, "bad cmd");
	u.array = vals;
	CHECK(semctl(id, 0, SETALL, u) == 0, "SETALL");
	u.array = got;
	CHECK(semctl(id, 0, GETALL, u) == 0 && got[0] == 1 && got[1] == 2 && got[2] == 3, "GETALL");
	u.array = (void *)8;
	CHECK(semctl(id, 0, GETALL, u) == -1 && errno == EFAULT, "GETALL efault");
	CHECK(semctl(id, 2, GETPID) == getpid(), "GETPID");
	u.buf = &ds;
	CHECK(semctl(id, 0, IPC_STAT, u) == 0 && ds.sem_nsems == 3 && (ds.sem_perm.mode & 0777) == 0600 &&
	      ds.sem_otime == 0 && ds.sem_ctime > 0, "IPC_STAT");
	ds.sem_perm.mode = 0660;
	CHECK(semctl(id, 0, IPC_SET, u) == 0, "IPC_SET");
	CHECK(semctl(id, 0, IPC_STAT, u) == 0 && (ds.sem_perm.mode & 0777) == 0660, "mode set");
	CHECK(semctl(id % 32768, 0, SEM_STAT, u) == id, "SEM_STAT");

	struct seminfo si;
	u.__buf = &si;
	int max = semctl(0, 0, IPC_INFO, u);
	CHECK(max >= id % 32768 && si.semmsl == semmsl && si.semopm == semopm &&
	      si.semvmx == 32767 && si.semmni == read_sem(3) && si.semmns == read_sem(1), "IPC_INFO");
	CHECK(semctl(0, 0, SEM_INFO, u) == max && si.semusz >= 1 && si.semaem >= 3, "SEM_INFO");

	/* semop rules */
	struct sembuf two[2] = { { 1, -1, 0 }, { 0, -5, IPC_NOWAIT } };
	CHECK(semop(id, two, 0) == -1 && errno == EINVAL, "nsops 0");
	CHECK(semop(id, two, semopm + 1) == -1 && errno == E2BIG, "nsops > semopm");
	CHECK(op(id, 3, 1, 0) == -1 && errno == EFBIG, "sem_num out of range");
	CHECK(op(id, 0, 32767, 0) == -1 && errno == ERANGE, "over SEMVMX");
	CHECK(semop(id, two, 2) == -1 && errno == EAGAIN, "all or nothing");
	CHECK(semctl(id, 1, GETVAL) == 2, "first op not applied");
	CHECK(op(id, 0, -1, IPC_NOWAIT) == 0 && semctl(id, 0, GETVAL) == 0, "decrement");
	CHECK(op(id, 0, 0, 0) == 0, "wait for zero, already zero");
	CHECK(op(id, 0, -1, IPC_NOWAIT) == -1 && errno == EAGAIN, "would block");
	CHECK(op(id, 1, 0, IPC_NOWAIT) == -1 && errno == EAGAIN, "zero would block");
	CHECK(semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds }) == 0 && ds.sem_otime > 0, "otime");
	struct timespec bad = { 0, 1000000000 };
	CHECK(semtimedop(id, two, 1, &bad) == -1 && errno == EINVAL, "bad timeout");
	CHECK(semtimedop(id, two, 1, (void *)8) == -1 && errno == EFAULT, "timeout efault");
	CHECK(semop(id, (void *)8, 1) == -1 && errno == EFAULT, "sops efault");
	printf("basics ok\n");
}

static void blocking(void)
{
	int id = newsem(3);
	pid_t pid;
	int st;

	/* a decrement waits for the value (GETNCNT) */
	pid = fork();
	if (pid == 0)
		_exit(op(id, 2, -10, 0) == 0 ? 0 : 10);
	wait_count(id, 2, GETNCNT, 1);
	CHECK(semctl(id, 2, GETZCNT) == 0, "no zero waiter");
	CHECK(op(id, 2, 4, 0) == 0 && semctl(id, 2, GETNCNT) == 1, "not enough yet");
	CHECK(op(id, 2, 7, 0) == 0, "post");
	st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "waiter done %x", st);
	CHECK(semctl(id, 2, GETVAL) == 1 && semctl(id, 2, GETPID) == pid, "value and pid of the waiter");

	/* wait-for-zero (GETZCNT) */
	CHECK(semctl(id, 1, SETVAL, 2) == 0, "setval");
	pid = fork();
	if (pid == 0)
		_exit(op(id, 1, 0, 0) == 0 ? 0 : 11);
	wait_count(id, 1, GETZCNT, 1);
	CHECK(op(id, 1, -2, 0) == 0, "to zero");
	st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "zero waiter %x", st);

	/* semtimedop times out with EAGAIN */
	struct sembuf sb = { 0, -1, 0 };
	struct timespec ts = { 0, 50000000 };
	CHECK(semtimedop(id, &sb, 1, &ts) == -1 && errno == EAGAIN, "timeout");
	CHECK(semctl(id, 0, GETNCNT) == 0, "timed-out waiter gone");

	/* a signal interrupts with EINTR, even with SA_RESTART */
	pid = fork();
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_alrm, .sa_flags = SA_RESTART };
		struct itimerval it = { .it_value = { 0, 50000 } };
		sigaction(SIGALRM, &sa, NULL);
		setitimer(ITIMER_REAL, &it, NULL);
		_exit(op(id, 0, -1, 0) == -1 && errno == EINTR ? 0 : 12);
	}
	st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "EINTR child %x", st);

	/* removal wakes waiters with EIDRM */
	pid = fork();
	if (pid == 0)
		_exit(op(id, 0, -1, 0) == -1 && errno == EIDRM ? 0 : 13);
	wait_count(id, 0, GETNCNT, 1);
	CHECK(semctl(id, 0, IPC_RMID) == 0, "rmid");
	st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "EIDRM child %x", st);
	CHECK(semctl(id, 0, GETVAL) == -1 && errno == EINVAL, "removed");
	printf("blocking ok\n");
}

static void undo(void)
{
	int id = newsem(2);
	pid_t pid;
	int st;

	CHECK(semctl(id, 0, SETVAL, 5) == 0, "setval");
	pid = fork();
	if (pid == 0) {
		if (op(id, 0, 3, SEM_UNDO) || op(id, 1, 2, SEM_UNDO) || op(id, 0, -1, SEM_UNDO))
			_exit(20);
		_exit(semctl(id, 0, GETVAL) == 7 ? 0 : 21);
	}
	st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "undo child %x", st);
	CHECK(semctl(id, 0, GETVAL) == 5 && semctl(id, 1, GETVAL) == 0, "undone at exit: %d %d",
	      semctl(id, 0, GETVAL), semctl(id, 1, GETVAL));
	CHECK(semctl(id, 0, GETPID) == pid, "undo sets sempid");

	/* SETVAL clears the adjustment: nothing is undone then */
	pid = fork();
	if (pid == 0) {
		if (op(id, 0, -2, SEM_UNDO) || semctl(id, 0, SETVAL, 1))
			_exit(22);
		_exit(0);
	}
	st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && semctl(id, 0, GETVAL) == 1, "SETVAL clears undo");

	/* undo wakes waiters; undo range is checked */
	pid = fork();
	if (pid == 0) {
		if (op(id, 1, 1, SEM_UNDO))
			_exit(23);
		pause();
		_exit(0);
	}
	while (semctl(id, 1, GETVAL) != 1)
		usleep(1000);
	pid_t waiter = fork();
	if (waiter == 0)
		_exit(op(id, 1, 0, 0) == 0 ? 0 : 24);
	wait_count(id, 1, GETZCNT, 1);
	kill(pid, SIGKILL);
	st = child_status(waiter);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "undo of a killed process wakes waiters %x", st);
	child_status(pid);
	CHECK(semctl(id, 1, SETVAL, 0) == 0 && op(id, 1, 32767, SEM_UNDO) == 0, "adj -32767");
	CHECK(op(id, 1, -32767, SEM_UNDO) == 0, "adj back to 0");
	CHECK(op(id, 1, 32767, 0) == 0 && op(id, 1, -32767, SEM_UNDO) == 0, "adj 32767");
	CHECK(semctl(id, 1, SETVAL, 1) == 0, "setval clears adj");
	printf("undo ok\n");
}

static void perms(void)
{
	int id = newsem(1);
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		if (op(id, 0, 1, IPC_NOWAIT) != -1 || errno != EACCES)
			_exit(3);
		if (semctl(id, 0, GETVAL) != -1 || errno != EACCES)
			_exit(4);
		if (semctl(id, 0, IPC_RMID) != -1 || errno != EPERM)
			_exit(5);
		if (semctl(id, 0, SETVAL, 1) != -1 || errno != EACCES)
			_exit(6);
		_exit(0);
	}
	int st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "unprivileged %x", st);
	printf("perms ok\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	atexit(cleanup);
	basics();
	blocking();
	undo();
	perms();
	return 0;
}
