/*
 * test_jsonpos.c — line and column (in characters) of a value found by
 * path, the deepest position reached when a segment is missing, and no
 * crash or hang on malformed text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonpos.h"
#include "util.h"

/* Locates path in text (NUL-terminated here) and checks line:column. */
static void
check_at(const char *text, size_t len, const char *const *path,
    size_t depth, int want_line, int want_col)
{
	int line = -7, col = -7;

	jsonpos_locate(text, len, path, depth, &line, &col);
	if (line != want_line || col != want_col)
		fail_msg("want %d:%d, got %d:%d", want_line, want_col, line,
		    col);
}

#define AT(text, path, line, col) \
	check_at((text), strlen(text), (path), KB_NELEM(path), (line), (col))

static void
test_root(void **state)
{
	(void)state;
	check_at("{}", 2, NULL, 0, 1, 1);
	check_at("  \n\n   {}", 9, NULL, 0, 3, 4);
	check_at("", 0, NULL, 0, 1, 1);
}

static void
test_nested_keys(void **state)
{
	static const char text[] =
	    "{\n"
	    "  \"a\": {\n"
	    "    \"b\": 5,\n"
	    "    \"c\": {\"d\": [true]}\n"
	    "  }\n"
	    "}\n";
	static const char *const ab[] = { "a", "b" };
	static const char *const acd[] = { "a", "c", "d" };
	static const char *const a[] = { "a" };

	(void)state;
	AT(text, a, 2, 8);
	AT(text, ab, 3, 10);
	AT(text, acd, 4, 16);
}

static void
test_array_indexes(void **state)
{
	static const char text[] = "[1, 2, [3, 4], {\"k\": [\"x\", \"y\"]}]";
	static const char *const p0[] = { "0" };
	static const char *const p21[] = { "2", "1" };
	static const char *const p3k1[] = { "3", "k", "1" };

	(void)state;
	AT(text, p0, 1, 2);
	AT(text, p21, 1, 12);
	AT(text, p3k1, 1, 28);
}

static void
test_skips_nested_and_similar_keys(void **state)
{
	static const char t1[] = "{\"x\": {\"a\": 1}, \"a\": 2}";
	static const char t2[] = "{\"ab\": 1, \"a\": 2}";
	static const char t3[] = "{\"a\": \"},{\", \"b\": 3}";
	static const char t4[] = "{\"a\\\"b\": 1, \"c\": 2}";
	static const char t5[] = "{\"a\": [[1, [2]], {\"q\": [3]}], \"b\": 4}";
	static const char *const a[] = { "a" };
	static const char *const b[] = { "b" };
	static const char *const c[] = { "c" };

	(void)state;
	AT(t1, a, 1, 22);	/* not the "a" inside "x" */
	AT(t2, a, 1, 16);	/* "ab" is not "a" */
	AT(t3, b, 1, 19);	/* brackets inside a string */
	AT(t4, c, 1, 18);	/* escaped quote in a key */
	AT(t5, b, 1, 36);
}

static void
test_multibyte_counts_characters(void **state)
{
	/* é and ü are 2 bytes, € 3, 😀 4: each one column. */
	static const char t1[] = "{\"\xc3\xa9\": \"\xc3\xbc\", \"k\": true}";
	static const char t2[] = "[\"\xf0\x9f\x98\x80\xe2\x82\xac\", 1]";
	static const char t3[] = "{\n\"\xc3\xa9\xc3\xa9\": 0,\n  \"\xe2\x82\xac\": 7}";
	static const char *const k[] = { "k" };
	static const char *const one[] = { "1" };
	static const char *const euro[] = { "\xe2\x82\xac" };

	(void)state;
	AT(t1, k, 1, 17);
	AT(t2, one, 1, 8);
	AT(t3, euro, 3, 8);
}

static void
test_line_endings_and_tabs(void **state)
{
	static const char crlf[] = "{\r\n\"a\": 1,\r\n\"b\":\t2}";
	static const char *const a[] = { "a" };
	static const char *const b[] = { "b" };

	(void)state;
	AT(crlf, a, 2, 6);
	AT(crlf, b, 3, 6);	/* a tab is one column */
}

static void
test_missing_segment_stops_deepest(void **state)
{
	static const char text[] = "{\"a\": {\"b\": [10, 20]}, \"n\": 5}";
	static const char *const zz[] = { "zz" };
	static const char *const azz[] = { "a", "zz" };
	static const char *const ab9[] = { "a", "b", "9" };
	static const char *const abx[] = { "a", "b", "x" };
	static const char *const abneg[] = { "a", "b", "-1" };
	static const char *const nk[] = { "n", "k" };
	static const char *const ab1k[] = { "a", "b", "1", "k" };

	(void)state;
	AT(text, zz, 1, 1);
	AT(text, azz, 1, 7);
	AT(text, ab9, 1, 13);	/* index past the end */
	AT(text, abx, 1, 13);	/* not an index */
	AT(text, abneg, 1, 13);
	AT(text, nk, 1, 29);	/* into a number */
	AT(text, ab1k, 1, 18);
}

static void
test_empty_containers(void **state)
{
	static const char text[] = "{\"a\": {}, \"b\": []}";
	static const char *const ax[] = { "a", "x" };
	static const char *const b0[] = { "b", "0" };

	(void)state;
	AT(text, ax, 1, 7);
	AT(text, b0, 1, 16);
}

static void
test_malformed_text(void **state)
{
	static const char *const ab[] = { "a", "b" };
	static const char *const a1[] = { "a", "1" };
	static const char *const deep[] = { "0", "0", "0" };
	static const char *const one[] = { "1" };
	int line, col;

	(void)state;
	/* Unterminated string: the value of "a" is still found. */
	AT("{\"a\": \"xxx", ab, 1, 7);
	/* Text ends right after the colon: the end of the text. */
	AT("{\"a\":", ab, 1, 6);
	/* Garbage where a key belongs. */
	AT("{\"x\" 1, \"a\": 2}", ab, 1, 1);
	AT("{x: 1}", ab, 1, 1);
	/* A backslash as the very last byte. */
	AT("{\"a\": [\"\\", a1, 1, 7);
	/* A trailing comma and a missing value. */
	AT("{\"a\": [1,,], \"b\": 2}", a1, 1, 10);
	/* A lone quote. */
	check_at("\"", 1, ab, 2, 1, 1);
	/* Nesting far past any limit: found, or stopped, but no crash. */
	{
		size_t n = 10000, i;
		char *t = xmalloc(n);

		for (i = 0; i < n; i++)
			t[i] = '[';
		check_at(t, n, deep, KB_NELEM(deep), 1, 4);
		line = col = 0;
		jsonpos_locate(t, n, one, 1, &line, &col);
		assert_int_equal(line, 1);
		assert_int_equal(col, 1);
		free(t);
	}
}

static void
test_embedded_nul_terminates(void **state)
{
	/* Each '\0' is inside len; a scan that makes no progress on it must
	 * stop instead of counting array elements until the index. */
	static const char text[] = "[\0\0\0]";
	static const char *const far[] = { "1000000000000000" };
	static const char *const mid[] = { "2" };
	static const char obj[] = "{\"a\": \0, \"b\": 1}";
	static const char *const b[] = { "b" };

	(void)state;
	check_at(text, sizeof(text) - 1, far, 1, 1, 1);
	check_at(text, sizeof(text) - 1, mid, 1, 1, 1);
	check_at(obj, sizeof(obj) - 1, b, 1, 1, 1);
}

static void
test_len_bounds_the_scan(void **state)
{
	/* The value lies beyond len: never read past it. */
	static const char text[] = "{\"a\": 1, \"b\": 2}";
	static const char *const b[] = { "b" };
	char *t = xmalloc(8);

	(void)state;
	memcpy(t, text, 8);			/* {"a": 1, */
	check_at(t, 8, b, 1, 1, 1);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_nested_keys),
		cmocka_unit_test(test_array_indexes),
		cmocka_unit_test(test_skips_nested_and_similar_keys),
		cmocka_unit_test(test_multibyte_counts_characters),
		cmocka_unit_test(test_line_endings_and_tabs),
		cmocka_unit_test(test_missing_segment_stops_deepest),
		cmocka_unit_test(test_empty_containers),
		cmocka_unit_test(test_malformed_text),
		cmocka_unit_test(test_embedded_nul_terminates),
		cmocka_unit_test(test_len_bounds_the_scan),
	};

	return cmocka_run_group_tests_name("jsonpos", tests, NULL, NULL);
}
