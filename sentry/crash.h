/* Sentry crash reports: backtrace (libunwind) + faulting instruction (capstone). */
#ifndef CVISOR_CRASH_H
#define CVISOR_CRASH_H
void crash_handler_install(void);
#endif
