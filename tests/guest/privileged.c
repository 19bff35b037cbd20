/* Host filesystems cannot be mounted, and ptrace and reboot fail inside the
 * sandbox (root's tmpfs, proc and bind mounts of its own tree succeed, as
 * in a runc container with CAP_SYS_ADMIN: mount_tmpfs.c, mount_bind.c;
 * only sentry filesystems exist, so a block device, 9p or overlay is
 * ENODEV and a bind source is always a guest path). ctest runs the
 * native variant as root, where these would succeed (or reboot the host!),
 * so natively (CVISOR_GUEST unset) the program prints the same lines
 * without making the calls. reboot is called with a wrong magic number:
 * a real kernel answers EINVAL to root, so EINVAL means the call leaked to
 * the host; the sandbox must refuse it first (EPERM) or not know it. */
#include <linux/reboot.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

static int denied(int e)
{
	return e == EPERM || e == EACCES || e == ENOSYS;
}

int main(void)
{
	if (in_sandbox()) {
		static const char *const host_types[] = { "ext4", "xfs", "9p", "overlay", "cgroup2" };
		for (size_t k = 0; k < sizeof(host_types) / sizeof(host_types[0]); k++) {
			errno = 0;
			CHECK(mount("/dev/sda1", "/", host_types[k], 0, NULL) == -1 && errno == ENODEV,
			      "mount of %s", host_types[k]);
		}
		errno = 0;
		CHECK(ptrace(PTRACE_TRACEME, 0, NULL, NULL) == -1 && denied(errno), "ptrace TRACEME");
		errno = 0;
		CHECK(syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, 0, LINUX_REBOOT_CMD_POWER_OFF, NULL) == -1 &&
		      denied(errno), "reboot");
	}
	printf("mount: no host filesystem\n");
	printf("ptrace: denied\n");
	printf("reboot: denied\n");
	return 0;
}
