/* argv, envp and the auxiliary vector the loader builds (run by the runner
 * with the arguments of args.args and CVISOR_TEST_VAR in the environment). */
#include <elf.h>
#include <sys/auxv.h>
#include <unistd.h>
#include "guest.h"

extern void _start(void);
extern char **environ;

int main(int argc, char **argv)
{
	static const char *want[] = { "alpha", "beta gamma", "", "-x" };
	const char *v;
	const unsigned char *rnd;
	const char *execfn;
	int i, nonzero = 0;

	CHECK(argc == 5, "argc %d", argc);
	for (i = 0; i < 4; i++)
		CHECK(strcmp(argv[i + 1], want[i]) == 0, "argv[%d] '%s'", i + 1, argv[i + 1]);
	CHECK(argv[argc] == NULL, "argv not NULL-terminated");
	printf("argc %d\n", argc);
	for (i = 1; i < argc; i++)
		printf("argv[%d] '%s'\n", i, argv[i]);

	v = getenv("CVISOR_TEST_VAR");
	CHECK(v && strcmp(v, "value with spaces=1") == 0, "CVISOR_TEST_VAR '%s'", v ? v : "(null)");
	/* envp starts right after argv's NULL on the initial stack. */
	CHECK(environ == argv + argc + 1, "environ %p does not follow argv", (void *)environ);
	printf("env ok\n");

	CHECK(getauxval(AT_PAGESZ) == 4096, "AT_PAGESZ %lu", getauxval(AT_PAGESZ));
	rnd = (const unsigned char *)getauxval(AT_RANDOM);
	CHECK(rnd != NULL, "AT_RANDOM missing");
	for (i = 0; i < 16; i++)
		nonzero |= rnd[i];
	CHECK(nonzero, "AT_RANDOM bytes all zero");
	CHECK(getauxval(AT_ENTRY) == (unsigned long)&_start, "AT_ENTRY %#lx, _start %p",
	      getauxval(AT_ENTRY), (void *)&_start);
	execfn = (const char *)getauxval(AT_EXECFN);
	CHECK(execfn && strcmp(execfn, argv[0]) == 0, "AT_EXECFN '%s' argv[0] '%s'",
	      execfn ? execfn : "(null)", argv[0]);
	CHECK(getauxval(AT_PHDR) != 0, "AT_PHDR missing");
	CHECK(getauxval(AT_PHENT) == sizeof(Elf64_Phdr), "AT_PHENT %lu", getauxval(AT_PHENT));
	CHECK(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid(), "AT_UID/AT_EUID");
	CHECK(getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid(), "AT_GID/AT_EGID");
	CHECK(getauxval(AT_SECURE) == 0, "AT_SECURE %lu", getauxval(AT_SECURE));
	printf("auxv ok\n");
	return 0;
}
