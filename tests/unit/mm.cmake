file(GLOB MM_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/sentry/mm/*.c)
cvisor_unit_test(mm
  ${CMAKE_CURRENT_LIST_DIR}/test_mm.c
  ${CMAKE_CURRENT_LIST_DIR}/fake_mm_deps.c
  ${CMAKE_SOURCE_DIR}/syscalls/sys_mm.c
  ${MM_SOURCES})
