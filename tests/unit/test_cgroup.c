/* unit_cgroup: where a container's cgroup goes (cgroupsPath, systemd's
 * slice:prefix:name), runc's v2 conversions, the controller files written
 * for v1 and v2 (into a fake tree of plain files), the state record. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "runsc-cli/sandbox/cgroup.h"
#include "runsc-cli/oci/config.h"

static const char *path_for(const char *p, bool systemd)
{
	static char out[4096], err[512];
	err[0] = 0;
	if (cgroup_path_for(p, systemd, "ctr", out, sizeof(out), err, sizeof(err)) < 0)
		return err;
	return out;
}

Test(cgroup, paths)
{
	cr_assert_str_eq(path_for(NULL, false), "/cvisor/ctr");
	cr_assert_str_eq(path_for("", false), "/cvisor/ctr");
	cr_assert_str_eq(path_for("/k8s.io/abc", false), "/k8s.io/abc");
	cr_assert_str_eq(path_for("//a/./b/../c/", false), "/a/c");
	cr_assert_str_eq(path_for("rel/x", false), "rel/x");
	cr_assert_str_eq(path_for("/..", false), "linux.cgroupsPath: \"/..\" names the root cgroup");
	cr_assert_str_eq(path_for("/", false), "linux.cgroupsPath: \"/\" names the root cgroup");
}

Test(cgroup, systemd_paths)
{
	cr_assert_str_eq(path_for(NULL, true), "/system.slice/cvisor-ctr.scope");
	cr_assert_str_eq(path_for("machine.slice:docker:abc", true), "/machine.slice/docker-abc.scope");
	cr_assert_str_eq(path_for("a-b-c.slice:p:n", true), "/a.slice/a-b.slice/a-b-c.slice/p-n.scope");
	cr_assert_str_eq(path_for(":p:n", true), "/system.slice/p-n.scope");
	cr_assert_str_eq(path_for("-.slice::n", true), "/n.scope");
	cr_assert_str_eq(path_for("user.slice:x:sub.slice", true), "/user.slice/sub.slice");
	cr_assert_str_eq(path_for("nocolons", true),
			 "linux.cgroupsPath: \"nocolons\" is not \"slice:prefix:name\" (--systemd-cgroup)");
	cr_assert_str_eq(path_for("bad:p:n", true), "linux.cgroupsPath: invalid slice or unit in \"bad:p:n\"");
	cr_assert_str_eq(path_for("a--b.slice:p:n", true),
			 "linux.cgroupsPath: invalid slice or unit in \"a--b.slice:p:n\"");
}

Test(cgroup, v2_conversions)
{
	cr_assert_eq(cgroup_shares_to_weight(0), 0);
	cr_assert_eq(cgroup_shares_to_weight(2), 1);
	cr_assert_eq(cgroup_shares_to_weight(1024), 39);
	cr_assert_eq(cgroup_shares_to_weight(262144), 10000);
	cr_assert_eq(cgroup_blkio_to_io_weight(10), 1);
	cr_assert_eq(cgroup_blkio_to_io_weight(500), 4950);
	cr_assert_eq(cgroup_blkio_to_io_weight(1000), 10000);
}

/* A fake cgroup directory with empty files to write into. */
static char dir[64];

static void fake_dir(const char *const *files)
{
	strcpy(dir, "/var/tmp/unit_cgroup.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	for (; *files; files++) {
		char p[256];
		snprintf(p, sizeof(p), "%s/%s", dir, *files);
		int fd = open(p, O_CREAT | O_WRONLY, 0644);
		cr_assert_geq(fd, 0);
		close(fd);
	}
}

static const char *file(const char *name)
{
	static char buf[256];
	cr_assert_geq(cg_read(dir, name, buf, sizeof(buf)), 0, "%s", name);
	return buf;
}

static void rm_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(cgroup, v2_files)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems", "memory.max", "memory.low",
		"memory.swap.max", "memory.oom.group", "cpu.weight", "cpu.max", "pids.max", "io.weight", NULL };
	fake_dir(files);
	struct cgroup cg = { .version = 2, .n = 1 };
	cg.d[0].controllers = (1u << CG_NCTRL) - 1;
	strcpy(cg.d[0].path, dir);
	struct oci_resources r = {
		.has_memory_limit = true, .memory_limit = 64 << 20,
		.has_memory_reservation = true, .memory_reservation = 32 << 20,
		.has_memory_swap = true, .memory_swap = 96 << 20,
		.has_cpu_shares = true, .cpu_shares = 1024,
		.has_cpu_quota = true, .cpu_quota = 50000,
		.has_pids_limit = true, .pids_limit = 0,
		.has_blkio_weight = true, .blkio_weight = 500,
		.cpus = "0-1", .mems = "0",
	};
	char err[256] = "";
	cr_assert_eq(cgroup_v2_apply(&cg, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(file("memory.max"), "67108864");
	cr_assert_str_eq(file("memory.low"), "33554432");
	cr_assert_str_eq(file("memory.swap.max"), "33554432");   /* swap alone */
	cr_assert_str_eq(file("memory.oom.group"), "1");
	cr_assert_str_eq(file("cpu.weight"), "39");
	cr_assert_str_eq(file("cpu.max"), "50000 100000");   /* period kept at the default */
	cr_assert_str_eq(file("pids.max"), "max");
	cr_assert_str_eq(file("io.weight"), "4950");
	cr_assert_str_eq(file("cpuset.cpus"), "0-1");
	/* an update of the period alone keeps the quota */
	struct oci_resources u = { .has_cpu_period = true, .cpu_period = 20000,
				   .has_memory_limit = true, .memory_limit = -1 };
	cr_assert_eq(cgroup_v2_apply(&cg, &u, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(file("cpu.max"), "50000 20000");
	cr_assert_str_eq(file("memory.max"), "max");
	/* swap without a memory limit cannot be expressed */
	struct oci_resources bad = { .has_memory_swap = true, .memory_swap = 1 << 20 };
	cr_assert_eq(cgroup_v2_apply(&cg, &bad, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "cgroup: memory.swap: cannot limit swap without memory.limit");
	rm_dir();
}

Test(cgroup, v1_files)
{
	static const char *const files[] = { "memory.limit_in_bytes", "memory.soft_limit_in_bytes",
		"memory.memsw.limit_in_bytes", "cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us",
		"pids.max", "blkio.weight", NULL };
	fake_dir(files);
	struct cgroup cg = { .version = 1, .n = 1 };
	cg.d[0].controllers = (1u << CG_MEMORY) | (1u << CG_CPU) | (1u << CG_PIDS) | (1u << CG_BLKIO);
	strcpy(cg.d[0].path, dir);
	struct oci_resources r = {
		.has_memory_limit = true, .memory_limit = 64 << 20,
		.has_memory_reservation = true, .memory_reservation = 32 << 20,
		.has_memory_swap = true, .memory_swap = -1,
		.has_cpu_shares = true, .cpu_shares = 512,
		.has_cpu_quota = true, .cpu_quota = -1,
		.has_cpu_period = true, .cpu_period = 50000,
		.has_pids_limit = true, .pids_limit = 10,
		.has_blkio_weight = true, .blkio_weight = 300,
	};
	char err[256] = "";
	cr_assert_eq(cgroup_v1_apply(&cg, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(file("memory.limit_in_bytes"), "67108864");
	cr_assert_str_eq(file("memory.soft_limit_in_bytes"), "33554432");
	cr_assert_str_eq(file("memory.memsw.limit_in_bytes"), "-1");
	cr_assert_str_eq(file("cpu.shares"), "512");
	cr_assert_str_eq(file("cpu.cfs_quota_us"), "-1");
	cr_assert_str_eq(file("cpu.cfs_period_us"), "50000");
	cr_assert_str_eq(file("pids.max"), "10");
	cr_assert_str_eq(file("blkio.weight"), "300");
	/* no cpuset hierarchy: a cpus list is an error naming it */
	struct oci_resources cs = { .cpus = "0" };
	cr_assert_eq(cgroup_v1_apply(&cg, &cs, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "cgroup: (no controller)/cpuset.cpus: No such file or directory");
	rm_dir();
}

Test(cgroup, state_record)
{
	struct cgroup cg = { .version = 1, .n = 2 }, back;
	cg.d[0] = (struct cg_dir){ .controllers = 1u << CG_MEMORY, .created = 2 };
	strcpy(cg.d[0].path, "/sys/fs/cgroup/memory/cvisor/x");
	cg.d[1] = (struct cg_dir){ .controllers = (1u << CG_CPU) | (1u << CG_CPUACCT), .created = 1 };
	strcpy(cg.d[1].path, "/sys/fs/cgroup/cpu,cpuacct/cvisor/x");
	json_t *j = cgroup_to_json(&cg);
	cr_assert_not_null(j);
	cr_assert_eq(cgroup_from_json(&back, j), 0);
	json_decref(j);
	cr_assert_eq(back.version, 1);
	cr_assert_eq(back.n, 2);
	cr_assert_str_eq(cg_dir_of(&back, CG_CPUACCT), "/sys/fs/cgroup/cpu,cpuacct/cvisor/x");
	cr_assert_str_eq(cg_dir_of(&back, CG_MEMORY), "/sys/fs/cgroup/memory/cvisor/x");
	cr_assert_null(cg_dir_of(&back, CG_PIDS));
	cr_assert_eq(back.d[0].created, 2);
	json_t *bad = json_pack("{s:i, s:[{s:s}]}", "version", 1, "dirs", "path", "relative");
	cr_assert_eq(cgroup_from_json(&back, bad), -1);
	json_decref(bad);
}
