/* Helpers shared by the files of sentry/kernel/ (process lifecycle). */
#ifndef CVISOR_KERNEL_INTERNAL_H
#define CVISOR_KERNEL_INTERNAL_H
#include <stdnoreturn.h>
struct task;
struct thread_group;

void tg_release(struct thread_group *tg);   /* free a reaped zombie */
void tg_kill_others(struct task *t);        /* other threads of t's group must exit */
struct thread_group *tg_new(struct thread_group *parent);
void vfork_release(struct task *t);
noreturn void task_loop(struct task *t);     /* run t until it exits */
int task_start_fn(struct task *t, void *(*fn)(void *));  /* pthread for t running fn(t) */          /* wake the vfork parent (exec/exit) */

#endif
