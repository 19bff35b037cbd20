/* The kernel's global state, its lock, pid allocation and clocks. */
#include <errno.h>
#include <time.h>
#include "sentry/kernel.h"
#include "sentry/task.h"

struct kernel kernel = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.tasks = LIST_HEAD_INIT(kernel.tasks),
	.tgs = LIST_HEAD_INIT(kernel.tgs),
	.pid_max = 32768,
	.init_exit_cond = PTHREAD_COND_INITIALIZER,
};

void kernel_lock(void)
{
	pthread_mutex_lock(&kernel.lock);
}

void kernel_unlock(void)
{
	pthread_mutex_unlock(&kernel.lock);
}

/* A pid is in use while a live task or any thread group (zombies included)
 * holds it, like Linux keeps a zombie's pid until it is reaped. */
static bool pid_in_use(int pid)
{
	if (task_lookup(pid) || tg_lookup(pid))
		return true;
	struct list_head *p;
	list_for_each(p, &kernel.tgs) {
		struct thread_group *tg = list_entry(p, struct thread_group, all_link);
		if (tg->pgid == pid || tg->sid == pid)
			return true;
	}
	return false;
}

int pid_alloc(void)
{
	for (int i = 0; i < kernel.pid_max; i++) {
		int pid = kernel.last_pid + 1;
		if (pid >= kernel.pid_max)
			pid = 2;   /* pid 1 is init's forever */
		kernel.last_pid = pid;
		if (!pid_in_use(pid))
			return pid;
	}
	return -EAGAIN;
}

uint64_t now_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t now_real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
