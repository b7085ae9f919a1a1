/*
 * test_qr.c — the QR module: the module grid of one known link, the
 * structure every QR code has whatever the encoder, SVG and PNG output,
 * their limits, and the posters' escaping and CSP-safe HTML.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "qr.h"
#include "util.h"

#define PINNED_URL	"https://example.org/s/ouders?loc=overvecht"

/*
 * The modules of PINNED_URL as libqrencode 4.1 draws it: version 4 (33
 * modules), level Q, 8-bit mode.  '#' is dark.  Computed once and kept
 * here so a change of encoder, level or mode shows up as a diff.
 */
static const char *const pinned_rows[] = {
	"#######.##..#.#.####.#.#..#######",
	"#.....#..###...#.#..#...#.#.....#",
	"#.###.#.....#.######.#..#.#.###.#",
	"#.###.#...######....#.#...#.###.#",
	"#.###.#.###.##.#.##...##..#.###.#",
	"#.....#.###.####.#..###...#.....#",
	"#######.#.#.#.#.#.#.#.#.#.#######",
	"............#........#...........",
	".#######.#.#.##.##..#.#....##...#",
	"#...##..###.##.#..####.#..##.##.#",
	"###...#...#...##..#.#.#..##.#.##.",
	"..###..##.#.###.#..###...##.###..",
	"#.#.#.#.#..#.####.##..####.###.#.",
	"..#......####.#.#...##.#..#..####",
	"#########.#####..#.#.##.####.###.",
	".#...#....###.#...######.##.###..",
	"#####.###....##..#.#....##.###..#",
	"..###..##.....######.#.#..##.##.#",
	"#.#####.#..#####..#.###....##.##.",
	".###.....###.##.#..####.########.",
	"###...##..##...###....#....###.#.",
	"#...#...#.#...#.###....#.##...#.#",
	"#..#.##.#.####.###....#..#..#..#.",
	"#.#.#...#.##.#.##.#.##.#.#..###.#",
	"#.#.#.##..#.#..#.#....########..#",
	"........#..####.######..#...#.###",
	"#######.##..##.##......##.#.#.##.",
	"#.....#.######...###.####...#####",
	"#.###.#.#####...#...#.#.######.##",
	"#.###.#.##...###...##...##..#.#.#",
	"#.###.#.##..#..##.....#..###.#...",
	"#.....#.#....##.#....##..##.#.#..",
	"#######..###.###..###.####.#.#.#.",
};

static struct qr *
encode_ok(const char *text)
{
	struct qr *q = NULL;
	char err[256] = "";

	if (qr_encode(text, &q, err, sizeof(err)) != 0)
		fail_msg("qr_encode(%.40s...): %s", text, err);
	assert_non_null(q);
	return q;
}

/* A string of n copies of c, to be freed. */
static char *
repeat(char c, size_t n)
{
	char *s = xmalloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static size_t
count_substr(const char *s, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += len;
	}
	return n;
}

/* A ring of 7x7 dark, 5x5 light, 3x3 dark at (x, y), and its separator. */
static void
assert_finder(const struct qr *q, int x0, int y0)
{
	int x, y, ring, want;

	for (y = -1; y <= 7; y++) {
		for (x = -1; x <= 7; x++) {
			ring = x < 0 || y < 0 || x > 6 || y > 6 ? -1 :
			    (x < 3 ? x : 6 - x) < (y < 3 ? y : 6 - y) ?
			    (x < 3 ? x : 6 - x) : (y < 3 ? y : 6 - y);
			/* ring -1 is the separator, 0 the outer square */
			want = ring == 0 || ring >= 2;
			if (qr_module(q, x0 + x, y0 + y) != want)
				fail_msg("finder at (%d,%d): module (%d,%d) "
				    "should be %s", x0, y0, x0 + x, y0 + y,
				    want ? "dark" : "light");
		}
	}
}

/* What every QR code has, whoever encoded it. */
static void
assert_structure(const struct qr *q)
{
	int w = qr_width(q), i;

	assert_true(w >= 21 && w <= 177 && (w - 17) % 4 == 0);
	assert_finder(q, 0, 0);
	assert_finder(q, w - 7, 0);
	assert_finder(q, 0, w - 7);
	/* Timing patterns: alternating, dark on even positions. */
	for (i = 8; i < w - 8; i++) {
		assert_int_equal(qr_module(q, i, 6), i % 2 == 0);
		assert_int_equal(qr_module(q, 6, i), i % 2 == 0);
	}
	/* The single dark module beside the bottom left finder. */
	assert_int_equal(qr_module(q, 8, w - 8), 1);
}

static void
test_pinned_layout(void **state)
{
	struct qr *q = encode_ok(PINNED_URL);
	int x, y, w;

	(void)state;
	w = qr_width(q);
	assert_int_equal(w, 33);
	assert_int_equal(KB_NELEM(pinned_rows), 33);
	for (y = 0; y < w; y++) {
		char row[34];

		for (x = 0; x < w; x++)
			row[x] = qr_module(q, x, y) ? '#' : '.';
		row[w] = '\0';
		assert_string_equal(row, pinned_rows[y]);
	}
	qr_free(q);
}

static void
test_structure_any_size(void **state)
{
	static const size_t lengths[] = { 1, 14, 42, 120, 400, 1000, 2331 };
	struct qr *q;
	char *text;
	size_t i;

	(void)state;
	for (i = 0; i < KB_NELEM(lengths); i++) {
		text = repeat('a', lengths[i]);
		q = encode_ok(text);
		assert_structure(q);
		free(text);
		qr_free(q);
	}
	q = encode_ok(PINNED_URL);
	assert_structure(q);
	qr_free(q);
}

static void
test_largest_and_level(void **state)
{
	struct qr *q;
	char *text;

	(void)state;
	/* 2331 bytes is version 40 at level M: the largest there is. */
	text = repeat('x', 2331);
	q = encode_ok(text);
	assert_int_equal(qr_width(q), 177);
	qr_free(q);
	free(text);
	/* 120 bytes: version 9 at Q (53 modules; M would take 8)... */
	text = repeat('x', 120);
	q = encode_ok(text);
	assert_int_equal(qr_width(q), 53);
	qr_free(q);
	free(text);
	/* ...152 bytes need version 11 at Q, so M takes version 8. */
	text = repeat('x', 152);
	q = encode_ok(text);
	assert_int_equal(qr_width(q), 49);
	qr_free(q);
	free(text);
}

static void
test_case_sensitive(void **state)
{
	struct qr *a = encode_ok("https://example.org/s/ouders?loc=A");
	struct qr *b = encode_ok("https://example.org/s/ouders?loc=a");
	int x, y, differ = 0;

	(void)state;
	assert_int_equal(qr_width(a), qr_width(b));
	for (y = 0; y < qr_width(a); y++)
		for (x = 0; x < qr_width(a); x++)
			differ |= qr_module(a, x, y) != qr_module(b, x, y);
	assert_true(differ);
	qr_free(a);
	qr_free(b);
}

static void
test_refused_texts(void **state)
{
	struct qr *q = (struct qr *)&q;
	char err[256] = "";
	char *text;

	(void)state;
	text = repeat('a', 3000);
	assert_int_equal(qr_encode(text, &q, err, sizeof(err)), -1);
	assert_null(q);
	assert_non_null(strstr(err, "too long"));
	assert_non_null(strstr(err, "3000"));
	free(text);

	text = repeat('a', 2332);
	err[0] = '\0';
	assert_int_equal(qr_encode(text, &q, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	free(text);

	err[0] = '\0';
	assert_int_equal(qr_encode("", &q, err, sizeof(err)), -1);
	assert_null(q);
	assert_true(err[0] != '\0');
	/* A small err is cut, never overrun; NULL err is allowed. */
	assert_int_equal(qr_encode("", &q, err, 4), -1);
	assert_int_equal(strlen(err), 3);
	assert_int_equal(qr_encode("", &q, NULL, 0), -1);
	qr_free(NULL);
}

static void
test_module_outside_is_light(void **state)
{
	struct qr *q = encode_ok(PINNED_URL);

	(void)state;
	assert_int_equal(qr_module(q, -1, 0), 0);
	assert_int_equal(qr_module(q, 0, -1), 0);
	assert_int_equal(qr_module(q, 33, 0), 0);
	assert_int_equal(qr_module(q, 0, 33), 0);
	assert_int_equal(qr_module(q, 0, 0), 1);
	qr_free(q);
}

/*
 * Redraws the d attribute of the only <path> into a grid (quiet zone
 * offset off) and compares it with the modules: every dark module drawn
 * once, nothing else, and every run of dark modules one subpath.
 */
static void
assert_path_matches(const char *svg, const struct qr *q, int off)
{
	const char *d = strstr(svg, " d=\"");
	int w = qr_width(q), x, y, n, used, runs = 0, want_runs = 0, i;
	unsigned char *grid = xcalloc((size_t)w * (size_t)w, 1);

	assert_non_null(d);
	d += 4;
	while (*d == 'M') {
		int n2;

		assert_int_equal(sscanf(d, "M%d %dh%dv1h-%dz%n", &x, &y, &n,
		    &n2, &used), 4);
		assert_int_equal(n, n2);
		x -= off;
		y -= off;
		assert_true(x >= 0 && y >= 0 && n >= 1 && x + n <= w && y < w);
		/* runs are maximal: the modules either side are light */
		assert_int_equal(qr_module(q, x - 1, y), 0);
		assert_int_equal(qr_module(q, x + n, y), 0);
		for (i = 0; i < n; i++) {
			assert_int_equal(grid[y * w + x + i], 0);
			grid[y * w + x + i] = 1;
		}
		runs++;
		d += used;
	}
	assert_int_equal(*d, '"');
	for (y = 0; y < w; y++)
		for (x = 0; x < w; x++) {
			assert_int_equal(grid[y * w + x], qr_module(q, x, y));
			if (qr_module(q, x, y) && !qr_module(q, x - 1, y))
				want_runs++;
		}
	assert_int_equal(runs, want_runs);
	free(grid);
}

static void
test_svg(void **state)
{
	struct qr *q = encode_ok(PINNED_URL);
	const char *root, *end;
	size_t len = 0;
	char *svg;

	(void)state;
	svg = qr_svg(q, &len);
	assert_non_null(svg);
	assert_int_equal(len, strlen(svg));
	assert_true(strncmp(svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
	    39) == 0);
	assert_int_equal(count_substr(svg, "<path"), 1);
	assert_int_equal(count_substr(svg, "<svg"), 1);
	root = strstr(svg, "<svg");
	end = strchr(root, '>');
	assert_non_null(end);
	/* The root tag: viewBox in modules with the quiet zone, no size. */
	assert_non_null(strstr(root, "viewBox=\"0 0 41 41\""));
	assert_true(strstr(root, "viewBox=") < end);
	assert_true(strstr(root, "shape-rendering=\"crispEdges\"") < end);
	assert_true(strstr(root, " width=") > end);
	assert_true(strstr(root, " height=") > end);
	assert_non_null(strstr(svg, "<rect width=\"41\" height=\"41\" "
	    "fill=\"#fff\"/>"));
	assert_non_null(strstr(svg, "fill=\"#000\""));
	assert_path_matches(svg, q, 4);
	assert_non_null(strstr(svg, "</svg>\n"));
	free(svg);
	/* len may be NULL */
	svg = qr_svg(q, NULL);
	assert_non_null(svg);
	free(svg);
	qr_free(q);
}

static void
test_svg_label_escaped(void **state)
{
	struct qr *q = encode_ok("x\"><script>&y");
	char *svg = qr_svg(q, NULL);

	(void)state;
	assert_non_null(strstr(svg, "x&quot;&gt;&lt;script&gt;&amp;y"));
	assert_null(strstr(svg, "<script"));
	free(svg);
	qr_free(q);
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
assert_png(const struct qr *q, unsigned size)
{
	static const unsigned char sig[8] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
	};
	unsigned char *png = NULL;
	size_t len = 0;
	char err[256] = "";

	if (qr_png(q, size, &png, &len, err, sizeof(err)) != 0)
		fail_msg("qr_png(%u): %s", size, err);
	assert_non_null(png);
	assert_true(len > 8 + 25 + 12);
	assert_memory_equal(png, sig, 8);
	assert_int_equal(be32(png + 8), 13);
	assert_memory_equal(png + 12, "IHDR", 4);
	assert_int_equal(be32(png + 16), size);
	assert_int_equal(be32(png + 20), size);
	assert_true(png[24] == 1 || png[24] == 8);	/* bit depth */
	assert_int_equal(png[25], 0);			/* grayscale */
	assert_int_equal(png[28], 0);			/* not interlaced */
	assert_memory_equal(png + len - 8, "IEND", 4);
	free(png);
}

static void
test_png(void **state)
{
	struct qr *q = encode_ok(PINNED_URL);

	(void)state;
	assert_png(q, 100);
	assert_png(q, 333);
	assert_png(q, 401);
	assert_png(q, 4000);
	qr_free(q);
}

static void
test_png_size_refused(void **state)
{
	static const unsigned bad[] = { 0, 5, 99, 4001, 100000 };
	struct qr *q = encode_ok(PINNED_URL);
	unsigned char *png = (unsigned char *)"x";
	size_t len = 1, i;
	char err[256];
	char *text;

	(void)state;
	for (i = 0; i < KB_NELEM(bad); i++) {
		err[0] = '\0';
		assert_int_equal(qr_png(q, bad[i], &png, &len, err,
		    sizeof(err)), -1);
		assert_null(png);
		assert_int_equal(len, 0);
		assert_non_null(strstr(err, "out of range"));
	}
	qr_free(q);
	/* 177 + 8 modules cannot fit 100 pixels at one pixel each. */
	text = repeat('x', 2331);
	q = encode_ok(text);
	err[0] = '\0';
	assert_int_equal(qr_png(q, 100, &png, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too small"));
	assert_png(q, 185);
	free(text);
	qr_free(q);
}

static const struct qr_poster evil_poster = {
	{ "<script>alert(1)</script> & co", "Second & <b>title</b>" },
	{ "Zeg het ons: <i>anoniem</i> & kort.", "Tell us & <go>." },
	"Buurtteam <Overvecht> & De Gagel",
	"https://example.org/s/ouders?loc=overvecht&lang=en",
	"nl\"x",
	{ "Ook in: <English> & more", "Hulp nodig? <script>x</script> 0800-2000" }
};

static void
assert_escaped(const char *doc)
{
	assert_null(strstr(doc, "<script"));
	assert_null(strstr(doc, "<b>"));
	assert_null(strstr(doc, "<i>"));
	assert_null(strstr(doc, "<go>"));
	assert_null(strstr(doc, "<Overvecht"));
	assert_null(strstr(doc, "& "));
	assert_null(strstr(doc, "&lang"));
	assert_null(strstr(doc, "nl\"x"));
	assert_non_null(strstr(doc, "&lt;script&gt;alert(1)&lt;/script&gt; "
	    "&amp; co"));
	assert_non_null(strstr(doc, "&amp; &lt;b&gt;title&lt;/b&gt;"));
	assert_non_null(strstr(doc, "&lt;Overvecht&gt; &amp; De Gagel"));
	assert_non_null(strstr(doc, "loc=overvecht&amp;lang=en"));
}

/* The value of attribute name (e.g. " y=\"") right after p, as a number. */
static double
attr_num(const char *p, const char *name)
{
	const char *a = strstr(p, name);

	assert_non_null(a);
	return strtod(a + strlen(name), NULL);
}

static void
test_poster_svg(void **state)
{
	struct qr *q = encode_ok(PINNED_URL);
	const char *nested, *p;
	size_t len = 0;
	double w;
	char *svg;

	(void)state;
	svg = qr_poster_svg(q, &evil_poster, &len);
	assert_non_null(svg);
	assert_int_equal(len, strlen(svg));
	assert_escaped(svg);
	assert_non_null(strstr(svg, "width=\"210mm\" height=\"297mm\" "
	    "viewBox=\"0 0 210 297\""));
	assert_non_null(strstr(svg, "xml:lang=\"nl&quot;x\""));
	assert_int_equal(count_substr(svg, "<path"), 1);
	nested = strstr(svg, "<svg id=\"qr\"");
	assert_non_null(nested);
	w = attr_num(nested, " width=\"");
	assert_true(w >= 120.0 && w <= 140.0);
	assert_true(attr_num(nested, " height=\"") == w);
	assert_non_null(strstr(nested, "viewBox=\"0 0 33 33\""));
	assert_path_matches(nested, q, 0);
	/* Everything drawn inside the page. */
	for (p = strstr(svg, "<text"); p != NULL; p = strstr(p + 1, "<text"))
		assert_true(attr_num(p, " y=\"") < 297.0 - 5.0);
	assert_true(attr_num(nested, " y=\"") + w < 297.0);
	free(svg);
	qr_free(q);
}

/* Code points of escaped text as shown: an entity counts as one. */
static long
shown_length(const char *s, const char *end)
{
	long n = 0;

	while (s < end) {
		if (*s == '&')
			s = strchr(s, ';');
		else
			while (s + 1 < end && ((unsigned char)s[1] & 0xc0) == 0x80)
				s++;
		s++;
		n++;
	}
	return n;
}

/* The <text> lines of an SVG poster, each checked against maxchars. */
static size_t
text_lines(const char *svg, const char *attrs, long maxchars, int *cut)
{
	const char *p, *start, *end;
	size_t n = 0;

	*cut = 0;
	for (p = strstr(svg, attrs); p != NULL; p = strstr(p + 1, attrs)) {
		start = strchr(p, '>') + 1;
		end = strstr(start, "</text>");
		assert_non_null(end);
		assert_true(shown_length(start, end) <= maxchars);
		if (end - start >= 3 && memcmp(end - 3, "…", 3) == 0)
			*cut = 1;
		n++;
	}
	return n;
}

static void
test_poster_svg_wraps(void **state)
{
	struct qr_poster p = {
		{ "Hoe was de hulp voor u bij het buurtteam en bij Veilig "
		  "Thuis en de Raad voor de Kinderbescherming samen?", NULL },
		{ "Een zin.", NULL },
		"overvecht",
		"https://example.org/s/ouders?loc=overvecht",
		"nl",
		{ NULL, NULL }
	};
	struct qr *q = encode_ok(PINNED_URL);
	char *svg, *long_word, *long_url;
	int cut;

	(void)state;
	svg = qr_poster_svg(q, &p, NULL);
	assert_int_equal(text_lines(svg, "font-size=\"11\"", 30, &cut), 2);
	assert_true(cut);
	assert_non_null(strstr(svg, ">Hoe was de hulp voor u bij het<"));
	assert_int_equal(text_lines(svg, "font-size=\"6\"", 56, &cut), 1);
	assert_false(cut);
	assert_null(strstr(svg, "font-size=\"7.5\""));	/* no 2nd title */
	free(svg);

	/* A word longer than a line is broken, multi-byte safe. */
	long_word = xmalloc(2 * 40 + 1);
	for (size_t i = 0; i < 40; i++)
		memcpy(long_word + 2 * i, "\xc3\xa9", 2);	/* é */
	long_word[80] = '\0';
	p.title[0] = long_word;
	svg = qr_poster_svg(q, &p, NULL);
	assert_int_equal(text_lines(svg, "font-size=\"11\"", 30, &cut), 2);
	assert_false(cut);
	free(svg);
	free(long_word);

	/* A long URL is broken before its query and kept whole. */
	long_url = xmalloc(200);
	snprintf(long_url, 200, "https://klankbord.example.org/gemeente/"
	    "buurtteams/s/participatie?loc=%s&lang=en",
	    "abcdefghijklmnopqrstuvwxyz-0123456789-abcdefghijk");
	p.title[0] = "Titel";
	p.url = long_url;
	svg = qr_poster_svg(q, &p, NULL);
	assert_int_equal(text_lines(svg, "monospace\"", 64, &cut), 2);
	assert_false(cut);
	assert_non_null(strstr(svg, ">https://klankbord.example.org/gemeente/"
	    "buurtteams/s/participatie</text>"));
	assert_non_null(strstr(svg, ">?loc=abcdefghijklmnopqrstuvwxyz-"
	    "0123456789-abcdefghijk&amp;lang=en</text>"));
	free(svg);
	free(long_url);
	qr_free(q);
}

static void
test_poster_worst_case_fits(void **state)
{
	struct qr_poster p;
	char *words, *svg, *url;
	const char *nested, *t;
	struct qr *q;
	double w, y;

	(void)state;
	/* Every block at its most lines, and a small (version 2) code. */
	words = xmalloc(400);
	for (int i = 0; i < 60; i++)
		memcpy(words + 6 * i, "woord ", 6);
	words[359] = '\0';
	url = repeat('u', 260);
	q = encode_ok("https://e.nl/s/x");
	assert_int_equal(qr_width(q), 25);
	p.title[0] = p.title[1] = p.sentence[0] = p.sentence[1] = words;
	p.location = words;
	p.url = url;
	p.lang = NULL;
	svg = qr_poster_svg(q, &p, NULL);
	assert_non_null(svg);
	assert_null(strstr(svg, "xml:lang"));
	nested = strstr(svg, "<svg id=\"qr\"");
	w = attr_num(nested, " width=\"");
	assert_true(w >= 120.0);
	/* the code's quiet zone (4 of 25 modules) stays clear of text */
	for (t = strstr(svg, "<text"); t != NULL; t = strstr(t + 1, "<text")) {
		y = attr_num(t, " y=\"");
		assert_true(y < 297.0);
		assert_true(y < attr_num(nested, " y=\"") - 4 * w / 25 ||
		    y > attr_num(nested, " y=\"") + w + 4 * w / 25);
	}
	free(svg);
	free(words);
	free(url);
	qr_free(q);
}

static void
test_poster_required_fields(void **state)
{
	struct qr_poster p = evil_poster;
	struct qr *q = encode_ok(PINNED_URL);
	size_t len = 7;

	(void)state;
	assert_null(qr_poster_svg(q, NULL, &len));
	assert_int_equal(len, 0);
	p.title[0] = NULL;
	assert_null(qr_poster_svg(q, &p, NULL));
	assert_null(qr_poster_html(q, &p, NULL));
	p = evil_poster;
	p.url = NULL;
	assert_null(qr_poster_svg(q, &p, NULL));
	assert_null(qr_poster_html(q, &p, NULL));
	p = evil_poster;
	p.location = NULL;
	assert_null(qr_poster_html(q, &p, NULL));
	qr_free(q);
}

static void
test_poster_html(void **state)
{
	struct qr *q = encode_ok(PINNED_URL);
	char *html, *svg;
	const char *inl;
	size_t len = 0;

	(void)state;
	html = qr_poster_html(q, &evil_poster, &len);
	assert_non_null(html);
	assert_int_equal(len, strlen(html));
	assert_true(strncmp(html, "<!doctype html>\n", 16) == 0);
	assert_non_null(strstr(html, "<meta charset=\"utf-8\">"));
	assert_non_null(strstr(html, "<html lang=\"nl&quot;x\">"));
	assert_int_equal(count_substr(html, "<link rel=\"stylesheet\" "
	    "href=\"/admin/poster.css\">"), 1);
	/* The CSP forbids inline styles: none at all. */
	assert_null(strstr(html, "style="));
	assert_null(strstr(html, "<style"));
	assert_null(strstr(html, "<?xml"));
	assert_escaped(html);
	/* The code inline, exactly as qr_svg draws it. */
	svg = qr_svg(q, NULL);
	inl = strstr(svg, "<svg");
	assert_non_null(strstr(html, inl));
	assert_int_equal(count_substr(html, "<path"), 1);
	free(svg);
	free(html);

	/* Optional fields may be NULL. */
	{
		struct qr_poster p = { { "T", NULL }, { NULL, NULL }, "L",
		    "https://x.nl/", NULL, { NULL, NULL } };

		html = qr_poster_html(q, &p, NULL);
		assert_non_null(html);
		assert_non_null(strstr(html, "<html>"));
		assert_null(strstr(html, "title2"));
		assert_null(strstr(html, "sentence"));
		free(html);
	}
	qr_free(q);
}

static void
test_poster_css(void **state)
{
	const char *css = qr_poster_css();

	(void)state;
	assert_non_null(strstr(css, "@page"));
	assert_non_null(strstr(css, "size: A4"));
	assert_non_null(strstr(css, "margin: 15mm"));
	assert_null(strstr(css, "</"));
	assert_ptr_equal(css, qr_poster_css());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pinned_layout),
		cmocka_unit_test(test_structure_any_size),
		cmocka_unit_test(test_largest_and_level),
		cmocka_unit_test(test_case_sensitive),
		cmocka_unit_test(test_refused_texts),
		cmocka_unit_test(test_module_outside_is_light),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_svg_label_escaped),
		cmocka_unit_test(test_png),
		cmocka_unit_test(test_png_size_refused),
		cmocka_unit_test(test_poster_svg),
		cmocka_unit_test(test_poster_svg_wraps),
		cmocka_unit_test(test_poster_worst_case_fits),
		cmocka_unit_test(test_poster_required_fields),
		cmocka_unit_test(test_poster_html),
		cmocka_unit_test(test_poster_css),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
