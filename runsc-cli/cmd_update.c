/* `cvisor update [--resources FILE|-] [runc's resource flags] ID`: new
 * limits for the container's cgroup (the flags override the file's
 * values, as in runc). Without a cgroup (not root) they are only checked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/config.h"
#include "runsc-cli/oci/errlog.h"
#include "runsc-cli/sandbox/sandbox.h"
#include "runsc-cli/sandbox/cgroup.h"

static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
		if (n == cap) {
			if (cap >= OCI_MAX_FILE) {
				free(buf);
				return NULL;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				free(buf);
			buf = nb;
			cap *= 2;
		}
	}
	*len = n;
	return buf;
}

static int read_resources(const char *path, struct oci_resources *r)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f) {
		cli_error("update: %s: %s", path, strerror(errno));
		return -1;
	}
	size_t len;
	char *buf = read_all(f, &len);
	if (f != stdin)
		fclose(f);
	if (!buf) {
		cli_error("update: %s: cannot read (too large?)", path);
		return -1;
	}
	char err[512];
	int rc = oci_resources_parse(buf, len, strcmp(path, "-") ? path : "resources", r, err, sizeof(err));
	free(buf);
	if (rc < 0) {
		cli_error("%s", err);
		return -1;
	}
	return 0;
}

/* An integer with an optional k/m/g/t suffix (binary units, like runc's
 * --memory); false if malformed. */
static bool parse_size(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!*s || end == s || errno)
		return false;
	int shift = 0;
	switch (*end | 0x20) {
	case 'k': shift = 10; break;
	case 'm': shift = 20; break;
	case 'g': shift = 30; break;
	case 't': shift = 40; break;
	default: if (*end) return false;
	}
	if (shift && (end[1] && strcasecmp(end + 1, "b")))
		return false;
	if (shift && (v < 0 || v > (INT64_MAX >> shift)))
		return false;
	*out = shift ? (int64_t)v << shift : v;
	return true;
}

/* runc update's flags: 0 if argv[*i] was one (value applied to r), 1 if
 * not one, -1 on a bad value (error printed). */
static int resource_flag(int argc, char **argv, int *i, struct oci_resources *r)
{
	static const struct { const char *name; int kind; } flags[] = {
		{ "--memory", 0 }, { "--memory-reservation", 1 }, { "--memory-swap", 2 },
		{ "--cpu-share", 3 }, { "--cpu-quota", 4 }, { "--cpu-period", 5 },
		{ "--pids-limit", 6 }, { "--blkio-weight", 7 }, { "--cpuset-cpus", 8 },
		{ "--cpuset-mems", 9 },
		/* accepted, nothing to apply them to */
		{ "--kernel-memory", -1 }, { "--kernel-memory-tcp", -1 }, { "--cpu-rt-period", -1 },
		{ "--cpu-rt-runtime", -1 }, { "--l3-cache-schema", -2 }, { "--mem-bw-schema", -2 },
	};
	const char *v;
	for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++) {
		if (!(v = sandbox_opt(flags[k].name, NULL, argc, argv, i)))
			continue;
		int64_t x = 0;
		if (flags[k].kind == 8 || flags[k].kind == 9) {
			char **dst = flags[k].kind == 8 ? &r->cpus : &r->mems;
			free(*dst);
			*dst = strdup(v);
			return 0;
		}
		if (flags[k].kind != -2 && !parse_size(v, &x)) {
			cli_error("update: %s: invalid value \"%s\"", flags[k].name, v);
			return -1;
		}
		if ((flags[k].kind == 3 || flags[k].kind == 5) && x < 0) {
			cli_error("update: %s: must not be negative", flags[k].name);
			return -1;
		}
		switch (flags[k].kind) {
		case 0: r->has_memory_limit = true; r->memory_limit = x; break;
		case 1: r->has_memory_reservation = true; r->memory_reservation = x; break;
		case 2: r->has_memory_swap = true; r->memory_swap = x; break;
		case 3: r->has_cpu_shares = true; r->cpu_shares = (uint64_t)x; break;
		case 4: r->has_cpu_quota = true; r->cpu_quota = x; break;
		case 5: r->has_cpu_period = true; r->cpu_period = (uint64_t)x; break;
		case 6: r->has_pids_limit = true; r->pids_limit = x; break;
		case 7:
			if (x < 10 || x > 1000) {
				cli_error("update: --blkio-weight: must be between 10 and 1000");
				return -1;
			}
			r->has_blkio_weight = true;
			r->blkio_weight = (uint16_t)x;
			break;
		}
		return 0;
	}
	return 1;
}

static int usage(void)
{
	cli_error("update: usage: update [--resources FILE|-] CONTAINER_ID");
	return 2;
}

int cmd_update(struct global_opts *g, int argc, char **argv)
{
	const char *id = NULL, *resources = NULL, *v;
	struct oci_resources flags = { 0 };
	int rc = 1;
	for (int i = 1; i < argc; i++) {
		if ((v = sandbox_opt("--resources", "-r", argc, argv, &i))) {
			resources = v;
			continue;
		}
		int f = argv[i][0] == '-' ? resource_flag(argc, argv, &i, &flags) : 1;
		if (f < 0)
			goto out;
		if (f == 0)
			continue;
		if (argv[i][0] != '-' && !id) {
			id = argv[i];
		} else {
			rc = usage();
			goto out;
		}
	}
	if (!id) {
		rc = usage();
		goto out;
	}
	struct oci_state st;
	if (sandbox_load(g, id, &st) < 0)
		goto out;
	bool stopped = !strcmp(state_status(&st), "stopped");
	struct cgroup cg;
	bool has_cg = sandbox_cgroup(&st, &cg) == 0;
	state_free(&st);
	if (stopped) {
		cli_error("container not running");
		goto out;
	}
	struct oci_resources r = { 0 };
	if (resources && read_resources(resources, &r) < 0)
		goto out;
	char err[512];
	rc = 0;
	if (has_cg && ((resources && cgroup_update(&cg, &r, err, sizeof(err)) < 0) ||
		       cgroup_update(&cg, &flags, err, sizeof(err)) < 0)) {
		cli_error("%s", err);
		rc = 1;
	}
	oci_resources_free(&r);
out:
	oci_resources_free(&flags);
	return rc;
}
