/* `cvisor spec [--bundle DIR] [--rootless]`: write a default config.json. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/errlog.h"
#include "runsc-cli/oci/spec.h"

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		s += w;
		n -= w;
	}
	return 0;
}

int cmd_spec(struct global_opts *g, int argc, char **argv)
{
	const char *bundle = ".";
	bool rootless = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--rootless") || !strcmp(a, "--rootless=true")) {
			rootless = true;
		} else if (!strncmp(a, "--bundle=", 9) || !strncmp(a, "-b=", 3)) {
			bundle = strchr(a, '=') + 1;
		} else if ((!strcmp(a, "--bundle") || !strcmp(a, "-b")) && i + 1 < argc) {
			bundle = argv[++i];
		} else {
			cli_error("spec: unexpected argument %s (usage: spec [--bundle DIR] [--rootless])", a);
			return 2;
		}
	}
	json_t *spec = oci_default_spec(rootless, geteuid(), getegid());
	char *text = spec ? oci_spec_dump(spec) : NULL;
	json_decref(spec);
	if (!text) {
		cli_error("spec: out of memory");
		return 1;
	}
	char *path;
	if (asprintf(&path, "%s/config.json", bundle) < 0) {
		free(text);
		cli_error("spec: out of memory");
		return 1;
	}
	int rc = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		if (errno == EEXIST)
			cli_error("File %s exists. Remove it first", "config.json");
		else
			cli_error("spec: cannot create %s: %s", path, strerror(errno));
		rc = 1;
	} else if (write_all(fd, text, strlen(text)) < 0 || close(fd) < 0) {
		cli_error("spec: cannot write %s: %s", path, strerror(errno));
		rc = 1;
	}
	free(path);
	free(text);
	return rc;
}
