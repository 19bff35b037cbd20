/*
 * Confinement of the gofer process (see gofer.h). Not done yet: the gofer
 * currently runs with the privileges and the view of the host of whoever
 * started it, protected only by the O_PATH|O_NOFOLLOW walk discipline of
 * server.c. The plan, in this order, before the first request is read:
 *   1. unshare(CLONE_NEWNS), make mounts private, bind the root onto itself,
 *      pivot_root into it and detach the old root; *rootfd becomes "/";
 *   2. close every fd but the channels and the root;
 *   3. drop capabilities not needed to serve files, set no_new_privs;
 *   4. install a libseccomp allowlist: openat/fstatat/fstat/readlinkat/
 *      getdents64/lseek/close/fcntl/fstatfs/ftruncate, recvmsg/sendmsg on
 *      the channels, and for a writable root mkdirat/mknodat/symlinkat/
 *      linkat/unlinkat/renameat2/fchownat/fchmodat2/utimensat/fsync and
 *      f{get,set,list,remove}xattr; clone for the channel threads.
 */
#include "gofer/gofer.h"

int gofer_sandbox(int *rootfd)
{
	(void)rootfd;
	return 0;
}
