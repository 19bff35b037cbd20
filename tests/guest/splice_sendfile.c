/* sendfile (offsets, pipe as output), copy_file_range, splice file<->pipe,
 * tee, vmsplice, fallocate, sync_file_range, fadvise64, readahead. */
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "guest.h"

#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)

int main(void)
{
	char dir[] = "/tmp/spliceXXXXXX", src[64], dst[64], buf[64];
	CHECK(mkdtemp(dir), "mkdtemp");
	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(dst, sizeof(dst), "%s/dst", dir);
	int in = open(src, O_CREAT | O_RDWR, 0644), out = open(dst, O_CREAT | O_RDWR, 0644);
	CHECK(in >= 0 && out >= 0, "open");
	CHECK(write(in, "0123456789abcdef", 16) == 16, "fill");
	int p[2], q[2];
	CHECK(pipe(p) == 0 && pipe(q) == 0, "pipes");

	/* sendfile with an offset leaves the file position alone */
	off_t off = 4;
	CHECK(sendfile(out, in, &off, 6) == 6 && off == 10, "sendfile off");
	CHECK(lseek(in, 0, SEEK_CUR) == 16, "in pos unchanged");
	CHECK(pread(out, buf, 6, 0) == 6 && !memcmp(buf, "456789", 6), "sendfile data");
	lseek(in, 10, SEEK_SET);
	CHECK(sendfile(p[1], in, NULL, 100) == 6, "sendfile to pipe until EOF");
	CHECK(lseek(in, 0, SEEK_CUR) == 16, "in pos advanced");
	CHECK(read(p[0], buf, sizeof(buf)) == 6 && !memcmp(buf, "abcdef", 6), "pipe data");
	int ro = open(src, O_RDONLY);
	FAILS(sendfile(ro, in, NULL, 1), EBADF);
	off = -1;
	FAILS(sendfile(out, in, &off, 1), EINVAL);

	/* copy_file_range */
	loff_t io = 0, oo = 20;
	CHECK(copy_file_range(in, &io, out, &oo, 5, 0) == 5 && io == 5 && oo == 25, "cfr");
	CHECK(pread(out, buf, 5, 20) == 5 && !memcmp(buf, "01234", 5), "cfr data");
	FAILS(copy_file_range(in, &io, out, &oo, 5, 1), EINVAL);
	FAILS(copy_file_range(in, NULL, p[1], NULL, 5, 0), EINVAL);
	io = 0;
	oo = 2;
	FAILS(copy_file_range(in, &io, in, &oo, 5, 0), EINVAL);
	FAILS(copy_file_range(ro, NULL, ro, NULL, 5, 0), EBADF);

	/* splice file -> pipe -> file */
	loff_t so = 8;
	CHECK(splice(in, &so, p[1], NULL, 4, 0) == 4 && so == 12, "splice to pipe");
	FAILS(splice(in, NULL, out, NULL, 4, 0), EINVAL);
	FAILS(splice(p[0], &so, out, NULL, 4, 0), ESPIPE);
	FAILS(splice(in, NULL, p[1], NULL, 4, 0x100), EINVAL);
	/* tee duplicates without consuming */
	CHECK(tee(p[0], q[1], 100, 0) == 4, "tee");
	CHECK(read(q[0], buf, sizeof(buf)) == 4 && !memcmp(buf, "89ab", 4), "tee data");
	FAILS(tee(p[0], p[1], 1, 0), EINVAL);
	FAILS(tee(in, q[1], 1, 0), EINVAL);
	lseek(out, 0, SEEK_SET);
	CHECK(splice(p[0], NULL, out, NULL, 100, 0) == 4, "splice from pipe");
	CHECK(lseek(out, 0, SEEK_CUR) == 4, "out pos");
	CHECK(pread(out, buf, 6, 0) == 6 && !memcmp(buf, "89ab89", 6), "spliced data");
	FAILS(splice(p[0], NULL, out, NULL, 10, SPLICE_F_NONBLOCK), EAGAIN);
	FAILS(tee(p[0], q[1], 10, SPLICE_F_NONBLOCK), EAGAIN);

	/* vmsplice user memory into a pipe */
	struct iovec iov[2] = { { "hel", 3 }, { "lo", 2 } };
	CHECK(vmsplice(p[1], iov, 2, 0) == 5, "vmsplice");
	CHECK(read(p[0], buf, sizeof(buf)) == 5 && !memcmp(buf, "hello", 5), "vmsplice data");
	FAILS(vmsplice(in, iov, 1, 0), EBADF);

	/* fallocate on the temp filesystem */
	struct stat st;
	CHECK(fallocate(out, 0, 0, 100) == 0 && fstat(out, &st) == 0 && st.st_size == 100, "grow");
	CHECK(fallocate(out, FALLOC_FL_KEEP_SIZE, 0, 200) == 0 && fstat(out, &st) == 0 &&
	      st.st_size == 100, "keep size");
	CHECK(fallocate(out, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 1, 2) == 0, "punch");
	CHECK(pread(out, buf, 4, 0) == 4 && !memcmp(buf, "8\0\0b", 4), "hole reads zeros");
	FAILS(fallocate(out, FALLOC_FL_PUNCH_HOLE, 0, 1), EOPNOTSUPP);
	FAILS(fallocate(out, 0, 0, 0), EINVAL);
	FAILS(fallocate(out, 0, -1, 1), EINVAL);
	FAILS(fallocate(ro, 0, 0, 1), EBADF);
	FAILS(fallocate(p[1], 0, 0, 1), ESPIPE);

	/* advisory calls */
	CHECK(sync_file_range(out, 0, 0, SYNC_FILE_RANGE_WRITE) == 0, "sync_file_range");
	FAILS(sync_file_range(out, 0, 0, 8), EINVAL);
	FAILS(sync_file_range(out, -1, 0, 0), EINVAL);
	FAILS(sync_file_range(p[0], 0, 0, 0), ESPIPE);
	CHECK(posix_fadvise(out, 0, 0, POSIX_FADV_SEQUENTIAL) == 0, "fadvise");
	CHECK(posix_fadvise(out, 0, 0, 99) == EINVAL, "fadvise bad advice");
	CHECK(posix_fadvise(p[0], 0, 0, 0) == ESPIPE, "fadvise pipe");
	CHECK(readahead(out, 0, 10) == 0, "readahead");
	FAILS(readahead(p[0], 0, 10), EINVAL);
	CHECK(syncfs(out) == 0, "syncfs");

	/* Close explicitly: see docs/vfs.md (sentry heap trim under ptrace). */
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	close(ro);
	close(in);
	close(out);
	unlink(src);
	unlink(dst);
	rmdir(dir);
	printf("splice_sendfile ok\n");
	return 0;
}
