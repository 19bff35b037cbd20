# unit_cgroup: cgroup paths, v1/v2 controller files (a fake tree), state record.
cvisor_unit_test(cgroup
  ${CMAKE_SOURCE_DIR}/tests/unit/test_cgroup.c
  ${CMAKE_SOURCE_DIR}/runsc-cli/sandbox/cgroup.c
  ${CMAKE_SOURCE_DIR}/runsc-cli/sandbox/cgroup_v1.c
  ${CMAKE_SOURCE_DIR}/runsc-cli/sandbox/cgroup_v2.c)
target_link_libraries(unit_cgroup PRIVATE PkgConfig::JANSSON)
