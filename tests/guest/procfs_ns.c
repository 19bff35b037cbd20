/* /proc/PID/ns/ links (same namespaces for parent and child, st_ino = the
 * number in the link, fds opened on them), task/ and thread-self with a
 * second thread, and oom_score_adj / oom_score. */
#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "procfs_util.h"

static const char *const ns_names[] = { "cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
					"time", "time_for_children", "user", "uts" };
#define NR_NS 10

static char links[NR_NS][64];
static char buf[65536];

/* Read and check every ns link; fill links[] (or compare with it). */
static void read_ns(bool compare)
{
	for (int i = 0; i < NR_NS; i++) {
		char path[64], type[32], link[64];
		unsigned long long ino;
		struct stat st;
		int used = 0;
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_names[i]);
		n = readlink(path, link, sizeof(link) - 1);
		CHECK(n > 0, "readlink %s", path);
		link[n] = 0;
		CHECK(sscanf(link, "%31[a-z]:[%llu]%n", type, &ino, &used) == 2 && used == n, "%s", link);
		CHECK(!strncmp(ns_names[i], type, strlen(type)) &&
		      (!ns_names[i][strlen(type)] || !strcmp(ns_names[i] + strlen(type), "_for_children")),
		      "%s -> %s", path, link);
		CHECK(stat(path, &st) == 0 && st.st_ino == ino && S_ISREG(st.st_mode), "stat %s", path);
		CHECK(lstat(path, &st) == 0 && S_ISLNK(st.st_mode), "lstat %s", path);
		if (compare)
			CHECK(!strcmp(link, links[i]), "%s: %s, parent %s", path, link, links[i]);
		else
			strcpy(links[i], link);
	}
}

static void check_ns(void)
{
	struct stat st, fst;
	int fd, status, n = 0;
	char fdpath[64], link[64];
	ssize_t len;
	pid_t pid;
	DIR *d;
	struct dirent *e;

	read_ns(false);
	CHECK(!strcmp(links[4], links[5]), "pid_for_children %s, pid %s", links[5], links[4]);
	pid = fork();
	if (pid == 0) {
		read_ns(true);
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0, "child ns: status %x", status);
	fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && fstat(fd, &fst) == 0 && stat("/proc/self/ns/mnt", &st) == 0, "open ns/mnt");
	CHECK(fst.st_ino == st.st_ino && fst.st_dev == st.st_dev, "fstat of the ns fd");
	errno = 0;
	CHECK(read(fd, buf, sizeof(buf)) == -1 && errno == EINVAL, "read of an ns fd");
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	len = readlink(fdpath, link, sizeof(link) - 1);
	CHECK(len > 0 && (link[len] = 0, !strcmp(link, links[2])), "fd link %s", link);
	close(fd);
	CHECK((d = opendir("/proc/self/ns")), "opendir");
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	CHECK(n == NR_NS, "%d entries in ns/", n);
	printf("ok ns\n");
}

static pthread_barrier_t barrier;
static pid_t thread_tid;

static void *thread_main(void *arg)
{
	(void)arg;
	char path[64];

	thread_tid = (pid_t)syscall(SYS_gettid);
	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", thread_tid);
	CHECK(write_file(path, "worker") == 6, "write own thread's comm");
	pthread_barrier_wait(&barrier);    /* the main thread looks */
	pthread_barrier_wait(&barrier);
	return NULL;
}

static void check_tasks(void)
{
	pthread_t th;
	char path[64], want[64];
	int tids[4], n = 0;
	DIR *d;
	struct dirent *e;
	ssize_t len;

	pthread_barrier_init(&barrier, NULL, 2);
	CHECK(pthread_create(&th, NULL, thread_main, NULL) == 0, "pthread_create");
	pthread_barrier_wait(&barrier);
	CHECK((d = opendir("/proc/self/task")), "opendir task");
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && n < 4)
			tids[n++] = atoi(e->d_name);
	closedir(d);
	CHECK(n == 2 && tids[0] == getpid() && tids[1] == thread_tid, "task/: %d entries", n);
	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", thread_tid);
	CHECK(read_file(path, buf, sizeof(buf)) > 0 && !strcmp(buf, "worker\n"), "thread comm %s", buf);
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", thread_tid);
	snprintf(want, sizeof(want), "%d (worker) ", thread_tid);
	CHECK(read_file(path, buf, sizeof(buf)) > 0 && !strncmp(buf, want, strlen(want)), "%s", buf);
	snprintf(path, sizeof(path), "/proc/self/task/%d/ns/mnt", thread_tid);
	len = readlink(path, want, sizeof(want) - 1);
	CHECK(len > 0 && (want[len] = 0, !strcmp(want, links[2])), "thread ns %s", want);
	CHECK(read_file("/proc/self/status", buf, sizeof(buf)) > 0 && strstr(buf, "\nThreads:\t2\n"), "Threads");
	snprintf(want, sizeof(want), "%d/task/%d", getpid(), getpid());
	len = readlink("/proc/thread-self", path, sizeof(path) - 1);
	CHECK(len > 0 && (path[len] = 0, !strcmp(path, want)), "thread-self %s", path);
	pthread_barrier_wait(&barrier);
	pthread_join(th, NULL);
	printf("ok task thread-self\n");
}

static int read_int(const char *path)
{
	CHECK(read_file(path, buf, sizeof(buf)) > 0, "read %s", path);
	return atoi(buf);
}

static void check_oom(void)
{
	int orig = read_int("/proc/self/oom_score_adj"), score, status;
	static const char *const bad[] = { "1001", "-1001", "12abc", "", "0x3e9" };
	pid_t pid;

	CHECK(write_file("/proc/self/oom_score_adj", "500\n") == 4, "write 500");
	CHECK(read_file("/proc/self/oom_score_adj", buf, sizeof(buf)) > 0 && !strcmp(buf, "500\n"), "%s", buf);
	score = read_int("/proc/self/oom_score");
	CHECK(score >= 0 && score <= 2000, "oom_score %d", score);
	pid = fork();
	if (pid == 0)
		_exit(read_int("/proc/self/oom_score_adj") == 500 ? 0 : 1);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0, "child inherits oom_score_adj");
	for (int i = 0; i < 5; i++) {
		errno = 0;
		CHECK(write_file("/proc/self/oom_score_adj", bad[i]) == -1 && errno == EINVAL,
		      "write \"%s\"", bad[i]);
	}
	CHECK(read_int("/proc/self/oom_score_adj") == 500, "unchanged by bad writes");
	CHECK(write_file("/proc/self/oom_score_adj", "0x10") == 4 && read_int("/proc/self/oom_score_adj") == 16,
	      "base 0 like kstrtoint");
	CHECK(write_file("/proc/self/oom_score_adj", "1000") == 4, "write 1000");
	CHECK(read_int("/proc/self/oom_score") >= 1333, "oom_score with adj 1000: (1000 + rss + 1000) * 2 / 3");
	snprintf(buf, sizeof(buf), "%d", orig);
	CHECK(write_file("/proc/self/oom_score_adj", buf) == (ssize_t)strlen(buf), "restore");
	printf("ok oom_score_adj\n");
}

int main(void)
{
	check_ns();
	check_tasks();
	check_oom();
	return 0;
}
