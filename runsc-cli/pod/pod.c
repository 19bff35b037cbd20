/*
 * Pod app containers on the CLI side (pod.h).
 *
 *   cvisor create ──fork──▶ stand-in: joins the cgroup, setsid, starts the
 *        │                  gofer (root and bind mounts: its child, it dies
 *        │                  with it), sends CONTAINER_CREATE with stdio and
 *        │                  channels to the sandbox, registers CONTAINER_WAIT,
 *        │                  says "ok", drops stdio, waits, exits like init
 *        └─ reads the answer, writes the pid file, records the state
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "runsc-cli/pod/pod.h"
#include "runsc-cli/sandbox/sandbox.h"
#include "runsc-cli/sandbox/cgroup.h"
#include "runsc-cli/oci/config.h"
#include "runsc-cli/oci/errlog.h"
#include "runsc-cli/console.h"
#include "sentry/kernel.h"

#define ANN_TYPE "io.kubernetes.cri.container-type"
#define ANN_SANDBOX "io.kubernetes.cri.sandbox-id"

bool pod_sandbox_of(const struct oci_state *st, char *sb, size_t len)
{
	json_t *j = st->extra ? json_object_get(st->extra, "pod") : NULL;
	if (!json_is_string(j))
		return false;
	snprintf(sb, len, "%s", json_string_value(j));
	return true;
}

/* sb names a live sandbox of ours (not itself a pod's app container). */
static bool sandbox_alive(const struct global_opts *g, const char *sb)
{
	char err[512], other[8];
	struct oci_state st;
	if (!state_id_valid(sb) || state_load(g->root, sb, &st, err, sizeof(err)) < 0)
		return false;
	bool ok = !pod_sandbox_of(&st, other, sizeof(other)) && strcmp(state_status(&st), "stopped");
	state_free(&st);
	return ok;
}

/* ---- the request ---------------------------------------------------------- */

static bool put(char *buf, size_t *off, const void *s, size_t n)
{
	if (*off + n > CTL_MAX_PAYLOAD)
		return false;
	if (n)
		memcpy(buf + *off, s, n);
	*off += n;
	return true;
}

static bool put_str(char *buf, size_t *off, const char *s)
{
	return put(buf, off, s ? s : "", strlen(s ? s : "") + 1);
}

/* The EXEC part: groups, cwd, args, env (as cmd_exec.c sends it). */
static bool put_process(struct ctl_req *q, char *buf, size_t *off, const struct oci_process *p)
{
	q->uid = p->user.uid;
	q->gid = p->user.gid;
	q->ngroups = p->user.n_additional_gids < CTL_MAX_GROUPS ? (uint32_t)p->user.n_additional_gids
								: CTL_MAX_GROUPS;
	bool ok = put(buf, off, p->user.additional_gids, q->ngroups * sizeof(uint32_t)) &&
		  put_str(buf, off, p->cwd);
	for (size_t i = 0; ok && i < p->args.n; i++)
		ok = put_str(buf, off, p->args.v[i]);
	for (size_t i = 0; ok && i < p->env.n; i++)
		ok = put_str(buf, off, p->env.v[i]);
	q->argc = (uint32_t)p->args.n;
	q->envc = (uint32_t)p->env.n;
	return ok;
}

/* CONTAINER_CREATE for c: fds[0..2] stdio, fds[3] root channel, then one
 * per bind mount of sm; *nfds in/out. */
static int build_create(const char *id, const struct oci_config *c, const struct sandbox_mounts *sm,
			struct ctl_req *q, char *buf, int *fds, int *nfds)
{
	size_t off = 0;
	uint32_t n = (uint32_t)sm->n;
	if (sm->n > CTL_MAX_MOUNTS)
		return -1;
	bool ok = put_str(buf, &off, id) && put(buf, &off, &n, sizeof(n));
	for (int i = 0; ok && i < sm->n; i++) {
		const struct kernel_mount *km = &sm->v[i];
		struct ctl_mount cm = { .kind = km->kind, .flags = km->flags, .mode = km->mode, .fd = -1,
					.readonly = km->readonly, .size = km->size };
		if (km->kind == KMOUNT_BIND) {
			if (*nfds >= CTL_MAX_FDS)
				return -1;
			cm.fd = *nfds;
			fds[(*nfds)++] = km->gofer_fd;
		}
		ok = put(buf, &off, &cm, sizeof(cm)) && put_str(buf, &off, km->dest) &&
		     put_str(buf, &off, km->source) && put_str(buf, &off, km->name);
	}
	const struct oci_process *p = &c->process;
	struct ctl_proc_extra x = {
		.has_caps = p->has_caps, .no_new_privs = p->no_new_privileges,
		.n_rlimits = p->n_rlimits < CTL_MAX_RLIMITS ? (uint32_t)p->n_rlimits : CTL_MAX_RLIMITS,
		.effective = p->caps.effective, .permitted = p->caps.permitted,
		.inheritable = p->caps.inheritable, .bounding = p->caps.bounding,
		.ambient = p->caps.ambient,
	};
	ok = ok && put(buf, &off, &x, sizeof(x));
	for (uint32_t i = 0; ok && i < x.n_rlimits; i++) {
		struct ctl_rlimit r = { .resource = p->rlimits[i].type, .soft = p->rlimits[i].soft,
					.hard = p->rlimits[i].hard };
		ok = put(buf, &off, &r, sizeof(r));
	}
	ok = ok && put_process(q, buf, &off, p);
	q->op = CTL_CONTAINER_CREATE;
	q->flags |= c->root_readonly ? CTL_ROOT_RO : 0;
	q->len = (uint32_t)off;
	return ok && c->process.args.n ? 0 : -1;
}

/* A request naming the container: its id is the whole payload. */
static int call_id(const struct global_opts *g, const char *sb, uint32_t op, uint32_t flags,
		   int sig, const char *id, struct ctl_resp *r, void *out, size_t outlen)
{
	struct ctl_req q = { .op = op, .flags = flags, .sig = sig, .len = (uint32_t)strlen(id) + 1 };
	int s = ctl_connect(g->root, sb);
	if (s < 0)
		return s;
	int err = ctl_send(s, &q, id, NULL, 0);
	if (!err)
		err = ctl_recv(s, r, out, outlen);
	close(s);
	return err < 0 ? err : r->err;
}

/* ---- create ---------------------------------------------------------------- */

/* The stand-in waits for the init's status on ws; the signals it gets
 * (someone signalling the pid file's process) go on to the init, as they
 * would reach runc's init. SIGKILL when the sandbox went away. */
static int wait_init(const struct global_opts *g, const char *sb, const char *id, int ws)
{
	static const int forwarded[] = {
		SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGCONT,
		SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH, SIGPWR,
	};
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	struct ctl_resp r;
	for (;;) {
		struct pollfd pf[2] = { { ws, POLLIN, 0 }, { sfd, POLLIN, 0 } };
		if (poll(pf, sfd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return SIGKILL;
		}
		if (pf[0].revents)
			return ctl_recv(ws, &r, NULL, 0) == 0 && r.err == 0 ? r.value : SIGKILL;
		struct signalfd_siginfo si;
		if ((pf[1].revents & POLLIN) && read(sfd, &si, sizeof(si)) == sizeof(si))
			call_id(g, sb, CTL_KILL, CTL_IN_CONTAINER, (int)si.ssi_signo, id, &r, NULL, 0);
	}
}

/* In the stand-in: make the container in sandbox sb; reports "ok" or the
 * error on ready, then waits for init and exits like it. */
static noreturn void stand_in(const struct global_opts *g, const struct oci_config *c, const char *sb,
			      const char *id, const char *console, const struct cgroup *cg, int ready)
{
	char err[1024];
	int ce = cg->version ? cgroup_enter(cg) : 0;
	if (ce < 0) {
		dprintf(ready, "cgroup: cannot join %s: %s\n", cg->d[0].path, strerror(-ce));
		_exit(1);
	}
	setsid();
	/* the container's gofer (root + bind sources): our child, it dies with us */
	struct sandbox_mounts sm;
	if (sandbox_mounts_prepare(&sm, c, id, err, sizeof(err)) < 0) {
		dprintf(ready, "%s\n", err);
		_exit(1);
	}
	int rootfd = sm.root_fd;
	int tty = console ? console_setup(console, c->process.console_height, c->process.console_width) : -1;
	if (console && tty < 0)
		_exit(1);   /* console_setup said why */
	static char buf[CTL_MAX_PAYLOAD];
	int fds[CTL_MAX_FDS] = { 0, 1, 2, rootfd }, nfds = 4;
	struct ctl_req q = { 0 };
	if (tty >= 0) {
		fds[0] = fds[1] = fds[2] = tty;
		q.flags |= CTL_EXEC_CONSOLE;
	}
	if (build_create(id, c, &sm, &q, buf, fds, &nfds) < 0) {
		dprintf(ready, "the container's process or mounts are too large or empty\n");
		_exit(1);
	}
	struct ctl_resp r;
	int s = ctl_connect(g->root, sb);
	int e = s < 0 ? s : ctl_send(s, &q, buf, fds, nfds);
	if (!e)
		e = ctl_recv(s, &r, NULL, 0);
	if (!e)
		e = r.err;
	if (s >= 0)
		close(s);
	if (e) {
		dprintf(ready, "sandbox %s: cannot create the container: %s\n", sb, strerror(-e));
		_exit(1);
	}
	/* the sandbox has its own copies of the channels and stdio now */
	close(rootfd);
	for (int i = 0; i < sm.n; i++)
		if (sm.v[i].kind == KMOUNT_BIND && sm.v[i].gofer_fd >= 0)
			close(sm.v[i].gofer_fd);
	if (tty >= 0)
		close(tty);
	struct ctl_req wq = { .op = CTL_CONTAINER_WAIT, .len = (uint32_t)strlen(id) + 1 };
	int ws = ctl_connect(g->root, sb);
	e = ws < 0 ? ws : ctl_send(ws, &wq, id, NULL, 0);
	if (e) {
		dprintf(ready, "sandbox %s: cannot wait for the container: %s\n", sb, strerror(-e));
		_exit(1);
	}
	/* Only the container holds its stdio. */
	int devnull = open("/dev/null", O_RDWR);
	for (int fd = 0; fd < 3 && devnull >= 0; fd++)
		dup2(devnull, fd);
	if (devnull > 2)
		close(devnull);
	dprintf(ready, "ok\n");
	close(ready);
	sandbox_exit_like(wait_init(g, sb, id, ws));
}

static json_t *annotations_json(const struct oci_config *c)
{
	if (!c->n_annotations)
		return NULL;
	json_t *o = json_object();
	for (size_t i = 0; o && i < c->n_annotations; i++)
		json_object_set_new(o, c->annotations[i].key, json_string(c->annotations[i].value));
	return o;
}

int pod_create(const struct global_opts *g, const char *bundle, const char *id,
	       const char *pid_file, const char *console_socket)
{
	char err[1024];
	struct oci_config *c = oci_config_load(bundle, err, sizeof(err));
	if (!c)
		return POD_NOT_A_POD;   /* sandbox_create reports it */
	const char *type = oci_config_annotation(c, ANN_TYPE);
	const char *sb = oci_config_annotation(c, ANN_SANDBOX);
	if (!type || strcmp(type, "container") || !sb || !strcmp(sb, id) || !state_id_valid(id) ||
	    !sandbox_alive(g, sb)) {
		oci_config_free(c);
		return POD_NOT_A_POD;
	}
	cli_debug_log_id(id);
	int rc = 1;
	struct stat rs;
	int se = stat(c->root_path, &rs) < 0 ? errno : S_ISDIR(rs.st_mode) ? 0 : ENOTDIR;
	if (console_socket && !c->process.terminal) {
		cli_error("cannot use a console socket when process.terminal is false");
		oci_config_free(c);
		return 1;
	}
	if (se) {
		cli_error("root.path: %s: %s", c->root_path, strerror(se));
		oci_config_free(c);
		return 1;
	}
	struct oci_state st = { 0 };
	snprintf(st.id, sizeof(st.id), "%s", id);
	strcpy(st.status, "created");
	st.oci_version = c->oci_version;
	st.bundle = c->bundle;
	st.rootfs = c->root_path;
	st.annotations = annotations_json(c);
	st.extra = json_pack("{s:s}", "pod", sb);
	if (state_create(g->root, &st, err, sizeof(err)) < 0) {
		cli_error("%s", err);
		goto out;
	}
	int lk = state_lock(g->root, id);
	if (lk < 0) {
		cli_error("container %s was deleted while being created", id);
		goto out;
	}
	/* Its own cgroup with linux.cgroupsPath (CRI gives one), else the
	 * sandbox's: the stand-in and its gofers go there. */
	struct cgroup cg = { 0 };
	bool own_cg = false;
	if (geteuid() == 0 && c->cgroups_path) {
		char cgpath[PATH_MAX];
		if (cgroup_path_for(c->cgroups_path, g->systemd_cgroup, id, cgpath, sizeof(cgpath),
				    err, sizeof(err)) < 0 ||
		    cgroup_create(&cg, cgpath, c->has_resources ? &c->resources : NULL, err, sizeof(err)) < 0) {
			cli_error("%s", err);
			state_unlock(lk);
			state_delete(g->root, id, err, sizeof(err));
			goto out;
		}
		own_cg = true;
		json_object_set_new(st.extra, "cgroup", cgroup_to_json(&cg));
		if (state_save(g->root, &st, err, sizeof(err)) < 0) {
			cli_error("%s", err);
			cgroup_destroy(&cg);
			state_unlock(lk);
			state_delete(g->root, id, err, sizeof(err));
			goto out;
		}
	} else {
		struct oci_state sst;
		if (state_load(g->root, sb, &sst, err, sizeof(err)) == 0) {
			if (sandbox_cgroup(&sst, &cg) < 0)
				cg.version = 0;
			state_free(&sst);
		}
	}
	int rp[2];
	pid_t p = pipe2(rp, O_CLOEXEC) < 0 ? -1 : fork();
	if (p == 0) {
		/* nothing of the caller's but stdio (the shim leaks fd 3) */
		int ready = rp[1];
		close_range(3, (unsigned)ready - 1, 0);
		close_range((unsigned)ready + 1, ~0U, 0);
		stand_in(g, c, sb, id, console_socket, &cg, ready);
	}
	bool ok = false;
	if (p < 0) {
		snprintf(err, sizeof(err), "fork: %s", strerror(errno));
	} else {
		close(rp[1]);
		ok = sandbox_read_ready(rp[0], err, sizeof(err));
		close(rp[0]);
		if (!ok && !err[0])
			snprintf(err, sizeof(err), "the container's stand-in exited before it was ready");
	}
	if (ok) {
		rc = sandbox_record_created(g, c, &st, p, pid_file);
	} else {
		cli_error("%s", err);
	}
	if (rc && p > 0) {
		struct ctl_resp r;
		call_id(g, sb, CTL_CONTAINER_DELETE, 0, 0, id, &r, NULL, 0);
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
	}
	state_unlock(lk);
	if (rc) {
		if (own_cg)
			cgroup_destroy(&cg);
		state_delete(g->root, id, err, sizeof(err));
	}
out:
	free(st.created);
	free(st.owner);
	json_decref(st.annotations);
	json_decref(st.extra);
	oci_config_free(c);
	return rc;
}

/* ---- the other commands ---------------------------------------------------- */

static int report(int err, const char *id)
{
	if (err == -ECONNREFUSED || err == -ENOENT || err == -EPIPE || err == -ESRCH)
		cli_error("container %s is not running", id);
	else if (err)
		cli_error("container %s: %s", id, strerror(-err));
	return err ? -1 : 0;
}

int pod_start(const struct global_opts *g, const struct oci_state *st, const char *sb)
{
	struct ctl_resp r;
	return report(call_id(g, sb, CTL_CONTAINER_START, 0, 0, st->id, &r, NULL, 0), st->id);
}

int pod_kill(const struct global_opts *g, const struct oci_state *st, const char *sb, int sig, bool all)
{
	struct ctl_resp r;
	uint32_t flags = CTL_IN_CONTAINER | (all ? CTL_KILL_ALL : 0);
	return report(call_id(g, sb, CTL_KILL, flags, sig, st->id, &r, NULL, 0), st->id);
}

int pod_ps(const struct global_opts *g, const struct oci_state *st, const char *sb, int32_t *pids, size_t n)
{
	struct ctl_resp r;
	int err = call_id(g, sb, CTL_PS, CTL_IN_CONTAINER, 0, st->id, &r, pids, n * sizeof(int32_t));
	return report(err, st->id) < 0 ? -1 : (int)(r.len / sizeof(int32_t));
}

int pod_pause(const struct global_opts *g, const struct oci_state *st, const char *sb, bool pause)
{
	struct ctl_resp r;
	return report(call_id(g, sb, pause ? CTL_PAUSE : CTL_RESUME, CTL_IN_CONTAINER, 0, st->id,
			      &r, NULL, 0), st->id);
}

void pod_delete(const struct global_opts *g, const struct oci_state *st, const char *sb)
{
	struct ctl_resp r;
	call_id(g, sb, CTL_CONTAINER_DELETE, 0, 0, st->id, &r, NULL, 0);
}

int pod_exec_request(const char *id, struct ctl_req *q, char *buf)
{
	size_t n = strlen(id) + 1;
	if (q->len + n > CTL_MAX_PAYLOAD) {
		cli_error("exec: the process is too large (more than %u bytes)", CTL_MAX_PAYLOAD);
		return -1;
	}
	memmove(buf + n, buf, q->len);
	memcpy(buf, id, n);
	q->len += (uint32_t)n;
	q->flags |= CTL_IN_CONTAINER;
	return 0;
}
