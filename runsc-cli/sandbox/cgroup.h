/* The host cgroup of a sandbox (OCI linux.resources, linux.cgroupsPath):
 * every host process of the container (sentry, holder, gofers, stubs, the
 * exec stand-ins) lives in it from its first instruction; `update` changes
 * its limits, `events --stats` reads it, `delete` removes it.
 *
 * cgroup v1 (one directory per controller hierarchy) and v2 (one unified
 * directory) are both handled; the version is the host's: v2 only when no
 * v1 hierarchy carries the cpu, memory or pids controller. */
#ifndef CVISOR_SANDBOX_CGROUP_H
#define CVISOR_SANDBOX_CGROUP_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct oci_resources;

enum cg_ctrl {
	CG_CPU, CG_CPUACCT, CG_CPUSET, CG_MEMORY, CG_PIDS, CG_BLKIO, CG_FREEZER, CG_DEVICES,
	CG_NCTRL
};
extern const char *const cg_ctrl_names[CG_NCTRL];

#define CG_MAX_DIRS CG_NCTRL

/* One directory of the cgroup: a v1 hierarchy (controllers = the ones
 * mounted together there) or the v2 directory (all controllers). */
struct cg_dir {
	unsigned controllers;          /* bit (1 << enum cg_ctrl) */
	int created;                   /* levels of `path` mkdir'ed by us (leaf first) */
	char path[PATH_MAX];           /* absolute host path */
};

struct cgroup {
	int version;                   /* 1 or 2; 0: no cgroup */
	int n;
	struct cg_dir d[CG_MAX_DIRS];
};

/* Host files of the cgroup (cgroup.c): the directory holding controller c
 * (NULL when the host has not got it). */
const char *cg_dir_of(const struct cgroup *cg, enum cg_ctrl c);
/* Write text to DIR/file (0 or -errno), read it (bytes, or -errno). */
int cg_write(const char *dir, const char *file, const char *text);
int cg_write_u64(const char *dir, const char *file, uint64_t v);
int cg_read(const char *dir, const char *file, char *buf, size_t len);
/* One number from DIR/file; "max" reads as UINT64_MAX. -errno if absent. */
int cg_read_u64(const char *dir, const char *file, uint64_t *v);
/* The value of `key` in a "key value" file (memory.stat, cpu.stat). */
int cg_read_keyed(const char *dir, const char *file, const char *key, uint64_t *v);
/* A "key value" file as a JSON object of numbers (runc's "raw"). */
json_t *cg_raw_stats(const char *dir, const char *file);

/* The cgroup path of a container (relative to the hierarchy roots when it
 * starts with '/', else to the caller's own cgroup): linux.cgroupsPath
 * cleaned, or with --systemd-cgroup its "slice:prefix:name" form expanded
 * as systemd names it ("a-b.slice" -> /a.slice/a-b.slice, unit
 * "prefix-name.scope"); default /cvisor/ID. 0 or -1 with err. */
int cgroup_path_for(const char *cgroups_path, bool systemd, const char *id,
		    char *out, size_t len, char *err, size_t errlen);

/* Make the cgroup at path on every controller of the host and apply r
 * (NULL: no limits). 0 or -1 with a one-line err, nothing left behind. */
int cgroup_create(struct cgroup *cg, const char *path, const struct oci_resources *r,
		  char *err, size_t errlen);
/* Move the calling process into it (in a forked child before exec). */
int cgroup_enter(const struct cgroup *cg);
/* `update`: apply the fields present in r. 0 or -1 with err. */
int cgroup_update(const struct cgroup *cg, const struct oci_resources *r, char *err, size_t errlen);
/* SIGKILL everything in it and remove the directories we made, retrying
 * while the processes die (up to ~5 s). 0, or -errno of the last rmdir. */
int cgroup_destroy(const struct cgroup *cg);

/* The controller files per version (cgroup_v1.c, cgroup_v2.c). */
int cgroup_v1_apply(const struct cgroup *cg, const struct oci_resources *r, char *err, size_t errlen);
int cgroup_v2_apply(const struct cgroup *cg, const struct oci_resources *r, char *err, size_t errlen);
/* runc's stats object ({"cpu":…,"memory":…,"pids":…,"blkio":{}}). New reference. */
json_t *cgroup_v1_stats(const struct cgroup *cg);
json_t *cgroup_v2_stats(const struct cgroup *cg);
json_t *cgroup_stats(const struct cgroup *cg);

/* The record kept in the container state ("cvisor": {"cgroup": …}). */
json_t *cgroup_to_json(const struct cgroup *cg);
/* 0, or -1 when j is not such a record (cg->version stays 0). */
int cgroup_from_json(struct cgroup *cg, const json_t *j);

/* runc's conversions for cgroup v2 (exposed for the unit test). */
uint64_t cgroup_shares_to_weight(uint64_t shares);
uint64_t cgroup_blkio_to_io_weight(uint64_t weight);

#endif
