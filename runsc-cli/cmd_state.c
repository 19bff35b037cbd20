/* `cvisor state ID`: the container's OCI state as indented JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/errlog.h"
#include "runsc-cli/oci/state.h"

int cmd_state(struct global_opts *g, int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		cli_error("state: usage: state CONTAINER_ID");
		return 2;
	}
	struct oci_state st;
	char err[512];
	if (state_load(g->root, argv[1], &st, err, sizeof(err)) < 0) {
		cli_error("%s", err);
		return 1;
	}
	json_t *j = state_oci_json(&st);
	char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
	json_decref(j);
	state_free(&st);
	if (!text) {
		cli_error("state: out of memory");
		return 1;
	}
	printf("%s\n", text);
	free(text);
	return 0;
}
