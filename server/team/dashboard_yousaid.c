/*
 * dashboard_yousaid.c — "you said, we did": the team's editor for the text
 * a survey shows at its end, per location or for all, its saving, and the
 * copy in memory every respondent's page reads.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"
#include "app.h"
#include "dashboard.h"
#include "dashboard_priv.h"
#include "store_team.h"
#include "util.h"

#define YOUSAID_MAX	1000

struct yousaid_ctx {
	struct buf	*b;
	struct app	*app;
};

static void
yousaid_row(const char *const *cols, void *arg)
{
	struct yousaid_ctx *yc = arg;
	json_t *texts = json_loads(cols[2] ? cols[2] : "{}", 0, NULL);
	const char *lang;
	json_t *v;

	buf_puts(yc->b, "<tr><td>");
	buf_html(yc->b, cols[0] ? cols[0] : "");
	buf_puts(yc->b, "</td><td>");
	buf_html(yc->b, cols[1] && *cols[1] ? cols[1] : "(alle locaties)");
	buf_puts(yc->b, "</td><td>");
	json_object_foreach(texts, lang, v) {
		buf_puts(yc->b, "<p><strong>");
		buf_html(yc->b, lang);
		buf_puts(yc->b, "</strong>: ");
		buf_html(yc->b, json_string_value(v) ? json_string_value(v) :
		    "");
		buf_puts(yc->b, "</p>");
	}
	buf_puts(yc->b, "</td><td>");
	buf_html(yc->b, cols[3] ? cols[3] : "");
	buf_puts(yc->b, "</td></tr>");
	json_decref(texts);
}

int
dashboard_yousaid_page(struct app *app, struct http_request *r,
    struct buf *b, const char *message)
{
	const struct http_auth *auth = http_request_auth(r);
	struct yousaid_ctx yc = { b, app };
	size_t i;

	if (message != NULL) {
		buf_puts(b, "<p class=\"notice\" role=\"status\">");
		buf_html(b, message);
		buf_puts(b, "</p>");
	}
	buf_puts(b, "<p>Wat deden jullie met de antwoorden? Deze tekst ziet "
	    "iedereen aan het eind van de vragenlijst. Schrijf kort en in "
	    "gewone woorden (B1).</p><table><thead><tr><th>Vragenlijst</th>"
	    "<th>Locatie</th><th>Tekst</th><th>Bijgewerkt (UTC)</th></tr>"
	    "</thead><tbody>");
	if (store_yousaid_list(app->store, yousaid_row, &yc) == -1)
		buf_puts(b, "<tr><td colspan=\"4\">(niet te lezen)</td></tr>");
	buf_puts(b, "</tbody></table><h2>Tekst schrijven of vervangen</h2>"
	    "<form method=\"post\" action=\"/admin/yousaid\"><input "
	    "type=\"hidden\" name=\"csrf\" value=\"");
	buf_html(b, auth->csrf);
	buf_puts(b, "\"><label for=\"ys-survey\">Vragenlijst</label><select "
	    "id=\"ys-survey\" name=\"survey\">");
	for (i = 0; i < survey_set_count(app->surveys); i++) {
		const struct survey *s = survey_set_at(app->surveys, i);

		select_opt(b, s->id, nl_text(json_object_get(s->def, "title")),
		    NULL);
	}
	buf_puts(b, "</select><label for=\"ys-loc\">Locatie</label><select "
	    "id=\"ys-loc\" name=\"loc\">");
	select_opt(b, "", "alle locaties", NULL);
	for (i = 0; i < survey_set_location_count(app->surveys); i++) {
		const struct survey_location *l =
		    survey_set_location_at(app->surveys, i);

		select_opt(b, l->id, nl_text(l->name), NULL);
	}
	buf_printf(b, "</select><label for=\"ys-nl\">Nederlands</label>"
	    "<textarea id=\"ys-nl\" name=\"nl\" rows=\"3\" cols=\"60\" "
	    "maxlength=\"%d\"></textarea><label for=\"ys-en\">English</label>"
	    "<textarea id=\"ys-en\" name=\"en\" rows=\"3\" cols=\"60\" "
	    "maxlength=\"%d\"></textarea><p><button type=\"submit\">Opslaan"
	    "</button></p></form><p><small>Leeg laten wist de tekst."
	    "</small></p>", YOUSAID_MAX, YOUSAID_MAX);
	return 200;
}

static void
yousaid_forget(struct app *app)
{
	pthread_mutex_lock(&app->yousaid_mtx);
	json_decref(app->yousaid);
	app->yousaid = NULL;
	app->yousaid_gen++;
	pthread_mutex_unlock(&app->yousaid_mtx);
}

unsigned
dashboard_yousaid_generation(struct app *app)
{
	unsigned g;

	pthread_mutex_lock(&app->yousaid_mtx);
	g = app->yousaid_gen;
	pthread_mutex_unlock(&app->yousaid_mtx);
	return g;
}

/* Saves a text; 0, or a status with *message set for the page. */
int
dashboard_yousaid_save(struct app *app, struct http_request *r,
    const char **message)
{
	const char *survey = http_request_form(r, "survey");
	const char *loc = http_request_form(r, "loc");
	const char *langs[] = { "nl", "en" };
	json_t *texts = json_object();
	char *js;
	size_t i;
	int rc = 422;

	if (survey == NULL || survey_set_find(app->surveys, survey, 0) ==
	    NULL) {
		*message = "Kies een bestaande vragenlijst.";
		goto out;
	}
	if (loc == NULL || (*loc != '\0' &&
	    survey_set_location(app->surveys, loc) == NULL)) {
		*message = "Kies een bestaande locatie.";
		goto out;
	}
	for (i = 0; i < KB_NELEM(langs); i++) {
		const char *t = http_request_form(r, langs[i]);
		long n;

		if (t == NULL || *t == '\0')
			continue;
		n = utf8_length(t, strlen(t));
		if (n < 0 || n > YOUSAID_MAX) {
			*message = "Een tekst is te lang (hoogstens 1000 "
			    "tekens).";
			goto out;
		}
		json_object_set_new(texts, langs[i], json_string(t));
	}
	js = json_dumps(texts, JSON_COMPACT);
	if (js == NULL || store_yousaid_set(app->store, survey, loc, js) ==
	    -1) {
		free(js);
		*message = "Opslaan lukte niet; probeer het opnieuw.";
		rc = 503;
		goto out;
	}
	free(js);
	{
		char detail[128];

		snprintf(detail, sizeof(detail), "%s/%s", survey,
		    *loc ? loc : "*");
		(void)store_audit_add(app->store, http_request_auth(r)->user,
		    "you said we did", detail);
	}
	yousaid_forget(app);
	*message = "Opgeslagen.";
	rc = 0;
out:
	json_decref(texts);
	return rc;
}

/*
 * The texts shown at the end of a survey, kept in memory: every respondent
 * page needs them, and they change only when an admin saves one.
 */
static void
yousaid_cache_row(const char *const *cols, void *arg)
{
	json_t *texts;

	if (cols[0] == NULL || cols[1] == NULL || cols[2] == NULL)
		return;
	texts = json_loads(cols[2], 0, NULL);
	/* An emptied text is no text: the general one shows instead. */
	if (texts == NULL || json_object_size(texts) == 0) {
		json_decref(texts);
		return;
	}
	json_array_append_new(arg, json_pack("[s, s, o]", cols[0], cols[1],
	    texts));
}

json_t *
dashboard_yousaid_for(struct app *app, const char *survey, const char *loc)
{
	json_t *row, *best = NULL;
	size_t i;

	pthread_mutex_lock(&app->yousaid_mtx);
	if (app->yousaid == NULL) {
		app->yousaid = json_array();
		if (store_yousaid_list(app->store, yousaid_cache_row,
		    app->yousaid) == -1) {
			json_decref(app->yousaid);
			app->yousaid = NULL;
		}
	}
	json_array_foreach(app->yousaid, i, row) {
		const char *s = json_string_value(json_array_get(row, 0));
		const char *l = json_string_value(json_array_get(row, 1));

		if (strcmp(s, survey) != 0)
			continue;
		if (strcmp(l, loc) == 0) {
			best = json_array_get(row, 2);
			break;
		}
		if (*l == '\0')
			best = json_array_get(row, 2);
	}
	best = best ? json_deep_copy(best) : NULL;
	pthread_mutex_unlock(&app->yousaid_mtx);
	return best;
}

void
dashboard_free(struct app *app)
{
	json_decref(app->yousaid);
	app->yousaid = NULL;
}
