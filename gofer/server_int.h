/* Internals of the gofer server shared by its request handlers
 * (server.c: fids, reads, the loop; server_write.c: the write operations). */
#ifndef CVISOR_GOFER_SERVER_INT_H
#define CVISOR_GOFER_SERVER_INT_H
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "gofer/protocol.h"

#define FID_NONE UINT32_MAX

struct fid_slot {
	int fd;             /* O_PATH; -1 when free */
	int parentfd;       /* O_PATH of the parent, for reopening a non-directory */
	int dirfd;          /* opened for GETDENTS on first use, else -1 */
	char *name;         /* name in the parent, with parentfd */
	uint32_t next_free;
};

struct server {
	int sock, rootfd;
	bool readonly;
	struct fid_slot *fids;     /* GOFER_MAX_FIDS slots */
	uint32_t used_hw;          /* slots [0, used_hw) have been handed out once */
	uint32_t free_head;
	uint8_t *in, *out;         /* GOFER_MSG_MAX each */
	char *dents;               /* getdents64 buffer */
};

struct fid_slot *fid_get(struct server *s, uint32_t fid);
/* Take ownership of fd/parentfd/name into a new fid (released on failure). */
int64_t fid_alloc(struct server *s, int fd, int parentfd, char *name);
void fid_release(struct server *s, uint32_t fid);
/* A new fid for name in directory dirfd (O_PATH|O_NOFOLLOW); *st its stat. */
int64_t fid_walk(struct server *s, int dirfd, const char *name, struct stat *st);
/* Reopen fid f (of type mode) for I/O with host open flags (O_NOFOLLOW etc.
 * added here); the result is checked to be the fid's inode. fd or -errno. */
int fid_reopen(struct fid_slot *f, const struct stat *st, int flags);

void stat_to_wire(const struct stat *st, struct gofer_stat *w);
int fstat_path(int fd, struct stat *st);
/* The fid's slot in *f and its stat in *st: 0, -EBADF or the stat error. */
int fid_lookup_stat(struct server *s, uint32_t fid, struct fid_slot **f, struct stat *st);

/* A checked name (its length came from the message) as a C string; dst
 * holds len + 1 bytes. */
static inline void take_name(char *dst, const void *src, size_t len)
{
	memcpy(dst, src, len);
	dst[len] = '\0';
}
ssize_t reply_fidstat(struct server *s, int64_t fid, const struct stat *st);

/* The write operations and xattrs (server_write.c): reply size or -errno;
 * CREATE stores the fd to donate in *fd_out. */
ssize_t gofer_dispatch_write(struct server *s, const struct gofer_hdr *h, int *fd_out);

#endif
