/*
 * The sentry's control socket: how `cvisor start/kill/ps/pause/exec/events`
 * talk to a running sandbox. One SOCK_SEQPACKET socket per sandbox at
 * <root>/<id>/sentry.sock (mode 0600), one request per message, fixed-layout
 * structs followed by a payload of `len` bytes; both sides check every length.
 *
 *   request                      reply (struct ctl_resp + payload)
 *   CTL_START                    err
 *   CTL_KILL  pid sig flags      err          pid 0 = init; CTL_KILL_ALL = every process
 *   CTL_PS                       err, int32 pids[]
 *   CTL_PAUSE / CTL_RESUME       err
 *   CTL_STATS                    err, struct ctl_stats
 *   CTL_EXEC  + process, 3 fds   err, value = pid; later a second reply:
 *                                value = the process's wait status
 *
 * EXEC payload: uint32 groups[ngroups], then NUL-terminated strings: cwd
 * ("" = init's), argc arguments, envc environment entries. Its stdio fds
 * 0-2 travel with SCM_RIGHTS.
 *
 * Pods (several containers in one sentry, sentry/kernel/container.h): with
 * flag CTL_IN_CONTAINER, KILL, PS, PAUSE, RESUME and EXEC act on one app
 * container: their
 * payload starts with its NUL-terminated id (KILL pid 0 = its init,
 * CTL_KILL_ALL = its processes only).
 *   CTL_CONTAINER_CREATE  id, mounts, EXEC payload;   err
 *                         fds: stdio 0-2, root gofer, a gofer per bind mount
 *   CTL_CONTAINER_START   id                          err, value = init's pid
 *   CTL_CONTAINER_WAIT    id                          err, value = init's wait
 *                         status, sent once it died (SIGKILL if deleted first)
 *   CTL_CONTAINER_DELETE  id                          err
 * CREATE's mounts: uint32 n, then n records (struct ctl_mount, then the
 * NUL-terminated strings dest, source, name; "" = none); then struct
 * ctl_proc_extra and its n_rlimits struct ctl_rlimit; then the EXEC payload.
 */
#ifndef CVISOR_CONTROL_H
#define CVISOR_CONTROL_H
#include <stddef.h>
#include <stdint.h>

#define CTL_SOCKET_NAME "sentry.sock"
#define CTL_MAX_PAYLOAD (128u << 10)
#define CTL_MAX_GROUPS  32
#define CTL_MAX_CONNS   256      /* concurrent connections served */
#define CTL_MAX_FDS     64       /* SCM_RIGHTS fds of one request */
#define CTL_MAX_MOUNTS  (CTL_MAX_FDS - 4)

enum ctl_op {
	CTL_START = 1,
	CTL_KILL,
	CTL_PS,
	CTL_PAUSE,
	CTL_RESUME,
	CTL_STATS,
	CTL_EXEC,
	CTL_CONTAINER_CREATE,
	CTL_CONTAINER_START,
	CTL_CONTAINER_WAIT,
	CTL_CONTAINER_DELETE,
};

#define CTL_KILL_ALL 1u
#define CTL_EXEC_CONSOLE 1u   /* EXEC: the stdio fds are an OCI console's pty */
#define CTL_IN_CONTAINER 2u   /* KILL/PS/EXEC: of the app container named first */
#define CTL_ROOT_RO      4u   /* CONTAINER_CREATE: root.readonly */

/* CONTAINER_CREATE: what an app container's init has beyond an EXEC. */
struct ctl_proc_extra {
	uint32_t has_caps, no_new_privs, n_rlimits, pad;
	uint64_t effective, permitted, inheritable, bounding, ambient;
};

struct ctl_rlimit {
	int32_t resource, pad;
	uint64_t soft, hard;
};
#define CTL_MAX_RLIMITS 16

/* One mount of CONTAINER_CREATE (a struct kernel_mount on the wire). */
struct ctl_mount {
	int32_t kind, flags, mode;
	int32_t fd;                     /* KMOUNT_BIND: index in the request's fds */
	uint32_t readonly, pad;
	uint64_t size;
};

struct ctl_req {
	uint32_t op;
	int32_t pid;
	int32_t sig;
	uint32_t flags;
	uint32_t uid, gid;              /* EXEC */
	uint32_t argc, envc, ngroups;   /* EXEC */
	uint32_t len;                   /* payload bytes */
};

struct ctl_resp {
	int32_t err;                    /* 0 or -errno */
	int32_t value;
	uint32_t len;                   /* payload bytes */
	uint32_t pad;
};

struct ctl_stats {
	uint32_t nr_procs, nr_threads;
	uint64_t cpu_ns;                /* guest threads' time, live ones */
	uint32_t paused, started;
};

/* ---- client (the CLI) ---------------------------------------------------- */

/* Connect to <root>/<id>/sentry.sock (any length: through /proc/self/fd). */
int ctl_connect(const char *root, const char *id);
/* Send one request with payload and fds (nfds <= CTL_MAX_FDS). 0 or -errno. */
int ctl_send(int sock, const struct ctl_req *req, const void *payload, const int *fds, int nfds);
/* Receive one reply; its payload (at most outlen bytes) goes to out.
 * 0 or -errno (-EPIPE: the sandbox closed the connection). */
int ctl_recv(int sock, struct ctl_resp *resp, void *out, size_t outlen);
/* connect + send + recv + close. Returns resp->err, or -errno. */
int ctl_call(const char *root, const char *id, const struct ctl_req *req,
	     struct ctl_resp *resp, void *out, size_t outlen);

/* ---- server (the sentry) ------------------------------------------------- */

struct sockaddr_un;
/* The socket's address through an O_PATH fd of <root>/<id> (returned in
 * *dirfd, to close after bind/connect). 0 or -errno. */
int ctl_sock_addr(const char *root, const char *id, struct sockaddr_un *sa, int *dirfd);

/* Bind and listen at <root>/<id>/sentry.sock; the listening fd or -errno. */
int ctl_listen(const char *root, const char *id);
/* Serve requests on the listening socket from a background thread. */
int ctl_server_start(int listen_fd);
/* kernel_config.wait_start: blocks until CTL_START (0), or returns -EINTR
 * once a CTL_KILL arrived before the start (see ctl_killed_before_start). */
int ctl_wait_start(void);
/* The signal of a CTL_KILL received before start, or 0. */
int ctl_killed_before_start(void);

#endif
