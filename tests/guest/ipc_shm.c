/* SysV shared memory: shmget (IPC_PRIVATE, keys, IPC_CREAT|IPC_EXCL, size
 * rules), shmat (SHM_RDONLY, SHM_RND, fixed address, SHM_REMAP), shmdt,
 * shmctl (IPC_STAT/SET/RMID with the segment living until the last detach,
 * IPC_INFO, SHM_INFO, SHM_STAT, SHM_LOCK), attaches inherited by fork and
 * dropped by exec and exit, permissions. Every segment is removed at exit. */
#include <signal.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

static int ids[8], nids;

static void cleanup(void)
{
	for (int i = 0; i < nids; i++)
		shmctl(ids[i], IPC_RMID, NULL);
}

static int track(int id)
{
	if (id >= 0 && nids < 8)
		ids[nids++] = id;
	return id;
}

static unsigned long read_ulong(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned long v = 0;
	CHECK(f && fscanf(f, "%lu", &v) == 1, "read %s", path);
	fclose(f);
	return v;
}

static struct shmid_ds stat_of(int id)
{
	struct shmid_ds ds;
	CHECK(shmctl(id, IPC_STAT, &ds) == 0, "IPC_STAT");
	return ds;
}

static int child_status(pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
	return st;
}

static void get_rules(key_t key)
{
	int id;

	CHECK(shmget(IPC_PRIVATE, 0, 0600) == -1 && errno == EINVAL, "size 0");
	CHECK(shmget(IPC_PRIVATE, SIZE_MAX, 0600) == -1 && errno == EINVAL, "size > shmmax");
	CHECK(shmget(key, 4096, 0600) == -1 && errno == ENOENT, "unknown key");
	id = track(shmget(key, 10000, IPC_CREAT | IPC_EXCL | 0600));
	CHECK(id >= 0, "create keyed");
	CHECK(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600) == -1 && errno == EEXIST, "EXCL");
	CHECK(shmget(key, 10001, 0600) == -1 && errno == EINVAL, "bigger than segment");
	CHECK(shmget(key, 0, 0) == id && shmget(key, 100, IPC_CREAT | 0600) == id, "existing key");
	struct shmid_ds ds = stat_of(id);
	CHECK(ds.shm_segsz == 10000 && ds.shm_nattch == 0 && ds.shm_cpid == getpid() &&
	      ds.shm_lpid == 0 && ds.shm_atime == 0 && ds.shm_ctime > 0, "fresh stat");
	CHECK((ds.shm_perm.mode & 0777) == 0600 && ds.shm_perm.__key == key &&
	      ds.shm_perm.uid == geteuid() && ds.shm_perm.cuid == geteuid(), "perm");
	CHECK(shmctl(id, IPC_RMID, NULL) == 0, "rmid unattached");
	CHECK(shmctl(id, IPC_STAT, &ds) == -1 && errno == EINVAL, "gone at once");
	CHECK(shmget(key, 4096, 0600) == -1 && errno == ENOENT, "key gone");
	printf("shmget ok\n");
}

static void attach_rules(void)
{
	int id = track(shmget(IPC_PRIVATE, 3 * 4096, 0600));
	char *a, *b, *p;
	struct shmid_ds ds;

	CHECK(id >= 0, "create");
	CHECK(shmat(id + 1000000, NULL, 0) == (void *)-1 && errno == EINVAL, "bad id");
	CHECK(shmat(-1, NULL, 0) == (void *)-1 && errno == EINVAL, "negative id");
	CHECK(shmat(id, NULL, SHM_REMAP) == (void *)-1 && errno == EINVAL, "REMAP without address");
	a = shmat(id, NULL, 0);
	b = shmat(id, NULL, 0);
	CHECK(a != (void *)-1 && b != (void *)-1 && a != b, "two attaches");
	CHECK(((uintptr_t)a & 4095) == 0, "page aligned");
	strcpy(a, "shared");
	CHECK(strcmp(b, "shared") == 0, "same memory");
	ds = stat_of(id);
	CHECK(ds.shm_nattch == 2 && ds.shm_lpid == getpid() && ds.shm_atime > 0, "nattch 2");

	/* fixed addresses */
	p = mmap(NULL, 4 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap");
	CHECK(shmat(id, p, 0) == (void *)-1 && errno == EINVAL, "occupied");
	CHECK(shmat(id, p + 1, 0) == (void *)-1 && errno == EINVAL, "unaligned");
	char *c = shmat(id, p, SHM_REMAP);
	CHECK(c == p && strcmp(c, "shared") == 0, "SHM_REMAP");
	CHECK(shmdt(c) == 0, "shmdt remap");
	CHECK(munmap(p, 4 * 4096) == 0, "munmap");
	c = shmat(id, p + 100, SHM_RND);
	CHECK(c == p && strcmp(c, "shared") == 0, "SHM_RND rounds down");
	CHECK(shmdt(c + 1) == -1 && errno == EINVAL, "shmdt unaligned");
	CHECK(shmdt(c + 4096) == -1 && errno == EINVAL, "shmdt inside");
	CHECK(shmdt(c) == 0, "shmdt");
	CHECK(shmdt(c) == -1 && errno == EINVAL, "shmdt twice");
	CHECK(stat_of(id).shm_nattch == 2 && stat_of(id).shm_dtime > 0, "nattch back to 2");

	/* SHM_RDONLY: writing faults */
	char *r = shmat(id, NULL, SHM_RDONLY);
	CHECK(r != (void *)-1 && strcmp(r, "shared") == 0, "rdonly attach");
	pid_t pid = fork();
	if (pid == 0) {
		r[0] = 'x';
		_exit(0);
	}
	int st = child_status(pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "write to SHM_RDONLY: %x", st);
	CHECK(shmdt(r) == 0, "shmdt rdonly");

	/* fork shares attaches; exit and exec drop them */
	pid = fork();
	if (pid == 0) {
		struct shmid_ds cds;
		if (shmctl(id, IPC_STAT, &cds) != 0 || cds.shm_nattch != 4)
			_exit(2);
		strcpy(b, "child");
		_exit(0);
	}
	st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fork child %x", st);
	CHECK(strcmp(a, "child") == 0 && stat_of(id).shm_nattch == 2, "fork shares, exit detaches");
	pid = fork();
	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(3);
	}
	st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && stat_of(id).shm_nattch == 2, "exec detaches");

	/* IPC_RMID while attached: SHM_DEST, key private, freed at last detach */
	CHECK(shmctl(id, IPC_RMID, NULL) == 0, "rmid attached");
	ds = stat_of(id);
	CHECK((ds.shm_perm.mode & SHM_DEST) && ds.shm_perm.__key == IPC_PRIVATE && ds.shm_nattch == 2,
	      "SHM_DEST mode %o", ds.shm_perm.mode);
	c = shmat(id, NULL, 0);
	CHECK(c != (void *)-1 && strcmp(c, "child") == 0, "attach a destroyed segment by id");
	CHECK(shmdt(c) == 0 && shmdt(a) == 0, "detach");
	CHECK(stat_of(id).shm_nattch == 1, "one left");
	CHECK(shmdt(b) == 0, "last detach");
	CHECK(shmctl(id, IPC_STAT, &ds) == -1 && errno == EINVAL, "freed at last detach");
	printf("shmat ok\n");
}

static void ctl_rules(void)
{
	int id = track(shmget(IPC_PRIVATE, 4096, 0640));
	struct shmid_ds ds;
	struct shminfo info;
	struct shm_info sinfo;
	int max;

	CHECK(id >= 0, "create");
	CHECK(shmctl(id, 999, &ds) == -1 && errno == EINVAL, "bad cmd");
	CHECK(shmctl(-1, IPC_STAT, &ds) == -1 && errno == EINVAL, "negative id");
	CHECK(shmctl(id, IPC_STAT, (void *)8) == -1 && errno == EFAULT, "stat efault");
	CHECK(shmctl(id, IPC_SET, (void *)8) == -1 && errno == EFAULT, "set efault");
	ds = stat_of(id);
	ds.shm_perm.mode = 0604 | SHM_DEST;   /* only the 0777 bits are taken */
	CHECK(shmctl(id, IPC_SET, &ds) == 0, "IPC_SET");
	CHECK((stat_of(id).shm_perm.mode & 07777) == 0604, "mode set: %o", stat_of(id).shm_perm.mode);
	CHECK(shmctl(id, SHM_LOCK, NULL) == 0 && (stat_of(id).shm_perm.mode & SHM_LOCKED), "SHM_LOCK");
	CHECK(shmctl(id, SHM_UNLOCK, NULL) == 0 && !(stat_of(id).shm_perm.mode & SHM_LOCKED), "UNLOCK");

	max = shmctl(0, IPC_INFO, (struct shmid_ds *)&info);
	CHECK(max >= id % 32768, "IPC_INFO returns the highest index: %d", max);
	CHECK(info.shmmin == 1 && info.shmmni == read_ulong("/proc/sys/kernel/shmmni") &&
	      info.shmmax == read_ulong("/proc/sys/kernel/shmmax") &&
	      info.shmall == read_ulong("/proc/sys/kernel/shmall"), "IPC_INFO values");
	CHECK(shmctl(0, SHM_INFO, (struct shmid_ds *)&sinfo) == max && sinfo.used_ids >= 1, "SHM_INFO");
	CHECK(shmctl(id % 32768, SHM_STAT, &ds) == id && ds.shm_segsz == 4096, "SHM_STAT");
	CHECK(shmctl(id % 32768, SHM_STAT_ANY, &ds) == id, "SHM_STAT_ANY");

	/* an unprivileged user */
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		if (shmat(id, NULL, 0) != (void *)-1 || errno != EACCES)
			_exit(3);
		void *p = shmat(id, NULL, SHM_RDONLY);   /* other: r-- */
		if (p == (void *)-1 || shmdt(p))
			_exit(4);
		if (shmctl(id, IPC_RMID, NULL) != -1 || errno != EPERM)
			_exit(5);
		if (shmctl(id, IPC_SET, &ds) != -1 || errno != EPERM)
			_exit(6);
		if (shmctl(id, SHM_LOCK, NULL) != -1 || errno != EPERM)
			_exit(7);
		_exit(0);
	}
	int st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "unprivileged child %x", st);
	CHECK(shmctl(id, IPC_RMID, NULL) == 0, "rmid");
	printf("shmctl ok\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	atexit(cleanup);
	get_rules((key_t)(0x5c100000 | (getpid() & 0xffff)));
	attach_rules();
	ctl_rules();
	return 0;
}
