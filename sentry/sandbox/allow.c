/* Allowlist pieces shared by the sentry's and the gofer's seccomp filters
 * (allow.h). */
#include "sentry/sandbox/allow.h"

int sandbox_allow(scmp_filter_ctx ctx, const int *nrs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nrs[i], 0);
		if (err < 0)
			return err;
	}
	return 0;
}

#if defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer's exit check (a tracer clone that ptraces the threads and
 * reads /proc/self), ASan's reports and its thread start. */
static const int sanitizer[] = {
	SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(getdents), SCMP_SYS(getdents64),
	SCMP_SYS(readlink), SCMP_SYS(readlinkat), SCMP_SYS(stat), SCMP_SYS(lstat),
	SCMP_SYS(newfstatat), SCMP_SYS(fstat), SCMP_SYS(getppid), SCMP_SYS(prctl),
	SCMP_SYS(clone), SCMP_SYS(sched_yield), SCMP_SYS(ptrace), SCMP_SYS(wait4),
	SCMP_SYS(waitid), SCMP_SYS(prlimit64), SCMP_SYS(getrlimit), SCMP_SYS(sigaltstack),
	SCMP_SYS(read), SCMP_SYS(pipe), SCMP_SYS(pipe2), SCMP_SYS(kill), SCMP_SYS(tgkill),
	SCMP_SYS(sched_getaffinity),
};
#endif

int sandbox_allow_sanitizer(scmp_filter_ctx ctx)
{
#if defined(__SANITIZE_ADDRESS__)
	return sandbox_allow(ctx, sanitizer, sizeof(sanitizer) / sizeof(sanitizer[0]));
#else
	(void)ctx;
	return 0;
#endif
}
