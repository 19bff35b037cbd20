/* `cvisor events [--stats] [--interval 5s] ID`: resource usage of the
 * container as JSON lines ({"type":"stats","id":...,"data":{...}}, data
 * as runc's: cpu, memory, pids of the sandbox's cgroup); with --stats one
 * object and exit, else one every interval until it stops. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/errlog.h"
#include "runsc-cli/sandbox/sandbox.h"
#include "runsc-cli/sandbox/cgroup.h"

/* Go-style duration: "5s", "500ms", "1m", "2" (seconds). ms, or -1. */
static long parse_interval(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	double ms = !strcmp(end, "ms") ? v : !strcmp(end, "s") || !*end ? v * 1000
		  : !strcmp(end, "m") ? v * 60000 : !strcmp(end, "h") ? v * 3600000 : -1;
	return ms < 1 || ms > 86400000.0 ? -1 : (long)ms;
}

/* runc's stats object from the cgroup (when there is one), plus what the
 * sentry knows: guest threads and whether it is paused. */
static int stats_once(struct global_opts *g, const char *id, const struct cgroup *cg)
{
	struct ctl_req q = { .op = CTL_STATS };
	struct ctl_resp r;
	struct ctl_stats s;
	if (sandbox_call(g, id, &q, &r, &s, sizeof(s)) < 0 || r.len != sizeof(s))
		return -1;
	json_t *data = cg ? cgroup_stats(cg)
			  : json_pack("{s:{s:I}, s:{s:{s:I}}}", "pids", "current", (json_int_t)s.nr_procs,
				      "cpu", "usage", "total", (json_int_t)s.cpu_ns);
	json_t *j = data ? json_pack("{s:s, s:s, s:o}", "type", "stats", "id", id, "data", data) : NULL;
	if (j) {
		json_object_set_new(data, "threads", json_pack("{s:I}", "current", (json_int_t)s.nr_threads));
		json_object_set_new(data, "paused", json_boolean(s.paused));
	}
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text)
		return -1;
	printf("%s\n", text);
	fflush(stdout);
	free(text);
	return 0;
}

int cmd_events(struct global_opts *g, int argc, char **argv)
{
	const char *id = NULL, *v;
	bool once = false;
	long interval = 5000;
	for (int i = 1; i < argc; i++) {
		if (sandbox_flag("--stats", NULL, argv[i]))
			once = true;
		else if ((v = sandbox_opt("--interval", NULL, argc, argv, &i))) {
			if ((interval = parse_interval(v)) < 0) {
				cli_error("events: bad --interval \"%s\"", v);
				return 2;
			}
		} else if (argv[i][0] != '-' && !id)
			id = argv[i];
		else
			id = NULL, i = argc;
	}
	if (!id) {
		cli_error("events: usage: events [--stats] [--interval DURATION] CONTAINER_ID");
		return 2;
	}
	for (;;) {
		struct oci_state st;
		if (sandbox_load(g, id, &st) < 0)
			return 1;
		bool stopped = !strcmp(state_status(&st), "stopped");
		struct cgroup cg;
		bool has_cg = sandbox_cgroup(&st, &cg) == 0;
		state_free(&st);
		if (stopped) {
			if (once)
				cli_error("container not running");
			return once ? 1 : 0;
		}
		if (stats_once(g, id, has_cg ? &cg : NULL) < 0)
			return 1;
		if (once)
			return 0;
		struct timespec ts = { interval / 1000, (interval % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
}
