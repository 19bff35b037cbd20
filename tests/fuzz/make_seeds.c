/*
 * Writes the seed corpus of the gofer fuzz targets into DIR (argv[1]):
 * well-formed request sequences built with the real protocol structs, so
 * the fuzzer starts from messages that reach every handler.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include "gofer/protocol.h"
#include "vfs/vfs.h"

static uint8_t seq[1 << 16];
static size_t seqlen;
static uint32_t tag;

/* Append one datagram [u16 len | 0x8000][bytes] to the current sequence. */
static void add(void *fixed, size_t fixedlen, uint16_t type, const char *s1, const char *s2)
{
	uint8_t msg[GOFER_MSG_MAX];
	memcpy(msg, fixed, fixedlen);
	ssize_t n = gofer_build(msg, fixedlen, type, ++tag, s1, s1 ? strlen(s1) : 0, s2, s2 ? strlen(s2) : 0);
	if (n < 0 || seqlen + 2 + (size_t)n > sizeof(seq))
		abort();
	seq[seqlen++] = (uint8_t)n;
	seq[seqlen++] = (uint8_t)(n >> 8) | 0x80;
	memcpy(seq + seqlen, msg, (size_t)n);
	seqlen += (size_t)n;
}

static void attach(void)
{
	struct gofer_req_attach q = { 0 };
	add(&q, sizeof(q), GOFER_ATTACH, NULL, NULL);
}

static void walk(uint32_t fid, const char *name)
{
	struct gofer_req_walk q = { .fid = fid, .namelen = (uint16_t)strlen(name) };
	add(&q, sizeof(q), GOFER_WALK, name, NULL);
}

static void on_fid(uint16_t type, uint32_t fid)
{
	struct gofer_req_fid q = { .fid = fid };
	add(&q, sizeof(q), type, NULL, NULL);
}

static void write_seed(const char *dir, const char *name, uint8_t mode)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(&mode, 1, 1, f) != 1 || fwrite(seq, 1, seqlen, f) != seqlen || fclose(f)) {
		perror(path);
		exit(1);
	}
	seqlen = 0;
	tag = 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: make_seeds SERVER-DIR REPLY-DIR\n");
		return 2;
	}
	/* Reads: attach (fid 0), walk to each entry, open, readlink, getdents. */
	attach();
	walk(0, "file");                                            /* fid 1 */
	struct gofer_req_open o = { .fid = 1, .flags = O_RDONLY };
	add(&o, sizeof(o), GOFER_OPEN, NULL, NULL);
	on_fid(GOFER_STAT, 1);
	walk(0, "root-link");                                       /* fid 2 */
	on_fid(GOFER_READLINK, 2);
	struct gofer_req_getdents g = { .fid = 0, .count = 4096 };
	add(&g, sizeof(g), GOFER_GETDENTS, NULL, NULL);
	on_fid(GOFER_STATFS, 0);
	walk(0, "fifo");                                            /* fid 3 */
	struct gofer_req_open of = { .fid = 3, .flags = O_RDONLY };
	add(&of, sizeof(of), GOFER_OPEN, NULL, NULL);
	on_fid(GOFER_CLUNK, 1);
	write_seed(argv[1], "reads", 0);

	/* Writes: create, mkdir, mknod, symlink, link, rename, setattr, xattrs, unlink. */
	attach();
	struct gofer_req_create c = { .dirfid = 0, .flags = O_RDWR, .mode = 0644, .namelen = 3 };
	add(&c, sizeof(c), GOFER_CREATE, "new", NULL);                /* fid 1 */
	struct gofer_req_create d = { .dirfid = 0, .mode = 0755, .namelen = 4 };
	add(&d, sizeof(d), GOFER_MKDIR, "sub2", NULL);                /* fid 2 */
	struct gofer_req_create n = { .dirfid = 2, .mode = S_IFIFO | 0644, .namelen = 2 };
	add(&n, sizeof(n), GOFER_MKNOD, "ff", NULL);                  /* fid 3 */
	struct gofer_req_symlink s = { .dirfid = 2, .namelen = 2, .targetlen = 5 };
	add(&s, sizeof(s), GOFER_SYMLINK, "sl", "../..");                 /* fid 4 */
	struct gofer_req_link l = { .dirfid = 2, .fid = 1, .namelen = 4 };
	add(&l, sizeof(l), GOFER_LINK, "hard", NULL);
	struct gofer_req_rename r = { .olddirfid = 0, .newdirfid = 2, .oldnamelen = 4, .newnamelen = 5 };
	add(&r, sizeof(r), GOFER_RENAME, "file", "moved");
	struct gofer_req_setattr a = { .fid = 1, .valid = ATTR_MODE | ATTR_SIZE | ATTR_MTIME,
				       .mode = 0600, .size = 100, .mtime_sec = 1, .mtime_nsec = 0 };
	add(&a, sizeof(a), GOFER_SETATTR, NULL, NULL);
	struct gofer_req_xattr x = { .fid = 1, .flags = XATTR_CREATE, .namelen = 6, .valuelen = 3 };
	add(&x, sizeof(x), GOFER_SETXATTR, "user.a", "val");
	struct gofer_req_xattr xg = { .fid = 1, .size = 64, .namelen = 6 };
	add(&xg, sizeof(xg), GOFER_GETXATTR, "user.a", NULL);
	struct gofer_req_fid lx = { .fid = 1 };
	add(&lx, sizeof(lx), GOFER_LISTXATTR, NULL, NULL);
	struct gofer_req_xattr xr = { .fid = 1, .namelen = 6 };
	add(&xr, sizeof(xr), GOFER_REMOVEXATTR, "user.a", NULL);
	on_fid(GOFER_FSYNC, 1);
	struct gofer_req_unlink u = { .dirfid = 0, .namelen = 3 };
	add(&u, sizeof(u), GOFER_UNLINK, "new", NULL);
	struct gofer_req_unlink ud = { .dirfid = 0, .flags = AT_REMOVEDIR, .namelen = 3 };
	add(&ud, sizeof(ud), GOFER_UNLINK, "dir", NULL);
	write_seed(argv[1], "writes", 0);

	/* The same writes on a read-only server: every one is -EROFS. */
	attach();
	add(&c, sizeof(c), GOFER_CREATE, "new", NULL);
	add(&r, sizeof(r), GOFER_RENAME, "file", "moved");
	write_seed(argv[1], "readonly", 1);

	/* Replies for the client validator: [u16 type][u32 tag][reply]. */
	struct {
		uint16_t type;
		uint32_t tag;
	} __attribute__((packed)) pre = { GOFER_GETDENTS, 7 };
	uint8_t rep[256] = { 0 };
	struct gofer_rep_getdents *gd = (void *)rep;
	struct gofer_dirent *e = (void *)(gd + 1);
	e->ino = 5;
	e->next = 1;
	e->type = 8;   /* DT_REG */
	e->namelen = 4;
	memcpy(e + 1, "file", 4);
	gd->count = (uint32_t)GOFER_DIRENT_SIZE(4);
	size_t len = sizeof(*gd) + gd->count;
	gofer_reply_hdr(rep, len, GOFER_GETDENTS, 7, 0);
	char path[4096];
	snprintf(path, sizeof(path), "%s/getdents", argv[2]);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(&pre, sizeof(pre), 1, f) != 1 || fwrite(rep, 1, len, f) != len || fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}
