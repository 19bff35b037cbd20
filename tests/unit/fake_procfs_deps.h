/* What unit_procfs's fakes record. */
#ifndef FAKE_PROCFS_DEPS_H
#define FAKE_PROCFS_DEPS_H

struct fake_procfs_log {
	int sleeps, signals, last_signo;
};
extern struct fake_procfs_log fake_proc;

#include "sentry/task.h"
#include "sentry/mm.h"

/* Two processes: 5 (threads 5 "init" and 7 "worker", argv "a" "bb") and
 * its child 9 ("child"); /proc mounted; current = task 5. */
struct fake_env {
	struct thread_group tg1, tg2;
	struct task t5, t7, t9;
	struct mm mm1;
};
extern struct fake_env env;
void fake_env_setup(void);
void fake_env_reap_9(void);

#endif
