# unit_procfs: procfs, pipes and the poll/pipe/ioctl syscalls on the real vfs
# core (tmpfs root, /proc mounted by vfs_init); tasks, guest memory and
# sleeping are faked in fake_procfs_deps.c.
file(GLOB PROCFS_VFS_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/vfs/*.c
  ${CMAKE_SOURCE_DIR}/vfs/tmpfs/*.c ${CMAKE_SOURCE_DIR}/vfs/procfs/*.c)
list(FILTER PROCFS_VFS_SRCS EXCLUDE REGEX "vfs/uaccess\\.c$")
cvisor_unit_test(procfs
  ${CMAKE_CURRENT_LIST_DIR}/test_procfs.c
  ${CMAKE_CURRENT_LIST_DIR}/test_pipe_syscalls.c
  ${CMAKE_CURRENT_LIST_DIR}/fake_procfs_deps.c
  ${PROCFS_VFS_SRCS}
  ${CMAKE_SOURCE_DIR}/vfs/devfs/devfs.c
  ${CMAKE_SOURCE_DIR}/sentry/mm/memfile.c ${CMAKE_SOURCE_DIR}/sentry/mm/range.c
  ${CMAKE_SOURCE_DIR}/vfs/sysfs/sysfs.c
  ${CMAKE_SOURCE_DIR}/vfs/pipe/pipe.c
  ${CMAKE_SOURCE_DIR}/syscalls/sys_poll.c
  ${CMAKE_SOURCE_DIR}/syscalls/sys_pipe.c
  ${CMAKE_SOURCE_DIR}/syscalls/sys_ioctl.c)
