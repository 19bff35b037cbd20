/*
 * cvisor exec [--process FILE] [--detach] [--pid-file F] [--cwd DIR]
 *             [--env K=V]... [--user UID[:GID]] [--tty] [--console-socket S]
 *             ID [--] [ARGS...]
 *
 * Sends the process and our fds 0-2 (SCM_RIGHTS) to the sentry, which
 * starts it as a new guest process. This process then stands for it: it
 * lives as long as the guest process, passes the signals it gets on to it,
 * and exits with its status (or dies of its signal), which is what the
 * shim's wait on the pid file's process reads. --detach: a forked child
 * does the standing in; its pid goes to --pid-file.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/config.h"
#include "runsc-cli/oci/errlog.h"
#include "runsc-cli/sandbox/sandbox.h"
#include "runsc-cli/pod/pod.h"
#include "runsc-cli/console.h"
#include "runsc-cli/sandbox/cgroup.h"

#define EXEC_MAX_ENV 4096

struct exec_opts {
	const char *process_file, *pid_file, *cwd, *user, *console;
	const char *env[EXEC_MAX_ENV];
	int nenv;
	bool detach, tty;
};

static int usage(void)
{
	cli_error("exec: usage: exec [--process FILE | ID -- ARGS...] [--detach] [--pid-file F] "
		  "[--cwd DIR] [--env K=V] [--user UID[:GID]] CONTAINER_ID [ARGS...]");
	return 2;
}

/* Append s and its NUL to buf; false when it would not fit. */
static bool put(char *buf, size_t *off, const void *s, size_t n)
{
	if (*off + n > CTL_MAX_PAYLOAD)
		return false;
	if (n)
		memcpy(buf + *off, s, n);   /* s may be NULL for an empty field */
	*off += n;
	return true;
}

static bool put_str(char *buf, size_t *off, const char *s)
{
	return put(buf, off, s, strlen(s) + 1);
}

static int parse_user(const char *s, uint32_t *uid, uint32_t *gid)
{
	char *end;
	errno = 0;
	unsigned long u = strtoul(s, &end, 10), gv = 0;
	if (errno || end == s || (*end && *end != ':') || u > UINT32_MAX - 1)
		return -1;
	if (*end == ':') {
		const char *gs = end + 1;
		gv = strtoul(gs, &end, 10);
		if (errno || end == gs || *end || gv > UINT32_MAX - 1)
			return -1;
	}
	*uid = (uint32_t)u;
	*gid = (uint32_t)gv;
	return 0;
}

/* The request for process p (after the command-line overrides). */
static int build(const struct exec_opts *o, const struct oci_process *p, struct ctl_req *q, char *buf)
{
	size_t off = 0;
	memset(q, 0, sizeof(*q));
	q->op = CTL_EXEC;
	q->uid = p->user.uid;
	q->gid = p->user.gid;
	if (o->user && parse_user(o->user, &q->uid, &q->gid) < 0) {
		cli_error("exec: --user: expected UID[:GID], got \"%s\"", o->user);
		return -1;
	}
	q->ngroups = p->user.n_additional_gids < CTL_MAX_GROUPS ? (uint32_t)p->user.n_additional_gids
								: CTL_MAX_GROUPS;
	const char *cwd = o->cwd ? o->cwd : p->cwd ? p->cwd : "";
	if (cwd[0] && cwd[0] != '/') {
		cli_error("exec: cwd \"%s\" is not an absolute path", cwd);
		return -1;
	}
	bool ok = put(buf, &off, p->user.additional_gids, q->ngroups * sizeof(uint32_t)) &&
		  put_str(buf, &off, cwd);
	for (size_t i = 0; ok && i < p->args.n; i++)
		ok = put_str(buf, &off, p->args.v[i]);
	q->argc = (uint32_t)p->args.n;
	for (size_t i = 0; ok && i < p->env.n; i++)
		ok = put_str(buf, &off, p->env.v[i]);
	for (int i = 0; ok && i < o->nenv; i++)
		ok = put_str(buf, &off, o->env[i]);
	q->envc = (uint32_t)(p->env.n + (size_t)o->nenv);
	if (!ok) {
		cli_error("exec: the process is too large (more than %u bytes)", CTL_MAX_PAYLOAD);
		return -1;
	}
	q->len = (uint32_t)off;
	return 0;
}

static int parse(int argc, char **argv, struct exec_opts *o, const char **id, int *argi)
{
	const char *v;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if ((v = sandbox_opt("--process", "-p", argc, argv, &i)))
			o->process_file = v;
		else if ((v = sandbox_opt("--pid-file", NULL, argc, argv, &i)))
			o->pid_file = v;
		else if ((v = sandbox_opt("--cwd", NULL, argc, argv, &i)))
			o->cwd = v;
		else if ((v = sandbox_opt("--user", "-u", argc, argv, &i)))
			o->user = v;
		else if ((v = sandbox_opt("--console-socket", NULL, argc, argv, &i)))
			o->console = v;
		else if ((v = sandbox_opt("--env", "-e", argc, argv, &i))) {
			if (o->nenv == EXEC_MAX_ENV)
				return usage();
			o->env[o->nenv++] = v;
		} else if (sandbox_flag("--detach", "-d", argv[i]))
			o->detach = true;
		else if (sandbox_flag("--tty", "-t", argv[i]))
			o->tty = true;
		else if (sandbox_opt("--process-label", NULL, argc, argv, &i) ||
			 sandbox_opt("--apparmor", NULL, argc, argv, &i) ||
			 sandbox_opt("--cap", "-c", argc, argv, &i) ||
			 sandbox_opt("--preserve-fds", NULL, argc, argv, &i) ||
			 sandbox_flag("--no-new-privs", NULL, argv[i]))
			;   /* accepted like runc, not applied yet */
		else
			return usage();
	}
	if (i >= argc || argv[i][0] == '-')
		return usage();
	*id = argv[i++];
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	*argi = i;
	return 0;
}

int cmd_exec(struct global_opts *g, int argc, char **argv)
{
	static struct exec_opts o;
	const char *id;
	int argi;
	if (parse(argc, argv, &o, &id, &argi))
		return 2;
	struct oci_state st;
	if (sandbox_load(g, id, &st) < 0)
		return 1;
	const char *status = state_status(&st);
	if (strcmp(status, "running") && strcmp(status, "created")) {
		cli_error("cannot exec in a %s container", status);
		state_free(&st);
		return 1;
	}
	/* Like runc: without --process, the container's own process (env,
	 * cwd, user) with the given arguments. */
	struct oci_process p = { 0 };
	struct oci_config *c = NULL;
	char err[1024];
	if (o.process_file) {
		if (oci_process_load(o.process_file, &p, err, sizeof(err)) < 0) {
			cli_error("%s", err);
			state_free(&st);
			return 1;
		}
	} else if (argi < argc) {
		c = oci_config_load(st.bundle, err, sizeof(err));
		if (!c) {
			cli_error("%s", err);
			state_free(&st);
			return 1;
		}
		p = c->process;
		p.args.v = argv + argi;
		p.args.n = (size_t)(argc - argi);
	} else {
		state_free(&st);
		return usage();
	}
	/* The stand-in (and its pid file's process) counts as the
	 * container's: it joins the cgroup before it forks anything. */
	/* a pod's app container: through its sandbox's socket */
	char sb[STATE_ID_MAX + 1];
	bool pod = pod_sandbox_of(&st, sb, sizeof(sb));
	struct cgroup cg;
	int ce = sandbox_cgroup(&st, &cg) == 0 ? cgroup_enter(&cg) : 0;
	state_free(&st);
	if (ce < 0) {
		cli_error("exec: cannot join the container's cgroup: %s", strerror(-ce));
		oci_config_free(c);
		if (o.process_file)
			oci_process_free(&p);
		return 1;
	}
	static char buf[CTL_MAX_PAYLOAD];
	struct ctl_req q;
	int rc = build(&o, &p, &q, buf);
	/* --console-socket: a pty slave is the process's stdio; --tty alone
	 * (no socket): our stdio as it is, a terminal if we have one. */
	int tty = rc < 0 || !o.console ? -1 : console_setup(o.console, p.console_height, p.console_width);
	if (o.process_file)
		oci_process_free(&p);
	oci_config_free(c);
	if (rc < 0 || (o.console && tty < 0) || (pod && pod_exec_request(id, &q, buf) < 0))
		return 1;
	int sock = ctl_connect(g->root, pod ? sb : id);
	int fds[3] = { 0, 1, 2 };
	if (tty >= 0) {
		fds[0] = fds[1] = fds[2] = tty;
		q.flags |= CTL_EXEC_CONSOLE;   /* the sentry gives it a pty of its own */
	}
	struct ctl_resp r;
	int e = sock < 0 ? sock : ctl_send(sock, &q, buf, fds, 3);
	if (!e)
		e = ctl_recv(sock, &r, NULL, 0);
	if (!e)
		e = r.err;
	if (e) {
		cli_error("exec failed: %s", e == -ESRCH ? "container is not running" : strerror(-e));
		return 1;
	}
	int guest_pid = r.value;
	if (o.detach) {
		pid_t w = fork();
		if (w < 0) {
			cli_error("exec: fork: %s", strerror(errno));
			return 1;
		}
		if (w > 0) {
			close(sock);
			if (tty >= 0)
				close(tty);
			int wr = o.pid_file ? sandbox_write_pid_file(o.pid_file, w) : 0;
			if (wr < 0) {
				cli_error("cannot write pid file %s: %s", o.pid_file, strerror(-wr));
				return 1;
			}
			return 0;
		}
		/* The waiter: the guest process alone holds the exec's stdio. */
		int devnull = open("/dev/null", O_RDWR);
		for (int fd = 0; fd < 3 && devnull >= 0; fd++)
			dup2(devnull, fd);
		if (devnull > 2)
			close(devnull);
		setsid();
	}
	/* The terminal's signals (^C, resize) come to us through a relay and
	 * go on to the guest process like any other; then only the guest
	 * process holds the slave. */
	if (tty >= 0) {
		console_relay(tty);
		close(tty);
	}
	int ws = sandbox_wait(g, pod ? sb : id, 0, sock, guest_pid);
	close(sock);
	/* The sandbox went away: its processes were killed with it. */
	sandbox_exit_like(ws < 0 ? SIGKILL : ws);
}
