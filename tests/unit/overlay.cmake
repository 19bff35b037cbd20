# unit_overlay: the overlay over two tmpfs instances, through the real vfs
# core (fakes of goferfs/procfs/pipes as for unit_vfs).
cvisor_unit_test(overlay
  ${CMAKE_CURRENT_LIST_DIR}/test_overlay.c
  ${CMAKE_CURRENT_LIST_DIR}/fake_vfs_deps.c
  ${CVISOR_VFS_TEST_SOURCES})
