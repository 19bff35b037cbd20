/*
 * Control socket server in the sentry (protocol in control.h). A thread
 * accepts connections; each connection gets its own thread, because an
 * EXEC connection lives as long as the process it started. Requests act on
 * the kernel under the kernel lock, as the host: kill_pid(NULL, ...).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "sentry/control/control.h"
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/signal.h"
#include "sentry/process.h"
#include "sentry/log.h"
#include "sentry/kernel/container.h"

static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t start_cond = PTHREAD_COND_INITIALIZER;
static bool started;
static int killed_sig;        /* CTL_KILL before start */
static int nr_conns;          /* under start_lock */

int ctl_listen(const char *root, const char *id)
{
	struct sockaddr_un sa;
	int dirfd;
	int err = ctl_sock_addr(root, id, &sa, &dirfd);
	if (err < 0)
		return err;
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0) {
		err = -errno;
		goto out;
	}
	unlinkat(dirfd, CTL_SOCKET_NAME, 0);
	mode_t old = umask(077);   /* created 0600: only the owner may control the sandbox */
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 64) < 0) {
		err = -errno;
		close(s);
	}
	umask(old);
out:
	close(dirfd);
	return err < 0 ? err : s;
}

static bool sig_kills_by_default(int sig)
{
	switch (sig) {
	case 0: case SIGCHLD: case SIGCONT: case SIGURG: case SIGWINCH:
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return false;
	}
	return true;
}

int ctl_wait_start(void)
{
	pthread_mutex_lock(&start_lock);
	while (!started && !killed_sig)
		pthread_cond_wait(&start_cond, &start_lock);
	int r = started ? 0 : -EINTR;
	pthread_mutex_unlock(&start_lock);
	return r;
}

int ctl_killed_before_start(void)
{
	pthread_mutex_lock(&start_lock);
	int s = killed_sig;
	pthread_mutex_unlock(&start_lock);
	return s;
}

static int reply(int s, int err, int value, const void *payload, uint32_t len)
{
	struct ctl_resp r = { .err = err, .value = value, .len = len };
	struct iovec iov[2] = { { &r, sizeof(r) }, { (void *)payload, len } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	return sendmsg(s, &m, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Start, or kill before start: decided under start_lock. true if handled. */
static bool before_start(int s, const struct ctl_req *q)
{
	pthread_mutex_lock(&start_lock);
	bool handled = true;
	if (q->op == CTL_START) {
		int err = started ? -EALREADY : killed_sig ? -ESRCH : 0;
		started = true;
		pthread_cond_broadcast(&start_cond);
		pthread_mutex_unlock(&start_lock);
		reply(s, err, 0, NULL, 0);
		return true;
	}
	if (q->op == CTL_KILL && !started && !(q->flags & CTL_IN_CONTAINER)) {
		if (q->sig < 0 || q->sig > 64) {
			pthread_mutex_unlock(&start_lock);
			reply(s, -EINVAL, 0, NULL, 0);
			return true;
		}
		/* Answer first: the sentry exits as soon as wait_start returns. */
		reply(s, 0, 0, NULL, 0);
		if (sig_kills_by_default(q->sig) && !killed_sig) {
			killed_sig = q->sig;
			pthread_cond_broadcast(&start_cond);
		}
		pthread_mutex_unlock(&start_lock);
		return true;
	} else if ((q->op == CTL_EXEC || q->op == CTL_PAUSE || q->op >= CTL_CONTAINER_CREATE ||
		    (q->flags & CTL_IN_CONTAINER)) && !started) {
		pthread_mutex_unlock(&start_lock);
		reply(s, -ESRCH, 0, NULL, 0);
		return true;
	} else {
		handled = false;
	}
	pthread_mutex_unlock(&start_lock);
	return handled;
}

/* The app container id a CTL_IN_CONTAINER payload starts with; *off is
 * set past its NUL. NULL if there is none. */
static const char *payload_id(const char *buf, size_t len, size_t *off)
{
	const char *end = len ? memchr(buf, 0, len) : NULL;
	if (!end || end == buf)
		return NULL;
	*off = (size_t)(end - buf) + 1;
	return buf;
}

/* The sandbox's own processes (not those of its pod containers). */
static void kill_sandbox_own(int sig)
{
	struct list_head *p;
	list_for_each(p, &kernel.tgs) {
		struct thread_group *tg = list_entry(p, struct thread_group, all_link);
		if (tg->tgid != 1 && container_owns(NULL, tg))
			kill_pid(NULL, tg->tgid, sig);
	}
}

static int do_kill(const struct ctl_req *q, const char *buf, size_t len)
{
	if (q->sig < 0 || q->sig > KSIG_MAX)
		return -EINVAL;
	int err;
	size_t off;
	const char *id = NULL;
	if ((q->flags & CTL_IN_CONTAINER) && (!(id = payload_id(buf, len, &off)) || off != len))
		return -EINVAL;
	kernel_lock();
	if (id) {
		err = container_kill(id, q->pid, q->sig, q->flags & CTL_KILL_ALL);
	} else if ((q->flags & CTL_KILL_ALL) && containers_exist()) {
		kill_sandbox_own(q->sig);
		err = kill_pid(NULL, 1, q->sig);
	} else if (q->flags & CTL_KILL_ALL) {
		kill_pid(NULL, -1, q->sig);   /* everyone but init */
		err = kill_pid(NULL, 1, q->sig);
	} else {
		err = kill_pid(NULL, q->pid > 0 ? q->pid : 1, q->sig);
	}
	if (q->sig == SIGKILL)
		kernel_pause_kick();
	kernel_unlock();
	return err;
}

static void do_ps(int s, const struct ctl_req *q, const char *buf, size_t len)
{
	size_t off;
	const char *id = NULL;
	if ((q->flags & CTL_IN_CONTAINER) && (!(id = payload_id(buf, len, &off)) || off != len)) {
		reply(s, -EINVAL, 0, NULL, 0);
		return;
	}
	static int32_t pids[CTL_MAX_PAYLOAD / sizeof(int32_t)];
	static pthread_mutex_t ps_lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&ps_lock);
	size_t n = 0;
	kernel_lock();
	struct container *c = NULL;
	int err = container_lookup(id, &c);
	/* with pod containers, each lists its own processes */
	bool filter = id || containers_exist();
	struct list_head *p;
	list_for_each(p, &kernel.tgs) {
		struct thread_group *tg = list_entry(p, struct thread_group, all_link);
		if (!err && !tg->zombie && n < sizeof(pids) / sizeof(pids[0]) &&
		    (!filter || container_owns(c, tg)))
			pids[n++] = tg->tgid;
	}
	kernel_unlock();
	if (err) {
		reply(s, err, 0, NULL, 0);
		pthread_mutex_unlock(&ps_lock);
		return;
	}
	/* ascending, like ps */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && pids[j - 1] > pids[j]; j--) {
			int32_t x = pids[j];
			pids[j] = pids[j - 1];
			pids[j - 1] = x;
		}
	reply(s, 0, 0, pids, n * sizeof(int32_t));
	pthread_mutex_unlock(&ps_lock);
}

static void do_stats(int s)
{
	struct ctl_stats st = { 0 };
	pthread_mutex_lock(&start_lock);
	st.started = started;
	pthread_mutex_unlock(&start_lock);
	kernel_lock();
	struct list_head *p;
	list_for_each(p, &kernel.tgs) {
		struct thread_group *tg = list_entry(p, struct thread_group, all_link);
		st.nr_procs += !tg->zombie;
	}
	list_for_each(p, &kernel.tasks) {
		struct task *t = list_entry(p, struct task, all_link);
		st.nr_threads++;
		st.cpu_ns += t->utime_ns + t->stime_ns;
	}
	st.paused = kernel.paused;
	kernel_unlock();
	reply(s, 0, 0, &st, sizeof(st));
}

/* Split the EXEC payload into a spawn_spec; strings point into buf. */
static int exec_parse(const struct ctl_req *q, char *buf, size_t len, struct spawn_spec *sp,
		      uint32_t *groups)
{
	if (q->ngroups > CTL_MAX_GROUPS || q->argc < 1 || q->argc > CTL_MAX_PAYLOAD / 2 ||
	    q->envc > CTL_MAX_PAYLOAD / 2 || len < q->ngroups * sizeof(uint32_t))
		return -EINVAL;
	memcpy(groups, buf, q->ngroups * sizeof(uint32_t));
	size_t off = q->ngroups * sizeof(uint32_t);
	size_t nstr = 1 + q->argc + q->envc;
	char **v = calloc(q->argc + q->envc + 2, sizeof(char *));
	if (!v)
		return -ENOMEM;
	char *cwd = NULL;
	for (size_t i = 0; i < nstr; i++) {
		char *str = buf + off;
		char *end = off < len ? memchr(str, 0, len - off) : NULL;
		if (!end) {
			free(v);
			return -EINVAL;
		}
		off += (size_t)(end - str) + 1;
		if (i == 0)
			cwd = str;
		else if (i <= q->argc)
			v[i - 1] = str;
		else
			v[i] = str;     /* after argv's NULL at index argc */
	}
	if (off != len) {
		free(v);
		return -EINVAL;
	}
	sp->argv = v;
	sp->envp = v + q->argc + 1;
	sp->cwd = cwd[0] ? cwd : NULL;
	if (sp->cwd && sp->cwd[0] != '/') {
		free(v);
		return -EINVAL;
	}
	sp->uid = q->uid;
	sp->gid = q->gid;
	sp->groups = groups;
	sp->ngroups = (int)q->ngroups;
	return 0;
}

static void do_exec(int s, const struct ctl_req *q, char *buf, size_t len, const int *fds, int nfds)
{
	struct spawn_spec sp = { 0 };
	uint32_t groups[CTL_MAX_GROUPS];
	size_t off = 0;
	const char *id = NULL;
	int err = nfds < 3 ? -EBADF : 0;
	if (!err && (q->flags & CTL_IN_CONTAINER) && !(id = payload_id(buf, len, &off)))
		err = -EINVAL;
	if (!err)
		err = exec_parse(q, buf + off, len - off, &sp, groups);
	if (err < 0) {
		reply(s, err, 0, NULL, 0);
		return;
	}
	memcpy(sp.stdio_fds, fds, sizeof(sp.stdio_fds));
	sp.console = q->flags & CTL_EXEC_CONSOLE;
	sp.exit_fd = eventfd(0, EFD_CLOEXEC);
	kernel_lock();
	int pid = sp.exit_fd < 0 ? -errno : id ? container_exec(id, &sp) : process_spawn(&sp);
	kernel_unlock();
	free(sp.argv);
	if (pid < 0) {
		if (sp.exit_fd >= 0)
			close(sp.exit_fd);
		reply(s, pid, 0, NULL, 0);
		return;
	}
	reply(s, 0, pid, NULL, 0);
	/* The process lives as long as its `cvisor exec` waiter: when the
	 * waiter goes away (killed by the shim), so does the process. */
	bool killed = false;
	int status = -EIO;
	for (;;) {
		struct pollfd pf[2] = { { sp.exit_fd, POLLIN, 0 }, { s, POLLRDHUP, 0 } };
		if (poll(pf, killed ? 1 : 2, -1) < 0 && errno != EINTR)
			break;
		kernel_lock();
		status = process_spawn_wait(pid, true);
		if (status == -EAGAIN && !killed && (pf[1].revents & (POLLRDHUP | POLLHUP | POLLERR))) {
			kill_pid(NULL, pid, SIGKILL);
			killed = true;
		}
		kernel_unlock();
		if (status != -EAGAIN)
			break;
	}
	close(sp.exit_fd);
	if (!killed)
		reply(s, 0, status, NULL, 0);
}

/* CTL_CONTAINER_CREATE (control.h); the fds it takes become -1. */
static int do_container_create(const struct ctl_req *q, char *buf, size_t len, int *fds, int nfds)
{
	size_t off, o;
	const char *id = payload_id(buf, len, &off);
	uint32_t n;
	if (!id || nfds < 4 || len - off < sizeof(n))
		return -EINVAL;
	memcpy(&n, buf + off, sizeof(n));
	off += sizeof(n);
	if (n > CTL_MAX_MOUNTS)
		return -EINVAL;
	struct kernel_mount km[CTL_MAX_MOUNTS];
	bool used[CTL_MAX_FDS] = { false };
	for (uint32_t i = 0; i < n; i++) {
		struct ctl_mount cm;
		if (len - off < sizeof(cm))
			return -EINVAL;
		memcpy(&cm, buf + off, sizeof(cm));
		off += sizeof(cm);
		const char *str[3];
		for (int k = 0; k < 3; k++) {
			const char *sp = buf + off;
			const char *end = off < len ? memchr(sp, 0, len - off) : NULL;
			if (!end)
				return -EINVAL;
			str[k] = sp;
			off += (size_t)(end - sp) + 1;
		}
		if (str[0][0] != '/' || cm.kind < KMOUNT_TMPFS || cm.kind > KMOUNT_SYSFS)
			return -EINVAL;
		km[i] = (struct kernel_mount){
			.kind = cm.kind, .dest = str[0], .source = str[1][0] ? str[1] : NULL,
			.flags = cm.flags, .size = cm.size, .mode = cm.mode, .gofer_fd = -1,
			.readonly = cm.readonly, .name = str[2][0] ? str[2] : NULL,
		};
		if (cm.kind == KMOUNT_BIND) {
			if (cm.fd < 4 || cm.fd >= nfds || used[cm.fd])
				return -EBADF;
			used[cm.fd] = true;
			km[i].gofer_fd = fds[cm.fd];
		}
	}
	struct ctl_proc_extra x;
	if (len - off < sizeof(x))
		return -EINVAL;
	memcpy(&x, buf + off, sizeof(x));
	off += sizeof(x);
	struct kernel_rlimit rl[CTL_MAX_RLIMITS];
	if (x.n_rlimits > CTL_MAX_RLIMITS || len - off < x.n_rlimits * sizeof(struct ctl_rlimit))
		return -EINVAL;
	for (uint32_t i = 0; i < x.n_rlimits; i++) {
		struct ctl_rlimit r;
		memcpy(&r, buf + off, sizeof(r));
		off += sizeof(r);
		rl[i] = (struct kernel_rlimit){ r.resource, r.soft, r.hard };
	}
	struct kernel_caps caps = { x.effective, x.permitted, x.inheritable, x.bounding, x.ambient };
	struct spawn_spec sp = { 0 };
	uint32_t groups[CTL_MAX_GROUPS];
	int err = exec_parse(q, buf + off, len - off, &sp, groups);
	if (err < 0)
		return err;
	sp.caps = x.has_caps ? &caps : NULL;
	sp.rlimits = rl;
	sp.n_rlimits = (int)x.n_rlimits;
	sp.no_new_privs = x.no_new_privs;
	struct container_spec cs = {
		.id = id, .stdio_fds = { fds[0], fds[1], fds[2] }, .console = q->flags & CTL_EXEC_CONSOLE,
		.root_fd = fds[3], .root_readonly = q->flags & CTL_ROOT_RO,
		.mounts = km, .n_mounts = (int)n, .proc = &sp,
	};
	kernel_lock();
	err = container_create(&cs);
	kernel_unlock();
	free(sp.argv);
	if (err < 0)
		return err;
	for (o = 0; o < 4; o++)
		fds[o] = -1;
	for (o = 4; o < (size_t)nfds; o++)
		if (used[o])
			fds[o] = -1;
	return 0;
}

/* PAUSE/RESUME of one pod container. */
static int do_container_pause(const struct ctl_req *q, const char *buf, size_t len)
{
	size_t off;
	const char *id = payload_id(buf, len, &off);
	if (!id || off != len)
		return -EINVAL;
	kernel_lock();
	int err = container_pause(id, q->op == CTL_PAUSE);
	kernel_unlock();
	return err;
}

/* START, WAIT, DELETE of a pod container. */
static void do_container_op(int s, const struct ctl_req *q, const char *buf, size_t len)
{
	size_t off;
	const char *id = payload_id(buf, len, &off);
	if (!id || off != len) {
		reply(s, -EINVAL, 0, NULL, 0);
		return;
	}
	int r;
	kernel_lock();
	if (q->op == CTL_CONTAINER_START)
		r = container_start_init(id);
	else if (q->op == CTL_CONTAINER_WAIT)
		r = container_wait(id);
	else
		r = container_delete(id);
	kernel_unlock();
	reply(s, r < 0 ? r : 0, r < 0 ? 0 : r, NULL, 0);
}

/* One request: header, payload and up to CTL_MAX_FDS fds (more are cut
 * off by the host kernel: MSG_CTRUNC). */
static void serve(int s)
{
	char *buf = malloc(sizeof(struct ctl_req) + CTL_MAX_PAYLOAD + 1);
	if (!buf)
		return;
	union {
		char b[CMSG_SPACE(CTL_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} c;
	struct iovec iov = { buf, sizeof(struct ctl_req) + CTL_MAX_PAYLOAD + 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof(c.b) };
	ssize_t n = recvmsg(s, &m, MSG_CMSG_CLOEXEC);
	int fds[CTL_MAX_FDS], nfds = 0;
	for (struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&m) : NULL; cm; cm = CMSG_NXTHDR(&m, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (nfds < CTL_MAX_FDS)
				fds[nfds++] = fd;
			else
				close(fd);
		}
	}
	struct ctl_req q;
	if (n < (ssize_t)sizeof(q) || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		if (n > 0)
			reply(s, -EPROTO, 0, NULL, 0);
		goto out;
	}
	memcpy(&q, buf, sizeof(q));
	size_t len = (size_t)n - sizeof(q);
	if (q.len != len || len > CTL_MAX_PAYLOAD) {
		reply(s, -EPROTO, 0, NULL, 0);
		goto out;
	}
	if (before_start(s, &q))
		goto out;
	switch (q.op) {
	case CTL_KILL:
		reply(s, do_kill(&q, buf + sizeof(q), len), 0, NULL, 0);
		break;
	case CTL_PS:
		do_ps(s, &q, buf + sizeof(q), len);
		break;
	case CTL_PAUSE:
	case CTL_RESUME:
		if (q.flags & CTL_IN_CONTAINER) {
			reply(s, do_container_pause(&q, buf + sizeof(q), len), 0, NULL, 0);
			break;
		}
		kernel_lock();
		if (q.op == CTL_PAUSE)
			kernel_pause();
		else
			kernel_resume();
		kernel_unlock();
		reply(s, 0, 0, NULL, 0);
		break;
	case CTL_STATS:
		do_stats(s);
		break;
	case CTL_EXEC:
		do_exec(s, &q, buf + sizeof(q), len, fds, nfds);
		break;
	case CTL_CONTAINER_CREATE:
		reply(s, do_container_create(&q, buf + sizeof(q), len, fds, nfds), 0, NULL, 0);
		break;
	case CTL_CONTAINER_START:
	case CTL_CONTAINER_WAIT:
	case CTL_CONTAINER_DELETE:
		do_container_op(s, &q, buf + sizeof(q), len);
		break;
	default:
		reply(s, -EINVAL, 0, NULL, 0);
	}
out:
	for (int i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(buf);
}

static void *conn_main(void *arg)
{
	int s = (int)(intptr_t)arg;
	serve(s);
	close(s);
	pthread_mutex_lock(&start_lock);
	nr_conns--;
	pthread_mutex_unlock(&start_lock);
	return NULL;
}

static void *accept_main(void *arg)
{
	int ls = (int)(intptr_t)arg;
	for (;;) {
		int s = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		if (s < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			log_error("control socket: accept: %s", strerror(errno));
			usleep(100000);
			continue;
		}
		pthread_mutex_lock(&start_lock);
		bool ok = nr_conns < CTL_MAX_CONNS;
		nr_conns += ok;
		pthread_mutex_unlock(&start_lock);
		pthread_t th;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 256 << 10);
		if (!ok || pthread_create(&th, &attr, conn_main, (void *)(intptr_t)s) != 0) {
			if (ok) {
				pthread_mutex_lock(&start_lock);
				nr_conns--;
				pthread_mutex_unlock(&start_lock);
			}
			close(s);
		}
		pthread_attr_destroy(&attr);
	}
	return NULL;
}

int ctl_server_start(int listen_fd)
{
	pthread_t th;
	/* Host signals are for the sentry's forwarder thread, not these. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int r = pthread_create(&th, NULL, accept_main, (void *)(intptr_t)listen_fd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		return -r;
	pthread_detach(th);
	return 0;
}
