/* Sticky directories (only the file's or the directory's owner removes or
 * renames), setgid directories (group inherited, S_ISGID on new
 * subdirectories, stripped from new files of a non-member), setgid cleared
 * by chmod of a non-member, set-id bits cleared by write/truncate/chown. */
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

static struct stat st_of(const char *rel)
{
	struct stat st;
	OK(stat(P(rel), &st));
	return st;
}

static void create(const char *rel, mode_t mode)
{
	int fd = open(P(rel), O_CREAT | O_WRONLY | O_EXCL, mode);
	CHECK(fd >= 0, "create %s", rel);
	close(fd);
}

static void as_1000(void)
{
	gid_t g[] = { 3000 };
	become(1000, 1000, 1, g);
	umask(0);
	create("sticky/a", 0666);
	create("sticky/a2", 0666);
	OK(mkdir(P("sticky/adir"), 0777));
}

static void as_2000(void)
{
	become(2000, 2000, 0, NULL);
	FAILS(unlink(P("sticky/a")), EPERM);
	FAILS(rename(P("sticky/a"), P("sticky/b")), EPERM);
	FAILS(rmdir(P("sticky/adir")), EPERM);
	create("sticky/b", 0666);
	FAILS(rename(P("sticky/b"), P("sticky/a")), EPERM);   /* replacing another's file */
	OK(rename(P("sticky/b"), P("sticky/b2")));
	int fd = open(P("sticky/a"), O_WRONLY);              /* writing it is fine (0666) */
	CHECK(fd >= 0, "open other's file");
	close(fd);
	OK(unlink(P("sticky/b2")));
	/* the directory's owner may remove anything */
	OK(mkdir(P("own_sticky"), 0700));
	OK(chmod(P("own_sticky"), 01777));
	printf("sticky: EPERM for others' entries\n");
}

static void as_1000_in_own_sticky(void)
{
	gid_t g[] = { 3000 };
	become(1000, 1000, 1, g);
	create("own_sticky/c", 0644);
}

static void as_2000_owner(void)
{
	become(2000, 2000, 0, NULL);
	OK(unlink(P("own_sticky/c")));                  /* owner of the directory */
	printf("sticky: directory owner may remove\n");
}

static void setgid_dir(void)
{
	gid_t g[] = { 3000 };
	become(1000, 1000, 1, g);
	create("sg/f", 0644);
	struct stat st = st_of("sg/f");
	CHECK(st.st_gid == 3000 && (st.st_mode & 07777) == 0644, "file: %u %o", st.st_gid, st.st_mode);
	OK(mkdir(P("sg/d"), 0755));
	st = st_of("sg/d");
	CHECK(st.st_gid == 3000 && (st.st_mode & 07777) == 02755, "dir: %u %o", st.st_gid, st.st_mode);
	create("sg/d/f", 0644);
	CHECK(st_of("sg/d/f").st_gid == 3000, "inherited two levels down");
	create("sg/sgid_member", 02755);                /* a member keeps S_ISGID */
	CHECK((st_of("sg/sgid_member").st_mode & 07777) == 02755, "member");
	create("plain/f", 0644);
	CHECK(st_of("plain/f").st_gid == 1000, "no setgid: fsgid");
	printf("setgid dir: group and S_ISGID inherited\n");
}

static void setgid_dir_nonmember(void)
{
	become(1000, 1000, 0, NULL);
	create("sg/sgid_nonmember", 02755);
	struct stat st = st_of("sg/sgid_nonmember");
	CHECK(st.st_gid == 3000 && (st.st_mode & 07777) == 0755, "stripped: %u %o", st.st_gid,
	      st.st_mode);
	OK(mkdir(P("sg/dnm"), 02755));                  /* directories keep it */
	CHECK((st_of("sg/dnm").st_mode & 07777) == 02755, "dir %o", st_of("sg/dnm").st_mode);
	/* chmod g+s by a non-member of the file's group clears it silently */
	OK(chmod(P("sg/sgid_nonmember"), 02750));
	CHECK((st_of("sg/sgid_nonmember").st_mode & 07777) == 0750, "chmod cleared S_ISGID");
	OK(chmod(P("sg/sgid_nonmember"), 04750));
	CHECK((st_of("sg/sgid_nonmember").st_mode & 07777) == 04750, "S_ISUID kept by the owner");
	printf("setgid: stripped for non-members on create and chmod\n");
}

/* Writing or truncating a set-id file as an unprivileged writer clears the bits. */
static void kill_on_write(void)
{
	become(1000, 1000, 0, NULL);
	int fd = open(P("suid_w"), O_WRONLY);
	CHECK(fd >= 0, "open");
	CHECK((st_of("suid_w").st_mode & 07777) == 06777, "open alone keeps them");
	CHECK(write(fd, "x", 1) == 1, "write");
	close(fd);
	CHECK((st_of("suid_w").st_mode & 07777) == 0777, "write: %o", st_of("suid_w").st_mode);
	FAILS(chown(P("suid_root"), -1, -1), EPERM);    /* would clear bits: owner only */
	OK(chown(P("sgid_nox"), -1, -1));                /* nothing to clear: fine */
	OK(truncate(P("suid_t"), 0));
	CHECK((st_of("suid_t").st_mode & 07777) == 0777, "truncate: %o", st_of("suid_t").st_mode);
	/* S_ISGID without group x: kept for a member of the file's group only */
	fd = open(P("sgid_nox"), O_WRONLY);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1, "write");
	close(fd);
	CHECK((st_of("sgid_nox").st_mode & 07777) == 02666, "member: %o", st_of("sgid_nox").st_mode);
	fd = open(P("sgid_nox0"), O_WRONLY);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1, "write");
	close(fd);
	CHECK((st_of("sgid_nox0").st_mode & 07777) == 0666, "non-member: %o",
	      st_of("sgid_nox0").st_mode);
	printf("write/truncate clear set-id bits\n");
}

/* Root with CAP_FSETID keeps them; chown clears S_ISUID even for root. */
static void root_rules(void)
{
	int fd = open(P("suid_root"), O_WRONLY);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1, "write");
	close(fd);
	CHECK((st_of("suid_root").st_mode & 07777) == 06755, "CAP_FSETID keeps: %o",
	      st_of("suid_root").st_mode);
	OK(chown(P("suid_root"), 0, 0));
	CHECK((st_of("suid_root").st_mode & 07777) == 0755, "chown clears: %o",
	      st_of("suid_root").st_mode);
	OK(chmod(P("suid_root"), 06755));
	OK(chown(P("suid_root"), -1, -1));               /* no ids given: still clears */
	CHECK((st_of("suid_root").st_mode & 07777) == 0755, "chown -1 -1: %o",
	      st_of("suid_root").st_mode);
	OK(chmod(P("suid_root"), 06755));
	OK(chown(P("sg"), 0, 3000));                     /* directories keep theirs */
	CHECK((st_of("sg").st_mode & 07777) == 02777, "dir keeps S_ISGID");
	caps_drop_eff(BIT(CAP_FSETID));
	fd = open(P("suid_root"), O_WRONLY);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1, "write");
	close(fd);
	CHECK((st_of("suid_root").st_mode & 07777) == 0755, "without CAP_FSETID: %o",
	      st_of("suid_root").st_mode);
	printf("root: CAP_FSETID keeps set-id bits on write; chown clears S_ISUID\n");
}

int main(void)
{
	snprintf(top, sizeof(top), "/tmp/perm_stickyXXXXXX");
	CHECK(mkdtemp(top) != NULL, "mkdtemp");
	OK(chmod(top, 0777));
	OK(mkdir(P("sticky"), 0700));
	OK(chmod(P("sticky"), 01777));
	OK(mkdir(P("sg"), 0700));
	OK(chown(P("sg"), 0, 3000));
	OK(chmod(P("sg"), 02777));
	OK(mkdir(P("plain"), 0700));
	OK(chmod(P("plain"), 0777));
	const char *setid[] = { "suid_w", "suid_t", "sgid_nox", "sgid_nox0", "suid_root" };
	const mode_t modes[] = { 06777, 06777, 02666, 02666, 06755 };
	for (int i = 0; i < 5; i++) {
		int fd = open(P(setid[i]), O_CREAT | O_WRONLY, 0600);
		CHECK(fd >= 0 && write(fd, "data", 4) == 4, "create %s", setid[i]);
		close(fd);
		OK(chown(P(setid[i]), 0, i == 2 ? 1000 : 0));
		OK(chmod(P(setid[i]), modes[i]));
	}

	in_child(as_1000);
	in_child(as_2000);
	in_child(as_1000_in_own_sticky);
	in_child(as_2000_owner);
	in_child(setgid_dir);
	in_child(setgid_dir_nonmember);
	in_child(kill_on_write);
	in_child(root_rules);
	OK(unlink(P("sticky/a")));                      /* root: CAP_FOWNER */
	rm_tree(top);
	return 0;
}
