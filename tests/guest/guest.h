/* Helpers shared by the guest test programs. A guest program checks its own
 * results: on any mismatch it prints "FAIL <where>: <what>" on stdout and
 * exits 1, so both the expected-output diff and the exit status catch it. */
#ifndef CVISOR_GUEST_H
#define CVISOR_GUEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond, ...)                                                 \
	do {                                                             \
		if (!(cond)) {                                           \
			printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			printf(__VA_ARGS__);                             \
			printf(" (errno %d %s)\n", errno, strerror(errno)); \
			fflush(stdout);                                  \
			exit(1);                                         \
		}                                                        \
	} while (0)

/* The runner sets CVISOR_GUEST=1 only for runs inside `cvisor do`. */
static inline int in_sandbox(void)
{
	const char *v = getenv("CVISOR_GUEST");
	return v && strcmp(v, "1") == 0;
}

#endif
