/*
 * dashboard.c — what the project team's view of the results starts from:
 * a request's filters read into a report query, the view written to the
 * audit log, and the stats API and CSV export built from them; and
 * numbers, texts and choices as the team reads them, which the dashboard's
 * files share.  The page is in dashboard_page.c, its charts in
 * dashboard_chart.c, its comments in dashboard_comments.c; "you said, we
 * did" is in dashboard_yousaid.c.  Every figure comes from report.c, so the
 * page, the JSON and the CSV suppress exactly the same cells.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "dashboard_priv.h"
#include "report.h"
#include "store_team.h"
#include "util.h"

#define PAGE_MAX	(8 * 1024 * 1024)

/* Reads ?survey, from, to, interval, by, loc into q; 0 or a status. */
int
parse_query(struct app *app, struct http_request *r, struct report_query *q,
    const char **field)
{
	const char *by = http_request_query(r, "by");
	const char *iv = http_request_query(r, "interval");

	memset(q, 0, sizeof(*q));
	q->survey = http_request_query(r, "survey");
	if (q->survey == NULL || *q->survey == '\0')
		q->survey = survey_set_count(app->surveys) > 0 ?
		    survey_set_at(app->surveys, 0)->id : "";
	q->from = http_request_query(r, "from");
	q->to = http_request_query(r, "to");
	if (q->from != NULL && *q->from == '\0')
		q->from = NULL;
	if (q->to != NULL && *q->to == '\0')
		q->to = NULL;
	q->location = http_request_query(r, "loc");
	if (q->location != NULL && *q->location == '\0')
		q->location = NULL;
	q->k = app->anonymity_k;
	q->lag_days = app->publish_lag_days;
	q->quarter = report_interval_parse(iv);
	if (q->quarter < 0) {
		*field = "interval";
		return 422;
	}
	{
		const char *ks = http_request_query(r, "k");
		long long k;

		/* One may ask for a higher threshold, never a lower one. */
		if (ks != NULL && *ks != '\0') {
			if (num_parse(ks, 3, 1000, &k) == -1 ||
			    k < (long long)app->anonymity_k) {
				*field = "k";
				return 422;
			}
			q->k = k;
		}
	}
	if (report_by_parse(by) < 0) {
		*field = "by";
		return 422;
	}
	q->by = (enum report_by)report_by_parse(by);
	return 0;
}

/*
 * Writes a view of results to the audit log (NEN 7513: who saw what,
 * when): the route and its parameters.  Parameters are the team's, never
 * a respondent's.
 */
void
audit_view(struct app *app, struct http_request *r, const char *survey)
{
	static const char *const keys[] = { "from", "to", "interval", "by",
	    "loc", "k", "dialect" };
	const char *path = http_request_path(r);
	struct buf d;
	size_t i;

	if (strcmp(http_request_method(r), "HEAD") == 0)
		return;
	buf_init(&d, 1024);
	buf_printf(&d, "survey=%s", survey);
	for (i = 0; i < KB_NELEM(keys); i++) {
		const char *v = http_request_query(r, keys[i]);

		if (v != NULL && *v != '\0')
			buf_printf(&d, " %s=%.40s", keys[i], v);
	}
	(void)store_audit_add(app->store, http_request_auth(r)->user,
	    strcmp(path, "/admin/api/stats") == 0 ? "view stats" :
	    strncmp(path, "/admin/export", 13) == 0 ? "export" :
	    "view dashboard", buf_failed(&d) ? survey : buf_cstr(&d));
	buf_free(&d);
}

static int
build(struct app *app, struct http_request *r, struct report **rep)
{
	struct report_query q;
	const char *field = NULL;
	char err[256];
	int rc;

	rc = parse_query(app, r, &q, &field);
	if (rc != 0) {
		char msg[160];

		if (strcmp(field, "k") == 0)
			snprintf(msg, sizeof(msg), "k is a number from %u "
			    "(the server's threshold) to 1000",
			    app->anonymity_k);
		else
			snprintf(msg, sizeof(msg), "%s", strcmp(field, "by") ==
			    0 ? "by is none, location or channel" :
			    "interval is month, quarter or year");
		return http_reply_error(r, rc, "invalid", field, msg);
	}
	rc = report_build(app->store, app->surveys, &q, rep, err, sizeof(err));
	if (rc != 0) {
		char f[16] = "";

		/* A 422's message starts with the field at fault. */
		if (rc == 422 && strchr(err, ':') != NULL &&
		    (size_t)(strchr(err, ':') - err) < sizeof(f))
			snprintf(f, sizeof(f), "%.*s", (int)(strchr(err, ':') -
			    err), err);
		return http_reply_error(r, rc, rc == 404 ? "not_found" :
		    rc == 422 ? "invalid" : "unavailable", f[0] ? f : NULL,
		    err);
	}
	audit_view(app, r, rc == 0 ? (*rep)->s->id : "");
	return 0;
}

int
admin_api_stats(struct app *app, struct http_request *r)
{
	struct report *rep;
	int rc = build(app, r, &rep);

	if (rc != 0)
		return rc;
	http_reply_json(r, report_json(rep));
	report_free(rep);
	return 200;
}

int
admin_export_csv(struct app *app, struct http_request *r)
{
	const char *dialect = http_request_query(r, "dialect");
	struct report *rep;
	char *csv, disp[128];
	size_t len;
	int rc, excel;

	if (dialect != NULL && strcmp(dialect, "rfc4180") != 0 &&
	    strcmp(dialect, "excel") != 0)
		return http_reply_error(r, 422, "invalid", "dialect",
		    "dialect is excel (the default) or rfc4180");
	excel = dialect == NULL || strcmp(dialect, "excel") == 0;
	rc = build(app, r, &rep);
	if (rc != 0)
		return rc;
	csv = report_csv(rep, excel, &len);
	snprintf(disp, sizeof(disp), "attachment; filename=\"klankbord-%s"
	    ".csv\"", rep->s->id);
	report_free(rep);
	if (csv == NULL)
		return http_reply_error(r, 500, "internal", NULL,
		    "the export is too large");
	http_reply_text(r, excel ? "text/csv; charset=utf-8; header=present" :
	    "text/csv; charset=utf-8", csv, len);
	http_reply_header(r, "Content-Disposition", disp);
	return 200;
}

void
select_opt(struct buf *b, const char *value, const char *label,
    const char *current)
{
	buf_puts(b, "<option value=\"");
	buf_html(b, value);
	buf_puts(b, "\"");
	if (current != NULL && strcmp(current, value) == 0)
		buf_puts(b, " selected");
	buf_puts(b, ">");
	buf_html(b, label);
	buf_puts(b, "</option>");
}
