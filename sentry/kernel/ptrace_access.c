/* __ptrace_may_access() without LSMs (see sentry/ptrace_access.h). */
#include <errno.h>
#include "sentry/cred.h"
#include "sentry/ptrace_access.h"

int ptrace_may_access(struct task *caller, struct task *target, bool fscreds)
{
	const struct cred *c = &caller->cred, *tc = &target->cred;
	uint32_t uid = fscreds ? c->fsuid : c->uid, gid = fscreds ? c->fsgid : c->gid;
	bool cap = cred_has_cap(c, CAP_SYS_PTRACE);

	if (caller->tg == target->tg)
		return 0;
	if (!(uid == tc->euid && uid == tc->suid && uid == tc->uid &&
	      gid == tc->egid && gid == tc->sgid && gid == tc->gid) && !cap)
		return -EPERM;
	if (target->mm && target->dumpable != 1 && !cap)
		return -EPERM;   /* SUID_DUMP_USER only */
	return 0;
}
