/*
 * store.h — the database.  Only store.c knows SQL or SQLite.  Responses go
 * through one writer thread that commits whatever has queued in one
 * transaction (group commit) and then reports each job done, so a caller
 * acknowledges a response only once it is on disk.
 */
#ifndef KB_STORE_H
#define KB_STORE_H

#include <stddef.h>

#define STORE_SUBMISSION_BYTES	16

struct store;

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
};

enum store_result {
	STORE_PENDING,
	STORE_INSERTED,
	STORE_DUPLICATE,	/* submission seen before; id is the first */
	STORE_FAILED,		/* nothing written; try again later */
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
/* Jobs queued and not yet done. */
size_t	 store_pending(struct store *st);

/*
 * Copies the live database at src to dest (through dest.tmp and a rename)
 * with SQLite's online backup, consistent even while serve is writing.
 */
int	 store_backup(const char *src, const char *dest, char *err,
	    size_t errlen) __attribute__((warn_unused_result));

#endif
