/*
 * sysfs: the few /sys files programs read to size themselves, describing
 * the sandbox (its CPUs), never the host. Read-only, built on procfs's
 * table-driven nodes: /sys/devices/system/cpu/{online,possible,present,
 * offline,kernel_max,cpuN/topology/...}, /sys/kernel/mm/transparent_hugepage,
 * and the empty mount point /sys/fs/cgroup.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "../procfs/procfs_internal.h"
#include "../vfs_impl.h"

#define SYSFS_MAGIC 0x62656572

/* "0" or "0-N" for the sandbox's CPUs. */
static int cpu_range_show(const struct proc_node *n, struct proc_buf *b)
{
	int ncpu = proc_nr_cpus();

	if (ncpu > 1)
		pb_printf(b, "0-%d\n", ncpu - 1);
	else
		pb_printf(b, "0\n");
	return 0;
}

static int empty_line_show(const struct proc_node *n, struct proc_buf *b)
{
	pb_printf(b, "\n");
	return 0;
}

static int kernel_max_show(const struct proc_node *n, struct proc_buf *b)
{
	pb_printf(b, "8191\n");
	return 0;
}

/* cpuN nodes carry N in their fd slot (the node's spare id). */
static int cpu_id_show(const struct proc_node *n, struct proc_buf *b)
{
	pb_printf(b, "%d\n", n->fd);
	return 0;
}

static int zero_show(const struct proc_node *n, struct proc_buf *b)
{
	pb_printf(b, "0\n");
	return 0;
}

static int one_show(const struct proc_node *n, struct proc_buf *b)
{
	pb_printf(b, "1\n");
	return 0;
}

static int thp_show(const struct proc_node *n, struct proc_buf *b)
{
	pb_printf(b, "always madvise [never]\n");
	return 0;
}

static int thp_defrag_show(const struct proc_node *n, struct proc_buf *b)
{
	pb_printf(b, "always defer defer+madvise madvise [never]\n");
	return 0;
}

/* One socket, one thread per core: each CPU is its own core. */
static const struct proc_ent topology_children[] = {
	{ .name = "core_id", .mode = PREG, .show = cpu_id_show },
	{ .name = "core_siblings_list", .mode = PREG, .show = cpu_range_show },
	{ .name = "physical_package_id", .mode = PREG, .show = zero_show },
	{ .name = "thread_siblings_list", .mode = PREG, .show = cpu_id_show },
	{ 0 },
};

static const struct proc_ent cpun_children[] = {
	{ .name = "online", .mode = S_IFREG | 0644, .show = one_show },
	{ .name = "topology", .mode = S_IFDIR | 0755, .children = topology_children },
	{ 0 },
};

static const struct proc_ent cpun_ent = {
	.name = "cpu", .mode = S_IFDIR | 0755, .children = cpun_children,
};

static int cpu_lookup(const struct proc_node *dir, const char *name, struct proc_node *out)
{
	int id;

	if (strncmp(name, "cpu", 3) || (id = proc_parse_id(name + 3)) < 0 || id >= proc_nr_cpus())
		return -ENOENT;
	*out = (struct proc_node){ .ent = &cpun_ent, .fd = id };
	return 0;
}

static int cpu_iterate(const struct proc_node *dir, struct dir_context *ctx, uint64_t base)
{
	for (int id = 0; id < proc_nr_cpus(); id++) {
		struct proc_node c = { .ent = &cpun_ent, .fd = id };
		char name[16];

		if (base + (uint64_t)id < ctx->pos)
			continue;
		snprintf(name, sizeof(name), "cpu%d", id);
		ctx->pos = base + (uint64_t)id;
		if (!proc_emit(ctx, name, &c))
			return 0;
		ctx->pos++;
	}
	return 0;
}

static const struct proc_dyn cpu_dyn = { cpu_lookup, cpu_iterate };

#define SDIR (S_IFDIR | 0755)

static const struct proc_ent cpu_children[] = {
	{ .name = "kernel_max", .mode = PREG, .show = kernel_max_show },
	{ .name = "offline", .mode = PREG, .show = empty_line_show },
	{ .name = "online", .mode = PREG, .show = cpu_range_show },
	{ .name = "possible", .mode = PREG, .show = cpu_range_show },
	{ .name = "present", .mode = PREG, .show = cpu_range_show },
	{ 0 },
};

static const struct proc_ent system_children[] = {
	{ .name = "cpu", .mode = SDIR, .children = cpu_children, .dyn = &cpu_dyn },
	{ 0 },
};

static const struct proc_ent devices_children[] = {
	{ .name = "system", .mode = SDIR, .children = system_children },
	{ 0 },
};

static const struct proc_ent thp_children[] = {
	{ .name = "defrag", .mode = S_IFREG | 0644, .show = thp_defrag_show },
	{ .name = "enabled", .mode = S_IFREG | 0644, .show = thp_show },
	{ 0 },
};

static const struct proc_ent mm_children[] = {
	{ .name = "transparent_hugepage", .mode = SDIR, .children = thp_children },
	{ 0 },
};

static const struct proc_ent kernel_children[] = {
	{ .name = "mm", .mode = SDIR, .children = mm_children },
	{ 0 },
};

static const struct proc_ent fs_children[] = {
	{ .name = "cgroup", .mode = SDIR },    /* a mount point, empty */
	{ 0 },
};

static const struct proc_ent sys_root_children[] = {
	{ .name = "block", .mode = SDIR },
	{ .name = "bus", .mode = SDIR },
	{ .name = "class", .mode = SDIR },
	{ .name = "dev", .mode = SDIR },
	{ .name = "devices", .mode = SDIR, .children = devices_children },
	{ .name = "firmware", .mode = SDIR },
	{ .name = "fs", .mode = SDIR, .children = fs_children },
	{ .name = "kernel", .mode = SDIR, .children = kernel_children },
	{ .name = "module", .mode = SDIR },
	{ .name = "power", .mode = SDIR },
	{ 0 },
};

static const struct proc_ent sys_root_ent = {
	.name = "/", .mode = SDIR, .children = sys_root_children,
};

struct super_block *sysfs_new(void)
{
	struct super_block *sb = proc_tree_new("sysfs", SYSFS_MAGIC, vfs_anon_dev(), &sys_root_ent);

	if (sb)
		sb->flags |= SB_RDONLY;
	return sb;
}
