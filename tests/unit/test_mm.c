/* Unit tests of sentry/mm through a fake platform. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include "sentry/mm.h"
#include "sentry/task.h"
#include "platform/platform.h"
#include "vfs/vfs.h"
#include "syscalls/syscall.h"
#include "fake_mm_deps.h"

#define PG PAGE_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static struct mm *mm;
static uint64_t baseline;
static int ctx_dummy;
static struct platform_ctx *via = (struct platform_ctx *)&ctx_dummy;

static void setup(void)
{
	cr_assert_eq(memfile_init(), 0);
	baseline = memfile_bytes_in_use();
	mm = mm_new();
	cr_assert_not_null(mm);
	fake_nops = 0;
}

/* Sorted, non-overlapping, page aligned, counters right, backing in range. */
static void check_invariants(struct mm *m)
{
	struct list_head *pos;
	uint64_t prev_end = 0, bytes = 0;
	int n = 0;
	list_for_each(pos, &m->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);
		cr_expect(v->start >= prev_end && v->start < v->end);
		cr_expect(!(v->start & ~PAGE_MASK) && !(v->end & ~PAGE_MASK));
		cr_expect(v->start >= GUEST_MIN_ADDR && v->end <= GUEST_TOP);
		cr_expect(v->range_off + (v->end - v->start) <= v->range->len);
		cr_expect_gt(v->range->refs, 0);
		prev_end = v->end;
		bytes += v->end - v->start;
		n++;
	}
	cr_expect_eq(n, m->nr_vmas);
	cr_expect_eq(bytes, m->vm_bytes);
}

static void teardown(void)
{
	if (mm) {
		check_invariants(mm);
		mm_put(mm);
	}
	cr_expect_eq(memfile_bytes_in_use(), baseline, "memory file leak");
}

TestSuite(mm, .init = setup, .fini = teardown);

static struct vma *nth_vma(int n)
{
	struct list_head *pos;
	list_for_each(pos, &mm->vmas)
		if (n-- == 0)
			return list_entry(pos, struct vma, link);
	return NULL;
}

static long map_anon(uint64_t addr, uint64_t len, int prot, int flags)
{
	return mm_mmap(mm, via, addr, len, prot, flags, NULL, 0);
}

static bool saw_op(enum fake_op_kind k, uint64_t addr, uint64_t len)
{
	for (int i = 0; i < fake_nops; i++)
		if (fake_ops[i].kind == k && fake_ops[i].addr == addr && fake_ops[i].len == len)
			return true;
	return false;
}

Test(mm, mmap_errno)
{
	cr_expect_eq(map_anon(0, 0, RW, ANON), -EINVAL);
	cr_expect_eq(map_anon(0x100001, PG, RW, ANON | MAP_FIXED), -EINVAL);
	cr_expect_eq(map_anon(0, PG, RW, MAP_ANONYMOUS), -EINVAL);
	cr_expect_eq(map_anon(0, -1ULL, RW, ANON), -ENOMEM);
	cr_expect_eq(mm_mmap(mm, via, 0, PG, RW, ANON, NULL, 123), -EINVAL);
	long a = map_anon(0x200000, PG, RW, ANON | MAP_FIXED);
	cr_assert_eq(a, 0x200000);
	cr_expect_eq(map_anon(0x200000, PG, RW, ANON | MAP_FIXED_NOREPLACE), -EEXIST);
	/* A free hint is honoured; a taken one is not. */
	cr_expect_eq(map_anon(0x300000, PG, RW, ANON), 0x300000);
	long b = map_anon(0x300000, PG, RW, ANON);
	cr_expect(b > 0 && b != 0x300000);
	cr_expect_eq(mm_munmap(mm, via, 0x200001, PG), -EINVAL);
	cr_expect_eq(mm_munmap(mm, via, 0x200000, 0), -EINVAL);
}

Test(mm, mprotect_split_and_merge)
{
	long a = map_anon(0, 3 * PG, RW, ANON);
	cr_assert_gt(a, 0);
	cr_assert_eq(mm->nr_vmas, 1);
	cr_assert(nth_vma(0)->mapped, "small mappings are mapped eagerly");
	cr_assert_eq(mm_mprotect(mm, via, a + PG, PG, PROT_READ), 0);
	cr_assert_eq(mm->nr_vmas, 3);
	cr_expect_eq(nth_vma(0)->prot, RW);
	cr_expect_eq(nth_vma(1)->prot, PROT_READ);
	cr_expect_eq(nth_vma(1)->start, (uint64_t)a + PG);
	cr_expect_eq(nth_vma(1)->end, (uint64_t)a + 2 * PG);
	cr_expect_eq(nth_vma(2)->prot, RW);
	cr_expect(saw_op(FAKE_PROTECT, a + PG, PG));
	cr_assert_eq(mm_mprotect(mm, via, a + PG, PG, RW), 0);
	cr_expect_eq(mm->nr_vmas, 1);
	cr_expect_eq(nth_vma(0)->end - nth_vma(0)->start, 3 * PG);
	/* Holes: -ENOMEM; bad prot: -EINVAL. */
	cr_expect_eq(mm_mprotect(mm, via, a, 4 * PG, PROT_READ), -ENOMEM);
	cr_expect_eq(mm_mprotect(mm, via, a, PG, 0x100), -EINVAL);
}

Test(mm, munmap_middle_and_all)
{
	long a = map_anon(0, 4 * PG, RW, ANON);
	cr_assert_gt(a, 0);
	cr_assert_gt(memfile_bytes_in_use(), baseline);
	char x = 'x';
	cr_assert_eq(copy_to_user(mm, a + PG, &x, 1), 0);
	cr_assert_eq(mm_munmap(mm, via, a + PG, 2 * PG), 0);
	cr_expect_eq(mm->nr_vmas, 2);
	cr_expect(saw_op(FAKE_UNMAP, a + PG, 2 * PG));
	cr_expect_eq(copy_from_user(mm, &x, a + PG, 1), -EFAULT);
	cr_expect_eq(mm->vm_bytes, 2 * PG);
	cr_assert_eq(mm_munmap(mm, via, a, 4 * PG), 0);
	cr_expect_eq(mm->nr_vmas, 0);
	cr_expect_eq(mm->vm_bytes, 0);
	cr_expect_eq(memfile_bytes_in_use(), baseline);
}

Test(mm, usercopy_permissions)
{
	long a = map_anon(0, PG, PROT_READ, ANON);
	cr_assert_gt(a, 0);
	char buf[8] = "abc";
	cr_expect_eq(copy_to_user(mm, a, buf, 4), -EFAULT);
	cr_expect_eq(copy_from_user(mm, buf, a, 4), 0);
	cr_expect_eq(buf[0], 0);
	cr_expect_eq(copy_from_user(mm, buf, GUEST_TOP - 2, 4), -EFAULT);
	cr_expect_eq(copy_from_user(mm, buf, -2ULL, 4), -EFAULT);
	long n = map_anon(0, PG, PROT_NONE, ANON);
	cr_expect_eq(copy_from_user(mm, buf, n, 1), -EFAULT);
	cr_expect_eq(clear_user(mm, a, 1), -EFAULT);
}

Test(mm, strncpy_across_vmas)
{
	uint64_t a = 0x400000;
	cr_assert_eq(map_anon(a, PG, RW, ANON | MAP_FIXED), (long)a);
	cr_assert_eq(map_anon(a + PG, PG, RW, ANON | MAP_FIXED), (long)(a + PG));
	cr_assert_eq(mm->nr_vmas, 2, "different backing: two VMAs");
	cr_assert_eq(copy_to_user(mm, a + PG - 3, "hello", 6), 0);
	char buf[16];
	cr_expect_eq(strncpy_from_user(mm, buf, a + PG - 3, sizeof(buf)), 5);
	cr_expect_str_eq(buf, "hello");
	cr_expect_eq(strncpy_from_user(mm, buf, a + PG - 3, 5), -ENAMETOOLONG);
	/* No NUL before the end of mapped memory. */
	char fill[8];
	memset(fill, 'z', sizeof(fill));
	cr_assert_eq(copy_to_user(mm, a + 2 * PG - 8, fill, 8), 0);
	cr_expect_eq(strncpy_from_user(mm, buf, a + 2 * PG - 8, sizeof(buf)), -EFAULT);
}

Test(mm, fork_private_and_shared)
{
	long p = map_anon(0, 2 * PG, RW, ANON);
	long s = map_anon(0, PG, RW, MAP_SHARED | MAP_ANONYMOUS);
	cr_assert(p > 0 && s > 0);
	cr_assert_eq(copy_to_user(mm, p + PG, "parent", 7), 0);
	cr_assert_eq(copy_to_user(mm, s, "shared", 7), 0);
	mm->brk = mm->start_brk = 0x1000000;

	struct mm *child = mm_fork(mm);
	cr_assert_not_null(child);
	cr_expect_eq(child->nr_vmas, mm->nr_vmas);
	cr_expect_eq(child->brk, 0x1000000);
	char buf[8];
	cr_assert_eq(copy_from_user(child, buf, p + PG, 7), 0);
	cr_expect_str_eq(buf, "parent");
	cr_assert_eq(copy_to_user(child, p + PG, "child!", 7), 0);
	cr_assert_eq(copy_from_user(mm, buf, p + PG, 7), 0);
	cr_expect_str_eq(buf, "parent", "private pages are independent");
	cr_assert_eq(copy_to_user(child, s, "SHARED", 7), 0);
	cr_assert_eq(copy_from_user(mm, buf, s, 7), 0);
	cr_expect_str_eq(buf, "SHARED", "shared pages are shared");
	struct list_head *pos;
	list_for_each(pos, &child->vmas)
		cr_expect(!list_entry(pos, struct vma, link)->mapped);
	mm_put(child);
}

Test(mm, mremap_grow_move_shrink)
{
	long a = map_anon(0, 2 * PG, RW, ANON);
	cr_assert_gt(a, 0);
	cr_assert_eq(copy_to_user(mm, a + PG, "data", 5), 0);
	/* Block growth in place, forcing a move. */
	cr_assert_eq(map_anon(a + 2 * PG, PG, RW, ANON | MAP_FIXED), a + 2 * PG);
	cr_expect_eq(mm_mremap(mm, via, a, 2 * PG, 4 * PG, 0, 0), -ENOMEM);
	long b = mm_mremap(mm, via, a, 2 * PG, 4 * PG, MREMAP_MAYMOVE, 0);
	cr_assert_gt(b, 0);
	cr_assert_neq(b, a);
	char buf[8];
	cr_assert_eq(copy_from_user(mm, buf, b + PG, 5), 0);
	cr_expect_str_eq(buf, "data");
	cr_expect_eq(copy_from_user(mm, buf, a, 1), -EFAULT, "old range gone");
	cr_expect_eq(copy_from_user(mm, buf, b + 3 * PG, 1), 0, "grown part mapped");
	cr_expect(saw_op(FAKE_UNMAP, a, 2 * PG));

	/* Grow in place when the space above is free. */
	cr_assert_eq(mm_munmap(mm, via, b + 4 * PG, 4 * PG), 0);
	cr_expect_eq(mm_mremap(mm, via, b, 4 * PG, 6 * PG, 0, 0), b);
	cr_assert_eq(copy_from_user(mm, buf, b + PG, 5), 0);
	cr_expect_str_eq(buf, "data");
	/* Shrink. */
	cr_expect_eq(mm_mremap(mm, via, b, 6 * PG, 2 * PG, 0, 0), b);
	cr_expect_eq(copy_from_user(mm, buf, b + 2 * PG, 1), -EFAULT);
	/* Fixed move. */
	uint64_t dst = 0x50000000;
	cr_expect_eq(mm_mremap(mm, via, b, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst), (long)dst);
	cr_assert_eq(copy_from_user(mm, buf, dst + PG, 5), 0);
	cr_expect_str_eq(buf, "data");
	cr_expect_eq(mm_mremap(mm, via, 0x60000000, PG, 2 * PG, MREMAP_MAYMOVE, 0), -EFAULT);
	cr_expect_eq(mm_mremap(mm, via, dst, PG, PG, MREMAP_DONTUNMAP | MREMAP_MAYMOVE, 0), -EINVAL);
}

Test(mm, brk_grow_shrink)
{
	mm->start_brk = mm->brk = 0x10000000;
	cr_expect_eq(mm_brk(mm, via, 0), (long)mm->brk);
	uint64_t b0 = mm->brk;
	cr_assert_eq(mm_brk(mm, via, b0 + 0x123), (long)(b0 + 0x123));
	cr_assert_eq(mm->nr_vmas, 1);
	cr_assert_eq(mm_brk(mm, via, b0 + 3 * PG), (long)(b0 + 3 * PG));
	cr_assert_eq(mm->nr_vmas, 1);
	cr_expect_str_eq(nth_vma(0)->name, "[heap]");
	cr_assert_eq(copy_to_user(mm, b0, "heap", 5), 0);
	cr_assert_eq(mm_brk(mm, via, b0 + 20 * PG), (long)(b0 + 20 * PG));
	cr_expect_eq(mm->nr_vmas, 1, "heap grows as one VMA");
	char buf[8];
	cr_assert_eq(copy_from_user(mm, buf, b0, 5), 0);
	cr_expect_str_eq(buf, "heap");
	cr_assert_eq(copy_to_user(mm, b0 + 19 * PG, "x", 1), 0);
	cr_assert_eq(mm_brk(mm, via, b0 + PG), (long)(b0 + PG));
	cr_expect_eq(copy_from_user(mm, buf, b0 + 19 * PG, 1), -EFAULT);
	cr_assert_eq(copy_from_user(mm, buf, b0, 5), 0);
	cr_expect_str_eq(buf, "heap");
	/* Below start_brk or into another mapping: unchanged. */
	cr_expect_eq(mm_brk(mm, via, 0x1000), (long)(b0 + PG));
	cr_assert_gt(map_anon(0x10000000 + 64 * PG, PG, RW, ANON | MAP_FIXED), 0);
	cr_expect_eq(mm_brk(mm, via, b0 + 100 * PG), (long)(b0 + PG));
}

Test(mm, map_fixed_replaces)
{
	long a = map_anon(0, 4 * PG, RW, ANON);
	cr_assert_gt(a, 0);
	cr_assert_eq(copy_to_user(mm, a + PG, "old", 4), 0);
	cr_assert_eq(map_anon(a + PG, PG, PROT_READ, ANON | MAP_FIXED), a + PG);
	cr_expect_eq(mm->nr_vmas, 3);
	char buf[4] = "zzz";
	cr_assert_eq(copy_from_user(mm, buf, a + PG, 4), 0);
	cr_expect_eq(buf[0], 0, "new mapping reads as zero");
	cr_expect_eq(nth_vma(1)->prot, PROT_READ);
}

Test(mm, faults)
{
	/* Built without a platform context: nothing mapped yet. */
	long a = mm_mmap(mm, NULL, 0, 2 * PG, RW, ANON, NULL, 0);
	long r = mm_mmap(mm, NULL, 0, PG, PROT_READ, ANON, NULL, 0);
	long n = mm_mmap(mm, NULL, 0, PG, PROT_NONE, ANON, NULL, 0);
	cr_assert(a > 0 && r > 0 && n > 0);
	cr_assert_eq(fake_nops, 0);
	cr_expect_eq(mm_fault(mm, via, a + PG + 5, PROT_WRITE), 0);
	cr_expect(saw_op(FAKE_MAP, a, 2 * PG));
	cr_expect(mm_find_vma(mm, a)->mapped);
	cr_expect_eq(mm_fault(mm, via, a, 0), SEGV_ACCERR, "mapped + unknown access: real fault");
	cr_expect_eq(mm_fault(mm, via, 0x20000, PROT_READ), SEGV_MAPERR);
	cr_expect_eq(mm_fault(mm, via, r, PROT_WRITE), SEGV_ACCERR);
	cr_expect_eq(mm_fault(mm, via, n, PROT_READ), SEGV_ACCERR);
	cr_expect_eq(mm_fault(mm, via, n, 0), SEGV_ACCERR);
}

Test(mm, madvise_dontneed)
{
	long a = map_anon(0, 2 * PG, RW, ANON);
	cr_assert_gt(a, 0);
	cr_assert_eq(copy_to_user(mm, a, "junk", 5), 0);
	cr_expect_eq(mm_madvise(mm, via, a, 2 * PG, MADV_DONTNEED), 0);
	char buf[5];
	cr_assert_eq(copy_from_user(mm, buf, a, 5), 0);
	cr_expect_eq(buf[0], 0);
	cr_expect_eq(mm_madvise(mm, via, a, PG, MADV_HUGEPAGE), 0);
	cr_expect_eq(mm_madvise(mm, via, a, PG, 9999), -EINVAL);
	cr_expect_eq(mm_madvise(mm, via, a, 4 * PG, MADV_WILLNEED), -ENOMEM);
}

static struct fake_file_data lib_data = { "0123456789", 10 };
static struct dentry lib_dentry = { .name = "/lib/libfake.so" };
static struct super_block lib_sb = { .dev = 0 };
static struct inode lib_inode = { .ino = 4242, .mode = S_IFREG | 0755, .sb = &lib_sb };
static struct file lib_file = { .refs = 1, .inode = &lib_inode, .flags = O_RDONLY,
				.path = { .dentry = &lib_dentry }, .priv = &lib_data };

Test(mm, file_mapping_and_maps)
{
	static struct fs_context fs;
	static struct task t = { .fs = &fs };
	current = &t;
	lib_sb.dev = makedev(0xfe, 0);
	long f = mm_mmap(mm, via, 0, 2 * PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, &lib_file, 0);
	cr_assert_gt(f, 0);
	cr_expect_eq(lib_file.refs, 2);
	char buf[12];
	cr_assert_eq(copy_from_user(mm, buf, f, 12), 0);
	cr_expect_eq(memcmp(buf, "0123456789\0\0", 12), 0, "file bytes, zero past EOF");
	cr_expect_eq(mm_mmap(mm, via, 0, PG, RW, MAP_SHARED, &lib_file, 0), -EACCES);

	mm->start_brk = mm->brk = 0x10000000;
	cr_assert_eq(mm_brk(mm, via, 0x10000000 + PG), 0x10000000 + PG);
	char maps[1024];
	size_t len = mm_render_maps(mm, maps, sizeof(maps) - 1);
	maps[len] = 0;
	/* Linux pads the prefix so that names start at column 73. */
	char want[512];
	snprintf(want, sizeof(want), "%-73s%s\n%-73s%s\n",
		 "10000000-10001000 rw-p 00000000 00:00 0", "[heap]",
		 "", "/lib/libfake.so");
	char prefix[64];
	int n = snprintf(prefix, sizeof(prefix), "%08lx-%08lx r-xp 00000000 fe:00 4242",
			 (unsigned long)f, (unsigned long)(f + 2 * PG));
	memcpy(want + 80, prefix, (size_t)n);
	cr_expect_str_eq(maps, want);
	cr_assert_eq(mm_munmap(mm, via, f, 2 * PG), 0);
	cr_expect_eq(lib_file.refs, 1);
	current = NULL;
}

Test(mm, memfile_first_fit_and_coalesce)
{
	uint64_t a = memfile_alloc(2 * PG), b = memfile_alloc(PG), c = memfile_alloc(PG);
	cr_assert(a != (uint64_t)-1 && b == a + 2 * PG && c == b + PG);
	memset(memfile_ptr(b), 0x5a, PG);
	memfile_free(b, PG);
	memfile_free(a, 2 * PG);
	uint64_t d = memfile_alloc(3 * PG);
	cr_expect_eq(d, a, "freed neighbours coalesce");
	cr_expect_eq(*(char *)memfile_ptr(b), 0, "freed pages read as zero");
	memfile_free(d, 3 * PG);
	memfile_free(c, PG);
	cr_expect_eq(memfile_alloc(PG), a, "first fit");
	memfile_free(a, PG);
}

Test(mm, large_mapping_faults_in_whole)
{
	uint64_t len = 64ULL << 20;
	long a = map_anon(0, len, RW, ANON);
	cr_assert_gt(a, 0);
	cr_expect(!nth_vma(0)->mapped, "large mappings wait for a fault");
	cr_expect_eq(mm_mprotect(mm, via, a, PG, PROT_READ), 0);
	cr_expect_eq(fake_nops, 0, "nothing to protect in the stub yet");
	cr_expect_eq(mm_fault(mm, via, a + len - 1, PROT_WRITE), 0);
	cr_expect(saw_op(FAKE_MAP, a + PG, len - PG));
	cr_expect_eq(mm_munmap(mm, via, a, len), 0);
	cr_expect(saw_op(FAKE_UNMAP, a + PG, len - PG));
	cr_expect(!saw_op(FAKE_UNMAP, a, len), "the unmapped piece is not unmapped again");
}

Test(mm, fork_keeps_split_pieces_mergeable)
{
	long a = map_anon(0, 3 * PG, RW, ANON);
	cr_assert_eq(mm_mprotect(mm, via, a + PG, PG, PROT_READ), 0);
	cr_assert_eq(copy_to_user(mm, a + 2 * PG, "tail", 5), 0);
	struct mm *child = mm_fork(mm);
	cr_assert_not_null(child);
	cr_assert_eq(child->nr_vmas, 3);
	cr_assert_eq(mm_mprotect(child, NULL, a + PG, PG, RW), 0);
	cr_expect_eq(child->nr_vmas, 1);
	char buf[5];
	cr_assert_eq(copy_from_user(child, buf, a + 2 * PG, 5), 0);
	cr_expect_str_eq(buf, "tail");
	mm_put(child);
}

static struct fake_file_data big_data = { "ABCDEFGH", 8 };
static struct inode reg_inode = { .ino = 7, .mode = S_IFREG | 0644 };
static struct inode zero_inode = { .ino = 5, .mode = S_IFCHR | 0666 };
static struct inode dir_inode = { .ino = 2, .mode = S_IFDIR | 0755 };

Test(mm, file_mapping_rules)
{
	static char bytes[3 * 4096];
	memset(bytes, 'f', sizeof(bytes));
	struct fake_file_data data = { bytes, sizeof(bytes) };
	struct file rd = { .refs = 1, .inode = &reg_inode, .flags = O_RDONLY, .priv = &data };
	struct file wr = { .refs = 1, .inode = &reg_inode, .flags = O_WRONLY, .priv = &data };
	struct file rw = { .refs = 1, .inode = &reg_inode, .flags = O_RDWR, .priv = &data };
	struct file dir = { .refs = 1, .inode = &dir_inode, .flags = O_RDONLY, .priv = &big_data };
	zero_inode.rdev = makedev(1, 5);
	struct file zero = { .refs = 1, .inode = &zero_inode, .flags = O_RDWR };

	cr_expect_eq(mm_mmap(mm, via, 0, PG, PROT_READ, MAP_PRIVATE, &wr, 0), -EACCES);
	cr_expect_eq(mm_mmap(mm, via, 0, PG, PROT_READ, MAP_PRIVATE, &dir, 0), -ENODEV);
	cr_expect_eq(mm_mmap(mm, via, 0, PG, RW, MAP_SHARED, &rd, 0), -EACCES);
	cr_expect_eq(mm_mmap(mm, via, 0, PG, RW, MAP_SHARED, &rw, 0), -EINVAL, "not implemented");
	cr_expect_eq(mm_mmap(mm, via, 0, PG, PROT_READ, MAP_SHARED_VALIDATE | 0x8000000, &rd, 0), -EOPNOTSUPP);
	cr_expect_gt(mm_mmap(mm, via, 0, PG, PROT_READ, MAP_SHARED | 0x8000000, &rd, 0), 0,
		     "legacy MAP_SHARED ignores unknown flags");
	cr_expect_eq(rd.refs, 2);
	struct mount noexec_mnt = { .flags = MNT_NOEXEC };
	struct file ne = { .refs = 1, .inode = &reg_inode, .flags = O_RDONLY, .priv = &data,
			   .path = { .mnt = &noexec_mnt } };
	cr_expect_eq(mm_mmap(mm, via, 0, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, &ne, 0), -EPERM);
	long x = mm_mmap(mm, via, 0, PG, PROT_READ, MAP_PRIVATE, &ne, 0);
	cr_assert_gt(x, 0);
	cr_expect_eq(mm_mprotect(mm, via, x, PG, PROT_READ | PROT_EXEC), -EACCES);
	cr_expect_eq(mm_munmap(mm, via, x, PG), 0);

	/* /dev/zero is anonymous memory. */
	long z = mm_mmap(mm, via, 0, PG, RW, MAP_SHARED, &zero, 0);
	cr_assert_gt(z, 0);
	cr_expect_eq(zero.refs, 1);
	cr_expect_null(mm_find_vma(mm, z)->file);
	cr_expect_eq(copy_to_user(mm, z, "z", 1), 0);

	/* Private file pages: DONTNEED brings the file's bytes back, mremap
	 * growth reads more of the file. */
	long f = mm_mmap(mm, via, 0, PG, RW, MAP_PRIVATE, &rd, PG);
	cr_assert_gt(f, 0);
	cr_assert_eq(copy_to_user(mm, f, "dirty", 5), 0);
	cr_assert_eq(mm_madvise(mm, via, f, PG, MADV_DONTNEED), 0);
	char c;
	cr_assert_eq(copy_from_user(mm, &c, f, 1), 0);
	cr_expect_eq(c, 'f');
	cr_expect_eq(mm_madvise(mm, via, f, PG, MADV_FREE), -EINVAL);
	cr_expect_eq(mm_madvise(mm, via, f, PG, MADV_REMOVE), -EACCES);
	bytes[2 * 4096] = 'g';
	long g = mm_mremap(mm, via, f, PG, 3 * PG, MREMAP_MAYMOVE, 0);
	cr_assert_gt(g, 0);
	cr_assert_eq(copy_from_user(mm, &c, g + PG, 1), 0);
	cr_expect_eq(c, 'g', "grown part holds the file's next page");
	cr_assert_eq(copy_from_user(mm, &c, g + 2 * PG, 1), 0);
	cr_expect_eq(c, 0, "zero past EOF");
	mm_put(mm);
	mm = NULL;
	cr_expect_eq(rd.refs, 1, "file references dropped");
}

Test(mm, maps_shows_linux_merged_lines)
{
	uint64_t a = 0x400000;
	cr_assert_eq(map_anon(a, PG, RW, ANON | MAP_FIXED), (long)a);
	cr_assert_eq(map_anon(a + PG, PG, RW, ANON | MAP_FIXED), (long)(a + PG));
	cr_assert_eq(map_anon(a + 2 * PG, PG, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED), (long)(a + 2 * PG));
	char maps[512];
	size_t len = mm_render_maps(mm, maps, sizeof(maps) - 1);
	maps[len] = 0;
	cr_expect_eq(strncmp(maps, "00400000-00402000 rw-p 00000000 00:00 0 \n", 41), 0, "%s", maps);
	cr_expect_neq(strstr(maps, "00402000-00403000 rw-s 00000000 00:01 "), NULL, "%s", maps);
	cr_expect_neq(strstr(maps, "/dev/zero (deleted)\n"), NULL);
	cr_expect_eq(mm_render_maps(mm, maps, 10), 0, "only whole lines");
}

static long call(struct task *t, long (*fn)(struct task *, const struct syscall_args *),
		 uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct syscall_args a = { .a = { a0, a1, a2, a3, a4, a5 } };
	return fn(t, &a);
}

Test(mm, syscalls)
{
	struct task t = { .mm = mm, .ctx = via };
	cr_expect_eq(call(&t, sys_mmap, 0, PG, PROT_READ, MAP_PRIVATE, 3, 0), -EBADF);
	cr_expect_eq(call(&t, sys_mmap, 0, PG, PROT_READ, ANON, -1, 1), -EINVAL);
	long a = call(&t, sys_mmap, 0, 2 * PG, RW, ANON, -1, 0);
	cr_assert_gt(a, 0);

	static struct fake_file_data d = { "filedata", 8 };
	struct file f = { .refs = 1, .inode = &reg_inode, .flags = O_RDONLY, .priv = &d };
	fake_fds[3] = &f;
	long m = call(&t, sys_mmap, 0, PG, PROT_READ, MAP_PRIVATE, 3, 0);
	fake_fds[3] = NULL;
	cr_assert_gt(m, 0);
	cr_expect_eq(f.refs, 2, "only the mapping's reference is left");
	char buf[9];
	cr_assert_eq(copy_from_user(mm, buf, m, 9), 0);
	cr_expect_str_eq(buf, "filedata");

	unsigned char vec[2] = { 0, 0 };
	cr_assert_eq(copy_to_user(mm, a, vec, 2), 0);
	cr_expect_eq(call(&t, sys_mincore, a, 2 * PG, a, 0, 0, 0), 0);
	cr_assert_eq(copy_from_user(mm, vec, a, 2), 0);
	cr_expect(vec[0] == 1 && vec[1] == 1);
	cr_expect_eq(call(&t, sys_mincore, a, 3 * PG, a, 0, 0, 0), -ENOMEM);
	cr_expect_eq(call(&t, sys_mincore, a + 1, PG, a, 0, 0, 0), -EINVAL);

	cr_expect_eq(call(&t, sys_msync, a, PG, MS_SYNC, 0, 0, 0), 0);
	cr_expect_eq(call(&t, sys_msync, a, PG, MS_SYNC | MS_ASYNC, 0, 0, 0), -EINVAL);
	cr_expect_eq(call(&t, sys_msync, a, 8 * PG, MS_ASYNC, 0, 0, 0), -ENOMEM);
	cr_expect_eq(call(&t, sys_mlock, a + 5, PG, 0, 0, 0, 0), 0);
	cr_expect_eq(call(&t, sys_mlockall, 0, 0, 0, 0, 0, 0), -EINVAL);
	cr_expect_eq(call(&t, sys_mlockall, MCL_CURRENT, 0, 0, 0, 0, 0), 0);
	cr_expect_eq(call(&t, sys_mprotect, a, PG, PROT_READ, 0, 0, 0), 0);
	cr_expect_eq(call(&t, sys_munmap, m, PG, 0, 0, 0, 0), 0);
	cr_expect_eq(f.refs, 1);
}

/* Random operations in a 128-page window checked against a per-page model. */
#define WPAGES 128
#define WBASE 0x10000000ULL
struct page_model {
	bool mapped;
	int prot;
	unsigned char val;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

static void check_model(const struct page_model *m)
{
	for (int i = 0; i < WPAGES; i++) {
		unsigned char c = 0xee;
		int r = copy_from_user(mm, &c, WBASE + i * PG, 1);
		if (m[i].mapped && m[i].prot) {
			cr_assert_eq(r, 0, "page %d", i);
			cr_assert_eq(c, m[i].val, "page %d", i);
		} else {
			cr_assert_eq(r, -EFAULT, "page %d", i);
		}
		struct vma *v = mm_find_vma(mm, WBASE + i * PG);
		cr_assert_eq(v != NULL, m[i].mapped, "page %d", i);
		if (v)
			cr_assert_eq(v->prot, m[i].prot, "page %d", i);
		/* The stub maps exactly what the VMA says, or nothing. */
		const struct fake_stub_page *s = &fake_stub[(WBASE - FAKE_STUB_BASE) / PG + i];
		cr_assert_eq(s->mapped, v && v->mapped, "page %d", i);
		if (s->mapped) {
			cr_assert_eq(s->prot, v->prot, "page %d", i);
			cr_assert_eq(s->off, v->range->off + v->range_off + (WBASE + i * PG - v->start), "page %d", i);
		}
	}
	check_invariants(mm);
}

Test(mm, random_ops_match_model)
{
	static const int prots[] = { PROT_NONE, PROT_READ, RW, RW, RW };
	struct page_model m[WPAGES] = { 0 };
	memset(fake_stub, 0, sizeof(fake_stub));
	for (int step = 0; step < 4000; step++) {
		unsigned p = rnd(WPAGES), n = 1 + rnd(16);
		if (p + n > WPAGES)
			n = WPAGES - p;
		uint64_t addr = WBASE + p * PG;
		int prot = prots[rnd(5)];
		switch (rnd(6)) {
		case 0:
			cr_assert_eq(map_anon(addr, n * PG, prot, ANON | MAP_FIXED), (long)addr);
			for (unsigned i = p; i < p + n; i++)
				m[i] = (struct page_model){ true, prot, 0 };
			break;
		case 1:
			cr_assert_eq(mm_munmap(mm, via, addr, n * PG), 0);
			for (unsigned i = p; i < p + n; i++)
				m[i].mapped = false;
			break;
		case 2: {
			unsigned i = p;
			while (i < p + n && m[i].mapped)
				m[i++].prot = prot;
			cr_assert_eq(mm_mprotect(mm, via, addr, n * PG, prot), i == p + n ? 0 : -ENOMEM);
			break;
		}
		case 3: {
			unsigned char c = (unsigned char)(1 + rnd(255));
			bool ok = m[p].mapped && (m[p].prot & PROT_WRITE);
			cr_assert_eq(copy_to_user(mm, addr, &c, 1), ok ? 0 : -EFAULT);
			if (ok)
				m[p].val = c;
			break;
		}
		case 4: {
			bool hole = false;
			for (unsigned i = p; i < p + n; i++) {
				if (m[i].mapped)
					m[i].val = 0;
				else
					hole = true;
			}
			cr_assert_eq(mm_madvise(mm, via, addr, n * PG, MADV_DONTNEED), hole ? -ENOMEM : 0);
			break;
		}
		case 5: {
			/* Move one page to a free-or-not destination, growing it. */
			unsigned d = rnd(WPAGES), dn = 1 + rnd(3);
			if (d + dn > WPAGES || (d <= p && p < d + dn))
				break;
			long r = mm_mremap(mm, via, addr, PG, dn * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
					   WBASE + d * PG);
			if (!m[p].mapped) {
				cr_assert_eq(r, -EFAULT);
				break;
			}
			cr_assert_eq(r, (long)(WBASE + d * PG));
			struct page_model moved = m[p];
			m[p].mapped = false;
			m[d] = moved;
			for (unsigned i = d + 1; i < d + dn; i++)
				m[i] = (struct page_model){ true, moved.prot, 0 };
			break;
		}
		}
		if (rnd(4) == 0)   /* a guest touch of a random page */
			mm_fault(mm, via, WBASE + rnd(WPAGES) * PG, PROT_READ);
		check_model(m);
	}
	struct mm *child = mm_fork(mm);
	cr_assert_not_null(child);
	struct mm *parent = mm;
	mm = child;
	memset(fake_stub, 0, sizeof(fake_stub));   /* a fresh address space */
	check_model(m);
	mm = parent;
	mm_put(child);
}

Test(mm, fork_advice)
{
	long a = map_anon(0, 3 * PG, RW, ANON);
	long s = map_anon(0, PG, RW, MAP_SHARED | MAP_ANONYMOUS);
	cr_assert(a > 0 && s > 0);
	cr_assert_eq(copy_to_user(mm, a + PG, "wipe", 5), 0);
	cr_assert_eq(copy_to_user(mm, a + 2 * PG, "keep", 5), 0);
	cr_expect_eq(mm_madvise(mm, via, a, PG, MADV_DONTFORK), 0);
	cr_expect_eq(mm_madvise(mm, via, a + PG, PG, MADV_WIPEONFORK), 0);
	cr_expect_eq(mm_madvise(mm, via, s, PG, MADV_WIPEONFORK), -EINVAL);
	cr_expect_eq(mm->nr_vmas, 4);
	struct mm *child = mm_fork(mm);
	cr_assert_not_null(child);
	char buf[5];
	cr_expect_null(mm_find_vma(child, a), "DONTFORK memory is not inherited");
	cr_assert_eq(copy_from_user(child, buf, a + PG, 5), 0);
	cr_expect_eq(buf[0], 0, "WIPEONFORK memory starts zeroed");
	cr_assert_eq(copy_from_user(child, buf, a + 2 * PG, 5), 0);
	cr_expect_str_eq(buf, "keep");
	mm_put(child);
	cr_expect_eq(mm_madvise(mm, via, a, PG, MADV_DOFORK), 0);
	cr_expect_eq(mm_madvise(mm, via, a + PG, PG, MADV_KEEPONFORK), 0);
	cr_expect_eq(mm->nr_vmas, 2, "pieces merge back");
}
