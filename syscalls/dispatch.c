/* Syscall dispatch and the unimplemented-syscall report. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "syscalls/syscall.h"
#include "sentry/task.h"
#include "sentry/log.h"
#include "sentry/kernel.h"
#include "sentry/seccomp_guest/seccomp_guest.h"

/* Each unimplemented syscall is reported once, by name, in the sentry log
 * (--debug), like runsc's debug log: libc probes some (rseq) on every
 * start, so they must not clutter the guest's stderr. `cvisor syscalls`
 * lists what is missing. */
static unsigned char reported[SYSCALL_MAX];

long syscall_dispatch(struct task *t, const struct syscall_args *a)
{
	long ret;
	/* The container's seccomp profile sees every call first, like a
	 * filter in the kernel's syscall entry. */
	if (kernel.cfg.seccomp && guest_seccomp_filter(t, a, &ret))
		return ret;
	if (a->nr >= SYSCALL_MAX || !syscall_table[a->nr].name) {
		log_debug("unknown syscall %llu", (unsigned long long)a->nr);
		return -ENOSYS;
	}
	const struct syscall_desc *d = &syscall_table[a->nr];
	if (!d->fn) {
		if (!reported[a->nr]) {
			reported[a->nr] = 1;
			log_debug("unimplemented syscall: %s", d->name);
		}
		return -ENOSYS;
	}
	return d->fn(t, a);
}

void syscalls_report(int fd)
{
	int impl = 0, total = 0;
	FILE *f = fdopen(dup(fd), "w");
	if (!f)
		return;
	for (int pass = 0; pass < 2; pass++) {
		fprintf(f, pass == 0 ? "implemented:\n" : "missing:\n");
		for (int i = 0; i < SYSCALL_MAX; i++) {
			const struct syscall_desc *d = &syscall_table[i];
			if (!d->name || (pass == 0) != (d->fn != NULL))
				continue;
			fprintf(f, "  %3d %s\n", i, d->name);
			if (pass == 0)
				impl++;
			total++;
		}
	}
	fprintf(f, "%d of %d syscalls implemented\n", impl, total);
	fclose(f);
}
