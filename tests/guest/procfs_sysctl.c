/* Writing /proc/sys: values read back, uname follows kernel.hostname and
 * kernel.domainname, Linux's parsing (blanks, base 0, vectors) and range
 * checks (EINVAL), and EACCES for an unprivileged writer.
 *
 * Natively the test first moves into new UTS, IPC and network namespaces,
 * which own every sysctl it writes, so the host keeps its values. The
 * sandbox is such a set of namespaces already and has no unshare(2). */
#include <sched.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include "procfs_util.h"

static char buf[4096];

static void expect(const char *path, const char *want)
{
	CHECK(read_file(path, buf, sizeof(buf)) > 0 && !strcmp(buf, want), "%s: \"%s\", want \"%s\"", path, buf, want);
}

static void write_ok(const char *path, const char *s, const char *want)
{
	CHECK(write_file(path, s) == (ssize_t)strlen(s), "write \"%s\" to %s", s, path);
	expect(path, want);
}

static void write_einval(const char *path, const char *s)
{
	errno = 0;
	CHECK(write_file(path, s) == -1 && errno == EINVAL, "write \"%s\" to %s", s, path);
}

int main(void)
{
	struct utsname u;
	int status;
	pid_t pid;

	if (unshare(CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET) != 0)
		CHECK(in_sandbox() && errno == ENOSYS, "unshare");

	write_ok("/proc/sys/kernel/hostname", "procfs-test\n", "procfs-test\n");
	write_ok("/proc/sys/kernel/domainname", "example.org", "example.org\n");
	CHECK(uname(&u) == 0 && !strcmp(u.nodename, "procfs-test") && !strcmp(u.domainname, "example.org"),
	      "uname %s %s", u.nodename, u.domainname);
	CHECK(sethostname("again", 5) == 0, "sethostname");
	expect("/proc/sys/kernel/hostname", "again\n");
	printf("ok hostname domainname\n");

	write_ok("/proc/sys/net/core/somaxconn", "1234\n", "1234\n");
	write_ok("/proc/sys/net/core/somaxconn", "  77  \n", "77\n");
	write_ok("/proc/sys/net/core/somaxconn", "0x20", "32\n");
	write_einval("/proc/sys/net/core/somaxconn", "abc");
	write_einval("/proc/sys/net/core/somaxconn", "-1");
	write_einval("/proc/sys/net/core/somaxconn", "12x");
	write_einval("/proc/sys/net/core/somaxconn", "99999999999");
	expect("/proc/sys/net/core/somaxconn", "32\n");
	write_ok("/proc/sys/kernel/shmmni", "1000", "1000\n");
	write_einval("/proc/sys/kernel/shmmni", "40000");
	write_ok("/proc/sys/kernel/sem", "250 32000 32 128\n", "250\t32000\t32\t128\n");
	write_ok("/proc/sys/kernel/shmmax", "4294967296", "4294967296\n");
	write_einval("/proc/sys/kernel/shmmax", "-5");
	write_ok("/proc/sys/net/ipv4/ip_unprivileged_port_start", "80", "80\n");
	write_einval("/proc/sys/net/ipv4/ip_unprivileged_port_start", "65536");
	printf("ok numbers vectors ranges\n");

	pid = fork();
	if (pid == 0) {
		CHECK(setgid(65534) == 0 && setuid(65534) == 0, "drop to nobody");
		errno = 0;
		CHECK(open("/proc/sys/kernel/hostname", O_WRONLY) == -1 && errno == EACCES, "nobody writes hostname");
		CHECK(open("/proc/sys/net/core/somaxconn", O_WRONLY) == -1 && errno == EACCES, "nobody writes somaxconn");
		expect("/proc/sys/net/core/somaxconn", "32\n");
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0, "unprivileged child: %x", status);
	errno = 0;
	CHECK(open("/proc/sys/kernel/ostype", O_WRONLY) == -1 && errno == EACCES, "ostype is read-only");
	printf("ok permissions\n");
	return 0;
}
