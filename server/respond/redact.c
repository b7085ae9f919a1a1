/*
 * redact.c — a hand-written scanner, not regular expressions: every rule
 * looks at a candidate starting at a word boundary and either replaces the
 * whole candidate or copies one character and moves on.  Linear in the
 * input, whatever the input.
 *
 * The rules read a normalised copy of the text (Unicode NFKC per
 * character with libunistring, every script's digits as ASCII digits, no
 * zero-width or bidi characters, every space a space and every dash a
 * hyphen) that remembers where each byte came from; the replacements are
 * made in the original, so text around a match stays as it was written.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "redact.h"
#include "util.h"

#define MARK_PHONE	"[telefoon]"
#define MARK_EMAIL	"[e-mail]"
#define MARK_POSTCODE	"[postcode]"
#define MARK_BSN	"[bsn]"
#define MARK_IBAN	"[iban]"

/* The normalised text: byte k came from original bytes [from[k], to[k]). */
struct norm {
	struct buf	 text;
	size_t		*from;
	size_t		*to;
	size_t		 cap;
};

static void
norm_put(struct norm *nm, const char *s, size_t len, size_t from, size_t to)
{
	size_t k, at = nm->text.len;

	if (at + len > nm->cap) {
		nm->cap = (at + len) * 2 + 64;
		nm->from = xrealloc(nm->from, nm->cap * sizeof(size_t));
		nm->to = xrealloc(nm->to, nm->cap * sizeof(size_t));
	}
	buf_append(&nm->text, s, len);
	for (k = 0; k < len; k++) {
		nm->from[at + k] = from;
		nm->to[at + k] = to;
	}
}

/* Characters that change nothing a reader sees between two digits. */
static int
invisible(ucs4_t c)
{
	return c == 0x00AD || c == 0x034F || c == 0x061C || c == 0x180E ||
	    (c >= 0x200B && c <= 0x200C) || (c >= 0x200E && c <= 0x200F) ||
	    (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2069) ||
	    c == 0xFEFF;
}

/* One code point of the NFKC form: its mapping for the scanner. */
static void
norm_char(struct norm *nm, ucs4_t c, size_t from, size_t to, int prev_ascii)
{
	uint8_t u8[8];
	int d, len;

	if (invisible(c))
		return;
	/* A joiner between emoji stays; between digits or letters it goes. */
	if (c == 0x200D) {
		if (!prev_ascii)
			norm_put(nm, "\xe2\x80\x8d", 3, from, to);
		return;
	}
	d = uc_decimal_value(c);
	if (d >= 0 && d <= 9) {
		char ch = (char)('0' + d);

		norm_put(nm, &ch, 1, from, to);
		return;
	}
	if (uc_is_property_space(c) || c == 0x00A0) {
		norm_put(nm, " ", 1, from, to);
		return;
	}
	if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0xFE63 ||
	    c == 0xFF0D) {
		norm_put(nm, "-", 1, from, to);
		return;
	}
	len = u8_uctomb(u8, c, (ptrdiff_t)sizeof(u8));
	if (len > 0)
		norm_put(nm, (const char *)u8, (size_t)len, from, to);
}

/*
 * Normalises text into nm.  ASCII is its own NFKC; other characters are
 * normalised one at a time (so every byte knows its origin); bytes that
 * are not UTF-8 are copied as they are.
 */
static void
normalise(const char *text, size_t n, struct norm *nm)
{
	const uint8_t *s = (const uint8_t *)text;
	size_t i = 0;

	memset(nm, 0, sizeof(*nm));
	buf_init(&nm->text, SIZE_MAX / 4);
	while (i < n) {
		ucs4_t c, out[32];
		size_t outlen = KB_NELEM(out), k;
		int len;

		if (s[i] < 0x80) {
			norm_put(nm, text + i, 1, i, i + 1);
			i++;
			continue;
		}
		len = u8_mbtoucr(&c, s + i, n - i);
		if (len <= 0) {
			norm_put(nm, text + i, 1, i, i + 1);
			i++;
			continue;
		}
		if (u32_normalize(UNINORM_NFKC, &c, 1, out, &outlen) != out) {
			/* Longer than out (never for one character): as is. */
			norm_put(nm, text + i, (size_t)len, i, i + (size_t)len);
		} else {
			for (k = 0; k < outlen; k++)
				norm_char(nm, out[k], i, i + (size_t)len,
				    nm->text.len > 0 && (unsigned char)
				    nm->text.data[nm->text.len - 1] < 0x80);
		}
		i += (size_t)len;
	}
}

static void
norm_free(struct norm *nm)
{
	buf_free(&nm->text);
	free(nm->from);
	free(nm->to);
}

static int
is_alnum(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

static int
is_email_local(unsigned char c)
{
	return isalnum(c) || c >= 0x80 || strchr("._%+-'_", c) != NULL;
}

static int
is_label(unsigned char c)
{
	return isalnum(c) || c >= 0x80 || c == '-';
}

/* Does the word w (ASCII, any case) start at p, ending at a non-letter? */
static size_t
word_at(const unsigned char *p, size_t n, const char *w)
{
	size_t k = strlen(w);

	if (k > n || strncasecmp((const char *)p, w, k) != 0)
		return 0;
	if (k < n && isalpha(p[k]))
		return 0;
	return k;
}

static size_t
spaces(const unsigned char *p, size_t n, size_t i)
{
	while (i < n && p[i] == ' ')
		i++;
	return i;
}

/*
 * A marker standing for '@' or '.' at p[i]: the sign itself (spaces
 * around allowed), a bracketed word ("[at]", "(dot)", "{punt}"), or the
 * word between spaces ("at", "dot", "punt").  Returns the index after it
 * (and its trailing spaces), 0 if none; *word is set for the bare words,
 * which need a known top-level domain to count.
 */
static size_t
marker_at(const unsigned char *p, size_t n, size_t i, int at, int *word)
{
	static const char *const at_words[] = { "at", "apenstaartje" };
	static const char *const dot_words[] = { "dot", "punt" };
	const char *const *words = at ? at_words : dot_words;
	size_t j = i, k, w;

	*word = 0;
	if (at && p[j] == ' ')
		j = spaces(p, n, j);
	if (j < n && p[j] == (at ? '@' : '.'))
		return at ? spaces(p, n, j + 1) : j + 1;
	j = spaces(p, n, i);
	if (j < n && strchr("[({<", p[j]) != NULL) {
		char close = p[j] == '[' ? ']' : p[j] == '(' ? ')' :
		    p[j] == '{' ? '}' : '>';

		size_t in = spaces(p, n, j + 1);

		for (k = 0; k < 2; k++) {
			w = word_at(p + in, n - in, words[k]);
			if (w == 0)
				continue;
			w = spaces(p, n, in + w);
			if (w < n && p[w] == close)
				return spaces(p, n, w + 1);
		}
		return 0;
	}
	if (j == i || j >= n)
		return 0;	/* a bare word needs a space before it */
	for (k = 0; k < 2; k++) {
		w = word_at(p + j, n - j, words[k]);
		if (w > 0 && j + w < n && p[j + w] == ' ') {
			*word = 1;
			return spaces(p, n, j + w);
		}
	}
	return 0;
}

static int
known_tld(const unsigned char *p, size_t len)
{
	static const char *const tlds[] = { "nl", "com", "net", "org", "be",
	    "eu", "de", "info", "nu", "uk", "io", "fr", "biz", "edu", "gov" };
	size_t i;

	for (i = 0; i < KB_NELEM(tlds); i++)
		if (strlen(tlds[i]) == len &&
		    strncasecmp((const char *)p, tlds[i], len) == 0)
			return 1;
	return 0;
}

/*
 * An e-mail address, plain or written around ("jan [at] example [dot]
 * nl", "naam at gmail punt com", "jan @ example.nl") whose '@' marker
 * starts at p[i], as [start, end), starting no earlier than floor; 0 if
 * none.
 */
static int
email_at(const unsigned char *p, size_t n, size_t i, size_t floor,
    size_t *start, size_t *end)
{
	size_t s = i, j, last = 0, lastlen = 0, dots = 0, m;
	int word, words = 0;

	while (s > floor && p[s - 1] == ' ' && s > i - 2)
		s--;
	if (s == floor || !is_email_local(p[s - 1]))
		return 0;
	while (s > floor && is_email_local(p[s - 1]))
		s--;
	j = marker_at(p, n, i, 1, &word);
	if (j == 0 || j >= n || !is_label(p[j]))
		return 0;
	words |= word;
	for (;;) {
		size_t l = j;

		/*
		 * "jan@x.nl.0612345678": a label of digits is the next word;
		 * one that starts with a hyphen is none.
		 */
		if (dots > 0 && (isdigit(p[l]) || p[l] == '-')) {
			dots--;
			break;
		}
		while (j < n && is_label(p[j]))
			j++;
		while (j > l && p[j - 1] == '-')
			j--;
		if (j == l) {
			if (dots > 0)
				dots--;
			break;
		}
		last = l;
		lastlen = j - l;
		*end = j;
		if (j >= n)
			break;
		m = marker_at(p, n, j, 0, &word);
		if (m == 0 || m >= n || !is_label(p[m]))
			break;
		if (word && !words && dots > 0)
			break;	/* "jan@x.nl punt": the word is text again */
		words |= word;
		dots++;
		j = m;
	}
	/*
	 * "jan@example.nl2x", "jan@example.nl-0612345678": the address ends
	 * where the letters of its top-level domain do, if a digit or a
	 * hyphen follows.
	 */
	for (m = last; m < last + lastlen && isalpha(p[m]); m++)
		;
	if (m < last + lastlen && !isdigit(p[m]) && p[m] != '-')
		return 0;
	lastlen = m - last;
	*end = m;
	if (dots == 0 || lastlen == 0 || (words && lastlen < 2))
		return 0;
	if (words && !known_tld(p + last, lastlen))
		return 0;
	*start = s;
	return 1;
}

/* Does an e-mail marker for '@' start at p[i]? */
static int
may_be_at(const unsigned char *p, size_t n, size_t i)
{
	if (p[i] == '@')
		return 1;
	if (p[i] == ' ' && i + 1 < n)
		return p[i + 1] == '@' || strchr("[({<aA", p[i + 1]) != NULL;
	return strchr("[({<", p[i]) != NULL;
}

/*
 * A run of digits with the separators people write in numbers.  Returns
 * its length (trailing separators excluded) and the digit count.  A run
 * longer than 20 digits is cut before its last separator, so numbers
 * written one after another ("0612345678 0687654321 0201234567") are
 * still found; *digits is then the count of the part returned, or 21 when
 * there is no separator to cut at.
 */
static size_t
digit_run(const unsigned char *p, size_t n, int *digits)
{
	size_t i = 0, end = 0, cut = 0;
	int cut_digits = 0;

	*digits = 0;
	if (i < n && p[i] == '+')
		i++;
	while (i < n) {
		if (isdigit(p[i])) {
			(*digits)++;
			end = ++i;
		} else if (strchr(" -.()/", p[i]) != NULL && i + 1 < n &&
		    (isdigit(p[i + 1]) || (p[i + 1] == '(' && i + 2 < n) ||
		    p[i + 1] == ' ' || p[i + 1] == '-')) {
			/* One separator, or a short pair such as " - ". */
			if (*digits > 0) {
				cut = end;
				cut_digits = *digits;
			}
			i++;
		} else if ((p[i] == ',' || p[i] == '_') && i + 1 < n &&
		    isdigit(p[i + 1]) && *digits > 0 && *digits < 10) {
			/* "06,12,34,56,78": within one number only. */
			cut = end;
			cut_digits = *digits;
			i++;
		} else {
			break;
		}
		if (*digits > 20) {
			if (cut > 0) {
				*digits = cut_digits;
				return cut;
			}
			break;
		}
	}
	/*
	 * "0612345678 2x per week": the run took the "2" of the next word.
	 * The number is what came before that last separator.
	 */
	if (end < n && isalnum(p[end]) && cut > 0 && cut_digits >= 9) {
		*digits = cut_digits;
		return cut;
	}
	return end;
}

/*
 * Past a removed number, the digits that still follow it directly: a run
 * too long to be one number goes whole, never half.
 */
static size_t
swallow_digits(const unsigned char *p, size_t n, size_t i)
{
	while (i < n && isdigit(p[i]))
		i++;
	return i;
}

/* Two-letter words that follow a number in ordinary sentences. */
static int
common_word(const unsigned char *p)
{
	static const char *const words[] = { "en", "in", "op", "is", "om",
	    "of", "te", "de", "ik", "je", "we", "ze", "al", "na", "nu", "zo",
	    "er", "ja", "an", "at", "to", "or", "on", "by", "as", "it", "be",
	    "he", "me", "my", "no", "so", "up", "us", "do", "go", "if", "am",
	    "km", "kg", "cm", "mm", "ml", "uu", "eu", "pm", "ga", "ma", "pa",
	    "ok", "nr", "ca", "uw", "di", "wo", "vr", "za", "zo", "mo", "tu",
	    "th", "fr", "sa", "su", "st", "nd", "rd", "la", "ga", "eh", "oh",
	    "hi", "ha", "ho", "wc", "tv", "pc", "cd", "dm", "js", "bv", "nv",
	    "lo" };
	size_t i;

	for (i = 0; i < KB_NELEM(words); i++)
		if (tolower(p[0]) == words[i][0] &&
		    tolower(p[1]) == words[i][1])
			return 1;
	return 0;
}

/*
 * 1234 AB, 1234AB, 1234-AB in any case.  Postcodes never start with 0 and
 * never end in SA, SD or SS; in lower case, a common two-letter word after
 * a number ("2020 en") is no postcode.
 */
static size_t
postcode(const unsigned char *p, size_t n)
{
	size_t i;

	if (n < 6 || p[0] < '1' || p[0] > '9')
		return 0;
	for (i = 1; i < 4; i++)
		if (!isdigit(p[i]))
			return 0;
	i = 4;
	if (p[i] == ' ' || p[i] == '-')
		i++;
	if (i + 2 > n || !isalpha(p[i]) || !isalpha(p[i + 1]))
		return 0;
	if (i + 2 < n && is_alnum(p[i + 2]))
		return 0;
	if (toupper(p[i]) == 'S' && strchr("ADSads", p[i + 1]) != NULL)
		return 0;
	if (!(isupper(p[i]) && isupper(p[i + 1])) && common_word(p + i))
		return 0;
	return i + 2;
}

/* The remainder of the IBAN's digits modulo 97 (ISO 13616). */
static int
iban_valid(const char *s, size_t len)
{
	unsigned rem = 0;
	size_t k, j;

	for (k = 0; k < len; k++) {
		unsigned char c = (unsigned char)s[(k + 4) % len];

		if (isdigit(c)) {
			rem = (rem * 10 + (unsigned)(c - '0')) % 97;
		} else {
			unsigned v = (unsigned)(toupper(c) - 'A' + 10);

			for (j = 0; j < 2; j++)
				rem = (rem * 10 + (j == 0 ? v / 10 : v % 10)) %
				    97;
		}
	}
	return rem == 1;
}

/*
 * An IBAN, whole: two letters, two check digits, then letters and digits
 * in groups of four (spaces between groups allowed).  It counts when its
 * check digits are right, or when it has the Dutch shape (NLkk BANK and
 * ten digits) even with a typing error.
 */
/* An IBAN's compact form (len characters) as the rules above take it. */
static int
iban_ok(const char *c, size_t len)
{
	size_t i;

	if (len < 15)
		return 0;
	if (iban_valid(c, len))
		return 1;
	if (len != 18 || toupper((unsigned char)c[0]) != 'N' ||
	    toupper((unsigned char)c[1]) != 'L')
		return 0;
	for (i = 4; i < 8; i++)
		if (!isalpha((unsigned char)c[i]))
			return 0;
	for (i = 8; i < 18; i++)
		if (!isdigit((unsigned char)c[i]))
			return 0;
	return 1;
}

static size_t
iban(const unsigned char *p, size_t n)
{
	char compact[40];
	size_t i = 0, len = 0, end = 0, k;
	size_t group_len[10], group_end[10], ngroups = 0;

	if (n < 15 || !isalpha(p[0]) || !isalpha(p[1]) || !isdigit(p[2]) ||
	    !isdigit(p[3]))
		return 0;
	while (i < n && len < 34) {
		if (isalnum(p[i])) {
			compact[len++] = (char)p[i++];
			end = i;
		} else if (p[i] == ' ' && len % 4 == 0 && i + 1 < n &&
		    isalnum(p[i + 1])) {
			/* A group ends here: a shorter IBAN may too. */
			if (ngroups < KB_NELEM(group_len)) {
				group_len[ngroups] = len;
				group_end[ngroups++] = i;
			}
			i++;
		} else {
			break;
		}
	}
	if (!(end < n && is_alnum(p[end])) && iban_ok(compact, len))
		return end;
	/*
	 * "NL91 ABNA 0417 1643 00 jan": the words after it are no part of
	 * it, and a second pass would find it once they are gone.
	 */
	for (k = ngroups; k-- > 0; )
		if (iban_ok(compact, group_len[k]))
			return group_end[k];
	return 0;
}

static size_t
digits_at(const unsigned char *p, size_t n, size_t i, size_t min, size_t max)
{
	size_t k = i;

	while (k < n && k - i < max && isdigit(p[k]))
		k++;
	if (k - i < min || (k < n && isdigit(p[k])))
		return 0;
	return k - i;
}

static int
is_year(const unsigned char *p)
{
	return (p[0] == '1' && p[1] == '9') || (p[0] == '2' && p[1] == '0');
}

/*
 * A date, a time after it, or a range of years ("12-03-2024 14.30",
 * "2024-03-12", "2021-2022-2023"): ordinary numbers, kept whole.
 * Returns their length, 0 if none.
 */
static size_t
date_or_years(const unsigned char *p, size_t n)
{
	size_t a, b, c, i, t;
	unsigned char sep;

	/* Years joined by hyphens or slashes. */
	if (digits_at(p, n, 0, 4, 4) == 4 && is_year(p)) {
		i = 4;
		while (i + 5 <= n && (p[i] == '-' || p[i] == '/') &&
		    digits_at(p, n, i + 1, 4, 4) == 4 && is_year(p + i + 1))
			i += 5;
		if (i > 4)
			return i;
	}
	/* d-m-yyyy, dd/mm/yy, dd.mm.yyyy, or yyyy-mm-dd. */
	a = digits_at(p, n, 0, 1, 4);
	if (a == 0 || a >= n || strchr("-/.", p[a]) == NULL)
		return 0;
	sep = p[a];
	b = digits_at(p, n, a + 1, 1, 2);
	if (b == 0 || a + 1 + b >= n || p[a + 1 + b] != sep)
		return 0;
	i = a + 2 + b;
	c = digits_at(p, n, i, a == 4 ? 1 : 2, a == 4 ? 2 : 4);
	if (c == 0 || (a == 3) || (a == 4 && c > 2) || (a < 3 && c == 3))
		return 0;
	i += c;
	/* "06-12-34-56-78" goes on: a phone number, not a date. */
	if (i + 1 < n && p[i] == sep && isdigit(p[i + 1]))
		return 0;
	/* A time: " 14.30", " 14:30", "T14:30", ", 9.05 uur". */
	t = i;
	if (t < n && (p[t] == 'T' || p[t] == ' ' || p[t] == ','))
		t++;
	if (t < n && p[t] == ' ')
		t++;
	a = digits_at(p, n, t, 1, 2);
	if (a > 0 && t + a < n && (p[t + a] == ':' || p[t + a] == '.') &&
	    digits_at(p, n, t + a + 1, 2, 2) == 2) {
		i = t + a + 3;
		if (i + 2 < n && p[i] == ':' && digits_at(p, n, i + 1, 2, 2))
			i += 3;
	}
	return i;
}

/*
 * A sum of money: "1.250.000,50", or "1.250.000" after a euro sign
 * (groups of three).  Without either it may be a BSN ("123.456.782").
 */
static size_t
money(const unsigned char *p, size_t n, int euro)
{
	size_t i = digits_at(p, n, 0, 1, 3), groups = 0;

	if (i == 0)
		return 0;
	while (i + 4 <= n && p[i] == '.' && digits_at(p, n, i + 1, 3, 3)) {
		i += 4;
		groups++;
	}
	if (groups == 0)
		return 0;
	if (i + 1 < n && p[i] == ',' && digits_at(p, n, i + 1, 2, 2))
		return i + 3;
	return euro ? i : 0;
}

/*
 * A local number without its area code: "123 45 67", "123-45-67",
 * "123-4567" (seven digits, not starting with 0).  Tried after digit_run,
 * so a longer number written in groups goes whole first.
 */
static size_t
landline(const unsigned char *p, size_t n)
{
	size_t i;

	if (p[0] < '1' || p[0] > '9' || digits_at(p, n, 0, 3, 3) != 3 ||
	    n < 8)
		return 0;
	if (p[3] == '-' && digits_at(p, n, 4, 4, 4) == 4)
		i = 8;
	else if ((p[3] == ' ' || p[3] == '-') && n >= 9 &&
	    digits_at(p, n, 4, 2, 2) == 2 && p[6] == p[3] &&
	    digits_at(p, n, 7, 2, 2) == 2)
		i = 9;
	else
		return 0;
	if (i < n && is_alnum(p[i]))
		return 0;
	return i;
}

/*
 * "3581AB0612345678", "3581 ab0612345678": once the number at p[i] goes,
 * the text before it may be a postcode.  Returns where that postcode
 * starts, or i.
 */
static size_t
glued_postcode(const unsigned char *p, size_t i, size_t done)
{
	size_t w, c, k;

	for (w = i; w > done && is_alnum(p[w - 1]); w--)
		;
	for (k = 0; k < 2; k++) {
		if (k == 0)
			c = w;
		else if (w >= done + 5 && (p[w - 1] == ' ' || p[w - 1] == '-'))
			c = w - 5;
		else
			break;
		if ((c == done || !is_alnum(p[c - 1])) &&
		    postcode(p + c, i - c) == i - c)
			return c;
	}
	return i;
}

/* Is p[i] just after a euro sign (and a space)? */
static int
after_euro(const unsigned char *p, size_t i)
{
	if (i > 0 && p[i - 1] == ' ')
		i--;
	return i >= 3 && memcmp(p + i - 3, "\xe2\x82\xac", 3) == 0;
}

char *
redact_text(const char *text, size_t n, int *count)
{
	const unsigned char *p;
	struct norm nm;
	struct buf out;
	size_t i = 0, copied = 0, done = 0, m;
	char *clean = NULL;
	int hits = 0;

	/*
	 * Drop embedded NULs before scanning, not after: "jan@exam\0ple.nl"
	 * matches nothing, but would read "jan@example.nl" once stored.
	 */
	if (memchr(text, '\0', n) != NULL) {
		size_t r, w;

		clean = xmalloc(n);
		for (r = w = 0; r < n; r++)
			if (text[r] != '\0')
				clean[w++] = text[r];
		text = clean;
		n = w;
	}
	normalise(text, n, &nm);
	p = (const unsigned char *)nm.text.data;
	m = nm.text.len;
	buf_init(&out, n * 4 + 64);

#define REPLACE(s, e, mark) do {					\
	buf_append(&out, text + copied, nm.from[(s)] - copied);		\
	buf_puts(&out, (mark));						\
	hits++;								\
	copied = nm.to[(e) - 1];					\
	i = done = (e);							\
} while (0)

	while (i < m) {
		size_t len, s = 0, e = 0;
		int digits;
		/* Just after a marker is a word's start, as a second pass sees it. */
		int boundary = i == done || !is_alnum(p[i - 1]);

		if (may_be_at(p, m, i) && email_at(p, m, i, done, &s, &e)) {
			REPLACE(s, e, MARK_EMAIL);
			continue;
		}
		if (boundary && isalpha(p[i])) {
			len = iban(p + i, m - i);
			if (len > 0) {
				REPLACE(i, i + len, MARK_IBAN);
				continue;
			}
			while (i < m && isalpha(p[i]))
				i++;
			continue;
		}
		/* A number glued to letters ("tel0612345678") counts too. */
		if (!boundary && isdigit(p[i]) && !isdigit(p[i - 1])) {
			len = digit_run(p + i, m - i, &digits);
			if (len > 0 && digits >= 9) {
				/*
				 * "3581AB0612345678": once the number goes,
				 * the word before it is a postcode.
				 */
				s = glued_postcode(p, i, done);
				if (s < i) {
					REPLACE(s, i, MARK_POSTCODE);
					continue;
				}
				e = swallow_digits(p, m, i + len);
				REPLACE(i, e, MARK_PHONE);
				continue;
			}
		}
		if (boundary && (isdigit(p[i]) || (p[i] == '+' && i + 1 < m &&
		    isdigit(p[i + 1])))) {
			len = postcode(p + i, m - i);
			if (len > 0) {
				REPLACE(i, i + len, MARK_POSTCODE);
				continue;
			}
			len = date_or_years(p + i, m - i);
			if (len == 0)
				len = money(p + i, m - i, after_euro(p, i));
			if (len > 0 && (i + len >= m || !isdigit(p[i + len]))) {
				i += len;
				continue;
			}
			len = digit_run(p + i, m - i, &digits);
			if (len > 0 && digits >= 9) {
				e = swallow_digits(p, m, i + len);
				REPLACE(i, e, digits == 9 && p[i] != '0' &&
				    p[i] != '+' ? MARK_BSN : MARK_PHONE);
				continue;
			}
			len = landline(p + i, m - i);
			if (len > 0) {
				REPLACE(i, i + len, MARK_PHONE);
				continue;
			}
			/*
			 * Skip the digits: no match starts inside them.  A
			 * '+' after them may start a number ("6+31612345678").
			 */
			if (p[i] == '+')
				i++;
			while (i < m && isdigit(p[i]))
				i++;
			continue;
		}
		i++;
	}
#undef REPLACE
	buf_append(&out, text + copied, n - copied);
	if (count != NULL)
		*count = hits;
	norm_free(&nm);
	free(clean);
	return buf_release(&out, NULL);
}
