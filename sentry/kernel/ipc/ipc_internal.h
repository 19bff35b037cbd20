/* Shared by the SysV IPC files: object ids, permissions (ipc/util.c). */
#ifndef CVISOR_IPC_INTERNAL_H
#define CVISOR_IPC_INTERNAL_H
#include <stdbool.h>
#include <stdint.h>
#include "sentry/ipc.h"
#include "sentry/task.h"

#define IPCMNI        32768      /* ids per kind: index = id % IPCMNI */
#define IPCMNI_SHIFT  15
#define IPCID_SEQ_MAX (INT32_MAX >> IPCMNI_SHIFT)
#define KIPC_PRIVATE  0
#define KIPC_CREAT    00001000
#define KIPC_EXCL     00002000
#define KIPC_NOWAIT   00004000
#define KIPC_RMID 0
#define KIPC_SET  1
#define KIPC_STAT 2
#define KIPC_INFO 3

/* The common part of every object (kern_ipc_perm). */
struct ipc_perm_k {
	int id;
	int32_t key;
	uint32_t uid, gid, cuid, cgid;
	uint32_t mode;               /* 0777 plus SHM_DEST/SHM_LOCKED bits */
	uint16_t seq;
};

/* struct ipc64_perm, x86-64 */
struct ipc64_perm_u {
	int32_t key;
	uint32_t uid, gid, cuid, cgid;
	uint32_t mode;
	uint16_t seq, pad2;
	uint64_t unused1, unused2;
};
_Static_assert(sizeof(struct ipc64_perm_u) == 48, "ipc64_perm layout");

struct ipc_ids {
	int in_use;
	uint16_t seq;
	struct ipc_perm_k *entries[IPCMNI];
};

/* Insert p (key/mode set by the caller) below limit objects: fills id/seq,
 * owner and creator from t. 0 or -ENOSPC. */
int ipc_addid(struct ipc_ids *ids, struct ipc_perm_k *p, int limit, struct task *t);
void ipc_rmid(struct ipc_ids *ids, struct ipc_perm_k *p);
struct ipc_perm_k *ipc_findkey(struct ipc_ids *ids, int32_t key);
/* By full id (index + sequence): NULL = -EINVAL. */
struct ipc_perm_k *ipc_obtain(struct ipc_ids *ids, int id);
/* Highest index in use, or -1. */
int ipc_maxidx(struct ipc_ids *ids);
/* Linux ipcperms: 0 if the access in flag's rwx bits is granted. */
int ipcperms(struct task *t, const struct ipc_perm_k *p, int flag);
/* Owner, creator or CAP_SYS_ADMIN (IPC_SET, IPC_RMID): 0 or -EPERM. */
int ipc_owner_check(struct task *t, const struct ipc_perm_k *p);
void ipc_perm_to_user(const struct ipc_perm_k *p, struct ipc64_perm_u *u);
/* IPC_SET: uid, gid and the 0777 bits of mode. */
void ipc_update_perm(struct ipc_perm_k *p, const struct ipc64_perm_u *u);
uint64_t ipc_now(void);   /* seconds since the epoch */

/* ipcget(): IPC_PRIVATE or an unknown key with IPC_CREAT makes a new object
 * (newfn returns its id or -errno); an existing key checks IPC_EXCL, then
 * more (size/nsems, may be NULL), then the rwx bits of flg. Returns the id. */
typedef long (*ipc_new_fn)(struct task *t, int32_t key, int flg, void *arg);
typedef int (*ipc_check_fn)(struct ipc_perm_k *p, void *arg);
long ipcget(struct task *t, struct ipc_ids *ids, int32_t key, int flg, ipc_new_fn newfn,
	    ipc_check_fn more, void *arg);

/* Lookup for *_STAT (index) and IPC_STAT (id) alike. */
static inline struct ipc_perm_k *ipc_by_index(struct ipc_ids *ids, int idx)
{
	return idx >= 0 && idx < IPCMNI ? ids->entries[idx] : NULL;
}

#endif
