/* The command line: runc's commands and runsc's flags. One file per command. */
#ifndef CVISOR_CLI_H
#define CVISOR_CLI_H
#include <stdbool.h>

#define CVISOR_VERSION "0.1.0"

/* Flags accepted before the command (runc/runsc style) and by `do`. */
struct global_opts {
	const char *platform;   /* --platform */
	bool strace;            /* --strace */
	bool debug;             /* --debug */
	const char *root;       /* --root (state directory) */
	const char *log;        /* --log FILE (errors are appended) */
	const char *log_format; /* --log-format text|json */
	bool no_systrap_patching; /* --systrap-patching=false (seccomp platform) */
	bool allow_setuid;        /* --allow-setuid: set-id programs gain privilege */
	bool systemd_cgroup;    /* --systemd-cgroup: cgroupsPath is "slice:prefix:name" */
	bool rootless;          /* --rootless (accepted; no cgroup unless root anyway) */
	const char *network;    /* --network none|sandbox (host: not supported yet) */
	const char *debug_log;  /* --debug-log FILE|DIR/ (debuglog.c) */
};

int cli_main(int argc, char **argv);
/* --debug-log (debuglog.c): remember the pattern and open the file now,
 * or once cli_debug_log_id() names the container when it says %ID% (or is
 * a directory); the sentry's log goes there from then on. */
void cli_debug_log_setup(const char *path, const char *cmd, int argc, char **argv);
void cli_debug_log_id(const char *id);
/* Parse one global flag at argv[*i]; true if consumed (advances *i). */
bool cli_parse_global(struct global_opts *g, int argc, char **argv, int *i);

int cmd_do(struct global_opts *g, int argc, char **argv);      /* cvisor do [flags] -- CMD ARGS... */
int cmd_gofer(int argc, char **argv);                          /* internal: the gofer process */
int cmd_syscalls(struct global_opts *g, int argc, char **argv); /* compatibility report */
int cmd_spec(struct global_opts *g, int argc, char **argv);     /* spec [--bundle DIR] [--rootless] */
int cmd_state(struct global_opts *g, int argc, char **argv);    /* state ID */
int cmd_list(struct global_opts *g, int argc, char **argv);     /* list [--format table|json] [-q] */
int cmd_features(struct global_opts *g, int argc, char **argv); /* features */
/* The container lifecycle (runc's commands, docs/oci.md). */
int cmd_create(struct global_opts *g, int argc, char **argv);
int cmd_start(struct global_opts *g, int argc, char **argv);
int cmd_run(struct global_opts *g, int argc, char **argv);
int cmd_kill(struct global_opts *g, int argc, char **argv);
int cmd_delete(struct global_opts *g, int argc, char **argv);
int cmd_exec(struct global_opts *g, int argc, char **argv);
int cmd_ps(struct global_opts *g, int argc, char **argv);
int cmd_pause(struct global_opts *g, int argc, char **argv);
int cmd_resume(struct global_opts *g, int argc, char **argv);
int cmd_events(struct global_opts *g, int argc, char **argv);
int cmd_update(struct global_opts *g, int argc, char **argv);
int cmd_boot(struct global_opts *g, int argc, char **argv);     /* internal: a container's sentry */

#endif
