/*
 * test_util.c — the capped string builder, HTML escaping, bounded number
 * parsing, identifiers, UTF-8 length and hex encoding.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "util.h"

/* buf */

static void
test_buf_appends_within_cap(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 10);
	assert_string_equal(buf_cstr(&b), "");
	buf_puts(&b, "abc");
	buf_putc(&b, 'd');
	buf_printf(&b, "%d%s", 12, "xy");
	assert_false(buf_failed(&b));
	assert_int_equal(b.len, 8);
	assert_string_equal(buf_cstr(&b), "abcd12xy");
	buf_free(&b);
}

static void
test_buf_exact_cap_then_one_more(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 10);
	buf_append(&b, "0123456789", 10);
	assert_false(buf_failed(&b));
	assert_int_equal(b.len, 10);
	buf_putc(&b, 'x');
	assert_true(buf_failed(&b));
	assert_int_equal(b.len, 10);
	assert_string_equal(buf_cstr(&b), "0123456789");
	buf_free(&b);
}

static void
test_buf_remembers_first_error(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	buf_puts(&b, "hello");
	buf_puts(&b, "world");		/* 10 > 8: refused whole */
	assert_true(buf_failed(&b));
	assert_string_equal(buf_cstr(&b), "hello");
	/* Later appends that would fit are refused too. */
	buf_putc(&b, '!');
	buf_printf(&b, "%s", "x");
	buf_append(&b, "y", 1);
	buf_html(&b, "z");
	assert_true(buf_failed(&b));
	assert_int_equal(b.len, 5);
	assert_string_equal(buf_cstr(&b), "hello");
	buf_free(&b);
}

static void
test_buf_printf_over_cap(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 6);
	buf_printf(&b, "%s", "abc");
	buf_printf(&b, "%05d", 42);	/* 3 + 5 > 6 */
	assert_true(buf_failed(&b));
	assert_string_equal(buf_cstr(&b), "abc");
	buf_free(&b);
}

static void
test_buf_zero_cap_refuses_everything(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	buf_putc(&b, 'a');
	assert_true(buf_failed(&b));
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);
}

static void
test_buf_huge_append_does_not_overflow(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 100);
	buf_puts(&b, "abc");
	/* len + SIZE_MAX would wrap; the cap check must not. */
	buf_append(&b, "x", SIZE_MAX);
	assert_true(buf_failed(&b));
	assert_int_equal(b.len, 3);
	buf_free(&b);
}

static void
test_buf_grows_past_first_block(void **state)
{
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b, 5000);
	for (i = 0; i < 5000; i++)
		buf_putc(&b, (char)('a' + i % 26));
	assert_false(buf_failed(&b));
	assert_int_equal(b.len, 5000);
	assert_int_equal(strlen(buf_cstr(&b)), 5000);
	assert_int_equal(buf_cstr(&b)[4999], 'a' + 4999 % 26);
	buf_free(&b);
}

static void
test_buf_embedded_nul_counts(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 16);
	buf_append(&b, "a\0b", 3);
	assert_false(buf_failed(&b));
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b", 4);
	buf_free(&b);
}

static void
test_buf_reset_clears_error(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 4);
	buf_puts(&b, "toolong");
	assert_true(buf_failed(&b));
	buf_reset(&b);
	assert_false(buf_failed(&b));
	assert_int_equal(b.len, 0);
	buf_puts(&b, "ok");
	assert_string_equal(buf_cstr(&b), "ok");
	buf_free(&b);
}

static void
test_buf_release(void **state)
{
	struct buf b;
	size_t len = 99;
	char *p;

	(void)state;
	buf_init(&b, 64);
	buf_puts(&b, "data");
	p = buf_release(&b, &len);
	assert_string_equal(p, "data");
	assert_int_equal(len, 4);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(p);
	/* Empty: still an allocated "" the caller frees. */
	p = buf_release(&b, &len);
	assert_non_null(p);
	assert_string_equal(p, "");
	assert_int_equal(len, 0);
	free(p);
	buf_free(&b);
}

/* buf_html */

static void
test_buf_html_escapes_all_five(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 256);
	buf_html(&b, "a<b>&\"c'd");
	assert_string_equal(buf_cstr(&b),
	    "a&lt;b&gt;&amp;&quot;c&#39;d");
	buf_free(&b);
}

static void
test_buf_html_plain_and_edges(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 256);
	buf_html(&b, "");
	assert_string_equal(buf_cstr(&b), "");
	buf_html(&b, "Gr\xc3\xbc\xc3\x9f""e");	/* passes UTF-8 through */
	assert_string_equal(buf_cstr(&b), "Gr\xc3\xbc\xc3\x9f""e");
	buf_reset(&b);
	buf_html(&b, "<<");
	buf_html(&b, "&amp;");		/* not double-escaped by accident */
	assert_string_equal(buf_cstr(&b), "&lt;&lt;&amp;amp;");
	buf_reset(&b);
	buf_html(&b, "<script>alert('x')</script>");
	assert_string_equal(buf_cstr(&b),
	    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
	buf_free(&b);
}

static void
test_buf_html_cap(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 6);
	buf_html(&b, "a<b");		/* "a&lt;b" is 6 bytes: fits */
	assert_false(buf_failed(&b));
	assert_string_equal(buf_cstr(&b), "a&lt;b");
	buf_reset(&b);
	buf_html(&b, "a&b");		/* "a&amp;b" is 7 bytes */
	assert_true(buf_failed(&b));
	buf_free(&b);
}

/* num_parse */

static void
test_num_parse_valid(void **state)
{
	long long v = -1;

	(void)state;
	assert_int_equal(num_parse("0", 0, 10, &v), 0);
	assert_true(v == 0);
	assert_int_equal(num_parse("10", 0, 10, &v), 0);
	assert_true(v == 10);
	assert_int_equal(num_parse("-10", -10, 10, &v), 0);
	assert_true(v == -10);
	assert_int_equal(num_parse("007", 0, 10, &v), 0);
	assert_true(v == 7);
	assert_int_equal(num_parse("9223372036854775807", LLONG_MIN, LLONG_MAX,
	    &v), 0);
	assert_true(v == LLONG_MAX);
	assert_int_equal(num_parse("-9223372036854775808", LLONG_MIN,
	    LLONG_MAX, &v), 0);
	assert_true(v == LLONG_MIN);
}

static void
test_num_parse_bounds(void **state)
{
	long long v = 42;

	(void)state;
	assert_int_equal(num_parse("11", 0, 10, &v), -1);
	assert_int_equal(num_parse("-1", 0, 10, &v), -1);
	assert_int_equal(num_parse("-11", -10, 10, &v), -1);
	assert_int_equal(num_parse("65536", 1, 65535, &v), -1);
	assert_int_equal(num_parse("0", 1, 65535, &v), -1);
	assert_true(v == 42);		/* untouched on failure */
}

static void
test_num_parse_garbage(void **state)
{
	static const char *const bad[] = {
		"", " 5", "5 ", "+5", "5x", "x5", "0x10", "1e3", "1.5", "-",
		"--5", "- 5", "\t5", "\n5", "\v5", "\f5", "\r5", "5\n", "1,000",
		"\xd9\xa5",	/* ARABIC-INDIC DIGIT FIVE */
	};
	long long v = 42;
	size_t i;

	(void)state;
	assert_int_equal(num_parse(NULL, 0, 10, &v), -1);
	for (i = 0; i < KB_NELEM(bad); i++) {
		if (num_parse(bad[i], LLONG_MIN, LLONG_MAX, &v) != -1)
			fail_msg("num_parse accepted \"%s\" (case %zu)",
			    bad[i], i);
	}
	assert_true(v == 42);
}

static void
test_num_parse_overflow(void **state)
{
	long long v = 42;

	(void)state;
	assert_int_equal(num_parse("9223372036854775808", LLONG_MIN, LLONG_MAX,
	    &v), -1);
	assert_int_equal(num_parse("-9223372036854775809", LLONG_MIN,
	    LLONG_MAX, &v), -1);
	assert_int_equal(num_parse("99999999999999999999999", LLONG_MIN,
	    LLONG_MAX, &v), -1);
	assert_true(v == 42);
}

/* ident_valid */

static void
test_ident_valid_accepts(void **state)
{
	(void)state;
	assert_int_equal(ident_valid("a", 1, NULL), 1);
	assert_int_equal(ident_valid("abc123", 6, NULL), 1);
	assert_int_equal(ident_valid("utrecht-west", 48, "-"), 1);
	assert_int_equal(ident_valid("a_b-c", 48, "_-"), 1);
	assert_int_equal(ident_valid("a b", 48, " -"), 1);
}

static void
test_ident_valid_rejects(void **state)
{
	(void)state;
	assert_int_equal(ident_valid("", 48, NULL), 0);
	assert_int_equal(ident_valid("abcdefg", 6, NULL), 0);
	assert_int_equal(ident_valid("Abc", 48, NULL), 0);
	assert_int_equal(ident_valid("a-b", 48, NULL), 0);
	assert_int_equal(ident_valid("a_b", 48, "-"), 0);
	assert_int_equal(ident_valid("a b", 48, "-"), 0);
	assert_int_equal(ident_valid("caf\xc3\xa9", 48, "-"), 0);
	assert_int_equal(ident_valid("../x", 48, "-"), 0);
	assert_int_equal(ident_valid("a/b", 48, "_-"), 0);
}

/* utf8_length */

static void
test_utf8_valid(void **state)
{
	(void)state;
	assert_int_equal(utf8_length("", 0), 0);
	assert_int_equal(utf8_length("abc", 3), 3);
	assert_int_equal(utf8_length("abc", 2), 2);	/* n is the limit */
	assert_int_equal(utf8_length("\xc3\xa9", 2), 1);		/* é */
	assert_int_equal(utf8_length("\xe2\x82\xac", 3), 1);		/* € */
	assert_int_equal(utf8_length("\xf0\x9f\x98\x80", 4), 1);	/* 😀 */
	assert_int_equal(utf8_length("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
	    10), 4);
	/* Edges of each length and around the surrogates. */
	assert_int_equal(utf8_length("\x7f", 1), 1);
	assert_int_equal(utf8_length("\xc2\x80", 2), 1);		/* U+0080 */
	assert_int_equal(utf8_length("\xdf\xbf", 2), 1);		/* U+07FF */
	assert_int_equal(utf8_length("\xe0\xa0\x80", 3), 1);		/* U+0800 */
	assert_int_equal(utf8_length("\xed\x9f\xbf", 3), 1);		/* U+D7FF */
	assert_int_equal(utf8_length("\xee\x80\x80", 3), 1);		/* U+E000 */
	assert_int_equal(utf8_length("\xef\xbf\xbf", 3), 1);		/* U+FFFF */
	assert_int_equal(utf8_length("\xf0\x90\x80\x80", 4), 1);	/* U+10000 */
	assert_int_equal(utf8_length("\xf4\x8f\xbf\xbf", 4), 1);	/* U+10FFFF */
}

static void
test_utf8_overlong(void **state)
{
	(void)state;
	assert_int_equal(utf8_length("\xc0\xaf", 2), -1);
	assert_int_equal(utf8_length("\xc1\xbf", 2), -1);
	assert_int_equal(utf8_length("\xc0\x80", 2), -1);	/* "modified" NUL */
	assert_int_equal(utf8_length("\xe0\x80\xaf", 3), -1);
	assert_int_equal(utf8_length("\xe0\x9f\xbf", 3), -1);
	assert_int_equal(utf8_length("\xf0\x80\x80\xaf", 4), -1);
	assert_int_equal(utf8_length("\xf0\x8f\xbf\xbf", 4), -1);
}

static void
test_utf8_surrogates_and_range(void **state)
{
	(void)state;
	assert_int_equal(utf8_length("\xed\xa0\x80", 3), -1);	/* U+D800 */
	assert_int_equal(utf8_length("\xed\xbf\xbf", 3), -1);	/* U+DFFF */
	assert_int_equal(utf8_length("\xed\xa0\xbd\xed\xb8\x80", 6), -1);
	assert_int_equal(utf8_length("\xf4\x90\x80\x80", 4), -1); /* >10FFFF */
	assert_int_equal(utf8_length("\xf7\xbf\xbf\xbf", 4), -1);
	assert_int_equal(utf8_length("\xf8\x88\x80\x80\x80", 5), -1);
	assert_int_equal(utf8_length("\xfc\x84\x80\x80\x80\x80", 6), -1);
	assert_int_equal(utf8_length("\xfe", 1), -1);
	assert_int_equal(utf8_length("\xff", 1), -1);
}

static void
test_utf8_truncated_and_stray(void **state)
{
	(void)state;
	assert_int_equal(utf8_length("\xe2\x82", 2), -1);
	assert_int_equal(utf8_length("a\xe2", 2), -1);
	assert_int_equal(utf8_length("\xf0\x9f\x98", 3), -1);
	/* The full sequence exists in memory but n cuts it. */
	assert_int_equal(utf8_length("\xc3\xa9", 1), -1);
	assert_int_equal(utf8_length("\x80", 1), -1);		/* lone cont. */
	assert_int_equal(utf8_length("a\xbf""b", 3), -1);
	assert_int_equal(utf8_length("\xc3""a", 2), -1);	/* bad cont. */
	assert_int_equal(utf8_length("\xe2\x28\xa1", 3), -1);
}

static void
test_utf8_embedded_nul(void **state)
{
	(void)state;
	assert_int_equal(utf8_length("a\0b", 3), -1);
	assert_int_equal(utf8_length("\0", 1), -1);
	assert_int_equal(utf8_length("abc\0", 4), -1);
}

/* hex_encode */

static void
test_hex_encode(void **state)
{
	static const unsigned char in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab,
	    0xff };
	char out[2 * sizeof(in) + 1 + 4];

	(void)state;
	memset(out, 'Z', sizeof(out));
	hex_encode(in, sizeof(in), out);
	assert_string_equal(out, "00017f80abff");
	/* Exactly 2n+1 bytes written: the rest is untouched. */
	assert_memory_equal(out + 2 * sizeof(in) + 1, "ZZZZ", 4);
	memset(out, 'Z', sizeof(out));
	hex_encode(in, 0, out);
	assert_string_equal(out, "");
	assert_int_equal(out[1], 'Z');
}

/* x* family */

static void
test_xstrndup(void **state)
{
	char *p;

	(void)state;
	p = xstrndup("abcdef", 3);
	assert_string_equal(p, "abc");
	free(p);
	p = xstrndup("a\0bc", 4);	/* copies n bytes, NUL and all */
	assert_memory_equal(p, "a\0bc", 5);
	free(p);
	p = xstrdup("");
	assert_string_equal(p, "");
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_appends_within_cap),
		cmocka_unit_test(test_buf_exact_cap_then_one_more),
		cmocka_unit_test(test_buf_remembers_first_error),
		cmocka_unit_test(test_buf_printf_over_cap),
		cmocka_unit_test(test_buf_zero_cap_refuses_everything),
		cmocka_unit_test(test_buf_huge_append_does_not_overflow),
		cmocka_unit_test(test_buf_grows_past_first_block),
		cmocka_unit_test(test_buf_embedded_nul_counts),
		cmocka_unit_test(test_buf_reset_clears_error),
		cmocka_unit_test(test_buf_release),
		cmocka_unit_test(test_buf_html_escapes_all_five),
		cmocka_unit_test(test_buf_html_plain_and_edges),
		cmocka_unit_test(test_buf_html_cap),
		cmocka_unit_test(test_num_parse_valid),
		cmocka_unit_test(test_num_parse_bounds),
		cmocka_unit_test(test_num_parse_garbage),
		cmocka_unit_test(test_num_parse_overflow),
		cmocka_unit_test(test_ident_valid_accepts),
		cmocka_unit_test(test_ident_valid_rejects),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_overlong),
		cmocka_unit_test(test_utf8_surrogates_and_range),
		cmocka_unit_test(test_utf8_truncated_and_stray),
		cmocka_unit_test(test_utf8_embedded_nul),
		cmocka_unit_test(test_hex_encode),
		cmocka_unit_test(test_xstrndup),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
