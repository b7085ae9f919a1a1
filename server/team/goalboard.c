/*
 * goalboard.c — the goal board (/admin/goals), its JSON
 * (/admin/api/goals) and the printable quarterly report
 * (/admin/goals/report): the numbers come from goals.c, which reads only
 * the protected table set; here they are put in words, tables and SVG.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"
#include "app.h"
#include "auth.h"
#include "goals.h"
#include "store_team.h"
#include "util.h"

#define GOALS_PAGE_MAX	(4 * 1024 * 1024)

static const char goals_stylesheet[] =
	".goals td.num{text-align:right;white-space:nowrap}"
	".goals .gv{font-weight:600}"
	".v-good{color:#11652b}.v-bad{color:#a4262c}.v-flat{color:#1a1a1a}"
	".v-too_few{color:#555}.spark{vertical-align:middle}"
	".surveys a{margin-right:1rem}.howto{max-width:48rem}"
	".sheet h1{font-size:1.3rem;margin:.2rem 0}"
	".sheet h2{font-size:1.05rem;margin:.6rem 0 .2rem}"
	".sheet table{font-size:.8rem;margin:.3rem 0}"
	".sheet p{margin:.3rem 0;font-size:.85rem}"
	".sheet th,.sheet td{padding:.15rem .35rem}"
	"@page{size:A4 portrait;margin:12mm}"
	"@media print{body{font-size:10pt}.noprint{display:none}"
	"main{padding:0;max-width:none}"
	".sheet{break-after:page;page-break-after:always}"
	".sheet:last-child{break-after:auto;page-break-after:auto}}";

int
admin_goals_css(struct app *app, struct http_request *r)
{
	(void)app;
	http_reply_data(r, "text/css; charset=utf-8", goals_stylesheet,
	    sizeof(goals_stylesheet) - 1, 0);
	return 200;
}

/* A value of the goal's measure: "7,4", "3,8" or "42%". */
static void
put_value(struct buf *b, const struct survey_goal *g, double v)
{
	if (g->measure == SURVEY_GOAL_SHARE) {
		nl_num(b, v, 0);
		buf_puts(b, "%");
	} else {
		nl_num(b, v, 1);
	}
}

/* A change: "+0,3 punt", "−5 procentpunt". */
static void
put_change(struct buf *b, const struct survey_goal *g, double v)
{
	int share = g->measure == SURVEY_GOAL_SHARE;
	double shown = share ? round(v) : round(v * 10) / 10;

	buf_puts(b, shown > 0 ? "+" : shown < 0 ? "−" : "");
	nl_num(b, fabs(v), share ? 0 : 1);
	buf_puts(b, share ? " procentpunt" : " punt");
}

static void
scale_of(const struct survey *s, const struct survey_goal *g, double *lo,
    double *hi)
{
	*lo = 0;
	*hi = g->measure == SURVEY_GOAL_SHARE ? 100 : 10;
	if (g->measure == SURVEY_GOAL_MEAN && g->question >= 0) {
		*lo = (double)s->questions[g->question].min;
		*hi = (double)s->questions[g->question].max;
	}
}

static void
put_scale(struct buf *b, const struct survey *s, const struct survey_goal *g)
{
	double lo, hi;

	scale_of(s, g, &lo, &hi);
	if (g->measure == SURVEY_GOAL_SHARE) {
		buf_puts(b, "percentage");
		return;
	}
	buf_puts(b, "schaal ");
	nl_num(b, lo, 0);
	buf_puts(b, "–");
	nl_num(b, hi, 0);
}

/* The line of one goal per quarter, with its target dashed. */
static void
svg_spark(struct buf *b, const struct goal_board *bd,
    const struct goal_result *res, double w, double h)
{
	const struct survey_goal *g = res->g;
	double lo, hi, pad = 3;
	size_t i, shown = 0;
	int pen = 0;

	scale_of(bd->s, g, &lo, &hi);
	buf_printf(b, "<svg class=\"spark\" width=\"%.0f\" height=\"%.0f\" "
	    "viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", w, h, w, h);
	buf_puts(b, "Verloop per kwartaal: ");
	for (i = 0; i < bd->np; i++) {
		if (!res->series[i].has)
			continue;
		if (shown++ > 0)
			buf_puts(b, "; ");
		buf_html(b, bd->periods[i]);
		buf_puts(b, " ");
		put_value(b, g, res->series[i].value);
	}
	if (shown == 0)
		buf_puts(b, "nog geen kwartaal met genoeg reacties");
	buf_puts(b, "\">");
#define SX(i)	(bd->np <= 1 ? w / 2 : pad + (double)(i) * (w - 2 * pad) / \
	(double)(bd->np - 1))
#define SY(v)	(pad + (hi - (v)) * (h - 2 * pad) / (hi - lo))
	buf_printf(b, "<line x1=\"0\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" "
	    "stroke=\"#11652b\" stroke-dasharray=\"3 2\"/>", w, SY(g->target),
	    SY(g->target));
	buf_puts(b, "<path fill=\"none\" stroke=\"#0b4f6c\" stroke-width=\"2\" "
	    "d=\"");
	for (i = 0; i < bd->np; i++) {
		if (!res->series[i].has) {
			pen = 0;
			continue;
		}
		buf_printf(b, "%c%.1f %.1f ", pen ? 'L' : 'M', SX(i),
		    SY(res->series[i].value));
		pen = 1;
	}
	buf_puts(b, "\"/>");
	for (i = 0; i < bd->np; i++)
		if (res->series[i].has)
			buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" "
			    "fill=\"#0b4f6c\"/>", SX(i),
			    SY(res->series[i].value));
#undef SX
#undef SY
	buf_puts(b, "</svg>");
}

static void
put_verdict(struct buf *b, enum goal_outcome o)
{
	buf_puts(b, "<span class=\"gv v-");
	buf_puts(b, goals_outcome_code(o));
	buf_puts(b, "\">");
	buf_puts(b, goals_outcome_text(o));
	buf_puts(b, "</span>");
}

static const char *
location_name(struct app *app, const char *id)
{
	const struct survey_location *l = survey_set_location(app->surveys,
	    id);

	return l != NULL ? nl_text(l->name) : id;
}

static void
put_goal_text(struct buf *b, const struct survey_goal *g)
{
	if (g->text != NULL)
		buf_html(b, nl_text(g->text));
	else
		buf_puts(b, "Tevredenheid stijgt");
}

/* The main table: one row per goal, for every location together. */
static void
goal_table(struct buf *b, const struct goal_board *bd, int spark)
{
	const struct survey *s = bd->s;
	const char *latest = bd->np > 0 ? bd->periods[bd->np - 1] : NULL;
	size_t i;

	buf_puts(b, "<table class=\"goals\"><caption>Alle locaties samen"
	    "</caption><thead><tr><th scope=\"col\">Doel</th>"
	    "<th scope=\"col\">Nulmeting</th><th scope=\"col\">");
	if (latest != NULL) {
		buf_puts(b, "Laatste kwartaal (");
		buf_html(b, latest);
		buf_puts(b, ")");
	} else {
		buf_puts(b, "Laatste kwartaal");
	}
	buf_puts(b, "</th><th scope=\"col\">Streefwaarde</th>"
	    "<th scope=\"col\">Verandering sinds nulmeting</th>"
	    "<th scope=\"col\">Per jaar</th><th scope=\"col\">Oordeel</th>");
	if (spark)
		buf_puts(b, "<th scope=\"col\">Verloop</th>");
	buf_puts(b, "</tr></thead><tbody>");
	for (i = 0; i < s->ngoals; i++) {
		const struct goal_result *res = &bd->all.results[i];
		const struct survey_goal *g = res->g;

		buf_puts(b, "<tr><th scope=\"row\">");
		put_goal_text(b, g);
		buf_puts(b, " <small>(");
		put_scale(b, s, g);
		buf_puts(b, g->down ? ", lager is beter" : ", hoger is beter");
		buf_puts(b, ")</small></th><td class=\"num\">");
		if (res->has_base)
			put_value(b, g, res->base);
		else
			buf_puts(b, "geen gegevens");
		buf_puts(b, " <small>");
		buf_html(b, g->base_from);
		buf_puts(b, " t/m ");
		buf_html(b, g->base_to);
		buf_puts(b, "</small></td><td class=\"num\">");
		if (res->has_latest) {
			put_value(b, g, res->latest);
			buf_printf(b, " <small>(%lld antwoorden)</small>",
			    res->latest_n);
		} else {
			buf_puts(b, "nog te weinig reacties");
		}
		buf_puts(b, "</td><td class=\"num\">");
		put_value(b, g, g->target);
		buf_puts(b, "</td><td class=\"num\">");
		if (res->has_change)
			put_change(b, g, res->change);
		else
			buf_puts(b, "–");
		buf_puts(b, "</td><td class=\"num\">");
		if (res->has_per_year)
			put_change(b, g, res->per_year);
		else
			buf_puts(b, "–");
		buf_puts(b, "</td><td>");
		put_verdict(b, res->outcome);
		buf_puts(b, "</td>");
		if (spark) {
			buf_puts(b, "<td>");
			svg_spark(b, bd, res, 120, 32);
			buf_puts(b, "</td>");
		}
		buf_puts(b, "</tr>");
	}
	buf_puts(b, "</tbody></table>");
}

/* Per location: the latest quarter and the verdict of every goal. */
static void
location_table(struct buf *b, struct app *app, const struct goal_board *bd,
    int spark)
{
	const struct survey *s = bd->s;
	size_t i, l;

	if (bd->nlocs == 0)
		return;
	buf_puts(b, "<table class=\"goals\"><caption>Per locatie: laatste "
	    "kwartaal en oordeel</caption><thead><tr><th scope=\"col\">Doel"
	    "</th>");
	for (l = 0; l < bd->nlocs; l++) {
		buf_puts(b, "<th scope=\"col\">");
		buf_html(b, location_name(app, bd->locs[l].location));
		buf_puts(b, "</th>");
	}
	buf_puts(b, "</tr></thead><tbody>");
	for (i = 0; i < s->ngoals; i++) {
		buf_puts(b, "<tr><th scope=\"row\">");
		put_goal_text(b, &s->goals[i]);
		buf_puts(b, "</th>");
		for (l = 0; l < bd->nlocs; l++) {
			const struct goal_result *res =
			    &bd->locs[l].results[i];

			buf_puts(b, "<td>");
			if (res->has_latest) {
				put_value(b, res->g, res->latest);
				buf_puts(b, "<br>");
			}
			put_verdict(b, res->outcome);
			if (spark) {
				buf_puts(b, "<br>");
				svg_spark(b, bd, res, 90, 24);
			}
			buf_puts(b, "</td>");
		}
		buf_puts(b, "</tr>");
	}
	buf_puts(b, "</tbody></table>");
}

static void
how_to_read(struct buf *b, const struct goal_board *bd)
{
	buf_puts(b, "<p class=\"howto\"><strong>Zo leest u dit.</strong> "
	    "Elk doel is een vraag uit de vragenlijst. De nulmeting is de "
	    "periode waarmee we vergelijken. Het oordeel komt uit een "
	    "toets op alle afgesloten kwartalen samen: alleen als de lijn "
	    "duidelijk stijgt of daalt, zeggen we dat het doel de goede of "
	    "de verkeerde kant op gaat. ‘Per jaar’ is de verandering die "
	    "bij die lijn hoort. ");
	buf_printf(b, "Groepen met minder dan %lld reacties tonen we niet, "
	    "zodat niemand te herkennen is: daar staat ‘nog te weinig "
	    "reacties’. Het lopende kwartaal telt pas mee als het voorbij "
	    "is.</p>", bd->k);
}

static void
board_section(struct buf *b, struct app *app, const struct goal_board *bd,
    int level, int report)
{
	const struct survey *s = bd->s;

	buf_printf(b, "<h%d>", level);
	buf_html(b, nl_audience(s));
	buf_puts(b, ": ");
	buf_html(b, nl_text(json_object_get(s->def, "title")));
	buf_printf(b, "</h%d><p>", level);
	if (bd->np > 0) {
		buf_puts(b, "Kwartalen ");
		buf_html(b, bd->periods[0]);
		buf_puts(b, " tot en met ");
		buf_html(b, bd->periods[bd->np - 1]);
		buf_puts(b, ". ");
		if (bd->all.n_hidden)
			buf_printf(b, "%lld reacties in de kwartalen met genoeg "
			    "reacties.", bd->all.n);
		else
			buf_printf(b, "%lld reacties.", bd->all.n);
	} else {
		buf_puts(b, "Nog geen afgesloten kwartaal met reacties.");
	}
	buf_printf(b, " Anonimiteitsdrempel: %lld reacties.", bd->k);
	if (bd->through[0] != '\0') {
		buf_puts(b, " Gepubliceerd tot en met de maand ");
		buf_html(b, bd->through);
		buf_puts(b, "; een kwartaal telt mee zodra zijn laatste maand "
		    "gepubliceerd is.");
	}
	buf_puts(b, "</p>");
	goal_table(b, bd, 1);
	location_table(b, app, bd, !report);
}

static void
page_top(struct buf *b, const char *title, const struct http_auth *auth,
    int nav)
{
	buf_puts(b, "<!doctype html><html lang=\"nl\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\"><title>");
	buf_html(b, title);
	buf_puts(b, " – Klankbord</title><link rel=\"stylesheet\" "
	    "href=\"/admin/admin.css\"><link rel=\"stylesheet\" "
	    "href=\"/admin/goals.css\"></head><body>");
	if (nav) {
		buf_puts(b, "<header><strong>Klankbord</strong><nav>"
		    "<a href=\"/admin/\">Overzicht</a> · <a href=\"/admin/"
		    "goals\">Doelen</a></nav><span class=\"who\">");
		buf_html(b, auth->user);
		buf_puts(b, "</span></header>");
	}
	buf_puts(b, "<main>");
}

/* The surveys a request is about: ?survey=ID, or every one with goals. */
static int
chosen(struct app *app, struct http_request *r, const struct survey **out,
    size_t max, size_t *n)
{
	const char *id = http_request_query(r, "survey");
	size_t i;

	*n = 0;
	if (id != NULL && *id != '\0') {
		out[0] = survey_set_find(app->surveys, id, 0);
		if (out[0] == NULL)
			return 404;
		*n = 1;
		return 0;
	}
	for (i = 0; i < survey_set_count(app->surveys) && *n < max; i++)
		if (survey_set_at(app->surveys, i)->ngoals > 0)
			out[(*n)++] = survey_set_at(app->surveys, i);
	return 0;
}

#define GOALS_SURVEYS_MAX	32

static void
audit(struct app *app, struct http_request *r, const char *action)
{
	const char *id = http_request_query(r, "survey");

	char detail[96];

	if (strcmp(http_request_method(r), "HEAD") == 0)
		return;		/* headers only: nothing was seen */
	/* As the dashboard's views: "survey=ID" (NEN 7513: who saw what). */
	snprintf(detail, sizeof(detail), "survey=%.48s", id != NULL &&
	    *id != '\0' ? id : "(all)");
	(void)store_audit_add(app->store, http_request_auth(r)->user, action,
	    detail);
}

static int
board_page(struct app *app, struct http_request *r, int report)
{
	const struct survey *list[GOALS_SURVEYS_MAX];
	struct buf b;
	size_t n, i;
	char err[256];
	int rc;

	if (chosen(app, r, list, GOALS_SURVEYS_MAX, &n) != 0)
		return http_reply_error(r, 404, "not_found", "survey",
		    "there is no such survey");
	audit(app, r, report ? "view goals report" : "view goals");
	buf_init(&b, GOALS_PAGE_MAX);
	page_top(&b, report ? "Kwartaalverslag doelen" : "Doelen van de pilot",
	    http_request_auth(r), !report);
	if (!report) {
		buf_puts(&b, "<h1>Doelen van de pilot</h1><p class=\"surveys "
		    "noprint\">Kies: <a href=\"/admin/goals\">alle "
		    "vragenlijsten</a>");
		for (i = 0; i < survey_set_count(app->surveys); i++) {
			const struct survey *s = survey_set_at(app->surveys, i);

			if (s->ngoals == 0)
				continue;
			buf_puts(&b, "<a href=\"/admin/goals?survey=");
			buf_html(&b, s->id);
			buf_puts(&b, "\">");
			buf_html(&b, nl_audience(s));
			buf_puts(&b, "</a>");
		}
		buf_puts(&b, "· <a href=\"/admin/goals/report");
		if (n == 1) {
			buf_puts(&b, "?survey=");
			buf_html(&b, list[0]->id);
		}
		buf_puts(&b, "\">Kwartaalverslag om te printen</a></p>");
	}
	for (i = 0; i < n; i++) {
		struct goal_board *bd = NULL;

		rc = goals_build(app->store, app->surveys, list[i]->id,
		    app->anonymity_k, 0, app->publish_lag_days, &bd, err,
		    sizeof(err));
		if (report) {
			buf_puts(&b, "<section class=\"sheet\">"
			    "<h1>Kwartaalverslag voor de stuurgroep");
			if (rc == 0 && bd->np > 0) {
				buf_puts(&b, ": ");
				buf_html(&b, bd->periods[bd->np - 1]);
			}
			buf_puts(&b, "</h1>");
		} else
			buf_puts(&b, "<section>");
		if (rc != 0) {
			buf_puts(&b, "<p class=\"error\">");
			buf_html(&b, err);
			buf_puts(&b, "</p></section>");
			continue;
		}
		board_section(&b, app, bd, 2, report);
		if (report || i + 1 == n)
			how_to_read(&b, bd);
		buf_puts(&b, "</section>");
		goals_free(bd);
	}
	if (n == 0)
		buf_puts(&b, "<p>Geen vragenlijst heeft doelen.</p>");
	return admin_page_end(r, &b, 200);
}

int
admin_goals_page(struct app *app, struct http_request *r)
{
	return board_page(app, r, 0);
}

int
admin_goals_report(struct app *app, struct http_request *r)
{
	return board_page(app, r, 1);
}

static json_t *
jnum(const struct survey_goal *g, int has, double v)
{
	if (!has || !isfinite(v))
		return json_null();
	if (g->measure == SURVEY_GOAL_SHARE)
		return json_real(round(v * 10) / 10);
	return json_real(round(v * 100) / 100);
}

static json_t *
result_json(const struct goal_board *bd, const struct goal_result *res)
{
	const struct survey_goal *g = res->g;
	json_t *o = json_object(), *series = json_array(), *m;
	char base[16];
	size_t i;

	json_object_set_new(o, "id", json_string(g->id));
	if (g->text != NULL)
		json_object_set(o, "text", g->text);
	m = json_object();
	json_object_set_new(m, "type", json_string(g->measure ==
	    SURVEY_GOAL_SATISFACTION ? "satisfaction" : g->measure ==
	    SURVEY_GOAL_MEAN ? "mean" : "share"));
	if (g->question >= 0)
		json_object_set_new(m, "question",
		    json_string(bd->s->questions[g->question].id));
	if (g->measure == SURVEY_GOAL_SHARE) {
		json_t *vals = json_array();

		for (i = 0; i < g->nshare; i++)
			json_array_append_new(vals,
			    json_string(g->share_of[i]));
		json_object_set_new(m, "share_of", vals);
	}
	json_object_set_new(o, "measure", m);
	json_object_set_new(o, "direction", json_string(g->down ? "down" :
	    "up"));
	json_object_set_new(o, "target", json_real(g->target));
	snprintf(base, sizeof(base), "%s/%s", g->base_from, g->base_to);
	json_object_set_new(o, "baseline", json_pack("{s:s, s:o, s:I}",
	    "period", base, "value", jnum(g, res->has_base, res->base), "n",
	    (json_int_t)(res->has_base ? res->base_n : 0)));
	json_object_set_new(o, "latest", json_pack("{s:o, s:o, s:I}",
	    "period", bd->np > 0 ? json_string(bd->periods[bd->np - 1]) :
	    json_null(), "value", jnum(g, res->has_latest, res->latest), "n",
	    (json_int_t)(res->has_latest ? res->latest_n : 0)));
	json_object_set_new(o, "change_since_baseline", jnum(g,
	    res->has_change, res->change));
	if (res->has_per_year)
		json_object_set_new(o, "per_year", json_pack("{s:o, s:[o, o]}",
		    "change", jnum(g, 1, res->per_year), "ci", jnum(g, 1,
		    res->per_year_lo), jnum(g, 1, res->per_year_hi)));
	else
		json_object_set_new(o, "per_year", json_null());
	json_object_set_new(o, "verdict", json_pack("{s:s, s:s}", "code",
	    goals_outcome_code(res->outcome), "text",
	    goals_outcome_text(res->outcome)));
	for (i = 0; i < bd->np; i++)
		json_array_append_new(series, json_pack("{s:s, s:o}", "period",
		    bd->periods[i], "value", jnum(g, res->series[i].has,
		    res->series[i].value)));
	json_object_set_new(o, "series", series);
	return o;
}

static json_t *
row_json(const struct goal_board *bd, const struct goal_row *row)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < bd->s->ngoals; i++)
		json_array_append_new(a, result_json(bd, &row->results[i]));
	return a;
}

static json_t *
board_json(const struct goal_board *bd)
{
	json_t *o = json_object(), *periods = json_array(), *locs = json_array();
	size_t i;

	json_object_set_new(o, "survey", json_string(bd->s->id));
	json_object_set_new(o, "version", json_integer(bd->s->version));
	json_object_set(o, "title", json_object_get(bd->s->def, "title"));
	json_object_set_new(o, "audience", json_string(nl_audience(bd->s)));
	json_object_set_new(o, "k", json_integer(bd->k));
	json_object_set_new(o, "interval", json_string("quarter"));
	for (i = 0; i < bd->np; i++)
		json_array_append_new(periods, json_string(bd->periods[i]));
	json_object_set_new(o, "periods", periods);
	json_object_set_new(o, "through", json_string(bd->through));
	json_object_set_new(o, "latest_period", bd->np > 0 ?
	    json_string(bd->periods[bd->np - 1]) : json_null());
	json_object_set_new(o, "goals", row_json(bd, &bd->all));
	for (i = 0; i < bd->nlocs; i++)
		json_array_append_new(locs, json_pack("{s:s, s:o}", "location",
		    bd->locs[i].location, "goals", row_json(bd,
		    &bd->locs[i])));
	json_object_set_new(o, "locations", locs);
	return o;
}

int
admin_api_goals(struct app *app, struct http_request *r)
{
	const struct survey *list[GOALS_SURVEYS_MAX];
	json_t *all = json_array();
	size_t n, i;
	char err[256];
	int rc;

	if (chosen(app, r, list, GOALS_SURVEYS_MAX, &n) != 0) {
		json_decref(all);
		return http_reply_error(r, 404, "not_found", "survey",
		    "there is no such survey");
	}
	audit(app, r, "view goals api");
	for (i = 0; i < n; i++) {
		struct goal_board *bd = NULL;

		rc = goals_build(app->store, app->surveys, list[i]->id,
		    app->anonymity_k, 0, app->publish_lag_days, &bd, err,
		    sizeof(err));
		if (rc != 0) {
			json_decref(all);
			return http_reply_error(r, rc, rc == 404 ? "not_found" :
			    "unavailable", NULL, err);
		}
		json_array_append_new(all, board_json(bd));
		goals_free(bd);
	}
	if (n == 1 && http_request_query(r, "survey") != NULL) {
		json_t *one = json_incref(json_array_get(all, 0));

		json_decref(all);
		http_reply_json(r, one);
	} else {
		http_reply_json(r, json_pack("{s:o}", "surveys", all));
	}
	return 200;
}
