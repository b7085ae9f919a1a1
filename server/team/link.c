/*
 * link.c — survey links as URLs, QR codes and posters.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "link.h"
#include "qr.h"
#include "util.h"

int
link_base_private(const char *base_url)
{
	unsigned char a[16];
	char host[256];
	const char *p = strstr(base_url, "://"), *e;
	size_t n;

	p = p ? p + 3 : base_url;
	if (*p == '[') {			/* [IPv6]:port */
		e = strchr(++p, ']');
		if (e == NULL)
			return 1;
	} else {
		e = p + strcspn(p, ":/?#");
	}
	n = (size_t)(e - p);
	if (n == 0 || n >= sizeof(host))
		return 1;
	memcpy(host, p, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127 || a[0] == 10 || a[0] == 0 ||
		    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168) ||
		    (a[0] == 169 && a[1] == 254) ||
		    (a[0] == 100 && (a[1] & 0xc0) == 64);
	if (inet_pton(AF_INET6, host, a) == 1) {
		static const unsigned char lo[16] = { [15] = 1 }, any[16];

		return memcmp(a, lo, 16) == 0 || memcmp(a, any, 16) == 0 ||
		    (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe &&
		    (a[1] & 0xc0) == 0x80);
	}
	if (strchr(host, '.') == NULL)		/* localhost, kiosk-pc */
		return 1;
	n = strlen(host);
	return (n > 10 && strcasecmp(host + n - 10, ".localhost") == 0) ||
	    (n > 6 && strcasecmp(host + n - 6, ".local") == 0) ||
	    (n > 9 && strcasecmp(host + n - 9, ".internal") == 0) ||
	    (n > 10 && strcasecmp(host + n - 10, ".home.arpa") == 0);
}

char *
link_url(const char *base_url, const char *survey, const char *loc,
    const char *lang)
{
	struct buf b;
	size_t n = strlen(base_url);

	buf_init(&b, 8192);
	/* A trailing slash in the base would double the one before "s". */
	while (n > 0 && base_url[n - 1] == '/')
		n--;
	buf_append(&b, base_url, n);
	buf_printf(&b, "/s/%s?loc=%s", survey, loc);
	if (lang != NULL)
		buf_printf(&b, "&lang=%s", lang);
	return buf_release(&b, NULL);
}

/*
 * The poster's sentence in lang: scan with the phone's camera, anonymous,
 * how long (the interface texts' posterScan and posterAnonymous).
 */
static char *
poster_sentence(const struct i18n *i, const char *lang, long long minutes)
{
	const char *scan = i18n_text(i, lang, "posterScan", 0);
	const char *anon = i18n_text(i, lang, "posterAnonymous", 0), *p;
	struct buf b;

	if (scan == NULL || anon == NULL)
		return NULL;
	buf_init(&b, 1024);
	buf_puts(&b, scan);
	buf_puts(&b, ". ");
	for (p = anon; *p != '\0'; p++) {
		if (strncmp(p, "{n}", 3) == 0) {
			buf_printf(&b, "%lld", minutes);
			p += 2;
		} else {
			buf_putc(&b, *p);
		}
	}
	return buf_release(&b, NULL);
}

/* "Ook in: English · العربية · ..." and the help line, in lang. */
static char *
poster_languages(const struct i18n *i, const struct survey *s,
    const char *lang)
{
	const char *also = i18n_text(i, lang, "posterLanguages", 0);
	struct buf b;
	size_t k, n = 0;

	if (also == NULL || s->nlanguages < 2)
		return NULL;
	buf_init(&b, 2048);
	buf_puts(&b, also);
	for (k = 0; k < s->nlanguages; k++) {
		const struct i18n_lang *l = i18n_find(i, s->languages[k]);

		if (strcmp(s->languages[k], lang) == 0)
			continue;
		buf_puts(&b, n++ ? " · " : " ");
		buf_puts(&b, l != NULL ? l->name : s->languages[k]);
	}
	return buf_release(&b, NULL);
}

static const char *
text_in(const struct survey *s, const char *key, const char *lang)
{
	return json_string_value(json_object_get(json_object_get(s->def, key),
	    lang));
}

int
link_render(const struct survey_set *set, const char *base_url,
    const struct link_request *req, char **out, size_t *len,
    const char **ctype, char *err, size_t errlen)
{
	const struct survey *s;
	const struct survey_location *loc;
	struct qr_poster p;
	struct qr *q = NULL;
	const char *first, *second = NULL;
	char *url = NULL, *sent[2] = { NULL, NULL }, *langs = NULL;
	const struct i18n *i18n = survey_set_i18n(set);
	json_t *mj;
	long long minutes;
	int rc = 500;

	*out = NULL;
	s = req->survey ? survey_set_find(set, req->survey, 0) : NULL;
	if (s == NULL) {
		snprintf(err, errlen, "there is no survey '%s'",
		    req->survey ? req->survey : "");
		return 404;
	}
	loc = req->location ? survey_set_location(set, req->location) : NULL;
	if (loc == NULL) {
		snprintf(err, errlen, "there is no location '%s' in "
		    "locations.json", req->location ? req->location : "");
		return 404;
	}
	if (req->lang != NULL && !survey_has_language(s, req->lang)) {
		snprintf(err, errlen, "survey '%s' has no language '%s'",
		    s->id, req->lang);
		return 422;
	}
	url = link_url(base_url, s->id, loc->id, req->lang);
	if (qr_encode(url, &q, err, errlen) == -1)
		goto out;
	switch (req->format) {
	case LINK_SVG:
		*out = qr_svg(q, len);
		*ctype = "image/svg+xml";
		break;
	case LINK_PNG:
		if (qr_png(q, req->size ? req->size : 600,
		    (unsigned char **)out, len, err, errlen) == -1) {
			rc = 422;
			goto out;
		}
		*ctype = "image/png";
		break;
	case LINK_POSTER_SVG:
	case LINK_POSTER_HTML:
		first = req->lang ? req->lang : s->languages[0];
		if (s->nlanguages > 1)
			second = strcmp(first, s->languages[0]) == 0 ?
			    s->languages[1] : s->languages[0];
		mj = json_object_get(s->def, "minutes");
		minutes = json_is_integer(mj) ? json_integer_value(mj) : 5;
		sent[0] = poster_sentence(i18n, first, minutes);
		sent[1] = second ? poster_sentence(i18n, second, minutes) :
		    NULL;
		langs = poster_languages(i18n, s, first);
		memset(&p, 0, sizeof(p));
		p.title[0] = text_in(s, "title", first);
		p.title[1] = second ? text_in(s, "title", second) : NULL;
		p.sentence[0] = sent[0];
		p.sentence[1] = sent[1];
		p.location = json_string_value(json_object_get(loc->name,
		    first));
		if (p.location == NULL)
			p.location = json_string_value(json_object_get(
			    loc->name, "nl"));
		p.url = url;
		p.lang = first;
		p.footer[0] = langs;
		p.footer[1] = i18n_text(i18n, first, "posterHelp", 0);
		if (req->format == LINK_POSTER_SVG) {
			*out = qr_poster_svg(q, &p, len);
			*ctype = "image/svg+xml";
		} else {
			*out = qr_poster_html(q, &p, len);
			*ctype = "text/html; charset=utf-8";
		}
		break;
	}
	if (*out == NULL) {
		snprintf(err, errlen, "the image could not be made");
		goto out;
	}
	rc = 0;
out:
	free(sent[0]);
	free(sent[1]);
	free(langs);
	free(url);
	qr_free(q);
	return rc;
}
