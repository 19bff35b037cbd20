/* getdents64/getdents: record layout and d_type, small buffers (EINVAL),
 * ENOTDIR/EBADF/EFAULT, stable positions while entries are created and
 * removed between calls (every entry that exists throughout is seen exactly
 * once), lseek to a saved d_off resumes after that entry, rewind. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)
#define NSTABLE 150

struct d64 {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

static long gd(int fd, void *buf, size_t len)
{
	return syscall(SYS_getdents64, fd, buf, len);
}

static int stable_index(const char *name)
{
	int k;
	char c;
	if (sscanf(name, "s%d%c", &k, &c) == 1 && k >= 0 && k < NSTABLE)
		return k;
	return -1;
}

static void layout(int dfd)
{
	char buf[4096];
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY);
	long n = gd(fd, buf, sizeof(buf));
	CHECK(n > 0, "getdents64");
	int seen = 0;
	for (long pos = 0; pos < n;) {
		struct d64 *d = (struct d64 *)(buf + pos);
		CHECK(d->reclen % 8 == 0 && d->reclen >= 20 + strlen(d->name), "reclen %u", d->reclen);
		struct stat st;
		CHECK(fstatat(dfd, d->name, &st, AT_SYMLINK_NOFOLLOW) == 0, "stat %s", d->name);
		if (strcmp(d->name, "..") != 0)
			CHECK(d->ino == st.st_ino, "d_ino of %s", d->name);
		unsigned want = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK :
				S_ISFIFO(st.st_mode) ? DT_FIFO : DT_REG;
		CHECK(d->type == want, "d_type of %s: %u", d->name, d->type);
		if (!strcmp(d->name, ".") || !strcmp(d->name, "..") || !strcmp(d->name, "sub") ||
		    !strcmp(d->name, "lnk") || !strcmp(d->name, "fifo"))
			seen++;
		pos += d->reclen;
	}
	CHECK(seen == 5, "special entries seen: %d", seen);
	/* the old getdents puts d_type in the last byte of the record */
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "rewind");
	n = syscall(SYS_getdents, fd, buf, sizeof(buf));
	CHECK(n > 0, "getdents");
	int found = 0;
	for (long pos = 0; pos < n;) {
		unsigned short reclen;
		memcpy(&reclen, buf + pos + 16, 2);
		const char *name = buf + pos + 18;
		if (!strcmp(name, "sub"))
			found = buf[pos + reclen - 1] == DT_DIR;
		pos += reclen;
	}
	CHECK(found, "old getdents d_type");
	/* errors */
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "rewind");
	FAILS(gd(fd, buf, 0), EINVAL);
	FAILS(gd(fd, buf, 20), EINVAL);          /* "." needs 24 bytes */
	CHECK(gd(fd, buf, 24) == 24, "exactly one record");
	FAILS(gd(fd, (void *)8, sizeof(buf)), EFAULT);
	FAILS(gd(-1, buf, sizeof(buf)), EBADF);
	FAILS(lseek(fd, -1, SEEK_SET), EINVAL);
	close(fd);
	fd = openat(dfd, "s0", O_RDONLY);
	FAILS(gd(fd, buf, sizeof(buf)), ENOTDIR);
	close(fd);
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY);
	while ((n = gd(fd, buf, sizeof(buf))) > 0)
		;
	CHECK(n == 0 && gd(fd, buf, sizeof(buf)) == 0, "0 at the end, and again");
	close(fd);
	/* a removed directory: ENOENT, even from the start */
	CHECK(mkdirat(dfd, "gone", 0755) == 0, "mkdir gone");
	fd = openat(dfd, "gone", O_RDONLY | O_DIRECTORY);
	CHECK(unlinkat(dfd, "gone", AT_REMOVEDIR) == 0, "rmdir gone");
	FAILS(gd(fd, buf, sizeof(buf)), ENOENT);
	close(fd);
	/* tmpfs directory positions: SEEK_SET/SEEK_CUR only */
	char shm[] = "/dev/shm/file_direntsXXXXXX";
	CHECK(mkdtemp(shm), "mkdtemp shm");
	fd = open(shm, O_RDONLY | O_DIRECTORY);
	CHECK(gd(fd, buf, sizeof(buf)) > 0 && lseek(fd, 0, SEEK_CUR) > 0, "position moved");
	CHECK(lseek(fd, 0, SEEK_SET) == 0 && lseek(fd, 1, SEEK_CUR) == 1, "SEEK_SET/SEEK_CUR");
	FAILS(lseek(fd, 0, SEEK_END), EINVAL);
	FAILS(lseek(fd, 0, SEEK_DATA), EINVAL);
	FAILS(lseek(fd, 0, SEEK_HOLE), EINVAL);
	close(fd);
	CHECK(rmdir(shm) == 0, "rmdir shm");
}

/* Read the whole directory in small steps; between steps create and remove
 * other entries. Returns how often each stable entry was seen. */
static void churn(int dfd, int counts[NSTABLE])
{
	char buf[200], name[32];
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY), step = 0;
	long n;
	memset(counts, 0, sizeof(int) * NSTABLE);
	while ((n = gd(fd, buf, sizeof(buf))) > 0) {
		for (long pos = 0; pos < n;) {
			struct d64 *d = (struct d64 *)(buf + pos);
			int k = stable_index(d->name);
			if (k >= 0)
				counts[k]++;
			pos += d->reclen;
		}
		/* new names may land after the position (tmpfs): stop churning at
		 * some point, or a reader that keeps creating never reaches the end */
		if (step == 40)
			continue;
		snprintf(name, sizeof(name), "t%d", step);
		int f = openat(dfd, name, O_CREAT | O_WRONLY, 0644);
		CHECK(f >= 0, "create %s", name);
		close(f);
		if (step >= 2) {
			snprintf(name, sizeof(name), "t%d", step - 2);
			CHECK(unlinkat(dfd, name, 0) == 0, "unlink %s", name);
		}
		step++;
	}
	CHECK(n == 0, "read to the end");
	close(fd);
	for (int k = step - 2; k < step; k++) {
		snprintf(name, sizeof(name), "t%d", k);
		if (k >= 0)
			unlinkat(dfd, name, 0);
	}
}

static void positions(int dfd)
{
	char buf[200], name[16];
	int counts[NSTABLE];
	for (int k = 0; k < NSTABLE; k++) {
		snprintf(name, sizeof(name), "s%d", k);
		int f = openat(dfd, name, O_CREAT | O_WRONLY, 0644);
		CHECK(f >= 0, "create %s", name);
		close(f);
	}
	churn(dfd, counts);
	for (int k = 0; k < NSTABLE; k++)
		CHECK(counts[k] == 1, "s%d seen %d times", k, counts[k]);

	/* save every d_off, then seek back to one: the listing resumes after it */
	static char names[NSTABLE + 8][32];
	static int64_t offs[NSTABLE + 8];
	int total = 0, fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY);
	long n;
	while ((n = gd(fd, buf, sizeof(buf))) > 0) {
		for (long pos = 0; pos < n; total++) {
			struct d64 *d = (struct d64 *)(buf + pos);
			CHECK(total < NSTABLE + 8, "too many entries");
			snprintf(names[total], sizeof(names[total]), "%s", d->name);
			offs[total] = d->off;
			pos += d->reclen;
		}
		CHECK(lseek(fd, 0, SEEK_CUR) == offs[total - 1], "position is the last d_off");
	}
	CHECK(total == NSTABLE + 5, "all entries: %d", total);
	int picks[] = { 0, 1, 2, 57, total - 2 };
	for (int i = 0; i < 5; i++) {
		int k = picks[i];
		CHECK(lseek(fd, offs[k], SEEK_SET) == offs[k], "seek to d_off");
		n = gd(fd, buf, sizeof(buf));
		CHECK(n > 0 && !strcmp(((struct d64 *)buf)->name, names[k + 1]), "resume after %s", names[k]);
	}
	CHECK(lseek(fd, offs[total - 1], SEEK_SET) == offs[total - 1] && gd(fd, buf, sizeof(buf)) == 0,
	      "last d_off is the end");
	/* removing the entry after a saved position does not lose the one after it */
	int k = 9;
	while (stable_index(names[k + 1]) < 0)
		k++;
	CHECK(lseek(fd, offs[k], SEEK_SET) == offs[k], "seek");
	CHECK(unlinkat(dfd, names[k + 1], 0) == 0, "unlink %s", names[k + 1]);
	n = gd(fd, buf, sizeof(buf));
	CHECK(n > 0 && !strcmp(((struct d64 *)buf)->name, names[k + 2]), "next after the removed one: %s",
	      ((struct d64 *)buf)->name);
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "rewind");
	int again = 0;
	while ((n = gd(fd, buf, sizeof(buf))) > 0)
		for (long pos = 0; pos < n; again++)
			pos += ((struct d64 *)(buf + pos))->reclen;
	CHECK(again == total - 1, "rewind lists everything: %d", again);
	close(fd);
	for (int k = 0; k < NSTABLE; k++) {
		snprintf(name, sizeof(name), "s%d", k);
		unlinkat(dfd, name, 0);
	}
}

int main(void)
{
	char dir[] = "/tmp/file_direntsXXXXXX";
	CHECK(mkdtemp(dir), "mkdtemp");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0, "open dir");
	CHECK(mkdirat(dfd, "sub", 0755) == 0 && symlinkat("sub", dfd, "lnk") == 0 &&
	      mknodat(dfd, "fifo", S_IFIFO | 0644, 0) == 0, "fixtures");
	int f = openat(dfd, "s0", O_CREAT | O_WRONLY, 0644);
	close(f);
	layout(dfd);
	CHECK(unlinkat(dfd, "s0", 0) == 0, "unlink s0");
	positions(dfd);
	CHECK(unlinkat(dfd, "sub", AT_REMOVEDIR) == 0 && unlinkat(dfd, "lnk", 0) == 0 &&
	      unlinkat(dfd, "fifo", 0) == 0, "cleanup");
	close(dfd);
	CHECK(rmdir(dir) == 0, "rmdir");
	printf("file_dirents ok\n");
	return 0;
}
