/*
 * NUMA memory policy (mm/mempolicy.c) for a machine with one node, node 0:
 * set_mempolicy/get_mempolicy validate and keep the task's policy (mode,
 * mode flags, node mask) exactly like Linux, and mbind validates its range
 * and policy. Placement is moot with one node, so nothing else happens;
 * mbind's per-range policies are not kept (get_mempolicy(MPOL_F_ADDR)
 * reports MPOL_DEFAULT), and a user node mask is kept to 64 bits.
 */
#include <errno.h>
#include <string.h>
#include "sentry/cred.h"
#include "sentry/mm.h"
#include "sentry/task.h"
#include "syscalls/syscall.h"

enum { MPOL_DEFAULT, MPOL_PREFERRED, MPOL_BIND, MPOL_INTERLEAVE, MPOL_LOCAL,
       MPOL_PREFERRED_MANY, MPOL_WEIGHTED_INTERLEAVE, MPOL_MAX };
#define MPOL_F_STATIC_NODES   (1 << 15)
#define MPOL_F_RELATIVE_NODES (1 << 14)
#define MPOL_F_NUMA_BALANCING (1 << 13)
#define MPOL_MODE_FLAGS (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING)
#define MPOL_F_NODE 1
#define MPOL_F_ADDR 2
#define MPOL_F_MEMS_ALLOWED 4
#define MPOL_MF_VALID 7                 /* STRICT | MOVE | MOVE_ALL */
#define MPOL_MF_MOVE_ALL 4
#define MAX_NUMNODES 1024               /* CONFIG_NODES_SHIFT=10 */
#define NR_NODE_IDS 1

/* The caller's node mask: *lo gets bits 0-63, *any tells whether a node
 * exists in it at all (bits up to MAX_NUMNODES; beyond must be zero). */
static long get_nodes(struct task *t, uint64_t umask, uint64_t maxnode, uint64_t *lo, bool *any)
{
	uint64_t bits, words, w;

	*lo = 0;
	*any = false;
	if (maxnode == 0 || !umask || --maxnode == 0)
		return 0;
	if (maxnode > PAGE_SIZE * 8)
		return -EINVAL;
	bits = maxnode;
	words = (bits + 63) / 64;
	for (uint64_t i = 0; i < words; i++) {
		if (copy_from_user(t->mm, &w, umask + i * 8, sizeof(w)))
			return -EFAULT;
		if (i == words - 1 && bits % 64)
			w &= (1ULL << (bits % 64)) - 1;
		if (i * 64 >= MAX_NUMNODES && w)
			return -EINVAL;
		if (i == 0)
			*lo = w;
		*any |= w != 0;
	}
	return 0;
}

/* sanitize_mpol_flags() + mpol_new() + mpol_set_nodemask() for one node.
 * On success *mode is what the task keeps (PREFERRED with no node = LOCAL). */
static long check_policy(int *mode, int flags, bool any, uint64_t lo)
{
	if ((unsigned)*mode >= MPOL_MAX)
		return -EINVAL;
	if ((flags & MPOL_F_STATIC_NODES) && (flags & MPOL_F_RELATIVE_NODES))
		return -EINVAL;
	if ((flags & MPOL_F_NUMA_BALANCING) && *mode != MPOL_BIND && *mode != MPOL_PREFERRED_MANY)
		return -EINVAL;
	switch (*mode) {
	case MPOL_DEFAULT:
		return any ? -EINVAL : 0;
	case MPOL_PREFERRED:
		if (!any) {
			if (flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES))
				return -EINVAL;
			*mode = MPOL_LOCAL;
			return 0;
		}
		break;
	case MPOL_LOCAL:
		return any || (flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)) ? -EINVAL : 0;
	default:
		if (!any)
			return -EINVAL;
	}
	/* Intersect with the online nodes ({0}); relative masks map onto them. */
	if (!(flags & MPOL_F_RELATIVE_NODES) && !(lo & 1))
		return -EINVAL;
	return 0;
}

long sys_set_mempolicy(struct task *t, const struct syscall_args *a)
{
	int mode = (int)a->a[0], flags = mode & MPOL_MODE_FLAGS;
	uint64_t lo;
	bool any;
	long err;

	mode &= ~MPOL_MODE_FLAGS;
	if ((unsigned)mode >= MPOL_MAX)
		return -EINVAL;
	if ((err = get_nodes(t, a->a[1], a->a[2], &lo, &any)))
		return err;
	if ((err = check_policy(&mode, flags, any, lo)))
		return err;
	t->sysapi.mpol_mode = mode == MPOL_DEFAULT ? 0 : mode | flags;
	/* What get_mempolicy reports: the user's mask for static/relative
	 * policies, else the nodes used (node 0), none for local/default. */
	if (flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES))
		t->sysapi.mpol_nodes = lo;
	else
		t->sysapi.mpol_nodes = mode == MPOL_DEFAULT || mode == MPOL_LOCAL ? 0 : 1;
	return 0;
}

/* copy_nodes_to_user() */
static long put_nodes(struct task *t, uint64_t umask, uint64_t maxnode, uint64_t nodes)
{
	uint64_t copy = ((maxnode - 1 + 63) / 64) * 8;

	if (copy > 8) {
		if (copy > PAGE_SIZE)
			return -EINVAL;
		if (clear_user(t->mm, umask + 8, copy - 8))
			return -EFAULT;
		copy = 8;
	}
	return copy && copy_to_user(t->mm, umask, &nodes, copy) ? -EFAULT : 0;
}

long sys_get_mempolicy(struct task *t, const struct syscall_args *a)
{
	uint64_t upol = a->a[0], umask = a->a[1], maxnode = a->a[2], addr = a->a[3];
	uint64_t flags = a->a[4], nodes;
	int mode = t->sysapi.mpol_mode, pval;

	if (flags & ~(uint64_t)(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED))
		return -EINVAL;
	if (umask && maxnode < NR_NODE_IDS)
		return -EINVAL;
	if (flags & MPOL_F_MEMS_ALLOWED) {
		if (flags & (MPOL_F_NODE | MPOL_F_ADDR))
			return -EINVAL;
		pval = 0;
		nodes = 1;
	} else {
		nodes = t->sysapi.mpol_nodes;
		if (flags & MPOL_F_ADDR) {
			if (!mm_find_vma(t->mm, addr))
				return -EFAULT;
			mode = 0;   /* no per-range policies are kept */
			nodes = 0;
		} else if (addr) {
			return -EINVAL;
		}
		if (flags & MPOL_F_NODE) {
			int m = mode & ~MPOL_MODE_FLAGS;
			if (!(flags & MPOL_F_ADDR) && m != MPOL_INTERLEAVE && m != MPOL_WEIGHTED_INTERLEAVE)
				return -EINVAL;
			pval = 0;   /* the node of the page, or the next interleave node: 0 */
		} else {
			pval = mode;
		}
	}
	if (upol && copy_to_user(t->mm, upol, &pval, sizeof(pval)))
		return -EFAULT;
	return umask ? put_nodes(t, umask, maxnode, nodes) : 0;
}

long sys_mbind(struct task *t, const struct syscall_args *a)
{
	uint64_t start = a->a[0], len = a->a[1], end, lo;
	int mode = (int)a->a[2], mflags = mode & MPOL_MODE_FLAGS;
	uint64_t flags = a->a[5];
	bool any;
	long err;

	mode &= ~MPOL_MODE_FLAGS;
	if ((unsigned)mode >= MPOL_MAX)
		return -EINVAL;
	if ((mflags & MPOL_F_STATIC_NODES) && (mflags & MPOL_F_RELATIVE_NODES))
		return -EINVAL;
	if ((err = get_nodes(t, a->a[3], a->a[4], &lo, &any)))
		return err;
	if (flags & ~(uint64_t)MPOL_MF_VALID)
		return -EINVAL;
	if ((flags & MPOL_MF_MOVE_ALL) && !cred_has_cap(&t->cred, CAP_SYS_NICE))
		return -EPERM;
	if (start & (PAGE_SIZE - 1))
		return -EINVAL;
	len = PAGE_ALIGN(len);
	end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	if ((err = check_policy(&mode, mflags, any, lo)))
		return err;
	for (uint64_t addr = start; addr < end;) {
		struct vma *v = mm_find_vma(t->mm, addr);
		if (!v)
			return -EFAULT;   /* a hole in the range */
		addr = v->end;
	}
	return 0;
}
