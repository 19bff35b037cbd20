/* The syscall table, expanded from syscalls.tbl. */
#include "syscalls/syscall.h"

/* SYSCALL(nr, name, nargs, K1, K2, ...) -> { "name", sys_name, nargs, { SA_K1, ... } } */
#define SA_PREFIX_0()
#define SA_PREFIX_1(a) SA_##a
#define SA_PREFIX_2(a, b) SA_##a, SA_##b
#define SA_PREFIX_3(a, b, c) SA_##a, SA_##b, SA_##c
#define SA_PREFIX_4(a, b, c, d) SA_##a, SA_##b, SA_##c, SA_##d
#define SA_PREFIX_5(a, b, c, d, e) SA_##a, SA_##b, SA_##c, SA_##d, SA_##e
#define SA_PREFIX_6(a, b, c, d, e, f) SA_##a, SA_##b, SA_##c, SA_##d, SA_##e, SA_##f
#define SA_PREFIX_N(n, ...) SA_PREFIX_##n(__VA_ARGS__)

#define SYSCALL(nr, name, n, ...) \
	[nr] = { #name, sys_##name, n, { SA_PREFIX_N(n, ##__VA_ARGS__) } },

const struct syscall_desc syscall_table[SYSCALL_MAX] = {
#include "syscalls.tbl"
};
#undef SYSCALL
