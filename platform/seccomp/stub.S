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
#define NR_getppid      110
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

/* munmap [0, SC_PTAB_ADDR) and [SC_PTAB_END, STUB_BASE = %rbx), using no
 * stack: rax = 0 or -errno. */
.macro UNMAP_GUEST
	mov $NR_munmap, %eax
	xor %edi, %edi
	mov $SC_PTAB_ADDR, %esi
	syscall
	test %rax, %rax
	jnz 1f
	mov $NR_munmap, %eax
	mov $SC_PTAB_END, %edi
	mov %rbx, %rsi
	sub %rdi, %rsi
	syscall
1:
.endm

	.section .rodata.cvisor_sc_stub, "a", @progbits
	.balign 64
	.globl sc_stub_start, sc_stub_text_end, sc_stub_root, sc_stub_ready
	.globl sc_stub_handler, sc_stub_restorer
	.globl sc_stub_patch_entries, sc_stub_patch_entries_end, sc_stub_patch_trap

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
	UNMAP_GUEST                   /* all but the patch table, if any */
	test %rax, %rax
	jnz .Ldie
	mov $NR_mseal, %eax           /* the table: error ignored (absent, or no mseal) */
	mov $SC_PTAB_ADDR, %edi
	mov $(SC_PTAB_END - SC_PTAB_ADDR), %esi
	xor %edx, %edx
	syscall
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
	UNMAP_GUEST
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
/* Every stub thread: die with the sentry (and at once if the sentry died
 * before PDEATHSIG was set: a clone racing the sentry's exit would
 * otherwise outlive it, reparented), then rt_sigreturn through a frame
 * built at the top of the control page, which sets the altstack (the slot
 * after its control page), unblocks every signal (a clone made inside the
 * handler, or from a sentry thread, inherits a blocking mask) and resets the
 * FPU, landing on the ready trap that reports to the sentry. */
.Lthread:
	mov $NR_prctl, %eax
	mov $PR_SET_PDEATHSIG_, %edi
	mov $SIGKILL_, %esi
	syscall
	mov $NR_getppid, %eax
	syscall
	lea .Lstart(%rip), %rcx
	cmp SC_PARAMS_OFF+SC_PAR_PPID(%rcx), %rax
	mov $-10, %eax                /* ECHILD */
	jne .Ldie
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
	cmp $SC_INTR_SIG, %edi        /* an interrupt inside stub code: a patched */
	jne 1f                        /* site's way in or out */
	mov 168(%rdx), %rax           /* uc_mcontext.rip */
	lea .Lstart(%rip), %rcx
	sub %rcx, %rax
	cmp $SC_CODE_SIZE, %rax
	jae 1f
	mov 168(%rdx), %rax
	lea .Lpatch_regs(%rip), %rcx
	cmp %rcx, %rax
	jb 3f
	lea .Lpatch_iret(%rip), %rcx
	cmp %rcx, %rax
	ja 3f
	/* Restoring the registers of a resume: report the thread as if the
	 * resume had completed (the control page holds all of them). */
	mov %rsp, %rcx
	and $-SC_SLOT_SIZE, %rcx
	mov SC_CTL_PIRET(%rcx), %rax
	mov %rax, 168(%rdx)           /* rip */
	mov SC_CTL_PIRET+16(%rcx), %rax
	mov %rax, 176(%rdx)           /* eflags */
	mov SC_CTL_PIRET+24(%rcx), %rax
	mov %rax, 160(%rdx)           /* rsp */
	xor %eax, %eax
2:	mov SC_CTL_PREGS(%rcx,%rax,8), %r8
	mov %r8, 40(%rdx,%rax,8)      /* r8..rcx: the same order in both */
	inc %eax
	cmp $15, %eax
	jb 2b
	jmp 1f
3:	ret                           /* on the way in (the event follows) or
				       * consuming RUN: seen at the next stop */
1:	mov %rsp, %rbx
	and $-SC_SLOT_SIZE, %rbx      /* control page of this slot */
	mov %edi, SC_CTL_SIGNO(%rbx)
	mov %rsi, SC_CTL_INFO(%rbx)
	mov %rdx, SC_CTL_UCTX(%rbx)
	testl $SC_FL_FSGSBASE, SC_CTL_FLAGS(%rbx)
	jz 2f
	rdfsbase %rax
	mov %rax, SC_CTL_FS(%rbx)
	rdgsbase %rax
	mov %rax, SC_CTL_GS(%rbx)
2:	mov $SC_ST_EVENT, %r15d
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
	cmp $SC_ST_FPSAVE, %eax
	je .Lfpsave
	jmp .Lpost                    /* garbage: post again, keep waiting */
.Lfpsave:
	mov $-1, %eax
	mov $-1, %edx
	xsave64 SC_PFP_OFF(%rbx)
	mov $SC_ST_DONE, %r15d
	jmp .Lpost
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

/* Patched call sites. Site k jumps (through the table at SC_PTAB_ADDR) to
 * entry k, which keeps k in %ecx: rax, rcx and r11 are dead at a syscall
 * (nr, return rip, rflags). With %gs on the thread's slot (the sentry sets
 * it there while the guest's own gs base is 0) the registers go to the
 * control page, the thread switches to its stub stack (the guest stack and
 * its red zone are never touched) and enters the handoff with a return
 * address that resumes through sc_stub_patch_resume. Otherwise (a guest
 * using %gs) it traps at sc_stub_patch_trap, a SIGILL the sentry turns
 * into the same syscall. No FPU/vector register is touched on the way. */
	.balign SC_ENTRY_SIZE
sc_stub_patch_entries:
	.set .Lk, 0
	.rept SC_MAX_SITES
	mov $.Lk, %ecx
	jmp sc_stub_patched
	.balign SC_ENTRY_SIZE, 0xcc
	.set .Lk, .Lk + 1
	.endr
sc_stub_patch_entries_end:

sc_stub_patched:
	rdgsbase %r11
	lahf                          /* guest arithmetic flags: ah, al = OF */
	seto %al
	cmp .Lslots_lo(%rip), %r11
	jb .Lpatch_trap
	cmp .Lslots_hi(%rip), %r11
	jae .Lpatch_trap
	test $(SC_SLOT_SIZE - 1), %r11d
	jnz .Lpatch_trap
	mov %rsp, SC_CTL_PIRET+24(%r11)
	lea SC_CTL_PSTACK(%r11), %rsp
	add $0x7f, %al                /* OF back, then the rest */
	sahf
	pushfq
	pop SC_CTL_PIRET+16(%r11)
	mov %ecx, SC_CTL_SITE(%r11)
	mov %r8, SC_CTL_PREGS+0(%r11)
	mov %r9, SC_CTL_PREGS+8(%r11)
	mov %r10, SC_CTL_PREGS+16(%r11)
	mov %r12, SC_CTL_PREGS+32(%r11)
	mov %r13, SC_CTL_PREGS+40(%r11)
	mov %r14, SC_CTL_PREGS+48(%r11)
	mov %r15, SC_CTL_PREGS+56(%r11)
	mov %rdi, SC_CTL_PREGS+64(%r11)
	mov %rsi, SC_CTL_PREGS+72(%r11)
	mov %rbp, SC_CTL_PREGS+80(%r11)
	mov %rbx, SC_CTL_PREGS+88(%r11)
	mov %rdx, SC_CTL_PREGS+96(%r11)
	mov %r11, %rbx
	movl $0, SC_CTL_SIGNO(%rbx)   /* 0: a patched stop */
	rdfsbase %rax
	mov %rax, SC_CTL_FS(%rbx)
	mov %rbx, SC_CTL_GS(%rbx)
	lea sc_stub_patch_resume(%rip), %rax
	push %rax                     /* .Lresume returns there */
	mov $SC_ST_EVENT, %r15d
	jmp .Lpost
.Lpatch_trap:
	add $0x7f, %al
	sahf
sc_stub_patch_trap:
	ud2

/* RUN after a patched stop (rbx = control page): the sentry's registers,
 * then iretq (rip, rflags and rsp at once, TF included). */
sc_stub_patch_resume:
	testl $SC_PF_FPRESTORE, SC_CTL_PFLAGS(%rbx)
	jz 1f
	movl $0, SC_CTL_PFLAGS(%rbx)
	mov $-1, %eax
	mov $-1, %edx
	xrstor64 SC_PFP_OFF(%rbx)
1:
.Lpatch_regs:
	testl $SC_PF_FAST, SC_CTL_PFLAGS(%rbx)
	jz 2f
	/* Fast: only arithmetic flags to restore (sahf, OF from an add) and
	 * %gs on the slot: jump without iretq (~100 ns here). */
	mov SC_CTL_PREGS+0(%rbx), %r8
	mov SC_CTL_PREGS+8(%rbx), %r9
	mov SC_CTL_PREGS+16(%rbx), %r10
	mov SC_CTL_PREGS+24(%rbx), %r11
	mov SC_CTL_PREGS+32(%rbx), %r12
	mov SC_CTL_PREGS+40(%rbx), %r13
	mov SC_CTL_PREGS+48(%rbx), %r14
	mov SC_CTL_PREGS+56(%rbx), %r15
	mov SC_CTL_PREGS+64(%rbx), %rdi
	mov SC_CTL_PREGS+72(%rbx), %rsi
	mov SC_CTL_PREGS+80(%rbx), %rbp
	mov SC_CTL_PREGS+96(%rbx), %rdx
	mov SC_CTL_PREGS+112(%rbx), %rcx
	mov SC_CTL_PFLAGS+2(%rbx), %ax
	add $0x7f, %al
	sahf
	mov SC_CTL_PREGS+104(%rbx), %rax
	mov SC_CTL_PIRET+24(%rbx), %rsp
	mov SC_CTL_PREGS+88(%rbx), %rbx
	jmp *%gs:SC_CTL_PIRET
2:	movq $0x33, SC_CTL_PIRET+8(%rbx)
	movq $0x2b, SC_CTL_PIRET+32(%rbx)
	mov SC_CTL_PREGS+0(%rbx), %r8
	mov SC_CTL_PREGS+8(%rbx), %r9
	mov SC_CTL_PREGS+16(%rbx), %r10
	mov SC_CTL_PREGS+24(%rbx), %r11
	mov SC_CTL_PREGS+32(%rbx), %r12
	mov SC_CTL_PREGS+40(%rbx), %r13
	mov SC_CTL_PREGS+48(%rbx), %r14
	mov SC_CTL_PREGS+56(%rbx), %r15
	mov SC_CTL_PREGS+64(%rbx), %rdi
	mov SC_CTL_PREGS+72(%rbx), %rsi
	mov SC_CTL_PREGS+80(%rbx), %rbp
	mov SC_CTL_PREGS+96(%rbx), %rdx
	mov SC_CTL_PREGS+104(%rbx), %rax
	mov SC_CTL_PREGS+112(%rbx), %rcx
	lea SC_CTL_PIRET(%rbx), %rsp
	mov SC_CTL_PREGS+88(%rbx), %rbx
.Lpatch_iret:
	iretq

	.balign 8
.Lslots_lo:
	.quad SC_SLOTS_BASE
.Lslots_hi:
	.quad SC_SLOTS_BASE + SC_SLOTS_SIZE

/* Signals handled by sc_stub_handler, 0-terminated. */
.Lsignals:
	.byte 31, 11, 7, 8, 4, 5, SC_INTR_SIG, 0   /* SYS SEGV BUS FPE ILL TRAP intr */
	.balign 16
sc_stub_text_end:

	.section .note.GNU-stack, "", @progbits
