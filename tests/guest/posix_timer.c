/* POSIX timers: timer_create/settime/gettime/getoverrun/delete with exact
 * errnos, SI_TIMER siginfo (si_timerid, si_overrun, si_value), periodic
 * overruns, TIMER_ABSTIME, SIGEV_NONE, SIGEV_THREAD_ID, glibc SIGEV_THREAD,
 * CPU-time clocks, RLIMIT_SIGPENDING, not inherited by fork, deleted by exec. */
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "guest.h"

static int ktimer_create(clockid_t clk, struct sigevent *sev, int *id)
{
	return (int)syscall(SYS_timer_create, clk, sev, id);
}

static int ktimer_settime(int id, int flags, const struct itimerspec *n, struct itimerspec *o)
{
	return (int)syscall(SYS_timer_settime, id, flags, n, o);
}

static int ktimer_gettime(int id, struct itimerspec *cur)
{
	return (int)syscall(SYS_timer_gettime, id, cur);
}

static int ktimer_delete(int id)
{
	return (int)syscall(SYS_timer_delete, id);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct itimerspec its_ms(long value_ms, long interval_ms)
{
	struct itimerspec its = {
		.it_value = { value_ms / 1000, (value_ms % 1000) * 1000000 },
		.it_interval = { interval_ms / 1000, (interval_ms % 1000) * 1000000 },
	};
	return its;
}

static void block(int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	CHECK(sigprocmask(SIG_BLOCK, &s, NULL) == 0, "block");
}

static int wait_sig(int sig, siginfo_t *si, long timeout_ms)
{
	sigset_t s;
	struct timespec ts = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000 };
	sigemptyset(&s);
	sigaddset(&s, sig);
	return sigtimedwait(&s, si, &ts);
}

static void errors(void)
{
	struct sigevent sev = { 0 };
	struct itimerspec its = its_ms(10, 0);
	int id;

	CHECK(ktimer_create(99, NULL, &id) == -1 && errno == EINVAL, "bad clock");
	CHECK(ktimer_create(CLOCK_MONOTONIC_RAW, NULL, &id) == -1 && errno == EOPNOTSUPP, "raw clock");
	CHECK(ktimer_create(CLOCK_MONOTONIC_COARSE, NULL, &id) == -1 && errno == EOPNOTSUPP, "coarse");
	sev.sigev_notify = 99;
	CHECK(ktimer_create(CLOCK_MONOTONIC, &sev, &id) == -1 && errno == EINVAL, "bad notify");
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = 0;
	CHECK(ktimer_create(CLOCK_MONOTONIC, &sev, &id) == -1 && errno == EINVAL, "signo 0");
	sev.sigev_signo = 65;
	CHECK(ktimer_create(CLOCK_MONOTONIC, &sev, &id) == -1 && errno == EINVAL, "signo 65");
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR1;
	sev._sigev_un._tid = 999999;
	CHECK(ktimer_create(CLOCK_MONOTONIC, &sev, &id) == -1 && errno == EINVAL, "bad tid");
	sev._sigev_un._tid = getpid();
	sev.sigev_notify = SIGEV_THREAD_ID | SIGEV_NONE;
	CHECK(ktimer_create(CLOCK_MONOTONIC, &sev, &id) == -1 && errno == EINVAL, "tid|none");
	CHECK(ktimer_create(CLOCK_MONOTONIC, (void *)8, &id) == -1 && errno == EFAULT, "sev efault");

	sev.sigev_notify = SIGEV_NONE;
	CHECK(ktimer_create(CLOCK_MONOTONIC, &sev, &id) == 0, "create none");
	CHECK(ktimer_settime(id, 0, NULL, NULL) == -1 && errno == EINVAL, "settime NULL");
	CHECK(ktimer_settime(id, 0, (void *)8, NULL) == -1 && errno == EFAULT, "settime efault");
	its.it_value.tv_nsec = 1000000000;
	CHECK(ktimer_settime(id, 0, &its, NULL) == -1 && errno == EINVAL, "nsec 1e9");
	its = its_ms(10, 0);
	its.it_interval.tv_sec = -1;
	CHECK(ktimer_settime(id, 0, &its, NULL) == -1 && errno == EINVAL, "negative interval");
	CHECK(ktimer_settime(id + 1000, 0, &its, NULL) == -1 && errno == EINVAL, "settime bad id");
	CHECK(ktimer_gettime(id, (void *)8) == -1 && errno == EFAULT, "gettime efault");
	CHECK(ktimer_gettime(id + 1000, &its) == -1 && errno == EINVAL, "gettime bad id");
	CHECK(syscall(SYS_timer_getoverrun, id + 1000) == -1 && errno == EINVAL, "getoverrun bad id");
	CHECK(ktimer_delete(id) == 0, "delete");
	CHECK(ktimer_delete(id) == -1 && errno == EINVAL, "delete twice");
	printf("errors ok\n");
}

static void signal_info(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN };
	struct itimerspec its = its_ms(20, 0), cur;
	siginfo_t si;
	int id;

	block(SIGRTMIN);
	sev.sigev_value.sival_int = 42;
	CHECK(ktimer_create(CLOCK_MONOTONIC, &sev, &id) == 0, "create");
	CHECK(ktimer_settime(id, 0, &its, NULL) == 0, "arm");
	CHECK(wait_sig(SIGRTMIN, &si, 2000) == SIGRTMIN, "signal");
	CHECK(si.si_code == SI_TIMER, "si_code %d", si.si_code);
	CHECK(si.si_timerid == id, "si_timerid %d vs %d", si.si_timerid, id);
	CHECK(si.si_overrun == 0, "si_overrun %d", si.si_overrun);
	CHECK(si.si_value.sival_int == 42, "si_value %d", si.si_value.sival_int);
	CHECK(ktimer_gettime(id, &cur) == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0,
	      "one-shot disarmed after expiry");
	CHECK(ktimer_delete(id) == 0, "delete");

	/* Default sigevent: SIGALRM with the timer id as value. */
	block(SIGALRM);
	CHECK(ktimer_create(CLOCK_REALTIME, NULL, &id) == 0, "create default");
	CHECK(ktimer_settime(id, 0, &its, NULL) == 0, "arm");
	CHECK(wait_sig(SIGALRM, &si, 2000) == SIGALRM, "SIGALRM");
	CHECK(si.si_code == SI_TIMER && si.si_timerid == id && si.si_value.sival_int == id,
	      "default value %d id %d", si.si_value.sival_int, id);
	CHECK(ktimer_delete(id) == 0, "delete");
	printf("siginfo ok\n");
}

static void periodic(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN + 2 };
	struct itimerspec its = its_ms(10, 10), old, cur;
	siginfo_t si;
	int id, ov;

	block(SIGRTMIN + 2);
	CHECK(ktimer_create(CLOCK_MONOTONIC, &sev, &id) == 0, "create");
	CHECK(ktimer_settime(id, 0, &its, NULL) == 0, "arm");
	usleep(120000);
	CHECK(wait_sig(SIGRTMIN + 2, &si, 2000) == SIGRTMIN + 2, "signal");
	CHECK(si.si_timerid == id && si.si_overrun >= 5, "overrun %d", si.si_overrun);
	ov = (int)syscall(SYS_timer_getoverrun, id);
	CHECK(ov == si.si_overrun, "getoverrun %d vs si_overrun %d", ov, si.si_overrun);
	CHECK(wait_sig(SIGRTMIN + 2, &si, 2000) == SIGRTMIN + 2, "keeps firing");
	CHECK(ktimer_gettime(id, &cur) == 0 && cur.it_interval.tv_nsec == 10000000 &&
	      cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 10000000,
	      "gettime periodic %ld", cur.it_value.tv_nsec);
	its = its_ms(0, 0);
	CHECK(ktimer_settime(id, 0, &its, &old) == 0, "disarm");
	CHECK(old.it_interval.tv_nsec == 10000000, "old interval");
	CHECK(ktimer_gettime(id, &cur) == 0 && cur.it_value.tv_nsec == 0 && cur.it_interval.tv_nsec == 0,
	      "disarmed");
	while (wait_sig(SIGRTMIN + 2, &si, 0) > 0)
		;
	CHECK(ktimer_delete(id) == 0, "delete");

	/* gettime of a long timer, interval kept */
	sev.sigev_notify = SIGEV_NONE;
	CHECK(ktimer_create(CLOCK_BOOTTIME, &sev, &id) == 0, "create boottime");
	its = its_ms(10000, 1000);
	CHECK(ktimer_settime(id, 0, &its, NULL) == 0, "arm 10s");
	CHECK(ktimer_gettime(id, &cur) == 0 && cur.it_interval.tv_sec == 1 &&
	      cur.it_value.tv_sec == 9 && cur.it_value.tv_nsec > 0, "gettime 10s: %ld.%09ld",
	      (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
	its = its_ms(50, 0);
	CHECK(ktimer_settime(id, 0, &its, &old) == 0 && old.it_value.tv_sec == 9 &&
	      old.it_interval.tv_sec == 1, "old value");
	CHECK(ktimer_gettime(id, &cur) == 0 && cur.it_value.tv_nsec > 0, "SIGEV_NONE running");
	usleep(80000);
	CHECK(ktimer_gettime(id, &cur) == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0,
	      "SIGEV_NONE expired: %ld", cur.it_value.tv_nsec);
	CHECK(ktimer_delete(id) == 0, "delete");
	printf("periodic ok\n");
}

static void absolute(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN + 3 };
	struct itimerspec its = { 0 };
	struct timespec now;
	siginfo_t si;
	uint64_t t0 = mono_ms();
	int id;

	block(SIGRTMIN + 3);
	CHECK(ktimer_create(CLOCK_REALTIME, &sev, &id) == 0, "create");
	clock_gettime(CLOCK_REALTIME, &now);
	its.it_value.tv_sec = now.tv_sec + (now.tv_nsec >= 900000000);
	its.it_value.tv_nsec = (now.tv_nsec + 100000000) % 1000000000;
	CHECK(ktimer_settime(id, TIMER_ABSTIME, &its, NULL) == 0, "arm abs");
	CHECK(wait_sig(SIGRTMIN + 3, &si, 3000) == SIGRTMIN + 3, "abs signal");
	CHECK(mono_ms() - t0 >= 90, "fired after %llu ms", (unsigned long long)(mono_ms() - t0));
	/* An absolute time in the past fires at once. */
	its.it_value.tv_sec = 1;
	its.it_value.tv_nsec = 0;
	CHECK(ktimer_settime(id, TIMER_ABSTIME, &its, NULL) == 0, "arm past");
	CHECK(wait_sig(SIGRTMIN + 3, &si, 2000) == SIGRTMIN + 3, "past signal");
	CHECK(ktimer_delete(id) == 0, "delete");
	printf("abstime ok\n");
}

static int thread_tid;
static sem_t ready;
static siginfo_t thread_si;

static void *waiter(void *arg)
{
	thread_tid = (int)syscall(SYS_gettid);
	sem_post(&ready);
	CHECK(wait_sig(SIGRTMIN + 4, &thread_si, 3000) == SIGRTMIN + 4, "thread got signal");
	return NULL;
}

static int notified;
static sem_t fired;

static void notify_fn(union sigval v)
{
	notified = v.sival_int;
	sem_post(&fired);
}

static void threads(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGRTMIN + 4 };
	struct itimerspec its = its_ms(30, 0);
	pthread_t th;
	int id;

	block(SIGRTMIN + 4);   /* inherited by the thread; only sigtimedwait takes it */
	sem_init(&ready, 0, 0);
	CHECK(pthread_create(&th, NULL, waiter, NULL) == 0, "pthread_create");
	sem_wait(&ready);
	sev._sigev_un._tid = thread_tid;
	sev.sigev_value.sival_int = 7;
	CHECK(ktimer_create(CLOCK_MONOTONIC, &sev, &id) == 0, "create thread_id");
	CHECK(ktimer_settime(id, 0, &its, NULL) == 0, "arm");
	pthread_join(th, NULL);
	CHECK(thread_si.si_code == SI_TIMER && thread_si.si_value.sival_int == 7, "thread siginfo");
	CHECK(ktimer_delete(id) == 0, "delete");

	/* glibc SIGEV_THREAD: a helper thread takes SIGEV_THREAD_ID signals. */
	timer_t gt;
	struct sigevent gsev = { .sigev_notify = SIGEV_THREAD, .sigev_notify_function = notify_fn };
	struct timespec deadline;
	gsev.sigev_value.sival_int = 99;
	sem_init(&fired, 0, 0);
	CHECK(timer_create(CLOCK_MONOTONIC, &gsev, &gt) == 0, "glibc SIGEV_THREAD");
	CHECK(timer_settime(gt, 0, &its, NULL) == 0, "glibc settime");
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 3;
	CHECK(sem_timedwait(&fired, &deadline) == 0 && notified == 99, "notify function ran");
	CHECK(timer_delete(gt) == 0, "glibc delete");
	printf("threads ok\n");
}

static volatile sig_atomic_t cpu_fired;
static void on_cpu(int sig) { cpu_fired = sig; }

static void cpu_clocks(void)
{
	clockid_t clocks[2] = { CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID };
	struct sigaction sa = { .sa_handler = on_cpu };
	sigset_t s;

	sigaction(SIGRTMIN + 5, &sa, NULL);
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN + 5);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	for (int i = 0; i < 2; i++) {
		struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN + 5 };
		struct itimerspec its = its_ms(50, 0), cur;
		struct timespec c0, c1;
		uint64_t t0 = mono_ms();
		int id;

		cpu_fired = 0;
		CHECK(ktimer_create(clocks[i], &sev, &id) == 0, "create cpu %d", i);
		CHECK(ktimer_settime(id, 0, &its, NULL) == 0, "arm cpu");
		CHECK(ktimer_gettime(id, &cur) == 0 && cur.it_value.tv_nsec > 0, "cpu gettime");
		clock_gettime(clocks[i], &c0);
		while (!cpu_fired && mono_ms() - t0 < 5000)
			;   /* burn CPU */
		clock_gettime(clocks[i], &c1);
		CHECK(cpu_fired == SIGRTMIN + 5, "cpu timer %d fired", i);
		CHECK((c1.tv_sec - c0.tv_sec) * 1000000000L + (c1.tv_nsec - c0.tv_nsec) >= 40000000L,
		      "cpu time consumed");
		CHECK(ktimer_delete(id) == 0, "delete");
	}
	printf("cpu clocks ok\n");
}

static void limits_and_inheritance(const char *self)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	struct itimerspec its = its_ms(10000, 0), cur;
	int id, status;
	pid_t pid;

	CHECK(ktimer_create(CLOCK_MONOTONIC, &sev, &id) == 0, "create");
	CHECK(ktimer_settime(id, 0, &its, NULL) == 0, "arm");
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 0, 0 };
		int id2;
		if (ktimer_gettime(id, &cur) != -1 || errno != EINVAL)
			_exit(2);   /* fork does not inherit timers */
		if (setrlimit(RLIMIT_SIGPENDING, &rl) != 0)
			_exit(3);
		if (ktimer_create(CLOCK_MONOTONIC, &sev, &id2) != -1 || errno != EAGAIN)
			_exit(4);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "fork child status %x", status);

	pid = fork();
	if (pid == 0) {
		char arg[16];
		snprintf(arg, sizeof(arg), "%d", id);
		execl(self, self, "exec-check", arg, (char *)NULL);
		_exit(5);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "exec child status %x", status);
	CHECK(ktimer_gettime(id, &cur) == 0 && cur.it_value.tv_sec >= 8, "parent timer kept");
	CHECK(ktimer_delete(id) == 0, "delete");
	printf("fork/exec/rlimit ok\n");
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "exec-check") == 0) {
		struct sigevent sev = { .sigev_notify = SIGEV_NONE };
		struct itimerspec its = its_ms(10000, 0), cur;
		int id = atoi(argv[2]), id2;
		/* The timer was created before a fork+exec: gone in the new image. */
		if (ktimer_gettime(id, &cur) != -1 || errno != EINVAL)
			return 6;
		if (ktimer_create(CLOCK_MONOTONIC, &sev, &id2) != 0 || ktimer_settime(id2, 0, &its, NULL) != 0)
			return 7;
		/* and timers created in this image are deleted by the next exec */
		execl(argv[0], argv[0], "exec-check2", (char *)NULL);
		return 8;
	}
	if (argc == 2 && strcmp(argv[1], "exec-check2") == 0) {
		struct itimerspec cur;
		return ktimer_gettime(0, &cur) == -1 && errno == EINVAL ? 0 : 9;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	errors();
	signal_info();
	periodic();
	absolute();
	threads();
	cpu_clocks();
	limits_and_inheritance(argv[0]);
	return 0;
}
