/*
 * app.h — what every handler may use: the surveys, the store and the
 * options of this server.  Built by main.c, read-only once serving.
 */
#ifndef KB_APP_H
#define KB_APP_H

#include <pthread.h>

#include "http.h"
#include "invite.h"
#include "sms.h"
#include "store.h"
#include "survey.h"

struct web;
struct participants;
struct auth_throttle;
struct authpool;

struct app {
	struct survey_set	*surveys;
	struct store		*store;
	struct web		*web;
	struct auth_throttle	*logins;
	struct authpool		*hashes;	/* password checks (authpool.h) */
	const char		*base_url;
	const char		*db_path;
	unsigned		 idle_seconds;
	unsigned		 anonymity_k;
	int			 publish_lag_days;
	int			 release_minute;	/* after midnight */
	struct sms_config	 smscfg;
	struct sms		*sms;		/* NULL: SMS is off */
	struct invite_keys	 keys;
	const char		*sms_secret;	/* of the gateway callbacks */
	struct participants	*participants;	/* the volunteers' sign-up */
	const char		*version;	/* klankbord_build_info */

	/* The survey JSON, ready to send (api_cache_build). */
	struct http_blob	*survey_blobs;	/* as survey_set_at(i) */
	struct http_blob	 list_blob;

	/*
	 * SIGHUP swaps surveys, survey_blobs, list_blob, web, anonymity_k and
	 * idle_seconds under the write lock; the dispatcher holds the read
	 * lock while a handler runs (http.c).
	 */
	pthread_rwlock_t	 reload_lock;

	/* "You said, we did" texts, read once and again after each save. */
	pthread_mutex_t		 yousaid_mtx;
	json_t			*yousaid;	/* [[survey, loc, texts]...] */
	unsigned		 yousaid_gen;	/* bumped by every save */
};

/* Makes and frees the API's ready-to-send survey JSON. */
void	api_cache_build(struct app *);
void	api_cache_free(struct app *);

/* Handlers: api.c */
int	api_healthz(struct app *, struct http_request *);
int	api_surveys_list(struct app *, struct http_request *);
int	api_survey_get(struct app *, struct http_request *);
int	api_response_post(struct app *, struct http_request *);
int	api_response_finish(struct app *, struct http_request *);

/* Handlers: smsapi.c (invitations, gateway callbacks, opting out) */
int	sms_api_invite(struct app *, struct http_request *);
int	sms_api_status(struct app *, struct http_request *);
int	sms_api_inbound(struct app *, struct http_request *);
int	sms_api_optout(struct app *, struct http_request *);

/* Handlers: web.c (the respondent app's pages and assets) */
int	web_phone_page(struct app *, struct http_request *);
int	web_kiosk_page(struct app *, struct http_request *);
int	web_invite_page(struct app *, struct http_request *);
int	web_asset(struct app *, struct http_request *);
int	web_favicon(struct app *, struct http_request *);
int	web_home(struct app *, struct http_request *);

/* Handlers: speech.c (read-aloud audio) */
int	speech_get(struct app *, struct http_request *);

/* Handlers: admin.c (the project team's pages) */
/*
 * Closes a team page begun in b and sends it (freeing b) with status; a
 * page that outgrew its cap is a 500.
 */
struct buf;
int	admin_page_end(struct http_request *r, struct buf *b, int status);
int	admin_login_page(struct app *, struct http_request *);
int	admin_login(struct app *, struct http_request *);
int	admin_login_finish(struct app *, struct http_request *);
int	admin_logout(struct app *, struct http_request *);
int	admin_css(struct app *, struct http_request *);
int	admin_home(struct app *, struct http_request *);
int	admin_users(struct app *, struct http_request *);
int	admin_audit(struct app *, struct http_request *);
int	admin_api_whoami(struct app *, struct http_request *);
int	admin_qr_svg(struct app *, struct http_request *);
int	admin_qr_png(struct app *, struct http_request *);
int	admin_poster(struct app *, struct http_request *);
int	admin_poster_css(struct app *, struct http_request *);
int	admin_yousaid(struct app *, struct http_request *);
int	admin_yousaid_post(struct app *, struct http_request *);

/* Handlers: dashboard.c */
int	admin_api_stats(struct app *, struct http_request *);
int	admin_export_csv(struct app *, struct http_request *);

/* Handlers: goalboard.c (the goal board, its JSON and the report) */
int	admin_goals_page(struct app *, struct http_request *);
int	admin_goals_report(struct app *, struct http_request *);
int	admin_goals_css(struct app *, struct http_request *);
int	admin_api_goals(struct app *, struct http_request *);

/* Handlers: microdata.c (the anonymised export for evaluators) */
int	admin_export_microdata(struct app *, struct http_request *);

/*
 * Loads the respondent app's files from dir into memory.  Returns 0, or -1
 * with err filled when a file is missing or unreadable.
 */
int	web_load(const char *dir, struct web **out, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
void	web_free(struct web *w);

#endif
