# unit_overlay: the overlay over two tmpfs instances, through the real vfs
# core (fakes of goferfs/procfs/pipes as for unit_vfs).
file(GLOB OVL_CORE_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/vfs/*.c)
list(FILTER OVL_CORE_SRCS EXCLUDE REGEX "vfs/uaccess\\.c$")
file(GLOB OVL_TMPFS_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/vfs/tmpfs/*.c)
file(GLOB OVL_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/vfs/overlay/*.c)
cvisor_unit_test(overlay
  ${CMAKE_CURRENT_LIST_DIR}/test_overlay.c
  ${CMAKE_CURRENT_LIST_DIR}/fake_vfs_deps.c
  ${OVL_CORE_SRCS} ${OVL_TMPFS_SRCS} ${OVL_SRCS}
  ${CMAKE_SOURCE_DIR}/vfs/devfs/devfs.c
  ${CMAKE_SOURCE_DIR}/sentry/mm/memfile.c ${CMAKE_SOURCE_DIR}/sentry/mm/range.c)
