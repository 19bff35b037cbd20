/*
 * The sentry needs no capability at all, not even in its own user
 * namespace: it ptraces only its own stubs, which have its uid and no
 * capabilities either (the kernel then needs neither CAP_SYS_PTRACE nor a
 * capability superset), and it never mounts, opens or changes owners after
 * the pivot. Called while the process still has one thread, so every thread
 * and stub created later inherits the empty sets (capabilities are
 * per-thread).
 */
#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "sentry/sandbox/sandbox_int.h"

int sandbox_drop_caps(void)
{
	/* uid 0 must never regain capabilities (execve is also blocked by
	 * seccomp and no_new_privs, this is belt and braces) */
	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
		  SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
		  SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
		  SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED) < 0)
		return -errno;
	for (int cap = 0; prctl(PR_CAPBSET_DROP, cap) == 0; cap++)
		;
	if (errno != EINVAL)   /* EINVAL: past the last capability */
		return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return -errno;
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -errno : 0;
}
