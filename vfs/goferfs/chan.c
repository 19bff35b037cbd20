/* goferfs: request/response over the gofer channel, validating every reply. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "vfs/goferfs/goferfs.h"

static int chan_fail(struct gofer_chan *ch)
{
	ch->dead = true;
	return -EIO;
}

int gofer_rpc(struct gofer_chan *ch, ssize_t reqlen, int *fd)
{
	if (ch->dead)
		return -EIO;
	if (reqlen < 0)
		return (int)reqlen;
	struct gofer_hdr q;
	memcpy(&q, ch->req, sizeof(q));
	if (gofer_send(ch->fd, ch->req, (size_t)reqlen, -1) < 0)
		return chan_fail(ch);
	int rfd = -1;
	ssize_t n = gofer_recv(ch->fd, ch->rep, fd ? &rfd : NULL);
	if (n <= 0 || gofer_check_reply(ch->rep, (size_t)n, q.type, q.tag) < 0) {
		if (rfd >= 0)
			close(rfd);
		return chan_fail(ch);
	}
	const struct gofer_hdr *h = ch->rep;
	if (h->err) {
		if (rfd >= 0)
			close(rfd);
		return h->err;
	}
	if (fd) {
		if (rfd < 0)
			return chan_fail(ch);
		*fd = rfd;
	}
	return 0;
}

int gofer_rpc_fid(struct gofer_chan *ch, uint16_t type, uint32_t fid)
{
	struct gofer_req_fid *q = ch->req;
	q->fid = fid;
	q->pad = 0;
	return gofer_rpc(ch, gofer_build(q, sizeof(*q), type, ++ch->tag, NULL, 0, NULL, 0), NULL);
}
