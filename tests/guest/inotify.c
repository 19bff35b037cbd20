/* inotify: create/modify/close/attrib/move (cookie)/delete events with the
 * struct inotify_event layout, IN_ONESHOT, IN_MASK_ADD, IN_ONLYDIR,
 * IN_DELETE_SELF + IN_IGNORED, rm_watch, small buffers, poll, FIONREAD. */
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "guest.h"

#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)

static char buf[4096] __attribute__((aligned(8)));
static size_t have, at;

/* Next event (reading more when needed); NULL when none is queued. */
static struct inotify_event *next_event(int in)
{
	if (at >= have) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EAGAIN)
			return NULL;
		CHECK(n > 0, "read events");
		have = (size_t)n;
		at = 0;
	}
	struct inotify_event *e = (struct inotify_event *)(buf + at);
	at += sizeof(*e) + e->len;
	return e;
}

static struct inotify_event *expect(int in, int wd, uint32_t mask, const char *name)
{
	struct inotify_event *e = next_event(in);
	CHECK(e, "missing event %#x %s", mask, name ? name : "");
	CHECK(e->wd == wd && e->mask == mask, "event wd %d mask %#x, want %d %#x (%s)", e->wd,
	      e->mask, wd, mask, name ? name : "");
	if (name)
		CHECK(e->len >= strlen(name) + 1 && e->len % 16 == 0 && !strcmp(e->name, name),
		      "name '%s' len %u", e->len ? e->name : "", e->len);
	else
		CHECK(e->len == 0, "unnamed len %u", e->len);
	return e;
}

int main(void)
{
	char dir[] = "/tmp/inotifyXXXXXX", path[64], path2[64], sub[64];
	CHECK(mkdtemp(dir), "mkdtemp");
	snprintf(path, sizeof(path), "%s/a", dir);
	snprintf(path2, sizeof(path2), "%s/b", dir);
	snprintf(sub, sizeof(sub), "%s/sub", dir);

	FAILS(inotify_init1(0x1234), EINVAL);
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	CHECK(in >= 0, "init1");
	CHECK(fcntl(in, F_GETFD) == FD_CLOEXEC, "cloexec");
	FAILS(inotify_add_watch(in, dir, 0), EINVAL);
	FAILS(inotify_add_watch(in, dir, IN_MASK_ADD | IN_MASK_CREATE | IN_CREATE), EINVAL);
	FAILS(inotify_add_watch(0, dir, IN_CREATE), EINVAL);
	FAILS(inotify_add_watch(in, "/nonexistent", IN_CREATE), ENOENT);
	FAILS(inotify_add_watch(in, "/proc/self/status", IN_ONLYDIR | IN_MODIFY), ENOTDIR);
	FAILS(inotify_rm_watch(in, 12345), EINVAL);
	FAILS(read(in, buf, sizeof(buf)), EAGAIN);

	int wd = inotify_add_watch(in, dir, IN_ALL_EVENTS);
	CHECK(wd >= 1, "add_watch");
	CHECK(inotify_add_watch(in, dir, IN_CREATE) == wd, "same inode, same wd");
	CHECK(inotify_add_watch(in, dir, IN_ALL_EVENTS | IN_MASK_ADD) == wd, "mask add");
	FAILS(inotify_add_watch(in, dir, IN_CREATE | IN_MASK_CREATE), EEXIST);

	int fd = open(path, O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0, "create");
	CHECK(write(fd, "x", 1) == 1, "write");
	close(fd);
	expect(in, wd, IN_CREATE, "a");
	expect(in, wd, IN_OPEN, "a");
	expect(in, wd, IN_MODIFY, "a");
	expect(in, wd, IN_CLOSE_WRITE, "a");
	CHECK(next_event(in) == NULL, "no more");

	/* a watch on the file itself, and poll/FIONREAD */
	int fwd = inotify_add_watch(in, path, IN_ATTRIB | IN_CLOSE_NOWRITE | IN_DELETE_SELF);
	CHECK(fwd > wd, "file watch");
	struct pollfd pfd = { .fd = in, .events = POLLIN };
	CHECK(poll(&pfd, 1, 0) == 0, "poll empty");
	CHECK(chmod(path, 0600) == 0, "chmod");
	CHECK(poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN), "poll ready");
	int avail = 0;
	CHECK(ioctl(in, FIONREAD, &avail) == 0 && avail == 16 + 16 + 16, "FIONREAD %d", avail);
	FAILS(read(in, buf, 10), EINVAL);
	expect(in, wd, IN_ATTRIB, "a");
	expect(in, fwd, IN_ATTRIB, NULL);

	fd = open(path, O_RDONLY);
	close(fd);
	expect(in, wd, IN_OPEN, "a");
	expect(in, wd, IN_CLOSE_NOWRITE, "a");
	expect(in, fwd, IN_CLOSE_NOWRITE, NULL);

	CHECK(rename(path, path2) == 0, "rename");
	struct inotify_event *from = expect(in, wd, IN_MOVED_FROM, "a");
	uint32_t cookie = from->cookie;
	struct inotify_event *to = expect(in, wd, IN_MOVED_TO, "b");
	CHECK(cookie != 0 && to->cookie == cookie, "cookie %u %u", cookie, to->cookie);

	CHECK(mkdir(sub, 0755) == 0, "mkdir");
	expect(in, wd, IN_CREATE | IN_ISDIR, "sub");
	int owd = inotify_add_watch(in, sub, IN_ONESHOT | IN_ATTRIB);
	CHECK(chmod(sub, 0700) == 0, "chmod sub");
	expect(in, wd, IN_ATTRIB | IN_ISDIR, "sub");
	expect(in, owd, IN_ATTRIB | IN_ISDIR, NULL);
	expect(in, owd, IN_IGNORED, NULL);
	FAILS(inotify_rm_watch(in, owd), EINVAL);
	CHECK(rmdir(sub) == 0, "rmdir");
	expect(in, wd, IN_DELETE | IN_ISDIR, "sub");

	CHECK(unlink(path2) == 0, "unlink");
	expect(in, fwd, IN_ATTRIB, NULL);
	expect(in, fwd, IN_DELETE_SELF, NULL);
	expect(in, fwd, IN_IGNORED, NULL);
	expect(in, wd, IN_DELETE, "b");

	CHECK(inotify_rm_watch(in, wd) == 0, "rm_watch");
	expect(in, wd, IN_IGNORED, NULL);
	CHECK(next_event(in) == NULL, "drained");
	close(in);
	rmdir(dir);
	printf("inotify ok\n");
	return 0;
}
