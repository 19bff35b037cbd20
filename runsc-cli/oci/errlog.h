/* Error output of the CLI. Errors always go to stderr as "cvisor: msg";
 * with --log FILE they are also appended to FILE, as a JSON line
 * {"level":"error","msg":"...","time":"RFC3339"} with --log-format json
 * (what containerd's shim reads back) or as a logrus-style text line. */
#ifndef CVISOR_OCI_ERRLOG_H
#define CVISOR_OCI_ERRLOG_H

/* path NULL: stderr only. format: "text" (default when NULL) or "json".
 * Returns 0, or -1 after printing why (bad format, cannot open the file). */
int cli_log_setup(const char *path, const char *format);
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Also called with every error message when set (--debug-log). */
extern void (*cli_error_hook)(const char *msg);

#endif
