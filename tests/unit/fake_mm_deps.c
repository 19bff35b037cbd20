/*
 * Fakes for unit_mm: a platform that records memory operations, files
 * backed by a byte array, path names from the dentry, logging to stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include "platform/platform.h"
#include "sentry/task.h"
#include "sentry/log.h"
#include "vfs/vfs.h"
#include "fake_mm_deps.h"

struct fake_op fake_ops[FAKE_MAX_OPS];
int fake_nops;

struct fake_stub_page fake_stub[FAKE_STUB_PAGES];

static void record(enum fake_op_kind k, uint64_t addr, uint64_t len, int prot, uint64_t off)
{
	if (fake_nops < FAKE_MAX_OPS)
		fake_ops[fake_nops++] = (struct fake_op){ k, addr, len, prot, off };
	for (uint64_t a = addr; a < addr + len; a += 4096) {
		if (a < FAKE_STUB_BASE || a >= FAKE_STUB_BASE + FAKE_STUB_PAGES * 4096ULL)
			continue;
		struct fake_stub_page *pg = &fake_stub[(a - FAKE_STUB_BASE) / 4096];
		if (k == FAKE_MAP)
			*pg = (struct fake_stub_page){ true, prot, off + (a - addr) };
		else if (k == FAKE_UNMAP)
			pg->mapped = false;
		else if (pg->mapped)
			pg->prot = prot;
	}
}

static int fake_map(struct platform_ctx *via, uint64_t addr, uint64_t len, int prot, uint64_t off)
{
	record(FAKE_MAP, addr, len, prot, off);
	return 0;
}

static int fake_unmap(struct platform_ctx *via, uint64_t addr, uint64_t len)
{
	record(FAKE_UNMAP, addr, len, 0, 0);
	return 0;
}

static int fake_protect(struct platform_ctx *via, uint64_t addr, uint64_t len, int prot)
{
	record(FAKE_PROTECT, addr, len, prot, 0);
	return 0;
}

static const struct platform_ops fake_platform = {
	.name = "fake",
	.map = fake_map,
	.unmap = fake_unmap,
	.protect = fake_protect,
};
const struct platform_ops *platform = &fake_platform;

__thread struct task *current;
bool log_debug_enabled;
int log_fd = 2;

void log_msg(const char *level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void file_get(struct file *f) { f->refs++; }
void file_put(struct file *f) { f->refs--; }

ssize_t kernel_pread(struct file *f, void *buf, size_t len, uint64_t off)
{
	const struct fake_file_data *d = f->priv;
	if (off >= d->size)
		return 0;
	size_t n = d->size - off < len ? d->size - off : len;
	memcpy(buf, d->bytes + off, n);
	return (ssize_t)n;
}

int path_to_string(const struct path *root, const struct path *p, char *buf, size_t len)
{
	if (!p->dentry || !p->dentry->name)
		return -1;
	return snprintf(buf, len, "%s", p->dentry->name);
}

/* fd_get over a fixed table: fake_fds[fd] (no fdtable needed). */
struct file *fake_fds[FAKE_MAX_FDS];

struct file *fd_get(struct fdtable *ft, int fd)
{
	if (fd < 0 || fd >= FAKE_MAX_FDS || !fake_fds[fd])
		return NULL;
	file_get(fake_fds[fd]);
	return fake_fds[fd];
}
