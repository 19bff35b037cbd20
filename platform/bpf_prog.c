/* The cBPF builder of bpf_prog.h. */
#include <errno.h>
#include "bpf_prog.h"

void bpf_emit(struct bpf_prog *p, uint16_t code, uint32_t k, int jt, int jf)
{
	if (p->n >= BPF_PROG_MAX - 3) {   /* room for the returns */
		p->overflow = true;
		return;
	}
	p->insn[p->n] = (struct sock_filter){ .code = code, .k = k };
	p->jt[p->n] = jt;
	p->jf[p->n] = jf;
	p->n++;
}

void bpf_ld(struct bpf_prog *p, uint32_t off)
{
	bpf_emit(p, BPF_LD | BPF_W | BPF_ABS, off, 0, 0);
}

void bpf_jeq(struct bpf_prog *p, uint32_t k, int jt, int jf)
{
	bpf_emit(p, BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf);
}

int bpf_finish(struct bpf_prog *p, uint32_t miss)
{
	if (p->overflow)
		return -E2BIG;
	int base = p->n;
	p->insn[base] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, miss);
	p->insn[base + 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	p->insn[base + 2] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	for (int i = 0; i < base; i++) {
		if (BPF_CLASS(p->insn[i].code) != BPF_JMP)
			continue;
		int t[2] = { p->jt[i], p->jf[i] };
		uint8_t *out[2] = { &p->insn[i].jt, &p->insn[i].jf };
		for (int j = 0; j < 2; j++) {
			int dest = t[j] == BPF_T_NEXT ? i + 1 : t[j] >= 0 ? t[j] : base + (BPF_T_MISS - t[j]);
			*out[j] = (uint8_t)(dest - i - 1);
		}
	}
	return base + 3;
}
