/* config.json's "linux" object: namespaces, id mappings, resources, sysctl,
 * seccomp, masked and read-only paths. */
#include <stdlib.h>
#include <string.h>
#include "runsc-cli/oci/config_internal.h"
#include "runsc-cli/oci/names.h"

static bool parse_namespaces(struct oci_ctx *cx, json_t *v, struct oci_config *c)
{
	if (!oci_j_array(cx, v, "linux.namespaces", OCI_NS_COUNT * 2))
		return false;
	c->namespaces = oci_alloc(cx, json_array_size(v), sizeof(*c->namespaces));
	if (!c->namespaces)
		return false;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		char p[128];
		char *type = NULL;
		struct oci_namespace *ns = &c->namespaces[i];
		if (!oci_j_object(cx, e, JPATH(p, "linux.namespaces[%zu]", i)))
			return false;
		json_t *t = oci_jfield(e, "type");
		if (!t)
			return oci_fail(cx, JPATH(p, "linux.namespaces[%zu].type", i), "missing");
		if (!oci_j_string(cx, t, JPATH(p, "linux.namespaces[%zu].type", i), &type))
			return false;
		ns->type = oci_ns_from_name(type);
		if (ns->type < 0) {
			oci_fail(cx, p, "unknown namespace type \"%.64s\"", type);
			free(type);
			return false;
		}
		free(type);
		c->n_namespaces = i + 1;
		for (size_t j = 0; j < i; j++)
			if (c->namespaces[j].type == ns->type)
				return oci_fail(cx, p, "duplicate namespace \"%s\"",
						oci_ns_names[ns->type]);
		json_t *path = oci_jfield(e, "path");
		if (path) {
			if (!oci_j_string(cx, path, JPATH(p, "linux.namespaces[%zu].path", i), &ns->path))
				return false;
			if (ns->path[0] != '/')
				return oci_fail(cx, p, "must be an absolute path");
		}
	}
	return true;
}

static bool parse_idmaps(struct oci_ctx *cx, json_t *v, const char *name,
			 struct oci_idmap **out, size_t *n)
{
	char p[128];
	if (!oci_j_array(cx, v, JPATH(p, "linux.%s", name), OCI_MAX_IDMAPS))
		return false;
	*out = oci_alloc(cx, json_array_size(v), sizeof(**out));
	if (!*out)
		return false;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		struct oci_idmap *m = &(*out)[i];
		static const char *const keys[] = { "containerID", "hostID", "size" };
		uint32_t *vals[] = { &m->container_id, &m->host_id, &m->size };
		if (!oci_j_object(cx, e, JPATH(p, "linux.%s[%zu]", name, i)))
			return false;
		for (int k = 0; k < 3; k++) {
			json_t *f = oci_jfield(e, keys[k]);
			JPATH(p, "linux.%s[%zu].%s", name, i, keys[k]);
			if (!f)
				return oci_fail(cx, p, "missing");
			if (!oci_j_u32(cx, f, p, vals[k]))
				return false;
		}
		JPATH(p, "linux.%s[%zu]", name, i);
		if (m->size == 0)
			return oci_fail(cx, p, "size must be at least 1");
		if ((uint64_t)m->container_id + m->size > (1ull << 32) ||
		    (uint64_t)m->host_id + m->size > (1ull << 32))
			return oci_fail(cx, p, "range overflows 32-bit ids");
		*n = i + 1;
		/* the kernel refuses overlapping ranges on either side */
		for (size_t j = 0; j < i; j++) {
			const struct oci_idmap *o = &(*out)[j];
			if ((m->container_id < (uint64_t)o->container_id + o->size &&
			     o->container_id < (uint64_t)m->container_id + m->size) ||
			    (m->host_id < (uint64_t)o->host_id + o->size &&
			     o->host_id < (uint64_t)m->host_id + m->size))
				return oci_fail(cx, p, "range overlaps linux.%s[%zu]", name, j);
		}
	}
	return true;
}

/* A cpuset list: "0-3,5,7-8". */
static bool valid_cpu_list(const char *s)
{
	if (!*s)
		return true;
	for (;;) {
		char *end;
		if (*s < '0' || *s > '9')
			return false;
		unsigned long a = strtoul(s, &end, 10), b = a;
		s = end;
		if (*s == '-') {
			if (s[1] < '0' || s[1] > '9')
				return false;
			b = strtoul(s + 1, &end, 10);
			s = end;
		}
		if (b < a || b > 65535)
			return false;
		if (!*s)
			return true;
		if (*s++ != ',')
			return false;
	}
}

/* An optional int64 field, range checked. */
static bool opt_i64(struct oci_ctx *cx, json_t *obj, const char *path, const char *key,
		    int64_t min, bool *has, int64_t *out)
{
	char p[128];
	json_t *v = oci_jfield(obj, key);
	if (!v)
		return true;
	JPATH(p, "%s.%s", path, key);
	if (!json_is_integer(v))
		return oci_fail(cx, p, "must be an integer");
	if (json_integer_value(v) < min)
		return oci_fail(cx, p, min == -1 ? "must be -1 (unlimited) or a non-negative integer"
						 : "must not be negative");
	*out = json_integer_value(v);
	*has = true;
	return true;
}

static bool opt_u64(struct oci_ctx *cx, json_t *obj, const char *path, const char *key,
		    bool *has, uint64_t *out)
{
	char p[128];
	json_t *v = oci_jfield(obj, key);
	if (!v)
		return true;
	*has = true;
	return oci_j_u64(cx, v, JPATH(p, "%s.%s", path, key), out);
}

static bool opt_cpu_list(struct oci_ctx *cx, json_t *obj, const char *path,
			 const char *key, char **out)
{
	char p[128];
	json_t *v = oci_jfield(obj, key);
	if (!v)
		return true;
	if (!oci_j_string(cx, v, JPATH(p, "%s.%s", path, key), out))
		return false;
	return valid_cpu_list(*out) ? true : oci_fail(cx, p, "invalid list \"%.64s\"", *out);
}

bool oci_parse_resources(struct oci_ctx *cx, json_t *v, const char *path,
			 struct oci_resources *r)
{
	char p[128];
	if (!oci_j_object(cx, v, path))
		return false;
	json_t *mem = oci_jfield(v, "memory");
	if (mem) {
		JPATH(p, "%s.memory", path);
		if (!oci_j_object(cx, mem, p) ||
		    !opt_i64(cx, mem, p, "limit", -1, &r->has_memory_limit, &r->memory_limit) ||
		    !opt_i64(cx, mem, p, "reservation", -1, &r->has_memory_reservation,
			     &r->memory_reservation) ||
		    !opt_i64(cx, mem, p, "swap", -1, &r->has_memory_swap, &r->memory_swap))
			return false;
		if (r->has_memory_limit && r->has_memory_swap && r->memory_limit > 0 &&
		    r->memory_swap > 0 && r->memory_swap < r->memory_limit)
			return oci_fail(cx, JPATH(p, "%s.memory.swap", path),
					"must not be smaller than memory.limit");
	}
	json_t *cpu = oci_jfield(v, "cpu");
	if (cpu) {
		JPATH(p, "%s.cpu", path);
		if (!oci_j_object(cx, cpu, p) ||
		    !opt_u64(cx, cpu, p, "shares", &r->has_cpu_shares, &r->cpu_shares) ||
		    !opt_i64(cx, cpu, p, "quota", -1, &r->has_cpu_quota, &r->cpu_quota) ||
		    !opt_u64(cx, cpu, p, "period", &r->has_cpu_period, &r->cpu_period) ||
		    !opt_cpu_list(cx, cpu, p, "cpus", &r->cpus) ||
		    !opt_cpu_list(cx, cpu, p, "mems", &r->mems))
			return false;
		/* The kernel's CFS bounds: period 1 ms..1 s, quota >= 1 ms. */
		if (r->has_cpu_period && r->cpu_period &&
		    (r->cpu_period < 1000 || r->cpu_period > 1000000))
			return oci_fail(cx, JPATH(p, "%s.cpu.period", path),
					"must be between 1000 and 1000000 microseconds");
		if (r->has_cpu_quota && r->cpu_quota > 0 && r->cpu_quota < 1000)
			return oci_fail(cx, JPATH(p, "%s.cpu.quota", path),
					"must be -1 or at least 1000 microseconds");
	}
	json_t *pids = oci_jfield(v, "pids");
	if (pids) {
		JPATH(p, "%s.pids", path);
		if (!oci_j_object(cx, pids, p))
			return false;
		if (!oci_jfield(pids, "limit"))
			return oci_fail(cx, JPATH(p, "%s.pids.limit", path), "missing");
		if (!opt_i64(cx, pids, p, "limit", -1, &r->has_pids_limit, &r->pids_limit))
			return false;
	}
	json_t *bio = oci_jfield(v, "blockIO");
	json_t *w = bio ? oci_jfield(bio, "weight") : NULL;
	if (bio && !oci_j_object(cx, bio, JPATH(p, "%s.blockIO", path)))
		return false;
	if (w) {
		int64_t x;
		if (!oci_j_i64(cx, w, JPATH(p, "%s.blockIO.weight", path), 10, 1000, &x))
			return false;
		r->has_blkio_weight = true;
		r->blkio_weight = (uint16_t)x;
	}
	return true;
}

static bool parse_seccomp_args(struct oci_ctx *cx, json_t *v, const char *path,
			       struct oci_seccomp_rule *rule)
{
	char p[160];
	if (!oci_j_array(cx, v, path, 6))
		return false;
	rule->args = oci_alloc(cx, json_array_size(v), sizeof(*rule->args));
	if (!rule->args)
		return false;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		struct oci_seccomp_arg *a = &rule->args[i];
		json_t *f;
		char *op = NULL;
		uint32_t index;
		if (!oci_j_object(cx, e, JPATH(p, "%s[%zu]", path, i)))
			return false;
		if (!(f = oci_jfield(e, "index")))
			return oci_fail(cx, JPATH(p, "%s[%zu].index", path, i), "missing");
		if (!oci_j_u32(cx, f, JPATH(p, "%s[%zu].index", path, i), &index))
			return false;
		if (index > 5)
			return oci_fail(cx, p, "must be between 0 and 5");
		a->index = index;
		if (!(f = oci_jfield(e, "value")))
			return oci_fail(cx, JPATH(p, "%s[%zu].value", path, i), "missing");
		if (!oci_j_u64(cx, f, JPATH(p, "%s[%zu].value", path, i), &a->value))
			return false;
		if ((f = oci_jfield(e, "valueTwo")) &&
		    !oci_j_u64(cx, f, JPATH(p, "%s[%zu].valueTwo", path, i), &a->value_two))
			return false;
		if (!(f = oci_jfield(e, "op")))
			return oci_fail(cx, JPATH(p, "%s[%zu].op", path, i), "missing");
		if (!oci_j_string(cx, f, JPATH(p, "%s[%zu].op", path, i), &op))
			return false;
		a->op = oci_name_index(oci_seccomp_op_names, OCI_SCMP_OP_COUNT, op);
		if (a->op < 0)
			oci_fail(cx, p, "unknown operator \"%.64s\"", op);
		free(op);
		rule->n_args = i + 1;
		if (cx->failed)
			return false;
	}
	return true;
}

static bool seccomp_action(struct oci_ctx *cx, json_t *v, const char *path, int *out)
{
	char *s = NULL;
	if (!v)
		return oci_fail(cx, path, "missing");
	if (!oci_j_string(cx, v, path, &s))
		return false;
	*out = oci_name_index(oci_seccomp_action_names, OCI_SCMP_ACTION_COUNT, s);
	if (*out < 0)
		oci_fail(cx, path, "unknown action \"%.64s\"", s);
	free(s);
	return !cx->failed;
}

/* errnoRet only makes sense for SCMP_ACT_ERRNO and SCMP_ACT_TRACE. */
static bool seccomp_errno(struct oci_ctx *cx, json_t *v, const char *path, int action,
			  bool *has, uint32_t *out)
{
	if (!v)
		return true;
	if (!oci_j_u32(cx, v, path, out))
		return false;
	if (action != OCI_SCMP_ERRNO && action != OCI_SCMP_TRACE)
		return oci_fail(cx, path, "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
	*has = true;
	return true;
}

static bool parse_seccomp(struct oci_ctx *cx, json_t *v, struct oci_config *c)
{
	char p[128];
	struct oci_seccomp *s;
	if (!oci_j_object(cx, v, "linux.seccomp"))
		return false;
	s = c->seccomp = oci_alloc(cx, 1, sizeof(*s));
	if (!s ||
	    !seccomp_action(cx, oci_jfield(v, "defaultAction"), "linux.seccomp.defaultAction",
			    &s->default_action) ||
	    !seccomp_errno(cx, oci_jfield(v, "defaultErrnoRet"), "linux.seccomp.defaultErrnoRet",
			   s->default_action, &s->has_default_errno_ret, &s->default_errno_ret))
		return false;
	json_t *archs = oci_jfield(v, "architectures");
	if (archs) {
		if (!oci_j_array(cx, archs, "linux.seccomp.architectures", OCI_SCMP_ARCH_COUNT))
			return false;
		s->archs = oci_alloc(cx, json_array_size(archs), sizeof(int));
		if (!s->archs)
			return false;
		size_t i;
		json_t *e;
		json_array_foreach(archs, i, e) {
			char *a = NULL;
			if (!oci_j_string(cx, e, JPATH(p, "linux.seccomp.architectures[%zu]", i), &a))
				return false;
			s->archs[i] = oci_name_index(oci_seccomp_arch_names, OCI_SCMP_ARCH_COUNT, a);
			if (s->archs[i] < 0)
				oci_fail(cx, p, "unknown architecture \"%.64s\"", a);
			free(a);
			if (cx->failed)
				return false;
			s->n_archs = i + 1;
		}
	}
	json_t *rules = oci_jfield(v, "syscalls");
	if (!rules)
		return true;
	if (!oci_j_array(cx, rules, "linux.seccomp.syscalls", OCI_MAX_SECCOMP))
		return false;
	s->rules = oci_alloc(cx, json_array_size(rules), sizeof(*s->rules));
	if (!s->rules)
		return false;
	size_t i;
	json_t *e;
	json_array_foreach(rules, i, e) {
		struct oci_seccomp_rule *r = &s->rules[i];
		json_t *f;
		s->n_rules = i + 1;
		if (!oci_j_object(cx, e, JPATH(p, "linux.seccomp.syscalls[%zu]", i)))
			return false;
		if (!oci_j_strv(cx, oci_jfield(e, "names"),
				JPATH(p, "linux.seccomp.syscalls[%zu].names", i),
				OCI_MAX_SECCOMP, true, &r->names) ||
		    !seccomp_action(cx, oci_jfield(e, "action"),
				    JPATH(p, "linux.seccomp.syscalls[%zu].action", i), &r->action) ||
		    !seccomp_errno(cx, oci_jfield(e, "errnoRet"),
				   JPATH(p, "linux.seccomp.syscalls[%zu].errnoRet", i), r->action,
				   &r->has_errno_ret, &r->errno_ret))
			return false;
		if ((f = oci_jfield(e, "args")) &&
		    !parse_seccomp_args(cx, f, JPATH(p, "linux.seccomp.syscalls[%zu].args", i), r))
			return false;
	}
	return true;
}

static bool parse_paths(struct oci_ctx *cx, json_t *v, const char *path, struct oci_strv *out)
{
	char p[128];
	if (!v)
		return true;
	if (!oci_j_strv(cx, v, path, OCI_MAX_ARRAY, false, out))
		return false;
	for (size_t i = 0; i < out->n; i++)
		if (out->v[i][0] != '/')
			return oci_fail(cx, JPATH(p, "%s[%zu]", path, i), "must be an absolute path");
	return true;
}

/* runc's rule: only sysctls of a namespace the container has of its own
 * (the sandbox's kernel has all of them: ipc, net, uts). */
static bool check_sysctls(struct oci_ctx *cx, const struct oci_config *c)
{
	static const char *const ipc[] = {
		"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
		"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
	};
	for (size_t i = 0; i < c->n_sysctl; i++) {
		const char *k = c->sysctl[i].key;
		bool ok = !strncmp(k, "fs.mqueue.", 10) || !strncmp(k, "net.", 4) ||
			  !strcmp(k, "kernel.domainname");
		for (size_t j = 0; j < sizeof(ipc) / sizeof(ipc[0]); j++)
			ok |= !strcmp(k, ipc[j]);
		if (!strcmp(k, "kernel.hostname"))
			return oci_fail(cx, "linux.sysctl", "sysctl \"kernel.hostname\" is not allowed "
					"as it conflicts with the OCI \"hostname\" field");
		if (!ok)
			return oci_fail(cx, "linux.sysctl", "sysctl \"%.64s\" is not in a separate "
					"kernel namespace", k);
	}
	return true;
}

bool oci_parse_linux(struct oci_ctx *cx, json_t *l, struct oci_config *c)
{
	json_t *v;
	if (!oci_j_object(cx, l, "linux"))
		return false;
	if ((v = oci_jfield(l, "namespaces")) && !parse_namespaces(cx, v, c))
		return false;
	if ((v = oci_jfield(l, "uidMappings")) &&
	    !parse_idmaps(cx, v, "uidMappings", &c->uid_mappings, &c->n_uid_mappings))
		return false;
	if ((v = oci_jfield(l, "gidMappings")) &&
	    !parse_idmaps(cx, v, "gidMappings", &c->gid_mappings, &c->n_gid_mappings))
		return false;
	if ((c->n_uid_mappings || c->n_gid_mappings) && !oci_config_namespace(c, OCI_NS_USER))
		return oci_fail(cx, c->n_uid_mappings ? "linux.uidMappings" : "linux.gidMappings",
				"requires a user namespace in linux.namespaces");
	if ((v = oci_jfield(l, "resources"))) {
		c->has_resources = true;
		if (!oci_parse_resources(cx, v, "linux.resources", &c->resources))
			return false;
	}
	if ((v = oci_jfield(l, "sysctl")) &&
	    (!oci_j_kv(cx, v, "linux.sysctl", OCI_MAX_ARRAY, &c->sysctl, &c->n_sysctl) ||
	     !check_sysctls(cx, c)))
		return false;
	if ((v = oci_jfield(l, "cgroupsPath")) &&
	    !oci_j_string(cx, v, "linux.cgroupsPath", &c->cgroups_path))
		return false;
	if ((v = oci_jfield(l, "seccomp")) && !parse_seccomp(cx, v, c))
		return false;
	return parse_paths(cx, oci_jfield(l, "maskedPaths"), "linux.maskedPaths", &c->masked_paths) &&
	       parse_paths(cx, oci_jfield(l, "readonlyPaths"), "linux.readonlyPaths",
			   &c->readonly_paths);
}

void oci_resources_free(struct oci_resources *r)
{
	free(r->cpus);
	free(r->mems);
	r->cpus = r->mems = NULL;
}

void oci_linux_free(struct oci_config *c)
{
	for (size_t i = 0; i < c->n_namespaces; i++)
		free(c->namespaces[i].path);
	free(c->namespaces);
	free(c->uid_mappings);
	free(c->gid_mappings);
	free(c->cgroups_path);
	oci_resources_free(&c->resources);
	oci_kv_free(c->sysctl, c->n_sysctl);
	if (c->seccomp) {
		for (size_t i = 0; i < c->seccomp->n_rules; i++) {
			oci_strv_free(&c->seccomp->rules[i].names);
			free(c->seccomp->rules[i].args);
		}
		free(c->seccomp->rules);
		free(c->seccomp->archs);
		free(c->seccomp);
	}
	oci_strv_free(&c->masked_paths);
	oci_strv_free(&c->readonly_paths);
}
