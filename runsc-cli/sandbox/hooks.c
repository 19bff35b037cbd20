/*
 * OCI hooks, run on the host like runc does: each with the container's
 * state JSON on stdin, its own args and env (nothing else is inherited),
 * stdout and stderr captured (the last part ends up in the error), and
 * killed after `timeout` seconds.
 *
 *   prestart, createRuntime   by `create`, once the sentry is up and before
 *                             the guest runs; a failure fails create
 *   poststart                 after `start`; failures are warnings
 *   poststop                  by `delete` (and `run` when it removes the
 *                             container); failures are warnings
 *
 * createContainer and startContainer run inside the container's mount
 * namespace under runc; a sandbox has no host binaries to run there, so
 * they are not run (docs/oci.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "runsc-cli/sandbox/sandbox.h"
#include "runsc-cli/oci/config.h"

#define HOOK_OUTPUT 1024    /* bytes of output kept for the error */

static int state_memfd(const struct oci_state *st)
{
	json_t *j = state_oci_json(st);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	int fd = s ? memfd_create("state.json", MFD_CLOEXEC) : -1;
	size_t len = s ? strlen(s) : 0;
	if (fd >= 0 && (write(fd, s, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) < 0)) {
		close(fd);
		fd = -1;
	}
	free(s);
	return fd;
}

static noreturn void hook_child(const struct oci_hook *h, int in, int out)
{
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	close_range(3, ~0U, 0);
	signal(SIGPIPE, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	char *argv0[] = { h->path, NULL };
	char *envp0[] = { NULL };
	execve(h->path, h->args.n ? h->args.v : argv0, h->env.v ? h->env.v : envp0);
	dprintf(2, "exec %s: %s", h->path, strerror(errno));
	_exit(127);
}

/* Keep the last HOOK_OUTPUT bytes of the hook's output. */
static void keep_output(char *buf, size_t *len, const char *data, size_t n)
{
	if (n >= HOOK_OUTPUT) {
		memcpy(buf, data + n - HOOK_OUTPUT, HOOK_OUTPUT);
		*len = HOOK_OUTPUT;
		return;
	}
	if (*len + n > HOOK_OUTPUT) {
		size_t drop = *len + n - HOOK_OUTPUT;
		memmove(buf, buf + drop, *len - drop);
		*len -= drop;
	}
	memcpy(buf + *len, data, n);
	*len += n;
}

static int run_hook(const struct oci_hook *h, int statefd, char *err, size_t errlen)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0)
		hook_child(h, statefd, p[1]);
	close(p[1]);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char out[HOOK_OUTPUT + 1];
	size_t outlen = 0;
	bool eof = false, exited = false, timed_out = false;
	/* Until the hook has exited and closed its output, or its time is up. */
	while (!(eof && (exited || pidfd < 0)) && !timed_out) {
		int wait_ms = -1;
		if (h->has_timeout) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			long long left = h->timeout * 1000LL - (now.tv_sec - t0.tv_sec) * 1000LL -
					 (now.tv_nsec - t0.tv_nsec) / 1000000;
			if (left <= 0) {
				timed_out = true;
				break;
			}
			wait_ms = (int)left;
		}
		struct pollfd pf[2] = { { eof ? -1 : p[0], POLLIN, 0 }, { exited ? -1 : pidfd, POLLIN, 0 } };
		if (poll(pf, 2, wait_ms) < 0 && errno != EINTR)
			break;
		if (pf[0].revents) {
			char buf[4096];
			ssize_t n = read(p[0], buf, sizeof(buf));
			if (n > 0)
				keep_output(out, &outlen, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				eof = true;
		}
		if (pf[1].revents)
			exited = true;
	}
	if (timed_out)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	close(p[0]);
	if (pidfd >= 0)
		close(pidfd);
	out[outlen] = 0;
	for (char *c = out; *c; c++)   /* the error stays one line */
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	if (timed_out) {
		snprintf(err, errlen, "hook %s: timed out after %d s", h->path, h->timeout);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		snprintf(err, errlen, "hook %s: killed by signal %d, output: %s", h->path, WTERMSIG(status), out);
	else
		snprintf(err, errlen, "hook %s: exit status %d, output: %s", h->path, WEXITSTATUS(status), out);
	return -1;
}

int sandbox_hooks_run(const struct oci_config *c, int kind, const struct oci_state *st,
		      char *err, size_t errlen)
{
	for (size_t i = 0; i < c->hooks[kind].n; i++) {
		int fd = state_memfd(st);
		if (fd < 0) {
			snprintf(err, errlen, "%s hook: cannot build the state", oci_hook_names[kind]);
			return -1;
		}
		char msg[1600];
		int rc = run_hook(&c->hooks[kind].v[i], fd, msg, sizeof(msg));
		close(fd);
		if (rc < 0) {
			snprintf(err, errlen, "error running %s hook #%zu: %s", oci_hook_names[kind], i, msg);
			return -1;
		}
	}
	return 0;
}

void sandbox_hooks_warn(const struct global_opts *g, const char *id, int kind)
{
	char err[2048];
	struct oci_state st;
	if (state_load(g->root, id, &st, err, sizeof(err)) < 0)
		return;
	/* the bundle may be gone or changed: then there is nothing to run */
	struct oci_config *c = oci_config_load(st.bundle, err, sizeof(err));
	if (c && sandbox_hooks_run(c, kind, &st, err, sizeof(err)) < 0)
		fprintf(stderr, "cvisor: warning: %s\n", err);
	if (c)
		oci_config_free(c);
	state_free(&st);
}
