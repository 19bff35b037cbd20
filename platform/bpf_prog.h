/* A small cBPF builder for the stub seccomp filters (seccomp and notify
 * platforms): jumps name symbolic targets that bpf_finish resolves. */
#ifndef CVISOR_BPF_PROG_H
#define CVISOR_BPF_PROG_H
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BPF_PROG_MAX 96

/* Jump targets: the next instruction, or one of the three returns that
 * bpf_finish appends (the caller's "miss" action, ALLOW, KILL_PROCESS);
 * a target >= 0 is an instruction index. */
enum { BPF_T_NEXT = -1, BPF_T_MISS = -2, BPF_T_ALLOW = -3, BPF_T_KILL = -4 };

struct bpf_prog {
	struct sock_filter insn[BPF_PROG_MAX];
	int jt[BPF_PROG_MAX], jf[BPF_PROG_MAX];
	int n;
	bool overflow;
};

#define BPF_ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define BPF_ARG_HI(i) (BPF_ARG_LO(i) + 4)

void bpf_emit(struct bpf_prog *p, uint16_t code, uint32_t k, int jt, int jf);
/* A = the 32-bit word at off of struct seccomp_data */
void bpf_ld(struct bpf_prog *p, uint32_t off);
/* if (A == k) goto jt else goto jf */
void bpf_jeq(struct bpf_prog *p, uint32_t k, int jt, int jf);
/* Append the returns (miss, ALLOW, KILL_PROCESS) and resolve the targets:
 * the program's length, or -E2BIG if it did not fit. */
int bpf_finish(struct bpf_prog *p, uint32_t miss);

#endif
