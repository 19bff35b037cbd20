/* `cvisor features`: what this runtime understands, in runc's format
 * (runtime-spec features.md). Built from the parser's own name tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <seccomp.h>
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/config.h"
#include "runsc-cli/oci/errlog.h"
#include "runsc-cli/oci/names.h"
#include "runsc-cli/oci/spec.h"

static json_t *names(const char *const *table, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(table[i]));
	return a;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The flag options plus runc's "tmpcopyup" extension, sorted like runc. */
static json_t *mount_options(void)
{
	const char *all[oci_mount_opts_count + 1];
	for (size_t i = 0; i < oci_mount_opts_count; i++)
		all[i] = oci_mount_opts[i].name;
	all[oci_mount_opts_count] = "tmpcopyup";
	qsort(all, oci_mount_opts_count + 1, sizeof(all[0]), cmp_str);
	return names(all, oci_mount_opts_count + 1);
}

int cmd_features(struct global_opts *g, int argc, char **argv)
{
	if (argc != 1) {
		cli_error("features: takes no arguments");
		return 2;
	}
	const struct scmp_version *v = seccomp_version();
	char scmp[48];
	snprintf(scmp, sizeof(scmp), "%u.%u.%u", v->major, v->minor, v->micro);
	json_t *f = json_pack(
		"{s:s, s:s, s:o, s:o, s:{s:o, s:o, s:{s:b, s:b, s:b, s:b}, s:{s:b, s:o, s:o, s:o}},"
		" s:{s:s, s:s}}",
		"ociVersionMin", "1.0.0",
		"ociVersionMax", OCI_SPEC_VERSION,
		"hooks", names(oci_hook_names, OCI_HOOK_KINDS),
		"mountOptions", mount_options(),
		"linux",
		"namespaces", names(oci_ns_names, OCI_NS_COUNT),
		"capabilities", names(oci_cap_names, OCI_CAP_LAST + 1),
		/* cgroupsPath in systemd's form is placed, systemd is never asked */
		"cgroup", "v1", 1, "v2", 1, "systemd", 0, "systemdUser", 0,
		"seccomp", "enabled", 1,
		"actions", names(oci_seccomp_action_names, OCI_SCMP_ACTION_COUNT),
		"operators", names(oci_seccomp_op_names, OCI_SCMP_OP_COUNT),
		"archs", names(oci_seccomp_arch_names, OCI_SCMP_ARCH_COUNT),
		"annotations",
		"io.github.seccomp.libseccomp.version", scmp,
		"dev.cvisor.version", CVISOR_VERSION);
	char *text = f ? json_dumps(f, JSON_INDENT(4)) : NULL;
	json_decref(f);
	if (!text) {
		cli_error("features: out of memory");
		return 1;
	}
	printf("%s\n", text);
	free(text);
	return 0;
}
