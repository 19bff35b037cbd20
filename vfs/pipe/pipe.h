/* Pipes (fs/pipe.c in Linux terms): constants and the fcntl hooks the fd
 * layer calls for F_GETPIPE_SZ / F_SETPIPE_SZ. */
#ifndef CVISOR_PIPE_H
#define CVISOR_PIPE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct file;
struct inode;

#define PIPEFS_MAGIC     0x50495045u
#define PIPE_BUF_ATOMIC  4096u               /* PIPE_BUF: writes up to this are atomic */
#define PIPE_DEF_SIZE    (16u * 4096u)       /* 64 KiB, Linux's default */
#define PIPE_MAX_SIZE    (1024u * 1024u)     /* /proc/sys/fs/pipe-max-size */

bool file_is_pipe(const struct file *f);
/* F_GETPIPE_SZ / F_SETPIPE_SZ on a pipe file: size or -errno
 * (-EBADF when f is not a pipe, like Linux). */
long pipe_get_size(struct file *f);
long pipe_set_size(struct file *f, unsigned long size);

/* Open of a named FIFO (an S_IFIFO inode of any filesystem): for the vfs
 * open path in place of a filesystem open op. Sets f->fops/f->priv; may
 * sleep for the other end (-ERESTARTSYS). O_WRONLY|O_NONBLOCK without a
 * reader: -ENXIO; O_RDWR (O_ACCMODE) on Linux never blocks. On error f
 * holds nothing to release. */
int fifo_open(struct inode *inode, struct file *f);

/* For splice/tee/sendfile (-EBADF when f is not a pipe): bytes buffered,
 * and bytes a write could add now. */
long pipe_buffered(struct file *f);
long pipe_room(struct file *f);
/* tee(2): copy up to len buffered bytes of in's pipe into out's without
 * consuming them; waits for data/room unless nonblock (-EAGAIN). 0 when in
 * has no data and no writer; -EPIPE (with SIGPIPE) when out has no reader. */
long pipe_tee(struct file *in, struct file *out, size_t len, bool nonblock);

#endif
