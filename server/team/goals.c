/*
 * goals.c — a survey's goals from the protected table set.  Nothing here
 * reads a response: every number is a sum over report cells that are
 * shown, so a goal can never tell more than the dashboard does.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goals.h"
#include "util.h"

/* The report question a goal measures, or -1. */
static long
report_qindex(const struct report *r, const struct survey_goal *g)
{
	const char *id;
	size_t i;

	if (g->question < 0 || (size_t)g->question >= r->s->nquestions)
		return -1;
	id = r->s->questions[g->question].id;
	for (i = 0; i < r->nq; i++)
		if (strcmp(r->qs[i].q->id, id) == 0)
			return (long)i;
	return -1;
}

static int
in_share(const struct survey_goal *g, const char *value)
{
	size_t i;

	for (i = 0; i < g->nshare; i++)
		if (strcmp(g->share_of[i], value) == 0)
			return 1;
	return 0;
}

/*
 * Is what the goal needs from this cell withheld?  The whole cell when it
 * is suppressed; its score for a satisfaction goal; the question's
 * distribution for the others (a homogeneous small group, say).
 */
static int
cell_withheld(const struct report *r, const struct survey_goal *g,
    const struct report_cell *c)
{
	long qi;

	if (c->hidden)
		return 1;
	if (g->measure == SURVEY_GOAL_SATISFACTION)
		return c->sat_hidden;
	qi = report_qindex(r, g);
	return qi >= 0 && c->qhidden != NULL && c->qhidden[qi];
}

int
goals_cell_measure(const struct report *r, const struct survey_goal *g,
    const struct report_cell *c, struct stats_cell *out)
{
	const struct report_question *rq;
	long qi;
	size_t k;

	memset(out, 0, sizeof(*out));
	if (cell_withheld(r, g, c))
		return -1;
	out->n = c->c.n;
	if (g->measure == SURVEY_GOAL_SATISFACTION) {
		*out = c->c;
		return 0;
	}
	qi = report_qindex(r, g);
	if (qi < 0)
		return 0;
	rq = &r->qs[qi];
	for (k = 0; k < rq->nvalues; k++) {
		long long cnt = c->counts[rq->first + k];
		double v;

		if (cnt <= 0)
			continue;
		if (g->measure == SURVEY_GOAL_SHARE)
			v = in_share(g, r->values[rq->first + k]) ? 100.0 : 0.0;
		else
			v = (double)(rq->q->min + (long long)k);
		out->sn += cnt;
		out->ssum += v * (double)cnt;
		out->ssq += v * v * (double)cnt;
	}
	return 0;
}

void
goals_evaluate(const struct survey_goal *g, const struct stats_cell *cells,
    const int *missing, size_t np, const struct stats_cell *base,
    long long k, struct goal_result *res)
{
	struct stats_cell *use = xcalloc(np + 1, sizeof(*use));
	size_t i;

	res->g = g;
	for (i = 0; i < np; i++) {
		struct goal_point *pt = &res->series[i];

		memset(pt, 0, sizeof(*pt));
		if (missing[i] || cells[i].sn == 0)
			continue;
		pt->has = 1;
		pt->value = cells[i].ssum / (double)cells[i].sn;
		pt->n = cells[i].sn;
		use[i] = cells[i];
	}
	if (base != NULL && base->sn > 0) {
		res->has_base = 1;
		res->base = base->ssum / (double)base->sn;
		res->base_n = base->sn;
	}
	if (np > 0 && res->series[np - 1].has) {
		res->has_latest = 1;
		res->latest = res->series[np - 1].value;
		res->latest_n = res->series[np - 1].n;
	}
	if (res->has_base && res->has_latest) {
		res->has_change = 1;
		res->change = res->latest - res->base;
	}
	stats_trend(use, np, k, &res->trend);
	free(use);
	switch (res->trend.verdict) {
	case STATS_RISING:
		res->outcome = g->down ? GOAL_BAD : GOAL_GOOD;
		break;
	case STATS_FALLING:
		res->outcome = g->down ? GOAL_GOOD : GOAL_BAD;
		break;
	case STATS_NO_CHANGE:
		res->outcome = GOAL_FLAT;
		break;
	case STATS_TOO_FEW:
		res->outcome = GOAL_TOO_FEW;
		break;
	}
	if (res->trend.verdict != STATS_TOO_FEW) {
		/* Quarters are the periods: four to a year. */
		res->has_per_year = 1;
		res->per_year = 4 * res->trend.slope;
		res->per_year_lo = 4 * res->trend.lo;
		res->per_year_hi = 4 * res->trend.hi;
	}
}

const char *
goals_outcome_text(enum goal_outcome o)
{
	switch (o) {
	case GOAL_GOOD:
		return "gaat de goede kant op";
	case GOAL_FLAT:
		return "geen duidelijke verandering";
	case GOAL_BAD:
		return "gaat de verkeerde kant op";
	case GOAL_TOO_FEW:
		break;
	}
	return "nog te weinig reacties";
}

const char *
goals_outcome_code(enum goal_outcome o)
{
	switch (o) {
	case GOAL_GOOD:
		return "good";
	case GOAL_FLAT:
		return "flat";
	case GOAL_BAD:
		return "bad";
	case GOAL_TOO_FEW:
		break;
	}
	return "too_few";
}

/* The first and last month of a period "2026-07" or "2026-Q3". */
static void
period_months(const char *p, char first[8], char last[8])
{
	int y = 0, q = 1;

	if (p[5] == 'Q' && sscanf(p, "%4d-Q%1d", &y, &q) == 2 && q >= 1 &&
	    q <= 4) {
		period_format(first, y, 3 * q - 2, '-');
		period_format(last, y, 3 * q, '-');
		return;
	}
	snprintf(first, 8, "%s", p);
	snprintf(last, 8, "%s", p);
}

#define GOALS_MARGIN	(-2)	/* the period's margin: every location */

/* The group of location in a by-location report, GOALS_MARGIN or -1. */
static long
group_of(const struct report *r, const char *location)
{
	size_t i;

	if (location == NULL)
		return GOALS_MARGIN;
	for (i = 0; i < r->ng; i++)
		if (strcmp(r->groups[i], location) == 0)
			return (long)i;
	return -1;
}

static const struct report_cell *
cell_at(const struct report *r, size_t p, long gi)
{
	return gi == GOALS_MARGIN ? &r->ptotal[p] :
	    &r->cells[p * r->ng + (size_t)gi];
}

/*
 * Sums the goal's measure over the periods of r that lie inside
 * [from, to].  Returns 0, or -1 when a period there is withheld or the
 * window cuts through a period (so the sum is not of whole cells).
 */
static int
window_sum(const struct report *r, const struct survey_goal *g,
    const char *location, const char *from, const char *to,
    struct stats_cell *out)
{
	long gi = group_of(r, location);
	struct stats_cell one;
	char first[8], last[8];
	size_t p;

	memset(out, 0, sizeof(*out));
	if (gi == -1)
		return -1;
	for (p = 0; p < r->np; p++) {
		int before, after;

		period_months(r->periods[p], first, last);
		before = strcmp(last, from) < 0;
		after = strcmp(first, to) > 0;
		if (before || after)
			continue;
		if (strcmp(first, from) < 0 || strcmp(last, to) > 0)
			return -1;
		if (goals_cell_measure(r, g, cell_at(r, p, gi), &one) == -1)
			return -1;
		stats_cell_add(out, &one);
	}
	return 0;
}

static int
quarter_aligned(const struct survey_goal *g)
{
	int y, m1, m2;

	if (sscanf(g->base_from, "%4d-%2d", &y, &m1) != 2 ||
	    sscanf(g->base_to, "%4d-%2d", &y, &m2) != 2)
		return 0;
	return m1 % 3 == 1 && m2 % 3 == 0;
}

/* The monthly report of one baseline window, kept for the goals sharing it. */
struct base_cache {
	char		 from[8], to[8];
	struct report	*r;
};

static int
base_report(struct goal_board *b, struct store *st,
    const struct survey_set *set, const struct survey_goal *g,
    struct base_cache *cache, size_t *ncache, char *err, size_t errlen)
{
	struct report_query q;
	struct base_cache *c;
	size_t i;
	int rc;

	for (i = 0; i < *ncache; i++)
		if (strcmp(cache[i].from, g->base_from) == 0 &&
		    strcmp(cache[i].to, g->base_to) == 0)
			return (int)i;
	c = &cache[(*ncache)++];
	snprintf(c->from, sizeof(c->from), "%s", g->base_from);
	snprintf(c->to, sizeof(c->to), "%s", g->base_to);
	memset(&q, 0, sizeof(q));
	q.survey = b->s->id;
	q.from = g->base_from;
	q.to = g->base_to;
	q.k = b->k;
	q.by = REPORT_BY_LOCATION;
	q.quarter = REPORT_MONTH;
	q.now = b->now;
	q.lag_days = b->lag_days;
	rc = report_build(st, set, &q, &c->r, err, errlen);
	/* A baseline not published yet is no baseline, not an error. */
	if (rc == 422) {
		c->r = NULL;
		return (int)(*ncache - 1);
	}
	return rc != 0 ? -rc : (int)(*ncache - 1);
}

/*
 * One row of the board: location NULL reads the period margins of the
 * by-location report (the "all" cells of the table set), a location its
 * own cells.  base_m[i] is goal i's monthly baseline report, or NULL when
 * its baseline is whole quarters of r.
 */
static void
row_fill(struct goal_board *b, struct goal_row *row, const struct report *r,
    const struct report *const *base_m, size_t ngoals)
{
	struct stats_cell *cells = xcalloc(b->np + 1, sizeof(*cells));
	struct stats_cell base, tmp;
	int *missing = xcalloc(b->np + 1, sizeof(int));
	long gi = group_of(r, row->location);
	size_t i, p;

	row->results = xcalloc(ngoals + 1, sizeof(*row->results));
	for (p = 0; gi != -1 && p < r->np; p++) {
		const struct report_cell *c = cell_at(r, p, gi);

		if (c->hidden)
			row->n_hidden = 1;
		else
			row->n += c->c.n;
	}
	for (i = 0; i < ngoals; i++) {
		const struct survey_goal *g = &b->s->goals[i];
		struct goal_result *res = &row->results[i];
		const struct report *br = base_m[i] != NULL ? base_m[i] : r;
		int has_base;

		if (base_m[i] == NULL && !quarter_aligned(g))
			br = NULL;	/* its months are not published */

		res->series = xcalloc(b->np + 1, sizeof(*res->series));
		for (p = 0; p < b->np; p++) {
			missing[p] = gi == -1 || p >= r->np ||
			    goals_cell_measure(r, g, cell_at(r, p, gi),
			    &tmp) == -1;
			cells[p] = missing[p] ? (struct stats_cell){ 0, 0, 0, 0 } :
			    tmp;
		}
		has_base = br != NULL && window_sum(br, g, row->location,
		    g->base_from, g->base_to, &base) == 0;
		goals_evaluate(g, cells, missing, b->np, has_base ? &base :
		    NULL, b->k, res);
	}
	free(cells);
	free(missing);
}

int
goals_build(struct store *st, const struct survey_set *set,
    const char *survey, long long k, time_t now, int lag_days,
    struct goal_board **out, char *err, size_t errlen)
{
	struct report *r = NULL;
	struct report_query q;
	struct goal_board *b;
	struct base_cache *cache = NULL;
	const struct report **base_m = NULL;
	size_t ncache = 0, i, l;
	int rc;

	*out = NULL;
	b = xcalloc(1, sizeof(*b));
	b->s = survey != NULL ? survey_set_find(set, survey, 0) : NULL;
	if (b->s == NULL) {
		snprintf(err, errlen, "there is no survey '%s'",
		    survey ? survey : "");
		free(b);
		return 404;
	}
	b->k = k;
	b->now = now;
	b->lag_days = lag_days;
	/* One report by location: its margins are the "all" row. */
	memset(&q, 0, sizeof(q));
	q.survey = b->s->id;
	q.quarter = REPORT_QUARTER;
	q.k = k;
	q.by = REPORT_BY_LOCATION;
	q.now = now;
	q.lag_days = lag_days;
	rc = report_build(st, set, &q, &r, err, errlen);
	if (rc != 0)
		goto out;
	b->k = r->k;
	snprintf(b->through, sizeof(b->through), "%s", r->through);
	b->next_at = r->next_at;
	b->np = r->np;
	b->periods = xcalloc(b->np + 1, sizeof(*b->periods));
	for (i = 0; i < b->np; i++)
		snprintf(b->periods[i], 8, "%s", r->periods[i]);
	/* Baselines that are not whole quarters come from monthly cells. */
	cache = xcalloc(b->s->ngoals + 1, sizeof(*cache));
	base_m = xcalloc(b->s->ngoals + 1, sizeof(*base_m));
	for (i = 0; i < b->s->ngoals; i++) {
		int ci;

		if (quarter_aligned(&b->s->goals[i]))
			continue;
		ci = base_report(b, st, set, &b->s->goals[i], cache, &ncache,
		    err, errlen);
		if (ci < 0) {
			rc = -ci;
			goto out;
		}
		base_m[i] = cache[ci].r;
	}
	b->all.location = NULL;
	row_fill(b, &b->all, r, base_m, b->s->ngoals);
	b->locs = xcalloc(r->ng + 1, sizeof(*b->locs));
	for (l = 0; l < r->ng; l++) {
		/* Location ids point into the survey set, not the report. */
		b->locs[l].location = survey_set_location(set,
		    r->groups[l])->id;
		row_fill(b, &b->locs[l], r, base_m, b->s->ngoals);
		b->nlocs++;
	}
	rc = 0;
out:
	if (rc == 0)
		*out = b;
	else
		goals_free(b);
	for (i = 0; i < ncache; i++)
		report_free(cache[i].r);
	free(cache);
	free(base_m);
	report_free(r);
	return rc;
}

static void
row_free(const struct goal_board *b, struct goal_row *row)
{
	size_t i;

	if (row->results == NULL)
		return;
	for (i = 0; i < b->s->ngoals; i++)
		free(row->results[i].series);
	free(row->results);
}

void
goals_free(struct goal_board *b)
{
	size_t l;

	if (b == NULL)
		return;
	row_free(b, &b->all);
	for (l = 0; l < b->nlocs; l++)
		row_free(b, &b->locs[l]);
	free(b->locs);
	free(b->periods);
	free(b);
}
