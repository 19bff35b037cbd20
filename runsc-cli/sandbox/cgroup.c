/*
 * The host cgroup of a sandbox (cgroup.h): where it is, making, joining
 * and removing it, and its record in the container state. The controller
 * files are written by cgroup_v1.c / cgroup_v2.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "runsc-cli/sandbox/cgroup.h"
#include "runsc-cli/oci/config.h"

const char *const cg_ctrl_names[CG_NCTRL] = {
	[CG_CPU] = "cpu", [CG_CPUACCT] = "cpuacct", [CG_CPUSET] = "cpuset",
	[CG_MEMORY] = "memory", [CG_PIDS] = "pids", [CG_BLKIO] = "blkio",
	[CG_FREEZER] = "freezer", [CG_DEVICES] = "devices",
};

const char *cg_dir_of(const struct cgroup *cg, enum cg_ctrl c)
{
	for (int i = 0; i < cg->n; i++)
		if (cg->d[i].controllers & (1u << c))
			return cg->d[i].path;
	return NULL;
}

int cg_write(const char *dir, const char *file, const char *text)
{
	char p[PATH_MAX + 64];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	int fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);   /* as runc opens them */
	if (fd < 0)
		return -errno;
	ssize_t len = (ssize_t)strlen(text);
	int err = write(fd, text, (size_t)len) == len ? 0 : -errno;
	close(fd);
	return err;
}

int cg_write_u64(const char *dir, const char *file, uint64_t v)
{
	char s[32];
	snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
	return cg_write(dir, file, s);
}

int cg_read(const char *dir, const char *file, char *buf, size_t len)
{
	char p[PATH_MAX + 64];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t got = 0;
	ssize_t n;
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = 0;
	return (int)got;
}

int cg_read_u64(const char *dir, const char *file, uint64_t *v)
{
	char buf[64];
	int n = cg_read(dir, file, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (!strncmp(buf, "max", 3)) {
		*v = UINT64_MAX;
		return 0;
	}
	char *end;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	return end == buf || errno ? -EINVAL : 0;
}

int cg_read_keyed(const char *dir, const char *file, const char *key, uint64_t *v)
{
	static char buf[65536];
	int n = cg_read(dir, file, buf, sizeof(buf));
	if (n < 0)
		return n;
	size_t kl = strlen(key);
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, key, kl) && l[kl] == ' ') {
			*v = strtoull(l + kl + 1, NULL, 10);
			return 0;
		}
	}
	return -ENOENT;
}

json_t *cg_raw_stats(const char *dir, const char *file)
{
	static char buf[65536];
	json_t *o = json_object();
	if (!o || cg_read(dir, file, buf, sizeof(buf)) <= 0)
		return o;
	char *save;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(l, ' ');
		if (!sp)
			continue;
		*sp = 0;
		unsigned long long v = strtoull(sp + 1, NULL, 10);
		json_object_set_new(o, l, json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v));
	}
	return o;
}

/* Append "/comp" to out, refusing "." and ".." components (cleaned away). */
static int clean_join(char *out, size_t len, const char *in)
{
	size_t o = strlen(out);
	while (*in) {
		while (*in == '/')
			in++;
		const char *e = strchrnul(in, '/');
		size_t n = (size_t)(e - in);
		if (n == 0)
			break;
		if (n == 2 && !strncmp(in, "..", 2)) {
			char *s = strrchr(out, '/');
			o = s ? (size_t)(s - out) : 0;
			out[o] = 0;
		} else if (!(n == 1 && in[0] == '.')) {
			if (o + n + 2 > len)
				return -1;
			out[o++] = '/';
			memcpy(out + o, in, n);
			o += n;
			out[o] = 0;
		}
		in = e;
	}
	return 0;
}

/* systemd's slice naming: "a-b.slice" lives at /a.slice/a-b.slice. */
static int expand_slice(const char *slice, char *out, size_t len)
{
	size_t n = strlen(slice);
	out[0] = 0;
	if (n < 6 || strcmp(slice + n - 6, ".slice") || strchr(slice, '/'))
		return -1;
	if (!strcmp(slice, "-.slice"))
		return 0;
	const char *base = slice;
	for (const char *p = slice; p < slice + n - 6; p++) {
		if (*p != '-')
			continue;
		if (p == base || p[1] == '-' || p + 1 == slice + n - 6)
			return -1;   /* "-a", "a--b", "a-.slice" are not slices */
		size_t o = strlen(out);
		if (o + (size_t)(p - slice) + 8 > len)
			return -1;
		snprintf(out + o, len - o, "/%.*s.slice", (int)(p - slice), slice);
	}
	size_t o = strlen(out);
	if (o + n + 2 > len)
		return -1;
	snprintf(out + o, len - o, "/%s", slice);
	return 0;
}

int cgroup_path_for(const char *cgroups_path, bool systemd, const char *id,
		    char *out, size_t len, char *err, size_t errlen)
{
	out[0] = 0;
	if (systemd) {
		char slice[256] = "system.slice", prefix[256] = "cvisor", name[256];
		snprintf(name, sizeof(name), "%s", id);
		if (cgroups_path && *cgroups_path) {
			const char *a = strchr(cgroups_path, ':'), *b = a ? strchr(a + 1, ':') : NULL;
			if (!b || strchr(b + 1, ':') || (size_t)(a - cgroups_path) >= sizeof(slice) ||
			    (size_t)(b - a - 1) >= sizeof(prefix) || strlen(b + 1) >= sizeof(name) || !b[1]) {
				snprintf(err, errlen, "linux.cgroupsPath: \"%.200s\" is not \"slice:prefix:name\" "
					 "(--systemd-cgroup)", cgroups_path);
				return -1;
			}
			snprintf(slice, sizeof(slice), "%.*s", (int)(a - cgroups_path), cgroups_path);
			snprintf(prefix, sizeof(prefix), "%.*s", (int)(b - a - 1), a + 1);
			snprintf(name, sizeof(name), "%s", b + 1);
			if (!slice[0])
				strcpy(slice, "system.slice");
		}
		char sp[PATH_MAX];
		if (expand_slice(slice, sp, sizeof(sp)) < 0 || strchr(name, '/') || strchr(prefix, '/')) {
			snprintf(err, errlen, "linux.cgroupsPath: invalid slice or unit in \"%.200s\"",
				 cgroups_path ? cgroups_path : "");
			return -1;
		}
		size_t nl = strlen(name);
		bool is_slice = nl > 6 && !strcmp(name + nl - 6, ".slice");
		if (is_slice)
			snprintf(out, len, "%s/%s", sp, name);
		else if (prefix[0])
			snprintf(out, len, "%s/%s-%s.scope", sp, prefix, name);
		else
			snprintf(out, len, "%s/%s.scope", sp, name);
		return 0;
	}
	if (!cgroups_path || !*cgroups_path) {
		snprintf(out, len, "/cvisor/%s", id);
		return 0;
	}
	if (clean_join(out, len, cgroups_path) < 0) {
		snprintf(err, errlen, "linux.cgroupsPath: too long");
		return -1;
	}
	if (!out[0]) {
		snprintf(err, errlen, "linux.cgroupsPath: \"%.200s\" names the root cgroup", cgroups_path);
		return -1;
	}
	if (cgroups_path[0] != '/')
		memmove(out, out + 1, strlen(out));   /* relative: no leading '/' */
	return 0;
}

/* The hierarchies mounted on this host (from /proc/self/mountinfo), with
 * the caller's own cgroup in each (for relative paths). */
struct hier {
	unsigned controllers;   /* 0 with v2 = the unified one */
	bool v2;
	char mnt[PATH_MAX / 2];
	char root[PATH_MAX / 2];   /* what of the hierarchy is mounted there */
};

static unsigned ctrl_mask(const char *opts)
{
	unsigned m = 0;
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", opts);
	char *save;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		for (int c = 0; c < CG_NCTRL; c++)
			if (!strcmp(t, cg_ctrl_names[c]))
				m |= 1u << c;
	return m;
}

static int find_hierarchies(struct hier *h, int max)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	char *line = NULL;
	size_t cap = 0;
	int n = 0;
	while (getline(&line, &cap, f) > 0 && n < max) {
		char root[PATH_MAX], mnt[PATH_MAX], fstype[64], super[512];
		char *sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
		    sscanf(sep + 3, "%63s %*s %511s", fstype, super) != 2)
			continue;
		bool v2 = !strcmp(fstype, "cgroup2");
		unsigned m = !strcmp(fstype, "cgroup") ? ctrl_mask(super) : 0;
		if (!v2 && !m)
			continue;
		bool dup = false;
		for (int i = 0; i < n; i++)
			dup |= h[i].v2 == v2 && h[i].controllers == m;
		if (dup || strlen(mnt) >= sizeof(h->mnt) || strlen(root) >= sizeof(h->root))
			continue;
		h[n].controllers = m;
		h[n].v2 = v2;
		strcpy(h[n].mnt, mnt);
		strcpy(h[n].root, root);
		n++;
	}
	free(line);
	fclose(f);
	return n;
}

/* The caller's cgroup in hierarchy h, from /proc/self/cgroup. */
static int own_cgroup(const struct hier *h, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return -errno;
	char *line = NULL;
	size_t cap = 0;
	int rc = -ENOENT;
	while (rc && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = 0;
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			continue;
		*b = 0;
		bool match = h->v2 ? !strcmp(line, "0") && a[1] == 0 : ctrl_mask(a + 1) == h->controllers;
		if (!match)
			continue;
		const char *p = b + 1;
		/* the part below what is mounted */
		size_t rl = strcmp(h->root, "/") ? strlen(h->root) : 0;
		if (rl && !strncmp(p, h->root, rl))
			p += rl;
		snprintf(out, len, "%s", p);
		rc = 0;
	}
	free(line);
	fclose(f);
	return rc;
}

/* v1 cpuset: a new cgroup starts with no cpus and no mems, into which no
 * process can move: take the parent's. */
static void cpuset_inherit(const char *dir)
{
	char parent[PATH_MAX], buf[4096];
	snprintf(parent, sizeof(parent), "%s", dir);
	char *s = strrchr(parent, '/');
	if (!s)
		return;
	*s = 0;
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	for (int i = 0; i < 2; i++) {
		int n = cg_read(dir, files[i], buf, sizeof(buf));
		if (n < 0 || (buf[0] && buf[0] != '\n'))
			continue;
		if (cg_read(parent, files[i], buf, sizeof(buf)) > 0)
			cg_write(dir, files[i], buf);
	}
}

/* v2: a child gets a controller only when its parent delegates it. */
static void v2_delegate(const char *dir)
{
	char avail[512], req[600] = "";
	if (cg_read(dir, "cgroup.controllers", avail, sizeof(avail)) < 0)
		return;
	static const char *const want[] = { "cpu", "cpuset", "memory", "pids", "io" };
	char *save;
	for (char *t = strtok_r(avail, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			if (!strcmp(t, want[i]))
				cg_write(dir, "cgroup.subtree_control",
					 (snprintf(req, sizeof(req), "+%s", t), req));
}

/* mkdir -p of d->path below the mount point (d->path[mntlen] == '/');
 * d->created = the levels made here. */
static int make_dirs(struct cg_dir *d, size_t mntlen, bool v2, bool cpuset)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", d->path);
	d->created = 0;
	for (size_t i = mntlen; p[i] == '/';) {
		if (v2) {
			p[i] = 0;
			v2_delegate(p);
			p[i] = '/';
		}
		char *next = strchr(p + i + 1, '/');
		if (next)
			*next = 0;
		if (mkdir(p, 0755) == 0)
			d->created++;
		else if (errno != EEXIST)
			return -errno;
		/* also a level someone else has just made and not filled yet */
		if (cpuset)
			cpuset_inherit(p);
		if (!next)
			break;
		*next = '/';
		i = (size_t)(next - p);
	}
	return 0;
}

static void rm_dirs(const struct cg_dir *d)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", d->path);
	for (int i = 0; i < d->created; i++) {
		if (rmdir(p) < 0)
			return;   /* in use (another container's), or gone */
		char *s = strrchr(p, '/');
		if (!s)
			return;
		*s = 0;
	}
}

int cgroup_create(struct cgroup *cg, const char *path, const struct oci_resources *r,
		  char *err, size_t errlen)
{
	struct hier h[16];
	memset(cg, 0, sizeof(*cg));
	int nh = find_hierarchies(h, 16);
	if (nh < 0) {
		snprintf(err, errlen, "cgroup: /proc/self/mountinfo: %s", strerror(-nh));
		return -1;
	}
	unsigned v1 = 0;
	for (int i = 0; i < nh; i++)
		v1 |= h[i].controllers;
	bool use_v1 = v1 & ((1u << CG_CPU) | (1u << CG_MEMORY) | (1u << CG_PIDS));
	cg->version = use_v1 ? 1 : 2;
	for (int i = 0; i < nh && cg->n < CG_MAX_DIRS; i++) {
		if (h[i].v2 == use_v1)
			continue;
		struct cg_dir *d = &cg->d[cg->n];
		char base[PATH_MAX];
		snprintf(base, sizeof(base), "%s", h[i].mnt);
		if (path[0] != '/') {
			char own[PATH_MAX];
			int e = own_cgroup(&h[i], own, sizeof(own));
			if (e < 0) {
				snprintf(err, errlen, "cgroup: cannot find our own cgroup in %s: %s",
					 h[i].mnt, strerror(-e));
				return -1;
			}
			if (clean_join(base, sizeof(base), own) < 0)
				goto toolong;
		}
		snprintf(d->path, sizeof(d->path), "%s", base);
		if (clean_join(d->path, sizeof(d->path), path) < 0)
			goto toolong;
		d->controllers = h[i].v2 ? (1u << CG_NCTRL) - 1 : h[i].controllers;
		/* ENOENT: a parent went away under us (a delete removing an
		 * empty /cvisor): make it again */
		int e = -ENOENT;
		for (int k = 0; k < 5 && e == -ENOENT; k++)
			e = make_dirs(d, strlen(h[i].mnt), h[i].v2, d->controllers & (1u << CG_CPUSET));
		cg->n++;
		if (e < 0) {
			snprintf(err, errlen, "cgroup: cannot create %s: %s", d->path, strerror(-e));
			cgroup_destroy(cg);
			return -1;
		}
		if (h[i].v2)
			break;
	}
	if (!cg->n) {
		snprintf(err, errlen, "cgroup: no cgroup hierarchy is mounted");
		return -1;
	}
	if (r && (cg->version == 1 ? cgroup_v1_apply(cg, r, err, errlen)
				   : cgroup_v2_apply(cg, r, err, errlen)) < 0) {
		cgroup_destroy(cg);
		return -1;
	}
	return 0;
toolong:
	snprintf(err, errlen, "cgroup: path too long");
	cgroup_destroy(cg);
	return -1;
}

int cgroup_enter(const struct cgroup *cg)
{
	for (int i = 0; i < cg->n; i++) {
		int e = cg_write(cg->d[i].path, "cgroup.procs", "0");
		if (e < 0)
			return e;
	}
	return 0;
}

int cgroup_update(const struct cgroup *cg, const struct oci_resources *r, char *err, size_t errlen)
{
	return cg->version == 1 ? cgroup_v1_apply(cg, r, err, errlen)
				: cgroup_v2_apply(cg, r, err, errlen);
}

json_t *cgroup_stats(const struct cgroup *cg)
{
	return cg->version == 1 ? cgroup_v1_stats(cg) : cgroup_v2_stats(cg);
}

/* SIGKILL every process listed in dir; how many there were. */
static int kill_all(const char *dir)
{
	static char buf[65536];
	if (cg_read(dir, "cgroup.procs", buf, sizeof(buf)) <= 0)
		return 0;
	int n = 0;
	for (char *p = buf; *p;) {
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0 && kill((pid_t)pid, SIGKILL) == 0)
			n++;
		p = end + (*end == '\n');
	}
	return n;
}

int cgroup_destroy(const struct cgroup *cg)
{
	int rc = 0;
	for (int i = 0; i < cg->n; i++) {
		const struct cg_dir *d = &cg->d[i];
		if (d->created < 1)
			continue;   /* not ours: left as it was */
		rc = -EBUSY;
		for (int k = 0; k < 500; k++) {
			kill_all(d->path);
			if (rmdir(d->path) == 0 || errno == ENOENT) {
				rc = 0;
				break;
			}
			rc = -errno;
			if (errno != EBUSY)
				break;
			nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
		}
		if (rc == 0) {
			struct cg_dir up = *d;
			char *s = strrchr(up.path, '/');
			if (s && up.created > 1) {
				*s = 0;
				up.created--;
				rm_dirs(&up);
			}
		}
	}
	return rc;
}

json_t *cgroup_to_json(const struct cgroup *cg)
{
	json_t *dirs = json_array();
	for (int i = 0; dirs && i < cg->n; i++) {
		json_t *ctl = json_array();
		for (int c = 0; ctl && c < CG_NCTRL; c++)
			if (cg->d[i].controllers & (1u << c))
				json_array_append_new(ctl, json_string(cg_ctrl_names[c]));
		json_array_append_new(dirs, json_pack("{s:s, s:i, s:o}", "path", cg->d[i].path,
						      "created", cg->d[i].created, "controllers", ctl));
	}
	return json_pack("{s:i, s:o}", "version", cg->version, "dirs", dirs);
}

int cgroup_from_json(struct cgroup *cg, const json_t *j)
{
	memset(cg, 0, sizeof(*cg));
	json_t *dirs = json_object_get(j, "dirs");
	int version = (int)json_integer_value(json_object_get(j, "version"));
	if ((version != 1 && version != 2) || !json_is_array(dirs) ||
	    json_array_size(dirs) > CG_MAX_DIRS)
		return -1;
	size_t i;
	json_t *e;
	json_array_foreach(dirs, i, e) {
		struct cg_dir *d = &cg->d[i];
		const char *p = json_string_value(json_object_get(e, "path"));
		json_t *ctl = json_object_get(e, "controllers");
		if (!p || p[0] != '/' || strlen(p) >= sizeof(d->path) || !json_is_array(ctl))
			return -1;
		strcpy(d->path, p);
		d->created = (int)json_integer_value(json_object_get(e, "created"));
		size_t k;
		json_t *c;
		json_array_foreach(ctl, k, c)
			for (int x = 0; x < CG_NCTRL; x++)
				if (json_is_string(c) && !strcmp(json_string_value(c), cg_ctrl_names[x]))
					d->controllers |= 1u << x;
	}
	cg->n = (int)json_array_size(dirs);
	cg->version = version;
	return 0;
}
