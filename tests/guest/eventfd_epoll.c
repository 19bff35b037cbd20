/* eventfd semantics; an eventfd and a pipe in one epoll set: level vs edge
 * triggered, EPOLLONESHOT, closing removes the interest, errors. */
#include <fcntl.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "guest.h"

static int wait_events(int ep, struct epoll_event *ev, int max, int ms)
{
	int n = epoll_wait(ep, ev, max, ms);
	CHECK(n >= 0, "epoll_wait");
	return n;
}

int main(void)
{
	uint64_t v;
	int efd, p[2], ep;
	struct epoll_event ev, out[4];

	/* eventfd counter and semaphore modes */
	efd = eventfd(3, EFD_NONBLOCK);
	CHECK(efd >= 0, "eventfd");
	CHECK(read(efd, &v, 4) == -1 && errno == EINVAL, "short read");
	CHECK(read(efd, &v, 8) == 8 && v == 3, "read 3");
	CHECK(read(efd, &v, 8) == -1 && errno == EAGAIN, "empty");
	v = UINT64_MAX;
	CHECK(write(efd, &v, 8) == -1 && errno == EINVAL, "write max");
	v = UINT64_MAX - 1;
	CHECK(write(efd, &v, 8) == 8, "write max-1");
	v = 1;
	CHECK(write(efd, &v, 8) == -1 && errno == EAGAIN, "overflow");
	close(efd);
	efd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
	CHECK(fcntl(efd, F_GETFD) == FD_CLOEXEC, "cloexec");
	CHECK(read(efd, &v, 8) == 8 && v == 1, "sem 1");
	CHECK(read(efd, &v, 8) == 8 && v == 1, "sem 2");
	CHECK(read(efd, &v, 8) == -1 && errno == EAGAIN, "sem empty");
	CHECK(eventfd(0, 0x12345) == -1 && errno == EINVAL, "bad flags");
	close(efd);
	efd = eventfd(0, EFD_NONBLOCK);
	CHECK(efd >= 0, "eventfd");
	printf("eventfd ok\n");

	/* epoll errors */
	CHECK(epoll_create(0) == -1 && errno == EINVAL, "create 0");
	CHECK(epoll_create1(1) == -1 && errno == EINVAL, "create1 flags");
	ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep >= 0, "epoll_create1");
	CHECK(epoll_wait(ep, out, 0, 0) == -1 && errno == EINVAL, "maxevents 0");
	CHECK(epoll_wait(efd, out, 1, 0) == -1 && errno == EINVAL, "not epoll");
	CHECK(epoll_wait(999, out, 1, 0) == -1 && errno == EBADF, "bad epfd");
	ev.events = EPOLLIN;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev) == -1 && errno == EINVAL, "self");
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL) == -1 && errno == ENOENT, "del missing");
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev) == -1 && errno == ENOENT, "mod missing");
	char link[64], path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", ep);
	ssize_t ln = readlink(path, link, sizeof(link) - 1);
	CHECK(ln > 0 && (link[ln] = 0, !strcmp(link, "anon_inode:[eventpoll]")), "link %s", link);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", efd);
	ln = readlink(path, link, sizeof(link) - 1);
	CHECK(ln > 0 && (link[ln] = 0, !strcmp(link, "anon_inode:[eventfd]")), "link %s", link);

	CHECK(pipe2(p, O_NONBLOCK) == 0, "pipe");
	ev.events = EPOLLIN;              /* level-triggered */
	ev.data.u64 = 100;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == 0, "add efd");
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == -1 && errno == EEXIST, "add twice");
	ev.events = EPOLLIN | EPOLLET;    /* edge-triggered */
	ev.data.u64 = 200;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "add pipe");
	CHECK(wait_events(ep, out, 4, 0) == 0, "nothing ready");

	v = 5;
	CHECK(write(efd, &v, 8) == 8, "efd write");
	CHECK(write(p[1], "ab", 2) == 2, "pipe write");
	int n = wait_events(ep, out, 4, 1000);
	CHECK(n == 2, "both ready: %d", n);
	CHECK(out[0].data.u64 + out[1].data.u64 == 300, "data");
	/* Nothing consumed: level fires again, edge does not. */
	n = wait_events(ep, out, 4, 0);
	CHECK(n == 1 && out[0].data.u64 == 100 && out[0].events == EPOLLIN, "level again: %d", n);
	/* New data on the pipe: a new edge. */
	CHECK(write(p[1], "c", 1) == 1, "pipe write 2");
	n = wait_events(ep, out, 4, 0);
	CHECK(n == 2, "edge after new data: %d", n);
	CHECK(read(efd, &v, 8) == 8 && v == 5, "drain efd");
	char buf[8];
	CHECK(read(p[0], buf, sizeof(buf)) == 3, "drain pipe");
	CHECK(wait_events(ep, out, 4, 0) == 0, "drained");
	printf("level/edge ok\n");

	/* One-shot: reported once, re-armed by EPOLL_CTL_MOD. */
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.u64 = 300;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev) == 0, "mod oneshot");
	v = 1;
	CHECK(write(efd, &v, 8) == 8, "efd write");
	n = wait_events(ep, out, 4, 1000);
	CHECK(n == 1 && out[0].data.u64 == 300, "oneshot fired");
	CHECK(wait_events(ep, out, 4, 0) == 0, "oneshot disabled");
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev) == 0, "rearm");
	CHECK(wait_events(ep, out, 4, 0) == 1, "rearmed");
	printf("oneshot ok\n");

	/* EPOLLEXCLUSIVE rules, EPOLLOUT on the pipe's write end. */
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev) == -1 && errno == EINVAL, "excl mod");
	ev.events = EPOLLOUT;
	ev.data.u64 = 400;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev) == 0, "add write end");
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL) == 0, "del efd");
	n = wait_events(ep, out, 4, 0);
	CHECK(n == 1 && out[0].data.u64 == 400 && out[0].events == EPOLLOUT, "pollout");
	/* Closing the read end: the writer sees EPOLLERR. */
	close(p[0]);
	n = wait_events(ep, out, 4, 0);
	CHECK(n == 1 && out[0].events == (EPOLLOUT | EPOLLERR), "pollerr %x", out[0].events);
	/* Closing the last reference removes the item. */
	close(p[1]);
	CHECK(wait_events(ep, out, 4, 0) == 0, "closed removed");

	/* Nested epoll: the inner set is readable when its items are. */
	int inner = epoll_create1(0);
	ev.events = EPOLLIN;
	CHECK(epoll_ctl(inner, EPOLL_CTL_ADD, efd, &ev) == 0, "inner add");
	ev.data.u64 = 500;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, inner, &ev) == 0, "nest");
	CHECK(epoll_ctl(inner, EPOLL_CTL_ADD, ep, &ev) == -1 && errno == ELOOP, "loop");
	v = 1;
	CHECK(write(efd, &v, 8) == 8, "efd write");
	n = wait_events(ep, out, 4, 1000);
	CHECK(n == 1 && out[0].data.u64 == 500, "nested ready");
	printf("nested ok\n");

	/* A blocking wait woken by a child's write. */
	CHECK(read(efd, &v, 8) == 8, "drain");
	pid_t pid = fork();
	if (pid == 0) {
		usleep(100000);
		v = 7;
		write(efd, &v, 8);
		_exit(0);
	}
	n = wait_events(ep, out, 4, 5000);
	CHECK(n == 1, "woken by child");
	CHECK(read(efd, &v, 8) == 8 && v == 7, "child value");
	printf("blocking ok\n");
	return 0;
}
