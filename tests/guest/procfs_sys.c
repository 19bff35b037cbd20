/* System-wide /proc files (meminfo, cpuinfo, stat, uptime, loadavg,
 * version, filesystems, swaps, self, read-only /proc/sys values), /sys's
 * CPU files, and /dev's standard nodes and links. */
#include <stdbool.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include "procfs_util.h"

static char buf[1 << 18], buf2[4096];

static unsigned long long kb_field(const char *label)
{
	const char *f = field_of(buf, label);
	unsigned long long v;
	int used = 0;

	CHECK(f && sscanf(f, "%llu kB\n%n", &v, &used) == 1 && used, "%s", label);
	CHECK(f - buf - (long)strlen(label) >= 0 && strstr(f, " kB\n") - (f - strlen(label)) == 24,
	      "%s: value column", label);
	return v;
}

static void check_meminfo(void)
{
	unsigned long long total, avail;
	struct sysinfo si;

	CHECK(read_file("/proc/meminfo", buf, sizeof(buf)) > 0, "meminfo");
	total = kb_field("MemTotal:");
	CHECK(kb_field("MemFree:") <= total && (avail = kb_field("MemAvailable:")) <= total, "free");
	kb_field("Cached:");
	kb_field("SwapTotal:");
	kb_field("Shmem:");
	CHECK(sysinfo(&si) == 0, "sysinfo");
	CHECK(total == (unsigned long long)si.totalram * si.mem_unit / 1024, "MemTotal %llu kB, sysinfo %llu",
	      total, (unsigned long long)si.totalram * si.mem_unit / 1024);
	printf("ok meminfo\n");
}

static void check_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN), count = 0;
	char want[64];

	CHECK(read_file("/proc/cpuinfo", buf, sizeof(buf)) > 0, "cpuinfo");
	for (const char *p = buf; (p = strstr(p, "processor\t: ")); p++)
		CHECK(atoi(p + 12) == count++, "processor %ld", count - 1);
	CHECK(count == n, "%ld processors, sysconf %ld", count, n);
	CHECK(strstr(buf, "\nflags\t\t: ") && strstr(buf, "\nmodel name\t: "), "cpuinfo fields");
	snprintf(want, sizeof(want), n > 1 ? "0-%ld\n" : "0\n", n - 1);
	for (int i = 0; i < 3; i++) {
		static const char *const f[] = { "online", "possible", "present" };
		char path[64];
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/%s", f[i]);
		CHECK(read_file(path, buf, sizeof(buf)) > 0, "%s", path);
		CHECK(i || !strcmp(buf, want), "%s: %s, want %s", path, buf, want);
		CHECK(buf[0] == '0' && buf[strlen(buf) - 1] == '\n', "%s: %s", path, buf);
	}
	struct stat st;
	CHECK(stat("/sys/devices/system/cpu/cpu0", &st) == 0 && S_ISDIR(st.st_mode), "cpu0");
	snprintf(want, sizeof(want), "/sys/devices/system/cpu/cpu%ld", n - 1);
	CHECK(stat(want, &st) == 0 && S_ISDIR(st.st_mode), "%s", want);
	CHECK(stat("/sys/fs/cgroup", &st) == 0 && S_ISDIR(st.st_mode), "/sys/fs/cgroup");
	CHECK(read_file("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof(buf)) > 0 &&
	      strchr(buf, '[') && strchr(buf, ']'), "thp %s", buf);
	errno = 0;
	CHECK(open("/sys/devices/system/cpu/online", O_WRONLY) == -1 && (errno == EACCES || errno == EROFS),
	      "sysfs is read-only");
	printf("ok cpuinfo sysfs\n");
}

static void check_stat_uptime(void)
{
	unsigned long long v[10], btime;
	double up, idle, l1, l5, l15;
	int run, total, last, used = 0, cpus = 0;
	const char *f;

	CHECK(read_file("/proc/stat", buf, sizeof(buf)) > 0, "stat");
	CHECK(sscanf(buf, "cpu  %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu\n%n", &v[0], &v[1], &v[2],
		     &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &used) == 10 && used, "cpu line %s", buf);
	for (const char *p = buf; (p = strstr(p, "\ncpu")); p++)
		CHECK(atoi(p + 4) == cpus++, "cpu%d", cpus - 1);
	CHECK(cpus == sysconf(_SC_NPROCESSORS_ONLN), "%d cpuN lines", cpus);
	CHECK((f = field_of(buf, "btime ")) && sscanf(f, "%llu", &btime) == 1 && btime > 1000000000ull, "btime");
	CHECK(field_of(buf, "processes ") && field_of(buf, "procs_running ") && field_of(buf, "ctxt "), "fields");
	CHECK(read_file("/proc/uptime", buf, sizeof(buf)) > 0 &&
	      sscanf(buf, "%lf %lf\n%n", &up, &idle, &used) == 2 && used == (int)strlen(buf), "uptime %s", buf);
	CHECK(up >= 0 && idle >= 0, "uptime %s", buf);   /* a sandbox booted < 10 ms ago reads 0.00 */
	double up2;
	nanosleep(&(struct timespec){ .tv_nsec = 30 * 1000 * 1000 }, NULL);
	CHECK(read_file("/proc/uptime", buf, sizeof(buf)) > 0 && sscanf(buf, "%lf", &up2) == 1 &&
	      up2 >= up + 0.02, "uptime does not advance: %f then %s", up, buf);
	CHECK(read_file("/proc/loadavg", buf, sizeof(buf)) > 0 &&
	      sscanf(buf, "%lf %lf %lf %d/%d %d\n%n", &l1, &l5, &l15, &run, &total, &last, &used) == 6 &&
	      used == (int)strlen(buf), "loadavg %s", buf);
	CHECK(run >= 1 && run <= total && last > 0, "loadavg %s", buf);
	printf("ok stat uptime loadavg\n");
}

static void check_misc(void)
{
	struct utsname u;
	char want[128];
	ssize_t n;

	CHECK(uname(&u) == 0, "uname");
	CHECK(read_file("/proc/version", buf, sizeof(buf)) > 0, "version");
	snprintf(want, sizeof(want), "Linux version %s ", u.release);
	CHECK(!strncmp(buf, want, strlen(want)), "%s", buf);
	CHECK(read_file("/proc/filesystems", buf, sizeof(buf)) > 0 && strstr(buf, "nodev\tproc\n") &&
	      strstr(buf, "nodev\ttmpfs\n") && strstr(buf, "nodev\tsysfs\n"), "filesystems %s", buf);
	CHECK(read_file("/proc/swaps", buf, sizeof(buf)) > 0 &&
	      !strncmp(buf, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n", 40), "swaps %s", buf);
	CHECK(read_file("/proc/cmdline", buf, sizeof(buf)) > 0 && buf[strlen(buf) - 1] == '\n', "cmdline");
	n = readlink("/proc/self", buf, sizeof(buf) - 1);
	CHECK(n > 0 && (buf[n] = 0, atoi(buf) == getpid()), "self %s", buf);
	struct { const char *path, *want; } same[] = {
		{ "/proc/sys/kernel/ostype", u.sysname }, { "/proc/sys/kernel/osrelease", u.release },
		{ "/proc/sys/kernel/version", u.version }, { "/proc/sys/kernel/hostname", u.nodename },
		{ "/proc/sys/kernel/domainname", u.domainname },
	};
	for (int i = 0; i < 5; i++) {
		snprintf(want, sizeof(want), "%s\n", same[i].want);
		CHECK(read_file(same[i].path, buf, sizeof(buf)) > 0 && !strcmp(buf, want), "%s: %s", same[i].path, buf);
	}
	struct { const char *path; long long min, max; } num[] = {
		{ "/proc/sys/kernel/pid_max", 301, 4194304 }, { "/proc/sys/kernel/ngroups_max", 65536, 65536 },
		{ "/proc/sys/kernel/cap_last_cap", 37, 63 }, { "/proc/sys/kernel/overflowuid", 0, 65535 },
		{ "/proc/sys/kernel/overflowgid", 0, 65535 }, { "/proc/sys/kernel/threads-max", 20, 0x3fffffff },
		{ "/proc/sys/kernel/shmmni", 0, 32768 }, { "/proc/sys/vm/overcommit_memory", 0, 2 },
		{ "/proc/sys/vm/max_map_count", 1, 0x7fffffff }, { "/proc/sys/vm/mmap_min_addr", 0, 1 << 30 },
		{ "/proc/sys/fs/nr_open", 64, 2147483584 }, { "/proc/sys/fs/pipe-max-size", 4096, 1ll << 31 },
		{ "/proc/sys/fs/file-max", 1, 0x7fffffffffffffffll },
		{ "/proc/sys/fs/inotify/max_user_watches", 1, 0x7fffffff },
		{ "/proc/sys/net/core/somaxconn", 1, 0x7fffffff },
	};
	for (size_t i = 0; i < sizeof(num) / sizeof(num[0]); i++) {
		long long v;
		int used = 0;
		CHECK(read_file(num[i].path, buf, sizeof(buf)) > 0 && sscanf(buf, "%lld\n%n", &v, &used) == 1 &&
		      used == (int)strlen(buf) && v >= num[i].min && v <= num[i].max, "%s: %s", num[i].path, buf);
	}
	CHECK(read_file("/proc/sys/kernel/shmmax", buf, sizeof(buf)) > 0 && strtoull(buf, NULL, 10) > 0, "shmmax");
	CHECK(read_file("/proc/sys/kernel/random/uuid", buf, sizeof(buf)) == 37 &&
	      read_file("/proc/sys/kernel/random/uuid", buf2, sizeof(buf2)) == 37, "uuid");
	CHECK(strcmp(buf, buf2) && buf[14] == '4' && buf[8] == '-' && buf[36] == '\n', "uuid %s %s", buf, buf2);
	CHECK(read_file("/proc/sys/kernel/random/boot_id", buf, sizeof(buf)) == 37 &&
	      read_file("/proc/sys/kernel/random/boot_id", buf2, sizeof(buf2)) == 37 && !strcmp(buf, buf2),
	      "boot_id");
	printf("ok version filesystems swaps self sys\n");
}

static void check_dev(void)
{
	static const struct { const char *name; unsigned maj, min; } devs[] = {
		{ "/dev/null", 1, 3 }, { "/dev/zero", 1, 5 }, { "/dev/full", 1, 7 },
		{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/console", 5, 1 },
	};
	static const struct { const char *name, *target; } links[] = {
		{ "/dev/fd", "/proc/self/fd" }, { "/dev/stdin", "/proc/self/fd/0" },
		{ "/dev/stdout", "/proc/self/fd/1" }, { "/dev/stderr", "/proc/self/fd/2" },
	};
	struct stat st;
	int fd;

	for (int i = 0; i < 6; i++)
		CHECK(stat(devs[i].name, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == devs[i].maj &&
		      minor(st.st_rdev) == devs[i].min, "%s", devs[i].name);
	for (int i = 0; i < 4; i++) {
		ssize_t n = readlink(links[i].name, buf, sizeof(buf) - 1);
		CHECK(n > 0 && (buf[n] = 0, !strcmp(buf, links[i].target)), "%s -> %s", links[i].name, buf);
	}
	CHECK(stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 01777, "/dev/shm");
	fd = open("/dev/full", O_WRONLY);
	errno = 0;
	CHECK(fd >= 0 && write(fd, "x", 1) == -1 && errno == ENOSPC, "/dev/full");
	close(fd);
	fd = open("/dev/zero", O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, 64) == 64 && !buf[0] && !buf[63], "/dev/zero");
	close(fd);
	fd = open("/dev/urandom", O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, 64) == 64, "/dev/urandom");
	close(fd);
	CHECK(read_file("/dev/null", buf, sizeof(buf)) == 0, "/dev/null");
	printf("ok dev\n");
}

int main(void)
{
	check_meminfo();
	check_cpus();
	check_stat_uptime();
	check_misc();
	check_dev();
	return 0;
}
