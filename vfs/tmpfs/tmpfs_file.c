/* tmpfs regular files: data in one growable buffer, capped by the sb limit. */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include "tmpfs.h"

void tmpfs_touch(struct inode *i, bool mtime)
{
	i->ctime = vfs_now();
	if (mtime)
		i->mtime = i->ctime;
}

static void set_blocks(struct inode *i)
{
	i->blocks = ((i->size + 4095) & ~4095ULL) / 512;
}

/* Make cap >= need; grows geometrically but never past what the limit allows. */
static int reserve(struct inode *i, uint64_t need)
{
	struct tmpfs_node *n = TN(i);
	struct tmpfs_sb *s = TSB(i);

	if (need <= n->cap)
		return 0;
	uint64_t avail = s->limit - s->used + n->cap;
	if (need > avail)
		return -ENOSPC;
	uint64_t cap = n->cap * 2 > need ? n->cap * 2 : need;
	if (cap < 4096)
		cap = 4096;
	if (cap > avail)
		cap = need;
	char *d = realloc(n->data, cap);
	if (!d)
		return -ENOSPC;
	s->used += cap - n->cap;
	n->data = d;
	n->cap = cap;
	return 0;
}

int tmpfs_resize(struct inode *i, uint64_t size)
{
	struct tmpfs_node *n = TN(i);

	if (size > i->size) {
		int err = reserve(i, size);
		if (err)
			return err;
		memset(n->data + i->size, 0, size - i->size);
	} else if (size < n->cap / 4) {
		/* give memory back when most of it is unused */
		char *d = size ? realloc(n->data, size) : (free(n->data), NULL);
		if (d || !size) {
			TSB(i)->used -= n->cap - size;
			n->data = d;
			n->cap = size;
		}
	}
	i->size = size;
	set_blocks(i);
	return 0;
}

static ssize_t tmpfs_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct inode *i = f->inode;
	if (*pos >= i->size)
		return 0;
	size_t n = i->size - *pos < len ? (size_t)(i->size - *pos) : len;
	memcpy(buf, TN(i)->data + *pos, n);
	*pos += n;
	i->atime = vfs_now();
	return (ssize_t)n;
}

static ssize_t tmpfs_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	struct inode *i = f->inode;
	struct tmpfs_sb *s = TSB(i);
	uint64_t end;

	if (len == 0)
		return 0;
	if (__builtin_add_overflow(*pos, len, &end) || *pos >= s->limit)
		return *pos >= s->limit ? -ENOSPC : -EFBIG;
	if (TN(i)->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		return -EPERM;
	if ((TN(i)->seals & F_SEAL_GROW) && end > i->size)
		return -EPERM;
	/* A write that does not fit entirely is cut short like on a full disk. */
	uint64_t avail = s->limit - s->used + TN(i)->cap;
	if (end > avail) {
		if (*pos >= avail)
			return -ENOSPC;
		end = avail;
		len = (size_t)(end - *pos);
	}
	int err = reserve(i, end);
	if (err)
		return err;
	if (*pos > i->size)
		memset(TN(i)->data + i->size, 0, *pos - i->size);
	memcpy(TN(i)->data + *pos, buf, len);
	if (end > i->size)
		i->size = end;
	set_blocks(i);
	*pos = end;
	tmpfs_touch(i, true);
	return (ssize_t)len;
}

const struct file_ops tmpfs_file_fops = {
	.read = tmpfs_read,
	.write = tmpfs_write,
};

/* fallocate: mode 0 / KEEP_SIZE (data is never sparse: only the size moves),
 * PUNCH_HOLE|KEEP_SIZE and ZERO_RANGE zero bytes below EOF. */
int tmpfs_fallocate(struct inode *i, int mode, uint64_t off, uint64_t len)
{
	unsigned seals = TN(i)->seals;
	uint64_t end = off + len;
	bool keep = mode & FALLOC_FL_KEEP_SIZE;

	if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) &&
	    (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))
		return -EPERM;
	if (!keep && end > i->size && (seals & F_SEAL_GROW))
		return -EPERM;
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
		uint64_t zend = end < i->size ? end : i->size;
		if (off < zend)
			memset(TN(i)->data + off, 0, zend - off);
	}
	if (!keep && end > i->size) {
		int err = tmpfs_resize(i, end);
		if (err)
			return err;
	}
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE) || end > i->size)
		tmpfs_touch(i, true);
	else
		tmpfs_touch(i, false);
	return 0;
}
