/* The default root is an overlay: files under / can be created, changed,
 * renamed and deleted, inode numbers survive a copy-up, and a directory
 * listing shows the merged view. Natively this would change the host's
 * /etc, so outside the sandbox (CVISOR_GUEST unset) the program only
 * prints the expected lines. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "guest.h"

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

static void put(const char *path, int flags, const char *data)
{
	int fd = open(path, O_WRONLY | flags, 0644);
	CHECK(fd >= 0, "open %s", path);
	CHECK(write(fd, data, strlen(data)) == (ssize_t)strlen(data), "write %s", path);
	close(fd);
}

static void sandbox_only(void)
{
	struct stat a, b;
	char buf[64] = { 0 };

	/* create, read back, list */
	put("/etc/cvisor-guest-probe", O_CREAT | O_EXCL, "probe\n");
	CHECK(listed("/etc", "cvisor-guest-probe") == 1, "probe listed once");
	/* copy-up of a lower file keeps its inode number */
	CHECK(stat("/etc/passwd", &a) == 0, "stat passwd");
	put("/etc/passwd", O_APPEND, "cvisor:x:4242:4242::/:/bin/false\n");
	CHECK(stat("/etc/passwd", &b) == 0, "stat passwd again");
	CHECK(a.st_ino == b.st_ino && b.st_size == a.st_size + 33, "passwd copied up");
	/* rename over a lower file, then delete */
	CHECK(rename("/etc/cvisor-guest-probe", "/etc/hostname") == 0, "rename over hostname");
	int fd = open("/etc/hostname", O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 6 && !strcmp(buf, "probe\n"), "renamed data");
	close(fd);
	CHECK(listed("/etc", "cvisor-guest-probe") == 0, "old name gone");
	CHECK(unlink("/etc/hostname") == 0, "unlink hostname");
	CHECK(access("/etc/hostname", F_OK) == -1 && errno == ENOENT, "hostname gone");
	CHECK(listed("/etc", "hostname") == 0, "hostname not listed");
	/* directories: mkdir, rmdir, and a new one over a removed lower one */
	CHECK(mkdir("/var/tmp/cvisor-guest-dir", 0755) == 0, "mkdir");
	put("/var/tmp/cvisor-guest-dir/f", O_CREAT, "x");
	CHECK(rmdir("/var/tmp/cvisor-guest-dir") == -1 && errno == ENOTEMPTY, "rmdir non-empty");
	CHECK(unlink("/var/tmp/cvisor-guest-dir/f") == 0, "unlink f");
	CHECK(rmdir("/var/tmp/cvisor-guest-dir") == 0, "rmdir");
	CHECK(mkdir("/etc/cvisor-guest-dir", 0700) == 0, "mkdir in /etc");
	CHECK(rename("/etc/cvisor-guest-dir", "/etc/cvisor-guest-dir2") == 0, "rename upper dir");
	CHECK(rmdir("/etc/cvisor-guest-dir2") == 0, "rmdir upper dir");
}

int main(void)
{
	if (in_sandbox())
		sandbox_only();
	printf("create: ok\n");
	printf("copy-up keeps inode: ok\n");
	printf("rename and unlink: ok\n");
	printf("directories: ok\n");
	return 0;
}
