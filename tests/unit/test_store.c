/*
 * test_store.c — schema creation and migration, survey version
 * fingerprints, the group-commit writer (results, ids, duplicates, what
 * close does with queued jobs) and the online backup.  The database files
 * live in a fresh folder under /tmp; rows are counted with SQLite itself.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "helpers.h"
#include "store.h"
#include "store_results.h"
#include "store_team.h"

struct fixture {
	char		 dir[64];
	char		 db[128];	/* dir/k.db */
	char		 err[512];
	struct store	*st;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	if (test_tmpdir(f->dir, sizeof(f->dir)) == -1) {
		free(f);
		return -1;
	}
	snprintf(f->db, sizeof(f->db), "%s/k.db", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	test_rmtree(f->dir);
	free(f);
	return 0;
}

static void
open_ok(struct fixture *f)
{
	f->err[0] = '\0';
	if (store_open(f->db, &f->st, f->err, sizeof(f->err)) != 0)
		fail_msg("store_open: %s", f->err);
	assert_non_null(f->st);
}

static void
start_writer(struct fixture *f)
{
	if (store_writer_start(f->st, f->err, sizeof(f->err)) != 0)
		fail_msg("store_writer_start: %s", f->err);
}

/* Runs one SQL statement with an integer result on the file at path. */
static long long
sql_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	long long v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		fail_msg("%s: %s", path, sqlite3_errmsg(db));
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* Runs SQL on the file at path, creating it. */
static void
sql_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		fail_msg("%s: %s", path, sqlite3_errmsg(db));
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		print_error("%s: %s\n", sql, msg);
		sqlite3_free(msg);
		sqlite3_close(db);
		fail();
	}
	sqlite3_close(db);
}

static int
file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The responses counted in the rollups of survey "ouders". */
static void
cells_fn(const char *month, const char *location, const char *channel,
    long long n, long long sn, double ssum, double ssq, void *arg)
{
	long long *total = arg;

	(void)month;
	(void)location;
	(void)channel;
	(void)sn;
	(void)ssum;
	(void)ssq;
	*total += n;
}

static long long rollup_total(struct store *st);

/* Counts a released row through its answers' rollup fields. */
static int
fill_cb(struct store_response *r, void *arg)
{
	(void)arg;
	snprintf(r->month, sizeof(r->month), "2026-11");
	return 0;
}

static void
release_ok(struct fixture *f)
{
	long long moved;
	char err[256];

	assert_int_equal(store_release(f->st, fill_cb, NULL, &moved, err,
	    sizeof(err)), 0);
}

static long long
rollup_total(struct store *st)
{
	long long total = 0;

	assert_int_equal(store_rollup_cells(st, "ouders", NULL, NULL, cells_fn,
	    &total), 0);
	return total;
}

/* Jobs and waiting for them. */

struct waiter {
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cond;
	int		 done;
};

struct tjob {
	struct store_job	 job;	/* first: done gets its address */
	struct waiter		*w;
	int			 calls;
	int			 on_caller_thread;
	pthread_t		 caller;
};

static void
waiter_init(struct waiter *w)
{
	pthread_mutex_init(&w->mtx, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->done = 0;
}

static void
waiter_destroy(struct waiter *w)
{
	pthread_mutex_destroy(&w->mtx);
	pthread_cond_destroy(&w->cond);
}

static void
job_done(struct store_job *job, void *arg)
{
	struct tjob *t = (struct tjob *)job;
	struct waiter *w = arg;

	t->calls++;
	t->on_caller_thread = pthread_equal(pthread_self(), t->caller);
	pthread_mutex_lock(&w->mtx);
	w->done++;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->mtx);
}

/* Waits (at most 20 s) until n jobs are done. */
static void
waiter_wait(struct waiter *w, int n)
{
	struct timespec until;
	int e = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 20;
	pthread_mutex_lock(&w->mtx);
	while (w->done < n && e == 0)
		e = pthread_cond_timedwait(&w->cond, &w->mtx, &until);
	pthread_mutex_unlock(&w->mtx);
	if (w->done < n)
		fail_msg("only %d of %d jobs done after 20 s", w->done, n);
}

/* A response like the ones response_prepare makes, numbered by seq. */
static void
tjob_init(struct tjob *t, struct waiter *w, unsigned seq)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->job.r.survey, sizeof(t->job.r.survey), "ouders");
	t->job.r.version = 1;
	snprintf(t->job.r.channel, sizeof(t->job.r.channel), "qr");
	snprintf(t->job.r.location, sizeof(t->job.r.location), "overvecht");
	snprintf(t->job.r.lang, sizeof(t->job.r.lang), "nl");
	snprintf(t->job.r.week, sizeof(t->job.r.week), "2026-W47");
	snprintf(t->job.r.month, sizeof(t->job.r.month), "2026-11");
	t->job.r.answers = xstrdup("{\"gehoord\":4,\"cijfer\":8}");
	t->job.r.submission[0] = 0xa5;
	t->job.r.submission[1] = (unsigned char)(seq >> 8);
	t->job.r.submission[2] = (unsigned char)seq;
	t->job.r.scored = 1;
	t->job.r.score = 7.75;
	t->job.r.tallies = xcalloc(1, sizeof(*t->job.r.tallies));
	snprintf(t->job.r.tallies[0].question,
	    sizeof(t->job.r.tallies[0].question), "gehoord");
	snprintf(t->job.r.tallies[0].value, sizeof(t->job.r.tallies[0].value),
	    "4");
	t->job.r.ntallies = 1;
	t->job.done = job_done;
	t->job.arg = w;
	t->job.result = STORE_PENDING;
	t->w = w;
	t->caller = pthread_self();
}

static void
tjob_clear(struct tjob *t)
{
	free(t->job.r.answers);
	free(t->job.r.tallies);
	t->job.r.answers = NULL;
	t->job.r.tallies = NULL;
}

static int
is_hex16(const char *s)
{
	size_t i;

	if (strlen(s) != 16)
		return 0;
	for (i = 0; i < 16; i++)
		if (strchr("0123456789abcdef", s[i]) == NULL)
			return 0;
	return 1;
}

/* Opening and migrating. */

static void
test_open_creates_schema(void **state)
{
	struct fixture *f = *state;

	assert_true(store_schema_version() >= 1);
	assert_false(file_exists(f->db));
	open_ok(f);
	store_close(f->st);
	f->st = NULL;
	assert_true(file_exists(f->db));
	assert_true(sql_int(f->db, "PRAGMA user_version") ==
	    store_schema_version());
	assert_true(sql_int(f->db, "SELECT count(*) FROM sqlite_master WHERE"
	    " name IN ('responses', 'survey_versions')") == 2);
	assert_true(sql_int(f->db, "SELECT (SELECT count(*) FROM responses) + (SELECT count(*) FROM intake)") == 0);
}

static void
test_reopen(void **state)
{
	struct fixture *f = *state;

	open_ok(f);
	store_close(f->st);
	f->st = NULL;
	open_ok(f);
	store_close(f->st);
	f->st = NULL;
	assert_true(sql_int(f->db, "PRAGMA user_version") ==
	    store_schema_version());
}

static void
test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;

	sql_exec(f->db, "CREATE TABLE t (x); PRAGMA user_version = 999;");
	f->st = (struct store *)0x1;	/* must come back NULL */
	assert_int_equal(store_open(f->db, &f->st, f->err, sizeof(f->err)),
	    -1);
	assert_null(f->st);
	assert_non_null(strstr(f->err, "newer"));
	assert_non_null(strstr(f->err, f->db));
	assert_non_null(strstr(f->err, "999"));
	/* Left as it was. */
	assert_true(sql_int(f->db, "PRAGMA user_version") == 999);
}

static void
test_empty_database_upgraded(void **state)
{
	struct fixture *f = *state;

	/* An existing, empty file and an existing database at version 0. */
	assert_int_equal(test_write_file(f->dir, "k.db", ""), 0);
	open_ok(f);
	store_close(f->st);
	f->st = NULL;
	assert_true(sql_int(f->db, "PRAGMA user_version") ==
	    store_schema_version());
	snprintf(f->db, sizeof(f->db), "%s/k2.db", f->dir);
	sql_exec(f->db, "PRAGMA user_version = 0; CREATE TABLE notes (x);");
	open_ok(f);
	store_close(f->st);
	f->st = NULL;
	assert_true(sql_int(f->db, "PRAGMA user_version") ==
	    store_schema_version());
	assert_true(sql_int(f->db, "SELECT count(*) FROM notes") == 0);
}

static void
test_failed_migration_reported(void **state)
{
	struct fixture *f = *state;
	char want[256];

	/* Version 0 but a table the first migration creates. */
	sql_exec(f->db, "CREATE TABLE responses (x);");
	assert_int_equal(store_open(f->db, &f->st, f->err, sizeof(f->err)),
	    -1);
	assert_null(f->st);
	snprintf(want, sizeof(want), "%s: upgrading the schema to version 1 "
	    "failed: ", f->db);
	assert_memory_equal(f->err, want, strlen(want));
	assert_non_null(strstr(f->err, "already exists"));
	assert_true(sql_int(f->db, "PRAGMA user_version") == 0);
}

static void
test_not_a_database(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(test_write_file(f->dir, "k.db",
	    "this is not an SQLite database, but it is long enough to have "
	    "a header that SQLite will look at and refuse.\n"), 0);
	assert_int_equal(store_open(f->db, &f->st, f->err, sizeof(f->err)),
	    -1);
	assert_null(f->st);
	assert_memory_equal(f->err, f->db, strlen(f->db));
	assert_non_null(strstr(f->err, "not a database"));
}

static void
test_unopenable_path(void **state)
{
	struct fixture *f = *state;
	char path[256];

	snprintf(path, sizeof(path), "%s/no/such/dir/k.db", f->dir);
	assert_int_equal(store_open(path, &f->st, f->err, sizeof(f->err)), -1);
	assert_null(f->st);
	assert_memory_equal(f->err, path, strlen(path));
	assert_non_null(strstr(f->err, "cannot open database"));
}

static void
test_memory_database(void **state)
{
	struct fixture *f = *state;

	/* STYLE.md: unit tests run the store against :memory:. */
	if (store_open(":memory:", &f->st, f->err, sizeof(f->err)) != 0)
		fail_msg("store_open(:memory:): %s", f->err);
	assert_int_equal(store_survey_version_check(f->st, "ouders", 1,
	    "ab", "{}", f->err, sizeof(f->err)), 0);
	/* The team's side must see the same database, not a second,
	 * empty one. */
	assert_int_equal(store_user_add(f->st, "anna", "admin", "$argon2id$x"),
	    1);
	assert_int_equal(store_user_count(f->st, NULL), 1);
}

/* Survey versions. */

struct seen {
	char	ids[8][64];
	long long versions[8];
	int	n;
	int	stop_after;
};

static int
seen_fn(const char *id, long long version, const char *def, void *arg)
{
	struct seen *s = arg;

	assert_string_equal(def, version == 1 ? "{\"v\":1}" : "{\"v\":2}");
	if (s->n < 8) {
		snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", id);
		s->versions[s->n] = version;
	}
	s->n++;
	return s->stop_after > 0 && s->n >= s->stop_after ? -1 : 0;
}

static void
test_survey_version_check(void **state)
{
	struct fixture *f = *state;
	struct seen seen;

	open_ok(f);
	assert_int_equal(store_survey_version_check(f->st, "ouders", 1,
	    "fp-one", "{\"v\":1}", f->err, sizeof(f->err)), 0);
	/* Same fingerprint: fine, any number of times. */
	assert_int_equal(store_survey_version_check(f->st, "ouders", 1,
	    "fp-one", "{\"v\":1}", f->err, sizeof(f->err)), 0);
	/* Other questions under the same version number: refused. */
	f->err[0] = '\0';
	assert_int_equal(store_survey_version_check(f->st, "ouders", 1,
	    "fp-two", "{\"v\":1}", f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "new \"version\""));
	assert_non_null(strstr(f->err, "ouders"));
	/* A new version number may have other questions. */
	assert_int_equal(store_survey_version_check(f->st, "ouders", 2,
	    "fp-two", "{\"v\":2}", f->err, sizeof(f->err)), 0);
	assert_int_equal(store_survey_version_check(f->st, "jongeren", 1,
	    "fp-one", "{\"v\":1}", f->err, sizeof(f->err)), 0);

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_survey_versions_foreach(f->st, seen_fn, &seen),
	    0);
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.ids[0], "jongeren");
	assert_string_equal(seen.ids[1], "ouders");
	assert_true(seen.versions[1] == 1);
	assert_string_equal(seen.ids[2], "ouders");
	assert_true(seen.versions[2] == 2);
	/* fn's -1 stops the walk, and the walk reports it. */
	memset(&seen, 0, sizeof(seen));
	seen.stop_after = 1;
	assert_int_equal(store_survey_versions_foreach(f->st, seen_fn, &seen),
	    -1);
	assert_int_equal(seen.n, 1);

	/* Kept across a reopen. */
	store_close(f->st);
	f->st = NULL;
	open_ok(f);
	assert_int_equal(store_survey_version_check(f->st, "ouders", 2,
	    "fp-one", "{\"v\":2}", f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "new \"version\""));
}

/* The writer. */

#define NJOBS 100

static void
test_writer_inserts_and_dedups(void **state)
{
	struct fixture *f = *state;
	struct tjob *jobs, again;
	struct waiter w;
	int i, k;

	jobs = xcalloc(NJOBS, sizeof(*jobs));
	waiter_init(&w);
	open_ok(f);
	start_writer(f);
	for (i = 0; i < NJOBS; i++)
		tjob_init(&jobs[i], &w, (unsigned)i);
	for (i = 0; i < NJOBS; i++)
		store_submit(f->st, &jobs[i].job);
	waiter_wait(&w, NJOBS);
	assert_int_equal(store_pending(f->st), 0);
	for (i = 0; i < NJOBS; i++) {
		assert_int_equal(jobs[i].job.result, STORE_INSERTED);
		assert_int_equal(jobs[i].calls, 1);
		assert_false(jobs[i].on_caller_thread);
		if (!is_hex16(jobs[i].job.id))
			fail_msg("job %d id '%s'", i, jobs[i].job.id);
		for (k = 0; k < i; k++)
			assert_string_not_equal(jobs[i].job.id,
			    jobs[k].job.id);
	}

	/* The same submission again: a duplicate with the first one's id. */
	tjob_init(&again, &w, 42);
	free(again.job.r.answers);
	again.job.r.answers = xstrdup("{\"gehoord\":1}");
	store_submit(f->st, &again.job);
	waiter_wait(&w, NJOBS + 1);
	assert_int_equal(again.job.result, STORE_DUPLICATE);
	assert_string_equal(again.job.id, jobs[42].job.id);
	assert_int_equal(again.calls, 1);

	store_close(f->st);
	f->st = NULL;
	/* Readable by another connection, row ids as reported. */
	assert_true(sql_int(f->db, "SELECT (SELECT count(*) FROM responses) + (SELECT count(*) FROM intake)") == NJOBS);
	{
		char sql[512];

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM intake "
		    "WHERE substr(hex(submission), 1, 16) = upper('%s') AND survey = 'ouders' "
		    "AND version = 1 AND channel = 'qr' AND location = "
		    "'overvecht' AND lang = 'nl' AND week = '2026-W47' AND "
		    "answers = '{\"gehoord\":4,\"cijfer\":8}' AND "
		    "length(submission) = 16", jobs[42].job.id);
		assert_true(sql_int(f->db, sql) == 1);
	}
	/* The duplicate did not count in the rollups either. */
	open_ok(f);
	assert_true(rollup_total(f->st) == 0);	/* until the release */
	release_ok(f);
	assert_true(sql_int(f->db, "SELECT count(*) FROM intake") == 0);
	assert_true(rollup_total(f->st) == NJOBS);
	assert_int_equal(store_rollup_check(f->st), 1);
	for (i = 0; i < NJOBS; i++)
		tjob_clear(&jobs[i]);
	tjob_clear(&again);
	free(jobs);
	waiter_destroy(&w);
}

static void
test_duplicates_back_to_back(void **state)
{
	struct fixture *f = *state;
	struct tjob a, b;
	struct waiter w;

	waiter_init(&w);
	open_ok(f);
	start_writer(f);
	tjob_init(&a, &w, 7);
	tjob_init(&b, &w, 7);
	/* Probably one batch; the outcome must not depend on it. */
	store_submit(f->st, &a.job);
	store_submit(f->st, &b.job);
	waiter_wait(&w, 2);
	assert_int_equal(a.job.result, STORE_INSERTED);
	assert_int_equal(b.job.result, STORE_DUPLICATE);
	assert_string_equal(a.job.id, b.job.id);
	store_close(f->st);
	f->st = NULL;
	assert_true(sql_int(f->db, "SELECT (SELECT count(*) FROM responses) + (SELECT count(*) FROM intake)") == 1);
	tjob_clear(&a);
	tjob_clear(&b);
	waiter_destroy(&w);
}

static void
test_close_commits_queued_jobs(void **state)
{
	struct fixture *f = *state;
	struct tjob *jobs;
	struct waiter w;
	int i;

	jobs = xcalloc(50, sizeof(*jobs));
	waiter_init(&w);
	open_ok(f);
	start_writer(f);
	for (i = 0; i < 50; i++) {
		tjob_init(&jobs[i], &w, (unsigned)(1000 + i));
		store_submit(f->st, &jobs[i].job);
	}
	/* No waiting: close must finish what was queued. */
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(w.done, 50);
	for (i = 0; i < 50; i++) {
		assert_int_equal(jobs[i].job.result, STORE_INSERTED);
		assert_int_equal(jobs[i].calls, 1);
		tjob_clear(&jobs[i]);
	}
	assert_true(sql_int(f->db, "SELECT (SELECT count(*) FROM responses) + (SELECT count(*) FROM intake)") == 50);
	free(jobs);
	waiter_destroy(&w);
}

static void
test_submit_without_writer(void **state)
{
	struct fixture *f = *state;
	struct tjob t;
	struct waiter w;

	waiter_init(&w);
	open_ok(f);
	tjob_init(&t, &w, 1);
	store_submit(f->st, &t.job);
	/* Refused at once, on the caller's thread, exactly once. */
	assert_int_equal(t.calls, 1);
	assert_true(t.on_caller_thread);
	assert_int_equal(t.job.result, STORE_SHUTTING_DOWN);
	assert_int_equal(store_pending(f->st), 0);
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(t.calls, 1);
	assert_true(sql_int(f->db, "SELECT (SELECT count(*) FROM responses) + (SELECT count(*) FROM intake)") == 0);
	tjob_clear(&t);
	waiter_destroy(&w);
}

static void
test_failed_insert_then_recovers(void **state)
{
	struct fixture *f = *state;
	struct tjob bad, good;
	struct waiter w;

	waiter_init(&w);
	open_ok(f);
	start_writer(f);
	/* answers is NOT NULL in the schema: the batch fails whole. */
	tjob_init(&bad, &w, 1);
	free(bad.job.r.answers);
	bad.job.r.answers = NULL;
	store_submit(f->st, &bad.job);
	waiter_wait(&w, 1);
	assert_int_equal(bad.job.result, STORE_FAILED);
	assert_int_equal(bad.calls, 1);
	/* The writer goes on with the next batch. */
	tjob_init(&good, &w, 2);
	store_submit(f->st, &good.job);
	waiter_wait(&w, 2);
	assert_int_equal(good.job.result, STORE_INSERTED);
	/* Nothing of the failed batch is left, in the rollups either. */
	release_ok(f);
	assert_true(rollup_total(f->st) == 1);
	store_close(f->st);
	f->st = NULL;
	assert_true(sql_int(f->db, "SELECT (SELECT count(*) FROM responses) + (SELECT count(*) FROM intake)") == 1);
	tjob_clear(&bad);
	tjob_clear(&good);
	waiter_destroy(&w);
}

/* Backups. */

static void
test_backup_of_live_database(void **state)
{
	struct fixture *f = *state;
	struct tjob jobs[20];
	struct waiter w;
	char dest[256], tmp[300];
	int i;

	waiter_init(&w);
	open_ok(f);
	start_writer(f);
	for (i = 0; i < 20; i++) {
		tjob_init(&jobs[i], &w, (unsigned)(500 + i));
		store_submit(f->st, &jobs[i].job);
	}
	waiter_wait(&w, 20);
	snprintf(dest, sizeof(dest), "%s/backup.db", f->dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", dest);
	/* While the store is open, its rows still in the WAL. */
	if (store_backup(f->db, dest, f->err, sizeof(f->err)) != 0)
		fail_msg("store_backup: %s", f->err);
	assert_true(file_exists(dest));
	assert_false(file_exists(tmp));
	assert_true(sql_int(dest, "SELECT (SELECT count(*) FROM responses) + (SELECT count(*) FROM intake)") == 20);
	assert_true(sql_int(dest, "PRAGMA user_version") ==
	    store_schema_version());
	/* A second backup over the first replaces it. */
	if (store_backup(f->db, dest, f->err, sizeof(f->err)) != 0)
		fail_msg("store_backup: %s", f->err);
	assert_true(sql_int(dest, "SELECT (SELECT count(*) FROM responses) + (SELECT count(*) FROM intake)") == 20);
	store_close(f->st);
	f->st = NULL;
	assert_true(sql_int(f->db, "SELECT (SELECT count(*) FROM responses) + (SELECT count(*) FROM intake)") == 20);
	for (i = 0; i < 20; i++)
		tjob_clear(&jobs[i]);
	waiter_destroy(&w);
}

static void
test_backup_missing_source(void **state)
{
	struct fixture *f = *state;
	char dest[256], want[512];

	snprintf(dest, sizeof(dest), "%s/backup.db", f->dir);
	assert_int_equal(store_backup(f->db, dest, f->err, sizeof(f->err)),
	    -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", f->db);
	assert_string_equal(f->err, want);
	assert_false(file_exists(dest));
	assert_false(file_exists(f->db));	/* not created by the try */
}

static void
test_backup_unwritable_destination(void **state)
{
	struct fixture *f = *state;
	char dest[256];

	open_ok(f);
	store_close(f->st);
	f->st = NULL;
	snprintf(dest, sizeof(dest), "%s/no/such/dir/backup.db", f->dir);
	f->err[0] = '\0';
	assert_int_equal(store_backup(f->db, dest, f->err, sizeof(f->err)),
	    -1);
	assert_non_null(strstr(f->err, "/no/such/dir/backup.db"));
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_open_creates_schema),
		T(test_reopen),
		T(test_newer_schema_refused),
		T(test_empty_database_upgraded),
		T(test_failed_migration_reported),
		T(test_not_a_database),
		T(test_unopenable_path),
		T(test_memory_database),
		T(test_survey_version_check),
		T(test_writer_inserts_and_dedups),
		T(test_duplicates_back_to_back),
		T(test_close_commits_queued_jobs),
		T(test_submit_without_writer),
		T(test_failed_insert_then_recovers),
		T(test_backup_of_live_database),
		T(test_backup_missing_source),
		T(test_backup_unwritable_destination),
	};
#undef T

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
