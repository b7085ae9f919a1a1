/*
 * route.c — the one route table with the role each route needs, the
 * check of who is asking, and the dispatcher that runs a handler.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "dashboard.h"
#include "http_priv.h"
#include "participants.h"
#include "store_team.h"
#include "util.h"

/* Who may use a route: PUBLIC, or a set of roles. */
#define PUBLIC		0
#define ADMIN		AUTH_ROLE_ADMIN
#define VIEW		(AUTH_ROLE_ADMIN | AUTH_ROLE_VIEWER)
#define SEND		(AUTH_ROLE_ADMIN | AUTH_ROLE_SENDER)
#define ANYROLE		(AUTH_ROLE_ADMIN | AUTH_ROLE_VIEWER | AUTH_ROLE_SENDER)

const struct route http_routes[] = {
	{ "GET",  "/healthz",		0, PUBLIC, API, api_healthz, NULL },
	{ "GET",  "/metrics",		0, PUBLIC, API, http_metrics, NULL },
	{ "GET",  "/api/surveys",	0, PUBLIC, API, api_surveys_list,
	    NULL },
	{ "GET",  "/api/surveys/",	1, PUBLIC, API, api_survey_get, NULL },
	{ "POST", "/api/responses",	0, PUBLIC, API, api_response_post,
	    api_response_finish },
	{ "GET",  "/s/",		1, PUBLIC, PAGE, web_phone_page, NULL },
	{ "GET",  "/kiosk/",		1, PUBLIC, PAGE, web_kiosk_page, NULL },
	{ "GET",  "/i/",		1, PUBLIC, PAGE, web_invite_page, NULL },
	{ "GET",  "/assets/",		1, PUBLIC, PAGE, web_asset, NULL },
	{ "GET",  "/favicon.ico",	0, PUBLIC, PAGE, web_favicon, NULL },
	{ "GET",  "/",			0, PUBLIC, PAGE, web_home, NULL },
	{ "GET",  "/api/speech",	0, PUBLIC, API, speech_get, NULL },

	{ "GET",  "/admin/login",	0, PUBLIC, PAGE, admin_login_page,
	    NULL },
	{ "POST", "/admin/login",	0, PUBLIC, PAGE, admin_login,
	    admin_login_finish },
	{ "GET",  "/admin/admin.css",	0, PUBLIC, PAGE, admin_css, NULL },
	{ "POST", "/admin/logout",	0, ANYROLE, PAGE, admin_logout, NULL },
	{ "GET",  "/admin/",		0, ANYROLE, PAGE, admin_home, NULL },
	{ "GET",  "/admin/users",	0, ADMIN, PAGE, admin_users, NULL },
	{ "GET",  "/admin/audit",	0, ADMIN, PAGE, admin_audit, NULL },
	{ "GET",  "/admin/api/whoami",	0, ANYROLE, API, admin_api_whoami,
	    NULL },
	{ "GET",  "/admin/api/stats",	0, VIEW, API, admin_api_stats, NULL },
	{ "GET",  "/admin/export.csv",	0, VIEW, API, admin_export_csv, NULL },
	{ "GET",  "/admin/yousaid",	0, ADMIN, PAGE, admin_yousaid, NULL },
	{ "POST", "/admin/comments/hide", 0, ADMIN, PAGE,
	    dashboard_comment_hide, NULL },
	{ "POST", "/admin/yousaid",	0, ADMIN, PAGE, admin_yousaid_post,
	    NULL },
	{ "POST", "/admin/api/invitations", 0, SEND, API, sms_api_invite,
	    NULL },
	{ "POST", "/sms/status",	0, PUBLIC, API, sms_api_status, NULL },
	{ "POST", "/sms/inbound",	0, PUBLIC, API, sms_api_inbound, NULL },
	{ "GET",  "/sms/status",	0, PUBLIC, API, sms_api_status, NULL },
	{ "GET",  "/sms/inbound",	0, PUBLIC, API, sms_api_inbound, NULL },
	{ "POST", "/api/optout",	0, PUBLIC, API, sms_api_optout, NULL },
	{ "GET",  "/admin/qr.svg",	0, VIEW, API, admin_qr_svg, NULL },
	{ "GET",  "/admin/qr.png",	0, VIEW, API, admin_qr_png, NULL },
	{ "GET",  "/admin/poster",	0, VIEW, PAGE, admin_poster, NULL },
	{ "GET",  "/admin/poster.css",	0, PUBLIC, PAGE, admin_poster_css,
	    NULL },
	{ "GET",  "/api/participants",	0, PUBLIC, API,
	    participants_api_consent, NULL },
	{ "POST", "/api/participants",	0, PUBLIC, API,
	    participants_api_signup, NULL },
	{ "GET",  "/w/",		1, PUBLIC, PAGE,
	    participants_withdraw_page, NULL },
	{ "GET",  "/r/",		1, PUBLIC, PAGE,
	    participants_renew_page, NULL },
	{ "GET",  "/admin/participants", 0, VIEW, PAGE, panel_page, NULL },
	{ "GET",  "/admin/participants.csv", 0, ADMIN, PAGE,
	    panel_export_csv, NULL },
	{ "POST", "/admin/participants/message", 0, ADMIN, PAGE,
	    panel_message, NULL },
	{ "GET",  "/admin/api/participants", 0, VIEW, API, panel_api_list,
	    NULL },
	/* prefix 2: the tail is "{id}/delete"; the handler checks it. */
	{ "POST", "/admin/api/participants/", 2, ADMIN, API,
	    panel_api_delete, NULL },
	{ "GET",  "/admin/goals",	0, VIEW, PAGE, admin_goals_page, NULL },
	{ "GET",  "/admin/goals/report", 0, VIEW, PAGE, admin_goals_report,
	    NULL },
	{ "GET",  "/admin/goals.css",	0, PUBLIC, PAGE, admin_goals_css, NULL },
	{ "GET",  "/admin/api/goals",	0, VIEW, API, admin_api_goals, NULL },
	{ "GET",  "/admin/export/microdata", 0, ADMIN, API,
	    admin_export_microdata, NULL },
};

const size_t http_nroutes = KB_NELEM(http_routes);

_Static_assert(KB_NELEM(http_routes) <= KB_NROUTES, "raise KB_NROUTES");

static const struct route *
route_find(const char *method, const char *url, int *method_ok)
{
	size_t i;

	*method_ok = 0;
	for (i = 0; i < KB_NELEM(http_routes); i++) {
		const struct route *rt = &http_routes[i];
		size_t n = strlen(rt->path);

		if (rt->prefix ? strncmp(url, rt->path, n) != 0 :
		    strcmp(url, rt->path) != 0)
			continue;
		if (strcmp(method, rt->method) == 0 ||
		    (strcmp(method, "HEAD") == 0 &&
		    strcmp(rt->method, "GET") == 0)) {
			*method_ok = 1;
			return rt;
		}
		*method_ok = -1;
	}
	return NULL;
}

/*
 * Fills r->auth from a bearer key (API routes) or the session cookie.
 * Returns 0 when the route may run, else the status of the refusal.
 */
static int
authorize(struct http_request *r)
{
	const struct route *rt = r->route;
	struct store *st = r->h->app->store;
	const char *authz, *token;
	char role[8];
	int rc;

	if (rt->roles == PUBLIC)
		return 0;
	authz = http_request_header(r, "Authorization");
	if (authz != NULL && strncmp(authz, "Bearer ", 7) == 0) {
		unsigned char h[AUTH_TOKEN_HASH];

		if (rt->kind != API)
			return http_reply_error(r, 401, "unauthorized", NULL,
			    "API keys work only for /admin/api/ addresses");
		auth_token_hash(authz + 7, h);
		rc = store_apikey_find(st, h, sizeof(h), r->auth.user,
		    sizeof(r->auth.user), role, sizeof(role));
		if (rc != 1)
			return http_reply_error(r, rc == -1 ? 503 : 401,
			    "unauthorized", NULL, "unknown or revoked API key");
		r->auth.role = auth_role_parse(role);
		r->auth.via_key = 1;
	} else {
		struct store_session ss;

		token = http_request_cookie(r, "kb_session");
		rc = auth_session_check(st, token, time(NULL), &ss);
		if (rc == -1)
			return http_reply_error(r, 503, "unavailable", NULL,
			    "the database is not available");
		if (rc == 0) {
			if (rt->kind == API)
				return http_reply_error(r, 401,
				    "unauthorized", NULL, "log in first, or "
				    "send Authorization: Bearer KEY");
			http_reply_header(r, "Location", "/admin/login");
			return http_reply_error(r, 303, "login_required",
			    NULL, "log in first");
		}
		snprintf(r->auth.user, sizeof(r->auth.user), "%s", ss.user);
		snprintf(r->auth.csrf, sizeof(r->auth.csrf), "%s", ss.csrf);
		r->auth.role = auth_role_parse(ss.role);
	}
	if (!(r->auth.role & rt->roles))
		return http_reply_error(r, 403, "forbidden", NULL,
		    "your role may not do this");
	/* A session's state changes carry its CSRF token; keys need none. */
	if (!r->auth.via_key && strcmp(r->method, "GET") != 0 &&
	    strcmp(r->method, "HEAD") != 0) {
		const char *t = http_request_header(r, "X-CSRF-Token");

		if (t == NULL)
			t = http_request_form(r, "csrf");
		if (t == NULL || !auth_equal(t, r->auth.csrf))
			return http_reply_error(r, 403, "csrf", NULL,
			    "the form is out of date; reload the page and "
			    "try again");
	}
	return 0;
}

/* Routes only the respondent app posts to: JSON from this site only. */
static const char *const submissions[] = {
	"/api/responses",
	"/api/optout",
	"/api/participants",
};

/* The host[:port] of an origin or URL ("https://a.example:8443/x"). */
static size_t
authority(const char *url, const char **start)
{
	const char *p = strstr(url, "://");

	p = p != NULL ? p + 3 : url;
	*start = p;
	return strcspn(p, "/?#");
}

/*
 * 1 when a browser says the request comes from another site.  Browsers of
 * the last years send Sec-Fetch-Site, and it decides: same-origin or none
 * (typed, a bookmark) pass.  Without it, an Origin whose host is neither
 * this request's Host nor that of --base-url, or "null" (a sandbox, a
 * file, a page that hides its origin), is another site.  Our own pages
 * send "Referrer-Policy: no-referrer", so their forms post with Origin
 * "null" beside Sec-Fetch-Site: same-origin.  Requests with neither
 * header (scripts, gateways) are no browser's cross-site request.
 */
static int
from_other_site(struct http_request *r)
{
	const char *sfs = http_request_header(r, "Sec-Fetch-Site");
	const char *origin = http_request_header(r, "Origin");
	const char *host = http_request_header(r, "Host");
	const char *a, *b;
	size_t na, nb;

	if (sfs != NULL)
		return strcmp(sfs, "same-origin") != 0 &&
		    strcmp(sfs, "none") != 0;
	if (origin == NULL)
		return 0;
	if (strncmp(origin, "http://", 7) != 0 &&
	    strncmp(origin, "https://", 8) != 0)
		return 1;
	na = authority(origin, &a);
	if (host != NULL && strlen(host) == na &&
	    strncasecmp(a, host, na) == 0)
		return 0;
	nb = authority(r->h->app->base_url ? r->h->app->base_url : "", &b);
	return !(nb == na && strncasecmp(a, b, na) == 0);
}

static int
is_json(const char *ctype)
{
	size_t n = strlen("application/json");

	if (ctype == NULL || strncasecmp(ctype, "application/json", n) != 0)
		return 0;
	ctype += n;
	while (*ctype == ' ' || *ctype == '\t')
		ctype++;
	return *ctype == '\0' || *ctype == ';';
}

/*
 * A state change from another site's page is refused (403): that stops
 * forged responses and login CSRF.  The respondents' submissions must
 * also be JSON (415), which no plain form and no no-cors fetch can send.
 * Returns 0 when the request may go on, else the status of the refusal.
 */
static int
guard_origin(struct http_request *r)
{
	size_t i;

	if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
		return 0;
	if (from_other_site(r))
		return http_reply_error(r, 403, "cross_site", NULL,
		    "this request comes from another site");
	for (i = 0; i < KB_NELEM(submissions); i++)
		if (strcmp(r->url, submissions[i]) == 0 &&
		    !is_json(http_request_header(r, "Content-Type")))
			return http_reply_error(r, 415, "unsupported_media_type",
			    NULL, "send the answers as application/json");
	return 0;
}

int
http_dispatch(struct http_request *r)
{
	int method_ok, status;
	const char *cl;

	r->route = route_find(r->method, r->url, &method_ok);
	if (r->route == NULL) {
		if (method_ok == -1) {
			http_reply_header(r, "Allow", "GET, HEAD, POST");
			return http_reply_error(r, 405, "method_not_allowed",
			    NULL, "this method is not allowed here");
		}
		return http_reply_error(r, 404, "not_found", NULL,
		    "there is nothing at this address");
	}
	if (r->too_large)
		return http_reply_error(r, 413, "too_large", NULL,
		    "the request body is larger than 64 KiB");
	cl = http_request_header(r, "Content-Length");
	if (cl != NULL && http_length_over(cl, HTTP_BODY_MAX))
		return http_reply_error(r, 413, "too_large", NULL,
		    "the request body is larger than 64 KiB");
	r->tail = r->url + strlen(r->route->path);
	if (r->route->prefix && (*r->tail == '\0' ||
	    (r->route->prefix == 1 && strchr(r->tail, '/') != NULL)))
		return http_reply_error(r, 404, "not_found", NULL,
		    "there is nothing at this address");
	status = guard_origin(r);
	if (status != 0)
		return status;
	status = authorize(r);
	if (status != 0)
		return status;
	return r->route->handler(r->h->app, r);
}
