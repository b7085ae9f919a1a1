/*
 * store_priv.h — what the store's files share, and nothing outside
 * server/store/ may include: the handle's layout and the helpers that
 * step statements on the team's connection.
 */
#ifndef KB_STORE_PRIV_H
#define KB_STORE_PRIV_H

#include <pthread.h>
#include <sqlite3.h>

#include "store.h"

#define STORE_BUSY_MS		5000
#define STORE_ADM_MAX		96	/* distinct team statements */

/* A submission hash in the writer's set of intake submissions. */
struct store_sub {
	unsigned char	key[STORE_SUBMISSION_BYTES];
	int		used;
};

struct store {
	sqlite3			*db;		/* the writer's, or main's before */
	sqlite3			*adm;		/* team actions, under adm_mtx */
	pthread_mutex_t		 adm_mtx;
	char			*path;
	sqlite3_stmt		*ins_response;
	sqlite3_stmt		*sel_submission;
	sqlite3_stmt		*use_token;
	sqlite3_stmt		*sel_token;
	struct store_inv	*inv;		/* store_invite.c's own */

	pthread_mutex_t		 subs_mtx;
	struct store_sub	*subs;		/* under subs_mtx */
	size_t			 subs_cap, subs_count;

	sqlite3			*ckpt;		/* the checkpointer's */
	pthread_t		 ckpt_thread;
	int			 ckpt_running;
	pthread_cond_t		 ckpt_cond;	/* with mtx */
	int			 erase_soon;	/* under mtx */
	int			 gone;		/* atomic: the file moved */
	unsigned long long	 checkpoints;	/* atomic */
	unsigned long long	 pages_written;	/* atomic, by the writer */

	pthread_t		 writer;
	int			 writer_running;
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	struct store_job	*head, *tail;
	size_t			 pending;
	int			 stopping;
	int			 adm_init;
	unsigned long long	 rows_stored;	/* atomic */
	unsigned long long	 commits;	/* atomic */
	struct {
		const char	*sql;
		sqlite3_stmt	*stmt;
	}			 adm_stmts[STORE_ADM_MAX];
};

/* A random positive 63-bit id, so ids do not follow insertion order. */
sqlite3_int64	store_random_id(void);

/* Runs SQL without results; -1 with err filled. */
int	store_exec(sqlite3 *db, const char *sql, char *err, size_t errlen);
/* Steps a statement that returns no rows, resets it; 0 or -1. */
int	store_step_reset(sqlite3_stmt *s);

/*
 * The team's side: adm_begin takes adm_mtx and returns the statement for
 * sql (prepared once, cached by the string's address), or NULL (unlocked);
 * adm_end resets it and unlocks.
 */
sqlite3_stmt	*adm_begin(struct store *st, const char *sql);
void		 adm_end(struct store *st, sqlite3_stmt *s);
/* A one-row lookup: 1 with the row (the caller ends it), 0 none, -1. */
int		 adm_row(struct store *st, sqlite3_stmt *s);
/* Steps a statement with no rows: changed rows, or -1; ends it. */
int		 adm_exec(struct store *st, sqlite3_stmt *s);
/* 1 when the statement has a row, 0 when not, -1 on an error; ends it. */
int		 adm_exists(struct store *st, sqlite3_stmt *s);
/* Runs a listing, handing up to four text columns to fn; ends it. */
int		 adm_list(struct store *st, sqlite3_stmt *s, int ncols,
		    void (*fn)(const char *const *, void *), void *arg);
void		 copy_col(sqlite3_stmt *s, int col, char *out, size_t outlen);
const char	*col_text(sqlite3_stmt *s, int i);

/* The writer's statements for responses (store_results.c). */
int	results_prepare(struct store *st);
/* Reads the intake's submissions into the writer's set. */
int	results_load_intake(struct store *st);
void	results_finalize(struct store *st);
/* Stores a batch of jobs in one transaction and calls each job's done. */
void	results_commit_batch(struct store *st, struct store_job *batch);

/*
 * The writer's statements for SMS tokens (store_invite.c); prepare also
 * completes any erasure a crash interrupted, before anything is served,
 * and starts the eraser that batches the checkpoints; finalize stops it.
 */
int	invite_prepare(struct store *st);
void	invite_finalize(struct store *st);
/*
 * Uses an SMS token once, in the response's own transaction: 1 when used
 * now, 0 when refused (job->result says why), -1 on an error.
 */
int	invite_use_token(struct store *st, struct store_job *job);
/* The invitations' own schema steps, appended to the migration list. */
extern const char migrate_invites_v1[];
extern const char migrate_protect_v1[];

#endif
