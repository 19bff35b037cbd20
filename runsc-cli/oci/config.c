/* config.json: top level, process, root, mounts, hooks (see config.h). The
 * "linux" object is in config_linux.c. */
#include <limits.h>
#include <sys/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runsc-cli/oci/config_internal.h"
#include "runsc-cli/oci/names.h"

const char *const oci_hook_names[OCI_HOOK_KINDS] = {
	"prestart", "createRuntime", "createContainer", "startContainer",
	"poststart", "poststop",
};

/* dir + "/" + rel, lexically cleaned ("." and ".." folded, no "//"). */
static char *path_join_clean(const char *dir, const char *rel)
{
	size_t n = strlen(dir) + strlen(rel) + 3;
	char *in = malloc(n), *out = malloc(n);
	if (!in || !out) {
		free(in);
		free(out);
		return NULL;
	}
	snprintf(in, n, "%s/%s", rel[0] == '/' ? "" : dir, rel);
	size_t o = 0;
	for (char *s = in, *tok; (tok = strsep(&s, "/"));) {
		if (!*tok || !strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..")) {
			while (o > 0 && out[--o] != '/')
				;
			continue;
		}
		out[o++] = '/';
		size_t l = strlen(tok);
		memcpy(out + o, tok, l);
		o += l;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	free(in);
	return out;
}

static bool parse_caps(struct oci_ctx *cx, json_t *v, struct oci_caps *caps)
{
	static const char *const sets[] = {
		"bounding", "effective", "inheritable", "permitted", "ambient",
	};
	uint64_t *masks[] = {
		&caps->bounding, &caps->effective, &caps->inheritable,
		&caps->permitted, &caps->ambient,
	};
	char p[128];
	if (!oci_j_object(cx, v, "process.capabilities"))
		return false;
	for (int s = 0; s < 5; s++) {
		json_t *a = oci_jfield(v, sets[s]);
		struct oci_strv names = { 0 };
		if (!a)
			continue;
		JPATH(p, "process.capabilities.%s", sets[s]);
		if (!oci_j_strv(cx, a, p, OCI_MAX_ARRAY, false, &names))
			goto out;
		for (size_t i = 0; i < names.n; i++) {
			int cap = oci_cap_from_name(names.v[i]);
			if (cap < 0) {
				oci_fail(cx, p, "unknown capability \"%.64s\"", names.v[i]);
				goto out;
			}
			*masks[s] |= 1ull << cap;
		}
out:
		oci_strv_free(&names);
		if (cx->failed)
			return false;
	}
	return true;
}

static bool parse_rlimits(struct oci_ctx *cx, json_t *v, struct oci_process *pr)
{
	char p[128];
	if (!oci_j_array(cx, v, "process.rlimits", OCI_RLIMIT_COUNT))
		return false;
	pr->rlimits = oci_alloc(cx, json_array_size(v), sizeof(*pr->rlimits));
	if (!pr->rlimits)
		return false;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		struct oci_rlimit *rl = &pr->rlimits[i];
		char *type = NULL;
		json_t *f;
		if (!oci_j_object(cx, e, JPATH(p, "process.rlimits[%zu]", i)))
			return false;
		if (!(f = oci_jfield(e, "type")))
			return oci_fail(cx, JPATH(p, "process.rlimits[%zu].type", i), "missing");
		if (!oci_j_string(cx, f, JPATH(p, "process.rlimits[%zu].type", i), &type))
			return false;
		rl->type = oci_rlimit_from_name(type);
		if (rl->type < 0)
			oci_fail(cx, p, "unknown rlimit \"%.64s\"", type);
		free(type);
		if (cx->failed)
			return false;
		for (size_t j = 0; j < i; j++)
			if (pr->rlimits[j].type == rl->type)
				return oci_fail(cx, p, "duplicate rlimit %s",
						oci_rlimit_names[rl->type]);
		if (!(f = oci_jfield(e, "hard")))
			return oci_fail(cx, JPATH(p, "process.rlimits[%zu].hard", i), "missing");
		if (!oci_j_u64(cx, f, JPATH(p, "process.rlimits[%zu].hard", i), &rl->hard))
			return false;
		if (!(f = oci_jfield(e, "soft")))
			return oci_fail(cx, JPATH(p, "process.rlimits[%zu].soft", i), "missing");
		if (!oci_j_u64(cx, f, JPATH(p, "process.rlimits[%zu].soft", i), &rl->soft))
			return false;
		pr->n_rlimits = i + 1;
		if (rl->soft > rl->hard)
			return oci_fail(cx, JPATH(p, "process.rlimits[%zu]", i),
					"soft limit is greater than hard limit");
	}
	return true;
}

static bool parse_user(struct oci_ctx *cx, json_t *v, struct oci_user *u)
{
	json_t *f;
	char p[128];
	if (!oci_j_object(cx, v, "process.user"))
		return false;
	if ((f = oci_jfield(v, "uid")) && !oci_j_u32(cx, f, "process.user.uid", &u->uid))
		return false;
	if ((f = oci_jfield(v, "gid")) && !oci_j_u32(cx, f, "process.user.gid", &u->gid))
		return false;
	if ((f = oci_jfield(v, "umask"))) {
		if (!oci_j_u32(cx, f, "process.user.umask", &u->umask))
			return false;
		if (u->umask > 0777)
			return oci_fail(cx, "process.user.umask", "must be at most 0777 (511)");
		u->has_umask = true;
	}
	if (!(f = oci_jfield(v, "additionalGids")))
		return true;
	if (!oci_j_array(cx, f, "process.user.additionalGids", NGROUPS_MAX))
		return false;
	u->additional_gids = oci_alloc(cx, json_array_size(f), sizeof(uint32_t));
	if (!u->additional_gids)
		return false;
	size_t i;
	json_t *e;
	json_array_foreach(f, i, e) {
		if (!oci_j_u32(cx, e, JPATH(p, "process.user.additionalGids[%zu]", i),
			       &u->additional_gids[i]))
			return false;
		u->n_additional_gids = i + 1;
	}
	return true;
}

static bool parse_process(struct oci_ctx *cx, json_t *v, struct oci_process *pr)
{
	json_t *f;
	if (!oci_j_object(cx, v, "process"))
		return false;
	if ((f = oci_jfield(v, "terminal")) && !oci_j_bool(cx, f, "process.terminal", &pr->terminal))
		return false;
	if ((f = oci_jfield(v, "consoleSize"))) {
		uint32_t h = 0, w = 0;
		json_t *hv, *wv;
		if (!oci_j_object(cx, f, "process.consoleSize"))
			return false;
		if ((hv = oci_jfield(f, "height")) &&
		    !oci_j_u32(cx, hv, "process.consoleSize.height", &h))
			return false;
		if ((wv = oci_jfield(f, "width")) &&
		    !oci_j_u32(cx, wv, "process.consoleSize.width", &w))
			return false;
		if (h > 65535 || w > 65535)
			return oci_fail(cx, "process.consoleSize", "must be at most 65535x65535");
		pr->has_console_size = true;
		pr->console_height = h;
		pr->console_width = w;
	}
	if ((f = oci_jfield(v, "user")) && !parse_user(cx, f, &pr->user))
		return false;
	if (!oci_j_strv(cx, oci_jfield(v, "args"), "process.args", OCI_MAX_ARRAY, true, &pr->args))
		return false;
	if ((f = oci_jfield(v, "env")) &&
	    !oci_j_strv(cx, f, "process.env", OCI_MAX_ARRAY, false, &pr->env))
		return false;
	if (!(f = oci_jfield(v, "cwd")))
		return oci_fail(cx, "process.cwd", "missing");
	if (!oci_j_string(cx, f, "process.cwd", &pr->cwd))
		return false;
	if (pr->cwd[0] != '/')
		return oci_fail(cx, "process.cwd", "must be an absolute path");
	if ((f = oci_jfield(v, "capabilities"))) {
		pr->has_caps = true;
		if (!parse_caps(cx, f, &pr->caps))
			return false;
	}
	if ((f = oci_jfield(v, "rlimits")) && !parse_rlimits(cx, f, pr))
		return false;
	if ((f = oci_jfield(v, "noNewPrivileges")) &&
	    !oci_j_bool(cx, f, "process.noNewPrivileges", &pr->no_new_privileges))
		return false;
	if ((f = oci_jfield(v, "oomScoreAdj"))) {
		int64_t adj;
		if (!oci_j_i64(cx, f, "process.oomScoreAdj", -1000, 1000, &adj))
			return false;
		pr->has_oom_score_adj = true;
		pr->oom_score_adj = adj;
	}
	return true;
}

/* Options: flags into m->flags/propagation, the rest into m->data. */
static bool mount_options(struct oci_ctx *cx, struct oci_mount *m)
{
	size_t len = 0;
	for (size_t i = 0; i < m->options.n; i++)
		len += strlen(m->options.v[i]) + 1;
	char *data = oci_alloc(cx, len + 1, 1);
	if (!data)
		return false;
	size_t o = 0;
	for (size_t i = 0; i < m->options.n; i++) {
		const char *opt = m->options.v[i];
		const struct oci_mount_opt *mo = oci_mount_opt_find(opt);
		if (mo && mo->propagation) {
			m->propagation = mo->flag;
		} else if (mo && mo->clear) {
			m->flags &= ~mo->flag;
		} else if (mo) {
			m->flags |= mo->flag;
		} else if (!strcmp(opt, "tmpcopyup")) {
			m->tmpcopyup = true;
		} else {
			o += sprintf(data + o, "%s%s", o ? "," : "", opt);
		}
	}
	if (o)
		m->data = data;
	else
		free(data);
	return true;
}

static bool parse_mounts(struct oci_ctx *cx, json_t *v, struct oci_config *c)
{
	char p[128];
	if (!oci_j_array(cx, v, "mounts", OCI_MAX_MOUNTS))
		return false;
	c->mounts = oci_alloc(cx, json_array_size(v), sizeof(*c->mounts));
	if (!c->mounts)
		return false;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		struct oci_mount *m = &c->mounts[i];
		json_t *f;
		c->n_mounts = i + 1;
		if (!oci_j_object(cx, e, JPATH(p, "mounts[%zu]", i)))
			return false;
		if (!(f = oci_jfield(e, "destination")))
			return oci_fail(cx, JPATH(p, "mounts[%zu].destination", i), "missing");
		if (!oci_j_string(cx, f, JPATH(p, "mounts[%zu].destination", i), &m->destination))
			return false;
		if (m->destination[0] != '/')
			return oci_fail(cx, p, "must be an absolute path");
		if ((f = oci_jfield(e, "type")) &&
		    !oci_j_string(cx, f, JPATH(p, "mounts[%zu].type", i), &m->type))
			return false;
		if ((f = oci_jfield(e, "source")) &&
		    !oci_j_string(cx, f, JPATH(p, "mounts[%zu].source", i), &m->source))
			return false;
		if ((f = oci_jfield(e, "options")) &&
		    (!oci_j_strv(cx, f, JPATH(p, "mounts[%zu].options", i), 256, false, &m->options) ||
		     !mount_options(cx, m)))
			return false;
		bool bind = (m->flags & MS_BIND) || (m->type && !strcmp(m->type, "bind"));
		if (bind && !m->source)
			return oci_fail(cx, JPATH(p, "mounts[%zu].source", i), "missing for a bind mount");
		/* Like runc: a relative bind source is relative to the bundle. */
		if (bind && m->source[0] != '/') {
			char *abs = path_join_clean(c->bundle, m->source);
			if (!abs)
				return oci_fail(cx, NULL, "out of memory");
			free(m->source);
			m->source = abs;
		}
	}
	return true;
}

static bool parse_hooks(struct oci_ctx *cx, json_t *v, struct oci_config *c)
{
	char p[128];
	if (!oci_j_object(cx, v, "hooks"))
		return false;
	for (int k = 0; k < OCI_HOOK_KINDS; k++) {
		json_t *a = oci_jfield(v, oci_hook_names[k]);
		if (!a)
			continue;
		if (!oci_j_array(cx, a, JPATH(p, "hooks.%s", oci_hook_names[k]), OCI_MAX_HOOKS))
			return false;
		c->hooks[k].v = oci_alloc(cx, json_array_size(a), sizeof(struct oci_hook));
		if (!c->hooks[k].v)
			return false;
		size_t i;
		json_t *e;
		json_array_foreach(a, i, e) {
			struct oci_hook *h = &c->hooks[k].v[i];
			const char *n = oci_hook_names[k];
			json_t *f;
			c->hooks[k].n = i + 1;
			if (!oci_j_object(cx, e, JPATH(p, "hooks.%s[%zu]", n, i)))
				return false;
			if (!(f = oci_jfield(e, "path")))
				return oci_fail(cx, JPATH(p, "hooks.%s[%zu].path", n, i), "missing");
			if (!oci_j_string(cx, f, JPATH(p, "hooks.%s[%zu].path", n, i), &h->path))
				return false;
			if (h->path[0] != '/')
				return oci_fail(cx, p, "must be an absolute path");
			if ((f = oci_jfield(e, "args")) &&
			    !oci_j_strv(cx, f, JPATH(p, "hooks.%s[%zu].args", n, i), OCI_MAX_ARRAY,
					false, &h->args))
				return false;
			if ((f = oci_jfield(e, "env")) &&
			    !oci_j_strv(cx, f, JPATH(p, "hooks.%s[%zu].env", n, i), OCI_MAX_ARRAY,
					false, &h->env))
				return false;
			if ((f = oci_jfield(e, "timeout"))) {
				int64_t t;
				if (!oci_j_i64(cx, f, JPATH(p, "hooks.%s[%zu].timeout", n, i), 1,
					       INT_MAX, &t))
					return false;
				h->has_timeout = true;
				h->timeout = t;
			}
		}
	}
	return true;
}

static bool parse_hostname(struct oci_ctx *cx, json_t *v, const char *path, char **out)
{
	if (!v)
		return true;
	if (!oci_j_string(cx, v, path, out))
		return false;
	return strlen(*out) <= 64 ? true : oci_fail(cx, path, "longer than 64 bytes");
}

static bool parse_config(struct oci_ctx *cx, json_t *j, struct oci_config *c)
{
	json_t *v, *f;
	if (!(v = oci_jfield(j, "ociVersion")))
		return oci_fail(cx, "ociVersion", "missing");
	if (!oci_j_string(cx, v, "ociVersion", &c->oci_version))
		return false;
	if (strncmp(c->oci_version, "1.", 2))
		return oci_fail(cx, "ociVersion", "unsupported version \"%.64s\" (want 1.x)",
				c->oci_version);
	if (!(v = oci_jfield(j, "root")))
		return oci_fail(cx, "root", "missing");
	if (!oci_j_object(cx, v, "root"))
		return false;
	if (!(f = oci_jfield(v, "path")))
		return oci_fail(cx, "root.path", "missing");
	if (!oci_j_string(cx, f, "root.path", &c->root_path))
		return false;
	if (!c->root_path[0])
		return oci_fail(cx, "root.path", "must not be empty");
	char *abs = path_join_clean(c->bundle, c->root_path);
	if (!abs)
		return oci_fail(cx, NULL, "out of memory");
	free(c->root_path);
	c->root_path = abs;
	if ((f = oci_jfield(v, "readonly")) && !oci_j_bool(cx, f, "root.readonly", &c->root_readonly))
		return false;
	if (!(v = oci_jfield(j, "process")))
		return oci_fail(cx, "process", "missing");
	if (!parse_process(cx, v, &c->process))
		return false;
	if (!parse_hostname(cx, oci_jfield(j, "hostname"), "hostname", &c->hostname) ||
	    !parse_hostname(cx, oci_jfield(j, "domainname"), "domainname", &c->domainname))
		return false;
	if ((v = oci_jfield(j, "mounts")) && !parse_mounts(cx, v, c))
		return false;
	if ((v = oci_jfield(j, "hooks")) && !parse_hooks(cx, v, c))
		return false;
	if ((v = oci_jfield(j, "annotations")) &&
	    !oci_j_kv(cx, v, "annotations", OCI_MAX_ARRAY, &c->annotations, &c->n_annotations))
		return false;
	if ((v = oci_jfield(j, "linux")) && !oci_parse_linux(cx, v, c))
		return false;
	return true;
}

/* The bundle as an absolute, clean path. */
static char *abs_bundle(const char *bundle)
{
	char cwd[PATH_MAX];
	if (bundle[0] == '/')
		return path_join_clean("/", bundle);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	return path_join_clean(cwd, bundle);
}

struct oci_config *oci_config_parse(const char *buf, size_t len, const char *bundle,
				    const char *file, char *err, size_t errlen)
{
	struct oci_ctx cx = { .file = file, .err = err, .errlen = errlen };
	struct oci_config *c = oci_alloc(&cx, 1, sizeof(*c));
	if (!c)
		return NULL;
	c->bundle = abs_bundle(bundle);
	if (!c->bundle) {
		oci_fail(&cx, NULL, "cannot resolve bundle path %s", bundle);
		free(c);
		return NULL;
	}
	json_t *j = oci_json_parse(&cx, buf, len);
	if (j) {
		parse_config(&cx, j, c);
		json_decref(j);
	}
	if (cx.failed) {
		oci_config_free(c);
		return NULL;
	}
	return c;
}

struct oci_config *oci_config_load(const char *bundle, char *err, size_t errlen)
{
	struct oci_ctx cx = { .file = "config.json", .err = err, .errlen = errlen };
	char *path;
	if (asprintf(&path, "%s/config.json", bundle) < 0) {
		oci_fail(&cx, NULL, "out of memory");
		return NULL;
	}
	size_t len;
	char *buf = oci_read_file(&cx, path, OCI_MAX_FILE, &len);
	free(path);
	if (!buf)
		return NULL;
	struct oci_config *c = oci_config_parse(buf, len, bundle, "config.json", err, errlen);
	free(buf);
	return c;
}

int oci_process_load(const char *path, struct oci_process *p, char *err, size_t errlen)
{
	const char *base = strrchr(path, '/');
	struct oci_ctx cx = { .file = base ? base + 1 : path, .err = err, .errlen = errlen };
	size_t len;
	memset(p, 0, sizeof(*p));
	char *buf = oci_read_file(&cx, path, OCI_MAX_FILE, &len);
	if (!buf)
		return -1;
	json_t *j = oci_json_parse(&cx, buf, len);
	free(buf);
	if (j) {
		parse_process(&cx, j, p);
		json_decref(j);
	}
	if (cx.failed) {
		oci_process_free(p);
		return -1;
	}
	return 0;
}

int oci_resources_parse(const char *buf, size_t len, const char *file,
			struct oci_resources *r, char *err, size_t errlen)
{
	struct oci_ctx cx = { .file = file, .err = err, .errlen = errlen };
	memset(r, 0, sizeof(*r));
	json_t *j = oci_json_parse(&cx, buf, len);
	if (j) {
		oci_parse_resources(&cx, j, "resources", r);
		json_decref(j);
	}
	if (cx.failed) {
		oci_resources_free(r);
		return -1;
	}
	return 0;
}

void oci_process_free(struct oci_process *p)
{
	free(p->user.additional_gids);
	oci_strv_free(&p->args);
	oci_strv_free(&p->env);
	free(p->cwd);
	free(p->rlimits);
	memset(p, 0, sizeof(*p));
}

void oci_config_free(struct oci_config *c)
{
	if (!c)
		return;
	free(c->oci_version);
	free(c->bundle);
	oci_process_free(&c->process);
	free(c->root_path);
	free(c->hostname);
	free(c->domainname);
	for (size_t i = 0; i < c->n_mounts; i++) {
		struct oci_mount *m = &c->mounts[i];
		free(m->destination);
		free(m->type);
		free(m->source);
		oci_strv_free(&m->options);
		free(m->data);
	}
	free(c->mounts);
	for (int k = 0; k < OCI_HOOK_KINDS; k++) {
		for (size_t i = 0; i < c->hooks[k].n; i++) {
			free(c->hooks[k].v[i].path);
			oci_strv_free(&c->hooks[k].v[i].args);
			oci_strv_free(&c->hooks[k].v[i].env);
		}
		free(c->hooks[k].v);
	}
	oci_kv_free(c->annotations, c->n_annotations);
	oci_linux_free(c);
	free(c);
}

const struct oci_namespace *oci_config_namespace(const struct oci_config *c, int type)
{
	for (size_t i = 0; i < c->n_namespaces; i++)
		if (c->namespaces[i].type == type)
			return &c->namespaces[i];
	return NULL;
}

const char *oci_config_annotation(const struct oci_config *c, const char *key)
{
	for (size_t i = 0; i < c->n_annotations; i++)
		if (!strcmp(c->annotations[i].key, key))
			return c->annotations[i].value;
	return NULL;
}
