/*
 * report.c — from rollup rows to the dashboard's table.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

#define REPORT_MAX_PERIODS	240

static const char *const channels[] = { "qr", "kiosk", "sms", "web" };

struct raw_cell {
	char			 month[8];
	char			 location[49];
	char			 channel[8];
	struct stats_cell	 c;
};

struct collect {
	struct raw_cell	*rows;
	size_t		 n, cap;
};

static void
collect_cell(const char *month, const char *location, const char *channel,
    long long n, long long sn, double ssum, double ssq, void *arg)
{
	struct collect *co = arg;
	struct raw_cell *r;

	if (co->n == co->cap) {
		co->cap = co->cap ? co->cap * 2 : 256;
		co->rows = xrealloc(co->rows, co->cap * sizeof(*co->rows));
	}
	r = &co->rows[co->n++];
	snprintf(r->month, sizeof(r->month), "%s", month);
	snprintf(r->location, sizeof(r->location), "%s", location);
	snprintf(r->channel, sizeof(r->channel), "%s", channel);
	r->c.n = n;
	r->c.sn = sn;
	r->c.ssum = ssum;
	r->c.ssq = ssq;
}

static int
month_valid(const char *m)
{
	int y, mo;
	char tail;

	return m != NULL && strlen(m) == 7 &&
	    sscanf(m, "%4d-%2d%c", &y, &mo, &tail) == 2 && m[4] == '-' &&
	    y >= 2000 && y <= 2100 && mo >= 1 && mo <= 12;
}

static void
month_next(char m[8])
{
	int y, mo;

	if (sscanf(m, "%4d-%2d", &y, &mo) != 2)
		return;
	if (++mo > 12) {
		mo = 1;
		y++;
	}
	period_format(m, y, mo, '-');
}

static void
period_of(const struct report *r, const char *month, char out[8])
{
	if (r->qy.quarter)
		stats_quarter_of_month(month, out);
	else
		snprintf(out, 8, "%s", month);
}

static long
period_index(const struct report *r, const char *month)
{
	char p[8];
	size_t i;

	period_of(r, month, p);
	for (i = 0; i < r->np; i++)
		if (strcmp(r->periods[i], p) == 0)
			return (long)i;
	return -1;
}

static long
group_index(const struct report *r, const char *location,
    const char *channel)
{
	const char *key = r->qy.by == REPORT_BY_LOCATION ? location : channel;
	size_t i;

	if (r->qy.by == REPORT_BY_NONE)
		return 0;
	for (i = 0; i < r->ng; i++)
		if (strcmp(r->groups[i], key) == 0)
			return (long)i;
	return -1;
}

static void
setup_questions(struct report *r)
{
	const struct survey *s = r->s;
	size_t i, k;

	r->qs = xcalloc(s->nquestions ? s->nquestions : 1, sizeof(*r->qs));
	for (i = 0; i < s->nquestions; i++) {
		const struct survey_question *q = &s->questions[i];
		struct report_question *rq = &r->qs[r->nq];
		size_t nv = 0;

		if (q->type == SURVEY_Q_TEXT)
			continue;
		rq->q = q;
		rq->first = r->nvalues;
		if (q->type == SURVEY_Q_CHOICE || q->type == SURVEY_Q_MULTI)
			nv = q->noptions;
		else if (q->type == SURVEY_Q_YESNO)
			nv = 2;
		else
			nv = (size_t)(q->max - q->min + 1);
		r->values = xrealloc(r->values, (r->nvalues + nv) *
		    sizeof(char *));
		for (k = 0; k < nv; k++) {
			char v[32];

			if (q->type == SURVEY_Q_CHOICE ||
			    q->type == SURVEY_Q_MULTI)
				snprintf(v, sizeof(v), "%s", q->options[k]);
			else if (q->type == SURVEY_Q_YESNO)
				snprintf(v, sizeof(v), "%s", k ? "no" : "yes");
			else
				snprintf(v, sizeof(v), "%lld",
				    q->min + (long long)k);
			r->values[r->nvalues + k] = xstrdup(v);
		}
		rq->nvalues = nv;
		r->nvalues += nv;
		r->nq++;
	}
}

static long
value_index(const struct report *r, const char *question, const char *value)
{
	size_t i, k;

	for (i = 0; i < r->nq; i++) {
		const struct report_question *rq = &r->qs[i];

		if (strcmp(rq->q->id, question) != 0)
			continue;
		for (k = 0; k < rq->nvalues; k++)
			if (strcmp(r->values[rq->first + k], value) == 0)
				return (long)(rq->first + k);
		return -1;
	}
	return -1;
}

static void
cell_init(struct report_cell *c, size_t nvalues)
{
	memset(c, 0, sizeof(*c));
	c->counts = xcalloc(nvalues ? nvalues : 1, sizeof(long long));
}

static void
cell_free(struct report_cell *c)
{
	free(c->counts);
}

static int
location_ok(const struct report *r, const char *location)
{
	return r->qy.location == NULL || strcmp(r->qy.location, location) == 0;
}

struct answers_ctx {
	struct report	*r;
};

static void
collect_answer(const char *month, const char *location, const char *channel,
    const char *question, const char *value, long long n, void *arg)
{
	struct report *r = arg;
	long p, g, v;

	if (!location_ok(r, location))
		return;
	p = period_index(r, month);
	g = group_index(r, location, channel);
	v = value_index(r, question, value);
	if (p < 0 || g < 0 || v < 0)
		return;
	r->cells[(size_t)p * r->ng + (size_t)g].counts[v] += n;
	r->ptotal[p].counts[v] += n;
	r->gtotal[g].counts[v] += n;
	r->grand.counts[v] += n;
}

static void
add_monthloc(struct report *r, const char *month, const char *location,
    long long n)
{
	size_t i;

	for (i = 0; i < r->nmonthloc; i++) {
		if (strcmp(r->monthloc[i].month, month) == 0 &&
		    strcmp(r->monthloc[i].location, location) == 0) {
			r->monthloc[i].n += n;
			return;
		}
	}
	r->monthloc = xrealloc(r->monthloc, (r->nmonthloc + 1) *
	    sizeof(*r->monthloc));
	snprintf(r->monthloc[r->nmonthloc].month, 8, "%s", month);
	snprintf(r->monthloc[r->nmonthloc].location, 49, "%s", location);
	r->monthloc[r->nmonthloc++].n = n;
}

/* Suppression by periods (rows) and by groups (columns) until stable. */
static void
suppress(struct report *r)
{
	size_t np = r->np, ng = r->ng, p, g, i;
	long long *n = xcalloc(np * ng + 1, sizeof(long long));
	long long *nt = xcalloc(np * ng + 1, sizeof(long long));
	int *hide = xcalloc(np * ng + 1, sizeof(int));
	int *hidet = xcalloc(np * ng + 1, sizeof(int));
	int *ph = xcalloc(np + 1, sizeof(int));
	int *gh = xcalloc(ng + 1, sizeof(int));
	int changed, rounds = 0;

	for (p = 0; p < np; p++)
		for (g = 0; g < ng; g++)
			n[p * ng + g] = r->cells[p * ng + g].c.n;
	do {
		changed = stats_suppress(n, np, ng, r->qy.k, hide, ph);
		/* The same table turned: groups are rows, periods columns. */
		for (p = 0; p < np; p++)
			for (g = 0; g < ng; g++) {
				nt[g * np + p] = n[p * ng + g];
				hidet[g * np + p] = hide[p * ng + g];
			}
		changed |= stats_suppress(nt, ng, np, r->qy.k, hidet, gh);
		for (p = 0; p < np; p++)
			for (g = 0; g < ng; g++)
				hide[p * ng + g] = hidet[g * np + p];
		/* A hidden margin makes its cells derivable from the others. */
		for (p = 0; p < np; p++)
			for (g = 0; g < ng && ph[p]; g++)
				if (n[p * ng + g] > 0 && !hide[p * ng + g]) {
					hide[p * ng + g] = 1;
					changed = 1;
				}
	} while (changed && ++rounds < 50);
	for (i = 0; i < np * ng; i++)
		r->cells[i].hidden = hide[i];
	for (p = 0; p < np; p++)
		r->ptotal[p].hidden = ph[p];
	for (g = 0; g < ng; g++)
		r->gtotal[g].hidden = gh[g];
	r->grand.hidden = r->grand.c.n < r->qy.k;
	free(n);
	free(nt);
	free(hide);
	free(hidet);
	free(ph);
	free(gh);
}

static void
baseline(struct report *r, struct store *st)
{
	json_t *goal = json_object_get(r->s->def, "goal");
	const char *b = json_string_value(json_object_get(goal, "baseline"));
	struct collect co = { NULL, 0, 0 };
	char from[8], to[8];
	size_t i;

	if (b == NULL || strlen(b) != 15)
		return;
	snprintf(from, sizeof(from), "%.7s", b);
	snprintf(to, sizeof(to), "%.7s", b + 8);
	if (store_rollup_cells(st, r->s->id, from, to, collect_cell, &co) ==
	    -1) {
		free(co.rows);
		return;
	}
	r->has_baseline = 1;
	for (i = 0; i < co.n; i++)
		if (location_ok(r, co.rows[i].location))
			stats_cell_add(&r->baseline, &co.rows[i].c);
	r->baseline_hidden = r->baseline.n < r->qy.k;
	free(co.rows);
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
		return 0;
	if (strcmp(s, "quarter") == 0)
		return 1;
	return -1;
}

int
report_build(struct store *st, const struct survey_set *set,
    const struct report_query *q, struct report **out, char *err,
    size_t errlen)
{
	struct collect co = { NULL, 0, 0 };
	struct report *r;
	char lo[8] = "", hi[8] = "", m[8], p[8];
	size_t i, g, nloc;
	int rc = 503;

	*out = NULL;
	if (q->survey == NULL || survey_set_find(set, q->survey, 0) == NULL) {
		snprintf(err, errlen, "there is no survey '%s'",
		    q->survey ? q->survey : "");
		return 404;
	}
	if ((q->from != NULL && !month_valid(q->from)) ||
	    (q->to != NULL && !month_valid(q->to)) ||
	    (q->from && q->to && strcmp(q->from, q->to) > 0)) {
		snprintf(err, errlen, "from and to are months, YYYY-MM, from "
		    "not after to");
		return 422;
	}
	if (q->location != NULL && survey_set_location(set, q->location) ==
	    NULL) {
		snprintf(err, errlen, "there is no location '%s'",
		    q->location);
		return 404;
	}
	r = xcalloc(1, sizeof(*r));
	r->s = survey_set_find(set, q->survey, 0);
	r->qy = *q;
	if (r->qy.k < 3)
		r->qy.k = 3;
	setup_questions(r);
	if (store_rollup_cells(st, q->survey, q->from, q->to, collect_cell,
	    &co) == -1) {
		snprintf(err, errlen, "the database could not be read");
		goto fail;
	}
	/* The periods: the range asked for, or the months with data. */
	if (q->from != NULL)
		snprintf(lo, sizeof(lo), "%s", q->from);
	if (q->to != NULL)
		snprintf(hi, sizeof(hi), "%s", q->to);
	for (i = 0; i < co.n; i++) {
		if (!location_ok(r, co.rows[i].location))
			continue;
		if (lo[0] == '\0' || strcmp(co.rows[i].month, lo) < 0)
			snprintf(lo, sizeof(lo), "%s", co.rows[i].month);
		if (hi[0] == '\0' || strcmp(co.rows[i].month, hi) > 0)
			snprintf(hi, sizeof(hi), "%s", co.rows[i].month);
	}
	r->periods = xcalloc(REPORT_MAX_PERIODS, sizeof(*r->periods));
	if (lo[0] != '\0' && hi[0] != '\0' && month_valid(lo) &&
	    month_valid(hi)) {
		for (snprintf(m, sizeof(m), "%s", lo); strcmp(m, hi) <= 0;
		    month_next(m)) {
			period_of(r, m, p);
			if (r->np > 0 && strcmp(r->periods[r->np - 1], p) == 0)
				continue;
			if (r->np == REPORT_MAX_PERIODS) {
				snprintf(err, errlen, "at most %d periods at "
				    "once", REPORT_MAX_PERIODS);
				rc = 422;
				goto fail;
			}
			snprintf(r->periods[r->np++], 8, "%s", p);
		}
	}
	/* The groups. */
	nloc = survey_set_location_count(set);
	r->groups = xcalloc(nloc + KB_NELEM(channels) + 1, sizeof(char *));
	if (q->by == REPORT_BY_LOCATION) {
		for (i = 0; i < nloc; i++)
			if (location_ok(r, survey_set_location_at(set, i)->id))
				r->groups[r->ng++] =
				    survey_set_location_at(set, i)->id;
	} else if (q->by == REPORT_BY_CHANNEL) {
		for (i = 0; i < KB_NELEM(channels); i++)
			r->groups[r->ng++] = channels[i];
	} else {
		r->groups[r->ng++] = "all";
	}
	r->cells = xcalloc(r->np * r->ng + 1, sizeof(*r->cells));
	r->ptotal = xcalloc(r->np + 1, sizeof(*r->ptotal));
	r->gtotal = xcalloc(r->ng + 1, sizeof(*r->gtotal));
	for (i = 0; i < r->np * r->ng; i++)
		cell_init(&r->cells[i], r->nvalues);
	for (i = 0; i < r->np; i++)
		cell_init(&r->ptotal[i], r->nvalues);
	for (g = 0; g < r->ng; g++)
		cell_init(&r->gtotal[g], r->nvalues);
	cell_init(&r->grand, r->nvalues);
	for (i = 0; i < co.n; i++) {
		const struct raw_cell *rc2 = &co.rows[i];
		long pi, gi;

		if (!location_ok(r, rc2->location))
			continue;
		add_monthloc(r, rc2->month, rc2->location, rc2->c.n);
		pi = period_index(r, rc2->month);
		gi = group_index(r, rc2->location, rc2->channel);
		if (pi < 0 || gi < 0)
			continue;
		stats_cell_add(&r->cells[(size_t)pi * r->ng + (size_t)gi].c,
		    &rc2->c);
		stats_cell_add(&r->ptotal[pi].c, &rc2->c);
		stats_cell_add(&r->gtotal[gi].c, &rc2->c);
		stats_cell_add(&r->grand.c, &rc2->c);
	}
	if (r->np > 0 && store_rollup_answers(st, q->survey, lo, hi,
	    collect_answer, r) == -1) {
		snprintf(err, errlen, "the database could not be read");
		goto fail;
	}
	suppress(r);
	{
		struct stats_cell *pc = xcalloc(r->np + 1, sizeof(*pc));

		for (i = 0; i < r->np; i++)
			pc[i] = r->ptotal[i].c;
		stats_trend(pc, r->np, r->qy.k, &r->trend);
		free(pc);
	}
	baseline(r, st);
	free(co.rows);
	*out = r;
	return 0;
fail:
	free(co.rows);
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
report_question_mean(const struct report *r, size_t i,
    const struct report_cell *c, double *mean)
{
	const struct report_question *rq = &r->qs[i];
	double sum = 0;
	long long n = 0;
	size_t k;

	if (rq->q->type == SURVEY_Q_CHOICE || rq->q->type == SURVEY_Q_MULTI)
		return -1;
	for (k = 0; k < rq->nvalues; k++) {
		long long cnt = c->counts[rq->first + k];
		double v;

		if (rq->q->type == SURVEY_Q_YESNO)
			v = k == 0 ? 10.0 : 0.0;
		else
			v = (double)(rq->q->min + (long long)k);
		sum += v * (double)cnt;
		n += cnt;
	}
	if (n == 0)
		return -1;
	*mean = sum / (double)n;
	return 0;
}

int
report_question_nps(const struct report *r, size_t i,
    const struct report_cell *c, double *nps)
{
	const struct report_question *rq = &r->qs[i];
	long long counts[11];
	size_t k;

	if (rq->q->type != SURVEY_Q_SCALE || rq->q->min != 0 ||
	    rq->q->max != 10)
		return -1;
	for (k = 0; k < 11; k++)
		counts[k] = c->counts[rq->first + k];
	return stats_nps(counts, nps);
}

int
report_theme(const struct report *r, const struct report_cell *c,
    const char *theme, double *score)
{
	double sum = 0, m;
	int n = 0;
	size_t i;

	for (i = 0; i < r->nq; i++) {
		const struct survey_question *q = r->qs[i].q;

		if (q->theme == NULL || strcmp(q->theme, theme) != 0 ||
		    report_question_mean(r, i, c, &m) == -1)
			continue;
		if (q->type != SURVEY_Q_YESNO)
			m = stats_normalise(q->type == SURVEY_Q_GRADE, q->min,
			    q->max, m);
		sum += m;
		n++;
	}
	if (n == 0)
		return -1;
	*score = sum / n;
	return 0;
}

int
report_comment_allowed(const struct report *r, const char *month,
    const char *location)
{
	size_t i;

	if (!location_ok(r, location) || r->np == 0)
		return 0;
	if (period_index(r, month) < 0)
		return 0;
	for (i = 0; i < r->nmonthloc; i++)
		if (strcmp(r->monthloc[i].month, month) == 0 &&
		    strcmp(r->monthloc[i].location, location) == 0)
			return r->monthloc[i].n >= r->qy.k;
	return 0;
}

static json_t *
num(double v)
{
	return isfinite(v) ? json_real(round(v * 100) / 100) : json_null();
}

static json_t *
cell_json(const struct report *r, const struct report_cell *c)
{
	json_t *o = json_object(), *qs, *sat;
	double mean, lo, hi, v;
	size_t i, k;

	if (c->hidden) {
		json_object_set_new(o, "suppressed", json_true());
		return o;
	}
	json_object_set_new(o, "n", json_integer(c->c.n));
	sat = json_object();
	if (stats_mean_ci(&c->c, &mean, &lo, &hi) == 0) {
		json_object_set_new(sat, "mean", num(mean));
		json_object_set_new(sat, "ci", json_pack("[o, o]", num(lo),
		    num(hi)));
	} else if (c->c.sn == 1) {
		json_object_set_new(sat, "mean", num(mean));
	}
	json_object_set_new(sat, "n", json_integer(c->c.sn));
	json_object_set_new(o, "satisfaction", sat);
	qs = json_object();
	for (i = 0; i < r->nq; i++) {
		const struct report_question *rq = &r->qs[i];
		json_t *qo = json_object(), *d = json_object();
		long long n = 0;

		for (k = 0; k < rq->nvalues; k++) {
			json_object_set_new(d, r->values[rq->first + k],
			    json_integer(c->counts[rq->first + k]));
			n += c->counts[rq->first + k];
		}
		json_object_set_new(qo, "answers", json_integer(n));
		json_object_set_new(qo, "distribution", d);
		if (report_question_mean(r, i, c, &v) == 0)
			json_object_set_new(qo, "mean", num(v));
		if (report_question_nps(r, i, c, &v) == 0)
			json_object_set_new(qo, "nps", num(v));
		json_object_set_new(qs, rq->q->id, qo);
	}
	json_object_set_new(o, "questions", qs);
	{
		static const char *const themes[] = { "access", "quality",
		    "effect" };
		json_t *th = json_object();

		for (i = 0; i < KB_NELEM(themes); i++)
			if (report_theme(r, c, themes[i], &v) == 0)
				json_object_set_new(th, themes[i], num(v));
		json_object_set_new(o, "themes", th);
	}
	return o;
}

json_t *
report_json(const struct report *r)
{
	static const char *const by[] = { "none", "location", "channel" };
	json_t *o = json_object(), *rows = json_array(), *totals = json_array();
	json_t *groups = json_array(), *periods = json_array(), *goal, *t;
	double mean, lo, hi;
	size_t p, g;

	json_object_set_new(o, "survey", json_string(r->s->id));
	json_object_set_new(o, "version", json_integer(r->s->version));
	json_object_set_new(o, "interval", json_string(r->qy.quarter ?
	    "quarter" : "month"));
	json_object_set_new(o, "by", json_string(by[r->qy.by]));
	if (r->qy.location != NULL)
		json_object_set_new(o, "location",
		    json_string(r->qy.location));
	json_object_set_new(o, "k", json_integer(r->qy.k));
	for (p = 0; p < r->np; p++)
		json_array_append_new(periods, json_string(r->periods[p]));
	for (g = 0; g < r->ng; g++)
		json_array_append_new(groups, json_string(r->groups[g]));
	json_object_set_new(o, "periods", periods);
	json_object_set_new(o, "groups", groups);
	for (p = 0; p < r->np; p++) {
		for (g = 0; g < r->ng; g++) {
			json_t *c = cell_json(r, &r->cells[p * r->ng + g]);

			json_object_set_new(c, "period",
			    json_string(r->periods[p]));
			json_object_set_new(c, "group",
			    json_string(r->groups[g]));
			json_array_append_new(rows, c);
		}
		t = cell_json(r, &r->ptotal[p]);
		json_object_set_new(t, "period", json_string(r->periods[p]));
		json_array_append_new(totals, t);
	}
	json_object_set_new(o, "rows", rows);
	json_object_set_new(o, "totals", totals);
	t = json_object();
	for (g = 0; g < r->ng; g++)
		json_object_set_new(t, r->groups[g],
		    cell_json(r, &r->gtotal[g]));
	json_object_set_new(o, "group_totals", t);
	json_object_set_new(o, "total", cell_json(r, &r->grand));
	json_object_set_new(o, "trend", json_pack("{s:s, s:o, s:[o, o], "
	    "s:I, s:I}", "verdict", stats_verdict_text(r->trend.verdict),
	    "slope", r->trend.verdict == STATS_TOO_FEW ? json_null() :
	    num(r->trend.slope), "ci", r->trend.verdict == STATS_TOO_FEW ?
	    json_null() : num(r->trend.lo), r->trend.verdict ==
	    STATS_TOO_FEW ? json_null() : num(r->trend.hi), "n",
	    (json_int_t)r->trend.n, "periods",
	    (json_int_t)r->trend.periods));
	goal = json_object_get(r->s->def, "goal");
	if (goal != NULL) {
		json_t *go = json_deep_copy(goal);

		if (r->has_baseline && !r->baseline_hidden &&
		    stats_mean_ci(&r->baseline, &mean, &lo, &hi) == 0)
			json_object_set_new(go, "baseline_result", json_pack(
			    "{s:o, s:[o, o], s:I}", "mean", num(mean), "ci",
			    num(lo), num(hi), "n", (json_int_t)r->baseline.n));
		json_object_set_new(o, "goal", go);
	}
	return o;
}

/* A CSV field: quoted when needed, formula starts neutralised. */
static void
csv_field(struct buf *b, const char *s, char sep)
{
	int quote = strchr(s, sep) != NULL || strchr(s, '"') != NULL ||
	    strchr(s, '\n') != NULL || strchr(s, '\r') != NULL;
	int formula = *s == '=' || *s == '+' || *s == '-' || *s == '@' ||
	    *s == '\t' || *s == '\r';

	if (quote || formula)
		buf_putc(b, '"');
	if (formula)
		buf_putc(b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	if (quote || formula)
		buf_putc(b, '"');
}

static void
csv_num(struct buf *b, double v, int excel)
{
	char s[32], *p;

	if (!isfinite(v))
		return;
	snprintf(s, sizeof(s), "%.2f", v);
	if (excel && (p = strchr(s, '.')) != NULL)
		*p = ',';
	buf_puts(b, s);
}

static void
csv_row(struct buf *b, const struct report *r, const char *period,
    const char *group, const struct report_cell *c, char sep, int excel)
{
	double mean, lo, hi, v;
	size_t i, k;

	csv_field(b, period, sep);
	buf_putc(b, sep);
	csv_field(b, group, sep);
	buf_putc(b, sep);
	if (c->hidden) {
		buf_printf(b, "%c%csuppressed (under %lld)", sep, sep,
		    r->qy.k);
		for (i = 0; i < 2 + r->nvalues; i++)
			buf_putc(b, sep);
		for (i = 0; i < r->nq; i++)
			buf_putc(b, sep);
		buf_puts(b, "\r\n");
		return;
	}
	buf_printf(b, "%lld%c", c->c.n, sep);
	if (stats_mean_ci(&c->c, &mean, &lo, &hi) == 0) {
		csv_num(b, mean, excel);
		buf_putc(b, sep);
		buf_putc(b, sep);
		csv_num(b, lo, excel);
		buf_putc(b, sep);
		csv_num(b, hi, excel);
	} else {
		buf_putc(b, sep);
		buf_putc(b, sep);
		buf_putc(b, sep);
	}
	for (i = 0; i < r->nq; i++) {
		buf_putc(b, sep);
		if (report_question_mean(r, i, c, &v) == 0)
			csv_num(b, v, excel);
		for (k = 0; k < r->qs[i].nvalues; k++)
			buf_printf(b, "%c%lld", sep,
			    c->counts[r->qs[i].first + k]);
	}
	buf_puts(b, "\r\n");
}

char *
report_csv(const struct report *r, int excel, size_t *len)
{
	char sep = excel ? ';' : ',';
	struct buf b;
	size_t p, g, i, k;

	buf_init(&b, 64 * 1024 * 1024);
	if (excel)
		buf_puts(&b, "\xEF\xBB\xBF");
	buf_printf(&b, "period%cgroup%cn%csatisfaction%cnote%cci_low%c"
	    "ci_high", sep, sep, sep, sep, sep, sep);
	for (i = 0; i < r->nq; i++) {
		char h[96];

		buf_putc(&b, sep);
		snprintf(h, sizeof(h), "%s mean", r->qs[i].q->id);
		csv_field(&b, h, sep);
		for (k = 0; k < r->qs[i].nvalues; k++) {
			buf_putc(&b, sep);
			snprintf(h, sizeof(h), "%s=%s", r->qs[i].q->id,
			    r->values[r->qs[i].first + k]);
			csv_field(&b, h, sep);
		}
	}
	buf_puts(&b, "\r\n");
	for (p = 0; p < r->np; p++) {
		for (g = 0; g < r->ng; g++)
			csv_row(&b, r, r->periods[p], r->groups[g],
			    &r->cells[p * r->ng + g], sep, excel);
		if (r->ng > 1)
			csv_row(&b, r, r->periods[p], "total",
			    &r->ptotal[p], sep, excel);
	}
	for (g = 0; g < r->ng && r->ng > 1; g++)
		csv_row(&b, r, "all", r->groups[g], &r->gtotal[g], sep, excel);
	csv_row(&b, r, "all", "total", &r->grand, sep, excel);
	if (buf_failed(&b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_release(&b, len);
}

static void
text_row(struct buf *b, const char *period, const char *group,
    const struct report_cell *c)
{
	double mean, lo, hi;

	buf_printf(b, "%-9s %-14s ", period, group);
	if (c->hidden) {
		buf_puts(b, "     -  (fewer than K responses)\n");
		return;
	}
	buf_printf(b, "%6lld ", c->c.n);
	if (stats_mean_ci(&c->c, &mean, &lo, &hi) == 0)
		buf_printf(b, "%5.2f  [%5.2f, %5.2f]\n", mean, lo, hi);
	else
		buf_puts(b, "    -\n");
}

char *
report_text(const struct report *r, size_t *len)
{
	struct buf b;
	size_t p, g;

	buf_init(&b, 64 * 1024 * 1024);
	buf_printf(&b, "survey %s (version %lld), by %s, per %s, K = %lld\n",
	    r->s->id, r->s->version, r->qy.by == REPORT_BY_LOCATION ?
	    "location" : r->qy.by == REPORT_BY_CHANNEL ? "channel" : "none",
	    r->qy.quarter ? "quarter" : "month", r->qy.k);
	buf_printf(&b, "%-9s %-14s %6s %5s  %s\n", "period", "group", "n",
	    "mean", "95% interval");
	for (p = 0; p < r->np; p++) {
		for (g = 0; g < r->ng; g++)
			text_row(&b, r->periods[p], r->groups[g],
			    &r->cells[p * r->ng + g]);
		if (r->ng > 1)
			text_row(&b, r->periods[p], "total", &r->ptotal[p]);
	}
	text_row(&b, "all", "total", &r->grand);
	buf_printf(&b, "trend: %s", stats_verdict_text(r->trend.verdict));
	if (r->trend.verdict != STATS_TOO_FEW)
		buf_printf(&b, " (%+.3f per %s, 95%% interval %+.3f to "
		    "%+.3f)", r->trend.slope, r->qy.quarter ? "quarter" :
		    "month", r->trend.lo, r->trend.hi);
	buf_putc(&b, '\n');
	if (buf_failed(&b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_release(&b, len);
}
