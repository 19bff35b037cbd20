/* Credential changes made by execve and the side effects of every
 * credential change (Linux's commit_creds, bprm_fill_uid and
 * cap_bprm_creds_from_file). */
#include <sys/stat.h>
#include "sentry/cred.h"
#include "sentry/task.h"
#include "vfs/vfs.h"

void cred_committed(struct task *t, const struct cred *old)
{
	const struct cred *c = &t->cred;

	if (c->euid != old->euid || c->egid != old->egid || c->fsuid != old->fsuid ||
	    c->fsgid != old->fsgid || (c->cap_permitted & ~old->cap_permitted)) {
		t->dumpable = 0;   /* fs.suid_dumpable = 0 */
		t->pdeath_signal = 0;
	}
}

bool exec_setid_allowed;

void cred_for_exec(const struct task *t, const struct inode *ino, bool nosuid,
		   struct cred *out, bool *secure)
{
	const struct cred *old = &t->cred;
	struct cred *c = out;
	bool effective = false;

	*c = *old;
	c->securebits &= ~SECBIT_KEEP_CAPS;
	/* set-id bits: ignored unless the sandbox allows them, on nosuid
	 * mounts and under no_new_privs */
	if (exec_setid_allowed && !nosuid && !t->no_new_privs) {
		if (ino->mode & S_ISUID)
			c->euid = ino->uid;
		if ((ino->mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
			c->egid = ino->gid;
	}
	/* No file capabilities: root's are those of a file with every bit set. */
	c->cap_permitted = 0;
	if (!cred_secure(old, SECURE_NOROOT)) {
		if (!c->euid || !c->uid)
			c->cap_permitted = old->cap_bounding | old->cap_inheritable;
		effective = !c->euid;
	}
	bool is_setid = c->euid != old->euid || c->egid != old->egid;
	bool gained = c->cap_permitted & ~old->cap_permitted;
	/* no_new_privs: nothing beyond what the task had (ptrace and shared
	 * fs_struct, Linux's other unsafe cases, are not modelled) */
	if ((is_setid || gained) && t->no_new_privs) {
		c->euid = c->uid;
		c->egid = c->gid;
		c->cap_permitted &= old->cap_permitted;
	}
	c->suid = c->fsuid = c->euid;
	c->sgid = c->fsgid = c->egid;
	if (is_setid)
		c->cap_ambient = 0;
	c->cap_permitted |= c->cap_ambient;
	c->cap_effective = effective ? c->cap_permitted : c->cap_ambient;
	*secure = is_setid ||
		  (c->uid && (effective || (c->cap_permitted & ~c->cap_ambient)));
}
