/* unit_guest_seccomp: a config.json seccomp profile -> rule table -> the
 * rule each call gets (runc's semantics, see runsc-cli/sandbox/seccomp.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include "runsc-cli/oci/config.h"
#include "runsc-cli/sandbox/sandbox.h"
#include "sentry/seccomp_guest/seccomp_guest.h"

static struct oci_config *cfg;
static struct guest_seccomp *prof;

static void load(const char *seccomp)
{
	char buf[4096], err[512];
	int n = snprintf(buf, sizeof(buf),
			 "{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"/\"},"
			 " \"process\": {\"args\": [\"x\"], \"cwd\": \"/\"},"
			 " \"linux\": {\"seccomp\": %s}}", seccomp);
	cfg = oci_config_parse(buf, (size_t)n, "/", "config.json", err, sizeof(err));
	cr_assert_not_null(cfg, "%s", err);
	prof = sandbox_seccomp_compile(cfg->seccomp, err, sizeof(err));
	cr_assert_not_null(prof, "%s", err);
}

static void fini(void)
{
	sandbox_seccomp_free(prof);
	oci_config_free(cfg);
}

static const struct gsc_rule *call(long nr, uint64_t a0, uint64_t a1)
{
	struct syscall_args a = { .nr = (uint64_t)nr, .a = { a0, a1 } };
	return guest_seccomp_match(prof, &a);
}

Test(guest_seccomp, errno_defaults_and_names, .fini = fini)
{
	load("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
	     "{\"names\": [\"mkdir\", \"mkdirat\", \"no_such_call\"], \"action\": \"SCMP_ACT_ERRNO\"},"
	     "{\"names\": [\"uname\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38},"
	     "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 100000}]}");
	cr_assert_eq(call(SYS_mkdir, 0, 0)->action, GSC_ERRNO);
	cr_assert_eq(call(SYS_mkdir, 0, 0)->data, EPERM);
	cr_assert_eq(call(SYS_mkdirat, 0, 0)->data, EPERM);
	cr_assert_eq(call(SYS_uname, 0, 0)->data, 38);
	cr_assert_eq(call(SYS_getpid, 0, 0)->data, 4095);   /* the kernel's cap */
	cr_assert_eq(call(SYS_read, 0, 0)->action, GSC_ALLOW);
	cr_assert_eq(call(100000, 0, 0)->action, GSC_ALLOW); /* out of the table: default */
}

Test(guest_seccomp, default_errno_and_actions, .fini = fini)
{
	load("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, \"syscalls\": ["
	     "{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},"
	     "{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_KILL\"},"
	     "{\"names\": [\"tkill\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"},"
	     "{\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_TRACE\"},"
	     "{\"names\": [\"open\"], \"action\": \"SCMP_ACT_TRAP\"},"
	     "{\"names\": [\"close\"], \"action\": \"SCMP_ACT_LOG\"}]}");
	cr_assert_eq(call(SYS_getpid, 0, 0)->action, GSC_ERRNO);
	cr_assert_eq(call(SYS_getpid, 0, 0)->data, 1);
	cr_assert_eq(call(SYS_write, 0, 0)->action, GSC_ALLOW);
	cr_assert_eq(call(SYS_kill, 0, 0)->action, GSC_KILL_THREAD);
	cr_assert_eq(call(SYS_tkill, 0, 0)->action, GSC_KILL_PROCESS);
	cr_assert_eq(call(SYS_ptrace, 0, 0)->action, GSC_ERRNO);
	cr_assert_eq(call(SYS_ptrace, 0, 0)->data, ENOSYS);
	cr_assert_eq(call(SYS_open, 0, 0)->action, GSC_TRAP);
	cr_assert_eq(call(SYS_close, 0, 0)->action, GSC_LOG);
}

Test(guest_seccomp, argument_conditions, .fini = fini)
{
	load("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
	     /* all conditions must hold */
	     "{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
	     "  {\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_GT\"},"
	     "  {\"index\": 1, \"value\": 15, \"op\": \"SCMP_CMP_EQ\"}]},"
	     /* one argument twice: either condition (runc) */
	     "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
	     "  {\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"},"
	     "  {\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]},"
	     "{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
	     "  {\"index\": 0, \"value\": 2114060288, \"valueTwo\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
	     "{\"names\": [\"umask\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
	     "  {\"index\": 0, \"value\": 18446744073709551615, \"op\": \"SCMP_CMP_LE\"}]},"
	     /* the stronger of two matching rules */
	     "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\"},"
	     "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_KILL_PROCESS\", \"args\": ["
	     "  {\"index\": 0, \"value\": 7, \"op\": \"SCMP_CMP_EQ\"}]}]}");
	cr_assert_eq(call(SYS_kill, 2, 15)->action, GSC_ALLOW);
	cr_assert_eq(call(SYS_kill, 1, 15)->action, GSC_ERRNO);
	cr_assert_eq(call(SYS_kill, 2, 9)->action, GSC_ERRNO);
	cr_assert_eq(call(SYS_personality, 0, 0)->action, GSC_ALLOW);
	cr_assert_eq(call(SYS_personality, 8, 0)->action, GSC_ALLOW);
	cr_assert_eq(call(SYS_personality, 4, 0)->action, GSC_ERRNO);
	cr_assert_eq(call(SYS_clone, 0x11, 0)->action, GSC_ALLOW);
	cr_assert_eq(call(SYS_clone, 0x10000000, 0)->action, GSC_ERRNO);   /* CLONE_NEWNS */
	cr_assert_eq(call(SYS_umask, ~0ULL, 0)->action, GSC_ALLOW);
	cr_assert_eq(call(SYS_getpid, 0, 0)->action, GSC_ALLOW);
	cr_assert_eq(call(SYS_getpid, 7, 0)->action, GSC_KILL_PROCESS);
}
