/*
 * SysV shared memory (Linux ipc/shm.c). A segment is a mem_range of the
 * memory file; shmat maps it into the caller as a MAP_SHARED VMA of that
 * range, so fork shares attachments and exec/exit drop them like any shared
 * mapping. The number of attaches is the range's reference count minus the
 * segment's own reference: every VMA of the range (split pieces included,
 * like Linux's shm_open on split) holds one. A segment removed with
 * IPC_RMID while attached (SHM_DEST) is freed by shm_sweep once the count
 * drops to zero: at the next shm call, exec, or process death.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "sentry/cred.h"
#include "sentry/kernel/ipc/ipc_internal.h"
#include "sentry/mm/mm_internal.h"

#define SHM_DEST    01000
#define SHM_LOCKED  02000
#define SHM_HUGETLB 04000
#define SHM_RDONLY  010000
#define SHM_RND     020000
#define SHM_REMAP   040000
#define SHM_EXEC    0100000
#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define SHM_STAT 13
#define SHM_INFO 14
#define SHM_STAT_ANY 15
#define SHMSEG 4096            /* SHMMNI constant reported as shmseg */
#define SHMLBA PAGE_SIZE
#define MAX_MAP_COUNT 65530    /* vm.max_map_count default, like mm_mmap */

struct shm_seg {
	struct ipc_perm_k perm;
	struct list_head link;     /* in segs */
	uint64_t segsz;
	struct mem_range *range;
	int64_t atime, dtime, ctime;
	int cpid, lpid;
};

struct shmid64_u {
	struct ipc64_perm_u perm;
	uint64_t segsz;
	int64_t atime, dtime, ctime;
	int32_t cpid, lpid;
	uint64_t nattch, unused4, unused5;
};
_Static_assert(sizeof(struct shmid64_u) == 112, "shmid64_ds layout");

struct shminfo64_u {
	uint64_t shmmax, shmmin, shmmni, shmseg, shmall, unused[4];
};

struct shm_info_u {
	int32_t used_ids, pad;
	uint64_t shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

static struct ipc_ids shm_ids;
static struct list_head segs = LIST_HEAD_INIT(segs);
static uint64_t shm_tot;        /* pages of all segments */

static uint64_t seg_pages(const struct shm_seg *s) { return PAGE_ALIGN(s->segsz) / PAGE_SIZE; }
static uint64_t nattch(const struct shm_seg *s) { return (uint64_t)s->range->refs - 1; }

static void shm_destroy(struct shm_seg *s)
{
	ipc_rmid(&shm_ids, &s->perm);
	list_del(&s->link);
	shm_tot -= seg_pages(s);
	range_put(s->range);
	free(s);
}

void shm_sweep(void)
{
	struct list_head *pos, *n;

	list_for_each_safe(pos, n, &segs) {
		struct shm_seg *s = list_entry(pos, struct shm_seg, link);
		if ((s->perm.mode & SHM_DEST) && nattch(s) == 0)
			shm_destroy(s);
	}
}

static struct shm_seg *seg_of_range(const struct mem_range *r)
{
	struct list_head *pos;

	list_for_each(pos, &segs) {
		struct shm_seg *s = list_entry(pos, struct shm_seg, link);
		if (s->range == r)
			return s;
	}
	return NULL;
}

/* ---- shmget --------------------------------------------------------------- */

static long newseg(struct task *t, int32_t key, int flg, void *arg)
{
	uint64_t size = *(uint64_t *)arg, pages;
	struct ipc_limits l;
	struct shm_seg *s;
	int err;

	sysctl_ipc_limits(&l);
	if (size < 1 || size > l.shmmax)
		return -EINVAL;
	pages = size / PAGE_SIZE + (size % PAGE_SIZE != 0);
	if (shm_tot + pages < shm_tot || shm_tot + pages > l.shmall)
		return -ENOSPC;
	if (flg & SHM_HUGETLB)
		return -ENOMEM;   /* like a host without reserved huge pages */
	if (shm_ids.in_use >= l.shmmni || pages > (GUEST_TOP - GUEST_MIN_ADDR) / PAGE_SIZE)
		return shm_ids.in_use >= l.shmmni ? -ENOSPC : -ENOMEM;
	if (!(s = calloc(1, sizeof(*s))))
		return -ENOMEM;
	if (!(s->range = range_new(pages * PAGE_SIZE))) {
		free(s);
		return -ENOMEM;
	}
	s->perm.key = key;
	s->perm.mode = (uint32_t)flg & 0777;
	if ((err = ipc_addid(&shm_ids, &s->perm, l.shmmni, t))) {
		range_put(s->range);
		free(s);
		return err;
	}
	s->segsz = size;
	s->cpid = t->tg->tgid;
	s->ctime = (int64_t)ipc_now();
	list_add_tail(&s->link, &segs);
	shm_tot += pages;
	return s->perm.id;
}

static int shm_more_checks(struct ipc_perm_k *p, void *arg)
{
	return ((struct shm_seg *)p)->segsz < *(uint64_t *)arg ? -EINVAL : 0;
}

long ipc_shmget(struct task *t, int32_t key, uint64_t size, int flg)
{
	shm_sweep();
	return ipcget(t, &shm_ids, key, flg, newseg, shm_more_checks, &size);
}

/* ---- shmat / shmdt -------------------------------------------------------- */

long ipc_shmat(struct task *t, int id, uint64_t addr, int flg)
{
	struct mm *mm = t->mm;
	struct shm_seg *s;
	struct vma *v;
	uint64_t size;
	int prot, acc;

	shm_sweep();
	if (id < 0)
		return -EINVAL;
	if (addr) {
		if (addr & (SHMLBA - 1)) {
			if (!(flg & SHM_RND))
				return -EINVAL;
			addr &= ~(uint64_t)(SHMLBA - 1);
			if (!addr && (flg & SHM_REMAP))
				return -EINVAL;
		}
	} else if (flg & SHM_REMAP) {
		return -EINVAL;
	}
	prot = (flg & SHM_RDONLY) ? PROT_READ : PROT_READ | PROT_WRITE;
	acc = (flg & SHM_RDONLY) ? 0444 : 0666;
	if (flg & SHM_EXEC) {
		prot |= PROT_EXEC;
		acc |= 0111;
	}
	if (!(s = (struct shm_seg *)ipc_obtain(&shm_ids, id)))
		return -EINVAL;
	if (ipcperms(t, &s->perm, acc))
		return -EACCES;
	size = PAGE_ALIGN(s->segsz);
	if (addr) {
		if (addr + size < addr)
			return -EINVAL;
		if (!(flg & SHM_REMAP) && !mm_range_free(mm, addr, addr + size))
			return -EINVAL;
		if (addr < GUEST_MIN_ADDR)
			return -EPERM;   /* below vm.mmap_min_addr */
		if (addr + size > GUEST_TOP)
			return -ENOMEM;
	}
	if (mm->nr_vmas >= MAX_MAP_COUNT)
		return -ENOMEM;
	if (!(v = vma_alloc()))
		return -ENOMEM;
	if (addr) {
		if (mm_do_unmap(mm, t->ctx, addr, addr + size) < 0) {
			vma_free(v);
			return -ENOMEM;
		}
	} else if (!(addr = mm_get_unmapped_area(mm, 0, size, 0))) {
		vma_free(v);
		return -ENOMEM;
	}
	range_get(s->range);
	v->range = s->range;
	v->start = addr;
	v->end = addr + size;
	v->prot = prot;
	v->flags = MAP_SHARED | MAP_ANONYMOUS;
	mm_link_vma(mm, v);
	if (size <= MM_EAGER_MAP_MAX)
		mm_map_vma(t->ctx, v);   /* on failure the first fault maps it */
	s->atime = (int64_t)ipc_now();
	s->lpid = t->tg->tgid;
	return (long)addr;
}

/* A VMA of an attachment made at addr (Linux: vm_pgoff matches). */
static struct shm_seg *attached_at(struct vma *v, uint64_t addr)
{
	if (!vma_is_shared(v) || v->start < addr || v->start - addr != v->range_off)
		return NULL;
	return seg_of_range(v->range);
}

long ipc_shmdt(struct task *t, uint64_t addr)
{
	struct mm *mm = t->mm;
	struct shm_seg *s = NULL;
	struct vma *v;
	uint64_t size;

	if (addr & ~PAGE_MASK)
		return -EINVAL;
	for (v = mm_vma_after(mm, addr); v; v = vma_next(mm, v))
		if ((s = attached_at(v, addr)))
			break;
	if (!s)
		return -EINVAL;
	size = PAGE_ALIGN(s->segsz);
	/* The first piece, then the later pieces of the same attachment. */
	while (v) {
		uint64_t start = v->start, end = v->end;
		mm_do_unmap(mm, t->ctx, start, end);
		for (v = mm_vma_after(mm, end); v && v->end - addr <= size; v = vma_next(mm, v))
			if (v->range == s->range && attached_at(v, addr))
				break;
		if (v && v->end - addr > size)
			v = NULL;
	}
	s->dtime = (int64_t)ipc_now();
	s->lpid = t->tg->tgid;
	shm_sweep();
	return 0;
}

/* ---- shmctl --------------------------------------------------------------- */

static long shm_stat(struct task *t, int id, int cmd, uint64_t buf)
{
	struct shm_seg *s = (struct shm_seg *)(cmd == KIPC_STAT ? ipc_obtain(&shm_ids, id)
							       : ipc_by_index(&shm_ids, id));
	struct shmid64_u u = { 0 };

	if (!s)
		return -EINVAL;
	if (cmd != SHM_STAT_ANY && ipcperms(t, &s->perm, 0444))
		return -EACCES;
	ipc_perm_to_user(&s->perm, &u.perm);
	u.segsz = s->segsz;
	u.atime = s->atime;
	u.dtime = s->dtime;
	u.ctime = s->ctime;
	u.cpid = s->cpid;
	u.lpid = s->lpid;
	u.nattch = nattch(s);
	if (copy_to_user(t->mm, buf, &u, sizeof(u)))
		return -EFAULT;
	return cmd == KIPC_STAT ? 0 : s->perm.id;
}

static long shm_info(struct task *t, int cmd, uint64_t buf)
{
	struct ipc_limits l;
	int max = ipc_maxidx(&shm_ids);

	sysctl_ipc_limits(&l);
	if (cmd == KIPC_INFO) {
		struct shminfo64_u u = { .shmmax = l.shmmax, .shmmin = 1, .shmmni = (uint64_t)l.shmmni,
					 .shmseg = SHMSEG, .shmall = l.shmall };
		if (copy_to_user(t->mm, buf, &u, sizeof(u)))
			return -EFAULT;
	} else {
		struct shm_info_u u = { .used_ids = shm_ids.in_use, .shm_tot = shm_tot, .shm_rss = shm_tot };
		if (copy_to_user(t->mm, buf, &u, sizeof(u)))
			return -EFAULT;
	}
	return max < 0 ? 0 : max;
}

static long shm_lock(struct task *t, struct shm_seg *s, int cmd)
{
	if (!cred_has_cap(&t->cred, CAP_IPC_LOCK)) {
		if (t->cred.euid != s->perm.uid && t->cred.euid != s->perm.cuid)
			return -EPERM;
		if (cmd == SHM_LOCK && !t->tg->rlimits[RLIMIT_MEMLOCK].rlim_cur)
			return -EPERM;
	}
	/* Nothing is ever swapped out: the flag is all there is to it. */
	if (cmd == SHM_LOCK)
		s->perm.mode |= SHM_LOCKED;
	else
		s->perm.mode &= ~(uint32_t)SHM_LOCKED;
	return 0;
}

long ipc_shmctl(struct task *t, int id, int cmd, uint64_t buf)
{
	struct shmid64_u u;
	struct shm_seg *s;
	int err;

	shm_sweep();
	if (cmd < 0 || id < 0)
		return -EINVAL;
	switch (cmd) {
	case KIPC_INFO: case SHM_INFO:
		return shm_info(t, cmd, buf);
	case KIPC_STAT: case SHM_STAT: case SHM_STAT_ANY:
		return shm_stat(t, id, cmd, buf);
	case KIPC_SET:
		if (copy_from_user(t->mm, &u, buf, sizeof(u)))
			return -EFAULT;
		/* fallthrough */
	case KIPC_RMID:
		if (!(s = (struct shm_seg *)ipc_obtain(&shm_ids, id)))
			return -EINVAL;
		if ((err = ipc_owner_check(t, &s->perm)))
			return err;
		if (cmd == KIPC_SET) {
			ipc_update_perm(&s->perm, &u.perm);
			s->ctime = (int64_t)ipc_now();
		} else if (nattch(s)) {
			s->perm.mode |= SHM_DEST;
			s->perm.key = KIPC_PRIVATE;   /* the key may be reused at once */
		} else {
			shm_destroy(s);
		}
		return 0;
	case SHM_LOCK: case SHM_UNLOCK:
		if (!(s = (struct shm_seg *)ipc_obtain(&shm_ids, id)))
			return -EINVAL;
		return shm_lock(t, s, cmd);
	default:
		return -EINVAL;
	}
}
