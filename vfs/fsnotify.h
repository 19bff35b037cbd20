/*
 * Filesystem change notification: the VFS reports events here and inotify
 * (vfs/inotify.c) queues them for the watches on the inodes involved.
 * All of it is a no-op while no watch exists.
 */
#ifndef CVISOR_FSNOTIFY_H
#define CVISOR_FSNOTIFY_H
#include <stdint.h>
#include <sys/inotify.h>

struct inode;
struct dentry;
struct file;

/* An event on d's inode: to its watches and, named, to its parent's. */
void fsnotify_dentry(struct dentry *d, uint32_t mask);
/* An event on i's own watches only (no name known). */
void fsnotify_inode(struct inode *i, uint32_t mask);
/* A directory entry event (IN_CREATE, IN_DELETE, IN_MOVED_*) on dir;
 * child is the inode named (IN_ISDIR is added for directories). */
void fsnotify_name(struct inode *dir, const char *name, struct inode *child, uint32_t mask,
		   uint32_t cookie);
/* The inode lost its last link: IN_DELETE_SELF to its watches; then
 * (after the directory's IN_DELETE) fsnotify_gone: IN_IGNORED, watches dropped. */
void fsnotify_delete_self(struct inode *i);
void fsnotify_gone(struct inode *i);   /* Linux evicts first: before IN_DELETE */
/* Open / close of a file description (IN_OPEN, IN_CLOSE_WRITE/NOWRITE). */
void fsnotify_open(struct file *f);
void fsnotify_close(struct file *f);
void fsnotify_modify(struct file *f);
uint32_t fsnotify_next_cookie(void);

#endif
