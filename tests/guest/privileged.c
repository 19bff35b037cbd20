/* mount, ptrace and reboot must fail inside the sandbox. ctest runs the
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
		errno = 0;
		CHECK(mount("none", "/mnt", "tmpfs", 0, NULL) == -1 && (denied(errno) || errno == EROFS),
		      "mount of tmpfs on /mnt");
		errno = 0;
		CHECK(ptrace(PTRACE_TRACEME, 0, NULL, NULL) == -1 && denied(errno), "ptrace TRACEME");
		errno = 0;
		CHECK(syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, 0, LINUX_REBOOT_CMD_POWER_OFF, NULL) == -1 &&
		      denied(errno), "reboot");
	}
	printf("mount: denied\n");
	printf("ptrace: denied\n");
	printf("reboot: denied\n");
	return 0;
}
