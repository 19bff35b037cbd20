/* System information and per-process knobs: uname, host/domain name,
 * sysinfo, getrandom, rlimits, priorities, scheduler queries, umask,
 * personality, syslog. */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include "sentry/kernel.h"
#include "sentry/mm.h"
#include "sentry/task.h"
#include "syscalls/syscall.h"
#include "vfs/vfs.h"

#define UTS_LEN        64
#define SANDBOX_RAM    (2ULL << 30)   /* totalram reported by sysinfo */
#define NR_OPEN_MAX    1048576        /* fs.nr_open: RLIMIT_NOFILE ceiling */
#define RANDOM_CHUNK   4096

static bool capable(const struct task *t, int cap)
{
	return t->cred.cap_effective & (1ULL << cap);
}

/* ---- uname / hostname --------------------------------------------------------- */

long sys_uname(struct task *t, const struct syscall_args *a)
{
	struct utsname u;

	memset(&u, 0, sizeof(u));
	strcpy(u.sysname, "Linux");
	snprintf(u.nodename, sizeof(u.nodename), "%s", kernel.hostname);
	strcpy(u.release, "6.1.0-cvisor");
	strcpy(u.version, "#1 SMP cvisor");
	strcpy(u.machine, "x86_64");
	snprintf(u.domainname, sizeof(u.domainname), "%s", kernel.domainname);
	return copy_to_user(t->mm, a->a[0], &u, sizeof(u)) ? -EFAULT : 0;
}

static long set_name(struct task *t, char dst[65], uint64_t uaddr, int64_t len)
{
	char buf[UTS_LEN + 1];

	if (!capable(t, CAP_SYS_ADMIN))
		return -EPERM;
	if (len < 0 || len > UTS_LEN)
		return -EINVAL;
	if (copy_from_user(t->mm, buf, uaddr, (size_t)len))
		return -EFAULT;
	buf[len] = '\0';
	memcpy(dst, buf, (size_t)len + 1);
	return 0;
}

long sys_sethostname(struct task *t, const struct syscall_args *a)
{
	return set_name(t, kernel.hostname, a->a[0], (int)a->a[1]);
}

long sys_setdomainname(struct task *t, const struct syscall_args *a)
{
	return set_name(t, kernel.domainname, a->a[0], (int)a->a[1]);
}

long sys_sysinfo(struct task *t, const struct syscall_args *a)
{
	struct sysinfo si;
	uint64_t used = memfile_bytes_in_use();

	memset(&si, 0, sizeof(si));
	si.uptime = (long)((now_mono_ns() - kernel.boot_time_mono_ns) / 1000000000ULL);
	si.totalram = SANDBOX_RAM;
	si.freeram = used < SANDBOX_RAM ? SANDBOX_RAM - used : 0;
	si.procs = (unsigned short)(kernel.nr_tasks > USHRT_MAX ? USHRT_MAX : kernel.nr_tasks);
	si.mem_unit = 1;
	return copy_to_user(t->mm, a->a[0], &si, sizeof(si)) ? -EFAULT : 0;
}

long sys_syslog(struct task *t, const struct syscall_args *a)
{
	return -EPERM;
}

/* ---- getrandom ---------------------------------------------------------------- */

long sys_getrandom(struct task *t, const struct syscall_args *a)
{
	unsigned flags = (unsigned)a->a[2];
	size_t len = a->a[1], done = 0;
	uint8_t buf[RANDOM_CHUNK];

	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
		return -EINVAL;
	if (len > INT_MAX)
		len = INT_MAX;
	while (done < len) {
		size_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		ssize_t got;

		/* Large requests are interruptible between chunks, like Linux. */
		if (task_signal_pending(t))
			return done ? (long)done : -ERESTARTSYS;
		got = getrandom(buf, n, 0);
		if (got <= 0)
			return done ? (long)done : -EAGAIN;
		if (copy_to_user(t->mm, a->a[0] + done, buf, (size_t)got))
			return done ? (long)done : -EFAULT;
		done += (size_t)got;
	}
	return (long)done;
}

/* ---- rlimits ------------------------------------------------------------------- */

/* May `t` read/change the limits of tg (prlimit64 permission)? */
static bool may_prlimit(const struct task *t, const struct thread_group *tg)
{
	const struct cred *c = &t->cred, *o;

	if (tg == t->tg || capable(t, CAP_SYS_RESOURCE))
		return true;
	if (!tg->leader)
		return false;
	o = &tg->leader->cred;
	return c->uid == o->uid && c->uid == o->euid && c->uid == o->suid &&
	       c->gid == o->gid && c->gid == o->egid && c->gid == o->sgid;
}

static long do_prlimit(struct task *t, struct thread_group *tg, unsigned res,
		       const struct rlimit *new, struct rlimit *old)
{
	struct rlimit *cur;

	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	cur = &tg->rlimits[res];
	if (new) {
		if (new->rlim_cur > new->rlim_max)
			return -EINVAL;
		if (res == RLIMIT_NOFILE && new->rlim_max > NR_OPEN_MAX)
			return -EPERM;
		if (new->rlim_max > cur->rlim_max && !capable(t, CAP_SYS_RESOURCE))
			return -EPERM;
	}
	if (old)
		*old = *cur;
	if (new)
		*cur = *new;
	return 0;
}

long sys_getrlimit(struct task *t, const struct syscall_args *a)
{
	struct rlimit old;
	long err = do_prlimit(t, t->tg, (unsigned)a->a[0], NULL, &old);

	if (err)
		return err;
	return copy_to_user(t->mm, a->a[1], &old, sizeof(old)) ? -EFAULT : 0;
}

long sys_setrlimit(struct task *t, const struct syscall_args *a)
{
	struct rlimit new;

	if (copy_from_user(t->mm, &new, a->a[1], sizeof(new)))
		return -EFAULT;
	return do_prlimit(t, t->tg, (unsigned)a->a[0], &new, NULL);
}

long sys_prlimit64(struct task *t, const struct syscall_args *a)
{
	int pid = (int)a->a[0];
	struct thread_group *tg = t->tg;
	struct rlimit new, old;
	long err;

	if (a->a[2] && copy_from_user(t->mm, &new, a->a[2], sizeof(new)))
		return -EFAULT;
	if (pid < 0)
		return -EINVAL;
	if (pid) {
		struct task *target = task_lookup(pid);

		tg = target ? target->tg : tg_lookup(pid);
		if (!tg)
			return -ESRCH;
	}
	if (!may_prlimit(t, tg))
		return -EPERM;
	err = do_prlimit(t, tg, (unsigned)a->a[1], a->a[2] ? &new : NULL, &old);
	if (err)
		return err;
	if (a->a[3] && copy_to_user(t->mm, a->a[3], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* ---- priorities --------------------------------------------------------------- */

static bool prio_match(const struct task *t, const struct task *m, int which, int who)
{
	switch (which) {
	case PRIO_PROCESS:
		return m->tid == (who ? who : t->tid);
	case PRIO_PGRP:
		return m->tg->pgid == (who ? who : t->tg->pgid);
	default:   /* PRIO_USER */
		return m->cred.uid == (who ? (uint32_t)who : t->cred.uid);
	}
}

long sys_getpriority(struct task *t, const struct syscall_args *a)
{
	int which = (int)a->a[0], who = (int)a->a[1];
	long best = -ESRCH;
	struct list_head *pos;

	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	list_for_each(pos, &kernel.tasks) {
		struct task *m = list_entry(pos, struct task, all_link);

		if (prio_match(t, m, which, who) && 20 - m->nice > best)
			best = 20 - m->nice;   /* the syscall returns 20 - nice (1..40) */
	}
	return best;
}

long sys_setpriority(struct task *t, const struct syscall_args *a)
{
	int which = (int)a->a[0], who = (int)a->a[1], nice = (int)a->a[2];
	long err = -ESRCH;
	struct list_head *pos;

	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	nice = nice < -20 ? -20 : nice > 19 ? 19 : nice;
	list_for_each(pos, &kernel.tasks) {
		struct task *m = list_entry(pos, struct task, all_link);

		if (!prio_match(t, m, which, who))
			continue;
		if (m->cred.uid != t->cred.euid && m->cred.euid != t->cred.euid &&
		    !capable(t, CAP_SYS_NICE)) {
			err = -EPERM;
			continue;
		}
		if (nice < m->nice && !capable(t, CAP_SYS_NICE)) {
			err = -EACCES;
			continue;
		}
		m->nice = nice;
		if (err == -ESRCH)
			err = 0;
	}
	return err;
}

/* ---- scheduler ------------------------------------------------------------------ */

static long sched_target(struct task *t, int pid)
{
	if (pid < 0)
		return -EINVAL;
	return !pid || task_lookup(pid) ? 0 : -ESRCH;
}

long sys_sched_yield(struct task *t, const struct syscall_args *a)
{
	kernel_unlock();
	sched_yield();
	kernel_lock();
	return 0;
}

/* Configured CPUs. glibc counts them in /sys, which the confined sentry
 * cannot see (sentry/sandbox): read once at program start. */
static long nr_cpus_conf = 1;

__attribute__((constructor)) static void read_nr_cpus_conf(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	if (n > 1)
		nr_cpus_conf = n;
}

static size_t cpumask_bytes(void)
{
	return ((size_t)nr_cpus_conf + 63) / 64 * 8;
}

long sys_sched_getaffinity(struct task *t, const struct syscall_args *a)
{
	size_t len = a->a[1], size = cpumask_bytes();
	cpu_set_t set;
	long err = sched_target(t, (int)a->a[0]);

	if (err)
		return err;
	if (len * 8 < (size_t)nr_cpus_conf || (len & 7))
		return -EINVAL;
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set))
		CPU_SET(0, &set);
	if (size > sizeof(set))
		size = sizeof(set);
	if (len < size)
		size = len;
	return copy_to_user(t->mm, a->a[2], &set, size) ? -EFAULT : (long)size;
}

long sys_sched_setaffinity(struct task *t, const struct syscall_args *a)
{
	size_t len = a->a[1];
	cpu_set_t want, have, both;
	long err = sched_target(t, (int)a->a[0]);

	if (err)
		return err;
	CPU_ZERO(&want);
	if (copy_from_user(t->mm, &want, a->a[2], len < sizeof(want) ? len : sizeof(want)))
		return -EFAULT;
	CPU_ZERO(&have);
	if (sched_getaffinity(0, sizeof(have), &have))
		CPU_SET(0, &have);
	CPU_AND(&both, &want, &have);
	/* Accepted, not enforced: guest threads run where the host puts them. */
	return CPU_COUNT(&both) ? 0 : -EINVAL;
}

long sys_sched_getparam(struct task *t, const struct syscall_args *a)
{
	struct sched_param p = { .sched_priority = 0 };
	long err = a->a[1] ? sched_target(t, (int)a->a[0]) : -EINVAL;

	if (err)
		return err;
	return copy_to_user(t->mm, a->a[1], &p, sizeof(p)) ? -EFAULT : 0;
}

long sys_sched_setparam(struct task *t, const struct syscall_args *a)
{
	struct sched_param p;
	long err = a->a[1] ? sched_target(t, (int)a->a[0]) : -EINVAL;

	if (err)
		return err;
	if (copy_from_user(t->mm, &p, a->a[1], sizeof(p)))
		return -EFAULT;
	return p.sched_priority ? -EINVAL : 0;
}

long sys_sched_getscheduler(struct task *t, const struct syscall_args *a)
{
	long err = sched_target(t, (int)a->a[0]);

	return err ? err : SCHED_OTHER;
}

/* Only SCHED_OTHER exists in the sandbox; other valid policies are refused
 * as if unprivileged. */
long sys_sched_setscheduler(struct task *t, const struct syscall_args *a)
{
	int policy = (int)a->a[1] & ~SCHED_RESET_ON_FORK;
	struct sched_param p;
	long err = a->a[2] ? sched_target(t, (int)a->a[0]) : -EINVAL;

	if (err)
		return err;
	if (copy_from_user(t->mm, &p, a->a[2], sizeof(p)))
		return -EFAULT;
	switch (policy) {
	case SCHED_OTHER:
		return p.sched_priority ? -EINVAL : 0;
	case SCHED_FIFO: case SCHED_RR: case SCHED_BATCH: case SCHED_IDLE: case 6 /* DEADLINE */:
		return -EPERM;
	}
	return -EINVAL;
}

long sys_sched_get_priority_max(struct task *t, const struct syscall_args *a)
{
	switch ((int)a->a[0]) {
	case SCHED_FIFO: case SCHED_RR: return 99;
	case SCHED_OTHER: case SCHED_BATCH: case SCHED_IDLE: case 6: return 0;
	}
	return -EINVAL;
}

long sys_sched_get_priority_min(struct task *t, const struct syscall_args *a)
{
	switch ((int)a->a[0]) {
	case SCHED_FIFO: case SCHED_RR: return 1;
	case SCHED_OTHER: case SCHED_BATCH: case SCHED_IDLE: case 6: return 0;
	}
	return -EINVAL;
}

long sys_getcpu(struct task *t, const struct syscall_args *a)
{
	int c = sched_getcpu();
	uint32_t cpu = c < 0 ? 0 : (uint32_t)c, node = 0;

	if (a->a[0] && copy_to_user(t->mm, a->a[0], &cpu, sizeof(cpu)))
		return -EFAULT;
	if (a->a[1] && copy_to_user(t->mm, a->a[1], &node, sizeof(node)))
		return -EFAULT;
	return 0;
}

/* ---- misc -------------------------------------------------------------------- */

long sys_umask(struct task *t, const struct syscall_args *a)
{
	mode_t old = t->fs->umask;

	t->fs->umask = (mode_t)a->a[0] & 0777;
	return old;
}

long sys_personality(struct task *t, const struct syscall_args *a)
{
	uint32_t old = (uint32_t)t->personality, p = (uint32_t)a->a[0];

	if (p != 0xffffffffu)
		t->personality = p;
	return old;
}
