/* The default config.json (see spec.h). */
#include <stdlib.h>
#include <string.h>
#include "runsc-cli/oci/spec.h"

static const char default_spec[] =
"{\"ociVersion\": \"" OCI_SPEC_VERSION "\","
" \"process\": {\"terminal\": true, \"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"sh\"],"
"  \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", \"TERM=xterm\"],"
"  \"cwd\": \"/\","
"  \"capabilities\": {"
"   \"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
"   \"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
"   \"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
"   \"ambient\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]},"
"  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}],"
"  \"noNewPrivileges\": true},"
" \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
" \"hostname\": \"cvisor\","
" \"mounts\": ["
"  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
"  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
"   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
"  {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\","
"   \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\", \"gid=5\"]},"
"  {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\","
"   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},"
"  {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\","
"   \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},"
"  {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\","
"   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},"
"  {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\","
"   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}],"
" \"linux\": {"
"  \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},"
"  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"},"
"   {\"type\": \"uts\"}, {\"type\": \"mount\"}, {\"type\": \"cgroup\"}],"
"  \"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\","
"   \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\", \"/proc/sched_debug\","
"   \"/sys/firmware\", \"/proc/scsi\"],"
"  \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\","
"   \"/proc/sysrq-trigger\"]}}";

static void make_rootless(json_t *spec, uid_t uid, gid_t gid)
{
	json_t *linux_obj = json_object_get(spec, "linux");
	json_t *nss = json_object_get(linux_obj, "namespaces");
	for (size_t i = json_array_size(nss); i-- > 0;) {
		const char *t = json_string_value(json_object_get(json_array_get(nss, i), "type"));
		if (t && (!strcmp(t, "network") || !strcmp(t, "user")))
			json_array_remove(nss, i);
	}
	json_array_append_new(nss, json_pack("{s:s}", "type", "user"));
	json_object_set_new(linux_obj, "uidMappings",
			    json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
				      (json_int_t)uid, "size", 1));
	json_object_set_new(linux_obj, "gidMappings",
			    json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
				      (json_int_t)gid, "size", 1));
	json_object_del(linux_obj, "resources");

	json_t *mounts = json_object_get(spec, "mounts");
	size_t i;
	json_t *m;
	json_array_foreach(mounts, i, m) {
		if (!strcmp(json_string_value(json_object_get(m, "destination")), "/sys")) {
			json_array_set_new(mounts, i,
				json_pack("{s:s, s:s, s:s, s:[s,s,s,s,s]}", "destination", "/sys",
					  "type", "none", "source", "/sys", "options",
					  "rbind", "nosuid", "noexec", "nodev", "ro"));
			continue;
		}
		json_t *opts = json_object_get(m, "options");
		for (size_t k = json_array_size(opts); k-- > 0;) {
			const char *o = json_string_value(json_array_get(opts, k));
			if (!strncmp(o, "uid=", 4) || !strncmp(o, "gid=", 4))
				json_array_remove(opts, k);
		}
	}
}

json_t *oci_default_spec(bool rootless, uid_t uid, gid_t gid)
{
	json_t *spec = json_loads(default_spec, 0, NULL);
	if (spec && rootless)
		make_rootless(spec, uid, gid);
	return spec;
}

char *oci_spec_dump(json_t *spec)
{
	/* jansson indents with spaces only: indent by one and turn the leading
	 * spaces of each line into tabs (strings never hold a raw newline). */
	char *text = json_dumps(spec, JSON_INDENT(1));
	if (!text)
		return NULL;
	size_t n = strlen(text);
	char *out = malloc(n + 2);
	if (!out) {
		free(text);
		return NULL;
	}
	size_t o = 0;
	bool bol = true;
	for (size_t i = 0; i < n; i++) {
		char ch = text[i];
		out[o++] = bol && ch == ' ' ? '\t' : ch;
		bol = (bol && ch == ' ') || ch == '\n';
	}
	out[o++] = '\n';
	out[o] = 0;
	free(text);
	return out;
}
