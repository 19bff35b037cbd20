# unit_oci: config.json parser, default spec, container state store, error log.
cvisor_unit_test(oci
  ${CMAKE_SOURCE_DIR}/tests/unit/test_oci_config.c
  ${CMAKE_SOURCE_DIR}/runsc-cli/oci/config.c
  ${CMAKE_SOURCE_DIR}/runsc-cli/oci/config_linux.c
  ${CMAKE_SOURCE_DIR}/runsc-cli/oci/jsonget.c
  ${CMAKE_SOURCE_DIR}/runsc-cli/oci/names.c
  ${CMAKE_SOURCE_DIR}/runsc-cli/oci/spec.c
  ${CMAKE_SOURCE_DIR}/runsc-cli/oci/state.c
  ${CMAKE_SOURCE_DIR}/runsc-cli/oci/errlog.c)
target_link_libraries(unit_oci PRIVATE PkgConfig::JANSSON)
target_compile_definitions(unit_oci PRIVATE OCI_CONFIGS_DIR="${CMAKE_SOURCE_DIR}/tests/unit/oci_configs")
