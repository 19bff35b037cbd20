/*
 * --debug-log PATH (runsc's flag): every cvisor command appends its log to
 * a file of its own. A PATH ending in '/' is a directory holding
 * cvisor.%ID%.%TIMESTAMP%.%COMMAND%.log files; %ID% (the container),
 * %COMMAND% (create, boot, start...) and %TIMESTAMP% are replaced in any
 * PATH. The sentry's messages (--debug, --strace, warnings) go there too
 * instead of stderr, which is the container's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/errlog.h"
#include "sentry/log.h"

static const char *pattern;   /* pending until the container id is known */
static char command[64];
static char cmdline[1024];

/* Copy src to out with the %VAR% replaced. */
static void expand(const char *src, const char *id, char *out, size_t len)
{
	char ts[64];
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(ts, sizeof(ts), "%Y%m%d-%H%M%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%06ld", (long)tv.tv_usec);
	const struct { const char *var, *val; } vars[] = {
		{ "%ID%", id }, { "%COMMAND%", command }, { "%TIMESTAMP%", ts },
	};
	size_t o = 0;
	while (*src && o + 1 < len) {
		bool done = false;
		for (size_t i = 0; i < 3 && !done; i++) {
			size_t vl = strlen(vars[i].var);
			if (strncmp(src, vars[i].var, vl))
				continue;
			o += (size_t)snprintf(out + o, len - o, "%s", vars[i].val);
			if (o >= len)
				o = len - 1;
			src += vl;
			done = true;
		}
		if (!done)
			out[o++] = *src++;
	}
	out[o] = 0;
}

static void log_cli_error(const char *msg)
{
	log_error("%s", msg);
}

static void open_log(const char *id)
{
	char path[4096], full[4096];
	size_t pl = strlen(pattern);
	if (pl && pattern[pl - 1] == '/') {
		mkdir(pattern, 0755);
		snprintf(full, sizeof(full), "%scvisor.%%ID%%.%%TIMESTAMP%%.%%COMMAND%%.log", pattern);
	} else {
		snprintf(full, sizeof(full), "%s", pattern);
	}
	expand(full, id, path, sizeof(path));
	pattern = NULL;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "cvisor: --debug-log %s: %s\n", path, strerror(errno));
		return;
	}
	log_fd = fd;
	cli_error_hook = log_cli_error;
	log_info("%s", cmdline);
}

void cli_debug_log_setup(const char *path, const char *cmd, int argc, char **argv)
{
	if (!path || !*path)
		return;
	snprintf(command, sizeof(command), "%s", cmd);
	size_t o = 0;
	for (int i = 0; i < argc && o + 1 < sizeof(cmdline); i++)
		o += (size_t)snprintf(cmdline + o, sizeof(cmdline) - o, "%s%s", i ? " " : "", argv[i]);
	pattern = path;
	size_t pl = strlen(path);
	if (!strstr(path, "%ID%") && !(pl && path[pl - 1] == '/'))
		open_log("");
}

void cli_debug_log_id(const char *id)
{
	if (pattern)
		open_log(id);
}

