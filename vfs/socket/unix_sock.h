/* The socket object and its messages: private to vfs/socket/. */
#ifndef CVISOR_UNIX_SOCK_H
#define CVISOR_UNIX_SOCK_H
#include "vfs/socket/unix_int.h"

struct usock {
	int refs;                     /* file, peer pointers, messages sent, accept queue */
	int type;                     /* SOCK_STREAM / SOCK_DGRAM / SOCK_SEQPACKET */
	enum usock_state state;
	bool dead;                    /* its file is gone */
	struct usock *peer;           /* reference */
	struct inode *inode;          /* sockfs inode (held by the file) */
	struct waitq wq;              /* readers, writers, acceptors, connectors, pollers */
	struct list_head rcvq;        /* struct umsg */
	int rcv_count;
	uint64_t wmem;                /* bytes this socket sent that are still queued */
	int sndbuf, rcvbuf;
	int shutdown;                 /* RCV_SHUTDOWN | SEND_SHUTDOWN */
	int err;                      /* SO_ERROR */
	struct uaddr *addr;           /* bound name, NULL when unbound */
	struct inode *bind_inode;     /* filesystem name: the S_IFSOCK inode (reference) */
	struct list_head bound_link;  /* in the table of bound sockets */
	int backlog;
	struct list_head acceptq;     /* embryo sockets (acc_link), one reference each */
	int nacc;
	struct list_head acc_link;
	bool passcred, reuseaddr, keepalive;
	struct kucred cred;           /* creator (SO_PEERCRED of the other end) */
	struct kucred peercred;
	bool has_peercred;
	uint64_t rcvtimeo, sndtimeo;  /* ns, 0 = forever */
};

struct umsg {
	struct list_head link;
	size_t len, off;              /* off: consumed by stream reads */
	struct usock *from;           /* reference: its wmem is charged */
	struct uaddr *addr;           /* sender's name or NULL */
	struct scm scm;
	struct kucred cred;           /* sender's credentials */
	uint8_t data[];
};

struct usock *sock_of(struct file *f);
void usock_get(struct usock *s);
void usock_put(struct usock *s);
void umsg_free(struct umsg *m);
struct kucred current_kucred(void);
/* Sleep on wq until woken (0), signal (-ERESTARTSYS, -EINTR with a
 * timeout like Linux's sock_intr_errno) or timeout (-EAGAIN). */
int usock_wait(struct waitq *wq, uint64_t timeo_ns, uint64_t *deadline);
void send_sigpipe(void);
/* The socket bound at a (new reference), or -errno like unix_find_other. */
int unix_lookup(struct task *t, const struct uaddr *a, int type, struct usock **out);

#endif
