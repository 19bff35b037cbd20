# Pipe semantics through the file ops; vfs core, wait queues, task sleep
# and signals are faked (tests/unit/fake_pipe_deps.c).
cvisor_unit_test(pipe
  ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_pipe.c
  ${CMAKE_CURRENT_SOURCE_DIR}/unit/fake_pipe_deps.c
  ${CMAKE_SOURCE_DIR}/vfs/pipe/pipe.c
  ${CMAKE_SOURCE_DIR}/vfs/simple_attr.c)
