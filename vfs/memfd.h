/* memfd_create files: tmpfs inodes on an internal mount, with seals. */
#ifndef CVISOR_MEMFD_H
#define CVISOR_MEMFD_H
#include <stdbool.h>

struct task;
struct file;

#define MFD_NAME_PREFIX "memfd:"
#define MFD_NAME_MAX_LEN (255 - 6)       /* NAME_MAX - strlen("memfd:") */

/* flags: MFD_* already validated by the syscall. */
int memfd_new(struct task *t, const char *name, unsigned flags, struct file **out);
/* F_ADD_SEALS / F_GET_SEALS: -EINVAL on files that are not tmpfs/memfd. */
long memfd_fcntl(struct file *f, int cmd, unsigned arg);
/* mmap(MAP_SHARED, PROT_WRITE) refused by F_SEAL_WRITE / F_SEAL_FUTURE_WRITE. */
bool memfd_write_sealed(const struct file *f);

#endif
