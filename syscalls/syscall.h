/*
 * Syscall dispatch. syscalls/syscalls.tbl is the one source of truth: each
 * line gives number, name and argument types. It drives dispatch, --strace
 * decoding and `cvisor syscalls`.
 *
 * A handler is `long sys_NAME(struct task *t, const struct syscall_args *a)`
 * returning a value or -errno (or an -ERESTART* code). Handlers are declared
 * weak in the table: a syscall whose handler no file defines is
 * unimplemented, returns -ENOSYS and is reported once by name.
 */
#ifndef CVISOR_SYSCALL_H
#define CVISOR_SYSCALL_H
#include <stdint.h>
#include <stdbool.h>

struct task;

struct syscall_args {
	uint64_t nr;
	uint64_t a[6];
};

/* Argument kinds, for --strace decoding. */
enum sysarg {
	SA_NONE = 0,
	SA_INT,      /* signed decimal */
	SA_UINT,     /* unsigned decimal */
	SA_HEX,      /* flags, masks, raw values */
	SA_PTR,      /* pointer shown as hex */
	SA_FD,       /* fd, AT_FDCWD shown by name */
	SA_PATH,     /* NUL-terminated guest string */
	SA_STR,      /* guest string (e.g. argv[0]) */
	SA_BUFIN,    /* guest buffer read by the call, length = next arg */
	SA_BUFOUT,   /* guest buffer written by the call, length = result */
	SA_OFLAGS,   /* open flags */
	SA_MODE,     /* octal */
	SA_SIG,      /* signal number */
	SA_PROT,     /* PROT_* */
	SA_MMAPF,    /* MAP_* */
};

typedef long (*syscall_fn)(struct task *t, const struct syscall_args *a);

struct syscall_desc {
	const char *name;
	syscall_fn fn;           /* NULL: not implemented */
	uint8_t nargs;
	uint8_t args[6];         /* enum sysarg */
};

#define SYSCALL_MAX 512
extern const struct syscall_desc syscall_table[SYSCALL_MAX];

/* Run the handler for a->nr (counts/report unimplemented once by name). */
long syscall_dispatch(struct task *t, const struct syscall_args *a);
/* --strace: print entry and exit lines for one syscall. */
void strace_enter(struct task *t, const struct syscall_args *a);
void strace_exit(struct task *t, const struct syscall_args *a, long ret);
/* `cvisor syscalls`: print implemented / missing. */
void syscalls_report(int fd);

/* Declarations of every handler. */
#define SYSCALL(nr, name, ...) long sys_##name(struct task *t, const struct syscall_args *a) __attribute__((weak));
#include "syscalls.tbl"
#undef SYSCALL

#endif
