/*
 * The guest kernel's global state and its one lock.
 *
 * Concurrency model (v1): a single kernel lock serialises all kernel state.
 * A task holds it from the moment its guest thread traps until it switches
 * back to the guest; it drops it only while the guest runs, while sleeping
 * (task_sleep) and around blocking host I/O (kernel_unlock/kernel_lock).
 * Lock order: kernel lock, then any object-private lock (none today).
 */
#ifndef CVISOR_KERNEL_H
#define CVISOR_KERNEL_H
#include <pthread.h>
#include <stdint.h>
#include <stdbool.h>
#include "list.h"

struct mount;
struct dentry;
struct task;
struct thread_group;

/* A resource limit for guest init (OCI process.rlimits). */
struct kernel_rlimit {
	int resource;              /* RLIMIT_* */
	uint64_t soft, hard;
};

/* One line of a user-namespace id map (OCI linux.uidMappings/gidMappings):
 * guest ids [inside, inside+count) are host ids [outside, outside+count). */
struct kernel_idmap {
	uint32_t inside, outside, count;
};

/* A sysctl the sandbox starts with (OCI linux.sysctl), "kernel.foo" style. */
struct kernel_sysctl {
	const char *key, *value;
};

/* Capability sets of guest init (OCI process.capabilities), bit N = cap N. */
struct kernel_caps {
	uint64_t effective, permitted, inheritable, bounding, ambient;
};

struct guest_seccomp;   /* sentry/seccomp_guest/seccomp_guest.h */

/* A mount of an OCI bundle (mounts[], maskedPaths, readonlyPaths), made
 * by vfs/init.c after the root, /tmp, /dev and /proc. */
enum kernel_mount_kind {
	KMOUNT_TMPFS,      /* a new tmpfs: size, mode */
	KMOUNT_BIND,       /* goferfs on gofer_fd (the source directory, or the
			    * directory holding the source file `name`) */
	KMOUNT_PROC,       /* another procfs */
	KMOUNT_EMPTY,      /* an empty read-only directory (sysfs stand-in);
			    * skipped when the destination cannot be made */
	KMOUNT_MASK,       /* maskedPaths: an empty read-only dir or file over
			    * the destination; skipped when it does not exist */
	KMOUNT_RDONLY,     /* readonlyPaths: the destination bound read-only
			    * onto itself; skipped when it does not exist */
	KMOUNT_SYSFS,      /* the sandbox's sysfs (vfs/sysfs) */
};

struct kernel_mount {
	int kind;          /* enum kernel_mount_kind */
	const char *dest;  /* absolute, inside the sandbox */
	const char *source;   /* for /proc/mounts */
	int flags;         /* MNT_* */
	uint64_t size;     /* tmpfs bytes, 0: default */
	int mode;          /* tmpfs root permissions, -1: 01777 */
	int gofer_fd;      /* KMOUNT_BIND */
	bool readonly;     /* KMOUNT_BIND: the gofer serves it read-only */
	const char *name;  /* KMOUNT_BIND of a file: its name; NULL: directory */
};

struct kernel_config {
	const char *platform;      /* "ptrace" */
	bool strace;
	bool no_systrap_patching;  /* --systrap-patching=false */
	bool allow_setuid;         /* --allow-setuid: exec honours set-id bits */
	bool debug;
	const char *hostname;
	int gofer_fd;              /* SOCK_SEQPACKET channel to the root gofer */
	int root_mode;             /* VFS_ROOT_* of vfs/vfs.h (0: overlay) */
	int stdio_fds[3];          /* host fds that become guest 0,1,2 */
	uint32_t uid, gid;         /* guest init credentials */
	const char *cwd;
	char **argv, **envp;       /* guest init command */
	/* Optional (OCI bundles): zero values keep the defaults. */
	const struct kernel_rlimit *rlimits;  /* applied to init's group */
	int n_rlimits;
	const uint32_t *groups;    /* init's supplementary groups */
	int ngroups;
	bool has_umask;
	uint32_t umask;
	const struct kernel_caps *caps;   /* NULL: all caps for uid 0, none else */
	bool no_new_privs;                /* init starts with PR_SET_NO_NEW_PRIVS */
	/* The container's seccomp profile, checked before every guest syscall
	 * of every process of the sandbox; NULL: none. */
	const struct guest_seccomp *seccomp;
	/* Mounts after the root, /tmp, /dev and /proc, in order (vfs/init.c). */
	const struct kernel_mount *mounts;
	int n_mounts;
	/* Make the root mount read-only once the mounts are made (OCI
	 * root.readonly over the overlay: their mount points land in the
	 * sandbox-private upper layer first, as runc makes them first). */
	bool root_readonly_after_mounts;
	/* The sandbox's id maps, shown in /proc/PID/{uid,gid}_map; none: the
	 * identity map of the whole range (Linux's initial namespace). */
	const struct kernel_idmap *uid_map, *gid_map;
	int n_uid_map, n_gid_map;
	/* Sysctls set in the sandbox's own /proc/sys before init starts. */
	const struct kernel_sysctl *sysctls;
	int n_sysctls;
	/* Called by sentry_main without the kernel lock once the kernel is up,
	 * before guest init starts (OCI create/start); < 0 ends the sentry
	 * without running init. NULL: init starts at once. */
	int (*wait_start)(void);
	/* Other host fds the confined sentry keeps (the OCI control socket,
	 * the ready pipe): everything not named in the config is closed. */
	const int *keep_fds;
	int n_keep_fds;
	/* Namespaces the sandbox joins instead of making new ones (OCI
	 * linux.namespaces paths, sentry/sandbox/namespaces.c); NULL: new. */
	const char *netns_path, *userns_path;
};

struct kernel {
	pthread_mutex_t lock;
	struct kernel_config cfg;
	struct list_head tasks;    /* all live tasks */
	struct list_head tgs;      /* all thread groups, including zombies */
	int nr_tasks;
	int last_pid;
	int pid_max;
	struct mount *root_mount;  /* root of the mount tree */
	struct dentry *root;
	uint64_t boot_time_real_ns;
	uint64_t boot_time_mono_ns;
	char hostname[65], domainname[65];
	int init_exit_status;      /* wait status of guest init once dead */
	bool init_exited;
	pthread_cond_t init_exit_cond;
	uint8_t boot_id[16];
	bool paused;               /* guest code must not run (OCI pause) */
	/* A thread group without a parent died (processes spawned from the
	 * host, sentry/kernel/spawn.c); called before it is released. */
	void (*orphan_exit)(struct thread_group *tg, int status);
};

extern struct kernel kernel;

void kernel_lock(void);
void kernel_unlock(void);

int pid_alloc(void);           /* next free pid, or -EAGAIN */

#endif
