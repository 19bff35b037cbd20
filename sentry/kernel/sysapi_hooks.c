/* exec / process-death hooks of the system-API state (sentry/sysapi.h). */
#include "sentry/ipc.h"
#include "sentry/posix_timer.h"
#include "sentry/sysapi.h"
#include "sentry/task.h"
#include "vfs/anon/pidfd.h"

void sysapi_exec(struct task *t)
{
	posix_timers_delete_all(t->tg);
	t->tg->membarrier_state = 0;
	shm_sweep();   /* the old mm may have held the last attach of a removed segment */
}

void sysapi_group_exit(struct thread_group *tg)
{
	posix_timers_delete_all(tg);
	sem_exit(tg);
	shm_sweep();
	pidfd_notify_exit();
}
