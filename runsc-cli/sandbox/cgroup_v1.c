/* cgroup v1 controller files: OCI LinuxResources in, runc's stats out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runsc-cli/sandbox/cgroup.h"
#include "runsc-cli/oci/config.h"

static int fail(char *err, size_t errlen, const char *dir, const char *file, int e)
{
	snprintf(err, errlen, "cgroup: %s/%s: %s", dir ? dir : "(no controller)", file,
		 strerror(e < 0 ? -e : ENOENT));
	return -1;
}

static int wr_i64(const char *dir, const char *file, int64_t v)
{
	char s[32];
	snprintf(s, sizeof(s), "%lld", (long long)v);
	return cg_write(dir, file, s);
}

static bool has_file(const char *dir, const char *file)
{
	char p[PATH_MAX + 64];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	return access(p, F_OK) == 0;
}

static int memory(const char *m, const struct oci_resources *r, char *err, size_t errlen)
{
	int e;
	if (r->has_memory_reservation &&
	    (e = wr_i64(m, "memory.soft_limit_in_bytes", r->memory_reservation)) < 0)
		return fail(err, errlen, m, "memory.soft_limit_in_bytes", e);
	bool swap = r->has_memory_swap && has_file(m, "memory.memsw.limit_in_bytes");
	if (r->has_memory_swap && !swap && r->memory_swap > 0 &&
	    !(r->has_memory_limit && r->memory_swap == r->memory_limit)) {
		snprintf(err, errlen, "cgroup: memory.swap: swap accounting is not enabled on this host");
		return -1;
	}
	/* memsw >= limit at every step: the order depends on the old values. */
	for (int order = 0; order < 2; order++) {
		e = 0;
		for (int step = 0; step < 2 && !e; step++) {
			bool lim = (step == 0) == (order == 0);
			if (lim && r->has_memory_limit)
				e = wr_i64(m, "memory.limit_in_bytes", r->memory_limit);
			else if (!lim && swap)
				e = wr_i64(m, "memory.memsw.limit_in_bytes", r->memory_swap);
		}
		if (e != -EINVAL)
			break;
	}
	return e < 0 ? fail(err, errlen, m, "memory.limit_in_bytes", e) : 0;
}

static int cpu(const char *c, const struct oci_resources *r, char *err, size_t errlen)
{
	int e;
	if (r->has_cpu_shares && r->cpu_shares &&
	    (e = cg_write_u64(c, "cpu.shares", r->cpu_shares)) < 0)
		return fail(err, errlen, c, "cpu.shares", e);
	/* the kernel checks quota against period: try both orders */
	for (int order = 0; order < 2; order++) {
		e = 0;
		for (int step = 0; step < 2 && !e; step++) {
			bool per = (step == 0) == (order == 0);
			if (per && r->has_cpu_period && r->cpu_period)
				e = cg_write_u64(c, "cpu.cfs_period_us", r->cpu_period);
			else if (!per && r->has_cpu_quota && r->cpu_quota)
				e = wr_i64(c, "cpu.cfs_quota_us", r->cpu_quota);
		}
		if (e != -EINVAL)
			break;
	}
	return e < 0 ? fail(err, errlen, c, "cpu.cfs_quota_us", e) : 0;
}

int cgroup_v1_apply(const struct cgroup *cg, const struct oci_resources *r, char *err, size_t errlen)
{
	const char *d;
	int e;
	if ((r->cpus && *r->cpus) || (r->mems && *r->mems)) {
		if (!(d = cg_dir_of(cg, CG_CPUSET)))
			return fail(err, errlen, d, "cpuset.cpus", -ENOENT);
		if (r->cpus && *r->cpus && (e = cg_write(d, "cpuset.cpus", r->cpus)) < 0)
			return fail(err, errlen, d, "cpuset.cpus", e);
		if (r->mems && *r->mems && (e = cg_write(d, "cpuset.mems", r->mems)) < 0)
			return fail(err, errlen, d, "cpuset.mems", e);
	}
	if (r->has_memory_limit || r->has_memory_reservation || r->has_memory_swap) {
		if (!(d = cg_dir_of(cg, CG_MEMORY)))
			return fail(err, errlen, d, "memory.limit_in_bytes", -ENOENT);
		if (memory(d, r, err, errlen) < 0)
			return -1;
	}
	if (r->has_cpu_shares || r->has_cpu_quota || r->has_cpu_period) {
		if (!(d = cg_dir_of(cg, CG_CPU)))
			return fail(err, errlen, d, "cpu.shares", -ENOENT);
		if (cpu(d, r, err, errlen) < 0)
			return -1;
	}
	if (r->has_pids_limit) {
		if (!(d = cg_dir_of(cg, CG_PIDS)))
			return fail(err, errlen, d, "pids.max", -ENOENT);
		e = r->pids_limit > 0 ? wr_i64(d, "pids.max", r->pids_limit) : cg_write(d, "pids.max", "max");
		if (e < 0)
			return fail(err, errlen, d, "pids.max", e);
	}
	if (r->has_blkio_weight) {
		if (!(d = cg_dir_of(cg, CG_BLKIO)))
			return fail(err, errlen, d, "blkio.weight", -ENOENT);
		const char *f = has_file(d, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";
		if ((e = cg_write_u64(d, f, r->blkio_weight)) < 0) {
			snprintf(err, errlen, "cgroup: blockIO.weight: %s/%s: %s (no weight-based I/O "
				 "scheduler on this host?)", d, f, strerror(-e));
			return -1;
		}
	}
	return 0;
}

/* runc's MemoryEntry: limit, usage, max, failcnt of a prefix. */
static json_t *mem_entry(const char *d, const char *prefix)
{
	char f[64];
	uint64_t lim = 0, use = 0, max = 0, fc = 0;
	snprintf(f, sizeof(f), "%s.usage_in_bytes", prefix);
	if (cg_read_u64(d, f, &use) < 0)
		return NULL;
	snprintf(f, sizeof(f), "%s.limit_in_bytes", prefix);
	cg_read_u64(d, f, &lim);
	snprintf(f, sizeof(f), "%s.max_usage_in_bytes", prefix);
	cg_read_u64(d, f, &max);
	snprintf(f, sizeof(f), "%s.failcnt", prefix);
	cg_read_u64(d, f, &fc);
	return json_pack("{s:I, s:I, s:I, s:I}", "limit", (json_int_t)lim, "usage", (json_int_t)use,
			 "max", (json_int_t)max, "failcnt", (json_int_t)fc);
}

static json_t *percpu(const char *d)
{
	static char buf[16384];
	json_t *a = json_array();
	if (cg_read(d, "cpuacct.usage_percpu", buf, sizeof(buf)) <= 0)
		return a;
	for (char *p = buf, *end; a; p = end) {
		unsigned long long v = strtoull(p, &end, 10);
		if (end == p)
			break;
		json_array_append_new(a, json_integer((json_int_t)v));
	}
	return a;
}

json_t *cgroup_v1_stats(const struct cgroup *cg)
{
	json_t *s = json_object();
	const char *d;
	uint64_t v = 0;
	json_t *cpu = json_pack("{s:{}, s:{}}", "usage", "throttling");
	if ((d = cg_dir_of(cg, CG_CPUACCT))) {
		json_t *u = json_object_get(cpu, "usage");
		uint64_t user = 0, sys = 0;
		if (cg_read_u64(d, "cpuacct.usage", &v) == 0)
			json_object_set_new(u, "total", json_integer((json_int_t)v));
		json_object_set_new(u, "percpu", percpu(d));
		/* USER_HZ ticks, as runc reports them: in nanoseconds */
		long hz = sysconf(_SC_CLK_TCK);
		cg_read_keyed(d, "cpuacct.stat", "user", &user);
		cg_read_keyed(d, "cpuacct.stat", "system", &sys);
		json_object_set_new(u, "kernel", json_integer((json_int_t)(sys * (1000000000 / hz))));
		json_object_set_new(u, "user", json_integer((json_int_t)(user * (1000000000 / hz))));
	}
	if ((d = cg_dir_of(cg, CG_CPU))) {
		json_t *t = json_object_get(cpu, "throttling");
		if (cg_read_keyed(d, "cpu.stat", "nr_periods", &v) == 0)
			json_object_set_new(t, "periods", json_integer((json_int_t)v));
		if (cg_read_keyed(d, "cpu.stat", "nr_throttled", &v) == 0)
			json_object_set_new(t, "throttled_periods", json_integer((json_int_t)v));
		if (cg_read_keyed(d, "cpu.stat", "throttled_time", &v) == 0)
			json_object_set_new(t, "throttled_time", json_integer((json_int_t)v));
	}
	json_object_set_new(s, "cpu", cpu);
	if ((d = cg_dir_of(cg, CG_MEMORY))) {
		json_t *m = json_object();
		json_t *e;
		if ((e = mem_entry(d, "memory")))
			json_object_set_new(m, "usage", e);
		if ((e = mem_entry(d, "memory.memsw")))
			json_object_set_new(m, "swap", e);
		if ((e = mem_entry(d, "memory.kmem")))
			json_object_set_new(m, "kernel", e);
		if (cg_read_keyed(d, "memory.stat", "cache", &v) == 0)
			json_object_set_new(m, "cache", json_integer((json_int_t)v));
		json_object_set_new(m, "raw", cg_raw_stats(d, "memory.stat"));
		json_object_set_new(s, "memory", m);
	}
	if ((d = cg_dir_of(cg, CG_PIDS))) {
		json_t *p = json_object();
		if (cg_read_u64(d, "pids.current", &v) == 0)
			json_object_set_new(p, "current", json_integer((json_int_t)v));
		if (cg_read_u64(d, "pids.max", &v) == 0 && v != UINT64_MAX)
			json_object_set_new(p, "limit", json_integer((json_int_t)v));
		json_object_set_new(s, "pids", p);
	}
	json_object_set_new(s, "blkio", json_object());
	return s;
}
