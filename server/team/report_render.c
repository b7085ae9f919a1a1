/*
 * report_render.c — the table of report.c as JSON, CSV and text, and the
 * figures derived from a cell (means, NPS, theme scores).  A hidden cell,
 * score or question shows nothing but the fact.
 */
#include <math.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

int
report_question_mean(const struct report *r, size_t i,
    const struct report_cell *c, double *mean)
{
	const struct report_question *rq = &r->qs[i];
	double sum = 0;
	long long n = 0;
	size_t k;

	if (c->hidden || c->qhidden[i] || rq->q->type == SURVEY_Q_CHOICE ||
	    rq->q->type == SURVEY_Q_MULTI)
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

	if (c->hidden || c->qhidden[i] || rq->q->type != SURVEY_Q_SCALE ||
	    rq->q->min != 0 || rq->q->max != 10)
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

		if (q->theme == NULL || strcmp(q->theme, theme) != 0)
			continue;
		/* A theme is only as visible as each of its questions. */
		if (c->qhidden[i])
			return -1;
		if (report_question_mean(r, i, c, &m) == -1)
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
	if (c->sat_hidden) {
		json_object_set_new(sat, "suppressed", json_true());
	} else if (stats_mean_ci(&c->c, &mean, &lo, &hi) == 0) {
		json_object_set_new(sat, "mean", num(mean));
		json_object_set_new(sat, "ci", json_pack("[o, o]", num(lo),
		    num(hi)));
	} else if (c->c.sn == 1) {
		json_object_set_new(sat, "mean", num(mean));
	}
	if (!c->sat_hidden)
		json_object_set_new(sat, "n", json_integer(c->c.sn));
	json_object_set_new(o, "satisfaction", sat);
	qs = json_object();
	for (i = 0; i < r->nq; i++) {
		const struct report_question *rq = &r->qs[i];
		json_t *qo = json_object(), *d;
		long long n = 0;

		if (c->qhidden[i]) {
			/* Too few answers, or (nearly) all alike. */
			json_object_set_new(qo, "suppressed", json_true());
			json_object_set_new(qs, rq->q->id, qo);
			continue;
		}
		d = json_object();
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
	json_object_set_new(o, "interval", json_string(
	    r->qy.quarter == REPORT_YEAR ? "year" : r->qy.quarter ==
	    REPORT_QUARTER ? "quarter" : "month"));
	json_object_set_new(o, "published_through", json_string(r->through));
	if (r->next_at > 0) {
		struct tm tm;
		char when[32];

		if (localtime_r(&r->next_at, &tm) != NULL &&
		    strftime(when, sizeof(when), "%Y-%m-%d", &tm) > 0)
			json_object_set_new(o, "next_publication",
			    json_string(when));
	}
	json_object_set_new(o, "by", json_string(by[r->qy.by]));
	if (r->qy.location != NULL)
		json_object_set_new(o, "location",
		    json_string(r->qy.location));
	json_object_set_new(o, "k", json_integer(r->k));
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
	if (r->sms_shown)
		json_object_set_new(o, "sms", json_pack("{s:I, s:I, s:f}",
		    "invited", (json_int_t)r->sms_invited, "answered",
		    (json_int_t)r->sms_answered, "share_answered",
		    (double)r->sms_answered / (double)r->sms_invited));
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
		    r->k);
		for (i = 0; i < 2 + r->nvalues; i++)
			buf_putc(b, sep);
		for (i = 0; i < r->nq; i++)
			buf_putc(b, sep);
		buf_puts(b, "\r\n");
		return;
	}
	buf_printf(b, "%lld%c", c->c.n, sep);
	if (!c->sat_hidden && stats_mean_ci(&c->c, &mean, &lo, &hi) == 0) {
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
		for (k = 0; k < r->qs[i].nvalues; k++) {
			if (c->qhidden[i])
				buf_putc(b, sep);
			else
				buf_printf(b, "%c%lld", sep,
				    c->counts[r->qs[i].first + k]);
		}
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
	if (!c->sat_hidden && stats_mean_ci(&c->c, &mean, &lo, &hi) == 0)
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
	    r->qy.quarter == REPORT_YEAR ? "year" : r->qy.quarter ?
	    "quarter" : "month", r->k);
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
		    "%+.3f)", r->trend.slope, r->qy.quarter == REPORT_YEAR ?
		    "year" : r->qy.quarter ? "quarter" : "month",
		    r->trend.lo, r->trend.hi);
	buf_putc(&b, '\n');
	if (buf_failed(&b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_release(&b, len);
}
