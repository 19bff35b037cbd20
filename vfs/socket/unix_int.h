/* Unix domain sockets (net/unix/af_unix.c in Linux terms): internals shared
 * by the files of vfs/socket/ and syscalls/sys_socket.c. Everything lives in the
 * sentry; no host socket is ever made. */
#ifndef CVISOR_UNIX_INT_H
#define CVISOR_UNIX_INT_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "vfs/vfs.h"

#define SOCKFS_MAGIC      0x534F434Bu
#define UNIX_DEF_BUF      212992     /* net.core.{w,r}mem_default: 208 KiB */
#define UNIX_MAX_BUF      212992     /* net.core.{w,r}mem_max */
#define SOCK_MIN_SNDBUF   4608
#define SOCK_MIN_RCVBUF   2304
#define UNIX_DGRAM_QLEN   10         /* net.unix.max_dgram_qlen */
#define UNIX_SOMAXCONN    4096
#define SCM_MAX_FD        253
#define UNIX_CHUNK        65536      /* largest stream message */

#define RCV_SHUTDOWN  1
#define SEND_SHUTDOWN 2
#define SHUTDOWN_MASK 3

enum usock_state { US_UNCONNECTED, US_LISTENING, US_CONNECTED };

/* A socket address: len bytes of sun (family + path or abstract name). */
struct uaddr {
	uint32_t len;
	struct sockaddr_un sun;
};

struct kucred {
	int32_t pid;
	uint32_t uid, gid;
};

/* Gather/scatter over guest iovecs (t != NULL) or one kernel buffer. */
struct kiovec {
	uint64_t base, len;
};
struct uio {
	struct task *t;
	const struct kiovec *iov;
	int niov, idx;
	uint64_t off;
};
int uio_copy_in(struct uio *u, void *dst, size_t n);
int uio_copy_out(struct uio *u, const void *src, size_t n);

/* Ancillary data travelling with a message. */
struct scm {
	struct file **fds;           /* owned references */
	int nfds;
	bool has_cred;               /* explicit SCM_CREDENTIALS from the sender */
	struct kucred cred;
};
void scm_destroy(struct scm *scm);

/* What recv hands back besides the data. */
struct recv_out {
	struct uaddr addr;           /* len 0: no address */
	int msg_flags;               /* MSG_TRUNC */
	struct file **fds;           /* owned; the syscall installs or drops them */
	int nfds;
	bool has_cred;               /* receiver has SO_PASSCRED */
	struct kucred cred;
};

bool file_is_socket(const struct file *f);
/* socket(2)/socketpair(2) for AF_UNIX: type without flags. */
int unix_create(int type, int protocol, int flags, struct file **out);
int unix_pair(int type, int protocol, int flags, struct file **a, struct file **b);
int unix_bind(struct task *t, struct file *f, const struct uaddr *a);
int unix_listen(struct file *f, int backlog);
int unix_connect(struct task *t, struct file *f, const struct uaddr *a, int flags);
int unix_accept(struct file *f, int flags, struct file **out, struct uaddr *peer);
int unix_shutdown(struct file *f, int how);
/* getsockname (peer=false) / getpeername. */
int unix_getname(struct file *f, bool peer, struct uaddr *out);
ssize_t unix_send(struct task *t, struct file *f, struct uio *u, size_t len, int flags,
		  const struct uaddr *to, struct scm *scm);
ssize_t unix_recv(struct task *t, struct file *f, struct uio *u, size_t len, int flags,
		  struct recv_out *out);
int unix_getsockopt(struct file *f, int level, int name, void *val, int *len);
int unix_setsockopt(struct task *t, struct file *f, int level, int name, const void *val, int len);
/* Validate a guest sockaddr_un of alen bytes (copied into a). */
int unix_addr_check(const struct uaddr *a);
/* Bound on files referenced by messages in flight (SCM_RIGHTS). */
int unix_inflight_reserve(struct task *t, int n);
void unix_inflight_release(int n);

#endif
