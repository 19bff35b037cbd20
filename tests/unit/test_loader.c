/* Loader unit tests: real binaries from the host disk loaded through a fake
 * vfs into an mm, then the stack read back through copy_from_user. */
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include "platform/platform.h"
#include "sentry/cred.h"
#include "sentry/loader.h"
#include "sentry/mm.h"
#include "sentry/task.h"
#include "sentry/kernel.h"
#include "sentry/timer.h"
#include "vfs/vfs.h"

extern int fake_live_files, fake_live_dentries, fake_live_mms;
extern struct mount fake_mount;

#define BUSYBOX "/bin/busybox"

static struct task task;
static char dir[64];

static void setup(void)
{
	memset(&task, 0, sizeof(task));
	task.cred.uid = task.cred.euid = 1000;
	task.cred.gid = task.cred.egid = 1000;
	fake_mount.flags = 0;
#ifndef LOADER_FAKE_MM
	static bool memfile_ready;

	if (!memfile_ready)
		cr_assert_eq(memfile_init(), 0);
	memfile_ready = true;
#endif
	strcpy(dir, "/tmp/cvisor-loader-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(fake_live_files, 0, "leaked files: %d", fake_live_files);
	cr_assert_eq(fake_live_dentries, 0, "leaked dentries: %d", fake_live_dentries);
	cr_assert_eq(fake_live_mms, 0, "leaked mms: %d", fake_live_mms);
#ifndef LOADER_FAKE_MM
	cr_assert_eq(memfile_bytes_in_use(), 0, "leaked guest memory: %lu", memfile_bytes_in_use());
#endif
}

static char *fixture(const char *name, const void *data, size_t len, mode_t mode)
{
	static char path[8][128];
	static int next;
	char *p = path[next++ % 8];
	int fd;

	snprintf(p, 128, "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	chmod(p, mode);
	return p;
}

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf;

	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	buf = malloc(*len);
	cr_assert_eq(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

static Elf64_Ehdr ehdr_of(const char *path)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY);

	cr_assert_eq(pread(fd, &eh, sizeof(eh), 0), (ssize_t)sizeof(eh));
	close(fd);
	return eh;
}

static uint64_t u64(struct mm *mm, uint64_t addr)
{
	uint64_t v;

	cr_assert_eq(copy_from_user(mm, &v, addr, 8), 0, "read at %#lx", addr);
	return v;
}

static char *ustr(struct mm *mm, uint64_t addr)
{
	static char buf[8][256];
	static int next;
	char *b = buf[next++ % 8];
	size_t i;

	for (i = 0; i < 255; i++) {
		cr_assert_eq(copy_from_user(mm, &b[i], addr + i, 1), 0);
		if (!b[i])
			break;
	}
	b[i] = '\0';
	return b;
}

/* Decoded initial stack. */
struct stk {
	uint64_t argc, argv[16], envc, envp[16];
	uint64_t aux[64];
};

static struct stk read_stack(struct load_result *r)
{
	struct mm *mm = r->mm;
	uint64_t sp = r->regs.gp.rsp, v;
	struct stk s = { 0 };

	cr_assert_eq(sp % 16, 0, "rsp %#lx not 16-byte aligned", sp);
	cr_assert_eq(sp, mm->start_stack);
	s.argc = u64(mm, sp);
	cr_assert_lt(s.argc, 16);
	sp += 8;
	for (uint64_t i = 0; i < s.argc; i++, sp += 8)
		s.argv[i] = u64(mm, sp);
	cr_assert_eq(u64(mm, sp), 0);
	for (sp += 8; (v = u64(mm, sp)); sp += 8) {
		cr_assert_lt(s.envc, 16);
		s.envp[s.envc++] = v;
	}
	sp += 8;
	for (int i = 0;; i += 2, sp += 16) {
		s.aux[i] = u64(mm, sp);
		s.aux[i + 1] = u64(mm, sp + 8);
		if (s.aux[i] == AT_NULL)
			break;
		cr_assert_lt(i, 60);
	}
	return s;
}

static uint64_t aux(const struct stk *s, uint64_t key)
{
	for (int i = 0; s->aux[i] != AT_NULL; i += 2)
		if (s->aux[i] == key)
			return s->aux[i + 1];
	cr_assert_fail("auxv %lu missing", key);
	return 0;
}

static void release(struct load_result *r)
{
	mm_put(r->mm);
	file_put(r->exe);
}

TestSuite(loader, .init = setup, .fini = teardown);

Test(loader, static_binary_stack)
{
	char *argv[] = { "busybox", "echo", "hi", NULL };
	char *envp[] = { "A=1", "PATH=/bin", NULL };
	struct load_result r;
	Elf64_Ehdr eh = ehdr_of(BUSYBOX);
	uint8_t rnd[16], magic[4];
	struct stk s;

	cr_assert_eq(loader_load(&task, AT_FDCWD, BUSYBOX, argv, envp, 0, &r), 0);
	cr_assert_eq(r.regs.gp.rip, eh.e_entry);
	cr_assert_eq(r.regs.gp.cs, 0x33);
	cr_assert_eq(r.regs.gp.ss, 0x2b);
	cr_assert_eq(r.regs.gp.eflags, 0x202);
	cr_assert_str_eq(r.comm, "busybox");
	cr_assert_not_null(r.exe);
	cr_assert_eq(r.mm->exe, r.exe);
	cr_assert_not(r.setid);
	s = read_stack(&r);
	cr_assert_eq(s.argc, 3);
	cr_assert_str_eq(ustr(r.mm, s.argv[0]), "busybox");
	cr_assert_str_eq(ustr(r.mm, s.argv[1]), "echo");
	cr_assert_str_eq(ustr(r.mm, s.argv[2]), "hi");
	cr_assert_eq(s.envc, 2);
	cr_assert_str_eq(ustr(r.mm, s.envp[0]), "A=1");
	cr_assert_str_eq(ustr(r.mm, s.envp[1]), "PATH=/bin");
	cr_assert_eq(r.mm->arg_start, s.argv[0]);
	cr_assert_eq(r.mm->env_start, s.envp[0]);
	cr_assert_eq(r.mm->env_end, s.envp[1] + sizeof("PATH=/bin"));

	cr_assert_eq(aux(&s, AT_ENTRY), eh.e_entry);
	cr_assert_eq(aux(&s, AT_PAGESZ), 4096);
	cr_assert_eq(aux(&s, AT_PHNUM), eh.e_phnum);
	cr_assert_eq(aux(&s, AT_PHENT), sizeof(Elf64_Phdr));
	cr_assert_eq(aux(&s, AT_BASE), 0);
	cr_assert_eq(aux(&s, AT_UID), 1000);
	cr_assert_eq(aux(&s, AT_SECURE), 0);
	/* busybox: first PT_LOAD maps offset 0 at its ELF base. */
	cr_assert_eq(copy_from_user(r.mm, magic, aux(&s, AT_PHDR) - eh.e_phoff, 4), 0);
	cr_assert_eq(memcmp(magic, ELFMAG, 4), 0);
	cr_assert_eq(copy_from_user(r.mm, rnd, aux(&s, AT_RANDOM), 16), 0);
	cr_assert_str_eq(ustr(r.mm, aux(&s, AT_EXECFN)), BUSYBOX);
	cr_assert_str_eq(ustr(r.mm, aux(&s, AT_PLATFORM)), "x86_64");
	cr_assert_eq(memcmp(r.mm->auxv, s.aux, r.mm->auxv_len), 0);
	cr_assert_eq(r.mm->auxv_len % 16, 0);
	cr_assert_eq(r.mm->auxv[r.mm->auxv_len / 8 - 2], AT_NULL);

	/* Text is not writable; heap starts page-aligned above the image. */
	cr_assert_neq(copy_to_user(r.mm, eh.e_entry, "x", 1), 0);
	cr_assert_eq(r.mm->brk % PAGE_SIZE, 0);
	cr_assert_eq(r.mm->start_brk, r.mm->brk);
	cr_assert_gt(r.mm->brk, eh.e_entry);
	cr_assert_str_eq(mm_find_vma(r.mm, r.regs.gp.rsp)->name, "[stack]");
	release(&r);
}

/* bss: the tail of the last file page and the anonymous rest read as zero. */
Test(loader, bss_is_zero)
{
	char *argv[] = { "busybox", NULL };
	struct load_result r;
	Elf64_Ehdr eh = ehdr_of(BUSYBOX);
	Elf64_Phdr ph[32];
	int fd = open(BUSYBOX, O_RDONLY);

	cr_assert_leq(eh.e_phnum, 32);
	pread(fd, ph, eh.e_phnum * sizeof(ph[0]), eh.e_phoff);
	close(fd);
	cr_assert_eq(loader_load(&task, AT_FDCWD, BUSYBOX, argv, NULL, 0, &r), 0);
	for (int i = 0; i < eh.e_phnum; i++) {
		uint64_t a, end;

		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == ph[i].p_filesz)
			continue;
		end = PAGE_ALIGN(ph[i].p_vaddr + ph[i].p_memsz);
		for (a = ph[i].p_vaddr + ph[i].p_filesz; a < end; a += 512) {
			uint8_t b = 1;

			cr_assert_eq(copy_from_user(r.mm, &b, a, 1), 0);
			cr_assert_eq(b, 0, "bss byte at %#lx not zero", a);
		}
	}
	release(&r);
}

Test(loader, empty_argv_gets_empty_argv0)
{
	struct load_result r;
	struct stk s;

	cr_assert_eq(loader_load(&task, AT_FDCWD, BUSYBOX, NULL, NULL, 0, &r), 0);
	s = read_stack(&r);
	cr_assert_eq(s.argc, 1);
	cr_assert_str_eq(ustr(r.mm, s.argv[0]), "");
	cr_assert_eq(s.envc, 0);
	release(&r);
}

Test(loader, dynamic_pie_with_interp)
{
	const char *prog = "/usr/bin/true";
	char *argv[] = { "true", NULL };
	struct load_result r;
	Elf64_Ehdr eh = ehdr_of(prog);
	Elf64_Ehdr ld = ehdr_of("/lib64/ld-linux-x86-64.so.2");
	struct stk s;

	cr_assert_eq(eh.e_type, ET_DYN);
	cr_assert_eq(loader_load(&task, AT_FDCWD, prog, argv, NULL, 0, &r), 0);
	s = read_stack(&r);
	cr_assert_eq(aux(&s, AT_ENTRY), 0x555555554000ULL + eh.e_entry);
	cr_assert_neq(aux(&s, AT_BASE), 0);
	cr_assert_lt(aux(&s, AT_BASE), r.mm->mmap_base);
	cr_assert_eq(aux(&s, AT_BASE) % PAGE_SIZE, 0);
	cr_assert_eq(r.regs.gp.rip, aux(&s, AT_BASE) + ld.e_entry);
	cr_assert_eq(aux(&s, AT_PHDR), 0x555555554000ULL + eh.e_phoff);
	cr_assert_str_eq(r.comm, "true");
	release(&r);
}

Test(loader, script_rewrites_argv)
{
	static const char body[] = "#!" BUSYBOX "  sh -x  \t\necho hi\n";
	char *script = fixture("my-script.sh", body, sizeof(body) - 1, 0755);
	char *argv[] = { "ignored", "a1", "a2", NULL };
	struct load_result r;
	struct stk s;

	cr_assert_eq(loader_load(&task, AT_FDCWD, script, argv, NULL, 0, &r), 0);
	s = read_stack(&r);
	cr_assert_eq(s.argc, 5);
	cr_assert_str_eq(ustr(r.mm, s.argv[0]), BUSYBOX);
	cr_assert_str_eq(ustr(r.mm, s.argv[1]), "sh -x");
	cr_assert_str_eq(ustr(r.mm, s.argv[2]), script);
	cr_assert_str_eq(ustr(r.mm, s.argv[3]), "a1");
	cr_assert_str_eq(ustr(r.mm, s.argv[4]), "a2");
	cr_assert_str_eq(ustr(r.mm, aux(&s, AT_EXECFN)), script);
	cr_assert_str_eq(r.comm, "my-script.sh");
	cr_assert_eq(r.regs.gp.rip, ehdr_of(BUSYBOX).e_entry);
	release(&r);
}

Test(loader, script_without_newline_or_arg)
{
	static const char body[] = "#! " BUSYBOX;
	char *script = fixture("s", body, sizeof(body) - 1, 0755);
	char *argv[] = { "s", NULL };
	struct load_result r;
	struct stk s;

	cr_assert_eq(loader_load(&task, AT_FDCWD, script, argv, NULL, 0, &r), 0);
	s = read_stack(&r);
	cr_assert_eq(s.argc, 2);
	cr_assert_str_eq(ustr(r.mm, s.argv[0]), BUSYBOX);
	cr_assert_str_eq(ustr(r.mm, s.argv[1]), script);
	release(&r);
}

Test(loader, script_nesting_limit)
{
	char body[160], name[8], *prev = BUSYBOX, *p = NULL;
	char *argv[] = { "x", NULL };
	struct load_result r;

	for (int i = 1; i <= 5; i++) {
		snprintf(body, sizeof(body), "#!%s\n", prev);
		snprintf(name, sizeof(name), "s%d", i);
		p = fixture(name, body, strlen(body), 0755);
		if (i == 4) {
			struct stk s;

			cr_assert_eq(loader_load(&task, AT_FDCWD, p, argv, NULL, 0, &r), 0);
			s = read_stack(&r);
			cr_assert_eq(s.argc, 5);   /* busybox s1 s2 s3 s4 */
			cr_assert_str_eq(ustr(r.mm, s.argv[0]), BUSYBOX);
			cr_assert_str_eq(ustr(r.mm, s.argv[4]), p);
			release(&r);
		}
		prev = p;
	}
	cr_assert_eq(loader_load(&task, AT_FDCWD, p, argv, NULL, 0, &r), -ELOOP);
	cr_assert_null(r.mm);
}

Test(loader, script_bad_interpreter)
{
	static const char blank[] = "#!   \t \n";
	static const char missing[] = "#!/nonexistent/interp\n";
	char *argv[] = { "x", NULL };
	struct load_result r;

	cr_assert_eq(loader_load(&task, AT_FDCWD, fixture("b", blank, sizeof(blank) - 1, 0755),
				 argv, NULL, 0, &r), -ENOEXEC);
	cr_assert_eq(loader_load(&task, AT_FDCWD, fixture("m", missing, sizeof(missing) - 1, 0755),
				 argv, NULL, 0, &r), -ENOENT);
}

Test(loader, garbage_and_truncated_elf)
{
	size_t len;
	uint8_t *bb = slurp(BUSYBOX, &len);
	char junk[300];
	char *argv[] = { "x", NULL };
	struct load_result r;
	Elf64_Ehdr *eh = (Elf64_Ehdr *)bb;

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	cr_assert_eq(loader_load(&task, AT_FDCWD, fixture("junk", junk, sizeof(junk), 0755),
				 argv, NULL, 0, &r), -ENOEXEC);
	cr_assert_eq(loader_load(&task, AT_FDCWD, fixture("empty", "", 0, 0755),
				 argv, NULL, 0, &r), -ENOEXEC);
	/* Header cut short, then program headers cut short. */
	cr_assert_eq(loader_load(&task, AT_FDCWD, fixture("t40", bb, 40, 0755),
				 argv, NULL, 0, &r), -ENOEXEC);
	cr_assert_eq(loader_load(&task, AT_FDCWD, fixture("t100", bb, 100, 0755),
				 argv, NULL, 0, &r), -ENOEXEC);
	cr_assert_null(r.mm);
	cr_assert_null(r.exe);

	/* 32-bit class, wrong machine, bad phentsize, too many phdrs. */
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	cr_assert_eq(loader_load(&task, AT_FDCWD, fixture("c32", bb, len, 0755), argv, NULL, 0, &r), -ENOEXEC);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_machine = EM_AARCH64;
	cr_assert_eq(loader_load(&task, AT_FDCWD, fixture("arm", bb, len, 0755), argv, NULL, 0, &r), -ENOEXEC);
	eh->e_machine = EM_X86_64;
	eh->e_phentsize = 32;
	cr_assert_eq(loader_load(&task, AT_FDCWD, fixture("phe", bb, len, 0755), argv, NULL, 0, &r), -ENOEXEC);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 0xffff;
	cr_assert_eq(loader_load(&task, AT_FDCWD, fixture("phn", bb, len, 0755), argv, NULL, 0, &r), -ENOEXEC);
	free(bb);
}

/* Hostile program headers: p_filesz > p_memsz, overlap, wraparound,
 * misaligned offset, two PT_INTERPs. */
Test(loader, hostile_segments)
{
	size_t len;
	uint8_t *orig = slurp(BUSYBOX, &len), *bb = malloc(len);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)bb;
	char *argv[] = { "x", NULL };
	struct load_result r;
	int first = -1, second = -1, note = -1;
	Elf64_Phdr *ph;

	memcpy(bb, orig, len);
	ph = (Elf64_Phdr *)(bb + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && first < 0)
			first = i;
		else if (ph[i].p_type == PT_LOAD && second < 0)
			second = i;
		else if (ph[i].p_type == PT_NOTE && note < 0)
			note = i;
	}
	cr_assert(first >= 0 && second >= 0 && note >= 0);

#define TRY(name, mutate, expect) do {                                              \
		memcpy(bb, orig, len);                                              \
		mutate;                                                             \
		cr_assert_eq(loader_load(&task, AT_FDCWD, fixture(name, bb, len, 0755), \
					 argv, NULL, 0, &r), expect, name);         \
		cr_assert_null(r.mm);                                               \
	} while (0)
	TRY("filesz", ph[first].p_filesz = ph[first].p_memsz + 1, -EINVAL);
	TRY("overlap", ph[second].p_vaddr = ph[first].p_vaddr, -EINVAL);
	TRY("wrap", ph[second].p_memsz = ~0ULL - 0x1000, -EINVAL);
	TRY("high", ph[second].p_vaddr = GUEST_TOP, -EINVAL);
	TRY("misalign", ph[second].p_offset += 1, -EINVAL);
	TRY("align", ph[second].p_align = 0x3000, -ENOEXEC);
	TRY("noload", for (int i = 0; i < eh->e_phnum; i++) if (ph[i].p_type == PT_LOAD) ph[i].p_type = PT_NULL, -ENOEXEC);
	/* A PT_INTERP whose path is not NUL-terminated. */
	TRY("interp", (ph[note].p_type = PT_INTERP, ph[note].p_offset = 0, ph[note].p_filesz = 8), -ENOEXEC);
	/* Two PT_INTERPs. */
	TRY("interp2", (memcpy(bb + 0x300, "/x\0", 3), ph[note].p_type = PT_INTERP,
			ph[note].p_offset = 0x300, ph[note].p_filesz = 3, ph[note + 1] = ph[note]), -ENOEXEC);
#undef TRY
	free(bb);
	free(orig);
}

Test(loader, permissions)
{
	size_t len;
	uint8_t *bb = slurp(BUSYBOX, &len);
	char *argv[] = { "x", NULL };
	struct load_result r;
	char *ok = fixture("ok", bb, len, 0755);

	cr_assert_eq(loader_load(&task, AT_FDCWD, fixture("noexec", bb, len, 0644), argv, NULL, 0, &r), -EACCES);
	cr_assert_eq(loader_load(&task, AT_FDCWD, dir, argv, NULL, 0, &r), -EACCES);
	cr_assert_eq(loader_load(&task, AT_FDCWD, "/dev/null", argv, NULL, 0, &r), -EACCES);
	cr_assert_eq(loader_load(&task, AT_FDCWD, "/nonexistent", argv, NULL, 0, &r), -ENOENT);
	fake_mount.flags = MNT_NOEXEC;
	cr_assert_eq(loader_load(&task, AT_FDCWD, ok, argv, NULL, 0, &r), -EACCES);
	fake_mount.flags = 0;
	cr_assert_eq(loader_load(&task, AT_FDCWD, ok, argv, NULL, 0x8000, &r), -EINVAL);
	free(bb);
}

Test(loader, symlink_nofollow)
{
	char link[128];
	char *argv[] = { "x", NULL };
	struct load_result r;

	snprintf(link, sizeof(link), "%s/lnk", dir);
	cr_assert_eq(symlink(BUSYBOX, link), 0);
	cr_assert_eq(loader_load(&task, AT_FDCWD, link, argv, NULL, AT_SYMLINK_NOFOLLOW, &r), -ELOOP);
	cr_assert_eq(loader_load(&task, AT_FDCWD, link, argv, NULL, 0, &r), 0);
	cr_assert_str_eq(r.comm, "lnk");
	release(&r);
}

Test(loader, too_many_arg_bytes)
{
	size_t n = 40;
	char **envp = calloc(n + 1, sizeof(*envp));
	char *big = malloc(LOADER_MAX_ARGS_BYTES / 32);
	char *argv[] = { "x", NULL };
	struct load_result r;

	memset(big, 'a', LOADER_MAX_ARGS_BYTES / 32 - 1);
	big[LOADER_MAX_ARGS_BYTES / 32 - 1] = '\0';
	for (size_t i = 0; i < n; i++)
		envp[i] = big;
	cr_assert_eq(loader_load(&task, AT_FDCWD, BUSYBOX, argv, envp, 0, &r), -E2BIG);
	envp[30] = NULL;
	cr_assert_eq(loader_load(&task, AT_FDCWD, BUSYBOX, argv, envp, 0, &r), 0);
	release(&r);
	free(big);
	free(envp);
}

Test(loader, setuid_binary_is_secure)
{
	size_t len;
	uint8_t *bb = slurp(BUSYBOX, &len);
	char *argv[] = { "x", NULL };
	char *p = fixture("suid", bb, len, 0755);
	struct load_result r;
	struct stk s;

	cr_assert_eq(chmod(p, 04755), 0);
	/* by default set-id bits give nothing */
	cr_assert_eq(loader_load(&task, AT_FDCWD, p, argv, NULL, 0, &r), 0);
	cr_assert_not(r.setid);
	release(&r);
	exec_setid_allowed = true;
	cr_assert_eq(loader_load(&task, AT_FDCWD, p, argv, NULL, 0, &r), 0);
	s = read_stack(&r);
	cr_assert_eq(aux(&s, AT_SECURE), (uint64_t)(getuid() != 1000));
	cr_assert_eq(aux(&s, AT_EUID), getuid());
	cr_assert_eq(r.setid, getuid() != 1000);
	release(&r);
	fake_mount.flags = MNT_NOSUID;
	cr_assert_eq(loader_load(&task, AT_FDCWD, p, argv, NULL, 0, &r), 0);
	cr_assert_not(r.setid);
	release(&r);
	exec_setid_allowed = false;
	free(bb);
}

/* ---- kernel timers (sentry/kernel/timer.c) --------------------------------------- */

static int fired[3];

static void count_fire(struct ktimer *tm, void *arg)
{
	fired[(long)arg]++;
}

static uint64_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int fired_locked(int i)
{
	int n;

	kernel_lock();
	n = fired[i];
	kernel_unlock();
	return n;
}

Test(timer, one_shot_periodic_disarm)
{
	struct ktimer *once, *tick, *never;

	cr_assert_eq(timers_init(), 0);
	kernel_lock();
	once = ktimer_new(count_fire, (void *)0L);
	tick = ktimer_new(count_fire, (void *)1L);
	never = ktimer_new(count_fire, (void *)2L);
	ktimer_arm(never, mono() + 30000000ULL, 0);
	ktimer_arm(once, mono() + 20000000ULL, 0);
	ktimer_arm(tick, mono() + 5000000ULL, 5000000ULL);
	cr_assert_gt(ktimer_remaining(once), 0);
	ktimer_arm(never, 0, 0);                 /* disarmed before it fires */
	cr_assert_eq(ktimer_remaining(never), 0);
	kernel_unlock();

	usleep(100000);
	cr_assert_eq(fired_locked(0), 1);
	cr_assert_geq(fired_locked(1), 5);
	cr_assert_eq(fired_locked(2), 0);
	kernel_lock();
	cr_assert_eq(ktimer_remaining(once), 0);
	ktimer_free(tick);
	ktimer_free(once);
	ktimer_free(never);
	kernel_unlock();
}
