/* Internal interfaces of the program loader (sentry/loader/). */
#ifndef CVISOR_LOADER_INT_H
#define CVISOR_LOADER_INT_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

struct task;
struct mm;
struct file;

#define LOADER_BUF_SIZE   256        /* bytes sniffed for `#!` / ELF (BINPRM_BUF_SIZE) */
#define LOADER_MAX_SCRIPT 4          /* nested `#!` levels */
#define LOADER_MAX_STRLEN (32 * 4096) /* one argv/envp string (MAX_ARG_STRLEN) */
#define LOADER_PIE_BASE   0x555555554000ULL
#define LOADER_STACK_SIZE (8ULL << 20)

/* Resolve and open an executable: regular file, exec permission, mount
 * without noexec. flags are AT_EMPTY_PATH / AT_SYMLINK_NOFOLLOW. */
int loader_open_exec(struct task *t, int dirfd, const char *path, int flags, struct file **out);

/* Parse a `#!` line in buf (LOADER_BUF_SIZE bytes, zero padded past EOF).
 * Modifies buf; *name and *arg (NULL if none) point into it.
 * Returns 0, or -ENOEXEC if there is no usable interpreter name. */
int script_parse(char *buf, const char **name, const char **arg);

/* An ELF image mapped into an mm. */
struct elf_image {
	uint64_t entry;    /* biased entry point */
	uint64_t phdr;     /* guest address of the program headers, 0 if not loaded */
	uint64_t phnum;
	uint64_t bias;     /* load bias (0 for ET_EXEC) */
	uint64_t end;      /* page-aligned end of the highest segment */
};

/* Load the ELF in f (hdr = its first `len` bytes) into mm. is_interp selects
 * the interpreter's placement and error (-ELIBBAD instead of -ENOEXEC).
 * interp (main program only, PATH_MAX_LEN bytes) receives the PT_INTERP
 * path or "" . */
int elf_load(struct mm *mm, struct file *f, const uint8_t *hdr, size_t len, bool is_interp,
	     struct elf_image *img, char *interp);

/* Everything the initial stack needs. */
struct stack_args {
	const char *const *argv;
	size_t argc;
	const char *const *envp;
	size_t envc;
	const char *execfn;
	const struct elf_image *exe;     /* main program */
	uint64_t interp_base;            /* AT_BASE */
	uint32_t uid, euid, gid, egid;
	bool secure;
};

/* Map the stack VMA, lay out strings/auxv/pointers, fill mm's arg/env/auxv
 * bookkeeping. Returns 0 and the initial rsp, or -errno. */
int stack_setup(struct mm *mm, const struct stack_args *sa, uint64_t *rsp);

#endif
