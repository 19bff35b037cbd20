/* The initial stack, laid out like Linux's create_elf_tables():
 *
 *   top - 8      zero word
 *                execfn string (AT_EXECFN)
 *   arg_start    argv strings, then envp strings (env_start..env_end)
 *                "x86_64" (AT_PLATFORM), 16 random bytes (AT_RANDOM)
 *                (16-byte alignment)
 *                auxv pairs ... AT_NULL
 *                envp[] NULL
 *                argv[] NULL
 *   rsp ->       argc                      (rsp % 16 == 0)
 */
#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include "platform/platform.h"
#include "sentry/arch.h"
#include "sentry/mm.h"
#include "sentry/loader/loader_int.h"

#define RT_SIGFRAME_SIZE 440   /* pretcode + ucontext + siginfo on x86-64 */

static const char platform_str[] = "x86_64";

static uint64_t hwcap(void)
{
	unsigned a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) ? d : 0;
}

/* Linux's signal frame bound: frame + padding + xsave area + alignment. */
static uint64_t minsigstksz(void)
{
	return (RT_SIGFRAME_SIZE + 15 + arch_fpstate_size() + 4 + 63 + 15) & ~15ULL;
}

static int put(struct mm *mm, uint64_t *p, const void *src, size_t n)
{
	*p -= n;
	return copy_to_user(mm, *p, src, n);
}

static size_t build_auxv(uint64_t *aux, const struct stack_args *sa, uint64_t u_random,
			 uint64_t u_execfn, uint64_t u_platform)
{
	size_t n = 0;
#define AUX(k, v) do { aux[n++] = (k); aux[n++] = (v); } while (0)
	AUX(AT_MINSIGSTKSZ, minsigstksz());
	AUX(AT_HWCAP, hwcap());
	AUX(AT_PAGESZ, PAGE_SIZE);
	AUX(AT_CLKTCK, 100);
	AUX(AT_PHDR, sa->exe->phdr);
	AUX(AT_PHENT, 56);    /* sizeof(Elf64_Phdr) */
	AUX(AT_PHNUM, sa->exe->phnum);
	AUX(AT_BASE, sa->interp_base);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, sa->exe->entry);
	AUX(AT_UID, sa->uid);
	AUX(AT_EUID, sa->euid);
	AUX(AT_GID, sa->gid);
	AUX(AT_EGID, sa->egid);
	AUX(AT_SECURE, sa->secure);
	AUX(AT_RANDOM, u_random);
	AUX(AT_HWCAP2, 0);
	AUX(AT_EXECFN, u_execfn);
	AUX(AT_PLATFORM, u_platform);
	AUX(AT_NULL, 0);
#undef AUX
	return n;
}

static int put_strings(struct mm *mm, uint64_t at, const char *const *v, size_t n, uint64_t *ptrs,
		       uint64_t *end)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]) + 1;

		if (copy_to_user(mm, at, v[i], len))
			return -EFAULT;
		ptrs[i] = at;
		at += len;
	}
	*end = at;
	return 0;
}

int stack_setup(struct mm *mm, const struct stack_args *sa, uint64_t *rsp)
{
	uint64_t top = GUEST_TOP - PAGE_SIZE, bottom = top - LOADER_STACK_SIZE;
	uint64_t p = top - sizeof(uint64_t), u_execfn, u_platform, u_random, sp;
	uint64_t aux[2 * 32], *table;
	uint8_t rnd[16];
	size_t strbytes = 0, naux, words;
	struct vma *v;
	long r;
	int err;

	r = mm_mmap(mm, NULL, bottom, LOADER_STACK_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
	if (r < 0)
		return (int)r;
	v = mm_find_vma(mm, bottom);
	if (v)
		v->name = "[stack]";

	for (size_t i = 0; i < sa->argc; i++)
		strbytes += strlen(sa->argv[i]) + 1;
	for (size_t i = 0; i < sa->envc; i++)
		strbytes += strlen(sa->envp[i]) + 1;

	if (put(mm, &p, sa->execfn, strlen(sa->execfn) + 1))
		return -EFAULT;
	u_execfn = p;
	p -= strbytes;
	mm->arg_start = p;
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -EAGAIN;

	/* Pointer table: argc, argv[], NULL, envp[], NULL, auxv. Bounded by
	 * LOADER_MAX_ARGS_BYTES (every string is at least one byte). */
	words = 1 + sa->argc + 1 + sa->envc + 1 + 2 * 32;
	table = calloc(words, sizeof(*table));
	if (!table)
		return -ENOMEM;
	table[0] = sa->argc;
	err = put_strings(mm, p, sa->argv, sa->argc, table + 1, &mm->arg_end);
	mm->env_start = mm->arg_end;
	if (!err)
		err = put_strings(mm, mm->env_start, sa->envp, sa->envc, table + 2 + sa->argc, &mm->env_end);
	if (!err && put(mm, &p, platform_str, sizeof(platform_str)))
		err = -EFAULT;
	u_platform = p;
	if (!err && put(mm, &p, rnd, sizeof(rnd)))
		err = -EFAULT;
	u_random = p;
	if (err)
		goto out;
	p &= ~15ULL;
	naux = build_auxv(aux, sa, u_random, u_execfn, u_platform);
	words = 1 + sa->argc + 1 + sa->envc + 1;
	memcpy(table + words, aux, naux * sizeof(*aux));
	words += naux;
	sp = (p - words * sizeof(*table)) & ~15ULL;
	if (sp < bottom + PAGE_SIZE) {
		err = -E2BIG;
		goto out;
	}
	if (copy_to_user(mm, sp, table, words * sizeof(*table))) {
		err = -EFAULT;
		goto out;
	}
	memcpy(mm->auxv, aux, naux * sizeof(*aux));
	mm->auxv_len = naux * sizeof(*aux);
	mm->start_stack = sp;
	*rsp = sp;
out:
	free(table);
	return err;
}
