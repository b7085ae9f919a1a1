/*
 * link.h — a survey's public link for one location, as a URL, a QR code
 * (SVG or PNG) or a printable poster.  The command line and the dashboard
 * both come here, so they always print the same thing.
 */
#ifndef KB_LINK_H
#define KB_LINK_H

#include <stddef.h>

#include "survey.h"

enum link_format {
	LINK_SVG,		/* the QR code */
	LINK_PNG,
	LINK_POSTER_SVG,	/* an A4 poster for offline printing */
	LINK_POSTER_HTML	/* the same, as a printable page */
};

struct link_request {
	const char		*survey;
	const char		*location;
	const char		*lang;		/* NULL: the survey's default */
	enum link_format	 format;
	unsigned		 size;		/* PNG pixels; 0: 600 */
};

/*
 * Renders the request.  Returns 0 with *out (caller frees), *len and
 * *ctype set; or an HTTP-like status with err filled: 404 for an unknown
 * survey or location, 422 for a bad language or size, 500 otherwise.
 */
int	 link_render(const struct survey_set *set, const char *base_url,
	    const struct link_request *req, char **out, size_t *len,
	    const char **ctype, char *err, size_t errlen)
	    __attribute__((warn_unused_result));

/*
 * Whether base_url points where a phone outside cannot reach: a loopback,
 * private or link-local address, "localhost", or a name without a dot.
 * Posters, QR codes and SMS links made with it would lead nowhere.
 */
int	 link_base_private(const char *base_url);

/* The URL a code encodes: BASE/s/SURVEY?loc=LOC[&lang=xx].  Caller frees. */
char	*link_url(const char *base_url, const char *survey, const char *loc,
	    const char *lang);

#endif
