cvisor_unit_test(platform_ptrace
  ${CMAKE_SOURCE_DIR}/tests/unit/test_platform_ptrace.c
  ${CVISOR_PLATFORM_SOURCES}
  ${CMAKE_SOURCE_DIR}/sentry/arch.c)
