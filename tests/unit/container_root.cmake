# unit_container_root: a pod container's own mount tree beside the
# sandbox's (vfs/init.c vfs_container_root) and its teardown.
cvisor_unit_test(container_root
  ${CMAKE_CURRENT_LIST_DIR}/test_container_root.c
  ${CMAKE_CURRENT_LIST_DIR}/fake_vfs_deps.c
  ${CVISOR_VFS_TEST_SOURCES})
