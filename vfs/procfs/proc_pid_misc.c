/*
 * Smaller /proc/PID files: id maps, setgroups, io, wchan, loginuid,
 * sessionid, personality, timerslack_ns, the OOM knobs, mountinfo and
 * mountstats.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include "procfs_internal.h"
#include "vfs/vfs_impl.h"
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/mm.h"

#define CAP_SYS_NICE 23
#define CAP_SYS_RESOURCE 24
#define TIMER_SLACK_DEFAULT 50000
#define OOM_ADJ_MIN (-1000)
#define OOM_ADJ_MAX 1000

#define NEED_TASK(n, t) struct task *t = proc_task(n); if (!t) return -ESRCH

/* ---- user namespace ----------------------------------------------------------------- */

static void idmap(struct proc_buf *b, const struct kernel_idmap *map, int n)
{
	if (!map || n <= 0) {
		pb_printf(b, "%10u %10u %10u\n", 0u, 0u, 4294967295u);
		return;
	}
	for (int i = 0; i < n; i++)
		pb_printf(b, "%10u %10u %10u\n", map[i].inside, map[i].outside, map[i].count);
}

int proc_uid_map_show(const struct proc_node *n, struct proc_buf *b)
{
	idmap(b, kernel.cfg.uid_map, kernel.cfg.n_uid_map);
	return 0;
}

int proc_gid_map_show(const struct proc_node *n, struct proc_buf *b)
{
	idmap(b, kernel.cfg.gid_map, kernel.cfg.n_gid_map);
	return 0;
}

int proc_setgroups_show(const struct proc_node *n, struct proc_buf *b)
{
	pb_printf(b, "allow\n");
	return 0;
}

/* ---- accounting and identity ------------------------------------------------------------ */

/* I/O is not counted: zeros, in Linux's layout. */
int proc_io_show(const struct proc_node *n, struct proc_buf *b)
{
	NEED_TASK(n, t);
	if (!proc_may_access(t))
		return -EACCES;
	pb_printf(b, "rchar: 0\nwchar: 0\nsyscr: 0\nsyscw: 0\nread_bytes: 0\nwrite_bytes: 0\n"
		  "cancelled_write_bytes: 0\n");
	return 0;
}

/* Where a task sleeps is not recorded: "0", as Linux prints for a running
 * task (no newline, like Linux). */
int proc_wchan_show(const struct proc_node *n, struct proc_buf *b)
{
	pb_printf(b, "0");
	return 0;
}

/* No audit: loginuid and sessionid are unset ((u32)-1, no newline). */
int proc_unset_id_show(const struct proc_node *n, struct proc_buf *b)
{
	pb_printf(b, "%u", 4294967295u);
	return 0;
}

int proc_personality_show(const struct proc_node *n, struct proc_buf *b)
{
	NEED_TASK(n, t);
	if (!proc_may_access(t))
		return -EACCES;
	pb_printf(b, "%08llx\n", (unsigned long long)(t->personality & 0xffffffffu));
	return 0;
}

int proc_timerslack_show(const struct proc_node *n, struct proc_buf *b)
{
	NEED_TASK(n, t);
	if (!proc_may_access(t))
		return -EACCES;
	pb_printf(b, "%llu\n", (unsigned long long)t->timer_slack_ns);
	return 0;
}

/* Like Linux: 0 restores the default; another task's needs CAP_SYS_NICE. */
int proc_timerslack_store(const struct proc_node *n, const char *ubuf, size_t len)
{
	struct task *t = proc_task(n);
	char buf[24], *end;
	unsigned long long v;

	if (!t)
		return -ESRCH;
	if (len > sizeof(buf) - 1)
		return -EINVAL;
	memcpy(buf, ubuf, len);
	buf[len] = 0;
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = 0;
	if (!isdigit((unsigned char)buf[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || *end)
		return -EINVAL;
	if (t != current && !(current && (current->cred.cap_effective & (1ull << CAP_SYS_NICE))))
		return -EPERM;
	t->timer_slack_ns = v ? v : TIMER_SLACK_DEFAULT;
	return 0;
}

/* ---- OOM ----------------------------------------------------------------------------------- */

/* Linux's proc_oom_score: (1000 + rss * 1000 / totalpages + adj) * 2 / 3,
 * and 0 for a task that may never be chosen (adj -1000). */
int proc_oom_score_show(const struct proc_node *n, struct proc_buf *b)
{
	NEED_TASK(n, t);
	long long rss = 0, total = PROC_MEM_TOTAL / PAGE_SIZE, points = 0;
	int adj = t->tg ? t->tg->oom_score_adj : 0;

	if (t->mm) {
		struct list_head *pos;
		list_for_each(pos, &t->mm->vmas) {
			const struct vma *v = list_entry(pos, struct vma, link);
			if (v->mapped)
				rss += (long long)((v->end - v->start) / PAGE_SIZE);
		}
	}
	if (adj != OOM_ADJ_MIN)
		points = (1000 + (rss + adj * (total / 1000)) * 1000 / total) * 2 / 3;
	pb_printf(b, "%lld\n", points < 0 ? 0 : points);
	return 0;
}

int proc_oom_adj_show(const struct proc_node *n, struct proc_buf *b)
{
	NEED_TASK(n, t);
	pb_printf(b, "%d\n", t->tg ? t->tg->oom_score_adj : 0);
	return 0;
}

/* kstrtoint (base 0) of the stripped text; outside [-1000, 1000] -EINVAL; going
 * below the floor needs CAP_SYS_RESOURCE, which also sets the floor. */
int proc_oom_adj_store(const struct proc_node *n, const char *ubuf, size_t len)
{
	struct task *t = proc_task(n);
	char buf[24], *p, *end;
	long v;
	bool privileged = current && (current->cred.cap_effective & (1ull << CAP_SYS_RESOURCE));

	if (!t || !t->tg)
		return -ESRCH;
	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	memcpy(buf, ubuf, len);
	buf[len] = 0;
	for (p = buf; isspace((unsigned char)*p); p++)
		;
	for (end = p + strlen(p); end > p && isspace((unsigned char)end[-1]); end--)
		;
	*end = 0;
	if (!*p)
		return -EINVAL;
	errno = 0;
	v = strtol(p, &end, 0);
	if (errno || *end || v < OOM_ADJ_MIN || v > OOM_ADJ_MAX)
		return -EINVAL;
	if (v < t->tg->oom_score_adj_min && !privileged)
		return -EACCES;
	t->tg->oom_score_adj = (short)v;
	if (privileged)
		t->tg->oom_score_adj_min = (short)v;
	return 0;
}

/* ---- mounts -------------------------------------------------------------------------------- */

/* Octal-escape space, tab, newline and backslash, as Linux's mangle(). */
static void put_mangled(struct proc_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
			pb_printf(b, "\\%03o", (unsigned char)*s);
		else
			pb_write(b, s, 1);
	}
}

static void mountinfo_one(const struct mount_info *mi, void *arg)
{
	struct proc_buf *b = arg;

	pb_printf(b, "%d %d %u:%u ", mi->id, mi->parent_id, major(mi->dev), minor(mi->dev));
	put_mangled(b, mi->root);
	pb_printf(b, " ");
	put_mangled(b, mi->mountpoint);
	pb_printf(b, " %s%s%s - ", mi->mnt_opts, mi->optional[0] ? " " : "", mi->optional);
	put_mangled(b, mi->fstype);
	pb_printf(b, " ");
	put_mangled(b, mi->source);
	pb_printf(b, " %s\n", mi->super_opts);
}

/* Mounts as the reader sees them (its root), like Linux's per-reader view
 * of its own mount namespace. */
int proc_mountinfo_show(const struct proc_node *n, struct proc_buf *b)
{
	vfs_for_each_mount(NULL, mountinfo_one, b);
	return 0;
}

static void mountstats_one(const struct mount_info *mi, void *arg)
{
	struct proc_buf *b = arg;

	pb_printf(b, "device ");
	put_mangled(b, mi->source);
	pb_printf(b, " mounted on ");
	put_mangled(b, mi->mountpoint);
	pb_printf(b, " with fstype ");
	put_mangled(b, mi->fstype);
	pb_printf(b, "\n");
}

int proc_mountstats_show(const struct proc_node *n, struct proc_buf *b)
{
	vfs_for_each_mount(NULL, mountstats_one, b);
	return 0;
}
