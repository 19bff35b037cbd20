/* Starting the sentry: bring up the kernel and run guest init to the end. */
#ifndef CVISOR_BOOT_H
#define CVISOR_BOOT_H
#include "kernel.h"

/* Returns guest init's wait status, or -errno if the sandbox could not start. */
int sentry_main(const struct kernel_config *cfg);

#endif
