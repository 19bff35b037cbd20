/* Unix datagram and seqpacket sockets: message boundaries, truncation,
 * sender addresses, MSG_PEEK, queue limits, SEQPACKET EOF. */
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "guest.h"

/* Names carry the pid: the static and dynamic builds run in parallel. */
static socklen_t mkaddr(struct sockaddr_un *a, const char *base)
{
	char name[96];

	snprintf(name, sizeof(name), "%s-%d", base, (int)getpid());
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, strlen(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static void dgram(void)
{
	struct sockaddr_un sa, ca, from;
	socklen_t sl = mkaddr(&sa, "cvisor-dgram-srv"), cl = mkaddr(&ca, "cvisor-dgram-cli"), fl;
	int s = socket(AF_UNIX, SOCK_DGRAM, 0), c = socket(AF_UNIX, SOCK_DGRAM, 0);
	char buf[64];

	CHECK(bind(s, (struct sockaddr *)&sa, sl) == 0, "bind srv");
	CHECK(bind(c, (struct sockaddr *)&ca, cl) == 0, "bind cli");
	CHECK(send(c, "x", 1, 0) == -1 && errno == ENOTCONN, "ENOTCONN");
	CHECK(sendto(c, "one", 3, 0, (struct sockaddr *)&sa, sl) == 3, "sendto 1");
	CHECK(sendto(c, "second", 6, 0, (struct sockaddr *)&sa, sl) == 6, "sendto 2");
	CHECK(sendto(c, "", 0, 0, (struct sockaddr *)&sa, sl) == 0, "empty dgram");
	CHECK(recv(s, buf, sizeof(buf), MSG_PEEK) == 3, "peek");
	fl = sizeof(from);
	CHECK(recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl) == 3 &&
	      !memcmp(buf, "one", 3), "boundary 1");
	CHECK(fl == cl && !memcmp(&from, &ca, cl), "sender address");
	/* Truncated: the rest of the datagram is gone. */
	struct iovec iov = { buf, 3 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	CHECK(recvmsg(s, &m, 0) == 3 && (m.msg_flags & MSG_TRUNC) && !memcmp(buf, "sec", 3), "trunc");
	CHECK(recv(s, buf, sizeof(buf), MSG_DONTWAIT) == 0, "empty datagram");
	CHECK(recv(s, buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN, "EAGAIN");
	CHECK(sendto(c, "abcdef", 6, 0, (struct sockaddr *)&sa, sl) == 6, "sendto 3");
	CHECK(recv(s, buf, 2, MSG_TRUNC) == 6, "MSG_TRUNC real length");

	/* Connected: a connected receiver only accepts its peer. */
	CHECK(connect(s, (struct sockaddr *)&ca, cl) == 0, "connect");
	int o = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(sendto(o, "z", 1, 0, (struct sockaddr *)&sa, sl) == -1 && errno == EPERM, "EPERM");
	CHECK(send(s, "to-cli", 6, 0) == 6, "send connected");
	CHECK(read(c, buf, sizeof(buf)) == 6, "read");
	struct sockaddr_un none = { .sun_family = AF_UNIX };
	CHECK(sendto(o, "z", 1, 0, (struct sockaddr *)&none, offsetof(struct sockaddr_un, sun_path) + 2) == -1 &&
	      errno == ECONNREFUSED, "no such name");
	CHECK(sendto(o, buf, 300000, 0, (struct sockaddr *)&ca, cl) == -1 && errno == EMSGSIZE, "EMSGSIZE");
	close(o);

	/* The queue of an unconnected receiver is bounded. */
	int r = socket(AF_UNIX, SOCK_DGRAM, 0), w = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0), n = 0;
	struct sockaddr_un ra;
	socklen_t rl = mkaddr(&ra, "cvisor-dgram-q");
	CHECK(bind(r, (struct sockaddr *)&ra, rl) == 0, "bind q");
	while (sendto(w, "q", 1, 0, (struct sockaddr *)&ra, rl) == 1 && n < 100000)
		n++;
	CHECK(errno == EAGAIN && n > 0 && n < 100000, "queue full after %d", n);
	CHECK(recv(r, buf, 1, 0) == 1, "drain one");
	CHECK(sendto(w, "q", 1, 0, (struct sockaddr *)&ra, rl) == 1, "room again");
	close(r);
	close(w);
	close(s);
	close(c);
	printf("dgram ok\n");
}

static void seqpacket(void)
{
	int sv[2];
	char buf[64];

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0, "socketpair");
	CHECK(write(sv[0], "hello", 5) == 5, "w1");
	CHECK(write(sv[0], "world!", 6) == 6, "w2");
	CHECK(read(sv[1], buf, sizeof(buf)) == 5, "boundary 1");
	CHECK(read(sv[1], buf, 2) == 2, "truncated read");
	struct pollfd p = { .fd = sv[1], .events = POLLIN };
	CHECK(poll(&p, 1, 0) == 0, "rest discarded");
	int v;
	socklen_t vl = sizeof(v);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &vl) == 0 && v == SOCK_SEQPACKET, "type");
	close(sv[0]);
	CHECK(read(sv[1], buf, sizeof(buf)) == 0, "EOF");
	CHECK(send(sv[1], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE, "EPIPE");
	close(sv[1]);

	int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	CHECK(send(s, "x", 1, 0) == -1 && errno == ENOTCONN, "ENOTCONN");
	CHECK(recv(s, buf, 1, 0) == -1 && errno == ENOTCONN, "recv ENOTCONN");
	close(s);
	printf("seqpacket ok\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	dgram();
	seqpacket();
	return 0;
}
