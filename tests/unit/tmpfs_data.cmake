# unit_tmpfs_data: tmpfs file data in memory-file chunks (sparse files,
# truncation, holes, the chunks shared mappings use, no leaks), on the real
# vfs core with the fakes of unit_vfs.
file(GLOB TD_CORE_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/vfs/*.c)
list(FILTER TD_CORE_SRCS EXCLUDE REGEX "vfs/uaccess\\.c$")
file(GLOB TD_TMPFS_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/vfs/tmpfs/*.c)
# the overlay too: vfs_init may build an overlay root
file(GLOB TD_OVL_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/vfs/overlay/*.c)
cvisor_unit_test(tmpfs_data
  ${CMAKE_CURRENT_LIST_DIR}/test_tmpfs_data.c
  ${CMAKE_CURRENT_LIST_DIR}/fake_vfs_deps.c
  ${TD_CORE_SRCS} ${TD_TMPFS_SRCS} ${TD_OVL_SRCS}
  ${CMAKE_SOURCE_DIR}/vfs/devfs/devfs.c
  ${CMAKE_SOURCE_DIR}/sentry/mm/memfile.c ${CMAKE_SOURCE_DIR}/sentry/mm/range.c)
