# unit_mount: the mount tree (vfs/mount.c) through the real vfs core and
# tmpfs: mounts, binds, moves, umount (busy, lazy, expiring), lifetimes,
# propagation records and the mountinfo accessor.
cvisor_unit_test(mount
  ${CMAKE_CURRENT_LIST_DIR}/test_mount.c
  ${CMAKE_CURRENT_LIST_DIR}/fake_vfs_deps.c
  ${CVISOR_VFS_TEST_SOURCES})
