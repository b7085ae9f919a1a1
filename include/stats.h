/*
 * stats.h — the arithmetic of the dashboard: periods, satisfaction means
 * with confidence intervals, the trend test, NPS and the suppression of
 * small groups.  Pure functions over numbers the store hands up.
 */
#ifndef KB_STATS_H
#define KB_STATS_H

#include <stddef.h>

/* One group in one period: responses and their satisfaction scores. */
struct stats_cell {
	long long	n;	/* responses */
	long long	sn;	/* responses with a satisfaction score */
	double		ssum;	/* sum of scores (0..10) */
	double		ssq;	/* sum of squared scores */
};

/*
 * The month ("2026-11") an ISO week ("2026-W47") is counted in: the month
 * of its Thursday, so every week belongs to exactly one month.  0 or -1.
 */
int	 stats_month_of_week(const char *week, char out[8])
	    __attribute__((warn_unused_result));
/* Writes "2026-11" (kind '-') or "2026-Q4" (kind 'Q'), always 7 chars. */
void	 period_format(char out[8], int year, int num, char kind);
/* "2026-11" -> "2026-Q4". */
void	 stats_quarter_of_month(const char *month, char out[8]);

/* The 97.5% quantile of Student's t with df degrees of freedom. */
double	 stats_t975(long long df);

/*
 * Mean of the cell's scores with its 95% confidence interval.  Returns 0,
 * or -1 when there are fewer than 2 scores (then only *mean may be set).
 */
int	 stats_mean_ci(const struct stats_cell *c, double *mean, double *lo,
	    double *hi);

void	 stats_cell_add(struct stats_cell *into, const struct stats_cell *c);

enum stats_verdict {
	STATS_TOO_FEW,		/* not enough data to tell */
	STATS_RISING,
	STATS_FALLING,
	STATS_NO_CHANGE
};

struct stats_trend {
	enum stats_verdict	 verdict;
	double			 slope;	/* score points per period */
	double			 lo, hi;	/* its 95% confidence interval */
	long long		 n;
	size_t			 periods;
};

/*
 * Least-squares slope of the individual scores against the period index
 * (cells[i] is period i), computed exactly from the cells' sums, with a
 * 95% interval: rising or falling only when the interval excludes zero.
 * Needs at least 3 periods with scores and min_n scores in all.
 */
void	 stats_trend(const struct stats_cell *cells, size_t nperiods,
	    long long min_n, struct stats_trend *out);
const char *stats_verdict_text(enum stats_verdict v);

/* Net promoter score from counts of answers 0..10: %(9,10) - %(0..6). */
int	 stats_nps(const long long counts[11], double *nps);

/*
 * k-anonymity over a table of counts (rows x cols, row-major) whose row
 * totals are shown too.  hide (rows x cols) and hide_total (rows) are in
 * and out: what is hidden stays hidden.  Hides every non-empty cell under
 * k and every row total under k; then, in each row where exactly one cell
 * is hidden but the total is shown, hides the smallest other non-empty
 * cell too (or the total), so no hidden cell follows by subtraction.
 * Returns 1 when it hid anything new, so a caller that also shows column
 * totals can alternate rows and columns until nothing changes.
 */
int	 stats_suppress(const long long *n, size_t rows, size_t cols,
	    long long k, int *hide, int *hide_total);

/*
 * A normalised 0..10 value of a numeric answer: smiley and scale map
 * min..max linearly, a grade (1..10) counts as itself, yes is 10, no 0.
 */
double	 stats_normalise(int is_grade, long long min, long long max,
	    double v);

#endif
