/* Unix stream sockets: socketpair ping-pong across fork, a listening
 * socket on a /tmp path with 3 clients, an abstract address, SCM_RIGHTS
 * passing a pipe fd, EPIPE + SIGPIPE and MSG_NOSIGNAL, errors. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

/* Names carry the pid: the static and dynamic builds run in parallel. */
static socklen_t mkaddr(struct sockaddr_un *a, const char *base, int abstract)
{
	char path[96];

	snprintf(path, sizeof(path), "%s-%d", base, (int)getpid());
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (abstract) {
		memcpy(a->sun_path + 1, path, strlen(path));
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path));
	}
	strcpy(a->sun_path, path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static void pingpong(void)
{
	int sv[2];
	char buf[16];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		for (int i = 0; i < 100; i++) {
			CHECK(read(sv[1], buf, 4) == 4, "child read");
			buf[0] = 'o';
			CHECK(write(sv[1], buf, 4) == 4, "child write");
		}
		_exit(0);
	}
	close(sv[1]);
	for (int i = 0; i < 100; i++) {
		CHECK(write(sv[0], "ping", 4) == 4, "write");
		CHECK(read(sv[0], buf, 4) == 4 && !memcmp(buf, "oing", 4), "pong");
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child");
	CHECK(read(sv[0], buf, 4) == 0, "EOF after child exit");
	close(sv[0]);
	printf("pingpong ok\n");
}

static void server(void)
{
	struct sockaddr_un a, got;
	socklen_t len = mkaddr(&a, "/tmp/cvisor-unix-test", 0), glen;
	int l, c, i;
	struct stat st;
	char buf[32];

	unlink(a.sun_path);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(l >= 0, "socket");
	CHECK(fcntl(l, F_GETFD) == FD_CLOEXEC, "cloexec");
	CHECK(fstat(l, &st) == 0 && S_ISSOCK(st.st_mode), "fstat S_IFSOCK");
	CHECK(listen(l, 5) == -1 && errno == EINVAL, "listen unbound");
	CHECK(bind(l, (struct sockaddr *)&a, len) == 0, "bind");
	CHECK(stat(a.sun_path, &st) == 0 && S_ISSOCK(st.st_mode), "socket inode");
	CHECK(bind(l, (struct sockaddr *)&a, len) == -1 && errno == EADDRINUSE, "bind twice");
	struct sockaddr_un a2;
	socklen_t len2 = mkaddr(&a2, "/tmp/cvisor-unix-test2", 0);
	unlink(a2.sun_path);
	CHECK(bind(l, (struct sockaddr *)&a2, len2) == -1 && errno == EINVAL, "rebind");
	CHECK(access(a2.sun_path, F_OK) == -1 && errno == ENOENT, "no leftover node");
	int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(l2, (struct sockaddr *)&a, len) == -1 && errno == EADDRINUSE, "in use");
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, len) == -1 && errno == ECONNREFUSED, "not listening");
	close(c);
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(connect(d, (struct sockaddr *)&a, len) == -1 && errno == EPROTOTYPE, "prototype");
	close(d);
	CHECK(listen(l, 5) == 0, "listen");
	int on = 0;
	socklen_t ol = sizeof(on);
	CHECK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &on, &ol) == 0 && on == 1, "acceptconn");

	for (i = 0; i < 3; i++) {
		if (fork() == 0) {
			int s = socket(AF_UNIX, SOCK_STREAM, 0);
			CHECK(connect(s, (struct sockaddr *)&a, len) == 0, "client connect");
			snprintf(buf, sizeof(buf), "client %d", i);
			CHECK(write(s, buf, strlen(buf)) == (ssize_t)strlen(buf), "client write");
			CHECK(read(s, buf, sizeof(buf)) == 3 && !memcmp(buf, "bye", 3), "client read");
			_exit(0);
		}
	}
	int seen = 0;
	for (i = 0; i < 3; i++) {
		glen = sizeof(got);
		c = accept4(l, (struct sockaddr *)&got, &glen, SOCK_CLOEXEC);
		CHECK(c >= 0, "accept");
		CHECK(glen == sizeof(sa_family_t) && got.sun_family == AF_UNIX, "unnamed peer %d", glen);
		struct ucred cr;
		socklen_t crl = sizeof(cr);
		CHECK(getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &crl) == 0 && crl == sizeof(cr), "peercred");
		CHECK(cr.pid > 0 && cr.pid != getpid() && cr.uid == getuid(), "peercred values");
		glen = sizeof(got);
		CHECK(getsockname(c, (struct sockaddr *)&got, &glen) == 0 && glen == len &&
		      !strcmp(got.sun_path, a.sun_path), "accepted name");
		ssize_t n = read(c, buf, sizeof(buf) - 1);
		CHECK(n == 8, "server read %zd", n);
		buf[n] = 0;
		seen |= 1 << (buf[7] - '0');
		CHECK(write(c, "bye", 3) == 3, "server write");
		close(c);
	}
	CHECK(seen == 7, "all clients");
	while (wait(NULL) > 0)
		;
	/* Unlinking the name makes later connects fail with ENOENT. */
	CHECK(unlink(a.sun_path) == 0, "unlink");
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, len) == -1 && errno == ENOENT, "ENOENT");
	close(c);
	close(l);
	close(l2);
	printf("server ok\n");
}

static void abstract(void)
{
	struct sockaddr_un a, got;
	socklen_t len = mkaddr(&a, "cvisor-abstract", 1), glen = sizeof(got);
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0), c, s;

	CHECK(bind(l, (struct sockaddr *)&a, len) == 0, "bind abstract");
	CHECK(getsockname(l, (struct sockaddr *)&got, &glen) == 0 && glen == len &&
	      !memcmp(&got, &a, len), "abstract name");
	CHECK(accept(l, NULL, NULL) == -1 && errno == EINVAL, "accept before listen");
	CHECK(listen(l, 0) == 0, "listen");
	CHECK(accept(l, NULL, NULL) == -1 && errno == EAGAIN, "nonblocking accept");
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, len) == 0, "connect abstract");
	struct pollfd p = { .fd = l, .events = POLLIN };
	CHECK(poll(&p, 1, 1000) == 1 && p.revents == POLLIN, "listener readable");
	s = accept(l, NULL, NULL);
	CHECK(s >= 0, "accept");
	CHECK(connect(c, (struct sockaddr *)&a, len) == -1 && errno == EISCONN, "isconn");
	glen = sizeof(got);
	CHECK(getpeername(c, (struct sockaddr *)&got, &glen) == 0 && glen == len, "peername");
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	/* Abstract names are per type: a datagram socket does not find it. */
	CHECK(connect(d, (struct sockaddr *)&a, len) == -1 && errno == ECONNREFUSED, "other type");
	close(d);
	close(s);
	close(c);
	close(l);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, len) == -1 && errno == ECONNREFUSED, "gone");
	close(c);
	printf("abstract ok\n");
}

static void pass_fd(void)
{
	int sv[2], p[2];
	char buf[16];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	CHECK(pipe(p) == 0, "pipe");
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } cb;
	struct iovec iov = { "x", 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb.b,
			    .msg_controllen = sizeof(cb.b) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &p[1], sizeof(int));
	CHECK(sendmsg(sv[0], &m, 0) == 1, "sendmsg");
	close(p[1]);                    /* only the in-flight reference remains */

	pid_t pid = fork();
	if (pid == 0) {
		union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } rb;
		struct iovec ri = { buf, sizeof(buf) };
		struct msghdr r = { .msg_iov = &ri, .msg_iovlen = 1, .msg_control = rb.b,
				    .msg_controllen = sizeof(rb.b) };
		CHECK(recvmsg(sv[1], &r, MSG_CMSG_CLOEXEC) == 1, "recvmsg");
		struct cmsghdr *rh = CMSG_FIRSTHDR(&r);
		CHECK(rh && rh->cmsg_type == SCM_RIGHTS && rh->cmsg_len == CMSG_LEN(sizeof(int)), "cmsg");
		CHECK(!(r.msg_flags & MSG_CTRUNC), "no ctrunc");
		int fd;
		memcpy(&fd, CMSG_DATA(rh), sizeof(fd));
		CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "cmsg cloexec");
		CHECK(write(fd, "via fd", 6) == 6, "write passed pipe");
		_exit(0);
	}
	CHECK(read(p[0], buf, sizeof(buf)) == 6 && !memcmp(buf, "via fd", 6), "read passed pipe");
	waitpid(pid, NULL, 0);

	/* No room for the descriptor: MSG_CTRUNC and the fd is dropped. */
	CHECK(pipe(p) == 0, "pipe 2");
	m.msg_control = cb.b;
	m.msg_controllen = sizeof(cb.b);
	h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &p[1], sizeof(int));
	CHECK(sendmsg(sv[0], &m, 0) == 1, "sendmsg 2");
	close(p[1]);
	struct iovec ri = { buf, sizeof(buf) };
	struct msghdr r = { .msg_iov = &ri, .msg_iovlen = 1 };
	CHECK(recvmsg(sv[1], &r, 0) == 1 && (r.msg_flags & MSG_CTRUNC), "ctrunc");
	CHECK(read(p[0], buf, 1) == 0, "dropped writer: EOF");
	close(p[0]);
	/* A bad fd in SCM_RIGHTS. */
	int bad = 999;
	h = CMSG_FIRSTHDR(&m);
	memcpy(CMSG_DATA(h), &bad, sizeof(int));
	CHECK(sendmsg(sv[0], &m, 0) == -1 && errno == EBADF, "EBADF");
	close(sv[0]);
	close(sv[1]);
	printf("scm_rights ok\n");
}

static void epipe(void)
{
	int sv[2];
	struct sigaction sa = { .sa_handler = on_sigpipe };

	sigaction(SIGPIPE, &sa, NULL);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	CHECK(shutdown(sv[0], SHUT_WR) == 0, "shutdown");
	char c;
	CHECK(read(sv[1], &c, 1) == 0, "EOF after SHUT_WR");
	CHECK(write(sv[0], "a", 1) == -1 && errno == EPIPE && sigpipes == 1, "EPIPE after SHUT_WR");
	close(sv[1]);
	CHECK(send(sv[0], "a", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE && sigpipes == 1, "nosignal");
	CHECK(write(sv[0], "a", 1) == -1 && errno == EPIPE && sigpipes == 2, "sigpipe");
	struct pollfd p = { .fd = sv[0], .events = POLLIN | POLLOUT | POLLRDHUP };
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLRDHUP | POLLIN)) ==
	      (POLLHUP | POLLRDHUP | POLLIN), "hup %x", p.revents);
	close(sv[0]);

	/* Unconnected and error cases. */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(write(s, "a", 1) == -1 && errno == ENOTCONN, "ENOTCONN");
	CHECK(read(s, &c, 1) == -1 && errno == EINVAL, "read unconnected");
	CHECK(getpeername(s, NULL, NULL) == -1 && errno == ENOTCONN, "no peer");
	int v = 0;
	socklen_t vl = sizeof(v);
	CHECK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &vl) == 0 && v == SOCK_STREAM, "SO_TYPE");
	CHECK(getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &vl) == 0 && v == AF_UNIX, "SO_DOMAIN");
	CHECK(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &vl) == 0 && v > 0, "SO_RCVBUF");
	v = 8192;
	CHECK(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) == 0, "set sndbuf");
	CHECK(getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &vl) == 0 && v == 16384, "sndbuf doubled");
	CHECK(getsockopt(s, SOL_SOCKET, 9999, &v, &vl) == -1 && errno == ENOPROTOOPT, "ENOPROTOOPT");
	CHECK(getsockopt(0, SOL_SOCKET, SO_TYPE, &v, &vl) == -1 && errno == ENOTSOCK, "ENOTSOCK");
	close(s);
	CHECK(socket(AF_UNIX, SOCK_STREAM, 5) == -1 && errno == EPROTONOSUPPORT, "protocol");
	CHECK(socket(AF_UNIX, 7, 0) == -1 && errno == ESOCKTNOSUPPORT, "type");
	CHECK(socket(AF_UNIX, SOCK_STREAM | 0x100, 0) == -1 && errno == EINVAL, "flags");
	CHECK(socket(1000, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT, "family");
	printf("epipe ok\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	pingpong();
	server();
	abstract();
	pass_fd();
	epipe();
	return 0;
}
