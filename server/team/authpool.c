/*
 * authpool.c — a few threads that check passwords, fed by a bounded FIFO.
 * Argon2id costs tens of milliseconds of CPU and memory by design; run on
 * the server's request threads, a login flood would queue respondents
 * behind it.  Here at most `threads` checks run at once, at a lower CPU
 * priority, and a full queue is refused at once instead of growing.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "auth.h"
#include "authpool.h"
#include "log.h"
#include "util.h"

#define AUTHPOOL_NICE	10

struct authpool {
	pthread_mutex_t		 mtx;
	pthread_cond_t		 work;
	struct authpool_job	*head, *tail;
	unsigned		 queued, max_queued;
	int			 stop;
	pthread_t		*threads;
	unsigned		 nthreads;
};

static void *
worker(void *arg)
{
	struct authpool *p = arg;
	struct authpool_job *job;

	/* Linux: a thread's own nice value; elsewhere this may do nothing. */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid),
	    AUTHPOOL_NICE);
	for (;;) {
		pthread_mutex_lock(&p->mtx);
		while (p->head == NULL && !p->stop)
			pthread_cond_wait(&p->work, &p->mtx);
		job = p->head;
		if (job == NULL) {
			pthread_mutex_unlock(&p->mtx);
			return NULL;
		}
		p->head = job->next;
		if (p->head == NULL)
			p->tail = NULL;
		p->queued--;
		pthread_mutex_unlock(&p->mtx);
		job->ok = auth_password_check(job->hash, job->pw) == 0;
		job->done(job, job->arg);
	}
}

struct authpool *
authpool_new(unsigned threads, unsigned queue)
{
	struct authpool *p = xcalloc(1, sizeof(*p));
	unsigned i;

	pthread_mutex_init(&p->mtx, NULL);
	pthread_cond_init(&p->work, NULL);
	p->max_queued = queue;
	p->threads = xcalloc(threads ? threads : 1, sizeof(*p->threads));
	for (i = 0; i < threads; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
			log_warnx("authpool: cannot start a thread");
			break;
		}
		p->nthreads++;
	}
	if (p->nthreads == 0) {
		authpool_free(p);
		return NULL;
	}
	return p;
}

void
authpool_free(struct authpool *p)
{
	unsigned i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mtx);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mtx);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mtx);
	free(p->threads);
	free(p);
}

int
authpool_submit(struct authpool *p, struct authpool_job *job)
{
	int rc = -1;

	pthread_mutex_lock(&p->mtx);
	if (!p->stop && p->queued < p->max_queued) {
		job->next = NULL;
		if (p->tail != NULL)
			p->tail->next = job;
		else
			p->head = job;
		p->tail = job;
		p->queued++;
		pthread_cond_signal(&p->work);
		rc = 0;
	}
	pthread_mutex_unlock(&p->mtx);
	return rc;
}
