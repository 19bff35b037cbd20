/* cvisor entry point: dispatch to a subcommand (see cli.h). */
#include "runsc-cli/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
