/*
 * link.c — survey links as URLs, QR codes and posters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "qr.h"
#include "util.h"

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

/* "Tell us how it went", anonymous, minutes: one B1 sentence. */
static char *
poster_sentence(const char *lang, long long minutes)
{
	struct buf b;

	buf_init(&b, 1024);
	if (strcmp(lang, "nl") == 0)
		buf_printf(&b, "Vertel ons hoe de hulp was. Het is anoniem en "
		    "duurt ongeveer %lld minuten.", minutes);
	else if (strcmp(lang, "en") == 0)
		buf_printf(&b, "Tell us how the help was. It is anonymous and "
		    "takes about %lld minutes.", minutes);
	else
		return NULL;
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
	char *url = NULL, *sent[2] = { NULL, NULL };
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
		sent[0] = poster_sentence(first, minutes);
		sent[1] = second ? poster_sentence(second, minutes) : NULL;
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
	free(url);
	qr_free(q);
	return rc;
}
