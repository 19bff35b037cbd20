# unit_vfs: the vfs core, tmpfs and devfs on a tmpfs root (goferfs and
# procfs are faked with tmpfs instances, see fake_vfs_deps.c).
cvisor_unit_test(vfs
  ${CMAKE_CURRENT_LIST_DIR}/test_vfs.c
  ${CMAKE_CURRENT_LIST_DIR}/fake_vfs_deps.c
  ${CVISOR_VFS_TEST_SOURCES})
