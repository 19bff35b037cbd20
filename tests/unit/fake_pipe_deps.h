/* What the pipe test's fakes record. */
#ifndef FAKE_PIPE_DEPS_H
#define FAKE_PIPE_DEPS_H
#include "sentry/signal_types.h"

struct task;
struct fake_pipe_log {
	int sleeps, wakes, signals, inodes_live;
	struct ksiginfo last_sig;
	struct task *last_target;
};
extern struct fake_pipe_log fake_log;

#endif
