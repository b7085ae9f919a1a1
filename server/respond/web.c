/*
 * web.c — the respondent app: kiosk/app.html with this page's settings put
 * in, and its assets, all held in memory.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "dashboard.h"
#include "util.h"

#define WEB_FILE_MAX	(512 * 1024)
#define WEB_MARKER	"<!--KB-CONFIG-->"

struct asset {
	const char		*name;
	const char		*ctype;
	char			*data;
	size_t			 len;
	struct http_blob	 blob;
};

/* A rendered page of a QR or kiosk link (see cached_page). */
struct cached_page {
	char			 key[160];
	char			*html;
	size_t			 len;
	unsigned		 gen;		/* of the "you said" texts */
	unsigned		 refs;		/* replies still sending it */
	int			 stale;		/* out of the cache */
	struct web		*w;
	struct cached_page	*next;
};

struct web {
	struct asset	 assets[7];
	size_t		 nassets;
	pthread_mutex_t	 cache_mtx;
	struct cached_page *cache;
	const char	*html_head;	/* app.html up to the marker */
	size_t		 head_len;
	const char	*html_tail;	/* after it */
	size_t		 tail_len;
};

static const struct {
	const char *name, *ctype;
} asset_files[] = {
	{ "app.html", "text/html; charset=utf-8" },
	{ "app.js", "text/javascript; charset=utf-8" },
	{ "app.css", "text/css; charset=utf-8" },
	{ "i18n.js", "text/javascript; charset=utf-8" },
	{ "signup.js", "text/javascript; charset=utf-8" },
	{ "signup-form.js", "text/javascript; charset=utf-8" },
	{ "signup.css", "text/css; charset=utf-8" },
};

static char *
load(const char *dir, const char *name, size_t *len, char *err,
    size_t errlen)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	/* A regular file, never a FIFO or a device. */
	return file_read_regular(path, WEB_FILE_MAX, len, err, errlen);
}

int
web_load(const char *dir, struct web **out, char *err, size_t errlen)
{
	struct web *w = xcalloc(1, sizeof(*w));
	const char *mark;
	size_t i;

	pthread_mutex_init(&w->cache_mtx, NULL);
	for (i = 0; i < KB_NELEM(asset_files); i++) {
		struct asset *a = &w->assets[w->nassets];

		a->data = load(dir, asset_files[i].name, &a->len, err, errlen);
		if (a->data == NULL)
			goto fail;
		a->name = asset_files[i].name;
		a->ctype = asset_files[i].ctype;
		http_blob_init(&a->blob, a->data, a->len);
		w->nassets++;
	}
	mark = strstr(w->assets[0].data, WEB_MARKER);
	if (mark == NULL) {
		snprintf(err, errlen, "%s/app.html: has no %s marker", dir,
		    WEB_MARKER);
		goto fail;
	}
	w->html_head = w->assets[0].data;
	w->head_len = (size_t)(mark - w->html_head);
	w->html_tail = mark + strlen(WEB_MARKER);
	w->tail_len = w->assets[0].len - w->head_len - strlen(WEB_MARKER);
	*out = w;
	return 0;
fail:
	web_free(w);
	*out = NULL;
	return -1;
}

void
web_free(struct web *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nassets; i++) {
		http_blob_free(&w->assets[i].blob);
		free(w->assets[i].data);
	}
	while (w->cache != NULL) {
		struct cached_page *next = w->cache->next;

		free(w->cache->html);
		free(w->cache);
		w->cache = next;
	}
	pthread_mutex_destroy(&w->cache_mtx);
	free(w);
}

/*
 * The page with its settings as a JSON data block.  "<" is escaped so no
 * value can close the script element.  Returns the HTML (caller frees), or
 * NULL when it would not fit.
 */
static char *
render(struct app *app, json_t *cfg, size_t *len)
{
	struct buf b;
	char *js, *p;

	json_object_set_new(cfg, "idle_seconds",
	    json_integer(app->idle_seconds));
	js = json_dumps(cfg, JSON_COMPACT | JSON_ESCAPE_SLASH);
	if (js == NULL)
		return NULL;
	buf_init(&b, WEB_FILE_MAX * 2);
	buf_append(&b, app->web->html_head, app->web->head_len);
	buf_puts(&b, "<script type=\"application/json\" id=\"kb-config\">");
	for (p = js; *p != '\0'; p++) {
		if (*p == '<')
			buf_puts(&b, "\\u003c");
		else
			buf_putc(&b, *p);
	}
	buf_puts(&b, "</script>");
	buf_append(&b, app->web->html_tail, app->web->tail_len);
	free(js);
	if (buf_failed(&b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_release(&b, len);
}

static int
page(struct app *app, struct http_request *r, json_t *cfg)
{
	char *html;
	size_t len;

	html = render(app, cfg, &len);
	json_decref(cfg);
	if (html == NULL)
		return http_reply_error(r, 500, "internal", NULL,
		    "the page could not be built");
	http_reply_text(r, "text/html; charset=utf-8", html, len);
	http_reply_header(r, "Cache-Control", "no-store");
	return 200;
}

static json_t *
base_config(struct app *app, const char *mode, const char *channel,
    const struct survey *s, const struct survey_location *loc,
    const char *lang)
{
	json_t *cfg = json_pack("{s:s, s:s, s:s, s:s, s:O, s:n}",
	    "mode", mode, "channel", channel, "survey", s->id, "location",
	    loc->id, "location_name", loc->name, "token");
	json_t *ys = dashboard_yousaid_for(app, s->id, loc->id);

	json_object_set_new(cfg, "you_said", ys ? ys : json_null());
	json_object_set_new(cfg, "lang", lang != NULL &&
	    survey_has_language(s, lang) ? json_string(lang) : json_null());
	return cfg;
}

static void
page_free(struct cached_page *c)
{
	free(c->html);
	free(c);
}

/* A reply has sent the page: the last one frees a stale page. */
static void
page_release(void *arg)
{
	struct cached_page *c = arg;
	struct web *w = c->w;
	int gone;

	pthread_mutex_lock(&w->cache_mtx);
	gone = --c->refs == 0 && c->stale;
	pthread_mutex_unlock(&w->cache_mtx);
	if (gone)
		page_free(c);
}

/*
 * A QR or kiosk page depends only on its mode, survey, location, language
 * and the "you said, we did" text, so each is rendered once.  A saved text
 * bumps the generation: pages of older ones leave the cache, and are freed
 * once no reply in flight is sending them (each reply holds a reference
 * until its request ends).  Called with the cache locked.
 */
static void
forget_older(struct web *w, unsigned gen)
{
	struct cached_page **pp = &w->cache, *c;

	while ((c = *pp) != NULL) {
		if (c->gen == gen) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		c->stale = 1;
		if (c->refs == 0)
			page_free(c);
	}
}

static int
cached_page(struct app *app, struct http_request *r, const char *mode,
    const struct survey *s, const struct survey_location *loc,
    const char *lang)
{
	struct web *w = app->web;
	struct cached_page *c;
	char key[160];
	unsigned gen = dashboard_yousaid_generation(app);

	if (lang != NULL && !survey_has_language(s, lang))
		lang = NULL;
	snprintf(key, sizeof(key), "%s|%s|%s|%s|%u", mode, s->id, loc->id,
	    lang ? lang : "", gen);
	pthread_mutex_lock(&w->cache_mtx);
	forget_older(w, gen);
	for (c = w->cache; c != NULL; c = c->next)
		if (strcmp(c->key, key) == 0)
			break;
	if (c == NULL) {
		json_t *cfg = base_config(app, mode, strcmp(mode, "kiosk") ?
		    "qr" : "kiosk", s, loc, lang);

		c = xcalloc(1, sizeof(*c));
		snprintf(c->key, sizeof(c->key), "%s", key);
		c->gen = gen;
		c->w = w;
		c->html = render(app, cfg, &c->len);
		json_decref(cfg);
		if (c->html == NULL) {
			free(c);
			pthread_mutex_unlock(&w->cache_mtx);
			return http_reply_error(r, 500, "internal", NULL,
			    "the page could not be built");
		}
		c->next = w->cache;
		w->cache = c;
	}
	c->refs++;
	pthread_mutex_unlock(&w->cache_mtx);
	http_request_set_state(r, c, page_release);
	http_reply_data(r, "text/html; charset=utf-8", c->html, c->len, 0);
	http_reply_header(r, "Cache-Control", "no-store");
	return 200;
}

static int message_page(struct http_request *, int, const char *,
    const char *);

static int
not_found_page(struct http_request *r, const char *what)
{
	return message_page(r, 404, "Niet gevonden / Not found", what);
}


int
web_phone_page(struct app *app, struct http_request *r)
{
	const struct survey *s;
	const struct survey_location *loc;
	const char *l = http_request_query(r, "loc");

	s = survey_set_find(app->surveys, http_request_tail(r), 0);
	if (s == NULL)
		return not_found_page(r, "Deze vragenlijst bestaat niet. / "
		    "This survey does not exist.");
	loc = l ? survey_set_location(app->surveys, l) : NULL;
	if (loc == NULL)
		return not_found_page(r, "Deze link mist een geldige locatie. "
		    "/ This link has no valid location.");
	return cached_page(app, r, "phone", s, loc,
	    http_request_query(r, "lang"));
}

int
web_kiosk_page(struct app *app, struct http_request *r)
{
	const struct survey *s;
	const struct survey_location *loc;
	const char *sid = http_request_query(r, "survey");

	loc = survey_set_location(app->surveys, http_request_tail(r));
	if (loc == NULL)
		return not_found_page(r, "Deze locatie bestaat niet. / "
		    "This location does not exist.");
	s = sid ? survey_set_find(app->surveys, sid, 0) : NULL;
	if (s == NULL)
		return not_found_page(r, "Deze vragenlijst bestaat niet. / "
		    "This survey does not exist.");
	return cached_page(app, r, "kiosk", s, loc,
	    http_request_query(r, "lang"));
}

static int
message_page(struct http_request *r, int status, const char *title,
    const char *text)
{
	struct buf b;
	size_t len;
	char *html;

	buf_init(&b, 16384);
	buf_puts(&b, "<!doctype html><html lang=\"nl\"><head><meta "
	    "charset=\"utf-8\"><meta name=\"viewport\" content=\"width="
	    "device-width, initial-scale=1\"><title>");
	buf_html(&b, title);
	buf_puts(&b, "</title><link rel=\"stylesheet\" "
	    "href=\"/assets/app.css\"></head><body><main class=\"message\">"
	    "<h1>");
	buf_html(&b, title);
	buf_puts(&b, "</h1><p>");
	buf_html(&b, text);
	buf_puts(&b, "</p><p>Hulp nodig? Bel Veilig Thuis: <a "
	    "href=\"tel:08002000\">0800-2000</a> (gratis, dag en nacht). "
	    "Need help? Call Veilig Thuis: 0800-2000 (free, day and night)."
	    "</p></main></body></html>");
	html = buf_release(&b, &len);
	http_reply_text(r, "text/html; charset=utf-8", html, len);
	http_reply_header(r, "Cache-Control", "no-store");
	return status;
}

int
web_invite_page(struct app *app, struct http_request *r)
{
	const char *token = http_request_tail(r);
	const struct survey *s;
	const struct survey_location *loc;
	struct store_invite_view v;
	unsigned char th[STORE_TOKEN_HASH];
	json_t *cfg;
	int rc;

	if (!invite_token_valid(token))
		return message_page(r, 404, "Link niet gevonden / Link not "
		    "found", "Deze link klopt niet. Kijk of u hem helemaal "
		    "hebt overgenomen. / This link is not right.");
	invite_token_hash(token, th);
	rc = store_invite_by_token(app->store, th, &v);
	if (rc == 0)
		rc = store_invite_open(app->store, th, &v);
	if (rc == -1)
		return message_page(r, 503, "Even niet beschikbaar / "
		    "Unavailable", "Probeer het later nog eens. / Please try "
		    "again later.");
	if (rc == 0) {
		unsigned char sealed[STORE_SEALED_MAX];
		size_t sl;

		/* Closed links say the same whatever closed them. */
		if (store_invite_link(app->store, th, (long long)time(NULL),
		    sealed, &sl) == 1)
			return message_page(r, 410, "Link gesloten / Link "
			    "closed", "Deze link is niet meer te gebruiken. "
			    "Hebt u de vragenlijst ingevuld? Dank u wel! / "
			    "This link can no longer be used. If you answered "
			    "the survey: thank you!");
		return message_page(r, 404, "Link niet gevonden / Link not "
		    "found", "Deze link kennen wij niet. / We do not know "
		    "this link.");
	}
	if (strcmp(v.state, "queued") != 0 && strcmp(v.state, "sent") != 0 &&
	    strcmp(v.state, "delivered") != 0 &&
	    strcmp(v.state, "optedout") != 0)
		return message_page(r, 410, "Link verlopen / Link expired",
		    "Deze link is niet meer geldig. / This link is no longer "
		    "valid.");
	if (v.expires <= (long long)time(NULL))
		return message_page(r, 410, "Link verlopen / Link expired",
		    "Deze link is verlopen. / This link has expired.");
	s = survey_set_find(app->surveys, v.survey, 0);
	loc = survey_set_location(app->surveys, v.location);
	if (s == NULL || loc == NULL)
		return message_page(r, 410, "Link verlopen / Link expired",
		    "Deze vragenlijst is er niet meer. / This survey is no "
		    "longer available.");
	cfg = base_config(app, "phone", "sms", s, loc, v.lang);
	json_object_set_new(cfg, "token", json_string(token));
	/* Opted out already: the survey, without the button. */
	json_object_set_new(cfg, "optout", json_boolean(strcmp(v.state,
	    "optedout") != 0));
	return page(app, r, cfg);
}

int
web_asset(struct app *app, struct http_request *r)
{
	const char *name = http_request_tail(r);
	size_t i;

	for (i = 1; i < app->web->nassets; i++) {
		const struct asset *a = &app->web->assets[i];

		if (strcmp(a->name, name) == 0) {
			/* Revalidated after five minutes: a cheap 304. */
			http_reply_header(r, "Cache-Control",
			    "public, max-age=300");
			return http_reply_blob(r, a->ctype, &a->blob);
		}
	}
	return http_reply_error(r, 404, "not_found", NULL,
	    "there is no such file");
}
