/* access/faccessat/faccessat2: real vs effective ids (AT_EACCESS), root's
 * exec rule, EINVAL cases; and what each file capability overrides:
 * CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_CHOWN. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include "creds.h"

static char top[64];

static const char *P(const char *rel)
{
	static char buf[4][160];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", top, rel);
	return buf[k];
}

static long faccessat2_raw(int dfd, const char *path, int mode, int flags)
{
	return syscall(SYS_faccessat2, dfd, path, mode, flags);
}

static void root_access(void)
{
	OK(access(P("f000"), R_OK | W_OK));
	FAILS(access(P("f644"), X_OK), EACCES);         /* no x bit anywhere */
	OK(access(P("f010"), X_OK));                     /* any x bit will do */
	OK(access(P("d000"), X_OK | R_OK | W_OK));       /* directories: always */
	FAILS(access(P("missing"), F_OK), ENOENT);
	FAILS(access(P("f644"), 8), EINVAL);
	FAILS(faccessat2_raw(AT_FDCWD, P("f644"), R_OK, 0x1), EINVAL);
	FAILS(syscall(SYS_faccessat, AT_FDCWD, P("f644"), 0x10, 0), EINVAL);
	OK(faccessat2_raw(AT_FDCWD, P("f644"), R_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW));
	FAILS(access(P("f644/x"), F_OK), ENOTDIR);
	printf("root: DAC override except exec without any x bit\n");
}

/* Real uid 1000, effective 0: access() answers for 1000, AT_EACCESS for 0. */
static void real_vs_effective(void)
{
	OK(setresgid(1000, 0, 0));
	OK(setresuid(1000, 0, 0));
	FAILS(access(P("f600"), R_OK), EACCES);
	OK(faccessat2_raw(AT_FDCWD, P("f600"), R_OK, AT_EACCESS));
	OK(access(P("u1000"), R_OK | W_OK));              /* 0600 owned by 1000 */
	FAILS(faccessat2_raw(AT_FDCWD, P("d700/f644"), R_OK, 0), EACCES);  /* walk too */
	OK(faccessat2_raw(AT_FDCWD, P("d700/f644"), R_OK, AT_EACCESS));
	OK(access(P("g1000"), R_OK));                    /* group of the real gid */
	printf("access: real ids; AT_EACCESS: effective ids\n");
}

/* Real uid 0, effective 1000: access() gets root's permitted capabilities. */
static void real_root(void)
{
	OK(setresuid(0, 1000, 0));
	CHECK(caps_get().eff == 0, "no effective caps");
	FAILS(open(P("f600"), O_RDONLY), EACCES);
	OK(access(P("f600"), R_OK));
	FAILS(faccessat2_raw(AT_FDCWD, P("f600"), R_OK, AT_EACCESS), EACCES);
	printf("access: real root uses its permitted caps\n");
}

static void dac_read_search(void)
{
	caps_drop_eff(BIT(CAP_DAC_OVERRIDE));
	int fd = open(P("u1000"), O_RDONLY);             /* 0600 of another user */
	CHECK(fd >= 0, "read with DAC_READ_SEARCH");
	close(fd);
	FAILS(open(P("u1000"), O_WRONLY), EACCES);
	DIR *d = opendir(P("d1000"));                    /* 0000 dir of another user */
	CHECK(d != NULL, "list with DAC_READ_SEARCH");
	closedir(d);
	OK(faccessat2_raw(AT_FDCWD, P("d1000/f"), F_OK, AT_EACCESS));   /* search */
	FAILS(open(P("d1000/new"), O_CREAT | O_WRONLY, 0644), EACCES);
	/* access() of a real root would use the permitted set: AT_EACCESS */
	FAILS(faccessat2_raw(AT_FDCWD, P("u1000"), W_OK, AT_EACCESS), EACCES);
	OK(faccessat2_raw(AT_FDCWD, P("u1000"), R_OK, AT_EACCESS));
	FAILS(faccessat2_raw(AT_FDCWD, P("f010"), X_OK, AT_EACCESS), EACCES);
	OK(access(P("u1000"), W_OK));
	caps_drop_eff(BIT(CAP_DAC_READ_SEARCH));
	FAILS(open(P("u1000"), O_RDONLY), EACCES);
	FAILS(faccessat2_raw(AT_FDCWD, P("d1000/f"), F_OK, AT_EACCESS), EACCES);
	printf("DAC_READ_SEARCH: read and search only\n");
}

static void fowner_chown(void)
{
	OK(chmod(P("u1000"), 0640));                     /* CAP_FOWNER */
	OK(utimensat(AT_FDCWD, P("u1000"), (struct timespec[2]){ { 5, 0 }, { 6, 0 } }, 0));
	caps_drop_eff(BIT(CAP_FOWNER));
	FAILS(chmod(P("u1000"), 0600), EPERM);
	FAILS(utimensat(AT_FDCWD, P("u1000"), (struct timespec[2]){ { 5, 0 }, { 6, 0 } }, 0), EPERM);
	OK(utimensat(AT_FDCWD, P("u1000"), NULL, 0));   /* DAC_OVERRIDE gives write */
	OK(chown(P("u1000"), 0, 0));                     /* CAP_CHOWN */
	OK(chown(P("u1000"), 1000, 1000));
	caps_drop_eff(BIT(CAP_CHOWN));
	FAILS(chown(P("u1000"), 0, -1), EPERM);
	FAILS(chown(P("f644"), 1000, -1), EPERM);       /* even root's own file */
	OK(chown(P("f644"), 0, 0));                      /* owner, own group */
	FAILS(chown(P("f644"), -1, 1000), EPERM);
	OK(chmod(P("f644"), 0644));                      /* owner */
	printf("FOWNER: chmod/utimes of others' files; CHOWN: any owner\n");
}

int main(void)
{
	snprintf(top, sizeof(top), "/tmp/perm_accessXXXXXX");
	CHECK(mkdtemp(top) != NULL, "mkdtemp");
	OK(chmod(top, 0755));
	struct { const char *name; mode_t mode; uid_t uid; gid_t gid; } files[] = {
		{ "f000", 0000, 0, 0 }, { "f644", 0644, 0, 0 }, { "f600", 0600, 0, 0 },
		{ "f010", 0010, 0, 0 }, { "u1000", 0600, 1000, 1000 }, { "g1000", 0040, 0, 1000 },
	};
	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int fd = open(P(files[i].name), O_CREAT | O_WRONLY, 0600);
		CHECK(fd >= 0, "create");
		close(fd);
		OK(chown(P(files[i].name), files[i].uid, files[i].gid));
		OK(chmod(P(files[i].name), files[i].mode));
	}
	OK(mkdir(P("d000"), 0));
	OK(mkdir(P("d700"), 0700));
	close(open(P("d700/f644"), O_CREAT | O_WRONLY, 0644));
	OK(mkdir(P("d1000"), 0700));
	close(open(P("d1000/f"), O_CREAT | O_WRONLY, 0644));
	OK(chown(P("d1000"), 1000, 1000));
	OK(chmod(P("d1000"), 0));

	in_child(root_access);
	in_child(real_vs_effective);
	in_child(real_root);
	in_child(dac_read_search);
	in_child(fowner_chown);
	rm_tree(top);
	return 0;
}
