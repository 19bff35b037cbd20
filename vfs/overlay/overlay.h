/*
 * overlay: a writable union of a read-only lower filesystem (the gofer
 * root) and an upper one (a sandbox-private tmpfs), like Linux overlayfs
 * with one lower layer. See docs/overlay.md.
 *
 * An overlay inode stays the same object for its whole life: the vfs
 * dentry holds it, and copy-up only fills in its upper inode. It keeps its
 * parent and name so that a copy-up can rebuild the path in the upper
 * layer, and the parent keeps a list of its live children so that rename
 * finds the overlay inode of a name.
 */
#ifndef CVISOR_OVERLAY_H
#define CVISOR_OVERLAY_H
#include <fcntl.h>
#include <stdio.h>   /* RENAME_* */
#include "../vfs_impl.h"

#define OVERLAYFS_MAGIC 0x794c7630
/* Inode numbers of upper-only objects: kept apart from the lower's. */
#define OVL_UPPER_INO (1ULL << 62)
/* A copy-up stamps the lower inode number on the (private) upper inode
 * with this bit, so the object keeps it under any name it gets later
 * (hard links, renames), like overlayfs with xino=on. */
#define OVL_ORIGIN_INO (1ULL << 61)

/* The overlay inode number of an upper inode that has no lower twin. */
static inline uint64_t ovl_upper_ino(uint64_t upper_ino)
{
	return upper_ino & OVL_ORIGIN_INO ? upper_ino & ~OVL_ORIGIN_INO : upper_ino | OVL_UPPER_INO;
}

struct ovl_sb {
	struct super_block *lower, *upper;
	struct list_head opaque;       /* struct ovl_opaque: opaque upper directories */
};

struct ovl_opaque {
	struct list_head link;
	struct inode *upper;           /* reference held */
};

struct ovl_inode {
	struct inode *self;            /* the overlay inode this is the priv of */
	struct inode *upper, *lower;   /* references; lower only for merged dirs and
					* not yet copied-up objects */
	struct inode *parent;          /* overlay parent (reference); NULL for the root */
	char *name;                    /* name in parent */
	struct list_head children;     /* live children (no references) */
	struct list_head sibling;      /* in parent's children; empty when detached */
};

static inline struct ovl_inode *OI(const struct inode *i) { return i->priv; }
static inline struct ovl_sb *OSB(const struct super_block *sb) { return sb->priv; }
static inline struct inode *ovl_real(const struct inode *i)
{
	return OI(i)->upper ? OI(i)->upper : OI(i)->lower;
}

extern const struct inode_ops ovl_iops;
extern const struct file_ops ovl_reg_fops, ovl_dir_fops;

/* overlay.c */
void ovl_copy_attr(struct inode *i);
int ovl_lookup(struct inode *dir, const char *name, struct inode **out);
struct inode *ovl_inode_new(struct super_block *sb, struct inode *parent, const char *name,
			    struct inode *upper, struct inode *lower, uint64_t ino);
void ovl_detach(struct inode *i);
/* The live child of dir called name (new reference), or NULL. */
struct inode *ovl_child(struct inode *dir, const char *name);
/* Open a real (upper or lower) inode as a kernel-internal file. */
int ovl_real_open(struct inode *real, int flags, struct file **out);
bool ovl_is_whiteout(const struct inode *i);
bool ovl_is_opaque(struct super_block *sb, struct inode *upper);
int ovl_set_opaque(struct super_block *sb, struct inode *upper);
void ovl_clear_opaque(struct super_block *sb, struct inode *upper);

/* copyup.c: give i an upper inode (and every directory above it). */
int ovl_copy_up(struct inode *i);

/* readdir.c */
struct ovl_dirent {
	char *name;
	uint64_t ino;
	unsigned char type;
};
/* The merged entries of directory dir without "." and "..": upper first,
 * then lower ones neither whited out nor shadowed. Free with ovl_dirents_free. */
int ovl_merged_list(struct inode *dir, struct ovl_dirent **out, size_t *n);
void ovl_dirents_free(struct ovl_dirent *e, size_t n);
/* Remove the whiteouts of an upper directory that is empty in the merged
 * view (before rmdir or being replaced). -ENOTEMPTY if it is not. */
int ovl_check_empty_and_purge(struct inode *dir);

#endif
