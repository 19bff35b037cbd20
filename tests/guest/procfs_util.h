/* Helpers for the procfs_* guest tests: whole-file reads and writes through
 * raw open/read/write (no stdio buffers, so no allocation that would move
 * the memory figures under test). */
#ifndef PROCFS_UTIL_H
#define PROCFS_UTIL_H
#include <fcntl.h>
#include <unistd.h>
#include "guest.h"

/* The whole file into buf (NUL-terminated); its length or -1 with errno. */
static inline ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = 0, r = 0;

	if (fd < 0)
		return -1;
	while ((size_t)n < size - 1 && (r = read(fd, buf + n, size - 1 - (size_t)n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return r < 0 ? -1 : n;
}

/* One write(2) of s; its result (-1 with errno on failure). */
static inline ssize_t write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t r;
	int e;

	if (fd < 0)
		return -1;
	r = write(fd, s, strlen(s));
	e = errno;
	close(fd);
	errno = e;
	return r;
}

/* The text after "label" at the start of a line, or NULL. */
static inline const char *field_of(const char *text, const char *label)
{
	size_t n = strlen(label);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, label, n))
			return p + n;
	return NULL;
}

#endif
