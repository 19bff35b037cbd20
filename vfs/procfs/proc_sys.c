/*
 * The system-wide part of /proc: the root directory and the files that
 * describe the sandbox (never the host): meminfo, cpuinfo, uptime, stat,
 * loadavg, version, filesystems, cmdline and /proc/sys.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "procfs_internal.h"
#include "vfs/pipe/pipe.h"
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/mm.h"

#define NSEC_PER_SEC 1000000000ull
#define NSEC_PER_TICK 10000000ull   /* USER_HZ = 100 */

static int copy_link(char *buf, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (n > len)
		n = len;
	memcpy(buf, s, n);
	return (int)n;
}

static int self_readlink(const struct proc_node *n, char *buf, size_t len)
{
	char s[32];

	if (!current || !current->tg)
		return -ENOENT;
	snprintf(s, sizeof(s), "%d", current->tg->tgid);
	return copy_link(buf, len, s);
}

static int thread_self_readlink(const struct proc_node *n, char *buf, size_t len)
{
	char s[48];

	if (!current || !current->tg)
		return -ENOENT;
	snprintf(s, sizeof(s), "%d/task/%d", current->tg->tgid, current->tid);
	return copy_link(buf, len, s);
}

static int mounts_readlink(const struct proc_node *n, char *buf, size_t len)
{
	return copy_link(buf, len, "self/mounts");
}

/* ---- memory ------------------------------------------------------------------ */

static void kb_line(struct proc_buf *b, const char *label, uint64_t kb)
{
	pb_printf(b, "%-16s%8llu kB\n", label, (unsigned long long)kb);
}

static int meminfo_show(const struct proc_node *n, struct proc_buf *b)
{
	uint64_t total = PROC_MEM_TOTAL / 1024, used = memfile_bytes_in_use() / 1024;

	if (used > total)
		used = total;
	kb_line(b, "MemTotal:", total);
	kb_line(b, "MemFree:", total - used);
	kb_line(b, "MemAvailable:", total - used);
	kb_line(b, "Buffers:", 0);
	kb_line(b, "Cached:", 0);
	kb_line(b, "SwapCached:", 0);
	kb_line(b, "Active:", used);
	kb_line(b, "Inactive:", 0);
	kb_line(b, "Active(anon):", used);
	kb_line(b, "Inactive(anon):", 0);
	kb_line(b, "Active(file):", 0);
	kb_line(b, "Inactive(file):", 0);
	kb_line(b, "Unevictable:", 0);
	kb_line(b, "Mlocked:", 0);
	kb_line(b, "SwapTotal:", 0);
	kb_line(b, "SwapFree:", 0);
	kb_line(b, "Dirty:", 0);
	kb_line(b, "Writeback:", 0);
	kb_line(b, "AnonPages:", used);
	kb_line(b, "Mapped:", 0);
	kb_line(b, "Shmem:", 0);
	kb_line(b, "KReclaimable:", 0);
	kb_line(b, "Slab:", 0);
	kb_line(b, "SReclaimable:", 0);
	kb_line(b, "SUnreclaim:", 0);
	kb_line(b, "KernelStack:", 0);
	kb_line(b, "PageTables:", 0);
	kb_line(b, "NFS_Unstable:", 0);
	kb_line(b, "Bounce:", 0);
	kb_line(b, "WritebackTmp:", 0);
	kb_line(b, "CommitLimit:", total);
	kb_line(b, "Committed_AS:", used);
	kb_line(b, "VmallocTotal:", 34359738367ull);
	kb_line(b, "VmallocUsed:", 0);
	kb_line(b, "VmallocChunk:", 0);
	pb_printf(b, "HugePages_Total:       0\nHugePages_Free:        0\n"
		  "HugePages_Rsvd:        0\nHugePages_Surp:        0\n");
	kb_line(b, "Hugepagesize:", 2048);
	return 0;
}

/* ---- cpu --------------------------------------------------------------------- */

struct cpu_flag {
	uint8_t bit;
	const char *name;
};

static const struct cpu_flag leaf1_edx[] = {
	{0, "fpu"}, {1, "vme"}, {2, "de"}, {3, "pse"}, {4, "tsc"}, {5, "msr"}, {6, "pae"},
	{7, "mce"}, {8, "cx8"}, {9, "apic"}, {11, "sep"}, {12, "mtrr"}, {13, "pge"},
	{14, "mca"}, {15, "cmov"}, {16, "pat"}, {17, "pse36"}, {19, "clflush"}, {23, "mmx"},
	{24, "fxsr"}, {25, "sse"}, {26, "sse2"}, {27, "ss"}, {28, "ht"}, {0xff, NULL},
};
static const struct cpu_flag ext1_edx[] = {
	{11, "syscall"}, {20, "nx"}, {26, "pdpe1gb"}, {27, "rdtscp"}, {29, "lm"}, {0xff, NULL},
};
static const struct cpu_flag leaf1_ecx[] = {
	{0, "pni"}, {1, "pclmulqdq"}, {3, "monitor"}, {9, "ssse3"}, {12, "fma"}, {13, "cx16"},
	{19, "sse4_1"}, {20, "sse4_2"}, {21, "x2apic"}, {22, "movbe"}, {23, "popcnt"},
	{25, "aes"}, {26, "xsave"}, {28, "avx"}, {29, "f16c"}, {30, "rdrand"},
	{31, "hypervisor"}, {0xff, NULL},
};
static const struct cpu_flag ext1_ecx[] = {
	{0, "lahf_lm"}, {5, "abm"}, {6, "sse4a"}, {8, "3dnowprefetch"}, {0xff, NULL},
};
static const struct cpu_flag leaf7_ebx[] = {
	{0, "fsgsbase"}, {3, "bmi1"}, {5, "avx2"}, {7, "smep"}, {8, "bmi2"}, {9, "erms"},
	{10, "invpcid"}, {16, "avx512f"}, {17, "avx512dq"}, {18, "rdseed"}, {19, "adx"},
	{20, "smap"}, {23, "clflushopt"}, {24, "clwb"}, {28, "avx512cd"}, {29, "sha_ni"},
	{30, "avx512bw"}, {31, "avx512vl"}, {0xff, NULL},
};
static const struct cpu_flag leaf7_ecx[] = {
	{1, "avx512vbmi"}, {2, "umip"}, {3, "pku"}, {6, "avx512_vbmi2"}, {8, "gfni"},
	{9, "vaes"}, {10, "vpclmulqdq"}, {11, "avx512_vnni"}, {12, "avx512_bitalg"},
	{14, "avx512_vpopcntdq"}, {22, "rdpid"}, {0xff, NULL},
};

static void put_flags(struct proc_buf *b, const struct cpu_flag *t, uint32_t reg)
{
	for (; t->name; t++)
		if (reg & (1u << t->bit))
			pb_printf(b, " %s", t->name);
}

static int cpuinfo_show(const struct proc_node *n, struct proc_buf *b)
{
	unsigned a, bx, c, d, max, maxext, fam, model, step;
	unsigned e1c = 0, e1d = 0, l7b = 0, l7c = 0, l1c, l1d, physbits = 46, virtbits = 48;
	char vendor[13], brand[49] = "unknown";
	int ncpu = proc_nr_cpus();

	__cpuid(0, max, bx, c, d);
	memcpy(vendor, &bx, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = 0;
	__cpuid(1, a, bx, l1c, l1d);
	fam = (a >> 8) & 0xf;
	model = (a >> 4) & 0xf;
	step = a & 0xf;
	if (fam == 0xf)
		fam += (a >> 20) & 0xff;
	if (fam == 6 || fam >= 0xf)
		model += ((a >> 16) & 0xf) << 4;
	if (max >= 7)
		__cpuid_count(7, 0, a, l7b, l7c, d);
	__cpuid(0x80000000, maxext, bx, c, d);
	if (maxext >= 0x80000001)
		__cpuid(0x80000001, a, bx, e1c, e1d);
	if (maxext >= 0x80000004) {
		unsigned *w = (unsigned *)brand;
		for (unsigned i = 0; i < 3; i++)
			__cpuid(0x80000002 + i, w[4 * i], w[4 * i + 1], w[4 * i + 2], w[4 * i + 3]);
		brand[48] = 0;
	}
	if (maxext >= 0x80000008) {
		__cpuid(0x80000008, a, bx, c, d);
		physbits = a & 0xff;
		virtbits = (a >> 8) & 0xff;
	}
	const char *bp = brand;
	while (*bp == ' ')
		bp++;
	for (int cpu = 0; cpu < ncpu; cpu++) {
		pb_printf(b, "processor\t: %d\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
			  "model name\t: %s\nstepping\t: %u\n", cpu, vendor, fam, model, bp, step);
		pb_printf(b, "physical id\t: 0\nsiblings\t: %d\ncore id\t\t: %d\ncpu cores\t: %d\n"
			  "apicid\t\t: %d\nfpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %u\n"
			  "wp\t\t: yes\nflags\t\t:", ncpu, cpu, ncpu, cpu, max);
		put_flags(b, leaf1_edx, l1d);
		put_flags(b, ext1_edx, e1d);
		put_flags(b, leaf1_ecx, l1c);
		put_flags(b, ext1_ecx, e1c);
		put_flags(b, leaf7_ebx, l7b);
		put_flags(b, leaf7_ecx, l7c);
		pb_printf(b, "\nclflush size\t: 64\ncache_alignment\t: 64\n"
			  "address sizes\t: %u bits physical, %u bits virtual\npower management:\n\n",
			  physbits, virtbits);
	}
	return 0;
}

/* ---- time and activity --------------------------------------------------------- */

static uint64_t busy_ns(uint64_t *user, uint64_t *sys)
{
	struct list_head *pos;

	*user = *sys = 0;
	list_for_each(pos, &kernel.tasks) {
		struct task *t = list_entry(pos, struct task, all_link);
		*user += t->utime_ns;
		*sys += t->stime_ns;
	}
	return *user + *sys;
}

static uint64_t uptime_ns(void)
{
	uint64_t now = now_mono_ns();

	return now > kernel.boot_time_mono_ns ? now - kernel.boot_time_mono_ns : 0;
}

static uint64_t idle_ns(void)
{
	uint64_t u, s, all = uptime_ns() * (uint64_t)proc_nr_cpus(), busy = busy_ns(&u, &s);

	return all > busy ? all - busy : 0;
}

static int uptime_show(const struct proc_node *n, struct proc_buf *b)
{
	uint64_t up = uptime_ns() / NSEC_PER_TICK, idle = idle_ns() / NSEC_PER_TICK;

	pb_printf(b, "%llu.%02llu %llu.%02llu\n", (unsigned long long)(up / 100),
		  (unsigned long long)(up % 100), (unsigned long long)(idle / 100),
		  (unsigned long long)(idle % 100));
	return 0;
}

static int stat_show(const struct proc_node *n, struct proc_buf *b)
{
	uint64_t user, sys, idle = idle_ns() / NSEC_PER_TICK;
	int ncpu = proc_nr_cpus();

	busy_ns(&user, &sys);
	user /= NSEC_PER_TICK;
	sys /= NSEC_PER_TICK;
	pb_printf(b, "cpu  %llu 0 %llu %llu 0 0 0 0 0 0\n", (unsigned long long)user,
		  (unsigned long long)sys, (unsigned long long)idle);
	/* Per-cpu split is not tracked: cpu0 carries the busy time. */
	for (int i = 0; i < ncpu; i++)
		pb_printf(b, "cpu%d %llu 0 %llu %llu 0 0 0 0 0 0\n", i,
			  (unsigned long long)(i ? 0 : user), (unsigned long long)(i ? 0 : sys),
			  (unsigned long long)(idle / (uint64_t)ncpu));
	pb_printf(b, "intr 0\nctxt 0\nbtime %llu\nprocesses %d\nprocs_running 1\n"
		  "procs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
		  (unsigned long long)(kernel.boot_time_real_ns / NSEC_PER_SEC), kernel.last_pid);
	return 0;
}

static int loadavg_show(const struct proc_node *n, struct proc_buf *b)
{
	pb_printf(b, "0.00 0.00 0.00 1/%d %d\n", kernel.nr_tasks, kernel.last_pid);
	return 0;
}

static int version_show(const struct proc_node *n, struct proc_buf *b)
{
	pb_printf(b, "Linux version %s (cvisor@cvisor) (cc) %s\n", PROC_OSRELEASE, PROC_VERSION);
	return 0;
}

static int cmdline_show(const struct proc_node *n, struct proc_buf *b)
{
	pb_printf(b, "BOOT_IMAGE=/vmlinuz-%s quiet\n", PROC_OSRELEASE);
	return 0;
}

static int filesystems_show(const struct proc_node *n, struct proc_buf *b)
{
	pb_printf(b, "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\n"
		  "nodev\tpipefs\nnodev\t9p\n");
	return 0;
}

/* ---- /proc/sys ------------------------------------------------------------------- */

#define SYS_STR(fn, expr) \
	static int fn(const struct proc_node *n, struct proc_buf *b) \
	{ pb_printf(b, "%s\n", (expr)); return 0; }
#define SYS_NUM(fn, expr) \
	static int fn(const struct proc_node *n, struct proc_buf *b) \
	{ pb_printf(b, "%lld\n", (long long)(expr)); return 0; }

SYS_STR(hostname_show, kernel.hostname)
SYS_STR(domainname_show, kernel.domainname)   /* as uname reports it */
SYS_STR(ostype_show, PROC_OSTYPE)
SYS_STR(osrelease_show, PROC_OSRELEASE)
SYS_STR(kversion_show, PROC_VERSION)
SYS_NUM(pid_max_show, kernel.pid_max)
SYS_NUM(ngroups_max_show, 65536)
SYS_NUM(cap_last_cap_show, 40)
SYS_NUM(entropy_show, 256)
SYS_NUM(overcommit_show, 0)
SYS_NUM(max_map_count_show, 65530)
SYS_NUM(file_max_show, 9223372036854775807ll)
SYS_NUM(nr_open_show, 1048576)
SYS_NUM(pipe_max_show, PIPE_MAX_SIZE)

static void put_uuid(struct proc_buf *b, const uint8_t u[16])
{
	pb_printf(b, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n",
		  u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
		  u[12], u[13], u[14], u[15]);
}

static int boot_id_show(const struct proc_node *n, struct proc_buf *b)
{
	put_uuid(b, kernel.boot_id);
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

static const struct proc_ent random_children[] = {
	{ .name = "boot_id", .mode = PREG, .show = boot_id_show },
	{ .name = "entropy_avail", .mode = PREG, .show = entropy_show },
	{ .name = "poolsize", .mode = PREG, .show = entropy_show },
	{ .name = "uuid", .mode = PREG, .show = uuid_show },
	{ 0 },
};

static const struct proc_ent kernel_children[] = {
	{ .name = "cap_last_cap", .mode = PREG, .show = cap_last_cap_show },
	{ .name = "domainname", .mode = PREG, .show = domainname_show },
	{ .name = "hostname", .mode = PREG, .show = hostname_show },
	{ .name = "ngroups_max", .mode = PREG, .show = ngroups_max_show },
	{ .name = "osrelease", .mode = PREG, .show = osrelease_show },
	{ .name = "ostype", .mode = PREG, .show = ostype_show },
	{ .name = "pid_max", .mode = PREG, .show = pid_max_show },
	{ .name = "random", .mode = PDIR, .children = random_children },
	{ .name = "version", .mode = PREG, .show = kversion_show },
	{ 0 },
};

static const struct proc_ent vm_children[] = {
	{ .name = "max_map_count", .mode = PREG, .show = max_map_count_show },
	{ .name = "overcommit_memory", .mode = PREG, .show = overcommit_show },
	{ 0 },
};

static const struct proc_ent fs_children[] = {
	{ .name = "file-max", .mode = PREG, .show = file_max_show },
	{ .name = "nr_open", .mode = PREG, .show = nr_open_show },
	{ .name = "pipe-max-size", .mode = PREG, .show = pipe_max_show },
	{ 0 },
};

static const struct proc_ent sys_children[] = {
	{ .name = "fs", .mode = PDIR, .children = fs_children },
	{ .name = "kernel", .mode = PDIR, .children = kernel_children },
	{ .name = "vm", .mode = PDIR, .children = vm_children },
	{ 0 },
};

/* ---- root ------------------------------------------------------------------------ */

const struct proc_ent proc_root_children[] = {
	{ .name = "cmdline", .mode = PREG, .show = cmdline_show },
	{ .name = "cpuinfo", .mode = PREG, .show = cpuinfo_show },
	{ .name = "filesystems", .mode = PREG, .show = filesystems_show },
	{ .name = "loadavg", .mode = PREG, .show = loadavg_show },
	{ .name = "meminfo", .mode = PREG, .show = meminfo_show },
	{ .name = "mounts", .mode = PLNK, .readlink = mounts_readlink },
	{ .name = "self", .mode = PLNK, .readlink = self_readlink },
	{ .name = "stat", .mode = PREG, .show = stat_show },
	{ .name = "sys", .mode = PDIR, .children = sys_children },
	{ .name = "thread-self", .mode = PLNK, .readlink = thread_self_readlink },
	{ .name = "uptime", .mode = PREG, .show = uptime_show },
	{ .name = "version", .mode = PREG, .show = version_show },
	{ 0 },
};

int proc_parse_id(const char *s)
{
	long v = 0;

	if (!*s || (*s == '0' && s[1]) || strlen(s) > 9)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return (int)v;
}

/* /proc/N: a thread group, or (unlisted, like Linux) any thread by tid. */
static int root_lookup(const struct proc_node *dir, const char *name, struct proc_node *out)
{
	int id = proc_parse_id(name);
	struct task *t;

	if (id <= 0)
		return -ENOENT;
	*out = (struct proc_node){ .ent = &proc_pid_ent, .tgid = id, .fd = -1 };
	if (tg_lookup(id))
		return proc_node_alive(out) ? 0 : -ENOENT;
	t = task_lookup(id);
	if (!t || !t->tg)
		return -ENOENT;
	out->tgid = t->tg->tgid;
	out->tid = id;
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Thread groups in ascending tgid order; cookie = base + tgid. */
static int root_iterate(const struct proc_node *dir, struct dir_context *ctx, uint64_t base)
{
	struct list_head *pos;
	int *ids, n = 0, cap = kernel.nr_tasks > 0 ? kernel.nr_tasks : 1;

	ids = malloc(sizeof(*ids) * (size_t)cap);
	if (!ids)
		return -ENOMEM;
	list_for_each(pos, &kernel.tasks) {
		struct task *t = list_entry(pos, struct task, all_link);
		if (t->tg && n < cap)
			ids[n++] = t->tg->tgid;
	}
	qsort(ids, (size_t)n, sizeof(*ids), cmp_int);
	for (int i = 0; i < n; i++) {
		struct proc_node c = { .ent = &proc_pid_ent, .tgid = ids[i], .fd = -1 };
		char name[16];

		if ((i && ids[i] == ids[i - 1]) || base + (uint64_t)ids[i] < ctx->pos)
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

const struct proc_dyn proc_root_dyn = { root_lookup, root_iterate };

const struct proc_ent proc_root_ent = {
	.name = "/", .mode = PDIR, .children = proc_root_children, .dyn = &proc_root_dyn,
};
