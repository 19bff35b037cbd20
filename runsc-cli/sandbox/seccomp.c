/*
 * linux.seccomp of config.json -> the sentry's rule table (guest_seccomp,
 * sentry/seccomp_guest/seccomp_guest.h), with runc's semantics:
 *  - syscall names are resolved with the sentry's own x86-64 table; names
 *    it does not know are skipped (runc skips names libseccomp lacks);
 *  - SCMP_ACT_ERRNO without errnoRet is EPERM (defaultErrnoRet for the
 *    default action); SCMP_ACT_KILL is KILL_THREAD;
 *  - SCMP_ACT_TRACE and SCMP_ACT_NOTIFY have no tracer or listener in
 *    the sandbox: the call fails with ENOSYS, as the kernel does then;
 *  - the conditions of a rule must all hold, except when one argument is
 *    named twice: then each condition is a rule of its own (runc);
 *  - when several rules of a call match, the strongest action wins.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runsc-cli/sandbox/sandbox.h"
#include "runsc-cli/oci/config.h"
#include "runsc-cli/oci/names.h"
#include "sentry/seccomp_guest/seccomp_guest.h"

#define MAX_COMPILED 65536      /* rules after expanding names */
#define MAX_ERRNO_RET 4095      /* the kernel caps SECCOMP_RET_ERRNO data */

static int syscall_number(const char *name)
{
	for (int i = 0; i < SYSCALL_MAX; i++)
		if (syscall_table[i].name && !strcmp(syscall_table[i].name, name))
			return i;
	return -1;
}

/* The action and its data; errno_default when no errnoRet is given. */
static struct gsc_rule base_rule(int action, bool has_errno, uint32_t errno_ret)
{
	struct gsc_rule r = { .action = GSC_ERRNO };
	uint32_t e = has_errno ? errno_ret : EPERM;
	switch (action) {
	case OCI_SCMP_ALLOW: r.action = GSC_ALLOW; break;
	case OCI_SCMP_LOG: r.action = GSC_LOG; break;
	case OCI_SCMP_ERRNO: break;
	case OCI_SCMP_TRACE: case OCI_SCMP_NOTIFY: e = ENOSYS; break;
	case OCI_SCMP_TRAP: r.action = GSC_TRAP; e = has_errno ? errno_ret : 0; break;
	case OCI_SCMP_KILL: case OCI_SCMP_KILL_THREAD: r.action = GSC_KILL_THREAD; break;
	default: r.action = GSC_KILL_PROCESS; break;
	}
	r.data = (uint16_t)(e > MAX_ERRNO_RET ? MAX_ERRNO_RET : e);
	return r;
}

static struct gsc_cond cond_of(const struct oci_seccomp_arg *a)
{
	static const uint8_t ops[OCI_SCMP_OP_COUNT] = {
		[OCI_SCMP_CMP_NE] = GSC_NE, [OCI_SCMP_CMP_LT] = GSC_LT, [OCI_SCMP_CMP_LE] = GSC_LE,
		[OCI_SCMP_CMP_EQ] = GSC_EQ, [OCI_SCMP_CMP_GE] = GSC_GE, [OCI_SCMP_CMP_GT] = GSC_GT,
		[OCI_SCMP_CMP_MASKED_EQ] = GSC_MASKED_EQ,
	};
	return (struct gsc_cond){ (uint8_t)a->index, ops[a->op], a->value, a->value_two };
}

/* The rules one OCI rule stands for, for one syscall: 1, or one per
 * condition when an argument index repeats. */
static size_t expand(const struct oci_seccomp_rule *o, struct gsc_rule *out)
{
	struct gsc_rule r = base_rule(o->action, o->has_errno_ret, o->errno_ret);
	bool seen[GSC_MAX_CONDS] = { false }, repeat = false;
	for (size_t k = 0; k < o->n_args; k++) {
		if (seen[o->args[k].index])
			repeat = true;
		seen[o->args[k].index] = true;
	}
	if (!repeat) {
		for (size_t k = 0; k < o->n_args; k++)
			r.conds[r.n_conds++] = cond_of(&o->args[k]);
		if (out)
			out[0] = r;
		return 1;
	}
	for (size_t k = 0; k < o->n_args; k++)
		if (out) {
			out[k] = r;
			out[k].n_conds = 1;
			out[k].conds[0] = cond_of(&o->args[k]);
		}
	return o->n_args;
}

struct guest_seccomp *sandbox_seccomp_compile(const struct oci_seccomp *s, char *err, size_t errlen)
{
	struct guest_seccomp *p = calloc(1, sizeof(*p));
	if (!p)
		goto nomem;
	p->dflt = base_rule(s->default_action, s->has_default_errno_ret, s->default_errno_ret);
	/* pass 1: count per syscall; pass 2: fill in profile order */
	uint32_t count[SYSCALL_MAX] = { 0 };
	size_t total = 0;
	for (size_t i = 0; i < s->n_rules; i++)
		for (size_t j = 0; j < s->rules[i].names.n; j++) {
			int nr = syscall_number(s->rules[i].names.v[j]);
			if (nr < 0)
				continue;
			size_t n = expand(&s->rules[i], NULL);
			count[nr] += (uint32_t)n;
			if ((total += n) > MAX_COMPILED) {
				snprintf(err, errlen, "linux.seccomp: more than %d rules", MAX_COMPILED);
				free(p);
				return NULL;
			}
		}
	for (int nr = 0; nr < SYSCALL_MAX; nr++)
		p->start[nr + 1] = p->start[nr] + count[nr];
	p->n_rules = (uint32_t)total;
	p->rules = calloc(total ? total : 1, sizeof(*p->rules));
	if (!p->rules)
		goto nomem;
	uint32_t fill[SYSCALL_MAX];
	memcpy(fill, p->start, sizeof(fill));
	for (size_t i = 0; i < s->n_rules; i++)
		for (size_t j = 0; j < s->rules[i].names.n; j++) {
			int nr = syscall_number(s->rules[i].names.v[j]);
			if (nr >= 0)
				fill[nr] += (uint32_t)expand(&s->rules[i], &p->rules[fill[nr]]);
		}
	return p;
nomem:
	free(p);
	snprintf(err, errlen, "linux.seccomp: out of memory");
	return NULL;
}

void sandbox_seccomp_free(struct guest_seccomp *p)
{
	if (p)
		free(p->rules);
	free(p);
}
