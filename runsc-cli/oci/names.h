/* Name tables of the OCI runtime spec: capabilities, rlimits, namespaces,
 * mount options, seccomp actions/operators/architectures. One source for the
 * config parser, `cvisor spec` and `cvisor features`. */
#ifndef CVISOR_OCI_NAMES_H
#define CVISOR_OCI_NAMES_H
#include <stdbool.h>
#include <stddef.h>

#define OCI_CAP_LAST 40                 /* CAP_CHECKPOINT_RESTORE */
extern const char *const oci_cap_names[OCI_CAP_LAST + 1];      /* "CAP_CHOWN", ... */
int oci_cap_from_name(const char *name);                        /* -1 if unknown */

#define OCI_RLIMIT_COUNT 16
extern const char *const oci_rlimit_names[OCI_RLIMIT_COUNT];   /* index = RLIMIT_* */
int oci_rlimit_from_name(const char *name);

enum oci_ns_type {
	OCI_NS_PID, OCI_NS_NETWORK, OCI_NS_MOUNT, OCI_NS_IPC, OCI_NS_UTS,
	OCI_NS_USER, OCI_NS_CGROUP, OCI_NS_TIME, OCI_NS_COUNT
};
extern const char *const oci_ns_names[OCI_NS_COUNT];
int oci_ns_from_name(const char *name);

/* A mount option that is a flag: `clear` options (rw, suid, dev, exec...)
 * remove the flag instead of setting it. Propagation options go to their own
 * field, like runc does, because they need a second mount(2) call. */
struct oci_mount_opt {
	const char *name;
	bool clear;
	bool propagation;
	unsigned long flag;
};
extern const struct oci_mount_opt oci_mount_opts[];
extern const size_t oci_mount_opts_count;
const struct oci_mount_opt *oci_mount_opt_find(const char *name);

enum oci_seccomp_action {
	OCI_SCMP_ALLOW, OCI_SCMP_ERRNO, OCI_SCMP_KILL, OCI_SCMP_KILL_PROCESS,
	OCI_SCMP_KILL_THREAD, OCI_SCMP_LOG, OCI_SCMP_NOTIFY, OCI_SCMP_TRACE,
	OCI_SCMP_TRAP, OCI_SCMP_ACTION_COUNT
};
extern const char *const oci_seccomp_action_names[OCI_SCMP_ACTION_COUNT];

enum oci_seccomp_op {
	OCI_SCMP_CMP_NE, OCI_SCMP_CMP_LT, OCI_SCMP_CMP_LE, OCI_SCMP_CMP_EQ,
	OCI_SCMP_CMP_GE, OCI_SCMP_CMP_GT, OCI_SCMP_CMP_MASKED_EQ, OCI_SCMP_OP_COUNT
};
extern const char *const oci_seccomp_op_names[OCI_SCMP_OP_COUNT];

#define OCI_SCMP_ARCH_COUNT 17
extern const char *const oci_seccomp_arch_names[OCI_SCMP_ARCH_COUNT];

/* Index of `name` in a table of `n` names, -1 if absent. */
int oci_name_index(const char *const *table, size_t n, const char *name);

#endif
