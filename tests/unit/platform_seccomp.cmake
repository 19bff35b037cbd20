cvisor_unit_test(platform_seccomp
  ${CMAKE_SOURCE_DIR}/tests/unit/test_platform_seccomp.c
  ${CVISOR_PLATFORM_SOURCES}
  ${CMAKE_SOURCE_DIR}/sentry/arch.c)
