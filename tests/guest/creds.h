/* Helpers for the credential and permission guest tests (cred_*, perm_*,
 * exec_setuid): raw capability calls, /proc/self/status fields, running a
 * check in a forked child under other ids. The tests start as root with
 * full capabilities (ctest natively, the sandbox's init otherwise). */
#ifndef CVISOR_GUEST_CREDS_H
#define CVISOR_GUEST_CREDS_H

#include <ftw.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

#define BIT(c) (1ULL << (c))

struct caps {
	uint64_t eff, perm, inh;
};

static inline struct caps caps_get(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	CHECK(syscall(SYS_capget, &h, d) == 0, "capget");
	return (struct caps){
		d[0].effective | (uint64_t)d[1].effective << 32,
		d[0].permitted | (uint64_t)d[1].permitted << 32,
		d[0].inheritable | (uint64_t)d[1].inheritable << 32,
	};
}

static inline int caps_set(struct caps c)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)c.eff, (uint32_t)c.perm, (uint32_t)c.inh },
		{ (uint32_t)(c.eff >> 32), (uint32_t)(c.perm >> 32), (uint32_t)(c.inh >> 32) },
	};
	return (int)syscall(SYS_capset, &h, d);
}

/* Drop the given capabilities from the effective set only. */
static inline void caps_drop_eff(uint64_t mask)
{
	struct caps c = caps_get();
	c.eff &= ~mask;
	CHECK(caps_set(c) == 0, "capset dropping %llx", (unsigned long long)mask);
}

/* The bounding set, read bit by bit. */
static inline uint64_t caps_bounding(void)
{
	uint64_t b = 0;
	for (int i = 0; i <= CAP_LAST_CAP; i++)
		if (prctl(PR_CAPBSET_READ, i) == 1)
			b |= BIT(i);
	return b;
}

/* The 4th number of the "Uid:"/"Gid:" line of /proc/self/status (fsuid/fsgid). */
static inline unsigned status_fsid(const char *key)
{
	char line[256];
	unsigned r, e, s, fs = ~0u;
	FILE *f = fopen("/proc/self/status", "r");
	CHECK(f != NULL, "open /proc/self/status");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) &&
		    sscanf(line + strlen(key), "%u %u %u %u", &r, &e, &s, &fs) == 4)
			break;
	fclose(f);
	return fs;
}

/* Become uid/gid (all four ids) with the given supplementary groups. */
static inline void become(uid_t uid, gid_t gid, int ngroups, const gid_t *groups)
{
	CHECK(setgroups(ngroups, groups) == 0, "setgroups");
	CHECK(setresgid(gid, gid, gid) == 0, "setresgid %u", gid);
	CHECK(setresuid(uid, uid, uid) == 0, "setresuid %u", uid);
}

/* Run fn in a forked child; its failure (exit status) fails the caller. */
static inline void in_child(void (*fn)(void))
{
	fflush(stdout);
	pid_t p = fork();
	CHECK(p >= 0, "fork");
	if (!p) {
		fn();
		fflush(stdout);
		_exit(0);
	}
	int st;
	CHECK(waitpid(p, &st, 0) == p, "waitpid");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed (status %#x)", st);
}

static inline int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(path);
}

/* rm -rf (as root). */
static inline void rm_tree(const char *dir)
{
	CHECK(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0, "remove %s", dir);
}

/* Expect a call to fail with exactly err. */
#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s: want errno %d", #call, err)
#define OK(call) CHECK((call) == 0, "%s", #call)

#endif
