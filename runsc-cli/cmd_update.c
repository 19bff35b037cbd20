/* `cvisor update [--resources FILE|-] [runc's resource flags] ID`: checks
 * the new LinuxResources; limits are not enforced yet (docs/oci.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/config.h"
#include "runsc-cli/oci/errlog.h"
#include "runsc-cli/sandbox/sandbox.h"

/* runc update's single-value flags, accepted and validated as integers. */
static const char *const int_flags[] = {
	"--blkio-weight", "--cpu-period", "--cpu-quota", "--cpu-rt-period", "--cpu-rt-runtime",
	"--cpu-share", "--memory", "--memory-reservation", "--memory-swap", "--kernel-memory",
	"--kernel-memory-tcp", "--pids-limit",
};

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

static int check_resources(const char *path)
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
	struct oci_resources r;
	char err[512];
	int rc = oci_resources_parse(buf, len, strcmp(path, "-") ? path : "resources", &r, err, sizeof(err));
	free(buf);
	if (rc < 0) {
		cli_error("%s", err);
		return -1;
	}
	oci_resources_free(&r);
	return 0;
}

int cmd_update(struct global_opts *g, int argc, char **argv)
{
	const char *id = NULL, *resources = NULL, *v;
	for (int i = 1; i < argc; i++) {
		if ((v = sandbox_opt("--resources", "-r", argc, argv, &i))) {
			resources = v;
			continue;
		}
		bool known = false;
		for (size_t k = 0; k < sizeof(int_flags) / sizeof(int_flags[0]) && !known; k++) {
			if ((v = sandbox_opt(int_flags[k], NULL, argc, argv, &i))) {
				char *end;
				strtoll(v, &end, 10);
				if (!*v || *end) {
					cli_error("update: %s: invalid value \"%s\"", int_flags[k], v);
					return 1;
				}
				known = true;
			}
		}
		if (known || sandbox_opt("--cpuset-cpus", NULL, argc, argv, &i) ||
		    sandbox_opt("--cpuset-mems", NULL, argc, argv, &i) ||
		    sandbox_opt("--l3-cache-schema", NULL, argc, argv, &i) ||
		    sandbox_opt("--mem-bw-schema", NULL, argc, argv, &i))
			continue;
		if (argv[i][0] != '-' && !id)
			id = argv[i];
		else {
			cli_error("update: usage: update [--resources FILE|-] CONTAINER_ID");
			return 2;
		}
	}
	if (!id) {
		cli_error("update: usage: update [--resources FILE|-] CONTAINER_ID");
		return 2;
	}
	struct oci_state st;
	if (sandbox_load(g, id, &st) < 0)
		return 1;
	bool stopped = !strcmp(state_status(&st), "stopped");
	state_free(&st);
	if (stopped) {
		cli_error("container not running");
		return 1;
	}
	return resources && check_resources(resources) < 0 ? 1 : 0;
}
