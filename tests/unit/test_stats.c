/*
 * test_stats.c — the dashboard's arithmetic against values worked out by
 * hand (and, for t quantiles, from published tables).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stats.h"

#define NEAR(a, b, eps) assert_true(fabs((a) - (b)) < (eps))

static struct stats_cell
cell_of(const double *v, size_t n)
{
	struct stats_cell c = { 0, 0, 0, 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		c.n++;
		c.sn++;
		c.ssum += v[i];
		c.ssq += v[i] * v[i];
	}
	return c;
}

static void
test_month_of_week(void **state)
{
	static const struct {
		const char *week, *month;
	} cases[] = {
		{ "2026-W01", "2026-01" },	/* Thursday 1 January */
		{ "2026-W05", "2026-01" },	/* Thursday 29 January */
		{ "2026-W06", "2026-02" },	/* Thursday 5 February */
		{ "2026-W47", "2026-11" },
		{ "2026-W53", "2026-12" },	/* 2026 has 53 weeks */
		{ "2020-W53", "2020-12" },	/* Thursday 31 December */
		{ "2025-W01", "2025-01" },	/* Thursday 2 January */
		{ "2019-W01", "2019-01" },	/* starts Monday 31 Dec 2018 */
		{ "2024-W09", "2024-02" },	/* Thursday 29 Feb, leap year */
	};
	char out[8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(stats_month_of_week(cases[i].week, out), 0);
		assert_string_equal(out, cases[i].month);
	}
	assert_int_equal(stats_month_of_week("2026-W00", out), -1);
	assert_int_equal(stats_month_of_week("2026-W54", out), -1);
	assert_int_equal(stats_month_of_week("2026-47", out), -1);
	assert_int_equal(stats_month_of_week("", out), -1);
	assert_int_equal(stats_month_of_week("2026-W4x", out), -1);
	assert_int_equal(stats_month_of_week("1969-W10", out), -1);
	assert_int_equal(stats_month_of_week("2026-W471", out), -1);
	assert_int_equal(stats_month_of_week("20x6-W47", out), -1);
	assert_int_equal(stats_month_of_week(" 026-W47", out), -1);
	assert_int_equal(stats_month_of_week("2026-w47", out), -1);
	assert_int_equal(stats_month_of_week("2026-W 7", out), -1);
	assert_int_equal(stats_month_of_week("2026", out), -1);
}

static void
test_quarter(void **state)
{
	char out[8];

	(void)state;
	stats_quarter_of_month("2026-01", out);
	assert_string_equal(out, "2026-Q1");
	stats_quarter_of_month("2026-06", out);
	assert_string_equal(out, "2026-Q2");
	stats_quarter_of_month("2026-12", out);
	assert_string_equal(out, "2026-Q4");
}

static void
test_t975(void **state)
{
	(void)state;
	/* Published two-sided 95% critical values of Student's t. */
	NEAR(stats_t975(1), 12.706, 1e-3);
	NEAR(stats_t975(2), 4.303, 1e-3);
	NEAR(stats_t975(10), 2.228, 1e-3);
	NEAR(stats_t975(30), 2.042, 1e-3);
	NEAR(stats_t975(40), 2.021, 2e-3);
	NEAR(stats_t975(60), 2.000, 2e-3);
	NEAR(stats_t975(120), 1.980, 2e-3);
	NEAR(stats_t975(1000000), 1.960, 1e-3);
	assert_true(isnan(stats_t975(0)));
}

static void
test_mean_ci(void **state)
{
	const double v[] = { 6, 8, 10 };
	struct stats_cell c = cell_of(v, 3), one = cell_of(v, 1), none;
	double mean, lo, hi;

	(void)state;
	/* mean 8, sd 2, se 2/sqrt(3), t(2) = 4.303: half width 4.9687 */
	assert_int_equal(stats_mean_ci(&c, &mean, &lo, &hi), 0);
	NEAR(mean, 8.0, 1e-9);
	NEAR(lo, 8.0 - 4.303 * 2 / sqrt(3), 1e-3);
	NEAR(hi, 8.0 + 4.303 * 2 / sqrt(3), 1e-3);
	/* One score: a mean but no interval. */
	mean = -1;
	assert_int_equal(stats_mean_ci(&one, &mean, &lo, &hi), -1);
	NEAR(mean, 6.0, 1e-9);
	memset(&none, 0, sizeof(none));
	assert_int_equal(stats_mean_ci(&none, &mean, &lo, &hi), -1);
	/* Identical scores: a zero-width interval, never NaN. */
	{
		const double same[] = { 7, 7, 7, 7 };
		struct stats_cell s = cell_of(same, 4);

		assert_int_equal(stats_mean_ci(&s, &mean, &lo, &hi), 0);
		NEAR(lo, 7.0, 1e-9);
		NEAR(hi, 7.0, 1e-9);
	}
}

static void
test_trend_exact_rising(void **state)
{
	/* Period means 5, 6, 7 with no spread: slope exactly 1. */
	const double p0[] = { 5, 5 }, p1[] = { 6, 6 }, p2[] = { 7, 7 };
	struct stats_cell cells[3] = { cell_of(p0, 2), cell_of(p1, 2),
	    cell_of(p2, 2) };
	struct stats_trend t;

	(void)state;
	stats_trend(cells, 3, 5, &t);
	assert_int_equal(t.verdict, STATS_RISING);
	NEAR(t.slope, 1.0, 1e-9);
	assert_int_equal(t.n, 6);
	assert_int_equal((int)t.periods, 3);
	assert_string_equal(stats_verdict_text(t.verdict), "rising");
}

static void
test_trend_by_hand(void **state)
{
	/*
	 * x = 0,0,1,1,2,2 and y = 4,6,5,7,8,6.  By hand: xbar 1, ybar 6,
	 * Sxx = 4, Sxy = 2 + 0 + 0 + 0 + 2 + 0 = 4, slope 1; Syy = 10,
	 * SSE = 10 - 1 * 4 = 6, se = sqrt(6 / 4 / 4) = 0.6124, t(4) = 2.776:
	 * interval 1 -+ 1.700, which holds zero: no clear change.
	 */
	const double p0[] = { 4, 6 }, p1[] = { 5, 7 }, p2[] = { 8, 6 };
	struct stats_cell cells[3] = { cell_of(p0, 2), cell_of(p1, 2),
	    cell_of(p2, 2) };
	struct stats_trend t;

	(void)state;
	stats_trend(cells, 3, 5, &t);
	NEAR(t.slope, 1.0, 1e-9);
	NEAR(t.lo, 1.0 - 2.776 * sqrt(6.0 / 16), 1e-3);
	NEAR(t.hi, 1.0 + 2.776 * sqrt(6.0 / 16), 1e-3);
	assert_int_equal(t.verdict, STATS_NO_CHANGE);
}

static void
test_trend_falling_and_too_few(void **state)
{
	const double a[] = { 9, 9, 8 }, b[] = { 7, 7, 6 }, c[] = { 5, 4, 5 };
	struct stats_cell cells[4] = { cell_of(a, 3), cell_of(b, 3),
	    { 0, 0, 0, 0 }, cell_of(c, 3) };
	struct stats_trend t;

	(void)state;
	stats_trend(cells, 4, 5, &t);
	assert_int_equal(t.verdict, STATS_FALLING);
	assert_true(t.slope < 0 && t.hi < 0);
	/* Two periods are not a trend, however many responses. */
	stats_trend(cells, 2, 5, &t);
	assert_int_equal(t.verdict, STATS_TOO_FEW);
	/* Under the minimum number of responses. */
	stats_trend(cells, 4, 100, &t);
	assert_int_equal(t.verdict, STATS_TOO_FEW);
	assert_string_equal(stats_verdict_text(STATS_TOO_FEW),
	    "too few responses to tell");
}

static void
test_nps(void **state)
{
	long long c[11] = { 0 };
	double nps;

	(void)state;
	assert_int_equal(stats_nps(c, &nps), -1);
	c[10] = 3;	/* promoters */
	c[9] = 2;
	c[8] = 3;	/* passives */
	c[6] = 1;	/* detractors */
	c[0] = 1;
	assert_int_equal(stats_nps(c, &nps), 0);
	NEAR(nps, 100.0 * (5 - 2) / 10, 1e-9);
}

static void
test_suppress_primary_and_complementary(void **state)
{
	/* One row: 10, 3, 0, 20 with its total shown. */
	long long n[4] = { 10, 3, 0, 20 };
	int hide[4] = { 0 }, ht[1] = { 0 };

	(void)state;
	assert_int_equal(stats_suppress(n, 1, 4, 5, hide, ht), 1);
	assert_int_equal(hide[1], 1);	/* under K */
	assert_int_equal(hide[0], 1);	/* smallest other, so 3 = 33 - 30 fails */
	assert_int_equal(hide[2], 0);	/* an empty cell reveals nothing */
	assert_int_equal(hide[3], 0);
	assert_int_equal(ht[0], 0);
	/* Nothing new on a second pass. */
	assert_int_equal(stats_suppress(n, 1, 4, 5, hide, ht), 0);
}

static void
test_suppress_total_and_two_hidden(void **state)
{
	/* Row 0: two cells under K already hide each other. */
	/* Row 1: everything under K, so the total goes too. */
	/* Row 2: one small cell and no other non-empty cell: hide the total. */
	long long n[9] = { 2, 4, 30, 1, 2, 0, 3, 0, 0 };
	int hide[9] = { 0 }, ht[3] = { 0 };

	(void)state;
	stats_suppress(n, 3, 3, 5, hide, ht);
	assert_int_equal(hide[0], 1);
	assert_int_equal(hide[1], 1);
	assert_int_equal(hide[2], 0);
	assert_int_equal(ht[0], 0);
	assert_int_equal(hide[3], 1);
	assert_int_equal(hide[4], 1);
	assert_int_equal(ht[1], 1);
	assert_int_equal(hide[6], 1);
	assert_int_equal(ht[2], 1);
	/* K = 3, the lowest allowed: a cell of exactly 3 is shown. */
	{
		long long m[2] = { 3, 7 };
		int h2[2] = { 0 }, t2[1] = { 0 };

		stats_suppress(m, 1, 2, 3, h2, t2);
		assert_int_equal(h2[0], 0);
		assert_int_equal(h2[1], 0);
	}
}

static void
test_normalise(void **state)
{
	(void)state;
	NEAR(stats_normalise(0, 1, 5, 1), 0.0, 1e-9);	/* worst smiley */
	NEAR(stats_normalise(0, 1, 5, 5), 10.0, 1e-9);
	NEAR(stats_normalise(0, 1, 5, 4), 7.5, 1e-9);
	NEAR(stats_normalise(0, 1, 4, 3), 10.0 * 2 / 3, 1e-9);
	NEAR(stats_normalise(1, 1, 10, 7), 7.0, 1e-9);	/* a grade is itself */
	NEAR(stats_normalise(0, 0, 10, 6), 6.0, 1e-9);
	assert_true(isnan(stats_normalise(0, 5, 5, 5)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_month_of_week),
		cmocka_unit_test(test_quarter),
		cmocka_unit_test(test_t975),
		cmocka_unit_test(test_mean_ci),
		cmocka_unit_test(test_trend_exact_rising),
		cmocka_unit_test(test_trend_by_hand),
		cmocka_unit_test(test_trend_falling_and_too_few),
		cmocka_unit_test(test_nps),
		cmocka_unit_test(test_suppress_primary_and_complementary),
		cmocka_unit_test(test_suppress_total_and_two_hidden),
		cmocka_unit_test(test_normalise),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
