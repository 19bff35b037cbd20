/*
 * A pool of fresh address spaces: each one stopped stub thread cloned from
 * the zygote, unowned, waiting to be handed out by as_new, so an execve or
 * fork does not wait for a host clone. A filler thread keeps SC_POOL_SIZE
 * of them ready; it starts with the first take (after the sentry's
 * lockdown: it only clones from the zygote, as as_new itself does) and
 * sleeps on a condition variable otherwise, so an idle sandbox pays
 * nothing but the pooled processes. All of them die with the zygote's
 * owner like every stub.
 */
#include <pthread.h>
#include <stdbool.h>
#include "seccomp_impl.h"

#define SC_POOL_SIZE 2

static struct platform_ctx *pool[SC_POOL_SIZE];
static int npool;
static bool filler_running, filler_failed;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_low = PTHREAD_COND_INITIALIZER;

static void *filler(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&pool_lock);
	for (;;) {
		while (npool >= SC_POOL_SIZE)
			pthread_cond_wait(&pool_low, &pool_lock);
		pthread_mutex_unlock(&pool_lock);
		struct platform_ctx *ctx;
		int err = sc_spawn_fresh(&ctx);
		pthread_mutex_lock(&pool_lock);
		if (err) {
			/* out of processes or memory: as_new clones on demand */
			filler_failed = true;
			filler_running = false;
			pthread_mutex_unlock(&pool_lock);
			return NULL;
		}
		pool[npool++] = ctx;
	}
}

struct platform_ctx *sc_pool_take(void)
{
	struct platform_ctx *ctx = NULL;
	pthread_mutex_lock(&pool_lock);
	if (npool > 0)
		ctx = pool[--npool];
	if (!filler_running && !filler_failed) {
		pthread_t t;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		filler_running = pthread_create(&t, &attr, filler, NULL) == 0;
		filler_failed = !filler_running;
		pthread_attr_destroy(&attr);
	}
	pthread_cond_signal(&pool_low);
	pthread_mutex_unlock(&pool_lock);
	return ctx;
}
