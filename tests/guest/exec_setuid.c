/* Set-user-id and set-group-id programs: a copy of this program made
 * setuid-root (and setuid/setgid to other ids) is run by an unprivileged
 * child. Like Linux: the ids change, root's capabilities come with euid 0,
 * AT_SECURE is set, and none of it happens under PR_SET_NO_NEW_PRIVS. In the
 * sandbox this needs --allow-setuid (exec_setuid.flags): by default set-id
 * bits give nothing (tests/e2e/setuid.sh). */
#include <fcntl.h>
#include <linux/securebits.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include "creds.h"

static char top[64], helper[96];

/* "show": what the new image got. */
static int show(void)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;
	CHECK(getresuid(&r, &e, &s) == 0 && getresgid(&rg, &eg, &sg) == 0, "getres");
	struct caps c = caps_get();
	uint64_t b = caps_bounding();
	printf("  uid %u %u %u gid %u %u %u secure %lu caps %s/%s keepcaps %d dumpable %d%s\n", r,
	       e, s, rg, eg, sg, getauxval(AT_SECURE),
	       !c.perm ? "none" : c.perm == b ? "bounding" : c.perm == BIT(CAP_NET_RAW) ? "net_raw" : "other",
	       !c.eff ? "none" : c.eff == c.perm ? "permitted" : "other",
	       prctl(PR_GET_KEEPCAPS), prctl(PR_GET_DUMPABLE),
	       prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0) ? " ambient" : "");
	return 0;
}

enum { NONE, NNP, NOROOT, AMBIENT };

static void run(const char *what, uid_t uid, uid_t euid, int how, const char *prog)
{
	fflush(stdout);
	pid_t p = fork();
	CHECK(p >= 0, "fork");
	if (!p) {
		OK(setgroups(0, NULL));
		OK(setresgid(1000, 1000, 1000));
		OK(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS | (how == NOROOT ? SECBIT_NOROOT : 0), 0, 0, 0));
		if (how == AMBIENT) {
			struct caps c = caps_get();
			c.inh = BIT(CAP_NET_RAW);
			OK(caps_set(c));
		}
		OK(setresuid(uid, euid, euid));
		if (how == AMBIENT)
			OK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0));
		if (how == NNP)
			OK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
		printf("%s\n", what);
		fflush(stdout);
		execl(prog, prog, "show", (char *)NULL);
		CHECK(0, "exec %s", prog);
	}
	int st;
	CHECK(waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %#x", st);
}

static void copy_self(const char *name, uid_t uid, gid_t gid, mode_t mode)
{
	char buf[65536];
	snprintf(helper, sizeof(helper), "%s/%s", top, name);
	int in = open("/proc/self/exe", O_RDONLY);
	int out = open(helper, O_CREAT | O_WRONLY | O_TRUNC, 0700);
	CHECK(in >= 0 && out >= 0, "copy");
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		CHECK(write(out, buf, (size_t)n) == n, "write");
	close(in);
	close(out);
	OK(chown(helper, uid, gid));
	OK(chmod(helper, mode));                        /* after chown, which clears them */
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "show"))
		return show();
	snprintf(top, sizeof(top), "/tmp/exec_setuidXXXXXX");
	CHECK(mkdtemp(top) != NULL, "mkdtemp");
	OK(chmod(top, 0755));

	copy_self("plain", 0, 0, 0755);
	run("plain program as 1000:", 1000, 1000, NONE, helper);
	run("plain program as root:", 0, 0, NONE, helper);
	run("plain program as root with SECBIT_NOROOT:", 0, 0, NOROOT, helper);
	run("plain program as 1000 with ambient NET_RAW:", 1000, 1000, AMBIENT, helper);
	run("plain program as root with ambient NET_RAW:", 0, 0, AMBIENT, helper);
	copy_self("xonly", 0, 0, 0711);
	run("execute-only program as 1000:", 1000, 1000, NONE, helper);
	copy_self("suid0", 0, 0, 04755);
	run("setuid-root as 1000:", 1000, 1000, NONE, helper);
	run("setuid-root as 1000 with no_new_privs:", 1000, 1000, NNP, helper);
	run("setuid-root as 1000 with SECBIT_NOROOT:", 1000, 1000, NOROOT, helper);
	run("setuid-root as ruid 1000 euid 0 with no_new_privs:", 1000, 0, NNP, helper);
	copy_self("suid2000", 2000, 0, 04755);
	run("setuid-2000 as 1000:", 1000, 1000, NONE, helper);
	run("setuid-2000 as 1000 with ambient NET_RAW:", 1000, 1000, AMBIENT, helper);
	run("setuid-2000 as root:", 0, 0, NONE, helper);
	copy_self("sgid3000", 0, 3000, 02755);
	run("setgid-3000 as 1000:", 1000, 1000, NONE, helper);
	copy_self("sgid_nox", 0, 3000, 02745);
	run("setgid without group x as 1000:", 1000, 1000, NONE, helper);
	rm_tree(top);
	return 0;
}
