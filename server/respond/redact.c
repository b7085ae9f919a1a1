/*
 * redact.c — a hand-written scanner, not regular expressions: every rule
 * looks at a candidate starting at a word boundary and either replaces the
 * whole candidate or copies one character and moves on.  Linear in the
 * input, whatever the input.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "util.h"

#define MARK_PHONE	"[telefoon]"
#define MARK_EMAIL	"[e-mail]"
#define MARK_POSTCODE	"[postcode]"
#define MARK_BSN	"[bsn]"

static int
is_alnum(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

static int
is_email_local(unsigned char c)
{
	return isalnum(c) || c >= 0x80 || strchr("._%+-'", c) != NULL;
}

static int
is_email_domain(unsigned char c)
{
	return isalnum(c) || c >= 0x80 || c == '-' || c == '.';
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
 * The e-mail address whose '@' is at p[at], as [start, end), starting no
 * earlier than floor (text before it is already replaced); 0 if none.
 */
static int
email_at(const unsigned char *p, size_t n, size_t at, size_t floor,
    size_t *start, size_t *end)
{
	size_t s = at, e = at + 1, lastdot = 0, k;

	while (s > floor && is_email_local(p[s - 1]))
		s--;
	while (e < n && is_email_domain(p[e]))
		e++;
	/* A full stop ending the sentence is no part of the address. */
	while (e > at + 1 && (p[e - 1] == '.' || p[e - 1] == '-'))
		e--;
	for (k = at + 1; k < e; k++)
		if (p[k] == '.')
			lastdot = k;
	if (s == at || lastdot == 0 || lastdot >= e - 1 || lastdot <= at + 1)
		return 0;
	*start = s;
	*end = e;
	return 1;
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

/* 1234 AB, 1234AB, 1234ab (not "1234 ab": too often ordinary words). */
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
	if (p[i] == ' ') {
		if (n < 7 || !isupper(p[5]) || !isupper(p[6]))
			return 0;
		i = 5;
	} else if (!isalpha(p[4]) || !isalpha(p[5]) ||
	    (isupper(p[4]) != isupper(p[5]))) {
		return 0;
	}
	i += 2;
	if (i < n && is_alnum(p[i]))
		return 0;
	return i;
}

char *
redact_text(const char *text, size_t n, int *count)
{
	const unsigned char *p;
	struct buf out;
	size_t i = 0, copied = 0;
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
	p = (const unsigned char *)text;
	buf_init(&out, n * 4 + 64);
	while (i < n) {
		size_t len, s, e;
		int digits;
		int boundary = i == 0 || !is_alnum(p[i - 1]);

		if (p[i] == '@' && email_at(p, n, i, copied, &s, &e)) {
			buf_append(&out, text + copied, s - copied);
			buf_puts(&out, MARK_EMAIL);
			hits++;
			i = copied = e;
			continue;
		}
		/* A number glued to letters ("tel0612345678") counts too. */
		if (!boundary && isdigit(p[i]) && !isdigit(p[i - 1])) {
			len = digit_run(p + i, n - i, &digits);
			if (len > 0 && digits >= 9) {
				buf_append(&out, text + copied, i - copied);
				buf_puts(&out, MARK_PHONE);
				hits++;
				i = copied = swallow_digits(p, n, i + len);
				continue;
			}
		}
		if (boundary && (isdigit(p[i]) || (p[i] == '+' && i + 1 < n &&
		    isdigit(p[i + 1])))) {
			len = postcode(p + i, n - i);
			if (len > 0) {
				buf_append(&out, text + copied, i - copied);
				buf_puts(&out, MARK_POSTCODE);
				hits++;
				i = copied = i + len;
				continue;
			}
			len = digit_run(p + i, n - i, &digits);
			if (len > 0 && digits >= 9) {
				buf_append(&out, text + copied, i - copied);
				buf_puts(&out, digits == 9 && p[i] != '0' &&
				    p[i] != '+' ? MARK_BSN : MARK_PHONE);
				hits++;
				i = copied = swallow_digits(p, n, i + len);
				continue;
			}
			/* Skip the whole run: no match starts inside it. */
			while (i < n && (isdigit(p[i]) || p[i] == '+'))
				i++;
			continue;
		}
		i++;
	}
	buf_append(&out, text + copied, n - copied);
	if (count != NULL)
		*count = hits;
	free(clean);
	return buf_release(&out, NULL);
}
