cvisor_unit_test(platform_ptrace
  ${CMAKE_SOURCE_DIR}/tests/unit/test_platform_ptrace.c
  ${CMAKE_SOURCE_DIR}/platform/platform.c
  ${CMAKE_SOURCE_DIR}/platform/ptrace/ptrace.c
  ${CMAKE_SOURCE_DIR}/platform/ptrace/inject.c
  ${CMAKE_SOURCE_DIR}/platform/ptrace/switch.c
  ${CMAKE_SOURCE_DIR}/platform/ptrace/stub.S
  ${CMAKE_SOURCE_DIR}/sentry/arch.c)
