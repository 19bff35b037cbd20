/* Permission checks of path walks, opens and metadata changes for an
 * unprivileged user: root builds a tree under a fresh /tmp directory, a
 * forked child drops to uid 1000 (groups 1000, 2000) and checks every
 * EACCES/EPERM. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include "creds.h"

static char top[64];
static int closed_fd;

static const char *P(const char *rel)
{
	static char buf[4][160];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", top, rel);
	return buf[k];
}

static void mkfile(const char *rel, mode_t mode, uid_t uid, gid_t gid)
{
	int fd = open(P(rel), O_CREAT | O_WRONLY | O_TRUNC, 0600);
	CHECK(fd >= 0, "create %s", rel);
	CHECK(write(fd, "#!/bin/sh\nexit 0\n", 17) == 17, "write");
	close(fd);
	OK(chown(P(rel), uid, gid));
	OK(chmod(P(rel), mode));
}

static void mkdir_as(const char *rel, mode_t mode, uid_t uid, gid_t gid)
{
	OK(mkdir(P(rel), 0700));
	OK(chown(P(rel), uid, gid));
	OK(chmod(P(rel), mode));
}

static mode_t mode_of(const char *rel)
{
	struct stat st;
	OK(stat(P(rel), &st));
	return st.st_mode & 07777;
}

static void search(void)
{
	struct stat st;
	FAILS(stat(P("closed/f"), &st), EACCES);       /* closed: 0700 root */
	FAILS(open(P("closed/f"), O_RDONLY), EACCES);
	FAILS(stat(P("closed/missing"), &st), EACCES);   /* EACCES before ENOENT */
	OK(stat(P("closed"), &st));                      /* the directory itself: fine */
	OK(stat(P("xonly/f"), &st));                     /* 0711: search without read */
	FAILS(open(P("xonly"), O_RDONLY | O_DIRECTORY), EACCES);
	CHECK(opendir(P("xonly")) == NULL && errno == EACCES, "opendir 0711");
	FAILS(open(P("xonly/../closed/f"), O_RDONLY), EACCES);
	OK(chdir(P("xonly")));
	OK(stat("f", &st));
	OK(chdir("/"));
	FAILS(chdir(P("closed")), EACCES);
	FAILS(chdir(P("xonly/f")), ENOTDIR);
	FAILS(fchdir(closed_fd), EACCES);                /* opened by root before the drop */
	FAILS(chroot(P("closed")), EACCES);              /* search permission first */
	FAILS(chroot(P("xonly")), EPERM);                /* then CAP_SYS_CHROOT */
	OK(chdir(P("xonly")));
	printf("search permission on every directory of a walk\n");
}

static void opens(void)
{
	FAILS(open(P("r600"), O_RDONLY), EACCES);
	int fd = open(P("r644"), O_RDONLY);
	CHECK(fd >= 0, "read a 0644 file");
	close(fd);
	FAILS(open(P("r644"), O_WRONLY), EACCES);
	FAILS(open(P("r644"), O_RDWR), EACCES);
	FAILS(open(P("r644"), O_RDONLY | O_TRUNC), EACCES);
	FAILS(truncate(P("r644"), 0), EACCES);
	FAILS(open(P("r644"), O_WRONLY | O_CREAT, 0644), EACCES);  /* existing: still write */
	FAILS(open(P("newfile"), O_WRONLY | O_CREAT, 0644), EACCES); /* top: 0755 root */
	FAILS(mkdir(P("newdir"), 0755), EACCES);
	FAILS(unlink(P("r644")), EACCES);
	FAILS(rename(P("r644"), P("mine/x")), EACCES);
	FAILS(link(P("noexec"), P("newlink")), EACCES);  /* own file, root dir */
	FAILS(symlink("x", P("newsym")), EACCES);
	/* the owner class decides, even when others have more */
	FAILS(open(P("mine/own000"), O_RDONLY), EACCES);
	FAILS(open(P("grp_deny"), O_RDONLY), EACCES);    /* group 2000 ---, others r */
	fd = open(P("grp_read"), O_RDONLY);              /* group 2000 r-- */
	CHECK(fd >= 0, "group read");
	close(fd);
	fd = open(P("other_rw"), O_RDWR);
	CHECK(fd >= 0, "others rw");
	close(fd);
	FAILS(open(P("r644"), O_RDONLY | O_NOATIME), EPERM);  /* owner only */
	fd = open(P("r644"), O_RDONLY);
	FAILS(fcntl(fd, F_SETFL, O_NOATIME), EPERM);
	close(fd);
	/* O_PATH needs only search permission on the path */
	fd = open(P("r600"), O_PATH);
	CHECK(fd >= 0, "O_PATH of an unreadable file");
	close(fd);
	printf("open: read/write/trunc/create by the mode's class\n");
}

static void own_dir(void)
{
	int fd = open(P("mine/f"), O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0, "create in own dir");
	close(fd);
	struct stat st;
	OK(stat(P("mine/f"), &st));
	CHECK(st.st_uid == 1000 && st.st_gid == 1000, "owner %u:%u", st.st_uid, st.st_gid);
	OK(chmod(P("mine/f"), 0600));
	fd = open(P("mine/f"), O_RDONLY | O_NOATIME);
	CHECK(fd >= 0, "O_NOATIME on own file");
	OK(fcntl(fd, F_SETFL, 0));
	OK(fcntl(fd, F_SETFL, O_NOATIME));
	close(fd);
	FAILS(chmod(P("r644"), 0666), EPERM);
	FAILS(chown(P("mine/f"), 0, -1), EPERM);
	OK(chown(P("mine/f"), 1000, -1));                /* to itself: allowed */
	OK(chown(P("mine/f"), -1, 2000));                /* a supplementary group */
	FAILS(chown(P("mine/f"), -1, 3000), EPERM);      /* not a member */
	FAILS(chown(P("r644"), -1, 2000), EPERM);        /* not the owner */
	OK(chown(P("mine/f"), -1, 1000));
	/* a directory without write permission */
	OK(mkdir(P("mine/ro"), 0755));
	fd = open(P("mine/ro/f"), O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0, "create");
	close(fd);
	OK(chmod(P("mine/ro"), 0555));
	FAILS(unlink(P("mine/ro/f")), EACCES);
	FAILS(rename(P("mine/ro/f"), P("mine/g")), EACCES);
	FAILS(rename(P("mine/f"), P("mine/ro/g")), EACCES);
	FAILS(mkdir(P("mine/ro/d"), 0755), EACCES);
	FAILS(rmdir(P("mine/ro")), ENOTEMPTY);
	/* a directory moving to a new parent needs write on itself ("..") */
	OK(mkdir(P("mine/sub"), 0755));
	OK(mkdir(P("mine/sub2"), 0755));
	OK(chmod(P("mine/sub"), 0555));
	FAILS(rename(P("mine/sub"), P("mine/sub2/sub")), EACCES);
	OK(rename(P("mine/sub"), P("mine/subx")));       /* same parent: fine */
	/* search-only on own dir */
	OK(chmod(P("mine/ro"), 0100));
	OK(access(P("mine/ro/f"), F_OK));
	CHECK(opendir(P("mine/ro")) == NULL && errno == EACCES, "opendir 0100");
	OK(chmod(P("mine/ro"), 0600));
	FAILS(access(P("mine/ro/f"), F_OK), EACCES);
	OK(chmod(P("mine/ro"), 0755));
	printf("own files: chmod, chown rules, directory write and search bits\n");
}

static void exec_bits(void)
{
	char *argv[] = { "x", NULL };
	FAILS(execv(P("noexec"), argv), EACCES);         /* 0644 */
	FAILS(execv(P("closed/f"), argv), EACCES);
	FAILS(execv(P("xonly"), argv), EACCES);          /* a directory */
	printf("exec needs x on the file\n");
}

static void umask_bits(void)
{
	CHECK(umask(027) == 022, "old umask");
	int fd = open(P("mine/um"), O_CREAT | O_WRONLY, 0777);
	CHECK(fd >= 0, "create");
	close(fd);
	CHECK(mode_of("mine/um") == 0750, "file mode %o", mode_of("mine/um"));
	OK(mkdir(P("mine/umd"), 0777));
	CHECK(mode_of("mine/umd") == 0750, "dir mode %o", mode_of("mine/umd"));
	OK(mknod(P("mine/umf"), S_IFIFO | 0666, 0));
	CHECK(mode_of("mine/umf") == 0640, "fifo mode %o", mode_of("mine/umf"));
	OK(chmod(P("mine/um"), 0777));                   /* chmod ignores the umask */
	CHECK(mode_of("mine/um") == 0777, "chmod");
	CHECK(umask(022) == 027, "umask reports");
	FAILS(mknod(P("mine/dev"), S_IFCHR | 0600, 0x0103), EPERM);
	printf("umask: files, dirs, fifos; chmod ignores it\n");
}

static void utimes_rules(void)
{
	struct timespec ts[2] = { { 1000, 0 }, { 2000, 0 } };
	struct timespec now[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	struct timespec half[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
	OK(utimensat(AT_FDCWD, P("other_rw"), NULL, 0));       /* write permission: touch */
	OK(utimensat(AT_FDCWD, P("other_rw"), now, 0));
	FAILS(utimensat(AT_FDCWD, P("other_rw"), ts, 0), EPERM);  /* explicit times: owner */
	FAILS(utimensat(AT_FDCWD, P("r644"), NULL, 0), EACCES);
	FAILS(utimensat(AT_FDCWD, P("r644"), now, 0), EACCES);
	FAILS(utimensat(AT_FDCWD, P("r644"), half, 0), EPERM);      /* not both NOW: owner */
	FAILS(utimensat(AT_FDCWD, P("other_rw"), half, 0), EPERM);
	OK(utimensat(AT_FDCWD, P("mine/f"), ts, 0));           /* owner */
	struct stat st;
	OK(stat(P("mine/f"), &st));
	CHECK(st.st_mtime == 2000 && st.st_atime == 1000, "times set");
	printf("utimensat: NOW needs write, explicit times need the owner\n");
}

int main(void)
{
	gid_t groups[] = { 2000 };
	snprintf(top, sizeof(top), "/tmp/perm_pathsXXXXXX");
	CHECK(mkdtemp(top) != NULL, "mkdtemp");
	OK(chmod(top, 0755));
	mkdir_as("closed", 0700, 0, 0);
	mkfile("closed/f", 0755, 0, 0);
	mkdir_as("xonly", 0711, 0, 0);
	mkfile("xonly/f", 0644, 0, 0);
	mkdir_as("mine", 0755, 1000, 1000);
	mkfile("mine/own000", 0077, 1000, 1000);
	mkfile("r600", 0600, 0, 0);
	mkfile("r644", 0644, 0, 0);
	mkfile("noexec", 0644, 1000, 1000);
	mkfile("grp_deny", 0604, 0, 2000);
	mkfile("grp_read", 0440, 0, 2000);
	mkfile("other_rw", 0666, 0, 0);

	closed_fd = open(P("closed"), O_RDONLY | O_DIRECTORY);
	CHECK(closed_fd >= 0, "open closed");
	pid_t p = fork();
	CHECK(p >= 0, "fork");
	if (!p) {
		become(1000, 1000, 1, groups);
		search();
		opens();
		own_dir();
		exec_bits();
		umask_bits();
		utimes_rules();
		fflush(stdout);
		_exit(0);
	}
	int st;
	CHECK(waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %#x", st);
	rm_tree(top);
	return 0;
}
