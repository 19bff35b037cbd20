/* /proc/self/mountinfo, /proc/self/mounts (and /proc/mounts), mountstats:
 * every line parses as Linux's format, the root line is there, ids and
 * parent ids are consistent, /proc is a proc mount, and the three files
 * list the same mount points. */
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "procfs_util.h"

#define MAX_MOUNTS 512

static char buf[1 << 18];
static char points[MAX_MOUNTS][256];
static int ids[MAX_MOUNTS], parents[MAX_MOUNTS], nmounts;

static void check_mountinfo(void)
{
	bool root = false, proc = false;
	char *line, *next;

	CHECK(read_file("/proc/self/mountinfo", buf, sizeof(buf)) > 0, "mountinfo");
	for (line = buf; *line; line = next) {
		char fsroot[256], mp[256], opts[256], fstype[64], source[256], sopts[512];
		unsigned maj, min;
		int used = 0;
		char *dash;

		next = strchr(line, '\n');
		CHECK(next, "unterminated line %s", line);
		*next++ = 0;
		CHECK(nmounts < MAX_MOUNTS, "too many mounts");
		CHECK(sscanf(line, "%d %d %u:%u %255s %255s %255s%n", &ids[nmounts], &parents[nmounts], &maj,
			     &min, fsroot, mp, opts, &used) == 7, "line %s", line);
		/* optional fields ("shared:N" ...), then " - " */
		dash = strstr(line + used, " - ");
		CHECK(dash, "no separator: %s", line);
		for (char *p = line + used; p < dash; p++)
			CHECK(*p != '-', "%s", line);
		CHECK(sscanf(dash + 3, "%63s %255s %511s", fstype, source, sopts) == 3, "tail of %s", line);
		CHECK(fsroot[0] == '/' && mp[0] == '/', "paths of %s", line);
		CHECK(!strncmp(opts, "rw", 2) || !strncmp(opts, "ro", 2), "options %s", opts);
		CHECK(!strncmp(sopts, "rw", 2) || !strncmp(sopts, "ro", 2), "super options %s", sopts);
		root |= !strcmp(mp, "/");
		proc |= !strcmp(mp, "/proc") && !strcmp(fstype, "proc");
		strcpy(points[nmounts++], mp);
	}
	CHECK(root && proc, "root line %d, proc line %d", root, proc);
	/* every parent is listed, except the root's (outside the sandbox) */
	for (int i = 0; i < nmounts; i++) {
		bool found = false;
		for (int j = 0; j < nmounts; j++) {
			found |= ids[j] == parents[i] && j != i;
			CHECK(j >= i || ids[i] != ids[j], "duplicate id %d", ids[i]);
		}
		CHECK(found || !strcmp(points[i], "/"), "parent %d of %s not listed", parents[i], points[i]);
	}
	printf("ok mountinfo\n");
}

/* The other files list the same mount points, in the same order. */
static void check_same_points(const char *path, const char *fmt)
{
	int n = 0;

	CHECK(read_file(path, buf, sizeof(buf)) > 0, "%s", path);
	for (char *line = buf, *next; *line; line = next) {
		char mp[256];

		next = strchr(line, '\n');
		CHECK(next, "%s: unterminated", path);
		*next++ = 0;
		CHECK(sscanf(line, fmt, mp) == 1, "%s: %s", path, line);
		CHECK(n < nmounts && !strcmp(mp, points[n]), "%s: %s, mountinfo %s", path, mp, points[n]);
		n++;
	}
	CHECK(n == nmounts, "%s: %d mounts, mountinfo %d", path, n, nmounts);
}

int main(void)
{
	struct stat st;

	check_mountinfo();
	check_same_points("/proc/self/mounts", "%*s %255s %*s %*s 0 0");
	check_same_points("/proc/mounts", "%*s %255s %*s %*s 0 0");
	check_same_points("/proc/self/mountstats", "device %*s mounted on %255s with fstype %*s");
	printf("ok mounts mountstats\n");
	CHECK(lstat("/proc/mounts", &st) == 0 && S_ISLNK(st.st_mode), "/proc/mounts is a link");
	return 0;
}
