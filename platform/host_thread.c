/* Host-thread helpers every platform uses (platform.h). */
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "platform.h"

pid_t platform_self_tid(void)
{
	static __thread pid_t tid;
	if (!tid)
		tid = (pid_t)syscall(SYS_gettid);
	return tid;
}

int platform_wait(pid_t tid, int *status, int flags)
{
	for (;;) {
		pid_t r = waitpid(tid, status, __WALL | flags);
		if (r >= 0)
			return r;
		if (errno != EINTR)
			return -errno;
	}
}
