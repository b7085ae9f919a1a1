/*
 * goals.h — a survey's goals measured per closed quarter: baseline, the
 * latest quarter, the change since the baseline and per year, and a
 * verdict from the trend test.  Every figure comes from cells of the
 * protected table set (report_build); a hidden cell or question counts
 * as missing ("nog te weinig reacties"), never as a number.
 */
#ifndef KB_GOALS_H
#define KB_GOALS_H

#include <stddef.h>
#include <time.h>

#include "report.h"
#include "stats.h"
#include "store.h"
#include "survey.h"

enum goal_outcome {
	GOAL_TOO_FEW,		/* "nog te weinig reacties" */
	GOAL_GOOD,		/* "gaat de goede kant op" */
	GOAL_FLAT,		/* "geen duidelijke verandering" */
	GOAL_BAD		/* "gaat de verkeerde kant op" */
};

/* One quarter of one goal: shown, or missing (hidden or no answers). */
struct goal_point {
	int		has;
	double		value;
	long long	n;		/* answers behind value */
};

struct goal_result {
	const struct survey_goal *g;
	int			 has_base;
	double			 base;
	long long		 base_n;
	int			 has_latest;
	double			 latest;	/* the last closed quarter */
	long long		 latest_n;
	int			 has_change;
	double			 change;	/* latest - base */
	struct stats_trend	 trend;		/* slope per quarter */
	int			 has_per_year;
	double			 per_year, per_year_lo, per_year_hi;
	enum goal_outcome	 outcome;
	struct goal_point	*series;	/* one per board period */
};

struct goal_row {
	const char		*location;	/* NULL: every location */
	struct goal_result	*results;	/* one per goal */
	long long		 n;		/* responses shown, all quarters */
	int			 n_hidden;	/* some quarter was hidden */
};

struct goal_board {
	const struct survey	*s;
	long long		 k;		/* in force for this survey */
	time_t			 now;
	int			 lag_days;
	char			 through[8];	/* the last published month */
	time_t			 next_at;	/* when the next appears */
	size_t			 np;
	char			(*periods)[8];	/* "2026-Q3", oldest first */
	struct goal_row		 all;
	struct goal_row		*locs;
	size_t			 nlocs;
};

/*
 * The measure of goal g over one report cell, as the individual values it
 * averages (a satisfaction score, a question's answer, or 100 for an
 * answer among share_of and 0 otherwise) summed into *out.  Returns 0, or
 * -1 when the cell (or the goal's question in it) is hidden, so the value
 * must not be shown.  An empty cell gives 0 with out->sn == 0.
 */
int	 goals_cell_measure(const struct report *r, const struct survey_goal *g,
	    const struct report_cell *c, struct stats_cell *out);

/*
 * Fills res from per-quarter cells (cells[i] for period i; missing[i] set
 * where the cell is hidden), the baseline cell (NULL when there is none)
 * and the anonymity threshold k.  res->series must hold np points.
 */
void	 goals_evaluate(const struct survey_goal *g,
	    const struct stats_cell *cells, const int *missing, size_t np,
	    const struct stats_cell *base, long long k,
	    struct goal_result *res);

/*
 * Builds the board of one survey: the closed quarters published at now
 * (0: the clock) with lag_days, from report_build, for every location and
 * per location; k is the server's threshold (a survey may raise it).
 * Returns 0 with *out set (free with goals_free), or an HTTP status with
 * err filled: 404 unknown survey, 503 the database failed.
 */
int	 goals_build(struct store *st, const struct survey_set *set,
	    const char *survey, long long k, time_t now, int lag_days,
	    struct goal_board **out, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
void	 goals_free(struct goal_board *b);

/* The outcome in the team's words ("gaat de goede kant op", ...). */
const char *goals_outcome_text(enum goal_outcome o);
/* "good", "flat", "bad", "too_few": for the JSON. */
const char *goals_outcome_code(enum goal_outcome o);

#endif
