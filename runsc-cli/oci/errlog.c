/* CLI error output (see errlog.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "runsc-cli/oci/errlog.h"

static int log_fd = -1;
void (*cli_error_hook)(const char *msg);
static bool log_json;

int cli_log_setup(const char *path, const char *format)
{
	if (format && strcmp(format, "text") && strcmp(format, "json")) {
		fprintf(stderr, "cvisor: unknown log format \"%s\" (want text or json)\n", format);
		return -1;
	}
	log_json = format && !strcmp(format, "json");
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	if (!path || !*path)
		return 0;
	log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (log_fd < 0) {
		fprintf(stderr, "cvisor: cannot open log file %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void log_line(const char *text)
{
	/* JSON wants UTF-8: a message carrying other bytes (a path) gets '?'s. */
	char msg[4096];
	snprintf(msg, sizeof(msg), "%s", text);
	json_t *probe = json_string(msg);
	if (!probe)
		for (char *p = msg; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
	json_decref(probe);

	char ts[40];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	char *line = NULL;
	if (log_json) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "level", "error", "msg", msg, "time", ts);
		line = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
		json_decref(j);
	} else {
		json_t *s = json_string(msg);    /* quoted and escaped, as logrus does */
		char *q = s ? json_dumps(s, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;
		json_decref(s);
		if (q && asprintf(&line, "time=\"%s\" level=error msg=%s", ts, q) < 0)
			line = NULL;
		free(q);
	}
	if (!line)
		return;
	dprintf(log_fd, "%s\n", line);
	free(line);
}

void cli_error(const char *fmt, ...)
{
	char msg[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "cvisor: %s\n", msg);
	if (cli_error_hook)
		cli_error_hook(msg);
	if (log_fd >= 0)
		log_line(msg);
}
