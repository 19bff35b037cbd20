/* Platform selection (--platform). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "platform.h"

const struct platform_ops *platform;
bool platform_patching_enabled = true;

const struct platform_ops *platform_lookup(const char *name)
{
	static const struct platform_ops *const all[] = { &platform_ptrace, &platform_seccomp, &platform_notify };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

int platform_membarrier(void)
{
	return syscall(SYS_membarrier, 1 /* MEMBARRIER_CMD_GLOBAL */, 0, 0) ? -errno : 0;
}
