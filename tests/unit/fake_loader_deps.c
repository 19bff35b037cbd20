/* Fakes for the loader unit test: a host-file-backed vfs (path_lookup
 * stats host paths, kernel_pread reads the host file), `current`, the
 * kernel lock, the arch helpers, and -- while the real mm is not built with the test
 * (LOADER_FAKE_MM) -- a small malloc-backed mm. Live objects are counted
 * so the test can check for leaks. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "platform/platform.h"
#include <pthread.h>
#include "sentry/arch.h"
#include "sentry/kernel.h"
#include "sentry/log.h"
#include "sentry/mm.h"
#include "sentry/task.h"
#include "vfs/vfs.h"

__thread struct task *current;
int fake_live_files, fake_live_dentries, fake_live_mms;
struct mount fake_mount = { .refs = 1 };

size_t arch_fpstate_size(void) { return 2696; }

/* The kernel lock, for the timer thread. */
static pthread_mutex_t fake_kernel_lock = PTHREAD_MUTEX_INITIALIZER;
void kernel_lock(void) { pthread_mutex_lock(&fake_kernel_lock); }
void kernel_unlock(void) { pthread_mutex_unlock(&fake_kernel_lock); }

/* ---- vfs ------------------------------------------------------------------ */
struct fdentry {
	struct dentry d;
	char *host;   /* host path, opened by vfs_open_path */
};
int path_lookup(struct task *t, int dirfd, const char *path, int flags, struct path *out)
{
	struct stat st;
	struct fdentry *fd_;
	struct dentry *d;
	struct inode *ino;
	const char *slash;

	if (!path[0])
		return -ENOENT;
	if (((flags & LOOKUP_FOLLOW) ? stat(path, &st) : lstat(path, &st)) < 0)
		return -errno;
	fd_ = calloc(1, sizeof(*fd_));
	fd_->host = strdup(path);
	d = &fd_->d;
	ino = calloc(1, sizeof(*ino));
	slash = strrchr(path, '/');
	d->name = strdup(slash ? slash + 1 : path);
	d->refs = 1;
	d->inode = ino;
	ino->refs = 1;
	ino->mode = st.st_mode;
	ino->uid = st.st_uid;
	ino->gid = st.st_gid;
	ino->size = st.st_size;
	out->mnt = &fake_mount;
	out->dentry = d;
	fake_live_dentries++;
	return 0;
}

void path_put(struct path *p)
{
	struct dentry *d = p->dentry;

	if (--d->refs)
		return;
	free(d->name);
	free(d->inode);
	free(container_of(d, struct fdentry, d)->host);
	free(container_of(d, struct fdentry, d));
	fake_live_dentries--;
}

int inode_permission(const struct cred *c, struct inode *inode, int mask)
{
	return (mask & MAY_EXEC) && !(inode->mode & 0111) ? -EACCES : 0;
}

int vfs_open_path(struct task *t, const struct path *p, int flags, struct file **out)
{
	struct file *f;
	int fd = open(container_of(p->dentry, struct fdentry, d)->host, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	f = calloc(1, sizeof(*f));
	f->refs = 1;
	f->path = *p;
	p->dentry->refs++;
	f->inode = p->dentry->inode;
	f->priv = (void *)(long)fd;
	*out = f;
	fake_live_files++;
	return 0;
}

void file_get(struct file *f) { f->refs++; }

void file_put(struct file *f)
{
	if (--f->refs)
		return;
	close((int)(long)f->priv);
	path_put(&f->path);
	free(f);
	fake_live_files--;
}

ssize_t kernel_pread(struct file *f, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread((int)(long)f->priv, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0)
			return -errno;
		if (!n)
			break;
		done += n;
	}
	return (ssize_t)done;
}

#ifdef LOADER_FAKE_MM
/* ---- mm: VMAs with private malloc'd backing ------------------------------ */
struct fvma {
	struct vma v;
	uint8_t *mem;
};
#define FV(vp) container_of(vp, struct fvma, v)

struct mm *mm_new(void)
{
	struct mm *mm = calloc(1, sizeof(*mm));

	mm->users = 1;
	list_init(&mm->vmas);
	fake_live_mms++;
	return mm;
}

static void vma_free(struct mm *mm, struct vma *v)
{
	list_del(&v->link);
	mm->nr_vmas--;
	free(FV(v)->mem);
	free(FV(v));
}

void mm_put(struct mm *mm)
{
	struct list_head *pos, *n;

	if (--mm->users)
		return;
	list_for_each_safe(pos, n, &mm->vmas)
		vma_free(mm, list_entry(pos, struct vma, link));
	if (mm->exe)
		file_put(mm->exe);
	free(mm);
	fake_live_mms--;
}

struct vma *mm_find_vma(struct mm *mm, uint64_t addr)
{
	struct list_head *pos;

	list_for_each(pos, &mm->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);

		if (addr >= v->start && addr < v->end)
			return v;
	}
	return NULL;
}

static void insert(struct mm *mm, struct fvma *nv)
{
	struct list_head *pos;

	list_for_each(pos, &mm->vmas)
		if (list_entry(pos, struct vma, link)->start > nv->v.start)
			break;
	list_add_tail(&nv->v.link, pos);
	mm->nr_vmas++;
}

/* Split the VMA containing addr so that a VMA starts at addr. */
static void split(struct mm *mm, uint64_t addr)
{
	struct vma *v = mm_find_vma(mm, addr);
	struct fvma *nv;

	if (!v || v->start == addr)
		return;
	nv = calloc(1, sizeof(*nv));
	nv->v = *v;
	nv->v.start = addr;
	nv->mem = malloc(v->end - addr);
	memcpy(nv->mem, FV(v)->mem + (addr - v->start), v->end - addr);
	v->end = addr;
	insert(mm, nv);
}

long mm_munmap(struct mm *mm, struct platform_ctx *via, uint64_t addr, uint64_t len)
{
	struct list_head *pos, *n;

	split(mm, addr);
	split(mm, addr + len);
	list_for_each_safe(pos, n, &mm->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);

		if (v->start >= addr && v->end <= addr + len)
			vma_free(mm, v);
	}
	return 0;
}

long mm_mprotect(struct mm *mm, struct platform_ctx *via, uint64_t addr, uint64_t len, int prot)
{
	struct list_head *pos;

	split(mm, addr);
	split(mm, addr + len);
	list_for_each(pos, &mm->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);

		if (v->start >= addr && v->end <= addr + len)
			v->prot = prot;
	}
	return 0;
}

static bool overlaps(struct mm *mm, uint64_t a, uint64_t len, uint64_t *below)
{
	struct list_head *pos;

	list_for_each(pos, &mm->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);

		if (v->start < a + len && a < v->end) {
			*below = v->start;
			return true;
		}
	}
	return false;
}

long mm_mmap(struct mm *mm, struct platform_ctx *via, uint64_t addr, uint64_t len,
	     int prot, int flags, struct file *file, uint64_t off)
{
	struct fvma *nv;
	uint64_t below;

	len = PAGE_ALIGN(len);
	if (!len || (addr & ~PAGE_MASK) || (off & ~PAGE_MASK))
		return -EINVAL;
	if (flags & MAP_FIXED) {
		if (addr < GUEST_MIN_ADDR || addr + len > GUEST_TOP)
			return -EINVAL;
		mm_munmap(mm, via, addr, len);
	} else {
		addr = mm->mmap_base - len;
		while (overlaps(mm, addr, len, &below))
			addr = below - len;
	}
	nv = calloc(1, sizeof(*nv));
	nv->v.start = addr;
	nv->v.end = addr + len;
	nv->v.prot = prot;
	nv->v.flags = flags & (MAP_PRIVATE | MAP_SHARED | MAP_ANONYMOUS);
	nv->mem = calloc(1, len);
	if (file && kernel_pread(file, nv->mem, len, off) < 0) {
		free(nv->mem);
		free(nv);
		return -EIO;
	}
	insert(mm, nv);
	return (long)addr;
}

/* Walk [addr, addr+n) requiring prot; fn copies each piece. */
static int access_user(struct mm *mm, uint64_t addr, size_t n, int prot, void *buf, int dir)
{
	while (n) {
		struct vma *v = mm_find_vma(mm, addr);
		size_t chunk;
		uint8_t *p;

		if (!v || (v->prot & prot) != prot)
			return -EFAULT;
		chunk = v->end - addr < n ? v->end - addr : n;
		p = FV(v)->mem + (addr - v->start);
		if (dir == 0)
			memcpy(buf, p, chunk);
		else if (dir == 1)
			memcpy(p, buf, chunk);
		else
			memset(p, 0, chunk);
		if (buf)
			buf = (uint8_t *)buf + chunk;
		addr += chunk;
		n -= chunk;
	}
	return 0;
}

int copy_from_user(struct mm *mm, void *dst, uint64_t src, size_t n)
{
	return access_user(mm, src, n, PROT_READ, dst, 0);
}

int copy_to_user(struct mm *mm, uint64_t dst, const void *src, size_t n)
{
	return access_user(mm, dst, n, PROT_WRITE, (void *)src, 1);
}

int clear_user(struct mm *mm, uint64_t dst, size_t n)
{
	return access_user(mm, dst, n, PROT_WRITE, NULL, 2);
}
#else
/* ---- what the real mm needs besides the vfs -------------------------------- */
const struct platform_ops *platform;   /* via is always NULL in these tests */
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

int path_to_string(const struct path *root, const struct path *p, char *buf, size_t len)
{
	return snprintf(buf, len, "/%s", p->dentry->name);
}
#endif
