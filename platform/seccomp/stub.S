/*
 * Seccomp platform stub: position-independent code copied by init() to
 * STUB_BASE in the sentry, so every stub process (a clone of the sentry or
 * of another stub) has it at the same address. Only syscalls made from this
 * text pass the stub's seccomp filter (checked on the instruction pointer);
 * every syscall of the guest traps (SIGSYS) into sc_stub_handler. See
 * docs/platform-seccomp.md.
 */
#include "stub_layout.h"

#define NR_rt_sigaction 13
#define NR_rt_sigreturn 15
#define NR_mmap         9
#define NR_munmap       11
#define NR_clone        56
#define NR_setsid       112
#define NR_prctl        157
#define NR_arch_prctl   158
#define NR_futex        202
#define NR_exit_group   231
#define NR_seccomp      317
#define NR_rseq         334
#define NR_mseal        462
#define ENOSYS_         38
#define FUTEX_WAIT_     0
#define FUTEX_WAKE_     1
#define PR_SET_PDEATHSIG_    1
#define PR_SET_NO_NEW_PRIVS_ 38
#define SIGKILL_        9
#define PROT_RW         3
#define MAP_SHARED_FIXED 0x11
#define ARCH_SET_GS_    0x1001
#define ARCH_SET_FS_    0x1002

	.section .rodata.cvisor_sc_stub, "a", @progbits
	.balign 64
	.globl sc_stub_start, sc_stub_text_end, sc_stub_root, sc_stub_ready
	.globl sc_stub_handler, sc_stub_restorer

sc_stub_start:
.Lstart:
/* First code of a stub cloned from the sentry (r12/r13/r14 = the creating
 * thread's rseq area/length/signature or 0, r15 = slot file offset): drop
 * the inherited rseq registration, leave the session, drop every mapping but
 * this code, seal the code, map slot 0, install the handlers and the filter,
 * then start like any stub thread. On failure: exit with the errno. */
sc_stub_root:
	test %r12, %r12
	jz 1f
	mov $NR_rseq, %eax
	mov %r12, %rdi
	mov %r13d, %esi
	mov $1, %edx                  /* RSEQ_FLAG_UNREGISTER */
	mov %r14d, %r10d
	syscall
	test %rax, %rax
	jnz .Ldie
1:	mov $NR_setsid, %eax
	syscall
	mov $NR_prctl, %eax
	mov $PR_SET_NO_NEW_PRIVS_, %edi
	mov $1, %esi
	xor %edx, %edx
	xor %r10d, %r10d
	xor %r8d, %r8d
	syscall
	test %rax, %rax
	jnz .Ldie
	lea .Lstart(%rip), %rbx       /* STUB_BASE */
	mov $NR_munmap, %eax          /* munmap(0, STUB_BASE) */
	xor %edi, %edi
	mov %rbx, %rsi
	syscall
	test %rax, %rax
	jnz .Ldie
	mov $NR_munmap, %eax          /* munmap(STUB_BASE + size, rest) */
	lea SC_CODE_SIZE(%rbx), %rdi
	movabs $SC_TASK_TOP, %rsi
	sub %rdi, %rsi
	syscall
	test %rax, %rax
	jnz .Ldie
	mov $NR_mseal, %eax           /* the guest must never rewrite this code */
	mov %rbx, %rdi
	mov $SC_CODE_SIZE, %esi
	xor %edx, %edx
	syscall
	cmp $-ENOSYS_, %rax
	je 2f
	test %rax, %rax
	jnz .Ldie
2:	movabs $SC_SLOTS_BASE, %r12
	mov %r15, %r13
	mov $NR_mmap, %eax
	mov %r12, %rdi
	mov $SC_SLOT_SIZE, %esi
	mov $PROT_RW, %edx
	mov $MAP_SHARED_FIXED, %r10d
	mov SC_PARAMS_OFF+SC_PAR_SLOTFD(%rbx), %r8
	mov %r13, %r9
	syscall
	cmp %rax, %r12
	jne .Ldie_map
	lea .Lsignals(%rip), %rbp
3:	movzbl (%rbp), %edi
	test %edi, %edi
	jz 4f
	mov $NR_rt_sigaction, %eax
	lea SC_PARAMS_OFF+SC_PAR_SIGACT(%rbx), %rsi
	xor %edx, %edx
	mov $8, %r10d
	syscall
	test %rax, %rax
	jnz .Ldie
	inc %rbp
	jmp 3b
4:	mov $NR_seccomp, %eax         /* SECCOMP_SET_MODE_FILTER */
	mov $1, %edi
	xor %esi, %esi
	lea SC_PARAMS_OFF+SC_PAR_FPROG(%rbx), %rdx
	syscall
	test %rax, %rax
	jnz .Ldie
	jmp .Lthread

/* Child of a clone request (see .Lclone): r12 = its slot address, r13 = the
 * slot's file offset, r14 = 1 for a new address space, which first drops
 * the guest memory and slots it shares with its parent. No stack is used
 * until the own slot is mapped. */
.Lchild:
	test %r14, %r14
	jz .Lthread
	lea .Lstart(%rip), %rbx
	mov $NR_munmap, %eax
	xor %edi, %edi
	mov %rbx, %rsi
	syscall
	test %rax, %rax
	jnz .Ldie
	mov $NR_munmap, %eax
	movabs $SC_SLOTS_BASE, %rdi
	movabs $SC_SLOTS_SIZE, %rsi
	syscall
	test %rax, %rax
	jnz .Ldie
	mov $NR_mmap, %eax
	mov %r12, %rdi
	mov $SC_SLOT_SIZE, %esi
	mov $PROT_RW, %edx
	mov $MAP_SHARED_FIXED, %r10d
	mov SC_PARAMS_OFF+SC_PAR_SLOTFD(%rbx), %r8
	mov %r13, %r9
	syscall
	cmp %rax, %r12
	jne .Ldie_map
/* Every stub thread: die with the sentry, then rt_sigreturn through a frame
 * built at the top of the control page, which sets the altstack (the slot
 * after its control page), unblocks every signal (a clone made inside the
 * handler, or from a sentry thread, inherits a blocking mask) and resets the
 * FPU, landing on the ready trap that reports to the sentry. */
.Lthread:
	mov $NR_prctl, %eax
	mov $PR_SET_PDEATHSIG_, %edi
	mov $SIGKILL_, %esi
	syscall
	lea SC_PAGE-1024(%r12), %rsp
	mov %rsp, %rdi
	mov $64, %ecx
	xor %eax, %eax
	rep stosq                     /* 512 zero bytes: ucontext + siginfo */
	movq $6, (%rsp)               /* UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS */
	lea SC_PAGE(%r12), %rax
	mov %rax, 16(%rsp)            /* uc_stack.ss_sp */
	movq $(SC_SLOT_SIZE - SC_PAGE), 32(%rsp)   /* uc_stack.ss_size */
	mov %r12, 72(%rsp)            /* mc.r12 */
	lea SC_PAGE-2048(%r12), %rax
	mov %rax, 160(%rsp)           /* mc.rsp */
	lea sc_stub_ready(%rip), %rax
	mov %rax, 168(%rsp)           /* mc.rip */
	movw $0x33, 184(%rsp)         /* mc.cs */
	movw $0x2b, 190(%rsp)         /* mc.ss; fpstate NULL = init FPU; mask 0 */
	mov $NR_rt_sigreturn, %eax
	syscall
	jmp .Ldie
sc_stub_ready:
	ud2
.Ldie_map:
	mov $-12, %rax                /* mmap landed elsewhere: ENOMEM */
.Ldie:                                /* exit status: the errno */
	mov %eax, %edi
	neg %edi
	mov $NR_exit_group, %eax
	syscall
	jmp .Ldie

/* Handler of SIGSYS, the fault signals and SC_INTR_SIG, on the slot's
 * altstack with every signal blocked: publish where the frame is, hand over
 * to the sentry and wait for its answer (run, or execute a request). The
 * sentry edits the ucontext and fpstate in place (the slot is shared). */
sc_stub_handler:
	mov %rsp, %rbx
	and $-SC_SLOT_SIZE, %rbx      /* control page of this slot */
	mov %edi, SC_CTL_SIGNO(%rbx)
	mov %rsi, SC_CTL_INFO(%rbx)
	mov %rdx, SC_CTL_UCTX(%rbx)
	testl $SC_FL_FSGSBASE, SC_CTL_FLAGS(%rbx)
	jz 1f
	rdfsbase %rax
	mov %rax, SC_CTL_FS(%rbx)
	rdgsbase %rax
	mov %rax, SC_CTL_GS(%rbx)
1:	mov $SC_ST_EVENT, %r15d
/* Post state r15d, wake the sentry if it sleeps, wait for a new state. */
.Lpost:
	mov %r15d, %eax
	xchg %eax, SC_CTL_STATE(%rbx)     /* full barrier before reading SLEEPING */
	cmpl $0, SC_CTL_SENTRY_SLEEPING(%rbx)
	je .Lwait
	mov $NR_futex, %eax
	lea SC_CTL_STATE(%rbx), %rdi
	mov $FUTEX_WAKE_, %esi
	mov $1, %edx
	syscall
/* Spin SC_CTL_SPIN TSC cycles (no `pause`: in this VM it exits to the
 * hypervisor), then sleep. */
.Lwait:
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	mov SC_CTL_SPIN(%rbx), %ebp
	add %rax, %rbp                /* deadline */
2:	cmp SC_CTL_STATE(%rbx), %r15d
	jne .Lgot
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	cmp %rbp, %rax
	jb 2b
3:	mov $1, %eax
	xchg %eax, SC_CTL_STUB_SLEEPING(%rbx)
	cmp SC_CTL_STATE(%rbx), %r15d
	jne 4f
	mov $NR_futex, %eax
	lea SC_CTL_STATE(%rbx), %rdi
	mov $FUTEX_WAIT_, %esi
	mov %r15d, %edx
	xor %r10d, %r10d
	syscall
4:	movl $0, SC_CTL_STUB_SLEEPING(%rbx)
	jmp .Lwait
.Lgot:
	mov SC_CTL_STATE(%rbx), %eax
	cmp $SC_ST_RUN, %eax
	je .Lresume
	cmp $SC_ST_REQ, %eax
	je .Lreq
	cmp $SC_ST_CLONE, %eax
	je .Lclone
	jmp .Lpost                    /* garbage: post again, keep waiting */
.Lresume:
	testl $SC_FL_FSGSBASE, SC_CTL_FLAGS(%rbx)
	jz 5f
	mov SC_CTL_FS(%rbx), %rax
	wrfsbase %rax
	mov SC_CTL_GS(%rbx), %rax
	wrgsbase %rax
	ret                           /* to sc_stub_restorer: rt_sigreturn */
5:	testl $SC_FL_SETFSGS, SC_CTL_FLAGS(%rbx)
	jz 6f
	mov $NR_arch_prctl, %eax
	mov $ARCH_SET_FS_, %edi
	mov SC_CTL_FS(%rbx), %rsi
	syscall
	mov $NR_arch_prctl, %eax
	mov $ARCH_SET_GS_, %edi
	mov SC_CTL_GS(%rbx), %rsi
	syscall
6:	ret
.Lreq:
	mov SC_CTL_REQ_NR(%rbx), %rax
	mov SC_CTL_REQ_ARGS(%rbx), %rdi
	mov SC_CTL_REQ_ARGS+8(%rbx), %rsi
	mov SC_CTL_REQ_ARGS+16(%rbx), %rdx
	mov SC_CTL_REQ_ARGS+24(%rbx), %r10
	mov SC_CTL_REQ_ARGS+32(%rbx), %r8
	mov SC_CTL_REQ_ARGS+40(%rbx), %r9
	syscall
	mov %rax, SC_CTL_REQ_RET(%rbx)
	mov $SC_ST_DONE, %r15d
	jmp .Lpost
.Lclone:
	mov $NR_clone, %eax
	mov SC_CTL_REQ_ARGS(%rbx), %rdi   /* flags */
	mov SC_CTL_REQ_ARGS+8(%rbx), %rsi /* child stack */
	xor %edx, %edx
	xor %r10d, %r10d
	xor %r8d, %r8d
	mov SC_CTL_REQ_R12(%rbx), %r12
	mov SC_CTL_REQ_R13(%rbx), %r13
	mov SC_CTL_REQ_R14(%rbx), %r14
	syscall
	test %rax, %rax
	jz .Lchild
	mov %rax, SC_CTL_REQ_RET(%rbx)
	mov $SC_ST_DONE, %r15d
	jmp .Lpost

sc_stub_restorer:
	mov $NR_rt_sigreturn, %eax
	syscall
	ud2

/* Signals handled by sc_stub_handler, 0-terminated. */
.Lsignals:
	.byte 31, 11, 7, 8, 4, 5, SC_INTR_SIG, 0   /* SYS SEGV BUS FPE ILL TRAP intr */
	.balign 16
sc_stub_text_end:

	.section .note.GNU-stack, "", @progbits
