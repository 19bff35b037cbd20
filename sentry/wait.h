/* Waiting for children (wait4, waitid). */
#ifndef CVISOR_WAIT_H
#define CVISOR_WAIT_H
#include <stdint.h>
#include <sys/wait.h>

struct task;

struct wait_req {
	idtype_t which;   /* P_ALL, P_PID, P_PGID */
	int id;
	int options;      /* WEXITED | WSTOPPED | WCONTINUED | WNOHANG | WNOWAIT | __WALL | __WCLONE */
};

struct wait_result {
	int pid;          /* 0: nothing ready (WNOHANG) */
	int status;       /* wait4 status word */
	int code;         /* CLD_* for waitid */
	uint32_t uid;
	uint64_t utime_ns, stime_ns;
};

/* 1 with *r filled, 0 when WNOHANG found nothing, or -errno/-ERESTARTSYS. */
long do_wait(struct task *t, const struct wait_req *w, struct wait_result *r);

#endif
