/*
 * Shared harness of the platform unit tests (test_platform_*.c): the
 * includer defines `P`, the platform under test, before including this.
 * Guest code lives in a memfd standing in for the memory file.
 */
#ifndef CVISOR_TEST_PLATFORM_HARNESS_H
#define CVISOR_TEST_PLATFORM_HARNESS_H

#define CODE 0x400000ULL
#define PAGE 4096

static int memfd;

static void platform_test_setup(void)
{
	memfd = memfd_create("guest", 0);
	cr_assert(memfd >= 0);
	cr_assert(ftruncate(memfd, 16 * PAGE) == 0);
	cr_assert_eq(P->init(memfd), 0);
}

/* Put code at file offset `off`. */
static void put_code(uint64_t off, const void *code, size_t len)
{
	cr_assert_eq(pwrite(memfd, code, len, (off_t)off), (ssize_t)len);
}

static struct arch_regs at(uint64_t rip)
{
	struct arch_regs r;
	memset(&r, 0, sizeof(r));
	r.gp.rip = rip;
	return r;
}

/* mov $39,%eax; syscall; mov (0),%rax */
static const uint8_t getpid_then_fault[] = {
	0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0,
};

/* A fresh address space with getpid_then_fault mapped r-x at CODE. */
static void new_space(struct platform_as **as, struct platform_ctx **ctx)
{
	cr_assert_eq(P->as_new(NULL, as, ctx), 0);
	cr_assert_eq(P->ctx_as(*ctx), *as);
	put_code(0, getpid_then_fault, sizeof(getpid_then_fault));
	cr_assert_eq(P->map(*ctx, CODE, PAGE, PROT_READ | PROT_EXEC, 0), 0);
}

#endif
