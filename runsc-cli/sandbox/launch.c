/*
 * `create`: from a bundle to a sentry waiting for `start`.
 *
 *   cvisor create ── makes the cgroup (linux.resources, cgroupsPath)
 *        │
 *   cvisor create ──fork──▶ joins the cgroup, setsid, fds 0-2 + ready pipe only,
 *        │                  exec `cvisor boot --bundle B --ready-fd=3 ID`
 *        │                      └─ forks the gofer, brings the kernel up,
 *        │                         binds <root>/<id>/sentry.sock, says "ok"
 *        └─ reads one line from the ready pipe, records the pid, exits
 *
 * The sentry is our child only until we exit; then the shim (a subreaper)
 * or init adopts it, so its exit status reaches whoever waits for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "runsc-cli/sandbox/sandbox.h"
#include "runsc-cli/oci/config.h"
#include "runsc-cli/oci/errlog.h"
#include "runsc-cli/console.h"
#include "runsc-cli/sandbox/cgroup.h"


/* The boot command line: global flags, then `boot`. argv0 names the id so
 * `ps`/`pgrep` show which container a sentry serves. */
static noreturn void exec_boot(const struct global_opts *g, const char *bundle, const char *id)
{
	char argv0[300];
	snprintf(argv0, sizeof(argv0), "cvisor-sandbox:%s", id);
	const char *argv[32];
	int n = 0;
	argv[n++] = argv0;
	argv[n++] = "--root";
	argv[n++] = g->root;
	argv[n++] = "--platform";
	argv[n++] = g->platform;
	if (g->debug)
		argv[n++] = "--debug";
	if (g->strace)
		argv[n++] = "--strace";
	if (g->no_systrap_patching)
		argv[n++] = "--systrap-patching=false";
	if (g->allow_setuid)
		argv[n++] = "--allow-setuid";
	if (g->log) {
		argv[n++] = "--log";
		argv[n++] = g->log;
	}
	if (g->log_format) {
		argv[n++] = "--log-format";
		argv[n++] = g->log_format;
	}
	if (g->debug_log) {
		argv[n++] = "--debug-log";
		argv[n++] = g->debug_log;
	}
	if (g->network) {
		argv[n++] = "--network";
		argv[n++] = g->network;
	}
	argv[n++] = "boot";
	argv[n++] = "--bundle";
	argv[n++] = bundle;
	argv[n++] = "--ready-fd=3";
	argv[n++] = id;
	argv[n] = NULL;
	execv("/proc/self/exe", (char **)argv);
	dprintf(3, "cannot execute the sentry: %s\n", strerror(errno));
	_exit(127);
}

int sandbox_record_created(const struct global_opts *g, const struct oci_config *c,
			   struct oci_state *st, pid_t p, const char *pid_file)
{
	char err[1024];
	st->pid = p;
	st->pid_start = state_proc_start(p);
	/* The sandbox is up, the guest has not run: the hooks see status
	 * "creating" and the pid, like under runc. */
	strcpy(st->status, "creating");
	int hk = sandbox_hooks_run(c, OCI_HOOK_PRESTART, st, err, sizeof(err));
	if (hk == 0)
		hk = sandbox_hooks_run(c, OCI_HOOK_CREATE_RUNTIME, st, err, sizeof(err));
	strcpy(st->status, "created");
	int wr = hk < 0 || !pid_file ? 0 : sandbox_write_pid_file(pid_file, p);
	if (hk < 0)
		cli_error("%s", err);
	else if (wr < 0)
		cli_error("cannot write pid file %s: %s", pid_file, strerror(-wr));
	else if (state_save(g->root, st, err, sizeof(err)) < 0)
		cli_error("%s", err);
	else
		return 0;
	if (pid_file && hk == 0 && wr == 0)
		unlink(pid_file);
	return -1;
}

bool sandbox_read_ready(int fd, char *msg, size_t len)
{
	size_t got = 0;
	while (got + 1 < len) {
		ssize_t n = read(fd, msg + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(msg, '\n', got))
			break;
	}
	msg[got] = 0;
	char *nl = strchr(msg, '\n');
	if (nl)
		*nl = 0;
	return !strcmp(msg, "ok");
}

/* tty >= 0: the console's pty slave, the sentry's (and so the guest's) stdio. */
static pid_t launch(const struct global_opts *g, const char *bundle, const char *id, int lockfd,
		    int tty, const struct cgroup *cg, char *msg, size_t len)
{
	int rp[2];
	if (pipe2(rp, O_CLOEXEC) < 0) {
		snprintf(msg, len, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t p = fork();
	if (p < 0) {
		snprintf(msg, len, "fork: %s", strerror(errno));
		close(rp[0]);
		close(rp[1]);
		return -1;
	}
	if (p == 0) {
		/* flock is shared by the forked copy of the fd: drop it now. */
		close(lockfd);
		/* every process of the sandbox starts in its cgroup */
		int ce = cg->version ? cgroup_enter(cg) : 0;
		if (ce < 0) {
			dprintf(rp[1], "cgroup: cannot join %s: %s\n", cg->d[0].path, strerror(-ce));
			_exit(127);
		}
		setsid();
		for (int fd = 0; fd < 3 && tty >= 0; fd++)
			if (dup2(tty, fd) < 0)
				_exit(127);
		if (tty >= 0)
			console_relay(tty);
		if (rp[1] == 3)
			fcntl(3, F_SETFD, 0);
		else if (dup2(rp[1], 3) < 0)
			_exit(127);
		/* Nothing of the caller but stdio: the shim leaks its socket as fd 3. */
		if (close_range(4, ~0U, 0) < 0)
			for (int fd = 4; fd < 1024; fd++)
				close(fd);
		exec_boot(g, bundle, id);
	}
	close(rp[1]);
	bool ok = sandbox_read_ready(rp[0], msg, len);
	close(rp[0]);
	if (!ok) {
		if (!msg[0])
			snprintf(msg, len, "the sandbox exited before it was ready");
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
		return -1;
	}
	return p;
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

int sandbox_create(const struct global_opts *g, const char *bundle, const char *id,
		   const char *pid_file, const char *console_socket, pid_t *pid)
{
	char err[1024];
	if (!state_id_valid(id)) {
		cli_error("invalid container id format \"%.64s\"", id);
		return -1;
	}
	cli_debug_log_id(id);
	struct oci_config *c = oci_config_load(bundle, err, sizeof(err));
	if (!c) {
		cli_error("%s", err);
		return -1;
	}
	if (console_socket && !c->process.terminal) {
		cli_error("cannot use a console socket when process.terminal is false");
		oci_config_free(c);
		return -1;
	}
	struct stat rs;
	int se = stat(c->root_path, &rs) < 0 ? errno : S_ISDIR(rs.st_mode) ? 0 : ENOTDIR;
	if (se) {
		cli_error("root.path: %s: %s", c->root_path, strerror(se));
		oci_config_free(c);
		return -1;
	}
	if (sandbox_check_namespaces(c, err, sizeof(err)) < 0) {
		cli_error("%s", err);
		oci_config_free(c);
		return -1;
	}
	struct oci_state st = { 0 };
	snprintf(st.id, sizeof(st.id), "%s", id);
	strcpy(st.status, "created");
	st.oci_version = c->oci_version;
	st.bundle = c->bundle;
	st.rootfs = c->root_path;
	st.annotations = annotations_json(c);
	int rc = -1;
	if (state_create(g->root, &st, err, sizeof(err)) < 0) {
		cli_error("%s", err);
		goto out;
	}
	int lk = state_lock(g->root, id);
	if (lk < 0) {
		cli_error("container %s was deleted while being created", id);
		goto out;
	}
	/* Without root there is no cgroup to make (runsc's rootless mode). */
	struct cgroup cg = { 0 };
	char cgpath[PATH_MAX];
	if (geteuid() == 0 &&
	    (cgroup_path_for(c->cgroups_path, g->systemd_cgroup, id, cgpath, sizeof(cgpath),
			     err, sizeof(err)) < 0 ||
	     cgroup_create(&cg, cgpath, c->has_resources ? &c->resources : NULL, err, sizeof(err)) < 0)) {
		cli_error("%s", err);
		state_unlock(lk);
		state_delete(g->root, id, err, sizeof(err));
		goto out;
	}
	/* recorded at once: a create killed from here on leaves a state whose
	 * `delete` removes the cgroup */
	if (cg.version) {
		/* the default parent /cvisor is ours: its last container removes it */
		for (int i = 0; !c->cgroups_path && !g->systemd_cgroup && i < cg.n; i++)
			if (cg.d[i].created == 1)
				cg.d[i].created = 2;
		st.extra = json_pack("{s:o}", "cgroup", cgroup_to_json(&cg));
		if (state_save(g->root, &st, err, sizeof(err)) < 0) {
			cli_error("%s", err);
			cgroup_destroy(&cg);
			state_unlock(lk);
			state_delete(g->root, id, err, sizeof(err));
			goto out;
		}
	}
	/* process.terminal without a socket: the caller's stdio, as it is. */
	int tty = console_socket ? console_setup(console_socket, c->process.console_height,
						 c->process.console_width) : -1;
	pid_t p = console_socket && tty < 0 ? -1 : launch(g, c->bundle, id, lk, tty, &cg, err, sizeof(err));
	if (tty >= 0)
		close(tty);   /* only the sentry holds the slave: the shim sees EIO once it exits */
	if (p < 0) {
		if (!console_socket || tty >= 0)
			cli_error("%s", err);
	} else {
		rc = sandbox_record_created(g, c, &st, p, pid_file);
		if (rc < 0) {
			kill(p, SIGKILL);
			waitpid(p, NULL, 0);
		}
	}
	state_unlock(lk);
	if (rc < 0) {
		if (cg.version)
			cgroup_destroy(&cg);
		state_delete(g->root, id, err, sizeof(err));
	} else {
		*pid = p;
	}
out:
	/* st borrows c's strings; only created/owner/annotations/extra are its own */
	free(st.created);
	free(st.owner);
	json_decref(st.annotations);
	json_decref(st.extra);
	oci_config_free(c);
	return rc;
}

int sandbox_cgroup(const struct oci_state *st, struct cgroup *cg)
{
	json_t *j = st->extra ? json_object_get(st->extra, "cgroup") : NULL;
	return j && cgroup_from_json(cg, j) == 0 ? 0 : -1;
}

void sandbox_remove(const struct global_opts *g, const char *id)
{
	char err[512];
	struct oci_state st;
	if (state_load(g->root, id, &st, err, sizeof(err)) == 0) {
		sandbox_kill_host(&st);
		struct cgroup cg;
		if (sandbox_cgroup(&st, &cg) == 0)
			cgroup_destroy(&cg);
		state_free(&st);
	}
	state_delete(g->root, id, err, sizeof(err));
}

int sandbox_load(const struct global_opts *g, const char *id, struct oci_state *st)
{
	char err[512];
	cli_debug_log_id(id);
	if (state_load(g->root, id, st, err, sizeof(err)) < 0) {
		cli_error("%s", err);
		return -1;
	}
	return 0;
}

int sandbox_call(const struct global_opts *g, const char *id, const struct ctl_req *req,
		 struct ctl_resp *resp, void *out, size_t outlen)
{
	int err = ctl_call(g->root, id, req, resp, out, outlen);
	if (err < 0) {
		if (err == -ECONNREFUSED || err == -ENOENT || err == -EPIPE)
			cli_error("container %s is not running", id);
		else
			cli_error("container %s: %s", id, strerror(-err));
		return -1;
	}
	return 0;
}

int sandbox_set_status(const struct global_opts *g, const char *id, const char *status)
{
	char err[512];
	int lk = state_lock(g->root, id);
	if (lk < 0) {
		cli_error("container does not exist");
		return -1;
	}
	struct oci_state st;
	int rc = state_load(g->root, id, &st, err, sizeof(err));
	if (rc == 0) {
		snprintf(st.status, sizeof(st.status), "%s", status);
		rc = state_save(g->root, &st, err, sizeof(err));
		state_free(&st);
	}
	state_unlock(lk);
	if (rc < 0)
		cli_error("%s", err);
	return rc < 0 ? -1 : 0;
}

void sandbox_kill_host(const struct oci_state *st)
{
	if (st->pid <= 0 || !strcmp(state_status(st), "stopped"))
		return;
	kill(st->pid, SIGKILL);
	/* Not our child (unless `run`): wait until it is gone or a zombie. */
	for (int i = 0; i < 1000 && strcmp(state_status(st), "stopped"); i++) {
		if (waitpid(st->pid, NULL, WNOHANG) == st->pid)
			break;
		nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
	}
}
