/*
 * SysV semaphores (Linux ipc/sem.c). An operation array is applied all or
 * nothing; one that would block waits in the array's FIFO pending list and
 * is retried (and completed on the sleeper's behalf) after every change of
 * the values, like update_queue(). Waits end with the operation done, -EIDRM
 * (array removed), -EAGAIN (timeout), or -EINTR: semop is never restarted.
 *
 * SEM_UNDO adjustments are kept per process (thread group): glibc's threads
 * share them through CLONE_SYSVSEM anyway; a fork child starts without any,
 * and they are applied when the last thread of the process is gone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sentry/kernel/ipc/ipc_internal.h"
#include "sentry/mm.h"

#define SEMVMX 32767
#define SEMAEM SEMVMX
#define SEMMNS_CONST 1024000000   /* SEMMNS/SEMMNU/SEMMAP constants of Linux */
#define SEMOPM_CONST 500
#define SEMUSZ 20
#define SEM_UNDO 0x1000
#define GETPID 11
#define GETVAL 12
#define GETALL 13
#define GETNCNT 14
#define GETZCNT 15
#define SETVAL 16
#define SETALL 17
#define SEM_STAT 18
#define SEM_INFO 19
#define SEM_STAT_ANY 20
#define NSEC 1000000000LL
/* Sandbox-wide cap on semaphores (64 MiB), whatever kernel.sem says. */
#define SEM_TOTAL_MAX (1L << 22)

struct sembuf_k {
	uint16_t num;
	int16_t op;
	int16_t flg;
};

struct sem {
	int val, pid;
	int64_t otime;
};

struct sem_array {
	struct ipc_perm_k perm;
	int nsems;
	int64_t ctime;
	struct list_head pending;    /* struct sem_queue, FIFO */
	struct list_head undos;      /* struct sem_undo of this array */
	struct sem sems[];
};

struct sem_undo {
	struct list_head array_link, proc_link;
	struct sem_array *sma;
	int16_t adj[];
};

struct undo_list {                   /* tg->sem_undo */
	struct list_head undos;
};

struct sem_queue {
	struct list_head link;
	struct task *task;
	int pid;
	struct sembuf_k *sops;
	unsigned nsops;
	struct sem_undo *undo;
	int status;                  /* 1 while waiting, then the result */
	unsigned blocking;           /* index of the operation that blocks */
	bool alter;
};

struct semid64_u {
	struct ipc64_perm_u perm;
	int64_t otime;
	uint64_t unused1;
	int64_t ctime;
	uint64_t unused2, nsems, unused3, unused4;
};
_Static_assert(sizeof(struct semid64_u) == 104, "semid64_ds layout");

struct seminfo_u {
	int32_t semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem;
};

static struct ipc_ids sem_ids;
static long used_sems;

/* ---- the operation itself ----------------------------------------------- */

/* 0 done, 1 would block (*blocking set), -EAGAIN (IPC_NOWAIT), -ERANGE. */
static int perform(struct sem_array *sma, struct sembuf_k *sops, unsigned nsops,
		   struct sem_undo *un, int pid, unsigned *blocking)
{
	unsigned i, j;
	int err = 1;

	for (i = 0; i < nsops; i++) {
		struct sembuf_k *s = &sops[i];
		int result = sma->sems[s->num].val;
		if ((!s->op && result) || result + s->op < 0) {
			*blocking = i;
			err = (s->flg & KIPC_NOWAIT) ? -EAGAIN : 1;
			goto undo;
		}
		result += s->op;
		if (result > SEMVMX) {
			err = -ERANGE;
			goto undo;
		}
		if (s->flg & SEM_UNDO) {
			int adj = un->adj[s->num] - s->op;
			if (adj < -SEMAEM - 1 || adj > SEMAEM) {
				err = -ERANGE;
				goto undo;
			}
		}
		sma->sems[s->num].val = result;
	}
	for (i = 0; i < nsops; i++) {
		if (sops[i].flg & SEM_UNDO)
			un->adj[sops[i].num] = (int16_t)(un->adj[sops[i].num] - sops[i].op);
		sma->sems[sops[i].num].pid = pid;
	}
	return 0;
undo:
	for (j = 0; j < i; j++)
		sma->sems[sops[j].num].val -= sops[j].op;
	return err;
}

static void set_otime(struct sem_array *sma, struct sembuf_k *sops, unsigned nsops)
{
	int64_t now = (int64_t)ipc_now();

	for (unsigned i = 0; i < nsops; i++)
		sma->sems[sops[i].num].otime = now;
}

/* Retry the sleepers after the values changed. */
static void update_queue(struct sem_array *sma)
{
	struct list_head *pos, *n;

again:
	list_for_each_safe(pos, n, &sma->pending) {
		struct sem_queue *q = list_entry(pos, struct sem_queue, link);
		int r = perform(sma, q->sops, q->nsops, q->undo, q->pid, &q->blocking);
		if (r > 0)
			continue;
		list_del(&q->link);
		q->status = r;
		task_wake(q->task);
		if (r == 0) {
			set_otime(sma, q->sops, q->nsops);
			if (q->alter)
				goto again;   /* the new values may unblock earlier sleepers */
		}
	}
}

/* ---- undo lists ------------------------------------------------------------ */

static struct sem_undo *find_alloc_undo(struct thread_group *tg, struct sem_array *sma)
{
	struct undo_list *ul = tg->sem_undo;
	struct list_head *pos;
	struct sem_undo *un;

	if (!ul) {
		if (!(ul = calloc(1, sizeof(*ul))))
			return NULL;
		list_init(&ul->undos);
		tg->sem_undo = ul;
	}
	list_for_each(pos, &ul->undos) {
		un = list_entry(pos, struct sem_undo, proc_link);
		if (un->sma == sma)
			return un;
	}
	if (!(un = calloc(1, sizeof(*un) + (size_t)sma->nsems * sizeof(int16_t))))
		return NULL;
	un->sma = sma;
	list_add_tail(&un->array_link, &sma->undos);
	list_add_tail(&un->proc_link, &ul->undos);
	return un;
}

static void free_undo(struct sem_undo *un)
{
	list_del(&un->array_link);
	list_del(&un->proc_link);
	free(un);
}

void sem_exit(struct thread_group *tg)
{
	struct undo_list *ul = tg->sem_undo;

	if (!ul)
		return;
	while (!list_empty(&ul->undos)) {
		struct sem_undo *un = list_entry(ul->undos.next, struct sem_undo, proc_link);
		struct sem_array *sma = un->sma;
		for (int i = 0; i < sma->nsems; i++) {
			struct sem *s = &sma->sems[i];
			if (!un->adj[i])
				continue;
			s->val += un->adj[i];
			if (s->val < 0)
				s->val = 0;
			if (s->val > SEMVMX)
				s->val = SEMVMX;
			s->pid = tg->tgid;
		}
		free_undo(un);
		update_queue(sma);
	}
	free(ul);
	tg->sem_undo = NULL;
}

/* ---- semget ------------------------------------------------------------------ */

static long newary(struct task *t, int32_t key, int flg, void *arg)
{
	int nsems = *(int *)arg, err;
	struct ipc_limits l;
	struct sem_array *sma;

	sysctl_ipc_limits(&l);
	if (!nsems)
		return -EINVAL;
	if (used_sems + nsems > l.semmns || used_sems + nsems > SEM_TOTAL_MAX)
		return -ENOSPC;
	if (sem_ids.in_use >= l.semmni)
		return -ENOSPC;
	if (!(sma = calloc(1, sizeof(*sma) + (size_t)nsems * sizeof(struct sem))))
		return -ENOMEM;
	sma->perm.key = key;
	sma->perm.mode = (uint32_t)flg & 0777;
	sma->nsems = nsems;
	sma->ctime = (int64_t)ipc_now();
	list_init(&sma->pending);
	list_init(&sma->undos);
	if ((err = ipc_addid(&sem_ids, &sma->perm, l.semmni, t))) {
		free(sma);
		return err;
	}
	used_sems += nsems;
	return sma->perm.id;
}

static int sem_more_checks(struct ipc_perm_k *p, void *arg)
{
	return *(int *)arg > ((struct sem_array *)p)->nsems ? -EINVAL : 0;
}

long ipc_semget(struct task *t, int32_t key, int nsems, int flg)
{
	struct ipc_limits l;

	sysctl_ipc_limits(&l);
	if (nsems < 0 || nsems > l.semmsl)
		return -EINVAL;
	return ipcget(t, &sem_ids, key, flg, newary, sem_more_checks, &nsems);
}

/* ---- semop / semtimedop ------------------------------------------------------- */

static long wait_queued(struct task *t, struct sem_array *sma, struct sem_queue *q, uint64_t deadline)
{
	list_add_tail(&q->link, &sma->pending);
	for (;;) {
		int err = task_sleep(t, deadline);
		if (q->status != 1)
			return q->status;   /* done by a waker, or -EIDRM: q is off the list */
		if (err == -EINTR || err == -ETIMEDOUT) {
			list_del(&q->link);
			return err == -EINTR ? -EINTR : -EAGAIN;
		}
	}
}

long ipc_semtimedop(struct task *t, int id, uint64_t usops, uint64_t nsops64, uint64_t utimeout)
{
	unsigned nsops = (unsigned)nsops64, max = 0, i;
	struct sem_queue q = { .status = 1 };
	struct sem_undo *un = NULL;
	struct sem_array *sma;
	struct ipc_limits l;
	uint64_t deadline = 0;
	bool undos = false;
	long err;

	sysctl_ipc_limits(&l);
	if (nsops < 1 || id < 0)
		return -EINVAL;
	if (nsops > (unsigned)l.semopm)
		return -E2BIG;
	if (!(q.sops = malloc(nsops * sizeof(struct sembuf_k))))
		return -ENOMEM;
	err = -EFAULT;
	if (copy_from_user(t->mm, q.sops, usops, nsops * sizeof(struct sembuf_k)))
		goto out;
	if (utimeout) {
		struct timespec ts;
		if (copy_from_user(t->mm, &ts, utimeout, sizeof(ts)))
			goto out;
		err = -EINVAL;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC)
			goto out;
		deadline = now_mono_ns() + ((uint64_t)ts.tv_sec > 86400ULL * 365 * 100
			   ? 86400ULL * 365 * 100 * NSEC : (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec);
	}
	for (i = 0; i < nsops; i++) {
		if (q.sops[i].num >= max)
			max = q.sops[i].num;
		undos |= (q.sops[i].flg & SEM_UNDO) != 0;
		q.alter |= q.sops[i].op != 0;
	}
	err = -EINVAL;
	if (!(sma = (struct sem_array *)ipc_obtain(&sem_ids, id)))
		goto out;
	err = -EFBIG;
	if (max >= (unsigned)sma->nsems)
		goto out;
	err = -EACCES;
	if (ipcperms(t, &sma->perm, q.alter ? 0222 : 0444))
		goto out;
	err = -ENOMEM;
	if (undos && !(un = find_alloc_undo(t->tg, sma)))
		goto out;
	q.task = t;
	q.pid = t->tg->tgid;
	q.nsops = nsops;
	q.undo = un;
	err = perform(sma, q.sops, nsops, un, q.pid, &q.blocking);
	if (err == 0) {
		set_otime(sma, q.sops, nsops);
		if (q.alter)
			update_queue(sma);
	} else if (err > 0) {
		err = wait_queued(t, sma, &q, deadline);
	}
out:
	free(q.sops);
	return err;
}

/* ---- semctl --------------------------------------------------------------------- */

static void freeary(struct sem_array *sma)
{
	while (!list_empty(&sma->pending)) {
		struct sem_queue *q = list_entry(sma->pending.next, struct sem_queue, link);
		list_del(&q->link);
		q->status = -EIDRM;
		task_wake(q->task);
	}
	while (!list_empty(&sma->undos))
		free_undo(list_entry(sma->undos.next, struct sem_undo, array_link));
	ipc_rmid(&sem_ids, &sma->perm);
	used_sems -= sma->nsems;
	free(sma);
}

static int count_waiters(struct sem_array *sma, int semnum, bool zero)
{
	struct list_head *pos;
	int n = 0;

	list_for_each(pos, &sma->pending) {
		struct sem_queue *q = list_entry(pos, struct sem_queue, link);
		struct sembuf_k *s = &q->sops[q->blocking];
		if (s->num == semnum && (zero ? s->op == 0 : s->op < 0))
			n++;
	}
	return n;
}

static void clear_adj(struct sem_array *sma, int semnum)
{
	struct list_head *pos;

	list_for_each(pos, &sma->undos) {
		struct sem_undo *un = list_entry(pos, struct sem_undo, array_link);
		if (semnum < 0)
			memset(un->adj, 0, (size_t)sma->nsems * sizeof(int16_t));
		else
			un->adj[semnum] = 0;
	}
}

static long sem_info(struct task *t, int cmd, uint64_t buf)
{
	struct ipc_limits l;
	int max = ipc_maxidx(&sem_ids);
	struct seminfo_u u;

	sysctl_ipc_limits(&l);
	u = (struct seminfo_u){ .semmap = SEMMNS_CONST, .semmni = l.semmni, .semmns = l.semmns,
				.semmnu = SEMMNS_CONST, .semmsl = l.semmsl, .semopm = l.semopm,
				.semume = SEMOPM_CONST, .semusz = SEMUSZ, .semvmx = SEMVMX,
				.semaem = SEMAEM };
	if (cmd == SEM_INFO) {
		u.semusz = sem_ids.in_use;
		u.semaem = (int32_t)used_sems;
	}
	if (copy_to_user(t->mm, buf, &u, sizeof(u)))
		return -EFAULT;
	return max < 0 ? 0 : max;
}

static long sem_stat(struct task *t, int id, int cmd, uint64_t buf)
{
	struct sem_array *sma = (struct sem_array *)(cmd == KIPC_STAT ? ipc_obtain(&sem_ids, id)
								     : ipc_by_index(&sem_ids, id));
	struct semid64_u u = { 0 };

	if (!sma)
		return -EINVAL;
	if (cmd != SEM_STAT_ANY && ipcperms(t, &sma->perm, 0444))
		return -EACCES;
	ipc_perm_to_user(&sma->perm, &u.perm);
	for (int i = 0; i < sma->nsems; i++)
		if (sma->sems[i].otime > u.otime)
			u.otime = sma->sems[i].otime;
	u.ctime = sma->ctime;
	u.nsems = (uint64_t)sma->nsems;
	if (copy_to_user(t->mm, buf, &u, sizeof(u)))
		return -EFAULT;
	return cmd == KIPC_STAT ? 0 : sma->perm.id;
}

static long sem_setval(struct task *t, int id, int semnum, int val)
{
	struct sem_array *sma;

	if (val > SEMVMX || val < 0)
		return -ERANGE;
	if (!(sma = (struct sem_array *)ipc_obtain(&sem_ids, id)))
		return -EINVAL;
	if (semnum < 0 || semnum >= sma->nsems)
		return -EINVAL;
	if (ipcperms(t, &sma->perm, 0222))
		return -EACCES;
	clear_adj(sma, semnum);
	sma->sems[semnum].val = val;
	sma->sems[semnum].pid = t->tg->tgid;
	sma->ctime = (int64_t)ipc_now();
	update_queue(sma);
	return 0;
}

static long sem_all(struct task *t, struct sem_array *sma, int cmd, uint64_t arg)
{
	size_t n = (size_t)sma->nsems;
	uint16_t *vals = malloc(n * sizeof(*vals));
	long err = 0;

	if (!vals)
		return -ENOMEM;
	if (cmd == GETALL) {
		for (size_t i = 0; i < n; i++)
			vals[i] = (uint16_t)sma->sems[i].val;
		if (copy_to_user(t->mm, arg, vals, n * sizeof(*vals)))
			err = -EFAULT;
	} else if (copy_from_user(t->mm, vals, arg, n * sizeof(*vals))) {
		err = -EFAULT;
	} else {
		for (size_t i = 0; i < n && !err; i++)
			if (vals[i] > SEMVMX)
				err = -ERANGE;
		for (size_t i = 0; i < n && !err; i++) {
			sma->sems[i].val = vals[i];
			sma->sems[i].pid = t->tg->tgid;
		}
		if (!err) {
			clear_adj(sma, -1);
			sma->ctime = (int64_t)ipc_now();
			update_queue(sma);
		}
	}
	free(vals);
	return err;
}

static long sem_main(struct task *t, int id, int semnum, int cmd, uint64_t arg)
{
	struct sem_array *sma = (struct sem_array *)ipc_obtain(&sem_ids, id);

	if (!sma)
		return -EINVAL;
	if (ipcperms(t, &sma->perm, cmd == SETALL ? 0222 : 0444))
		return -EACCES;
	if (cmd == GETALL || cmd == SETALL)
		return sem_all(t, sma, cmd, arg);
	if (semnum < 0 || semnum >= sma->nsems)
		return -EINVAL;
	switch (cmd) {
	case GETVAL: return sma->sems[semnum].val;
	case GETPID: return sma->sems[semnum].pid;
	case GETNCNT: return count_waiters(sma, semnum, false);
	default: return count_waiters(sma, semnum, true);   /* GETZCNT */
	}
}

long ipc_semctl(struct task *t, int id, int semnum, int cmd, uint64_t arg)
{
	struct semid64_u u;
	struct sem_array *sma;
	int err;

	if (id < 0)
		return -EINVAL;
	switch (cmd) {
	case KIPC_INFO: case SEM_INFO:
		return sem_info(t, cmd, arg);
	case KIPC_STAT: case SEM_STAT: case SEM_STAT_ANY:
		return sem_stat(t, id, cmd, arg);
	case GETALL: case GETVAL: case GETPID: case GETNCNT: case GETZCNT: case SETALL:
		return sem_main(t, id, semnum, cmd, arg);
	case SETVAL:
		return sem_setval(t, id, semnum, (int)arg);
	case KIPC_SET:
		if (copy_from_user(t->mm, &u, arg, sizeof(u)))
			return -EFAULT;
		/* fallthrough */
	case KIPC_RMID:
		if (!(sma = (struct sem_array *)ipc_obtain(&sem_ids, id)))
			return -EINVAL;
		if ((err = ipc_owner_check(t, &sma->perm)))
			return err;
		if (cmd == KIPC_RMID) {
			freeary(sma);
		} else {
			ipc_update_perm(&sma->perm, &u.perm);
			sma->ctime = (int64_t)ipc_now();
		}
		return 0;
	default:
		return -EINVAL;
	}
}
