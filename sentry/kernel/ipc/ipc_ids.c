/* SysV IPC object ids, keys and permissions (Linux ipc/util.c). An id is
 * seq << 15 | index; the index is the lowest free slot, the sequence counts
 * allocations so a stale id of a removed object does not name a new one. */
#include <errno.h>
#include <sys/stat.h>
#include <time.h>
#include "sentry/cred.h"
#include "sentry/kernel/ipc/ipc_internal.h"
#include "vfs/vfs_impl.h"

int ipc_addid(struct ipc_ids *ids, struct ipc_perm_k *p, int limit, struct task *t)
{
	int idx;

	if (limit > IPCMNI)
		limit = IPCMNI;
	if (ids->in_use >= limit)
		return -ENOSPC;
	for (idx = 0; idx < IPCMNI && ids->entries[idx]; idx++)
		;
	if (idx == IPCMNI)
		return -ENOSPC;
	p->seq = ids->seq;
	ids->seq = ids->seq >= IPCID_SEQ_MAX ? 0 : ids->seq + 1;
	p->id = (int)((uint32_t)p->seq << IPCMNI_SHIFT) + idx;
	p->uid = p->cuid = t->cred.euid;
	p->gid = p->cgid = t->cred.egid;
	ids->entries[idx] = p;
	ids->in_use++;
	return 0;
}

void ipc_rmid(struct ipc_ids *ids, struct ipc_perm_k *p)
{
	ids->entries[p->id % IPCMNI] = NULL;
	ids->in_use--;
}

struct ipc_perm_k *ipc_findkey(struct ipc_ids *ids, int32_t key)
{
	for (int i = 0; i < IPCMNI && ids->in_use; i++)
		if (ids->entries[i] && ids->entries[i]->key == key)
			return ids->entries[i];
	return NULL;
}

struct ipc_perm_k *ipc_obtain(struct ipc_ids *ids, int id)
{
	struct ipc_perm_k *p;

	if (id < 0)
		return NULL;
	p = ids->entries[id % IPCMNI];
	return p && p->id == id ? p : NULL;
}

int ipc_maxidx(struct ipc_ids *ids)
{
	for (int i = IPCMNI - 1; i >= 0 && ids->in_use; i--)
		if (ids->entries[i])
			return i;
	return -1;
}

int ipcperms(struct task *t, const struct ipc_perm_k *p, int flag)
{
	const struct cred *c = &t->cred;
	int requested = (flag >> 6) | (flag >> 3) | flag;
	int granted = (int)p->mode;

	if (c->euid == p->cuid || c->euid == p->uid)
		granted >>= 6;
	else if (cred_in_group(c, p->cgid) || cred_in_group(c, p->gid))
		granted >>= 3;
	if ((requested & ~granted & 0007) && !cred_has_cap(c, CAP_IPC_OWNER))
		return -1;
	return 0;
}

int ipc_owner_check(struct task *t, const struct ipc_perm_k *p)
{
	uint32_t euid = t->cred.euid;

	if (euid == p->cuid || euid == p->uid || cred_has_cap(&t->cred, CAP_SYS_ADMIN))
		return 0;
	return -EPERM;
}

void ipc_perm_to_user(const struct ipc_perm_k *p, struct ipc64_perm_u *u)
{
	*u = (struct ipc64_perm_u){ .key = p->key, .uid = p->uid, .gid = p->gid, .cuid = p->cuid,
				    .cgid = p->cgid, .mode = p->mode, .seq = p->seq };
}

void ipc_update_perm(struct ipc_perm_k *p, const struct ipc64_perm_u *u)
{
	p->uid = u->uid;
	p->gid = u->gid;
	p->mode = (p->mode & ~(uint32_t)0777) | (u->mode & 0777);
}

uint64_t ipc_now(void)
{
	return (uint64_t)time(NULL);
}

long ipcget(struct task *t, struct ipc_ids *ids, int32_t key, int flg, ipc_new_fn newfn,
	    ipc_check_fn more, void *arg)
{
	struct ipc_perm_k *p;
	int err;

	if (key == KIPC_PRIVATE)
		return newfn(t, key, flg, arg);
	p = ipc_findkey(ids, key);
	if (!p)
		return (flg & KIPC_CREAT) ? newfn(t, key, flg, arg) : -ENOENT;
	if ((flg & KIPC_CREAT) && (flg & KIPC_EXCL))
		return -EEXIST;
	if (more && (err = more(p, arg)))
		return err;
	if (ipcperms(t, p, flg))
		return -EACCES;
	return p->id;
}
