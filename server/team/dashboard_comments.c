/*
 * dashboard_comments.c — the respondents' comments on the dashboard: those
 * the anonymity rules allow, in random order, without the ones an admin
 * hid, and the admin's button that hides one everywhere.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"
#include "app.h"
#include "auth.h"
#include "dashboard.h"
#include "dashboard_priv.h"
#include "report.h"
#include "store_results.h"
#include "store_team.h"
#include "util.h"

#define COMMENTS_READ	5000
#define COMMENTS_SHOWN	100

struct hidden {
	long long	 *id;
	char		**q;
	size_t		  n;
};

static void
hidden_cb(long long id, const char *question, void *arg)
{
	struct hidden *h = arg;

	h->id = xrealloc(h->id, (h->n + 1) * sizeof(*h->id));
	h->q = xrealloc(h->q, (h->n + 1) * sizeof(*h->q));
	h->id[h->n] = id;
	h->q[h->n++] = xstrdup(question);
}

static int
is_hidden(const struct hidden *h, long long id, const char *question)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->id[i] == id && strcmp(h->q[i], question) == 0)
			return 1;
	return 0;
}

struct comments_ctx {
	struct buf		*b;
	struct app		*app;
	const struct report	*rep;
	const struct http_auth	*auth;
	struct hidden		 hidden;
	int			 shown;
};

static void
comment_cb(long long id, const char *week, const char *location,
    const char *answers, void *arg)
{
	struct comments_ctx *cc = arg;
	const struct survey_location *l;
	char month[8];
	json_t *a;
	size_t i;

	if (cc->shown >= COMMENTS_SHOWN || stats_month_of_week(week, month) ==
	    -1 || !report_comment_allowed(cc->rep, month, location))
		return;
	a = json_loads(answers, 0, NULL);
	if (a == NULL)
		return;
	for (i = 0; i < cc->rep->s->nquestions; i++) {
		const struct survey_question *q = &cc->rep->s->questions[i];
		const char *t;

		if (q->type != SURVEY_Q_TEXT || is_hidden(&cc->hidden, id,
		    q->id))
			continue;
		t = json_string_value(json_object_get(a, q->id));
		if (t == NULL)
			continue;
		l = survey_set_location(cc->app->surveys, location);
		buf_puts(cc->b, "<li><blockquote>");
		buf_html(cc->b, t);
		buf_puts(cc->b, "</blockquote><small>");
		buf_html(cc->b, month);
		buf_puts(cc->b, " · ");
		buf_html(cc->b, l ? nl_text(l->name) : location);
		buf_puts(cc->b, "</small>");
		if (cc->auth->role == AUTH_ROLE_ADMIN && !cc->auth->via_key) {
			buf_printf(cc->b, "<form method=\"post\" "
			    "action=\"/admin/comments/hide\" class=\"hide\">"
			    "<input type=\"hidden\" name=\"id\" "
			    "value=\"%lld\"><input type=\"hidden\" "
			    "name=\"question\" value=\"", id);
			buf_html(cc->b, q->id);
			buf_puts(cc->b, "\"><input type=\"hidden\" "
			    "name=\"survey\" value=\"");
			buf_html(cc->b, cc->rep->s->id);
			buf_puts(cc->b, "\"><input type=\"hidden\" "
			    "name=\"csrf\" value=\"");
			buf_html(cc->b, cc->auth->csrf);
			buf_puts(cc->b, "\"><button type=\"submit\">Verbergen"
			    "</button></form>");
		}
		buf_puts(cc->b, "</li>");
		cc->shown++;
	}
	json_decref(a);
}

void
comments(struct buf *b, struct app *app, const struct report *rep,
    const struct http_auth *auth)
{
	struct comments_ctx cc;
	size_t i;

	memset(&cc, 0, sizeof(cc));
	cc.b = b;
	cc.app = app;
	cc.rep = rep;
	cc.auth = auth;
	buf_printf(b, "<h2>Opmerkingen</h2><p><small>Alleen uit afgesloten "
	    "maanden, uit groepen (maand en locatie) met minstens %lld "
	    "reacties, in willekeurige volgorde; telefoonnummers, "
	    "e-mailadressen, postcodes en BSN's zijn weggelaten. Een "
	    "beheerder kan een opmerking die toch iemand herkenbaar maakt "
	    "verbergen.</small></p><ul class=\"comments\">", rep->k);
	if (store_hidden_comments(app->store, hidden_cb, &cc.hidden) == -1 ||
	    store_comments(app->store, rep->s->id, COMMENTS_READ,
	    comment_cb, &cc) == -1)
		buf_puts(b, "<li>(niet te lezen)</li>");
	if (cc.shown == 0)
		buf_puts(b, "<li>Nog geen opmerkingen om te tonen.</li>");
	buf_puts(b, "</ul>");
	for (i = 0; i < cc.hidden.n; i++)
		free(cc.hidden.q[i]);
	free(cc.hidden.id);
	free(cc.hidden.q);
}

int
dashboard_comment_hide(struct app *app, struct http_request *r)
{
	const char *id = http_request_form(r, "id");
	const char *question = http_request_form(r, "question");
	const char *survey = http_request_form(r, "survey");
	char detail[160];
	long long n;

	if (id == NULL || num_parse(id, 1, INT64_MAX, &n) == -1)
		return http_reply_error(r, 422, "invalid", "id",
		    "id is the comment's number");
	if (question == NULL || !ident_valid(question, 48, "_-"))
		return http_reply_error(r, 422, "invalid", "question",
		    "question is a question id");
	if (store_comment_hide(app->store, n, question) == -1)
		return http_reply_error(r, 503, "unavailable", NULL,
		    "the database could not be written");
	/* The audit names the comment, never its text. */
	snprintf(detail, sizeof(detail), "comment %lld/%s", n, question);
	(void)store_audit_add(app->store, http_request_auth(r)->user,
	    "hide comment", detail);
	{
		char to[96];

		snprintf(to, sizeof(to), "/admin/?survey=%s", survey != NULL &&
		    ident_valid(survey, 48, "_-") ? survey : "");
		http_reply_header(r, "Location", to);
	}
	return http_reply_error(r, 303, "see_other", NULL, "hidden");
}
