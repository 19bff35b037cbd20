# unit_guest_seccomp: linux.seccomp of config.json compiled into the sentry's
# rule table (runsc-cli/sandbox/seccomp.c) and matched (sentry/seccomp_guest/match.c).
cvisor_unit_test(guest_seccomp
  ${CMAKE_SOURCE_DIR}/tests/unit/test_guest_seccomp.c
  ${CMAKE_SOURCE_DIR}/runsc-cli/sandbox/seccomp.c
  ${CMAKE_SOURCE_DIR}/sentry/seccomp_guest/match.c
  ${CMAKE_SOURCE_DIR}/syscalls/table.c
  ${CMAKE_SOURCE_DIR}/runsc-cli/oci/config.c
  ${CMAKE_SOURCE_DIR}/runsc-cli/oci/config_linux.c
  ${CMAKE_SOURCE_DIR}/runsc-cli/oci/jsonget.c
  ${CMAKE_SOURCE_DIR}/runsc-cli/oci/names.c)
target_link_libraries(unit_guest_seccomp PRIVATE PkgConfig::JANSSON)
