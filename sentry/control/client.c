/* Control socket client: the CLI side of control.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "sentry/control/control.h"

/* sun_path is 108 bytes; <root>/<id> can be much longer, so name the
 * socket through an O_PATH fd of the container directory. */
static int sock_addr(const char *root, const char *id, struct sockaddr_un *sa, int *dirfd)
{
	char dir[4096];
	if (snprintf(dir, sizeof(dir), "%s/%s", root, id) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return -errno;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", *dirfd, CTL_SOCKET_NAME);
	return 0;
}

int ctl_connect(const char *root, const char *id)
{
	struct sockaddr_un sa;
	int dirfd;
	int err = sock_addr(root, id, &sa, &dirfd);
	if (err < 0)
		return err;
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0) {
		err = -errno;
	} else if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(s);
	}
	close(dirfd);
	return err < 0 ? err : s;
}

int ctl_sock_addr(const char *root, const char *id, struct sockaddr_un *sa, int *dirfd)
{
	return sock_addr(root, id, sa, dirfd);
}

int ctl_send(int sock, const struct ctl_req *req, const void *payload, const int *fds, int nfds)
{
	if (req->len > CTL_MAX_PAYLOAD || nfds < 0 || nfds > CTL_MAX_FDS)
		return -EINVAL;
	struct iovec iov[2] = {
		{ (void *)req, sizeof(*req) },
		{ (void *)payload, req->len },
	};
	union {
		char buf[CMSG_SPACE(CTL_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} c;
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = req->len ? 2 : 1 };
	if (nfds) {
		memset(&c, 0, sizeof(c));
		m.msg_control = c.buf;
		m.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	ssize_t n;
	do
		n = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)(sizeof(*req) + req->len) ? 0 : -EIO;
}

int ctl_recv(int sock, struct ctl_resp *resp, void *out, size_t outlen)
{
	struct iovec iov[2] = { { resp, sizeof(*resp) }, { out, outlen } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = out && outlen ? 2 : 1 };
	ssize_t n;
	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	if ((size_t)n < sizeof(*resp) || (m.msg_flags & MSG_TRUNC) ||
	    resp->len != (size_t)n - sizeof(*resp))
		return -EPROTO;
	return 0;
}

int ctl_call(const char *root, const char *id, const struct ctl_req *req,
	     struct ctl_resp *resp, void *out, size_t outlen)
{
	int s = ctl_connect(root, id);
	if (s < 0)
		return s;
	int err = ctl_send(s, req, NULL, NULL, 0);
	if (!err)
		err = ctl_recv(s, resp, out, outlen);
	close(s);
	return err < 0 ? err : resp->err;
}
