/* Fakes for unit_gofer's page cache (vfs/goferfs/pagecache.c): file
 * references and the log the memory file may write to. */
#include <stdarg.h>
#include <stdio.h>
#include "vfs/vfs.h"

void file_get(struct file *f) { f->refs++; }
void file_put(struct file *f) { f->refs--; }

void log_msg(const char *level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
