/* Linux's ptrace_may_access() (kernel/ptrace.c) for the calls that reach
 * into another process: process_vm_readv/writev, pidfd_getfd, kcmp. */
#ifndef CVISOR_PTRACE_ACCESS_H
#define CVISOR_PTRACE_ACCESS_H
#include <stdbool.h>

struct task;

/* 0 or -EPERM. fscreds: compare the caller's fsuid/fsgid (else its real
 * ids) with every uid/gid of the target; CAP_SYS_PTRACE overrides; a
 * non-dumpable target needs CAP_SYS_PTRACE. No Yama/LSM policy. */
int ptrace_may_access(struct task *caller, struct task *target, bool fscreds);

#endif
