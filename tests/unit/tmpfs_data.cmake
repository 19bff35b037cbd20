# unit_tmpfs_data: tmpfs file data in memory-file chunks (sparse files,
# truncation, holes, the chunks shared mappings use, no leaks), on the real
# vfs core with the fakes of unit_vfs.
cvisor_unit_test(tmpfs_data
  ${CMAKE_CURRENT_LIST_DIR}/test_tmpfs_data.c
  ${CMAKE_CURRENT_LIST_DIR}/fake_vfs_deps.c
  ${CVISOR_VFS_TEST_SOURCES})
