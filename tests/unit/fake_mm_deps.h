/* Fakes for unit_mm (see fake_mm_deps.c). */
#ifndef CVISOR_FAKE_MM_DEPS_H
#define CVISOR_FAKE_MM_DEPS_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

enum fake_op_kind { FAKE_MAP, FAKE_UNMAP, FAKE_PROTECT };
struct fake_op {
	enum fake_op_kind kind;
	uint64_t addr, len;
	int prot;
	uint64_t off;
};
#define FAKE_MAX_OPS 256
extern struct fake_op fake_ops[FAKE_MAX_OPS];
extern int fake_nops;

/* file->priv of a fake file. */
struct fake_file_data {
	const char *bytes;
	size_t size;
};

/* What the fake stub has mapped, page by page, in a window of addresses. */
#define FAKE_STUB_BASE 0x10000000ULL
#define FAKE_STUB_PAGES 256
struct fake_stub_page {
	bool mapped;
	int prot;
	uint64_t off;
};
extern struct fake_stub_page fake_stub[FAKE_STUB_PAGES];

#define FAKE_MAX_FDS 8
struct file;
extern struct file *fake_fds[FAKE_MAX_FDS];

#endif
