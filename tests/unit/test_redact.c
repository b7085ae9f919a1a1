/*
 * test_redact.c — phone numbers, e-mail addresses, postcodes and BSNs are
 * replaced; ordinary numbers and words are not; hostile input finishes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "redact.h"
#include "util.h"

/* Redacts n bytes of in and checks the result and the count. */
static void
check_n(const char *in, size_t n, const char *want, int want_count)
{
	int count = -1;
	char *got;

	got = redact_text(in, n, &count);
	assert_non_null(got);
	if (strcmp(got, want) != 0 || count != want_count)
		fail_msg("redact(\"%s\"):\n  want \"%s\" (%d)\n  got  \"%s\" "
		    "(%d)", in, want, want_count, got, count);
	free(got);
}

static void
check(const char *in, const char *want, int want_count)
{
	check_n(in, strlen(in), want, want_count);
}

/* Unchanged, nothing counted. */
static void
keep(const char *in)
{
	check(in, in, 0);
}

static void
test_phone_numbers(void **state)
{
	(void)state;
	check("0612345678", "[telefoon]", 1);
	check("06-12345678", "[telefoon]", 1);
	check("06 1234 5678", "[telefoon]", 1);
	check("+31 6 12345678", "[telefoon]", 1);
	check("+31612345678", "[telefoon]", 1);
	check("020-1234567", "[telefoon]", 1);
	check("0031612345678", "[telefoon]", 1);
	check("+31 (0)6 12345678", "[telefoon]", 1);
	check("tel: 020 - 123 45 67", "tel: [telefoon]", 1);
	check("06.12.34.56.78", "[telefoon]", 1);
	check("Bel 0612345678 aub", "Bel [telefoon] aub", 1);
	/* Trailing punctuation is not part of the number. */
	check("bel 020-1234567.", "bel [telefoon].", 1);
	check("bel 020-1234567-", "bel [telefoon]-", 1);
	/*
	 * The digits of an area code in brackets go; the opening bracket
	 * stays (harmless: the marker follows it).
	 */
	check("(020) 123 4567", "([telefoon]", 1);
	check("bel (020) 123 4567.", "bel ([telefoon].", 1);
}

static void
test_numbers_in_a_row(void **state)
{
	(void)state;
	/* More than 20 digits in one run: cut, not given up on. */
	check("0612345678 0687654321 0201234567",
	    "[telefoon] [telefoon]", 2);
	check("06 12345678 06 87654321 06 11223344",
	    "[telefoon] [telefoon]", 2);
	check("020-1234567/0612345678/0687654321",
	    "[telefoon]/[telefoon]", 2);
	check("0612345678 123456789012 x", "[telefoon] [telefoon] x", 2);
	/* Two numbers, 20 digits: one marker is enough. */
	check("0612345678 0687654321", "[telefoon]", 1);
}

static void
test_email_addresses(void **state)
{
	(void)state;
	check("jan.jansen@example.nl", "[e-mail]", 1);
	check("mail jan.jansen@example.nl graag", "mail [e-mail] graag", 1);
	check("Jan@Example.NL, ok", "[e-mail], ok", 1);
	check("a+b@sub.domain.org", "[e-mail]", 1);
	check("o'brien_x%y@mail-server.co.uk", "[e-mail]", 1);
	/* The full stop that ends a sentence is not part of the address. */
	check("Mail jan@example.nl.", "Mail [e-mail].", 1);
	check("a+b@sub.domain.org.", "[e-mail].", 1);
	check("(jan@example.nl)", "([e-mail])", 1);
}

static void
test_not_email(void **state)
{
	(void)state;
	keep("@home");
	keep("jan@localhost");
	keep("x@y.");
	keep("x@.nl");
	keep("jan@@example.nl");
	keep("een @ teken");
	keep("@@@");
}

static void
test_postcodes(void **state)
{
	(void)state;
	check("3581 AB", "[postcode]", 1);
	check("3581AB", "[postcode]", 1);
	check("3581ab", "[postcode]", 1);
	check("Woon op 3581 AB Utrecht", "Woon op [postcode] Utrecht", 1);
	check("(3581AB)", "([postcode])", 1);
	check("1000AA.", "[postcode].", 1);
	/* Any case, and with a hyphen (issue #20). */
	check("3581 ab", "[postcode]", 1);
	check("3581 Ab", "[postcode]", 1);
	check("3581aB", "[postcode]", 1);
	check("3581-AB", "[postcode]", 1);
	check("woon 3581-ab.", "woon [postcode].", 1);
}

static void
test_not_postcodes(void **state)
{
	(void)state;
	keep("in 2023 is");
	keep("1000 km");
	keep("5 kinderen");
	keep("in 1999 en 2024");
	keep("in 2020 en 2021");	/* a common word after a year */
	keep("3581 SS");		/* no postcode ends in SA, SD, SS */
	keep("0581 AB");	/* postcodes never start with 0 */
	keep("3581 ABC");
	keep("3581ABC");
	keep("35811AB");
	keep("ab3581AB");
}

static void
test_short_numbers_kept(void **state)
{
	(void)state;
	keep("12 34");
	keep("12345678");
	keep("Ik ben 16 jaar, 3 keer geweest, om 14:30 uur");
	keep("1.000 euro");
	keep("12-05-2023");
	/* Glued to letters, a number is still a number. */
	check("tel0612345678", "tel[telefoon]", 1);
	check("bsn123456782.", "bsn[telefoon].", 1);
	/* The word left before a glued number may be a postcode. */
	check("9999lt024-03-12 10:31", "[postcode][telefoon]:31", 2);
	/* 23 digits: not one number, but it holds one: it goes whole. */
	check("06123456789012345678901", "[telefoon]", 1);
}

static void
test_bsn(void **state)
{
	(void)state;
	check("123456782", "[bsn]", 1);
	check("123.456.782", "[bsn]", 1);
	check("bsn 123 456 782.", "bsn [bsn].", 1);
	/* Nine digits starting with 0 are a phone number. */
	check("012345678", "[telefoon]", 1);
}

static void
test_no_match_unchanged(void **state)
{
	int count = -1;
	char *got;

	(void)state;
	keep("");
	keep("Alles was goed, dank u wel!");
	keep("Caf\xc3\xa9 \xe2\x82\xac 5 \xf0\x9f\x98\x80");
	/* count may be NULL. */
	got = redact_text("0612345678", 10, NULL);
	assert_string_equal(got, "[telefoon]");
	free(got);
	got = redact_text("", 0, &count);
	assert_string_equal(got, "");
	assert_int_equal(count, 0);
	free(got);
}

static void
test_multiple_matches(void **state)
{
	(void)state;
	check("0612345678 en jan@x.nl en 3581AB",
	    "[telefoon] en [e-mail] en [postcode]", 3);
	check("0612345678,0687654321", "[telefoon],[telefoon]", 2);
	check("a@b.nl c@d.nl", "[e-mail] [e-mail]", 2);
	check("3581AB 1234 CD 123456782",
	    "[postcode] [postcode] [bsn]", 3);
}

static void
test_at_start_and_end(void **state)
{
	(void)state;
	check("0612345678 is mijn nummer", "[telefoon] is mijn nummer", 1);
	check("mijn nummer is 0612345678", "mijn nummer is [telefoon]", 1);
	check("jan@x.nl schreef", "[e-mail] schreef", 1);
	check("schrijf jan@x.nl", "schrijf [e-mail]", 1);
	check("3581AB", "[postcode]", 1);
	check("x 3581AB", "x [postcode]", 1);
}

static void
test_embedded_nul(void **state)
{
	(void)state;
	check_n("a\0b", 3, "ab", 0);
	check_n("\0", 1, "", 0);
	check_n("\0" "0612345678\0", 12, "[telefoon]", 1);
	/* A NUL must not hide a match that appears once it is dropped. */
	check_n("jan@exam\0ple.nl", 15, "[e-mail]", 1);
	check_n("3581\0AB", 7, "[postcode]", 1);
	check_n("0612\0" "345678", 11, "[telefoon]", 1);
	check_n("12345\0" "6782", 10, "[bsn]", 1);
}

static void
test_invalid_utf8_passes_through(void **state)
{
	(void)state;
	check("\xff\xfe 0612345678 \xc3", "\xff\xfe [telefoon] \xc3", 1);
	check("\x80\x80\x80", "\x80\x80\x80", 0);
	check("\xed\xa0\x80@x.nl", "[e-mail]", 1);
	keep("\xc3\x28 3581 \xe2\x82");
}

/* 64 KiB of one hostile pattern: must finish, with the right count. */
static void
hostile(const char *unit, size_t reps, int want_count, const char *want_head)
{
	size_t ulen = strlen(unit), n = ulen * reps, i;
	char *in = xmalloc(n + 1), *got;
	int count = -1;

	for (i = 0; i < reps; i++)
		memcpy(in + i * ulen, unit, ulen);
	in[n] = '\0';
	got = redact_text(in, n, &count);
	assert_non_null(got);
	if (want_count >= 0)
		assert_int_equal(count, want_count);
	if (want_head != NULL)
		assert_memory_equal(got, want_head, strlen(want_head));
	if (count == 0)
		assert_string_equal(got, in);
	free(got);
	free(in);
}

static void
test_hostile_inputs(void **state)
{
	(void)state;
	/* All digits: one run far longer than any number, kept. */
	/* One endless number goes whole. */
	hostile("0", 65536, 1, "[telefoon]");
	hostile("9", 65536, 1, "[telefoon]");
	hostile("@", 65536, 0, NULL);
	hostile("a@", 32768, 0, NULL);
	hostile("@a.", 21845, 0, NULL);
	hostile("+", 65536, 0, NULL);
	hostile(".", 65536, 0, NULL);
	hostile("(", 65536, 0, NULL);
	hostile("1(", 32768, 32768 / 20, "[telefoon]([telefoon](");
	/*
	 * Digits and separators: a run is cut before the separator that
	 * would bring it past 20 digits, so every 20 digits make one number
	 * (and the last 8 or 4 are too few).
	 */
	hostile("1 ", 32768, 32768 / 20, "[telefoon] [telefoon] ");
	hostile("1-", 32768, 32768 / 20, "[telefoon]-[telefoon]-");
	hostile("1 - ", 16384, 16384 / 20, "[telefoon] - [telefoon]");
	/* Every unit a complete match. */
	hostile("x@y.z ", 10922, 10922, "[e-mail] [e-mail] ");
	hostile("1234AB ", 9362, 9362, "[postcode] [postcode] ");
	/* Two numbers per marker (20 digits), the odd last one alone. */
	hostile("0612345678 ", 5957, 5957 / 2 + 1, "[telefoon] [telefoon] ");
	/* Long local part, then many @s. */
	hostile("aaaaaaaaaaaaaaa@", 4096, 0, NULL);
	hostile("a.", 32768, 0, NULL);
}

static void
test_hostile_long_separator_run(void **state)
{
	size_t n = 65536, i;
	char *in = xmalloc(n + 1), *got;
	int count = -1;

	(void)state;
	/* One digit, then " -" to the end: nothing to replace. */
	in[0] = '1';
	for (i = 1; i < n; i++)
		in[i] = (i % 2) ? ' ' : '-';
	in[n] = '\0';
	got = redact_text(in, n, &count);
	assert_int_equal(count, 0);
	assert_string_equal(got, in);
	free(got);
	free(in);
}

/* ---- the corpus: recall per category and false alarms ---- */

/* Decodes \uXXXX escapes into UTF-8, in place. */
static void
unescape(char *s)
{
	char *r = s, *w = s;

	while (*r != '\0') {
		unsigned long c;
		char hex[5], *end;

		if (r[0] == '\\' && r[1] == 'u') {
			memcpy(hex, r + 2, 4);
			hex[4] = '\0';
			c = strtoul(hex, &end, 16);
			if (end == hex + 4) {
				if (c < 0x80) {
					*w++ = (char)c;
				} else if (c < 0x800) {
					*w++ = (char)(0xC0 | (c >> 6));
					*w++ = (char)(0x80 | (c & 0x3F));
				} else {
					*w++ = (char)(0xE0 | (c >> 12));
					*w++ = (char)(0x80 | ((c >> 6) & 0x3F));
					*w++ = (char)(0x80 | (c & 0x3F));
				}
				r += 6;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
}

static void
test_corpus(void **state)
{
	static const struct {
		const char	*name;
		const char	*marker;
		double		 recall;	/* at least */
	} cats[] = {
		{ "phone", "[telefoon]", 0.98 },
		{ "email", "[e-mail]", 0.98 },
		{ "postcode", "[postcode]", 0.98 },
		{ "bsn", "[bsn]", 0.98 },
		{ "iban", "[iban]", 0.0 },
	};
	unsigned found[KB_NELEM(cats)] = { 0 }, total[KB_NELEM(cats)] = { 0 };
	unsigned benign = 0, alarms = 0;
	char line[1024];
	FILE *fp;
	size_t c;
	int ok = 1;

	(void)state;
	fp = fopen("tests/unit/redact_corpus.tsv", "r");
	if (fp == NULL)
		fp = fopen("redact_corpus.tsv", "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *tab, *text, *out;
		int count;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		tab = strchr(line, '\t');
		assert_non_null(tab);
		*tab = '\0';
		text = tab + 1;
		unescape(text);
		out = redact_text(text, strlen(text), &count);
		if (strcmp(line, "benign") == 0) {
			benign++;
			if (count > 0) {
				alarms++;
				printf("# false alarm: \"%s\" -> \"%s\"\n", text,
				    out);
			}
		} else {
			for (c = 0; c < KB_NELEM(cats); c++)
				if (strcmp(line, cats[c].name) == 0)
					break;
			assert_true(c < KB_NELEM(cats));
			total[c]++;
			/* A BSN taken for a phone number is gone all the same. */
			if (strstr(out, cats[c].marker) != NULL ||
			    (c == 3 && strstr(out, "[telefoon]") != NULL))
				found[c]++;
			else
				printf("# missed %s: \"%s\" -> \"%s\"\n", line,
				    text, out);
		}
		free(out);
	}
	fclose(fp);
	for (c = 0; c < KB_NELEM(cats); c++) {
		double r = total[c] ? (double)found[c] / total[c] : 0;

		printf("# redact corpus: %-8s recall %3u/%-3u = %5.1f%%\n",
		    cats[c].name, found[c], total[c], 100 * r);
		if (r < cats[c].recall)
			ok = 0;
	}
	printf("# redact corpus: benign   false alarms %u/%u = %.1f%%\n",
	    alarms, benign, benign ? 100.0 * alarms / benign : 0);
	fflush(stdout);
	assert_true(benign * 2 >= benign + total[0] + total[1] + total[2] +
	    total[3] + total[4] - 1);
	assert_true(benign + total[0] + total[1] + total[2] + total[3] +
	    total[4] >= 150);
	assert_true(ok);
	assert_true(alarms * 50 <= benign);	/* at most 2% */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_numbers),
		cmocka_unit_test(test_numbers_in_a_row),
		cmocka_unit_test(test_email_addresses),
		cmocka_unit_test(test_not_email),
		cmocka_unit_test(test_postcodes),
		cmocka_unit_test(test_not_postcodes),
		cmocka_unit_test(test_short_numbers_kept),
		cmocka_unit_test(test_bsn),
		cmocka_unit_test(test_no_match_unchanged),
		cmocka_unit_test(test_multiple_matches),
		cmocka_unit_test(test_at_start_and_end),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_invalid_utf8_passes_through),
		cmocka_unit_test(test_hostile_inputs),
		cmocka_unit_test(test_hostile_long_separator_run),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests_name("redact", tests, NULL, NULL);
}
