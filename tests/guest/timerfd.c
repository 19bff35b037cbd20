/* timerfd: a periodic timer gives 3 expirations within a bound; one-shot,
 * gettime, absolute time, non-blocking read, errors. */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "guest.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	struct itimerspec its = { 0 }, cur;
	uint64_t ticks, total = 0;
	int fd;

	CHECK(timerfd_create(12345, 0) == -1 && errno == EINVAL, "bad clock");
	CHECK(timerfd_create(CLOCK_MONOTONIC, 0x4) == -1 && errno == EINVAL, "bad flags");
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	CHECK(fd >= 0, "create");
	CHECK(read(fd, &ticks, 4) == -1 && errno == EINVAL, "short read");
	its.it_value.tv_nsec = 1000000000;
	CHECK(timerfd_settime(fd, 0, &its, NULL) == -1 && errno == EINVAL, "bad nsec");
	CHECK(timerfd_settime(0, 0, &its, NULL) == -1 && errno == EINVAL, "not a timerfd");

	/* Periodic: 50 ms then every 50 ms; 3 expirations well within 2 s. */
	double start = now();
	its.it_value.tv_nsec = 50000000;
	its.it_interval.tv_nsec = 50000000;
	CHECK(timerfd_settime(fd, 0, &its, NULL) == 0, "settime");
	CHECK(timerfd_gettime(fd, &cur) == 0, "gettime");
	CHECK(cur.it_interval.tv_nsec == 50000000 && cur.it_value.tv_sec == 0 &&
	      cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 50000000, "gettime values");
	while (total < 3) {
		CHECK(read(fd, &ticks, 8) == 8, "read");
		CHECK(ticks >= 1, "ticks");
		total += ticks;
	}
	double took = now() - start;
	CHECK(took >= 0.14 && took < 2.0, "3 expirations took %f", took);
	printf("periodic ok\n");

	/* Disarm; non-blocking read then fails with EAGAIN. */
	memset(&its, 0, sizeof(its));
	CHECK(timerfd_settime(fd, 0, &its, &cur) == 0, "disarm");
	CHECK(cur.it_interval.tv_nsec == 50000000, "old value");
	CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0, "nonblock");
	CHECK(read(fd, &ticks, 8) == -1 && errno == EAGAIN, "disarmed");

	/* One-shot absolute on CLOCK_REALTIME, awaited with poll. */
	int rfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
	CHECK(rfd >= 0, "realtime");
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	its.it_value = rt;
	its.it_value.tv_nsec += 100000000;
	if (its.it_value.tv_nsec >= 1000000000) {
		its.it_value.tv_sec++;
		its.it_value.tv_nsec -= 1000000000;
	}
	CHECK(timerfd_settime(rfd, TFD_TIMER_ABSTIME, &its, NULL) == 0, "abs settime");
	struct pollfd pfd = { .fd = rfd, .events = POLLIN };
	CHECK(poll(&pfd, 1, 0) == 0, "not yet");
	CHECK(poll(&pfd, 1, 3000) == 1 && pfd.revents == POLLIN, "expired");
	CHECK(read(rfd, &ticks, 8) == 8 && ticks == 1, "one tick");
	CHECK(timerfd_gettime(rfd, &cur) == 0 && cur.it_value.tv_sec == 0 &&
	      cur.it_value.tv_nsec == 0, "one-shot done");
	CHECK(read(rfd, &ticks, 8) == -1 && errno == EAGAIN, "no more");
	printf("oneshot ok\n");
	return 0;
}
