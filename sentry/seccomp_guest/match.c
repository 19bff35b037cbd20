/* Which rule of the container's seccomp profile applies to a call (pure:
 * no kernel state, unit-tested on its own). */
#include <stddef.h>
#include "sentry/seccomp_guest/seccomp_guest.h"

static bool cond_holds(const struct gsc_cond *c, const struct syscall_args *a)
{
	uint64_t v = a->a[c->index];
	switch (c->op) {
	case GSC_NE: return v != c->value;
	case GSC_LT: return v < c->value;
	case GSC_LE: return v <= c->value;
	case GSC_EQ: return v == c->value;
	case GSC_GE: return v >= c->value;
	case GSC_GT: return v > c->value;
	case GSC_MASKED_EQ: return (v & c->value) == c->value_two;
	}
	return false;
}

const struct gsc_rule *guest_seccomp_match(const struct guest_seccomp *p,
					   const struct syscall_args *a)
{
	const struct gsc_rule *best = NULL;
	if (a->nr >= SYSCALL_MAX)
		return &p->dflt;
	for (uint32_t i = p->start[a->nr]; i < p->start[a->nr + 1]; i++) {
		const struct gsc_rule *r = &p->rules[i];
		bool ok = true;
		for (int k = 0; ok && k < r->n_conds; k++)
			ok = cond_holds(&r->conds[k], a);
		if (ok && (!best || r->action > best->action))
			best = r;
	}
	return best ? best : &p->dflt;
}
