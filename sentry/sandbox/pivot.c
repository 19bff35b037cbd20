/*
 * The sentry's view of the host filesystem: nothing. In its own mount
 * namespace it mounts a tmpfs (over /tmp, any existing directory would do),
 * pivots into it, detaches the old root and makes the new one read-only:
 * an empty directory that cannot be written, executed or escaped.
 *
 * Libraries glibc loads lazily must be loaded before the host's files
 * disappear: libgcc_s, which pthread_exit needs to unwind the thread.
 *
 * Sanitizer builds also mount the sentry's own /proc (its pid namespace
 * only): LeakSanitizer reads /proc/self/maps and /proc/self/task at exit.
 */
#include <dlfcn.h>
#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "sentry/sandbox/sandbox_int.h"

#define MOUNT_POINT "/tmp"

int sandbox_pivot_empty_root(void)
{
	const unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	/* never closed: glibc's own dlopen finds it loaded */
	if (!dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_NODELETE))
		return -ENOENT;
	/* nothing we do here may propagate back to the host's mounts */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	if (mount("cvisor-sentry", MOUNT_POINT, "tmpfs", flags, "mode=0555,size=4k,nr_inodes=8") < 0)
		return -errno;
#if defined(__SANITIZE_ADDRESS__)
	if (mkdir(MOUNT_POINT "/proc", 0555) < 0 ||
	    mount("proc", MOUNT_POINT "/proc", "proc", flags, NULL) < 0)
		return -errno;
#endif
	if (chdir(MOUNT_POINT) < 0)
		return -errno;
	/* pivot_root(".", "."): the old root ends up stacked on the new one */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return -errno;
	if (umount2(".", MNT_DETACH) < 0)
		return -errno;
	if (chdir("/") < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | flags, NULL) < 0)
		return -errno;
	return 0;
}
