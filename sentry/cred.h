/*
 * Credential rules shared by the uid/gid/capability syscalls, prctl and
 * execve (sentry/kernel/cred.c). struct cred itself lives in task.h.
 * See docs/credentials.md.
 */
#ifndef CVISOR_CRED_H
#define CVISOR_CRED_H
#include <stdbool.h>
#include <stdint.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include "task.h"

struct inode;

#define CAP_VALID_MASK ((1ULL << (CAP_LAST_CAP + 1)) - 1)
/* Capabilities that follow fsuid 0 (Linux's CAP_FS_MASK). */
#define CAP_FS_MASK ((1ULL << CAP_CHOWN) | (1ULL << CAP_DAC_OVERRIDE) |              \
		     (1ULL << CAP_DAC_READ_SEARCH) | (1ULL << CAP_FOWNER) |          \
		     (1ULL << CAP_FSETID) | (1ULL << CAP_LINUX_IMMUTABLE) |          \
		     (1ULL << CAP_MKNOD) | (1ULL << CAP_MAC_OVERRIDE))
/* Securebits this kernel knows (all of Linux's, with their locks). */
#define SECURE_ALL_VALID (SECURE_ALL_BITS | SECURE_ALL_LOCKS)

static inline bool cred_has_cap(const struct cred *c, int cap)
{
	return c->cap_effective & (1ULL << cap);
}

static inline bool cred_secure(const struct cred *c, int bit)
{
	return c->securebits & (1U << bit);
}

/* What Linux's commit_creds does besides installing the new credentials:
 * a change of euid/egid/fsuid/fsgid or a permitted set that is not a
 * subset of the old one makes the task non-dumpable and clears its
 * parent-death signal. */
void cred_committed(struct task *t, const struct cred *old);

/* The credentials a program runs with (fs/exec.c bprm_fill_uid +
 * security/commoncap.c cap_bprm_creds_from_file): set-id bits of the file
 * unless the mount is nosuid or the task has no_new_privs, root's
 * capabilities for euid/ruid 0, ambient capabilities, saved ids.
 * *secure tells whether AT_SECURE must be set. No file capabilities. */
/* Whether exec honours set-user-id/set-group-id bits (--allow-setuid;
 * default false: set-id programs run without privilege gain). */
extern bool exec_setid_allowed;
void cred_for_exec(const struct task *t, const struct inode *ino, bool nosuid,
		   struct cred *out, bool *secure);

#endif
