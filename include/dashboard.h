/*
 * dashboard.h — the results pages.  Handlers for the API and export are
 * declared in app.h; these are the page bodies admin.c wraps.
 */
#ifndef KB_DASHBOARD_H
#define KB_DASHBOARD_H

#include <jansson.h>

#include "app.h"
#include "util.h"

/* Appends the dashboard for the request's filters to b; an HTTP status. */
/* POST /admin/comments/hide: hides one comment everywhere (admin). */
int	 dashboard_comment_hide(struct app *app, struct http_request *r);
int	 dashboard_page(struct app *app, struct http_request *r,
	    struct buf *b);
/* Appends the "you said, we did" editor; message (or NULL) on top. */
int	 dashboard_yousaid_page(struct app *app, struct http_request *r,
	    struct buf *b, const char *message);
/* Saves the posted text: 0, or a status; *message says what happened. */
int	 dashboard_yousaid_save(struct app *app, struct http_request *r,
	    const char **message);
/* Counts the saves of "you said" texts, so pages made before go stale. */
unsigned dashboard_yousaid_generation(struct app *app);
/* Frees what the dashboard keeps in app (the texts below). */
void	 dashboard_free(struct app *app);
/* The texts ({"nl": ...}) shown for survey at loc, or NULL; caller decrefs. */
json_t	*dashboard_yousaid_for(struct app *app, const char *survey,
	    const char *loc);

#endif
