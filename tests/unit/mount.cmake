# unit_mount: the mount tree (vfs/mount.c) through the real vfs core and
# tmpfs: mounts, binds, moves, umount (busy, lazy, expiring), lifetimes,
# propagation records and the mountinfo accessor.
file(GLOB MOUNT_CORE_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/vfs/*.c)
list(FILTER MOUNT_CORE_SRCS EXCLUDE REGEX "vfs/uaccess\\.c$")
file(GLOB MOUNT_TMPFS_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/vfs/tmpfs/*.c)
cvisor_unit_test(mount
  ${CMAKE_CURRENT_LIST_DIR}/test_mount.c
  ${CMAKE_CURRENT_LIST_DIR}/fake_vfs_deps.c
  ${MOUNT_CORE_SRCS} ${MOUNT_TMPFS_SRCS}
  ${CMAKE_SOURCE_DIR}/vfs/devfs/devfs.c
  ${CMAKE_SOURCE_DIR}/sentry/mm/memfile.c ${CMAKE_SOURCE_DIR}/sentry/mm/range.c)
