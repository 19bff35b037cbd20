/*
 * /proc/sys: the sandbox's own sysctls. Each file is a proc_ent whose data
 * is a struct sysctl describing its value; writes (root, or anything the
 * file permissions let through) change the sandbox's copy only, with
 * Linux's parsing and range checks (proc_dointvec_minmax and friends).
 * proc_sysctl_set() applies OCI linux.sysctl entries before init starts.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "procfs_internal.h"
#include "vfs/pipe/pipe.h"
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/ipc.h"

#define CAP_SYS_PTRACE 19
#define SYSCTL_WRITE_MAX 4096    /* Linux reads at most a page per write */
#define SYSCTL_VEC_MAX 4

enum sysctl_kind {
	SC_INT,      /* int[n], tab-separated, each in [min, max] */
	SC_ULONG,    /* one unsigned long in [min, max]; negative input is invalid */
	SC_STR,      /* a string of at most size - 1 bytes */
};

struct sysctl {
	int kind;
	void *val;            /* int[n], uint64_t or char[size] */
	int n;                /* SC_INT: numbers in the vector */
	long long min, max;   /* SC_INT */
	uint64_t umin, umax;  /* SC_ULONG */
	size_t size;          /* SC_STR */
	/* Extra validation on the parsed values (they may be adjusted). */
	int (*check)(const struct sysctl *s, long long *v);
};

/* ---- the sandbox's values ------------------------------------------------------ */

static int ngroups_max = 65536, cap_last_cap = 40, entropy = 256, poolsize = 256;
static int overflowuid = 65534, overflowgid = 65534;
static int threads_max = 16384;      /* Linux's formula for 2 GiB of RAM */
static uint64_t shmmax = 18446744073692774399ull, shmall = 18446744073692774399ull;
static int shmmni = 4096, shm_rmid_forced, msgmax = 8192, msgmnb = 16384, msgmni = 32000;
static int sem[4] = { 32000, 1024000000, 500, 32000 };
static int ptrace_scope;             /* ptrace checks are the classic ones */
static int overcommit_memory, overcommit_ratio = 50, max_map_count = 65530;
static uint64_t mmap_min_addr = 65536, file_max = 9223372036854775807ull;
static int nr_open = 1048576, pipe_max_size = PIPE_MAX_SIZE;
static int inotify_watches = 8192, inotify_instances = 128, inotify_events = 16384;
static int somaxconn = 4096, ip_forward, unpriv_port_start = 1024;
static int ping_group_range[2] = { 1, 0 };

/* ---- checks ------------------------------------------------------------------------ */

/* Linux rounds pipe-max-size up to a power-of-two number of pages. */
static int pipe_size_check(const struct sysctl *s, long long *v)
{
	long long size = 4096;

	if (*v > (1ll << 31))
		return -EINVAL;
	while (size < *v)
		size <<= 1;
	*v = size;
	return 0;
}

/* Yama: CAP_SYS_PTRACE to write, and 3 ("no attach") is final. */
static int ptrace_scope_check(const struct sysctl *s, long long *v)
{
	if (current && !(current->cred.cap_effective & (1ull << CAP_SYS_PTRACE)))
		return -EPERM;
	return ptrace_scope == 3 && *v != 3 ? -EINVAL : 0;
}

static int ping_range_check(const struct sysctl *s, long long *v)
{
	return v[0] > v[1] && !(v[0] == 1 && v[1] == 0) ? -EINVAL : 0;
}

/* ---- generic show / store ------------------------------------------------------------ */

static const struct sysctl *sc_of(const struct proc_node *n)
{
	return n->ent->data;
}

static int sc_show(const struct proc_node *n, struct proc_buf *b)
{
	const struct sysctl *s = sc_of(n);

	switch (s->kind) {
	case SC_INT:
		for (int i = 0; i < s->n; i++)
			pb_printf(b, "%s%d", i ? "\t" : "", ((const int *)s->val)[i]);
		pb_printf(b, "\n");
		break;
	case SC_ULONG:
		pb_printf(b, "%llu\n", (unsigned long long)*(const uint64_t *)s->val);
		break;
	case SC_STR:
		pb_printf(b, "%s\n", (const char *)s->val);
		break;
	}
	return 0;
}

/* proc_get_long: optional blanks, an optional '-', a number (base 0 like
 * strtoul), then a blank or the end. Returns chars used, 0 at the end of
 * input, -EINVAL on garbage. */
static int get_number(const char *p, bool neg_ok, long long *out, bool *is_neg, unsigned long long *uout)
{
	const char *start = p;
	unsigned long long u;
	char *end;
	bool neg = false;

	while (*p && isspace((unsigned char)*p))
		p++;
	if (!*p)
		return 0;
	if (*p == '-') {
		if (!neg_ok)
			return -EINVAL;
		neg = true;
		p++;
	}
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	u = strtoull(p, &end, 0);
	if (errno || (*end && !isspace((unsigned char)*end)))
		return -EINVAL;
	*is_neg = neg;
	*uout = u;
	if (u > (unsigned long long)LLONG_MAX)
		*out = neg ? LLONG_MIN : LLONG_MAX;
	else
		*out = neg ? -(long long)u : (long long)u;
	return (int)(end - start);
}

static int sc_store(const struct proc_node *n, const char *ubuf, size_t len)
{
	const struct sysctl *s = sc_of(n);
	char buf[SYSCTL_WRITE_MAX + 1];
	long long v[SYSCTL_VEC_MAX];
	int count = 0, err;

	if (len > SYSCTL_WRITE_MAX)
		len = SYSCTL_WRITE_MAX;
	memcpy(buf, ubuf, len);
	buf[len] = 0;
	if (s->kind == SC_STR) {
		/* proc_dostring: up to the first newline, truncated to fit. */
		size_t k = strcspn(buf, "\n");
		if (k > s->size - 1)
			k = s->size - 1;
		memcpy(s->val, buf, k);
		((char *)s->val)[k] = 0;
		return 0;
	}
	for (const char *p = buf; count < (s->kind == SC_INT ? s->n : 1); count++) {
		unsigned long long u;
		bool neg;
		int used = get_number(p, s->kind == SC_INT, &v[count], &neg, &u);

		if (used < 0)
			return used;
		if (used == 0)
			break;
		p += used;
		if (s->kind == SC_ULONG) {
			if (u < s->umin || u > s->umax)
				return -EINVAL;
			v[count] = (long long)u;
		} else if (v[count] < INT_MIN || v[count] > INT_MAX || v[count] < s->min ||
			   v[count] > s->max) {
			return -EINVAL;
		}
	}
	if (count == 0)
		return 0;          /* only blanks: nothing changes, like Linux */
	if (s->kind == SC_INT && count < s->n) {
		for (int i = count; i < s->n; i++)
			v[i] = ((int *)s->val)[i];
	}
	if (s->check && (err = s->check(s, v)))
		return err;
	if (s->kind == SC_ULONG) {
		*(uint64_t *)s->val = (uint64_t)v[0];
	} else {
		for (int i = 0; i < s->n; i++)
			((int *)s->val)[i] = (int)v[i];
	}
	return 0;
}

/* ---- computed, read-only files --------------------------------------------------------- */

#define SYS_STR(fn, expr) \
	static int fn(const struct proc_node *n, struct proc_buf *b) \
	{ pb_printf(b, "%s\n", (expr)); return 0; }

SYS_STR(ostype_show, PROC_OSTYPE)
SYS_STR(osrelease_show, PROC_OSRELEASE)
SYS_STR(kversion_show, PROC_VERSION)

static void put_uuid(struct proc_buf *b, const uint8_t u[16])
{
	pb_printf(b, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n",
		  u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
		  u[12], u[13], u[14], u[15]);
}

/* The boot's random bytes shown as a version 4 UUID, like Linux's. */
static int boot_id_show(const struct proc_node *n, struct proc_buf *b)
{
	uint8_t u[16];

	memcpy(u, kernel.boot_id, sizeof(u));
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	put_uuid(b, u);
	return 0;
}

/* A fresh random (version 4) UUID on every read, like Linux. */
static int uuid_show(const struct proc_node *n, struct proc_buf *b)
{
	uint8_t u[16];

	if (getrandom(u, sizeof(u), 0) != (ssize_t)sizeof(u))
		return -EIO;
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	put_uuid(b, u);
	return 0;
}

/* ---- the tree ------------------------------------------------------------------------------ */

#define INTV(var, lo, hi, ...) (&(const struct sysctl){ .kind = SC_INT, .val = (var), \
	.n = sizeof(var) / sizeof(int), .min = (lo), .max = (hi), __VA_ARGS__ })
#define INT(var, lo, hi, ...) (&(const struct sysctl){ .kind = SC_INT, .val = &(var), .n = 1, \
	.min = (lo), .max = (hi), __VA_ARGS__ })
#define ULONG(var, lo, hi) (&(const struct sysctl){ .kind = SC_ULONG, .val = &(var), \
	.umin = (lo), .umax = (hi) })
#define STR(arr) (&(const struct sysctl){ .kind = SC_STR, .val = (arr), .size = sizeof(arr) })

/* A writable sysctl, and a read-only one shown from the same table. */
#define RW(nm, sc) { .name = nm, .mode = S_IFREG | 0644, .show = sc_show, .store = sc_store, .data = sc }
#define RO(nm, sc) { .name = nm, .mode = PREG, .show = sc_show, .data = sc }

static const struct proc_ent random_children[] = {
	{ .name = "boot_id", .mode = PREG, .show = boot_id_show },
	RO("entropy_avail", INT(entropy, 0, 0)),
	RO("poolsize", INT(poolsize, 0, 0)),
	{ .name = "uuid", .mode = PREG, .show = uuid_show },
	{ 0 },
};

static const struct proc_ent yama_children[] = {
	RW("ptrace_scope", INT(ptrace_scope, 0, 3, .check = ptrace_scope_check)),
	{ 0 },
};

static const struct proc_ent kernel_children[] = {
	RO("cap_last_cap", INT(cap_last_cap, 0, 0)),
	RW("domainname", STR(kernel.domainname)),
	RW("hostname", STR(kernel.hostname)),
	RW("msgmax", INT(msgmax, 0, INT_MAX)),
	RW("msgmnb", INT(msgmnb, 0, INT_MAX)),
	RW("msgmni", INT(msgmni, 0, 32768)),
	RO("ngroups_max", INT(ngroups_max, 0, 0)),
	{ .name = "osrelease", .mode = PREG, .show = osrelease_show },
	{ .name = "ostype", .mode = PREG, .show = ostype_show },
	RW("overflowgid", INT(overflowgid, 0, 65535)),
	RW("overflowuid", INT(overflowuid, 0, 65535)),
	RW("pid_max", INT(kernel.pid_max, 301, 4194304)),
	{ .name = "random", .mode = PDIR, .children = random_children },
	RW("sem", INTV(sem, 0, INT_MAX)),
	RW("shm_rmid_forced", INT(shm_rmid_forced, 0, 1)),
	RW("shmall", ULONG(shmall, 0, UINT64_MAX)),
	RW("shmmax", ULONG(shmmax, 0, UINT64_MAX)),
	RW("shmmni", INT(shmmni, 0, 32768)),
	RW("threads-max", INT(threads_max, 20, 0x3fffffff)),
	{ .name = "version", .mode = PREG, .show = kversion_show },
	{ .name = "yama", .mode = PDIR, .children = yama_children },
	{ 0 },
};

static const struct proc_ent vm_children[] = {
	RW("max_map_count", INT(max_map_count, 0, INT_MAX)),
	RW("mmap_min_addr", ULONG(mmap_min_addr, 0, UINT64_MAX)),
	RW("overcommit_memory", INT(overcommit_memory, 0, 2)),
	RW("overcommit_ratio", INT(overcommit_ratio, 0, INT_MAX)),
	{ 0 },
};

static const struct proc_ent inotify_children[] = {
	RW("max_queued_events", INT(inotify_events, 0, INT_MAX)),
	RW("max_user_instances", INT(inotify_instances, 0, INT_MAX)),
	RW("max_user_watches", INT(inotify_watches, 0, INT_MAX)),
	{ 0 },
};

static const struct proc_ent fs_children[] = {
	RW("file-max", ULONG(file_max, 0, 9223372036854775807ull)),
	{ .name = "inotify", .mode = PDIR, .children = inotify_children },
	RW("nr_open", INT(nr_open, 64, 2147483584)),
	RW("pipe-max-size", INT(pipe_max_size, 0, INT_MAX, .check = pipe_size_check)),
	{ 0 },
};

static const struct proc_ent core_children[] = {
	RW("somaxconn", INT(somaxconn, 0, INT_MAX)),
	{ 0 },
};

static const struct proc_ent ipv4_children[] = {
	RW("ip_forward", INT(ip_forward, 0, 1)),
	RW("ip_unprivileged_port_start", INT(unpriv_port_start, 0, 65535)),
	RW("ping_group_range", INTV(ping_group_range, 0, INT_MAX, .check = ping_range_check)),
	{ 0 },
};

static const struct proc_ent net_children[] = {
	{ .name = "core", .mode = PDIR, .children = core_children },
	{ .name = "ipv4", .mode = PDIR, .children = ipv4_children },
	{ 0 },
};

const struct proc_ent proc_sys_children[] = {
	{ .name = "fs", .mode = PDIR, .children = fs_children },
	{ .name = "kernel", .mode = PDIR, .children = kernel_children },
	{ .name = "net", .mode = PDIR, .children = net_children },
	{ .name = "vm", .mode = PDIR, .children = vm_children },
	{ 0 },
};

/* ---- OCI linux.sysctl ------------------------------------------------------------------------ */

/* "kernel.domainname" or "kernel/domainname": set it as a write would. */
int proc_sysctl_set(const char *key, const char *value)
{
	const struct proc_ent *dir = proc_sys_children, *e = NULL;
	char name[NAME_MAX_LEN + 1];
	const char *p = key;

	while (*p) {
		size_t k = strcspn(p, "./");

		if (k == 0 || k > NAME_MAX_LEN)
			return -ENOENT;
		memcpy(name, p, k);
		name[k] = 0;
		p += k;
		if (*p)
			p++;
		if (!dir)
			return -ENOENT;
		for (e = dir; e->name && strcmp(e->name, name); e++)
			;
		if (!e->name)
			return -ENOENT;
		dir = e->children;
	}
	if (!e || !e->store)
		return e && S_ISREG(e->mode) ? -EPERM : -ENOENT;
	return e->store(&(struct proc_node){ .ent = e, .fd = -1 }, value, strlen(value));
}

/* The SysV IPC limits for sentry/kernel/ipc (kernel.sem is semmsl, semmns,
 * semopm, semmni). */
void sysctl_ipc_limits(struct ipc_limits *l)
{
	*l = (struct ipc_limits){ .shmmax = shmmax, .shmall = shmall, .shmmni = shmmni,
				  .msgmax = msgmax, .msgmnb = msgmnb, .msgmni = msgmni,
				  .semmsl = sem[0], .semmns = sem[1], .semopm = sem[2],
				  .semmni = sem[3] };
}
