/*
 * dashboard_page.c — the dashboard: everything for one survey and selection
 * on one page.  The filters, the verdict in words, the trend, small
 * multiples per location and per channel, participation, the themes, the
 * answers, the comments and the links to share and print.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "nl.h"
#include "app.h"
#include "dashboard.h"
#include "dashboard_priv.h"
#include "link.h"
#include "report.h"
#include "util.h"

static const char *
verdict_nl(enum stats_verdict v)
{
	switch (v) {
	case STATS_RISING:
		return "De tevredenheid stijgt.";
	case STATS_FALLING:
		return "De tevredenheid daalt.";
	case STATS_NO_CHANGE:
		return "Geen duidelijke verandering in de tevredenheid.";
	case STATS_TOO_FEW:
		break;
	}
	return "Nog te weinig reacties om iets over de trend te zeggen.";
}

/*
 * The face nearest to a score: on 0..10 the five faces sit at 0, 2.5, 5,
 * 7.5 and 10, so a target of 7.5 means "on average Goed" (#17).
 */
static const char *
target_face(double score)
{
	static const char *const five[] = { "Heel slecht", "Slecht",
	    "Gaat wel", "Goed", "Heel goed" };
	long i = lround(score / 2.5);

	return five[i < 0 ? 0 : i > 4 ? 4 : i];
}

static void
headline(struct buf *b, const struct report *rep)
{
	json_t *goal = json_object_get(rep->s->def, "goal");
	double mean, lo, hi, target;
	size_t i;

	buf_puts(b, "<p class=\"verdict\"><strong>");
	buf_puts(b, verdict_nl(rep->trend.verdict));
	buf_puts(b, "</strong>");
	if (rep->trend.verdict != STATS_TOO_FEW) {
		buf_puts(b, " Verandering per ");
		buf_puts(b, rep->qy.quarter ? "kwartaal" : "maand");
		buf_puts(b, ": ");
		nl_num(b, rep->trend.slope, 2);
		buf_puts(b, " punt (95%-interval ");
		nl_num(b, rep->trend.lo, 2);
		buf_puts(b, " tot ");
		nl_num(b, rep->trend.hi, 2);
		buf_printf(b, "), uit %lld reacties.", rep->trend.n);
	}
	buf_puts(b, "</p>");
	if (!json_is_number(json_object_get(goal, "target")))
		return;
	target = json_number_value(json_object_get(goal, "target"));
	for (i = rep->np; i > 0; i--) {
		const struct report_cell *c = &rep->ptotal[i - 1];

		if (c->hidden || stats_mean_ci(&c->c, &mean, &lo, &hi) != 0)
			continue;
		buf_puts(b, "<p>Laatste periode met genoeg reacties (");
		buf_html(b, rep->periods[i - 1]);
		buf_puts(b, "): ");
		nl_num(b, mean, 1);
		buf_puts(b, ", ");
		if (fabs(mean - target) < 0.05)
			buf_puts(b, "precies het doel");
		else {
			nl_num(b, fabs(mean - target), 1);
			buf_puts(b, mean < target ? " onder" : " boven");
			buf_puts(b, " het doel");
		}
		buf_puts(b, " van ");
		nl_num(b, target, 1);
		buf_puts(b, " (");
		nl_num(b, target, 1);
		buf_puts(b, " ≈ gemiddeld ‘");
		buf_puts(b, target_face(target));
		buf_puts(b, "’ op de smileys).");
		if (rep->has_baseline && !rep->baseline_hidden &&
		    stats_mean_ci(&rep->baseline, &mean, &lo, &hi) == 0) {
			buf_puts(b, " Nulmeting (");
			buf_html(b, json_string_value(json_object_get(goal,
			    "baseline")));
			buf_puts(b, "): ");
			nl_num(b, mean, 1);
			buf_puts(b, ".");
		}
		buf_puts(b, "</p>");
		return;
	}
}

static void
filters(struct buf *b, struct app *app, const struct report_query *q)
{
	static const char *const bys[] = { "none", "location", "channel" };
	size_t i;

	buf_puts(b, "<form class=\"filters\" method=\"get\" "
	    "action=\"/admin/\"><label>Vragenlijst <select name=\"survey\">");
	for (i = 0; i < survey_set_count(app->surveys); i++) {
		const struct survey *s = survey_set_at(app->surveys, i);

		char name[256];

		snprintf(name, sizeof(name), "%s: %s", nl_audience(s),
		    nl_text(json_object_get(s->def, "title")));
		select_opt(b, s->id, name, q->survey);
	}
	buf_puts(b, "</select></label> <label>Van <input type=\"month\" "
	    "name=\"from\" value=\"");
	buf_html(b, q->from ? q->from : "");
	buf_puts(b, "\"></label> <label>Tot <input type=\"month\" name=\"to\" "
	    "value=\"");
	buf_html(b, q->to ? q->to : "");
	buf_puts(b, "\"></label> <label>Per <select name=\"interval\">");
	select_opt(b, "month", "maand", q->quarter ? "" : "month");
	select_opt(b, "quarter", "kwartaal", q->quarter ? "quarter" : "");
	buf_puts(b, "</select></label> <label>Locatie <select name=\"loc\">");
	select_opt(b, "", "alle", q->location ? "x" : "");
	for (i = 0; i < survey_set_location_count(app->surveys); i++) {
		const struct survey_location *l =
		    survey_set_location_at(app->surveys, i);

		select_opt(b, l->id, nl_text(l->name), q->location);
	}
	buf_puts(b, "</select></label> <label>Uitsplitsen <select "
	    "name=\"by\">");
	for (i = 0; i < KB_NELEM(bys); i++)
		select_opt(b, bys[i], i == 0 ? "niet" : i == 1 ? "per locatie" :
		    "per kanaal", bys[q->by]);
	buf_puts(b, "</select></label> <button type=\"submit\">Toon</button>"
	    "</form>");
}

static const char *
group_label(struct app *app, const struct report *rep, size_t g)
{
	const struct survey_location *l;

	if (rep->qy.by == REPORT_BY_LOCATION) {
		l = survey_set_location(app->surveys, rep->groups[g]);
		if (l != NULL)
			return nl_text(l->name);
	}
	if (rep->qy.by == REPORT_BY_NONE)
		return "alle";
	return rep->groups[g];
}

/*
 * The group's latest shown score and the trend over its shown periods, in
 * words (#17): hidden cells count as missing.
 */
static void
group_verdict(struct buf *b, const struct report *rep, size_t g)
{
	struct stats_cell *cells = xcalloc(rep->np + 1, sizeof(*cells));
	struct stats_trend tr;
	double mean = 0, lo, hi;
	size_t p;
	int have = 0;

	for (p = 0; p < rep->np; p++) {
		const struct report_cell *c = &rep->cells[p * rep->ng + g];

		if (c->hidden)
			continue;
		cells[p] = c->c;
		if (c->c.sn > 0) {
			(void)stats_mean_ci(&c->c, &mean, &lo, &hi);
			have = 1;
		}
	}
	stats_trend(cells, rep->np, rep->qy.k, &tr);
	free(cells);
	buf_puts(b, "<br><strong>");
	if (have) {
		nl_num(b, mean, 1);
		buf_puts(b, "</strong> · ");
	} else {
		buf_puts(b, "–</strong> · ");
	}
	buf_puts(b, verdict_nl(tr.verdict));
}

static void
small_multiples(struct buf *b, struct app *app, const struct report *rep,
    const char *title)
{
	size_t g;

	buf_puts(b, "<h2>");
	buf_html(b, title);
	buf_puts(b, "</h2><div class=\"multiples\">");
	for (g = 0; g < rep->ng; g++) {
		const struct report_cell *t = &rep->gtotal[g];

		buf_puts(b, "<figure><figcaption>");
		buf_html(b, group_label(app, rep, g));
		if (t->hidden)
			buf_printf(b, " (minder dan %lld reacties)",
			    rep->qy.k);
		else
			buf_printf(b, " (n = %lld)", t->c.n);
		group_verdict(b, rep, g);
		buf_puts(b, "</figcaption>");
		svg_trend(b, rep, &rep->cells[g], rep->ng, 220, 110, 1,
		    group_label(app, rep, g));
		buf_puts(b, "</figure>");
	}
	buf_puts(b, "</div>");
}

static void
themes(struct buf *b, const struct report *rep)
{
	static const char *const ids[] = { "access", "quality", "effect" };
	static const char *const names[] = { "Toegang (wist waar te gaan, "
	    "op tijd geholpen)", "Kwaliteit (serieus genomen, geluisterd, "
	    "hulp paste)", "Effect (veiliger, beter kunnen omgaan)" };
	double v;
	size_t i;

	buf_puts(b, "<h2>Per thema</h2><table><thead><tr><th>Thema</th>"
	    "<th>Score (0–10)</th></tr></thead><tbody>");
	for (i = 0; i < KB_NELEM(ids); i++) {
		buf_puts(b, "<tr><td>");
		buf_html(b, names[i]);
		buf_puts(b, "</td><td>");
		if (rep->grand.hidden || report_theme(rep, &rep->grand, ids[i],
		    &v) == -1)
			buf_puts(b, "–");
		else
			nl_num(b, v, 1);
		buf_puts(b, "</td></tr>");
	}
	buf_puts(b, "</tbody></table>");
}

static void
participation_sms(struct buf *b, const struct report *rep)
{
	if (!rep->sms_shown) {
		buf_puts(b, "<p><small>Aandeel beantwoorde sms-uitnodigingen: "
		    "nog niet te tonen (geen of te weinig).</small></p>");
		return;
	}
	buf_printf(b, "<p>Sms-uitnodigingen: %lld verstuurd, %lld beantwoord "
	    "(", rep->sms_invited, rep->sms_answered);
	nl_num(b, 100.0 * (double)rep->sms_answered /
	    (double)rep->sms_invited, 0);
	buf_puts(b, "%).</p>");
}

static void
participation(struct buf *b, const struct report *bych)
{
	size_t g;

	buf_puts(b, "<h2>Deelname per kanaal</h2><table><thead><tr>"
	    "<th>Kanaal</th><th>Reacties</th></tr></thead><tbody>");
	for (g = 0; g < bych->ng; g++) {
		buf_puts(b, "<tr><td>");
		buf_html(b, bych->groups[g]);
		buf_puts(b, "</td><td>");
		if (bych->gtotal[g].hidden)
			buf_printf(b, "minder dan %lld", bych->qy.k);
		else
			buf_printf(b, "%lld", bych->gtotal[g].c.n);
		buf_puts(b, "</td></tr>");
	}
	buf_puts(b, "</tbody></table>");
}

static void
links(struct buf *b, struct app *app, const struct report *rep)
{
	size_t i;

	buf_puts(b, "<h2 id=\"delen\">Delen en printen</h2>");
	if (link_base_private(app->base_url)) {
		buf_puts(b, "<p class=\"error\" id=\"base-url-warning\" "
		    "role=\"alert\"><strong>Let op: deze codes en posters "
		    "werken niet op telefoons.</strong> Ze wijzen naar ");
		buf_html(b, app->base_url);
		buf_puts(b, ", een adres dat alleen op deze computer of dit "
		    "netwerk bestaat. Start de server met <code>--base-url"
		    "</code> (of <code>base_url</code>) op het openbare "
		    "adres. Dit geldt ook voor links in sms-uitnodigingen.</p>");
	}
	buf_puts(b, "<table><thead><tr><th>Locatie"
	    "</th><th>QR-code</th><th>Poster</th><th>Kiosk</th></tr></thead>"
	    "<tbody>");
	for (i = 0; i < survey_set_location_count(app->surveys); i++) {
		const struct survey_location *l =
		    survey_set_location_at(app->surveys, i);

		buf_puts(b, "<tr><td>");
		buf_html(b, nl_text(l->name));
		buf_puts(b, "</td><td><a href=\"/admin/qr.svg?survey=");
		buf_html(b, rep->s->id);
		buf_puts(b, "&amp;loc=");
		buf_html(b, l->id);
		buf_puts(b, "\">SVG</a> · <a href=\"/admin/qr.png?survey=");
		buf_html(b, rep->s->id);
		buf_puts(b, "&amp;loc=");
		buf_html(b, l->id);
		buf_puts(b, "\">PNG</a></td><td><a href=\"/admin/poster?survey=");
		buf_html(b, rep->s->id);
		buf_puts(b, "&amp;loc=");
		buf_html(b, l->id);
		buf_puts(b, "\">A4-poster</a></td><td><a href=\"/kiosk/");
		buf_html(b, l->id);
		buf_puts(b, "?survey=");
		buf_html(b, rep->s->id);
		buf_puts(b, "\">kiosk</a></td></tr>");
	}
	buf_puts(b, "</tbody></table>");
}

static void
export_links(struct buf *b, const struct report_query *q)
{
	static const char *const bys[] = { "none", "location", "channel" };
	struct buf qs;

	buf_init(&qs, 4096);
	buf_puts(&qs, "survey=");
	buf_puts(&qs, q->survey);
	buf_printf(&qs, "&interval=%s&by=%s", q->quarter ? "quarter" : "month",
	    bys[q->by]);
	if (q->from) {
		buf_puts(&qs, "&from=");
		buf_puts(&qs, q->from);
	}
	if (q->to) {
		buf_puts(&qs, "&to=");
		buf_puts(&qs, q->to);
	}
	if (q->location) {
		buf_puts(&qs, "&loc=");
		buf_puts(&qs, q->location);
	}
	buf_puts(b, "<p class=\"exports\"><a href=\"/admin/export.csv?");
	buf_html(b, buf_cstr(&qs));
	buf_puts(b, "\">Exporteer naar Excel (CSV)</a> · <a "
	    "href=\"/admin/export.csv?dialect=rfc4180&amp;");
	buf_html(b, buf_cstr(&qs));
	buf_puts(b, "\">CSV (komma's)</a> · <a href=\"/admin/api/stats?");
	buf_html(b, buf_cstr(&qs));
	buf_puts(b, "\">JSON</a></p>");
	buf_free(&qs);
}

/* The dashboard: everything for one survey and selection on one page. */
int
dashboard_page(struct app *app, struct http_request *r, struct buf *b)
{
	struct report *rep = NULL, *byloc = NULL, *bych = NULL;
	struct report_query q, ql, qc;
	const char *field = NULL;
	char err[256];
	int rc;

	rc = parse_query(app, r, &q, &field);
	if (rc != 0) {
		buf_puts(b, "<p class=\"error\">Ongeldige keuze in het "
		    "filter.</p>");
		return 422;
	}
	filters(b, app, &q);
	rc = report_build(app->store, app->surveys, &q, &rep, err,
	    sizeof(err));
	if (rc != 0) {
		buf_puts(b, "<p class=\"error\">");
		buf_html(b, err);
		buf_puts(b, "</p>");
		return rc;
	}
	audit_view(app, r, rep->s->id);
	{
		struct tm tm;
		char when[32] = "";

		if (localtime_r(&rep->next_at, &tm) != NULL)
			strftime(when, sizeof(when), "%d-%m-%Y", &tm);
		buf_puts(b, "<p class=\"published\">Cijfers van afgesloten "
		    "maanden, tot en met ");
		buf_html(b, rep->through);
		buf_puts(b, ". De volgende maand verschijnt op ");
		buf_html(b, when);
		buf_puts(b, ". De lopende maand wordt nooit getoond, ook "
		    "niet als aantal.</p>");
	}
	ql = q;
	ql.by = REPORT_BY_LOCATION;
	qc = q;
	qc.by = REPORT_BY_CHANNEL;
	if (report_build(app->store, app->surveys, &ql, &byloc, err,
	    sizeof(err)) != 0 || report_build(app->store, app->surveys, &qc,
	    &bych, err, sizeof(err)) != 0) {
		buf_puts(b, "<p class=\"error\">De database is niet "
		    "bereikbaar.</p>");
		rc = 503;
		goto out;
	}
	buf_puts(b, "<h2>");
	buf_html(b, nl_text(json_object_get(rep->s->def, "title")));
	buf_puts(b, "</h2><p class=\"jump\"><a href=\"#delen\">Delen en "
	    "printen (QR-codes, posters)</a> · <a href=\"/admin/goals?survey=");
	buf_html(b, rep->s->id);
	buf_puts(b, "\">Doelen van de pilot</a></p>");
	if (rep->grand.hidden)
		buf_printf(b, "<p>Nog minder dan %lld reacties in deze "
		    "selectie.</p>", rep->qy.k);
	else
		buf_printf(b, "<p>%lld reacties in deze selectie.</p>",
		    rep->grand.c.n);
	headline(b, rep);
	buf_puts(b, "<figure class=\"trend\"><figcaption>Tevredenheid "
	    "(0–10) per ");
	buf_puts(b, q.quarter ? "kwartaal" : "maand");
	buf_puts(b, ", met 95%-interval; groene lijn: doel, stippellijn: "
	    "nulmeting.</figcaption>");
	svg_trend(b, rep, rep->ptotal, 1, 720, 260, 0, "Tevredenheid per "
	    "periode");
	buf_puts(b, "</figure><p class=\"note\"><small>Een reactie telt in "
	    "de maand van de week waarin zij binnenkwam (de maand van de "
	    "donderdag van die week). Een reactie van maandag 31 maart telt "
	    "zo soms bij april.</small></p>");
	export_links(b, &q);
	if (q.location == NULL)
		small_multiples(b, app, byloc, "Per locatie");
	small_multiples(b, app, bych, "Per kanaal");
	participation(b, bych);
	participation_sms(b, rep);
	themes(b, rep);
	distributions(b, rep);
	comments(b, app, rep, http_request_auth(r));
	links(b, app, rep);
	rc = 200;
out:
	report_free(rep);
	report_free(byloc);
	report_free(bych);
	return rc;
}
