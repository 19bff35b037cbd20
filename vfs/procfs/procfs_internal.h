/*
 * procfs internals. Every inode describes one node: an entry of a static
 * table (struct proc_ent) plus the pid/tid/fd it is about. Contents are
 * generated from sentry state into a bounded buffer when a read starts at
 * offset 0 (like Linux's seq_file) and are never cached across opens.
 * Tasks are looked up by id on every use, never remembered.
 */
#ifndef CVISOR_PROCFS_INTERNAL_H
#define CVISOR_PROCFS_INTERNAL_H
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include "vfs/vfs.h"

struct task;
struct thread_group;

#define PROC_SUPER_MAGIC 0x9fa0
#define PROC_BUF_MAX (1u << 20)            /* bound on one generated file */
#define PROC_MEM_TOTAL (2ull << 30)        /* the sandbox's advertised RAM */
#define PROC_OSRELEASE "6.1.0-cvisor"     /* = uname -r (sys_info.c) */
#define PROC_OSTYPE "Linux"
#define PROC_VERSION "#1 SMP cvisor"      /* = uname -v (sys_info.c) */

struct proc_buf {
	char *data;
	size_t len, cap;
	bool overflow;                     /* hit PROC_BUF_MAX: output truncated */
};
void pb_printf(struct proc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pb_write(struct proc_buf *b, const void *p, size_t n);
/* Make room for n more bytes; returns where to write or NULL. */
char *pb_reserve(struct proc_buf *b, size_t n);

struct proc_node {
	const struct proc_ent *ent;
	int tgid;          /* thread group the node is about, 0 for global nodes */
	int tid;           /* the task for per-thread nodes (task/TID/...), else 0 */
	int fd;            /* fd/N, fdinfo/N; -1 otherwise */
};

struct proc_dyn {
	/* Child called name, or -ENOENT. */
	int (*lookup)(const struct proc_node *dir, const char *name, struct proc_node *out);
	/* Emit the children whose cookie (base + their id) is >= ctx->pos,
	 * leaving ctx->pos past the last one emitted. */
	int (*iterate)(const struct proc_node *dir, struct dir_context *ctx, uint64_t base);
};

struct proc_ent {
	const char *name;
	mode_t mode;
	int (*show)(const struct proc_node *n, struct proc_buf *b);
	int (*store)(const struct proc_node *n, const char *buf, size_t len);
	int (*readlink)(const struct proc_node *n, char *buf, size_t len);
	int (*get_link)(const struct proc_node *n, struct path *out);
	const struct proc_ent *children;   /* terminated by a NULL name */
	const struct proc_dyn *dyn;
	const void *data;                  /* the entry's own data (a sysctl, a namespace) */
};

#define PDIR  (S_IFDIR | 0555)
#define PREG  (S_IFREG | 0444)
#define PLNK  (S_IFLNK | 0777)

/* Global tables (proc_sys.c, proc_pid.c). */
extern const struct proc_ent proc_root_ent;
extern const struct proc_ent proc_root_children[];
extern const struct proc_ent proc_pid_ent;      /* /proc/PID */
extern const struct proc_ent proc_tid_ent;      /* /proc/PID/task/TID */
extern const struct proc_dyn proc_root_dyn;
extern const struct proc_ent proc_sys_children[];   /* /proc/sys (proc_sysctl.c) */
extern const struct proc_ent proc_ns_children[];    /* /proc/PID/ns (proc_ns.c) */

/* Per-process files of proc_pid_misc.c and proc_smaps.c. */
int proc_smaps_show(const struct proc_node *n, struct proc_buf *b);
int proc_smaps_rollup_show(const struct proc_node *n, struct proc_buf *b);
int proc_uid_map_show(const struct proc_node *n, struct proc_buf *b);
int proc_gid_map_show(const struct proc_node *n, struct proc_buf *b);
int proc_setgroups_show(const struct proc_node *n, struct proc_buf *b);
int proc_io_show(const struct proc_node *n, struct proc_buf *b);
int proc_wchan_show(const struct proc_node *n, struct proc_buf *b);
int proc_unset_id_show(const struct proc_node *n, struct proc_buf *b);   /* loginuid, sessionid */
int proc_personality_show(const struct proc_node *n, struct proc_buf *b);
int proc_timerslack_show(const struct proc_node *n, struct proc_buf *b);
int proc_timerslack_store(const struct proc_node *n, const char *buf, size_t len);
int proc_oom_score_show(const struct proc_node *n, struct proc_buf *b);
int proc_oom_adj_show(const struct proc_node *n, struct proc_buf *b);
int proc_oom_adj_store(const struct proc_node *n, const char *buf, size_t len);
int proc_mountinfo_show(const struct proc_node *n, struct proc_buf *b);
int proc_mountstats_show(const struct proc_node *n, struct proc_buf *b);

/* ptrace_may_access(PTRACE_MODE_READ_FSCREDS) of the reader on t. */
bool proc_may_access(const struct task *t);
/* Magic-link text of an nsfs file ("mnt:[4026531841]"), or -EINVAL. */
int proc_ns_fd_name(const struct file *f, char *buf, size_t len);

/* The task a node is about (the thread, or a live member of the group);
 * NULL when it is gone. */
struct task *proc_task(const struct proc_node *n);
struct thread_group *proc_tg(const struct proc_node *n);
bool proc_node_alive(const struct proc_node *n);
uint64_t proc_ino(const struct proc_node *n);
unsigned proc_dtype(mode_t mode);
/* Emit one entry for a node; false when the caller's buffer is full. */
bool proc_emit(struct dir_context *ctx, const char *name, const struct proc_node *n);
int proc_nr_cpus(void);     /* the sandbox's CPUs (the sentry's affinity mask) */
/* A read-only table-driven filesystem (procfs, sysfs) rooted at root_ent. */
struct super_block *proc_tree_new(const char *fstype, uint32_t magic, uint64_t dev,
				  const struct proc_ent *root_ent);
/* A pid or fd name: decimal without sign or leading zero; -1 if not. */
int proc_parse_id(const char *s);

#endif
