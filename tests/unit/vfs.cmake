# unit_vfs: the vfs core, tmpfs and devfs on a tmpfs root (goferfs and
# procfs are faked with tmpfs instances, see fake_vfs_deps.c).
file(GLOB VFS_CORE_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/vfs/*.c)
list(FILTER VFS_CORE_SRCS EXCLUDE REGEX "vfs/uaccess\\.c$")
file(GLOB VFS_TMPFS_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/vfs/tmpfs/*.c)
cvisor_unit_test(vfs
  ${CMAKE_CURRENT_LIST_DIR}/test_vfs.c
  ${CMAKE_CURRENT_LIST_DIR}/fake_vfs_deps.c
  ${VFS_CORE_SRCS} ${VFS_TMPFS_SRCS}
  ${CMAKE_SOURCE_DIR}/vfs/devfs/devfs.c
  ${CMAKE_SOURCE_DIR}/sentry/mm/memfile.c ${CMAKE_SOURCE_DIR}/sentry/mm/range.c)
