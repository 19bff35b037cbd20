/* Name tables of the OCI runtime spec (see names.h). */
#include <string.h>
#include <sys/mount.h>
#include "runsc-cli/oci/names.h"

const char *const oci_cap_names[OCI_CAP_LAST + 1] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

const char *const oci_rlimit_names[OCI_RLIMIT_COUNT] = {
	"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK",
	"RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE",
	"RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING",
	"RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
};

const char *const oci_ns_names[OCI_NS_COUNT] = {
	"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time",
};

/* runc's table (libcontainer/specconv), sorted by name. */
const struct oci_mount_opt oci_mount_opts[] = {
	{ "acl", false, false, MS_POSIXACL },
	{ "async", true, false, MS_SYNCHRONOUS },
	{ "atime", true, false, MS_NOATIME },
	{ "bind", false, false, MS_BIND },
	{ "defaults", false, false, 0 },
	{ "dev", true, false, MS_NODEV },
	{ "diratime", true, false, MS_NODIRATIME },
	{ "dirsync", false, false, MS_DIRSYNC },
	{ "exec", true, false, MS_NOEXEC },
	{ "iversion", false, false, MS_I_VERSION },
	{ "lazytime", false, false, MS_LAZYTIME },
	{ "loud", true, false, MS_SILENT },
	{ "mand", false, false, MS_MANDLOCK },
	{ "noacl", true, false, MS_POSIXACL },
	{ "noatime", false, false, MS_NOATIME },
	{ "nodev", false, false, MS_NODEV },
	{ "nodiratime", false, false, MS_NODIRATIME },
	{ "noexec", false, false, MS_NOEXEC },
	{ "noiversion", true, false, MS_I_VERSION },
	{ "nolazytime", true, false, MS_LAZYTIME },
	{ "nomand", true, false, MS_MANDLOCK },
	{ "norelatime", true, false, MS_RELATIME },
	{ "nostrictatime", true, false, MS_STRICTATIME },
	{ "nosuid", false, false, MS_NOSUID },
	{ "private", false, true, MS_PRIVATE },
	{ "rbind", false, false, MS_BIND | MS_REC },
	{ "relatime", false, false, MS_RELATIME },
	{ "remount", false, false, MS_REMOUNT },
	{ "ro", false, false, MS_RDONLY },
	{ "rprivate", false, true, MS_PRIVATE | MS_REC },
	{ "rshared", false, true, MS_SHARED | MS_REC },
	{ "rslave", false, true, MS_SLAVE | MS_REC },
	{ "runbindable", false, true, MS_UNBINDABLE | MS_REC },
	{ "rw", true, false, MS_RDONLY },
	{ "shared", false, true, MS_SHARED },
	{ "silent", false, false, MS_SILENT },
	{ "slave", false, true, MS_SLAVE },
	{ "strictatime", false, false, MS_STRICTATIME },
	{ "suid", true, false, MS_NOSUID },
	{ "sync", false, false, MS_SYNCHRONOUS },
	{ "unbindable", false, true, MS_UNBINDABLE },
};
const size_t oci_mount_opts_count = sizeof(oci_mount_opts) / sizeof(oci_mount_opts[0]);

const char *const oci_seccomp_action_names[OCI_SCMP_ACTION_COUNT] = {
	"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
	"SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
	"SCMP_ACT_TRAP",
};

const char *const oci_seccomp_op_names[OCI_SCMP_OP_COUNT] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

const char *const oci_seccomp_arch_names[OCI_SCMP_ARCH_COUNT] = {
	"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64",
	"SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
	"SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
	"SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
	"SCMP_ARCH_RISCV64",
};

int oci_name_index(const char *const *table, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(table[i], name))
			return (int)i;
	return -1;
}

int oci_cap_from_name(const char *name)
{
	return oci_name_index(oci_cap_names, OCI_CAP_LAST + 1, name);
}

int oci_rlimit_from_name(const char *name)
{
	return oci_name_index(oci_rlimit_names, OCI_RLIMIT_COUNT, name);
}

int oci_ns_from_name(const char *name)
{
	return oci_name_index(oci_ns_names, OCI_NS_COUNT, name);
}

const struct oci_mount_opt *oci_mount_opt_find(const char *name)
{
	for (size_t i = 0; i < oci_mount_opts_count; i++)
		if (!strcmp(oci_mount_opts[i].name, name))
			return &oci_mount_opts[i];
	return NULL;
}
