/* Pipes (fs/pipe.c in Linux terms): constants and the fcntl hooks the fd
 * layer calls for F_GETPIPE_SZ / F_SETPIPE_SZ. */
#ifndef CVISOR_PIPE_H
#define CVISOR_PIPE_H
#include <stdbool.h>
#include <stdint.h>

struct file;

#define PIPEFS_MAGIC     0x50495045u
#define PIPE_BUF_ATOMIC  4096u               /* PIPE_BUF: writes up to this are atomic */
#define PIPE_DEF_SIZE    (16u * 4096u)       /* 64 KiB, Linux's default */
#define PIPE_MAX_SIZE    (1024u * 1024u)     /* /proc/sys/fs/pipe-max-size */

bool file_is_pipe(const struct file *f);
/* F_GETPIPE_SZ / F_SETPIPE_SZ on a pipe file: size or -errno
 * (-EBADF when f is not a pipe, like Linux). */
long pipe_get_size(struct file *f);
long pipe_set_size(struct file *f, unsigned long size);

#endif
