/*
 * authpool.h — password checks (Argon2id) on their own small thread pool
 * with a bounded queue, so a flood of logins waits for those threads and
 * never for the ones that answer respondents.
 */
#ifndef KB_AUTHPOOL_H
#define KB_AUTHPOOL_H

struct authpool;

struct authpool_job {
	const char	*hash;		/* Argon2id string, or NULL: no user */
	const char	*pw;
	int		 ok;		/* set by the pool: 1 when pw matches */
	/* Called on a pool thread once ok is set. */
	void		(*done)(struct authpool_job *, void *arg);
	void		*arg;
	struct authpool_job *next;	/* the pool's */
};

/* Starts threads workers with room for queue waiting jobs; NULL if none. */
struct authpool *authpool_new(unsigned threads, unsigned queue);
/* Runs what is queued, stops the threads and frees p. */
void	 authpool_free(struct authpool *p);
/*
 * Queues job (the caller keeps it alive until done runs).  Returns 0, or
 * -1 when the queue is full: the caller answers "busy" at once.
 */
int	 authpool_submit(struct authpool *p, struct authpool_job *job)
	    __attribute__((warn_unused_result));

#endif
