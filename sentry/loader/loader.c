/* loader_load(): resolve the executable, follow `#!` scripts, load the ELF
 * (and its PT_INTERP) into a fresh mm, build the stack and registers.
 * Nothing of the calling task is modified; on error the new mm is freed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "platform/platform.h"
#include "sentry/cred.h"
#include "sentry/loader.h"
#include "sentry/mm.h"
#include "sentry/task.h"
#include "vfs/vfs.h"
#include "sentry/loader/loader_int.h"

#define MMAP_BASE_GAP (8ULL << 30)   /* room between mmap_base and the stack */

struct ldctx {
	const char **av;              /* argv as it will be passed (scripts rewrite it) */
	size_t argc, envc;
	char sbuf[LOADER_MAX_SCRIPT][LOADER_BUF_SIZE];  /* `#!` lines; av points into them */
	uint8_t hdr[LOADER_BUF_SIZE];
	size_t hdrlen;
	char interp[PATH_MAX_LEN];
	char *fdpath;                 /* "/dev/fd/N[/path]" for execveat with a dirfd */
};

int loader_open_exec(struct task *t, int dirfd, const char *path, int flags, struct file **out)
{
	int lflags = (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW;
	struct inode *ino;
	struct path p;
	int err;

	if (flags & AT_EMPTY_PATH)
		lflags |= LOOKUP_EMPTY;
	err = path_lookup(t, dirfd, path, lflags, &p);
	if (err)
		return err;
	ino = p.dentry->inode;
	if (S_ISLNK(ino->mode))
		err = -ELOOP;   /* AT_SYMLINK_NOFOLLOW on a symlink */
	else if (!S_ISREG(ino->mode) || (p.mnt && (p.mnt->flags & MNT_NOEXEC)) || !(ino->mode & 0111))
		err = -EACCES;
	else
		err = inode_permission(&t->cred, ino, MAY_EXEC);
	/* Exec needs MAY_EXEC only (checked above), not read permission, so the
	 * file is opened as the kernel, like Linux's open_exec(). */
	if (!err)
		err = vfs_open_path(NULL, &p, O_RDONLY, out);
	path_put(&p);
	return err;
}

/* Sum of string bytes of av and envp, or -E2BIG past the limits. */
static int check_sizes(const char *const *av, size_t argc, char *const envp[], size_t envc)
{
	size_t total = 0;

	for (size_t i = 0; i < argc + envc; i++) {
		size_t len = strnlen(i < argc ? av[i] : envp[i - argc], LOADER_MAX_STRLEN) + 1;

		if (len > LOADER_MAX_STRLEN)
			return -E2BIG;
		total += len;
		if (total > LOADER_MAX_ARGS_BYTES)
			return -E2BIG;
	}
	return 0;
}

static size_t count(char *const v[])
{
	size_t n = 0;

	/* Bounded: every entry costs at least one byte of LOADER_MAX_ARGS_BYTES. */
	while (v && v[n] && n <= LOADER_MAX_ARGS_BYTES)
		n++;
	return n;
}

static int read_hdr(struct ldctx *c, struct file *f)
{
	ssize_t n;

	memset(c->hdr, 0, sizeof(c->hdr));
	n = kernel_pread(f, c->hdr, sizeof(c->hdr), 0);
	if (n < 0)
		return (int)n;
	c->hdrlen = (size_t)n;
	return 0;
}

/* Follow `#!` levels: on return *f is the ELF candidate, c->hdr its header
 * and c->av the rewritten argv [interp, optarg?, filename, argv[1..]]. */
static int follow_scripts(struct task *t, struct ldctx *c, const char *filename, struct file **f)
{
	for (int depth = 0;; depth++) {
		const char *name, *arg;
		size_t add;
		int err = read_hdr(c, *f);

		if (err)
			return err;
		if (c->hdrlen < 2 || c->hdr[0] != '#' || c->hdr[1] != '!')
			return 0;
		if (depth >= LOADER_MAX_SCRIPT)
			return -ELOOP;
		memcpy(c->sbuf[depth], c->hdr, LOADER_BUF_SIZE);
		err = script_parse(c->sbuf[depth], &name, &arg);
		if (err)
			return err;
		/* Drop argv[0], prepend interp, optional arg and the script path. */
		add = arg ? 3 : 2;
		memmove(c->av + add, c->av + 1, (c->argc - 1) * sizeof(*c->av));
		c->av[0] = name;
		if (arg)
			c->av[1] = arg;
		c->av[add - 1] = filename;
		c->argc += add - 1;
		filename = name;
		file_put(*f);
		*f = NULL;
		err = loader_open_exec(t, AT_FDCWD, name, 0, f);
		if (err)
			return err;
	}
}

static int load_interp(struct task *t, struct mm *mm, struct ldctx *c, uint64_t *base, uint64_t *entry)
{
	struct elf_image img;
	struct file *f;
	int err = loader_open_exec(t, AT_FDCWD, c->interp, 0, &f);

	if (err)
		return err;
	err = read_hdr(c, f);
	if (!err)
		err = elf_load(mm, f, c->hdr, c->hdrlen, true, &img, NULL);
	file_put(f);
	if (!err) {
		*base = img.bias;
		*entry = img.entry;
	}
	return err;
}

static void set_comm(char comm[16], struct file *f, const char *filename, bool fdpath)
{
	const char *name = filename, *slash = strrchr(filename, '/');

	if (fdpath && f->path.dentry)
		name = f->path.dentry->name;
	else if (slash)
		name = slash + 1;
	snprintf(comm, 16, "%s", name);
}

static int load(struct task *t, struct ldctx *c, struct file *f, const char *filename,
		char *const envp[], struct load_result *out)
{
	struct stack_args sa = { 0 };
	struct elf_image exe;
	uint64_t interp_base = 0, interp_entry = 0, rsp = 0;
	struct mm *mm = mm_new();
	int err;

	if (!mm)
		return -ENOMEM;
	mm->mmap_base = GUEST_TOP - MMAP_BASE_GAP;
	err = elf_load(mm, f, c->hdr, c->hdrlen, false, &exe, c->interp);
	if (!err && c->interp[0])
		err = load_interp(t, mm, c, &interp_base, &interp_entry);
	if (err)
		goto fail;
	mm->start_brk = mm->brk = exe.end;

	sa.argv = c->av;
	sa.argc = c->argc;
	sa.envp = (const char *const *)envp;
	sa.envc = c->envc;
	sa.execfn = filename;
	sa.exe = &exe;
	sa.interp_base = interp_base;
	cred_for_exec(t, f->inode, f->path.mnt && (f->path.mnt->flags & MNT_NOSUID), &out->cred,
		      &sa.secure);
	sa.uid = out->cred.uid;
	sa.euid = out->cred.euid;
	sa.gid = out->cred.gid;
	sa.egid = out->cred.egid;
	err = stack_setup(mm, &sa, &rsp);
	if (err)
		goto fail;

	memset(&out->regs, 0, sizeof(out->regs));
	out->regs.gp.rip = c->interp[0] ? interp_entry : exe.entry;
	out->regs.gp.rsp = rsp;
	out->regs.gp.cs = 0x33;
	out->regs.gp.ss = 0x2b;
	out->regs.gp.eflags = 0x202;
	out->setid = sa.secure;
	file_get(f);
	mm->exe = f;
	file_get(f);
	out->exe = f;
	out->mm = mm;
	return 0;
fail:
	mm_put(mm);
	return err;
}

int loader_load(struct task *t, int dirfd, const char *path, char *const argv[],
		char *const envp[], int flags, struct load_result *out)
{
	struct file *f = NULL;
	const char *filename = path;
	struct ldctx *c;
	size_t argc;
	int err;

	memset(out, 0, sizeof(*out));
	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	argc = count(argv);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->envc = count(envp);
	/* argv[0] is forced to "" when empty, like Linux >= 5.18. */
	c->argc = argc ? argc : 1;
	err = check_sizes((const char *const *)argv, argc, envp, c->envc);
	if (err)
		goto out;
	c->av = calloc(c->argc + 2 * LOADER_MAX_SCRIPT + 1, sizeof(*c->av));
	if (!c->av) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < argc; i++)
		c->av[i] = argv[i];
	if (!argc)
		c->av[0] = "";

	if (dirfd != AT_FDCWD && path[0] != '/') {
		if (asprintf(&c->fdpath, path[0] ? "/dev/fd/%d/%s" : "/dev/fd/%d", dirfd, path) < 0) {
			c->fdpath = NULL;
			err = -ENOMEM;
			goto out;
		}
		filename = c->fdpath;
	}
	err = loader_open_exec(t, dirfd, path, flags, &f);
	if (err)
		goto out;
	set_comm(out->comm, f, filename, c->fdpath != NULL);
	err = follow_scripts(t, c, filename, &f);
	if (!err)
		err = check_sizes(c->av, c->argc, envp, c->envc);
	if (!err)
		err = load(t, c, f, filename, envp, out);
out:
	if (f)
		file_put(f);
	if (err)
		memset(out, 0, sizeof(*out));
	free(c->fdpath);
	free(c->av);
	free(c);
	return err;
}
