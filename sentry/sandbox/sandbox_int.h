/* Steps of the sentry's confinement (sentry/sandbox.h). */
#ifndef CVISOR_SANDBOX_INT_H
#define CVISOR_SANDBOX_INT_H
#include "sentry/kernel.h"

int sandbox_close_fds(const struct kernel_config *cfg); /* all but cfg's fds and log_fd */
int sandbox_userns_map(uid_t uid, gid_t gid);           /* root inside = uid/gid outside */
int sandbox_pivot_empty_root(void);                     /* empty read-only tmpfs as "/" */
int sandbox_drop_caps(void);                            /* no capabilities, no_new_privs */

#endif
