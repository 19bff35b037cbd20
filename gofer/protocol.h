/*
 * The gofer wire protocol, shared by the server (gofer/server.c) and the
 * client (vfs/goferfs). One request, one reply, on a SOCK_SEQPACKET channel:
 * one datagram per message, at most GOFER_MSG_MAX bytes.
 *
 * A message is a fixed-layout little-endian struct that starts with
 * struct gofer_hdr, optionally followed by variable data (names, a link
 * target, an xattr value) whose lengths are fields of the fixed part; the
 * variable data follows the fixed part in field order, unpadded and without
 * NUL terminators. hdr.size is the whole datagram and must equal the
 * received length exactly.
 *
 * Replies echo the request's type and tag. hdr.err is 0 in requests; in a
 * reply it is 0 (success, the reply body follows) or -errno (the reply is
 * the bare header). A successful OPEN or CREATE reply carries exactly one
 * host fd (SCM_RIGHTS); every other message carries none.
 *
 * Fids are small integers chosen by the server (ATTACH, WALK, CREATE, MKDIR,
 * MKNOD, SYMLINK return a new one); each names a host file opened O_PATH in
 * the gofer. CLUNK releases one.
 *
 * Neither side trusts the other: every length and every name is checked on
 * receipt by gofer_check_request() / gofer_check_reply(); directory entries
 * by gofer_dirent_next().
 */
#ifndef CVISOR_GOFER_PROTOCOL_H
#define CVISOR_GOFER_PROTOCOL_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <sys/types.h>
#include <fcntl.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the gofer protocol is little-endian; byte swapping is not implemented"
#endif

#define GOFER_MSG_MAX      65536u
#define GOFER_NAME_MAX     255u     /* a path component */
#define GOFER_TARGET_MAX   4095u    /* a symlink target (PATH_MAX - 1) */
#define GOFER_XATTR_NAME_MAX 255u
#define GOFER_XATTR_MAX    32768u   /* an xattr value or list */
#define GOFER_MAX_FIDS     65536u   /* per channel */

enum gofer_type {
	GOFER_ATTACH = 1,
	GOFER_WALK,
	GOFER_STAT,
	GOFER_OPEN,
	GOFER_READLINK,
	GOFER_GETDENTS,
	GOFER_CLUNK,
	GOFER_STATFS,
	/* Write operations: designed, answered -EROFS in this stage. */
	GOFER_CREATE,
	GOFER_MKDIR,
	GOFER_MKNOD,
	GOFER_SYMLINK,
	GOFER_LINK,
	GOFER_UNLINK,
	GOFER_RENAME,
	GOFER_SETATTR,
	GOFER_FSYNC,
	GOFER_GETXATTR,
	GOFER_LISTXATTR,
	GOFER_SETXATTR,
	GOFER_REMOVEXATTR,
	GOFER_TYPE_MAX
};

struct gofer_hdr {
	uint32_t size;     /* whole message, header included */
	uint16_t type;     /* enum gofer_type */
	uint16_t flags;    /* none defined: must be 0 */
	uint32_t tag;      /* chosen by the client, echoed in the reply */
	int32_t err;       /* replies: 0 or -errno; requests: 0 */
};

/* Attributes of a host file, as fstatat(AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW). */
struct gofer_stat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad;
	uint64_t rdev, size, blksize, blocks;
	int64_t atime_sec, mtime_sec, ctime_sec;
	uint32_t atime_nsec, mtime_nsec, ctime_nsec, pad2;
};

struct gofer_statfs {
	uint64_t type, bsize, blocks, bfree, bavail, files, ffree, namelen, frsize, flags;
};

/* ---- requests --------------------------------------------------------------- */
struct gofer_req_fid {            /* STAT, READLINK, CLUNK, STATFS, FSYNC, LISTXATTR */
	struct gofer_hdr hdr;
	uint32_t fid, pad;
};
struct gofer_req_attach {         /* attach to the root of the served tree */
	struct gofer_hdr hdr;
};
struct gofer_req_walk {           /* one component; "." and ".." are never sent */
	struct gofer_hdr hdr;
	uint32_t fid;
	uint16_t namelen, pad;        /* + name */
};
struct gofer_req_open {
	struct gofer_hdr hdr;
	uint32_t fid;
	uint32_t flags;               /* GOFER_OPEN_FLAGS only */
};
struct gofer_req_getdents {
	struct gofer_hdr hdr;
	uint32_t fid;
	uint32_t count;               /* max bytes of entries in the reply */
	uint64_t cookie;              /* 0 = start, else a dirent's next */
};
struct gofer_req_create {         /* CREATE (opens: reply carries the fd), MKDIR, MKNOD */
	struct gofer_hdr hdr;
	uint32_t dirfid;
	uint32_t flags;               /* CREATE: open flags (O_EXCL allowed) */
	uint32_t mode, uid, gid;
	uint16_t namelen, pad;        /* + name */
	uint64_t rdev;                /* MKNOD */
};
struct gofer_req_symlink {
	struct gofer_hdr hdr;
	uint32_t dirfid, uid, gid;
	uint16_t namelen, targetlen;  /* + name + target */
};
struct gofer_req_link {           /* hard link fid as dirfid/name */
	struct gofer_hdr hdr;
	uint32_t dirfid, fid;
	uint16_t namelen, pad;        /* + name */
	uint32_t pad2;
};
struct gofer_req_unlink {
	struct gofer_hdr hdr;
	uint32_t dirfid, flags;       /* flags: 0 or AT_REMOVEDIR */
	uint16_t namelen, pad;        /* + name */
	uint32_t pad2;
};
struct gofer_req_rename {
	struct gofer_hdr hdr;
	uint32_t olddirfid, newdirfid, flags;  /* RENAME_NOREPLACE | RENAME_EXCHANGE */
	uint16_t oldnamelen, newnamelen;       /* + oldname + newname */
};
struct gofer_req_setattr {
	struct gofer_hdr hdr;
	uint32_t fid, valid;          /* ATTR_* of vfs.h */
	uint32_t mode, uid, gid, pad;
	uint64_t size;
	int64_t atime_sec, mtime_sec;
	uint32_t atime_nsec, mtime_nsec;  /* or UTIME_NOW / UTIME_OMIT */
};
struct gofer_req_xattr {          /* GETXATTR, SETXATTR, REMOVEXATTR */
	struct gofer_hdr hdr;
	uint32_t fid, flags;          /* SETXATTR: XATTR_CREATE / XATTR_REPLACE */
	uint32_t size;                /* GETXATTR/LISTXATTR: max value size; SETXATTR: 0 */
	uint16_t namelen, pad;        /* + name (+ value for SETXATTR) */
	uint32_t valuelen, pad2;
};

/* Flags OPEN accepts; anything else is -EINVAL. O_CREAT/O_EXCL go through
 * CREATE. The server adds O_NOFOLLOW|O_CLOEXEC|O_NOCTTY itself. */
#define GOFER_OPEN_FLAGS (O_ACCMODE | O_APPEND | O_TRUNC | O_DIRECTORY | \
			  O_NONBLOCK | O_DSYNC | O_SYNC | O_NOATIME)

/* ---- replies ----------------------------------------------------------------- */
struct gofer_rep {                /* empty: CLUNK, OPEN (+fd), LINK, UNLINK, RENAME, SETATTR, FSYNC, ... */
	struct gofer_hdr hdr;
};
struct gofer_rep_fidstat {        /* ATTACH, WALK, CREATE (+fd), MKDIR, MKNOD, SYMLINK */
	struct gofer_hdr hdr;
	uint32_t fid, pad;
	struct gofer_stat st;
};
struct gofer_rep_stat {
	struct gofer_hdr hdr;
	struct gofer_stat st;
};
struct gofer_rep_statfs {
	struct gofer_hdr hdr;
	struct gofer_statfs st;
};
struct gofer_rep_data {           /* READLINK, GETXATTR, LISTXATTR */
	struct gofer_hdr hdr;
	uint32_t len, pad;            /* + data */
};
struct gofer_rep_getdents {       /* count == 0: end of directory */
	struct gofer_hdr hdr;
	uint32_t count, pad;          /* + count packed gofer_dirent */
};
/* One directory entry: the fixed part, then namelen name bytes, padded with
 * zeros to a multiple of 8. "." and ".." appear as the host lists them. */
struct gofer_dirent {
	uint64_t ino;
	uint64_t next;                /* cookie of the entry after this one */
	uint8_t type;                 /* DT_* */
	uint8_t pad;
	uint16_t namelen;
	uint32_t pad2;
};
#define GOFER_DIRENT_SIZE(namelen) \
	((sizeof(struct gofer_dirent) + (size_t)(namelen) + 7) & ~(size_t)7)

/* ---- helpers (gofer/proto.c) --------------------------------------------------- */

/* A path component: 1..255 bytes, no '/', no NUL, not "." or "..". */
bool gofer_name_valid(const char *name, size_t len);

/* Validate a received request of len bytes in buf: header, exact size of the
 * fixed part plus the variable data it describes, valid names. Returns 0 or
 * -EINVAL / -EBADMSG (unknown type: -ENOSYS). */
int gofer_check_request(const void *buf, size_t len);
/* Validate a received reply to a request of type/tag. 0 when well formed
 * (the caller then reads hdr.err), -EIO when not. */
int gofer_check_reply(const void *buf, size_t len, uint16_t type, uint32_t tag);

/* Build a request: fixed part of fixedlen bytes (its hdr is filled here)
 * followed by up to two strings. Returns the message size or -EINVAL /
 * -ENAMETOOLONG when a string does not fit. buf holds GOFER_MSG_MAX bytes. */
ssize_t gofer_build(void *buf, size_t fixedlen, uint16_t type, uint32_t tag,
		    const void *s1, size_t l1, const void *s2, size_t l2);
/* Fill a reply header in place: the reply body of size bytes is built by
 * the caller in buf. */
void gofer_reply_hdr(void *buf, size_t size, uint16_t type, uint32_t tag, int err);

/* Iterate the entries of a checked GETDENTS reply. *off starts at 0 (relative
 * to the first entry). Returns 1 with *d / *name set, 0 at the end, -EIO on a
 * malformed entry. Names are 1..255 bytes without '/' or NUL. */
int gofer_dirent_next(const void *rep, size_t len, size_t *off,
		      const struct gofer_dirent **d, const char **name);

/* Send one message, with fd >= 0 attached as SCM_RIGHTS. 0 or -errno
 * (-EPIPE when the peer is gone). Never raises SIGPIPE. */
int gofer_send(int sock, const void *buf, size_t len, int fd);
/* Receive one message into buf (GOFER_MSG_MAX bytes). Returns its length, 0
 * on EOF, or -errno; -EMSGSIZE when it was truncated. At most one received
 * fd is returned in *fd (else -1); extra or unexpected fds are closed, and
 * if fd is NULL every received fd is closed. */
ssize_t gofer_recv(int sock, void *buf, int *fd);

#endif
