/* The command line: runc's commands and runsc's flags. One file per command. */
#ifndef CVISOR_CLI_H
#define CVISOR_CLI_H

int cli_main(int argc, char **argv);
int cmd_do(int argc, char **argv);        /* cvisor do [flags] -- CMD ARGS... */
int cmd_boot(int argc, char **argv);      /* internal: the sentry process */
int cmd_gofer(int argc, char **argv);     /* internal: the gofer process */
int cmd_syscalls(int argc, char **argv);  /* compatibility report */

#endif
