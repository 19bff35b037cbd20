/* The sentry's main: kernel bring-up, host signal forwarding, wait for init. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include "sentry/boot.h"
#include "sentry/sandbox.h"
#include "sentry/crash.h"
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/cred.h"
#include "sentry/signal.h"
#include "sentry/process.h"
#include "sentry/timer.h"
#include "sentry/mm.h"
#include "sentry/log.h"
#include "platform/platform.h"
#include "vfs/vfs.h"
#include "vfs/tty/tty.h"
#include "runsc-cli/console.h"

/* Host signals the sentry forwards to guest init, like runsc does. */
static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT };

static void forwarded_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(set, forwarded[i]);
}

/* An OCI console: the sentry's stdio is a host pty slave whose terminal
 * signals a relay process forwards to us (runsc-cli/console.c). */
static bool oci_console;

static void *signal_forwarder(void *arg)
{
	sigset_t set;
	forwarded_set(&set);
	for (;;) {
		siginfo_t si;
		if (sigwaitinfo(&set, &si) < 0)
			continue;
		kernel_lock();
		/* A resize of the console: the guest's terminal takes the new
		 * size and signals its own foreground process group. */
		if (si.si_signo == SIGWINCH && console_resize()) {
			kernel_unlock();
			continue;
		}
		struct thread_group *init = tg_lookup(1);
		if (init && !init->zombie) {
			struct ksiginfo info = { .si_signo = si.si_signo, .si_code = SI_USER };
			send_signal_group(init, &info);
		}
		kernel_unlock();
	}
	return NULL;
}

static int kernel_init(const struct kernel_config *cfg)
{
	kernel.cfg = *cfg;
	kernel.boot_time_mono_ns = now_mono_ns();
	kernel.boot_time_real_ns = now_real_ns();
	snprintf(kernel.hostname, sizeof(kernel.hostname), "%s", cfg->hostname ? cfg->hostname : "cvisor");
	snprintf(kernel.domainname, sizeof(kernel.domainname), "(none)");
	if (getrandom(kernel.boot_id, sizeof(kernel.boot_id), 0) != sizeof(kernel.boot_id))
		return -EIO;

	platform = platform_lookup(cfg->platform ? cfg->platform : "seccomp");
	if (!platform) {
		log_error("unknown platform \"%s\"", cfg->platform);
		return -EINVAL;
	}
	platform_patching_enabled = !cfg->no_systrap_patching;
	exec_setid_allowed = cfg->allow_setuid;
	int err = memfile_init();
	if (err < 0)
		return err;
	if ((err = platform->init(memfile_fd())) < 0) {
		log_error("platform %s: initialisation failed: %s", platform->name, strerror(-err));
		return err;
	}
	if ((err = timers_init()) < 0)
		return err;
	return 0;
}

/* OCI linux.sysctl: set in the sandbox's own /proc/sys before init runs;
 * one that cannot be set fails the sandbox, as it fails runc's create. */
static int apply_sysctls(const struct kernel_config *cfg)
{
	for (int i = 0; i < cfg->n_sysctls; i++) {
		const struct kernel_sysctl *s = &cfg->sysctls[i];
		int err = proc_sysctl_set(s->key, s->value);
		if (err < 0) {
			log_error("sysctl %s=\"%s\": %s", s->key, s->value,
				  err == -ENOENT ? "unknown or not supported in the sandbox" :
				  err == -EPERM ? "read-only" : strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Guest init's stdio becomes a sentry pty pumped to the host console. */
static void attach_console(const struct kernel_config *cfg)
{
	struct thread_group *init = tg_lookup(1);
	int err = !init || !init->leader ? -ESRCH
		: console_attach(cfg->stdio_fds[0], init, init->leader->files);
	if (err < 0)
		log_warn("console: the guest keeps the host terminal: %s", strerror(-err));
}

/* The sentry proper, confined by sandbox_run. */
static int sentry_run(const struct kernel_config *cfg)
{
	int err = kernel_init(cfg);
	if (err < 0)
		return err;

	kernel_lock();
	err = cfg->root_mode == VFS_ROOT_OVERLAY ? vfs_init_overlay(cfg->gofer_fd)
		: vfs_init(cfg->gofer_fd, cfg->root_mode == VFS_ROOT_RO);
	if (err < 0) {
		kernel_unlock();
		log_error("cannot mount the root filesystem: %s", strerror(-err));
		return err;
	}
	if ((err = apply_sysctls(cfg)) < 0) {
		kernel_unlock();
		return err;
	}
	if (cfg->wait_start) {
		/* OCI create: the kernel is up; init runs on `start`. */
		kernel_unlock();
		err = cfg->wait_start();
		kernel_lock();
		if (err < 0) {
			kernel_unlock();
			return err;
		}
	}
	if ((err = process_start_init()) < 0) {
		kernel_unlock();
		log_error("cannot start guest init: %s", strerror(-err));
		return err;
	}
	/* init's thread waits for the kernel lock: no guest code ran yet */
	if (oci_console)
		attach_console(cfg);
	if ((err = sandbox_lockdown(platform->name)) < 0) {
		kernel_unlock();
		return err;
	}
	pthread_t fwd_thread;
	pthread_create(&fwd_thread, NULL, signal_forwarder, NULL);
	pthread_detach(fwd_thread);

	while (!kernel.init_exited)
		pthread_cond_wait(&kernel.init_exit_cond, &kernel.lock);
	console_shutdown();
	int status = kernel.init_exit_status;
	kernel_unlock();
	return status;
}

int sentry_main(const struct kernel_config *cfg)
{
	log_debug_enabled = cfg->debug;
	oci_console = console_is_relayed() && isatty(cfg->stdio_fds[0]);
	crash_handler_install();
	/* A guest writing to a closed host pipe gets EPIPE (and its own
	 * SIGPIPE from the kernel), never kills the sentry. */
	signal(SIGPIPE, SIG_IGN);
	sigset_t fwd;
	forwarded_set(&fwd);
	pthread_sigmask(SIG_BLOCK, &fwd, NULL);
	return sandbox_run(sentry_run, cfg, &fwd);
}
