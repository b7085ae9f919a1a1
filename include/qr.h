/*
 * qr.h — QR codes of survey links: one encoded symbol (struct qr) drawn as
 * SVG or PNG, and the printable A4 poster around it (SVG, or HTML with a
 * separate stylesheet).  Only qr.c includes <qrencode.h> and <png.h>.
 */
#ifndef KB_QR_H
#define KB_QR_H

#include <stddef.h>

/* Opaque: one encoded symbol. */
struct qr;

/* Bounds of the size_px argument of qr_png. */
#define QR_PNG_MIN	100
#define QR_PNG_MAX	4000

/*
 * Encodes text (1..2331 bytes, taken as is: 8-bit mode, case-sensitive)
 * with libqrencode at error correction level Q when that fits in version
 * 10 (57 modules a side) or less, else at level M.  Returns 0 with *out set
 * (free with qr_free), or -1 with *out NULL and err filled, e.g. when text
 * is empty or too long for any version.
 */
int	 qr_encode(const char *text, struct qr **out, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
/* Frees q; NULL is fine. */
void	 qr_free(struct qr *q);

/* Modules per side, without the quiet zone (21 for version 1 .. 177). */
int	 qr_width(const struct qr *q);
/*
 * 1 when the module at column x, row y (0-based, from the top left) is
 * dark, else 0.  Outside 0..width-1 it returns 0: the quiet zone is light.
 */
int	 qr_module(const struct qr *q, int x, int y);

/*
 * A standalone SVG document of q: black modules on a white square with a
 * quiet zone of 4 modules, all dark modules in one <path> (runs merged per
 * row), viewBox in modules, shape-rendering="crispEdges", no width or height
 * so it scales to whatever holds it.  Starts with an XML declaration line.
 * Returns a NUL-terminated string the caller frees, its length in *len
 * (len may be NULL).
 */
char	*qr_svg(const struct qr *q, size_t *len);

/*
 * Draws q as a PNG (1-bit grayscale, black on white) exactly size_px wide
 * and high: each module is scale = size_px / (width + 8) pixels (rounded
 * down), the code with its 4-module quiet zone is centred and the white
 * margin absorbs the rest.  Returns 0 with *out (the caller frees it) and
 * *len set, or -1 with *out NULL and err filled when size_px is outside
 * QR_PNG_MIN..QR_PNG_MAX, too small for this code, or libpng fails.
 */
int	 qr_png(const struct qr *q, unsigned size_px, unsigned char **out,
	    size_t *len, char *err, size_t errlen)
	    __attribute__((warn_unused_result));

/*
 * What a poster says besides the code.  title[0], location and url are
 * required; title[1], sentence[0] and sentence[1] may be NULL.  Text is
 * plain UTF-8: the poster functions escape it.
 */
struct qr_poster {
	const char	*title[2];	/* survey title, first and second language */
	const char	*sentence[2];	/* one short B1 sentence each: what it is,
					   anonymous, how long */
	const char	*location;	/* location display name */
	const char	*url;		/* written out for those who cannot scan */
	const char	*lang;		/* lang of the first language, e.g. "nl" */
	const char	*footer[2];	/* the other languages; where to get
					   help (Veilig Thuis); each may be NULL */
};

/*
 * An A4 portrait poster (width="210mm" height="297mm", viewBox in mm) as a
 * standalone SVG document: the title(s), the sentences, the code 120 to 140
 * mm wide (the symbol itself, its quiet zone kept clear besides), the
 * location and the URL written out.  Long texts are wrapped at word
 * boundaries by a character-count rule and cut with "…" past a few lines
 * (title 2 lines of 30, second title 1 of 42, sentences 3 of 56, location
 * 2 of 46); the URL is broken by character count near '/', '?', '&', '='
 * and '-' (3 lines of 64, or in smaller type 3 of 90, cut only beyond
 * 270 characters).  Returns a NUL-terminated string the caller frees
 * (length in *len, which may be NULL), or NULL when p lacks a required
 * field.
 */
char	*qr_poster_svg(const struct qr *q, const struct qr_poster *p,
	    size_t *len);

/*
 * The same poster as a printable HTML page: no <style> element and no
 * style attribute (the server's CSP forbids inline styles), but a link to
 * /admin/poster.css, whose text qr_poster_css returns; the code inline as
 * qr_svg markup without its XML declaration, in a box 150 mm wide (so the
 * symbol is at least 120 mm from version 4 up).  Returns a NUL-terminated
 * string the caller frees (length in *len, which may be NULL), or NULL when
 * p lacks a required field.
 */
char	*qr_poster_html(const struct qr *q, const struct qr_poster *p,
	    size_t *len);

/* The stylesheet of qr_poster_html (A4, 15 mm margins); static text. */
const char *qr_poster_css(void);

#endif
