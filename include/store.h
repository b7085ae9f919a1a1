/*
 * store.h — the database.  Only server/store/ knows SQL or SQLite.
 * Responses go through one writer thread that commits whatever has queued
 * in one transaction (group commit) and then reports each job done, so a
 * caller acknowledges a response only once it is on disk.
 *
 * This header holds the handle and what store.c, store_writer.c and
 * store_adm.c own: opening, survey versions, the writer, health, backups
 * and batches.  Each family of tables has a header of its own beside it:
 * store_results.h, store_team.h, store_invite.h, store_export.h and
 * store_participants.h.
 */
#ifndef KB_STORE_H
#define KB_STORE_H

#include <stddef.h>

#define STORE_SUBMISSION_BYTES	16

struct store;

/* One answer counted in the distributions: question and value. */
struct store_tally {
	char		question[49];
	char		value[33];
};

/* What one response row holds: nothing that identifies a person. */
struct store_response {
	char		 survey[49];
	long long	 version;
	char		 channel[8];
	char		 location[49];
	char		 lang[4];
	char		 week[9];		/* ISO week, "2026-W47" */
	char		*answers;		/* JSON object, owned */
	unsigned char	 submission[STORE_SUBMISSION_BYTES]; /* hash of id */

	/* What the response adds to the dashboard's rollups. */
	char		 month[8];		/* "2026-11" */
	int		 scored;		/* has a satisfaction score */
	double		 score;			/* 0..10 */
	struct store_tally *tallies;		/* owned */
	size_t		 ntallies;

	/* An SMS response uses its token once; the row never holds it. */
	int		 has_token;
	unsigned char	 token_hash[32];
};

enum store_result {
	STORE_PENDING,
	STORE_INSERTED,
	STORE_DUPLICATE,	/* submission seen before; id is the first */
	STORE_FAILED,		/* nothing written; try again later */
	STORE_TOKEN_USED,	/* the SMS token answered before */
	STORE_TOKEN_EXPIRED,	/* expired, opted out or failed */
	STORE_TOKEN_UNKNOWN,
	STORE_SHUTTING_DOWN	/* refused: the writer is stopping */
};

struct store_job {
	struct store_response	 r;
	enum store_result	 result;
	char			 id[17];	/* hex, once stored */
	/* Called on the writer thread once result is final. */
	void			(*done)(struct store_job *, void *);
	void			*arg;
	struct store_job	*next;
};

/*
 * Opens (creating if needed) and migrates the database at path.  Returns
 * 0, or -1 with err filled: unreadable file, a schema newer than this
 * program, a failed migration.  Free with store_close.
 */
int	 store_open(const char *path, struct store **out, char *err,
	    size_t errlen) __attribute__((warn_unused_result));
/* Stops the writer (committing everything queued) and closes. */
void	 store_close(struct store *st);
/* The schema version this program writes. */
int	 store_schema_version(void);

/*
 * Records a survey version's fingerprint and definition.  Returns 0 when
 * new or unchanged, -1 with err filled when the stored version has other
 * questions (the file needs a new version number) or on a database error.
 */
int	 store_survey_version_check(struct store *st, const char *id,
	    long long version, const char *fingerprint, const char *def_json,
	    char *err, size_t errlen) __attribute__((warn_unused_result));
/* Calls fn for every stored survey version; stops at fn's first -1. */
int	 store_survey_versions_foreach(struct store *st,
	    int (*fn)(const char *id, long long version, const char *def_json,
	    void *arg), void *arg) __attribute__((warn_unused_result));

int	 store_writer_start(struct store *st, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
/* Queues job; job->done runs later on the writer thread, exactly once. */
void	 store_submit(struct store *st, struct store_job *job);
/* Responses committed and writer transactions since start, for /metrics. */
void	 store_counters(struct store *st, unsigned long long *rows,
	    unsigned long long *commits);
/*
 * 0 once the database file was deleted or replaced under the server (the
 * writer then refuses every job), else 1.
 */
int	 store_healthy(struct store *st);
/*
 * Asks the checkpointer to truncate the write-ahead log within about a
 * quarter second, so that what was just erased leaves the -wal file too.
 * Many calls close together cost one checkpoint.
 */
void	 store_erase_soon(struct store *st);
/* Database pages the writer has written (to the log), for /metrics. */
unsigned long long store_pages_written(struct store *st);
/* Jobs queued and not yet done. */
size_t	 store_pending(struct store *st);

/*
 * Copies the live database at src to dest (through dest.tmp and a rename)
 * with SQLite's online backup, consistent even while serve is writing.
 */
int	 store_backup(const char *src, const char *dest, char *err,
	    size_t errlen) __attribute__((warn_unused_result));
/*
 * Groups the calls between them on the team's connection into one
 * transaction (one sync to disk); other threads wait for store_batch_end.
 * begin returns 0 or -1 (then nothing is held); end commits: 0 or -1.
 */
int	 store_batch_begin(struct store *st)
	    __attribute__((warn_unused_result));
int	 store_batch_end(struct store *st);

#endif
