/*
 * test_report.c — the dashboard's table built from responses that went
 * through the real writer and rollups: counts, means, both kinds of
 * suppression in JSON and CSV alike, and CSV that is safe to open.
 */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "report.h"
#include "store.h"
#include "store_results.h"
#include "survey.h"

struct fixture {
	char			 dir[64];
	char			 db[128];
	struct store		*st;
	struct survey_set	*set;
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	int			 done;
};


/* Stores n responses with one score, through the writer, and waits. */
static void
add(struct fixture *f, const char *month, const char *loc, const char *ch,
    int n, double score, int gehoord)
{
	struct store_job *jobs = calloc((size_t)n, sizeof(*jobs));
	int i, want;

	assert_non_null(jobs);
	pthread_mutex_lock(&f->mtx);
	want = f->done + n;
	pthread_mutex_unlock(&f->mtx);
	for (i = 0; i < n; i++) {
		struct store_response *r = &jobs[i].r;

		snprintf(r->survey, sizeof(r->survey), "ouders");
		r->version = 1;
		snprintf(r->channel, sizeof(r->channel), "%s", ch);
		snprintf(r->location, sizeof(r->location), "%s", loc);
		snprintf(r->lang, sizeof(r->lang), "nl");
		snprintf(r->week, sizeof(r->week), "2026-W10");
		snprintf(r->month, sizeof(r->month), "%s", month);
		r->answers = (char *)"{}";
		for (size_t k = 0; k < sizeof(r->submission); k++)
			r->submission[k] = (unsigned char)rand();
		r->scored = 1;
		r->score = score;
		r->tallies = calloc(1, sizeof(*r->tallies));
		r->ntallies = 1;
		snprintf(r->tallies[0].question, sizeof(r->tallies[0].question),
		    "gehoord");
		snprintf(r->tallies[0].value, sizeof(r->tallies[0].value),
		    "%d", gehoord);
	}
	{
		struct store_response *rows = calloc(n, sizeof(*rows));
		long long stored;
		char err[256];

		assert_non_null(rows);
		for (i = 0; i < n; i++)
			rows[i] = jobs[i].r;
		/* Seeded as released responses, like klankbord import. */
		assert_int_equal(store_import(f->st, rows, n, &stored, err,
		    sizeof(err)), 0);
		assert_true(stored == (long long)n);
		free(rows);
	}
	(void)want;
	for (i = 0; i < n; i++)
		free(jobs[i].r.tallies);
	free(jobs);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct buf errors;
	char err[256];

	if (f == NULL || test_tmpdir(f->dir, sizeof(f->dir)) == -1)
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/k.db", f->dir);
	pthread_mutex_init(&f->mtx, NULL);
	pthread_cond_init(&f->cond, NULL);
	buf_init(&errors, 65536);
	if (survey_set_load(TEST_SURVEYS_DIR, &f->set, &errors) == -1 ||
	    store_open(f->db, &f->st, err, sizeof(err)) == -1 ||
	    store_writer_start(f->st, err, sizeof(err)) == -1) {
		buf_free(&errors);
		return -1;
	}
	buf_free(&errors);
	srand(7);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char path[256];

	store_close(f->st);
	survey_set_free(f->set);
	snprintf(path, sizeof(path), "%s/k.db", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/k.db-wal", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/k.db-shm", f->dir);
	unlink(path);
	rmdir(f->dir);
	pthread_mutex_destroy(&f->mtx);
	pthread_cond_destroy(&f->cond);
	free(f);
	return 0;
}

/* 15 September 2026: March to August are closed and published. */
static time_t
fixed_now(void)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 8;
	tm.tm_mday = 15;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static struct report *
build_iv(struct fixture *f, enum report_by by, int interval,
    const char *from, const char *to)
{
	struct report_query q;
	struct report *r = NULL;
	char err[256];

	memset(&q, 0, sizeof(q));
	q.survey = "ouders";
	q.from = from;
	q.to = to;
	q.quarter = interval;
	q.by = by;
	q.k = 5;
	q.now = fixed_now();
	q.lag_days = 1;
	assert_int_equal(report_build(f->st, f->set, &q, &r, err,
	    sizeof(err)), 0);
	return r;
}

static struct report *
build(struct fixture *f, enum report_by by, const char *from, const char *to)
{
	return build_iv(f, by, REPORT_MONTH, from, to);
}

static long
group_of(const struct report *r, const char *g)
{
	size_t i;

	for (i = 0; i < r->ng; i++)
		if (strcmp(r->groups[i], g) == 0)
			return (long)i;
	fail_msg("no group %s", g);
	return -1;
}

static void
test_counts_means_and_suppression(void **state)
{
	struct fixture *f = *state;
	struct report *r;
	const struct report_cell *c;
	double mean, lo, hi;
	long ov, ve, sp;
	size_t i;

	/* March: 7 + 3 + 2.  April: 10 + 6 + 2.  May: 3. */
	add(f, "2026-03", "overvecht", "qr", 7, 8.0, 4);
	add(f, "2026-03", "vechtzoom", "kiosk", 3, 6.0, 3);
	add(f, "2026-03", "spoorzoom", "qr", 2, 2.0, 1);
	add(f, "2026-04", "overvecht", "qr", 5, 9.0, 5);
	add(f, "2026-04", "overvecht", "qr", 5, 9.0, 4);
	add(f, "2026-04", "vechtzoom", "qr", 6, 7.0, 4);
	add(f, "2026-04", "spoorzoom", "web", 2, 5.0, 3);
	add(f, "2026-05", "overvecht", "qr", 3, 4.0, 2);

	r = build(f, REPORT_BY_LOCATION, "2026-03", "2026-05");
	assert_int_equal((int)r->np, 3);
	assert_string_equal(r->periods[0], "2026-03");
	assert_string_equal(r->periods[2], "2026-05");
	assert_string_equal(r->through, "2026-08");
	ov = group_of(r, "overvecht");
	ve = group_of(r, "vechtzoom");
	sp = group_of(r, "spoorzoom");
	/* Every group under K is hidden, and shows nothing at all. */
	for (i = 0; i < r->np * r->ng; i++) {
		c = &r->cells[i];
		if (c->hidden)
			assert_true(c->c.n == 0 && c->c.sn == 0);
	}
	assert_true(r->cells[0 * r->ng + (size_t)ve].hidden);	/* 3 */
	assert_true(r->cells[0 * r->ng + (size_t)sp].hidden);	/* 2 */
	assert_true(r->cells[1 * r->ng + (size_t)sp].hidden);	/* 2 */
	assert_true(r->cells[2 * r->ng + (size_t)ov].hidden);	/* 3 */
	/* May as a whole is 3: hidden. */
	assert_true(r->ptotal[2].hidden);
	/* April's Overvecht: 10 answers with two values, shown. */
	c = &r->cells[1 * r->ng + (size_t)ov];
	assert_false(c->hidden);
	assert_int_equal(c->c.n, 10);
	assert_false(c->sat_hidden);
	assert_int_equal(stats_mean_ci(&c->c, &mean, &lo, &hi), 0);
	assert_true(fabs(mean - 9.0) < 1e-9);
	assert_false(c->qhidden[0]);
	assert_int_equal(c->counts[r->qs[0].first + 4], 5);	/* gehoord=5 */
	assert_int_equal(c->counts[r->qs[0].first + 3], 5);	/* gehoord=4 */
	/*
	 * March's Overvecht: 7 people who all answered gehoord 4, a group
	 * under 2K: the distribution (and the score it makes) is not shown.
	 */
	c = &r->cells[0 * r->ng + (size_t)ov];
	if (!c->hidden) {
		assert_int_equal(c->c.n, 7);
		assert_true(c->qhidden[0]);
		assert_true(c->sat_hidden);
	}
	/* A window of several months has no total: it is no cell. */
	assert_true(r->grand.hidden);
	assert_true(r->gtotal[ov].hidden);
	report_free(r);

	/*
	 * Quarters are cells too.  Q1 (March's 12) is shown; Q2 is April's
	 * 18 and May's hidden 3: shown, it would give May away.
	 */
	r = build_iv(f, REPORT_BY_NONE, REPORT_QUARTER, "2026-01", "2026-06");
	assert_int_equal((int)r->np, 2);
	assert_string_equal(r->periods[0], "2026-Q1");
	assert_string_equal(r->periods[1], "2026-Q2");
	assert_false(r->ptotal[0].hidden);
	assert_int_equal(r->ptotal[0].c.n, 12);
	assert_true(r->ptotal[1].hidden);
	report_free(r);
}

static void
test_json_and_csv_suppress_the_same_cells(void **state)
{
	struct fixture *f = *state;
	struct report *r;
	json_t *j, *rows, *row;
	char *csv;
	size_t len, i;
	int hidden_json = 0, hidden_csv = 0;
	const char *p;

	add(f, "2026-06", "overvecht", "qr", 9, 7.5, 4);
	add(f, "2026-06", "overvecht", "qr", 3, 7.5, 5);
	add(f, "2026-06", "vechtzoom", "qr", 4, 6.0, 3);
	r = build(f, REPORT_BY_LOCATION, "2026-06", "2026-06");
	j = report_json(r);
	assert_string_equal(json_string_value(json_object_get(j,
	    "published_through")), "2026-08");
	rows = json_object_get(j, "rows");
	json_array_foreach(rows, i, row) {
		if (json_is_true(json_object_get(row, "suppressed"))) {
			hidden_json++;
			assert_null(json_object_get(row, "n"));
			assert_null(json_object_get(row, "satisfaction"));
		}
	}
	/*
	 * Vechtzoom's 4, Overvecht's 12 beside it (16 is shown), and a
	 * zero cell the audit hides so that no small group follows.
	 */
	assert_true(hidden_json >= 2);
	csv = report_csv(r, 1, &len);
	assert_non_null(csv);
	/* BOM, semicolons, decimal commas. */
	assert_memory_equal(csv, "\xEF\xBB\xBF", 3);
	assert_non_null(strstr(csv, "period;group;n;satisfaction"));
	for (p = csv; (p = strstr(p, "suppressed (under 5)")) != NULL; p++)
		hidden_csv++;
	/* Each cell, and the same as the group total of a one-month window. */
	assert_int_equal(hidden_csv, 2 * hidden_json);
	assert_non_null(strstr(csv, "2026-06;total;16;"));
	assert_non_null(strstr(csv, "2026-06;overvecht;;;suppressed"));
	assert_non_null(strstr(csv, "2026-06;vechtzoom;;;suppressed"));
	free(csv);
	csv = report_csv(r, 0, &len);
	assert_true(csv[0] == 'p');
	assert_non_null(strstr(csv, "2026-06,total,16,"));
	free(csv);
	json_decref(j);
	report_free(r);
}

static void
test_csv_neutralises_formulas(void **state)
{
	struct fixture *f = *state;
	struct report *r;
	const char *saved0, *saved1;
	char *csv;
	size_t len;

	r = build(f, REPORT_BY_LOCATION, "2026-01", "2026-01");
	saved0 = r->groups[0];
	saved1 = r->groups[1];
	r->groups[0] = "=HYPERLINK(\"http://x\";\"y\")";
	r->groups[1] = "@SUM(1+1)";
	csv = report_csv(r, 1, &len);
	assert_non_null(strstr(csv, ";\"'=HYPERLINK(\"\"http://x\"\";"
	    "\"\"y\"\")\";"));
	assert_non_null(strstr(csv, ";\"'@SUM(1+1)\";"));
	assert_null(strstr(csv, ";=HYPERLINK"));
	assert_null(strstr(csv, ";@SUM"));
	free(csv);
	r->groups[0] = saved0;
	r->groups[1] = saved1;
	report_free(r);
}

static void
test_bad_queries(void **state)
{
	struct fixture *f = *state;
	struct report_query q;
	struct report *r = NULL;
	char err[256];

	memset(&q, 0, sizeof(q));
	q.survey = "nope";
	q.k = 5;
	q.now = fixed_now();
	q.lag_days = 1;
	assert_int_equal(report_build(f->st, f->set, &q, &r, err,
	    sizeof(err)), 404);
	assert_null(r);
	q.survey = "ouders";
	q.from = "2026-13";
	assert_int_equal(report_build(f->st, f->set, &q, &r, err,
	    sizeof(err)), 422);
	assert_memory_equal(err, "from:", 5);
	q.from = "2026-05";
	q.to = "2026-04";
	assert_int_equal(report_build(f->st, f->set, &q, &r, err,
	    sizeof(err)), 422);
	/* Not yet published: September is running. */
	q.from = "2026-08";
	q.to = "2026-09";
	assert_int_equal(report_build(f->st, f->set, &q, &r, err,
	    sizeof(err)), 422);
	assert_memory_equal(err, "to:", 3);
	assert_non_null(strstr(err, "published up to 2026-08"));
	/* A quarter window must be whole quarters. */
	q.quarter = REPORT_QUARTER;
	q.from = "2026-02";
	q.to = "2026-06";
	assert_int_equal(report_build(f->st, f->set, &q, &r, err,
	    sizeof(err)), 422);
	assert_memory_equal(err, "from:", 5);
	q.from = "2026-01";
	q.to = "2026-05";
	assert_int_equal(report_build(f->st, f->set, &q, &r, err,
	    sizeof(err)), 422);
	assert_memory_equal(err, "to:", 3);
	q.quarter = REPORT_MONTH;
	q.from = NULL;
	q.to = NULL;
	q.location = "mars";
	assert_int_equal(report_build(f->st, f->set, &q, &r, err,
	    sizeof(err)), 404);
	q.location = NULL;
	q.from = "1990-01";
	q.to = "2026-01";
	assert_int_equal(report_build(f->st, f->set, &q, &r, err,
	    sizeof(err)), 422);	/* more than 240 periods */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_means_and_suppression),
		cmocka_unit_test(test_json_and_csv_suppress_the_same_cells),
		cmocka_unit_test(test_csv_neutralises_formulas),
		cmocka_unit_test(test_bad_queries),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
