/*
 * Stub code, copied by ptrace_init() to STUB_BASE in the sentry and so
 * present in every stub process (they are all clones of the sentry). It must
 * be position independent and use no stack: a fresh stub has nothing mapped
 * but this code.
 */
#define STUB_SIZE_ASM 0x10000        /* == STUB_SIZE, checked in ptrace.c */
#define TASK_TOP      0x7ffffffff000 /* TASK_SIZE_MAX: end of the user half */

#define NR_mmap       9
#define NR_munmap     11
#define NR_pause      34
#define NR_getpid     39
#define NR_kill       62
#define NR_ptrace     101
#define NR_setsid     112
#define NR_prctl      157
#define NR_exit_group 231
#define NR_rseq       334
#define RSEQ_FLAG_UNREGISTER 1
#define SIGKILL_ 9
#define SIGSTOP_ 19
#define PR_SET_PDEATHSIG_ 1

	.section .rodata.cvisor_stub, "a", @progbits
	.balign 16
	.globl stub_start, stub_end, stub_entry, stub_park
	.globl stub_syscall, stub_syscall_done, stub_clone, stub_clone_done

stub_start:
.Lstart:
/* First code of a stub spawned with clone() by spawn_root(): drop the rseq
 * area inherited from the creating thread (r12 = area or 0, r13 = length,
 * r14 = signature; the kernel would write to it, now unmapped, and kill
 * us), become traced by the creating thread, leave the terminal's session,
 * die with the creator, drop every mapping but this code, then stop for the
 * tracer. */
stub_entry:
	test %r12, %r12
	jz 1f
	mov $NR_rseq, %eax
	mov %r12, %rdi
	mov %r13d, %esi
	mov $RSEQ_FLAG_UNREGISTER, %edx
	mov %r14d, %r10d
	syscall
	test %rax, %rax
	jnz stub_die
1:
	mov $NR_ptrace, %eax          /* ptrace(PTRACE_TRACEME) */
	xor %edi, %edi
	xor %esi, %esi
	xor %edx, %edx
	xor %r10d, %r10d
	syscall
	test %rax, %rax
	jnz stub_die
	mov $NR_setsid, %eax
	syscall
	mov $NR_prctl, %eax
	mov $PR_SET_PDEATHSIG_, %edi
	mov $SIGKILL_, %esi
	syscall
	lea .Lstart(%rip), %rbx    /* STUB_BASE, wherever we run */
	mov $NR_munmap, %eax          /* munmap(0, STUB_BASE) */
	xor %edi, %edi
	mov %rbx, %rsi
	syscall
	test %rax, %rax
	jnz stub_die
	mov $NR_munmap, %eax          /* munmap(STUB_BASE+STUB_SIZE, rest) */
	lea STUB_SIZE_ASM(%rbx), %rdi
	movabs $TASK_TOP, %rsi
	sub %rdi, %rsi
	syscall
	test %rax, %rax
	jnz stub_die
	mov $NR_getpid, %eax          /* kill(getpid(), SIGSTOP): tracer takes over */
	syscall
	mov %rax, %rdi
	mov $SIGSTOP_, %esi
	mov $NR_kill, %eax
	syscall
/* Where an unowned (detached) context waits for its next owner. */
stub_park:
	mov $NR_pause, %eax
	syscall
	jmp stub_park
stub_die:                             /* exit status: the errno */
	mov %eax, %edi
	neg %edi
	mov $NR_exit_group, %eax
	syscall
	jmp stub_die

/* Injected syscall: the tracer sets rax/args, runs from here and waits for
 * the SIGTRAP of the int3; rip == stub_syscall_done proves it came from here. */
stub_syscall:
	syscall
	int3
stub_syscall_done:

/* Injected clone: the parent traps like above, the child (rax == 0) parks. */
stub_clone:
	syscall
	test %rax, %rax
	jz stub_park
	int3
stub_clone_done:
stub_end:

	.section .note.GNU-stack, "", @progbits
