/* capget/capset (v1/v2/v3 headers, bad versions, EPERM rules), the bounding
 * set (PR_CAPBSET_READ/DROP) and ambient capabilities (PR_CAP_AMBIENT). */
#include <linux/securebits.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include "creds.h"

struct hdr {
	uint32_t version;
	int pid;
};

static long capget_raw(struct hdr *h, void *d) { return syscall(SYS_capget, h, d); }
static long capset_raw(struct hdr *h, void *d) { return syscall(SYS_capset, h, d); }

static void versions(void)
{
	struct __user_cap_data_struct d[2];
	struct caps c = caps_get();
	struct hdr h = { 0x12345678, 0 };

	FAILS(capget_raw(&h, d), EINVAL);
	CHECK(h.version == _LINUX_CAPABILITY_VERSION_3, "preferred version written back: %#x", h.version);
	h.version = 0;
	CHECK(capget_raw(&h, NULL) == 0 && h.version == _LINUX_CAPABILITY_VERSION_3,
	      "probe with NULL data: 0 and the version");
	h.version = 1;
	FAILS(capset_raw(&h, d), EINVAL);
	CHECK(h.version == _LINUX_CAPABILITY_VERSION_3, "capset writes it back too");
	FAILS(capget_raw((struct hdr *)8, d), EFAULT);

	memset(d, 0xff, sizeof(d));
	h = (struct hdr){ _LINUX_CAPABILITY_VERSION_1, 0 };
	OK(capget_raw(&h, d));
	CHECK(d[0].effective == (uint32_t)c.eff && d[1].effective == 0xffffffff,
	      "v1 fills one 32-bit word");
	h.version = _LINUX_CAPABILITY_VERSION_2;
	OK(capget_raw(&h, d));
	CHECK(d[1].permitted == (uint32_t)(c.perm >> 32), "v2: two words");
	h = (struct hdr){ _LINUX_CAPABILITY_VERSION_3, -1 };
	FAILS(capget_raw(&h, d), EINVAL);
	h.pid = getpid();
	OK(capget_raw(&h, d));
	h.pid = 999999;
	FAILS(capget_raw(&h, d), ESRCH);
	FAILS(capset_raw(&h, d), EPERM);        /* only the caller */
	printf("versions: EINVAL writes v3 back, v1 one word, ESRCH/EPERM for other pids\n");
}

/* capget of another process sees its sets. */
static void other_process(void)
{
	int fds[2];
	CHECK(pipe(fds) == 0, "pipe");
	pid_t p = fork();
	if (!p) {
		caps_drop_eff(BIT(CAP_KILL));
		CHECK(write(fds[1], "x", 1) == 1, "write");
		pause();
		_exit(0);
	}
	char x;
	CHECK(read(fds[0], &x, 1) == 1, "read");
	struct hdr h = { _LINUX_CAPABILITY_VERSION_3, p };
	struct __user_cap_data_struct d[2];
	OK(capget_raw(&h, d));
	CHECK(!(d[0].effective & BIT(CAP_KILL)) && (d[0].permitted & BIT(CAP_KILL)),
	      "the child's sets");
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	printf("capget of another process\n");
}

static void set_rules(void)
{
	struct caps full = caps_get(), c;

	/* v1 writes only the low word: the high caps are dropped */
	struct hdr h = { _LINUX_CAPABILITY_VERSION_1, 0 };
	struct __user_cap_data_struct d1 = { (uint32_t)full.eff, (uint32_t)full.perm, 0 };
	OK(capset_raw(&h, &d1));
	c = caps_get();
	CHECK(c.perm == (full.perm & 0xffffffff), "v1 capset clears the upper word");
	c.eff = c.perm = full.perm;
	FAILS(caps_set(c), EPERM);              /* cannot regain permitted */

	c = caps_get();
	c.eff |= BIT(CAP_MAC_ADMIN);            /* effective beyond permitted */
	FAILS(caps_set(c), EPERM);
	c = caps_get();
	c.perm &= ~BIT(CAP_KILL);               /* effective still has it */
	FAILS(caps_set(c), EPERM);
	c.eff &= ~BIT(CAP_KILL);
	OK(caps_set(c));
	CHECK(caps_get().perm == c.perm, "permitted dropped");

	/* inheritable: within permitted (or any with CAP_SETPCAP) and bounding */
	c.inh = BIT(CAP_KILL);                   /* not permitted, but CAP_SETPCAP */
	OK(caps_set(c));
	c.eff &= ~BIT(CAP_SETPCAP);
	OK(caps_set(c));
	c.inh = BIT(CAP_KILL) | BIT(CAP_CHOWN);  /* CHOWN is permitted: fine */
	OK(caps_set(c));
	c.inh |= BIT(CAP_SYS_PTRACE);
	OK(caps_set(c));                         /* SYS_PTRACE is permitted */
	c.perm &= ~BIT(CAP_SYS_PTRACE);
	c.eff &= ~BIT(CAP_SYS_PTRACE);
	OK(caps_set(c));                         /* already inheritable: may stay */
	c.perm &= ~BIT(CAP_NET_ADMIN);
	c.eff &= ~BIT(CAP_NET_ADMIN);
	OK(caps_set(c));
	c.inh |= BIT(CAP_NET_ADMIN);
	FAILS(caps_set(c), EPERM);               /* new inheritable outside old permitted */
	printf("capset: permitted never grows, effective within permitted, inheritable rules\n");
}

static void bounding(void)
{
	uint64_t b = caps_bounding();
	CHECK(b & BIT(CAP_NET_RAW), "NET_RAW in bounding");
	FAILS(prctl(PR_CAPBSET_READ, CAP_LAST_CAP + 1, 0, 0, 0), EINVAL);
	FAILS(prctl(PR_CAPBSET_READ, -1L, 0, 0, 0), EINVAL);
	OK(prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0));
	CHECK(prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0) == 0, "dropped");
	CHECK(caps_get().perm & BIT(CAP_NET_RAW), "permitted keeps it");
	OK(prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0));   /* again: fine */
	FAILS(prctl(PR_CAPBSET_DROP, CAP_LAST_CAP + 1, 0, 0, 0), EINVAL);

	/* a new inheritable bit must be in the bounding set, even with SETPCAP */
	struct caps c = caps_get();
	c.inh = BIT(CAP_NET_RAW);
	FAILS(caps_set(c), EPERM);

	caps_drop_eff(BIT(CAP_SETPCAP));
	FAILS(prctl(PR_CAPBSET_DROP, CAP_KILL, 0, 0, 0), EPERM);
	FAILS(prctl(PR_CAPBSET_DROP, CAP_LAST_CAP + 1, 0, 0, 0), EPERM);  /* EPERM first */
	CHECK(prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0) == 1, "still there");
	printf("bounding set: read, drop, EPERM before EINVAL\n");
}

static void nnp(void)
{
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0, "off");
	FAILS(prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), EINVAL);
	FAILS(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL);
	FAILS(prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), EINVAL);
	OK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	pid_t p = fork();
	if (!p)
		_exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1);
	int st;
	CHECK(waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0, "inherited");
	printf("no_new_privs: one way, inherited, EINVAL on stray arguments\n");
}

static void ambient(void)
{
	FAILS(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0), EPERM);  /* not inheritable */
	struct caps c = caps_get();
	c.inh = BIT(CAP_KILL) | BIT(CAP_CHOWN);
	OK(caps_set(c));
	OK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0));
	OK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0));
	CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0) == 1, "set");
	CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0) == 0, "not set");
	FAILS(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_LAST_CAP + 1, 0, 0), EINVAL);
	FAILS(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 1, 0), EINVAL);
	FAILS(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0), EINVAL);
	FAILS(prctl(PR_CAP_AMBIENT, 99, CAP_KILL, 0, 0), EINVAL);
	OK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_KILL, 0, 0));
	CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0) == 0, "lowered");
	/* dropping from inheritable drops from ambient */
	c = caps_get();
	c.inh = 0;
	OK(caps_set(c));
	CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0) == 0, "follows inheritable");
	c.inh = BIT(CAP_CHOWN);
	OK(caps_set(c));
	OK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0));
	OK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));
	CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0) == 0, "cleared");
	printf("ambient: raise needs permitted+inheritable, lower, clear, EINVAL\n");
}

static void securebits(void)
{
	CHECK(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) == 0, "no securebits");
	OK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
	CHECK(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) == SECBIT_KEEP_CAPS, "keepcaps is SECBIT_KEEP_CAPS");
	OK(prctl(PR_SET_SECUREBITS, 0, 0, 0, 0));
	CHECK(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) == 0, "and back");
	FAILS(prctl(PR_SET_SECUREBITS, 1 << 20, 0, 0, 0), EPERM);   /* unknown bit */
	OK(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0));
	FAILS(prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0), EPERM);
	FAILS(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0), EPERM);  /* locked bit */
	FAILS(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0), EPERM);         /* unlock */
	OK(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED |
		 SECBIT_NO_CAP_AMBIENT_RAISE, 0, 0, 0));
	struct caps c = caps_get();
	c.inh = BIT(CAP_KILL);
	OK(caps_set(c));
	FAILS(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0), EPERM);
	/* inherited by a child */
	pid_t p = fork();
	if (!p)
		_exit(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) == (SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED |
								 SECBIT_NO_CAP_AMBIENT_RAISE) ? 0 : 1);
	int st;
	CHECK(waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0, "fork keeps them");
	caps_drop_eff(BIT(CAP_SETPCAP));
	FAILS(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED |
		    SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NOROOT, 0, 0, 0), EPERM);
	printf("securebits: keepcaps, locks, unknown bits, CAP_SETPCAP, inherited\n");
}

/* SECBIT_NO_SETUID_FIXUP: uid changes leave the capability sets alone. */
static void no_setuid_fixup(void)
{
	struct caps full = caps_get();
	OK(prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0));
	OK(setresuid(1000, 1000, 1000));
	struct caps c = caps_get();
	CHECK(c.eff == full.eff && c.perm == full.perm, "caps kept");
	CHECK(setfsuid(0) == 1000 && caps_get().eff == full.eff, "fsuid too");
	printf("securebits: NO_SETUID_FIXUP keeps caps across uid changes\n");
}

int main(void)
{
	in_child(versions);
	in_child(other_process);
	in_child(set_rules);
	in_child(bounding);
	in_child(ambient);
	in_child(nnp);
	in_child(securebits);
	in_child(no_setuid_fixup);
	return 0;
}
