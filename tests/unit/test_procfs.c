/* procfs through the real vfs core: lookups, reads, links, getdents. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include "vfs/vfs.h"
#include "vfs/vfs_impl.h"
#include "sentry/kernel.h"
#include "fake_procfs_deps.h"

static ssize_t slurp(const char *path, char *buf, size_t len)
{
	struct file *f;
	ssize_t n = 0, r;
	int err = vfs_open(current, AT_FDCWD, path, O_RDONLY, 0, &f);

	if (err)
		return err;
	while ((r = vfs_read(f, buf + n, len - 1 - (size_t)n, NULL)) > 0)
		n += r;
	file_put(f);
	buf[n] = 0;
	return r < 0 ? r : n;
}

static int readlink_at(const char *path, char *buf, size_t len)
{
	struct path p;
	int n, err = path_lookup(current, AT_FDCWD, path, 0, &p);

	if (err)
		return err;
	n = vfs_readlink(current, &p, buf, len - 1);
	path_put(&p);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

struct names {
	struct dir_context ctx;
	char all[4096];
	int count;
};

static bool collect(struct dir_context *ctx, const char *name, size_t len, uint64_t ino, unsigned type)
{
	struct names *n = (struct names *)ctx;

	strncat(n->all, "|", sizeof(n->all) - strlen(n->all) - 1);
	strncat(n->all, name, len);
	n->count++;
	return true;
}

static int list_dir(const char *path, struct names *n)
{
	struct file *f;
	int err = vfs_open(current, AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0, &f);

	memset(n, 0, sizeof(*n));
	n->ctx.emit = collect;
	if (err)
		return err;
	err = vfs_iterate(f, &n->ctx);
	strcat(n->all, "|");
	file_put(f);
	return err;
}

TestSuite(procfs, .init = fake_env_setup);

Test(procfs, meminfo_is_the_sandbox)
{
	char buf[4096];

	cr_assert_gt(slurp("/proc/meminfo", buf, sizeof(buf)), 0);
	cr_assert(strstr(buf, "MemTotal:        2097152 kB\n"), "%s", buf);
	cr_assert(strstr(buf, "MemFree:         1994752 kB\n"), "%s", buf);
}

Test(procfs, self_links)
{
	char buf[256];

	cr_assert_eq(readlink_at("/proc/self", buf, sizeof(buf)), 1);
	cr_assert_str_eq(buf, "5");
	current = &env.t7;
	cr_assert_gt(readlink_at("/proc/thread-self", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "5/task/7");
	cr_assert_gt(readlink_at("/proc/mounts", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "self/mounts");
}

Test(procfs, status_through_self)
{
	char buf[8192];

	cr_assert_gt(slurp("/proc/self/status", buf, sizeof(buf)), 0);
	cr_assert(strstr(buf, "Name:\tinit\n"), "%s", buf);
	cr_assert(strstr(buf, "Tgid:\t5\nNgid:\t0\nPid:\t5\nPPid:\t0\n"), "%s", buf);
	cr_assert(strstr(buf, "Threads:\t2\n"), "%s", buf);
	cr_assert(strstr(buf, "CapEff:\t000001ffffffffff\n"), "%s", buf);
	cr_assert(strstr(buf, "VmSize:"), "%s", buf);
}

Test(procfs, thread_stat)
{
	char buf[4096];
	int fields = 2;   /* pid and comm, then one per space after ')' */

	cr_assert_gt(slurp("/proc/5/task/7/stat", buf, sizeof(buf)), 0);
	cr_assert(!strncmp(buf, "7 (worker) S 0 5 5 0 -1 ", 24), "%s", buf);
	for (char *p = strchr(buf, ')'); *p; p++)
		fields += *p == ' ';
	cr_assert_eq(fields, 52, "%d fields: %s", fields, buf);
	cr_assert(strstr(buf, " 17 0 0 0 0 0 0 0 0 0 "), "%s", buf);   /* exit_signal ... start_brk */
	cr_assert_gt(slurp("/proc/7/status", buf, sizeof(buf)), 0);       /* unlisted tid */
	cr_assert(strstr(buf, "Tgid:\t5\nNgid:\t0\nPid:\t7\n"), "%s", buf);
	cr_assert_gt(slurp("/proc/9/stat", buf, sizeof(buf)), 0);
	cr_assert(!strncmp(buf, "9 (child) S 5 ", 14), "%s", buf);
}

Test(procfs, cmdline_and_auxv)
{
	char buf[256];

	cr_assert_eq(slurp("/proc/5/cmdline", buf, sizeof(buf)), 5);
	cr_assert_eq(memcmp(buf, "a\0bb\0", 5), 0);
	cr_assert_eq(slurp("/proc/self/auxv", buf, sizeof(buf)), 32);
	cr_assert_eq(slurp("/proc/9/cmdline", buf, sizeof(buf)), 0);   /* no mm */
}

Test(procfs, root_listing)
{
	struct names n;

	cr_assert_eq(list_dir("/proc", &n), 0);
	cr_assert(strstr(n.all, "|.|..|"), "%s", n.all);
	cr_assert(strstr(n.all, "|self|"), "%s", n.all);
	cr_assert(strstr(n.all, "|meminfo|"), "%s", n.all);
	cr_assert(strstr(n.all, "|5|9|"), "%s", n.all);       /* 5 once: threads deduped */
	cr_assert_eq(list_dir("/proc/5/task", &n), 0);
	cr_assert_str_eq(n.all, "|.|..|5|7|");
}

Test(procfs, fd_links)
{
	struct file *rd, *wr, *f;
	char buf[256], path[64];
	int fd;

	cr_assert_eq(pipe_create(O_NONBLOCK, &rd, &wr), 0);
	fd = fd_install(env.t5.files, 0, rd, true);
	cr_assert_eq(fd, 0);
	snprintf(path, sizeof(path), "pipe:[%llu]", (unsigned long long)rd->inode->ino);
	cr_assert_gt(readlink_at("/proc/self/fd/0", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, path);
	cr_assert_gt(slurp("/proc/self/fdinfo/0", buf, sizeof(buf)), 0);
	cr_assert(strstr(buf, "flags:\t02004000\n"), "%s", buf);   /* O_CLOEXEC|O_NONBLOCK */
	cr_assert_eq(vfs_open(current, AT_FDCWD, "/proc/meminfo", O_RDONLY, 0, &f), 0);
	cr_assert_eq(fd_install(env.t5.files, 0, f, false), 1);
	cr_assert_gt(readlink_at("/proc/5/fd/1", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "/proc/meminfo");
	file_put(f);
	file_put(rd);
	file_put(wr);
	cr_assert_eq(readlink_at("/proc/5/fd/7", buf, sizeof(buf)), -ENOENT);
	struct names n;
	cr_assert_eq(list_dir("/proc/self/fd", &n), 0);
	cr_assert_str_eq(n.all, "|.|..|0|1|");
}

Test(procfs, magic_link_follows)
{
	struct path p;
	char buf[64];

	cr_assert_eq(path_lookup(current, AT_FDCWD, "/proc/self/root/proc/self/cwd/tmp",
				 LOOKUP_FOLLOW, &p), 0);
	cr_assert_gt(path_to_string(&env.t5.fs->root, &p, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "/tmp");
	path_put(&p);
	cr_assert_gt(readlink_at("/proc/self/cwd", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "/");
	cr_assert_eq(readlink_at("/proc/self/exe", buf, sizeof(buf)), -ENOENT);
}

Test(procfs, dead_process)
{
	struct file *f;
	char buf[64];

	cr_assert_eq(vfs_open(current, AT_FDCWD, "/proc/9/status", O_RDONLY, 0, &f), 0);
	fake_env_reap_9();
	cr_assert_eq(vfs_read(f, buf, sizeof(buf), NULL), -ESRCH);
	file_put(f);
	cr_assert_eq(slurp("/proc/9/stat", buf, sizeof(buf)), -ENOENT);
}

Test(procfs, ptrace_access_checks)
{
	char buf[256];

	env.t9.cred.uid = env.t9.cred.euid = env.t9.cred.suid = 1000;
	cr_assert_gt(readlink_at("/proc/9/cwd", buf, sizeof(buf)), 0);   /* root with caps */
	current = &env.t7;
	env.t7.cred.cap_effective = 0;
	cr_assert_gt(readlink_at("/proc/5/cwd", buf, sizeof(buf)), 0);   /* own group */
	cr_assert_eq(readlink_at("/proc/9/cwd", buf, sizeof(buf)), -EACCES);
	cr_assert_eq(slurp("/proc/9/environ", buf, sizeof(buf)), -EACCES);
	cr_assert_gt(slurp("/proc/9/status", buf, sizeof(buf)), 0);      /* not protected */
	env.t7.cred.fsuid = 1000;
	cr_assert_gt(readlink_at("/proc/9/cwd", buf, sizeof(buf)), 0);
}

Test(procfs, read_only_and_comm)
{
	struct file *f;
	char buf[64];

	cr_assert_eq(vfs_open(current, AT_FDCWD, "/proc/meminfo", O_WRONLY, 0, &f), -EACCES);
	cr_assert_eq(vfs_open(current, AT_FDCWD, "/proc/self/comm", O_WRONLY, 0, &f), 0);
	cr_assert_eq(vfs_write(f, "renamed-process-long\n", 21, NULL), 21);
	file_put(f);
	cr_assert_gt(slurp("/proc/self/comm", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "renamed-process\n");
}

Test(procfs, sys_files)
{
	char buf[256];

	cr_assert_gt(slurp("/proc/sys/kernel/ostype", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "Linux\n");
	cr_assert_gt(slurp("/proc/sys/kernel/hostname", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "sandbox\n");
	cr_assert_gt(slurp("/proc/sys/fs/pipe-max-size", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "1048576\n");
	cr_assert_eq(slurp("/proc/sys/kernel/random/uuid", buf, sizeof(buf)), 37);
	cr_assert_eq(buf[14], '4');
	cr_assert_gt(slurp("/proc/uptime", buf, sizeof(buf)), 0);
	cr_assert(!strncmp(buf, "1.", 2), "%s", buf);
	cr_assert_gt(slurp("/proc/loadavg", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "0.00 0.00 0.00 1/3 9\n");
}

Test(procfs, cpuinfo_and_limits)
{
	static char buf[1 << 16];

	cr_assert_gt(slurp("/proc/cpuinfo", buf, sizeof(buf)), 0);
	cr_assert(!strncmp(buf, "processor\t: 0\nvendor_id\t: ", 26), "%s", buf);
	cr_assert(strstr(buf, " fpu "), "%s", buf);
	cr_assert_gt(slurp("/proc/self/limits", buf, sizeof(buf)), 0);
	cr_assert(strstr(buf, "Max open files            1024                 4096                 files     \n"),
		  "%s", buf);
}

Test(procfs, stat_of_root_inode)
{
	struct path p;

	cr_assert_eq(path_lookup(current, AT_FDCWD, "/proc", LOOKUP_FOLLOW, &p), 0);
	cr_assert_eq(p.dentry->inode->ino, 1);
	cr_assert_eq(p.dentry->inode->sb->magic, 0x9fa0);
	cr_assert_eq(p.dentry->inode->mode, S_IFDIR | 0555);
	path_put(&p);
}

Test(procfs, sysctl_set_and_parse)
{
	char buf[256];
	struct file *f;

	cr_assert_eq(proc_sysctl_set("kernel.domainname", "example.org"), 0);
	cr_assert_gt(slurp("/proc/sys/kernel/domainname", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "example.org\n");
	cr_assert_str_eq(kernel.domainname, "example.org");
	cr_assert_eq(proc_sysctl_set("net/core/somaxconn", " 0x40\n"), 0);
	cr_assert_gt(slurp("/proc/sys/net/core/somaxconn", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "64\n");
	cr_assert_eq(proc_sysctl_set("kernel.pid_max", "300"), -EINVAL);      /* below 301 */
	cr_assert_eq(proc_sysctl_set("kernel.pid_max", "65536"), 0);
	cr_assert_eq(kernel.pid_max, 65536);
	cr_assert_eq(proc_sysctl_set("kernel.sem", "1 2 3 4"), 0);
	cr_assert_gt(slurp("/proc/sys/kernel/sem", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "1\t2\t3\t4\n");
	cr_assert_eq(proc_sysctl_set("fs.pipe-max-size", "5000"), 0);        /* rounded up */
	cr_assert_gt(slurp("/proc/sys/fs/pipe-max-size", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "8192\n");
	cr_assert_eq(proc_sysctl_set("vm.mmap_min_addr", "-1"), -EINVAL);
	cr_assert_eq(proc_sysctl_set("kernel.shmmni", "12abc"), -EINVAL);
	cr_assert_eq(proc_sysctl_set("kernel.nosuch", "1"), -ENOENT);
	cr_assert_eq(proc_sysctl_set("kernel", "1"), -ENOENT);
	cr_assert_eq(proc_sysctl_set("kernel..hostname", "x"), -ENOENT);
	cr_assert_eq(proc_sysctl_set("kernel.ostype", "BSD"), -EPERM);
	cr_assert_eq(proc_sysctl_set("kernel.hostname", "from-oci"), 0);
	cr_assert_str_eq(kernel.hostname, "from-oci");
	/* the same through a write(2) of the file */
	cr_assert_eq(vfs_open(current, AT_FDCWD, "/proc/sys/vm/overcommit_memory", O_WRONLY, 0, &f), 0);
	cr_assert_eq(vfs_write(f, "3", 1, NULL), -EINVAL);
	cr_assert_eq(vfs_write(f, "2\n", 2, NULL), 2);
	file_put(f);
	cr_assert_gt(slurp("/proc/sys/vm/overcommit_memory", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "2\n");
}

Test(procfs, ns_links)
{
	char buf[64];
	struct path p;
	struct file *f;

	cr_assert_gt(readlink_at("/proc/self/ns/mnt", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "mnt:[4026531841]");
	cr_assert_gt(readlink_at("/proc/9/ns/pid_for_children", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "pid:[4026531836]");
	cr_assert_eq(path_lookup(current, AT_FDCWD, "/proc/9/ns/uts", LOOKUP_FOLLOW, &p), 0);
	cr_assert_eq(p.dentry->inode->ino, 4026531838u);
	cr_assert(S_ISREG(p.dentry->inode->mode));
	path_put(&p);
	cr_assert_eq(vfs_open(current, AT_FDCWD, "/proc/self/ns/net", O_RDONLY, 0, &f), 0);
	cr_assert_eq(vfs_read(f, buf, sizeof(buf), NULL), -EINVAL);
	cr_assert_eq(fd_install(env.t5.files, 0, f, false), 0);
	file_put(f);
	cr_assert_gt(readlink_at("/proc/self/fd/0", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "net:[4026531840]");
	struct names n;
	cr_assert_eq(list_dir("/proc/5/ns", &n), 0);
	cr_assert_str_eq(n.all, "|.|..|cgroup|ipc|mnt|net|pid|pid_for_children|time|time_for_children|user|uts|");
}

Test(procfs, oom_score_adj)
{
	char buf[64];
	struct file *f;

	cr_assert_eq(vfs_open(current, AT_FDCWD, "/proc/9/oom_score_adj", O_WRONLY, 0, &f), 0);
	cr_assert_eq(vfs_write(f, "-1001", 5, NULL), -EINVAL);
	cr_assert_eq(vfs_write(f, "x", 1, NULL), -EINVAL);
	cr_assert_eq(vfs_write(f, " 300\n", 5, NULL), 5);
	file_put(f);
	cr_assert_gt(slurp("/proc/9/oom_score_adj", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "300\n");
	cr_assert_eq(env.tg2.oom_score_adj, 300);
	cr_assert_gt(slurp("/proc/9/oom_score", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "866\n");             /* (1000 + 300) * 2 / 3 */
	cr_assert_gt(slurp("/proc/5/oom_score", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "666\n");
}

Test(procfs, mountinfo_and_sysfs)
{
	static char buf[8192];

	cr_assert_gt(slurp("/proc/self/mountinfo", buf, sizeof(buf)), 0);
	cr_assert(!strncmp(buf, "1 1 ", 4), "%s", buf);
	cr_assert(strstr(buf, " / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"), "%s", buf);
	cr_assert(strstr(buf, " / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro\n"), "%s", buf);
	cr_assert_gt(slurp("/sys/devices/system/cpu/online", buf, sizeof(buf)), 0);
	cr_assert(!strcmp(buf, "0\n") || !strncmp(buf, "0-", 2), "%s", buf);
	cr_assert_gt(slurp("/sys/devices/system/cpu/cpu0/topology/core_id", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "0\n");
	cr_assert_gt(slurp("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "always madvise [never]\n");
	struct names n;
	cr_assert_eq(list_dir("/sys/fs", &n), 0);
	cr_assert_str_eq(n.all, "|.|..|cgroup|");
	struct file *f;
	cr_assert_eq(vfs_open(current, AT_FDCWD, "/sys/devices/system/cpu/online", O_WRONLY, 0, &f), -EROFS);
}

Test(procfs, small_files)
{
	char buf[256];

	cr_assert_gt(slurp("/proc/self/uid_map", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "         0          0 4294967295\n");
	static const struct kernel_idmap map[] = { { 0, 100000, 65536 }, { 65536, 1000, 1 } };
	kernel.cfg.gid_map = map;
	kernel.cfg.n_gid_map = 2;
	cr_assert_gt(slurp("/proc/self/gid_map", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "         0     100000      65536\n     65536       1000          1\n");
	cr_assert_gt(slurp("/proc/self/setgroups", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "allow\n");
	cr_assert_eq(slurp("/proc/self/loginuid", buf, sizeof(buf)), 10);
	cr_assert_str_eq(buf, "4294967295");
	cr_assert_gt(slurp("/proc/self/smaps_rollup", buf, sizeof(buf)), 0);
	cr_assert(strstr(buf, " [rollup]\nRss:                   0 kB\n"), "%s", buf);
	cr_assert_gt(slurp("/proc/swaps", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
}
