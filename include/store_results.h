/*
 * store_results.h — responses once stored (store_results.c): the release
 * from the intake, imports, the rollups the dashboard reads, and the
 * comments with the ones hidden.
 */
#ifndef KB_STORE_RESULTS_H
#define KB_STORE_RESULTS_H

#include <stddef.h>

#include "store.h"

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

#endif
