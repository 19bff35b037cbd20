/* /proc/PID files of the calling process: stat, statm, status, comm,
 * cmdline, environ, exe, cwd, root, fd/, fdinfo/, limits, cgroup, auxv,
 * maps/smaps/smaps_rollup, io, wchan, loginuid, sessionid, personality,
 * timerslack_ns, id maps, setgroups. Formats are checked field by field;
 * values against what the syscalls say. */
#include <elf.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/fsuid.h>
#include <sys/wait.h>
#include "procfs_util.h"

static char buf[1 << 20], buf2[1 << 20];

/* Field n (1-based) of a stat line, parsed after the last ')'. */
static long long stat_field(const char *line, int n)
{
	const char *p = strrchr(line, ')');
	long long v = 0;

	CHECK(p && n >= 3, "stat line %s", line);
	p += 2;
	for (int i = 3; i < n; i++) {
		p = strchr(p, ' ');
		CHECK(p, "field %d missing", n);
		p++;
	}
	if (n == 3)
		return *p;
	CHECK(sscanf(p, "%lld", &v) == 1, "field %d: %s", n, p);
	return v;
}

static void check_stat(void)
{
	int fields = 2;

	CHECK(prctl(PR_SET_NAME, "a b) c") == 0, "PR_SET_NAME");
	CHECK(read_file("/proc/self/stat", buf, sizeof(buf)) > 0, "read stat");
	CHECK(atoi(buf) == getpid(), "pid %s", buf);
	CHECK(!strncmp(strchr(buf, ' '), " (a b) c) ", 10), "comm: %s", buf);
	for (const char *p = strrchr(buf, ')'); *p; p++)
		fields += *p == ' ';
	CHECK(fields == 52 && buf[strlen(buf) - 1] == '\n', "%d fields: %s", fields, buf);
	CHECK(strchr("RSD", (int)stat_field(buf, 3)), "state %c", (int)stat_field(buf, 3));
	CHECK(stat_field(buf, 4) == getppid(), "ppid");
	CHECK(stat_field(buf, 5) == getpgrp(), "pgrp");
	CHECK(stat_field(buf, 6) == getsid(0), "session");
	CHECK(stat_field(buf, 20) == 1, "num_threads");
	CHECK(read_file("/proc/self/comm", buf, sizeof(buf)) == 7 && !strcmp(buf, "a b) c\n"), "comm %s", buf);
	CHECK(write_file("/proc/self/comm", "renamed") == 7, "write comm");
	CHECK(read_file("/proc/self/comm", buf, sizeof(buf)) > 0 && !strcmp(buf, "renamed\n"), "comm %s", buf);
	printf("ok stat comm\n");
}

static void statm(long long v[7])
{
	CHECK(read_file("/proc/self/statm", buf, sizeof(buf)) > 0, "statm");
	CHECK(sscanf(buf, "%lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3], &v[4],
		     &v[5], &v[6]) == 7, "statm %s", buf);
}

static void check_statm(void)
{
	long long before[7], mapped[7], touched[7], vsize;
	const size_t len = 64 * 4096;
	char *p;

	statm(before);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap");
	statm(mapped);
	CHECK(mapped[0] - before[0] == 64, "size grew by %lld pages", mapped[0] - before[0]);
	memset(p, 1, len);
	statm(touched);
	CHECK(touched[1] - before[1] >= 64, "resident grew by %lld pages", touched[1] - before[1]);
	CHECK(touched[1] <= touched[0] && touched[3] <= touched[0], "statm %s", buf);
	CHECK(read_file("/proc/self/stat", buf, sizeof(buf)) > 0, "stat");
	vsize = stat_field(buf, 23);
	CHECK(vsize == touched[0] * 4096, "vsize %lld, statm size %lld", vsize, touched[0]);
	CHECK(munmap(p, len) == 0, "munmap");
	statm(touched);
	CHECK(touched[0] == before[0], "size %lld after munmap, %lld before", touched[0], before[0]);
	printf("ok statm\n");
}

static void check_ids(const char *label, unsigned a, unsigned b, unsigned c, unsigned d)
{
	const char *f = field_of(buf, label);
	unsigned v[4];

	CHECK(f && sscanf(f, "\t%u\t%u\t%u\t%u\n", &v[0], &v[1], &v[2], &v[3]) == 4, "%s", label);
	CHECK(v[0] == a && v[1] == b && v[2] == c && v[3] == d, "%s %u %u %u %u", label, v[0], v[1], v[2], v[3]);
}

static void check_status(void)
{
	uid_t r, e, s;
	gid_t gr, ge, gs, groups[64];
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct cd[2];
	unsigned long long eff, want;
	char want_groups[1024] = "\t";
	int ng = getgroups(64, groups);
	const char *f;

	CHECK(read_file("/proc/self/status", buf, sizeof(buf)) > 0, "status");
	CHECK(!strncmp(buf, "Name:\trenamed\nUmask:\t", 21), "%s", buf);
	CHECK(getresuid(&r, &e, &s) == 0 && getresgid(&gr, &ge, &gs) == 0, "getres*id");
	check_ids("Uid:", r, e, s, (unsigned)setfsuid(-1));
	check_ids("Gid:", gr, ge, gs, (unsigned)setfsgid(-1));
	/* Linux: space-separated, then one trailing space (even with none). */
	for (int i = 0; i < ng; i++)
		snprintf(want_groups + strlen(want_groups), sizeof(want_groups) - strlen(want_groups),
			 "%s%u", i ? " " : "", groups[i]);
	strcat(want_groups, " ");
	f = field_of(buf, "Groups:");
	CHECK(f && !strncmp(f, want_groups, strlen(want_groups)) && f[strlen(want_groups)] == '\n',
	      "Groups: want %s", want_groups);
	CHECK(syscall(SYS_capget, &h, cd) == 0, "capget");
	want = cd[0].effective | ((unsigned long long)cd[1].effective << 32);
	f = field_of(buf, "CapEff:\t");
	CHECK(f && strlen(f) > 16 && f[16] == '\n' && sscanf(f, "%llx", &eff) == 1 && eff == want,
	      "CapEff %llx, capget %llx", eff, want);
	f = field_of(buf, "Pid:\t");
	CHECK(f && atoi(f) == getpid(), "Pid");
	f = field_of(buf, "PPid:\t");
	CHECK(f && atoi(f) == getppid(), "PPid");
	f = field_of(buf, "Threads:\t");
	CHECK(f && atoi(f) == 1, "Threads");
	f = field_of(buf, "VmSize:");
	CHECK(f && strstr(f, " kB\n") && strchr(f, '\n') == strstr(f, " kB\n") + 3, "VmSize");
	CHECK(field_of(buf, "SigBlk:\t") && field_of(buf, "Cpus_allowed_list:\t"), "fields");
	printf("ok status\n");
}

static void check_files(const char *argv0)
{
	char want[4096], path[64];
	struct stat a, b;
	int fd = open(argv0, O_RDONLY | O_CLOEXEC), p[2];
	ssize_t n;

	CHECK(fd >= 0 && realpath(argv0, want), "open %s", argv0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, buf, sizeof(buf));
	CHECK(n > 0 && (buf[n] = 0, !strcmp(buf, want)), "fd link %s, want %s", buf, want);
	CHECK(stat(path, &a) == 0 && fstat(fd, &b) == 0 && a.st_ino == b.st_ino, "stat through fd link");
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	CHECK(read_file(path, buf, sizeof(buf)) > 0, "fdinfo");
	CHECK(!strncmp(buf, "pos:\t0\nflags:\t02100000\nmnt_id:\t", 31), "fdinfo %s", buf);
	snprintf(want, sizeof(want), "\nino:\t%llu\n", (unsigned long long)b.st_ino);
	CHECK(strstr(buf, want), "fdinfo %s", buf);
	CHECK(stat("/proc/self/exe", &a) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev, "exe");
	close(fd);
	CHECK(pipe(p) == 0 && fstat(p[0], &b) == 0, "pipe");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	snprintf(want, sizeof(want), "pipe:[%llu]", (unsigned long long)b.st_ino);
	n = readlink(path, buf, sizeof(buf));
	CHECK(n > 0 && (buf[n] = 0, !strcmp(buf, want)), "pipe link %s, want %s", buf, want);
	close(p[0]);
	close(p[1]);
	CHECK(getcwd(want, sizeof(want)), "getcwd");
	n = readlink("/proc/self/cwd", buf, sizeof(buf));
	CHECK(n > 0 && (buf[n] = 0, !strcmp(buf, want)), "cwd %s", buf);
	n = readlink("/proc/self/root", buf, sizeof(buf));
	CHECK(n == 1 && buf[0] == '/', "root");
	printf("ok fd fdinfo exe cwd root\n");
}

static void check_args(int argc, char **argv)
{
	ssize_t n = read_file("/proc/self/cmdline", buf, sizeof(buf)), at = 0;

	for (int i = 0; i < argc; i++) {
		CHECK(at < n && !strcmp(buf + at, argv[i]), "argv[%d]", i);
		at += (ssize_t)strlen(argv[i]) + 1;
	}
	CHECK(at == n, "cmdline length %zd, want %zd", n, at);
	n = read_file("/proc/self/environ", buf, sizeof(buf));
	bool found = false;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1)
		found |= !strcmp(buf + i, "CVISOR_TEST_VAR=value with spaces=1");
	CHECK(n > 0 && buf[n - 1] == 0 && found, "environ");
	n = read_file("/proc/self/auxv", buf, sizeof(buf));
	CHECK(n > 0 && n % 16 == 0, "auxv length %zd", n);
	bool pagesz = false;
	for (Elf64_auxv_t *a = (Elf64_auxv_t *)buf; (char *)a < buf + n && a->a_type != AT_NULL; a++) {
		if (a->a_type == AT_PAGESZ)
			pagesz = a->a_un.a_val == 4096;
		if (a->a_type == AT_ENTRY)
			CHECK(a->a_un.a_val == getauxval(AT_ENTRY), "AT_ENTRY");
	}
	CHECK(pagesz, "AT_PAGESZ");
	printf("ok cmdline environ auxv\n");
}

/* The line of /proc/PID/limits for resource r, from getrlimit. */
static void limit_line(char *out, size_t size, const char *name, int r, const char *unit)
{
	struct rlimit rl;
	char soft[24] = "unlimited", hard[24] = "unlimited";

	CHECK(getrlimit(r, &rl) == 0, "getrlimit %d", r);
	if (rl.rlim_cur != RLIM_INFINITY)
		snprintf(soft, sizeof(soft), "%llu", (unsigned long long)rl.rlim_cur);
	if (rl.rlim_max != RLIM_INFINITY)
		snprintf(hard, sizeof(hard), "%llu", (unsigned long long)rl.rlim_max);
	snprintf(out, size, "\n%-25s %-20s %-20s %s\n", name, soft, hard, unit);
}

static void check_limits_misc(void)
{
	char want[128];
	unsigned long long v;
	const char *f;

	CHECK(read_file("/proc/self/limits", buf, sizeof(buf)) > 0, "limits");
	static const char header[] = "Limit                     Soft Limit           Hard Limit           Units     \n";
	CHECK(!strncmp(buf, header, sizeof(header) - 1), "%s", buf);
	limit_line(want, sizeof(want), "Max open files", RLIMIT_NOFILE, "files     ");
	CHECK(strstr(buf, want), "want %s in %s", want, buf);
	limit_line(want, sizeof(want), "Max nice priority", RLIMIT_NICE, "");   /* no unit: trailing blank */
	CHECK(strstr(buf, want), "want %s in %s", want, buf);
	CHECK(read_file("/proc/self/cgroup", buf, sizeof(buf)) > 0 && field_of(buf, "0::/"), "cgroup %s", buf);
	for (const char *p = buf; *p; p = strchr(p, '\n') + 1) {
		int id, used = 0;
		if (sscanf(p, "%d::/%n", &id, &used) < 1 || !used)
			sscanf(p, "%d:%*[^:\n]:/%n", &id, &used);
		CHECK(used > 0 && strchr(p, '\n'), "cgroup line %s", p);
	}
	CHECK(read_file("/proc/self/io", buf, sizeof(buf)) > 0, "io");
	const char *io[] = { "rchar: ", "wchar: ", "syscr: ", "syscw: ", "read_bytes: ", "write_bytes: ",
			     "cancelled_write_bytes: " };
	for (int i = 0; i < 7; i++)
		CHECK((f = field_of(buf, io[i])) && sscanf(f, "%llu", &v) == 1, "io %s", io[i]);
	CHECK(read_file("/proc/self/wchan", buf, sizeof(buf)) > 0 && !strchr(buf, '\n'), "wchan %s", buf);
	CHECK(read_file("/proc/self/loginuid", buf, sizeof(buf)) > 0 && strspn(buf, "0123456789") == strlen(buf),
	      "loginuid %s", buf);
	CHECK(read_file("/proc/self/sessionid", buf, sizeof(buf)) > 0 && strspn(buf, "0123456789") == strlen(buf),
	      "sessionid %s", buf);
	snprintf(want, sizeof(want), "%08x\n", personality(0xffffffff));
	CHECK(read_file("/proc/self/personality", buf, sizeof(buf)) == 9 && !strcmp(buf, want), "personality %s", buf);
	CHECK(write_file("/proc/self/timerslack_ns", "100000\n") == 7, "write timerslack_ns");
	CHECK(read_file("/proc/self/timerslack_ns", buf, sizeof(buf)) > 0 && !strcmp(buf, "100000\n"), "%s", buf);
	CHECK(prctl(PR_GET_TIMERSLACK) == 100000, "PR_GET_TIMERSLACK");
	CHECK(write_file("/proc/self/timerslack_ns", "x") == -1 && errno == EINVAL, "timerslack_ns x");
	for (int i = 0; i < 2; i++) {
		unsigned in, out, count;
		int used;
		CHECK(read_file(i ? "/proc/self/gid_map" : "/proc/self/uid_map", buf, sizeof(buf)) > 0, "id map");
		for (const char *p = buf; *p; p += used) {
			CHECK(sscanf(p, "%10u %10u %10u\n%n", &in, &out, &count, &used) == 3 && used == 33 &&
			      p[32] == '\n', "id map line %s", p);
		}
	}
	CHECK(read_file("/proc/self/setgroups", buf, sizeof(buf)) > 0 && !strcmp(buf, "allow\n"), "setgroups");
	printf("ok limits cgroup io wchan ids personality timerslack maps\n");
}

static int count_lines(const char *s, const char *prefix)
{
	int n = 0;

	for (const char *p = s; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		n += !strncmp(p, prefix, strlen(prefix));
	return n;
}

static void check_smaps(void)
{
	int lines, sizes;
	unsigned long long kb;
	const char *f;

	CHECK(read_file("/proc/self/smaps", buf2, sizeof(buf2)) > 0, "smaps");
	CHECK(read_file("/proc/self/maps", buf, sizeof(buf)) > 0, "maps");
	lines = count_lines(buf, "");
	sizes = count_lines(buf2, "Size:");
	CHECK(lines > 3 && lines == sizes, "%d maps lines, %d smaps entries", lines, sizes);
	CHECK(count_lines(buf2, "VmFlags: ") == lines && count_lines(buf2, "Rss:") == lines, "smaps fields");
	CHECK((f = field_of(buf2, "KernelPageSize:")) && sscanf(f, "%llu kB", &kb) == 1 && kb == 4, "page size");
	CHECK(read_file("/proc/self/smaps_rollup", buf, sizeof(buf)) > 0, "smaps_rollup");
	CHECK(strstr(buf, " [rollup]\n") == strchr(buf, '\n') - 9, "rollup line %s", buf);
	const char *roll[] = { "Rss:", "Pss:", "Pss_Anon:", "Pss_File:", "Private_Dirty:", "Anonymous:", "Swap:" };
	for (int i = 0; i < 7; i++)
		CHECK((f = field_of(buf, roll[i])) && sscanf(f, "%llu kB", &kb) == 1 &&
		      strstr(f, " kB\n") - (f - strlen(roll[i])) == 24,
		      "%s column", roll[i]);
	printf("ok smaps smaps_rollup\n");
}

int main(int argc, char **argv)
{
	check_stat();
	check_statm();
	check_status();
	check_files(argv[0]);
	check_args(argc, argv);
	check_limits_misc();
	check_smaps();
	return 0;
}
