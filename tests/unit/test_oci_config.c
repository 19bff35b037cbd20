/* unit_oci: config.json parsing and validation (fixtures in oci_configs/),
 * the default spec, the container state store and the error log. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "runsc-cli/oci/config.h"
#include "runsc-cli/oci/errlog.h"
#include "runsc-cli/oci/names.h"
#include "runsc-cli/oci/spec.h"
#include "runsc-cli/oci/state.h"

static char *read_fixture(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", OCI_CONFIGS_DIR, name);
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "fixture %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc(n + 1);
	cr_assert_eq(fread(buf, 1, n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	*len = n;
	return buf;
}

static struct oci_config *parse_fixture(const char *name, char *err, size_t errlen)
{
	size_t len;
	char *buf = read_fixture(name, &len);
	struct oci_config *c = oci_config_parse(buf, len, "/bundle", "config.json", err, errlen);
	free(buf);
	return c;
}

/* ---- broken configs: each gives exactly one line ------------------------- */

static const struct {
	const char *file, *error;
} broken[] = {
	{ "bad_json.json", "config.json: invalid JSON at line 2 column 29: string or '}' expected near '}'" },
	{ "empty.json", "config.json: invalid JSON at line 1 column 0: '[' or '{' expected near end of file" },
	{ "not_object.json", "config.json: must be a JSON object" },
	{ "missing_oci_version.json", "config.json: ociVersion: missing" },
	{ "unsupported_version.json", "config.json: ociVersion: unsupported version \"2.0.0\" (want 1.x)" },
	{ "missing_root.json", "config.json: root: missing" },
	{ "missing_root_path.json", "config.json: root.path: missing" },
	{ "relative_cwd.json", "config.json: process.cwd: must be an absolute path" },
	{ "empty_args.json", "config.json: process.args: must be a non-empty array of strings" },
	{ "args_not_strings.json", "config.json: process.args: must be a non-empty array of strings" },
	{ "process_not_object.json", "config.json: process: must be an object" },
	{ "unknown_namespace.json", "config.json: linux.namespaces[1].type: unknown namespace type \"bogus\"" },
	{ "duplicate_namespace.json", "config.json: linux.namespaces[1].type: duplicate namespace \"pid\"" },
	{ "negative_memory.json", "config.json: linux.resources.memory.limit: must be -1 (unlimited) or a non-negative integer" },
	{ "negative_pids.json", "config.json: linux.resources.pids.limit: must be -1 (unlimited) or a non-negative integer" },
	{ "bad_cpu_period.json", "config.json: linux.resources.cpu.period: must be between 1000 and 1000000 microseconds" },
	{ "bad_capability.json", "config.json: process.capabilities.bounding: unknown capability \"CAP_FLY\"" },
	{ "relative_mount.json", "config.json: mounts[1].destination: must be an absolute path" },
	{ "bad_rlimit.json", "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_BOGUS\"" },
	{ "rlimit_soft_above_hard.json", "config.json: process.rlimits[0]: soft limit is greater than hard limit" },
	{ "rlimit_too_big.json", "config.json: invalid JSON at line 1 column 161: too big integer" },
	{ "uid_mapping_overflow.json", "config.json: linux.uidMappings[0]: range overflows 32-bit ids" },
	{ "overlapping_uid_mapping.json", "config.json: linux.uidMappings[1]: range overlaps linux.uidMappings[0]" },
	{ "host_sysctl.json", "config.json: linux.sysctl: sysctl \"vm.swappiness\" is not in a separate kernel namespace" },
	{ "hostname_sysctl.json", "config.json: linux.sysctl: sysctl \"kernel.hostname\" is not allowed as it conflicts with the OCI \"hostname\" field" },
	{ "bad_blkio_weight.json", "config.json: linux.resources.blockIO.weight: must be between 10 and 1000" },
	{ "mapping_without_userns.json", "config.json: linux.uidMappings: requires a user namespace in linux.namespaces" },
	{ "relative_hook.json", "config.json: hooks.prestart[0].path: must be an absolute path" },
	{ "zero_hook_timeout.json", "config.json: hooks.poststop[0].timeout: must be between 1 and 2147483647" },
	{ "bad_seccomp_action.json", "config.json: linux.seccomp.defaultAction: unknown action \"SCMP_ACT_EXPLODE\"" },
	{ "bad_seccomp_arg.json", "config.json: linux.seccomp.syscalls[0].args[0].index: must be between 0 and 5" },
	{ "bad_oom_score.json", "config.json: process.oomScoreAdj: must be between -1000 and 1000" },
	{ "hostname_not_string.json", "config.json: hostname: must be a string" },
	{ "annotation_not_string.json", "config.json: annotations[\"a\"]: must be a string" },
	{ "negative_uid.json", "config.json: process.user.uid: must be between 0 and 4294967295" },
	{ "control_chars.json", "config.json: linux.namespaces[0].type: unknown namespace type \"a?b\"" },
	{ "deep_nesting.json", "config.json: invalid JSON at line 1 column 2161: maximum parsing depth reached near '['" },
};

Test(oci_config, broken_configs)
{
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		char err[512] = "";
		struct oci_config *c = parse_fixture(broken[i].file, err, sizeof(err));
		cr_expect_null(c, "%s parsed", broken[i].file);
		oci_config_free(c);
		cr_expect_str_eq(err, broken[i].error, "%s: %s", broken[i].file, err);
		cr_expect_null(strchr(err, '\n'), "%s: one line", broken[i].file);
	}
}

/* ---- bounds ---------------------------------------------------------------- */

static const char head[] =
	"{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, "
	"\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"}, ";

static char *parse_err(const char *text)
{
	static char err[512];
	err[0] = 0;
	struct oci_config *c = oci_config_parse(text, strlen(text), "/b", "config.json",
						err, sizeof(err));
	cr_assert_null(c, "parsed: %.200s", text);
	return err;
}

Test(oci_config, huge_string)
{
	size_t n = 70 * 1024;
	char *s = malloc(n + 256);
	int o = sprintf(s, "%s\"hostname\": \"", head);
	memset(s + o, 'a', n);
	strcpy(s + o + n, "\"}");
	cr_assert_str_eq(parse_err(s), "config.json: hostname: longer than 65536 bytes");
	free(s);
}

Test(oci_config, too_many_mounts)
{
	size_t cap = 1100 * 64;
	char *s = malloc(cap);
	size_t o = sprintf(s, "%s\"mounts\": [", head);
	for (int i = 0; i < 1025; i++)
		o += sprintf(s + o, "%s{\"destination\": \"/m%d\"}", i ? "," : "", i);
	strcpy(s + o, "]}");
	cr_assert_str_eq(parse_err(s), "config.json: mounts: more than 1024 entries");
	free(s);
}

/* Every field of every section with a wrong type: an error, never a crash. */
Test(oci_config, wrong_types_everywhere)
{
	static const char *const bad[] = {
		"\"ociVersion\": 1", "\"root\": []", "\"root\": {\"path\": {}}",
		"\"root\": {\"path\": \"r\", \"readonly\": \"yes\"}",
		"\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"terminal\": 1}",
		"\"process\": {\"args\": \"sh\", \"cwd\": \"/\"}",
		"\"process\": {\"args\": [\"sh\"], \"cwd\": 5}",
		"\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"env\": [1]}",
		"\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": []}",
		"\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"additionalGids\": [\"x\"]}}",
		"\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"consoleSize\": {\"height\": 1.5}}",
		"\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"capabilities\": {\"effective\": [7]}}",
		"\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_CPU\"}]}",
		"\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"rlimits\": {}}",
		"\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"noNewPrivileges\": 0}",
		"\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"umask\": 1, \"user\": {\"umask\": 4096}}",
		"\"mounts\": {}", "\"mounts\": [5]", "\"mounts\": [{\"destination\": \"/x\", \"options\": \"ro\"}]",
		"\"mounts\": [{\"destination\": \"/x\", \"type\": \"bind\"}]",
		"\"hooks\": []", "\"hooks\": {\"prestart\": {}}", "\"hooks\": {\"prestart\": [{\"args\": []}]}",
		"\"annotations\": []", "\"linux\": 3", "\"linux\": {\"namespaces\": {}}",
		"\"linux\": {\"namespaces\": [{\"type\": \"pid\", \"path\": \"rel\"}]}",
		"\"linux\": {\"uidMappings\": [{\"containerID\": 0}]}",
		"\"linux\": {\"namespaces\": [{\"type\": \"user\"}], \"gidMappings\": [{\"containerID\": 0, \"hostID\": 0, \"size\": 0}]}",
		"\"linux\": {\"resources\": {\"memory\": {\"limit\": \"1G\"}}}",
		"\"linux\": {\"resources\": {\"memory\": {\"limit\": 100, \"swap\": 50}}}",
		"\"linux\": {\"resources\": {\"cpu\": {\"shares\": -1}}}",
		"\"linux\": {\"resources\": {\"cpu\": {\"quota\": 10}}}",
		"\"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"3-1\"}}}",
		"\"linux\": {\"resources\": {\"pids\": {}}}",
		"\"linux\": {\"sysctl\": {\"a\": 1}}",
		"\"linux\": {\"seccomp\": {}}",
		"\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 1}}",
		"\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_Z80\"]}}",
		"\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": []}]}}",
		"\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"x\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_ABOUT\"}]}]}}",
		"\"linux\": {\"maskedPaths\": [\"proc\"]}",
		"\"linux\": {\"readonlyPaths\": \"x\"}",
		"\"hostname\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
		"\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": \"\\u0001u64:5\"}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[2048];
		/* The entry replaces the process object when it defines one. */
		const char *h = strstr(bad[i], "\"process\"") ? "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, "
							      : head;
		if (!strncmp(bad[i], "\"ociVersion\"", 12) || !strncmp(bad[i], "\"root\"", 6))
			snprintf(text, sizeof(text), "{\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"}, "
				 "%s%s}", strncmp(bad[i], "\"root\"", 6) ? "\"root\": {\"path\": \"r\"}, "
									: "\"ociVersion\": \"1.0.0\", ",
				 bad[i]);
		else
			snprintf(text, sizeof(text), "%s%s}", h, bad[i]);
		char *err = parse_err(text);
		cr_expect(!strncmp(err, "config.json: ", 13) && !strchr(err, '\n'), "%s -> %s", bad[i], err);
	}
}

/* ---- valid configs ----------------------------------------------------------- */

static void check_runc_defaults(struct oci_config *c, const char *hostname)
{
	uint64_t caps = 1ull << 29 | 1ull << 5 | 1ull << 10;   /* AUDIT_WRITE, KILL, NET_BIND_SERVICE */
	cr_assert_str_eq(c->bundle, "/bundle");
	cr_assert_str_eq(c->root_path, "/bundle/rootfs");
	cr_assert(c->root_readonly);
	cr_assert_str_eq(c->hostname, hostname);
	cr_assert_null(c->domainname);
	struct oci_process *p = &c->process;
	cr_assert(p->terminal);
	cr_assert_eq(p->user.uid, 0);
	cr_assert_eq(p->args.n, 1);
	cr_assert_str_eq(p->args.v[0], "sh");
	cr_assert_null(p->args.v[1]);
	cr_assert_eq(p->env.n, 2);
	cr_assert_str_eq(p->env.v[1], "TERM=xterm");
	cr_assert_str_eq(p->cwd, "/");
	cr_assert(p->has_caps);
	cr_assert_eq(p->caps.bounding, caps);
	cr_assert_eq(p->caps.effective, caps);
	cr_assert_eq(p->caps.permitted, caps);
	cr_assert_eq(p->caps.ambient, caps);
	cr_assert_eq(p->caps.inheritable, 0);
	cr_assert_eq(p->n_rlimits, 1);
	cr_assert_eq(p->rlimits[0].type, RLIMIT_NOFILE);
	cr_assert_eq(p->rlimits[0].hard, 1024);
	cr_assert_eq(p->rlimits[0].soft, 1024);
	cr_assert(p->no_new_privileges);
	cr_assert(!p->has_oom_score_adj);

	cr_assert_eq(c->n_mounts, 7);
	cr_assert_str_eq(c->mounts[0].destination, "/proc");
	cr_assert_str_eq(c->mounts[0].type, "proc");
	cr_assert_eq(c->mounts[0].flags, 0);
	cr_assert_null(c->mounts[0].data);
	cr_assert_str_eq(c->mounts[1].destination, "/dev");
	cr_assert_eq(c->mounts[1].flags, MS_NOSUID | MS_STRICTATIME);
	cr_assert_str_eq(c->mounts[1].data, "mode=755,size=65536k");
	cr_assert_eq(c->mounts[2].flags, MS_NOSUID | MS_NOEXEC);
	cr_assert_str_eq(c->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	cr_assert_eq(c->mounts[5].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
	cr_assert_eq(c->mounts[6].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);
	cr_assert_eq(c->mounts[6].options.n, 5);

	cr_assert_eq(c->n_namespaces, 6);
	cr_assert_eq(c->namespaces[0].type, OCI_NS_PID);
	cr_assert_eq(c->namespaces[1].type, OCI_NS_NETWORK);
	cr_assert_eq(c->namespaces[5].type, OCI_NS_CGROUP);
	cr_assert_null(c->namespaces[1].path);
	cr_assert_not_null(oci_config_namespace(c, OCI_NS_MOUNT));
	cr_assert_null(oci_config_namespace(c, OCI_NS_USER));
	cr_assert(c->has_resources);
	cr_assert(!c->resources.has_memory_limit && !c->resources.has_pids_limit);
	cr_assert_eq(c->masked_paths.n, 10);
	cr_assert_str_eq(c->masked_paths.v[9], "/proc/scsi");
	cr_assert_eq(c->readonly_paths.n, 5);
	cr_assert_str_eq(c->readonly_paths.v[4], "/proc/sysrq-trigger");
	cr_assert_null(c->seccomp);
	cr_assert_eq(c->n_annotations, 0);
	for (int k = 0; k < OCI_HOOK_KINDS; k++)
		cr_assert_eq(c->hooks[k].n, 0);
}

Test(oci_config, runc_spec_fixture)
{
	char err[512] = "";
	struct oci_config *c = parse_fixture("runc_spec.json", err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	cr_assert_str_eq(c->oci_version, "1.0.2-dev");
	check_runc_defaults(c, "runc");
	oci_config_free(c);
}

Test(oci_config, full_fixture)
{
	char err[512] = "";
	struct oci_config *c = parse_fixture("full.json", err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	cr_assert_str_eq(c->oci_version, "1.1.0");
	cr_assert_str_eq(c->root_path, "/images/x/rootfs");
	cr_assert(!c->root_readonly);
	cr_assert_str_eq(c->hostname, "box");
	cr_assert_str_eq(c->domainname, "example.org");

	struct oci_process *p = &c->process;
	cr_assert(!p->terminal);
	cr_assert(p->has_console_size);
	cr_assert_eq(p->console_height, 25);
	cr_assert_eq(p->console_width, 80);
	cr_assert_eq(p->user.uid, 1000);
	cr_assert_eq(p->user.gid, 1001);
	cr_assert(p->user.has_umask);
	cr_assert_eq(p->user.umask, 022);
	cr_assert_eq(p->user.n_additional_gids, 3);
	cr_assert_eq(p->user.additional_gids[2], 7);
	cr_assert_eq(p->args.n, 3);
	cr_assert_str_eq(p->args.v[2], "two words");
	cr_assert_eq(p->env.n, 2);
	cr_assert_str_eq(p->cwd, "/work");
	cr_assert_eq(p->caps.bounding, 1ull << 0 | 1ull << 21 | 1ull << 40);
	cr_assert_eq(p->caps.effective, 1ull << 0);
	cr_assert_eq(p->caps.inheritable, 1ull << 5);
	cr_assert_eq(p->caps.permitted, 1ull << 0 | 1ull << 5);
	cr_assert_eq(p->caps.ambient, 0);
	cr_assert_eq(p->n_rlimits, 3);
	cr_assert_eq(p->rlimits[0].type, RLIMIT_NOFILE);
	cr_assert_eq(p->rlimits[0].hard, 4096);
	cr_assert_eq(p->rlimits[0].soft, 1024);
	cr_assert_eq(p->rlimits[1].type, RLIMIT_CORE);
	cr_assert_eq(p->rlimits[1].hard, UINT64_MAX);
	cr_assert_eq(p->rlimits[1].soft, UINT64_MAX);
	cr_assert_eq(p->rlimits[2].type, RLIMIT_RTTIME);
	cr_assert_eq(p->rlimits[2].hard, 9223372036854775808ull);
	cr_assert(p->no_new_privileges);
	cr_assert(p->has_oom_score_adj);
	cr_assert_eq(p->oom_score_adj, -500);

	cr_assert_eq(c->n_mounts, 4);
	struct oci_mount *m = c->mounts;
	cr_assert_str_eq(m[0].source, "/bundle/data");
	cr_assert_eq(m[0].flags, MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID);
	cr_assert_eq(m[0].propagation, MS_PRIVATE | MS_REC);
	cr_assert_null(m[0].data);
	cr_assert_eq(m[1].flags, MS_NOSUID | MS_NODEV | MS_NOEXEC);
	cr_assert_str_eq(m[1].data, "mode=1777,size=64m");
	cr_assert(m[1].tmpcopyup);
	cr_assert_null(m[2].type);
	cr_assert_str_eq(m[2].source, "/var/lib/hosts");
	cr_assert_eq(m[2].flags, MS_BIND);
	cr_assert_str_eq(m[3].destination, "/run");
	cr_assert_null(m[3].source);
	cr_assert_eq(m[3].options.n, 0);

	cr_assert_eq(c->hooks[OCI_HOOK_PRESTART].n, 1);
	struct oci_hook *h = &c->hooks[OCI_HOOK_PRESTART].v[0];
	cr_assert_str_eq(h->path, "/usr/bin/pre");
	cr_assert_eq(h->args.n, 2);
	cr_assert_str_eq(h->env.v[0], "K=V");
	cr_assert(h->has_timeout);
	cr_assert_eq(h->timeout, 5);
	cr_assert_str_eq(c->hooks[OCI_HOOK_CREATE_RUNTIME].v[0].path, "/cr");
	cr_assert_str_eq(c->hooks[OCI_HOOK_CREATE_CONTAINER].v[0].path, "/cc");
	cr_assert_str_eq(c->hooks[OCI_HOOK_START_CONTAINER].v[0].path, "/sc");
	cr_assert_eq(c->hooks[OCI_HOOK_POSTSTART].n, 2);
	cr_assert_str_eq(c->hooks[OCI_HOOK_POSTSTART].v[1].path, "/ps2");
	cr_assert_eq(c->hooks[OCI_HOOK_POSTSTOP].v[0].timeout, 1);

	cr_assert_eq(c->n_annotations, 2);
	cr_assert_str_eq(oci_config_annotation(c, "io.kubernetes.cri.container-type"), "sandbox");
	cr_assert_str_eq(oci_config_annotation(c, "io.kubernetes.cri.sandbox-id"), "abc");
	cr_assert_null(oci_config_annotation(c, "nope"));

	cr_assert_eq(c->n_namespaces, 8);
	cr_assert_str_eq(oci_config_namespace(c, OCI_NS_NETWORK)->path, "/proc/123/ns/net");
	cr_assert_not_null(oci_config_namespace(c, OCI_NS_TIME));
	cr_assert_eq(c->n_uid_mappings, 1);
	cr_assert_eq(c->uid_mappings[0].host_id, 100000);
	cr_assert_eq(c->uid_mappings[0].size, 65536);
	cr_assert_eq(c->n_gid_mappings, 2);
	cr_assert_eq(c->gid_mappings[1].container_id, 65536);

	struct oci_resources *r = &c->resources;
	cr_assert(r->has_memory_limit && r->memory_limit == 536870912);
	cr_assert(r->has_memory_reservation && r->memory_reservation == 268435456);
	cr_assert(r->has_memory_swap && r->memory_swap == -1);
	cr_assert(r->has_cpu_shares && r->cpu_shares == 512);
	cr_assert(r->has_cpu_quota && r->cpu_quota == 50000);
	cr_assert(r->has_cpu_period && r->cpu_period == 100000);
	cr_assert_str_eq(r->cpus, "0-3,5");
	cr_assert_str_eq(r->mems, "0");
	cr_assert(r->has_pids_limit && r->pids_limit == 100);
	cr_assert(r->has_blkio_weight && r->blkio_weight == 300);
	cr_assert_str_eq(c->cgroups_path, "/machine/full");

	cr_assert_eq(c->n_sysctl, 2);
	cr_assert_str_eq(c->sysctl[0].key, "net.ipv4.ip_forward");
	cr_assert_str_eq(c->sysctl[0].value, "1");

	struct oci_seccomp *s = c->seccomp;
	cr_assert_not_null(s);
	cr_assert_eq(s->default_action, OCI_SCMP_ERRNO);
	cr_assert(s->has_default_errno_ret && s->default_errno_ret == 1);
	cr_assert_eq(s->n_archs, 2);
	cr_assert_str_eq(oci_seccomp_arch_names[s->archs[0]], "SCMP_ARCH_X86_64");
	cr_assert_eq(s->n_rules, 3);
	cr_assert_eq(s->rules[0].names.n, 2);
	cr_assert_str_eq(s->rules[0].names.v[1], "write");
	cr_assert_eq(s->rules[0].action, OCI_SCMP_ALLOW);
	cr_assert_eq(s->rules[1].n_args, 2);
	cr_assert_eq(s->rules[1].args[0].value, 4294967295ull);
	cr_assert_eq(s->rules[1].args[0].op, OCI_SCMP_CMP_EQ);
	cr_assert_eq(s->rules[1].args[1].index, 1);
	cr_assert_eq(s->rules[1].args[1].value, UINT64_MAX);
	cr_assert_eq(s->rules[1].args[1].value_two, 3);
	cr_assert_eq(s->rules[1].args[1].op, OCI_SCMP_CMP_MASKED_EQ);
	cr_assert_eq(s->rules[2].action, OCI_SCMP_ERRNO);
	cr_assert(s->rules[2].has_errno_ret && s->rules[2].errno_ret == 38);

	cr_assert_eq(c->masked_paths.n, 1);
	cr_assert_eq(c->readonly_paths.n, 2);
	oci_config_free(c);
}

Test(oci_config, default_spec_parses)
{
	for (int rootless = 0; rootless < 2; rootless++) {
		json_t *spec = oci_default_spec(rootless, 1234, 5678);
		cr_assert_not_null(spec);
		char *text = oci_spec_dump(spec);
		json_decref(spec);
		cr_assert(!strncmp(text, "{\n\t\"ociVersion\": \"" OCI_SPEC_VERSION "\",\n\t\"process\": {\n\t\t",
				   strlen("{\n\t\"ociVersion\": \"" OCI_SPEC_VERSION "\",\n\t\"process\": {\n\t\t")),
			  "%.80s", text);
		char err[512] = "";
		struct oci_config *c = oci_config_parse(text, strlen(text), "/bundle", "config.json",
							err, sizeof(err));
		free(text);
		cr_assert_not_null(c, "%s", err);
		if (!rootless) {
			check_runc_defaults(c, "cvisor");
		} else {
			cr_assert_null(oci_config_namespace(c, OCI_NS_NETWORK));
			cr_assert_not_null(oci_config_namespace(c, OCI_NS_USER));
			cr_assert_eq(c->n_uid_mappings, 1);
			cr_assert_eq(c->uid_mappings[0].host_id, 1234);
			cr_assert_eq(c->gid_mappings[0].host_id, 5678);
			cr_assert(!c->has_resources);
			cr_assert_str_eq(c->mounts[5].destination, "/sys");
			cr_assert_eq(c->mounts[5].flags, MS_BIND | MS_REC | MS_NOSUID | MS_NOEXEC |
							 MS_NODEV | MS_RDONLY);
			cr_assert_str_eq(c->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620");
		}
		oci_config_free(c);
	}
}

Test(oci_config, process_and_resources_alone)
{
	char path[] = "/tmp/oci-process-XXXXXX";
	int fd = mkstemp(path);
	const char *proc = "{\"args\": [\"ls\", \"-l\"], \"cwd\": \"/tmp\", \"env\": [\"X=1\"], \"terminal\": true}";
	cr_assert_eq(write(fd, proc, strlen(proc)), (ssize_t)strlen(proc));
	close(fd);
	struct oci_process p;
	char err[512] = "";
	cr_assert_eq(oci_process_load(path, &p, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(p.args.n, 2);
	cr_assert_str_eq(p.cwd, "/tmp");
	cr_assert(p.terminal);
	oci_process_free(&p);
	fd = open(path, O_WRONLY | O_TRUNC);
	cr_assert_eq(write(fd, "{\"args\": [\"ls\"]}", 16), 16);
	close(fd);
	cr_assert_eq(oci_process_load(path, &p, err, sizeof(err)), -1);
	cr_assert_str_eq(err + strlen(err) - strlen("process.cwd: missing"), "process.cwd: missing");
	unlink(path);

	struct oci_resources r;
	const char *res = "{\"memory\": {\"limit\": -1}, \"pids\": {\"limit\": 5}, \"cpu\": {\"cpus\": \"1\"}}";
	cr_assert_eq(oci_resources_parse(res, strlen(res), "-", &r, err, sizeof(err)), 0, "%s", err);
	cr_assert(r.has_memory_limit && r.memory_limit == -1);
	cr_assert(r.has_pids_limit && r.pids_limit == 5);
	oci_resources_free(&r);
	res = "{\"memory\": {\"limit\": -7}}";
	cr_assert_eq(oci_resources_parse(res, strlen(res), "-", &r, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "-: resources.memory.limit: must be -1 (unlimited) or a non-negative integer");
}

Test(oci_config, load_from_bundle)
{
	char dir[] = "/tmp/oci-bundle-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char err[512] = "";
	cr_assert_null(oci_config_load(dir, err, sizeof(err)));
	cr_assert(strstr(err, "config.json: cannot open ") == err, "%s", err);
	char path[600];
	snprintf(path, sizeof(path), "%s/config.json", dir);
	FILE *f = fopen(path, "w");
	fprintf(f, "%s\"root\": {\"path\": \"/abs/root/\"}}", "{\"ociVersion\": \"1.0.0\", "
		"\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"}, ");
	fclose(f);
	struct oci_config *c = oci_config_load(dir, err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	cr_assert_str_eq(c->bundle, dir);
	cr_assert_str_eq(c->root_path, "/abs/root");
	oci_config_free(c);
	unlink(path);
	rmdir(dir);
}

/* ---- state store ---------------------------------------------------------------- */

static char state_root[64];

static void make_root(void)
{
	strcpy(state_root, "/tmp/oci-state-XXXXXX");
	cr_assert_not_null(mkdtemp(state_root));
}

static void remove_root(void)
{
	char err[256];
	char **ids;
	size_t n;
	if (state_list(state_root, &ids, &n, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < n; i++)
			state_delete(state_root, ids[i], err, sizeof(err));
		state_list_free(ids, n);
	}
	rmdir(state_root);
}

static int new_container(const char *id, pid_t pid)
{
	struct oci_state st = { .pid = pid };
	char err[256];
	snprintf(st.id, sizeof(st.id), "%s", id);
	st.bundle = strdup("/b");
	st.rootfs = strdup("/b/rootfs");
	int rc = state_create(state_root, &st, err, sizeof(err));
	state_free(&st);
	return rc;
}

Test(oci_state, id_validation)
{
	cr_assert(state_id_valid("abc"));
	cr_assert(state_id_valid("a_b-c.d+e,f9"));
	cr_assert(state_id_valid("..x"));
	cr_assert(!state_id_valid(""));
	cr_assert(!state_id_valid("."));
	cr_assert(!state_id_valid(".."));
	cr_assert(!state_id_valid("../x"));
	cr_assert(!state_id_valid("a/b"));
	cr_assert(!state_id_valid("/abs"));
	cr_assert(!state_id_valid("sp ace"));
	cr_assert(!state_id_valid("new\nline"));
	char big[300];
	memset(big, 'a', sizeof(big));
	big[256] = 0;
	cr_assert(!state_id_valid(big));
	big[255] = 0;
	cr_assert(state_id_valid(big));

	make_root();
	char err[256];
	struct oci_state st;
	cr_assert_eq(new_container("../x", 0), -EINVAL);
	cr_assert_eq(new_container("", 0), -EINVAL);
	cr_assert_eq(new_container("a/b", 0), -EINVAL);
	cr_assert_eq(state_load(state_root, "../x", &st, err, sizeof(err)), -EINVAL);
	cr_assert_eq(state_delete(state_root, "a/b", err, sizeof(err)), -EINVAL);
	remove_root();
}

Test(oci_state, round_trip)
{
	make_root();
	char err[256];
	struct oci_state st = { .pid = getpid() };
	strcpy(st.id, "c1");
	st.bundle = strdup("/bundles/c1");
	st.rootfs = strdup("/bundles/c1/rootfs");
	st.annotations = json_pack("{s:s}", "k", "v");
	st.extra = json_pack("{s:i}", "goferPid", 42);
	cr_assert_eq(state_create(state_root, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_not_null(st.created);
	cr_assert(strlen(st.created) >= 20 && st.created[strlen(st.created) - 1] == 'Z');
	cr_assert_eq(st.pid_start, state_proc_start(getpid()));
	cr_assert_neq(st.pid_start, 0);
	state_free(&st);

	cr_assert_eq(new_container("c1", 0), -EEXIST);
	cr_assert_eq(new_container("c0", 0), 0);

	struct oci_state l;
	cr_assert_eq(state_load(state_root, "c1", &l, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(l.id, "c1");
	cr_assert_str_eq(l.status, "created");
	cr_assert_str_eq(state_status(&l), "created");
	cr_assert_eq(l.pid, getpid());
	cr_assert_str_eq(l.bundle, "/bundles/c1");
	cr_assert_str_eq(l.rootfs, "/bundles/c1/rootfs");
	cr_assert_str_eq(json_string_value(json_object_get(l.annotations, "k")), "v");
	cr_assert_eq(json_integer_value(json_object_get(l.extra, "goferPid")), 42);

	/* Lock, change, save: the change is visible. */
	int lk = state_lock(state_root, "c1");
	cr_assert_geq(lk, 0);
	strcpy(l.status, "running");
	cr_assert_eq(state_save(state_root, &l, err, sizeof(err)), 0, "%s", err);
	state_unlock(lk);
	json_t *j = state_oci_json(&l);
	cr_assert_str_eq(json_string_value(json_object_get(j, "status")), "running");
	cr_assert_eq(json_integer_value(json_object_get(j, "pid")), getpid());
	cr_assert_null(json_object_get(j, "cvisor"));
	json_decref(j);
	state_free(&l);
	cr_assert_eq(state_load(state_root, "c1", &l, err, sizeof(err)), 0);
	cr_assert_str_eq(state_status(&l), "running");
	/* A reused pid (different start time) is a stopped container. */
	l.pid_start++;
	cr_assert_str_eq(state_status(&l), "stopped");
	state_free(&l);

	char **ids;
	size_t n;
	cr_assert_eq(state_list(state_root, &ids, &n, err, sizeof(err)), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(ids[0], "c0");
	cr_assert_str_eq(ids[1], "c1");
	state_list_free(ids, n);

	cr_assert_eq(state_delete(state_root, "c1", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(state_load(state_root, "c1", &l, err, sizeof(err)), -ENOENT);
	cr_assert_str_eq(err, "container does not exist");
	cr_assert_eq(state_delete(state_root, "c1", err, sizeof(err)), -ENOENT);
	cr_assert_eq(state_lock(state_root, "c1"), -ENOENT);
	cr_assert_eq(state_list(state_root, &ids, &n, err, sizeof(err)), 0);
	cr_assert_eq(n, 1);
	state_list_free(ids, n);
	remove_root();
}

Test(oci_state, dead_pid_is_stopped)
{
	make_root();
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	cr_assert_eq(new_container("dead", child), 0);
	waitpid(child, NULL, 0);
	struct oci_state st;
	char err[256];
	cr_assert_eq(state_load(state_root, "dead", &st, err, sizeof(err)), 0);
	cr_assert_str_eq(state_status(&st), "stopped");
	json_t *j = state_oci_json(&st);
	cr_assert_eq(json_integer_value(json_object_get(j, "pid")), 0);
	cr_assert_str_eq(json_string_value(json_object_get(j, "status")), "stopped");
	json_decref(j);
	state_free(&st);
	remove_root();
}

Test(oci_state, corrupt_state_file)
{
	make_root();
	cr_assert_eq(new_container("bad", 0), 0);
	char path[128];
	snprintf(path, sizeof(path), "%s/bad/state.json", state_root);
	FILE *f = fopen(path, "w");
	fputs("{\"id\": \"other\"}", f);
	fclose(f);
	struct oci_state st;
	char err[256];
	cr_assert_eq(state_load(state_root, "bad", &st, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "state of bad: status: missing");
	/* A half-created container (no state.json, no lock) can still be deleted. */
	unlink(path);
	snprintf(path, sizeof(path), "%s/bad/lock", state_root);
	unlink(path);
	cr_assert_eq(state_delete(state_root, "bad", err, sizeof(err)), 0, "%s", err);
	remove_root();
}

/* Two processes create the same id at once: exactly one wins, every time. */
Test(oci_state, concurrent_create)
{
	make_root();
	for (int round = 0; round < 30; round++) {
		char id[32];
		int go[2];
		snprintf(id, sizeof(id), "race%d", round);
		cr_assert_eq(pipe(go), 0);
		pid_t kids[2];
		for (int k = 0; k < 2; k++) {
			kids[k] = fork();
			if (kids[k] == 0) {
				char b;
				close(go[1]);
				if (read(go[0], &b, 1) != 0)
					_exit(3);
				int rc = new_container(id, 0);
				_exit(rc == 0 ? 0 : rc == -EEXIST ? 1 : 2);
			}
		}
		close(go[0]);
		close(go[1]);                   /* both start now */
		int wins = 0, losses = 0;
		for (int k = 0; k < 2; k++) {
			int status;
			waitpid(kids[k], &status, 0);
			cr_assert(WIFEXITED(status));
			wins += WEXITSTATUS(status) == 0;
			losses += WEXITSTATUS(status) == 1;
		}
		cr_assert_eq(wins, 1, "round %d", round);
		cr_assert_eq(losses, 1, "round %d", round);
		struct oci_state st;
		char err[256];
		cr_assert_eq(state_load(state_root, id, &st, err, sizeof(err)), 0, "%s", err);
		state_free(&st);
	}
	remove_root();
}

/* delete waits for the holder of the lock; a waiter finds the container gone. */
Test(oci_state, delete_waits_for_lock)
{
	make_root();
	cr_assert_eq(new_container("lk", 0), 0);
	int lk = state_lock(state_root, "lk");
	cr_assert_geq(lk, 0);
	int ready[2];
	cr_assert_eq(pipe(ready), 0);
	pid_t child = fork();
	if (child == 0) {
		char err[256];
		close(lk);                      /* a forked child shares the parent's flock */
		close(ready[0]);
		close(ready[1]);                /* tell the parent we are about to block */
		_exit(state_delete(state_root, "lk", err, sizeof(err)) == 0 ? 0 : 1);
	}
	close(ready[1]);
	char b;
	cr_assert_eq(read(ready[0], &b, 1), 0);
	close(ready[0]);
	usleep(100 * 1000);
	char path[128];
	snprintf(path, sizeof(path), "%s/lk/state.json", state_root);
	cr_assert_eq(access(path, F_OK), 0, "deleted while locked");
	state_unlock(lk);
	int status;
	waitpid(child, &status, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_neq(access(path, F_OK), 0);
	remove_root();
}

/* ---- error log ----------------------------------------------------------------------- */

Test(oci_errlog, json_lines)
{
	char path[] = "/tmp/oci-log-XXXXXX";
	close(mkstemp(path));
	cr_assert_eq(cli_log_setup(path, "json"), 0);
	cli_error("container \"%s\" does not exist", "x\ty");
	cli_error("second");
	cr_assert_eq(cli_log_setup(NULL, NULL), 0);
	cr_assert_eq(cli_log_setup(path, "yaml"), -1);
	FILE *f = fopen(path, "r");
	char line[512];
	cr_assert_not_null(fgets(line, sizeof(line), f));
	json_error_t je;
	json_t *j = json_loads(line, 0, &je);
	cr_assert_not_null(j, "%s", line);
	cr_assert_str_eq(json_string_value(json_object_get(j, "level")), "error");
	cr_assert_str_eq(json_string_value(json_object_get(j, "msg")), "container \"x\ty\" does not exist");
	const char *t = json_string_value(json_object_get(j, "time"));
	cr_assert(t && strlen(t) == 20 && t[10] == 'T' && t[19] == 'Z', "%s", t);
	json_decref(j);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	cr_assert(strstr(line, "\"msg\":\"second\""));
	cr_assert_null(fgets(line, sizeof(line), f));
	fclose(f);
	unlink(path);
}
