/* tmpfs: super block, mount options and inode allocation. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include "tmpfs.h"
#include "../../sentry/task.h"

#define TMPFS_DEFAULT_LIMIT (1ULL << 30)
/* Every tmpfs stops at this many inodes (statfs f_files); nr_inodes=0
 * ("unlimited") means this too. */
#define TMPFS_MAX_INODES (1ULL << 20)
/* size=N% is a share of this (the memory the sandbox reports). */
#define TMPFS_PERCENT_BASE (2 * TMPFS_DEFAULT_LIMIT)

struct inode *tmpfs_inode_new(struct super_block *sb, mode_t mode, const struct cred *c,
			      struct inode *dir)
{
	struct tmpfs_sb *s = sb->priv;
	if (s->inodes >= s->max_inodes)
		return NULL;
	struct tmpfs_node *n = calloc(1, sizeof(*n));
	struct inode *i = n ? inode_new(sb, mode) : NULL;
	if (!i) {
		free(n);
		return NULL;
	}
	s->inodes++;
	list_init(&n->entries);
	n->next_cookie = 2;
	n->parent = dir ? dir : i;
	i->priv = n;
	i->iops = &tmpfs_iops;
	i->uid = c ? c->fsuid : 0;
	i->gid = c ? c->fsgid : 0;
	/* setgid directories pass their group on, and setgid to subdirectories */
	if (dir && (dir->mode & S_ISGID)) {
		i->gid = dir->gid;
		if (S_ISDIR(mode))
			i->mode |= S_ISGID;
	}
	if (S_ISDIR(mode)) {
		i->nlink = 2;
		i->size = 2 * TMPFS_BOGO_DIRENT;
		i->fops = &tmpfs_dir_fops;
	} else if (S_ISREG(mode)) {
		i->fops = &tmpfs_file_fops;
		n->seals = F_SEAL_SEAL;   /* like shmem: only memfd_create allows sealing */
	}
	return i;
}

void tmpfs_inode_gone(struct super_block *sb)
{
	struct tmpfs_sb *s = sb->priv;
	if (--s->inodes == 0 && s->dead) {
		free(s);
		free(sb);
	}
}

static int tmpfs_statfs(struct super_block *sb, struct statfs *st)
{
	struct tmpfs_sb *s = sb->priv;
	memset(st, 0, sizeof(*st));
	st->f_type = sb->magic;
	st->f_bsize = st->f_frsize = 4096;
	st->f_blocks = s->limit / 4096;
	st->f_bfree = st->f_bavail = (s->limit - s->used) / 4096;
	st->f_files = s->max_inodes;
	st->f_ffree = s->max_inodes - s->inodes;
	st->f_namelen = NAME_MAX_LEN;
	return 0;
}

bool sb_is_tmpfs(const struct super_block *sb)
{
	return sb->statfs == tmpfs_statfs;
}

/* Options that differ from the defaults, like Linux's shmem_show_options. */
static void tmpfs_show_options(struct super_block *sb, char *buf, size_t len)
{
	const struct tmpfs_opts *o = &((struct tmpfs_sb *)sb->priv)->opts;
	size_t at = 0;
	buf[0] = 0;
	if (o->size)
		at += snprintf(buf + at, len - at, ",size=%lluk",
			       (unsigned long long)(o->size + 4095) / 4096 * 4);
	if (at < len && o->nr_inodes)
		at += snprintf(buf + at, len - at, ",nr_inodes=%llu", (unsigned long long)o->nr_inodes);
	if (at < len && o->mode != 01777)
		at += snprintf(buf + at, len - at, ",mode=%03o", (unsigned)o->mode);
	if (at < len && o->uid)
		at += snprintf(buf + at, len - at, ",uid=%u", (unsigned)o->uid);
	if (at < len && o->gid)
		snprintf(buf + at, len - at, ",gid=%u", (unsigned)o->gid);
}

/* The filesystem's last mount is gone: drop the tree; the super block
 * goes with its last inode (tmpfs_inode_gone). */
static void tmpfs_kill(struct super_block *sb)
{
	((struct tmpfs_sb *)sb->priv)->dead = true;
	dentry_prune(sb->root);
	dentry_put(sb->root);
}

static struct super_block *tmpfs_make(const char *fstype, uint64_t limit, uint64_t max_inodes,
				      mode_t mode, uid_t uid, gid_t gid)
{
	struct super_block *sb = calloc(1, sizeof(*sb));
	struct tmpfs_sb *s = calloc(1, sizeof(*s));
	if (!sb || !s)
		goto fail;
	s->limit = limit;
	s->max_inodes = max_inodes;
	s->opts.mode = 01777;
	sb->priv = s;
	sb->fstype = fstype;
	sb->dev = vfs_anon_dev();
	sb->magic = TMPFS_MAGIC;
	sb->statfs = tmpfs_statfs;
	sb->show_options = tmpfs_show_options;
	sb->kill = tmpfs_kill;
	struct inode *root = tmpfs_inode_new(sb, S_IFDIR | mode, NULL, NULL);
	if (!root)
		goto fail;
	root->uid = uid;
	root->gid = gid;
	sb->root = dentry_new(NULL, "/", root);
	inode_put(root);
	if (!sb->root)
		goto fail;
	return sb;
fail:
	free(s);
	free(sb);
	return NULL;
}

struct super_block *tmpfs_new_typed(const char *fstype, uint64_t limit)
{
	return tmpfs_make(fstype, limit, TMPFS_MAX_INODES, 01777, 0, 0);
}

struct super_block *tmpfs_new(void)
{
	return tmpfs_new_typed("tmpfs", TMPFS_DEFAULT_LIMIT);
}

struct super_block *tmpfs_new_opts(const struct tmpfs_opts *o)
{
	mode_t mode = (o->seen & TMPFS_SEEN_MODE) ? o->mode : 01777;
	struct super_block *sb = tmpfs_make("tmpfs", o->size ? o->size : TMPFS_DEFAULT_LIMIT,
					    o->nr_inodes ? o->nr_inodes : TMPFS_MAX_INODES,
					    mode, o->uid, o->gid);
	if (sb) {
		struct tmpfs_sb *s = sb->priv;
		s->opts = *o;
		s->opts.mode = mode;
	}
	return sb;
}

int tmpfs_reconfigure(struct super_block *sb, const struct tmpfs_opts *o)
{
	struct tmpfs_sb *s = sb->priv;
	if ((o->seen & TMPFS_SEEN_SIZE) && o->size && o->size < s->used)
		return -EINVAL;
	if ((o->seen & TMPFS_SEEN_INODES) && o->nr_inodes && o->nr_inodes < s->inodes)
		return -EINVAL;
	if (o->seen & TMPFS_SEEN_SIZE) {
		s->limit = o->size ? o->size : TMPFS_DEFAULT_LIMIT;
		s->opts.size = o->size;
	}
	if (o->seen & TMPFS_SEEN_INODES) {
		s->max_inodes = o->nr_inodes ? o->nr_inodes : TMPFS_MAX_INODES;
		s->opts.nr_inodes = o->nr_inodes;
	}
	return 0;   /* mode, uid and gid apply at mount only (Linux) */
}

/* Linux's memparse: a number (0x.., 0.. octal) with an optional K/M/G/T/P/E. */
static int memparse(const char *s, uint64_t *out, const char **rest)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno)
		return -EINVAL;
	int shift = 0;
	switch (*end) {
	case 'E': case 'e': shift += 10; /* fall through */
	case 'P': case 'p': shift += 10; /* fall through */
	case 'T': case 't': shift += 10; /* fall through */
	case 'G': case 'g': shift += 10; /* fall through */
	case 'M': case 'm': shift += 10; /* fall through */
	case 'K': case 'k': shift += 10;
		end++;
	}
	if (shift && v > (~0ULL >> shift))
		return -EINVAL;
	*out = v << shift;
	*rest = end;
	return 0;
}

static int parse_u32(const char *s, int base, uint32_t *out)
{
	char *end;
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end || v > 0xffffffffULL)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int tmpfs_parse_opt(struct tmpfs_opts *o, const char *key, const char *val)
{
	uint64_t v;
	uint32_t u;
	const char *rest;

	if (!strcmp(key, "size") || !strcmp(key, "nr_blocks")) {
		if (!val || memparse(val, &v, &rest))
			return -EINVAL;
		if (!strcmp(key, "size") && *rest == '%') {
			if (v > 100000)
				return -EINVAL;
			v = TMPFS_PERCENT_BASE / 100 * v;
			rest++;
		} else if (!strcmp(key, "nr_blocks")) {
			if (v > (~0ULL >> 12))
				return -EINVAL;
			v <<= 12;
		}
		if (*rest)
			return -EINVAL;
		o->size = (v + 4095) & ~4095ULL;
		o->seen |= TMPFS_SEEN_SIZE;
	} else if (!strcmp(key, "nr_inodes")) {
		if (!val || memparse(val, &v, &rest) || *rest)
			return -EINVAL;
		o->nr_inodes = v;
		o->seen |= TMPFS_SEEN_INODES;
	} else if (!strcmp(key, "mode")) {
		if (parse_u32(val, 8, &u))
			return -EINVAL;
		o->mode = u & 07777;
		o->seen |= TMPFS_SEEN_MODE;
	} else if (!strcmp(key, "uid") || !strcmp(key, "gid")) {
		/* the sandbox's one user namespace maps every id but -1 */
		if (parse_u32(val, 0, &u) || u == 0xffffffffu)
			return -EINVAL;
		if (key[0] == 'u') {
			o->uid = u;
			o->seen |= TMPFS_SEEN_UID;
		} else {
			o->gid = u;
			o->seen |= TMPFS_SEEN_GID;
		}
	} else if (!strcmp(key, "huge")) {
		/* no transparent huge pages here: only "never" is meaningful */
		if (!val || strcmp(val, "never"))
			return -EINVAL;
	} else if (!strcmp(key, "inode64") || !strcmp(key, "inode32") || !strcmp(key, "noswap")) {
		if (val)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	return 0;
}
