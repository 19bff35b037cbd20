/*
 * SysV IPC (shared memory, semaphores, message queues): one registry for the
 * sandbox's IPC namespace, in sentry/kernel/ipc/. See docs/ipc.md.
 */
#ifndef CVISOR_IPC_H
#define CVISOR_IPC_H
#include <stdint.h>

struct task;
struct thread_group;

/* The kernel.shm*, kernel.msg*, kernel.sem sysctls (vfs/procfs/proc_sysctl.c
 * owns them: the guest may change them). */
struct ipc_limits {
	uint64_t shmmax, shmall;
	int shmmni;
	int msgmax, msgmnb, msgmni;
	int semmsl, semmns, semopm, semmni;
};
void sysctl_ipc_limits(struct ipc_limits *l);

/* Syscall backends: value or -errno, guest pointers as Linux takes them. */
long ipc_shmget(struct task *t, int32_t key, uint64_t size, int flg);
long ipc_shmat(struct task *t, int id, uint64_t addr, int flg);
long ipc_shmdt(struct task *t, uint64_t addr);
long ipc_shmctl(struct task *t, int id, int cmd, uint64_t buf);
long ipc_semget(struct task *t, int32_t key, int nsems, int flg);
long ipc_semtimedop(struct task *t, int id, uint64_t sops, uint64_t nsops, uint64_t timeout);
long ipc_semctl(struct task *t, int id, int semnum, int cmd, uint64_t arg);
long ipc_msgget(struct task *t, int32_t key, int flg);
long ipc_msgsnd(struct task *t, int id, uint64_t msgp, uint64_t msgsz, int flg);
long ipc_msgrcv(struct task *t, int id, uint64_t msgp, uint64_t msgsz, int64_t msgtyp, int flg);
long ipc_msgctl(struct task *t, int id, int cmd, uint64_t buf);

/* Process death: apply and drop tg's semaphore undo list. */
void sem_exit(struct thread_group *tg);
/* Free removed (IPC_RMID) segments nobody has attached any more. */
void shm_sweep(void);

#endif
