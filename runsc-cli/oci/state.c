/* Container state store (see state.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "runsc-cli/oci/jsonget.h"
#include "runsc-cli/oci/state.h"

#define STATE_OCI_VERSION "1.1.0"

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

bool state_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > STATE_ID_MAX || !strcmp(id, ".") || !strcmp(id, ".."))
		return false;
	for (const char *p = id; *p; p++) {
		char ch = *p;
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || strchr("_+,-.", ch);
		if (!ok)
			return false;
	}
	return true;
}

static char *dir_path(const char *root, const char *id, const char *file)
{
	char *p;
	if (asprintf(&p, "%s/%s%s%s", root, id, file ? "/" : "", file ? file : "") < 0)
		return NULL;
	return p;
}

/* Parse /proc/PID/stat: the state letter and the start time. The command
 * name (field 2) may hold spaces and parentheses: skip to the last ')'. */
static bool proc_stat(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c", state) != 1)
		return false;
	/* p is at the ')' ending field 2; step over 20 spaces to field 22. */
	for (int field = 2; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return false;
	}
	return sscanf(p + 1, "%llu", start) == 1;
}

unsigned long long state_proc_start(pid_t pid)
{
	char st;
	unsigned long long start;
	return pid > 0 && proc_stat(pid, &st, &start) ? start : 0;
}

const char *state_status(const struct oci_state *st)
{
	char s;
	unsigned long long start;
	if (!strcmp(st->status, "stopped") || st->pid <= 0)
		return "stopped";
	if (kill(st->pid, 0) < 0 && errno != EPERM)
		return "stopped";
	/* A zombie has exited; a different start time means the pid was reused. */
	if (!proc_stat(st->pid, &s, &start) || s == 'Z' || s == 'X' ||
	    (st->pid_start && start != st->pid_start))
		return "stopped";
	return st->status;
}

/* Go's time.RFC3339Nano in UTC: trailing zeros of the fraction dropped. */
static char *now_rfc3339nano(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64], frac[16] = "";
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	if (ts.tv_nsec) {
		snprintf(frac, sizeof(frac), ".%09ld", ts.tv_nsec);
		size_t n = strlen(frac);
		while (n > 1 && frac[n - 1] == '0')
			frac[--n] = 0;
	}
	char *s;
	return asprintf(&s, "%s%sZ", buf, frac) < 0 ? NULL : s;
}

static char *owner_name(void)
{
	struct passwd pw, *res = NULL;
	char buf[4096], *s;
	uid_t uid = geteuid();
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		return strdup(res->pw_name);
	return asprintf(&s, "%u", (unsigned)uid) < 0 ? NULL : s;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char *p = strdup(path);
	if (!p)
		return -ENOMEM;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = 0;
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			int e = -errno;
			free(p);
			return e;
		}
		if (!c)
			break;
		*s = c;
	}
	free(p);
	return 0;
}

static json_t *state_to_json(const struct oci_state *st)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:I, s:s, s:s, s:s, s:s}",
			      "ociVersion", st->oci_version ? st->oci_version : STATE_OCI_VERSION,
			      "id", st->id, "status", st->status, "pid", (int)st->pid,
			      "pidStartTime", (json_int_t)st->pid_start,
			      "bundle", st->bundle ? st->bundle : "",
			      "rootfs", st->rootfs ? st->rootfs : "",
			      "created", st->created ? st->created : "",
			      "owner", st->owner ? st->owner : "");
	if (j && st->annotations)
		json_object_set(j, "annotations", st->annotations);
	if (j && st->extra)
		json_object_set(j, "cvisor", st->extra);
	return j;
}

int state_save(const char *root, const struct oci_state *st, char *err, size_t errlen)
{
	if (!state_id_valid(st->id))
		return fail(err, errlen, -EINVAL, "invalid container id \"%.64s\"", st->id);
	char *tmp = dir_path(root, st->id, "state.json.XXXXXX");
	char *final = dir_path(root, st->id, "state.json");
	json_t *j = state_to_json(st);
	char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
	int rc = 0, fd = -1;
	json_decref(j);
	if (!tmp || !final || !text) {
		rc = fail(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = fail(err, errlen, -errno, "cannot write state of %s: %s", st->id, strerror(errno));
		goto out;
	}
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = fail(err, errlen, -errno, "cannot write state of %s: %s", st->id,
				  strerror(errno));
			unlink(tmp);
			goto out;
		}
		off += w;
	}
	if (rename(tmp, final) < 0) {
		rc = fail(err, errlen, -errno, "cannot write state of %s: %s", st->id, strerror(errno));
		unlink(tmp);
	}
out:
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(final);
	free(text);
	return rc;
}

int state_lock(const char *root, const char *id)
{
	if (!state_id_valid(id))
		return -EINVAL;
	char *path = dir_path(root, id, "lock");
	if (!path)
		return -ENOMEM;
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = -errno;
			close(fd);
			return e;
		}
	}
	struct stat sb;
	if (fstat(fd, &sb) < 0 || sb.st_nlink == 0) {   /* deleted while we waited */
		close(fd);
		return -ENOENT;
	}
	return fd;
}

void state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);   /* drops the flock */
}

int state_create(const char *root, struct oci_state *st, char *err, size_t errlen)
{
	if (!state_id_valid(st->id))
		return fail(err, errlen, -EINVAL, "invalid container id format \"%.64s\"", st->id);
	int rc = mkdir_p(root, 0711);
	if (rc < 0)
		return fail(err, errlen, rc, "cannot create %s: %s", root, strerror(-rc));
	char *dir = dir_path(root, st->id, NULL), *lock = dir_path(root, st->id, "lock");
	if (!dir || !lock) {
		rc = fail(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	if (mkdir(dir, 0711) < 0) {
		rc = errno == EEXIST
			? fail(err, errlen, -EEXIST, "container with id exists: %s", st->id)
			: fail(err, errlen, -errno, "cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	int fd = open(lock, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		rc = fail(err, errlen, -errno, "cannot create %s: %s", lock, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(lock);
		rmdir(dir);
		goto out;
	}
	if (st->pid > 0 && !st->pid_start)
		st->pid_start = state_proc_start(st->pid);
	if (!st->created)
		st->created = now_rfc3339nano();
	if (!st->owner)
		st->owner = owner_name();
	if (!st->status[0])
		strcpy(st->status, "created");
	rc = st->created && st->owner ? state_save(root, st, err, errlen)
				      : fail(err, errlen, -ENOMEM, "out of memory");
	if (rc < 0) {
		unlink(lock);
		rmdir(dir);
	}
	state_unlock(fd);
out:
	free(dir);
	free(lock);
	return rc;
}

static bool valid_status(const char *s)
{
	return !strcmp(s, "created") || !strcmp(s, "running") || !strcmp(s, "paused") ||
	       !strcmp(s, "stopped");
}

/* Required string field of state.json. */
static bool load_str(struct oci_ctx *cx, json_t *j, const char *key, char **out)
{
	json_t *v = oci_jfield(j, key);
	return v ? oci_j_string(cx, v, key, out) : oci_fail(cx, key, "missing");
}

int state_load(const char *root, const char *id, struct oci_state *st, char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	if (!state_id_valid(id))
		return fail(err, errlen, -EINVAL, "invalid container id format \"%.64s\"", id);
	char *path = dir_path(root, id, "state.json");
	if (!path)
		return fail(err, errlen, -ENOMEM, "out of memory");
	char label[STATE_ID_MAX + 32];
	snprintf(label, sizeof(label), "state of %s", id);
	struct oci_ctx cx = { .file = label, .err = err, .errlen = errlen };
	size_t len;
	char *buf = NULL;
	if (access(path, F_OK) < 0) {
		free(path);
		return fail(err, errlen, -ENOENT, "container does not exist");
	}
	buf = oci_read_file(&cx, path, OCI_MAX_FILE, &len);
	free(path);
	json_t *j = buf ? oci_json_parse(&cx, buf, len) : NULL;
	free(buf);
	char *sid = NULL, *status = NULL;
	int64_t pid = 0, start = 0;
	json_t *v;
	if (!j)
		goto out;
	if (!load_str(&cx, j, "id", &sid) || !load_str(&cx, j, "status", &status) ||
	    !load_str(&cx, j, "ociVersion", &st->oci_version) ||
	    !load_str(&cx, j, "bundle", &st->bundle) || !load_str(&cx, j, "rootfs", &st->rootfs) ||
	    !load_str(&cx, j, "created", &st->created) || !load_str(&cx, j, "owner", &st->owner))
		goto out;
	if (strcmp(sid, id))
		oci_fail(&cx, "id", "does not match the directory");
	else if (!valid_status(status))
		oci_fail(&cx, "status", "unknown status \"%.16s\"", status);
	if (cx.failed)
		goto out;
	strcpy(st->id, id);
	strcpy(st->status, status);
	if ((v = oci_jfield(j, "pid")) && !oci_j_i64(&cx, v, "pid", 0, INT32_MAX, &pid))
		goto out;
	if ((v = oci_jfield(j, "pidStartTime")) &&
	    !oci_j_i64(&cx, v, "pidStartTime", 0, INT64_MAX, &start))
		goto out;
	st->pid = pid;
	st->pid_start = start;
	if ((v = oci_jfield(j, "annotations"))) {
		if (!oci_j_object(&cx, v, "annotations"))
			goto out;
		st->annotations = json_incref(v);
	}
	if ((v = oci_jfield(j, "cvisor"))) {
		if (!oci_j_object(&cx, v, "cvisor"))
			goto out;
		st->extra = json_incref(v);
	}
out:
	json_decref(j);
	free(sid);
	free(status);
	if (cx.failed) {
		state_free(st);
		return -EINVAL;
	}
	return 0;
}

/* Remove everything under dfd, subdirectories to a bounded depth. */
static int remove_all_at(int dfd, int depth)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			continue;
		if (errno != EISDIR || depth >= 8) {
			rc = -errno;
			continue;
		}
		int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 || remove_all_at(sub, depth + 1) < 0 ||
		    unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0)
			rc = -EIO;
	}
	closedir(d);
	return rc;
}

int state_delete(const char *root, const char *id, char *err, size_t errlen)
{
	if (!state_id_valid(id))
		return fail(err, errlen, -EINVAL, "invalid container id format \"%.64s\"", id);
	char *dir = dir_path(root, id, NULL);
	if (!dir)
		return fail(err, errlen, -ENOMEM, "out of memory");
	int rc = 0;
	int lock = state_lock(root, id);           /* absent in a half-created container */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		rc = errno == ENOENT ? fail(err, errlen, -ENOENT, "container does not exist")
				     : fail(err, errlen, -errno, "cannot open %s: %s", dir, strerror(errno));
	} else if ((rc = remove_all_at(dfd, 0)) < 0 || rmdir(dir) < 0) {
		rc = fail(err, errlen, rc < 0 ? rc : -errno, "cannot remove %s: %s", dir,
			  strerror(rc < 0 ? -rc : errno));
	}
	state_unlock(lock);
	free(dir);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int state_list(const char *root, char ***ids, size_t *n, char *err, size_t errlen)
{
	*ids = NULL;
	*n = 0;
	DIR *d = opendir(root);
	if (!d)
		return errno == ENOENT ? 0
				       : fail(err, errlen, -errno, "cannot read %s: %s", root,
					      strerror(errno));
	size_t cap = 0;
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d))) {
		char path[STATE_ID_MAX + 16];
		if (!state_id_valid(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/state.json", de->d_name);
		if (faccessat(dirfd(d), path, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			char **nv = realloc(*ids, cap * sizeof(char *));
			if (!nv) {
				rc = -ENOMEM;
				break;
			}
			*ids = nv;
		}
		if (!((*ids)[*n] = strdup(de->d_name))) {
			rc = -ENOMEM;
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (rc < 0) {
		state_list_free(*ids, *n);
		*ids = NULL;
		*n = 0;
		return fail(err, errlen, rc, "out of memory");
	}
	if (*n)
		qsort(*ids, *n, sizeof(char *), cmp_str);
	return 0;
}

void state_list_free(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

json_t *state_oci_json(const struct oci_state *st)
{
	const char *status = state_status(st);
	json_t *j = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s}",
			      "ociVersion", st->oci_version ? st->oci_version : STATE_OCI_VERSION,
			      "id", st->id,
			      "pid", strcmp(status, "stopped") ? (int)st->pid : 0,
			      "status", status,
			      "bundle", st->bundle ? st->bundle : "",
			      "rootfs", st->rootfs ? st->rootfs : "",
			      "created", st->created ? st->created : "");
	if (!j)
		return NULL;
	if (st->annotations && json_object_size(st->annotations))
		json_object_set(j, "annotations", st->annotations);
	json_object_set_new(j, "owner", json_string(st->owner ? st->owner : ""));
	return j;
}

void state_free(struct oci_state *st)
{
	free(st->oci_version);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->owner);
	json_decref(st->annotations);
	json_decref(st->extra);
	st->oci_version = st->bundle = st->rootfs = st->created = st->owner = NULL;
	st->annotations = st->extra = NULL;
}
