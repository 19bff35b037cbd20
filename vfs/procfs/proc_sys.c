/*
 * The system-wide part of /proc: the root directory and the files that
 * describe the sandbox (never the host): meminfo, cpuinfo, uptime, stat,
 * loadavg, version, filesystems, cmdline, swaps, vmstat; /proc/sys is
 * proc_sysctl.c.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "procfs_internal.h"
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
	kb_line(b, "Shmem:", tmpfs_shmem_bytes() / 1024);
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
		  "nodev\tdevpts\nnodev\tpipefs\nnodev\tsockfs\nnodev\tnsfs\nnodev\toverlay\n"
		  "nodev\t9p\n");
	return 0;
}

/* No swap: the header only. */
static int swaps_show(const struct proc_node *n, struct proc_buf *b)
{
	pb_printf(b, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	return 0;
}

/* The counters procps's vmstat and free read, from the sandbox's memory. */
static int vmstat_show(const struct proc_node *n, struct proc_buf *b)
{
	uint64_t total = PROC_MEM_TOTAL / PAGE_SIZE, used = memfile_bytes_in_use() / PAGE_SIZE;

	if (used > total)
		used = total;
	pb_printf(b, "nr_free_pages %llu\nnr_zone_inactive_anon 0\nnr_zone_active_anon %llu\n"
		  "nr_zone_inactive_file 0\nnr_zone_active_file 0\nnr_zone_unevictable 0\n"
		  "nr_inactive_anon 0\nnr_active_anon %llu\nnr_inactive_file 0\nnr_active_file 0\n"
		  "nr_anon_pages %llu\nnr_mapped 0\nnr_file_pages 0\nnr_dirty 0\nnr_writeback 0\n"
		  "nr_shmem 0\npgpgin 0\npgpgout 0\npswpin 0\npswpout 0\npgfault 0\n"
		  "pgmajfault 0\n", (unsigned long long)(total - used), (unsigned long long)used,
		  (unsigned long long)used, (unsigned long long)used);
	return 0;
}

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
	{ .name = "swaps", .mode = PREG, .show = swaps_show },
	{ .name = "sys", .mode = PDIR, .children = proc_sys_children },
	{ .name = "thread-self", .mode = PLNK, .readlink = thread_self_readlink },
	{ .name = "uptime", .mode = PREG, .show = uptime_show },
	{ .name = "version", .mode = PREG, .show = version_show },
	{ .name = "vmstat", .mode = PREG, .show = vmstat_show },
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
