/* Running a bundle: the pieces the OCI lifecycle commands share
 * (create/start/run/exec/kill/delete/ps/pause/events/update). */
#ifndef CVISOR_SANDBOX_H
#define CVISOR_SANDBOX_H
#include <stdbool.h>
#include <stdnoreturn.h>
#include <sys/types.h>
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/state.h"
#include "sentry/control/control.h"

/* `create`: validate the bundle, record the state, launch `cvisor boot`
 * (the sentry, in its own session, holding our fds 0-2 and nothing else)
 * and return once it is ready to start. On failure: one error line, no
 * state, no process; returns -1. */
int sandbox_create(const struct global_opts *g, const char *bundle, const char *id,
		   const char *pid_file, const char *console_socket, pid_t *pid);

/* The lifecycle commands on an existing container: load its state (error
 * printed, -1 when missing). */
int sandbox_load(const struct global_opts *g, const char *id, struct oci_state *st);
/* Send a request to the container's sentry; error printed on failure. */
int sandbox_call(const struct global_opts *g, const char *id, const struct ctl_req *req,
		 struct ctl_resp *resp, void *out, size_t outlen);
/* Record a new status (under the container's lock). */
int sandbox_set_status(const struct global_opts *g, const char *id, const char *status);
/* Kill the sentry host process (SIGKILL) if st names a live one, and wait
 * until it is gone (it is not our child). */
void sandbox_kill_host(const struct oci_state *st);

/* Wait for the guest: either our child `child` (run) or the exit reply on
 * sock (exec), forwarding the host signals we get to guest pid `target`
 * (0: init). Returns the wait status, or -1 when the sandbox went away. */
int sandbox_wait(const struct global_opts *g, const char *id, pid_t child, int sock, int target);

/* The options create and run share; true if argv[*i] was one (cmd_create.c). */
bool create_opt(int argc, char **argv, int *i, const char **bundle, const char **pid_file,
		const char **console);
/* `start` of a created container, also for `run` (cmd_start.c); exit code. */
int container_start(struct global_opts *g, const char *id);

/* "KILL", "SIGKILL", "9" -> 9; -1 if unknown. */
int sandbox_signal_number(const char *s);
/* Write pid to path atomically (temporary file + rename). */
int sandbox_write_pid_file(const char *path, pid_t pid);
/* Exit like a process with wait status `status` did: same exit code, or
 * death by the same signal (default disposition, no core file). */
noreturn void sandbox_exit_like(int status);

struct oci_seccomp;
struct guest_seccomp;
/* Compile config.json's linux.seccomp for the sentry (seccomp.c); NULL with
 * a one-line error. */
struct guest_seccomp *sandbox_seccomp_compile(const struct oci_seccomp *s, char *err, size_t errlen);
void sandbox_seccomp_free(struct guest_seccomp *p);

struct oci_config;
/* Start `cvisor gofer` serving the host tree `root` (gofer.c), in the user
 * namespace of c's linux.uidMappings/gidMappings (or path) if any; returns
 * the sentry's end of the channel, or -errno. */
int sandbox_start_gofer(const char *id, const char *root, bool readonly,
			const struct oci_config *c, pid_t *pid);
/* A further host tree for the same gofer (a bind mount's source). */
struct sandbox_tree {
	const char *path;
	bool readonly;
};
#define SANDBOX_MAX_TREES 64
/* One gofer serving root and n (<= SANDBOX_MAX_TREES) further trees, each
 * on its own channel: fds[0] is the root's, fds[1 + k] tree k's. 0 or
 * -errno. */
int sandbox_start_gofer_trees(const char *id, const char *root, bool readonly,
			      const struct sandbox_tree *t, int n, const struct oci_config *c,
			      pid_t *pid, int *fds);

/* linux.namespaces paths (network, user: joined) and the id mappings
 * (nscheck.c): 0, or -1 with a one-line err. */
int sandbox_check_namespaces(const struct oci_config *c, char *err, size_t errlen);

struct cgroup;
/* The container's cgroup from its state ("cvisor": {"cgroup": …}); -1 if
 * it has none (rootless). */
int sandbox_cgroup(const struct oci_state *st, struct cgroup *cg);
/* Kill the sandbox, remove its cgroup and its state (run, failed starts). */
void sandbox_remove(const struct global_opts *g, const char *id);

struct oci_config;
struct kernel_mount;
/* The sentry's extra mounts from mounts[], maskedPaths, readonlyPaths, and
 * the container's gofer serving its root (read-only) and every bind mount
 * source, each on its own channel (mounts.c). */
struct sandbox_mounts {
	struct kernel_mount *v;
	int n;
	int root_fd;               /* the root's channel */
	pid_t gofer;
	struct sandbox_tree trees[SANDBOX_MAX_TREES];
	int tree_mount[SANDBOX_MAX_TREES];   /* index in v of tree k's mount */
	int ntrees;
};
/* 0, or -1 with a one-line error (release sm even then). */
int sandbox_mounts_prepare(struct sandbox_mounts *sm, const struct oci_config *c, const char *id,
			   char *err, size_t errlen);
/* Close the channels, kill and reap the gofers, free. */
void sandbox_mounts_release(struct sandbox_mounts *sm);

/* Run the hooks of kind (enum oci_hook_kind) in order with the state on
 * stdin (hooks.c); 0, or -1 with a one-line error at the first failure. */
int sandbox_hooks_run(const struct oci_config *c, int kind, const struct oci_state *st,
		      char *err, size_t errlen);
/* poststart/poststop of container id, from its bundle's config.json (not
 * run when that is gone); failures are printed as warnings. */
void sandbox_hooks_warn(const struct global_opts *g, const char *id, int kind);

/* A created container's state: pid, prestart + createRuntime hooks (they
 * see "creating"), the pid file, then the state file as "created". 0, or
 * -1 with the error printed (the pid file is not left behind). */
int sandbox_record_created(const struct global_opts *g, const struct oci_config *c,
			   struct oci_state *st, pid_t p, const char *pid_file);

/* Read the one-line answer of a sentry or pod stand-in ("ok" or an error)
 * from its ready pipe into msg (launch.c); true for "ok". */
bool sandbox_read_ready(int fd, char *msg, size_t len);

/* runc-style option: `--name V`, `--name=V` or `-s V` (short may be NULL). */
const char *sandbox_opt(const char *name, const char *shortname, int argc, char **argv, int *i);
/* A boolean option: `--name`, `--name=true`, `-s`. */
bool sandbox_flag(const char *name, const char *shortname, const char *arg);

#endif
