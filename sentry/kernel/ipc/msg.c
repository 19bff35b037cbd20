/*
 * SysV message queues (Linux ipc/msg.c). A queue holds at most msg_qbytes
 * bytes of text and as many messages; senders wait for room, receivers for
 * a matching message (type 0: any; > 0: that type, or any other with
 * MSG_EXCEPT; < 0: the lowest type <= |type|). Both re-check after every
 * change (no direct hand-off to a waiting receiver as Linux's
 * pipelined_send does, which only changes who wins a race).
 * Interrupted waits return -ERESTARTNOHAND, like Linux.
 * A queue removed while tasks wait on it lives on (refs) until they leave.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "sentry/cred.h"
#include "sentry/kernel/ipc/ipc_internal.h"
#include "sentry/mm.h"
#include "sentry/signal_types.h"
#include "sentry/waitq.h"

#define MSG_NOERROR 010000
#define MSG_EXCEPT  020000
#define MSG_COPY    040000
#define MSG_STAT 11
#define MSG_INFO 12
#define MSG_STAT_ANY 13
#define MSGMNB_CONST 16384
#define MSGPOOL (32000 * MSGMNB_CONST / 1024)
#define MSGSSZ 16
#define MSGSEG 0xffff
/* Sandbox-wide cap on queued text, whatever msg_qbytes CAP_SYS_RESOURCE set:
 * a queue that would pass it counts as full. */
#define MSG_TOTAL_MAX (256ULL << 20)

enum { SEARCH_ANY, SEARCH_EQUAL, SEARCH_NOTEQUAL, SEARCH_LESSEQUAL, SEARCH_NUMBER };

struct msg_msg {
	struct list_head link;
	int64_t type;
	size_t ts;
	char text[];
};

struct msg_queue {
	struct ipc_perm_k perm;
	int64_t stime, rtime, ctime;
	uint64_t cbytes, qnum, qbytes;
	int lspid, lrpid;
	struct list_head messages;
	struct waitq receivers, senders;
	int refs;                     /* sleepers holding it */
	bool deleted;
};

struct msqid64_u {
	struct ipc64_perm_u perm;
	int64_t stime, rtime, ctime;
	uint64_t cbytes, qnum, qbytes;
	int32_t lspid, lrpid;
	uint64_t unused4, unused5;
};
_Static_assert(sizeof(struct msqid64_u) == 120, "msqid64_ds layout");

struct msginfo_u {
	int32_t msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
	uint16_t msgseg;
};

static struct ipc_ids msg_ids;
static uint64_t msg_bytes, msg_hdrs;   /* all queues */

/* ---- msgget ------------------------------------------------------------- */

static long newque(struct task *t, int32_t key, int flg, void *arg)
{
	struct ipc_limits l;
	struct msg_queue *q;
	int err;

	sysctl_ipc_limits(&l);
	if (msg_ids.in_use >= l.msgmni)
		return -ENOSPC;
	if (!(q = calloc(1, sizeof(*q))))
		return -ENOMEM;
	q->perm.key = key;
	q->perm.mode = (uint32_t)flg & 0777;
	q->qbytes = (uint64_t)l.msgmnb;
	q->ctime = (int64_t)ipc_now();
	list_init(&q->messages);
	waitq_init(&q->receivers);
	waitq_init(&q->senders);
	if ((err = ipc_addid(&msg_ids, &q->perm, l.msgmni, t))) {
		free(q);
		return err;
	}
	return q->perm.id;
}

long ipc_msgget(struct task *t, int32_t key, int flg)
{
	return ipcget(t, &msg_ids, key, flg, newque, NULL, NULL);
}

static void put_queue(struct msg_queue *q)
{
	if (q->deleted && q->refs == 0)
		free(q);
}

/* Sleep once on wq (queued on the first call). 0 or -ERESTARTNOHAND. */
static long wait_on(struct task *t, struct msg_queue *q, struct waitq *wq, struct waiter *w,
		    bool *queued)
{
	long err;

	q->refs++;
	err = waitq_wait_step(wq, w, queued, t);
	q->refs--;
	return err ? -ERESTARTNOHAND : 0;
}

static void end_wait(struct waiter *w, bool queued)
{
	if (queued)
		waitq_remove(w);
}

/* ---- msgsnd -------------------------------------------------------------- */

long ipc_msgsnd(struct task *t, int id, uint64_t msgp, uint64_t msgsz, int flg)
{
	struct ipc_limits l;
	struct msg_queue *q;
	struct msg_msg *m;
	struct waiter w;
	bool queued = false;
	int64_t mtype;
	long err;

	if (copy_from_user(t->mm, &mtype, msgp, sizeof(mtype)))
		return -EFAULT;
	sysctl_ipc_limits(&l);
	if (msgsz > (uint64_t)l.msgmax || (int64_t)msgsz < 0 || id < 0)
		return -EINVAL;
	if (mtype < 1)
		return -EINVAL;
	if (!(m = malloc(sizeof(*m) + msgsz)))
		return -ENOMEM;
	m->type = mtype;
	m->ts = msgsz;
	if (copy_from_user(t->mm, m->text, msgp + sizeof(mtype), msgsz)) {
		free(m);
		return -EFAULT;
	}
	if (!(q = (struct msg_queue *)ipc_obtain(&msg_ids, id))) {
		free(m);
		return -EINVAL;
	}
	for (;;) {
		err = -EACCES;
		if (ipcperms(t, &q->perm, 0222))
			break;
		err = -EIDRM;
		if (q->deleted)
			break;
		err = 0;
		if (msgsz + q->cbytes <= q->qbytes && 1 + q->qnum <= q->qbytes &&
		    msg_bytes + msgsz + (msg_hdrs + 1) * sizeof(*m) <= MSG_TOTAL_MAX)
			break;
		err = -EAGAIN;
		if (flg & KIPC_NOWAIT)
			break;
		if ((err = wait_on(t, q, &q->senders, &w, &queued)))
			break;
	}
	end_wait(&w, queued);
	if (err) {
		free(m);
		put_queue(q);
		return err;
	}
	list_add_tail(&m->link, &q->messages);
	q->cbytes += msgsz;
	q->qnum++;
	q->lspid = t->tg->tgid;
	q->stime = (int64_t)ipc_now();
	msg_bytes += msgsz;
	msg_hdrs++;
	waitq_wake_all(&q->receivers);
	return 0;
}

/* ---- msgrcv -------------------------------------------------------------- */

static int convert_mode(int64_t *type, int flg)
{
	if (flg & MSG_COPY)
		return SEARCH_NUMBER;
	if (*type == 0)
		return SEARCH_ANY;
	if (*type < 0) {
		*type = *type == INT64_MIN ? INT64_MAX : -*type;
		return SEARCH_LESSEQUAL;
	}
	return (flg & MSG_EXCEPT) ? SEARCH_NOTEQUAL : SEARCH_EQUAL;
}

static bool testmsg(const struct msg_msg *m, int64_t type, int mode)
{
	switch (mode) {
	case SEARCH_EQUAL: return m->type == type;
	case SEARCH_NOTEQUAL: return m->type != type;
	case SEARCH_LESSEQUAL: return m->type <= type;
	default: return true;   /* ANY, NUMBER */
	}
}

static struct msg_msg *find_msg(struct msg_queue *q, int64_t type, int mode)
{
	struct msg_msg *found = NULL;
	struct list_head *pos;
	int64_t count = 0;

	list_for_each(pos, &q->messages) {
		struct msg_msg *m = list_entry(pos, struct msg_msg, link);
		if (!testmsg(m, type, mode))
			continue;
		if (mode == SEARCH_LESSEQUAL && m->type != 1) {
			type = m->type - 1;   /* keep looking for a lower type */
			found = m;
		} else if (mode == SEARCH_NUMBER) {
			if (type == count)
				return m;
		} else {
			return m;
		}
		count++;
	}
	return found;
}

long ipc_msgrcv(struct task *t, int id, uint64_t msgp, uint64_t bufsz, int64_t type, int flg)
{
	struct ipc_limits l;
	struct msg_queue *q;
	struct msg_msg *m = NULL;
	struct waiter w;
	bool queued = false, copy = flg & MSG_COPY;
	int mode;
	long err;

	if (id < 0 || (int64_t)bufsz < 0)
		return -EINVAL;
	if (copy && ((flg & MSG_EXCEPT) || !(flg & KIPC_NOWAIT)))
		return -EINVAL;
	sysctl_ipc_limits(&l);
	mode = convert_mode(&type, flg);
	if (!(q = (struct msg_queue *)ipc_obtain(&msg_ids, id)))
		return -EINVAL;
	for (;;) {
		err = -EACCES;
		if (ipcperms(t, &q->perm, 0444))
			break;
		err = -EIDRM;
		if (q->deleted)
			break;
		if ((m = find_msg(q, type, mode))) {
			err = 0;
			if (bufsz < m->ts && !(flg & MSG_NOERROR))
				err = -E2BIG;
			else if (copy && (bufsz < (uint64_t)l.msgmax ? bufsz : (uint64_t)l.msgmax) < m->ts)
				err = -EINVAL;   /* MSG_COPY never truncates */
			break;
		}
		err = -ENOMSG;
		if (flg & KIPC_NOWAIT)
			break;
		if ((err = wait_on(t, q, &q->receivers, &w, &queued)))
			break;
	}
	end_wait(&w, queued);
	if (err) {
		put_queue(q);
		return err;
	}
	if (!copy) {
		list_del(&m->link);
		q->qnum--;
		q->cbytes -= m->ts;
		q->lrpid = t->tg->tgid;
		q->rtime = (int64_t)ipc_now();
		msg_bytes -= m->ts;
		msg_hdrs--;
		waitq_wake_all(&q->senders);
	}
	size_t n = bufsz > m->ts ? m->ts : bufsz;
	err = (long)n;
	if (copy_to_user(t->mm, msgp, &m->type, sizeof(m->type)) ||
	    copy_to_user(t->mm, msgp + sizeof(m->type), m->text, n))
		err = -EFAULT;   /* the message is gone all the same, like Linux */
	if (!copy)
		free(m);
	return err;
}

/* ---- msgctl -------------------------------------------------------------- */

static void freeque(struct msg_queue *q)
{
	while (!list_empty(&q->messages)) {
		struct msg_msg *m = list_entry(q->messages.next, struct msg_msg, link);
		list_del(&m->link);
		msg_bytes -= m->ts;
		msg_hdrs--;
		free(m);
	}
	ipc_rmid(&msg_ids, &q->perm);
	q->deleted = true;
	waitq_wake_all(&q->receivers);
	waitq_wake_all(&q->senders);
	put_queue(q);
}

static long msg_info(struct task *t, int cmd, uint64_t buf)
{
	struct ipc_limits l;
	struct msginfo_u u;
	int max = ipc_maxidx(&msg_ids);

	sysctl_ipc_limits(&l);
	u = (struct msginfo_u){ .msgpool = MSGPOOL, .msgmap = MSGMNB_CONST, .msgmax = l.msgmax,
				.msgmnb = l.msgmnb, .msgmni = l.msgmni, .msgssz = MSGSSZ,
				.msgtql = MSGMNB_CONST, .msgseg = MSGSEG };
	if (cmd == MSG_INFO) {
		u.msgpool = msg_ids.in_use;
		u.msgmap = (int32_t)msg_hdrs;
		u.msgtql = (int32_t)msg_bytes;
	}
	if (copy_to_user(t->mm, buf, &u, sizeof(u)))
		return -EFAULT;
	return max < 0 ? 0 : max;
}

static long msg_stat(struct task *t, int id, int cmd, uint64_t buf)
{
	struct msg_queue *q = (struct msg_queue *)(cmd == KIPC_STAT ? ipc_obtain(&msg_ids, id)
								     : ipc_by_index(&msg_ids, id));
	struct msqid64_u u = { 0 };

	if (!q)
		return -EINVAL;
	if (cmd != MSG_STAT_ANY && ipcperms(t, &q->perm, 0444))
		return -EACCES;
	ipc_perm_to_user(&q->perm, &u.perm);
	u.stime = q->stime;
	u.rtime = q->rtime;
	u.ctime = q->ctime;
	u.cbytes = q->cbytes;
	u.qnum = q->qnum;
	u.qbytes = q->qbytes;
	u.lspid = q->lspid;
	u.lrpid = q->lrpid;
	if (copy_to_user(t->mm, buf, &u, sizeof(u)))
		return -EFAULT;
	return cmd == KIPC_STAT ? 0 : q->perm.id;
}

long ipc_msgctl(struct task *t, int id, int cmd, uint64_t buf)
{
	struct msqid64_u u;
	struct msg_queue *q;
	struct ipc_limits l;
	int err;

	if (id < 0 || cmd < 0)
		return -EINVAL;
	switch (cmd) {
	case KIPC_INFO: case MSG_INFO:
		return msg_info(t, cmd, buf);
	case KIPC_STAT: case MSG_STAT: case MSG_STAT_ANY:
		return msg_stat(t, id, cmd, buf);
	case KIPC_SET:
		if (copy_from_user(t->mm, &u, buf, sizeof(u)))
			return -EFAULT;
		/* fallthrough */
	case KIPC_RMID:
		if (!(q = (struct msg_queue *)ipc_obtain(&msg_ids, id)))
			return -EINVAL;
		if ((err = ipc_owner_check(t, &q->perm)))
			return err;
		if (cmd == KIPC_RMID) {
			freeque(q);
			return 0;
		}
		sysctl_ipc_limits(&l);
		if (u.qbytes > (uint64_t)l.msgmnb && !cred_has_cap(&t->cred, CAP_SYS_RESOURCE))
			return -EPERM;
		q->qbytes = u.qbytes;
		ipc_update_perm(&q->perm, &u.perm);
		q->ctime = (int64_t)ipc_now();
		waitq_wake_all(&q->senders);
		waitq_wake_all(&q->receivers);
		return 0;
	default:
		return -EINVAL;
	}
}
