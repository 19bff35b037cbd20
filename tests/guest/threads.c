/* 8 pthreads: a mutex-protected counter and a barrier made of a condvar,
 * used twice (generations), plus thread-local storage and join values. */
#include <pthread.h>
#include <stdint.h>
#include "guest.h"

#define NTHREADS 8
#define NITER 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int arrived, generation;
static int phase_seen[NTHREADS];
static __thread int tls_id = -1;

static void barrier(void)
{
	int gen;

	pthread_mutex_lock(&lock);
	gen = generation;
	if (++arrived == NTHREADS) {
		arrived = 0;
		generation++;
		pthread_cond_broadcast(&cond);
	} else {
		while (gen == generation)
			pthread_cond_wait(&cond, &lock);
	}
	pthread_mutex_unlock(&lock);
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;

	tls_id = id;
	for (int i = 0; i < NITER; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	barrier();
	/* Past the barrier every thread's increments are visible. */
	pthread_mutex_lock(&lock);
	phase_seen[id] = counter == (long)NTHREADS * NITER;
	pthread_mutex_unlock(&lock);
	barrier();
	return (void *)(intptr_t)(tls_id * 10);
}

int main(void)
{
	pthread_t th[NTHREADS];
	void *ret;

	tls_id = 99;
	for (int i = 0; i < NTHREADS; i++)
		CHECK(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) == 0, "pthread_create %d", i);
	for (int i = 0; i < NTHREADS; i++) {
		CHECK(pthread_join(th[i], &ret) == 0, "pthread_join %d", i);
		CHECK((intptr_t)ret == i * 10, "thread %d returned %ld", i, (long)(intptr_t)ret);
		CHECK(phase_seen[i], "thread %d passed the barrier early", i);
	}
	CHECK(counter == (long)NTHREADS * NITER, "counter %ld", counter);
	CHECK(tls_id == 99, "main's TLS clobbered: %d", tls_id);
	CHECK(generation == 2, "barrier generations %d", generation);
	printf("counter %ld\n", counter);
	printf("barrier ok, 2 generations\n");
	printf("tls and join values ok\n");
	return 0;
}
