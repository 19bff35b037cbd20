/*
 * config.json's mounts[], linux.maskedPaths and linux.readonlyPaths -> the
 * sentry's extra mounts (struct kernel_mount, made by vfs/init.c), in
 * runc's order: mounts first, then masked, then read-only paths.
 *
 *   bind/rbind   a channel of the container's gofer serving the host source
 *                (its directory, or the directory holding a source file),
 *                read-only with `ro`; host submounts of the source are
 *                served as part of it
 *   tmpfs        a sentry tmpfs with size= and mode=; other data options
 *                (nr_inodes, uid, gid...) are ignored; a tmpfs on /dev is
 *                skipped: the sandbox's devfs stays there (as in runsc)
 *   proc         /proc is already the sandbox's procfs; elsewhere a new one
 *   sysfs        the sandbox's sysfs
 *   devpts mqueue cgroup cgroup2   accepted, nothing mounted
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "runsc-cli/sandbox/sandbox.h"
#include "runsc-cli/oci/config.h"
#include "sentry/kernel.h"
#include "vfs/vfs.h"

static int mnt_flags(unsigned long ms)
{
	return (ms & MS_RDONLY ? MNT_RDONLY : 0) | (ms & MS_NOSUID ? MNT_NOSUID : 0) |
	       (ms & MS_NODEV ? MNT_NODEV : 0) | (ms & MS_NOEXEC ? MNT_NOEXEC : 0);
}

/* size= and mode= of a tmpfs data string. */
static int tmpfs_options(const char *data, struct kernel_mount *km, char *err, size_t errlen)
{
	km->mode = -1;
	if (!data)
		return 0;
	char *copy = strdup(data), *save = NULL;
	if (!copy)
		return -ENOMEM;
	int rc = 0;
	for (char *o = strtok_r(copy, ",", &save); o && !rc; o = strtok_r(NULL, ",", &save)) {
		char *end;
		errno = 0;
		if (!strncmp(o, "size=", 5)) {
			unsigned long long v = strtoull(o + 5, &end, 10);
			int shift = *end == 'k' || *end == 'K' ? 10 : *end == 'm' || *end == 'M' ? 20 :
				    *end == 'g' || *end == 'G' ? 30 : 0;
			if (shift)
				end++;
			if (*end == '%')   /* of RAM: the default limit */
				v = 0, end++;
			if (errno || end == o + 5 || *end || v > (~0ULL >> shift))
				rc = -EINVAL;
			km->size = v << shift;
		} else if (!strncmp(o, "mode=", 5)) {
			unsigned long v = strtoul(o + 5, &end, 8);
			if (errno || end == o + 5 || *end || v > 07777)
				rc = -EINVAL;
			km->mode = (int)v;
		}
	}
	if (rc)
		snprintf(err, errlen, "tmpfs on %s: invalid option in \"%s\"", km->dest, data);
	free(copy);
	return rc;
}

/* The bind source as a tree of the gofer; km->name set for a source file. */
static int bind_source(struct sandbox_mounts *sm, const struct oci_mount *m, struct kernel_mount *km,
		       char *err, size_t errlen)
{
	struct stat st;
	if (stat(m->source, &st) < 0) {
		snprintf(err, errlen, "mount %s: source %s: %s", m->destination, m->source, strerror(errno));
		return -1;
	}
	if (sm->ntrees == SANDBOX_MAX_TREES) {
		snprintf(err, errlen, "mount %s: more than %d bind mounts", m->destination, SANDBOX_MAX_TREES);
		return -1;
	}
	char *dir = strdup(m->source);
	if (!dir) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		char *slash = strrchr(dir, '/');
		km->name = m->source + (slash - dir) + 1;
		if (slash == dir)
			slash[1] = 0;
		else
			*slash = 0;
	}
	km->readonly = m->flags & MS_RDONLY;
	sm->tree_mount[sm->ntrees] = sm->n;
	sm->trees[sm->ntrees++] = (struct sandbox_tree){ .path = dir, .readonly = km->readonly };
	return 0;
}

/* The container's one gofer: the root read-only (the sentry's overlay
 * keeps the guest's changes) and every bind source. */
static int start_gofer(struct sandbox_mounts *sm, const struct oci_config *c, const char *id,
		       char *err, size_t errlen)
{
	int fds[SANDBOX_MAX_TREES + 1];
	int e = sandbox_start_gofer_trees(id, c->root_path, true, sm->trees, sm->ntrees, c, &sm->gofer, fds);
	if (e < 0) {
		snprintf(err, errlen, "cannot start the gofer: %s", strerror(-e));
		return -1;
	}
	sm->root_fd = fds[0];
	for (int k = 0; k < sm->ntrees; k++)
		sm->v[sm->tree_mount[k]].gofer_fd = fds[1 + k];
	return 0;
}

int sandbox_mounts_prepare(struct sandbox_mounts *sm, const struct oci_config *c, const char *id,
			   char *err, size_t errlen)
{
	size_t max = c->n_mounts + c->masked_paths.n + c->readonly_paths.n;
	memset(sm, 0, sizeof(*sm));
	sm->root_fd = -1;
	sm->gofer = -1;
	sm->v = calloc(max ? max : 1, sizeof(*sm->v));
	if (!sm->v) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct oci_mount *m = &c->mounts[i];
		const char *type = m->type ? m->type : "bind";
		struct kernel_mount km = { .dest = m->destination, .flags = mnt_flags(m->flags),
					   .source = m->source ? m->source : type, .mode = -1, .gofer_fd = -1 };
		if ((m->flags & MS_BIND) || !strcmp(type, "bind")) {
			km.kind = KMOUNT_BIND;
			if (bind_source(sm, m, &km, err, errlen) < 0)
				return -1;
		} else if (!strcmp(type, "tmpfs")) {
			if (!strcmp(m->destination, "/dev"))
				continue;
			km.kind = KMOUNT_TMPFS;
			if (tmpfs_options(m->data, &km, err, errlen) < 0)
				return -1;
		} else if (!strcmp(type, "proc")) {
			if (!strcmp(m->destination, "/proc"))
				continue;
			km.kind = KMOUNT_PROC;
		} else if (!strcmp(type, "sysfs")) {
			if (!strcmp(m->destination, "/sys"))
				continue;
			km.kind = KMOUNT_SYSFS;
		} else if (!strcmp(type, "devpts") || !strcmp(type, "mqueue") ||
			   !strcmp(type, "cgroup") || !strcmp(type, "cgroup2")) {
			continue;
		} else {
			snprintf(err, errlen, "mount %s: type %.64s is not supported", m->destination, type);
			return -1;
		}
		sm->v[sm->n++] = km;
	}
	for (size_t i = 0; i < c->masked_paths.n; i++)
		sm->v[sm->n++] = (struct kernel_mount){ .kind = KMOUNT_MASK, .dest = c->masked_paths.v[i],
							.source = "tmpfs", .mode = -1, .gofer_fd = -1 };
	for (size_t i = 0; i < c->readonly_paths.n; i++)
		sm->v[sm->n++] = (struct kernel_mount){ .kind = KMOUNT_RDONLY, .dest = c->readonly_paths.v[i],
							.mode = -1, .gofer_fd = -1 };
	return start_gofer(sm, c, id, err, errlen);
}

void sandbox_mounts_release(struct sandbox_mounts *sm)
{
	for (int i = 0; i < sm->n; i++)
		if (sm->v[i].gofer_fd >= 0)
			close(sm->v[i].gofer_fd);
	if (sm->root_fd >= 0)
		close(sm->root_fd);
	if (sm->gofer > 0) {
		kill(sm->gofer, SIGKILL);
		waitpid(sm->gofer, NULL, 0);
	}
	for (int k = 0; k < sm->ntrees; k++)
		free((char *)sm->trees[k].path);
	free(sm->v);
	memset(sm, 0, sizeof(*sm));
	sm->root_fd = -1;
}
