/* `#!` line parsing, following Linux's binfmt_script: interpreter name and
 * at most one optional argument (the rest of the line, verbatim), trailing
 * spaces/tabs stripped, no CR handling. */
#include <errno.h>
#include <string.h>
#include "sentry/loader/loader_int.h"

static bool spacetab(char c) { return c == ' ' || c == '\t'; }

static char *next_non_spacetab(char *s, const char *end)
{
	for (; s < end; s++)
		if (!spacetab(*s))
			return s;
	return NULL;
}

static char *next_terminator(char *s, const char *end)
{
	for (; s < end; s++)
		if (spacetab(*s) || !*s)
			return s;
	return NULL;
}

int script_parse(char *buf, const char **name, const char **arg)
{
	char *buf_end = buf + LOADER_BUF_SIZE - 1;
	char *i_end, *i_name, *i_sep;

	*name = *arg = NULL;
	if (buf[0] != '#' || buf[1] != '!')
		return -ENOEXEC;
	i_end = memchr(buf, '\n', LOADER_BUF_SIZE);
	if (!i_end) {
		/* No newline in the buffer: the name must still end within it,
		 * otherwise the path was truncated. */
		i_end = next_non_spacetab(buf + 2, buf_end);
		if (!i_end || !next_terminator(i_end, buf_end))
			return -ENOEXEC;
		i_end = buf_end;
	}
	while (i_end > buf + 2 && spacetab(i_end[-1]))
		i_end--;
	i_name = next_non_spacetab(buf + 2, i_end);
	if (!i_name || i_name == i_end)
		return -ENOEXEC;
	*i_end = '\0';
	i_sep = next_terminator(i_name, i_end);
	if (i_sep && *i_sep) {
		*arg = next_non_spacetab(i_sep, i_end);
		*i_sep = '\0';
	}
	*name = i_name;
	return 0;
}
