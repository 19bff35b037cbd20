/* --strace: one line per guest syscall, arguments decoded from the table. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "syscalls/syscall.h"
#include "sentry/task.h"
#include "sentry/mm.h"
#include "sentry/log.h"

#define STRACE_STR_MAX 64

/* Append a C-escaped, truncated copy of guest bytes. */
static int put_bytes(char *out, size_t cap, const unsigned char *b, size_t n, bool truncated)
{
	size_t o = 0;
	out[o++] = '"';
	for (size_t i = 0; i < n && o + 6 < cap; i++) {
		unsigned char c = b[i];
		if (c == '\n') { out[o++] = '\\'; out[o++] = 'n'; }
		else if (c == '\t') { out[o++] = '\\'; out[o++] = 't'; }
		else if (c == '"' || c == '\\') { out[o++] = '\\'; out[o++] = (char)c; }
		else if (c >= 32 && c < 127) out[o++] = (char)c;
		else o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
	}
	out[o++] = '"';
	if (truncated && o + 4 < cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = 0;
	return (int)o;
}

static void fmt_string(struct task *t, uint64_t addr, char *out, size_t cap)
{
	char s[STRACE_STR_MAX + 1];
	long n = strncpy_from_user(t->mm, s, addr, sizeof(s));
	if (n == -ENAMETOOLONG) {
		put_bytes(out, cap, (unsigned char *)s, STRACE_STR_MAX, true);
	} else if (n < 0) {
		snprintf(out, cap, "0x%llx", (unsigned long long)addr);
	} else {
		put_bytes(out, cap, (unsigned char *)s, (size_t)n, false);
	}
}

static void fmt_buf(struct task *t, uint64_t addr, long len, char *out, size_t cap)
{
	unsigned char b[32];
	size_t n = len < 0 ? 0 : (size_t)len < sizeof(b) ? (size_t)len : sizeof(b);
	if (copy_from_user(t->mm, b, addr, n))
		snprintf(out, cap, "0x%llx", (unsigned long long)addr);
	else
		put_bytes(out, cap, b, n, (size_t)len > n);
}

static void fmt_flags(uint64_t v, const char *const names[][2], const uint64_t *bits, size_t nb,
		      char *out, size_t cap)
{
	size_t o = 0;
	out[0] = 0;
	for (size_t i = 0; i < nb; i++) {
		if (bits[i] && (v & bits[i]) == bits[i]) {
			o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? "|" : "", names[i][0]);
			v &= ~bits[i];
		}
	}
	if (v || !o)
		snprintf(out + o, cap - o, "%s0x%llx", o ? "|" : "", (unsigned long long)v);
}

static void fmt_oflags(uint64_t v, char *out, size_t cap)
{
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
	static const char *const names[][2] = { {"O_CREAT"}, {"O_EXCL"}, {"O_NOCTTY"}, {"O_TRUNC"},
		{"O_APPEND"}, {"O_NONBLOCK"}, {"O_DIRECTORY"}, {"O_NOFOLLOW"}, {"O_CLOEXEC"}, {"O_PATH"} };
	static const uint64_t bits[] = { O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_APPEND, O_NONBLOCK,
		O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, O_PATH };
	int n = snprintf(out, cap, "%s", acc[v & 3]);
	v &= ~3ULL;
	if (v && n > 0 && (size_t)n + 2 < cap) {
		out[n] = '|';
		fmt_flags(v, names, bits, sizeof(bits) / sizeof(bits[0]), out + n + 1, cap - (size_t)n - 1);
	}
}

static void fmt_prot(uint64_t v, char *out, size_t cap)
{
	static const char *const names[][2] = { {"PROT_READ"}, {"PROT_WRITE"}, {"PROT_EXEC"} };
	static const uint64_t bits[] = { PROT_READ, PROT_WRITE, PROT_EXEC };
	if (!v)
		snprintf(out, cap, "PROT_NONE");
	else
		fmt_flags(v, names, bits, 3, out, cap);
}

static void fmt_mmapf(uint64_t v, char *out, size_t cap)
{
	static const char *const names[][2] = { {"MAP_SHARED"}, {"MAP_PRIVATE"}, {"MAP_FIXED"},
		{"MAP_ANONYMOUS"}, {"MAP_NORESERVE"}, {"MAP_STACK"}, {"MAP_DENYWRITE"}, {"MAP_FIXED_NOREPLACE"} };
	static const uint64_t bits[] = { MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS,
		MAP_NORESERVE, MAP_STACK, MAP_DENYWRITE, MAP_FIXED_NOREPLACE };
	fmt_flags(v, names, bits, sizeof(bits) / sizeof(bits[0]), out, cap);
}

static void fmt_arg(struct task *t, enum sysarg kind, uint64_t v, long next, char *out, size_t cap)
{
	switch (kind) {
	case SA_INT:
		snprintf(out, cap, "%lld", (long long)v);
		break;
	case SA_UINT:
		snprintf(out, cap, "%llu", (unsigned long long)v);
		break;
	case SA_FD:
		if ((int)v == AT_FDCWD)
			snprintf(out, cap, "AT_FDCWD");
		else
			snprintf(out, cap, "%d", (int)v);
		break;
	case SA_PATH:
	case SA_STR:
		fmt_string(t, v, out, cap);
		break;
	case SA_BUFIN:
		fmt_buf(t, v, next, out, cap);
		break;
	case SA_OFLAGS:
		fmt_oflags(v, out, cap);
		break;
	case SA_MODE:
		snprintf(out, cap, "0%llo", (unsigned long long)v);
		break;
	case SA_SIG:
		snprintf(out, cap, "%s", v > 0 && v < 32 ? sigabbrev_np((int)v) ? sigabbrev_np((int)v) : "?" : "?");
		if (!(v > 0 && v < 32))
			snprintf(out, cap, "%lld", (long long)v);
		break;
	case SA_PROT:
		fmt_prot(v, out, cap);
		break;
	case SA_MMAPF:
		fmt_mmapf(v, out, cap);
		break;
	case SA_NONE:
	case SA_HEX:
	case SA_PTR:
	case SA_BUFOUT:
	default:
		snprintf(out, cap, v ? "0x%llx" : "%llu", (unsigned long long)v);
		break;
	}
}

/* Decode the arguments at entry (an execve's strings are gone at exit);
 * output buffers are decoded at exit into the same line. */
void strace_enter(struct task *t, const struct syscall_args *a)
{
	const struct syscall_desc *d = a->nr < SYSCALL_MAX ? &syscall_table[a->nr] : NULL;
	char *line = t->strace_line;
	size_t cap = sizeof(t->strace_line), o = 0;
	if (!d || !d->name) {
		snprintf(line, cap, "syscall_%llu()", (unsigned long long)a->nr);
		return;
	}
	o += (size_t)snprintf(line + o, cap - o, "%s(", d->name);
	for (int i = 0; i < d->nargs && o < cap; i++) {
		char arg[160];
		if (d->args[i] == SA_BUFOUT)
			snprintf(arg, sizeof(arg), "\x01");   /* filled at exit */
		else
			fmt_arg(t, d->args[i], a->a[i], i + 1 < 6 ? (long)a->a[i + 1] : 0, arg, sizeof(arg));
		o += (size_t)snprintf(line + o, cap - o, "%s%s", i ? ", " : "", arg);
	}
	if (o < cap)
		snprintf(line + o, cap - o, ")");
	/* Calls that never return print now. */
	if (a->nr == 60 || a->nr == 231)
		log_msg("strace", "[%d] %s", t->tid, line);
}

void strace_exit(struct task *t, const struct syscall_args *a, long ret)
{
	if (a->nr == 60 || a->nr == 231)
		return;
	const struct syscall_desc *d = a->nr < SYSCALL_MAX ? &syscall_table[a->nr] : NULL;
	char out[sizeof(t->strace_line) + 160];
	char *mark = strchr(t->strace_line, '\x01');
	if (mark && d) {
		int idx = 0;
		for (int i = 0; i < d->nargs; i++)
			if (d->args[i] == SA_BUFOUT)
				idx = i;
		char buf[160];
		if (ret >= 0)
			fmt_buf(t, a->a[idx], ret, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)a->a[idx]);
		*mark = 0;
		snprintf(out, sizeof(out), "%s%s%s", t->strace_line, buf, mark + 1);
	} else {
		snprintf(out, sizeof(out), "%s", t->strace_line);
	}
	if (ret < 0 && ret >= -4095)
		log_msg("strace", "[%d] %s = -1 %s (%s)", t->tid, out,
			strerrorname_np((int)-ret) ? strerrorname_np((int)-ret) : "?", strerror((int)-ret));
	else if (a->nr == 9 || a->nr == 12 || a->nr == 25)
		log_msg("strace", "[%d] %s = 0x%lx", t->tid, out, ret);
	else
		log_msg("strace", "[%d] %s = %ld", t->tid, out, ret);
}
