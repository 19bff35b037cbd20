/* Credentials and process identity: uid/gid families with Linux's
 * permission rules and capability fix-ups (capabilities(7)), capget/capset,
 * pid/tid/ppid, process groups and sessions. Credentials are per task, as in
 * Linux (glibc broadcasts set*id to every thread itself). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "sentry/cred.h"
#include "sentry/kernel.h"
#include "sentry/list.h"
#include "sentry/mm.h"
#include "sentry/task.h"
#include "syscalls/syscall.h"

#define ID_NONE ((uint32_t)-1)

static bool capable(const struct task *t, int cap)
{
	return cred_has_cap(&t->cred, cap);
}

/* capabilities(7): effect of user ID changes on capabilities. */
static void fix_caps_setxuid(struct task *t, const struct cred *old)
{
	struct cred *c = &t->cred;
	bool was_root = !old->uid || !old->euid || !old->suid;
	bool is_root = !c->uid || !c->euid || !c->suid;

	if (cred_secure(old, SECURE_NO_SETUID_FIXUP))
		return;
	if (was_root && !is_root) {
		if (!cred_secure(old, SECURE_KEEP_CAPS))
			c->cap_permitted = c->cap_effective = 0;
		c->cap_ambient = 0;
	}
	if (!old->euid && c->euid)
		c->cap_effective = 0;
	if (old->euid && !c->euid)
		c->cap_effective = c->cap_permitted;
}

static void fix_caps_setfsuid(struct task *t, uint32_t old_fsuid)
{
	struct cred *c = &t->cred;

	if (cred_secure(c, SECURE_NO_SETUID_FIXUP))
		return;
	if (!old_fsuid && c->fsuid)
		c->cap_effective &= ~CAP_FS_MASK;
	if (old_fsuid && !c->fsuid)
		c->cap_effective |= c->cap_permitted & CAP_FS_MASK;
}

/* ---- getters --------------------------------------------------------------------- */

long sys_getuid(struct task *t, const struct syscall_args *a) { return t->cred.uid; }
long sys_geteuid(struct task *t, const struct syscall_args *a) { return t->cred.euid; }
long sys_getgid(struct task *t, const struct syscall_args *a) { return t->cred.gid; }
long sys_getegid(struct task *t, const struct syscall_args *a) { return t->cred.egid; }

static long put_three(struct task *t, const struct syscall_args *a, uint32_t x, uint32_t y, uint32_t z)
{
	if (copy_to_user(t->mm, a->a[0], &x, 4) || copy_to_user(t->mm, a->a[1], &y, 4) ||
	    copy_to_user(t->mm, a->a[2], &z, 4))
		return -EFAULT;
	return 0;
}

long sys_getresuid(struct task *t, const struct syscall_args *a)
{
	return put_three(t, a, t->cred.uid, t->cred.euid, t->cred.suid);
}

long sys_getresgid(struct task *t, const struct syscall_args *a)
{
	return put_three(t, a, t->cred.gid, t->cred.egid, t->cred.sgid);
}

long sys_getgroups(struct task *t, const struct syscall_args *a)
{
	int size = (int)a->a[0];

	if (size < 0)
		return -EINVAL;
	if (!size)
		return t->cred.ngroups;
	if (size < t->cred.ngroups)
		return -EINVAL;
	if (copy_to_user(t->mm, a->a[1], t->cred.groups, (size_t)t->cred.ngroups * 4))
		return -EFAULT;
	return t->cred.ngroups;
}

/* ---- setters ------------------------------------------------------------------------ */

/* The three ids (real, effective, saved) plus fs id of one kind. */
struct ids {
	uint32_t *r, *e, *s, *fs;
	int cap;
};

static struct ids uids(struct task *t)
{
	return (struct ids){ &t->cred.uid, &t->cred.euid, &t->cred.suid, &t->cred.fsuid, CAP_SETUID };
}

static struct ids gids(struct task *t)
{
	return (struct ids){ &t->cred.gid, &t->cred.egid, &t->cred.sgid, &t->cred.fsgid, CAP_SETGID };
}

static long do_setid(struct task *t, struct ids id, uint32_t v)
{
	if (v == ID_NONE)
		return -EINVAL;
	if (capable(t, id.cap))
		*id.r = *id.s = v;
	else if (v != *id.r && v != *id.s)
		return -EPERM;
	*id.e = *id.fs = v;
	return 0;
}

static long do_setreid(struct task *t, struct ids id, uint32_t r, uint32_t e)
{
	uint32_t old_r = *id.r, old_e = *id.e, old_s = *id.s;
	bool priv = capable(t, id.cap);

	if (r != ID_NONE && r != old_r && r != old_e && !priv)
		return -EPERM;
	if (e != ID_NONE && e != old_r && e != old_e && e != old_s && !priv)
		return -EPERM;
	if (r != ID_NONE)
		*id.r = r;
	if (e != ID_NONE)
		*id.e = e;
	if (r != ID_NONE || (e != ID_NONE && e != old_r))
		*id.s = *id.e;
	*id.fs = *id.e;
	return 0;
}

static long do_setresid(struct task *t, struct ids id, uint32_t r, uint32_t e, uint32_t s)
{
	uint32_t v[3] = { r, e, s };

	if (!capable(t, id.cap))
		for (int i = 0; i < 3; i++)
			if (v[i] != ID_NONE && v[i] != *id.r && v[i] != *id.e && v[i] != *id.s)
				return -EPERM;
	if (r != ID_NONE)
		*id.r = r;
	if (e != ID_NONE)
		*id.e = e;
	if (s != ID_NONE)
		*id.s = s;
	*id.fs = *id.e;
	return 0;
}

/* setfsuid/setfsgid return the old value whether or not they succeed. */
static long do_setfsid(struct task *t, struct ids id, uint32_t v)
{
	uint32_t old = *id.fs;

	if (v != ID_NONE && (v == *id.r || v == *id.e || v == *id.s || v == *id.fs || capable(t, id.cap)))
		*id.fs = v;
	return old;
}

/* Run one id change; on success apply the capability rules (uids) and
 * commit_creds' side effects. */
#define ID_CALL(expr, uid) do {                           \
		struct cred old = t->cred;                \
		long err_ = (expr);                       \
		if (!err_ && (uid))                       \
			fix_caps_setxuid(t, &old);        \
		if (!err_)                                \
			cred_committed(t, &old);          \
		return err_;                              \
	} while (0)

long sys_setuid(struct task *t, const struct syscall_args *a)
{
	ID_CALL(do_setid(t, uids(t), (uint32_t)a->a[0]), true);
}

long sys_setreuid(struct task *t, const struct syscall_args *a)
{
	ID_CALL(do_setreid(t, uids(t), (uint32_t)a->a[0], (uint32_t)a->a[1]), true);
}

long sys_setresuid(struct task *t, const struct syscall_args *a)
{
	ID_CALL(do_setresid(t, uids(t), (uint32_t)a->a[0], (uint32_t)a->a[1], (uint32_t)a->a[2]), true);
}

long sys_setgid(struct task *t, const struct syscall_args *a)
{
	ID_CALL(do_setid(t, gids(t), (uint32_t)a->a[0]), false);
}

long sys_setregid(struct task *t, const struct syscall_args *a)
{
	ID_CALL(do_setreid(t, gids(t), (uint32_t)a->a[0], (uint32_t)a->a[1]), false);
}

long sys_setresgid(struct task *t, const struct syscall_args *a)
{
	ID_CALL(do_setresid(t, gids(t), (uint32_t)a->a[0], (uint32_t)a->a[1], (uint32_t)a->a[2]), false);
}

long sys_setfsuid(struct task *t, const struct syscall_args *a)
{
	struct cred old = t->cred;
	long prev = do_setfsid(t, uids(t), (uint32_t)a->a[0]);

	fix_caps_setfsuid(t, (uint32_t)prev);
	cred_committed(t, &old);
	return prev;
}

long sys_setfsgid(struct task *t, const struct syscall_args *a)
{
	struct cred old = t->cred;
	long prev = do_setfsid(t, gids(t), (uint32_t)a->a[0]);

	cred_committed(t, &old);
	return prev;
}

static int gid_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return a < b ? -1 : a > b;
}

long sys_setgroups(struct task *t, const struct syscall_args *a)
{
	int size = (int)a->a[0];
	uint32_t groups[32];

	if (!capable(t, CAP_SETGID))
		return -EPERM;
	/* Linux allows NGROUPS_MAX (65536); struct cred keeps 32. */
	if (size < 0 || size > (int)(sizeof(groups) / sizeof(groups[0])))
		return -EINVAL;
	if (size && copy_from_user(t->mm, groups, a->a[1], (size_t)size * 4))
		return -EFAULT;
	qsort(groups, (size_t)size, sizeof(groups[0]), gid_cmp);   /* Linux keeps them sorted */
	memcpy(t->cred.groups, groups, (size_t)size * 4);
	t->cred.ngroups = size;
	return 0;
}

/* ---- capabilities ------------------------------------------------------------------- */

/* Validate the header; unknown versions get the preferred one written back. */
static int cap_version(struct task *t, uint64_t hdrp, int *count, int *pid)
{
	struct __user_cap_header_struct h;

	if (copy_from_user(t->mm, &h, hdrp, sizeof(h)))
		return -EFAULT;
	switch (h.version) {
	case _LINUX_CAPABILITY_VERSION_1:
		*count = 1;
		break;
	case _LINUX_CAPABILITY_VERSION_2:
	case _LINUX_CAPABILITY_VERSION_3:
		*count = 2;
		break;
	default:
		h.version = _LINUX_CAPABILITY_VERSION_3;
		if (copy_to_user(t->mm, hdrp, &h.version, sizeof(h.version)))
			return -EFAULT;
		return -EINVAL;
	}
	*pid = h.pid;
	return 0;
}

long sys_capget(struct task *t, const struct syscall_args *a)
{
	struct __user_cap_data_struct d[2];
	const struct cred *c = &t->cred;
	int count, pid, err = cap_version(t, a->a[0], &count, &pid);

	if (!a->a[1])   /* probing the version: the preferred one was written back */
		return err == -EINVAL ? 0 : err;
	if (err)
		return err;
	if (pid < 0)
		return -EINVAL;
	if (pid && pid != t->tid) {
		struct task *o = task_lookup(pid);

		if (!o)
			return -ESRCH;
		c = &o->cred;
	}
	for (int i = 0; i < 2; i++) {
		d[i].effective = (uint32_t)(c->cap_effective >> (32 * i));
		d[i].permitted = (uint32_t)(c->cap_permitted >> (32 * i));
		d[i].inheritable = (uint32_t)(c->cap_inheritable >> (32 * i));
	}
	return copy_to_user(t->mm, a->a[1], d, sizeof(d[0]) * (size_t)count) ? -EFAULT : 0;
}

long sys_capset(struct task *t, const struct syscall_args *a)
{
	struct __user_cap_data_struct d[2] = { 0 };
	struct cred *c = &t->cred;
	uint64_t eff = 0, perm = 0, inh = 0;
	int count, pid, err = cap_version(t, a->a[0], &count, &pid);

	if (err)
		return err;
	if (pid && pid != t->tid)
		return -EPERM;
	if (copy_from_user(t->mm, d, a->a[1], sizeof(d[0]) * (size_t)count))
		return -EFAULT;
	for (int i = 0; i < count; i++) {
		eff |= (uint64_t)d[i].effective << (32 * i);
		perm |= (uint64_t)d[i].permitted << (32 * i);
		inh |= (uint64_t)d[i].inheritable << (32 * i);
	}
	eff &= CAP_VALID_MASK;
	perm &= CAP_VALID_MASK;
	inh &= CAP_VALID_MASK;
	if (!capable(t, CAP_SETPCAP) && (inh & ~(c->cap_inheritable | c->cap_permitted)))
		return -EPERM;
	if ((inh & ~(c->cap_inheritable | c->cap_bounding)) || (perm & ~c->cap_permitted) ||
	    (eff & ~perm))
		return -EPERM;
	c->cap_effective = eff;
	c->cap_permitted = perm;
	c->cap_inheritable = inh;
	c->cap_ambient &= perm & inh;
	return 0;
}

/* ---- pids, process groups, sessions ------------------------------------------------- */

long sys_getpid(struct task *t, const struct syscall_args *a) { return t->tg->tgid; }
long sys_gettid(struct task *t, const struct syscall_args *a) { return t->tid; }

long sys_getppid(struct task *t, const struct syscall_args *a)
{
	return t->tg->parent ? t->tg->parent->tgid : 0;
}

long sys_getpgrp(struct task *t, const struct syscall_args *a) { return t->tg->pgid; }

/* The thread group of pid (0 = caller), or NULL. */
static struct thread_group *tg_of(struct task *t, int pid)
{
	struct task *o;

	if (!pid)
		return t->tg;
	o = task_lookup(pid);
	return o ? o->tg : tg_lookup(pid);
}

long sys_getpgid(struct task *t, const struct syscall_args *a)
{
	struct thread_group *tg = tg_of(t, (int)a->a[0]);

	return tg ? tg->pgid : -ESRCH;
}

long sys_getsid(struct task *t, const struct syscall_args *a)
{
	struct thread_group *tg = tg_of(t, (int)a->a[0]);

	return tg ? tg->sid : -ESRCH;
}

static bool pgrp_exists(int pgid, int sid)
{
	struct list_head *pos;

	list_for_each(pos, &kernel.tgs) {
		struct thread_group *g = list_entry(pos, struct thread_group, all_link);

		if (g->pgid == pgid && (sid < 0 || g->sid == sid))
			return true;
	}
	return false;
}

long sys_setpgid(struct task *t, const struct syscall_args *a)
{
	int pid = (int)a->a[0], pgid = (int)a->a[1];
	struct thread_group *self = t->tg, *p;
	struct task *pt;

	if (!pid)
		pid = self->tgid;
	if (!pgid)
		pgid = pid;
	if (pgid < 0)
		return -EINVAL;
	pt = task_lookup(pid);
	if (!pt)
		return -ESRCH;
	p = pt->tg;
	if (p->tgid != pid)
		return -EINVAL;   /* not a thread-group leader */
	if (p->parent == self) {
		if (p->sid != self->sid)
			return -EPERM;
	} else if (p != self) {
		return -ESRCH;
	}
	if (p->sid == p->tgid)
		return -EPERM;    /* session leader */
	if (pgid != pid && !pgrp_exists(pgid, self->sid))
		return -EPERM;
	p->pgid = pgid;
	return 0;
}

long sys_setsid(struct task *t, const struct syscall_args *a)
{
	struct thread_group *tg = t->tg;

	if (pgrp_exists(tg->tgid, -1))
		return -EPERM;
	tg->sid = tg->pgid = tg->tgid;
	return tg->sid;
}
