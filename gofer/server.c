/*
 * The gofer server: one request at a time on one channel.
 *
 * A fid is a host file opened O_PATH|O_NOFOLLOW. Walks go one component at
 * a time with openat() relative to the parent fid, so neither a symlink nor
 * ".." (both refused as names) can lead out of the served tree. I/O opens
 * never resolve a path: a directory is reopened through "." of its own fd,
 * a non-directory through its name in the parent directory fd kept with the
 * fid, and the result must be the same inode as the fid, or -ESTALE.
 */
#include "gofer/gofer.h"
#include "gofer/protocol.h"
#include "gofer/server_int.h"
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

/* ---- fid table -------------------------------------------------------------- */

struct fid_slot *fid_get(struct server *s, uint32_t fid)
{
	if (fid >= s->used_hw || s->fids[fid].fd < 0)
		return NULL;
	return &s->fids[fid];
}

/* Take ownership of fd/parentfd/name into a new fid; on failure they are
 * released. Returns the fid or -ENFILE. */
int64_t fid_alloc(struct server *s, int fd, int parentfd, char *name)
{
	uint32_t fid;
	if (s->free_head != FID_NONE) {
		fid = s->free_head;
		s->free_head = s->fids[fid].next_free;
	} else if (s->used_hw < GOFER_MAX_FIDS) {
		fid = s->used_hw++;
	} else {
		close(fd);
		if (parentfd >= 0)
			close(parentfd);
		free(name);
		return -ENFILE;
	}
	s->fids[fid] = (struct fid_slot){ .fd = fd, .parentfd = parentfd, .dirfd = -1,
					  .name = name, .next_free = FID_NONE };
	return fid;
}

void fid_release(struct server *s, uint32_t fid)
{
	struct fid_slot *f = &s->fids[fid];
	close(f->fd);
	if (f->parentfd >= 0)
		close(f->parentfd);
	if (f->dirfd >= 0)
		close(f->dirfd);
	free(f->name);
	*f = (struct fid_slot){ .fd = -1, .parentfd = -1, .dirfd = -1,
				.next_free = s->free_head };
	s->free_head = fid;
}

/* ---- replies ------------------------------------------------------------------ */

void stat_to_wire(const struct stat *st, struct gofer_stat *w)
{
	*w = (struct gofer_stat){
		.dev = st->st_dev, .ino = st->st_ino, .nlink = st->st_nlink,
		.mode = st->st_mode, .uid = st->st_uid, .gid = st->st_gid,
		.rdev = st->st_rdev, .size = (uint64_t)st->st_size,
		.blksize = (uint64_t)st->st_blksize, .blocks = (uint64_t)st->st_blocks,
		.atime_sec = st->st_atim.tv_sec, .atime_nsec = (uint32_t)st->st_atim.tv_nsec,
		.mtime_sec = st->st_mtim.tv_sec, .mtime_nsec = (uint32_t)st->st_mtim.tv_nsec,
		.ctime_sec = st->st_ctim.tv_sec, .ctime_nsec = (uint32_t)st->st_ctim.tv_nsec,
	};
}

int fstat_path(int fd, struct stat *st)
{
	return fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

/* Handlers build their reply body in s->out and return the size of the
 * whole reply (the header is filled in by the loop), or -errno. */
int fid_lookup_stat(struct server *s, uint32_t fid, struct fid_slot **f, struct stat *st)
{
	*f = fid_get(s, fid);
	return *f ? fstat_path((*f)->fd, st) : -EBADF;
}

ssize_t reply_fidstat(struct server *s, int64_t fid, const struct stat *st)
{
	struct gofer_rep_fidstat *r = (void *)s->out;
	r->fid = (uint32_t)fid;
	r->pad = 0;
	stat_to_wire(st, &r->st);
	return sizeof(*r);
}

/* ---- handlers ------------------------------------------------------------------ */

static ssize_t do_attach(struct server *s)
{
	struct stat st;
	int fd = fcntl(s->rootfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int err = fstat_path(fd, &st);
	if (err) {
		close(fd);
		return err;
	}
	int64_t fid = fid_alloc(s, fd, -1, NULL);
	if (fid < 0)
		return fid;
	return reply_fidstat(s, fid, &st);
}

int64_t fid_walk(struct server *s, int dirfd, const char *name, struct stat *st)
{
	int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int err = fstat_path(fd, st);
	if (err) {
		close(fd);
		return err;
	}
	int parentfd = -1;
	char *saved = NULL;
	if (!S_ISDIR(st->st_mode)) {
		parentfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
		saved = strdup(name);
		if (parentfd < 0 || !saved) {
			err = parentfd < 0 ? -errno : -ENOMEM;
			close(fd);
			if (parentfd >= 0)
				close(parentfd);
			free(saved);
			return err;
		}
	}
	return fid_alloc(s, fd, parentfd, saved);
}

static ssize_t do_walk(struct server *s, const struct gofer_req_walk *q)
{
	struct fid_slot *dir = fid_get(s, q->fid);
	if (!dir)
		return -EBADF;
	char name[GOFER_NAME_MAX + 1];
	take_name(name, q + 1, q->namelen);
	struct stat st;
	int64_t fid = fid_walk(s, dir->fd, name, &st);
	if (fid < 0)
		return fid;
	return reply_fidstat(s, fid, &st);
}

static ssize_t do_stat(struct server *s, const struct gofer_req_fid *q)
{
	struct fid_slot *f;
	struct stat st;
	int err = fid_lookup_stat(s, q->fid, &f, &st);
	if (err)
		return err;
	struct gofer_rep_stat *r = (void *)s->out;
	stat_to_wire(&st, &r->st);
	return sizeof(*r);
}

/* Which files OPEN may turn into an I/O fd: never devices, FIFOs (an open
 * could block the gofer) or sockets. */
static int open_type_check(mode_t mode, uint32_t flags)
{
	if (S_ISDIR(mode))
		return (flags & O_ACCMODE) != O_RDONLY ? -EISDIR : 0;
	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	if (S_ISREG(mode))
		return 0;
	if (S_ISLNK(mode))
		return -ELOOP;
	if (S_ISFIFO(mode) || S_ISSOCK(mode))
		return -ENXIO;
	return -EACCES;
}

int fid_reopen(struct fid_slot *f, const struct stat *st, int flags)
{
	struct stat nst;
	/* O_NONBLOCK: should the name now be a FIFO, the open does not hang. */
	int host = flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, fd, err = 0;
	if (S_ISDIR(st->st_mode))
		fd = openat(f->fd, ".", host);
	else if (f->parentfd >= 0)
		fd = openat(f->parentfd, f->name, host);
	else
		return -EBADF;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &nst) < 0)
		err = -errno;
	else if (nst.st_dev != st->st_dev || nst.st_ino != st->st_ino)
		err = -ESTALE;
	else if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, host & ~O_NONBLOCK) < 0)
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* Returns the opened fd (>= 0) or -errno. */
static int open_fid(struct server *s, const struct gofer_req_open *q)
{
	struct fid_slot *f = fid_get(s, q->fid);
	uint32_t flags = q->flags, acc = flags & O_ACCMODE;
	if (!f)
		return -EBADF;
	if ((flags & ~(uint32_t)GOFER_OPEN_FLAGS) || acc == O_ACCMODE)
		return -EINVAL;
	if (s->readonly && (acc != O_RDONLY || (flags & O_TRUNC)))
		return -EROFS;
	struct stat st;
	int err = fstat_path(f->fd, &st);
	if (err)
		return err;
	err = open_type_check(st.st_mode, flags);
	if (err)
		return err;
	/* O_TRUNC of a writable open is applied only once the inode is known
	 * to be the fid's. */
	bool trunc = (flags & O_TRUNC) && acc != O_RDONLY;
	int fd = fid_reopen(f, &st, (int)(flags & ~(uint32_t)O_TRUNC));
	if (fd < 0)
		return fd;
	if (trunc && ftruncate(fd, 0) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static ssize_t do_readlink(struct server *s, const struct gofer_req_fid *q)
{
	struct fid_slot *f;
	struct stat st;
	int err = fid_lookup_stat(s, q->fid, &f, &st);
	if (err)
		return err;
	if (!S_ISLNK(st.st_mode))
		return -EINVAL;   /* readlinkat(fd, "") would say ENOENT */
	struct gofer_rep_data *r = (void *)s->out;
	char *buf = (char *)(r + 1);
	ssize_t n = readlinkat(f->fd, "", buf, GOFER_TARGET_MAX + 1);
	if (n < 0)
		return -errno;
	if (n == 0 || n > (ssize_t)GOFER_TARGET_MAX)
		return -ENAMETOOLONG;
	r->len = (uint32_t)n;
	r->pad = 0;
	return (ssize_t)sizeof(*r) + n;
}

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static ssize_t do_getdents(struct server *s, const struct gofer_req_getdents *q)
{
	struct fid_slot *f = fid_get(s, q->fid);
	if (!f)
		return -EBADF;
	if (f->dirfd < 0) {
		f->dirfd = openat(f->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
		if (f->dirfd < 0)
			return -errno;
	}
	if (q->cookie > INT64_MAX || lseek(f->dirfd, (off_t)q->cookie, SEEK_SET) < 0)
		return q->cookie > INT64_MAX ? -EINVAL : -errno;
	struct gofer_rep_getdents *r = (void *)s->out;
	size_t room = GOFER_MSG_MAX - sizeof(*r);
	if (q->count < room)
		room = q->count;
	/* Host entries are never larger than ours, so this reads no more than
	 * fits; entries that do not fit are read again from their cookie. */
	long n = syscall(SYS_getdents64, f->dirfd, s->dents, room);
	if (n < 0)
		return -errno;
	uint8_t *out = (uint8_t *)(r + 1);
	size_t used = 0;
	uint32_t count = 0;
	for (long off = 0; off < n;) {
		struct linux_dirent64 *h = (void *)(s->dents + off);
		const size_t name_off = offsetof(struct linux_dirent64, d_name);
		if (h->d_reclen <= name_off || h->d_reclen > n - off)
			return -EIO;
		off += h->d_reclen;
		size_t namelen = strnlen(h->d_name, h->d_reclen - name_off);
		if (namelen == 0 || namelen > GOFER_NAME_MAX)
			continue;
		size_t sz = GOFER_DIRENT_SIZE(namelen);
		if (sz > room - used)
			break;
		struct gofer_dirent *d = (void *)(out + used);
		*d = (struct gofer_dirent){ .ino = h->d_ino, .next = (uint64_t)h->d_off,
					    .type = h->d_type, .namelen = (uint16_t)namelen };
		memset(d + 1, 0, sz - sizeof(*d));
		memcpy(d + 1, h->d_name, namelen);
		used += sz;
		count++;
	}
	if (count == 0 && n > 0)
		return -EINVAL;  /* not even one entry fits in count */
	r->count = count;
	r->pad = 0;
	return (ssize_t)(sizeof(*r) + used);
}

static ssize_t do_clunk(struct server *s, const struct gofer_req_fid *q)
{
	if (!fid_get(s, q->fid))
		return -EBADF;
	fid_release(s, q->fid);
	return sizeof(struct gofer_rep);
}

static ssize_t do_statfs(struct server *s, const struct gofer_req_fid *q)
{
	struct fid_slot *f = fid_get(s, q->fid);
	struct statfs sf;
	if (!f)
		return -EBADF;
	if (fstatfs(f->fd, &sf) < 0)
		return -errno;
	struct gofer_rep_statfs *r = (void *)s->out;
	r->st = (struct gofer_statfs){
		.type = (uint64_t)sf.f_type, .bsize = (uint64_t)sf.f_bsize,
		.blocks = sf.f_blocks, .bfree = sf.f_bfree, .bavail = sf.f_bavail,
		.files = sf.f_files, .ffree = sf.f_ffree,
		.namelen = (uint64_t)sf.f_namelen, .frsize = (uint64_t)sf.f_frsize,
		.flags = (uint64_t)sf.f_flags,
	};
	return sizeof(*r);
}

/* Returns the reply size or -errno; *fd_out gets an fd to donate. */
static ssize_t dispatch(struct server *s, const struct gofer_hdr *h, int *fd_out)
{
	const void *q = h;
	switch (h->type) {
	case GOFER_ATTACH:
		return do_attach(s);
	case GOFER_WALK:
		return do_walk(s, q);
	case GOFER_STAT:
		return do_stat(s, q);
	case GOFER_OPEN: {
		int fd = open_fid(s, q);
		if (fd < 0)
			return fd;
		*fd_out = fd;
		return sizeof(struct gofer_rep);
	}
	case GOFER_READLINK:
		return do_readlink(s, q);
	case GOFER_GETDENTS:
		return do_getdents(s, q);
	case GOFER_CLUNK:
		return do_clunk(s, q);
	case GOFER_STATFS:
		return do_statfs(s, q);
	default:
		return gofer_dispatch_write(s, h, fd_out);
	}
}

static int serve_loop(struct server *s)
{
	for (;;) {
		ssize_t n = gofer_recv(s->sock, s->in, NULL);
		if (n == 0 || n == -ECONNRESET)
			return 0;
		if (n == -EMSGSIZE || n == -EBADMSG)
			continue;  /* no trustworthy header to answer to */
		if (n < 0)
			return (int)n;
		const struct gofer_hdr *h = (const void *)s->in;
		ssize_t size = gofer_check_request(s->in, (size_t)n);
		int fd = -1;
		if (size == 0)
			size = dispatch(s, h, &fd);
		else if ((size_t)n < sizeof(*h))
			continue;
		if (size < 0) {
			gofer_reply_hdr(s->out, sizeof(struct gofer_hdr), h->type, h->tag, (int)size);
			size = sizeof(struct gofer_hdr);
		} else {
			gofer_reply_hdr(s->out, (size_t)size, h->type, h->tag, 0);
		}
		int err = gofer_send(s->sock, s->out, (size_t)size, fd);
		if (fd >= 0)
			close(fd);
		if (err == -EPIPE || err == -ECONNRESET)
			return 0;
		if (err)
			return err;
	}
}

int gofer_serve(int sock, int rootfd, bool readonly)
{
	struct server s = { .sock = sock, .rootfd = rootfd, .readonly = readonly,
			    .free_head = FID_NONE };
	int ret = -ENOMEM;
	umask(0);   /* modes of created files are exactly the client's */
	s.fids = calloc(GOFER_MAX_FIDS, sizeof(*s.fids));
	s.in = malloc(GOFER_MSG_MAX);
	s.out = malloc(GOFER_MSG_MAX);
	s.dents = malloc(GOFER_MSG_MAX);
	if (s.fids && s.in && s.out && s.dents)
		ret = serve_loop(&s);
	if (s.fids)
		for (uint32_t i = 0; i < s.used_hw; i++)
			if (s.fids[i].fd >= 0)
				fid_release(&s, i);
	free(s.fids);
	free(s.in);
	free(s.out);
	free(s.dents);
	return ret;
}

struct channel {
	pthread_t thread;
	int sock, rootfd, ret;
	bool readonly, started;
};

static void *channel_thread(void *arg)
{
	struct channel *c = arg;
	c->ret = gofer_serve(c->sock, c->rootfd, c->readonly);
	return NULL;
}

int gofer_serve_trees(const struct gofer_tree *t, int n)
{
	if (n == 1)
		return gofer_serve(t[0].sock, t[0].rootfd, t[0].readonly);
	struct channel *ch = calloc((size_t)n, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	int ret = 0;
	for (int k = 0; k < n; k++) {
		ch[k] = (struct channel){ .sock = t[k].sock, .rootfd = t[k].rootfd, .readonly = t[k].readonly };
		int err = pthread_create(&ch[k].thread, NULL, channel_thread, &ch[k]);
		ch[k].started = err == 0;
		if (err && !ret)
			ret = -err;
	}
	for (int k = 0; k < n; k++) {
		if (!ch[k].started)
			continue;
		pthread_join(ch[k].thread, NULL);
		if (ch[k].ret && !ret)
			ret = ch[k].ret;
	}
	free(ch);
	return ret;
}

int gofer_serve_channels(const int *socks, int n, int rootfd, bool readonly)
{
	struct gofer_tree *t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (int k = 0; k < n; k++)
		t[k] = (struct gofer_tree){ .sock = socks[k], .rootfd = rootfd, .readonly = readonly };
	int ret = gofer_serve_trees(t, n);
	free(t);
	return ret;
}
