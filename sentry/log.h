/* Sentry logging. Everything goes to the debug log fd (stderr by default);
 * debug lines only with --debug. Never writes to guest-visible fds. */
#ifndef CVISOR_LOG_H
#define CVISOR_LOG_H
#include <stdbool.h>
#include <stdnoreturn.h>

extern bool log_debug_enabled;
extern int log_fd; /* host fd for sentry messages, default 2 */

void log_msg(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
noreturn void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define log_debug(...) do { if (log_debug_enabled) log_msg("debug", __VA_ARGS__); } while (0)
#define log_info(...) log_msg("info", __VA_ARGS__)
#define log_warn(...) log_msg("warning", __VA_ARGS__)
#define log_error(...) log_msg("error", __VA_ARGS__)

#endif
