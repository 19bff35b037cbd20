/* unit_tmpfs_data: tmpfs regular-file data in the memory file. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <string.h>
#include <unistd.h>
#include "sentry/kernel.h"
#include "sentry/mm.h"
#include "sentry/task.h"
#include "vfs/vfs_impl.h"
#include "vfs/tmpfs/tmpfs.h"

static struct task task;
static struct task *t = &task;
static uint64_t baseline;

static void setup(void)
{
	cr_assert_eq(vfs_init(-1, false), 0);
	struct path root = { kernel.root_mount, kernel.root };
	task.fs = fs_context_new(&root);
	task.files = fdtable_new();
	memset(&task.cred, 0, sizeof(task.cred));
	task.cred.cap_effective = task.cred.cap_permitted = ~0ULL;
	current = &task;
	baseline = memfile_bytes_in_use();
}

TestSuite(tmpfs_data, .init = setup);

static struct file *create(const char *p)
{
	struct file *f;
	cr_assert_eq(vfs_open(t, AT_FDCWD, p, O_CREAT | O_RDWR | O_TRUNC, 0644, &f), 0, "create %s", p);
	return f;
}

static void pwrite_str(struct file *f, const char *s, uint64_t off)
{
	cr_assert_eq(vfs_write(f, s, strlen(s), &off), (ssize_t)strlen(s));
}

static char byte_at(struct file *f, uint64_t off)
{
	char c = '?';
	cr_assert_eq(kernel_pread(f, &c, 1, off), 1, "read at %lu", (unsigned long)off);
	return c;
}

/* Every chunk is freed with the file: the memory file is back where it was. */
static void unlink_and_check(struct file *f, const char *p)
{
	file_put(f);
	cr_assert_eq(vfs_unlink(t, AT_FDCWD, p), 0);
	cr_expect_eq(memfile_bytes_in_use(), baseline, "memory file leak: %lu bytes",
		     (unsigned long)(memfile_bytes_in_use() - baseline));
	cr_expect_eq(tmpfs_shmem_bytes(), 0);
}

Test(tmpfs_data, across_chunks_and_sparse)
{
	struct file *f = create("/tmp/a");
	static char big[300 << 10];
	for (size_t k = 0; k < sizeof(big); k++)
		big[k] = (char)('a' + k % 23);
	uint64_t off = 1000;
	cr_assert_eq(vfs_write(f, big, sizeof(big), &off), (ssize_t)sizeof(big));
	static char back[sizeof(big)];
	cr_assert_eq(kernel_pread(f, back, sizeof(back), 1000), (ssize_t)sizeof(back));
	cr_expect(!memcmp(back, big, sizeof(big)), "data across 64 KiB chunks");
	cr_expect_eq(byte_at(f, 999), 0);
	cr_expect_eq(f->inode->blocks, (1000 + sizeof(big) + 4095) / 4096 * 8);

	/* far out: a 2 MiB chunk; the gap costs nothing */
	uint64_t before = memfile_bytes_in_use();
	pwrite_str(f, "far", 5ULL << 30);
	cr_expect_eq(memfile_bytes_in_use() - before, 2ULL << 20, "one big chunk");
	cr_expect_eq(byte_at(f, 3ULL << 30), 0, "hole");
	cr_expect_eq(byte_at(f, (5ULL << 30) + 2), 'r');
	cr_expect_eq(f->inode->size, (5ULL << 30) + 3);

	/* SEEK_DATA / SEEK_HOLE see pages */
	cr_expect_eq(f->fops->llseek(f, 0, SEEK_DATA), 0);
	cr_expect_eq(f->fops->llseek(f, 0, SEEK_HOLE), (int64_t)((1000 + sizeof(big) + 4095) & ~4095UL));
	cr_expect_eq(f->fops->llseek(f, 1ULL << 30, SEEK_DATA), (int64_t)(5ULL << 30));

	/* truncation frees the tail and zeroes what stays past the new EOF */
	cr_assert_eq(vfs_truncate_inode(t, f->inode, 2000), 0);
	cr_expect_eq(memfile_bytes_in_use() - baseline, 64 << 10, "one small chunk left");
	cr_assert_eq(vfs_truncate_inode(t, f->inode, 8000), 0);
	cr_expect_eq(byte_at(f, 1999), big[999]);
	cr_expect_eq(byte_at(f, 2000), 0, "zero after shrink and grow");
	unlink_and_check(f, "/tmp/a");
}

Test(tmpfs_data, fallocate_and_limit)
{
	struct file *f = create("/tmp/b");
	struct tmpfs_sb *s = TSB(f->inode);
	uint64_t used = s->used;
	cr_assert_eq(tmpfs_fallocate(f->inode, FALLOC_FL_KEEP_SIZE, 0, 1 << 20), 0);
	cr_expect_eq(s->used - used, 1 << 20, "preallocation is charged");
	cr_expect_eq(f->inode->size, 0);
	cr_assert_eq(tmpfs_fallocate(f->inode, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, (1 << 20) - 4096), 0);
	cr_expect_eq(s->used - used, 4096, "punch hole frees");
	cr_expect_eq(tmpfs_fallocate(f->inode, 0, 0, s->limit + 8192), -ENOSPC);
	cr_expect_eq(s->used - used, 4096, "all or nothing");
	unlink_and_check(f, "/tmp/b");
	cr_expect_eq(s->used, used);
}

Test(tmpfs_data, mapped_chunks_stay)
{
	struct file *f = create("/tmp/c");
	pwrite_str(f, "hello", 70000);
	struct mem_range *r;
	uint64_t start;
	cr_assert_eq(f->fops->mmap_range(f, 70000, &r, &start), 0);
	cr_expect_eq(start, 65536);
	cr_expect_eq(r->len, 65536);
	char *p = memfile_ptr(r->off);
	cr_expect(!memcmp(p + 70000 - 65536, "hello", 5), "the mapping sees the file");
	memcpy(p + 10, "store", 5);
	char buf[5];
	cr_assert_eq(kernel_pread(f, buf, 5, 65546), 5);
	cr_expect(!memcmp(buf, "store", 5), "the file sees the mapping");
	/* truncated away while mapped: the chunk stays (zeroed), the same pages */
	cr_assert_eq(vfs_truncate_inode(t, f->inode, 0), 0);
	cr_expect_eq(p[10], 0);
	pwrite_str(f, "again", 65546);
	cr_expect(!memcmp(p + 10, "again", 5), "still shared after truncation");
	cr_expect(tmpfs_mapped_shared(f->inode));
	range_put(r);
	cr_expect(!tmpfs_mapped_shared(f->inode));
	unlink_and_check(f, "/tmp/c");
}

Test(tmpfs_data, pages_stored_through_a_mapping_are_charged)
{
	struct file *f = create("/tmp/d");
	cr_assert_eq(vfs_truncate_inode(t, f->inode, 128 << 10), 0);
	cr_expect_eq(f->inode->blocks, 0, "sparse");
	struct mem_range *r;
	uint64_t start;
	cr_assert_eq(f->fops->mmap_range(f, 65536, &r, &start), 0);
	memcpy((char *)memfile_ptr(r->off) + 3 * 4096 + 1, "x", 1);
	range_put(r);
	f->fops->mmap_put(f, 65536);
	cr_expect_eq(f->inode->blocks, 8, "the page stored to");
	cr_expect_eq(f->fops->llseek(f, 0, SEEK_DATA), 65536 + 3 * 4096);
	unlink_and_check(f, "/tmp/d");
}
