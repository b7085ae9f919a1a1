/*
 * test_i18n.c — interface texts (validation against nl.json, fallbacks),
 * the structural survey fingerprint, and which base URLs phones cannot
 * reach.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "i18n.h"
#include "link.h"
#include "survey.h"
#include "util.h"

static const char nl_json[] =
    "{\"lang\": \"nl\", \"name\": \"Nederlands\", \"texts\": {\n"
    "  \"start\": \"Beginnen\",\n"
    "  \"progress\": \"Vraag {i} van {n}\",\n"
    "  \"faces4\": [\"a\", \"b\", \"c\", \"d\"]\n"
    "}}\n";

static struct i18n_lang *
parse(const char *text, const struct i18n_lang *ref, struct buf *errors)
{
	buf_reset(errors);
	return i18n_parse("x.json", text, strlen(text), ref, errors);
}

static void
test_valid_and_lookup(void **state)
{
	struct buf errors;
	struct i18n_lang *nl, *ar;

	(void)state;
	buf_init(&errors, 65536);
	nl = parse(nl_json, NULL, &errors);
	assert_non_null(nl);
	assert_string_equal(nl->lang, "nl");
	assert_false(nl->rtl);
	assert_null(nl->review);
	ar = parse("{\"lang\": \"ar\", \"name\": \"العربية\", \"dir\": \"rtl\", "
	    "\"review\": \"needs a native speaker\", \"texts\": "
	    "{\"progress\": \"السؤال {i} من {n}\"}}", nl, &errors);
	assert_non_null(ar);
	assert_true(ar->rtl);
	assert_string_equal(ar->review, "needs a native speaker");
	i18n_lang_free(ar);
	i18n_lang_free(nl);
	buf_free(&errors);
}

/* Each bad file is refused with the position of the offending value. */
static void
test_refused(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "{\"lang\": \"tr\", \"name\": \"T\", \"texts\": {\n"
		  "\"progress\": \"Soru {i}\"}}", "x.json:2:13: text 'progress' "
		  "must keep the {placeholders}" },
		{ "{\"lang\": \"tr\", \"name\": \"T\", \"texts\": {\n"
		  "\"nope\": \"x\"}}", "x.json:2:9: unknown text 'nope'" },
		{ "{\"lang\": \"tr\", \"name\": \"T\", \"texts\": {\n"
		  "\"faces4\": [\"a\"]}}", "x.json:2:11: text 'faces4' must have "
		  "the shape" },
		{ "{\"lang\": \"tr\", \"name\": \"T\", \"texts\": {\n"
		  "\"start\": [\"a\"]}}", "x.json:2:10: text 'start' must have "
		  "the shape" },
		{ "{\"lang\": \"tr\", \"name\": \"T\", \"texts\": {\n"
		  "\"start\": \"\"}}", "x.json:2:10: text 'start' must be 1 to" },
		{ "{\"lang\": \"TR\", \"name\": \"T\", \"texts\": {\"start\": \"a\"}}",
		  "x.json:1:10: 'lang' must be a language code" },
		{ "{\"lang\": \"tr\", \"texts\": {\"start\": \"a\"}}",
		  "x.json:1:1: 'name' must be" },
		{ "{\"lang\": \"tr\", \"name\": \"T\", \"dir\": \"up\", \"texts\": "
		  "{\"start\": \"a\"}}", "x.json:1:36: 'dir' must be" },
		{ "{\"lang\": \"tr\", \"name\": \"T\", \"colour\": 1, \"texts\": "
		  "{\"start\": \"a\"}}", "x.json:1:39: unknown key" },
		{ "{\"lang\": \"tr\", \"name\": \"T\", \"texts\": {}}",
		  "x.json:1:38: 'texts' must be" },
		{ "{\"lang\": \"tr\", \"name\": \"T\", \"texts\": {\"start\": \"a\", "
		  "\"start\": \"b\"}}", "x.json:1:" },
		{ "[1]", "x.json:1:1: interface texts must be a JSON object" },
	};
	struct buf errors;
	struct i18n_lang *nl;
	size_t i;

	(void)state;
	buf_init(&errors, 65536);
	nl = parse(nl_json, NULL, &errors);
	assert_non_null(nl);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct i18n_lang *l = parse(cases[i].text, nl, &errors);

		if (l != NULL || strstr(buf_cstr(&errors), cases[i].want) ==
		    NULL)
			fail_msg("case %zu: want \"%s\", got \"%s\"", i,
			    cases[i].want, buf_cstr(&errors));
	}
	i18n_lang_free(nl);
	buf_free(&errors);
}

/* The shipped folder: every language loads; fallbacks run lang, en, nl. */
static void
test_shipped_folder(void **state)
{
	struct buf errors;
	struct i18n *set;

	(void)state;
	buf_init(&errors, 65536);
	assert_int_equal(i18n_load("surveys/i18n", &set, &errors), 0);
	assert_true(i18n_count(set) >= 6);
	assert_non_null(i18n_find(set, "ar"));
	assert_true(i18n_find(set, "ar")->rtl);
	assert_null(i18n_find(set, "xx"));
	assert_string_equal(i18n_text(set, "nl", "start", 0), "Beginnen");
	assert_string_equal(i18n_text(set, "xx", "start", 0), "Start");
	assert_string_equal(i18n_text(set, "nl", "faces5", 4), "Heel goed");
	assert_null(i18n_text(set, "nl", "faces5", 5));
	assert_null(i18n_text(set, "nl", "nope", 0));
	i18n_free(set);
	/* a missing folder is no error: no languages */
	assert_int_equal(i18n_load("surveys/nope", &set, &errors), 0);
	assert_int_equal(i18n_count(set), 0);
	assert_null(i18n_text(set, "nl", "start", 0));
	i18n_free(set);
	buf_free(&errors);
}

static const char survey_a[] =
    "{\"id\": \"t\", \"version\": 1, \"audience\": \"any\", \"languages\": "
    "[\"nl\"], \"title\": {\"nl\": \"T\"}, \"intro\": {\"nl\": \"I\"}, "
    "\"thanks\": {\"nl\": \"D\"}, \"questions\": [{\"id\": \"k\", \"type\": "
    "\"choice\", \"text\": {\"nl\": \"%s\"}, \"hint\": {\"nl\": \"%s\"}, "
    "\"options\": [{\"id\": \"a\", \"text\": {\"nl\": \"%s\"}}, "
    "{\"id\": \"z\", \"text\": {\"nl\": \"Z\"}}%s]}, "
    "{\"id\": \"j\", \"type\": \"%s\", \"text\": {\"nl\": \"J\"}}]}";

static struct survey *
survey_of(const char *text, const char *hint, const char *opt,
    const char *more, const char *type)
{
	char js[2048];
	struct buf errors;
	struct survey *s;

	snprintf(js, sizeof(js), survey_a, text, hint, opt, more, type);
	buf_init(&errors, 65536);
	s = survey_parse("t.json", js, strlen(js), &errors);
	if (s == NULL)
		fail_msg("%s", buf_cstr(&errors));
	buf_free(&errors);
	return s;
}

/* Words do not change the fingerprint; ids, types and options do. */
static void
test_fingerprint_is_structure(void **state)
{
	struct survey *a, *b;

	(void)state;
	a = survey_of("Vraag?", "Hint", "A", "", "yesno");
	b = survey_of("Andere woorden?", "Andere hint", "Optie A", "", "yesno");
	assert_string_equal(a->fingerprint, b->fingerprint);
	assert_string_not_equal(a->fingerprint_legacy, b->fingerprint_legacy);
	survey_free(b);
	b = survey_of("Vraag?", "Hint", "A", ", {\"id\": \"b\", \"text\": "
	    "{\"nl\": \"B\"}}", "yesno");
	assert_string_not_equal(a->fingerprint, b->fingerprint);
	survey_free(b);
	b = survey_of("Vraag?", "Hint", "A", "", "smiley");
	assert_string_not_equal(a->fingerprint, b->fingerprint);
	survey_free(b);
	survey_free(a);
}

static void
test_base_private(void **state)
{
	static const char *const priv[] = { "http://127.0.0.1:8080",
	    "http://127.9.9.9/", "https://localhost", "http://LOCALHOST:80",
	    "http://10.0.0.1", "http://172.16.0.1", "http://172.31.255.1",
	    "http://192.168.0.10:8080/x", "http://169.254.1.1",
	    "http://100.64.0.1", "http://0.0.0.0:8080", "http://[::1]:8080",
	    "http://[fc00::1]", "http://[fe80::1]/", "http://[::]",
	    "http://kiosk-pc", "http://server.local", "http://a.internal",
	    "http://x.localhost", "http://nas.home.arpa", "http://",
	    "http://[::1", NULL };
	static const char *const pub[] = { "https://klankbord.example",
	    "https://8.8.8.8", "http://172.32.0.1", "http://172.15.0.1",
	    "https://[2001:db8::1]:8443/k", "https://jeugd.utrecht.nl/k?x=1",
	    "http://192.169.0.1", NULL };
	size_t i;

	(void)state;
	for (i = 0; priv[i] != NULL; i++)
		if (!link_base_private(priv[i]))
			fail_msg("%s is private", priv[i]);
	for (i = 0; pub[i] != NULL; i++)
		if (link_base_private(pub[i]))
			fail_msg("%s is public", pub[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_and_lookup),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_shipped_folder),
		cmocka_unit_test(test_fingerprint_is_structure),
		cmocka_unit_test(test_base_private),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
