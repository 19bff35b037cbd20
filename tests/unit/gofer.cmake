# unit_gofer: protocol, server and goferfs (with fakes of the vfs objects).
cvisor_unit_test(gofer
  ${CMAKE_SOURCE_DIR}/tests/unit/test_gofer.c
  ${CMAKE_SOURCE_DIR}/tests/unit/fake_gofer_deps.c
  ${CMAKE_SOURCE_DIR}/gofer/proto.c
  ${CMAKE_SOURCE_DIR}/gofer/server.c
  ${CMAKE_SOURCE_DIR}/gofer/server_write.c
  ${CMAKE_SOURCE_DIR}/gofer/sandbox.c
  ${CMAKE_SOURCE_DIR}/sentry/sandbox/allow.c
  ${CMAKE_SOURCE_DIR}/vfs/goferfs/chan.c
  ${CMAKE_SOURCE_DIR}/vfs/goferfs/super.c
  ${CMAKE_SOURCE_DIR}/vfs/goferfs/file.c
  ${CMAKE_SOURCE_DIR}/vfs/goferfs/ops.c
  ${CMAKE_SOURCE_DIR}/vfs/goferfs/xattr.c
  ${CMAKE_SOURCE_DIR}/vfs/goferfs/pagecache.c ${CMAKE_SOURCE_DIR}/tests/unit/fake_gofer_mm.c
  ${CMAKE_SOURCE_DIR}/sentry/mm/memfile.c ${CMAKE_SOURCE_DIR}/sentry/mm/range.c)
target_link_libraries(unit_gofer PRIVATE PkgConfig::SECCOMP)
