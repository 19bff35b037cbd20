/* Seccomp allowlist pieces shared by the sentry's filter (seccomp.c) and
 * the gofer's (gofer/sandbox.c). */
#ifndef CVISOR_SANDBOX_ALLOW_H
#define CVISOR_SANDBOX_ALLOW_H
#include <seccomp.h>
#include <stddef.h>

/* Allow nrs[0..n) without argument checks: 0 or libseccomp's error. */
int sandbox_allow(scmp_filter_ctx ctx, const int *nrs, size_t n);
/* Allow what the sanitizers' runtime needs; nothing outside sanitizer
 * builds. 0 or libseccomp's error. */
int sandbox_allow_sanitizer(scmp_filter_ctx ctx);

#endif
