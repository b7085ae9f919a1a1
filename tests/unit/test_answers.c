/*
 * test_answers.c — survey_answers_validate for all seven question types,
 * required questions, show_if (also chained and on multi) and the shape
 * of the answers object; on failure *field names the question at fault.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "survey.h"

#define TXT "\"text\": {\"nl\": \"V\"}"
#define OPT(id) "{\"id\": \"" id "\", " TXT "}"

/*
 * One question of every type.  dep is shown when yn is true; dep2 when
 * dep is "p" (so hidden whenever dep is); md when m includes "y".
 */
static const char answers_survey[] =
    "{\"id\": \"all\", \"version\": 3, \"audience\": \"any\", "
    "\"languages\": [\"nl\"], \"title\": {\"nl\": \"T\"}, "
    "\"intro\": {\"nl\": \"I\"}, \"thanks\": {\"nl\": \"D\"}, "
    "\"questions\": ["
    "{\"id\": \"s\", \"type\": \"smiley\", \"required\": true, " TXT "},"
    "{\"id\": \"s4\", \"type\": \"smiley\", \"faces\": 4, " TXT "},"
    "{\"id\": \"g\", \"type\": \"grade\", " TXT "},"
    "{\"id\": \"sc\", \"type\": \"scale\", \"min\": 0, \"max\": 10, " TXT "},"
    "{\"id\": \"c\", \"type\": \"choice\", " TXT ", \"options\": ["
    OPT("a") "," OPT("b") "," OPT("c") "]},"
    "{\"id\": \"m\", \"type\": \"multi\", " TXT ", \"options\": ["
    OPT("x") "," OPT("y") "," OPT("z") "]},"
    "{\"id\": \"yn\", \"type\": \"yesno\", " TXT "},"
    "{\"id\": \"t\", \"type\": \"text\", \"max_length\": 5, " TXT "},"
    "{\"id\": \"dep\", \"type\": \"choice\", \"required\": true, " TXT
    ", \"options\": [" OPT("p") "," OPT("q") "], "
    "\"show_if\": {\"question\": \"yn\", \"equals\": true}},"
    "{\"id\": \"dep2\", \"type\": \"yesno\", " TXT ", "
    "\"show_if\": {\"question\": \"dep\", \"equals\": \"p\"}},"
    "{\"id\": \"md\", \"type\": \"grade\", " TXT ", "
    "\"show_if\": {\"question\": \"m\", \"equals\": \"y\"}}"
    "]}";

static struct survey *survey;

static int
group_setup(void **state)
{
	struct buf errors;

	(void)state;
	buf_init(&errors, 64 * 1024);
	survey = test_survey_parse(answers_survey, &errors);
	if (survey == NULL)
		fprintf(stderr, "%s", buf_cstr(&errors));
	buf_free(&errors);
	return survey == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	survey_free(survey);
	return 0;
}

/* Validates answers given as JSON text; the field is copied to field. */
static int
validate_json(json_t *answers, char *field, size_t fieldlen, char *msg,
    size_t msglen)
{
	const char *f = "(unset)";
	int rc;

	msg[0] = '\0';
	rc = survey_answers_validate(survey, answers, &f, msg, msglen);
	snprintf(field, fieldlen, "%s", rc == 0 ? "" : f ? f : "(null)");
	return rc;
}

static int
validate(const char *text, char *field, size_t fieldlen, char *msg,
    size_t msglen)
{
	json_error_t jerr;
	json_t *a;
	int rc;

	a = json_loads(text, JSON_DECODE_ANY, &jerr);
	if (a == NULL)
		fail_msg("bad test JSON %s: %s", text, jerr.text);
	rc = validate_json(a, field, fieldlen, msg, msglen);
	json_decref(a);
	return rc;
}

static void
ok(const char *text)
{
	char field[64], msg[256];

	if (validate(text, field, sizeof(field), msg, sizeof(msg)) != 0)
		fail_msg("refused %s: %s: %s", text, field, msg);
}

/* Refused, with *field == want_field and msg == want_msg (if not NULL). */
static void
bad(const char *text, const char *want_field, const char *want_msg)
{
	char field[64], msg[256];

	if (validate(text, field, sizeof(field), msg, sizeof(msg)) != -1)
		fail_msg("accepted %s", text);
	if (strcmp(field, want_field) != 0)
		fail_msg("%s: field '%s', want '%s' (%s)", text, field,
		    want_field, msg);
	if (want_msg != NULL && strcmp(msg, want_msg) != 0)
		fail_msg("%s: message '%s', want '%s'", text, msg, want_msg);
}

static void
bad_json(json_t *a, const char *want_field, const char *want_msg)
{
	char field[64], msg[256];

	if (validate_json(a, field, sizeof(field), msg, sizeof(msg)) != -1)
		fail_msg("accepted a value");
	json_decref(a);
	assert_string_equal(field, want_field);
	if (want_msg != NULL)
		assert_string_equal(msg, want_msg);
}

/* Positive. */

static void
test_all_types_valid(void **state)
{
	(void)state;
	ok("{\"s\": 1}");
	ok("{\"s\": 5, \"s4\": 4, \"g\": 10, \"sc\": 0, \"c\": \"c\", "
	    "\"m\": [\"z\", \"x\"], \"yn\": false, \"t\": \"abcde\"}");
	ok("{\"s\": 3, \"s4\": 1, \"g\": 1, \"sc\": 10, \"c\": \"a\", "
	    "\"m\": [\"x\", \"y\", \"z\"], \"yn\": true, \"dep\": \"q\", "
	    "\"t\": \"\"}");
}

static void
test_text_length_in_characters(void **state)
{
	(void)state;
	/* 5 characters, 6, 10 and 20 bytes: all within max_length 5. */
	ok("{\"s\": 1, \"t\": \"h\xc3\xa9llo\"}");
	ok("{\"s\": 1, \"t\": \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}");
	ok("{\"s\": 1, \"t\": \"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98"
	    "\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"}");
	/* Escapes count as the character they stand for. */
	ok("{\"s\": 1, \"t\": \"\\u00e9\\n\\t\\\"\\\\\"}");
}

static void
test_optional_null_accepted(void **state)
{
	(void)state;
	ok("{\"s\": 2, \"g\": null, \"c\": null, \"m\": null, \"t\": null}");
}

static void
test_show_if_shown(void **state)
{
	(void)state;
	ok("{\"s\": 1, \"yn\": true, \"dep\": \"q\"}");
	ok("{\"s\": 1, \"yn\": true, \"dep\": \"p\", \"dep2\": false}");
	ok("{\"s\": 1, \"m\": [\"x\", \"y\"], \"md\": 7}");
	ok("{\"s\": 1, \"m\": [\"y\"], \"md\": 7}");
}

static void
test_show_if_hidden_unanswered_or_null(void **state)
{
	(void)state;
	/* dep is required, but only when shown. */
	ok("{\"s\": 1, \"yn\": false}");
	ok("{\"s\": 1}");
	ok("{\"s\": 1, \"yn\": false, \"dep\": null, \"dep2\": null}");
	ok("{\"s\": 1, \"m\": [\"x\"], \"md\": null}");
}

/* Negative: numbers. */

static void
test_numbers_out_of_range(void **state)
{
	(void)state;
	bad("{\"s\": 0}", "s", "must be a whole number from 1 to 5");
	bad("{\"s\": 6}", "s", "must be a whole number from 1 to 5");
	bad("{\"s\": 1, \"s4\": 5}", "s4", "must be a whole number from 1 to 4");
	bad("{\"s\": 1, \"g\": 0}", "g", "must be a whole number from 1 to 10");
	bad("{\"s\": 1, \"g\": 11}", "g", NULL);
	bad("{\"s\": 1, \"sc\": -1}", "sc", "must be a whole number from 0 to "
	    "10");
	bad("{\"s\": 1, \"sc\": 11}", "sc", NULL);
}

static void
test_numbers_wrong_json_types(void **state)
{
	(void)state;
	bad("{\"s\": \"3\"}", "s", "must be a whole number from 1 to 5");
	bad("{\"s\": 1, \"g\": 4.5}", "g", NULL);
	bad("{\"s\": 1, \"g\": 4.0}", "g", NULL);
	bad("{\"s\": 1, \"g\": 4e0}", "g", NULL);
	bad("{\"s\": true}", "s", NULL);
	bad("{\"s\": 1, \"sc\": false}", "sc", NULL);
	bad("{\"s\": [3]}", "s", NULL);
	bad("{\"s\": {\"v\": 3}}", "s", NULL);
	bad("{\"s\": 1, \"g\": 99999999999999}", "g", NULL);
	bad("{\"s\": 1, \"g\": -9223372036854775808}", "g", NULL);
}

static void
test_numbers_extreme_integers(void **state)
{
	json_t *a;

	(void)state;
	a = json_pack("{s:i, s:I}", "s", 1, "g", (json_int_t)LLONG_MAX);
	bad_json(a, "g", "must be a whole number from 1 to 10");
	a = json_pack("{s:I}", "s", (json_int_t)LLONG_MIN);
	bad_json(a, "s", NULL);
	/* 2^32 + 3 must not wrap into range. */
	a = json_pack("{s:I}", "s", (json_int_t)4294967299LL);
	bad_json(a, "s", NULL);
}

/* Negative: choice, multi, yesno, text. */

static void
test_choice_invalid(void **state)
{
	(void)state;
	bad("{\"s\": 1, \"c\": \"d\"}", "c", "must be one of the question's "
	    "options");
	bad("{\"s\": 1, \"c\": \"A\"}", "c", NULL);
	bad("{\"s\": 1, \"c\": \"\"}", "c", NULL);
	bad("{\"s\": 1, \"c\": 1}", "c", NULL);
	bad("{\"s\": 1, \"c\": [\"a\"]}", "c", NULL);
	/* An option of another question is not an option of this one. */
	bad("{\"s\": 1, \"c\": \"x\"}", "c", NULL);
}

static void
test_multi_invalid(void **state)
{
	(void)state;
	bad("{\"s\": 1, \"m\": [\"x\", \"x\"]}", "m", "lists an option twice");
	bad("{\"s\": 1, \"m\": [\"x\", \"y\", \"x\"]}", "m",
	    "lists an option twice");
	bad("{\"s\": 1, \"m\": [\"x\", \"y\", \"z\", \"x\"]}", "m", NULL);
	bad("{\"s\": 1, \"m\": [\"w\"]}", "m", "must be a list of the "
	    "question's options");
	bad("{\"s\": 1, \"m\": [\"x\", \"a\"]}", "m", NULL);
	bad("{\"s\": 1, \"m\": []}", "m", "must be a list of the question's "
	    "options");
	bad("{\"s\": 1, \"m\": \"x\"}", "m", NULL);
	bad("{\"s\": 1, \"m\": [1]}", "m", NULL);
	bad("{\"s\": 1, \"m\": [null]}", "m", NULL);
	bad("{\"s\": 1, \"m\": [[\"x\"]]}", "m", NULL);
}

static void
test_yesno_invalid(void **state)
{
	(void)state;
	bad("{\"s\": 1, \"yn\": \"yes\"}", "yn", "must be true or false");
	bad("{\"s\": 1, \"yn\": 1}", "yn", "must be true or false");
	bad("{\"s\": 1, \"yn\": \"true\"}", "yn", NULL);
}

static void
test_text_invalid(void **state)
{
	(void)state;
	bad("{\"s\": 1, \"t\": \"abcdef\"}", "t", "is longer than 5 characters");
	bad("{\"s\": 1, \"t\": \"h\xc3\xa9llo!\"}", "t",
	    "is longer than 5 characters");
	bad("{\"s\": 1, \"t\": 5}", "t", "must be text");
	bad("{\"s\": 1, \"t\": [\"a\"]}", "t", "must be text");
	bad("{\"s\": 1, \"t\": true}", "t", NULL);
}

static void
test_text_with_nul_refused(void **state)
{
	json_t *a;

	(void)state;
	/* jansson can hold a NUL inside a string; the store cannot. */
	a = json_pack("{s:i, s:s#}", "s", 1, "t", "a\0b", (int)3);
	assert_non_null(a);
	bad_json(a, "t", "is not valid text");
}

/* Negative: required and show_if. */

static void
test_required_missing(void **state)
{
	(void)state;
	bad("{\"g\": 5}", "s", "this question needs an answer");
	bad("{\"s\": null, \"g\": 5}", "s", "this question needs an answer");
	/* dep is required once shown. */
	bad("{\"s\": 1, \"yn\": true}", "dep", "this question needs an answer");
	bad("{\"s\": 1, \"yn\": true, \"dep\": null}", "dep", NULL);
}

static void
test_show_if_hidden_but_answered(void **state)
{
	(void)state;
	bad("{\"s\": 1, \"yn\": false, \"dep\": \"p\"}", "dep",
	    "this question is not shown for the answers given");
	/* No answer to the parent hides it as well. */
	bad("{\"s\": 1, \"dep\": \"p\"}", "dep", NULL);
	bad("{\"s\": 1, \"yn\": null, \"dep\": \"p\"}", "dep", NULL);
	bad("{\"s\": 1, \"m\": [\"x\", \"z\"], \"md\": 7}", "md", NULL);
	bad("{\"s\": 1, \"md\": 7}", "md", NULL);
}

static void
test_show_if_chained(void **state)
{
	(void)state;
	/* yn false hides dep, so dep2 is hidden even with no dep answer. */
	bad("{\"s\": 1, \"yn\": false, \"dep2\": true}", "dep2",
	    "this question is not shown for the answers given");
	bad("{\"s\": 1, \"dep2\": true}", "dep2", NULL);
	/* dep shown but answered "q": dep2 hidden. */
	bad("{\"s\": 1, \"yn\": true, \"dep\": \"q\", \"dep2\": true}", "dep2",
	    NULL);
}

/* Negative: the object itself. */

static void
test_unknown_question(void **state)
{
	(void)state;
	bad("{\"s\": 1, \"zz\": 1}", "answers",
	    "'zz' is not a question of this survey");
	bad("{\"S\": 1}", "answers", NULL);
	bad("{\"s\": 1, \"\": 1}", "answers", NULL);
}

static void
test_empty_object(void **state)
{
	(void)state;
	bad("{}", "answers", "a response needs at least one answer");
}

static void
test_answers_not_an_object(void **state)
{
	char field[64], msg[256];

	(void)state;
	bad("[]", "answers", "answers must be an object keyed by question id");
	bad("[{\"s\": 1}]", "answers", NULL);
	bad("\"s\"", "answers", NULL);
	bad("null", "answers", NULL);
	bad("1", "answers", NULL);
	/* The caller may pass what json_object_get gave: NULL. */
	assert_int_equal(validate_json(NULL, field, sizeof(field), msg,
	    sizeof(msg)), -1);
	assert_string_equal(field, "answers");
}

static void
test_message_is_bounded(void **state)
{
	const char *field = NULL;
	char msg[8];
	json_t *a;

	(void)state;
	a = json_loads("{\"s\": 1, \"t\": \"abcdef\"}", 0, NULL);
	memset(msg, 'X', sizeof(msg));
	assert_int_equal(survey_answers_validate(survey, a, &field, msg,
	    sizeof(msg)), -1);
	assert_string_equal(field, "t");
	assert_string_equal(msg, "is long");	/* cut, NUL-terminated */
	json_decref(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_types_valid),
		cmocka_unit_test(test_text_length_in_characters),
		cmocka_unit_test(test_optional_null_accepted),
		cmocka_unit_test(test_show_if_shown),
		cmocka_unit_test(test_show_if_hidden_unanswered_or_null),
		cmocka_unit_test(test_numbers_out_of_range),
		cmocka_unit_test(test_numbers_wrong_json_types),
		cmocka_unit_test(test_numbers_extreme_integers),
		cmocka_unit_test(test_choice_invalid),
		cmocka_unit_test(test_multi_invalid),
		cmocka_unit_test(test_yesno_invalid),
		cmocka_unit_test(test_text_invalid),
		cmocka_unit_test(test_text_with_nul_refused),
		cmocka_unit_test(test_required_missing),
		cmocka_unit_test(test_show_if_hidden_but_answered),
		cmocka_unit_test(test_show_if_chained),
		cmocka_unit_test(test_unknown_question),
		cmocka_unit_test(test_empty_object),
		cmocka_unit_test(test_answers_not_an_object),
		cmocka_unit_test(test_message_is_bounded),
	};

	return cmocka_run_group_tests_name("answers", tests, group_setup,
	    group_teardown);
}
