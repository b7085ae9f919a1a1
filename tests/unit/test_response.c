/*
 * test_response.c — response_prepare against the shipped surveys: the row
 * stored for a valid body, the ISO week in local time, and the status,
 * code and field of every kind of refusal.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "helpers.h"
#include "response.h"

/* 2026-11-20 12:00 in Amsterdam: ISO week 2026-W47, month 2026-11. */
#define NOW		((time_t)1795172400)
#define SID		"0b7f9a52-1c1e-4a8e-9d3b-6a1f2e3d4c5b"
/* BLAKE2b with a 16-byte digest of SID, computed outside this program. */
#define SID_HASH	"7991d91b4550e802d6073b150e294233"

#define BODY(rest) \
	"{\"survey\": \"ouders\", \"version\": 2, \"channel\": \"qr\", " \
	"\"location\": \"overvecht\", \"submission_id\": \"" SID "\"" rest "}"
#define ANSWERS(a)	", \"answers\": {" a "}"
#define MINIMAL		ANSWERS("\"gehoord\": 4, \"cijfer\": 8")

static struct survey_set *set;

static int
group_setup(void **state)
{
	struct buf errors;

	(void)state;
	setenv("TZ", "Europe/Amsterdam", 1);
	tzset();
	buf_init(&errors, 64 * 1024);
	if (survey_set_load(TEST_SURVEYS_DIR, &set, &errors) == -1) {
		fprintf(stderr, "%s", buf_cstr(&errors));
		buf_free(&errors);
		return -1;
	}
	buf_free(&errors);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	survey_set_free(set);
	return 0;
}

static int
prepare_n(const char *body, size_t len, struct store_response *r,
    struct response_error *e)
{
	memset(e, 0, sizeof(*e));
	if (response_prepare(set, body, len, NOW, r, e) == -1)
		return -1;
	/* What the release adds to the summaries, from the stored answers. */
	return response_rollup_row(set, r);
}

static int
prepare(const char *body, struct store_response *r, struct response_error *e)
{
	return prepare_n(body, strlen(body), r, e);
}

/* body must be accepted; r is filled (release with response_clear). */
static void
accept_body(const char *body, struct store_response *r)
{
	struct response_error e;

	if (prepare(body, r, &e) != 0)
		fail_msg("refused %s\n  %d %s field '%s': %s", body, e.status,
		    e.code, e.field, e.message);
}

/* body must be refused with exactly this status, code and field. */
static void
refuse_body_n(const char *body, size_t len, int status, const char *code,
    const char *field)
{
	struct store_response r, before;
	struct response_error e;

	memset(&r, 0x5a, sizeof(r));
	memcpy(&before, &r, sizeof(r));
	if (prepare_n(body, len, &r, &e) != -1) {
		response_clear(&r);
		fail_msg("accepted %.*s", (int)len, body);
	}
	if (e.status != status || e.code == NULL ||
	    strcmp(e.code, code) != 0 ||
	    (field != NULL && strcmp(e.field, field) != 0))
		fail_msg("%.200s:\n  want %d %s field '%s'\n  got  %d %s field "
		    "'%s': %s", body, status, code, field ? field : "(any)",
		    e.status, e.code ? e.code : "(null)", e.field, e.message);
	assert_true(e.message[0] != '\0');
	/* out untouched on error */
	assert_memory_equal(&r, &before, sizeof(r));
}

static void
refuse_body(const char *body, int status, const char *code, const char *field)
{
	refuse_body_n(body, strlen(body), status, code, field);
}

/* Valid responses. */

static void
test_valid_response_fields(void **state)
{
	struct store_response r;
	char hex[2 * STORE_SUBMISSION_BYTES + 1];

	(void)state;
	accept_body(BODY(", \"lang\": \"en\"" ANSWERS("\"gehoord\": 4, "
	    "\"cijfer\": 8, \"beter_doen\": \"  Bel 0612345678 \\n\"")), &r);
	assert_string_equal(r.survey, "ouders");
	assert_true(r.version == 2);
	assert_string_equal(r.channel, "qr");
	assert_string_equal(r.location, "overvecht");
	assert_string_equal(r.lang, "en");
	assert_string_equal(r.week, "2026-W47");
	assert_string_equal(r.answers, "{\"gehoord\":4,\"cijfer\":8,"
	    "\"beter_doen\":\"Bel [telefoon]\"}");
	hex_encode(r.submission, sizeof(r.submission), hex);
	assert_string_equal(hex, SID_HASH);
	/* Rollup fields: the month of the week's Thursday, the mean of the
	 * normalised satisfaction answers (smiley 4 of 1..5 is 7.5, grade 8
	 * is 8), one tally per non-text answer. */
	assert_string_equal(r.month, "2026-11");
	assert_int_equal(r.scored, 1);
	assert_true(fabs(r.score - 7.75) < 1e-9);
	assert_int_equal(r.ntallies, 2);
	assert_string_equal(r.tallies[0].question, "gehoord");
	assert_string_equal(r.tallies[0].value, "4");
	assert_string_equal(r.tallies[1].question, "cijfer");
	assert_string_equal(r.tallies[1].value, "8");
	response_clear(&r);
	assert_null(r.answers);
	assert_null(r.tallies);
}

static void
test_default_language_and_channels(void **state)
{
	static const char *const ch[] = { "qr", "kiosk", "web" };
	struct store_response r;
	char body[1024];
	size_t i;

	(void)state;
	accept_body(BODY(MINIMAL), &r);
	assert_string_equal(r.lang, "nl");	/* the survey's first */
	response_clear(&r);
	for (i = 0; i < KB_NELEM(ch); i++) {
		snprintf(body, sizeof(body), "{\"survey\": \"jongeren\", "
		    "\"version\": 2, \"channel\": \"%s\", \"location\": "
		    "\"utrecht-west\", \"submission_id\": \"abcdefgh\", "
		    "\"answers\": {\"geluisterd\": 5}}", ch[i]);
		accept_body(body, &r);
		assert_string_equal(r.channel, ch[i]);
		assert_string_equal(r.survey, "jongeren");
		assert_string_equal(r.location, "utrecht-west");
		response_clear(&r);
	}
}

static void
test_stored_answers_in_definition_order(void **state)
{
	struct store_response r;

	(void)state;
	accept_body(BODY(ANSWERS("\"beter_doen\": \"x\", \"aanbevelen\": 0, "
	    "\"cijfer\": 1, \"hoe_vaak\": \"3-plus\", "
	    "\"opnieuw_vertellen\": true, \"hulpverleners\": \"weet-niet\", "
	    "\"gehoord\": 1")), &r);
	assert_string_equal(r.answers, "{\"gehoord\":1,\"hulpverleners\":"
	    "\"weet-niet\",\"opnieuw_vertellen\":true,\"hoe_vaak\":\"3-plus\","
	    "\"cijfer\":1,\"aanbevelen\":0,\"beter_doen\":\"x\"}");
	response_clear(&r);
}

static void
test_multi_answers_and_tallies(void **state)
{
	struct store_response r;

	(void)state;
	accept_body("{\"survey\": \"participatie\", \"version\": 2, \"channel\": "
	    "\"kiosk\", \"location\": \"spoorzoom\", \"submission_id\": "
	    "\"x_y-z_12\", \"answers\": {\"idee\": \"mail jan@example.nl.\", "
	    "\"manieren\": [\"gesprek\", \"klantenpanel\"], "
	    "\"meedenken\": true}}", &r);
	assert_string_equal(r.answers, "{\"meedenken\":true,\"manieren\":"
	    "[\"gesprek\",\"klantenpanel\"],\"idee\":\"mail [e-mail].\"}");
	assert_int_equal(r.scored, 0);
	assert_int_equal(r.ntallies, 3);
	assert_string_equal(r.tallies[0].question, "meedenken");
	assert_string_equal(r.tallies[0].value, "yes");
	assert_string_equal(r.tallies[1].question, "manieren");
	assert_string_equal(r.tallies[1].value, "gesprek");
	assert_string_equal(r.tallies[2].value, "klantenpanel");
	response_clear(&r);
}

static void
test_text_redacted_trimmed_blank_dropped(void **state)
{
	struct store_response r;

	(void)state;
	accept_body(BODY(ANSWERS("\"gehoord\": 2, \"cijfer\": 3, "
	    "\"beter_doen\": \" \\t\\r\\n \"")), &r);
	assert_string_equal(r.answers, "{\"gehoord\":2,\"cijfer\":3}");
	response_clear(&r);
	accept_body(BODY(ANSWERS("\"gehoord\": 2, \"cijfer\": 3, "
	    "\"beter_doen\": \"\"")), &r);
	assert_string_equal(r.answers, "{\"gehoord\":2,\"cijfer\":3}");
	response_clear(&r);
	accept_body(BODY(ANSWERS("\"gehoord\": 2, \"cijfer\": 3, "
	    "\"beter_doen\": \"\\n Woon op 3581 AB, mail a@b.nl \\n\"")), &r);
	assert_string_equal(r.answers, "{\"gehoord\":2,\"cijfer\":3,"
	    "\"beter_doen\":\"Woon op [postcode], mail [e-mail]\"}");
	response_clear(&r);
}

/* Stored answers are byte for byte what jansson would write. */
static void
test_stored_answers_as_jansson_writes_them(void **state)
{
	struct store_response r;
	json_t *j;
	char *again;

	(void)state;
	accept_body(BODY(ANSWERS("\"gehoord\": 3, \"cijfer\": 10, "
	    "\"hulpverleners\": \"3\", \"serieus\": false, "
	    "\"beter_doen\": \"a\\\"b\\\\c\\u0001d\\u001fe\\tf/g "
	    "\\u20ac\\ud83d\\ude00 \\b\\f\\r\\n.\"")), &r);
	j = json_loads(r.answers, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j,
	    "beter_doen")), "a\"b\\c\001d\037e\tf/g \xe2\x82\xac"
	    "\xf0\x9f\x98\x80 \b\f\r\n.");
	again = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(r.answers, again);
	free(again);
	json_decref(j);
	response_clear(&r);
}

static void
test_null_answers_dropped(void **state)
{
	struct store_response r;
	char extra[128] = "";
	size_t i, ntallies;
	double score;

	(void)state;
	accept_body(BODY(ANSWERS("\"gehoord\": 5, \"duidelijk\": null, "
	    "\"cijfer\": 10, \"beter_doen\": null, \"hoe_vaak\": null")), &r);
	assert_string_equal(r.answers, "{\"gehoord\":5,\"cijfer\":10}");
	/* Not answered is not counted, in the rollups either. */
	for (i = 0; i < r.ntallies; i++)
		if (extra[0] == '\0' &&
		    strcmp(r.tallies[i].question, "gehoord") != 0 &&
		    strcmp(r.tallies[i].question, "cijfer") != 0)
			snprintf(extra, sizeof(extra), "%s = '%s'",
			    r.tallies[i].question, r.tallies[i].value);
	ntallies = r.ntallies;
	score = r.score;
	response_clear(&r);
	if (extra[0] != '\0')
		fail_msg("tally for an unanswered question: %s", extra);
	assert_int_equal(ntallies, 2);
	assert_true(fabs(score - 10.0) < 1e-9);
}

static void
test_same_submission_same_hash(void **state)
{
	struct store_response a, b, c;

	(void)state;
	accept_body(BODY(MINIMAL), &a);
	accept_body(BODY(", \"lang\": \"en\"" ANSWERS("\"gehoord\": 1, "
	    "\"cijfer\": 2")), &b);
	assert_memory_equal(a.submission, b.submission, STORE_SUBMISSION_BYTES);
	accept_body("{\"survey\": \"ouders\", \"version\": 2, \"channel\": \"qr\", "
	    "\"location\": \"overvecht\", \"submission_id\": "
	    "\"0b7f9a52-1c1e-4a8e-9d3b-6a1f2e3d4c5c\"" MINIMAL "}", &c);
	assert_memory_not_equal(a.submission, c.submission,
	    STORE_SUBMISSION_BYTES);
	response_clear(&a);
	response_clear(&b);
	response_clear(&c);
}

static void
test_archived_version_accepted(void **state)
{
	struct store_response r;
	struct buf errors, def;
	size_t len;
	char *text, *p;

	(void)state;
	text = test_read_file(TEST_SURVEYS_DIR "/jongeren.json", &len);
	assert_non_null(text);
	p = strstr(text, "\"version\": 2,");
	assert_non_null(p);
	buf_init(&def, 1024 * 1024);
	buf_init(&errors, 64 * 1024);
	buf_append(&def, text, (size_t)(p - text));
	buf_puts(&def, "\"version\": 9,");
	buf_puts(&def, p + strlen("\"version\": 2,"));
	assert_int_equal(survey_set_add_archived(set, "jongeren", 9,
	    buf_cstr(&def), &errors), 0);
	accept_body("{\"survey\": \"jongeren\", \"version\": 9, \"channel\": "
	    "\"web\", \"location\": \"vechtzoom\", \"submission_id\": "
	    "\"abcdefgh\", \"answers\": {\"geluisterd\": 5}}", &r);
	assert_true(r.version == 9);
	response_clear(&r);
	refuse_body("{\"survey\": \"jongeren\", \"version\": 8, \"channel\": "
	    "\"web\", \"location\": \"vechtzoom\", \"submission_id\": "
	    "\"abcdefgh\", \"answers\": {\"geluisterd\": 5}}", 422,
	    "unknown_version", "version");
	buf_free(&def);
	buf_free(&errors);
	free(text);
}

/* Weeks. */

static void
test_week_local_time(void **state)
{
	char w[9];

	(void)state;
	response_week((time_t)1767265200, w);		/* 2026-01-01 12:00 */
	assert_string_equal(w, "2026-W01");
	response_week((time_t)1798801200, w);		/* 2027-01-01 12:00 */
	assert_string_equal(w, "2026-W53");
	response_week((time_t)1609713000, w);		/* 2021-01-03 23:30 */
	assert_string_equal(w, "2020-W53");
	response_week(NOW, w);
	assert_string_equal(w, "2026-W47");
	/* Monday 2025-12-29 00:30 in Amsterdam is Sunday 23:30 in UTC. */
	response_week((time_t)1766964600, w);
	assert_string_equal(w, "2026-W01");
	setenv("TZ", "UTC", 1);
	tzset();
	response_week((time_t)1766964600, w);
	setenv("TZ", "Europe/Amsterdam", 1);
	tzset();
	assert_string_equal(w, "2025-W52");
}

static void
test_week_of_new_year_response(void **state)
{
	struct store_response r;
	struct response_error e;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(response_prepare(set, BODY(MINIMAL),
	    strlen(BODY(MINIMAL)), (time_t)1798801200, &r, &e), 0);
	assert_string_equal(r.week, "2026-W53");
	assert_string_equal(r.month, "2026-12");	/* Thu 31 Dec */
	response_clear(&r);
}

/* Refusals: the body. */

static void
test_bad_json(void **state)
{
	(void)state;
	refuse_body("{", 400, "bad_json", "");
	refuse_body("", 400, "bad_json", "");
	refuse_body("{\"survey\": \"ouders\",}", 400, "bad_json", "");
	refuse_body(BODY(MINIMAL) " x", 400, "bad_json", "");
	refuse_body("{\"survey\": \"ouders\", \"survey\": \"jongeren\"}", 400,
	    "bad_json", "");
	refuse_body("[]", 400, "bad_json", "");
	refuse_body("[" BODY(MINIMAL) "]", 400, "bad_json", "");
	refuse_body("\"ouders\"", 400, "bad_json", "");
	refuse_body("null", 400, "bad_json", "");
}

static void
test_non_finite_numbers(void **state)
{
	(void)state;
	refuse_body(BODY(ANSWERS("\"gehoord\": NaN, \"cijfer\": 8")), 400,
	    "bad_json", "");
	refuse_body(BODY(ANSWERS("\"gehoord\": 4, \"cijfer\": Infinity")), 400,
	    "bad_json", "");
	refuse_body(BODY(ANSWERS("\"gehoord\": 4, \"cijfer\": -Infinity")), 400,
	    "bad_json", "");
	refuse_body(BODY(ANSWERS("\"gehoord\": 4, \"cijfer\": 1e999")), 400,
	    "bad_json", "");
}

static void
test_deep_nesting(void **state)
{
	size_t n = 10000, i;
	char *body = xmalloc(n);

	(void)state;
	for (i = 0; i < n; i++)
		body[i] = '[';
	refuse_body_n(body, n, 400, "bad_json", "");
	for (i = 0; i < n; i += 2) {
		body[i] = '{';
		body[i + 1] = '[';
	}
	refuse_body_n(body, n, 400, "bad_json", "");
	free(body);
}

static void
test_nul_and_invalid_utf8(void **state)
{
	static const char raw_nul[] = BODY(MINIMAL);
	char *body;
	size_t n = strlen(raw_nul);

	(void)state;
	refuse_body(BODY(ANSWERS("\"gehoord\": 4, \"cijfer\": 8, "
	    "\"beter_doen\": \"a\\u0000b\"")), 400, "bad_json", "");
	refuse_body("{\"survey\\u0000\": \"ouders\"}", 400, "bad_json", "");
	refuse_body(BODY(ANSWERS("\"gehoord\": 4, \"cijfer\": 8, "
	    "\"beter_doen\": \"caf\xe9\"")), 400, "bad_json", "");
	refuse_body(BODY(ANSWERS("\"gehoord\": 4, \"cijfer\": 8, "
	    "\"beter_doen\": \"\xed\xa0\x80\"")), 400, "bad_json", "");
	refuse_body(BODY(ANSWERS("\"gehoord\": 4, \"cijfer\": 8, "
	    "\"beter_doen\": \"\\ud800\"")), 400, "bad_json", "");
	/* A raw NUL byte inside the body, within len. */
	body = xmalloc(n + 1);
	memcpy(body, raw_nul, n + 1);
	body[n - 2] = '\0';
	refuse_body_n(body, n, 400, "bad_json", "");
	/* And one after the closing brace. */
	memcpy(body, raw_nul, n + 1);
	refuse_body_n(body, n + 1, 400, "bad_json", "");
	free(body);
}

static void
test_unknown_top_level_field(void **state)
{
	(void)state;
	refuse_body(BODY(MINIMAL ", \"ip\": \"10.0.0.1\""), 422, "unknown_field",
	    NULL);
	/* Checked before the survey is looked up. */
	refuse_body("{\"survey\": \"nope\", \"Survey\": 1}", 422, "unknown_field",
	    NULL);
}

/* Refusals: the envelope. */

static void
test_unknown_survey(void **state)
{
	(void)state;
	refuse_body("{\"survey\": \"nope\", \"version\": 1}", 404, "unknown_survey",
	    "survey");
	refuse_body("{\"survey\": \"OUDERS\", \"version\": 1}", 404,
	    "unknown_survey", "survey");
	refuse_body("{\"survey\": \"\", \"version\": 1}", 404, "unknown_survey",
	    "survey");
	refuse_body("{\"survey\": 1, \"version\": 1}", 422, "invalid", "survey");
	refuse_body("{\"version\": 1}", 422, "invalid", "survey");
}

static void
test_version(void **state)
{
	(void)state;
	refuse_body("{\"survey\": \"ouders\", \"version\": 3}", 422,
	    "unknown_version", "version");
	refuse_body("{\"survey\": \"ouders\", \"version\": 0}", 422,
	    "unknown_version", "version");
	refuse_body("{\"survey\": \"ouders\", \"version\": -1}", 422,
	    "unknown_version", "version");
	refuse_body("{\"survey\": \"ouders\", \"version\": \"1\"}", 422, "invalid",
	    "version");
	refuse_body("{\"survey\": \"ouders\", \"version\": 2.0}", 422, "invalid",
	    "version");
	refuse_body("{\"survey\": \"ouders\", \"version\": true}", 422, "invalid",
	    "version");
	refuse_body("{\"survey\": \"ouders\"}", 422, "invalid", "version");
}

#define ENV(ch, loc, rest) \
	"{\"survey\": \"ouders\", \"version\": 2, \"channel\": " ch ", " \
	"\"location\": " loc rest MINIMAL "}"

static void
test_channel(void **state)
{
	(void)state;
	refuse_body(ENV("\"email\"", "\"overvecht\"", ", \"submission_id\": "
	    "\"abcdefgh\""), 422, "invalid", "channel");
	refuse_body(ENV("\"QR\"", "\"overvecht\"", ", \"submission_id\": "
	    "\"abcdefgh\""), 422, "invalid", "channel");
	refuse_body(ENV("null", "\"overvecht\"", ", \"submission_id\": "
	    "\"abcdefgh\""), 422, "invalid", "channel");
	refuse_body("{\"survey\": \"ouders\", \"version\": 2, \"location\": "
	    "\"overvecht\", \"submission_id\": \"abcdefgh\"" MINIMAL "}",
	    422, "invalid", "channel");
	/* SMS needs a token of the right shape (base62, 10 to 23). */
	refuse_body(ENV("\"sms\"", "\"overvecht\"", ", \"submission_id\": "
	    "\"abcdefgh\""), 422, "invalid", "token");
	refuse_body(ENV("\"sms\"", "\"overvecht\"", ", \"submission_id\": "
	    "\"abcdefgh\", \"token\": \"t0k3n\""), 422, "invalid", "token");
	refuse_body(ENV("\"sms\"", "\"overvecht\"", ", \"submission_id\": "
	    "\"abcdefgh\", \"token\": \"abc-def-ghi-jkl\""), 422, "invalid",
	    "token");
	refuse_body(ENV("\"sms\"", "\"overvecht\"", ", \"submission_id\": "
	    "\"abcdefgh\", \"token\": 12345678901"), 422, "invalid", "token");
	/* A token belongs only to sms. */
	refuse_body(ENV("\"qr\"", "\"overvecht\"", ", \"submission_id\": "
	    "\"abcdefgh\", \"token\": \"t0k3n\""), 422, "invalid", "token");
	refuse_body(ENV("\"kiosk\"", "\"overvecht\"", ", \"submission_id\": "
	    "\"abcdefgh\", \"token\": \"\""), 422, "invalid", "token");
}

static void
test_location(void **state)
{
	(void)state;
	refuse_body(ENV("\"qr\"", "\"amsterdam\"", ", \"submission_id\": "
	    "\"abcdefgh\""), 422, "unknown_location", "location");
	refuse_body(ENV("\"qr\"", "\"\"", ", \"submission_id\": \"abcdefgh\""),
	    422, "unknown_location", "location");
	refuse_body(ENV("\"qr\"", "[\"overvecht\"]", ", \"submission_id\": "
	    "\"abcdefgh\""), 422, "unknown_location", "location");
}

static void
test_lang(void **state)
{
	(void)state;
	refuse_body(BODY(", \"lang\": \"de\"" MINIMAL), 422, "invalid", "lang");
	refuse_body(BODY(", \"lang\": \"NL\"" MINIMAL), 422, "invalid", "lang");
	refuse_body(BODY(", \"lang\": \"\"" MINIMAL), 422, "invalid", "lang");
	refuse_body(BODY(", \"lang\": null" MINIMAL), 422, "invalid", "lang");
	refuse_body(BODY(", \"lang\": 1" MINIMAL), 422, "invalid", "lang");
}

#define WITH_SUB(sub) \
	"{\"survey\": \"ouders\", \"version\": 2, \"channel\": \"qr\", " \
	"\"location\": \"overvecht\", \"submission_id\": " sub MINIMAL "}"

static void
test_submission_id(void **state)
{
	struct store_response r;

	(void)state;
	/* 8 and 64 characters are the limits. */
	accept_body(WITH_SUB("\"abcdefgh\""), &r);
	response_clear(&r);
	accept_body(WITH_SUB("\"0123456789012345678901234567890123456789"
	    "012345678901234567890123\""), &r);
	response_clear(&r);
	refuse_body("{\"survey\": \"ouders\", \"version\": 2, \"channel\": \"qr\", "
	    "\"location\": \"overvecht\"" MINIMAL "}", 422, "invalid",
	    "submission_id");
	refuse_body(WITH_SUB("\"abcdefg\""), 422, "invalid", "submission_id");
	refuse_body(WITH_SUB("\"0123456789012345678901234567890123456789"
	    "0123456789012345678901234\""), 422, "invalid", "submission_id");
	refuse_body(WITH_SUB("\"abcd efgh\""), 422, "invalid", "submission_id");
	refuse_body(WITH_SUB("\"abcd/efgh\""), 422, "invalid", "submission_id");
	refuse_body(WITH_SUB("\"abcd.efgh\""), 422, "invalid", "submission_id");
	refuse_body(WITH_SUB("\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\""), 422,
	    "invalid", "submission_id");
	refuse_body(WITH_SUB("12345678"), 422, "invalid", "submission_id");
	refuse_body(WITH_SUB("\"\""), 422, "invalid", "submission_id");
}

/* Refusals: the answers. */

static void
test_invalid_answers(void **state)
{
	(void)state;
	refuse_body(BODY(ANSWERS("\"gehoord\": 4, \"cijfer\": 11")), 422,
	    "invalid_answer", "cijfer");
	refuse_body(BODY(ANSWERS("\"gehoord\": 4, \"cijfer\": 4.5")), 422,
	    "invalid_answer", "cijfer");
	refuse_body(BODY(ANSWERS("\"cijfer\": 8")), 422, "invalid_answer",
	    "gehoord");
	refuse_body(BODY(ANSWERS("\"gehoord\": 4, \"cijfer\": 8, "
	    "\"opnieuw_vertellen\": false, \"hoe_vaak\": \"1\"")), 422,
	    "invalid_answer", "hoe_vaak");
	refuse_body(BODY(ANSWERS("\"gehoord\": 4, \"cijfer\": 8, \"leeftijd\": 9")),
	    422, "invalid_answer", "answers");
	refuse_body(BODY(ANSWERS("")), 422, "invalid_answer", "answers");
	refuse_body(BODY(", \"answers\": [4, 8]"), 422, "invalid_answer",
	    "answers");
	refuse_body(BODY(""), 422, "invalid_answer", "answers");
}

static void
test_text_too_long(void **state)
{
	struct store_response r;
	struct buf b;
	int i;

	(void)state;
	/* 500 characters of 2 bytes each fit max_length 500. */
	buf_init(&b, 64 * 1024);
	buf_puts(&b, BODY(""));
	b.len--;		/* reopen the object */
	buf_puts(&b, ", \"answers\": {\"gehoord\": 4, \"cijfer\": 8, "
	    "\"beter_doen\": \"");
	for (i = 0; i < 500; i++)
		buf_puts(&b, "\xc3\xa9");
	buf_puts(&b, "\"}}");
	accept_body(buf_cstr(&b), &r);
	response_clear(&r);
	b.len -= 3;
	buf_puts(&b, "\xc3\xa9\"}}");
	refuse_body(buf_cstr(&b), 422, "invalid_answer", "beter_doen");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_response_fields),
		cmocka_unit_test(test_default_language_and_channels),
		cmocka_unit_test(test_stored_answers_in_definition_order),
		cmocka_unit_test(test_multi_answers_and_tallies),
		cmocka_unit_test(test_text_redacted_trimmed_blank_dropped),
		cmocka_unit_test(test_stored_answers_as_jansson_writes_them),
		cmocka_unit_test(test_null_answers_dropped),
		cmocka_unit_test(test_same_submission_same_hash),
		cmocka_unit_test(test_archived_version_accepted),
		cmocka_unit_test(test_week_local_time),
		cmocka_unit_test(test_week_of_new_year_response),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_non_finite_numbers),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_nul_and_invalid_utf8),
		cmocka_unit_test(test_unknown_top_level_field),
		cmocka_unit_test(test_unknown_survey),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_channel),
		cmocka_unit_test(test_location),
		cmocka_unit_test(test_lang),
		cmocka_unit_test(test_submission_id),
		cmocka_unit_test(test_invalid_answers),
		cmocka_unit_test(test_text_too_long),
	};

	return cmocka_run_group_tests_name("response", tests, group_setup,
	    group_teardown);
}
