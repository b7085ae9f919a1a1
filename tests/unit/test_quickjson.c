/*
 * test_quickjson.c — the fast path agrees with jansson: whatever it
 * returns equals what jansson builds (with JSON_REJECT_DUPLICATES, in the
 * same key order), and it gives up on everything jansson refuses.  Fixed
 * cases, then a few hundred thousand generated and mutated documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "quickjson.h"
#include "util.h"

/* Same keys in the same order, same values, recursively. */
static int
same(json_t *a, json_t *b)
{
	const char *k;
	json_t *v;
	void *it;
	size_t i;

	if (json_typeof(a) != json_typeof(b))
		return 0;
	if (json_is_object(a)) {
		if (json_object_size(a) != json_object_size(b))
			return 0;
		it = json_object_iter(b);
		json_object_foreach(a, k, v) {
			if (it == NULL || strcmp(k, json_object_iter_key(it))
			    != 0 || !same(v, json_object_iter_value(it)))
				return 0;
			it = json_object_iter_next(b, it);
		}
		return 1;
	}
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return 0;
		json_array_foreach(a, i, v)
			if (!same(v, json_array_get(b, i)))
				return 0;
		return 1;
	}
	return json_equal(a, b);
}

/* 1 when quick gave up, 2 when both agree on a value; fails otherwise. */
static int
check(const char *s, size_t n)
{
	json_t *q = quickjson_object(s, n);
	json_t *j = json_loadb(s, n, JSON_REJECT_DUPLICATES, NULL);
	int rc = 1;

	if (q != NULL) {
		if (j == NULL || !json_is_object(j) || !same(q, j))
			fail_msg("quickjson and jansson disagree on '%.*s'",
			    (int)n, s);
		rc = 2;
	}
	json_decref(q);
	json_decref(j);
	return rc;
}

static void
test_fixed(void **state)
{
	static const char *const taken[] = {
		"{}", " { } ", "{\"a\":1}", "{\"a\": -0}", "{\"a\":[]}",
		"{\"a\":[1, \"x\", true, false, null, {}, []]}",
		"{\"survey\":\"ouders\",\"version\":2,\"answers\":"
		    "{\"gehoord\":4,\"plan\":false,\"m\":[\"a\",\"b\"]}}",
		"{\"\":\"\"}", "{\"a\":999999999999999999}",
		"\t{\r\n\"a\"\t:\n1\r}\n",
	};
	static const char *const left[] = {
		"", "[]", "1", "\"a\"", "{", "}", "{\"a\"}", "{\"a\":}",
		"{\"a\":1,}", "{\"a\":1 \"b\":2}", "{\"a\":1}x", "{\"a\":1}{}",
		"{\"a\":01}", "{\"a\":1.5}", "{\"a\":1e3}", "{\"a\":-}",
		"{\"a\":1}, ", "{\"a\":\"\\n\"}", "{\"a\":\"\xc3\xa9\"}",
		"{\"a\":1,\"a\":2}", "{\"a\":tru}", "{\"a\":truex}",
		"{\"a\":nul}", "{\"a\":1000000000000000000}", "{'a':1}",
		"{\"a\":[1,]}", "{\"a\":[1 2]}", "{\"a\":\"\x7f\"}",
		"{\"a\":[[[[[[[[[[1]]]]]]]]]]}", "{\"a\":+1}", "{a:1}",
		"{\"a\":\"b}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < KB_NELEM(taken); i++)
		if (check(taken[i], strlen(taken[i])) != 2)
			fail_msg("not taken: %s", taken[i]);
	for (i = 0; i < KB_NELEM(left); i++)
		if (check(left[i], strlen(left[i])) != 1)
			fail_msg("not left to jansson: %s", left[i]);
	/* A NUL inside is left to jansson too. */
	assert_int_equal(check("{\"a\":\"x\0y\"}", 11), 1);
	assert_int_equal(check("{\"a\":1}\0", 8), 1);
}

static unsigned long long rng = 88172645463325252ULL;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* A random document of the subset's shape (and some beyond it). */
static void
gen(struct buf *b, int depth)
{
	static const char *const atoms[] = { "0", "-0", "7", "-12",
	    "123456789012345678", "1.5", "2e3", "true", "false", "null",
	    "\"\"", "\"ja\"", "\"4-plus\"", "\"a b\"", "\"\\u00e9\"",
	    "\"\xc3\xa9\"", "01", "1234567890123456789" };
	static const char *const keys[] = { "a", "b", "gehoord", "", "x y" };
	static const char *const ws[] = { "", "", "", " ", "\n", "\t ", "\r\n" };
	unsigned i, n;

	buf_puts(b, ws[rnd(KB_NELEM(ws))]);
	switch (depth > 3 ? 2 : rnd(4)) {
	case 0:
		buf_putc(b, '{');
		for (n = rnd(5), i = 0; i < n; i++) {
			if (i > 0)
				buf_putc(b, ',');
			buf_puts(b, ws[rnd(KB_NELEM(ws))]);
			buf_printf(b, "\"%s\"", keys[rnd(KB_NELEM(keys))]);
			buf_puts(b, ws[rnd(KB_NELEM(ws))]);
			buf_putc(b, ':');
			gen(b, depth + 1);
		}
		buf_putc(b, '}');
		break;
	case 1:
		buf_putc(b, '[');
		for (n = rnd(4), i = 0; i < n; i++) {
			if (i > 0)
				buf_putc(b, ',');
			gen(b, depth + 1);
		}
		buf_putc(b, ']');
		break;
	default:
		buf_puts(b, atoms[rnd(KB_NELEM(atoms))]);
	}
	buf_puts(b, ws[rnd(KB_NELEM(ws))]);
}

static void
test_generated_and_mutated(void **state)
{
	static const char junk[] = "{}[],:\" \\0123456789-+.eEtrufalsn\x7f\x01";
	unsigned round, taken = 0, left = 0;

	(void)state;
	for (round = 0; round < 200000; round++) {
		struct buf b;
		size_t len;
		char *s;

		buf_init(&b, 1 << 16);
		buf_putc(&b, '{');
		buf_puts(&b, "\"k\":");
		gen(&b, 0);
		buf_putc(&b, '}');
		s = buf_release(&b, &len);
		/* Most rounds mutate a byte or two: insert, delete, replace. */
		if (len > 0 && rnd(3) != 0) {
			size_t at = rnd((unsigned)len), k;

			switch (rnd(3)) {
			case 0:
				s[at] = junk[rnd(sizeof(junk) - 1)];
				break;
			case 1:
				for (k = at; k + 1 < len; k++)
					s[k] = s[k + 1];
				len--;
				break;
			default:
				s = xrealloc(s, len + 2);
				memmove(s + at + 1, s + at, len - at);
				s[at] = junk[rnd(sizeof(junk) - 1)];
				len++;
			}
		}
		if (check(s, len) == 2)
			taken++;
		else
			left++;
		free(s);
	}
	print_message("# quickjson: %u documents taken, %u left to jansson, "
	    "no disagreement\n", taken, left);
	assert_true(taken > 10000 && left > 10000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_generated_and_mutated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
