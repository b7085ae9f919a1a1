/*
 * dashboard_priv.h — what the dashboard's files share, and nothing outside
 * server/team/ may include: the request read and audited, and numbers,
 * texts and choices as the team reads them (dashboard.c); the charts drawn
 * as SVG (dashboard_chart.c) and the comments (dashboard_comments.c) that
 * the page (dashboard_page.c) puts together.
 */
#ifndef KB_DASHBOARD_PRIV_H
#define KB_DASHBOARD_PRIV_H

#include <jansson.h>
#include <stddef.h>

#include "app.h"
#include "report.h"
#include "util.h"

/*
 * Reads ?survey, from, to, interval, by, loc and k into q, whose strings
 * point into r; 0, or a status with *field naming the parameter at fault.
 */
int	parse_query(struct app *app, struct http_request *r,
	    struct report_query *q, const char **field);
/* Writes the view of survey's results, with its filters, to the audit log. */
void	audit_view(struct app *app, struct http_request *r,
	    const char *survey);

/* Appends an <option> of value with label, selected if it is current. */
void	select_opt(struct buf *b, const char *value, const char *label,
	    const char *current);

/*
 * Appends a w × h trend chart of the cells (every stride-th, one per
 * period of rep) to b; small leaves out the axes, label is its name for
 * screen readers.
 */
void	svg_trend(struct buf *b, const struct report *rep,
	    const struct report_cell *cells, size_t stride, double w, double h,
	    int small, const char *label);
/* Appends the answers to each question in rep's selection, as bars, to b. */
void	distributions(struct buf *b, const struct report *rep);

/*
 * Appends the comments of rep's survey that may be shown to b, with a
 * button to hide each when auth is an admin's session.
 */
void	comments(struct buf *b, struct app *app, const struct report *rep,
	    const struct http_auth *auth);

#endif
