/*
 * Program loading for execve: ELF64 (static, static-PIE, dynamic with
 * PT_INTERP) and `#!` scripts. Builds a fresh mm and the initial registers;
 * the caller swaps them in (point of no return is after loader_load
 * succeeds).
 */
#ifndef CVISOR_LOADER_H
#define CVISOR_LOADER_H
#include <stdint.h>
#include "arch.h"
#include "task.h"

struct task;
struct mm;
struct file;

#define LOADER_MAX_ARGS_BYTES (128 * 4096) /* argv+envp strings, like MAX_ARG_STRLEN*32 */

struct load_result {
	struct mm *mm;              /* new address space (mm->exe set) */
	struct arch_regs regs;      /* rip = entry (interp or program), rsp = stack */
	char comm[16];              /* basename of the executed file */
	struct file *exe;           /* the executable (reference) */
	bool setid;                 /* program was setuid/setgid (AT_SECURE) */
	struct cred cred;           /* credentials of the new image (cred_for_exec) */
};

/* Resolve `path` (relative to dirfd, exec flags AT_EMPTY_PATH /
 * AT_SYMLINK_NOFOLLOW), check permissions, follow up to 4 `#!` levels,
 * load the ELF (+ interpreter), lay out argv/envp/auxv on a new stack.
 * argv/envp are sentry copies. Returns 0 or -errno (-ENOEXEC, -EACCES,
 * -ENOENT, -E2BIG, -ELIBBAD...). */
int loader_load(struct task *t, int dirfd, const char *path, char *const argv[],
		char *const envp[], int flags, struct load_result *out);

#endif
