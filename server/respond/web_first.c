/*
 * web_first.c — the start screen of the respondent app, drawn on the server
 * with the same elements and classes as app.js draws it (screenStart and
 * topBar there), so the page shows it before its script has run.  Change
 * the two together.
 */
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "web_first.h"

/* The icons app.js draws (ICON there): SVG path data. */
static const char *const icon_speaker[] = { "M4 9h4l5-4v14l-5-4H4z",
    "M16.5 8.5a5 5 0 0 1 0 7", "M19 6a8.5 8.5 0 0 1 0 12", NULL };
static const char *const icon_next[] = { "M9 5l7 7-7 7", NULL };
static const char *const icon_lock[] = { "M6 11h12v9H6z",
    "M9 11V8a3 3 0 0 1 6 0v3", NULL };
static const char *const icon_clock[] = {
    "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z", "M12 7v5l3 2", NULL };
static const char *const icon_phone[] = { "M5 4h4l2 5-2.5 1.5a11 11 0 0 0 "
    "5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z", NULL };
static const char *const icon_phoneoff[] = { "M5 4h4l2 5-2.5 1.5a11 11 0 0 "
    "0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z",
    "M3 3l18 18", NULL };

static void
icon(struct buf *b, const char *const *paths)
{
	buf_puts(b, "<svg viewBox=\"0 0 24 24\" aria-hidden=\"true\" "
	    "focusable=\"false\" class=\"ico \">");
	for (; *paths != NULL; paths++)
		buf_printf(b, "<path d=\"%s\"></path>", *paths);
	buf_puts(b, "</svg>");
}

/* A survey text ({"nl": ...}) in lang, else the default; "" if none. */
static const char *
text_of(json_t *obj, const char *lang, const char *dflt)
{
	const char *t = json_string_value(json_object_get(obj, lang));

	if (t == NULL)
		t = json_string_value(json_object_get(obj, dflt));
	return t ? t : "";
}

/* An interface word: lang, then English, then Dutch (t() in app.js). */
static const char *
word(json_t *i18n, const char *lang, const char *key)
{
	const char *chain[3] = { lang, "en", "nl" }, *t;
	size_t i;

	for (i = 0; i < 3; i++) {
		t = json_string_value(json_object_get(json_object_get(i18n,
		    chain[i]), key));
		if (t != NULL)
			return t;
	}
	return key;
}

/* The language shown first: the page's, else the survey's default. */
static const char *
first_lang(json_t *cfg)
{
	const char *l = json_string_value(json_object_get(cfg, "lang"));
	json_t *langs = json_object_get(json_object_get(cfg, "def"),
	    "languages");

	if (l == NULL)
		l = json_string_value(json_array_get(langs, 0));
	return l ? l : "nl";
}

static int
rtl(json_t *cfg, const char *lang)
{
	const char *d = json_string_value(json_object_get(json_object_get(cfg,
	    "dirs"), lang));

	return d != NULL && strcmp(d, "rtl") == 0;
}

void
web_first_html(struct buf *b, json_t *cfg)
{
	const char *lang = first_lang(cfg);
	const char *mode = json_string_value(json_object_get(cfg, "mode"));
	int kiosk = mode != NULL && strcmp(mode, "kiosk") == 0;

	buf_puts(b, "<html lang=\"");
	buf_html(b, lang);
	buf_printf(b, "\" dir=\"%s\" class=\"%s\"%s>", rtl(cfg, lang) ?
	    "rtl" : "ltr", kiosk ? "kiosk" : "phone",
	    kiosk ? " translate=\"no\"" : "");
}

static void
languages(struct buf *b, json_t *cfg, const char *lang)
{
	json_t *i18n = json_object_get(cfg, "i18n");
	json_t *names = json_object_get(cfg, "names");
	json_t *langs = json_object_get(json_object_get(cfg, "def"),
	    "languages"), *v, *seen = json_array();
	size_t i, j, n = 0;

	if (json_array_size(langs) < 2)
		goto out;
	buf_puts(b, "<div class=\"langs\" role=\"group\" aria-labelledby=\""
	    "lang-label\"><p id=\"lang-label\" class=\"langs-label\">");
	json_array_foreach(langs, i, v) {
		const char *w = json_string_value(json_object_get(
		    json_object_get(i18n, json_string_value(v)), "language"));
		int dup = 0;

		for (j = 0; w != NULL && j < json_array_size(seen); j++)
			dup |= strcmp(json_string_value(json_array_get(seen,
			    j)), w) == 0;
		if (w == NULL || dup)
			continue;
		json_array_append_new(seen, json_string(w));
		if (n++ > 0)
			buf_puts(b, " / ");
		buf_html(b, w);
	}
	if (n == 0)
		buf_html(b, word(i18n, lang, "language"));
	buf_puts(b, "</p><div class=\"lang-row\">");
	json_array_foreach(langs, i, v) {
		const char *l = json_string_value(v);
		const char *name = json_string_value(json_object_get(names, l));

		buf_puts(b, "<button type=\"button\" class=\"btn lang\" lang=\"");
		buf_html(b, l);
		buf_printf(b, "\" dir=\"%s\" aria-pressed=\"%s\" data-lang=\"",
		    rtl(cfg, l) ? "rtl" : "ltr", strcmp(l, lang) == 0 ?
		    "true" : "false");
		buf_html(b, l);
		buf_puts(b, "\">");
		buf_html(b, name ? name : l);
		buf_puts(b, "</button>");
	}
	buf_puts(b, "</div></div>");
out:
	json_decref(seen);
}

static void
fact(struct buf *b, const char *const *ico, const char *text)
{
	buf_puts(b, "<li class=\"say\">");
	icon(b, ico);
	buf_puts(b, "<span>");
	buf_html(b, text);
	buf_puts(b, "</span></li>");
}

void
web_first_screen(struct buf *b, json_t *cfg)
{
	json_t *def = json_object_get(cfg, "def");
	json_t *i18n = json_object_get(cfg, "i18n");
	const char *lang = first_lang(cfg), *dflt, *where, *p;
	long long mins;

	buf_puts(b, "<div id=\"app\">");
	if (!json_is_object(def)) {
		buf_puts(b, "<main id=\"main\" class=\"screen\"><p class=\""
		    "note\">Even geduld… / One moment…</p></main></div>");
		return;
	}
	dflt = json_string_value(json_array_get(json_object_get(def,
	    "languages"), 0));
	if (dflt == NULL)
		dflt = "nl";
	buf_puts(b, "<header class=\"bar\">");
	where = text_of(json_object_get(cfg, "location_name"), lang, dflt);
	if (*where != '\0') {
		buf_puts(b, "<p class=\"where\">");
		buf_html(b, where);
		buf_puts(b, "</p>");
	}
	buf_puts(b, "<div class=\"bar-btns\"><button type=\"button\" class=\""
	    "btn helpbtn\" id=\"helpbtn\" aria-haspopup=\"dialog\">");
	icon(b, icon_phone);
	buf_puts(b, "<span>");
	buf_html(b, word(i18n, lang, "helpButton"));
	buf_puts(b, "</span></button><button type=\"button\" class=\"btn "
	    "read\" id=\"read\" aria-pressed=\"false\">");
	icon(b, icon_speaker);
	buf_puts(b, "<span>");
	buf_html(b, word(i18n, lang, "readAloud"));
	buf_puts(b, "</span></button></div></header><main id=\"main\" class=\""
	    "screen start\"><h1 tabindex=\"-1\" class=\"say\">");
	buf_html(b, text_of(json_object_get(def, "title"), lang, dflt));
	buf_puts(b, "</h1>");
	languages(b, cfg, lang);
	buf_puts(b, "<p class=\"intro say\">");
	buf_html(b, text_of(json_object_get(def, "intro"), lang, dflt));
	buf_puts(b, "</p><ul class=\"facts\">");
	fact(b, icon_lock, word(i18n, lang, "anonymous"));
	mins = json_integer_value(json_object_get(def, "minutes"));
	if (mins == 1) {
		fact(b, icon_clock, word(i18n, lang, "minutes1"));
	} else if (mins > 1) {
		struct buf m;

		buf_init(&m, 1024);
		for (p = word(i18n, lang, "minutes"); *p != '\0'; p++) {
			if (strncmp(p, "{n}", 3) == 0) {
				buf_printf(&m, "%lld", mins);
				p += 2;
			} else {
				buf_putc(&m, *p);
			}
		}
		fact(b, icon_clock, buf_cstr(&m));
		buf_free(&m);
	}
	fact(b, icon_phoneoff, word(i18n, lang, "noCallback"));
	buf_puts(b, "</ul><div class=\"nav\"><button type=\"button\" class=\""
	    "btn primary go\" id=\"start\"><span>");
	buf_html(b, word(i18n, lang, "start"));
	buf_puts(b, "</span>");
	icon(b, icon_next);
	buf_puts(b, "</button></div></main></div>");
}
