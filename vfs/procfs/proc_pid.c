/*
 * /proc/PID and /proc/PID/task/TID: per-process files generated from the
 * task, its thread group, mm, fd table and fs context. Magic links (exe,
 * cwd, root, fd/N) resolve to the real path; readlink prints it from the
 * reader's root.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "procfs_internal.h"
#include "vfs/pipe/pipe.h"
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/mm.h"

#define NSEC_PER_TICK 10000000ull   /* USER_HZ = 100 */
#define SOCKFS_MAGIC 0x534F434Bu
#define PROC_ARGS_MAX (256u << 10)  /* bound on cmdline / environ */
#define PROC_MAPS_MAX (512u << 10)
#define PROC_MOUNTS_MAX (128u << 10)

static unsigned long long ticks(uint64_t ns)
{
	return ns / NSEC_PER_TICK;
}

/* ---- helpers ------------------------------------------------------------------- */

struct mm_stats {
	uint64_t size, rss, data, stack, text, text_start, text_end;
};

static void mm_stats(const struct mm *mm, struct mm_stats *s)
{
	struct list_head *pos;

	memset(s, 0, sizeof(*s));
	if (!mm)
		return;
	list_for_each(pos, &mm->vmas) {
		const struct vma *v = list_entry(pos, struct vma, link);
		uint64_t len = v->end - v->start;

		s->size += len;
		if (v->mapped)
			s->rss += len;
		if (v->name && !strcmp(v->name, "[stack]"))
			s->stack += len;
		else if ((v->prot & PROT_WRITE) && !(v->flags & MAP_SHARED))
			s->data += len;
		if (v->file && v->file == mm->exe && (v->prot & PROT_EXEC)) {
			s->text += len;
			if (!s->text_start)
				s->text_start = v->start;
			s->text_end = v->end;
		}
	}
}

static char state_char(const struct task *t)
{
	if (t->tg && t->tg->zombie)
		return 'Z';
	if (t->state == TASK_EXITING || t->state == TASK_DEAD)
		return 'X';
	if (t->state == TASK_STOPPED || (t->tg && t->tg->stopped))
		return 'T';
	/* Not tracked: the reader is running, everyone else is reported asleep. */
	return t == current ? 'R' : 'S';
}

static const char *state_name(char c)
{
	switch (c) {
	case 'R': return "R (running)";
	case 'T': return "T (stopped)";
	case 'Z': return "Z (zombie)";
	case 'X': return "X (dead)";
	default: return "S (sleeping)";
	}
}

static int nr_threads(const struct thread_group *tg)
{
	return tg ? (tg->nr_live > 0 ? tg->nr_live : 1) : 1;
}

/* Signal sets as Linux shows them: ignored and caught from the handlers. */
static void sig_sets(const struct task *t, ksigset_t *ign, ksigset_t *cgt)
{
	*ign = *cgt = 0;
	if (!t->sighand)
		return;
	for (int s = 1; s <= KSIG_MAX; s++) {
		uint64_t h = t->sighand->action[s].handler;
		if (h == 1)
			*ign |= KSIG_BIT(s);
		else if (h > 1)
			*cgt |= KSIG_BIT(s);
	}
}

static int queued(const struct sigpending *p)
{
	struct list_head *pos;
	int n = 0;

	list_for_each(pos, &p->queue)
		n++;
	return n;
}

/* Copy [start, end) of a task's memory, bounded; stops at the first hole. */
static void put_user_range(struct proc_buf *b, struct mm *mm, uint64_t start, uint64_t end)
{
	if (!mm || end <= start)
		return;
	if (end - start > PROC_ARGS_MAX)
		end = start + PROC_ARGS_MAX;
	while (start < end) {
		size_t n = (size_t)(PAGE_ALIGN(start + 1) - start);
		char *at;

		if (n > end - start)
			n = (size_t)(end - start);
		at = pb_reserve(b, n);
		if (!at || copy_from_user(mm, at, start, n))
			return;
		b->len += n;
		start += n;
	}
}

/* The task, or -ESRCH for show functions. */
#define NEED_TASK(n, t) struct task *t = proc_task(n); if (!t) return -ESRCH

/* ---- files ------------------------------------------------------------------------ */

static int stat_show(const struct proc_node *n, struct proc_buf *b)
{
	NEED_TASK(n, t);
	struct thread_group *tg = t->tg;
	struct mm_stats ms;
	ksigset_t ign, cgt, pend = t->pending.set | (tg ? tg->shared_pending.set : 0);
	uint64_t ut = t->utime_ns, st = t->stime_ns;
	struct mm *mm = t->mm;
	char s = state_char(t);

	if (!n->tid && tg) {
		struct list_head *pos;
		ut = st = 0;
		list_for_each(pos, &tg->tasks) {
			struct task *m = list_entry(pos, struct task, tg_link);
			ut += m->utime_ns;
			st += m->stime_ns;
		}
	}
	mm_stats(mm, &ms);
	sig_sets(t, &ign, &cgt);
	pb_printf(b, "%d (%s) %c %d %d %d 0 -1 4194304 0 0 0 0 %llu %llu %llu %llu %d %d %d 0 %llu ",
		  n->tid ? t->tid : (tg ? tg->tgid : t->tid), t->comm, s,
		  tg && tg->parent ? tg->parent->tgid : 0, tg ? tg->pgid : 0, tg ? tg->sid : 0,
		  ticks(ut), ticks(st), tg ? ticks(tg->cutime_ns) : 0, tg ? ticks(tg->cstime_ns) : 0,
		  20 + t->nice, t->nice, nr_threads(tg),
		  ticks(t->start_time_ns > kernel.boot_time_mono_ns ?
			t->start_time_ns - kernel.boot_time_mono_ns : 0));
	pb_printf(b, "%llu %llu %llu %llu %llu %llu 0 0 %llu %llu %llu %llu 0 0 0 %d 0 0 0 0 0 0 ",
		  (unsigned long long)ms.size, (unsigned long long)(ms.rss / PAGE_SIZE),
		  tg ? (unsigned long long)tg->rlimits[RLIMIT_RSS].rlim_cur : 0ull,
		  (unsigned long long)ms.text_start, (unsigned long long)ms.text_end,
		  mm ? (unsigned long long)mm->start_stack : 0ull,
		  (unsigned long long)(pend & 0x7fffffff), (unsigned long long)(t->blocked & 0x7fffffff),
		  (unsigned long long)(ign & 0x7fffffff), (unsigned long long)(cgt & 0x7fffffff),
		  tg ? tg->exit_signal : 0);
	/* start_data end_data (not tracked) start_brk arg/env bounds exit_code */
	pb_printf(b, "0 0 %llu %llu %llu %llu %llu %d\n",
		  mm ? (unsigned long long)mm->start_brk : 0ull,
		  mm ? (unsigned long long)mm->arg_start : 0ull, mm ? (unsigned long long)mm->arg_end : 0ull,
		  mm ? (unsigned long long)mm->env_start : 0ull, mm ? (unsigned long long)mm->env_end : 0ull,
		  tg && tg->zombie ? tg->group_exit_code : 0);
	return 0;
}

static int statm_show(const struct proc_node *n, struct proc_buf *b)
{
	NEED_TASK(n, t);
	struct mm_stats ms;

	mm_stats(t->mm, &ms);
	pb_printf(b, "%llu %llu 0 %llu 0 %llu 0\n", (unsigned long long)(ms.size / PAGE_SIZE),
		  (unsigned long long)(ms.rss / PAGE_SIZE), (unsigned long long)(ms.text / PAGE_SIZE),
		  (unsigned long long)((ms.data + ms.stack) / PAGE_SIZE));
	return 0;
}

static void vm_line(struct proc_buf *b, const char *label, uint64_t bytes)
{
	pb_printf(b, "%s\t%8llu kB\n", label, (unsigned long long)(bytes / 1024));
}

static int status_show(const struct proc_node *n, struct proc_buf *b)
{
	NEED_TASK(n, t);
	struct thread_group *tg = t->tg;
	const struct cred *c = &t->cred;
	ksigset_t ign, cgt;
	struct mm_stats ms;
	int ncpu = proc_nr_cpus();

	sig_sets(t, &ign, &cgt);
	pb_printf(b, "Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n"
		  "PPid:\t%d\nTracerPid:\t0\n", t->comm, t->fs ? (unsigned)t->fs->umask : 022u,
		  state_name(state_char(t)), tg ? tg->tgid : t->tid, t->tid,
		  tg && tg->parent ? tg->parent->tgid : 0);
	pb_printf(b, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t%d\nGroups:\t",
		  c->uid, c->euid, c->suid, c->fsuid, c->gid, c->egid, c->sgid, c->fsgid,
		  t->files ? t->files->max : 0);
	for (int i = 0; i < c->ngroups && i < 32; i++)
		pb_printf(b, "%s%u", i ? " " : "", c->groups[i]);
	pb_printf(b, " \nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", tg ? tg->tgid : t->tid,
		  t->tid, tg ? tg->pgid : 0, tg ? tg->sid : 0);
	if (t->mm) {
		mm_stats(t->mm, &ms);
		vm_line(b, "VmPeak:", ms.size);
		vm_line(b, "VmSize:", ms.size);
		vm_line(b, "VmLck:", 0);
		vm_line(b, "VmPin:", 0);
		vm_line(b, "VmHWM:", ms.rss);
		vm_line(b, "VmRSS:", ms.rss);
		vm_line(b, "RssAnon:", ms.rss);
		vm_line(b, "RssFile:", 0);
		vm_line(b, "RssShmem:", 0);
		vm_line(b, "VmData:", ms.data);
		vm_line(b, "VmStk:", ms.stack);
		vm_line(b, "VmExe:", ms.text);
		vm_line(b, "VmLib:", 0);
		vm_line(b, "VmPTE:", 0);
		vm_line(b, "VmSwap:", 0);
	}
	pb_printf(b, "CoreDumping:\t0\nThreads:\t%d\nSigQ:\t%d/%llu\n", nr_threads(tg),
		  queued(&t->pending) + (tg ? queued(&tg->shared_pending) : 0),
		  tg ? (unsigned long long)tg->rlimits[RLIMIT_SIGPENDING].rlim_cur : 0ull);
	pb_printf(b, "SigPnd:\t%016llx\nShdPnd:\t%016llx\nSigBlk:\t%016llx\nSigIgn:\t%016llx\n"
		  "SigCgt:\t%016llx\n", (unsigned long long)t->pending.set,
		  tg ? (unsigned long long)tg->shared_pending.set : 0ull,
		  (unsigned long long)t->blocked, (unsigned long long)ign, (unsigned long long)cgt);
	pb_printf(b, "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\nCapBnd:\t%016llx\n"
		  "CapAmb:\t%016llx\nNoNewPrivs:\t%d\nSeccomp:\t%d\nSeccomp_filters:\t%d\n",
		  (unsigned long long)c->cap_inheritable, (unsigned long long)c->cap_permitted,
		  (unsigned long long)c->cap_effective, (unsigned long long)c->cap_bounding,
		  (unsigned long long)c->cap_ambient, t->no_new_privs,
		  /* the container's profile (a filter, mode 2) applies to every task */
		  kernel.cfg.seccomp ? 2 : 0, kernel.cfg.seccomp ? 1 : 0);
	pb_printf(b, "Cpus_allowed:\t%llx\nCpus_allowed_list:\t0", ncpu >= 64 ? ~0ull : (1ull << ncpu) - 1);
	if (ncpu > 1)
		pb_printf(b, "-%d", ncpu - 1);
	pb_printf(b, "\nMems_allowed:\t1\nMems_allowed_list:\t0\n"
		  "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
	return 0;
}

static int comm_show(const struct proc_node *n, struct proc_buf *b)
{
	NEED_TASK(n, t);
	pb_printf(b, "%s\n", t->comm);
	return 0;
}

/* Threads may rename themselves and each other; others get -EINVAL (Linux). */
static int comm_store(const struct proc_node *n, const char *buf, size_t len)
{
	struct task *t = proc_task(n);
	size_t k = len < sizeof(t->comm) - 1 ? len : sizeof(t->comm) - 1;

	if (!t)
		return -ESRCH;
	if (!current || current->tg != t->tg)
		return -EINVAL;
	memcpy(t->comm, buf, k);
	t->comm[k] = 0;          /* a newline stays part of the name, like Linux */
	return 0;
}

static int cmdline_show(const struct proc_node *n, struct proc_buf *b)
{
	NEED_TASK(n, t);
	if (t->mm)
		put_user_range(b, t->mm, t->mm->arg_start, t->mm->arg_end);
	return 0;
}

static int environ_show(const struct proc_node *n, struct proc_buf *b)
{
	NEED_TASK(n, t);
	if (!proc_may_access(t))
		return -EACCES;
	if (t->mm)
		put_user_range(b, t->mm, t->mm->env_start, t->mm->env_end);
	return 0;
}

static int auxv_show(const struct proc_node *n, struct proc_buf *b)
{
	NEED_TASK(n, t);
	if (!proc_may_access(t))
		return -EACCES;
	if (t->mm)
		pb_write(b, t->mm->auxv, t->mm->auxv_len < sizeof(t->mm->auxv) ?
			 t->mm->auxv_len : sizeof(t->mm->auxv));
	return 0;
}

static int maps_show(const struct proc_node *n, struct proc_buf *b)
{
	NEED_TASK(n, t);
	char *at;

	if (!t->mm || !(at = pb_reserve(b, PROC_MAPS_MAX)))
		return 0;
	b->len += mm_render_maps(t->mm, at, PROC_MAPS_MAX);
	return 0;
}

static int mounts_show(const struct proc_node *n, struct proc_buf *b)
{
	char *at = pb_reserve(b, PROC_MOUNTS_MAX);

	if (at)
		b->len += mounts_render(at, PROC_MOUNTS_MAX);
	return 0;
}

static int limits_show(const struct proc_node *n, struct proc_buf *b)
{
	static const struct { const char *name, *unit; } lim[] = {
		{ "Max cpu time", "seconds" }, { "Max file size", "bytes" },
		{ "Max data size", "bytes" }, { "Max stack size", "bytes" },
		{ "Max core file size", "bytes" }, { "Max resident set", "bytes" },
		{ "Max processes", "processes" }, { "Max open files", "files" },
		{ "Max locked memory", "bytes" }, { "Max address space", "bytes" },
		{ "Max file locks", "locks" }, { "Max pending signals", "signals" },
		{ "Max msgqueue size", "bytes" }, { "Max nice priority", "" },
		{ "Max realtime priority", "" }, { "Max realtime timeout", "us" },
	};
	NEED_TASK(n, t);

	pb_printf(b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (int i = 0; i < 16 && t->tg; i++) {
		const struct rlimit *r = &t->tg->rlimits[i];
		char soft[24], hard[24];

		if (r->rlim_cur == RLIM_INFINITY)
			strcpy(soft, "unlimited");
		else
			snprintf(soft, sizeof(soft), "%llu", (unsigned long long)r->rlim_cur);
		if (r->rlim_max == RLIM_INFINITY)
			strcpy(hard, "unlimited");
		else
			snprintf(hard, sizeof(hard), "%llu", (unsigned long long)r->rlim_max);
		if (lim[i].unit[0])
			pb_printf(b, "%-25s %-20s %-20s %-10s\n", lim[i].name, soft, hard, lim[i].unit);
		else
			pb_printf(b, "%-25s %-20s %-20s \n", lim[i].name, soft, hard);
	}
	return 0;
}

static int cgroup_show(const struct proc_node *n, struct proc_buf *b)
{
	pb_printf(b, "0::/\n");
	return 0;
}

/* ---- magic links ------------------------------------------------------------------- */

/* Print path p as seen from the reader's root. */
static int path_link(const struct path *p, char *buf, size_t len)
{
	char *tmp = malloc(PATH_MAX_LEN);
	struct path root;
	int n;

	if (!tmp)
		return -ENOMEM;
	if (current && current->fs)
		root = current->fs->root;
	else
		root = (struct path){ kernel.root_mount, kernel.root };
	n = path_to_string(&root, p, tmp, PATH_MAX_LEN);
	if (n >= 0) {
		if ((size_t)n > len)
			n = (int)len;
		memcpy(buf, tmp, (size_t)n);
	}
	free(tmp);
	return n;
}

static int ret_path(const struct path *p, struct path *out)
{
	if (!p->mnt || !p->dentry)
		return -ENOENT;
	*out = *p;
	path_get(out);
	return 0;
}

#define CAP_SYS_PTRACE 19

/* ptrace_may_access(PTRACE_MODE_READ_FSCREDS), which Linux requires for the
 * magic links, environ, auxv and the fd directories: same thread group,
 * CAP_SYS_PTRACE, or all ids of the target equal the reader's fs ids. */
bool proc_may_access(const struct task *t)
{
	const struct cred *c, *tc = &t->cred;

	if (!current || current->tg == t->tg)
		return true;
	c = &current->cred;
	if (c->cap_effective & (1ull << CAP_SYS_PTRACE))
		return true;
	return c->fsuid == tc->uid && c->fsuid == tc->euid && c->fsuid == tc->suid &&
	       c->fsgid == tc->gid && c->fsgid == tc->egid && c->fsgid == tc->sgid;
}

/* The node's task if the reader may inspect it; else NULL and *err. */
static struct task *traced(const struct proc_node *n, int *err)
{
	struct task *t = proc_task(n);

	*err = 0;
	if (!t)
		*err = -ENOENT;
	else if (!proc_may_access(t))
		*err = -EACCES;
	return *err ? NULL : t;
}

static const struct path *exe_path(const struct proc_node *n, int *err)
{
	struct task *t = traced(n, err);

	if (t && (!t->mm || !t->mm->exe || !t->mm->exe->path.mnt))
		*err = -ENOENT;
	return *err ? NULL : &t->mm->exe->path;
}

static const struct path *fs_path(const struct proc_node *n, bool root, int *err)
{
	struct task *t = traced(n, err);

	if (t && !t->fs)
		*err = -ENOENT;
	if (*err)
		return NULL;
	return root ? &t->fs->root : &t->fs->cwd;
}

#define LINK_OPS(name, expr) \
	static int name##_get(const struct proc_node *n, struct path *out) \
	{ int err; const struct path *p = (expr); return p ? ret_path(p, out) : err; } \
	static int name##_readlink(const struct proc_node *n, char *buf, size_t len) \
	{ int err; const struct path *p = (expr); return p ? path_link(p, buf, len) : err; }

LINK_OPS(exe, exe_path(n, &err))
LINK_OPS(cwd, fs_path(n, false, &err))
LINK_OPS(root, fs_path(n, true, &err))

/* The open file behind fd/N or fdinfo/N (new reference), or NULL and *err. */
static struct file *node_file(const struct proc_node *n, int *err)
{
	struct task *t = traced(n, err);
	struct file *f;

	if (!t)
		return NULL;
	f = t->files ? fd_get(t->files, n->fd) : NULL;
	if (!f)
		*err = -ENOENT;
	return f;
}

/* Anonymous files cannot be reopened through the link yet (no pipefs mount). */
static int fd_get_link(const struct proc_node *n, struct path *out)
{
	int err;
	struct file *f = node_file(n, &err);

	if (!f)
		return err;
	err = f->path.mnt ? ret_path(&f->path, out) : -ENXIO;
	file_put(f);
	return err;
}

static int fd_readlink(const struct proc_node *n, char *buf, size_t len)
{
	char s[64];
	int ret;
	struct file *f = node_file(n, &ret);

	if (!f)
		return ret;
	if ((ret = proc_ns_fd_name(f, s, sizeof(s))) >= 0) {
		if ((size_t)ret > len)
			ret = (int)len;
		memcpy(buf, s, (size_t)ret);
	} else if (f->path.mnt) {
		ret = path_link(&f->path, buf, len);
	} else {
		const struct super_block *sb = f->inode ? f->inode->sb : NULL;
		unsigned long long ino = f->inode ? (unsigned long long)f->inode->ino : 0;

		if (sb && sb->magic == PIPEFS_MAGIC)
			snprintf(s, sizeof(s), "pipe:[%llu]", ino);
		else if (sb && sb->magic == SOCKFS_MAGIC)
			snprintf(s, sizeof(s), "socket:[%llu]", ino);
		else
			snprintf(s, sizeof(s), "anon_inode:%s", sb && sb->fstype ? sb->fstype : "[unknown]");
		ret = (int)strlen(s);
		if ((size_t)ret > len)
			ret = (int)len;
		memcpy(buf, s, (size_t)ret);
	}
	file_put(f);
	return ret;
}

static int fdinfo_show(const struct proc_node *n, struct proc_buf *b)
{
	struct task *t = proc_task(n);
	int flags, err;
	struct file *f = node_file(n, &err);

	if (!f)
		return t ? err : -ESRCH;
	flags = f->flags;
	if (n->fd < t->files->max && t->files->cloexec[n->fd])
		flags |= O_CLOEXEC;
	pb_printf(b, "pos:\t%llu\nflags:\t0%o\nmnt_id:\t%d\nino:\t%llu\n",
		  (unsigned long long)f->pos, (unsigned)flags, f->path.mnt ? f->path.mnt->id : 0,
		  f->inode ? (unsigned long long)f->inode->ino : 0ull);
	file_put(f);
	return 0;
}

static const struct proc_ent fd_link_ent = {
	.name = "fd", .mode = PLNK, .readlink = fd_readlink, .get_link = fd_get_link,
};
static const struct proc_ent fdinfo_file_ent = {
	.name = "fdinfo", .mode = S_IFREG | 0444, .show = fdinfo_show,
};

/* ---- fd/, fdinfo/, task/ --------------------------------------------------------- */

static int fd_lookup_common(const struct proc_node *dir, const char *name, struct proc_node *out,
			    const struct proc_ent *ent)
{
	int fd = proc_parse_id(name), err;
	struct file *f;

	if (fd < 0)
		return -ENOENT;
	*out = (struct proc_node){ .ent = ent, .tgid = dir->tgid, .tid = dir->tid, .fd = fd };
	f = node_file(out, &err);
	if (!f)
		return err;
	file_put(f);
	return 0;
}

static int fd_iterate_common(const struct proc_node *dir, struct dir_context *ctx, uint64_t base,
			     const struct proc_ent *ent)
{
	int err;
	struct task *t = traced(dir, &err);

	if (!t)
		return err;
	if (!t->files)
		return 0;
	for (int fd = 0; fd < t->files->max; fd++) {
		struct proc_node c = { .ent = ent, .tgid = dir->tgid, .tid = dir->tid, .fd = fd };
		char name[16];

		if (!t->files->fd[fd] || base + (uint64_t)fd < ctx->pos)
			continue;
		snprintf(name, sizeof(name), "%d", fd);
		ctx->pos = base + (uint64_t)fd;
		if (!proc_emit(ctx, name, &c))
			return 0;
		ctx->pos++;
	}
	return 0;
}

static int fd_lookup(const struct proc_node *d, const char *name, struct proc_node *out)
{
	return fd_lookup_common(d, name, out, &fd_link_ent);
}

static int fd_iterate(const struct proc_node *d, struct dir_context *ctx, uint64_t base)
{
	return fd_iterate_common(d, ctx, base, &fd_link_ent);
}

static int fdinfo_lookup(const struct proc_node *d, const char *name, struct proc_node *out)
{
	return fd_lookup_common(d, name, out, &fdinfo_file_ent);
}

static int fdinfo_iterate(const struct proc_node *d, struct dir_context *ctx, uint64_t base)
{
	return fd_iterate_common(d, ctx, base, &fdinfo_file_ent);
}

static const struct proc_dyn fd_dyn = { fd_lookup, fd_iterate };
static const struct proc_dyn fdinfo_dyn = { fdinfo_lookup, fdinfo_iterate };

static int task_lookup_dyn(const struct proc_node *dir, const char *name, struct proc_node *out)
{
	int tid = proc_parse_id(name);

	if (tid <= 0)
		return -ENOENT;
	*out = (struct proc_node){ .ent = &proc_tid_ent, .tgid = dir->tgid, .tid = tid, .fd = -1 };
	return proc_task(out) ? 0 : -ENOENT;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int task_iterate(const struct proc_node *dir, struct dir_context *ctx, uint64_t base)
{
	struct thread_group *tg = proc_tg(dir);
	struct list_head *pos;
	int *ids, n = 0, cap = 0;

	if (!tg)
		return 0;
	list_for_each(pos, &tg->tasks)
		cap++;
	ids = malloc(sizeof(*ids) * (size_t)(cap ? cap : 1));
	if (!ids)
		return -ENOMEM;
	list_for_each(pos, &tg->tasks) {
		struct task *t = list_entry(pos, struct task, tg_link);
		if (t->state != TASK_DEAD)
			ids[n++] = t->tid;
	}
	qsort(ids, (size_t)n, sizeof(*ids), cmp_int);
	for (int i = 0; i < n; i++) {
		struct proc_node c = { .ent = &proc_tid_ent, .tgid = dir->tgid, .tid = ids[i], .fd = -1 };
		char name[16];

		if (base + (uint64_t)ids[i] < ctx->pos)
			continue;
		snprintf(name, sizeof(name), "%d", ids[i]);
		ctx->pos = base + (uint64_t)ids[i];
		if (!proc_emit(ctx, name, &c))
			break;
		ctx->pos++;
	}
	free(ids);
	return 0;
}

static const struct proc_dyn task_dyn = { task_lookup_dyn, task_iterate };

/* ---- tables -------------------------------------------------------------------------- */

#define PID_COMMON \
	{ .name = "auxv", .mode = S_IFREG | 0400, .show = auxv_show }, \
	{ .name = "cgroup", .mode = PREG, .show = cgroup_show }, \
	{ .name = "cmdline", .mode = PREG, .show = cmdline_show }, \
	{ .name = "comm", .mode = S_IFREG | 0644, .show = comm_show, .store = comm_store }, \
	{ .name = "cwd", .mode = PLNK, .readlink = cwd_readlink, .get_link = cwd_get }, \
	{ .name = "environ", .mode = S_IFREG | 0400, .show = environ_show }, \
	{ .name = "exe", .mode = PLNK, .readlink = exe_readlink, .get_link = exe_get }, \
	{ .name = "fd", .mode = S_IFDIR | 0500, .dyn = &fd_dyn }, \
	{ .name = "fdinfo", .mode = S_IFDIR | 0500, .dyn = &fdinfo_dyn }, \
	{ .name = "gid_map", .mode = PREG, .show = proc_gid_map_show }, \
	{ .name = "io", .mode = S_IFREG | 0400, .show = proc_io_show }, \
	{ .name = "limits", .mode = PREG, .show = limits_show }, \
	{ .name = "loginuid", .mode = PREG, .show = proc_unset_id_show }, \
	{ .name = "maps", .mode = PREG, .show = maps_show }, \
	{ .name = "mountinfo", .mode = PREG, .show = proc_mountinfo_show }, \
	{ .name = "mounts", .mode = PREG, .show = mounts_show }, \
	{ .name = "mountstats", .mode = S_IFREG | 0400, .show = proc_mountstats_show }, \
	{ .name = "ns", .mode = S_IFDIR | 0511, .children = proc_ns_children }, \
	{ .name = "oom_score", .mode = PREG, .show = proc_oom_score_show }, \
	{ .name = "oom_score_adj", .mode = S_IFREG | 0644, .show = proc_oom_adj_show, \
	  .store = proc_oom_adj_store }, \
	{ .name = "personality", .mode = S_IFREG | 0400, .show = proc_personality_show }, \
	{ .name = "root", .mode = PLNK, .readlink = root_readlink, .get_link = root_get }, \
	{ .name = "sessionid", .mode = PREG, .show = proc_unset_id_show }, \
	{ .name = "setgroups", .mode = PREG, .show = proc_setgroups_show }, \
	{ .name = "smaps", .mode = PREG, .show = proc_smaps_show }, \
	{ .name = "smaps_rollup", .mode = PREG, .show = proc_smaps_rollup_show }, \
	{ .name = "stat", .mode = PREG, .show = stat_show }, \
	{ .name = "statm", .mode = PREG, .show = statm_show }, \
	{ .name = "status", .mode = PREG, .show = status_show }, \
	{ .name = "uid_map", .mode = PREG, .show = proc_uid_map_show }, \
	{ .name = "wchan", .mode = PREG, .show = proc_wchan_show }

static const struct proc_ent pid_children[] = {
	PID_COMMON,
	{ .name = "task", .mode = PDIR, .dyn = &task_dyn },
	{ .name = "timerslack_ns", .mode = S_IFREG | 0666, .show = proc_timerslack_show,
	  .store = proc_timerslack_store },
	{ 0 },
};

static const struct proc_ent tid_children[] = {
	PID_COMMON,
	{ 0 },
};

const struct proc_ent proc_pid_ent = { .name = "pid", .mode = PDIR, .children = pid_children };
const struct proc_ent proc_tid_ent = { .name = "tid", .mode = PDIR, .children = tid_children };
