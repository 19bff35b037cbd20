/* Fakes for the signal/futex unit test: a host-buffer mm, a recording
 * platform, tasks that sleep on a condition variable, exits via longjmp. */
#ifndef FAKE_SIGNAL_DEPS_H
#define FAKE_SIGNAL_DEPS_H
#include <setjmp.h>
#include <stdint.h>
#include "sentry/task.h"
#include "sentry/mm.h"

#define FAKE_XSIZE 832   /* x87 + SSE + AVX XSAVE image */

struct fake_platform_log {
	int get_fp, set_fp, interrupts;
	uint8_t last_set[FAKE_XSIZE];
};
extern struct fake_platform_log fake_plat;

/* do_exit/do_group_exit longjmp here with the status recorded. */
extern jmp_buf *fake_exit_jmp;
extern int fake_exit_status;
extern int fake_exit_calls;

void fake_reset(void);
struct mm *fake_mm_new(void);
/* Map [start, start+len) backed by a fresh range, or by `share` (MAP_SHARED). */
struct vma *fake_map(struct mm *mm, uint64_t start, uint64_t len, int prot, int flags,
		     struct mem_range *share);
struct thread_group *fake_tg_new(int tgid, struct thread_group *parent);
struct task *fake_task_new(struct thread_group *tg, int tid, struct mm *mm);
void fake_fill_fp(uint8_t *buf);   /* the state the fake platform "saves" */

#endif
