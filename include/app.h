/*
 * app.h — what every handler may use: the surveys, the store and the
 * options of this server.  Built by main.c, read-only once serving.
 */
#ifndef KB_APP_H
#define KB_APP_H

#include "http.h"
#include "store.h"
#include "survey.h"

struct web;

struct app {
	struct survey_set	*surveys;
	struct store		*store;
	struct web		*web;
	const char		*base_url;
	unsigned		 idle_seconds;
};

/* Handlers: api.c */
int	api_healthz(struct app *, struct http_request *);
int	api_surveys_list(struct app *, struct http_request *);
int	api_survey_get(struct app *, struct http_request *);
int	api_response_post(struct app *, struct http_request *);
int	api_response_finish(struct app *, struct http_request *);

/* Handlers: web.c (the respondent app's pages and assets) */
int	web_phone_page(struct app *, struct http_request *);
int	web_kiosk_page(struct app *, struct http_request *);
int	web_invite_page(struct app *, struct http_request *);
int	web_asset(struct app *, struct http_request *);

/*
 * Loads the respondent app's files from dir into memory.  Returns 0, or -1
 * with err filled when a file is missing or unreadable.
 */
int	web_load(const char *dir, struct web **out, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
void	web_free(struct web *w);

#endif
