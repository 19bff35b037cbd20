/* The overlay root under links and renames of lower objects: a hard link
 * copies the file up once and both names are one inode (number, link
 * count, data); a renamed lower file keeps its inode number and leaves no
 * trace at the old name; a lower directory cannot be renamed (EXDEV, no
 * redirect_dir) and `mv` falls back to copying it; whiteouts and opaque
 * directories stay right under renames.
 * In the sandbox the root is the overlay of the host's / (the default).
 * Natively the same checks run inside a Linux overlayfs of the host's /
 * (tmpfs upper, redirect_dir=off, xino=on: constant inode numbers, as
 * cvisor's overlay keeps them) in a private mount namespace, chrooted
 * into it; nothing reaches the host. */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

#define OVERLAYFS_MAGIC 0x794c7630

static void overlay_root(void)
{
	struct statfs sf;
	if (unshare(CLONE_NEWNS) == 0) {
		char d[64], opts[256];
		snprintf(d, sizeof(d), "/tmp/overlay_rename.%d", (int)getpid());
		CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "private");
		CHECK(mkdir(d, 0700) == 0 && mount("none", d, "tmpfs", 0, NULL) == 0, "tmpfs");
		CHECK(chdir(d) == 0 && mkdir("upper", 0755) == 0 && mkdir("work", 0755) == 0 &&
		      mkdir("merged", 0755) == 0, "dirs");
		snprintf(opts, sizeof(opts), "lowerdir=/,upperdir=%s/upper,workdir=%s/work,redirect_dir=off,xino=on",
			 d, d);
		CHECK(mount("overlay", "merged", "overlay", 0, opts) == 0, "overlay");
		CHECK(chroot("merged") == 0 && chdir("/") == 0, "chroot");
		CHECK(mount("tmpfs", "/tmp", "tmpfs", 0, NULL) == 0, "tmp");
	}
	CHECK(statfs("/", &sf) == 0 && sf.f_type == OVERLAYFS_MAGIC, "/ is not an overlay");
}

static void put(const char *path, int flags, const char *data)
{
	int fd = open(path, O_WRONLY | flags, 0644);
	CHECK(fd >= 0, "open %s", path);
	CHECK(write(fd, data, strlen(data)) == (ssize_t)strlen(data), "write %s", path);
	close(fd);
}

static int listed(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	CHECK(d != NULL, "opendir %s", dir);
	while ((e = readdir(d)))
		n += !strcmp(e->d_name, name);
	closedir(d);
	return n;
}

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	CHECK(d != NULL, "opendir %s", dir);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static int walked;

static int walk_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)p, (void)st, (void)type, (void)f;
	return ++walked >= 6000;
}

/* Look up more names than the sandbox's dentry cache keeps (4096), so
 * what follows is looked up afresh (natively it changes nothing). */
static void flush_names(void)
{
	walked = 0;
	CHECK(nftw("/usr/share", walk_one, 16, FTW_PHYS) >= 0 && walked == 6000, "walked %d", walked);
}

static int run(char *const argv[])
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "wait");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* A lower directory under /usr/share/doc with only regular files in it
 * (at least two), for the directory cases. */
static bool pick_dir(char *out, size_t len)
{
	DIR *d = opendir("/usr/share/doc");
	struct dirent *e;
	CHECK(d != NULL, "opendir /usr/share/doc");
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strlen(e->d_name) > 200)
			continue;
		snprintf(out, len, "/usr/share/doc/%.200s", e->d_name);
		struct stat st;
		if (lstat(out, &st) || !S_ISDIR(st.st_mode))
			continue;
		DIR *s = opendir(out);
		struct dirent *f;
		int files = 0, other = 0;
		while (s && (f = readdir(s))) {
			if (f->d_name[0] == '.')
				continue;
			char p[600];
			snprintf(p, sizeof(p), "%s/%s", out, f->d_name);
			if (!lstat(p, &st) && S_ISREG(st.st_mode))
				files++;
			else
				other++;
		}
		if (s)
			closedir(s);
		if (files >= 2 && !other) {
			closedir(d);
			return true;
		}
	}
	closedir(d);
	return false;
}

int main(void)
{
	struct stat a, b, orig;

	overlay_root();

	/* hard link of a lower file */
	CHECK(stat("/etc/passwd", &orig) == 0 && orig.st_nlink == 1, "passwd");
	CHECK(link("/etc/passwd", "/etc/passwd.cvisor-link") == 0, "link");
	CHECK(stat("/etc/passwd", &a) == 0 && stat("/etc/passwd.cvisor-link", &b) == 0, "stat");
	CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev, "one inode: %lu %lu",
	      (unsigned long)a.st_ino, (unsigned long)b.st_ino);
	CHECK(a.st_ino == orig.st_ino, "inode number kept: %lu -> %lu", (unsigned long)orig.st_ino,
	      (unsigned long)a.st_ino);
	CHECK(a.st_nlink == 2 && b.st_nlink == 2, "nlink %lu %lu", (unsigned long)a.st_nlink,
	      (unsigned long)b.st_nlink);
	flush_names();
	CHECK(stat("/etc/passwd", &a) == 0 && stat("/etc/passwd.cvisor-link", &b) == 0 &&
	      a.st_ino == orig.st_ino && b.st_ino == orig.st_ino && b.st_nlink == 2,
	      "looked up afresh: %lu %lu", (unsigned long)a.st_ino, (unsigned long)b.st_ino);
	static const char line[] = "cvisor:x:4242:4242::/:/bin/false\n";
	put("/etc/passwd.cvisor-link", O_APPEND, line);
	CHECK(stat("/etc/passwd", &a) == 0 && a.st_size == orig.st_size + (off_t)strlen(line),
	      "size via the other name");
	CHECK(link("/etc/passwd.cvisor-link", "/etc/passwd.cvisor-2") == 0, "second link");
	CHECK(stat("/etc/passwd", &a) == 0 && a.st_nlink == 3, "nlink 3");
	CHECK(unlink("/etc/passwd.cvisor-link") == 0 && unlink("/etc/passwd.cvisor-2") == 0, "unlink");
	CHECK(stat("/etc/passwd", &a) == 0 && a.st_nlink == 1 && a.st_ino == orig.st_ino, "back to 1");
	printf("link: one inode, number kept, nlink 2 then 3 then 1, data shared\n");

	/* rename of a lower file, and back */
	CHECK(stat("/etc/group", &orig) == 0, "group");
	CHECK(rename("/etc/group", "/etc/group.cvisor") == 0, "rename");
	CHECK(stat("/etc/group", &a) == -1 && errno == ENOENT, "old name gone");
	CHECK(stat("/etc/group.cvisor", &a) == 0 && a.st_ino == orig.st_ino && a.st_size == orig.st_size,
	      "moved keeps inode number");
	CHECK(listed("/etc", "group") == 0 && listed("/etc", "group.cvisor") == 1, "listing");
	flush_names();
	CHECK(stat("/etc/group.cvisor", &a) == 0 && a.st_ino == orig.st_ino, "afresh: %lu",
	      (unsigned long)a.st_ino);
	CHECK(rename("/etc/group.cvisor", "/etc/group") == 0, "rename back");
	CHECK(stat("/etc/group", &a) == 0 && a.st_ino == orig.st_ino && listed("/etc", "group") == 1 &&
	      listed("/etc", "group.cvisor") == 0, "back");
	printf("rename file: inode number kept, old name gone, listing right\n");

	/* a lower file renamed over another lower file: the victim's lower
	 * copy must not come back after the new one is removed */
	put("/etc/cvisor-victim", O_CREAT | O_EXCL, "victim\n");
	CHECK(rename("/etc/group", "/etc/cvisor-victim") == 0, "rename over");
	CHECK(rename("/etc/cvisor-victim", "/etc/group") == 0, "and back");
	CHECK(stat("/etc/cvisor-victim", &a) == -1 && errno == ENOENT, "victim gone");
	printf("rename over: the replaced name stays gone\n");

	/* a lower directory: EXDEV, mv copies */
	char dir[300], moved[320];
	CHECK(pick_dir(dir, sizeof(dir)), "no small directory in /usr/share/doc");
	snprintf(moved, sizeof(moved), "%s.cvisor-mv", dir);
	int n = entries(dir);
	CHECK(rename(dir, moved) == -1 && errno == EXDEV, "rename of a lower dir");
	char *mv[] = { "/bin/mv", dir, moved, NULL };
	CHECK(run(mv) == 0, "mv");
	CHECK(stat(dir, &a) == -1 && errno == ENOENT, "old dir gone");
	CHECK(entries(moved) == n, "moved dir has %d entries, not %d", entries(moved), n);
	CHECK(listed("/usr/share/doc", strrchr(dir, '/') + 1) == 0, "old dir not listed");
	printf("rename dir: EXDEV; mv copies it\n");

	/* whiteouts and opaque directories under rename: mv back makes the
	 * old name again, over the whiteout left by the move (a new,
	 * opaque directory: nothing of the lower one may show through) */
	char *mvback[] = { "/bin/mv", moved, dir, NULL };
	CHECK(run(mvback) == 0, "mv back");
	CHECK(entries(dir) == n, "back with %d entries", entries(dir));
	CHECK(stat(moved, &a) == -1 && errno == ENOENT, "moved gone");
	/* empty it: whiteouts for every lower entry; then a renamed upper
	 * directory over it is opaque, and renaming that away leaves nothing */
	char *rm[] = { "/bin/rm", "-r", dir, NULL };
	CHECK(run(rm) == 0, "rm -r");
	CHECK(mkdir(dir, 0755) == 0 && entries(dir) == 0, "recreated empty (opaque)");
	CHECK(mkdir("/etc/cvisor-newdir", 0755) == 0, "newdir");
	put("/etc/cvisor-newdir/only", O_CREAT, "x");
	CHECK(rename("/etc/cvisor-newdir", dir) == 0, "rename over the opaque dir");
	CHECK(entries(dir) == 1, "only the new entry: %d", entries(dir));
	CHECK(rename(dir, "/etc/cvisor-newdir") == 0, "rename away");
	CHECK(stat(dir, &a) == -1 && errno == ENOENT, "lower dir not back");
	CHECK(listed("/usr/share/doc", strrchr(dir, '/') + 1) == 0, "not listed");
	CHECK(unlink("/etc/cvisor-newdir/only") == 0 && rmdir("/etc/cvisor-newdir") == 0, "clean");
	CHECK(rename("/etc/group", "/etc/group") == 0, "rename onto itself");
	printf("whiteouts/opaque: right under renames\n");
	return 0;
}
