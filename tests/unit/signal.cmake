# Signals and futexes: generation, delivery, rt_sigframe + rt_sigreturn,
# restart rules, signal syscalls, futex queues. The mm (over a host buffer),
# platform, task sleeping and exits are faked (tests/unit/fake_signal_deps.c).
cvisor_unit_test(signal
  ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_signal.c
  ${CMAKE_CURRENT_SOURCE_DIR}/unit/fake_signal_deps.c
  ${CMAKE_SOURCE_DIR}/sentry/kernel/signal.c
  ${CMAKE_SOURCE_DIR}/sentry/kernel/sigdeliver.c
  ${CMAKE_SOURCE_DIR}/sentry/kernel/sigframe.c
  ${CMAKE_SOURCE_DIR}/sentry/kernel/futex.c
  ${CMAKE_SOURCE_DIR}/syscalls/sys_signal.c
  ${CMAKE_SOURCE_DIR}/syscalls/sys_futex.c)
