/*
 * qr.c — owns libqrencode and libpng: encodes a survey link once into a
 * module grid and draws it as SVG, PNG, or an A4 poster in SVG or HTML.
 */
#include <errno.h>
#include <png.h>
#include <qrencode.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qr.h"
#include "util.h"

#define QR_QUIET	4	/* modules of light margin on every side */
#define QR_Q_MAX_VERSION 10	/* above this, level M keeps the code coarse */
#define QR_TEXT_MAX	2331	/* bytes of version 40-M in 8-bit mode */
#define QR_OUT_MAX	(4u * 1024 * 1024)	/* cap of every document built */

/* A4 portrait, all in mm. */
#define A4_W		210.0
#define A4_H		297.0
#define POSTER_TOP	15.0
#define POSTER_BOTTOM	8.0
#define POSTER_QR_MIN	120.0
#define POSTER_QR_MAX	140.0
#define POSTER_LINES	4	/* most lines any one text block takes */

struct qr {
	int		 width;
	unsigned char	*modules;	/* width * width, row by row, 0 or 1 */
	char		*text;		/* what was encoded, for aria-label */
};

/* One block of poster text: its wrapping rule and how it is drawn. */
struct poster_style {
	double		 size;		/* font size */
	double		 line;		/* line height */
	size_t		 chars;		/* most code points per line */
	size_t		 lines;		/* most lines; the rest is cut with … */
	const char	*attrs;		/* extra attributes of <text> */
};

struct poster_lines {
	char		*line[POSTER_LINES];
	size_t		 n;
	int		 cut;		/* the last line ends in … */
};

static const struct poster_style style_title = {
	11.0, 12.5, 30, 2, " font-size=\"11\" font-weight=\"bold\""
};
static const struct poster_style style_title2 = {
	7.5, 9.0, 42, 1, " font-size=\"7.5\""
};
static const struct poster_style style_sentence = {
	6.0, 7.4, 56, 3, " font-size=\"6\""
};
static const struct poster_style style_location = {
	6.5, 7.5, 46, 2, " font-size=\"6.5\" font-weight=\"bold\""
};
static const struct poster_style style_url = {
	4.5, 6.0, 64, 3, " font-size=\"4.5\" font-family=\"DejaVu Sans Mono, "
	    "Menlo, Consolas, monospace\""
};
/* Long URLs switch to this smaller type before anything is cut. */
static const struct poster_style style_url_small = {
	3.2, 4.5, 90, 3, " font-size=\"3.2\" font-family=\"DejaVu Sans Mono, "
	    "Menlo, Consolas, monospace\""
};

static const char poster_css[] =
	"/* Klankbord poster: one A4 page, black on white. */\n"
	"@page { size: A4; margin: 15mm; }\n"
	"html { background: #fff; color: #000; }\n"
	"body { margin: 0; font-family: Arial, Helvetica, sans-serif; }\n"
	".poster { box-sizing: border-box; width: 180mm; margin: 0 auto;\n"
	"  text-align: center; }\n"
	".poster h1 { font-size: 28pt; line-height: 1.15; margin: 0 0 3mm; }\n"
	".poster .title2 { font-size: 20pt; margin: 0 0 6mm; }\n"
	".poster .sentence { font-size: 14pt; line-height: 1.35;\n"
	"  margin: 0 auto 3mm; max-width: 165mm; }\n"
	".poster .qr { width: 150mm; height: 150mm; margin: 4mm auto; }\n"
	".poster .qr svg { display: block; width: 100%; height: 100%; }\n"
	".poster .location { font-size: 18pt; font-weight: bold;\n"
	"  margin: 0 0 2mm; }\n"
	".poster .url { font-family: \"DejaVu Sans Mono\", Menlo, Consolas,\n"
	"  monospace; font-size: 12pt; overflow-wrap: anywhere; margin: 0; }\n"
	".poster .footer { font-size: 13pt; margin: 3mm 0 0; }\n"
	"@media screen {\n"
	"  body { background: #ccc; padding: 8mm 0; }\n"
	"  .poster { width: 210mm; min-height: 297mm; padding: 15mm;\n"
	"    background: #fff; }\n"
	"}\n"
	"@media print {\n"
	"  .poster { break-inside: avoid; page-break-inside: avoid; }\n"
	"}\n";

static void qr_errf(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills err, when the caller gave one. */
static void
qr_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static QRcode *
qr_encode_level(const char *text, QRecLevel level)
{
	return QRcode_encodeString8bit(text, 0, level);
}

int
qr_encode(const char *text, struct qr **out, char *err, size_t errlen)
{
	QRcode *code = NULL;
	struct qr *q;
	size_t i, n;
	int saved;

	*out = NULL;
	n = text == NULL ? 0 : strlen(text);
	if (n == 0) {
		qr_errf(err, errlen, "nothing to encode: the text is empty");
		return -1;
	}
	if (n > QR_TEXT_MAX) {
		qr_errf(err, errlen, "text of %zu bytes is too long for a QR "
		    "code (at most %d)", n, QR_TEXT_MAX);
		return -1;
	}
	code = qr_encode_level(text, QR_ECLEVEL_Q);
	if (code != NULL && code->version > QR_Q_MAX_VERSION) {
		QRcode_free(code);
		code = NULL;
	}
	if (code == NULL)
		code = qr_encode_level(text, QR_ECLEVEL_M);
	if (code == NULL) {
		saved = errno;
		if (saved == ERANGE)
			qr_errf(err, errlen, "text of %zu bytes is too long "
			    "for a QR code", n);
		else
			qr_errf(err, errlen, "cannot encode QR code: %s",
			    strerror(saved));
		return -1;
	}
	q = xcalloc(1, sizeof(*q));
	q->width = code->width;
	n = (size_t)code->width * (size_t)code->width;
	q->modules = xmalloc(n);
	/* libqrencode keeps other flags in the upper bits; bit 0 is dark. */
	for (i = 0; i < n; i++)
		q->modules[i] = code->data[i] & 1;
	q->text = xstrdup(text);
	QRcode_free(code);
	*out = q;
	return 0;
}

void
qr_free(struct qr *q)
{
	if (q == NULL)
		return;
	free(q->modules);
	free(q->text);
	free(q);
}

int
qr_width(const struct qr *q)
{
	return q->width;
}

int
qr_module(const struct qr *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return 0;
	return q->modules[(size_t)y * (size_t)q->width + (size_t)x];
}

/* Appends the d attribute's value: one subpath per run of dark modules. */
static void
qr_path_append(struct buf *b, const struct qr *q, int off)
{
	int x, y, run;

	for (y = 0; y < q->width; y++) {
		for (x = 0; x < q->width; x += run) {
			run = 0;
			while (x + run < q->width && qr_module(q, x + run, y))
				run++;
			if (run == 0) {
				run = 1;
				continue;
			}
			buf_printf(b, "M%d %dh%dv1h-%dz", x + off, y + off,
			    run, run);
		}
	}
}

/* The <svg> element of q, quiet zone included, without XML declaration. */
static void
qr_svg_append(struct buf *b, const struct qr *q)
{
	int side = q->width + 2 * QR_QUIET;

	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\" "
	    "role=\"img\" aria-label=\"QR code: ", side, side);
	buf_html(b, q->text);
	buf_printf(b, "\">\n<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n"
	    "<path fill=\"#000\" d=\"", side, side);
	qr_path_append(b, q, QR_QUIET);
	buf_puts(b, "\"/>\n</svg>\n");
}

/* Returns b's text to the caller, or NULL (b freed) when it hit its cap. */
static char *
qr_buf_finish(struct buf *b, size_t *len)
{
	size_t n;
	char *s;

	if (buf_failed(b)) {
		buf_free(b);
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	s = buf_release(b, &n);
	if (len != NULL)
		*len = n;
	return s;
}

char *
qr_svg(const struct qr *q, size_t *len)
{
	struct buf b;

	buf_init(&b, QR_OUT_MAX);
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	qr_svg_append(&b, q);
	return qr_buf_finish(&b, len);
}

/* PNG output goes into a capped buffer; libpng errors land in msg. */
struct qr_png_io {
	struct buf	 out;
	char		 msg[128];
};

static void
qr_png_write_cb(png_structp png, png_bytep data, size_t n)
{
	struct qr_png_io *io = png_get_io_ptr(png);

	buf_append(&io->out, data, n);
	if (buf_failed(&io->out))
		png_error(png, "PNG larger than the output cap");
}

static void
qr_png_flush_cb(png_structp png)
{
	(void)png;
}

static void
qr_png_error_cb(png_structp png, png_const_charp msg)
{
	struct qr_png_io *io = png_get_error_ptr(png);

	snprintf(io->msg, sizeof(io->msg), "libpng: %s", msg);
	png_longjmp(png, 1);
}

static void
qr_png_warning_cb(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

/*
 * Writes the image through png.  Everything it touches is owned by the
 * caller, so a longjmp back here only has to return -1.
 */
static int
qr_png_rows(png_structp png, png_infop info, const struct qr *q,
    unsigned size, unsigned scale, unsigned char *row)
{
	unsigned rowbytes = (size + 7) / 8;
	unsigned margin, py, px;
	int my, mx;

	if (setjmp(png_jmpbuf(png)))
		return -1;
	margin = (size - scale * (unsigned)(q->width + 2 * QR_QUIET)) / 2 +
	    scale * QR_QUIET;
	png_set_IHDR(png, info, size, size, 1, PNG_COLOR_TYPE_GRAY,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	png_set_compression_level(png, 9);
	png_write_info(png, info);
	for (py = 0; py < size; py++) {
		memset(row, 0xff, rowbytes);
		my = py < margin ? -1 : (int)((py - margin) / scale);
		for (px = 0; my >= 0 && my < q->width && px < size; px++) {
			mx = px < margin ? -1 : (int)((px - margin) / scale);
			if (qr_module(q, mx, my))
				row[px / 8] &= (unsigned char)~(0x80u >> (px % 8));
		}
		png_write_row(png, row);
	}
	png_write_end(png, info);
	return 0;
}

int
qr_png(const struct qr *q, unsigned size_px, unsigned char **out,
    size_t *len, char *err, size_t errlen)
{
	struct qr_png_io io;
	png_structp png = NULL;
	png_infop info = NULL;
	unsigned char *row = NULL;
	unsigned side, scale;
	int rc = -1;

	*out = NULL;
	*len = 0;
	memset(&io, 0, sizeof(io));
	buf_init(&io.out, QR_OUT_MAX);
	if (size_px < QR_PNG_MIN || size_px > QR_PNG_MAX) {
		qr_errf(err, errlen, "PNG size %u is out of range "
		    "(%d to %d pixels)", size_px, QR_PNG_MIN, QR_PNG_MAX);
		goto out;
	}
	side = (unsigned)(q->width + 2 * QR_QUIET);
	scale = size_px / side;
	if (scale == 0) {
		qr_errf(err, errlen, "PNG size %u is too small for this code: "
		    "it needs at least %u pixels", size_px, side);
		goto out;
	}
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &io,
	    qr_png_error_cb, qr_png_warning_cb);
	if (png == NULL) {
		qr_errf(err, errlen, "libpng: cannot create write struct");
		goto out;
	}
	info = png_create_info_struct(png);
	if (info == NULL) {
		qr_errf(err, errlen, "libpng: cannot create info struct");
		goto out;
	}
	png_set_write_fn(png, &io, qr_png_write_cb, qr_png_flush_cb);
	row = xmalloc((size_px + 7) / 8);
	if (qr_png_rows(png, info, q, size_px, scale, row) == -1) {
		qr_errf(err, errlen, "%s", io.msg[0] ? io.msg : "libpng failed");
		goto out;
	}
	*out = (unsigned char *)buf_release(&io.out, len);
	rc = 0;
out:
	free(row);
	if (png != NULL)
		png_destroy_write_struct(&png, info != NULL ? &info : NULL);
	buf_free(&io.out);
	return rc;
}

const char *
qr_poster_css(void)
{
	return poster_css;
}

/* Code points in s[0..n), for the character-count rules. */
static size_t
qr_utf8_count(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* Bytes of the first max code points of s[0..n). */
static size_t
qr_utf8_prefix(const char *s, size_t n, size_t max)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (c == max)
				return i;
			c++;
		}
	}
	return n;
}

static void
poster_lines_free(struct poster_lines *pl)
{
	size_t i;

	for (i = 0; i < pl->n; i++)
		free(pl->line[i]);
	pl->n = 0;
}

/*
 * Adds s[0..n) as the next line; once st->lines are full, marks the last
 * one cut with "…" (shortened to keep within st->chars).
 */
static void
poster_lines_add(struct poster_lines *pl, const struct poster_style *st,
    const char *s, size_t n)
{
	char *last;
	size_t keep;

	if (pl->n < st->lines) {
		pl->line[pl->n++] = xstrndup(s, n);
		return;
	}
	if (pl->cut)
		return;
	pl->cut = 1;
	last = pl->line[pl->n - 1];
	keep = strlen(last);
	keep = qr_utf8_prefix(last, keep, st->chars - 1);
	while (keep > 0 && last[keep - 1] == ' ')
		keep--;
	pl->line[pl->n - 1] = xmalloc(keep + sizeof("…"));
	memcpy(pl->line[pl->n - 1], last, keep);
	memcpy(pl->line[pl->n - 1] + keep, "…", sizeof("…"));
	free(last);
}

/*
 * Wraps text at spaces into lines of at most st->chars code points; a
 * word longer than a line is broken inside.
 */
static void
poster_wrap(struct poster_lines *pl, const struct poster_style *st,
    const char *text)
{
	struct buf line;
	const char *w = text;
	size_t wlen, cut, have = 0;

	buf_init(&line, QR_OUT_MAX);
	for (;;) {
		while (*w == ' ' || *w == '\t' || *w == '\n' || *w == '\r')
			w++;
		if (*w == '\0')
			break;
		wlen = strcspn(w, " \t\n\r");
		if (have > 0 && have + 1 + qr_utf8_count(w, wlen) <= st->chars) {
			buf_putc(&line, ' ');
			buf_append(&line, w, wlen);
			have += 1 + qr_utf8_count(w, wlen);
			w += wlen;
			continue;
		}
		if (have > 0) {
			poster_lines_add(pl, st, line.data, line.len);
			buf_reset(&line);
			have = 0;
		}
		while (qr_utf8_count(w, wlen) > st->chars) {
			cut = qr_utf8_prefix(w, wlen, st->chars);
			poster_lines_add(pl, st, w, cut);
			w += cut;
			wlen -= cut;
		}
		buf_append(&line, w, wlen);
		have = qr_utf8_count(w, wlen);
		w += wlen;
	}
	if (have > 0)
		poster_lines_add(pl, st, line.data, line.len);
	buf_free(&line);
}

/*
 * Breaks a URL by character count, after a '/', '=' or '-' or before a
 * '?' or '&' when one falls in the second half of the line, so the pieces
 * read naturally.
 */
static void
poster_wrap_url(struct poster_lines *pl, const struct poster_style *st,
    const char *url)
{
	size_t n = strlen(url), cut, i;

	while (n > 0) {
		cut = qr_utf8_prefix(url, n, st->chars);
		if (cut < n) {
			for (i = cut; i > cut / 2; i--) {
				if (strchr("/=-", url[i - 1]) != NULL ||
				    url[i] == '?' || url[i] == '&') {
					cut = i;
					break;
				}
			}
		}
		poster_lines_add(pl, st, url, cut);
		url += cut;
		n -= cut;
	}
}

/* Draws the lines centred from top y; returns the y below them. */
static double
poster_text(struct buf *b, const struct poster_style *st,
    const struct poster_lines *pl, double y)
{
	size_t i;

	for (i = 0; i < pl->n; i++) {
		buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\"%s>", A4_W / 2,
		    y + (double)i * st->line + st->size * 0.8, st->attrs);
		buf_html(b, pl->line[i]);
		buf_puts(b, "</text>\n");
	}
	return y + (double)pl->n * st->line;
}

static int
poster_valid(const struct qr_poster *p)
{
	return p != NULL && p->title[0] != NULL && p->location != NULL &&
	    p->url != NULL;
}

/* The lines of every block of the SVG poster, wrapped once. */
struct poster_layout {
	struct poster_lines	 title, title2, sent[2], loc, url, foot[2];
	const struct poster_style *url_style;
};

static void
poster_layout_make(struct poster_layout *l, const struct qr_poster *p)
{
	memset(l, 0, sizeof(*l));
	poster_wrap(&l->title, &style_title, p->title[0]);
	if (p->title[1] != NULL)
		poster_wrap(&l->title2, &style_title2, p->title[1]);
	if (p->sentence[0] != NULL)
		poster_wrap(&l->sent[0], &style_sentence, p->sentence[0]);
	if (p->sentence[1] != NULL)
		poster_wrap(&l->sent[1], &style_sentence, p->sentence[1]);
	poster_wrap(&l->loc, &style_location, p->location);
	if (p->footer[0] != NULL)
		poster_wrap(&l->foot[0], &style_sentence, p->footer[0]);
	if (p->footer[1] != NULL)
		poster_wrap(&l->foot[1], &style_sentence, p->footer[1]);
	l->url_style = &style_url;
	if (qr_utf8_count(p->url, strlen(p->url)) >
	    style_url.chars * style_url.lines)
		l->url_style = &style_url_small;
	poster_wrap_url(&l->url, l->url_style, p->url);
}

static void
poster_layout_free(struct poster_layout *l)
{
	poster_lines_free(&l->title);
	poster_lines_free(&l->title2);
	poster_lines_free(&l->sent[0]);
	poster_lines_free(&l->sent[1]);
	poster_lines_free(&l->loc);
	poster_lines_free(&l->url);
	poster_lines_free(&l->foot[0]);
	poster_lines_free(&l->foot[1]);
}

/*
 * The symbol's side in mm: as large as the page allows between 120 and
 * 140 mm, with its 4-module quiet zone kept clear above and below.
 */
static double
poster_qr_size(const struct qr *q, double above, double below)
{
	double room = A4_H - POSTER_BOTTOM - above - below, s;

	/* room = s + 2 * quiet, quiet = QR_QUIET * s / width */
	s = room / (1.0 + 2.0 * QR_QUIET / q->width);
	if (s > POSTER_QR_MAX)
		s = POSTER_QR_MAX;
	if (s < POSTER_QR_MIN)
		s = POSTER_QR_MIN;
	return s;
}

char *
qr_poster_svg(const struct qr *q, const struct qr_poster *p, size_t *len)
{
	struct poster_layout l;
	struct buf b;
	double y, top, above, below, s, quiet, spare;

	if (len != NULL)
		*len = 0;
	if (!poster_valid(p))
		return NULL;
	poster_layout_make(&l, p);
	above = POSTER_TOP + l.title.n * style_title.line +
	    l.title2.n * style_title2.line + 3.0 +
	    (l.sent[0].n + l.sent[1].n) * style_sentence.line + 2.0;
	below = l.loc.n * style_location.line + l.url.n * l.url_style->line +
	    (l.foot[0].n + l.foot[1].n) * style_sentence.line +
	    (l.foot[0].n + l.foot[1].n > 0 ? 3.0 : 0);
	s = poster_qr_size(q, above, below);
	quiet = QR_QUIET * s / q->width;
	/* Half of what is left over goes on top, to balance the page. */
	spare = A4_H - POSTER_BOTTOM - above - below - s - 2 * quiet;
	top = POSTER_TOP + (spare > 0 ? spare / 2 : 0);

	buf_init(&b, QR_OUT_MAX);
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"210mm\" "
	    "height=\"297mm\" viewBox=\"0 0 210 297\"");
	if (p->lang != NULL) {
		buf_puts(&b, " xml:lang=\"");
		buf_html(&b, p->lang);
		buf_puts(&b, "\"");
	}
	buf_puts(&b, ">\n<title>");
	buf_html(&b, p->title[0]);
	buf_puts(&b, "</title>\n<rect width=\"210\" height=\"297\" "
	    "fill=\"#fff\"/>\n<g fill=\"#000\" text-anchor=\"middle\" "
	    "font-family=\"Arial, Helvetica, sans-serif\">\n");
	y = poster_text(&b, &style_title, &l.title, top);
	y = poster_text(&b, &style_title2, &l.title2, y);
	y = poster_text(&b, &style_sentence, &l.sent[0], y + 3.0);
	y = poster_text(&b, &style_sentence, &l.sent[1], y + 2.0);
	y += quiet;
	buf_printf(&b, "<svg id=\"qr\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
	    "height=\"%.1f\" viewBox=\"0 0 %d %d\" "
	    "shape-rendering=\"crispEdges\">\n<path d=\"",
	    (A4_W - s) / 2, y, s, s, q->width, q->width);
	qr_path_append(&b, q, 0);
	buf_puts(&b, "\"/>\n</svg>\n");
	y += s + quiet;
	y = poster_text(&b, &style_location, &l.loc, y);
	y = poster_text(&b, l.url_style, &l.url, y);
	y = poster_text(&b, &style_sentence, &l.foot[0], y + 3.0);
	(void)poster_text(&b, &style_sentence, &l.foot[1], y);
	buf_puts(&b, "</g>\n</svg>\n");
	poster_layout_free(&l);
	return qr_buf_finish(&b, len);
}

/* <tag class="cls">text</tag> with text escaped; nothing when NULL. */
static void
poster_html_elem(struct buf *b, const char *tag, const char *cls,
    const char *text)
{
	if (text == NULL)
		return;
	buf_printf(b, "<%s class=\"%s\">", tag, cls);
	buf_html(b, text);
	buf_printf(b, "</%s>\n", tag);
}

char *
qr_poster_html(const struct qr *q, const struct qr_poster *p, size_t *len)
{
	struct buf b;

	if (len != NULL)
		*len = 0;
	if (!poster_valid(p))
		return NULL;
	buf_init(&b, QR_OUT_MAX);
	buf_puts(&b, "<!doctype html>\n<html");
	if (p->lang != NULL) {
		buf_puts(&b, " lang=\"");
		buf_html(&b, p->lang);
		buf_puts(&b, "\"");
	}
	buf_puts(&b, ">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>");
	buf_html(&b, p->title[0]);
	buf_puts(&b, " – ");
	buf_html(&b, p->location);
	buf_puts(&b, "</title>\n<link rel=\"stylesheet\" "
	    "href=\"/admin/poster.css\">\n</head>\n<body>\n"
	    "<main class=\"poster\">\n");
	poster_html_elem(&b, "h1", "title", p->title[0]);
	poster_html_elem(&b, "p", "title2", p->title[1]);
	poster_html_elem(&b, "p", "sentence", p->sentence[0]);
	poster_html_elem(&b, "p", "sentence", p->sentence[1]);
	buf_puts(&b, "<div class=\"qr\">\n");
	qr_svg_append(&b, q);
	buf_puts(&b, "</div>\n");
	poster_html_elem(&b, "p", "location", p->location);
	poster_html_elem(&b, "p", "url", p->url);
	poster_html_elem(&b, "p", "footer", p->footer[0]);
	poster_html_elem(&b, "p", "footer", p->footer[1]);
	buf_puts(&b, "</main>\n</body>\n</html>\n");
	return qr_buf_finish(&b, len);
}
