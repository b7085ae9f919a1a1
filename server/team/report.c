/*
 * report.c — the dashboard's table, read from the protected table set:
 * the periods of a window of whole published periods, the groups asked
 * for, and nothing that is not a cell of the set.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protect.h"
#include "publish.h"
#include "report.h"
#include "store_invite.h"
#include "util.h"

#define REPORT_MAX_PERIODS	240

static int
month_split(const char *m, int *y, int *mo)
{
	char tail;

	return m != NULL && strlen(m) == 7 && m[4] == '-' &&
	    sscanf(m, "%4d-%2d%c", y, mo, &tail) == 2 && *y >= 1970 &&
	    *y <= 9999 && *mo >= 1 && *mo <= 12 ? 0 : -1;
}

/* Months per period of the interval. */
static int
span(int interval)
{
	return interval == REPORT_YEAR ? 12 : interval == REPORT_QUARTER ?
	    3 : 1;
}

/* The period of the interval that holds month y-m. */
static void
period_name(int interval, int y, int m, char out[8])
{
	if (interval == REPORT_YEAR)
		snprintf(out, 8, "%04d", y);
	else if (interval == REPORT_QUARTER)
		period_format(out, y, (m - 1) / 3 + 1, 'Q');
	else
		period_format(out, y, m, '-');
}

/* The period that is exactly months [y0-m0, y1-m1], or "" when none. */
static void
window_period(int y0, int m0, int y1, int m1, char out[8])
{
	out[0] = '\0';
	if (y0 != y1)
		return;
	if (m0 == m1)
		period_format(out, y0, m0, '-');
	else if (m0 % 3 == 1 && m1 == m0 + 2)
		period_format(out, y0, (m0 - 1) / 3 + 1, 'Q');
	else if (m0 == 1 && m1 == 12)
		snprintf(out, 8, "%04d", y0);
}

static void
cell_copy(const struct report *r, struct report_cell *to,
    const struct protect_cell *pc, int hidden_anyway)
{
	memset(to, 0, sizeof(*to));
	to->counts = xcalloc(r->nvalues ? r->nvalues : 1, sizeof(long long));
	to->qhidden = xcalloc(r->nq ? r->nq : 1, 1);
	if (hidden_anyway) {
		to->hidden = 1;
		return;
	}
	if (pc == NULL)
		return;		/* no data in that year: an empty cell */
	to->c = pc->c;
	to->hidden = pc->hidden;
	to->sat_hidden = pc->sat_hidden;
	memcpy(to->counts, pc->counts, r->nvalues * sizeof(long long));
	memcpy(to->qhidden, pc->qhidden, r->nq);
	if (to->hidden) {
		/* Nothing of a hidden cell leaves this module. */
		memset(&to->c, 0, sizeof(to->c));
		memset(to->counts, 0, r->nvalues * sizeof(long long));
	}
}

static void
cell_free(struct report_cell *c)
{
	free(c->counts);
	free(c->qhidden);
}

int
report_by_parse(const char *s)
{
	if (s == NULL || *s == '\0' || strcmp(s, "none") == 0)
		return REPORT_BY_NONE;
	if (strcmp(s, "location") == 0)
		return REPORT_BY_LOCATION;
	if (strcmp(s, "channel") == 0)
		return REPORT_BY_CHANNEL;
	return -1;
}

int
report_interval_parse(const char *s)
{
	if (s == NULL || *s == '\0' || strcmp(s, "month") == 0)
		return REPORT_MONTH;
	if (strcmp(s, "quarter") == 0)
		return REPORT_QUARTER;
	if (strcmp(s, "year") == 0)
		return REPORT_YEAR;
	return -1;
}

struct sms_tally {
	const struct report	*r;
	const unsigned char	*shown;	/* per period: its sms cell is shown */
	long long		 sent;
};

static void
sms_add(const char *location, const char *month, long long sent,
    long long answered, void *arg)
{
	struct sms_tally *t = arg;
	char p[8];
	int y, m;
	size_t i;

	(void)answered;		/* the protected cells count the answers */
	if (month_split(month, &y, &m) == -1 || (t->r->qy.location != NULL &&
	    strcmp(t->r->qy.location, location) != 0))
		return;
	period_name(t->r->qy.quarter, y, m, p);
	for (i = 0; i < t->r->np; i++)
		if (t->shown[i] && strcmp(t->r->periods[i], p) == 0)
			t->sent += sent;
}

/*
 * The share of SMS invitations answered over the window, from the
 * protected cells: the answers are the shown SMS cells of its periods,
 * the invitations those sent in the same periods (counted in the month
 * of the week they went out, as responses are).  A period whose SMS
 * cell is hidden counts in neither, so the figure says nothing that the
 * published cells do not.
 */
static int
sms_share(struct report *r, struct store *st, const struct protect_set *ps)
{
	struct sms_tally t = { r, NULL, 0 };
	unsigned char *shown = xcalloc(r->np + 1, 1);
	long long answered = 0;
	size_t i;
	int any = 0;

	for (i = 0; i < r->np; i++) {
		const struct protect_cell *pc = protect_find(ps, r->periods[i],
		    r->qy.location, "sms");

		if (pc != NULL && !pc->hidden) {
			shown[i] = 1;
			answered += pc->c.n;
			any = 1;
		}
	}
	t.shown = shown;
	if (any && store_invite_tally(st, r->s->id, sms_add, &t) == -1) {
		free(shown);
		return -1;
	}
	free(shown);
	if (t.sent > 0 && answered <= t.sent) {
		r->sms_shown = 1;
		r->sms_invited = t.sent;
		r->sms_answered = answered;
	}
	return 0;
}

/* The baseline "YYYY-MM/YYYY-MM" of the survey's goal, as a cell. */
static void
baseline(struct report *r, const struct protect_set *ps)
{
	json_t *goal = json_object_get(r->s->def, "goal");
	const char *b = json_string_value(json_object_get(goal, "baseline"));
	const struct protect_cell *pc;
	char from[8], to[8], p[8];
	int y0, m0, y1, m1;

	if (b == NULL || strlen(b) != 15 || b[7] != '/')
		return;
	snprintf(from, sizeof(from), "%.7s", b);
	snprintf(to, sizeof(to), "%.7s", b + 8);
	if (month_split(from, &y0, &m0) == -1 ||
	    month_split(to, &y1, &m1) == -1)
		return;
	window_period(y0, m0, y1, m1, p);
	r->has_baseline = 1;
	r->baseline_hidden = 1;
	if (p[0] == '\0' || strcmp(to, r->through) > 0)
		return;
	pc = protect_find(ps, p, r->qy.location, NULL);
	if (pc == NULL || pc->hidden || pc->sat_hidden)
		return;
	r->baseline = pc->c;
	r->baseline_hidden = 0;
}

/* Comments: months of the window whose month × location cell is shown. */
static void
comment_cells(struct report *r, const struct protect_set *ps, int y0,
    int m0, int y1, int m1)
{
	int y = y0, m = m0;
	size_t l;

	while (y < y1 || (y == y1 && m <= m1)) {
		char month[8];

		period_format(month, y, m, '-');
		for (l = 0; l < ps->nloc; l++) {
			const struct protect_cell *pc = protect_find(ps, month,
			    ps->locs[l], NULL);

			if (pc == NULL || pc->hidden || pc->c.n < r->k ||
			    (r->qy.location != NULL &&
			    strcmp(r->qy.location, ps->locs[l]) != 0))
				continue;
			r->monthloc = xrealloc(r->monthloc, (r->nmonthloc + 1) *
			    sizeof(*r->monthloc));
			snprintf(r->monthloc[r->nmonthloc].month, 8, "%s",
			    month);
			snprintf(r->monthloc[r->nmonthloc].location, 49, "%s",
			    ps->locs[l]);
			r->monthloc[r->nmonthloc++].n = pc->c.n;
		}
		if (++m > 12) {
			m = 1;
			y++;
		}
	}
}

int
report_build(struct store *st, const struct survey_set *set,
    const struct report_query *q, struct report **out, char *err,
    size_t errlen)
{
	const struct protect_set *ps = NULL;
	const struct survey *s;
	struct report *r = NULL;
	char latest[8], p[8], win[8];
	long long k;
	int y0, m0, y1, m1, ty, tm, sp, y, m, rc = 503;
	size_t i, g;
	time_t now = q->now ? q->now : time(NULL);

	*out = NULL;
	s = q->survey ? survey_set_find(set, q->survey, 0) : NULL;
	if (s == NULL) {
		snprintf(err, errlen, "there is no survey '%s'",
		    q->survey ? q->survey : "");
		return 404;
	}
	if (q->location != NULL && survey_set_location(set, q->location) ==
	    NULL) {
		snprintf(err, errlen, "there is no location '%s'",
		    q->location);
		return 404;
	}
	/* A survey may raise K, never lower it. */
	k = q->k < 3 ? 3 : q->k;
	{
		json_t *sk = json_object_get(s->def, "k");

		if (json_is_integer(sk) && json_integer_value(sk) > k)
			k = json_integer_value(sk);
	}
	sp = span(q->quarter);
	publish_latest_month(now, q->lag_days, latest);
	if (month_split(latest, &ty, &tm) == -1)
		return 503;
	if ((q->from != NULL && month_split(q->from, &y0, &m0) == -1) ||
	    (q->to != NULL && month_split(q->to, &y1, &m1) == -1)) {
		snprintf(err, errlen, "%s: a month, YYYY-MM",
		    q->from != NULL && month_split(q->from, &y0, &m0) == -1 ?
		    "from" : "to");
		return 422;
	}
	if (q->from != NULL && (m0 - 1) % sp != 0) {
		snprintf(err, errlen, "from: a window is made of whole "
		    "periods; %s starts no %s", q->from, sp == 12 ? "year" :
		    "quarter");
		return 422;
	}
	if (q->to != NULL && m1 % sp != 0) {
		snprintf(err, errlen, "to: a window is made of whole periods; "
		    "%s ends no %s", q->to, sp == 12 ? "year" : "quarter");
		return 422;
	}
	if (q->to != NULL && strcmp(q->to, latest) > 0) {
		char when[16] = "";
		struct tm t;
		time_t at = publish_next_at(latest, q->lag_days);

		if (localtime_r(&at, &t) != NULL)
			strftime(when, sizeof(when), "%Y-%m-%d", &t);
		snprintf(err, errlen, "to: figures are published up to %s; "
		    "the next month appears on %s", latest, when);
		return 422;
	}
	if (q->from != NULL && q->to != NULL && strcmp(q->from, q->to) > 0) {
		snprintf(err, errlen, "from: after to");
		return 422;
	}
	if (protect_get(st, s, set, k, latest, &ps, err, errlen) == -1)
		return 503;
	r = xcalloc(1, sizeof(*r));
	r->s = s;
	r->qy = *q;
	r->k = k;
	r->qy.k = k;
	snprintf(r->through, sizeof(r->through), "%s", latest);
	r->next_at = publish_next_at(latest, q->lag_days);
	/* The question layout is the protected set's. */
	r->nq = ps->nq;
	r->qs = xcalloc(ps->nq ? ps->nq : 1, sizeof(*r->qs));
	for (i = 0, g = 0; i < s->nquestions && g < ps->nq; i++) {
		if (s->questions[i].type == SURVEY_Q_TEXT)
			continue;
		r->qs[g].q = &s->questions[i];
		r->qs[g].first = ps->qs[g].first;
		r->qs[g].nvalues = ps->qs[g].nvalues;
		g++;
	}
	r->nvalues = ps->nvalues;
	r->values = xcalloc(ps->nvalues ? ps->nvalues : 1, sizeof(char *));
	for (i = 0; i < ps->nvalues; i++)
		r->values[i] = xstrdup(ps->values[i]);
	/* The window: as asked, else from the first data to the latest. */
	if (q->to == NULL) {
		y1 = ty;
		m1 = tm - tm % sp;
		if (m1 == 0) {
			y1--;
			m1 = 12;
		}
	}
	if (q->from == NULL) {
		if (ps->first[0] == '\0' || month_split(ps->first, &y0,
		    &m0) == -1) {
			y0 = y1;
			m0 = m1;
		}
		m0 -= (m0 - 1) % sp;
	}
	r->periods = xcalloc(REPORT_MAX_PERIODS, sizeof(*r->periods));
	for (y = y0, m = m0; ps->first[0] != '\0' &&
	    (y < y1 || (y == y1 && m <= m1)); ) {
		if (r->np == REPORT_MAX_PERIODS) {
			snprintf(err, errlen, "from: at most %d periods at "
			    "once", REPORT_MAX_PERIODS);
			rc = 422;
			goto fail;
		}
		period_name(q->quarter, y, m, p);
		snprintf(r->periods[r->np++], 8, "%s", p);
		m += sp;
		if (m > 12) {
			m -= 12;
			y++;
		}
	}
	/* The groups. */
	r->groups = xcalloc(ps->nloc + PROTECT_NCHANNELS + 1, sizeof(char *));
	if (q->by == REPORT_BY_LOCATION) {
		for (i = 0; i < ps->nloc; i++)
			if (q->location == NULL ||
			    strcmp(q->location, ps->locs[i]) == 0)
				r->groups[r->ng++] = survey_set_location(set,
				    ps->locs[i]) ? survey_set_location(set,
				    ps->locs[i])->id : "other";
	} else if (q->by == REPORT_BY_CHANNEL) {
		for (i = 0; i < PROTECT_NCHANNELS; i++)
			r->groups[r->ng++] = protect_channels[i];
	} else {
		r->groups[r->ng++] = "all";
	}
	r->cells = xcalloc(r->np * r->ng + 1, sizeof(*r->cells));
	r->ptotal = xcalloc(r->np + 1, sizeof(*r->ptotal));
	r->gtotal = xcalloc(r->ng + 1, sizeof(*r->gtotal));
	window_period(y0, m0, y1, m1, win);
	if (r->np == 0)
		win[0] = '\0';
	for (i = 0; i < r->np; i++) {
		for (g = 0; g < r->ng; g++) {
			const char *loc = q->location, *ch = NULL;

			if (q->by == REPORT_BY_LOCATION)
				loc = r->groups[g];
			else if (q->by == REPORT_BY_CHANNEL)
				ch = r->groups[g];
			cell_copy(r, &r->cells[i * r->ng + g], protect_find(ps,
			    r->periods[i], loc, ch), 0);
		}
		cell_copy(r, &r->ptotal[i], protect_find(ps, r->periods[i],
		    q->location, NULL), 0);
	}
	/*
	 * Totals over the window are figures only when the window is itself
	 * a period of the set; a sum of several is not published.
	 */
	for (g = 0; g < r->ng; g++) {
		const char *loc = q->location, *ch = NULL;

		if (q->by == REPORT_BY_LOCATION)
			loc = r->groups[g];
		else if (q->by == REPORT_BY_CHANNEL)
			ch = r->groups[g];
		cell_copy(r, &r->gtotal[g], win[0] ? protect_find(ps, win,
		    loc, ch) : NULL, win[0] == '\0');
	}
	cell_copy(r, &r->grand, win[0] ? protect_find(ps, win, q->location,
	    NULL) : NULL, win[0] == '\0');
	{
		struct stats_cell *pc = xcalloc(r->np + 1, sizeof(*pc));

		/* The trend uses the shown scores only. */
		for (i = 0; i < r->np; i++)
			if (!r->ptotal[i].hidden && !r->ptotal[i].sat_hidden)
				pc[i] = r->ptotal[i].c;
		stats_trend(pc, r->np, k, &r->trend);
		free(pc);
	}
	baseline(r, ps);
	if (r->np > 0)
		comment_cells(r, ps, y0, m0, y1, m1);
	if (sms_share(r, st, ps) == -1) {
		snprintf(err, errlen, "the database could not be read");
		rc = 503;
		goto fail;
	}
	protect_put(ps);
	*out = r;
	return 0;
fail:
	protect_put(ps);
	report_free(r);
	return rc;
}

void
report_free(struct report *r)
{
	size_t i;

	if (r == NULL)
		return;
	if (r->cells != NULL)
		for (i = 0; i < r->np * r->ng; i++)
			cell_free(&r->cells[i]);
	if (r->ptotal != NULL)
		for (i = 0; i < r->np; i++)
			cell_free(&r->ptotal[i]);
	if (r->gtotal != NULL)
		for (i = 0; i < r->ng; i++)
			cell_free(&r->gtotal[i]);
	cell_free(&r->grand);
	for (i = 0; i < r->nvalues; i++)
		free(r->values[i]);
	free(r->values);
	free(r->qs);
	free(r->cells);
	free(r->ptotal);
	free(r->gtotal);
	free(r->groups);
	free(r->periods);
	free(r->monthloc);
	free(r);
}

int
report_comment_allowed(const struct report *r, const char *month,
    const char *location)
{
	size_t i;

	for (i = 0; i < r->nmonthloc; i++)
		if (strcmp(r->monthloc[i].month, month) == 0 &&
		    strcmp(r->monthloc[i].location, location) == 0)
			return 1;
	return 0;
}

void
report_warm(struct store *st, const struct survey_set *set, long long k,
    int lag_days)
{
	size_t i;

	for (i = 0; i < survey_set_count(set); i++) {
		struct report_query q;
		struct report *r = NULL;
		char err[256];

		memset(&q, 0, sizeof(q));
		q.survey = survey_set_at(set, i)->id;
		q.k = k;
		q.lag_days = lag_days;
		if (report_build(st, set, &q, &r, err, sizeof(err)) != 0)
			continue;	/* the next view says why */
		report_free(r);
	}
}
