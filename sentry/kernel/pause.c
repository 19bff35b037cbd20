/*
 * OCI pause/resume: a kernel-wide flag the task loop checks before every
 * switch to guest code. Pausing interrupts the guest threads that are
 * running; threads asleep in a syscall stop when they next return to the
 * loop. A pending SIGKILL ends the pause for its task (kill of a paused
 * container), so a paused sandbox can always be killed.
 */
#include <signal.h>
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/process.h"
#include "platform/platform.h"

static pthread_cond_t resume_cond = PTHREAD_COND_INITIALIZER;

static bool sigkill_pending(struct task *t)
{
	return ((t->pending.set | t->tg->shared_pending.set) & KSIG_BIT(SIGKILL)) != 0;
}

void kernel_pause(void)
{
	kernel.paused = true;
	struct list_head *p;
	list_for_each(p, &kernel.tasks) {
		struct task *t = list_entry(p, struct task, all_link);
		if (t->ctx)
			platform->ctx_interrupt(t->ctx);
	}
}

void kernel_resume(void)
{
	kernel.paused = false;
	pthread_cond_broadcast(&resume_cond);
}

void kernel_pause_kick(void)
{
	pthread_cond_broadcast(&resume_cond);
}

void task_pause_wait(struct task *t)
{
	while (kernel.paused && !task_should_exit(t) && !sigkill_pending(t))
		pthread_cond_wait(&resume_cond, &kernel.lock);
}
