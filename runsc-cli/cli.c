/* Global flags and command dispatch. */
#include <stdio.h>
#include <string.h>
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/errlog.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cvisor [global flags] COMMAND [flags] [args]\n"
		"\n"
		"commands:\n"
		"  do [flags] [--] CMD [ARG...]  run CMD in a new sandbox over the host /\n"
		"      --overlay (default)    changes stay in a private tmpfs over the read-only host /\n"
		"      --overlay=none         changes go through the gofer to the host\n"
		"      --rootfs-readonly      the host / read-only (EROFS)\n"
		"      --rootfs=DIR           serve DIR as the root instead of the host /\n"
		"  syscalls                      list implemented and missing syscalls\n"
		"  spec [--bundle DIR] [--rootless]  write a default config.json\n"
		"  state ID                      print the container's OCI state\n"
		"  list [--format table|json] [-q]  list containers under --root\n"
		"  features                      print the supported features (JSON)\n"
		"  create [-b BUNDLE] [--pid-file F] ID   create a container, not started\n"
		"  start ID                      start a created container\n"
		"  run [-b BUNDLE] [-d] ID       create + start (+ wait, remove)\n"
		"  kill [--all] ID [SIGNAL]      signal the container (default TERM)\n"
		"  delete [--force] ID           remove a stopped container\n"
		"  exec [flags] ID [--] CMD...   run another process in the container\n"
		"  ps [--format table|json] ID   the container's processes\n"
		"  pause ID / resume ID          stop / continue every process\n"
		"  events [--stats] ID           resource usage as JSON\n"
		"  update [--resources F|-] ID   check new resource limits\n"
		"  --version                     print the version\n"
		"\n"
		"global flags (also accepted after `do`):\n"
		"  --platform=seccomp|ptrace  how guest syscalls are captured (default seccomp)\n"
		"  --platform=notify  seccomp user notifications + ptrace (a second capture path)\n"
		"  --systrap-patching=true|false  rewrite trapped syscall sites (seccomp; default true)\n"
		"  --allow-setuid      set-user/group-id programs gain their owner's ids (default: they do not)\n"
		"  --strace            print every guest syscall with decoded arguments\n"
		"  --debug             sentry debug messages on stderr\n"
		"  --root=DIR          state directory (default /run/cvisor)\n"
		"  --log=FILE          append errors to FILE\n"
		"  --log-format=text|json  format of --log lines\n"
		"  --systemd-cgroup    linux.cgroupsPath is systemd's \"slice:prefix:name\"\n"
		"  --rootless          accepted (no cgroup is made unless running as root)\n"
		"  --network=none|sandbox  accepted: the sandbox has no inet stack yet\n"
		"  --debug-log=FILE|DIR/   per-command log (%%ID%%, %%COMMAND%%, %%TIMESTAMP%%)\n");
}

/* Accept both `--flag=value` and `--flag value`. */
static const char *flag_value(const char *name, int argc, char **argv, int *i)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] == 0 && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

bool cli_parse_global(struct global_opts *g, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char *v;
	if (!strcmp(a, "--strace") || !strcmp(a, "--strace=true")) {
		g->strace = true;
	} else if (!strcmp(a, "--debug") || !strcmp(a, "--debug=true")) {
		g->debug = true;
	} else if ((v = flag_value("--platform", argc, argv, i))) {
		g->platform = v;
	} else if ((v = flag_value("--root", argc, argv, i))) {
		g->root = v;
	} else if ((v = flag_value("--log-format", argc, argv, i))) {
		g->log_format = v;
	} else if ((v = flag_value("--log", argc, argv, i))) {
		g->log = v;
	} else if ((v = flag_value("--systrap-patching", argc, argv, i))) {
		if (strcmp(v, "true") && strcmp(v, "false"))
			return false;
		g->no_systrap_patching = !strcmp(v, "false");
	} else if (!strcmp(a, "--allow-setuid") || !strcmp(a, "--allow-setuid=true")) {
		g->allow_setuid = true;
	} else if (!strcmp(a, "--systemd-cgroup") || !strcmp(a, "--systemd-cgroup=true")) {
		g->systemd_cgroup = true;
	} else if (!strcmp(a, "--rootless") || !strcmp(a, "--rootless=true") ||
		   !strcmp(a, "--rootless=auto")) {
		g->rootless = true;
	} else if (!strcmp(a, "--rootless=false")) {
		g->rootless = false;
	} else if ((v = flag_value("--network", argc, argv, i))) {
		g->network = v;
	} else if ((v = flag_value("--debug-log", argc, argv, i))) {
		g->debug_log = v;
	} else {
		return false;
	}
	return true;
}

int cli_main(int argc, char **argv)
{
	struct global_opts g = { .platform = "seccomp", .root = "/run/cvisor" };
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-v")) {
			printf("cvisor version %s\nspec: 1.1.0\n", CVISOR_VERSION);
			return 0;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		if (!cli_parse_global(&g, argc, argv, &i)) {
			fprintf(stderr, "cvisor: unknown flag %s\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (cli_log_setup(g.log, g.log_format) < 0)
		return 1;
	const char *cmd = argv[i];
	int cargc = argc - i;
	char **cargv = argv + i;
	cli_debug_log_setup(g.debug_log, cmd, argc, argv);
	if (g.network && strcmp(g.network, "none") && strcmp(g.network, "sandbox")) {
		if (!strcmp(g.network, "host"))
			cli_error("--network=host is not supported yet");
		else
			cli_error("--network: unknown value \"%s\" (want none, sandbox or host)", g.network);
		return 2;
	}
	if (!strcmp(cmd, "do"))
		return cmd_do(&g, cargc, cargv);
	if (!strcmp(cmd, "gofer"))
		return cmd_gofer(cargc, cargv);
	if (!strcmp(cmd, "syscalls"))
		return cmd_syscalls(&g, cargc, cargv);
	if (!strcmp(cmd, "spec"))
		return cmd_spec(&g, cargc, cargv);
	if (!strcmp(cmd, "state"))
		return cmd_state(&g, cargc, cargv);
	if (!strcmp(cmd, "list"))
		return cmd_list(&g, cargc, cargv);
	if (!strcmp(cmd, "features"))
		return cmd_features(&g, cargc, cargv);
	static const struct {
		const char *name;
		int (*fn)(struct global_opts *, int, char **);
	} lifecycle[] = {
		{ "create", cmd_create }, { "start", cmd_start }, { "run", cmd_run },
		{ "kill", cmd_kill }, { "delete", cmd_delete }, { "exec", cmd_exec },
		{ "ps", cmd_ps }, { "pause", cmd_pause }, { "resume", cmd_resume },
		{ "events", cmd_events }, { "update", cmd_update }, { "boot", cmd_boot },
	};
	for (size_t k = 0; k < sizeof(lifecycle) / sizeof(lifecycle[0]); k++)
		if (!strcmp(cmd, lifecycle[k].name))
			return lifecycle[k].fn(&g, cargc, cargv);
	fprintf(stderr, "cvisor: unknown command \"%s\"\n", cmd);
	usage(stderr);
	return 2;
}
