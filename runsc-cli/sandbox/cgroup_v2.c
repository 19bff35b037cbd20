/* cgroup v2 controller files: OCI LinuxResources in (converted as runc
 * converts them), runc's stats out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runsc-cli/sandbox/cgroup.h"
#include "runsc-cli/oci/config.h"

/* cpu.shares 2..262144 onto cpu.weight 1..10000 (runc's formula). */
uint64_t cgroup_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* blkio.weight 10..1000 onto io.weight 1..10000. */
uint64_t cgroup_blkio_to_io_weight(uint64_t weight)
{
	if (weight == 0)
		return 0;
	return 1 + (weight - 10) * 9999 / 990;
}

static int fail(char *err, size_t errlen, const char *dir, const char *file, int e)
{
	snprintf(err, errlen, "cgroup: %s/%s: %s", dir, file, strerror(-e));
	return -1;
}

static int wr_limit(const char *dir, const char *file, int64_t v)
{
	char s[32];
	if (v < 0)
		return cg_write(dir, file, "max");
	snprintf(s, sizeof(s), "%lld", (long long)v);
	return cg_write(dir, file, s);
}

static int memory(const char *d, const struct oci_resources *r, char *err, size_t errlen)
{
	int e;
	if (r->has_memory_reservation && (e = wr_limit(d, "memory.low", r->memory_reservation)) < 0)
		return fail(err, errlen, d, "memory.low", e);
	/* OCI swap is memory+swap; memory.swap.max is the swap alone. */
	bool has_swap = r->has_memory_swap && r->memory_swap != 0;
	int64_t swap = r->memory_swap;
	if (has_swap && swap > 0) {
		if (!r->has_memory_limit || r->memory_limit <= 0) {
			snprintf(err, errlen, "cgroup: memory.swap: cannot limit swap without memory.limit");
			return -1;
		}
		swap -= r->memory_limit;   /* >= 0: checked by the parser */
	}
	/* memory.swap.max is independent of memory.max: any order works */
	if (r->has_memory_limit && (e = wr_limit(d, "memory.max", r->memory_limit)) < 0)
		return fail(err, errlen, d, "memory.max", e);
	if (has_swap && (e = wr_limit(d, "memory.swap.max", swap)) < 0 &&
	    !(e == -ENOENT && swap == 0))
		return fail(err, errlen, d, "memory.swap.max", e);
	/* One OOM kill takes the whole sandbox, as one container dies under runc. */
	cg_write(d, "memory.oom.group", "1");
	return 0;
}

static int cpu(const char *d, const struct oci_resources *r, char *err, size_t errlen)
{
	int e;
	uint64_t w = r->has_cpu_shares ? cgroup_shares_to_weight(r->cpu_shares) : 0;
	if (w && (e = cg_write_u64(d, "cpu.weight", w)) < 0)
		return fail(err, errlen, d, "cpu.weight", e);
	if (!(r->has_cpu_quota && r->cpu_quota) && !(r->has_cpu_period && r->cpu_period))
		return 0;
	/* "QUOTA PERIOD": a field not given keeps its value */
	char cur[64] = "max 100000", q[32], out[80];
	cg_read(d, "cpu.max", cur, sizeof(cur));
	unsigned long long period = 100000;
	if (sscanf(cur, "%31s %llu", q, &period) < 1)
		snprintf(q, sizeof(q), "max");
	if (r->has_cpu_period && r->cpu_period)
		period = r->cpu_period;
	if (r->has_cpu_quota && r->cpu_quota > 0)
		snprintf(q, sizeof(q), "%lld", (long long)r->cpu_quota);
	else if (r->has_cpu_quota && r->cpu_quota < 0)
		snprintf(q, sizeof(q), "max");
	snprintf(out, sizeof(out), "%s %llu", q, period);
	if ((e = cg_write(d, "cpu.max", out)) < 0)
		return fail(err, errlen, d, "cpu.max", e);
	return 0;
}

int cgroup_v2_apply(const struct cgroup *cg, const struct oci_resources *r, char *err, size_t errlen)
{
	const char *d = cg->d[0].path;
	int e;
	if (r->cpus && *r->cpus && (e = cg_write(d, "cpuset.cpus", r->cpus)) < 0)
		return fail(err, errlen, d, "cpuset.cpus", e);
	if (r->mems && *r->mems && (e = cg_write(d, "cpuset.mems", r->mems)) < 0)
		return fail(err, errlen, d, "cpuset.mems", e);
	if ((r->has_memory_limit || r->has_memory_reservation || r->has_memory_swap) &&
	    memory(d, r, err, errlen) < 0)
		return -1;
	if ((r->has_cpu_shares || r->has_cpu_quota || r->has_cpu_period) && cpu(d, r, err, errlen) < 0)
		return -1;
	if (r->has_pids_limit &&
	    (e = wr_limit(d, "pids.max", r->pids_limit > 0 ? r->pids_limit : -1)) < 0)
		return fail(err, errlen, d, "pids.max", e);
	if (r->has_blkio_weight) {
		char p[PATH_MAX + 16];
		snprintf(p, sizeof(p), "%s/io.bfq.weight", d);
		if (access(p, F_OK) == 0)
			e = cg_write_u64(d, "io.bfq.weight", r->blkio_weight);
		else
			e = cg_write_u64(d, "io.weight", cgroup_blkio_to_io_weight(r->blkio_weight));
		if (e < 0)
			return fail(err, errlen, d, "io.weight", e);
	}
	return 0;
}

/* jansson integers are signed: "max" (UINT64_MAX) shows as INT64_MAX */
static json_t *num(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

json_t *cgroup_v2_stats(const struct cgroup *cg)
{
	const char *d = cg->d[0].path;
	uint64_t v;
	json_t *s = json_object();
	json_t *cpu = json_pack("{s:{}, s:{}}", "usage", "throttling");
	json_t *u = json_object_get(cpu, "usage"), *t = json_object_get(cpu, "throttling");
	if (cg_read_keyed(d, "cpu.stat", "usage_usec", &v) == 0)
		json_object_set_new(u, "total", num(v * 1000));
	if (cg_read_keyed(d, "cpu.stat", "system_usec", &v) == 0)
		json_object_set_new(u, "kernel", num(v * 1000));
	if (cg_read_keyed(d, "cpu.stat", "user_usec", &v) == 0)
		json_object_set_new(u, "user", num(v * 1000));
	if (cg_read_keyed(d, "cpu.stat", "nr_periods", &v) == 0)
		json_object_set_new(t, "periods", num(v));
	if (cg_read_keyed(d, "cpu.stat", "nr_throttled", &v) == 0)
		json_object_set_new(t, "throttled_periods", num(v));
	if (cg_read_keyed(d, "cpu.stat", "throttled_usec", &v) == 0)
		json_object_set_new(t, "throttled_time", num(v * 1000));
	json_object_set_new(s, "cpu", cpu);

	json_t *m = json_object();
	uint64_t use = 0, lim = UINT64_MAX, max = 0, fc = 0;
	if (cg_read_u64(d, "memory.current", &use) == 0) {
		cg_read_u64(d, "memory.max", &lim);
		cg_read_u64(d, "memory.peak", &max);
		cg_read_keyed(d, "memory.events", "max", &fc);
		json_object_set_new(m, "usage", json_pack("{s:o, s:o, s:o, s:o}", "limit", num(lim),
							  "usage", num(use), "max", num(max),
							  "failcnt", num(fc)));
		if (cg_read_u64(d, "memory.swap.current", &use) == 0) {
			lim = UINT64_MAX;
			cg_read_u64(d, "memory.swap.max", &lim);
			json_object_set_new(m, "swap", json_pack("{s:o, s:o, s:i}", "limit", num(lim),
								 "usage", num(use), "failcnt", 0));
		}
		if (cg_read_keyed(d, "memory.stat", "file", &v) == 0)
			json_object_set_new(m, "cache", num(v));
		json_object_set_new(m, "raw", cg_raw_stats(d, "memory.stat"));
	}
	json_object_set_new(s, "memory", m);

	json_t *p = json_object();
	if (cg_read_u64(d, "pids.current", &v) == 0)
		json_object_set_new(p, "current", num(v));
	if (cg_read_u64(d, "pids.max", &v) == 0 && v != UINT64_MAX)
		json_object_set_new(p, "limit", num(v));
	json_object_set_new(s, "pids", p);
	json_object_set_new(s, "blkio", json_object());
	return s;
}
