/* x86-64 FPU state: XSAVE area size, features and the initial image. */
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>
#include "arch.h"

#define CPUID1_ECX_OSXSAVE (1u << 27)
#define FXSAVE_SIZE 512
#define XSTATE_X87_SSE 0x3ULL
#define XSAVE_ALIGN 64

/* Offsets in the legacy (FXSAVE) region and the XSAVE header. */
#define OFF_FCW 0
#define OFF_MXCSR 24
#define OFF_XSTATE_BV 512

static bool has_xsave(void)
{
	unsigned a, b, c, d;
	return __get_cpuid(1, &a, &b, &c, &d) && (c & CPUID1_ECX_OSXSAVE);
}

size_t arch_fpstate_size(void)
{
	static size_t size;
	if (!size) {
		unsigned a, b = 0, c, d;
		/* CPUID 0xd.0 EBX: XSAVE size for the features enabled in XCR0. */
		if (has_xsave() && __get_cpuid_count(0xd, 0, &a, &b, &c, &d) && b > FXSAVE_SIZE)
			size = b;
		else
			size = FXSAVE_SIZE;
	}
	return size;
}

uint64_t arch_xsave_features(void)
{
	if (!has_xsave())
		return XSTATE_X87_SSE;
	unsigned lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

void arch_fpstate_init(struct arch_fpstate *fp)
{
	size_t size = (arch_fpstate_size() + XSAVE_ALIGN - 1) & ~(size_t)(XSAVE_ALIGN - 1);
	fp->buf = aligned_alloc(XSAVE_ALIGN, size);
	if (!fp->buf)
		abort();   /* a few KiB: like any sentry allocation failure */
	memset(fp->buf, 0, size);
	uint16_t fcw = 0x37f;      /* x87 power-on control word */
	uint32_t mxcsr = 0x1f80;   /* all SSE exceptions masked */
	memcpy(fp->buf + OFF_FCW, &fcw, sizeof(fcw));
	memcpy(fp->buf + OFF_MXCSR, &mxcsr, sizeof(mxcsr));
	if (arch_fpstate_size() > FXSAVE_SIZE) {
		uint64_t bv = XSTATE_X87_SSE;
		memcpy(fp->buf + OFF_XSTATE_BV, &bv, sizeof(bv));
	}
	fp->valid = true;
}

void arch_fpstate_free(struct arch_fpstate *fp)
{
	free(fp->buf);
	fp->buf = NULL;
	fp->valid = false;
}
