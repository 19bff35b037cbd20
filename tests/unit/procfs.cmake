# unit_procfs: procfs, pipes and the poll/pipe/ioctl syscalls on the real vfs
# core (tmpfs root, /proc mounted by vfs_init); tasks, guest memory and
# sleeping are faked in fake_procfs_deps.c.
file(GLOB PROCFS_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/vfs/procfs/*.c)
cvisor_unit_test(procfs
  ${CMAKE_CURRENT_LIST_DIR}/test_procfs.c
  ${CMAKE_CURRENT_LIST_DIR}/test_pipe_syscalls.c
  ${CMAKE_CURRENT_LIST_DIR}/fake_procfs_deps.c
  ${CVISOR_VFS_TEST_SOURCES} ${PROCFS_SRCS}
  ${CMAKE_SOURCE_DIR}/vfs/sysfs/sysfs.c
  ${CMAKE_SOURCE_DIR}/vfs/pipe/pipe.c
  ${CMAKE_SOURCE_DIR}/syscalls/sys_poll.c
  ${CMAKE_SOURCE_DIR}/syscalls/sys_pipe.c
  ${CMAKE_SOURCE_DIR}/syscalls/sys_ioctl.c)
