# Loader (and kernel timer) unit test: the loader on real host binaries (busybox, a dynamic PIE
# and its ld.so) through a fake host-file vfs, on the real mm (or on the
# small fake mm in fake_loader_deps.c when sentry/mm is absent).
file(GLOB LOADER_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/sentry/loader/*.c)
file(GLOB LOADER_MM_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/sentry/mm/*.c)
cvisor_unit_test(loader
  ${CMAKE_CURRENT_LIST_DIR}/test_loader.c
  ${CMAKE_CURRENT_LIST_DIR}/fake_loader_deps.c
  ${CMAKE_SOURCE_DIR}/sentry/kernel/timer.c
  ${CMAKE_SOURCE_DIR}/sentry/kernel/cred.c
  ${LOADER_SRCS} ${LOADER_MM_SRCS})
if(NOT LOADER_MM_SRCS)
  target_compile_definitions(unit_loader PRIVATE LOADER_FAKE_MM)
endif()
