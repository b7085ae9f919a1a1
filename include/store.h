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
 * The release: moves every intake row into responses in a random order
 * (with the released rows of the same weeks, so nothing in the file tells
 * one day from the next), adds the new ones to the summaries through fn
 * (which fills a row's rollup fields, as for store_rollup_rebuild), deletes
 * the intake with its pages zeroed and truncates the write-ahead log.
 * Safe while serve runs, from any process.  Returns 0 with *moved, or -1
 * with err filled and nothing changed.
 */
int	 store_release(struct store *st,
	    int (*fn)(struct store_response *r, void *arg), void *arg,
	    long long *moved, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
/*
 * Stores already validated responses (rollup fields filled) as released,
 * in a random order, all in one transaction: 0 with *stored (repeats of a
 * stored submission are skipped), or -1 with err and nothing stored.
 * Borrows r.
 */
int	 store_import(struct store *st, struct store_response *r, size_t n,
	    long long *stored, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
/* Rows waiting in the intake, or -1. */
long long store_intake_count(struct store *st);

/*
 * Rollups.  store_rollup_check returns 1 when the rollups count every
 * response, 0 when they must be rebuilt.  store_rollup_rebuild recounts
 * every stored response through fn, which fills the rollup fields of r
 * from the row (r->answers is only borrowed); -1 from fn skips a row.
 */
int	 store_rollup_check(struct store *st);
int	 store_rollup_rebuild(struct store *st,
	    int (*fn)(struct store_response *r, void *arg), void *arg,
	    long long *rows) __attribute__((warn_unused_result));
/* Rows of one survey with from <= month <= to (NULL: unbounded). */
int	 store_rollup_cells(struct store *st, const char *survey,
	    const char *from, const char *to,
	    void (*fn)(const char *month, const char *location,
	    const char *channel, long long n, long long sn, double ssum,
	    double ssq, void *arg), void *arg);
int	 store_rollup_answers(struct store *st, const char *survey,
	    const char *from, const char *to,
	    void (*fn)(const char *month, const char *location,
	    const char *channel, const char *question, const char *value,
	    long long n, void *arg), void *arg);
/*
 * The released responses of a survey with a free-text answer, as id,
 * week, location and answers, in id order (ids follow no arrival order:
 * a release shuffles them), for the comments.  Stops at limit rows.
 */
int	 store_comments(struct store *st, const char *survey, int limit,
	    void (*fn)(long long id, const char *week, const char *location,
	    const char *answers, void *arg), void *arg);
/* Hides (from every view) question's answer of response id. */
int	 store_comment_hide(struct store *st, long long id,
	    const char *question) __attribute__((warn_unused_result));
/* Calls fn for every hidden comment. */
int	 store_hidden_comments(struct store *st,
	    void (*fn)(long long id, const char *question, void *arg),
	    void *arg);

/*
 * Every released response of a survey, in random-id order, for the
 * microdata export (store_export.c): fn gets version, channel, location,
 * language, ISO week and the answers JSON.  Returns 0, or -1 when the
 * database could not be read.
 */
int	 store_export_responses(struct store *st, const char *survey,
	    void (*fn)(long long version, const char *channel,
	    const char *location, const char *lang, const char *week,
	    const char *answers, void *arg), void *arg)
	    __attribute__((warn_unused_result));

/* "You said, we did": one JSON object of texts per language. */
int	 store_yousaid_set(struct store *st, const char *survey,
	    const char *location, const char *texts_json)
	    __attribute__((warn_unused_result));
/* fn gets survey, location, texts JSON, updated. */
int	 store_yousaid_list(struct store *st,
	    void (*fn)(const char *const *cols, void *), void *arg);

/*
 * SMS invitations.  The invitations table is the durable outbox: next_at
 * says when the next message (first or reminder) is due.  phone and nonce
 * are erased when the invitation is final (answered, expired, failed,
 * opted out) or its last message is sent.
 */
#define STORE_PHONE_HASH	32
#define STORE_TOKEN_HASH	32
#define STORE_NONCE		16

enum store_invite_result {
	STORE_INVITE_QUEUED = 1,
	STORE_INVITE_OPTED_OUT,
	STORE_INVITE_RECENT	/* same number and survey in 30 days */
};

#define STORE_RECENT_WEEKS	5	/* ISO weeks a 30-day span can touch */
#define STORE_SEALED_MAX	96

struct store_invite {
	const char	*survey, *location, *lang, *phone, *ref;
	unsigned char	 phone_hash[STORE_PHONE_HASH];
	unsigned char	 token_hash[STORE_TOKEN_HASH];
	unsigned char	 nonce[STORE_NONCE];
	/*
	 * Keyed hashes of the number, the survey and an ISO week: [0] of the
	 * week it is sent in (kept 30 days for the 30-day rule), [1..] of the
	 * weeks before, to look for an earlier invitation.
	 */
	unsigned char	 recent[STORE_RECENT_WEEKS][STORE_PHONE_HASH];
	/* The number's hash sealed with the token: the opt-out link. */
	unsigned char	 sealed[STORE_SEALED_MAX];
	size_t		 sealedlen;
	long long	 expires, remind_at, send_at;
	char		 id[17];		/* out */
};

struct store_due {
	long long	id;
	char		survey[49], location[49], lang[4];
	char		phone[20];
	unsigned char	nonce[STORE_NONCE];
	char		ref[40];
	int		reminded, tries;
	char		state[12];	/* queued: the first message is due */
};

struct store_invite_view {
	long long	id;
	char		survey[49], location[49], lang[4], state[12];
	long long	expires;
	unsigned char	phone_hash[STORE_PHONE_HASH];
};

/* A store_invite_result, or -1. */
int	 store_invite_add(struct store *st, struct store_invite *in,
	    long long now) __attribute__((warn_unused_result));
int	 store_invite_due(struct store *st, long long now, int limit,
	    void (*fn)(const struct store_due *, void *), void *arg);
/* Sent: next_at is the reminder's time, or 0 when this was the last. */
int	 store_invite_sent(struct store *st, long long id,
	    const char *provider_id, int reminder, long long next_at);
int	 store_invite_retry(struct store *st, long long id, int tries,
	    long long next_at);
/*
 * Ends a pending invitation (failed): deletes its row, number and all.
 * 1 when ended now, 0 when it was not pending, -1.
 */
int	 store_invite_final(struct store *st, long long id, const char *state);
/* Ends the invitations past their expiry, and forgets old markers. */
int	 store_invite_expire(struct store *st, long long now);
int	 store_invite_delivered(struct store *st, long long id);
/* A pending invitation by its token: 1 found, 0 not, -1. */
int	 store_invite_by_token(struct store *st,
	    const unsigned char *token_hash, struct store_invite_view *out)
	    __attribute__((warn_unused_result));
/*
 * A link that may still be answered although its invitation ended by an
 * opt-out (state "optedout"; no number): 1 found, 0 not, -1.
 */
int	 store_invite_open(struct store *st, const unsigned char *token_hash,
	    struct store_invite_view *out) __attribute__((warn_unused_result));
/*
 * The opt-out link of an invitation, pending or final, until the link
 * would have expired: 1 with sealed filled, 0 unknown, -1.  Says nothing
 * about whether it was answered.
 */
int	 store_invite_link(struct store *st, const unsigned char *token_hash,
	    long long now, unsigned char *sealed, size_t *sealedlen)
	    __attribute__((warn_unused_result));
/* By our reference or the gateway's id: 1 found, 0 not, -1. */
int	 store_invite_by_ref(struct store *st, const char *ref, long long *id,
	    char *state, size_t statelen) __attribute__((warn_unused_result));
/*
 * Records the opt-out and ends the number's pending invitations.
 * 1 when the number was not opted out before, 0 when it was, -1.
 */
int	 store_optout(struct store *st, const unsigned char *phone_hash);
/*
 * Invitations sent and answered per location and month ("2026-11") of a
 * survey, for the dashboard (which applies the anonymity rules).  The
 * month is that of the ISO week (its Thursday, local time) in which the
 * message went out or the answer came, as a response's month is.
 */
int	 store_invite_tally(struct store *st, const char *survey,
	    void (*fn)(const char *location, const char *month,
	    long long sent, long long answered, void *), void *arg);
/* Invitations waiting for their first message (for /metrics). */
long long store_invite_queued(struct store *st);
/*
 * Asks for the erased numbers to leave the WAL and the file: a TRUNCATE
 * checkpoint within a few seconds, batched (at most one per interval).
 */
void	 store_erase_request(struct store *st);
/* TRUNCATE checkpoints the eraser has run (for /metrics). */
unsigned long long store_erasures(struct store *st);
/*
 * Groups the calls between them on the team's connection into one
 * transaction (one sync to disk); other threads wait for store_batch_end.
 * begin returns 0 or -1 (then nothing is held); end commits: 0 or -1.
 */
int	 store_batch_begin(struct store *st)
	    __attribute__((warn_unused_result));
int	 store_batch_end(struct store *st);
/* Leaves no copy of erased data in the write-ahead log. */
int	 store_purge_erased(struct store *st);

/*
 * The project team: users, API keys, sessions and the audit log.  Roles
 * are "admin", "viewer" and "sender".  Functions return -1 on a database
 * error (logged); finders return 1 when found and 0 when not; changers
 * return the number of rows changed.
 */
struct store_session {
	char		user[64];
	char		role[8];
	char		csrf[64];
	long long	created;	/* seconds since the epoch */
	long long	seen;
};

/* 1 when added, 0 when the name is taken. */
int	 store_user_add(struct store *st, const char *name, const char *role,
	    const char *pwhash) __attribute__((warn_unused_result));
int	 store_user_find(struct store *st, const char *name, char *role,
	    size_t rolelen, char *pwhash, size_t pwlen)
	    __attribute__((warn_unused_result));
/* Also ends the user's sessions. */
int	 store_user_passwd(struct store *st, const char *name,
	    const char *pwhash) __attribute__((warn_unused_result));
int	 store_user_remove(struct store *st, const char *name)
	    __attribute__((warn_unused_result));
/* Users with role, or all users when role is NULL. */
int	 store_user_count(struct store *st, const char *role);
/* fn gets name, role, created. */
int	 store_user_list(struct store *st,
	    void (*fn)(const char *const *cols, void *), void *arg);
int	 store_apikey_add(struct store *st, const char *name, const char *role,
	    const unsigned char *hash, size_t hashlen)
	    __attribute__((warn_unused_result));
int	 store_apikey_find(struct store *st, const unsigned char *hash,
	    size_t hashlen, char *name, size_t namelen, char *role,
	    size_t rolelen) __attribute__((warn_unused_result));
int	 store_apikey_revoke(struct store *st, const char *name)
	    __attribute__((warn_unused_result));
/* fn gets name, role, created, revoked (NULL if not). */
int	 store_apikey_list(struct store *st,
	    void (*fn)(const char *const *cols, void *), void *arg);
int	 store_session_add(struct store *st, const unsigned char *hash,
	    size_t hashlen, const char *user, const char *csrf, long long now)
	    __attribute__((warn_unused_result));
int	 store_session_find(struct store *st, const unsigned char *hash,
	    size_t hashlen, struct store_session *out)
	    __attribute__((warn_unused_result));
int	 store_session_touch(struct store *st, const unsigned char *hash,
	    size_t hashlen, long long now);
int	 store_session_delete(struct store *st, const unsigned char *hash,
	    size_t hashlen);
int	 store_session_purge(struct store *st, long long created_before,
	    long long seen_before);
int	 store_audit_add(struct store *st, const char *actor,
	    const char *action, const char *detail);
/* The newest limit entries first; fn gets at, actor, action, detail. */
int	 store_audit_list(struct store *st, int limit,
	    void (*fn)(const char *const *cols, void *), void *arg);
/*
 * The same, only rows of actor user, action and the day "YYYY-MM-DD"
 * (each NULL: any), newest first.
 */
int	 store_audit_find(struct store *st, const char *user,
	    const char *action, const char *day, int limit,
	    void (*fn)(const char *const *cols, void *), void *arg);

#endif
