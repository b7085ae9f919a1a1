/*
 * web.c — the respondent app: kiosk/app.html with this page's settings put
 * in, and its assets, all held in memory.
 */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "dashboard.h"
#include "i18n.h"
#include "store_invite.h"
#include "util.h"
#include "web_first.h"

#define WEB_FILE_MAX	(512 * 1024)
#define WEB_NMARKS	5		/* in this order in app.html: */
#define WEB_MARK_HTML	"<!--KB-HTML-->"	/* <html lang dir class> */
#define WEB_MARK_CSS	"<!--KB-CSS-->"
#define WEB_MARK_START	"<!--KB-START-->"	/* the first screen */
#define WEB_MARK_CONFIG	"<!--KB-CONFIG-->"
#define WEB_MARK_JS	"<!--KB-JS-->"
#define WEB_NASSETS	12

struct asset {
	char			 name[64];
	const char		*ctype;
	char			*data;		/* owned by the first of a pair */
	size_t			 len;
	int			 immutable;	/* content-hashed name */
	struct http_blob	 blob;
};

/* A rendered page of a QR or kiosk link (see cached_page). */
struct cached_page {
	char			 key[160];
	char			*html;
	size_t			 len;
	struct http_blob	 blob;
	unsigned		 gen;		/* of the "you said" texts */
	unsigned		 refs;		/* replies still sending it */
	int			 stale;		/* out of the cache */
	struct web		*w;
	struct cached_page	*next;
};

/*
 * The page carries the app's script and style inline, so a phone on a slow
 * link gets its first screen from one request; the Content-Security-Policy
 * allows exactly those two by their hashes.
 */
struct web {
	struct asset	 assets[WEB_NASSETS];
	size_t		 nassets;
	pthread_mutex_t	 cache_mtx;
	struct cached_page *cache;
	char		*html;		/* app.html */
	const char	*part[WEB_NMARKS + 1];	/* html around the markers */
	size_t		 part_len[WEB_NMARKS + 1];
	const char	*js, *css;
	size_t		 js_len, css_len;
	char		 csp[512];
	unsigned char	 favicon[1150];
	struct http_blob favicon_blob;
	char		*home;		/* GET / */
	struct http_blob home_blob;
};

static void page_free(struct cached_page *);

static const struct {
	const char *name, *ctype;
} asset_files[] = {
	{ "app.js", "text/javascript; charset=utf-8" },
	{ "app.css", "text/css; charset=utf-8" },
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

/* 'sha256-BASE64' of data, for a Content-Security-Policy source. */
static void
csp_hash(const char *data, size_t len, char *out, size_t outlen)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
	    sodium_base64_VARIANT_ORIGINAL)];

	crypto_hash_sha256(h, (const unsigned char *)data, len);
	sodium_bin2base64(b64, sizeof(b64), h, sizeof(h),
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, outlen, "'sha256-%s'", b64);
}

/* Splits app.html at its three markers, in order. */
static int
split_template(struct web *w, const char *dir, char *err, size_t errlen)
{
	static const char *const marks[WEB_NMARKS] = { WEB_MARK_HTML,
	    WEB_MARK_CSS, WEB_MARK_START, WEB_MARK_CONFIG, WEB_MARK_JS };
	const char *p = w->html, *m;
	size_t i;

	for (i = 0; i < WEB_NMARKS; i++) {
		m = strstr(p, marks[i]);
		if (m == NULL) {
			snprintf(err, errlen, "%s/app.html: has no %s marker "
			    "(after the one before)", dir, marks[i]);
			return -1;
		}
		w->part[i] = p;
		w->part_len[i] = (size_t)(m - p);
		p = m + strlen(marks[i]);
	}
	w->part[WEB_NMARKS] = p;
	w->part_len[WEB_NMARKS] = strlen(p);
	return 0;
}

/*
 * A 16x16 icon: a speech bubble in the app's blue, as a 32-bit ICO (BMP
 * rows bottom-up, then an all-clear AND mask), made here so no binary file
 * ships.
 */
static void
favicon_make(unsigned char *ico, size_t len)
{
	unsigned char *px;
	int x, y;

	memset(ico, 0, len);
	ico[2] = 1;				/* type: icon */
	ico[4] = 1;				/* one image */
	ico[6] = 16; ico[7] = 16;		/* 16 x 16 */
	ico[10] = 1; ico[12] = 32;		/* planes, bits */
	ico[14] = (unsigned char)((len - 22) & 0xff);
	ico[15] = (unsigned char)((len - 22) >> 8);
	ico[18] = 22;				/* offset */
	ico[22] = 40;				/* BITMAPINFOHEADER */
	ico[26] = 16; ico[30] = 32;		/* width, height * 2 */
	ico[34] = 1; ico[36] = 32;
	px = ico + 22 + 40;
	for (y = 0; y < 16; y++) {		/* y = 0 is the bottom row */
		for (x = 0; x < 16; x++) {
			unsigned char *p = px + (y * 16 + x) * 4;
			int dx = 2 * x - 15, dy = 2 * y - 19;
			int in = dx * dx + dy * dy * 3 / 2 <= 15 * 15 ||
			    (y >= 1 && y <= 4 && x >= 3 && x <= 3 + (4 - y));

			if (!in)
				continue;
			p[0] = 0x8a; p[1] = 0x5e; p[2] = 0x1b; p[3] = 0xff;
			/* three white dots: someone speaking */
			if (y == 9 && (x == 5 || x == 8 || x == 11))
				p[0] = p[1] = p[2] = 0xff;
		}
	}
}

/* GET /: what this is and where to get help; links to nothing private. */
static const char home_html[] =
    "<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\"><meta name=\"robots\" content=\"noindex\">"
    "<title>Klankbord</title><link rel=\"icon\" href=\"/favicon.ico\">"
    "<link rel=\"stylesheet\" href=\"/assets/app.css\"></head><body>"
    "<div id=\"app\"><main id=\"main\" class=\"screen home\">"
    "<h1>Klankbord</h1>"
    "<p>Hier vult u een korte, anonieme vragenlijst in over de hulp die u "
    "kreeg. Scan de QR-code op de poster, of gebruik de link uit de sms.</p>"
    "<p lang=\"en\">Here you answer a short, anonymous survey about the "
    "help you got. Scan the QR code on the poster, or use the link in the "
    "text message.</p>"
    "<p>Hulp nodig? Bel Veilig Thuis: <a href=\"tel:08002000\">0800-2000"
    "</a> (gratis, dag en nacht). Direct gevaar? Bel 112.</p>"
    "</main></div></body></html>";

static void
asset_add(struct web *w, const char *name, const char *ctype, char *data,
    size_t len, int immutable)
{
	struct asset *a = &w->assets[w->nassets++];

	snprintf(a->name, sizeof(a->name), "%s", name);
	a->ctype = ctype;
	a->data = data;
	a->len = len;
	a->immutable = immutable;
	http_blob_init(&a->blob, data, len);
}

int
web_load(const char *dir, struct web **out, char *err, size_t errlen)
{
	struct web *w = xcalloc(1, sizeof(*w));
	char jsh[80], cssh[80];
	size_t i, len;

	pthread_mutex_init(&w->cache_mtx, NULL);
	w->html = load(dir, "app.html", &len, err, errlen);
	if (w->html == NULL || split_template(w, dir, err, errlen) == -1)
		goto fail;
	for (i = 0; i < KB_NELEM(asset_files); i++) {
		const char *name = asset_files[i].name, *ext;
		char *data = load(dir, name, &len, err, errlen);
		char hashed[64];
		struct asset *a;

		if (data == NULL)
			goto fail;
		asset_add(w, name, asset_files[i].ctype, data, len, 0);
		a = &w->assets[w->nassets - 1];
		/* app.js is also app.0123456789abcdef.js, cached for a year */
		ext = strrchr(name, '.');
		snprintf(hashed, sizeof(hashed), "%.*s.%.16s%s",
		    (int)(ext - name), name, a->blob.etag + 1, ext);
		asset_add(w, hashed, asset_files[i].ctype, data, len, 1);
	}
	w->js = w->assets[0].data;
	w->js_len = w->assets[0].len;
	w->css = w->assets[2].data;
	w->css_len = w->assets[2].len;
	if (strstr(w->js, "</script") != NULL || strstr(w->css, "</style") !=
	    NULL) {
		snprintf(err, errlen, "%s: app.js may not hold \"</script\", "
		    "nor app.css \"</style\" (they are put inside the page)",
		    dir);
		goto fail;
	}
	csp_hash(w->js, w->js_len, jsh, sizeof(jsh));
	csp_hash(w->css, w->css_len, cssh, sizeof(cssh));
	snprintf(w->csp, sizeof(w->csp), "default-src 'self'; img-src 'self' "
	    "data:; media-src 'self'; script-src 'self' %s; style-src 'self' "
	    "%s; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
	    jsh, cssh);
	favicon_make(w->favicon, sizeof(w->favicon));
	http_blob_init(&w->favicon_blob, (const char *)w->favicon,
	    sizeof(w->favicon));
	w->home = xstrdup(home_html);
	http_blob_init(&w->home_blob, w->home, strlen(w->home));
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
		if (!w->assets[i].immutable)
			free(w->assets[i].data);
	}
	while (w->cache != NULL) {
		struct cached_page *next = w->cache->next;

		page_free(w->cache);
		w->cache = next;
	}
	if (w->home != NULL) {
		http_blob_free(&w->home_blob);
		http_blob_free(&w->favicon_blob);
	}
	free(w->home);
	free(w->html);
	pthread_mutex_destroy(&w->cache_mtx);
	free(w);
}

/* Appends s with every "<" escaped, so no value can close the element. */
static void
put_json(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '<')
			buf_puts(b, "\\u003c");
		else
			buf_putc(b, *s);
	}
}

/*
 * The page: app.html with the style, the settings as a JSON data block and
 * the script put in.  Returns the HTML (caller frees), or NULL when it
 * would not fit.
 */
static char *
render(struct app *app, json_t *cfg, size_t *len)
{
	struct web *w = app->web;
	struct buf b;
	char *js;

	json_object_set_new(cfg, "idle_seconds",
	    json_integer(app->idle_seconds));
	js = json_dumps(cfg, JSON_COMPACT | JSON_ESCAPE_SLASH);
	if (js == NULL)
		return NULL;
	buf_init(&b, WEB_FILE_MAX * 4);
	buf_append(&b, w->part[0], w->part_len[0]);
	web_first_html(&b, cfg);
	buf_append(&b, w->part[1], w->part_len[1]);
	buf_puts(&b, "<style>");
	buf_append(&b, w->css, w->css_len);
	buf_puts(&b, "</style>");
	buf_append(&b, w->part[2], w->part_len[2]);
	/* The start screen, as the script draws it and before the settings
	 * and the script, so a slow phone shows it from the first part of
	 * the page; the script then takes it over. */
	web_first_screen(&b, cfg);
	buf_append(&b, w->part[3], w->part_len[3]);
	buf_puts(&b, "<script type=\"application/json\" id=\"kb-config\">");
	put_json(&b, js);
	buf_puts(&b, "</script>");
	buf_append(&b, w->part[4], w->part_len[4]);
	buf_puts(&b, "<script>");
	buf_append(&b, w->js, w->js_len);
	buf_puts(&b, "</script>");
	buf_append(&b, w->part[5], w->part_len[5]);
	free(js);
	if (buf_failed(&b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_release(&b, len);
}

static void
page_headers(struct app *app, struct http_request *r)
{
	http_reply_header(r, "Cache-Control", "no-store");
	http_reply_header(r, "Content-Security-Policy", app->web->csp);
	http_reply_header(r, "Vary", "Accept-Language");
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
	page_headers(app, r);
	return 200;
}

/*
 * The survey's languages that the app can show, with their interface
 * texts, own names and writing directions, and English and Dutch for the
 * words a translation lacks.
 */
static void
config_languages(struct app *app, const struct survey *s, json_t *cfg)
{
	const struct i18n *set = survey_set_i18n(app->surveys);
	json_t *texts = json_object(), *names = json_object();
	json_t *dirs = json_object();
	const char *extra[2] = { "en", "nl" };
	size_t i;

	for (i = 0; i < s->nlanguages + 2; i++) {
		const char *code = i < s->nlanguages ? s->languages[i] :
		    extra[i - s->nlanguages];
		const struct i18n_lang *l = i18n_find(set, code);

		if (l == NULL || json_object_get(texts, code) != NULL)
			continue;
		json_object_set(texts, code, l->texts);
		json_object_set_new(names, code, json_string(l->name));
		json_object_set_new(dirs, code, json_string(l->rtl ? "rtl" :
		    "ltr"));
	}
	json_object_set_new(cfg, "i18n", texts);
	json_object_set_new(cfg, "names", names);
	json_object_set_new(cfg, "dirs", dirs);
	json_object_set(cfg, "def", s->def);
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
	config_languages(app, s, cfg);
	return cfg;
}

/*
 * The survey language the browser prefers most (Accept-Language, by
 * q-value, then order), or NULL when it names none of them.
 */
static const char *
accept_language(struct http_request *r, const struct survey *s)
{
	const char *h = http_request_header(r, "Accept-Language"), *p;
	const char *best = NULL;
	double bestq = 0;
	size_t i;

	if (h == NULL)
		return NULL;
	for (p = h; *p != '\0';) {
		char tag[16];
		size_t n = 0;
		double q = 1.0;
		const char *e;

		while (*p == ' ' || *p == ',')
			p++;
		while (*p != '\0' && *p != ',' && *p != ';' && *p != '-' &&
		    *p != ' ' && n + 1 < sizeof(tag)) {
			char c = *p++;

			tag[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		tag[n] = '\0';
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		/* ";q=0.8" anywhere before the next comma */
		{
			const char *qp = strstr(p, "q=");

			if (qp != NULL && qp < e) {
				char num[8];
				size_t k = 0;

				qp += 2;
				while (k + 1 < sizeof(num) && qp < e &&
				    ((*qp >= '0' && *qp <= '9') || *qp == '.'))
					num[k++] = *qp++;
				num[k] = '\0';
				q = strtod(num, NULL);
			}
		}
		for (i = 0; n > 0 && q > bestq && i < s->nlanguages; i++) {
			if (strcmp(s->languages[i], tag) == 0) {
				best = s->languages[i];
				bestq = q;
				break;
			}
		}
		p = e;
	}
	return best;
}

static void
page_free(struct cached_page *c)
{
	http_blob_free(&c->blob);
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
	int status;

	if (lang != NULL && !survey_has_language(s, lang))
		lang = NULL;
	snprintf(key, sizeof(key), "%s|%s|%lld|%s|%s|%u", mode, s->id,
	    s->version, loc->id, lang ? lang : "", gen);
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
		http_blob_init(&c->blob, c->html, c->len);
		c->next = w->cache;
		w->cache = c;
	}
	c->refs++;
	pthread_mutex_unlock(&w->cache_mtx);
	http_request_set_state(r, c, page_release);
	status = http_reply_blob(r, "text/html; charset=utf-8", &c->blob);
	page_headers(app, r);
	return status;
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
	const char *l = http_request_query(r, "loc"), *lang;

	s = survey_set_find(app->surveys, http_request_tail(r), 0);
	if (s == NULL)
		return not_found_page(r, "Deze vragenlijst bestaat niet. / "
		    "This survey does not exist.");
	loc = l ? survey_set_location(app->surveys, l) : NULL;
	if (loc == NULL)
		return not_found_page(r, "Deze link mist een geldige locatie. "
		    "/ This link has no valid location.");
	lang = http_request_query(r, "lang");
	if (lang == NULL || !survey_has_language(s, lang))
		lang = accept_language(r, s);
	return cached_page(app, r, "phone", s, loc, lang);
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
	const char *lang;
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
	/* The language the invitation chose, unless that was only the
	 * survey's default: then the one the phone prefers. */
	lang = v.lang;
	if (strcmp(lang, s->languages[0]) == 0 && accept_language(r, s))
		lang = accept_language(r, s);
	cfg = base_config(app, "phone", "sms", s, loc, lang);
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

	for (i = 0; i < app->web->nassets; i++) {
		const struct asset *a = &app->web->assets[i];

		if (strcmp(a->name, name) == 0) {
			/* A hashed name never changes its content; the
			 * plain one is revalidated after five minutes. */
			http_reply_header(r, "Cache-Control", a->immutable ?
			    "public, max-age=31536000, immutable" :
			    "public, max-age=300");
			return http_reply_blob(r, a->ctype, &a->blob);
		}
	}
	return http_reply_error(r, 404, "not_found", NULL,
	    "there is no such file");
}

int
web_favicon(struct app *app, struct http_request *r)
{
	http_reply_header(r, "Cache-Control", "public, max-age=604800");
	return http_reply_blob(r, "image/x-icon", &app->web->favicon_blob);
}

int
web_home(struct app *app, struct http_request *r)
{
	http_reply_header(r, "Cache-Control", "public, max-age=300");
	return http_reply_blob(r, "text/html; charset=utf-8",
	    &app->web->home_blob);
}
