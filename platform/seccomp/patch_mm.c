/*
 * Call-site patching, sentry side: examine a trapped syscall site through
 * the calling task's mm and, when it is safe, rewrite it in place.
 *
 * Safe means:
 *  - the 7 bytes are `mov $nr,%eax; syscall` (b8 imm32 0f 05) with nr the
 *    number that just trapped from there, in one VMA that is a private file
 *    mapping, executable and not writable (no JIT or self-modifying code;
 *    the pages are this mm's own copy, so the rewrite stays in it: fork
 *    copies private pages eagerly, and the child's address space inherits
 *    the site table);
 *  - the mov is an instruction of its own: capstone decodes forward from
 *    32 start points 33..64 bytes before it (x86 decoding resynchronises
 *    within a few instructions): no path may run across the mov into the
 *    syscall, and at least half must land on it (the others meet bytes
 *    that do not decode);
 *  - the 7 bytes lie in one aligned 16-byte block, so the new instruction
 *    is stored with one atomic write (8-byte store or cmpxchg16b) and no
 *    other thread can fetch half of it.
 * The new bytes are `jmp *abs32` (ff 24 25 abs32) through the table below
 * GUEST_MIN_ADDR; the last two bytes (where `syscall` was) become 00 00,
 * which a thread stopped between the old mov and syscall executes as a
 * write to page 0: switch.c turns that fault back into the syscall.
 */
#include <capstone/capstone.h>
#include <string.h>
#include "seccomp_impl.h"
#include "../../sentry/kernel.h"
#include "../../sentry/task.h"
#include "../../sentry/mm/mm_internal.h"

#define SITE_LEN     7
#define WINDOW       64     /* decode starts at most this far before the mov */
#define STARTS       32     /* ... at this many consecutive offsets */
#define MIN_WINDOW   16

static csh cs;
static cs_insn *insn;

/* The path decoded from `from`: 1 lands exactly on `at`, 0 runs across
 * it, -1 meets bytes that do not decode (not a path code can take). */
static int lands_on(const uint8_t *base, uint64_t from, uint64_t at)
{
	uint64_t pos = from;
	while (pos < at) {
		const uint8_t *code = base + pos;
		size_t size = at + SITE_LEN - pos;
		uint64_t addr = pos;
		if (!cs_disasm_iter(cs, &code, &size, &addr, insn))
			return -1;
		pos += insn->size;
	}
	return pos == at;
}

/* text: the VMA's bytes from its start; the mov at offset off. */
static bool mov_is_instruction(const uint8_t *text, uint64_t off)
{
	uint64_t w = off < WINDOW ? off : WINDOW;
	if (w < MIN_WINDOW)
		return false;
	uint64_t starts = w / 2 < STARTS ? w / 2 : STARTS;
	unsigned landed = 0;
	for (uint64_t p = off - w; p < off - w + starts; p++) {
		int r = lands_on(text, p, off);
		if (r == 0)
			return false;
		landed += r == 1;
	}
	if (landed < starts / 2)
		return false;
	/* The mov itself decodes as one 5-byte instruction. */
	const uint8_t *code = text + off;
	size_t size = SITE_LEN;
	uint64_t addr = off;
	return cs_disasm_iter(cs, &code, &size, &addr, insn) && insn->size == 5 &&
	       insn->id == X86_INS_MOV;
}

/* Verdicts of mov_is_instruction by the bytes it looks at (the window
 * and the site), so the same library text in the next process is not
 * decoded again. Fixed size, entries overwritten. */
#define VERDICTS 4096
struct verdict {
	uint64_t hash;      /* 0: unused */
	bool ok;
};
static struct verdict verdicts[VERDICTS];

static bool boundary_known(const uint8_t *text, uint64_t off)
{
	uint64_t w = off < WINDOW ? off : WINDOW;
	uint64_t h = 0xcbf29ce484222325ULL ^ w;      /* FNV-1a */
	for (const uint8_t *b = text + off - w; b < text + off + SITE_LEN; b++)
		h = (h ^ *b) * 0x100000001b3ULL;
	h |= 1;
	struct verdict *e = &verdicts[(h >> 17) % VERDICTS];
	if (e->hash == h)
		return e->ok;
	bool ok = mov_is_instruction(text, off);
	*e = (struct verdict){ .hash = h, .ok = ok };
	return ok;
}

static bool atomic_write(uint8_t *p, const uint8_t new_bytes[SITE_LEN])
{
	uintptr_t a = (uintptr_t)p;
	if (a % 8 <= 8 - SITE_LEN) {
		uint64_t *w = (uint64_t *)(a & ~(uintptr_t)7);
		uint64_t old = __atomic_load_n(w, __ATOMIC_RELAXED), val = old;
		memcpy((uint8_t *)&val + a % 8, new_bytes, SITE_LEN);
		return __atomic_compare_exchange_n(w, &old, val, false, __ATOMIC_SEQ_CST,
						   __ATOMIC_RELAXED);
	}
	if (a % 16 > 16 - SITE_LEN)
		return false;
	uint64_t *w = (uint64_t *)(a & ~(uintptr_t)15);
	uint64_t lo = w[0], hi = w[1];
	uint64_t v[2] = { lo, hi };
	memcpy((uint8_t *)v + a % 16, new_bytes, SITE_LEN);
	bool ok;
	__asm__ volatile("lock cmpxchg16b %1"
			 : "=@ccz"(ok), "+m"(*(unsigned __int128 *)w), "+a"(lo), "+d"(hi)
			 : "b"(v[0]), "c"(v[1])
			 : "memory");
	return ok;
}

/* `jmp *abs32` through table slot k. */
static void jump_of(uint8_t out[SITE_LEN], uint32_t k)
{
	uint32_t slot = SC_PTAB_ADDR + 8 * k;
	out[0] = 0xff;
	out[1] = 0x24;
	out[2] = 0x25;
	memcpy(out + 3, &slot, 4);
}

static bool try_patch(struct platform_ctx *ctx, struct mm *mm, uint64_t site, uint32_t nr)
{
	if (site % 16 > 16 - SITE_LEN)
		return false;
	struct vma *v = mm_find_vma(mm, site);
	if (!v || site + SITE_LEN > v->end || !v->file || vma_is_shared(v) ||
	    !(v->prot & PROT_EXEC) || (v->prot & PROT_WRITE))
		return false;
	const uint8_t *text = memfile_ptr(vma_off(v, v->start));
	uint64_t off = site - v->start;
	const uint8_t *p = text + off;
	uint32_t imm;
	memcpy(&imm, p + 1, 4);
	if (p[0] != 0xb8 || imm != nr || p[5] != 0x0f || p[6] != 0x05 ||
	    !boundary_known(text, off))
		return false;
	int k = sc_site_add(ctx->as, site, nr);
	if (k < 0)
		return false;
	uint8_t jmp[SITE_LEN];
	jump_of(jmp, (uint32_t)k);
	return atomic_write((uint8_t *)p, jmp);
}

static bool site_check(struct platform_ctx *ctx, uint64_t site, uint32_t k)
{
	struct task *t = current;
	if (!t || t->ctx != ctx || !t->mm)
		return false;
	kernel_lock();
	struct vma *v = mm_find_vma(t->mm, site);
	uint8_t jmp[SITE_LEN];
	jump_of(jmp, k);
	bool ok = v && site + SITE_LEN <= v->end &&
		  memcmp(memfile_ptr(vma_off(v, site)), jmp, SITE_LEN) == 0;
	kernel_unlock();
	return ok;
}

static void patch_hook(struct platform_ctx *ctx)
{
	struct task *t = current;
	if (!t || t->ctx != ctx)
		return;
	kernel_lock();
	if (!cs && cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		cs = 0;
	if (cs && !insn)
		insn = cs_malloc(cs);
	uint64_t rip = ctx->patch_rip;
	if (!insn || !t->mm || !try_patch(ctx, t->mm, rip - SITE_LEN, ctx->patch_nr))
		sc_reject(ctx->as, rip);
	kernel_unlock();
}

__attribute__((constructor)) static void patch_hook_init(void)
{
	sc_patch_hook = patch_hook;
	sc_site_check = site_check;
}
