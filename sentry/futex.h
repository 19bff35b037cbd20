/* Futexes (owned by the signals/futex code). */
#ifndef CVISOR_FUTEX_H
#define CVISOR_FUTEX_H
#include <stdint.h>

struct mm;
struct task;

/* Wake up to n waiters on the futex at uaddr of mm; returns the number woken. */
int futex_wake_addr(struct mm *mm, uint64_t uaddr, int n);
/* Process t's robust futex list at exit/exec (FUTEX_OWNER_DIED + wake). */
void futex_exit_robust_list(struct task *t);

#endif
