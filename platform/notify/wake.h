/* Waking the owner of a running notify context (see wake.c). */
#ifndef CVISOR_PLATFORM_NOTIFY_WAKE_H
#define CVISOR_PLATFORM_NOTIFY_WAKE_H
#include <sys/types.h>

/* Register the calling owner as waiting; returns a slot or -1 (no room). */
int nt_waiter_add(void);
void nt_waiter_del(int slot);
/* Interrupt `owner`'s wait (or its next one). */
void nt_wake_owner(pid_t owner);

#endif
