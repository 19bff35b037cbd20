/* An OCI bundle's config.json as a plain C struct (runtime-spec 1.x).
 *
 * oci_config_load() reads, validates and converts the whole file; every
 * failure is ONE line such as
 *   "config.json: process.args: must be a non-empty array of strings".
 * Unknown fields are ignored. Sizes are bounded (OCI_MAX_*), so hostile input
 * cannot make the runtime allocate without limit. Absent optional values are
 * flagged with has_* fields; strings that are absent are NULL. */
#ifndef CVISOR_OCI_CONFIG_H
#define CVISOR_OCI_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define OCI_MAX_FILE      (16u << 20)   /* config.json / process.json */
#define OCI_MAX_STRING    (64u << 10)   /* any one string */
#define OCI_MAX_ARRAY     65536         /* args, env, paths, annotations... */
#define OCI_MAX_MOUNTS    1024
#define OCI_MAX_HOOKS     64            /* per hook kind */
#define OCI_MAX_IDMAPS    340           /* like the kernel's uid_map */
#define OCI_MAX_SECCOMP   4096          /* rules, and names per rule */

struct oci_strv {                       /* NULL-terminated, n entries */
	char **v;
	size_t n;
};

struct oci_caps {                       /* bit N = capability N */
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct oci_rlimit {
	int type;                       /* RLIMIT_* */
	uint64_t hard, soft;
};

struct oci_user {
	uint32_t uid, gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
};

struct oci_process {
	bool terminal;
	bool has_console_size;
	unsigned console_height, console_width;
	struct oci_user user;
	struct oci_strv args;           /* n >= 1 */
	struct oci_strv env;
	char *cwd;                      /* absolute */
	bool has_caps;
	struct oci_caps caps;
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;              /* -1000..1000 */
};

struct oci_mount {
	char *destination;              /* absolute */
	char *type;                     /* NULL when absent (bind mounts) */
	char *source;                   /* relative bind sources resolved against the bundle */
	struct oci_strv options;        /* as written */
	unsigned long flags;            /* MS_* from the flag options */
	unsigned long propagation;      /* MS_PRIVATE/SHARED/SLAVE/UNBINDABLE (|MS_REC) */
	bool tmpcopyup;                 /* runc extension */
	char *data;                     /* other options joined with ',' (mode=, size=...), NULL if none */
};

struct oci_namespace {
	int type;                       /* enum oci_ns_type */
	char *path;                     /* join this namespace; NULL = new one */
};

struct oci_idmap {
	uint32_t container_id, host_id, size;
};

struct oci_resources {
	bool has_memory_limit, has_memory_reservation, has_memory_swap;
	int64_t memory_limit, memory_reservation, memory_swap;   /* -1 = unlimited */
	bool has_cpu_shares, has_cpu_quota, has_cpu_period;
	uint64_t cpu_shares;
	int64_t cpu_quota;              /* -1 = unlimited */
	uint64_t cpu_period;
	char *cpus, *mems;              /* cpuset lists "0-3,5" */
	bool has_pids_limit;
	int64_t pids_limit;             /* -1 (or 0) = unlimited */
	bool has_blkio_weight;
	uint16_t blkio_weight;          /* blockIO.weight, 10..1000 */
};

struct oci_seccomp_arg {
	unsigned index;                 /* 0..5 */
	uint64_t value, value_two;
	int op;                         /* enum oci_seccomp_op */
};

struct oci_seccomp_rule {
	struct oci_strv names;
	int action;                     /* enum oci_seccomp_action */
	bool has_errno_ret;
	uint32_t errno_ret;
	struct oci_seccomp_arg *args;
	size_t n_args;
};

struct oci_seccomp {
	int default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	int *archs;                     /* indexes into oci_seccomp_arch_names */
	size_t n_archs;
	struct oci_seccomp_rule *rules;
	size_t n_rules;
};

struct oci_kv {
	char *key, *value;
};

struct oci_hook {
	char *path;                     /* absolute */
	struct oci_strv args, env;
	bool has_timeout;
	int timeout;                    /* seconds, > 0 */
};

enum oci_hook_kind {
	OCI_HOOK_PRESTART, OCI_HOOK_CREATE_RUNTIME, OCI_HOOK_CREATE_CONTAINER,
	OCI_HOOK_START_CONTAINER, OCI_HOOK_POSTSTART, OCI_HOOK_POSTSTOP,
	OCI_HOOK_KINDS
};
extern const char *const oci_hook_names[OCI_HOOK_KINDS];   /* "prestart", ... */

struct oci_config {
	char *oci_version;
	char *bundle;                   /* absolute */
	struct oci_process process;
	char *root_path;                /* absolute (resolved against the bundle) */
	bool root_readonly;
	char *hostname, *domainname;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_namespace *namespaces;
	size_t n_namespaces;
	struct oci_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	bool has_resources;
	struct oci_resources resources;
	char *cgroups_path;             /* linux.cgroupsPath as written, NULL if absent */
	struct oci_kv *sysctl;
	size_t n_sysctl;
	struct oci_seccomp *seccomp;    /* NULL: no seccomp profile */
	struct oci_strv masked_paths, readonly_paths;
	struct oci_kv *annotations;
	size_t n_annotations;
	struct {
		struct oci_hook *v;
		size_t n;
	} hooks[OCI_HOOK_KINDS];
};

/* Load BUNDLE/config.json (BUNDLE may be relative to the cwd). On failure
 * returns NULL with the one-line error in err. */
struct oci_config *oci_config_load(const char *bundle, char *err, size_t errlen);
/* Same, from a buffer; `file` names it in errors ("config.json"). */
struct oci_config *oci_config_parse(const char *buf, size_t len, const char *bundle,
				    const char *file, char *err, size_t errlen);
void oci_config_free(struct oci_config *c);

/* `exec --process FILE`: an OCI process object alone. 0 or -1 with err. */
int oci_process_load(const char *path, struct oci_process *p, char *err, size_t errlen);
void oci_process_free(struct oci_process *p);

/* `update --resources`: an OCI LinuxResources object. 0 or -1 with err. */
int oci_resources_parse(const char *buf, size_t len, const char *file,
			struct oci_resources *r, char *err, size_t errlen);
void oci_resources_free(struct oci_resources *r);

/* The namespace of `type` in c, or NULL. */
const struct oci_namespace *oci_config_namespace(const struct oci_config *c, int type);
/* The value of annotation `key`, or NULL. */
const char *oci_config_annotation(const struct oci_config *c, const char *key);

#endif
