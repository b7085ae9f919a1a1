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

static struct report *
build(struct fixture *f, enum report_by by, const char *from, const char *to)
{
	struct report_query q = { "ouders", from, to, 0, by, NULL, 5 };
	struct report *r = NULL;
	char err[256];

	assert_int_equal(report_build(f->st, f->set, &q, &r, err,
	    sizeof(err)), 0);
	return r;
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

	/* March: 7 + 3 + 2.  April: 10 + 6 + 2.  May: 3. */
	add(f, "2026-03", "overvecht", "qr", 7, 8.0, 4);
	add(f, "2026-03", "vechtzoom", "kiosk", 3, 6.0, 3);
	add(f, "2026-03", "spoorzoom", "qr", 2, 2.0, 1);
	add(f, "2026-04", "overvecht", "qr", 10, 9.0, 5);
	add(f, "2026-04", "vechtzoom", "qr", 6, 7.0, 4);
	add(f, "2026-04", "spoorzoom", "web", 2, 5.0, 3);
	add(f, "2026-05", "overvecht", "qr", 3, 4.0, 2);

	r = build(f, REPORT_BY_LOCATION, NULL, NULL);
	assert_int_equal((int)r->np, 3);
	assert_string_equal(r->periods[0], "2026-03");
	assert_string_equal(r->periods[2], "2026-05");
	ov = group_of(r, "overvecht");
	ve = group_of(r, "vechtzoom");
	sp = group_of(r, "spoorzoom");
	/*
	 * Worked out by hand, months as rows, locations as columns:
	 *   March 7 3 2, April 10 6 2, May 3.
	 * Rows: March's 3 and 2 hide each other; April's 2 hides, then the
	 * smallest other (6); May's 3 and May's total hide.  Columns, with
	 * each location's total over the months shown too: Overvecht is
	 * 7, 10 and a hidden 3, so 20 - 10 - 7 would give May away: March's
	 * 7 hides as well.  Spoorzoom's total (4) is under K.
	 */
	assert_true(r->cells[0 * r->ng + (size_t)ov].hidden);
	assert_true(r->cells[0 * r->ng + (size_t)ve].hidden);
	assert_true(r->cells[0 * r->ng + (size_t)sp].hidden);
	c = &r->cells[1 * r->ng + (size_t)ov];
	assert_false(c->hidden);
	assert_int_equal(c->c.n, 10);
	assert_int_equal(stats_mean_ci(&c->c, &mean, &lo, &hi), 0);
	assert_true(fabs(mean - 9.0) < 1e-9);
	assert_int_equal(c->counts[r->qs[0].first + 4], 10);	/* gehoord=5 */
	assert_true(r->cells[1 * r->ng + (size_t)sp].hidden);
	assert_true(r->cells[1 * r->ng + (size_t)ve].hidden);
	assert_true(r->cells[2 * r->ng + (size_t)ov].hidden);
	assert_true(r->ptotal[2].hidden);
	assert_false(r->gtotal[ov].hidden);
	assert_int_equal(r->gtotal[ov].c.n, 20);
	assert_false(r->gtotal[ve].hidden);
	/* The period totals are shown where 5 or more. */
	assert_false(r->ptotal[0].hidden);
	assert_int_equal(r->ptotal[0].c.n, 12);
	assert_int_equal(r->grand.c.n, 33);
	/* Spoorzoom's total over all months is 4: under K. */
	assert_true(r->gtotal[sp].hidden);
	report_free(r);

	/*
	 * By none: May (3) is hidden; the grand total is shown, so May would
	 * follow from it by subtraction unless a second month is hidden too.
	 */
	r = build(f, REPORT_BY_NONE, NULL, NULL);
	assert_int_equal((int)r->ng, 1);
	assert_true(r->cells[2].hidden);
	assert_true(r->cells[0].hidden);	/* March, 12: the smallest other */
	assert_false(r->cells[1].hidden);	/* April, 18 */
	assert_false(r->grand.hidden);
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
	add(f, "2026-06", "vechtzoom", "qr", 4, 6.0, 3);
	r = build(f, REPORT_BY_LOCATION, "2026-06", "2026-06");
	j = report_json(r);
	rows = json_object_get(j, "rows");
	json_array_foreach(rows, i, row) {
		if (json_is_true(json_object_get(row, "suppressed"))) {
			hidden_json++;
			assert_null(json_object_get(row, "n"));
			assert_null(json_object_get(row, "satisfaction"));
		}
	}
	assert_int_equal(hidden_json, 2);	/* 4, and 9 beside it */
	csv = report_csv(r, 1, &len);
	assert_non_null(csv);
	/* BOM, semicolons, decimal commas. */
	assert_memory_equal(csv, "\xEF\xBB\xBF", 3);
	assert_non_null(strstr(csv, "period;group;n;satisfaction"));
	for (p = csv; (p = strstr(p, "suppressed (under 5)")) != NULL; p++)
		hidden_csv++;
	/* The two cells; the month total (13) is shown, the group totals
	 * hide as the cells do. */
	assert_int_equal(hidden_csv, 4);
	assert_non_null(strstr(csv, "2026-06;total;13;"));
	assert_non_null(strstr(csv, "2026-06;overvecht;;;suppressed"));
	assert_non_null(strstr(csv, "2026-06;vechtzoom;;;suppressed"));
	assert_non_null(strstr(csv, "all;overvecht;;;suppressed"));
	free(csv);
	csv = report_csv(r, 0, &len);
	assert_true(csv[0] == 'p');
	assert_non_null(strstr(csv, "2026-06,total,13,"));
	assert_non_null(strstr(csv, "."));
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
	struct report_query q = { "nope", NULL, NULL, 0, REPORT_BY_NONE, NULL,
	    5 };
	struct report *r = NULL;
	char err[256];

	assert_int_equal(report_build(f->st, f->set, &q, &r, err,
	    sizeof(err)), 404);
	assert_null(r);
	q.survey = "ouders";
	q.from = "2026-13";
	assert_int_equal(report_build(f->st, f->set, &q, &r, err,
	    sizeof(err)), 422);
	q.from = "2026-05";
	q.to = "2026-04";
	assert_int_equal(report_build(f->st, f->set, &q, &r, err,
	    sizeof(err)), 422);
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
