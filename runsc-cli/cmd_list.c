/* `cvisor list [--format table|json] [-q]`: the containers under --root,
 * printed like runc (its table is Go's tabwriter with minwidth 12 and
 * padding 3; the last column is not padded). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/errlog.h"
#include "runsc-cli/oci/state.h"

#define NCOLS 6

static size_t col_width(size_t w)
{
	return w + 3 < 12 ? 12 : w + 3;
}

static void print_table(char *(*cells)[NCOLS], size_t rows)
{
	size_t width[NCOLS] = { 0 };
	for (size_t r = 0; r < rows; r++)
		for (int c = 0; c < NCOLS - 1; c++)
			if (strlen(cells[r][c]) > width[c])
				width[c] = strlen(cells[r][c]);
	for (size_t r = 0; r < rows; r++) {
		for (int c = 0; c < NCOLS - 1; c++)
			printf("%-*s", (int)col_width(width[c]), cells[r][c]);
		printf("%s\n", cells[r][NCOLS - 1]);
	}
}

static int list_out(struct global_opts *g, char **ids, size_t n, bool json, bool quiet)
{
	json_t *arr = json_array();
	char *(*cells)[NCOLS] = calloc(n + 1, sizeof(*cells));
	size_t rows = 1;
	int rc = 0;
	if (!arr || !cells) {
		cli_error("list: out of memory");
		rc = 1;
		goto out;
	}
	static char *const header[NCOLS] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
	for (int c = 0; c < NCOLS; c++)
		cells[0][c] = strdup(header[c]);
	for (size_t i = 0; i < n; i++) {
		struct oci_state st;
		char err[512];
		if (state_load(g->root, ids[i], &st, err, sizeof(err)) < 0)
			continue;   /* deleted meanwhile, or unreadable: runc skips it too */
		if (quiet) {
			printf("%s\n", st.id);
		} else if (json) {
			json_array_append_new(arr, state_oci_json(&st));
		} else {
			const char *status = state_status(&st);
			char **row = cells[rows++];
			if (asprintf(&row[1], "%d", strcmp(status, "stopped") ? (int)st.pid : 0) < 0)
				row[1] = NULL;
			row[0] = strdup(st.id);
			row[2] = strdup(status);
			row[3] = strdup(st.bundle);
			row[4] = strdup(st.created);
			row[5] = strdup(st.owner);
			for (int c = 0; c < NCOLS; c++)
				if (!row[c])
					rc = 1;
		}
		state_free(&st);
	}
	if (rc) {
		cli_error("list: out of memory");
	} else if (json && !quiet) {
		char *text = json_dumps(arr, JSON_COMPACT);
		printf("%s\n", text ? text : "[]");
		free(text);
	} else if (!quiet) {
		print_table(cells, rows);
	}
out:
	for (size_t r = 0; cells && r < rows; r++)
		for (int c = 0; c < NCOLS; c++)
			free(cells[r][c]);
	free(cells);
	json_decref(arr);
	return rc;
}

int cmd_list(struct global_opts *g, int argc, char **argv)
{
	bool json = false, quiet = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *fmt = NULL;
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
			quiet = true;
		else if (!strncmp(a, "--format=", 9) || !strncmp(a, "-f=", 3))
			fmt = strchr(a, '=') + 1;
		else if ((!strcmp(a, "--format") || !strcmp(a, "-f")) && i + 1 < argc)
			fmt = argv[++i];
		else {
			cli_error("list: unexpected argument %s (usage: list [--format table|json] [-q])", a);
			return 2;
		}
		if (fmt && !strcmp(fmt, "json"))
			json = true;
		else if (fmt && !strcmp(fmt, "table"))
			json = false;
		else if (fmt) {
			cli_error("invalid format option");
			return 1;
		}
	}
	char **ids;
	size_t n;
	char err[512];
	if (state_list(g->root, &ids, &n, err, sizeof(err)) < 0) {
		cli_error("%s", err);
		return 1;
	}
	int rc = list_out(g, ids, n, json, quiet);
	state_list_free(ids, n);
	return rc;
}
