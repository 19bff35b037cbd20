/*
 * Gofer protocol helpers shared by client and server: message validation,
 * building, and send/recv with SCM_RIGHTS. See protocol.h for the format.
 */
#include "gofer/protocol.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>

_Static_assert(sizeof(struct gofer_hdr) == 16, "gofer_hdr layout");
_Static_assert(sizeof(struct gofer_stat) == 112, "gofer_stat layout");
_Static_assert(sizeof(struct gofer_statfs) == 80, "gofer_statfs layout");
_Static_assert(sizeof(struct gofer_req_fid) == 24, "req_fid layout");
_Static_assert(sizeof(struct gofer_req_walk) == 24, "req_walk layout");
_Static_assert(sizeof(struct gofer_req_open) == 24, "req_open layout");
_Static_assert(sizeof(struct gofer_req_getdents) == 32, "req_getdents layout");
_Static_assert(sizeof(struct gofer_req_create) == 48, "req_create layout");
_Static_assert(sizeof(struct gofer_req_symlink) == 32, "req_symlink layout");
_Static_assert(sizeof(struct gofer_req_link) == 32, "req_link layout");
_Static_assert(sizeof(struct gofer_req_unlink) == 32, "req_unlink layout");
_Static_assert(sizeof(struct gofer_req_rename) == 32, "req_rename layout");
_Static_assert(sizeof(struct gofer_req_setattr) == 72, "req_setattr layout");
_Static_assert(sizeof(struct gofer_req_xattr) == 40, "req_xattr layout");
_Static_assert(sizeof(struct gofer_rep_fidstat) == 136, "rep_fidstat layout");
_Static_assert(sizeof(struct gofer_rep_data) == 24, "rep_data layout");
_Static_assert(sizeof(struct gofer_dirent) == 24, "dirent layout");

/* What may follow the fixed part of a request. */
enum var_kind { V_NONE, V_NAME, V_TARGET, V_XNAME, V_XVALUE };
/* What follows the fixed part of a successful reply. */
enum rep_kind { R_FIXED, R_TARGET, R_XATTR, R_DIRENTS };

struct var_desc {
	uint8_t off;     /* offset of the length field in the fixed part */
	uint8_t width;   /* 2 or 4 bytes */
	uint8_t kind;
};

struct msg_desc {
	uint16_t req_size;
	struct var_desc var[2];
	uint16_t rep_size;
	uint8_t rep_kind;
};

#define VAR(type, field, k) { offsetof(type, field), sizeof(((type *)0)->field), k }
#define NOVAR { 0, 0, V_NONE }

static const struct msg_desc descs[GOFER_TYPE_MAX] = {
	[GOFER_ATTACH] = { sizeof(struct gofer_req_attach), { NOVAR, NOVAR },
			   sizeof(struct gofer_rep_fidstat), R_FIXED },
	[GOFER_WALK] = { sizeof(struct gofer_req_walk),
			 { VAR(struct gofer_req_walk, namelen, V_NAME), NOVAR },
			 sizeof(struct gofer_rep_fidstat), R_FIXED },
	[GOFER_STAT] = { sizeof(struct gofer_req_fid), { NOVAR, NOVAR },
			 sizeof(struct gofer_rep_stat), R_FIXED },
	[GOFER_OPEN] = { sizeof(struct gofer_req_open), { NOVAR, NOVAR },
			 sizeof(struct gofer_rep), R_FIXED },
	[GOFER_READLINK] = { sizeof(struct gofer_req_fid), { NOVAR, NOVAR },
			     sizeof(struct gofer_rep_data), R_TARGET },
	[GOFER_GETDENTS] = { sizeof(struct gofer_req_getdents), { NOVAR, NOVAR },
			     sizeof(struct gofer_rep_getdents), R_DIRENTS },
	[GOFER_CLUNK] = { sizeof(struct gofer_req_fid), { NOVAR, NOVAR },
			  sizeof(struct gofer_rep), R_FIXED },
	[GOFER_STATFS] = { sizeof(struct gofer_req_fid), { NOVAR, NOVAR },
			   sizeof(struct gofer_rep_statfs), R_FIXED },
	[GOFER_CREATE] = { sizeof(struct gofer_req_create),
			   { VAR(struct gofer_req_create, namelen, V_NAME), NOVAR },
			   sizeof(struct gofer_rep_fidstat), R_FIXED },
	[GOFER_MKDIR] = { sizeof(struct gofer_req_create),
			  { VAR(struct gofer_req_create, namelen, V_NAME), NOVAR },
			  sizeof(struct gofer_rep_fidstat), R_FIXED },
	[GOFER_MKNOD] = { sizeof(struct gofer_req_create),
			  { VAR(struct gofer_req_create, namelen, V_NAME), NOVAR },
			  sizeof(struct gofer_rep_fidstat), R_FIXED },
	[GOFER_SYMLINK] = { sizeof(struct gofer_req_symlink),
			    { VAR(struct gofer_req_symlink, namelen, V_NAME),
			      VAR(struct gofer_req_symlink, targetlen, V_TARGET) },
			    sizeof(struct gofer_rep_fidstat), R_FIXED },
	[GOFER_LINK] = { sizeof(struct gofer_req_link),
			 { VAR(struct gofer_req_link, namelen, V_NAME), NOVAR },
			 sizeof(struct gofer_rep), R_FIXED },
	[GOFER_UNLINK] = { sizeof(struct gofer_req_unlink),
			   { VAR(struct gofer_req_unlink, namelen, V_NAME), NOVAR },
			   sizeof(struct gofer_rep), R_FIXED },
	[GOFER_RENAME] = { sizeof(struct gofer_req_rename),
			   { VAR(struct gofer_req_rename, oldnamelen, V_NAME),
			     VAR(struct gofer_req_rename, newnamelen, V_NAME) },
			   sizeof(struct gofer_rep), R_FIXED },
	[GOFER_SETATTR] = { sizeof(struct gofer_req_setattr), { NOVAR, NOVAR },
			    sizeof(struct gofer_rep), R_FIXED },
	[GOFER_FSYNC] = { sizeof(struct gofer_req_fid), { NOVAR, NOVAR },
			  sizeof(struct gofer_rep), R_FIXED },
	[GOFER_GETXATTR] = { sizeof(struct gofer_req_xattr),
			     { VAR(struct gofer_req_xattr, namelen, V_XNAME),
			       VAR(struct gofer_req_xattr, valuelen, V_XVALUE) },
			     sizeof(struct gofer_rep_data), R_XATTR },
	[GOFER_LISTXATTR] = { sizeof(struct gofer_req_fid), { NOVAR, NOVAR },
			      sizeof(struct gofer_rep_data), R_XATTR },
	[GOFER_SETXATTR] = { sizeof(struct gofer_req_xattr),
			     { VAR(struct gofer_req_xattr, namelen, V_XNAME),
			       VAR(struct gofer_req_xattr, valuelen, V_XVALUE) },
			     sizeof(struct gofer_rep), R_FIXED },
	[GOFER_REMOVEXATTR] = { sizeof(struct gofer_req_xattr),
				{ VAR(struct gofer_req_xattr, namelen, V_XNAME),
				  VAR(struct gofer_req_xattr, valuelen, V_XVALUE) },
				sizeof(struct gofer_rep), R_FIXED },
};

static const struct msg_desc *desc_of(uint16_t type)
{
	if (type == 0 || type >= GOFER_TYPE_MAX)
		return NULL;
	return &descs[type];
}

bool gofer_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > GOFER_NAME_MAX)
		return false;
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return false;
	return memchr(name, '/', len) == NULL && memchr(name, '\0', len) == NULL;
}

/* Bytes of variable data of one kind: range and content checks. */
static bool var_valid(uint8_t kind, const char *p, size_t len)
{
	switch (kind) {
	case V_NAME:
		return gofer_name_valid(p, len);
	case V_TARGET:
		return len >= 1 && len <= GOFER_TARGET_MAX && !memchr(p, '\0', len);
	case V_XNAME:
		return len >= 1 && len <= GOFER_XATTR_NAME_MAX && !memchr(p, '\0', len);
	case V_XVALUE:
		return len <= GOFER_XATTR_MAX;
	}
	return false;
}

static size_t read_len(const void *buf, const struct var_desc *v)
{
	const uint8_t *p = (const uint8_t *)buf + v->off;
	if (v->width == 2) {
		uint16_t x;
		memcpy(&x, p, 2);
		return x;
	}
	uint32_t x;
	memcpy(&x, p, 4);
	return x;
}

int gofer_check_request(const void *buf, size_t len)
{
	struct gofer_hdr h;
	if (len < sizeof(h) || len > GOFER_MSG_MAX)
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	if (h.size != len || h.flags != 0 || h.err != 0)
		return -EBADMSG;
	const struct msg_desc *d = desc_of(h.type);
	if (!d)
		return -ENOSYS;
	if (len < d->req_size)
		return -EBADMSG;
	size_t off = d->req_size;
	for (int i = 0; i < 2; i++) {
		const struct var_desc *v = &d->var[i];
		if (v->kind == V_NONE)
			continue;
		size_t n = read_len(buf, v);
		if (n > len - off)
			return -EBADMSG;
		if (!var_valid(v->kind, (const char *)buf + off, n))
			return -EINVAL;
		off += n;
	}
	return off == len ? 0 : -EBADMSG;
}

/* Walk all entries once so that a checked reply can be iterated blindly. */
static int check_dirents(const void *buf, size_t len)
{
	const struct gofer_rep_getdents *r = buf;
	size_t off = 0, n = 0;
	const struct gofer_dirent *d;
	const char *name;
	int ret;
	while ((ret = gofer_dirent_next(buf, len, &off, &d, &name)) == 1)
		n++;
	if (ret < 0 || n != r->count)
		return -EIO;
	return 0;
}

int gofer_check_reply(const void *buf, size_t len, uint16_t type, uint32_t tag)
{
	struct gofer_hdr h;
	const struct msg_desc *d = desc_of(type);
	if (!d || len < sizeof(h) || len > GOFER_MSG_MAX)
		return -EIO;
	memcpy(&h, buf, sizeof(h));
	if (h.size != len || h.type != type || h.tag != tag || h.flags != 0)
		return -EIO;
	if (h.err != 0)
		return (h.err < 0 && h.err >= -4095 && len == sizeof(h)) ? 0 : -EIO;
	if (len < d->rep_size)
		return -EIO;
	if (d->rep_kind == R_FIXED)
		return len == d->rep_size ? 0 : -EIO;
	if (d->rep_kind == R_DIRENTS)
		return check_dirents(buf, len);
	const struct gofer_rep_data *r = buf;
	if (r->len != len - sizeof(*r))
		return -EIO;
	if (d->rep_kind == R_TARGET)
		return var_valid(V_TARGET, (const char *)(r + 1), r->len) ? 0 : -EIO;
	return r->len <= GOFER_XATTR_MAX ? 0 : -EIO;
}

int gofer_dirent_next(const void *rep, size_t len, size_t *off,
		      const struct gofer_dirent **d, const char **name)
{
	const size_t base = sizeof(struct gofer_rep_getdents);
	if (len < base || *off > len - base)
		return -EIO;
	size_t left = len - base - *off;
	if (left == 0)
		return 0;
	const uint8_t *p = (const uint8_t *)rep + base + *off;
	/* Entries are 8-aligned within an 8-aligned receive buffer. */
	const struct gofer_dirent *e = (const struct gofer_dirent *)p;
	if (left < sizeof(*e))
		return -EIO;
	size_t sz = GOFER_DIRENT_SIZE(e->namelen);
	if (e->namelen == 0 || e->namelen > GOFER_NAME_MAX || sz > left)
		return -EIO;
	const char *nm = (const char *)(e + 1);
	if (memchr(nm, '/', e->namelen) || memchr(nm, '\0', e->namelen))
		return -EIO;
	*d = e;
	*name = nm;
	*off += sz;
	return 1;
}

ssize_t gofer_build(void *buf, size_t fixedlen, uint16_t type, uint32_t tag,
		    const void *s1, size_t l1, const void *s2, size_t l2)
{
	if (fixedlen < sizeof(struct gofer_hdr) || fixedlen > GOFER_MSG_MAX ||
	    l1 > GOFER_MSG_MAX - fixedlen || l2 > GOFER_MSG_MAX - fixedlen - l1)
		return -ENAMETOOLONG;
	uint8_t *p = buf;
	if (l1)
		memcpy(p + fixedlen, s1, l1);
	if (l2)
		memcpy(p + fixedlen + l1, s2, l2);
	size_t size = fixedlen + l1 + l2;
	struct gofer_hdr h = { .size = (uint32_t)size, .type = type, .tag = tag };
	memcpy(buf, &h, sizeof(h));
	return (ssize_t)size;
}

void gofer_reply_hdr(void *buf, size_t size, uint16_t type, uint32_t tag, int err)
{
	struct gofer_hdr h = { .size = (uint32_t)size, .type = type, .tag = tag, .err = err };
	memcpy(buf, &h, sizeof(h));
}

int gofer_send(int sock, const void *buf, size_t len, int fd)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&c, 0, sizeof(c));
		m.msg_control = c.b;
		m.msg_controllen = sizeof(c.b);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	for (;;) {
		ssize_t n = sendmsg(sock, &m, MSG_NOSIGNAL);
		if (n == (ssize_t)len)
			return 0;
		if (n >= 0)
			return -EIO;    /* a seqpacket send is all or nothing */
		if (errno != EINTR)
			return -errno;
	}
}

/* Keep the first fd of the control data in *keep (if asked), close the rest. */
static void take_fds(struct msghdr *m, int *keep)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (keep && *keep < 0)
				*keep = fd;
			else
				close(fd);
		}
	}
}

ssize_t gofer_recv(int sock, void *buf, int *fd)
{
	struct iovec iov = { .iov_base = buf, .iov_len = GOFER_MSG_MAX };
	/* Room for a few fds so that extras are received (and closed), not leaked. */
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * 8)];
	} c;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = c.b, .msg_controllen = sizeof(c.b) };
	int got = -1;
	ssize_t n;
	if (fd)
		*fd = -1;
	do {
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC | MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	take_fds(&m, fd ? &got : NULL);
	if (n == 0) {
		/* EOF, or an empty datagram: only a hangup is EOF. */
		struct pollfd p = { .fd = sock, .events = POLLRDHUP };
		if (got >= 0)
			close(got);
		if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLRDHUP)))
			return 0;
		return -EBADMSG;
	}
	/* MSG_CTRUNC: the kernel dropped fds that did not fit; the sender was
	 * not following the protocol. */
	if ((m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || n > GOFER_MSG_MAX) {
		if (got >= 0)
			close(got);
		return (m.msg_flags & MSG_CTRUNC) ? -EBADMSG : -EMSGSIZE;
	}
	if (fd)
		*fd = got;
	return n;
}
