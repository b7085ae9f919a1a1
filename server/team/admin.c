/*
 * admin.c — the project team's pages: login, logout, overview, users and
 * API keys, and the audit log.  Every value goes through buf_html.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "auth.h"
#include "authpool.h"
#include "dashboard.h"
#include "link.h"
#include "qr.h"
#include "log.h"
#include "store_team.h"
#include "util.h"

#define PAGE_MAX	(4 * 1024 * 1024)
#define AUDIT_SHOWN	500

static const char admin_stylesheet[] =
	"body{font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,"
	"sans-serif;margin:0;color:#1a1a1a;background:#fafafa}"
	"header{background:#0b4f6c;color:#fff;padding:.75rem 1.5rem;"
	"display:flex;gap:1.5rem;align-items:center;flex-wrap:wrap}"
	"header a{color:#fff}header .who{margin-left:auto}"
	"header form{display:inline}main{padding:1.5rem;max-width:70rem}"
	"table{border-collapse:collapse;margin:1rem 0;background:#fff}"
	"th,td{border:1px solid #ccc;padding:.35rem .6rem;text-align:left;"
	"vertical-align:top}th{background:#eef3f6}"
	"button,input[type=submit]{font:inherit;padding:.4rem 1rem;"
	"border-radius:4px;border:1px solid #0b4f6c;background:#0b4f6c;"
	"color:#fff;cursor:pointer}header button{background:#fff;"
	"color:#0b4f6c}label{display:block;margin:.75rem 0 .25rem}"
	"input[type=text],input[type=password]{font:inherit;padding:.4rem;"
	"width:20rem;max-width:100%}"
	"@media print{.filters,.exports{display:none}}"
	".notice{background:#fff4ce;border:1px solid #c9a400;padding:.75rem;"
	"margin:1rem 0}.error{background:#fde7e9;border:1px solid #a4262c;"
	"padding:.75rem;margin:1rem 0}code{background:#eee;padding:0 .25rem}"
	"a:focus,button:focus,input:focus,select:focus,textarea:focus"
	"{outline:3px solid #c9a400}"
	".filters label{display:inline-block;margin:0 1rem .5rem 0}"
	".filters{background:#fff;border:1px solid #ccc;padding:.75rem}"
	".multiples{display:flex;flex-wrap:wrap;gap:1rem}"
	"figure{margin:0 0 1.25rem}figcaption{margin-bottom:.25rem}"
	".chart{max-width:100%;height:auto}.verdict{font-size:1.2rem}"
	"blockquote{margin:0;font-style:italic}.comments li{margin:.5rem 0}"
	"textarea{font:inherit;max-width:100%}"
	"@media print{header{display:none}body{background:#fff}}";

int
admin_css(struct app *app, struct http_request *r)
{
	(void)app;
	http_reply_data(r, "text/css; charset=utf-8", admin_stylesheet,
	    sizeof(admin_stylesheet) - 1, 0);
	return 200;
}

/* The top of every team page; auth NULL on the login page. */
static void
page_begin(struct buf *b, const char *title, const struct http_auth *auth)
{
	buf_puts(b, "<!doctype html><html lang=\"nl\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\"><title>");
	buf_html(b, title);
	buf_puts(b, " – Klankbord</title><link rel=\"stylesheet\" "
	    "href=\"/admin/admin.css\"></head><body><header>"
	    "<strong>Klankbord</strong>");
	if (auth != NULL && auth->role != 0) {
		buf_puts(b, "<nav><a href=\"/admin/\">Overzicht</a>");
		if (auth->role & (AUTH_ROLE_ADMIN | AUTH_ROLE_VIEWER))
			buf_puts(b, " · <a href=\"/admin/goals\">Doelen</a>");
		if (auth->role & AUTH_ROLE_ADMIN)
			buf_puts(b, " · <a href=\"/admin/yousaid\">Jullie "
			    "zeiden, wij deden</a> · <a href=\"/admin/users\">"
			    "Gebruikers</a> · <a href=\"/admin/audit\">Logboek"
			    "</a>");
		if (auth->role & (AUTH_ROLE_ADMIN | AUTH_ROLE_VIEWER))
			buf_puts(b, " · <a href=\"/admin/participants\">"
			    "Meedenkers</a>");
		buf_puts(b, "</nav><span class=\"who\">");
		buf_html(b, auth->user);
		buf_puts(b, " (");
		buf_html(b, auth_role_name(auth->role));
		buf_puts(b, ")</span><form method=\"post\" "
		    "action=\"/admin/logout\"><input type=\"hidden\" "
		    "name=\"csrf\" value=\"");
		buf_html(b, auth->csrf);
		buf_puts(b, "\"><button type=\"submit\">Uitloggen</button>"
		    "</form>");
	}
	buf_puts(b, "</header><main><h1>");
	buf_html(b, title);
	buf_puts(b, "</h1>");
}

int
admin_page_end(struct http_request *r, struct buf *b, int status)
{
	char *html;
	size_t len;

	buf_puts(b, "</main></body></html>");
	if (buf_failed(b)) {
		buf_free(b);
		return http_reply_error(r, 500, "internal", NULL,
		    "the page is too large");
	}
	html = buf_release(b, &len);
	http_reply_text(r, "text/html; charset=utf-8", html, len);
	return status;
}

static int
login_form(struct app *app, struct http_request *r, int status,
    const char *error)
{
	struct buf b;
	int admins;

	buf_init(&b, PAGE_MAX);
	page_begin(&b, "Inloggen", NULL);
	admins = store_user_count(app->store, "admin");
	if (admins == 0) {
		buf_puts(&b, "<div class=\"notice\"><p>Er is nog geen "
		    "beheerder. Maak er een aan op de server / There is no "
		    "admin account yet. On the server, run:</p><p><code>"
		    "klankbord user add NAAM --role admin --db ");
		buf_html(&b, app->db_path);
		buf_puts(&b, "</code></p><p>Het programma vraagt om een "
		    "wachtwoord van minstens 12 tekens.</p></div>");
	}
	if (error != NULL) {
		buf_puts(&b, "<p class=\"error\" role=\"alert\">");
		buf_html(&b, error);
		buf_puts(&b, "</p>");
	}
	buf_puts(&b, "<form method=\"post\" action=\"/admin/login\">"
	    "<label for=\"user\">Naam</label><input type=\"text\" id=\"user\" "
	    "name=\"user\" autocomplete=\"username\" required>"
	    "<label for=\"password\">Wachtwoord</label><input "
	    "type=\"password\" id=\"password\" name=\"password\" "
	    "autocomplete=\"current-password\" required><p><button "
	    "type=\"submit\">Inloggen</button></p></form>");
	return admin_page_end(r, &b, status);
}

int
admin_login_page(struct app *app, struct http_request *r)
{
	return login_form(app, r, 200, NULL);
}

static void
set_cookie(struct app *app, struct http_request *r, const char *value,
    int max_age)
{
	char cookie[256];
	int secure = http_request_is_tls(r) ||
	    strncmp(app->base_url, "https://", 8) == 0;

	snprintf(cookie, sizeof(cookie), "kb_session=%s; Path=/admin; "
	    "HttpOnly; SameSite=Strict; Max-Age=%d%s", value, max_age,
	    secure ? "; Secure" : "");
	http_reply_header(r, "Set-Cookie", cookie);
}

/* A login waiting for its password check on the pool. */
struct login {
	struct authpool_job	 job;
	struct http_request	*r;
	char			 user[64];
	char			 addr[64];
	char			 role[8];
	char			 hash[AUTH_HASH_MAX];
	char			*pw;
	time_t			 now;
};

static void
login_free(void *p)
{
	struct login *l = p;

	if (l->pw != NULL) {
		sodium_memzero(l->pw, strlen(l->pw));
		free(l->pw);
	}
	free(l);
}

static void
login_checked(struct authpool_job *job, void *arg)
{
	(void)job;
	http_request_resume(arg);
}

int
admin_login(struct app *app, struct http_request *r)
{
	const char *user = http_request_form(r, "user");
	const char *pw = http_request_form(r, "password");
	struct login *l;
	unsigned wait;
	int found;

	if (user == NULL || pw == NULL || *user == '\0' || strlen(user) > 63 ||
	    strlen(pw) > 1024)
		return login_form(app, r, 400, "Vul je naam en wachtwoord "
		    "in. / Enter your name and password.");
	l = xcalloc(1, sizeof(*l));
	l->r = r;
	l->now = time(NULL);
	snprintf(l->user, sizeof(l->user), "%s", user);
	http_request_client(r, l->addr, sizeof(l->addr));
	wait = auth_throttle_reserve(app->logins, user, l->addr, l->now);
	if (wait > 0) {
		char secs[16];

		free(l);
		snprintf(secs, sizeof(secs), "%u", wait);
		http_reply_header(r, "Retry-After", secs);
		return login_form(app, r, 429, "Te veel mislukte pogingen. "
		    "Probeer het over een kwartier opnieuw. / Too many failed "
		    "attempts; try again later.");
	}
	found = store_user_find(app->store, user, l->role, sizeof(l->role),
	    l->hash, sizeof(l->hash));
	if (found == -1) {
		auth_throttle_cancel(app->logins, user, l->addr, l->now);
		free(l);
		return login_form(app, r, 503, "De database is niet "
		    "bereikbaar. / The database is not available.");
	}
	l->pw = xstrdup(pw);
	l->job.hash = found == 1 ? l->hash : NULL;
	l->job.pw = l->pw;
	l->job.done = login_checked;
	l->job.arg = r;
	http_request_set_state(r, l, login_free);
	/* Park first: the pool may finish before authpool_submit returns. */
	http_request_suspend(r);
	if (authpool_submit(app->hashes, &l->job) == -1) {
		auth_throttle_cancel(app->logins, user, l->addr, l->now);
		l->job.ok = -1;
		http_request_resume(r);
	}
	return HTTP_SUSPENDED;
}

int
admin_login_finish(struct app *app, struct http_request *r)
{
	struct login *l = http_request_state(r);
	char token[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1];

	if (l->job.ok == -1) {
		http_reply_header(r, "Retry-After", "5");
		return login_form(app, r, 503, "Het is nu te druk om in te "
		    "loggen; probeer het zo opnieuw. / Too many logins at "
		    "once; try again in a moment.");
	}
	if (!l->job.ok) {
		auth_throttle_fail(app->logins, l->user, l->addr, l->now);
		(void)store_audit_add(app->store, l->user, "login failed", "");
		return login_form(app, r, 401, "Naam of wachtwoord klopt "
		    "niet. / Wrong name or password.");
	}
	auth_throttle_success(app->logins, l->user, l->addr, l->now);
	if (auth_session_new(app->store, l->user, l->now, token, csrf) == -1)
		return login_form(app, r, 503, "Inloggen lukt nu niet. / "
		    "Logging in failed; try again.");
	(void)store_audit_add(app->store, l->user, "login", l->role);
	set_cookie(app, r, token, AUTH_SESSION_MAX);
	http_reply_header(r, "Location", "/admin/");
	return http_reply_error(r, 303, "see_other", NULL, "logged in");
}

int
admin_logout(struct app *app, struct http_request *r)
{
	const char *token = http_request_cookie(r, "kb_session");
	unsigned char h[AUTH_TOKEN_HASH];

	if (token != NULL) {
		auth_token_hash(token, h);
		(void)store_session_delete(app->store, h, sizeof(h));
	}
	(void)store_audit_add(app->store, http_request_auth(r)->user,
	    "logout", "");
	set_cookie(app, r, "", 0);
	http_reply_header(r, "Location", "/admin/login");
	return http_reply_error(r, 303, "see_other", NULL, "logged out");
}

int
admin_home(struct app *app, struct http_request *r)
{
	const struct http_auth *auth = http_request_auth(r);
	struct buf b;
	int status;

	buf_init(&b, PAGE_MAX);
	page_begin(&b, "Overzicht", auth);
	if (!(auth->role & (AUTH_ROLE_ADMIN | AUTH_ROLE_VIEWER))) {
		buf_puts(&b, "<p>Met de rol <em>sender</em> verstuur je "
		    "uitnodigingen; resultaten zie je niet.</p>");
		return admin_page_end(r, &b, 200);
	}
	status = dashboard_page(app, r, &b);
	return admin_page_end(r, &b, status);
}

int
admin_yousaid(struct app *app, struct http_request *r)
{
	struct buf b;
	int status;

	buf_init(&b, PAGE_MAX);
	page_begin(&b, "Jullie zeiden, wij deden", http_request_auth(r));
	status = dashboard_yousaid_page(app, r, &b, NULL);
	return admin_page_end(r, &b, status);
}

int
admin_yousaid_post(struct app *app, struct http_request *r)
{
	const char *message = NULL;
	struct buf b;
	int status;

	status = dashboard_yousaid_save(app, r, &message);
	buf_init(&b, PAGE_MAX);
	page_begin(&b, "Jullie zeiden, wij deden", http_request_auth(r));
	(void)dashboard_yousaid_page(app, r, &b, message);
	return admin_page_end(r, &b, status == 0 ? 200 : status);
}

/* One row of a listing from the store, as many cells as ncols. */
struct table_rows {
	struct buf	*b;
	int		 ncols;
};

static void
table_row(const char *const *cols, void *arg)
{
	struct table_rows *t = arg;
	int i;

	buf_puts(t->b, "<tr>");
	for (i = 0; i < t->ncols; i++) {
		buf_puts(t->b, "<td>");
		buf_html(t->b, cols[i] ? cols[i] : "–");
		buf_puts(t->b, "</td>");
	}
	buf_puts(t->b, "</tr>");
}

int
admin_users(struct app *app, struct http_request *r)
{
	struct buf b;
	struct table_rows cb = { &b, 3 };

	buf_init(&b, PAGE_MAX);
	page_begin(&b, "Gebruikers en API-sleutels", http_request_auth(r));
	buf_puts(&b, "<h2>Gebruikers</h2><table><thead><tr><th>Naam</th>"
	    "<th>Rol</th><th>Aangemaakt</th></tr></thead><tbody>");
	if (store_user_list(app->store, table_row, &cb) == -1)
		buf_puts(&b, "<tr><td colspan=\"3\">(niet te lezen)</td></tr>");
	buf_puts(&b, "</tbody></table><h2>API-sleutels</h2><table><thead><tr>"
	    "<th>Naam</th><th>Rol</th><th>Aangemaakt</th><th>Ingetrokken</th>"
	    "</tr></thead><tbody>");
	cb.ncols = 4;
	if (store_apikey_list(app->store, table_row, &cb) == -1)
		buf_puts(&b, "<tr><td colspan=\"4\">(niet te lezen)</td></tr>");
	buf_puts(&b, "</tbody></table><p>Gebruikers en sleutels beheer je op "
	    "de server: <code>klankbord user add|remove|passwd|list</code> en "
	    "<code>klankbord apikey add|revoke|list</code>.</p>");
	return admin_page_end(r, &b, 200);
}

int
admin_audit(struct app *app, struct http_request *r)
{
	struct buf b;
	struct table_rows cb = { &b, 4 };
	const char *user = http_request_query(r, "user");
	const char *action = http_request_query(r, "action");
	const char *day = http_request_query(r, "date");
	int y, m, d;
	char tail;

	if (user != NULL && *user == '\0')
		user = NULL;
	if (action != NULL && *action == '\0')
		action = NULL;
	if (day != NULL && *day == '\0')
		day = NULL;
	if (day != NULL && (strlen(day) != 10 || sscanf(day,
	    "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3))
		return http_reply_error(r, 422, "invalid", "date",
		    "date is a day, YYYY-MM-DD");
	buf_init(&b, PAGE_MAX);
	page_begin(&b, "Logboek", http_request_auth(r));
	buf_printf(&b, "<p>De laatste %d handelingen van het team; elke "
	    "keer dat iemand resultaten bekijkt of exporteert staat hier, met "
	    "wie, wanneer en welke selectie.</p>", AUDIT_SHOWN);
	buf_puts(&b, "<form method=\"get\" action=\"/admin/audit\">"
	    "<label>Wie <input name=\"user\" value=\"");
	buf_html(&b, user ? user : "");
	buf_puts(&b, "\"></label> <label>Wat <input name=\"action\" "
	    "value=\"");
	buf_html(&b, action ? action : "");
	buf_puts(&b, "\"></label> <label>Datum <input name=\"date\" "
	    "type=\"date\" value=\"");
	buf_html(&b, day ? day : "");
	buf_puts(&b, "\"></label> <button type=\"submit\">Zoeken</button>"
	    "</form>");
	buf_puts(&b, "<table><thead><tr><th>Wanneer (UTC)</th><th>Wie</th>"
	    "<th>Wat</th><th>Details</th></tr></thead><tbody>");
	if (store_audit_find(app->store, user, action, day, AUDIT_SHOWN,
	    table_row, &cb) == -1)
		buf_puts(&b, "<tr><td colspan=\"4\">(niet te lezen)</td></tr>");
	buf_puts(&b, "</tbody></table>");
	return admin_page_end(r, &b, 200);
}

int
admin_api_whoami(struct app *app, struct http_request *r)
{
	const struct http_auth *auth = http_request_auth(r);

	(void)app;
	http_reply_json(r, json_pack("{s:s, s:s, s:s}", "user", auth->user,
	    "role", auth_role_name(auth->role), "via", auth->via_key ?
	    "api_key" : "session"));
	return 200;
}

static int
link_reply(struct app *app, struct http_request *r, enum link_format fmt)
{
	struct link_request req;
	const char *ctype, *size = http_request_query(r, "size");
	char err[256], *data;
	long long px = 600;
	size_t len;
	int rc;

	memset(&req, 0, sizeof(req));
	req.survey = http_request_query(r, "survey");
	req.location = http_request_query(r, "loc");
	req.lang = http_request_query(r, "lang");
	req.format = fmt;
	if (req.survey == NULL || req.location == NULL)
		return http_reply_error(r, 400, "missing", req.survey ? "loc" :
		    "survey", "give ?survey=ID&loc=LOCATION");
	if (size != NULL && num_parse(size, 100, 4000, &px) == -1)
		return http_reply_error(r, 422, "invalid", "size",
		    "size is 100 to 4000 pixels");
	req.size = (unsigned)px;
	rc = link_render(app->surveys, app->base_url, &req, &data, &len,
	    &ctype, err, sizeof(err));
	if (rc != 0)
		return http_reply_error(r, rc, rc == 404 ? "not_found" :
		    "invalid", NULL, err);
	http_reply_text(r, ctype, data, len);
	return 200;
}

int
admin_qr_svg(struct app *app, struct http_request *r)
{
	return link_reply(app, r, LINK_SVG);
}

int
admin_qr_png(struct app *app, struct http_request *r)
{
	return link_reply(app, r, LINK_PNG);
}

int
admin_poster(struct app *app, struct http_request *r)
{
	return link_reply(app, r, LINK_POSTER_HTML);
}

int
admin_poster_css(struct app *app, struct http_request *r)
{
	const char *css = qr_poster_css();

	(void)app;
	http_reply_data(r, "text/css; charset=utf-8", css, strlen(css), 0);
	return 200;
}
