/* The OCI console socket (`--console-socket`, process.terminal): a host
 * pty pair; the master goes to whoever listens on the socket (the shim),
 * the slave becomes the sentry's stdio: for `create` the outer end of a
 * sentry pty (vfs/tty/console.c), for `exec` wrapped as a host tty file. */
#ifndef CVISOR_CONSOLE_H
#define CVISOR_CONSOLE_H
#include <stdbool.h>

/* Open a host pty pair (window rows x cols when both are non-zero), send
 * the master over the unix stream socket at `socket_path` with SCM_RIGHTS,
 * the pty's name as data (as runc does), and close our copy of it.
 * Returns the slave fd (O_CLOEXEC, not a controlling terminal) or -1 with
 * the error printed. */
int console_setup(const char *socket_path, unsigned rows, unsigned cols);

/* In the future sentry process (before exec, stdio already the slave):
 * fork a relay that takes `tty` as the controlling terminal of a session of
 * its own and passes the signals the terminal raises (^C, ^\, resize,
 * hangup) on to its parent as process-sent signals, which the sentry
 * forwards to the guest. Alone in its session, it keeps the terminal's
 * signals away from the gofer and the stubs. Best effort: no error. */
void console_relay(int tty);

/* In the sentry: was its stdio set up by console_relay (an OCI console)?
 * The answer travels in the environment of the exec'd `cvisor boot`; the
 * variable is removed. */
bool console_is_relayed(void);

#endif
