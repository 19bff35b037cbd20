/*
 * Merged directory listings. An open overlay directory reads the whole
 * merged list when it is read from position 0 and keeps it, so positions
 * (indexes in that list) stay stable across getdents calls, like Linux
 * overlayfs's per-file cache: ".", "..", the upper entries in their order
 * (whiteouts hidden), then the lower entries not whited out or shadowed.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "overlay.h"

struct collect {
	struct dir_context ctx;
	struct ovl_dirent *e;
	size_t n, cap;
	int err;
};

static bool collect_emit(struct dir_context *ctx, const char *name, size_t len, uint64_t ino,
			 unsigned type)
{
	struct collect *c = (struct collect *)ctx;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return true;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct ovl_dirent *e = realloc(c->e, cap * sizeof(*e));
		if (!e) {
			c->err = -ENOMEM;
			return false;
		}
		c->e = e;
		c->cap = cap;
	}
	char *n = strndup(name, len);
	if (!n) {
		c->err = -ENOMEM;
		return false;
	}
	c->e[c->n++] = (struct ovl_dirent){ .name = n, .ino = ino, .type = (unsigned char)type };
	return true;
}

void ovl_dirents_free(struct ovl_dirent *e, size_t n)
{
	for (size_t k = 0; k < n; k++)
		free(e[k].name);
	free(e);
}

/* Every entry of a real directory but "." and "..". */
static int real_list(struct inode *dir, struct ovl_dirent **out, size_t *n)
{
	struct collect c = { .ctx.emit = collect_emit };
	struct file *f;
	*out = NULL;
	*n = 0;
	if (!dir)
		return 0;
	int err = ovl_real_open(dir, O_RDONLY | O_DIRECTORY, &f);
	if (err)
		return err;
	/* collect_emit never asks to stop but on error: one call reads all. */
	err = f->fops->iterate ? f->fops->iterate(f, &c.ctx) : -ENOTDIR;
	file_put(f);
	if (!err)
		err = c.err;
	if (err) {
		ovl_dirents_free(c.e, c.n);
		return err;
	}
	*out = c.e;
	*n = c.n;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct ovl_dirent *)a)->name, ((const struct ovl_dirent *)b)->name);
}

static struct ovl_dirent *find_sorted(struct ovl_dirent *sorted, size_t n, const char *name)
{
	struct ovl_dirent key = { .name = (char *)name };
	return n ? bsearch(&key, sorted, n, sizeof(key), cmp_name) : NULL;
}

/* Is the upper entry e of updir a whiteout? (Only char devices can be.) */
static bool upper_whiteout(struct inode *updir, const struct ovl_dirent *e)
{
	struct inode *i;
	if (e->type != DT_CHR || updir->iops->lookup(updir, e->name, &i))
		return false;
	bool wo = ovl_is_whiteout(i);
	inode_put(i);
	return wo;
}

/* The d_ino of an upper entry, as stat would report it (see ovl_lookup). */
static uint64_t upper_ino(struct inode *dir, const struct ovl_dirent *e, const struct ovl_dirent *le)
{
	struct inode *live = ovl_child(dir, e->name);
	if (live) {
		uint64_t ino = live->ino;
		inode_put(live);
		return ino;
	}
	if (!le || e->type != DT_DIR || le->type != DT_DIR)
		return ovl_upper_ino(e->ino);
	struct inode *up = OI(dir)->upper, *u;
	bool opaque = false;
	if (!up->iops->lookup(up, e->name, &u)) {
		opaque = ovl_is_opaque(dir->sb, u);
		inode_put(u);
	}
	return opaque ? ovl_upper_ino(e->ino) : le->ino;
}

int ovl_merged_list(struct inode *dir, struct ovl_dirent **out, size_t *n)
{
	struct ovl_inode *d = OI(dir);
	struct ovl_dirent *up = NULL, *lo = NULL, *lsorted = NULL, *usorted = NULL;
	size_t nu = 0, nl = 0;
	int err = real_list(d->upper, &up, &nu);
	if (!err)
		err = real_list(d->lower, &lo, &nl);
	if (err)
		goto out;
	err = -ENOMEM;
	lsorted = malloc((nl ? nl : 1) * sizeof(*lsorted));
	usorted = malloc((nu ? nu : 1) * sizeof(*usorted));
	if (!lsorted || !usorted)
		goto out;
	if (nl) {   /* lo/up are NULL when a layer is empty: no memcpy(x, NULL, 0) */
		memcpy(lsorted, lo, nl * sizeof(*lo));
		qsort(lsorted, nl, sizeof(*lsorted), cmp_name);
	}
	if (nu) {
		memcpy(usorted, up, nu * sizeof(*up));
		qsort(usorted, nu, sizeof(*usorted), cmp_name);
	}
	/* Result: the upper entries (whiteouts dropped) then lower survivors;
	 * names move from up/lo into it. */
	struct ovl_dirent *res = malloc((nu + nl + 1) * sizeof(*res));
	if (!res)
		goto out;
	size_t k = 0;
	for (size_t j = 0; j < nu; j++) {
		if (upper_whiteout(d->upper, &up[j]))
			continue;
		res[k] = up[j];
		res[k].ino = upper_ino(dir, &up[j], find_sorted(lsorted, nl, up[j].name));
		res[k++].name = strdup(up[j].name);
		if (!res[k - 1].name) {
			ovl_dirents_free(res, k - 1);
			goto out;
		}
	}
	for (size_t j = 0; j < nl; j++) {
		if (find_sorted(usorted, nu, lo[j].name))
			continue;     /* shadowed by an upper entry or whited out */
		res[k] = lo[j];
		res[k++].name = strdup(lo[j].name);
		if (!res[k - 1].name) {
			ovl_dirents_free(res, k - 1);
			goto out;
		}
	}
	*out = res;
	*n = k;
	err = 0;
out:
	free(lsorted);
	free(usorted);
	ovl_dirents_free(up, nu);
	ovl_dirents_free(lo, nl);
	return err;
}

int ovl_check_empty_and_purge(struct inode *dir)
{
	struct ovl_dirent *e;
	size_t n;
	int err = ovl_merged_list(dir, &e, &n);
	if (err)
		return err;
	ovl_dirents_free(e, n);
	if (n)
		return -ENOTEMPTY;
	struct inode *up = OI(dir)->upper;
	if (!up)
		return 0;
	/* Only whiteouts are left in the upper directory. */
	err = real_list(up, &e, &n);
	for (size_t k = 0; !err && k < n; k++) {
		struct inode *w;
		if (up->iops->lookup(up, e[k].name, &w))
			continue;
		err = ovl_is_whiteout(w) ? up->iops->unlink(up, e[k].name, w) : -ENOTEMPTY;
		inode_put(w);
	}
	if (e)
		ovl_dirents_free(e, n);
	return err;
}

/* ---- the open directory ------------------------------------------------------ */

struct ovl_dirfile {
	struct ovl_dirent *e;
	size_t n;
	bool built;
};

static int dir_iterate(struct file *f, struct dir_context *ctx)
{
	struct ovl_dirfile *df = f->priv;
	struct inode *dir = f->inode;
	if (ctx->pos == 0 || !df->built) {
		ovl_dirents_free(df->e, df->n);
		df->e = NULL;
		df->n = 0;
		df->built = false;
		int err = ovl_merged_list(dir, &df->e, &df->n);
		if (err)
			return err;
		df->built = true;
	}
	if (ctx->pos == 0) {
		if (!ctx->emit(ctx, ".", 1, dir->ino, DT_DIR))
			return 0;
		ctx->pos = 1;
	}
	if (ctx->pos == 1) {
		struct inode *p = OI(dir)->parent ? OI(dir)->parent : dir;
		if (f->path.dentry && f->path.dentry->parent->inode)
			p = f->path.dentry->parent->inode;
		if (!ctx->emit(ctx, "..", 2, p->ino, DT_DIR))
			return 0;
		ctx->pos = 2;
	}
	for (uint64_t k = ctx->pos - 2; k < df->n; k++) {
		struct ovl_dirent *e = &df->e[k];
		if (!ctx->emit(ctx, e->name, strlen(e->name), e->ino, e->type))
			return 0;
		ctx->pos = k + 3;
	}
	return 0;
}

static ssize_t dir_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	return -EISDIR;
}

static void dir_release(struct file *f)
{
	struct ovl_dirfile *df = f->priv;
	if (df)
		ovl_dirents_free(df->e, df->n);
	free(df);
	f->priv = NULL;
}

const struct file_ops ovl_dir_fops = {
	.read = dir_read,
	.iterate = dir_iterate,
	.release = dir_release,
};

int ovl_dir_open(struct file *f)
{
	f->priv = calloc(1, sizeof(struct ovl_dirfile));
	if (!f->priv)
		return -ENOMEM;
	f->fops = &ovl_dir_fops;
	return 0;
}
