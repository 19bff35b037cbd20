/*
 * Fuzz target: a hostile sentry talking to the gofer server.
 *
 * The input is a sequence of datagrams, each [u16 len][len bytes]; bit 15 of
 * len asks the harness to fix up hdr.size so the fuzzer gets past the size
 * check more often. They are sent, one at a time, to a fresh gofer server
 * (gofer_serve in a thread, read-write unless the first byte is odd) that
 * serves a small scratch tree (files, a directory, symlinks to "/" and
 * ".."). Every reply is read and checked with the client's own validator.
 *
 * Oracles: no crash or sanitizer report in the server; a reply to every
 * request whose header is readable (a hang aborts); nothing outside the
 * scratch tree changes: the directory that holds the tree keeps exactly its
 * entries and the marker file beside the tree keeps its content.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gofer/gofer.h"
#include "gofer/protocol.h"

#define MARKER "cvisor-fuzz-marker: outside the served tree\n"

static char outer[256];   /* holds "tree" (served) and "marker" (must not change) */
static char tree[300];

static void die(const char *what)
{
	perror(what);
	abort();
}

static void rm_rf(int dirfd)
{
	DIR *d = fdopendir(dirfd);
	if (!d)
		die("fdopendir");
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dirfd, e->d_name, 0) == 0)
			continue;
		int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		if (sub >= 0) {
			fchmod(sub, 0755);
			rm_rf(sub);
		}
		if (unlinkat(dirfd, e->d_name, AT_REMOVEDIR) && errno != ENOENT)
			die("unlinkat");
	}
	closedir(d);
}

/* A fresh scratch tree for each input: the previous one may be anything. */
static void make_tree(void)
{
	int fd = open(tree, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fchmod(fd, 0755);
		rm_rf(fd);
	} else if (mkdir(tree, 0755)) {
		die("mkdir tree");
	}
	int t = open(tree, O_RDONLY | O_DIRECTORY);
	if (t < 0 || mkdirat(t, "dir", 0755) || symlinkat("/", t, "root-link") ||
	    symlinkat("..", t, "up-link") || symlinkat("../marker", t, "marker-link") ||
	    mkfifoat(t, "fifo", 0644))
		die("populate tree");
	int f = openat(t, "file", O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (f < 0 || write(f, "data\n", 5) != 5)
		die("file");
	close(f);
	close(t);
}

static void setup_once(void)
{
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : ".";
	snprintf(outer, sizeof(outer), "%s/cvisor-fuzz-gofer-XXXXXX", base);
	if (!mkdtemp(outer))
		die("mkdtemp");
	snprintf(tree, sizeof(tree), "%s/tree", outer);
	char marker[300];
	snprintf(marker, sizeof(marker), "%s/marker", outer);
	int m = open(marker, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (m < 0 || write(m, MARKER, strlen(MARKER)) != (ssize_t)strlen(MARKER))
		die("marker");
	close(m);
}

/* The directory around the tree must still hold exactly "tree" and an
 * unchanged "marker". */
static void check_outside(void)
{
	DIR *d = opendir(outer);
	if (!d)
		die("opendir outer");
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (strcmp(e->d_name, "tree") && strcmp(e->d_name, "marker")) {
			fprintf(stderr, "escape: %s/%s was created\n", outer, e->d_name);
			abort();
		}
		n++;
	}
	closedir(d);
	char marker[300], buf[128];
	snprintf(marker, sizeof(marker), "%s/marker", outer);
	int m = open(marker, O_RDONLY | O_NOFOLLOW);
	ssize_t r = m < 0 ? -1 : read(m, buf, sizeof(buf));
	if (n != 2 || r != (ssize_t)strlen(MARKER) || memcmp(buf, MARKER, (size_t)r)) {
		fprintf(stderr, "escape: the marker beside the tree changed\n");
		abort();
	}
	close(m);
}

struct server_arg {
	int sock, rootfd;
	bool readonly;
};

static void *serve(void *p)
{
	struct server_arg *a = p;
	gofer_serve(a->sock, a->rootfd, a->readonly);
	return NULL;
}

/* Send one datagram; read and check the reply when the server owes one. */
static void exchange(int sock, uint8_t *msg, size_t len)
{
	if (gofer_send(sock, msg, len, -1) < 0)
		die("send");
	if (len < sizeof(struct gofer_hdr))
		return;   /* not even a header: the server drops it */
	struct pollfd p = { .fd = sock, .events = POLLIN };
	int r;
	while ((r = poll(&p, 1, 10000)) < 0 && errno == EINTR)
		;   /* libFuzzer's timeout checks are SIGALRMs */
	if (r != 1) {
		fprintf(stderr, "the gofer did not answer a request\n");
		abort();
	}
	static uint8_t rep[GOFER_MSG_MAX];
	int fd = -1;
	ssize_t n = gofer_recv(sock, rep, &fd);
	if (n <= 0)
		die("recv");
	if (fd >= 0)
		close(fd);
	const struct gofer_hdr *q = (const void *)msg;
	/* Replies must be well formed whenever the request named a real type. */
	if (q->type > 0 && q->type < GOFER_TYPE_MAX && gofer_check_reply(rep, (size_t)n, q->type, q->tag)) {
		fprintf(stderr, "malformed reply to type %u\n", q->type);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		setup_once();
		ready = true;
	}
	make_tree();
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		die("socketpair");
	struct server_arg a = { .sock = sv[1], .readonly = size > 0 && (data[0] & 1) };
	a.rootfd = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (a.rootfd < 0)
		die("open tree");
	pthread_t th;
	if (pthread_create(&th, NULL, serve, &a))
		die("pthread_create");

	static uint8_t msg[GOFER_MSG_MAX];
	size_t off = size > 0 ? 1 : 0;
	while (off + 2 <= size) {
		uint16_t raw = (uint16_t)(data[off] | data[off + 1] << 8);
		off += 2;
		size_t len = raw & 0x7fff;
		if (len > size - off)
			len = size - off;
		memcpy(msg, data + off, len);
		off += len;
		if ((raw & 0x8000) && len >= sizeof(uint32_t)) {
			uint32_t l32 = (uint32_t)len;
			memcpy(msg, &l32, sizeof(l32));
		}
		if (len == 0)
			continue;   /* an empty datagram reads as EOF on SEQPACKET */
		exchange(sv[0], msg, len);
	}
	close(sv[0]);
	pthread_join(th, NULL);
	close(sv[1]);
	close(a.rootfd);
	check_outside();
	return 0;
}
