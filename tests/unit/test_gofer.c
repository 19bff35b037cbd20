/* unit_gofer: the gofer wire protocol, the server over a real socketpair
 * serving a temporary directory, and goferfs on top of it. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "gofer/gofer.h"
#include "gofer/protocol.h"
#include "vfs/vfs.h"
#include "vfs/goferfs/goferfs.h"

/* ---- protocol --------------------------------------------------------------- */

Test(gofer_proto, names)
{
	char big[300];
	memset(big, 'x', sizeof(big));
	cr_assert(gofer_name_valid("a", 1));
	cr_assert(gofer_name_valid("...", 3));
	cr_assert(gofer_name_valid(".hidden", 7));
	cr_assert(gofer_name_valid(big, 255));
	cr_assert(!gofer_name_valid("", 0));
	cr_assert(!gofer_name_valid(".", 1));
	cr_assert(!gofer_name_valid("..", 2));
	cr_assert(!gofer_name_valid("a/b", 3));
	cr_assert(!gofer_name_valid(big, 256));
	cr_assert(!gofer_name_valid("a\0b", 3));
}

static ssize_t build_walk(void *buf, uint32_t fid, const char *name, size_t len)
{
	struct gofer_req_walk *q = buf;
	q->fid = fid;
	q->namelen = (uint16_t)len;
	q->pad = 0;
	return gofer_build(buf, sizeof(*q), GOFER_WALK, 7, name, len, NULL, 0);
}

Test(gofer_proto, walk_round_trip)
{
	_Alignas(8) uint8_t buf[GOFER_MSG_MAX];
	ssize_t n = build_walk(buf, 42, "etc", 3);
	cr_assert_eq(n, (ssize_t)sizeof(struct gofer_req_walk) + 3);
	cr_assert_eq(gofer_check_request(buf, (size_t)n), 0);
	const struct gofer_req_walk *q = (const void *)buf;
	cr_assert_eq(q->hdr.size, n);
	cr_assert_eq(q->hdr.type, GOFER_WALK);
	cr_assert_eq(q->hdr.tag, 7);
	cr_assert_eq(q->fid, 42);
	cr_assert_eq(q->namelen, 3);
	cr_assert(!memcmp(q + 1, "etc", 3));
}

Test(gofer_proto, two_string_round_trip)
{
	_Alignas(8) uint8_t buf[GOFER_MSG_MAX];
	struct gofer_req_symlink *q = (void *)buf;
	memset(q, 0, sizeof(*q));
	q->dirfid = 1;
	q->namelen = 4;
	q->targetlen = 9;
	ssize_t n = gofer_build(buf, sizeof(*q), GOFER_SYMLINK, 1, "link", 4, "/etc/motd", 9);
	cr_assert_eq(gofer_check_request(buf, (size_t)n), 0);
	cr_assert(!memcmp(buf + sizeof(*q), "link/etc/motd", 13));
	q->targetlen = 10;   /* lengths must add up exactly */
	cr_assert_neq(gofer_check_request(buf, (size_t)n), 0);
}

Test(gofer_proto, bad_names_rejected_by_check)
{
	_Alignas(8) uint8_t buf[GOFER_MSG_MAX];
	char big[256];
	memset(big, 'y', sizeof(big));
	const struct { const char *s; size_t len; } bad[] = {
		{ "", 0 }, { ".", 1 }, { "..", 2 }, { "a/b", 3 }, { big, 256 }, { "a\0b", 3 },
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		ssize_t n = build_walk(buf, 0, bad[k].s, bad[k].len);
		cr_assert_gt(n, 0);
		cr_assert_neq(gofer_check_request(buf, (size_t)n), 0, "name %zu accepted", k);
	}
}

Test(gofer_proto, truncated_and_bad_headers)
{
	_Alignas(8) uint8_t buf[GOFER_MSG_MAX];
	ssize_t n = build_walk(buf, 0, "abc", 3);
	for (ssize_t len = 0; len < n; len++) {
		struct gofer_hdr *h = (void *)buf;
		h->size = (uint32_t)len;
		cr_assert_neq(gofer_check_request(buf, (size_t)len), 0, "len %zd", len);
	}
	build_walk(buf, 0, "abc", 3);
	cr_assert_neq(gofer_check_request(buf, (size_t)n + 1), 0);   /* size != length */
	((struct gofer_hdr *)buf)->flags = 1;
	cr_assert_neq(gofer_check_request(buf, (size_t)n), 0);
	build_walk(buf, 0, "abc", 3);
	((struct gofer_hdr *)buf)->type = 999;
	cr_assert_eq(gofer_check_request(buf, (size_t)n), -ENOSYS);
	cr_assert_neq(gofer_check_request(buf, GOFER_MSG_MAX + 1), 0);
	cr_assert_lt(gofer_build(buf, sizeof(struct gofer_req_walk), GOFER_WALK, 1,
				 buf, GOFER_MSG_MAX, NULL, 0), 0);
}

Test(gofer_proto, replies_checked)
{
	_Alignas(8) uint8_t buf[GOFER_MSG_MAX];
	struct gofer_rep_stat *r = (void *)buf;
	memset(buf, 0, sizeof(*r));
	gofer_reply_hdr(buf, sizeof(*r), GOFER_STAT, 5, 0);
	cr_assert_eq(gofer_check_reply(buf, sizeof(*r), GOFER_STAT, 5), 0);
	cr_assert_neq(gofer_check_reply(buf, sizeof(*r), GOFER_STAT, 6), 0);     /* tag */
	cr_assert_neq(gofer_check_reply(buf, sizeof(*r), GOFER_WALK, 5), 0);     /* type */
	cr_assert_neq(gofer_check_reply(buf, sizeof(*r) - 1, GOFER_STAT, 5), 0); /* short */
	gofer_reply_hdr(buf, sizeof(struct gofer_hdr), GOFER_STAT, 5, -ENOENT);
	cr_assert_eq(gofer_check_reply(buf, sizeof(struct gofer_hdr), GOFER_STAT, 5), 0);
	gofer_reply_hdr(buf, sizeof(struct gofer_hdr), GOFER_STAT, 5, -100000);
	cr_assert_neq(gofer_check_reply(buf, sizeof(struct gofer_hdr), GOFER_STAT, 5), 0);
	gofer_reply_hdr(buf, sizeof(*r), GOFER_STAT, 5, -ENOENT);  /* error with a body */
	cr_assert_neq(gofer_check_reply(buf, sizeof(*r), GOFER_STAT, 5), 0);

	/* READLINK: len must match, no NUL inside. */
	struct gofer_rep_data *d = (void *)buf;
	d->len = 3;
	memcpy(d + 1, "abc", 3);
	gofer_reply_hdr(buf, sizeof(*d) + 3, GOFER_READLINK, 1, 0);
	cr_assert_eq(gofer_check_reply(buf, sizeof(*d) + 3, GOFER_READLINK, 1), 0);
	d->len = 4;
	cr_assert_neq(gofer_check_reply(buf, sizeof(*d) + 3, GOFER_READLINK, 1), 0);
	d->len = 3;
	((char *)(d + 1))[1] = '\0';
	cr_assert_neq(gofer_check_reply(buf, sizeof(*d) + 3, GOFER_READLINK, 1), 0);
}

/* A GETDENTS reply with the given names. */
static size_t build_dents(uint8_t *buf, const char **names, int n)
{
	struct gofer_rep_getdents *r = (void *)buf;
	size_t off = sizeof(*r);
	for (int k = 0; k < n; k++) {
		size_t len = strlen(names[k]);
		struct gofer_dirent *e = (void *)(buf + off);
		*e = (struct gofer_dirent){ .ino = (uint64_t)k + 100, .next = (uint64_t)k + 1,
					    .type = DT_REG, .namelen = (uint16_t)len };
		memset(e + 1, 0, GOFER_DIRENT_SIZE(len) - sizeof(*e));
		memcpy(e + 1, names[k], len);
		off += GOFER_DIRENT_SIZE(len);
	}
	r->count = (uint32_t)n;
	r->pad = 0;
	gofer_reply_hdr(buf, off, GOFER_GETDENTS, 9, 0);
	return off;
}

Test(gofer_proto, dirents_checked)
{
	_Alignas(8) uint8_t buf[GOFER_MSG_MAX];
	const char *names[] = { ".", "..", "a", "longer-name-here" };
	size_t len = build_dents(buf, names, 4);
	cr_assert_eq(gofer_check_reply(buf, len, GOFER_GETDENTS, 9), 0);
	size_t off = 0;
	const struct gofer_dirent *d;
	const char *name;
	for (int k = 0; k < 4; k++) {
		cr_assert_eq(gofer_dirent_next(buf, len, &off, &d, &name), 1);
		cr_assert_eq(d->namelen, strlen(names[k]));
		cr_assert(!memcmp(name, names[k], d->namelen));
		cr_assert_eq(d->ino, (uint64_t)k + 100);
	}
	cr_assert_eq(gofer_dirent_next(buf, len, &off, &d, &name), 0);

	((struct gofer_rep_getdents *)buf)->count = 5;   /* count mismatch */
	cr_assert_neq(gofer_check_reply(buf, len, GOFER_GETDENTS, 9), 0);
	len = build_dents(buf, names, 4);
	struct gofer_dirent *last = (void *)(buf + len - GOFER_DIRENT_SIZE(16));
	last->namelen = 200;                              /* runs past the end */
	cr_assert_neq(gofer_check_reply(buf, len, GOFER_GETDENTS, 9), 0);
	len = build_dents(buf, names, 4);
	((char *)(last + 1))[3] = '/';
	cr_assert_neq(gofer_check_reply(buf, len, GOFER_GETDENTS, 9), 0);
	len = build_dents(buf, names, 4);
	cr_assert_neq(gofer_check_reply(buf, len - 8, GOFER_GETDENTS, 9), 0);
}

Test(gofer_proto, fd_passing)
{
	int sv[2];
	_Alignas(8) uint8_t buf[GOFER_MSG_MAX];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	int pfd[2];
	cr_assert_eq(pipe(pfd), 0);
	gofer_reply_hdr(buf, sizeof(struct gofer_rep), GOFER_OPEN, 3, 0);
	cr_assert_eq(gofer_send(sv[0], buf, sizeof(struct gofer_rep), pfd[1]), 0);
	int fd = -1;
	cr_assert_eq(gofer_recv(sv[1], buf, &fd), (ssize_t)sizeof(struct gofer_rep));
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "x", 1), 1);
	char c;
	cr_assert_eq(read(pfd[0], &c, 1), 1);
	close(fd);

	/* An oversized datagram is reported, not silently truncated. */
	static uint8_t huge[GOFER_MSG_MAX + 100];
	cr_assert_eq(send(sv[0], huge, sizeof(huge), 0), (ssize_t)sizeof(huge));
	cr_assert_eq(gofer_recv(sv[1], buf, NULL), -EMSGSIZE);
	close(sv[0]);
	cr_assert_eq(gofer_recv(sv[1], buf, NULL), 0);   /* EOF */
	cr_assert_eq(gofer_send(sv[1], buf, sizeof(struct gofer_rep), -1), -EPIPE);
	close(sv[1]);
	close(pfd[0]);
	close(pfd[1]);
}

/* ---- the server over a socketpair ---------------------------------------------- */

static char tmpl[64];
static char root_path[128], outside_path[160];
static int sock = -1;
static pthread_t server_thread;
static int server_ret;
static int server_rootfd = -1;
static bool server_ro, server_running;
static uint32_t next_tag = 1;

#define NDIRENTS 700

static void make_tree(void)
{
	strcpy(tmpl, "/tmp/gofer-test-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpl));
	snprintf(root_path, sizeof(root_path), "%s/root", tmpl);
	snprintf(outside_path, sizeof(outside_path), "%s/secret", tmpl);
	cr_assert_eq(mkdir(root_path, 0755), 0);
	FILE *f = fopen(outside_path, "w");
	fputs("outside\n", f);
	fclose(f);
	char p[512];
	snprintf(p, sizeof(p), "%s/file", root_path);
	f = fopen(p, "w");
	fputs("hello gofer\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/link", root_path);
	cr_assert_eq(symlink("file", p), 0);
	snprintf(p, sizeof(p), "%s/escape", root_path);
	cr_assert_eq(symlink(outside_path, p), 0);
	snprintf(p, sizeof(p), "%s/dotdot", root_path);
	cr_assert_eq(symlink("../secret", p), 0);
	snprintf(p, sizeof(p), "%s/fifo", root_path);
	cr_assert_eq(mkfifo(p, 0644), 0);
	snprintf(p, sizeof(p), "%s/dir", root_path);
	cr_assert_eq(mkdir(p, 0755), 0);
	for (int k = 0; k < NDIRENTS; k++) {
		char name[300];
		memset(name, 'n', 200);
		snprintf(name + 200, 100, "%04d", k);
		snprintf(p, sizeof(p), "%s/dir/%s", root_path, name);
		int fd = open(p, O_CREAT | O_WRONLY, 0644);
		cr_assert_geq(fd, 0);
		close(fd);
	}
}

static void *serve(void *arg)
{
	int *sv = arg;
	server_ret = gofer_serve(sv[1], server_rootfd, server_ro);
	close(sv[1]);
	return NULL;
}

static void start_server(const char *path, bool readonly)
{
	static int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	server_rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(server_rootfd, 0);
	server_ro = readonly;
	sock = sv[0];
	cr_assert_eq(pthread_create(&server_thread, NULL, serve, sv), 0);
	server_running = true;
}

static void stop_server(void)
{
	if (sock >= 0)
		close(sock);
	sock = -1;
	if (server_running)
		pthread_join(server_thread, NULL);
	server_running = false;
	if (server_rootfd >= 0)
		close(server_rootfd);
	server_rootfd = -1;
	cr_assert_eq(server_ret, 0);
}

static void setup_rw(void) { make_tree(); start_server(root_path, false); }
static void make_tree_only(void) { make_tree(); }
static void setup_ro(void) { make_tree(); start_server(root_path, true); }

static void cleanup(void)
{
	stop_server();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	cr_assert_eq(system(cmd), 0);
}

static _Alignas(8) uint8_t req[GOFER_MSG_MAX], rep[GOFER_MSG_MAX];

/* Send req (len bytes, tag already set by gofer_build) and return the
 * reply's err; *fd gets a donated fd or -1. */
static int call(ssize_t len, int *fd)
{
	cr_assert_gt(len, 0);
	struct gofer_hdr h;
	memcpy(&h, req, sizeof(h));
	cr_assert_eq(gofer_send(sock, req, (size_t)len, -1), 0);
	int rfd = -1;
	ssize_t n = gofer_recv(sock, rep, &rfd);
	cr_assert_gt(n, 0);
	cr_assert_eq(gofer_check_reply(rep, (size_t)n, h.type, h.tag), 0);
	const struct gofer_hdr *r = (const void *)rep;
	if (fd)
		*fd = rfd;
	else if (rfd >= 0)
		close(rfd);
	if (r->err == 0 && (h.type == GOFER_OPEN))
		cr_assert_geq(rfd, 0);
	return r->err;
}

static int call_fid(uint16_t type, uint32_t fid)
{
	struct gofer_req_fid *q = (void *)req;
	q->fid = fid;
	q->pad = 0;
	return call(gofer_build(req, sizeof(*q), type, next_tag++, NULL, 0, NULL, 0), NULL);
}

static uint32_t attach(void)
{
	cr_assert_eq(call(gofer_build(req, sizeof(struct gofer_req_attach), GOFER_ATTACH,
				      next_tag++, NULL, 0, NULL, 0), NULL), 0);
	return ((struct gofer_rep_fidstat *)rep)->fid;
}

static int walk(uint32_t fid, const char *name, uint32_t *newfid)
{
	int err = call(build_walk(req, fid, name, strlen(name)), NULL);
	if (!err && newfid)
		*newfid = ((struct gofer_rep_fidstat *)rep)->fid;
	return err;
}

static int open_fid(uint32_t fid, uint32_t flags, int *fd)
{
	struct gofer_req_open *q = (void *)req;
	q->fid = fid;
	q->flags = flags;
	return call(gofer_build(req, sizeof(*q), GOFER_OPEN, next_tag++, NULL, 0, NULL, 0), fd);
}

TestSuite(gofer_server, .init = setup_rw, .fini = cleanup);

Test(gofer_server, walk_stat_matches_lstat)
{
	uint32_t root = attach(), fid;
	struct stat st;
	cr_assert_eq(lstat(root_path, &st), 0);
	cr_assert_eq(((struct gofer_rep_fidstat *)rep)->st.ino, st.st_ino);
	cr_assert_eq(walk(root, "file", &fid), 0);
	char p[512];
	snprintf(p, sizeof(p), "%s/file", root_path);
	cr_assert_eq(lstat(p, &st), 0);
	cr_assert_eq(call_fid(GOFER_STAT, fid), 0);
	const struct gofer_stat *w = &((struct gofer_rep_stat *)rep)->st;
	cr_assert_eq(w->ino, st.st_ino);
	cr_assert_eq(w->dev, st.st_dev);
	cr_assert_eq(w->mode, st.st_mode);
	cr_assert_eq(w->size, (uint64_t)st.st_size);
	cr_assert_eq(w->nlink, st.st_nlink);
	cr_assert_eq(w->uid, st.st_uid);
	cr_assert_eq(w->mtime_sec, st.st_mtim.tv_sec);
	cr_assert_eq(w->mtime_nsec, (uint32_t)st.st_mtim.tv_nsec);
	cr_assert_eq(walk(root, "missing", NULL), -ENOENT);
	cr_assert_eq(walk(fid, "x", NULL), -ENOTDIR);
	cr_assert_eq(call_fid(GOFER_CLUNK, fid), 0);
	cr_assert_eq(call_fid(GOFER_STAT, fid), -EBADF);
	cr_assert_eq(call_fid(GOFER_CLUNK, fid), -EBADF);
	cr_assert_eq(call_fid(GOFER_STAT, 123456), -EBADF);
	cr_assert_eq(call_fid(GOFER_STATFS, root), 0);
}

Test(gofer_server, open_reads_contents)
{
	uint32_t root = attach(), fid;
	cr_assert_eq(walk(root, "file", &fid), 0);
	int fd;
	cr_assert_eq(open_fid(fid, O_RDONLY, &fd), 0);
	char buf[64] = { 0 };
	cr_assert_eq(read(fd, buf, sizeof(buf)), 12);
	cr_assert_str_eq(buf, "hello gofer\n");
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	cr_assert_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	close(fd);
	cr_assert_eq(open_fid(fid, O_RDONLY | O_DIRECTORY, &fd), -ENOTDIR);
	cr_assert_eq(open_fid(fid, O_RDONLY | O_CREAT, &fd), -EINVAL);
	cr_assert_eq(open_fid(fid, O_ACCMODE, &fd), -EINVAL);
	/* Writable on a read-write server; O_TRUNC applies. */
	cr_assert_eq(open_fid(fid, O_RDWR | O_TRUNC, &fd), 0);
	struct stat st;
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert_eq(st.st_size, 0);
	close(fd);
	/* Directories open read-only only; the root reopens through ".". */
	cr_assert_eq(open_fid(root, O_RDONLY | O_DIRECTORY, &fd), 0);
	close(fd);
	cr_assert_eq(open_fid(root, O_RDWR, &fd), -EISDIR);
}

Test(gofer_server, symlinks_not_followed)
{
	uint32_t root = attach(), fid;
	cr_assert_eq(walk(root, "link", &fid), 0);
	cr_assert(S_ISLNK(((struct gofer_rep_fidstat *)rep)->st.mode));
	cr_assert_eq(call_fid(GOFER_READLINK, fid), 0);
	const struct gofer_rep_data *d = (void *)rep;
	cr_assert_eq(d->len, 4);
	cr_assert(!memcmp(d + 1, "file", 4));
	int fd = -1;
	cr_assert_eq(open_fid(fid, O_RDONLY, &fd), -ELOOP);
	cr_assert_eq(walk(fid, "x", NULL), -ENOTDIR);

	/* Links pointing outside the root open nothing outside. */
	uint32_t esc = 0, dd = 0;
	cr_assert_eq(walk(root, "escape", &esc), 0);
	cr_assert(S_ISLNK(((struct gofer_rep_fidstat *)rep)->st.mode));
	cr_assert_eq(open_fid(esc, O_RDONLY, &fd), -ELOOP);
	cr_assert_eq(walk(esc, "secret", NULL), -ENOTDIR);
	cr_assert_eq(walk(root, "dotdot", &dd), 0);
	cr_assert_eq(open_fid(dd, O_RDONLY, &fd), -ELOOP);
	/* ".." is never a valid name. */
	cr_assert_eq(walk(root, "..", NULL), -EINVAL);
	cr_assert_eq(call_fid(GOFER_READLINK, root), -EINVAL);
}

Test(gofer_server, special_files_not_opened)
{
	uint32_t root = attach(), fid;
	int fd = -1;
	cr_assert_eq(walk(root, "fifo", &fid), 0);
	cr_assert_eq(open_fid(fid, O_RDONLY, &fd), -ENXIO);
}

Test(gofer_server, getdents_batches)
{
	uint32_t root = attach(), dir;
	cr_assert_eq(walk(root, "dir", &dir), 0);
	static bool seen[NDIRENTS];
	memset(seen, 0, sizeof(seen));
	int total = 0, batches = 0, dots = 0;
	uint64_t cookie = 0;
	for (;;) {
		struct gofer_req_getdents *q = (void *)req;
		q->fid = dir;
		q->count = 16384;    /* small batches */
		q->cookie = cookie;
		cr_assert_eq(call(gofer_build(req, sizeof(*q), GOFER_GETDENTS, next_tag++,
					      NULL, 0, NULL, 0), NULL), 0);
		const struct gofer_rep_getdents *r = (void *)rep;
		if (r->count == 0)
			break;
		batches++;
		size_t off = 0;
		const struct gofer_dirent *d;
		const char *name;
		while (gofer_dirent_next(rep, r->hdr.size, &off, &d, &name) == 1) {
			cookie = d->next;
			if (name[0] == '.') {
				dots++;
				continue;
			}
			cr_assert_eq(d->namelen, 204, "namelen %u name %.*s", d->namelen, (int)d->namelen, name);
			cr_assert_eq(d->type, DT_REG);
			int k = atoi(name + 200);
			cr_assert(!seen[k], "entry %d twice", k);
			seen[k] = true;
			total++;
		}
	}
	cr_assert_eq(total, NDIRENTS);
	cr_assert_eq(dots, 2);
	cr_assert_geq(batches, 5);
	/* Not a directory. */
	uint32_t file = 0;
	cr_assert_eq(walk(root, "file", &file), 0);
	struct gofer_req_getdents *q = (void *)req;
	q->fid = file;
	q->count = 4096;
	q->cookie = 0;
	cr_assert_eq(call(gofer_build(req, sizeof(*q), GOFER_GETDENTS, next_tag++,
				      NULL, 0, NULL, 0), NULL), -ENOTDIR);
}

static int mk(uint16_t type, uint32_t dir, const char *name, uint32_t flags, uint32_t mode,
	      uint32_t *fid, int *fd)
{
	struct gofer_req_create *q = (void *)req;
	memset(q, 0, sizeof(*q));
	q->dirfid = dir;
	q->flags = flags;
	q->mode = mode;
	q->namelen = (uint16_t)strlen(name);
	int err = call(gofer_build(req, sizeof(*q), type, next_tag++, name, strlen(name),
				   NULL, 0), fd);
	if (!err && fid)
		*fid = ((struct gofer_rep_fidstat *)rep)->fid;
	return err;
}

static int rename2(uint32_t od, const char *o, uint32_t nd, const char *n, uint32_t flags)
{
	struct gofer_req_rename *q = (void *)req;
	memset(q, 0, sizeof(*q));
	q->olddirfid = od;
	q->newdirfid = nd;
	q->flags = flags;
	q->oldnamelen = (uint16_t)strlen(o);
	q->newnamelen = (uint16_t)strlen(n);
	return call(gofer_build(req, sizeof(*q), GOFER_RENAME, next_tag++, o, strlen(o), n,
				strlen(n)), NULL);
}

static int unlink2(uint32_t dir, const char *name, uint32_t flags)
{
	struct gofer_req_unlink *q = (void *)req;
	memset(q, 0, sizeof(*q));
	q->dirfid = dir;
	q->flags = flags;
	q->namelen = (uint16_t)strlen(name);
	return call(gofer_build(req, sizeof(*q), GOFER_UNLINK, next_tag++, name, strlen(name),
				NULL, 0), NULL);
}

static void host_path(char *p, size_t len, const char *rel)
{
	snprintf(p, len, "%s/%s", root_path, rel);
}

Test(gofer_server, create_mkdir_mknod)
{
	uint32_t root = attach(), fid = 0, dfid = 0;
	int fd = -1;
	char p[512];
	struct stat st;
	cr_assert_eq(mk(GOFER_CREATE, root, "new", O_RDWR, 0640, &fid, &fd), 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "abc", 3), 3);
	close(fd);
	host_path(p, sizeof(p), "new");
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_mode, S_IFREG | 0640);
	cr_assert_eq(st.st_size, 3);
	/* CREATE never opens an existing file (nor a FIFO or a device). */
	cr_assert_eq(mk(GOFER_CREATE, root, "new", O_RDWR, 0640, NULL, &fd), -EEXIST);
	cr_assert_eq(mk(GOFER_CREATE, root, "fifo", O_RDWR, 0640, NULL, &fd), -EEXIST);
	cr_assert_eq(mk(GOFER_CREATE, root, "link", O_RDWR, 0640, NULL, &fd), -EEXIST);
	cr_assert_eq(mk(GOFER_MKDIR, root, "sub", 0, 0710, &dfid, NULL), 0);
	host_path(p, sizeof(p), "sub");
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_mode, S_IFDIR | 0710);
	cr_assert_eq(mk(GOFER_MKNOD, dfid, "pipe", 0, S_IFIFO | 0600, NULL, NULL), 0);
	cr_assert_eq(mk(GOFER_MKNOD, dfid, "sock", 0, S_IFSOCK | 0600, NULL, NULL), 0);
	cr_assert_eq(mk(GOFER_MKNOD, dfid, "null", 0, S_IFCHR | 0600, NULL, NULL), -EPERM);
	cr_assert_eq(mk(GOFER_MKNOD, dfid, "blk", 0, S_IFBLK | 0600, NULL, NULL), -EPERM);
	host_path(p, sizeof(p), "sub/pipe");
	cr_assert_eq(lstat(p, &st), 0);
	cr_assert(S_ISFIFO(st.st_mode));
	/* Only fids of directories take names. */
	cr_assert_eq(mk(GOFER_MKDIR, fid, "x", 0, 0700, NULL, NULL), -EBADF);
	/* Bad names never reach the host. */
	cr_assert_eq(mk(GOFER_MKDIR, root, "..", 0, 0700, NULL, NULL), -EINVAL);
	cr_assert_eq(mk(GOFER_MKDIR, root, "a/b", 0, 0700, NULL, NULL), -EINVAL);
}

Test(gofer_server, symlink_link_unlink)
{
	uint32_t root = attach(), fid = 0;
	char p[512], buf[64];
	struct gofer_req_symlink *q = (void *)req;
	memset(q, 0, sizeof(*q));
	q->dirfid = root;
	q->namelen = 2;
	q->targetlen = 4;
	cr_assert_eq(call(gofer_build(req, sizeof(*q), GOFER_SYMLINK, next_tag++, "sl", 2,
				      "file", 4), NULL), 0);
	host_path(p, sizeof(p), "sl");
	ssize_t n = readlink(p, buf, sizeof(buf));
	cr_assert_eq(n, 4);
	cr_assert(!memcmp(buf, "file", 4));

	/* LINK of a symlink links the symlink itself, never its target. */
	cr_assert_eq(walk(root, "escape", &fid), 0);
	struct gofer_req_link *l = (void *)req;
	memset(l, 0, sizeof(*l));
	l->dirfid = root;
	l->fid = fid;
	l->namelen = 3;
	cr_assert_eq(call(gofer_build(req, sizeof(*l), GOFER_LINK, next_tag++, "hl2", 3,
				      NULL, 0), NULL), 0);
	struct stat st;
	host_path(p, sizeof(p), "hl2");
	cr_assert_eq(lstat(p, &st), 0);
	cr_assert(S_ISLNK(st.st_mode));

	cr_assert_eq(unlink2(root, "dir", 0), -EISDIR);
	cr_assert_eq(unlink2(root, "dir", AT_REMOVEDIR), -ENOTEMPTY);
	cr_assert_eq(unlink2(root, "hl2", 0), 0);
	cr_assert_eq(lstat(p, &st), -1);
	cr_assert_eq(unlink2(root, "sl", 0x1234), -EINVAL);
}

Test(gofer_server, rename_keeps_fids_usable)
{
	uint32_t root = attach(), fid, sub;
	int fd = -1;
	cr_assert_eq(walk(root, "file", &fid), 0);
	cr_assert_eq(mk(GOFER_MKDIR, root, "sub", 0, 0755, &sub, NULL), 0);
	cr_assert_eq(rename2(root, "file", sub, "moved", 0), 0);
	/* The fid follows its file: OPEN reopens it at the new name. */
	cr_assert_eq(open_fid(fid, O_RDONLY, &fd), 0);
	char buf[32] = { 0 };
	cr_assert_eq(read(fd, buf, sizeof(buf)), 12);
	close(fd);
	cr_assert_eq(rename2(sub, "moved", root, "link", RENAME_NOREPLACE), -EEXIST);
	cr_assert_eq(rename2(sub, "moved", root, "link", RENAME_EXCHANGE), 0);
	cr_assert_eq(open_fid(fid, O_RDONLY, &fd), 0);
	close(fd);
	cr_assert_eq(rename2(sub, "x", root, "y", RENAME_EXCHANGE | RENAME_NOREPLACE), -EINVAL);
}

Test(gofer_server, setattr_and_fsync)
{
	uint32_t root = attach(), fid = 0, lfid = 0;
	char p[512];
	struct stat st;
	cr_assert_eq(walk(root, "file", &fid), 0);
	struct gofer_req_setattr *q = (void *)req;
	memset(q, 0, sizeof(*q));
	q->fid = fid;
	q->valid = (1 << 0) | (1 << 3) | (1 << 4) | (1 << 5);   /* mode size atime mtime */
	q->mode = 0600;
	q->size = 5;
	q->atime_sec = 1000;
	q->mtime_sec = 2000;
	q->mtime_nsec = 7;
	cr_assert_eq(call(gofer_build(req, sizeof(*q), GOFER_SETATTR, next_tag++, NULL, 0,
				      NULL, 0), NULL), 0);
	host_path(p, sizeof(p), "file");
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(st.st_size, 5);
	cr_assert_eq(st.st_atime, 1000);
	cr_assert_eq(st.st_mtim.tv_sec, 2000);
	cr_assert_eq(st.st_mtim.tv_nsec, 7);
	/* UTIME_OMIT leaves a time alone; a symlink's mode cannot change and
	 * its target is never touched. */
	q->valid = 1 << 5;
	q->mtime_nsec = UTIME_OMIT;
	cr_assert_eq(call(gofer_build(req, sizeof(*q), GOFER_SETATTR, next_tag++, NULL, 0,
				      NULL, 0), NULL), 0);
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_mtim.tv_sec, 2000);
	cr_assert_eq(walk(root, "escape", &lfid), 0);
	q->fid = lfid;
	q->valid = 1 << 0;
	q->mode = 0777;
	cr_assert_neq(call(gofer_build(req, sizeof(*q), GOFER_SETATTR, next_tag++, NULL, 0,
				       NULL, 0), NULL), 0);
	cr_assert_eq(stat(outside_path, &st), 0);
	cr_assert_neq(st.st_mode & 0777, 0777);
	q->valid = 1 << 3;
	q->size = 0;
	cr_assert_eq(call(gofer_build(req, sizeof(*q), GOFER_SETATTR, next_tag++, NULL, 0,
				      NULL, 0), NULL), -EINVAL);
	cr_assert_eq(stat(outside_path, &st), 0);
	cr_assert_gt(st.st_size, 0);
	cr_assert_eq(call_fid(GOFER_FSYNC, fid), 0);
}

Test(gofer_server, user_xattrs_only)
{
	uint32_t root = attach(), fid;
	cr_assert_eq(walk(root, "file", &fid), 0);
	struct gofer_req_xattr *q = (void *)req;
	memset(q, 0, sizeof(*q));
	q->fid = fid;
	q->namelen = 8;
	q->valuelen = 3;
	int err = call(gofer_build(req, sizeof(*q), GOFER_SETXATTR, next_tag++, "user.foo", 8,
				   "bar", 3), NULL);
	if (err == -EOPNOTSUPP)
		return;   /* the host filesystem (tmpfs without user xattrs) */
	cr_assert_eq(err, 0);
	q->valuelen = 0;
	cr_assert_eq(call(gofer_build(req, sizeof(*q), GOFER_GETXATTR, next_tag++, "user.foo", 8,
				      NULL, 0), NULL), 0);
	const struct gofer_rep_data *r = (const void *)rep;
	cr_assert_eq(r->len, 3);
	cr_assert(!memcmp(r + 1, "bar", 3));
	q->namelen = 12;
	cr_assert_eq(call(gofer_build(req, sizeof(*q), GOFER_GETXATTR, next_tag++,
				      "trusted.foo1", 12, NULL, 0), NULL), -EOPNOTSUPP);
	cr_assert_eq(call_fid(GOFER_LISTXATTR, fid), 0);
	q->namelen = 8;
	cr_assert_eq(call(gofer_build(req, sizeof(*q), GOFER_REMOVEXATTR, next_tag++, "user.foo", 8,
				      NULL, 0), NULL), 0);
}

struct multi {
	int socks[2];
	int ret;
};

static void *serve_multi(void *arg)
{
	struct multi *m = arg;
	m->ret = gofer_serve_channels(m->socks, 2, server_rootfd, false);
	return NULL;
}

/* Two channels served at once: each has its own fids, and a request left
 * unanswered on one does not hold up the other. */
Test(gofer_multi, two_channels, .init = make_tree_only, .fini = cleanup)
{
	int a[2], b[2];
	struct multi m;
	pthread_t th;
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, a), 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, b), 0);
	server_rootfd = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	m.socks[0] = a[1];
	m.socks[1] = b[1];
	cr_assert_eq(pthread_create(&th, NULL, serve_multi, &m), 0);
	ssize_t n = gofer_build(req, sizeof(struct gofer_req_attach), GOFER_ATTACH, 1, NULL, 0, NULL, 0);
	cr_assert_eq(gofer_send(a[0], req, (size_t)n, -1), 0);
	n = gofer_build(req, sizeof(struct gofer_req_attach), GOFER_ATTACH, 2, NULL, 0, NULL, 0);
	cr_assert_eq(gofer_send(b[0], req, (size_t)n, -1), 0);
	n = gofer_recv(b[0], rep, NULL);
	cr_assert_eq(gofer_check_reply(rep, (size_t)n, GOFER_ATTACH, 2), 0);
	cr_assert_eq(((struct gofer_hdr *)rep)->err, 0);
	n = gofer_recv(a[0], rep, NULL);
	cr_assert_eq(gofer_check_reply(rep, (size_t)n, GOFER_ATTACH, 1), 0);
	cr_assert_eq(((struct gofer_hdr *)rep)->err, 0);
	close(a[0]);
	close(b[0]);
	pthread_join(th, NULL);
	cr_assert_eq(m.ret, 0);
	close(a[1]);
	close(b[1]);
}

Test(gofer_server, fid_table_bounded)
{
	struct rlimit rl;
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	uint32_t root = attach();
	int err = 0;
	uint32_t k;
	for (k = 0; k < GOFER_MAX_FIDS + 10 && !err; k++)
		err = walk(root, "dir", NULL);
	/* Either the table fills (ENFILE) or the process runs out of fds. */
	cr_assert(err == -ENFILE || err == -EMFILE, "err %d after %u walks", err, k);
	cr_assert_leq(k, GOFER_MAX_FIDS);
	/* The server still answers. */
	cr_assert_eq(call_fid(GOFER_STAT, root), 0);
}

Test(gofer_server, garbage_does_not_crash)
{
	uint32_t root = attach();
	srand(1234);
	static _Alignas(8) uint8_t junk[512];
	for (int k = 0; k < 1000; k++) {
		size_t len = (size_t)(rand() % (int)sizeof(junk));
		for (size_t b = 0; b < len; b++)
			junk[b] = (uint8_t)rand();
		if (len >= sizeof(struct gofer_hdr) && (k & 1)) {
			/* Plausible header, random body: reaches the handlers. */
			struct gofer_hdr h = { .size = (uint32_t)len,
					       .type = (uint16_t)(rand() % (GOFER_TYPE_MAX + 2)),
					       .tag = 0xdead0000u | (uint32_t)k };
			if (h.type == GOFER_CLUNK)
				h.type = GOFER_STAT;   /* keep the root fid */
			memcpy(junk, &h, sizeof(h));
		}
		cr_assert_eq(send(sock, junk, len, MSG_NOSIGNAL), (ssize_t)len);
		/* A STAT of the root after each: skip the garbage's replies. */
		struct gofer_req_fid *q = (void *)req;
		q->fid = root;
		q->pad = 0;
		uint32_t tag = next_tag++;
		ssize_t n = gofer_build(req, sizeof(*q), GOFER_STAT, tag, NULL, 0, NULL, 0);
		cr_assert_eq(gofer_send(sock, req, (size_t)n, -1), 0);
		for (;;) {
			int fd = -1;
			n = gofer_recv(sock, rep, &fd);
			cr_assert_gt(n, 0, "server died at message %d", k);
			if (fd >= 0)
				close(fd);
			const struct gofer_hdr *h = (void *)rep;
			if ((size_t)n >= sizeof(*h) && h->tag == tag) {
				cr_assert_eq(gofer_check_reply(rep, (size_t)n, GOFER_STAT, tag), 0);
				cr_assert_eq(h->err, 0);
				break;
			}
		}
	}
}

TestSuite(gofer_ro, .init = setup_ro, .fini = cleanup);

Test(gofer_ro, refuses_writes)
{
	uint32_t root = attach(), fid;
	int fd = -1;
	cr_assert_eq(walk(root, "file", &fid), 0);
	cr_assert_eq(open_fid(fid, O_WRONLY, &fd), -EROFS);
	cr_assert_eq(open_fid(fid, O_RDWR, &fd), -EROFS);
	cr_assert_eq(open_fid(fid, O_RDONLY | O_TRUNC, &fd), -EROFS);
	cr_assert_eq(open_fid(fid, O_RDONLY, &fd), 0);
	close(fd);
	cr_assert_eq(mk(GOFER_MKDIR, root, "new", 0, 0755, NULL, NULL), -EROFS);
	cr_assert_eq(mk(GOFER_CREATE, root, "new", O_RDWR, 0644, NULL, &fd), -EROFS);
	cr_assert_eq(unlink2(root, "file", 0), -EROFS);
	cr_assert_eq(rename2(root, "file", root, "x", 0), -EROFS);
	cr_assert_eq(call_fid(GOFER_FSYNC, fid), -EROFS);
	char p[512];
	host_path(p, sizeof(p), "new");
	cr_assert_eq(access(p, F_OK), -1);
}

/* Host device nodes are never opened. */
Test(gofer_host, devices_refused, .fini = stop_server)
{
	start_server("/", true);
	uint32_t root = attach(), dev, null;
	int fd = -1;
	cr_assert_eq(walk(root, "dev", &dev), 0);
	cr_assert_eq(walk(dev, "null", &null), 0);
	cr_assert(S_ISCHR(((struct gofer_rep_fidstat *)rep)->st.mode));
	cr_assert_eq(open_fid(null, O_RDONLY, &fd), -EACCES);
}

/* ---- goferfs over the server ---------------------------------------------------- */

struct collect {
	struct dir_context ctx;
	int n, limit, dots;
	uint64_t dot_ino, dotdot_ino;
};

static bool emit_collect(struct dir_context *dc, const char *name, size_t len,
			 uint64_t ino, unsigned type)
{
	struct collect *c = (struct collect *)dc;
	if (c->n >= c->limit)
		return false;
	if (len == 1 && name[0] == '.')
		c->dot_ino = ino;
	if (len == 2 && !memcmp(name, "..", 2))
		c->dotdot_ino = ino;
	c->n++;
	return true;
}

static struct file *fake_open(struct inode *i, int flags, int *err)
{
	struct file *f = calloc(1, sizeof(*f));
	f->refs = 1;
	f->inode = i;
	f->flags = flags;
	*err = i->iops->open(i, f);
	return f;
}

static void fake_close(struct file *f)
{
	if (f->fops && f->fops->release)
		f->fops->release(f);
	free(f);
}

TestSuite(goferfs, .init = setup_ro, .fini = cleanup);

Test(goferfs, lookup_read_iterate)
{
	struct super_block *sb = goferfs_new(sock, true);
	cr_assert_not_null(sb);
	cr_assert_str_eq(sb->fstype, "9p");
	cr_assert_eq(sb->magic, 0x01021997u);
	struct inode *root = sb->root->inode;
	struct stat st;
	cr_assert_eq(lstat(root_path, &st), 0);
	cr_assert_eq(root->ino, st.st_ino);

	struct inode *file, *link, *dir, *fifo;
	cr_assert_eq(root->iops->lookup(root, "missing", &file), -ENOENT);
	cr_assert_eq(root->iops->lookup(root, "file", &file), 0);
	cr_assert(S_ISREG(file->mode));
	cr_assert_eq(file->size, 12);
	cr_assert_eq(file->iops->revalidate(file), 0);

	int err;
	struct file *f = fake_open(file, O_RDONLY, &err);
	cr_assert_eq(err, 0);
	char buf[64] = { 0 };
	uint64_t pos = 6;
	cr_assert_eq(f->fops->read(f, buf, sizeof(buf), &pos), 6);
	cr_assert_str_eq(buf, "gofer\n");
	cr_assert_eq(pos, 12);
	fake_close(f);
	f = fake_open(file, O_WRONLY, &err);
	cr_assert_eq(err, -EROFS);
	fake_close(f);

	cr_assert_eq(root->iops->lookup(root, "link", &link), 0);
	cr_assert(S_ISLNK(link->mode));
	cr_assert_eq(link->iops->readlink(link, buf, sizeof(buf)), 4);
	cr_assert(!memcmp(buf, "file", 4));
	cr_assert_eq(link->iops->readlink(link, buf, 2), 2);

	cr_assert_eq(root->iops->lookup(root, "fifo", &fifo), 0);
	f = fake_open(fifo, O_RDONLY, &err);
	cr_assert_eq(err, -ENXIO);
	fake_close(f);

	cr_assert_eq(root->iops->lookup(root, "dir", &dir), 0);
	f = fake_open(dir, O_RDONLY | O_DIRECTORY, &err);
	cr_assert_eq(err, 0);
	/* Several getdents calls, each stopping when the "buffer" is full. */
	struct collect c = { .ctx.emit = emit_collect, .limit = 100 };
	int total = 0;
	for (;;) {
		c.n = 0;
		cr_assert_eq(f->fops->iterate(f, &c.ctx), 0);
		if (c.n == 0)
			break;
		total += c.n;
	}
	cr_assert_eq(total, NDIRENTS + 2);
	cr_assert_eq(c.dot_ino, dir->ino);
	fake_close(f);

	struct statfs sfs;
	cr_assert_eq(sb->statfs(sb, &sfs), 0);
	cr_assert_eq(sfs.f_type, 0x01021997);

	inode_put(file);
	inode_put(link);
	inode_put(fifo);
	inode_put(dir);
	dentry_put(sb->root);
	goferfs_destroy(sb);
}

Test(goferfs_rw, write_operations, .init = setup_rw, .fini = cleanup)
{
	struct super_block *sb = goferfs_new(sock, false);
	cr_assert_not_null(sb);
	struct inode *root = sb->root->inode, *f, *d, *l, *n;
	char p[512], buf[32] = { 0 };
	struct stat st;
	int err;
	cr_assert_eq(root->iops->create(root, "made", S_IFREG | 0604, NULL, &f), 0);
	struct file *fl = fake_open(f, O_WRONLY, &err);
	cr_assert_eq(err, 0);
	uint64_t pos = 0;
	cr_assert_eq(fl->fops->write(fl, "data", 4, &pos), 4);
	fake_close(fl);
	host_path(p, sizeof(p), "made");
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_mode, S_IFREG | 0604);
	cr_assert_eq(st.st_ino, f->ino);
	cr_assert_eq(root->iops->mkdir(root, "d", S_IFDIR | 0700, NULL, &d), 0);
	cr_assert(S_ISDIR(d->mode));
	cr_assert_eq(root->iops->rename(root, "made", d, "moved", 0), 0);
	fl = fake_open(f, O_RDONLY, &err);   /* the fid followed the rename */
	cr_assert_eq(err, 0);
	pos = 0;
	cr_assert_eq(fl->fops->read(fl, buf, sizeof(buf), &pos), 4);
	fake_close(fl);
	cr_assert_eq(d->iops->symlink(d, "sl", "moved", NULL, &l), 0);
	cr_assert(S_ISLNK(l->mode));
	cr_assert_eq(d->iops->link(d, "hard", f), 0);
	cr_assert_eq(f->nlink, 2);
	struct iattr ia = { .valid = ATTR_SIZE | ATTR_MODE, .size = 1, .mode = 0600 };
	cr_assert_eq(f->iops->setattr(f, &ia), 0);
	cr_assert_eq(f->size, 1);
	cr_assert_eq(f->mode, S_IFREG | 0600);
	cr_assert_eq(d->iops->mknod(d, "dev", S_IFCHR | 0600, 0x0103, NULL, &n), -EPERM);
	int xe = f->iops->setxattr(f, "user.k", "vv", 2, 0);
	if (xe != -EOPNOTSUPP) {   /* the host filesystem may lack user xattrs */
		cr_assert_eq(xe, 0);
		cr_assert_eq(f->iops->getxattr(f, "user.k", NULL, 0), 2);
		cr_assert_eq(f->iops->getxattr(f, "user.k", buf, 1), -ERANGE);
		cr_assert_eq(f->iops->getxattr(f, "user.k", buf, sizeof(buf)), 2);
		cr_assert_eq(f->iops->listxattr(f, buf, sizeof(buf)), 7);
		cr_assert_str_eq(buf, "user.k");
		cr_assert_eq(f->iops->removexattr(f, "user.k"), 0);
		cr_assert_eq(f->iops->getxattr(f, "trusted.k", buf, sizeof(buf)), -EOPNOTSUPP);
	}
	cr_assert_eq(d->iops->unlink(d, "hard", f), 0);
	cr_assert_eq(d->iops->unlink(d, "moved", f), 0);
	cr_assert_eq(d->iops->unlink(d, "sl", l), 0);
	cr_assert_eq(root->iops->rmdir(root, "d", d), 0);
	host_path(p, sizeof(p), "d");
	cr_assert_eq(access(p, F_OK), -1);
	inode_put(f);
	inode_put(l);
	inode_put(d);
	dentry_put(sb->root);
	goferfs_destroy(sb);
}

Test(goferfs, gofer_death_is_eio)
{
	struct super_block *sb = goferfs_new(sock, true);
	cr_assert_not_null(sb);
	struct inode *root = sb->root->inode, *file;
	cr_assert_eq(root->iops->lookup(root, "file", &file), 0);
	/* The gofer goes away: its end of the channel is shut down. */
	shutdown(sock, SHUT_WR);
	pthread_join(server_thread, NULL);
	server_running = false;
	cr_assert_eq(root->iops->lookup(root, "dir", &file), -EIO);
	int err;
	struct file *f = fake_open(file, O_RDONLY, &err);
	cr_assert_eq(err, -EIO);
	fake_close(f);
	inode_put(file);
	dentry_put(sb->root);
	goferfs_destroy(sb);
}

/* ---- a hostile gofer ------------------------------------------------------------ */

/* Answers ATTACH and WALK correctly, then a successful OPEN without the fd,
 * then a reply with the wrong tag to everything else. */
static void *evil_gofer(void *arg)
{
	int s = *(int *)arg;
	static _Alignas(8) uint8_t in[GOFER_MSG_MAX], out[GOFER_MSG_MAX];
	ssize_t n;
	while ((n = gofer_recv(s, in, NULL)) > 0) {
		const struct gofer_hdr *h = (void *)in;
		struct gofer_rep_fidstat *r = (void *)out;
		memset(out, 0, sizeof(*r));
		size_t size = sizeof(struct gofer_rep);
		uint32_t tag = h->tag;
		if (h->type == GOFER_ATTACH || h->type == GOFER_WALK) {
			r->fid = h->type == GOFER_ATTACH ? 0 : 1;
			r->st.mode = h->type == GOFER_ATTACH ? (S_IFDIR | 0755) : (S_IFREG | 0644);
			r->st.ino = 77;
			size = sizeof(*r);
		} else if (h->type != GOFER_OPEN) {
			tag++;
		}
		gofer_reply_hdr(out, size, h->type, tag, 0);
		if (gofer_send(s, out, size, -1) < 0)
			break;
	}
	close(s);
	return NULL;
}

Test(goferfs_hostile, bad_replies_kill_the_channel)
{
	int sv[2];
	pthread_t th;
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(pthread_create(&th, NULL, evil_gofer, &sv[1]), 0);
	struct super_block *sb = goferfs_new(sv[0], true);
	cr_assert_not_null(sb);
	struct inode *root = sb->root->inode, *file, *other;
	cr_assert_eq(root->iops->lookup(root, "f", &file), 0);
	cr_assert_eq(file->ino, 77);
	int err;
	struct file *f = fake_open(file, O_RDONLY, &err);
	cr_assert_eq(err, -EIO);     /* success without an fd */
	fake_close(f);
	cr_assert_eq(root->iops->lookup(root, "g", &other), -EIO);   /* dead from now on */
	inode_put(file);
	dentry_put(sb->root);
	goferfs_destroy(sb);
	close(sv[0]);
	pthread_join(th, NULL);
}

Test(goferfs_hostile, wrong_tag_fails_attach)
{
	int sv[2];
	pthread_t th;
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(pthread_create(&th, NULL, evil_gofer, &sv[1]), 0);
	/* A STAT through a fresh channel gets a reply with the wrong tag. */
	struct gofer_chan ch = { .fd = sv[0], .req = req, .rep = rep };
	cr_assert_eq(gofer_rpc_fid(&ch, GOFER_STAT, 0), -EIO);
	cr_assert(ch.dead);
	cr_assert_eq(gofer_rpc_fid(&ch, GOFER_STAT, 0), -EIO);
	close(sv[0]);
	pthread_join(th, NULL);
}
