/*
 * dashboard_chart.c — the dashboard's charts, drawn as SVG: the trend of
 * the mean score per period with its 95% band, a gap where a period is
 * suppressed, and the baseline and target as lines; and the answers to
 * each question as horizontal bars.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "nl.h"
#include "dashboard_priv.h"
#include "report.h"
#include "util.h"

/* Chart geometry: scores 0..10 on y, periods evenly on x. */
struct chart {
	double	w, h, left, right, top, bottom;
	size_t	np;
};

static double
cx(const struct chart *c, size_t i)
{
	if (c->np <= 1)
		return c->left + (c->w - c->left - c->right) / 2;
	return c->left + (double)i * (c->w - c->left - c->right) /
	    (double)(c->np - 1);
}

static double
cy(const struct chart *c, double v)
{
	if (v < 0)
		v = 0;
	if (v > 10)
		v = 10;
	return c->top + (10 - v) * (c->h - c->top - c->bottom) / 10;
}

/*
 * A trend chart: the mean per period with its 95% band, a gap where a
 * period is suppressed, and the baseline and target as lines.
 */
void
svg_trend(struct buf *b, const struct report *rep,
    const struct report_cell *cells, size_t stride, double w, double h,
    int small, const char *label)
{
	struct chart c = { w, h, small ? 8 : 36, small ? 8 : 28, 8,
	    small ? 8 : 28, rep->np };
	json_t *goal = json_object_get(rep->s->def, "goal");
	double mean, lo, hi, base = NAN, target = NAN;
	size_t i;
	int pen = 0, band = 0;

	if (json_is_number(json_object_get(goal, "target")))
		target = json_number_value(json_object_get(goal, "target"));
	if (rep->has_baseline && !rep->baseline_hidden &&
	    stats_mean_ci(&rep->baseline, &base, &lo, &hi) != 0)
		base = NAN;
	buf_printf(b, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" "
	    "width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"", w, h,
	    w, h);
	buf_html(b, label);
	buf_puts(b, "\">");
	buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
	    "height=\"%.1f\" fill=\"#fff\" stroke=\"#999\"/>", c.left, c.top,
	    w - c.left - c.right, h - c.top - c.bottom);
	if (!small) {
		for (i = 0; i <= 10; i += 2) {
			buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" "
			    "font-size=\"11\" text-anchor=\"end\">%zu</text>",
			    c.left - 4, cy(&c, (double)i) + 4, i);
			buf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" "
			    "y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>",
			    c.left, w - c.right, cy(&c, (double)i),
			    cy(&c, (double)i));
		}
		for (i = 0; i < rep->np; i++) {
			if (rep->np > 12 && i % (rep->np / 12 + 1) != 0)
				continue;
			buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" "
			    "font-size=\"11\" text-anchor=\"middle\">",
			    cx(&c, i), h - 10);
			buf_html(b, rep->periods[i]);
			buf_puts(b, "</text>");
		}
	}
	/* The band: one polygon per run of shown periods. */
	for (i = 0; i <= rep->np; i++) {
		const struct report_cell *cell = i < rep->np ?
		    &cells[i * stride] : NULL;
		int ok = cell && !cell->hidden &&
		    stats_mean_ci(&cell->c, &mean, &lo, &hi) == 0;
		size_t j, start;

		if (ok && !band) {
			band = 1;
			continue;
		}
		if (ok || !band)
			continue;
		band = 0;
		for (start = i; start > 0; start--) {
			const struct report_cell *pc = &cells[(start - 1) *
			    stride];

			if (pc->hidden || stats_mean_ci(&pc->c, &mean, &lo,
			    &hi) != 0)
				break;
		}
		buf_puts(b, "<polygon class=\"band\" fill=\"#9cc3d5\" "
		    "fill-opacity=\"0.5\" points=\"");
		for (j = start; j < i; j++) {
			(void)stats_mean_ci(&cells[j * stride].c, &mean, &lo,
			    &hi);
			buf_printf(b, "%.1f,%.1f ", cx(&c, j), cy(&c, hi));
		}
		for (j = i; j > start; j--) {
			(void)stats_mean_ci(&cells[(j - 1) * stride].c, &mean,
			    &lo, &hi);
			buf_printf(b, "%.1f,%.1f ", cx(&c, j - 1), cy(&c, lo));
		}
		buf_puts(b, "\"/>");
	}
	if (isfinite(base))
		buf_printf(b, "<line class=\"baseline\" x1=\"%.1f\" "
		    "x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" "
		    "stroke-dasharray=\"4 3\"/>", c.left, w - c.right,
		    cy(&c, base), cy(&c, base));
	if (isfinite(target))
		buf_printf(b, "<line class=\"target\" x1=\"%.1f\" x2=\"%.1f\" "
		    "y1=\"%.1f\" y2=\"%.1f\" stroke=\"#1a7f37\" "
		    "stroke-width=\"2\"/>", c.left, w - c.right,
		    cy(&c, target), cy(&c, target));
	buf_puts(b, "<path class=\"line\" fill=\"none\" stroke=\"#0b4f6c\" "
	    "stroke-width=\"2\" d=\"");
	for (i = 0; i < rep->np; i++) {
		const struct report_cell *cell = &cells[i * stride];

		if (cell->hidden || cell->c.sn == 0) {
			pen = 0;
			continue;
		}
		mean = cell->c.ssum / (double)cell->c.sn;
		buf_printf(b, "%c%.1f %.1f ", pen ? 'L' : 'M', cx(&c, i),
		    cy(&c, mean));
		pen = 1;
	}
	buf_puts(b, "\"/>");
	for (i = 0; i < rep->np; i++) {
		const struct report_cell *cell = &cells[i * stride];

		if (cell->hidden || cell->c.sn == 0)
			continue;
		mean = cell->c.ssum / (double)cell->c.sn;
		buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" "
		    "fill=\"#0b4f6c\"><title>", cx(&c, i), cy(&c, mean),
		    small ? 2 : 3);
		buf_html(b, rep->periods[i]);
		buf_puts(b, ": ");
		nl_num(b, mean, 1);
		buf_printf(b, " (n = %lld)</title></circle>", cell->c.n);
	}
	buf_puts(b, "</svg>");
}

/* A smiley's value in words, as the kiosk shows the faces (#17). */
static const char *
face_label(const struct survey_question *q, const char *value)
{
	static const char *const five[] = { "Heel slecht", "Slecht",
	    "Gaat wel", "Goed", "Heel goed" };
	static const char *const four[] = { "Heel slecht", "Slecht", "Goed",
	    "Heel goed" };
	long long v;

	if (num_parse(value, 1, q->max, &v) == -1)
		return value;
	return q->max == 4 ? four[v - 1] : five[v - 1];
}

static const char *
option_text(const struct report *rep, const struct survey_question *q,
    const char *value)
{
	json_t *qs = json_object_get(rep->s->def, "questions"), *qj, *o;
	size_t i, k;

	json_array_foreach(qs, i, qj) {
		if (strcmp(json_string_value(json_object_get(qj, "id")),
		    q->id) != 0)
			continue;
		json_array_foreach(json_object_get(qj, "options"), k, o)
			if (strcmp(json_string_value(json_object_get(o, "id")),
			    value) == 0)
				return nl_text(json_object_get(o, "text"));
	}
	if (q->type == SURVEY_Q_YESNO)
		return strcmp(value, "yes") == 0 ? "ja" : "nee";
	if (q->type == SURVEY_Q_SMILEY)
		return face_label(q, value);
	return value;
}

static const char *
question_text(const struct report *rep, const struct survey_question *q)
{
	json_t *qs = json_object_get(rep->s->def, "questions"), *qj;
	size_t i;

	json_array_foreach(qs, i, qj)
		if (strcmp(json_string_value(json_object_get(qj, "id")),
		    q->id) == 0)
			return nl_text(json_object_get(qj, "text"));
	return q->id;
}

/* Horizontal bars, one per answer value, drawn as SVG. */
void
distributions(struct buf *b, const struct report *rep)
{
	const struct report_cell *c = &rep->grand;
	size_t i, k;
	double v;

	buf_puts(b, "<h2>Antwoorden per vraag</h2>");
	if (c->hidden) {
		buf_printf(b, "<p>Minder dan %lld reacties in deze selectie: "
		    "niets te tonen.</p>", rep->qy.k);
		return;
	}
	for (i = 0; i < rep->nq; i++) {
		const struct report_question *rq = &rep->qs[i];
		long long total = 0, max = 0, per;
		double y = 0;

		for (k = 0; k < rq->nvalues; k++) {
			long long n = c->counts[rq->first + k];

			total += n;
			if (n > max)
				max = n;
		}
		per = rq->q->type == SURVEY_Q_MULTI ? c->c.n : total;
		buf_puts(b, "<figure class=\"question\"><figcaption>");
		buf_html(b, question_text(rep, rq->q));
		/*
		 * Several ticks per person: a share of the people who
		 * responded, not of the ticks (#17).
		 */
		if (rq->q->type == SURVEY_Q_MULTI)
			buf_printf(b, " <small>(%lld reacties, meer keuzes "
			    "mogelijk", c->c.n);
		else
			buf_printf(b, " <small>(%lld antwoorden", total);
		if (report_question_mean(rep, i, c, &v) == 0 &&
		    rq->q->type != SURVEY_Q_YESNO) {
			buf_puts(b, ", gemiddeld ");
			nl_num(b, v, 1);
		}
		if (report_question_nps(rep, i, c, &v) == 0) {
			buf_puts(b, ", NPS ");
			nl_num(b, v, 0);
		}
		buf_printf(b, ")</small></figcaption><svg viewBox=\"0 0 580 "
		    "%zu\" width=\"580\" height=\"%zu\" role=\"img\" "
		    "aria-label=\"", rq->nvalues * 22 + 4,
		    rq->nvalues * 22 + 4);
		buf_html(b, question_text(rep, rq->q));
		buf_puts(b, "\">");
		for (k = 0; k < rq->nvalues; k++, y += 22) {
			long long n = c->counts[rq->first + k];
			double wbar = max > 0 ? 300.0 * (double)n /
			    (double)max : 0;

			buf_printf(b, "<text x=\"150\" y=\"%.0f\" "
			    "font-size=\"12\" text-anchor=\"end\">", y + 15);
			buf_html(b, option_text(rep, rq->q,
			    rep->values[rq->first + k]));
			buf_printf(b, "</text><rect x=\"156\" y=\"%.0f\" "
			    "width=\"%.1f\" height=\"16\" fill=\"#0b4f6c\"/>"
			    "<text x=\"%.1f\" y=\"%.0f\" font-size=\"12\">"
			    "%lld (%.0f%%)</text>", y + 3, wbar,
			    160 + wbar, y + 15, n, per ? 100.0 *
			    (double)n / (double)per : 0.0);
		}
		buf_puts(b, "</svg></figure>");
	}
}
