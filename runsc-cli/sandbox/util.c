/* Small helpers of the lifecycle commands: options, signals, pid files. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "runsc-cli/sandbox/sandbox.h"

const char *sandbox_opt(const char *name, const char *shortname, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (!strncmp(a, name, n) && a[n] == '=')
		return a + n + 1;
	if ((!strcmp(a, name) || (shortname && !strcmp(a, shortname))) && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

bool sandbox_flag(const char *name, const char *shortname, const char *arg)
{
	size_t n = strlen(name);
	return !strcmp(arg, name) || (shortname && !strcmp(arg, shortname)) ||
	       (!strncmp(arg, name, n) && !strcmp(arg + n, "=true"));
}

static const struct { const char *name; int sig; } signames[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "IOT", SIGIOT }, { "BUS", SIGBUS },
	{ "FPE", SIGFPE }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO }, { "POLL", SIGPOLL }, { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

int sandbox_signal_number(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*s && !*end && !errno)
		return v >= 1 && v <= 64 ? (int)v : -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (!strcasecmp(s, signames[i].name))
			return signames[i].sig;
	if (!strncasecmp(s, "RTMIN", 5) || !strncasecmp(s, "RTMAX", 5)) {
		int base = !strncasecmp(s, "RTMIN", 5) ? 34 : 64;   /* RTMIN+n, RTMAX-n */
		if (!s[5])
			return base;
		v = strtol(s + 5, &end, 10);
		if (*end || v == 0)
			return -1;
		v += base;
		return v >= 34 && v <= 64 ? (int)v : -1;
	}
	return -1;
}

int sandbox_write_pid_file(const char *path, pid_t pid)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	int ok = dprintf(fd, "%d", (int)pid) > 0;
	if (close(fd) < 0 || !ok || rename(tmp, path) < 0) {
		int e = errno ? errno : EIO;
		unlink(tmp);
		return -e;
	}
	return 0;
}

noreturn void sandbox_exit_like(int status)
{
	fflush(NULL);
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		struct rlimit no_core = { 0, 0 };
		setrlimit(RLIMIT_CORE, &no_core);
		signal(sig, SIG_DFL);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		kill(getpid(), sig);
		_exit(128 + sig);   /* a signal that does not kill (STOP...) */
	}
	_exit(WEXITSTATUS(status));
}
