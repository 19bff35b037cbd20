/* uid/gid families with Linux's rules: saved set-user-id, privileged vs
 * unprivileged changes, EPERM/EINVAL, setfsuid returning the old value,
 * supplementary groups, and what uid changes do to capabilities and
 * dumpability (capabilities(7), "Effect of user ID changes"). */
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/fsuid.h>
#include "creds.h"

static void resuid(uid_t r, uid_t e, uid_t s)
{
	uid_t a, b, c;
	CHECK(getresuid(&a, &b, &c) == 0, "getresuid");
	CHECK(a == r && b == e && c == s, "resuid %u %u %u, want %u %u %u", a, b, c, r, e, s);
}

static void resgid(gid_t r, gid_t e, gid_t s)
{
	gid_t a, b, c;
	CHECK(getresgid(&a, &b, &c) == 0, "getresgid");
	CHECK(a == r && b == e && c == s, "resgid %u %u %u, want %u %u %u", a, b, c, r, e, s);
}

/* Root's setuid sets all ids and drops every capability for good. */
static void setuid_root(void)
{
	OK(setuid(1000));
	resuid(1000, 1000, 1000);
	CHECK(status_fsid("Uid:") == 1000, "fsuid follows euid");
	struct caps c = caps_get();
	CHECK(!c.eff && !c.perm && !c.inh, "caps cleared");
	CHECK(prctl(PR_GET_DUMPABLE) == 0, "an id change makes the process non-dumpable");
	FAILS(setuid(0), EPERM);
	FAILS(seteuid(0), EPERM);
	FAILS(setresuid(-1, -1, 0), EPERM);
	FAILS(setuid(-1), EINVAL);
	OK(setuid(1000));                       /* to the current id: allowed */
	FAILS(setgroups(0, NULL), EPERM);
	printf("setuid as root: all ids, no caps\n");
}

/* Euid changes: effective caps follow euid 0, permitted stays while ruid is 0. */
static void euid_swap(void)
{
	struct caps full = caps_get();
	OK(seteuid(1000));
	resuid(0, 1000, 0);
	struct caps c = caps_get();
	CHECK(c.eff == 0 && c.perm == full.perm, "euid!=0: effective cleared, permitted kept");
	OK(setuid(0));                          /* unprivileged now: sets euid only */
	resuid(0, 0, 0);
	c = caps_get();
	CHECK(c.eff == c.perm && c.perm == full.perm, "euid back to 0 restores effective");
	OK(setresuid(-1, 1000, -1));
	OK(setreuid(-1, 0));
	resuid(0, 0, 0);
	printf("seteuid: effective caps follow euid 0\n");
}

/* setreuid's saved-id rule and the unprivileged cases. */
static void setreuid_rules(void)
{
	OK(setreuid(1000, 2000));
	resuid(1000, 2000, 2000);               /* ruid set: suid = new euid */
	CHECK(caps_get().perm == 0, "no root id left: permitted cleared");
	OK(setreuid(-1, 1000));
	resuid(1000, 1000, 2000);               /* euid = old ruid: suid kept */
	OK(setreuid(-1, 2000));
	resuid(1000, 2000, 2000);               /* back through the saved id */
	FAILS(setreuid(3000, -1), EPERM);
	FAILS(setreuid(-1, 3000), EPERM);
	OK(setreuid(2000, -1));                 /* ruid may become the euid */
	resuid(2000, 2000, 2000);
	FAILS(setreuid(1000, -1), EPERM);
	printf("setreuid: saved id rule, EPERM\n");
}

static void setresuid_rules(void)
{
	OK(setresuid(1000, 2000, 3000));
	resuid(1000, 2000, 3000);
	OK(setresuid(3000, 1000, 2000));        /* any permutation of current ids */
	resuid(3000, 1000, 2000);
	FAILS(setresuid(4000, -1, -1), EPERM);
	FAILS(setresuid(-1, -1, 4000), EPERM);
	resuid(3000, 1000, 2000);
	OK(setresuid(-1, -1, -1));
	printf("setresuid: permutations, EPERM\n");
}

/* setfsuid returns the old fsuid whether or not it changed anything. */
static void fsuid_rules(void)
{
	struct caps full = caps_get();
	CHECK(setfsuid(1234) == 0, "setfsuid returns old 0");
	CHECK(setfsuid(-1) == 1234, "setfsuid(-1) only reports");
	CHECK(status_fsid("Uid:") == 1234, "fsuid is 1234");
	struct caps c = caps_get();
	uint64_t fs = BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_DAC_READ_SEARCH) |
		      BIT(CAP_FOWNER) | BIT(CAP_FSETID);
	CHECK(c.eff == (full.eff & ~(fs | BIT(CAP_LINUX_IMMUTABLE) | BIT(CAP_MKNOD) |
				  BIT(CAP_MAC_OVERRIDE))) && c.perm == full.perm,
	      "fsuid!=0 clears the file-system caps from effective only");
	/* a file created now belongs to the fsuid */
	char dir[] = "/tmp/cred_idsXXXXXX", path[64];
	CHECK(setfsuid(0) == 1234, "back to 0");
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	CHECK(caps_get().eff == full.eff, "fsuid 0 restores the fs caps");
	setfsuid(1234);
	setfsgid(4321);
	snprintf(path, sizeof(path), "%s/f", dir);
	FAILS(open(path, O_CREAT | O_WRONLY, 0600), EACCES);   /* dir 0700 root, no DAC caps */
	setfsuid(0);
	OK(chmod(dir, 0777));
	setfsuid(1234);
	int fd = open(path, O_CREAT | O_WRONLY, 0600);
	CHECK(fd >= 0, "create as fsuid 1234");
	close(fd);
	struct stat st;
	setfsuid(0);
	setfsgid(0);
	OK(stat(path, &st));
	CHECK(st.st_uid == 1234 && st.st_gid == 4321, "owner %u:%u", st.st_uid, st.st_gid);
	OK(unlink(path));
	OK(rmdir(dir));
	/* unprivileged: only to one of the ids; else nothing changes */
	OK(setresuid(1000, 2000, 3000));
	CHECK(setfsuid(3000) == 2000, "old fsuid is the euid");
	CHECK(setfsuid(5000) == 3000, "refused, old returned");
	CHECK(setfsuid(-1) == 3000, "unchanged");
	CHECK(setfsgid(-1) == 0, "fsgid untouched");
	printf("setfsuid: returns old value, caps, file owner\n");
}

static void gid_rules(void)
{
	gid_t g[40] = { 0 };
	gid_t want[3] = { 10, 20, 30 };
	OK(setgroups(3, want));
	CHECK(getgroups(0, NULL) == 3, "count");
	FAILS(getgroups(2, g), EINVAL);
	CHECK(getgroups(40, g) == 3 && g[0] == 10 && g[2] == 30, "groups");
	FAILS(setgroups(-1, want), EINVAL);
	FAILS(setgroups(65537, want), EINVAL);
	FAILS(setgroups(1, (gid_t *)8), EFAULT);
	OK(setregid(100, 200));
	resgid(100, 200, 200);
	OK(setresgid(300, -1, -1));
	resgid(300, 200, 200);
	CHECK(setfsgid(-1) == 200, "fsgid follows egid");
	FAILS(setgid(-1), EINVAL);
	/* gid changes never touch capabilities */
	CHECK(caps_get().eff != 0, "caps kept");
	OK(setuid(1000));
	FAILS(setgid(400), EPERM);
	OK(setgid(300));                        /* rgid: allowed, sets egid only */
	resgid(300, 300, 200);
	OK(setresgid(200, 300, 300));
	FAILS(setregid(-1, 500), EPERM);
	CHECK(setfsgid(999) == 300, "refused setfsgid returns old");
	CHECK(setfsgid(-1) == 300, "unchanged");
	CHECK(getgroups(40, g) == 3, "groups kept across setuid");
	printf("gid family and groups\n");
}

/* PR_SET_KEEPCAPS keeps permitted (not effective) across the drop; setresuid
 * back to 0 then restores effective. */
static void keepcaps(void)
{
	struct caps full = caps_get();
	OK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
	CHECK(prctl(PR_GET_KEEPCAPS) == 1, "keepcaps set");
	FAILS(prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0), EINVAL);
	OK(setresuid(1000, 1000, 1000));
	struct caps c = caps_get();
	CHECK(c.eff == 0 && c.perm == full.perm, "permitted kept, effective cleared");
	FAILS(setresuid(0, 0, 0), EPERM);       /* no CAP_SETUID in effective */
	c.eff = BIT(CAP_SETUID);
	OK(caps_set(c));
	OK(setresuid(0, 0, 0));                 /* now privileged */
	c = caps_get();
	CHECK(c.eff == c.perm && c.perm == full.perm, "euid 0 again: effective = permitted");
	printf("keepcaps: permitted survives, euid 0 restores\n");
}

/* Without keepcaps the drop from root is final even if an id stays 0 later. */
static void ambient_cleared(void)
{
	struct caps c = caps_get();
	c.inh = BIT(CAP_NET_RAW);
	OK(caps_set(c));
	OK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0));
	OK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
	OK(setresuid(1000, 1000, 1000));
	CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0) == 0,
	      "dropping every root id clears ambient even with keepcaps");
	CHECK(caps_get().inh == BIT(CAP_NET_RAW), "inheritable kept");
	printf("ambient cleared on the drop from root\n");
}

int main(void)
{
	resuid(0, 0, 0);
	resgid(0, 0, 0);
	in_child(setuid_root);
	in_child(euid_swap);
	in_child(setreuid_rules);
	in_child(setresuid_rules);
	in_child(fsuid_rules);
	in_child(gid_rules);
	in_child(keepcaps);
	in_child(ambient_cleared);
	return 0;
}
