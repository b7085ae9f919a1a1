/*
 * store_results.c — responses and their summaries: inserting a response in
 * the writer's batch, the rollups the dashboard reads, and their rebuild.
 */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "store_priv.h"
#include "util.h"

static const char sql_ins_response[] =
	"INSERT INTO responses (id, survey, version, channel, location, lang,"
	" week, answers, submission) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT (submission) DO NOTHING";
static const char sql_up_cell[] =
	"INSERT INTO rollup_cells (survey, month, location, channel, n, sn,"
	" ssum, ssq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT DO UPDATE SET n = n + excluded.n, sn = sn + excluded.sn,"
	" ssum = ssum + excluded.ssum, ssq = ssq + excluded.ssq";
static const char sql_up_answer[] =
	"INSERT INTO rollup_answers (survey, month, location, channel,"
	" question, value, n) VALUES (?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT DO UPDATE SET n = n + excluded.n";
static const char sql_sel_submission[] =
	"SELECT id FROM responses WHERE submission = ?";

/* A random positive 63-bit id, so ids do not follow arrival order. */
sqlite3_int64
store_random_id(void)
{
	sqlite3_int64 id;

	do {
		randombytes_buf(&id, sizeof(id));
		id &= INT64_MAX;
	} while (id == 0);
	return id;
}

static void
bind_response(sqlite3_stmt *s, const struct store_response *r,
    sqlite3_int64 id)
{
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, r->survey, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, r->version);
	sqlite3_bind_text(s, 4, r->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, r->location, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, r->lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, r->week, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, r->answers, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 9, r->submission, STORE_SUBMISSION_BYTES,
	    SQLITE_STATIC);
}


/*
 * Rollup totals gathered in memory before they are written: a batch of
 * responses (or a whole rebuild) touches few distinct rollup rows, so each
 * is written once instead of once per response.  Keys are the row's text
 * columns joined by NUL bytes.
 */
#define AGG_COLS	6

struct agg_entry {
	char		*key;		/* NULL when the slot is free */
	size_t		 keylen;
	uint64_t	 hash;
	long long	 n, sn;
	double		 ssum, ssq;
};

struct agg {
	struct agg_entry	*e;
	size_t			 cap, count;
};

static uint64_t
agg_hash(const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void agg_grow(struct agg *a);

/* The entry for the columns, made (zeroed) when new. */
static struct agg_entry *
agg_get(struct agg *a, const char *const *cols, size_t ncols)
{
	char key[512];
	size_t len = 0, i, slot;
	uint64_t h;

	for (i = 0; i < ncols; i++) {
		size_t n = strlen(cols[i]);

		if (len + n + 1 > sizeof(key))
			n = sizeof(key) - len - 1;
		memcpy(key + len, cols[i], n);
		len += n;
		key[len++] = '\0';
	}
	if (a->count * 10 >= a->cap * 7)
		agg_grow(a);
	h = agg_hash(key, len);
	for (slot = h & (a->cap - 1);; slot = (slot + 1) & (a->cap - 1)) {
		struct agg_entry *e = &a->e[slot];

		if (e->key == NULL) {
			e->key = xstrndup(key, len);
			e->keylen = len;
			e->hash = h;
			a->count++;
			return e;
		}
		if (e->hash == h && e->keylen == len &&
		    memcmp(e->key, key, len) == 0)
			return e;
	}
}

static void
agg_grow(struct agg *a)
{
	struct agg_entry *old = a->e;
	size_t oldcap = a->cap, i, slot;

	a->cap = a->cap ? a->cap * 2 : 256;
	a->e = xcalloc(a->cap, sizeof(*a->e));
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		for (slot = old[i].hash & (a->cap - 1); a->e[slot].key != NULL;
		    slot = (slot + 1) & (a->cap - 1))
			;
		a->e[slot] = old[i];
	}
	free(old);
}

static void
agg_free(struct agg *a)
{
	size_t i;

	for (i = 0; i < a->cap; i++)
		free(a->e[i].key);
	free(a->e);
	memset(a, 0, sizeof(*a));
}

/* Splits an entry's key back into its columns. */
static size_t
agg_cols(const struct agg_entry *e, const char **cols)
{
	size_t i = 0, off = 0;

	while (off < e->keylen && i < AGG_COLS) {
		cols[i++] = e->key + off;
		off += strlen(e->key + off) + 1;
	}
	return i;
}

/* Adds one response to the totals. */
static void
rollup_gather(struct agg *cells, struct agg *answers,
    const struct store_response *r)
{
	const char *cols[AGG_COLS] = { r->survey, r->month, r->location,
	    r->channel, NULL, NULL };
	struct agg_entry *e = agg_get(cells, cols, 4);
	size_t i;

	e->n++;
	if (r->scored) {
		e->sn++;
		e->ssum += r->score;
		e->ssq += r->score * r->score;
	}
	for (i = 0; i < r->ntallies; i++) {
		cols[4] = r->tallies[i].question;
		cols[5] = r->tallies[i].value;
		agg_get(answers, cols, 6)->n++;
	}
}

/* Writes the totals, in the open transaction; -1 on a database error. */
static int
rollup_flush(struct store *st, struct agg *cells, struct agg *answers)
{
	const char *cols[AGG_COLS];
	size_t i, k;

	for (i = 0; i < cells->cap; i++) {
		struct agg_entry *e = &cells->e[i];
		sqlite3_stmt *c = st->up_cell;

		if (e->key == NULL || agg_cols(e, cols) != 4)
			continue;
		for (k = 0; k < 4; k++)
			sqlite3_bind_text(c, (int)k + 1, cols[k], -1,
			    SQLITE_STATIC);
		sqlite3_bind_int64(c, 5, e->n);
		sqlite3_bind_int64(c, 6, e->sn);
		sqlite3_bind_double(c, 7, e->ssum);
		sqlite3_bind_double(c, 8, e->ssq);
		if (store_step_reset(c) == -1)
			return -1;
	}
	for (i = 0; i < answers->cap; i++) {
		struct agg_entry *e = &answers->e[i];
		sqlite3_stmt *a = st->up_answer;

		if (e->key == NULL || agg_cols(e, cols) != 6)
			continue;
		for (k = 0; k < 6; k++)
			sqlite3_bind_text(a, (int)k + 1, cols[k], -1,
			    SQLITE_STATIC);
		sqlite3_bind_int64(a, 7, e->n);
		if (store_step_reset(a) == -1)
			return -1;
	}
	return 0;
}


/* The id of an earlier response with this submission: 1, 0 none, -1. */
static int
find_submission(struct store *st, const unsigned char *sub,
    sqlite3_int64 *id)
{
	int rc;

	sqlite3_bind_blob(st->sel_submission, 1, sub, STORE_SUBMISSION_BYTES,
	    SQLITE_STATIC);
	rc = sqlite3_step(st->sel_submission);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st->sel_submission, 0);
	sqlite3_reset(st->sel_submission);
	sqlite3_clear_bindings(st->sel_submission);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}


/* Inserts one job inside the open transaction; -1 on a database error. */
static int
insert_job(struct store *st, struct store_job *job, struct agg *cells,
    struct agg *answers)
{
	sqlite3_int64 id;
	int tries, rc;

	if (job->r.has_token) {
		/* A retry of a stored response is a repeat, not a reuse. */
		rc = find_submission(st, job->r.submission, &id);
		if (rc == -1)
			return -1;
		if (rc == 1) {
			job->result = STORE_DUPLICATE;
			snprintf(job->id, sizeof(job->id), "%016llx",
			    (unsigned long long)id);
			return 0;
		}
		rc = invite_use_token(st, job);
		if (rc != 1)
			return rc;
	}

	for (tries = 0; tries < 4; tries++) {
		id = store_random_id();
		bind_response(st->ins_response, &job->r, id);
		rc = sqlite3_step(st->ins_response);
		sqlite3_reset(st->ins_response);
		sqlite3_clear_bindings(st->ins_response);
		if (rc == SQLITE_DONE)
			break;
		/* Only a clash of random ids is worth another try. */
		if (rc != SQLITE_CONSTRAINT_PRIMARYKEY)
			return -1;
	}
	if (rc != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(st->db) == 1) {
		rollup_gather(cells, answers, &job->r);
		job->result = STORE_INSERTED;
	} else {
		if (find_submission(st, job->r.submission, &id) != 1)
			return -1;
		job->result = STORE_DUPLICATE;
	}
	snprintf(job->id, sizeof(job->id), "%016llx", (unsigned long long)id);
	return 0;
}

static const char sql_rollup_cells[] =
	"SELECT month, location, channel, n, sn, ssum,"
	" ssq FROM rollup_cells WHERE survey = ?1"
	" AND (?2 IS NULL OR month >= ?2) AND (?3 IS NULL OR month <= ?3)";
static const char sql_rollup_answers[] =
	"SELECT month, location, channel, question,"
	" value, n FROM rollup_answers WHERE survey = ?1"
	" AND (?2 IS NULL OR month >= ?2) AND (?3 IS NULL OR month <= ?3)";
static const char sql_recent[] =
	"SELECT week, location, channel, answers FROM responses"
	" WHERE survey = ? ORDER BY week DESC LIMIT ?";


int
store_rollup_check(struct store *st)
{
	sqlite3_stmt *s = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT (SELECT count(*) FROM responses)"
	    " = (SELECT coalesce(sum(n), 0) FROM rollup_cells)", -1, &s,
	    NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		rc = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return rc;
}

int
store_rollup_rebuild(struct store *st,
    int (*fn)(struct store_response *, void *), void *arg, long long *rows)
{
	struct agg cells = { NULL, 0, 0 }, answers = { NULL, 0, 0 };
	sqlite3_stmt *s = NULL;
	char err[256];
	int rc = -1, step;

	*rows = 0;
	if (store_exec(st->db, "BEGIN IMMEDIATE; DELETE FROM rollup_cells;"
	    " DELETE FROM rollup_answers;", err, sizeof(err)) == -1) {
		log_warnx("store: %s", err);
		return -1;
	}
	if (sqlite3_prepare_v2(st->db, "SELECT survey, version, channel,"
	    " location, week, answers FROM responses", -1, &s, NULL) !=
	    SQLITE_OK)
		goto out;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_response r;

		memset(&r, 0, sizeof(r));
		copy_col(s, 0, r.survey, sizeof(r.survey));
		r.version = sqlite3_column_int64(s, 1);
		copy_col(s, 2, r.channel, sizeof(r.channel));
		copy_col(s, 3, r.location, sizeof(r.location));
		copy_col(s, 4, r.week, sizeof(r.week));
		r.answers = (char *)(uintptr_t)sqlite3_column_text(s, 5);
		if (r.answers != NULL && fn(&r, arg) == 0) {
			rollup_gather(&cells, &answers, &r);
			(*rows)++;
		}
		free(r.tallies);
	}
	if (step != SQLITE_DONE)
		goto out;
	sqlite3_finalize(s);
	s = NULL;
	if (rollup_flush(st, &cells, &answers) == -1) {
		log_warnx("store: writing the rollups: %s",
		    sqlite3_errmsg(st->db));
		goto out;
	}
	if (store_exec(st->db, "COMMIT", err, sizeof(err)) == -1) {
		log_warnx("store: %s", err);
		goto out;
	}
	rc = 0;
out:
	if (s != NULL)
		log_warnx("store: rebuilding the rollups: %s",
		    sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	if (rc == -1)
		(void)store_exec(st->db, "ROLLBACK", err, sizeof(err));
	agg_free(&cells);
	agg_free(&answers);
	return rc;
}

static void
bind_range(sqlite3_stmt *s, const char *survey, const char *from,
    const char *to)
{
	sqlite3_bind_text(s, 1, survey, -1, SQLITE_STATIC);
	if (from != NULL)
		sqlite3_bind_text(s, 2, from, -1, SQLITE_STATIC);
	if (to != NULL)
		sqlite3_bind_text(s, 3, to, -1, SQLITE_STATIC);
}


int
store_rollup_cells(struct store *st, const char *survey, const char *from,
    const char *to, void (*fn)(const char *, const char *, const char *,
    long long, long long, double, double, void *), void *arg)
{
	sqlite3_stmt *s = adm_begin(st, sql_rollup_cells);
	int rc;

	if (s == NULL)
		return -1;
	bind_range(s, survey, from, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(col_text(s, 0), col_text(s, 1), col_text(s, 2),
		    sqlite3_column_int64(s, 3), sqlite3_column_int64(s, 4),
		    sqlite3_column_double(s, 5), sqlite3_column_double(s, 6),
		    arg);
	adm_end(st, s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_rollup_answers(struct store *st, const char *survey, const char *from,
    const char *to, void (*fn)(const char *, const char *, const char *,
    const char *, const char *, long long, void *), void *arg)
{
	sqlite3_stmt *s = adm_begin(st, sql_rollup_answers);
	int rc;

	if (s == NULL)
		return -1;
	bind_range(s, survey, from, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(col_text(s, 0), col_text(s, 1), col_text(s, 2),
		    col_text(s, 3), col_text(s, 4),
		    sqlite3_column_int64(s, 5), arg);
	adm_end(st, s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_recent_answers(struct store *st, const char *survey, int limit,
    void (*fn)(const char *, const char *, const char *, const char *,
    void *), void *arg)
{
	sqlite3_stmt *s = adm_begin(st, sql_recent);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, survey, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(col_text(s, 0), col_text(s, 1), col_text(s, 2),
		    col_text(s, 3), arg);
	adm_end(st, s);
	return rc == SQLITE_DONE ? 0 : -1;
}

void
results_commit_batch(struct store *st, struct store_job *batch)
{
	struct agg cells = { NULL, 0, 0 }, answers = { NULL, 0, 0 };
	struct store_job *j, *next;
	char err[256];
	int ok = 1;

	if (store_exec(st->db, "BEGIN IMMEDIATE", err, sizeof(err)) == -1) {
		log_warnx("store: cannot begin a transaction: %s", err);
		ok = 0;
	}
	for (j = batch; ok && j != NULL; j = j->next) {
		if (insert_job(st, j, &cells, &answers) == -1) {
			log_warnx("store: insert failed: %s",
			    sqlite3_errmsg(st->db));
			ok = 0;
		}
	}
	if (ok && rollup_flush(st, &cells, &answers) == -1) {
		log_warnx("store: updating the rollups failed: %s",
		    sqlite3_errmsg(st->db));
		ok = 0;
	}
	agg_free(&cells);
	agg_free(&answers);
	if (ok && store_exec(st->db, "COMMIT", err, sizeof(err)) == -1) {
		log_warnx("store: commit failed: %s", err);
		ok = 0;
	}
	if (!ok) {
		(void)store_exec(st->db, "ROLLBACK", err, sizeof(err));
		for (j = batch; j != NULL; j = j->next)
			j->result = STORE_FAILED;
	} else {
		__atomic_fetch_add(&st->commits, 1, __ATOMIC_RELAXED);
		for (j = batch; j != NULL; j = j->next)
			if (j->result == STORE_INSERTED)
				__atomic_fetch_add(&st->rows_stored, 1,
				    __ATOMIC_RELAXED);
	}
	for (j = batch; j != NULL; j = next) {
		next = j->next;
		j->next = NULL;
		j->done(j, j->arg);
	}
}

int
results_prepare(struct store *st)
{
	if (sqlite3_prepare_v2(st->db, sql_ins_response, -1,
	    &st->ins_response, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, sql_sel_submission, -1,
	    &st->sel_submission, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, sql_up_cell, -1, &st->up_cell,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, sql_up_answer, -1, &st->up_answer,
	    NULL) != SQLITE_OK)
		return -1;
	return 0;
}

void
results_finalize(struct store *st)
{
	sqlite3_finalize(st->ins_response);
	sqlite3_finalize(st->sel_submission);
	sqlite3_finalize(st->up_cell);
	sqlite3_finalize(st->up_answer);
}
