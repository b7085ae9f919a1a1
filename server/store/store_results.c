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
#include "store_results.h"
#include "util.h"

static const char sql_ins_intake[] =
	"INSERT INTO intake (survey, version, channel, location, lang,"
	" week, answers, submission) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_ins_response[] =
	"INSERT INTO responses (survey, version, channel, location, lang,"
	" week, answers, submission) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT (submission) DO NOTHING";
static const char sql_sel_intake[] =
	"SELECT rowid, survey, version, channel, location, lang, week,"
	" answers, submission FROM intake ORDER BY rowid";
static const char sql_up_cell[] =
	"INSERT INTO rollup_cells (survey, month, location, channel, n, sn,"
	" ssum, ssq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT DO UPDATE SET n = n + excluded.n, sn = sn + excluded.sn,"
	" ssum = ssum + excluded.ssum, ssq = ssq + excluded.ssq";
static const char sql_up_answer[] =
	"INSERT INTO rollup_answers (survey, month, location, channel,"
	" question, value, n) VALUES (?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT DO UPDATE SET n = n + excluded.n";
static const char sql_count_intake[] =
	"SELECT count(*) FROM intake";
static const char sql_sel_submission[] =
	"SELECT 1 FROM responses WHERE submission = ?";

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

/* Binds a response to an intake or responses insert (same columns). */
static void
bind_response(sqlite3_stmt *s, const struct store_response *r)
{
	sqlite3_bind_text(s, 1, r->survey, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, r->version);
	sqlite3_bind_text(s, 3, r->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, r->location, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, r->lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, r->week, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, r->answers, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 8, r->submission, STORE_SUBMISSION_BYTES,
	    SQLITE_STATIC);
}

/*
 * The id answered to the client: the first bytes of the submission hash,
 * the same for every repeat, and a key of nothing in the database.
 */
static void
submission_id_hex(const unsigned char *sub, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < 8; i++) {
		out[2 * i] = hex[sub[i] >> 4];
		out[2 * i + 1] = hex[sub[i] & 15];
	}
	out[16] = '\0';
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

/*
 * Writes the totals on db, in its open transaction; -1 on a database
 * error.  The release runs on the team's connection, a rebuild on the
 * writer's, so the statements are prepared here.
 */
static int
rollup_flush(sqlite3 *db, struct agg *cells, struct agg *answers)
{
	sqlite3_stmt *c = NULL, *a = NULL;
	const char *cols[AGG_COLS];
	size_t i, k;
	int rc = -1;

	if (sqlite3_prepare_v2(db, sql_up_cell, -1, &c, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql_up_answer, -1, &a, NULL) != SQLITE_OK)
		goto out;
	for (i = 0; i < cells->cap; i++) {
		struct agg_entry *e = &cells->e[i];

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
			goto out;
	}
	for (i = 0; i < answers->cap; i++) {
		struct agg_entry *e = &answers->e[i];

		if (e->key == NULL || agg_cols(e, cols) != 6)
			continue;
		for (k = 0; k < 6; k++)
			sqlite3_bind_text(a, (int)k + 1, cols[k], -1,
			    SQLITE_STATIC);
		sqlite3_bind_int64(a, 7, e->n);
		if (store_step_reset(a) == -1)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(c);
	sqlite3_finalize(a);
	return rc;
}

/*
 * Submissions in the intake, so a repeat is known without an index on
 * the intake (an index on a random key would dirty a page per row).
 * Loaded at open, added to by the writer, emptied by a release.  An open
 * hash set of the submission hashes; a zeroed slot is free.
 */
static uint64_t
subset_hash(const unsigned char *k)
{
	uint64_t h;

	memcpy(&h, k, sizeof(h));
	return h;
}

static int
subset_has(struct store *st, const unsigned char *k)
{
	size_t i, mask = st->subs_cap - 1;

	if (st->subs_cap == 0)
		return 0;
	for (i = subset_hash(k) & mask; st->subs[i].used; i = (i + 1) & mask)
		if (memcmp(st->subs[i].key, k, STORE_SUBMISSION_BYTES) == 0)
			return 1;
	return 0;
}

static void
subset_put(struct store *st, const unsigned char *k)
{
	size_t i, mask;

	if ((st->subs_count + 1) * 4 >= st->subs_cap * 3) {
		struct store_sub *old = st->subs;
		size_t oldcap = st->subs_cap, j;

		st->subs_cap = oldcap ? oldcap * 2 : 1024;
		st->subs = xcalloc(st->subs_cap, sizeof(*st->subs));
		st->subs_count = 0;
		for (j = 0; j < oldcap; j++)
			if (old[j].used)
				subset_put(st, old[j].key);
		free(old);
	}
	mask = st->subs_cap - 1;
	for (i = subset_hash(k) & mask; st->subs[i].used; i = (i + 1) & mask)
		if (memcmp(st->subs[i].key, k, STORE_SUBMISSION_BYTES) == 0)
			return;
	memcpy(st->subs[i].key, k, STORE_SUBMISSION_BYTES);
	st->subs[i].used = 1;
	st->subs_count++;
}

/* Forgets every submission: after a release, all are in responses. */
static void
subset_clear(struct store *st)
{
	free(st->subs);
	st->subs = NULL;
	st->subs_cap = st->subs_count = 0;
}

int
results_load_intake(struct store *st)
{
	sqlite3_stmt *s = NULL;
	int step;

	if (sqlite3_prepare_v2(st->db, "SELECT submission FROM intake", -1,
	    &s, NULL) != SQLITE_OK)
		return -1;
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		if (sqlite3_column_bytes(s, 0) == STORE_SUBMISSION_BYTES)
			subset_put(st, sqlite3_column_blob(s, 0));
	sqlite3_finalize(s);
	return step == SQLITE_DONE ? 0 : -1;
}

/* 1 when a response with this submission is stored, 0 when not, -1. */
static int
find_submission(struct store *st, const unsigned char *sub)
{
	int rc;

	if (subset_has(st, sub))
		return 1;
	sqlite3_bind_blob(st->sel_submission, 1, sub, STORE_SUBMISSION_BYTES,
	    SQLITE_STATIC);
	rc = sqlite3_step(st->sel_submission);
	sqlite3_reset(st->sel_submission);
	sqlite3_clear_bindings(st->sel_submission);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Appends one job to the intake inside the open transaction; -1 on a
 * database error.  A repeat of a stored submission stores nothing.
 */
static int
insert_job(struct store *st, struct store_job *job)
{
	int rc;

	pthread_mutex_lock(&st->subs_mtx);
	rc = find_submission(st, job->r.submission);
	pthread_mutex_unlock(&st->subs_mtx);
	if (rc == -1)
		return -1;
	submission_id_hex(job->r.submission, job->id);
	if (rc == 1) {
		/* A retry of a stored response is a repeat, not a reuse. */
		job->result = STORE_DUPLICATE;
		return 0;
	}
	if (job->r.has_token) {
		rc = invite_use_token(st, job);
		if (rc != 1)
			return rc;
	}
	bind_response(st->ins_response, &job->r);
	if (store_step_reset(st->ins_response) == -1)
		return -1;
	pthread_mutex_lock(&st->subs_mtx);
	subset_put(st, job->r.submission);
	pthread_mutex_unlock(&st->subs_mtx);
	job->result = STORE_INSERTED;
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
static const char sql_comments[] =
	"SELECT id, week, location, answers FROM responses"
	" WHERE survey = ? ORDER BY id LIMIT ?";
static const char sql_comment_hide[] =
	"INSERT OR IGNORE INTO hidden_comments (response, question)"
	" VALUES (?, ?)";
static const char sql_hidden_comments[] =
	"SELECT response, question FROM hidden_comments";


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
	if (rollup_flush(st->db, &cells, &answers) == -1) {
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
store_comments(struct store *st, const char *survey, int limit,
    void (*fn)(long long, const char *, const char *, const char *, void *),
    void *arg)
{
	sqlite3_stmt *s = adm_begin(st, sql_comments);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, survey, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(sqlite3_column_int64(s, 0), col_text(s, 1), col_text(s, 2),
		    col_text(s, 3), arg);
	adm_end(st, s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_comment_hide(struct store *st, long long id, const char *question)
{
	sqlite3_stmt *s = adm_begin(st, sql_comment_hide);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, question, -1, SQLITE_STATIC);
	return adm_exec(st, s) == -1 ? -1 : 0;
}

int
store_hidden_comments(struct store *st,
    void (*fn)(long long, const char *, void *), void *arg)
{
	sqlite3_stmt *s = adm_begin(st, sql_hidden_comments);
	int rc;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(sqlite3_column_int64(s, 0), col_text(s, 1), arg);
	adm_end(st, s);
	return rc == SQLITE_DONE ? 0 : -1;
}

void
results_commit_batch(struct store *st, struct store_job *batch)
{
	struct store_job *j, *next;
	char err[256];
	int ok = 1;

	if (store_exec(st->db, "BEGIN IMMEDIATE", err, sizeof(err)) == -1) {
		log_warnx("store: cannot begin a transaction: %s", err);
		ok = 0;
	}
	for (j = batch; ok && j != NULL; j = j->next) {
		if (insert_job(st, j) == -1) {
			log_warnx("store: insert failed: %s",
			    sqlite3_errmsg(st->db));
			ok = 0;
		}
	}
	if (ok && store_exec(st->db, "COMMIT", err, sizeof(err)) == -1) {
		log_warnx("store: commit failed: %s", err);
		ok = 0;
	}
	if (!ok) {
		(void)store_exec(st->db, "ROLLBACK", err, sizeof(err));
		/* What this batch added to the set was not stored. */
		pthread_mutex_lock(&st->subs_mtx);
		subset_clear(st);
		(void)results_load_intake(st);
		pthread_mutex_unlock(&st->subs_mtx);
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
	if (sqlite3_prepare_v2(st->db, sql_ins_intake, -1,
	    &st->ins_response, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, sql_sel_submission, -1,
	    &st->sel_submission, NULL) != SQLITE_OK ||
	    results_load_intake(st) == -1)
		return -1;
	return 0;
}

void
results_finalize(struct store *st)
{
	sqlite3_finalize(st->ins_response);
	sqlite3_finalize(st->sel_submission);
	free(st->subs);
}

/* A row moving into responses: a copy, with its rollup fields. */
struct moving {
	struct store_response	 r;
	int			 counted;	/* new: add to the summaries */
};

static void
moving_free(struct moving *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(m[i].r.answers);
		free(m[i].r.tallies);
	}
	free(m);
}

/* Reads the rows of statement s (the intake's columns) into *rows. */
static int
read_rows(sqlite3_stmt *s, int first, int counted, struct moving **rows,
    size_t *n, size_t *cap)
{
	int step;

	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_response *r;

		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			*rows = xrealloc(*rows, *cap * sizeof(**rows));
		}
		memset(&(*rows)[*n], 0, sizeof(**rows));
		r = &(*rows)[*n].r;
		(*rows)[*n].counted = counted;
		copy_col(s, first, r->survey, sizeof(r->survey));
		r->version = sqlite3_column_int64(s, first + 1);
		copy_col(s, first + 2, r->channel, sizeof(r->channel));
		copy_col(s, first + 3, r->location, sizeof(r->location));
		copy_col(s, first + 4, r->lang, sizeof(r->lang));
		copy_col(s, first + 5, r->week, sizeof(r->week));
		r->answers = xstrdup(col_text(s, first + 6));
		if (sqlite3_column_bytes(s, first + 7) ==
		    STORE_SUBMISSION_BYTES)
			memcpy(r->submission, sqlite3_column_blob(s,
			    first + 7), STORE_SUBMISSION_BYTES);
		(*n)++;
	}
	return step == SQLITE_DONE ? 0 : -1;
}

/*
 * Inserts rows into responses in a random order, in db's open
 * transaction, and adds the new ones to the summaries.  fn (may be NULL
 * when the rows' rollup fields are filled) fills the rollup fields.
 */
static int
insert_shuffled(sqlite3 *db, struct moving *rows, size_t n,
    int (*fn)(struct store_response *, void *), void *arg,
    long long *stored)
{
	struct agg cells = { NULL, 0, 0 }, answers = { NULL, 0, 0 };
	sqlite3_stmt *ins = NULL;
	size_t i;
	int rc = -1;

	*stored = 0;
	for (i = n; i > 1; i--) {
		size_t j = randombytes_uniform((uint32_t)i);
		struct moving t = rows[i - 1];

		rows[i - 1] = rows[j];
		rows[j] = t;
	}
	if (sqlite3_prepare_v2(db, sql_ins_response, -1, &ins, NULL) !=
	    SQLITE_OK)
		goto out;
	for (i = 0; i < n; i++) {
		struct store_response *r = &rows[i].r;

		bind_response(ins, r);
		if (store_step_reset(ins) == -1)
			goto out;
		if (sqlite3_changes(db) != 1 || !rows[i].counted)
			continue;
		(*stored)++;
		if (fn == NULL || fn(r, arg) == 0)
			rollup_gather(&cells, &answers, r);
	}
	if (rollup_flush(db, &cells, &answers) == -1)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(ins);
	agg_free(&cells);
	agg_free(&answers);
	return rc;
}

/* Truncates the WAL to 0 bytes, trying a few times while others write. */
static void
wal_truncate(sqlite3 *db)
{
	int i, busy = 1;

	for (i = 0; i < 50 && busy; i++) {
		if (sqlite3_wal_checkpoint_v2(db, NULL,
		    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) == SQLITE_OK)
			busy = 0;
		else
			sqlite3_sleep(20);
	}
	if (busy)
		log_warnx("store: the write-ahead log could not be truncated "
		    "now; the next idle checkpoint will");
}

static int
submission_cmp(const void *a, const void *b)
{
	return memcmp(a, b, STORE_SUBMISSION_BYTES);
}

int
store_release(struct store *st, int (*fn)(struct store_response *, void *),
    void *arg, long long *moved, char *err, size_t errlen)
{
	struct moving *rows = NULL;
	struct store_sub *old = NULL;
	unsigned char (*released)[STORE_SUBMISSION_BYTES];
	sqlite3_stmt *s = NULL;
	size_t n = 0, cap = 0, nintake, i, oldcap = 0;
	int rc = -1;

	*moved = 0;
	pthread_mutex_lock(&st->adm_mtx);
	if (store_exec(st->adm, "BEGIN IMMEDIATE", err, errlen) == -1)
		goto out_unlocked_tx;
	if (sqlite3_prepare_v2(st->adm, sql_sel_intake, -1, &s, NULL) !=
	    SQLITE_OK || read_rows(s, 1, 1, &rows, &n, &cap) == -1)
		goto dberr;
	sqlite3_finalize(s);
	s = NULL;
	nintake = n;
	if (nintake == 0) {
		(void)store_exec(st->adm, "ROLLBACK", err, errlen);
		rc = 0;
		goto out_unlocked_tx;
	}
	/*
	 * The released rows of the intake's weeks move again with the new
	 * ones, so that within a week nothing tells one day's release from
	 * the next: the file shows the week, which the row holds anyway.
	 */
	if (store_exec(st->adm, "CREATE TEMP TABLE IF NOT EXISTS"
	    " release_weeks (survey TEXT, week TEXT, PRIMARY KEY (survey,"
	    " week)); DELETE FROM temp.release_weeks;"
	    " INSERT OR IGNORE INTO temp.release_weeks SELECT survey, week"
	    " FROM intake", err, errlen) == -1)
		goto out_tx;
	if (sqlite3_prepare_v2(st->adm, "SELECT r.survey, r.version,"
	    " r.channel, r.location, r.lang, r.week, r.answers, r.submission"
	    " FROM responses r JOIN temp.release_weeks w"
	    " ON r.survey = w.survey AND r.week = w.week", -1, &s, NULL) !=
	    SQLITE_OK || read_rows(s, 0, 0, &rows, &n, &cap) == -1)
		goto dberr;
	sqlite3_finalize(s);
	s = NULL;
	if (store_exec(st->adm, "DELETE FROM responses WHERE (survey, week)"
	    " IN (SELECT survey, week FROM temp.release_weeks);"
	    " DELETE FROM intake;", err, errlen) == -1)
		goto out_tx;
	if (insert_shuffled(st->adm, rows, n, fn, arg, moved) == -1)
		goto dberr;
	if (store_exec(st->adm, "COMMIT", err, errlen) == -1)
		goto out_tx;
	/*
	 * Forget the released submissions; the writer may have added more.
	 * The released ones sorted, so each kept one is a binary search.
	 */
	released = xcalloc(nintake, sizeof(*released));
	for (i = 0; i < nintake; i++)
		memcpy(released[i], rows[i].r.submission,
		    STORE_SUBMISSION_BYTES);
	qsort(released, nintake, sizeof(*released), submission_cmp);
	pthread_mutex_lock(&st->subs_mtx);
	old = st->subs;
	oldcap = st->subs_cap;
	st->subs = NULL;
	st->subs_cap = st->subs_count = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i].used && bsearch(old[i].key, released, nintake,
		    sizeof(*released), submission_cmp) == NULL)
			subset_put(st, old[i].key);
	pthread_mutex_unlock(&st->subs_mtx);
	free(old);
	free(released);
	wal_truncate(st->adm);
	log_info("released %lld responses", *moved);
	rc = 0;
	goto out_unlocked_tx;
dberr:
	snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->adm));
out_tx:
	{
		char ignore[64];

		(void)store_exec(st->adm, "ROLLBACK", ignore, sizeof(ignore));
	}
out_unlocked_tx:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->adm_mtx);
	moving_free(rows, n);
	return rc;
}

int
store_import(struct store *st, struct store_response *r, size_t n,
    long long *stored, char *err, size_t errlen)
{
	struct moving *rows;
	size_t i;
	int rc = -1;

	rows = xcalloc(n ? n : 1, sizeof(*rows));
	for (i = 0; i < n; i++) {
		rows[i].r = r[i];
		rows[i].counted = 1;
	}
	pthread_mutex_lock(&st->adm_mtx);
	if (store_exec(st->adm, "BEGIN IMMEDIATE", err, errlen) == -1)
		goto out;
	if (insert_shuffled(st->adm, rows, n, NULL, NULL, stored) == -1) {
		char ignore[64];

		snprintf(err, errlen, "%s: %s", st->path,
		    sqlite3_errmsg(st->adm));
		(void)store_exec(st->adm, "ROLLBACK", ignore, sizeof(ignore));
		goto out;
	}
	if (store_exec(st->adm, "COMMIT", err, errlen) == -1)
		goto out;
	wal_truncate(st->adm);
	rc = 0;
out:
	pthread_mutex_unlock(&st->adm_mtx);
	free(rows);
	return rc;
}

long long
store_intake_count(struct store *st)
{
	sqlite3_stmt *s = adm_begin(st, sql_count_intake);
	long long n = -1;

	if (s == NULL)
		return -1;
	if (adm_row(st, s) == 1) {
		n = sqlite3_column_int64(s, 0);
		adm_end(st, s);
	}
	return n;
}
